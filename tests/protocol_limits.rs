//! The Pusher protocol's own limits, shown rather than hidden (issue 13, fix 4; the
//! README's "Security: the protocol's limits" section): `body_md5` ties an API signature
//! to MD5, HMAC pads short keys with zeros, and a signed API request replays for 600 s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::api::{API_TIMESTAMP_WINDOW, Method, sign_api_request, verify_api_request};
use channel_auth::webhook::{sign_webhook, verify_webhook};
use channel_auth::{AppSecret, Credentials, Keyring, VerifyError};

/// The classic MD5 collision pair (Wang and Yu, 2004; the 128-byte blocks popularized
/// by Marc Stevens' write-ups): two different messages with one MD5,
/// `79054025255fb1a26e4bc422aef54eb4`.
const COLLISION_A: &str = "d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f89\
55ad340609f4b30283e488832571415a085125e8f7cdc99fd91dbdf280373c5b\
d8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248cda0\
e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70";
const COLLISION_B: &str = "d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f89\
55ad340609f4b30283e4888325f1415a085125e8f7cdc99fd91dbd7280373c5b\
d8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248cda0\
e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70";

fn creds(secret: &str) -> Credentials {
    Credentials::new("key".parse().unwrap(), secret.parse().unwrap())
}

#[test]
fn two_bodies_with_one_md5_share_an_api_signature() {
    let (a, b) = (hex::decode(COLLISION_A).unwrap(), hex::decode(COLLISION_B).unwrap());
    assert_ne!(a, b);
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let query = sign_api_request(&creds("secret"), Method::Post, "/apps/3/events", &[], &a, at).unwrap();
    assert!(query.as_str().contains("body_md5=79054025255fb1a26e4bc422aef54eb4&"), "{query}");
    let ring = Keyring::new([creds("secret")]);
    // The signature made for body A verifies body B: the protocol signs MD5(body), not
    // the body.
    assert!(verify_api_request(&ring, Method::Post, "/apps/3/events", query.as_str(), &a, at).is_ok());
    assert!(verify_api_request(&ring, Method::Post, "/apps/3/events", query.as_str(), &b, at).is_ok());
    // A webhook signs the raw body, so the pair does not share a webhook signature.
    let body_a = [&b"{\"x\":\""[..], &a, b"\"}"].concat();
    let body_b = [&b"{\"x\":\""[..], &b, b"\"}"].concat();
    let signed = sign_webhook(&creds("secret"), &body_a);
    assert_eq!(verify_webhook(&ring, "key", signed.signature(), &body_b).unwrap_err(), VerifyError::InvalidSignature);
}

#[test]
fn a_secret_and_the_same_secret_with_trailing_zeros_are_one_hmac_key() {
    // RFC 2104 pads a key shorter than the block (64 bytes) with zeros, so `s` and
    // `s\0` key the same MAC: a rotation to a secret that differs only by trailing NULs
    // changes nothing.
    let padded: AppSecret = "s\0".parse().unwrap();
    let padded = Credentials::new("key".parse().unwrap(), padded);
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let query = sign_api_request(&creds("s"), Method::Get, "/apps/3/channels", &[], b"", at).unwrap();
    let ring = Keyring::new([padded.clone()]);
    assert!(verify_api_request(&ring, Method::Get, "/apps/3/channels", query.as_str(), b"", at).is_ok());
    let body = br#"{"time_ms":1,"events":[]}"#;
    assert_eq!(sign_webhook(&creds("s"), body).signature(), sign_webhook(&padded, body).signature());
    // A different secret is a different key.
    assert_ne!(sign_webhook(&creds("s"), body).signature(), sign_webhook(&creds("s\u{1}"), body).signature());
}

#[test]
fn a_signed_request_replays_within_the_window() {
    assert_eq!(API_TIMESTAMP_WINDOW, Duration::from_secs(600));
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let body = br#"{"name":"e","channels":["c"],"data":"{}"}"#;
    let query = sign_api_request(&creds("secret"), Method::Post, "/apps/3/events", &[], body, at).unwrap();
    let ring = Keyring::new([creds("secret")]);
    let verify = |seconds: u64| {
        verify_api_request(
            &ring,
            Method::Post,
            "/apps/3/events",
            query.as_str(),
            body,
            at + Duration::from_secs(seconds),
        )
        .map(|_| ())
    };
    // The same request verifies again and again for 599 s: the protocol has no nonce,
    // so a server that must not act twice deduplicates itself.
    for seconds in [0, 1, 300, 599] {
        assert_eq!(verify(seconds), Ok(()), "{seconds} s later");
    }
    assert_eq!(verify(600), Err(VerifyError::TimestampTooOld));
}
