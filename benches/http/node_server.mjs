// The load test's peer: the official Node library (`pusher` 5.3.4) behind Express, with
// the demo policy of examples/auth_server.rs, so both servers do the same work per
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
});

const app = express();
app.disable("x-powered-by");
app.use(express.urlencoded({ extended: false, limit: "10kb" }));

const USER_ID = /^[A-Za-z0-9_\-=@,.;]{1,200}$/;

app.post("/pusher/auth", (req, res) => {
  const user = req.get("x-user-id");
  const socketId = req.body?.socket_id;
  const channel = req.body?.channel_name;
  if (typeof socketId !== "string" || typeof channel !== "string") {
    console.log("node_server: refused POST /pusher/auth -> 400 (missing socket_id or channel_name)");
    return res.status(400).json({ error: "missing socket_id or channel_name" });
  }
  if (typeof user !== "string" || !USER_ID.test(user) || !channel.includes(user)) {
    console.log(`node_server: channel deny user=${user ?? "-"} channel=${channel}`);
    return res.status(403).json({ error: "forbidden" });
  }
  try {
    let auth;
    if (channel.startsWith("presence-")) {
      auth = pusher.authorizeChannel(socketId, channel, { user_id: user, user_info: { name: user } });
    } else if (channel.startsWith("private-")) {
      auth = pusher.authorizeChannel(socketId, channel);
    } else {
      console.log(`node_server: channel deny user=${user} channel=${channel} (not authorizable)`);
      return res.status(403).json({ error: "forbidden" });
    }
    console.log(`node_server: channel allow user=${user} socket=${socketId} channel=${channel}`);
    return res.json(auth);
  } catch (e) {
    // The library refuses a bad socket id or channel name by throwing.
    console.log(`node_server: refused POST /pusher/auth -> 400 (${e.message})`);
    return res.status(400).json({ error: String(e.message) });
  }
});

const port = Number(process.env.PORT ?? 3100);
app.listen(port, "127.0.0.1", () => console.log(`node_server: listening on http://127.0.0.1:${port}`));
