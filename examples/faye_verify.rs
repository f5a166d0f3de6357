//! Runs `verify_faye_message` (secret from `FAYE_SECRET`) on each Bayeux message of
//! standard input (one JSON value per line) and prints one verdict a line:
//! `ok<TAB><user id as JSON><TAB><channel>` or `refused<TAB><error>`.
//!
//! The scope is `FayeTokenScope::ChannelBound`, the default: channel-bound tokens that
//! grant subscriptions only, so every publication is refused, whatever its token (a
//! server whose tokens should publish too would pass `ChannelBoundSubscribeOrPublish`).
//! tests/faye/ compares these verdicts with the Faye server's on the subscriptions it
//! saw, and checks that every publication it saw is refused.
//!
//! ```text
//! echo '{"channel":"/meta/subscribe","subscription":"/**","ext":{}}' | FAYE_SECRET=s cargo run --example faye_verify
//! refused<TAB>faye message: subscription is a wildcard channel
//! echo '{"channel":"/chat/alice","data":"hi","ext":{}}' | FAYE_SECRET=s cargo run --example faye_verify
//! refused<TAB>faye message: publishing is not granted by a subscribe-only token scope
//! ```
//!
//! (`<TAB>` stands for one tab character.)

use std::io::{BufRead, Write};
use std::process::ExitCode;

use channel_auth::AppSecret;
use channel_auth::faye::{FayeTokenScope, verify_faye_message};

fn main() -> ExitCode {
    let secret: AppSecret = match std::env::var("FAYE_SECRET").ok().and_then(|s| s.parse().ok()) {
        Some(secret) => secret,
        None => {
            eprintln!("faye_verify: set FAYE_SECRET (1 to 1024 bytes)");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let Ok(line) = line else {
            eprintln!("faye_verify: cannot read line {}", number + 1);
            return ExitCode::FAILURE;
        };
        if line.trim().is_empty() {
            continue;
        }
        let message: serde_json::Value = match serde_json::from_str(&line) {
            Ok(message) => message,
            Err(e) => {
                eprintln!("faye_verify: line {} is not JSON: {e}", number + 1);
                return ExitCode::FAILURE;
            }
        };
        // Subscriptions only: tokens from POST /faye/token never publish.
        let verdict = match verify_faye_message(&secret, &message, FayeTokenScope::ChannelBound) {
            Ok(verified) => {
                let user = serde_json::Value::String(verified.user().as_str().to_owned());
                format!("ok\t{user}\t{}", verified.channel())
            }
            Err(e) => format!("refused\t{e}"),
        };
        if writeln!(out, "{verdict}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
