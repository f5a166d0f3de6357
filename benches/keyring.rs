//! Verification against keyrings of 1, 1,000 and 100,000 apps: the index by key makes
//! the cost independent of the keyring's size (issue 13's target: the 100,000-app cost
//! within 1.2× of the 1-app cost).
//!
//! ```text
//! nice -n 5 cargo bench --bench keyring -- --warm-up-time 1 --measurement-time 3
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic
#![allow(missing_docs)] // criterion_group! makes undocumented public functions

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use channel_auth::{sign_api_request, sign_webhook, verify_api_request, verify_webhook, Credentials, Keyring, Method};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// A keyring of `apps` apps, `key-<i>` / `secret-<i>`; the app looked up is the last.
fn ring(apps: usize) -> (Keyring, Credentials) {
    let all: Vec<Credentials> = (0..apps)
        .map(|i| Credentials::new(format!("key-{i}").parse().unwrap(), format!("secret-{i}").parse().unwrap()))
        .collect();
    let last = all.last().unwrap().clone();
    (Keyring::new(all), last)
}

fn keyring(c: &mut Criterion) {
    let body = br#"{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"news"}]}"#;
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut group = c.benchmark_group("keyring");
    for apps in [1, 1_000, 100_000] {
        let (ring, creds) = ring(apps);
        let signature = sign_webhook(&creds, body).signature().to_owned();
        let key = creds.key().as_str().to_owned();
        group.bench_with_input(BenchmarkId::new("verify_webhook", apps), &apps, |b, _| {
            b.iter(|| verify_webhook(&ring, black_box(&key), black_box(&signature), black_box(body)).is_ok())
        });
        let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, at).unwrap();
        group.bench_with_input(BenchmarkId::new("verify_api_request", apps), &apps, |b, _| {
            b.iter(|| {
                verify_api_request(&ring, Method::Post, "/apps/3/events", black_box(query.as_str()), body, at).is_ok()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, keyring);
criterion_main!(benches);
