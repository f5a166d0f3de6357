// Differential oracle for end-to-end encrypted channels (tests/interop.rs drives it).
//
//   node encryption.mjs node-encrypts PORT < cases.jsonl > answers.jsonl
//   node encryption.mjs tweetnacl-decrypts < cases.jsonl > answers.jsonl
//
// node-encrypts: for each case {channel, master_key_base64, data, batch?}, the official
// `pusher` library triggers `data` on the channel (or, with `batch`, sends it through
// triggerBatch) to a mock HTTP API server on 127.0.0.1:PORT; the answer is the `data`
// string of the request body the library sent, plus `plaintext`, the bytes the library
// encrypted: JSON.stringify(data) (its documented rule: it JSON-encodes before
// encrypting, so a bare string arrives quoted).
//
// tweetnacl-decrypts: for each case {channel, master_key_base64, data} (data made by
// channel-auth), opens it with tweetnacl's secretbox (what pusher-js uses) under
// SHA-256(channel || master key) from Node's crypto; the answer is {plaintext_base64}
// or {plaintext_base64: null} when it does not open. Nothing here uses channel-auth.

import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { createHash } from "node:crypto";

const require = createRequire(import.meta.url);
const Pusher = require("pusher");
const nacl = require("tweetnacl");
console.warn = () => {};

async function readCases() {
  const cases = [];
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of rl) if (line.trim() !== "") cases.push(JSON.parse(line));
  return cases;
}

async function nodeEncrypts(port) {
  const cases = await readCases();
  const bodies = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      bodies.push(JSON.parse(body));
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  try {
    for (const c of cases) {
      const pusher = new Pusher({
        appId: "1", key: "key", secret: "secret", host: "127.0.0.1", port, useTLS: false,
        encryptionMasterKeyBase64: c.master_key_base64,
      });
      bodies.length = 0;
      if (c.batch) {
        await pusher.triggerBatch([{ channel: c.channel, name: "e", data: c.data }]);
      } else {
        await pusher.trigger(c.channel, "e", c.data);
      }
      const sent = c.batch ? bodies[0].batch[0] : bodies[0];
      process.stdout.write(JSON.stringify({ data: sent.data, plaintext: JSON.stringify(c.data) }) + "\n");
    }
  } finally {
    server.close();
  }
}

async function tweetnaclDecrypts() {
  for (const c of await readCases()) {
    const key = createHash("sha256")
      .update(Buffer.concat([Buffer.from(c.channel), Buffer.from(c.master_key_base64, "base64")]))
      .digest();
    const { nonce, ciphertext } = JSON.parse(c.data);
    const opened = nacl.secretbox.open(
      new Uint8Array(Buffer.from(ciphertext, "base64")),
      new Uint8Array(Buffer.from(nonce, "base64")),
      new Uint8Array(key)
    );
    const plaintext_base64 = opened === null ? null : Buffer.from(opened).toString("base64");
    process.stdout.write(JSON.stringify({ plaintext_base64 }) + "\n");
  }
}

const [mode, port] = process.argv.slice(2);
if (mode === "node-encrypts") await nodeEncrypts(Number(port));
else if (mode === "tweetnacl-decrypts") await tweetnaclDecrypts();
else {
  console.error("usage: node encryption.mjs node-encrypts PORT | tweetnacl-decrypts");
  process.exit(2);
}
