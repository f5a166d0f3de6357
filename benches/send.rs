//! Building a signed trigger request (`Api::trigger`), 24 bytes and 10 KiB of data, beside
//! a naive baseline: `serde_json::json!` for the body, `sign_api_request`, `format!` for
//! the URL.
//!
//! ```text
//! nice -n 5 cargo bench --bench send -- --warm-up-time 1 --measurement-time 3
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic
#![allow(missing_docs)] // criterion_group! makes undocumented public functions

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use channel_auth::Credentials;
use channel_auth::api::{Method, sign_api_request};
use channel_auth::send::{Api, ApiUrl, Trigger};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn creds() -> Credentials {
    Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap())
        .with_app_id("3".parse().unwrap())
}

/// The naive way: a `Value` body, then sign, then a formatted URL, into the same
/// `http::Request` as ours (method, URI, `Content-Type`, body), so both do the same job.
fn naive_trigger(creds: &Credentials, event: &str, data: &str, channel: &str) -> http::Request<Vec<u8>> {
    let body = serde_json::json!({"name": event, "data": data, "channels": [channel]}).to_string().into_bytes();
    let at = UNIX_EPOCH + Duration::from_secs(1_353_088_179);
    let query = sign_api_request(creds, Method::Post, "/apps/3/events", &[], &body, at).unwrap();
    http::Request::builder()
        .method(http::Method::POST)
        .uri(format!("https://api-mt1.pusher.com/apps/3/events?{}", query.as_str()))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap()
}

fn trigger(c: &mut Criterion) {
    let api = Api::new(creds(), ApiUrl::cluster("mt1").unwrap()).unwrap();
    let naive_creds = creds();
    let at = UNIX_EPOCH + Duration::from_secs(1_353_088_179);
    for (label, data) in [("24B", "x".repeat(24)), ("10KiB", "x".repeat(10 * 1024))] {
        let mut group = c.benchmark_group(format!("trigger_{label}"));
        group.throughput(Throughput::Bytes(data.len() as u64));
        let t = Trigger::new("my-event".parse().unwrap(), data.clone(), ["my-channel".parse().unwrap()]);
        let (ours, naive) =
            (api.trigger(&t, at).unwrap().into_http(), naive_trigger(&naive_creds, "my-event", &data, "my-channel"));
        // The same request: a body with the same JSON value (key order may differ), and
        // a URI signed over that body (so equal when the bodies' bytes are).
        let value = |body: &[u8]| serde_json::from_slice::<serde_json::Value>(body).unwrap();
        assert_eq!(value(ours.body()), value(naive.body()));
        assert_eq!((ours.method(), ours.headers()), (naive.method(), naive.headers()));
        if ours.body() == naive.body() {
            assert_eq!(ours.uri(), naive.uri());
        }
        group.bench_function("ours", |b| b.iter(|| black_box(api.trigger(black_box(&t), at).unwrap())));
        group.bench_function("naive", |b| {
            b.iter(|| black_box(naive_trigger(&naive_creds, "my-event", black_box(&data), "my-channel")));
        });
        group.finish();
    }
}

criterion_group!(benches, trigger);
criterion_main!(benches);
