// Reads cargo's `--message-format=json` (or `json-render-diagnostics`) messages on stdin
// and prints the one file cargo built for target <name> whose path ends with <suffix>,
// wherever cargo put it: CARGO_TARGET_DIR or a config's `build.target-dir` move the
// target directory, so a script must not assume `target/`. Exits 1 unless exactly one
// file matches.
//
//   cargo build --message-format=json-render-diagnostics ... | node .ci/cargo-artifact.mjs wasm_signer .wasm
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const [name, suffix] = process.argv.slice(2);
  const files = new Set();
  for (const line of input.split("\n")) {
    if (!line.startsWith("{")) continue;
    const message = JSON.parse(line);
    if (message.reason !== "compiler-artifact" || message.target.name !== name) continue;
    for (const file of message.filenames) {
      if (file.endsWith(suffix)) files.add(file);
    }
  }
  if (files.size !== 1) {
    const found = [...files].join(", ");
    console.error(`cargo-artifact: want one file of target ${name} ending with ${suffix}, found ${files.size}: ${found}`);
    process.exit(1);
  }
  console.log([...files][0]);
});
