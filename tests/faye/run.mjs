// End-to-end: the Faye security guide's method on a real Faye server (npm `faye`), with
// tokens from examples/auth_server.rs (POST /faye/token) and our strip rule mirrored in
// the server's outgoing extension. Run by tests/faye/run.sh, which starts the auth
// server and sets:
//   AUTH_URL       the auth server, e.g. http://127.0.0.1:7500
//   FAYE_PORT      where this script's Faye server listens (127.0.0.1)
//   FAYE_SECRET    the token secret, the same as the auth server's
//   STRIPPED_FILE  examples/faye_strip's output for messages.jsonl
//   FAYE_VERIFY    the examples/faye_verify binary (our verify_faye_message, channel-bound
//                  tokens, subscriptions only)
// Prints one line per check and, last, `N passed, N failed` alone on a line.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import faye from 'faye';

const AUTH_URL = process.env.AUTH_URL;
const FAYE_PORT = Number(process.env.FAYE_PORT);
const SECRET = process.env.FAYE_SECRET;
const STRIPPED_FILE = process.env.STRIPPED_FILE;
const FAYE_VERIFY = process.env.FAYE_VERIFY;
const PUSH_PASSWORD = 'e2e push password, long and unguessable';
const STEP_MS = 5000;
if (!AUTH_URL || !FAYE_PORT || !SECRET || !STRIPPED_FILE || !FAYE_VERIFY) {
  console.error('run.mjs: AUTH_URL, FAYE_PORT, FAYE_SECRET, STRIPPED_FILE and FAYE_VERIFY must be set');
  process.exit(2);
}

// ---- our strip rule, mirrored (src/faye/message.rs, strip_faye_credentials) ------------------
// In a top-level `ext` object, delete every key equal to token, password or authToken
// ignoring ASCII case only; an `ext` that is not an object is deleted whole; an array
// (a batch) gets the rule on each element; nothing else changes.
const CREDENTIAL_KEYS = ['token', 'password', 'authtoken'];
const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
function stripObject(message) {
  if (!Object.prototype.hasOwnProperty.call(message, 'ext')) return 0;
  const ext = message.ext;
  if (!isObject(ext)) {
    delete message.ext;
    return 1;
  }
  let removed = 0;
  for (const key of Object.keys(ext)) {
    if (CREDENTIAL_KEYS.includes(asciiLower(key))) {
      delete ext[key];
      removed += 1;
    }
  }
  return removed;
}
function strip(message) {
  if (Array.isArray(message)) return message.filter(isObject).reduce((n, m) => n + stripObject(m), 0);
  return isObject(message) ? stripObject(message) : 0;
}

// ---- the guide's server: token check on /meta/subscribe, push-only password ----------
// (The guide's code, unchanged; the two logs record what it saw for our verifier.)
const hmacHex = (text) => crypto.createHmac('sha256', SECRET).update(text).digest('hex');
const sameText = (a, b) => {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};
const serverLog = [];
const publishLog = [];
const serverExtension = {
  incoming(message, callback) {
    if (message.channel === '/meta/subscribe') {
      // "Authentication": regenerate the token from the user id and channel, compare.
      const ext = message.ext || {};
      const token = hmacHex(ext.userId + ':' + message.subscription);
      if (typeof ext.token !== 'string' || !sameText(ext.token, token)) {
        message.error = '403::Authentication required';
      }
      serverLog.push({
        subscription: message.subscription,
        userId: ext.userId,
        allowed: !message.error,
        message: JSON.stringify({ ...message, error: undefined }),
      });
    } else if (!message.channel.match(/^\/meta\//)) {
      // "Push-only servers": only the application's own client publishes.
      const password = message.ext && message.ext.password;
      if (typeof password !== 'string' || !sameText(password, PUSH_PASSWORD)) {
        message.error = '403::Password required';
      }
      const ext = message.ext || {};
      publishLog.push({
        channel: message.channel,
        userId: ext.userId,
        token: ext.token,
        allowed: !message.error,
        message: JSON.stringify({ ...message, error: undefined }),
      });
    }
    callback(message);
  },
  outgoing(message, callback) {
    strip(message);
    callback(message);
  },
};

// ---- checks ---------------------------------------------------------------------------
let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e && e.message ? e.message.split('\n').slice(0, 6).join(' | ') : e}`);
  }
}
const withTimeout = (promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: timed out`)), STEP_MS))]);

