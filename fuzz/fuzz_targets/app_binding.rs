//! The app binding against a model of what front ends normalize: bound credentials
//! never verify a path that some normalizer maps outside `/apps/<id>/`.
//!
//! Input: the first byte picks the bound id; every later byte picks a token (`/`,
//! `apps`, `3`, `;`, `..`, `%2F`, `\`, …), so the fuzzer reaches traversal shapes
//! quickly. The path is signed with the bound credentials' own secret; when
//! `verify_api_request` accepts it, every normalizer of the model (each combination of
//! percent-decoding up to three times, `\` as `/`, stripping `;` parameters, dropping
//! trailing dots, lowercasing) must leave it in the bound app or outside `/apps/`.

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::{Credentials, Keyring, VerifyError};
use libfuzzer_sys::fuzz_target;

const IDS: [&str; 4] = ["3", "a", "3.", "app-1"];
const TOKENS: [&str; 32] = [
    "/", "apps", "APPS", "Apps", "3", "4", "a", "A", ";", ".", "..", "...", "%2F", "%2f", "%2E", "%2e", "%3B", "%5C",
    "%25", "\\", "events", "x", "=", "@", ",", "-", "_", "33", "3.", "app-1", "channels", "%",
];

/// One front end's normalization, as flags.
#[derive(Clone, Copy)]
struct Normalizer {
    decode_rounds: u8,
    backslash: bool,
    strip_params: bool,
    trailing_dots: bool,
    lowercase: bool,
}

/// Percent-decodes once, leniently (a bad escape stays as it is), as many servers do.
fn decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if let (Some(hi), Some(lo)) = (s.get(i + 1).copied().and_then(hex), s.get(i + 2).copied().and_then(hex)) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// The segments a normalizer resolves `path` to.
fn normalize(path: &str, n: Normalizer) -> Vec<String> {
    let mut bytes = path.as_bytes().to_vec();
    for _ in 0..n.decode_rounds {
        bytes = decode(&bytes);
    }
    if n.backslash {
        for b in &mut bytes {
            if *b == b'\\' {
                *b = b'/';
            }
        }
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut out: Vec<String> = Vec::new();
    for segment in text.split('/') {
        let mut segment = if n.strip_params { segment.split(';').next().unwrap_or("") } else { segment };
        if n.trailing_dots && segment.bytes().any(|b| b != b'.') {
            segment = segment.trim_end_matches('.');
        }
        let segment = if n.lowercase { segment.to_ascii_lowercase() } else { segment.to_owned() };
        match segment.as_str() {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            // Some servers treat a longer run of dots as `..` too.
            s if s.bytes().all(|b| b == b'.') => {
                out.pop();
            }
            _ => out.push(segment),
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let id = IDS[usize::from(pick) % IDS.len()];
    let mut path = String::new();
    for &b in rest.iter().take(48) {
        path.push_str(TOKENS[usize::from(b) % TOKENS.len()]);
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    let bound = Credentials::new("key".parse().expect("valid"), "secret".parse().expect("valid"))
        .with_app_id(id.parse().expect("valid id"));
    let ring = Keyring::new([bound.clone()]);
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let Ok(query) = sign_api_request(&bound, Method::Post, &path, &[], b"{}", at) else { return };
    match verify_api_request(&ring, Method::Post, &path, query.as_str(), b"{}", at) {
        Ok(_) => {}
        // Only the binding may refuse a request signed by the bound credentials.
        Err(VerifyError::WrongApp) => return,
        Err(other) => panic!("{path:?}: {other:?}"),
    }
    for rounds in 0..=3u8 {
        for flags in 0..16u8 {
            let n = Normalizer {
                decode_rounds: rounds,
                backslash: flags & 1 != 0,
                strip_params: flags & 2 != 0,
                trailing_dots: flags & 4 != 0,
                lowercase: flags & 8 != 0,
            };
            let segments = normalize(&path, n);
            if let [first, second, ..] = segments.as_slice() {
                if first.eq_ignore_ascii_case("apps") {
                    assert!(
                        second.eq_ignore_ascii_case(id) && !id.ends_with('.'),
                        "{path:?} verified for app {id:?} but normalizes to {segments:?}"
                    );
                }
            }
        }
    }
});
