// Differential oracle for the sans-IO requests of `channel_auth::send` (tests/interop_send.rs
// drives it).
//
//   node send.mjs node-requests PORT < cases.jsonl > answers.jsonl
//
// For each case {kind: "trigger"|"batch", timestamp, ...}, the official `pusher` library
// (5.3.4) sends the request to a mock HTTP API server this script starts on
// 127.0.0.1:PORT, with `Date.now` pinned to the case's `timestamp` (seconds); the answer
// is what arrived: {method, path, query, body} (body as the raw text).
//   trigger: {channels, event, data, socket_id?, info?} -> pusher.trigger(channels, event, data, params)
//   batch:   {batch: [{channel, name, data, socket_id?, info?}]} -> pusher.triggerBatch(batch)
// Nothing here uses channel-auth, and nothing computes a signature or JSON of its own.

import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { createServer } from "node:http";

const require = createRequire(import.meta.url);
const Pusher = require("pusher");
console.warn = () => {};

async function readCases() {
  const cases = [];
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of rl) if (line.trim() !== "") cases.push(JSON.parse(line));
  return cases;
}

async function nodeRequests(port) {
  const cases = await readCases();
  const seen = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const [path, query = ""] = req.url.split("?", 2);
      seen.push({ method: req.method, path, query, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const realNow = Date.now;
  try {
    for (const c of cases) {
      const pusher = new Pusher({ appId: "4", key: "key", secret: "secret", host: "127.0.0.1", port, useTLS: false });
      seen.length = 0;
      Date.now = () => c.timestamp * 1000;
      try {
        if (c.kind === "batch") {
          await pusher.triggerBatch(c.batch);
        } else {
          const params = {};
          if (c.socket_id !== undefined) params.socket_id = c.socket_id;
          if (c.info !== undefined) params.info = c.info;
          await pusher.trigger(c.channels, c.event, c.data, params);
        }
      } finally {
        Date.now = realNow;
      }
      process.stdout.write(JSON.stringify(seen[0]) + "\n");
    }
  } finally {
    server.close();
  }
}

const [mode, port] = process.argv.slice(2);
if (mode === "node-requests") await nodeRequests(Number(port));
else {
  process.stderr.write("usage: node send.mjs node-requests PORT\n");
  process.exit(2);
}
