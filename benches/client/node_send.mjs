// Load driver for benches/client/run.sh: the same triggers through the official Node
// library (`pusher` 5.x, from tests/e2e/node_modules), keep-alive on, from SENDERS
// concurrent loops, TOTAL in all. Prints the same RESULT line as send_load.rs.
import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/e2e/package.json'));
const Pusher = require('pusher');

const env = process.env;
const url = new URL(env.API_URL || 'http://127.0.0.1:6402');
const senders = Number(env.SENDERS || 1);
const total = Number(env.TOTAL || 2000);
const pusher = new Pusher({
  appId: env.PUSHER_APP_ID || '1',
  key: env.PUSHER_APP_KEY || 'app-key',
  secret: env.PUSHER_APP_SECRET || 'app-secret',
  host: url.hostname,
  port: url.port,
  useTLS: false,
  agent: new http.Agent({ keepAlive: true, maxSockets: senders }),
});
const data = { n: 1 };

await Promise.all(Array.from({ length: senders }, () => pusher.trigger('bench-channel', 'bench', data)));
const latencies = [];
let ok = 0;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: senders }, async (_, i) => {
    const count = Math.floor(total / senders) + (i < total % senders ? 1 : 0);
    for (let n = 0; n < count; n++) {
      const at = process.hrtime.bigint();
      try {
        await pusher.trigger('bench-channel', 'bench', data);
        ok++;
      } catch {
        // counted as not ok
      }
      latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
    }
  }),
);
const secs = Number(process.hrtime.bigint() - started) / 1e9;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(Math.floor(latencies.length * p), latencies.length - 1)];
console.log(
  `RESULT impl=node senders=${senders} total=${total} ok=${ok} secs=${secs.toFixed(3)} rps=${(total / secs).toFixed(0)} p50_ms=${pct(0.5).toFixed(3)} p99_ms=${pct(0.99).toFixed(3)}`,
);
