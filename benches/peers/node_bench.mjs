// Times the official Node library (npm `pusher`, pinned in package-lock.json) on the
// inputs of inputs.json; prints one JSON line of nanoseconds per call (median of rounds).
import { readFileSync } from "node:fs";
import Pusher from "pusher";

const input = JSON.parse(readFileSync(new URL("./inputs.json", import.meta.url)));
const pusher = new Pusher({ appId: input.app_id, key: input.key, secret: input.secret });
const ROUNDS = Number(process.env.ROUNDS || 7);
const CALLS = Number(process.env.CALLS || 100000);

const check = pusher.authorizeChannel(input.socket_id, input.private_channel);
if (check.auth !== input.private_auth) throw new Error(`node signed ${check.auth}`);

function time(f) {
  for (let i = 0; i < CALLS; i++) f(); // warm-up: let the JIT settle
  const rounds = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) sink += f().auth.length;
    rounds.push(Number(process.hrtime.bigint() - start) / CALLS);
  }
  if (sink === 0) throw new Error("unreachable");
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(rounds.length / 2)];
}

const member = input.presence_member;
console.log(
  JSON.stringify({
    private_sign: time(() => pusher.authorizeChannel(input.socket_id, input.private_channel)),
    presence_sign: time(() => pusher.authorizeChannel(input.socket_id, input.presence_channel, member)),
  })
);
