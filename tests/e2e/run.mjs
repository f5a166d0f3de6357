// End-to-end driver: the real pusher-js client (Node build) against a real
// soketi server, authorized by our auth server. It starts nothing but clients.
// See README.md for the environment it reads and NOTES.md for the wire formats.
import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import Pusher from 'pusher-js';
import WebSocket from 'ws';
import nacl from 'tweetnacl';

const env = process.env;
const TIMEOUT_MS = Number(env.E2E_TIMEOUT_MS || 10_000);
const HOST = env.SOKETI_HOST || '127.0.0.1';
const USER = env.E2E_USER || 'alice';
const OTHER = 'someoneelse';
// The demo policy's channels: exactly `private-<id>` and `private-encrypted-<id>` for
// their user, any presence channel.
const CH = {
  priv: `private-${USER}`,
  presence: `presence-${USER}-lobby`,
  encrypted: `private-encrypted-${USER}`,
  foreign: `private-${OTHER}`,
  batch: `private-encrypted-${USER}`,
};

const results = [];
const cleanups = [];
// pusher-js is silent unless given a logger; keep its last lines for failure reports
// (e.g. an encrypted event it could not decrypt is only logged, never emitted).
const pusherLog = [];
Pusher.log = (msg) => {
  pusherLog.push(String(msg));
  if (pusherLog.length > 20) pusherLog.shift();
};

function report(name, error) {
  if (error) {
    const reason = String(error && error.message ? error.message : error).replace(/\s+/g, ' ');
    console.log(`not ok - ${name}: ${reason}`);
  } else {
    console.log(`ok - ${name}`);
  }
  results.push(!error);
}

const timers = new Set();
function timeout(promise, what, ms = TIMEOUT_MS) {
  let timer;
  const bounded = Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000}s waiting for ${what}`)), ms);
      timers.add(timer);
    }),
  ]).finally(() => {
    clearTimeout(timer);
    timers.delete(timer);
  });
  bounded.catch(() => {}); // a wait abandoned by a failed check must not crash the run
  return bounded;
}

async function check(name, fn) {
  try {
    await fn();
    report(name);
  } catch (e) {
    report(name, e);
  }
}

function skip(name, why) {
  console.log(`# skip - ${name}: ${why}`);
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const hmacHex = (secret, s) => crypto.createHmac('sha256', secret).update(s).digest('hex');
const show = (v) => JSON.stringify(v)?.slice(0, 300);

// ---------- HTTP helpers ----------

async function post(url, body, headers = {}) {
  const res = await timeout(
    fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(TIMEOUT_MS) }),
    `POST ${url}`,
  );
  const text = await res.text();
  return { status: res.status, text };
}

// soketi's HTTP API answers {"ok":true}. Its errors carry {"error","code"}, and with
// the uWebSockets.js build used here their HTTP status is lost (it arrives as 200),
// so acceptance and refusal are judged by the JSON body as well as the status.
function apiOutcome(res) {
  let json = null;
  try {
    json = JSON.parse(res.text);
  } catch {}
  const code = json && typeof json.code === 'number' ? json.code : res.status;
  return { accepted: res.status === 200 && json !== null && json.ok === true, code };
}

const form = (o) => new URLSearchParams(o).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

// Sign an HTTP API request the way the official server libraries do (used only
// for the optional encrypted-event check, which tests shared_secret, not signing).
function signedApiUrl(path, body) {
  const params = {
    auth_key: env.APP_KEY,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    body_md5: crypto.createHash('md5').update(body).digest('hex'),
  };
  const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const sig = hmacHex(env.APP_SECRET, `POST\n${path}\n${query}`);
  return `http://${HOST}:${env.SOKETI_PORT}${path}?${query}&auth_signature=${sig}`;
}

// ---------- pusher-js helpers ----------

function subscribe(pusher, name) {
  return timeout(
    new Promise((resolve) => {
      const channel = pusher.subscribe(name);
      channel.bind('pusher:subscription_succeeded', (data) => resolve({ ok: true, channel, data }));
      channel.bind('pusher:subscription_error', (error) => resolve({ ok: false, channel, error }));
    }),
    `subscription result for ${name}`,
  );
}

function nextEvent(channel, eventName, what) {
  return timeout(new Promise((resolve) => channel.bind(eventName, resolve)), what);
}

// ---------- raw WebSocket helper (no pusher-js) ----------

