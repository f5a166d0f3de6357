//! Verification against keyrings of 1, 1,000 and 100,000 apps: the index by key makes
//! the cost independent of the keyring's size (issue 13's target: the 100,000-app cost
//! within 1.2× of the 1-app cost).
//!
//! ```text
//! nice -n 5 cargo bench --bench keyring -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! `keyring` verifies the same app on every call (the index's cost, caches warm);
//! `keyring_rotating` a different app each time (the index's and memory's cost).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic
#![allow(missing_docs)] // criterion_group! makes undocumented public functions

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::webhook::{sign_webhook, verify_webhook};
use channel_auth::{Credentials, Keyring};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

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

/// A different app on every call, in a shuffled order over all of the keyring's apps:
/// what a server hosting them sees, with the index, the credentials and their HMAC
/// states mostly out of cache at 100,000 apps. The requests (key and signature text) are
/// laid out the same way whatever the keyring's size (100,000 of them, the 1-app ring's
/// all alike), so the harness's own cache misses are in both figures.
fn keyring_rotating(c: &mut Criterion) {
    let body = br#"{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"news"}]}"#;
    const REQUESTS: usize = 100_000;
    let mut group = c.benchmark_group("keyring_rotating");
    for apps in [1, 100_000] {
        let all: Vec<Credentials> = (0..apps)
            .map(|i| Credentials::new(format!("key-{i}").parse().unwrap(), format!("secret-{i}").parse().unwrap()))
            .collect();
        // A fixed pseudo-random order (an LCG), so runs compare.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let requests: Vec<(String, String)> = (0..REQUESTS)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let creds = &all[usize::try_from(state >> 33).unwrap() % apps];
                (creds.key().as_str().to_owned(), sign_webhook(creds, body).signature().to_owned())
            })
            .collect();
        let ring = Keyring::new(all);
        let mut next = 0;
        group.bench_with_input(BenchmarkId::new("verify_webhook", apps), &apps, |b, _| {
            b.iter(|| {
                let (key, signature) = &requests[next];
                next = (next + 1) % REQUESTS;
                verify_webhook(&ring, black_box(key), black_box(signature), black_box(body)).is_ok()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, keyring, keyring_rotating);
criterion_main!(benches);
