// End-to-end driver for the rate limit: one pusher-js client holds a public channel on a
// rate-limited server while BURST_BIN (tests/e2e/burst.rs, example `e2e_burst`) sends
// bursts of COUNT triggers through send::Client, all at once.
//   1. RetryPolicy::default(): every trigger accepted (the server's limit is below
//      COUNT, so some were refused with 429 and tried again), and pusher-js receives
//      each of the COUNT events exactly once.
//   2. RetryPolicy::none(): some triggers refused as ApiError::RateLimited (> 0), no
//      other error, and every accepted event arrives exactly once, no refused one.
// It starts nothing but the client and the sender (each bounded). Env: SERVER, WS_PORT,
// API_URL, APP_ID, APP_KEY, APP_SECRET, BURST_BIN, COUNT (20), LIMIT (the server's
// events per second, for the check that the burst exceeds it), PHASES ("retry none"),
// E2E_TIMEOUT_MS (10000).
// Prints `ok`/`not ok` lines, one `counts` line per phase, then `N passed, M failed`.
import { execFile } from 'node:child_process';
import Pusher from 'pusher-js';

const env = process.env;
const TIMEOUT_MS = Number(env.E2E_TIMEOUT_MS || 10_000);
const SERVER = env.SERVER || 'server';
const COUNT = Number(env.COUNT || 20);
const LIMIT = Number(env.LIMIT);
const CHANNEL = `e2e-ratelimit-${SERVER}`;
// Which phases to run: `retry` (1.) and/or `none` (2.).
const PHASES = (env.PHASES || 'retry none').split(/\s+/).filter(Boolean);
// How long to keep listening after the expected events came, to catch duplicates.
const SETTLE_MS = 1500;

