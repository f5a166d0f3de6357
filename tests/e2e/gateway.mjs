// End-to-end driver for examples/api_gateway.rs: pusher-js subscribes on sockudo; our
// `pusher` CLI sends through the gateway, via a recorder here that keeps the exact
// request it sent; the captured request is then replayed to the gateway, which must
// refuse it (409) so it never reaches sockudo: pusher-js, which receives everything
// sockudo publishes, counts the events. A request for another app's path is refused.
// Reads: WS_PORT (sockudo), GATEWAY_URL, APP_ID, APP_KEY, APP_SECRET, PUSHER_CLI,
// E2E_TIMEOUT_MS. It starts nothing but clients and the recorder (on a free port).
import crypto from 'node:crypto';
import http from 'node:http';
import { execFile } from 'node:child_process';
import Pusher from 'pusher-js';

const env = process.env;
const TIMEOUT_MS = Number(env.E2E_TIMEOUT_MS || 10_000);
const CHANNEL = 'gateway-news';
const results = [];
const cleanups = [];

function report(name, error) {
  if (error) console.log(`not ok - ${name}: ${String(error?.message ?? error).replace(/\s+/g, ' ')}`);
  else console.log(`ok - ${name}`);
  results.push(!error);
}
async function check(name, fn) {
  try {
    await fn();
    report(name);
  } catch (e) {
    report(name, e);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function bounded(promise, what, ms = TIMEOUT_MS) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// A recorder in front of the gateway: forwards each request unchanged, keeps a copy.
const captured = [];
const recorder = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const request = { method: req.method, url: req.url, body, contentType: req.headers['content-type'] };
    captured.push(request);
    const answer = await send(request);
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
    res.end(answer.text);
  });
});
await new Promise((resolve) => recorder.listen(0, '127.0.0.1', resolve));
cleanups.push(() => recorder.close());
const RECORDER_URL = `http://127.0.0.1:${recorder.address().port}`;

// Sends a (captured) request to the gateway, byte for byte.
async function send({ method, url, body, contentType }) {
  const headers = contentType ? { 'content-type': contentType } : {};
  const res = await fetch(`${env.GATEWAY_URL}${url}`, {
    method,
    headers,
    body: method === 'GET' ? undefined : body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

function cli(args) {
  const childEnv = { PATH: env.PATH, PUSHER_APP_ID: env.APP_ID, PUSHER_APP_KEY: env.APP_KEY, PUSHER_APP_SECRET: env.APP_SECRET };
  return bounded(
    new Promise((resolve) => {
      execFile(env.PUSHER_CLI, ['--url', RECORDER_URL, ...args], { env: childEnv, timeout: TIMEOUT_MS }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    }),
    `pusher ${args.join(' ')}`,
  );
}

// Signs an API request as the official libraries do, for app `appId`'s path.
function signed(path, body) {
  const params = {
    auth_key: env.APP_KEY,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    body_md5: crypto.createHash('md5').update(body).digest('hex'),
  };
  const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const signature = crypto.createHmac('sha256', env.APP_SECRET).update(`POST\n${path}\n${query}`).digest('hex');
  return { method: 'POST', url: `${path}?${query}&auth_signature=${signature}`, body: Buffer.from(body), contentType: 'application/json' };
}

// pusher-js on sockudo: every event sockudo publishes on the channel.
const received = [];
const pusher = new Pusher(env.APP_KEY, {
  cluster: 'mt1',
  wsHost: '127.0.0.1',
  wsPort: Number(env.WS_PORT),
  forceTLS: false,
  enabledTransports: ['ws'],
});
cleanups.push(() => pusher.disconnect());
const count = (name) => received.filter((e) => e.name === name).length;
async function waitFor(name, n) {
  const until = Date.now() + TIMEOUT_MS;
  while (count(name) < n) {
    assert(Date.now() < until, `pusher-js received ${count(name)} "${name}", expected ${n}`);
    await sleep(50);
  }
}

try {
  await check('pusher-js subscribes on sockudo', async () => {
    await bounded(
      new Promise((resolve, reject) => {
        const channel = pusher.subscribe(CHANNEL);
        channel.bind('pusher:subscription_succeeded', resolve);
        channel.bind('pusher:subscription_error', reject);
        channel.bind_global((name, data) => {
          if (!name.startsWith('pusher:')) received.push({ name, data });
        });
      }),
      'subscription',
    );
  });

  await check('the pusher CLI sends through the gateway and pusher-js receives the event', async () => {
    const r = await cli(['trigger', '--event', 'through-gateway', '--data', '{"n":1}', CHANNEL]);
    assert(r.code === 0, `pusher trigger: exit ${r.code}, ${r.stderr.trim()}`);
    await waitFor('through-gateway', 1);
    assert(captured.length === 1, `${captured.length} requests captured`);
  });

  await check('the captured request sent again is refused (409) and never reaches sockudo', async () => {
    const again = await send(captured[0]);
    assert(again.status === 409, `gateway answered ${again.status} ${again.text}`);
    // A request that reached sockudo would be published: give it time to arrive.
    await sleep(1000);
    assert(count('through-gateway') === 1, `pusher-js received ${count('through-gateway')} "through-gateway"`);
  });

  await check('a request signed here is forwarded once, its replay refused', async () => {
    const request = signed(`/apps/${env.APP_ID}/events`, JSON.stringify({ name: 'signed-here', channel: CHANNEL, data: '{}' }));
    const first = await send(request);
    assert(first.status === 200, `first: ${first.status} ${first.text}`);
    const replays = await Promise.all([send(request), send(request), send(request)]);
    assert(replays.every((r) => r.status === 409), `replays: ${replays.map((r) => r.status)}`);
    await waitFor('signed-here', 1);
    await sleep(1000);
    assert(count('signed-here') === 1, `pusher-js received ${count('signed-here')} "signed-here"`);
  });

  await check("a request for another app's path is refused at the gateway", async () => {
    const request = signed('/apps/another-app/events', JSON.stringify({ name: 'other-app', channel: CHANNEL, data: '{}' }));
    const res = await send(request);
    assert(res.status === 403, `gateway answered ${res.status} ${res.text}`);
  });

  await check('an unsigned or forged request is refused at the gateway', async () => {
    const body = JSON.stringify({ name: 'forged', channel: CHANNEL, data: '{}' });
    const unsigned = await send({ method: 'POST', url: `/apps/${env.APP_ID}/events`, body: Buffer.from(body), contentType: 'application/json' });
    assert(unsigned.status === 400, `unsigned: ${unsigned.status} ${unsigned.text}`);
    const forged = signed(`/apps/${env.APP_ID}/events`, body);
    forged.url = forged.url.replace(/auth_signature=[0-9a-f]+/, `auth_signature=${'0'.repeat(64)}`);
    const res = await send(forged);
    assert(res.status === 401, `forged: ${res.status} ${res.text}`);
    await sleep(500);
    assert(count('forged') === 0 && count('other-app') === 0, 'a refused request reached sockudo');
  });
} finally {
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {}
  }
}

const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(results.length - passed === 0 && passed > 0 ? 0 : 1);
