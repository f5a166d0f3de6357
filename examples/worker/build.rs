//! Empty: exists so that `[build-dependencies]` (syn with `full`, see Cargo.toml) reach
//! the proc-macro build of worker-macros.
fn main() {}
