// The load test's peer: the official Node library (`pusher` 5.3.4) behind Express, with
// the demo policy of examples/common/demo_policy.rs, so both servers do the same work per
// request: parse the form, check `X-User-Id`, decide, sign, answer JSON, log one line.
//
//   PORT=3100 node benches/http/node_server.mjs
//
// The demo app's public credentials (Pusher's documentation), as the Rust server uses.
import express from "express";
import Pusher from "pusher";

const pusher = new Pusher({
  appId: "3",
  key: "278d425bdf160c739803",
  secret: "7ad3773142a6692b25b8",
  cluster: "mt1",
  // base64 of `channel-auth public demo key 32b`: the Rust demo server's PUBLIC key.
  encryptionMasterKeyBase64: "Y2hhbm5lbC1hdXRoIHB1YmxpYyBkZW1vIGtleSAzMmI=",
});

const app = express();
app.disable("x-powered-by");
app.use(express.urlencoded({ extended: false, limit: "10kb" }));

const USER_ID = /^[A-Za-z0-9_\-=@,.;]{1,128}$/;

// The demo policy of examples/common/demo_policy.rs, exact: `private-<id>` and
// `private-encrypted-<id>` for that user only, any presence channel as that member.
function decide(user, channel) {
  for (const prefix of ["private-encrypted-", "private-"]) {
    if (channel.startsWith(prefix)) return channel.slice(prefix.length) === user ? "private" : null;
  }
  return channel.startsWith("presence-") ? "presence" : null;
}

app.post("/pusher/auth", (req, res) => {
  const user = req.get("x-user-id");
  const socketId = req.body?.socket_id;
  const channel = req.body?.channel_name;
  if (typeof socketId !== "string" || typeof channel !== "string") {
    console.log("node_server: refused POST /pusher/auth -> 400 (missing socket_id or channel_name)");
    return res.status(400).json({ error: "missing socket_id or channel_name" });
  }
  const kind = typeof user === "string" && USER_ID.test(user) ? decide(user, channel) : null;
  if (kind === null) {
    console.log(`node_server: channel deny user=${user ?? "-"} channel=${channel}`);
    return res.status(403).json({ error: "forbidden" });
  }
  try {
    const auth =
      kind === "presence"
        ? pusher.authorizeChannel(socketId, channel, { user_id: user, user_info: { name: user } })
        : pusher.authorizeChannel(socketId, channel);
    console.log(`node_server: channel allow user=${user} channel=${channel}`);
    return res.json(auth);
  } catch (e) {
    // The library refuses a bad socket id or channel name by throwing.
    console.log(`node_server: refused POST /pusher/auth -> 400 (${e.message})`);
    return res.status(400).json({ error: String(e.message) });
  }
});

const port = Number(process.env.PORT ?? 3100);
app.listen(port, "127.0.0.1", () => console.log(`node_server: listening on http://127.0.0.1:${port}`));