async function tokenRequest(userId, channel) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (userId !== null) headers['x-user-id'] = userId;
  const res = await withTimeout(
    fetch(`${AUTH_URL}/faye/token`, { method: 'POST', headers, body: new URLSearchParams({ channel }).toString() }),
    'token request',
  );
  const text = await res.text();
  return { status: res.status, text, json: res.status === 200 ? JSON.parse(text) : null };
}

// A page's client, with the guide's client extension (USER_ID, USER_TOKEN rendered in).
// With `publishesToo`, the extension also puts them on the page's publications, as a
// page trying to publish with its subscribe token would.
const clients = [];
function pageClient(userId, token, { publishesToo = false } = {}) {
  const client = new faye.Client(`http://127.0.0.1:${FAYE_PORT}/faye`, { timeout: 10, retry: 1 });
  client.addExtension({
    outgoing(message, callback) {
      const publication = !message.channel.startsWith('/meta/');
      if (message.channel !== '/meta/subscribe' && !(publishesToo && publication)) return callback(message);
      message.ext = message.ext || {};
      message.ext.userId = userId;
      message.ext.token = token;
      callback(message);
    },
  });
  const delivered = [];
  client.addExtension({
    incoming(message, callback) {
      if (!message.channel.startsWith('/meta/')) delivered.push(JSON.parse(JSON.stringify(message)));
      callback(message);
    },
  });
  clients.push(client);
  return { client, delivered };
}

function subscribe(client, channel, onMessage = () => {}) {
  const sub = client.subscribe(channel, onMessage);
  return withTimeout(
    new Promise((resolve) => sub.then(() => resolve({ ok: true }), (error) => resolve({ ok: false, error }))),
    `subscribe ${channel}`,
  );
}

// The application's server-side publisher: the push-only password, plus credentials a
// careless publisher left in `ext` (the outgoing extension must delete them).
function publisher(password) {
  const client = new faye.Client(`http://127.0.0.1:${FAYE_PORT}/faye`, { timeout: 10, retry: 1 });
  client.addExtension({
    outgoing(message, callback) {
      if (message.channel.startsWith('/meta/')) return callback(message);
      message.ext = message.ext || {};
      if (password !== null) message.ext.password = password;
      message.ext.userId = 'server';
      message.ext.token = 'a token the publisher should not forward';
      message.ext.AuthToken = 'another';
      callback(message);
    },
  });
  clients.push(client);
  return client;
}

// examples/faye_verify's verdict (channel-bound tokens, subscriptions only) on each
// message, one JSON text each: `ok<TAB>"user"<TAB>channel` or `refused<TAB>error`.
function ourVerdicts(messages) {
  const input = messages.join('\n') + '\n';
  const verdicts = execFileSync(FAYE_VERIFY, { input, env: { ...process.env, FAYE_SECRET: SECRET }, timeout: 10000 })
    .toString()
    .split('\n')
    .filter((l) => l);
  assert.equal(verdicts.length, messages.length);
  return verdicts;
}
const PUBLISH_NOT_GRANTED = 'refused\tfaye message: publishing is not granted by a subscribe-only token scope';

