// Differential-test oracle backed by the official Node server library (`pusher` on npm).
//
// Reads JSON Lines on stdin (one case per line), writes one JSON line per case on stdout,
// in the same order. Every result is computed by the library's own public functions;
// nothing here computes an HMAC, a hash or a query string itself. See README.md for the
// case format and for the library's quirks.
//
//   node oracle.mjs < cases.jsonl > node.jsonl

import { createInterface } from "node:readline";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Pusher = require("pusher");
const pusherVersion = require("pusher/package.json").version;

// The library prints deprecation warnings with console.warn; keep stdout clean.
console.warn = () => {};

// One Pusher instance per (key, secret, master key); cases usually share a few.
const clients = new Map();
function client(c, withMasterKey) {
  const options = { appId: c.app_id ?? "1", key: c.key, secret: c.secret };
  if (withMasterKey && c.master_key_base64 !== undefined && c.master_key_base64 !== null) {
    options.encryptionMasterKeyBase64 = c.master_key_base64;
  }
  const id = JSON.stringify([options.appId, options.key, options.secret, options.encryptionMasterKeyBase64]);
  let p = clients.get(id);
  if (p === undefined) {
    p = new Pusher(options); // may throw (bad master key): reported as the case's error
    if (clients.size > 1000) clients.clear();
    clients.set(id, p);
  }
  return p;
}

// createSignedQueryString reads the clock with Date.now(); pin it for one call.
function atTime(seconds, f) {
  const realNow = Date.now;
  Date.now = () => seconds * 1000;
  try {
    return f();
  } finally {
    Date.now = realNow;
  }
}

function queryParam(query, name) {
  for (const pair of query.split("&")) {
    const i = pair.indexOf("=");
    if (i >= 0 && pair.slice(0, i) === name) return pair.slice(i + 1);
  }
  return null;
}

const handlers = {
  // pusher.authorizeChannel(socketId, channel) -> {auth[, shared_secret]}
  private(c) {
    return client(c, true).authorizeChannel(c.socket_id, c.channel);
  },
  // pusher.authorizeChannel(socketId, channel, presenceData) -> {channel_data, auth}
  presence(c) {
    return client(c, true).authorizeChannel(c.socket_id, c.channel, c.presence_data);
  },
  // same call with encryptionMasterKeyBase64 set -> {auth, shared_secret}
  encrypted(c) {
    return client(c, true).authorizeChannel(c.socket_id, c.channel);
  },
  // pusher.authenticateUser(socketId, userData) -> {auth, user_data}
  user(c) {
    return client(c, false).authenticateUser(c.socket_id, c.user_data);
  },
  // pusher.createSignedQueryString({method, path, params, body}) with Date.now pinned
  api(c) {
    const p = client(c, false);
    const query = atTime(c.timestamp, () =>
      p.createSignedQueryString({
        method: c.method,
        path: c.path,
        params: c.params ?? undefined,
        body: c.body ?? undefined,
      })
    );
    return { query, auth_signature: queryParam(query, "auth_signature") };
  },
  // pusher.webhook({headers, rawBody}).isValid(); signature_ok = Token#verify alone
  webhook_verify(c) {
    const p = client(c, false);
    const headers = {
      // "key_header" (default: key) is the X-Pusher-Key received; "key" is the app's key.
      "x-pusher-key": c.key_header === undefined ? c.key : c.key_header,
      "x-pusher-signature": c.signature,
      // isValid() is false unless the body parsed as JSON, which it only tries when
      // content-type is exactly "application/json"; a case may override (null = absent).
      "content-type": c.content_type === undefined ? "application/json" : c.content_type ?? undefined,
    };
    const valid = p.webhook({ headers, rawBody: c.body }).isValid();
    const signature_ok = new Pusher.Token(c.key, c.secret).verify(c.body, c.signature);
    return { valid, signature_ok };
  },
  // new Pusher.Token(key, secret).sign(body): what webhook().isValid() compares against
  webhook_sign(c) {
    return { signature: new Pusher.Token(c.key, c.secret).sign(c.body) };
  },
  // which library answered
  version() {
    return { library: "pusher (npm)", version: pusherVersion, runtime: `node ${process.version}` };
  },
};

function run(line) {
  let c;
  try {
    c = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: `bad case line: ${e.message}` };
  }
  const out = c !== null && typeof c === "object" && "id" in c ? { id: c.id } : {};
  const handler = c === null || typeof c !== "object" ? undefined : handlers[c.kind];
  if (handler === undefined || !Object.hasOwn(handlers, c.kind)) {
    return { ...out, ok: false, error: `unknown kind: ${JSON.stringify(c?.kind)}` };
  }
  try {
    return { ...out, ok: true, ...handler(c) };
  } catch (e) {
    return { ...out, ok: false, error: String(e?.message ?? e) };
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
rl.on("line", (line) => {
  if (line.trim() === "") return; // blank lines are not cases
  process.stdout.write(JSON.stringify(run(line)) + "\n");
});
