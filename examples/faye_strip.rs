//! Prints each Bayeux message of standard input (one JSON value per line) after
//! `strip_faye_credentials`, one compact JSON value per line, prefixed by the number of
//! entries removed and a tab. tests/faye/ compares this with its Node mirror of the rule.
//!
//! (`<TAB>` stands for one tab character.)
//!
//! ```text
//! echo '{"channel":"/a","ext":{"token":"t","userId":"u"}}' | cargo run --example faye_strip
//! 1<TAB>{"channel":"/a","ext":{"userId":"u"}}
//! ```

use std::io::{BufRead, Write};
use std::process::ExitCode;

use channel_auth::faye::strip_faye_credentials;

fn main() -> ExitCode {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for (number, line) in stdin.lock().lines().enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("faye_strip: cannot read line {}: {e}", number + 1);
                return ExitCode::FAILURE;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let mut message: serde_json::Value = match serde_json::from_str(&line) {
            Ok(message) => message,
            Err(e) => {
                eprintln!("faye_strip: line {} is not JSON: {e}", number + 1);
                return ExitCode::FAILURE;
            }
        };
        let removed = strip_faye_credentials(&mut message);
        if writeln!(out, "{removed}\t{message}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
