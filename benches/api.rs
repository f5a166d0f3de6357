//! HTTP API request signing and verification, each beside naive baselines in the same
//! run (issue 13: "at least 2x a naive baseline").
//!
//! ```text
//! nice -n 5 cargo bench --bench api && python3 benches/table.py
//! ```
//!
//! Two requests: the Pusher docs' trigger (`POST /apps/3/events`, a 73-byte body, so a
//! `body_md5`), and a channel query (`GET /apps/3/channels` with `filter_by_prefix` and
//! `info`, no body).
//!
//! Baselines, written here:
//! - `naive_*`: the general algorithm as the official libraries write it, ported
//!   directly: parameters into a `BTreeMap<String, String>` with lowercased keys, the
//!   `auth_*` parameters and `body_md5` inserted, `k=v` pairs built with `format!` and
//!   joined, the HMAC keyed per call, the query form-urlencoded; the verifier parses the
//!   query into a map the same way, removes `auth_signature`, checks the key, the
//!   timestamp window and the body's MD5, rebuilds the string and compares the decoded
//!   signature with `Mac::verify_slice` (constant time).
//! - `lean_sign` (trigger only): one `format!` for this one fixed parameter set, the
//!   baseline of earlier runs; it cannot sign any other request (no parameter, no
//!   sorting, no escaping), so it is a floor for string building rather than a port.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic
#![allow(missing_docs)] // criterion_group! makes undocumented public functions

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::{Credentials, Keyring};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use md5::Digest as _;
use sha2::Sha256;

const KEY: &str = "278d425bdf160c739803";
const SECRET: &str = "7ad3773142a6692b25b8";
const TIMESTAMP: u64 = 1_353_088_179;
/// The Pusher docs' HTTP API example body.
const TRIGGER_BODY: &str = r#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
const CHANNEL_PARAMS: [(&str, &str); 2] = [("filter_by_prefix", "presence-"), ("info", "user_count")];

type HmacSha256 = Hmac<Sha256>;

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(TIMESTAMP)
}

fn naive_hex_hmac(message: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn naive_joined(params: &BTreeMap<String, String>) -> String {
    params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

fn naive_sign(method: &str, path: &str, params: &[(&str, &str)], body: &[u8], timestamp: u64) -> String {
    let mut all: BTreeMap<String, String> = params.iter().map(|(k, v)| (k.to_lowercase(), (*v).to_owned())).collect();
    all.insert("auth_key".to_owned(), KEY.to_owned());
    all.insert("auth_timestamp".to_owned(), timestamp.to_string());
    all.insert("auth_version".to_owned(), "1.0".to_owned());
    if !body.is_empty() {
        all.insert("body_md5".to_owned(), hex::encode(md5::Md5::digest(body)));
    }
    let signature = naive_hex_hmac(&format!("{method}\n{path}\n{}", naive_joined(&all)));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &all {
        query.append_pair(k, v);
    }
    query.append_pair("auth_signature", &signature);
    query.finish()
}

fn naive_verify(method: &str, path: &str, query: &str, body: &[u8], now: u64) -> bool {
    let mut params: BTreeMap<String, String> =
        form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.to_lowercase(), v.into_owned())).collect();
    let Some(signature) = params.remove("auth_signature") else { return false };
    if params.get("auth_key").map(String::as_str) != Some(KEY) {
        return false;
    }
    let Some(Ok(timestamp)) = params.get("auth_timestamp").map(|t| t.parse::<u64>()) else { return false };
    if now.abs_diff(timestamp) >= 600 {
        return false;
    }
    if !body.is_empty() && params.get("body_md5") != Some(&hex::encode(md5::Md5::digest(body))) {
        return false;
    }
    let Ok(signature) = hex::decode(signature) else { return false };
    let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{method}\n{path}\n{}", naive_joined(&params)).as_bytes());
    mac.verify_slice(&signature).is_ok()
}

fn lean_sign_trigger(path: &str, body: &[u8]) -> String {
    let md5 = hex::encode(md5::Md5::digest(body));
    let params = format!("auth_key={KEY}&auth_timestamp={TIMESTAMP}&auth_version=1.0&body_md5={md5}");
    let signature = naive_hex_hmac(&format!("POST\n{path}\n{params}"));
    format!("{params}&auth_signature={signature}")
}

fn bench_request(
    c: &mut Criterion,
    group_name: &str,
    method: Method,
    path: &str,
    params: &[(&str, &str)],
    body: &[u8],
) {
    let creds = Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap());
    let ring = Keyring::new([creds.clone()]);
    let ours = sign_api_request(&creds, method, path, params, body, at()).unwrap().into_string();
    let naive = naive_sign(method.as_str(), path, params, body, TIMESTAMP);
    // Same output, and each verifier accepts it: the baselines do the same job.
    assert_eq!(ours, naive);
    assert!(naive_verify(method.as_str(), path, &ours, body, TIMESTAMP));
    assert!(verify_api_request(&ring, method, path, &ours, body, at()).is_ok());
    if method == Method::Post && params.is_empty() {
        assert_eq!(ours, lean_sign_trigger(path, body));
    }

    let mut group = c.benchmark_group(group_name);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group.sample_size(50);
    group.throughput(Throughput::Elements(1));
    group.bench_function("ours_sign", |b| {
        b.iter(|| sign_api_request(&creds, method, black_box(path), black_box(params), black_box(body), at()))
    });
    group.bench_function("naive_sign", |b| {
        b.iter(|| naive_sign(method.as_str(), black_box(path), black_box(params), black_box(body), TIMESTAMP))
    });
    if method == Method::Post && params.is_empty() {
        group.bench_function("lean_sign", |b| b.iter(|| lean_sign_trigger(black_box(path), black_box(body))));
    }
    group.bench_function("ours_verify", |b| {
        b.iter(|| verify_api_request(&ring, method, black_box(path), black_box(&ours), black_box(body), at()).is_ok())
    });
    group.bench_function("naive_verify", |b| {
        b.iter(|| naive_verify(method.as_str(), black_box(path), black_box(&ours), black_box(body), TIMESTAMP))
    });
    group.finish();
}

fn trigger(c: &mut Criterion) {
    bench_request(c, "api_trigger_73B", Method::Post, "/apps/3/events", &[], TRIGGER_BODY.as_bytes());
}

fn channels(c: &mut Criterion) {
    bench_request(c, "api_channels_get", Method::Get, "/apps/3/channels", &CHANNEL_PARAMS, b"");
}

criterion_group!(benches, trigger, channels);
criterion_main!(benches);