async function rawConnect() {
  const url = `ws://${HOST}:${env.SOKETI_PORT}/app/${encodeURIComponent(env.APP_KEY)}?protocol=7&client=js&version=8.6.0&flash=false`;
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  const frames = [];
  const waiters = [];
  ws.on('message', (buf) => {
    let msg;
    try {
      msg = JSON.parse(buf.toString());
    } catch {
      return;
    }
    frames.push(msg);
    for (const w of [...waiters]) w();
  });
  ws.on('error', () => {});
  const waitFrame = (pred, what) =>
    timeout(
      new Promise((resolve) => {
        const look = () => {
          const i = frames.findIndex(pred);
          if (i >= 0) {
            waiters.splice(waiters.indexOf(look), 1);
            resolve(frames.splice(i, 1)[0]);
          }
        };
        waiters.push(look);
        look();
      }),
      what,
    );
  const hello = await waitFrame((m) => m.event === 'pusher:connection_established', 'pusher:connection_established');
  const socketId = JSON.parse(hello.data).socket_id;
  const send = (event, data) => ws.send(JSON.stringify({ event, data }));
  // Resolves with the first subscription outcome frame for `channel`.
  const subscribeRaw = (channel, auth) => {
    send('pusher:subscribe', { channel, auth });
    return waitFrame(
      (m) =>
        (m.channel === channel &&
          (m.event === 'pusher_internal:subscription_succeeded' || m.event === 'pusher:subscription_error')) ||
        m.event === 'pusher:error',
      `subscription result for ${channel}`,
    );
  };
  return { ws, socketId, subscribeRaw };
}

// ---------- main ----------

