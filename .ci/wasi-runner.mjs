// Runs a wasm32-wasip1 binary under Node's built-in WASI (node:wasi, Node 20+).
// Cargo calls it as CARGO_TARGET_WASM32_WASIP1_RUNNER: `node .ci/wasi-runner.mjs <file.wasm> <args…>`.
// No filesystem is pre-opened (the tests read their data through include_str!), the
// environment is passed through (e.g. PROPTEST_CASES), and the exit code is the program's.
import { readFile } from "node:fs/promises";
import process from "node:process";
import { WASI } from "node:wasi";

const [wasmPath, ...args] = process.argv.slice(2);
if (!wasmPath) {
  console.error("usage: node .ci/wasi-runner.mjs <file.wasm> [args…]");
  process.exit(2);
}
// returnOnExit: false, so a program's proc_exit ends Node with its code. With `true`,
// Node 20.20 crashed (SIGSEGV) inside proc_exit after every test had passed, for a test
// binary that had grown its memory to ~30 MiB (tests/faye_messages.rs).
const wasi = new WASI({ version: "preview1", args: [wasmPath, ...args], env: process.env, returnOnExit: false });
const wasm = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());
let code = 0;
try {
  wasi.start(instance);
} catch (e) {
  console.error("wasi-runner:", e);
  code = 1;
}
process.exit(code);
