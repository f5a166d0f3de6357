// Loads examples/wasm-signer's release .wasm (no imports) and checks it signs Pusher's
// documented private-channel example byte for byte, and refuses a hostile socket id.
import { readFile } from "node:fs/promises";

const path = process.argv[2];
const { instance } = await WebAssembly.instantiate(await readFile(path), {});
const { memory, buffer, sign } = instance.exports;
const run = (input) => {
  const bytes = new TextEncoder().encode(input);
  new Uint8Array(memory.buffer, buffer(), bytes.length).set(bytes);
  const len = sign(bytes.length);
  return len < 0 ? null : new TextDecoder().decode(new Uint8Array(memory.buffer, buffer(), len));
};
const want = '{"auth":"278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"}';
const got = run("278d425bdf160c739803\n7ad3773142a6692b25b8\n1234.1234\nprivate-foobar");
if (got !== want) throw new Error(`wasm-signer: got ${got}, want ${want}`);
if (run("278d425bdf160c739803\n7ad3773142a6692b25b8\n1.1:private-x\nprivate-foobar") !== null) {
  throw new Error("wasm-signer signed a hostile socket id");
}
console.log("wasm-signer: signs the documented example, refuses a hostile socket id");