async function main() {
  const missing = ['SOKETI_PORT', 'AUTH_URL', 'APP_KEY', 'APP_ID', 'APP_SECRET', 'TRIGGER_URL', 'TRIGGER_BODY'].filter(
    (k) => !env[k],
  );
  if (missing.length) {
    report('environment', `missing ${missing.join(', ')}`);
    return;
  }
  const AUTH_URL = env.AUTH_URL.replace(/\/+$/, '');
  const headers = { 'X-User-Id': USER };

  const pusher = new Pusher(env.APP_KEY, {
    cluster: 'mt1',
    wsHost: HOST,
    wsPort: Number(env.SOKETI_PORT),
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: { endpoint: `${AUTH_URL}/pusher/auth`, transport: 'ajax', headers },
    userAuthentication: { endpoint: `${AUTH_URL}/pusher/user-auth`, transport: 'ajax', headers },
  });
  cleanups.push(() => pusher.disconnect());
  const serverErrors = [];
  pusher.connection.bind('message', (m) => {
    if (m.event === 'pusher:error') serverErrors.push(m.data);
  });

  let connected = false;
  await check('pusher-js connects to soketi', async () => {
    await timeout(
      new Promise((resolve, reject) => {
        pusher.connection.bind('connected', resolve);
        pusher.connection.bind('failed', () => reject(new Error('connection state failed')));
        pusher.connection.bind('unavailable', () => reject(new Error('connection state unavailable')));
      }),
      'connection state connected',
    );
    connected = true;
  });
  if (!connected) return;

  let privChannel = null;
  await check(`subscribe ${CH.priv}`, async () => {
    const r = await subscribe(pusher, CH.priv);
    assert(r.ok, `subscription_error ${show(r.error)}`);
    privChannel = r.channel;
  });

  await check(`subscribe ${CH.presence} with ${USER} in the member list`, async () => {
    const r = await subscribe(pusher, CH.presence);
    assert(r.ok, `subscription_error ${show(r.error)}`);
    const members = r.channel.members;
    assert(members.me && members.me.id === USER, `members.me is ${show(members.me)}`);
    assert(members.get(USER) !== null, `${USER} not in members (count ${members.count})`);
  });

  let encChannel = null;
  await check(`subscribe ${CH.encrypted}`, async () => {
    const r = await subscribe(pusher, CH.encrypted);
    assert(r.ok, `subscription_error ${show(r.error)}`);
    encChannel = r.channel;
  });

  await check('signin (user authentication)', async () => {
    const success = timeout(
      new Promise((resolve, reject) => {
        pusher.connection.bind('message', (m) => {
          if (m.event === 'pusher:signin_success') resolve(m.data);
          if (m.event === 'pusher:error') reject(new Error(`soketi pusher:error ${show(m.data)}`));
        });
        pusher.user.bind('pusher:signin_error', (e) => reject(new Error(`signin_error ${show(e)}`)));
      }),
      'pusher:signin_success',
    );
    pusher.signin();
    await success;
    const id = pusher.user.user_data && pusher.user.user_data.id;
    assert(id === USER, `pusher.user.user_data.id is ${show(id)}`);
  });

  await check('event triggered through the HTTP API arrives on the private channel', async () => {
    assert(privChannel, `not subscribed to ${CH.priv}`);
    const body = JSON.parse(env.TRIGGER_BODY);
    const targets = body.channels || [body.channel];
    assert(targets.includes(CH.priv), `TRIGGER_BODY does not target ${CH.priv}`);
    let expected = body.data;
    try {
      expected = JSON.parse(body.data);
    } catch {}
    const arrived = nextEvent(privChannel, body.name, `event ${body.name} on ${CH.priv}`);
    const res = await post(env.TRIGGER_URL, env.TRIGGER_BODY, { 'Content-Type': 'application/json' });
    assert(apiOutcome(res).accepted, `trigger answered HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    const got = await arrived;
    assert(isDeepStrictEqual(got, expected), `data ${show(got)} != ${show(expected)}`);
  });

  await check('soketi refuses the signed trigger with a tampered body (401)', async () => {
    const body = JSON.parse(env.TRIGGER_BODY);
    body.name = `${body.name}-tampered`;
    const res = await post(env.TRIGGER_URL, JSON.stringify(body), { 'Content-Type': 'application/json' });
    const { accepted, code } = apiOutcome(res);
    assert(!accepted && code === 401, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  });

  if (env.ENCRYPTION_MASTER_KEY) {
    await check('encrypted event decrypts with the shared_secret from the auth server', async () => {
      assert(encChannel, `not subscribed to ${CH.encrypted}`);
      const master = Buffer.from(env.ENCRYPTION_MASTER_KEY, 'base64');
      assert(master.length === 32, 'ENCRYPTION_MASTER_KEY is not 32 bytes of base64');
      const key = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(CH.encrypted), master])).digest();
      const payload = { secret: 'hello', n: 42 };
      const nonce = nacl.randomBytes(nacl.secretbox.nonceLength);
      const box = nacl.secretbox(Buffer.from(JSON.stringify(payload)), nonce, key);
      const data = JSON.stringify({
        nonce: Buffer.from(nonce).toString('base64'),
        ciphertext: Buffer.from(box).toString('base64'),
      });
      const body = JSON.stringify({ name: 'encrypted-event', channel: CH.encrypted, data });
      const arrived = nextEvent(encChannel, 'encrypted-event', `encrypted-event on ${CH.encrypted}`);
      const res = await post(signedApiUrl(`/apps/${env.APP_ID}/events`, body), body, {
        'Content-Type': 'application/json',
      });
      assert(apiOutcome(res).accepted, `trigger answered HTTP ${res.status}: ${res.text.slice(0, 200)}`);
      const got = await arrived;
      assert(isDeepStrictEqual(got, payload), `decrypted ${show(got)} != ${show(payload)}`);
    });
  } else {
    skip('encrypted event decrypts', 'ENCRYPTION_MASTER_KEY not set');
  }

  await check(`subscribe ${CH.foreign} is refused (auth server 403)`, async () => {
    const r = await subscribe(pusher, CH.foreign);
    assert(!r.ok, 'subscription succeeded');
    assert(r.error && r.error.status === 403, `subscription_error ${show(r.error)}, expected status 403`);
  });

  await check('auth endpoint answers 400 to a hostile socket_id', async () => {
    const res = await post(
      `${AUTH_URL}/pusher/auth`,
      form({ socket_id: '1.1:private-x', channel_name: CH.priv }),
      { ...FORM, ...headers },
    );
    assert(res.status === 400, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  });

  await check('user-auth endpoint answers 400 to a hostile socket_id', async () => {
    const res = await post(`${AUTH_URL}/pusher/user-auth`, form({ socket_id: '1.1:private-x' }), {
      ...FORM,
      ...headers,
    });
    assert(res.status === 400, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  });

  // Issue 19: the policy is exact. With `contains`, a user whose id is part of another's
  // channel name got it, and a user named `private-` got every private channel.
  for (const [who, channel] of [
    [USER.slice(0, 2), CH.priv],
    ['private-', CH.priv],
    ['encrypted-' + USER, `private-encrypted-${USER}`],
    [USER, `${CH.priv}-inbox`],
  ]) {
    await check(`auth endpoint answers 403 to user ${JSON.stringify(who)} for ${channel}`, async () => {
      const res = await post(`${AUTH_URL}/pusher/auth`, form({ socket_id: '123.456', channel_name: channel }), {
        ...FORM,
        'X-User-Id': who,
      });
      assert(res.status === 403, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    });
  }

  await check('auth endpoint answers 403 without X-User-Id', async () => {
    const res = await post(`${AUTH_URL}/pusher/auth`, form({ socket_id: '123.456', channel_name: CH.priv }), FORM);
    assert(res.status === 403, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  });

  let raw = null;
  await check('soketi refuses an auth signed with the wrong secret', async () => {
    raw = await rawConnect();
    const auth = `${env.APP_KEY}:${hmacHex('wrong-secret', `${raw.socketId}:${CH.priv}`)}`;
    const frame = await raw.subscribeRaw(CH.priv, auth);
    assert(frame.event !== 'pusher_internal:subscription_succeeded', 'subscription succeeded');
  });

  await check('soketi accepts the auth server signature on a raw socket', async () => {
    assert(raw, 'no raw socket');
    const res = await post(`${AUTH_URL}/pusher/auth`, form({ socket_id: raw.socketId, channel_name: CH.priv }), {
      ...FORM,
      ...headers,
    });
    assert(res.status === 200, `auth HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    const frame = await raw.subscribeRaw(CH.priv, JSON.parse(res.text).auth);
    assert(frame.event === 'pusher_internal:subscription_succeeded', `got ${show(frame)}`);
  });

  if (env.BATCH_AUTH_PATH) {
    await check('batch auth (pusher-js-auth wire format)', async () => {
      assert(raw, 'no raw socket');
      // Exactly what pusher-js-auth 4.0.1 sends (see NOTES.md), leading '&' included.
      const body =
        `&socket_id=${encodeURIComponent(raw.socketId)}` +
        `&channel_name[0]=${encodeURIComponent(CH.batch)}` +
        `&channel_name[1]=${encodeURIComponent(CH.foreign)}`;
      const res = await post(`${AUTH_URL}${env.BATCH_AUTH_PATH}`, body, { ...FORM, ...headers });
      assert(res.status === 200, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
      const out = JSON.parse(res.text);
      const good = out[CH.batch];
      assert(good && (!good.status || good.status === 200) && good.data && good.data.auth, `${CH.batch}: ${show(good)}`);
      assert(out[CH.foreign] && out[CH.foreign].status === 403, `${CH.foreign}: ${show(out[CH.foreign])}`);
      const frame = await raw.subscribeRaw(CH.batch, good.data.auth);
      assert(frame.event === 'pusher_internal:subscription_succeeded', `soketi: ${show(frame)}`);
    });
  } else {
    skip('batch auth', 'BATCH_AUTH_PATH not set');
  }

  if (env.WEBHOOK_EVENTS_URL) {
    await check('soketi webhooks reached the auth server (channel_occupied, member_added)', async () => {
      const want = (evs) =>
        evs.some((e) => e.name === 'channel_occupied' && e.channel === CH.priv) &&
        evs.some((e) => e.name === 'member_added' && e.channel === CH.presence && e.user_id === USER);
      let last = [];
      const deadline = Date.now() + TIMEOUT_MS;
      while (Date.now() < deadline) {
        const res = await fetch(env.WEBHOOK_EVENTS_URL, { signal: AbortSignal.timeout(TIMEOUT_MS) });
        last = await res.json();
        if (want(last)) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`not seen within ${TIMEOUT_MS / 1000}s; got ${show(last)}`);
    });
  } else {
    skip('webhooks', 'WEBHOOK_EVENTS_URL not set');
  }

  if (serverErrors.length) console.log(`# soketi sent pusher:error to pusher-js: ${show(serverErrors)}`);
}

const watchdog = setTimeout(() => {
  report('driver', `overall time limit of ${(TIMEOUT_MS * 12) / 1000}s reached`);
  finish();
  process.exit(1);
}, TIMEOUT_MS * 12);

let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  clearTimeout(watchdog);
  for (const t of timers) clearTimeout(t);
  for (const c of cleanups) {
    try {
      c();
    } catch {}
  }
  const passed = results.filter(Boolean).length;
  const failed = results.length - passed;
  if (failed > 0) for (const line of pusherLog) console.log(`# pusher-js: ${line.slice(0, 300)}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  // Everything is closed; if some library still holds a handle, do not hang.
  setTimeout(() => process.exit(), 2000).unref();
}

main()
  .catch((e) => report('driver', e))
  .finally(finish);
