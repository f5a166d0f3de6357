//! Load driver for `benches/client/run.sh`: triggers through `send::Client` (the
//! library's own reqwest client: keep-alive pool, default retry policy) to a local
//! server, from `SENDERS` concurrent tasks, `TOTAL` triggers in all. Prints one line:
//! `RESULT impl=rust senders=N total=N ok=N secs=S rps=R p50_ms=A p99_ms=B`.
//!
//! Env: `API_URL` (http://127.0.0.1:6402), `PUSHER_APP_ID`, `PUSHER_APP_KEY`,
//! `PUSHER_APP_SECRET`, `SENDERS` (1), `TOTAL` (2000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a bench driver

use std::sync::Arc;
use std::time::{Duration, Instant};

use channel_auth::Credentials;
use channel_auth::send::{Api, ApiUrl, Client, Trigger};

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() {
    let senders: usize = env("SENDERS", "1").parse().unwrap();
    let total: usize = env("TOTAL", "2000").parse().unwrap();
    let creds = Credentials::new(
        env("PUSHER_APP_KEY", "app-key").parse().unwrap(),
        env("PUSHER_APP_SECRET", "app-secret").parse().unwrap(),
    )
    .with_app_id(env("PUSHER_APP_ID", "1").parse().unwrap());
    let api = Api::new(creds, ApiUrl::from_url(&env("API_URL", "http://127.0.0.1:6402")).unwrap()).unwrap();
    let client = Arc::new(Client::new(api).unwrap());
    let trigger = Arc::new(Trigger::new("bench".parse().unwrap(), r#"{"n":1}"#, ["bench-channel".parse().unwrap()]));
    // Warm the pool: one connection per sender.
    let warm: Vec<_> = (0..senders)
        .map(|_| {
            let (client, trigger) = (client.clone(), trigger.clone());
            tokio::spawn(async move { client.trigger(&trigger).await.unwrap() })
        })
        .collect();
    for task in warm {
        task.await.unwrap();
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..senders)
        .map(|i| {
            let (client, trigger) = (client.clone(), trigger.clone());
            let count = total / senders + usize::from(i < total % senders);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(count);
                let mut ok = 0usize;
                for _ in 0..count {
                    let at = Instant::now();
                    if client.trigger(&trigger).await.is_ok() {
                        ok += 1;
                    }
                    latencies.push(at.elapsed());
                }
                (ok, latencies)
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = Vec::with_capacity(total);
    let mut ok = 0;
    for task in tasks {
        let (n, l) = task.await.unwrap();
        ok += n;
        latencies.extend(l);
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "RESULT impl=rust senders={senders} total={total} ok={ok} secs={secs:.3} rps={:.0} p50_ms={:.3} p99_ms={:.3}",
        total as f64 / secs,
        pct(0.50),
        pct(0.99)
    );
}