let passed = 0;
let failed = 0;
function report(name, error) {
  if (error) {
    console.log(`not ok - ${SERVER}: ${name}: ${String(error.message || error).replace(/\s+/g, ' ')}`);
    failed += 1;
  } else {
    console.log(`ok - ${SERVER}: ${name}`);
    passed += 1;
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function bounded(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS / 1000}s waiting for ${what}`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Runs the sender once; resolves to its JSON line.
function burst(phase, retry) {
  return new Promise((resolve, reject) => {
    execFile(
      env.BURST_BIN,
      [],
      {
        env: {
          PATH: env.PATH,
          API_URL: env.API_URL,
          APP_ID: env.APP_ID,
          APP_KEY: env.APP_KEY,
          APP_SECRET: env.APP_SECRET,
          CHANNEL,
          PHASE: phase,
          RETRY: retry,
          COUNT: String(COUNT),
          BURST_TIMEOUT_S: '45',
        },
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`sender failed: ${error.message} ${stderr.slice(0, 300)}`));
        const line = stdout.trim().split('\n').pop();
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`sender printed no JSON line: ${stdout.slice(0, 300)}`));
        }
      },
    );
  });
}

// Received `i`s per phase, in arrival order (duplicates kept).
const received = new Map();
let onEvent = () => {};

// Waits until `want` events of the phase came (bounded), then SETTLE_MS more.
async function collect(phase, want) {
  const got = () => (received.get(phase) || []).length;
  await bounded(
    new Promise((resolve) => {
      const poll = () => (got() >= want ? resolve() : (onEvent = poll));
      poll();
    }),
    `${want} ${phase} events (got ${got()})`,
  ).catch((e) => e);
  onEvent = () => {};
  await sleep(SETTLE_MS);
  return received.get(phase) || [];
}

// Each of `accepted` exactly once, nothing else.
function exactlyOnce(got, accepted) {
  const seen = new Map();
  for (const i of got) seen.set(i, (seen.get(i) || 0) + 1);
  const dup = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  const lost = accepted.filter((i) => !seen.has(i));
  const extra = [...seen.keys()].filter((i) => !accepted.includes(i));
  assert(dup.length === 0, `duplicates: ${JSON.stringify(dup)}`);
  assert(lost.length === 0, `lost: ${JSON.stringify(lost)}`);
  assert(extra.length === 0, `received but not accepted: ${JSON.stringify(extra)}`);
}

async function main() {
  assert(Number.isInteger(LIMIT) && LIMIT > 0 && LIMIT < COUNT, `LIMIT (${env.LIMIT}) must be below COUNT (${COUNT})`);
  const pusher = new Pusher(env.APP_KEY, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: Number(env.WS_PORT),
    forceTLS: false,
    enabledTransports: ['ws'],
  });
  try {
    const channel = pusher.subscribe(CHANNEL);
    channel.bind('burst', (data) => {
      const list = received.get(data.phase) || [];
      list.push(data.i);
      received.set(data.phase, list);
      onEvent();
    });
    await bounded(
      new Promise((resolve, reject) => {
        channel.bind('pusher:subscription_succeeded', resolve);
        channel.bind('pusher:subscription_error', (e) => reject(new Error(`subscription error ${JSON.stringify(e)}`)));
      }),
      `subscription to ${CHANNEL}`,
    );

    // 1. the default retry policy: all accepted, each delivered once.
    let out;
    if (PHASES.includes('retry')) try {
      out = await burst('retry', 'default');
      console.log(`counts - ${SERVER}: default retry: ${JSON.stringify({ accepted: out.accepted.length, rate_limited: out.rate_limited, other_errors: out.other_errors })}`);
      assert(out.other_errors.length === 0, `errors: ${JSON.stringify(out.other_errors)}`);
      assert(out.rate_limited === 0, `${out.rate_limited} still rate limited after retrying`);
      assert(out.accepted.length === COUNT, `${out.accepted.length} of ${COUNT} accepted`);
      report(`default RetryPolicy: ${COUNT} triggers at once over a limit of ${LIMIT}/s all accepted`);
    } catch (e) {
      report('default RetryPolicy: all accepted', e);
    }
    if (PHASES.includes('retry')) try {
      const got = await collect('retry', COUNT);
      console.log(`counts - ${SERVER}: default retry: received ${got.length}`);
      exactlyOnce(got, [...Array(COUNT).keys()]);
      report(`default RetryPolicy: pusher-js received each of the ${COUNT} exactly once`);
    } catch (e) {
      report('default RetryPolicy: each received exactly once', e);
    }

    // A fresh one-second window, so the refusals below are this burst's own.
    if (PHASES.includes('retry')) await sleep(1100);

    // 2. no retry: refusals are RateLimited, the accepted arrive once.
    let accepted = [];
    if (PHASES.includes('none')) try {
      out = await burst('none', 'none');
      accepted = out.accepted;
      console.log(`counts - ${SERVER}: RetryPolicy::none: ${JSON.stringify({ accepted: out.accepted.length, rate_limited: out.rate_limited, other_errors: out.other_errors })}`);
      assert(out.other_errors.length === 0, `errors other than RateLimited: ${JSON.stringify(out.other_errors)}`);
      assert(out.rate_limited > 0, 'no trigger was refused as RateLimited');
      assert(out.accepted.length + out.rate_limited === COUNT, 'accepted + rate limited != count');
      report(`RetryPolicy::none: ${out.rate_limited} of ${COUNT} refused as ApiError::RateLimited, no other error`);
    } catch (e) {
      report('RetryPolicy::none: refusals are RateLimited', e);
    }
    if (PHASES.includes('none')) try {
      const got = await collect('none', accepted.length);
      console.log(`counts - ${SERVER}: RetryPolicy::none: received ${got.length}`);
      exactlyOnce(got, accepted);
      report(`RetryPolicy::none: each of the ${accepted.length} accepted received exactly once, no refused one`);
    } catch (e) {
      report('RetryPolicy::none: accepted received exactly once', e);
    }
  } finally {
    pusher.disconnect();
  }
}

try {
  await main();
} catch (e) {
  report('setup', e);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
setTimeout(() => process.exit(), 1000).unref();