async function main() {
  const bayeux = new faye.NodeAdapter({ mount: '/faye', timeout: 20 });
  bayeux.addExtension(serverExtension);
  const server = http.createServer();
  bayeux.attach(server);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(FAYE_PORT, '127.0.0.1', resolve);
  });

  let alice = null;
  await check('token endpoint: alice gets a token for /chat/alice', async () => {
    const r = await tokenRequest('alice', '/chat/alice');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['userId', 'token']);
    assert.equal(r.json.userId, 'alice');
    assert.match(r.json.token, /^[0-9a-f]{64}$/);
    // The guide's formula, in Node: HMAC(secret, userId + ':' + channel).
    assert.equal(r.json.token, hmacHex('alice:/chat/alice'));
    alice = r.json;
  });
  let bob = null;
  await check('token endpoint: bob gets a token for /chat/bob', async () => {
    const r = await tokenRequest('bob', '/chat/bob');
    assert.equal(r.status, 200, r.text);
    bob = r.json;
  });
  await check('token endpoint: 403 for bob asking /chat/alice', async () => {
    assert.equal((await tokenRequest('bob', '/chat/alice')).status, 403);
  });
  // Issue 19: the route is exact, `/chat/<id>` for that user only. With "any segment is
  // the user id", user `chat` had every /chat/ channel and alice had /alice/anything.
  await check('token endpoint: 403 unless the channel is exactly /chat/<user>', async () => {
    for (const [user, channel] of [['chat', '/chat/alice'], ['al', '/chat/alice'], ['alice', '/alice/chat'], ['alice', '/chat/alice/x']]) {
      const r = await tokenRequest(user, channel);
      assert.equal(r.status, 403, `${user} asking ${channel} -> ${r.status} ${r.text}`);
    }
  });
  await check('token endpoint: 403 without a session user', async () => {
    assert.equal((await tokenRequest(null, '/chat/alice')).status, 403);
  });
  await check('token endpoint: 400 for hostile channels', async () => {
    for (const channel of ['/**', '/chat/*', '/meta/subscribe', '/chat/alice:x', 'chat/alice', '', '/chat/../alice']) {
      const r = await tokenRequest('alice', channel);
      assert.equal(r.status, 400, `${JSON.stringify(channel)} -> ${r.status} ${r.text}`);
    }
  });

  await check('subscription with our token succeeds and receives a published message', async () => {
    assert.ok(alice, 'no token');
    const page = pageClient(alice.userId, alice.token);
    const received = [];
    let delivered;
    const got = new Promise((resolve) => {
      delivered = resolve;
    });
    const sub = await subscribe(page.client, '/chat/alice', (data) => {
      received.push(data);
      delivered();
    });
    assert.ok(sub.ok, `refused: ${sub.error && sub.error.message}`);
    await withTimeout(publisher(PUSH_PASSWORD).publish('/chat/alice', { text: 'hello alice' }), 'publish');
    await withTimeout(got, 'delivery');
    assert.deepEqual(received[0], { text: 'hello alice' });
    // The delivered message, as the subscriber's transport saw it: no credential left.
    const message = page.delivered.find((m) => m.channel === '/chat/alice');
    assert.ok(message, 'no delivered message recorded');
    assert.deepEqual(message.ext, { userId: 'server' }, JSON.stringify(message));
    assert.ok(!JSON.stringify(message).includes('should not forward'));
  });

  await check('a token for another user is refused (alice token, userId bob)', async () => {
    const r = await subscribe(pageClient('bob', alice.token).client, '/chat/alice');
    assert.equal(r.ok, false);
    assert.match(String(r.error && r.error.message), /Authentication required/);
  });
  await check('a token for another channel is refused (bob token on /chat/alice)', async () => {
    const r = await subscribe(pageClient(bob.userId, bob.token).client, '/chat/alice');
    assert.equal(r.ok, false);
  });
  await check('a forged token is refused', async () => {
    const forged = crypto.createHmac('sha256', 'not the secret').update('alice:/chat/alice').digest('hex');
    for (const token of [forged, '0'.repeat(64), alice.token.toUpperCase(), '']) {
      const r = await subscribe(pageClient('alice', token).client, '/chat/alice');
      assert.equal(r.ok, false, token);
    }
  });
  await check('a channel-bound token is not a wildcard grant (/chat/**)', async () => {
    const r = await subscribe(pageClient(alice.userId, alice.token).client, '/chat/**');
    assert.equal(r.ok, false);
  });
  await check('push-only: a publication without the password is refused', async () => {
    await assert.rejects(withTimeout(publisher(null).publish('/chat/alice', { text: 'x' }), 'publish'));
    await assert.rejects(withTimeout(publisher('wrong').publish('/chat/alice', { text: 'x' }), 'publish'));
  });

  await check("a page holding alice's subscribe token cannot publish with it: verify_faye_message refuses", async () => {
    assert.ok(alice, 'no token');
    const page = pageClient(alice.userId, alice.token, { publishesToo: true });
    const channels = ['/chat/alice', '/service/chat'];
    for (const channel of channels) {
      // The guide's push-only server refuses it too (no password).
      await assert.rejects(withTimeout(page.client.publish(channel, { text: 'from the page' }), `publish ${channel}`));
    }
    const seen = publishLog.filter((e) => e.token === alice.token);
    assert.deepEqual(
      seen.map((e) => [e.channel, e.userId, e.allowed]),
      channels.map((c) => [c, 'alice', false]),
    );
    // The token each carries is alice's valid token for /chat/alice: the scope refuses,
    // not the token (the same token subscribes; see the agreement check below).
    assert.equal(hmacHex(`${seen[0].userId}:${seen[0].channel}`), alice.token);
    ourVerdicts(seen.map((e) => e.message)).forEach((verdict, i) => {
      assert.equal(verdict, PUBLISH_NOT_GRANTED, seen[i].message);
    });
  });
  await check('verify_faye_message refuses every publication the server saw (subscribe-only scope)', async () => {
    assert.ok(publishLog.length >= 4, `only ${publishLog.length} publications`);
    ourVerdicts(publishLog.map((e) => e.message)).forEach((verdict, i) => {
      assert.equal(verdict, PUBLISH_NOT_GRANTED, publishLog[i].message);
    });
  });

  await check('the server saw each subscription with the expected verdict', async () => {
    const allowed = serverLog.filter((e) => e.allowed);
    assert.ok(allowed.length >= 1 && allowed.every((e) => e.userId === 'alice' && e.subscription === '/chat/alice'));
    assert.ok(serverLog.some((e) => !e.allowed));
  });

  await check('verify_faye_message agrees with the Faye server on every subscribe message it saw', async () => {
    assert.ok(serverLog.length >= 8, `only ${serverLog.length} subscribe messages`);
    const verdicts = ourVerdicts(serverLog.map((e) => e.message));
    serverLog.forEach((entry, i) => {
      const ours = verdicts[i].split('\t');
      assert.equal(ours[0] === 'ok', entry.allowed, `${entry.message} -> ${verdicts[i]}`);
      if (entry.allowed) assert.deepEqual([JSON.parse(ours[1]), ours[2]], [entry.userId, entry.subscription]);
    });
  });

  await check('strip rule: Node mirror equals strip_faye_credentials on every message', async () => {
    const inputs = fs.readFileSync(new URL('./messages.jsonl', import.meta.url), 'utf8').split('\n').filter((l) => l.trim());
    const ours = fs.readFileSync(STRIPPED_FILE, 'utf8').split('\n').filter((l) => l.trim());
    assert.equal(ours.length, inputs.length);
    inputs.forEach((line, i) => {
      const message = JSON.parse(line);
      const removed = strip(message);
      const tab = ours[i].indexOf('\t');
      assert.equal(removed, Number(ours[i].slice(0, tab)), `line ${i + 1}: count`);
      assert.deepEqual(message, JSON.parse(ours[i].slice(tab + 1)), `line ${i + 1}: ${line}`);
      for (const m of Array.isArray(message) ? message : [message]) {
        if (!isObject(m) || !('ext' in m)) continue;
        assert.ok(isObject(m.ext), `line ${i + 1}: a non-object ext survived`);
        const left = Object.keys(m.ext).filter((k) => CREDENTIAL_KEYS.includes(asciiLower(k)));
        assert.deepEqual(left, [], `line ${i + 1}: a credential survived`);
      }
    });
  });

  for (const client of clients) client.disconnect();
  await new Promise((resolve) => server.close(resolve));
  bayeux.close && bayeux.close();
}

const hardStop = setTimeout(() => {
  console.log('FAIL run.mjs: overall time limit');
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, 60000);
main()
  .catch((e) => {
    failed += 1;
    console.log(`FAIL run.mjs: ${e && e.stack ? e.stack : e}`);
  })
  .finally(() => {
    clearTimeout(hardStop);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  });
