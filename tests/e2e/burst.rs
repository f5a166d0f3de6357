//! Sender for `tests/e2e/ratelimit.mjs`: a burst of `COUNT` triggers, all started at
//! once, through `send::Client` (the library's reqwest client) to a rate-limited server.
//! `RETRY=default` keeps `RetryPolicy::default()` (`Client::new(api)`); `RETRY=none`
//! sends with `RetryPolicy::none()`. Event `i` (0-based) is `burst` on `CHANNEL` with
//! data `{"phase":PHASE,"i":i}`.
//!
//! Prints one JSON line:
//! `{"phase":"..","retry":"..","count":N,"accepted":[i,..],"rate_limited":N,"other_errors":[".."]}`
//! (`accepted` sorted; `other_errors` are the Display of every other failure). The exit
//! code is 0 whenever that line is printed: the driver judges it. The whole burst is
//! bounded by `BURST_TIMEOUT_S` (60 s).
//!
//! Env: `API_URL`, `APP_ID`, `APP_KEY`, `APP_SECRET`, `CHANNEL`, `PHASE`, `RETRY`,
//! `COUNT` (20). Not a user example: not packaged.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test driver: a bad env aborts it

use std::sync::Arc;
use std::time::Duration;

use channel_auth::Credentials;
use channel_auth::send::{Api, ApiError, ApiUrl, Client, ClientError, RetryPolicy, Trigger};

fn env(name: &str, default: Option<&str>) -> String {
    match std::env::var(name) {
        Ok(value) => value,
        Err(_) => default.map(str::to_owned).unwrap_or_else(|| panic!("{name} is not set")),
    }
}

enum Outcome {
    Accepted(usize),
    RateLimited,
    Other(String),
}

#[tokio::main]
async fn main() {
    let count: usize = env("COUNT", Some("20")).parse().expect("COUNT is a number");
    let phase = env("PHASE", Some("burst"));
    let retry = env("RETRY", Some("default"));
    let channel = env("CHANNEL", None);
    let limit_s: u64 = env("BURST_TIMEOUT_S", Some("60")).parse().expect("BURST_TIMEOUT_S is a number");
    let creds = Credentials::new(
        env("APP_KEY", None).parse().expect("APP_KEY"),
        env("APP_SECRET", None).parse().expect("APP_SECRET"),
    )
    .with_app_id(env("APP_ID", None).parse().expect("APP_ID"));
    let api = Api::new(creds, ApiUrl::from_url(&env("API_URL", None)).expect("API_URL")).expect("Api");
    let client = Client::new(api).expect("Client");
    let client = Arc::new(match retry.as_str() {
        "default" => client,
        "none" => client.with_retry(RetryPolicy::none()),
        other => panic!("RETRY is default or none, not {other}"),
    });

    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let client = client.clone();
            let data = serde_json::json!({ "phase": phase, "i": i }).to_string();
            let trigger = Trigger::new("burst".parse().unwrap(), data, [channel.parse().expect("CHANNEL")]);
            tokio::spawn(async move {
                match client.trigger(&trigger).await {
                    Ok(_) => Outcome::Accepted(i),
                    Err(ClientError::Api(ApiError::RateLimited { .. })) => Outcome::RateLimited,
                    Err(other) => Outcome::Other(other.to_string()),
                }
            })
        })
        .collect();

    let (mut accepted, mut rate_limited, mut other_errors) = (Vec::new(), 0usize, Vec::new());
    let all = async {
        for task in tasks {
            match task.await {
                Ok(Outcome::Accepted(i)) => accepted.push(i),
                Ok(Outcome::RateLimited) => rate_limited += 1,
                Ok(Outcome::Other(e)) => other_errors.push(e),
                Err(e) => other_errors.push(format!("task: {e}")),
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(limit_s), all).await.is_err() {
        other_errors.push(format!("the burst did not finish within {limit_s} s"));
    }
    accepted.sort_unstable();
    println!(
        "{}",
        serde_json::json!({
            "phase": phase,
            "retry": retry,
            "count": count,
            "accepted": accepted,
            "rate_limited": rate_limited,
            "other_errors": other_errors,
        })
    );
}
