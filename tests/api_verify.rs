//! HTTP API verification, rule by rule: each case changes one thing of a good request
//! and names the error it must get.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request, verify_api_request_now};
use channel_auth::{Credentials, Keyring, VerifyError};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const KEY: &str = "278d425bdf160c739803";
const SECRET: &str = "7ad3773142a6692b25b8";
const PATH: &str = "/apps/3/events";
const BODY: &[u8] = br#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
const T: u64 = 1_353_088_179;
/// MD5 of the empty string.
const EMPTY_MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

fn creds() -> Credentials {
    Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap())
}

fn ring() -> Keyring {
    Keyring::new([creds()])
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// The good request: POST /apps/3/events with a body and one parameter of its own.
fn good_query() -> String {
    sign_api_request(&creds(), Method::Post, PATH, &[("info", "user_count")], BODY, at(T)).unwrap().into_string()
}

/// A query signed by hand (an independent HMAC over the given string to sign), so that
/// cases the crate's signer refuses to produce can still carry a valid signature.
fn hand_signed(secret: &str, method: &str, path: &str, params: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{method}\n{path}\n{params}").as_bytes());
    format!("{params}&auth_signature={}", hex::encode(mac.finalize().into_bytes()))
}

fn verify(method: Method, path: &str, query: &str, body: &[u8], now: u64) -> Result<(), VerifyError> {
    let ring = ring();
    verify_api_request(&ring, method, path, query, body, at(now))
        .map(|c| assert_eq!(c.credentials().key().as_str(), KEY))
}

#[test]
fn the_good_request_verifies() {
    assert_eq!(verify(Method::Post, PATH, &good_query(), BODY, T), Ok(()));
}

#[test]
fn window_edges_both_ways() {
    let q = good_query();
    assert_eq!(verify(Method::Post, PATH, &q, BODY, T + 599), Ok(()));
    assert_eq!(verify(Method::Post, PATH, &q, BODY, T + 600), Err(VerifyError::TimestampTooOld));
    assert_eq!(verify(Method::Post, PATH, &q, BODY, T + 100_000), Err(VerifyError::TimestampTooOld));
    assert_eq!(verify(Method::Post, PATH, &q, BODY, T - 599), Ok(()));
    assert_eq!(verify(Method::Post, PATH, &q, BODY, T - 600), Err(VerifyError::TimestampTooNew));
    assert_eq!(verify(Method::Post, PATH, &q, BODY, 0), Err(VerifyError::TimestampTooNew));
    let ring = ring();
    let before_epoch = UNIX_EPOCH - Duration::from_secs(1);
    assert_eq!(
        verify_api_request(&ring, Method::Post, PATH, &q, BODY, before_epoch).unwrap_err(),
        VerifyError::TimestampTooNew
    );
    let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
    assert_eq!(verify_api_request(&ring, Method::Post, PATH, &q, BODY, far).unwrap_err(), VerifyError::TimestampTooOld);
}

/// What changed, then the request as verified (method, path, query, body), then the error.
type Case<'a> = (&'a str, Method, &'a str, String, &'a [u8], VerifyError);

#[test]
fn what_was_signed_cannot_change() {
    let q = good_query();
    let without_md5 = q.replace("body_md5=ec365a775a4cd0599faeb73354201b6f&", "");
    assert_ne!(without_md5, q);
    let cases: [Case; 10] = [
        ("swapped body", Method::Post, PATH, q.clone(), br#"{"name":"bar"}"#, VerifyError::BodyMismatch),
        ("body dropped", Method::Post, PATH, q.clone(), b"", VerifyError::BodyMismatch),
        ("body and its md5 dropped", Method::Post, PATH, without_md5, b"", VerifyError::InvalidSignature),
        ("method", Method::Put, PATH, q.clone(), BODY, VerifyError::InvalidSignature),
        ("method GET", Method::Get, PATH, q.clone(), BODY, VerifyError::InvalidSignature),
        ("path", Method::Post, "/apps/4/events", q.clone(), BODY, VerifyError::InvalidSignature),
        ("path suffix", Method::Post, "/apps/3/events/", q.clone(), BODY, VerifyError::InvalidSignature),
        ("added unsigned param", Method::Post, PATH, format!("{q}&extra=1"), BODY, VerifyError::InvalidSignature),
        (
            "changed param",
            Method::Post,
            PATH,
            q.replace("info=user_count", "info=subscription_count"),
            BODY,
            VerifyError::InvalidSignature,
        ),
        ("removed param", Method::Post, PATH, q.replace("info=user_count&", ""), BODY, VerifyError::InvalidSignature),
    ];
    for (what, method, path, query, body, want) in cases {
        assert_ne!(query, "", "{what}");
        assert_eq!(verify(method, path, &query, body, T), Err(want), "{what}");
    }
}

#[test]
fn key_case_and_escaping_do_not_change_what_was_signed() {
    // The signature covers decoded, lowercased parameters: the same request spelled
    // differently on the wire still verifies.
    let q = good_query();
    assert_eq!(verify(Method::Post, PATH, &q.replace("info=", "INFO="), BODY, T), Ok(()));
    assert_eq!(verify(Method::Post, PATH, &q.replace("user_count", "user%5Fcount"), BODY, T), Ok(()));
    // Parameter order on the wire does not matter.
    let mut pieces: Vec<&str> = q.split('&').collect();
    pieces.reverse();
    assert_eq!(verify(Method::Post, PATH, &pieces.join("&"), BODY, T), Ok(()));
}

#[test]
fn plus_is_a_space() {
    let ring = ring();
    let query = sign_api_request(&creds(), Method::Get, "/apps/3/channels", &[("q", "a b+c")], b"", at(T)).unwrap();
    assert!(query.as_str().contains("q=a+b%2Bc&"), "{query}");
    assert!(verify_api_request(&ring, Method::Get, "/apps/3/channels", query.as_str(), b"", at(T)).is_ok());
    // %20 is a space too; a literal '+' meaning plus is a different value.
    let spelled = query.as_str().replace("q=a+b", "q=a%20b");
    assert!(verify_api_request(&ring, Method::Get, "/apps/3/channels", &spelled, b"", at(T)).is_ok());
    let literal_plus = query.as_str().replace("%2Bc", "+c");
    assert_eq!(
        verify_api_request(&ring, Method::Get, "/apps/3/channels", &literal_plus, b"", at(T)).unwrap_err(),
        VerifyError::InvalidSignature
    );
}

#[test]
fn duplicate_params_are_refused() {
    let q = good_query();
    for (what, query) in [
        ("same key twice", format!("{q}&info=user_count")),
        ("differing only by case", format!("{q}&Info=user_count")),
        ("auth_key twice", format!("{q}&auth_key={KEY}")),
        ("AUTH_KEY beside auth_key", format!("{q}&AUTH_KEY={KEY}")),
        ("signature twice", format!("{q}&auth_signature=00")),
        ("percent-encoded duplicate", format!("{q}&%69nfo=x")),
        // KELVIN SIGN lowercases to 'k': `auth_\u{212a}ey` is a second auth_key.
        ("unicode case folding", format!("{q}&auth_%E2%84%AAey={KEY}")),
    ] {
        assert_eq!(verify(Method::Post, PATH, &query, BODY, T), Err(VerifyError::DuplicateParam), "{what}");
    }
}

#[test]
fn auth_params_are_required_and_checked() {
    let version = "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=";
    let md5 = "&body_md5=ec365a775a4cd0599faeb73354201b6f";
    let cases: [(&str, String, VerifyError); 12] = [
        (
            "wrong version",
            hand_signed(SECRET, "POST", PATH, &format!("{version}2.0{md5}")),
            VerifyError::UnsupportedVersion,
        ),
        ("version 1", hand_signed(SECRET, "POST", PATH, &format!("{version}1{md5}")), VerifyError::UnsupportedVersion),
        (
            "empty version",
            hand_signed(SECRET, "POST", PATH, &format!("{version}{md5}")),
            VerifyError::UnsupportedVersion,
        ),
        (
            "missing timestamp",
            hand_signed(SECRET, "POST", PATH, &format!("auth_key={KEY}&auth_version=1.0{md5}")),
            VerifyError::MissingParam { name: "auth_timestamp" },
        ),
        (
            "non-numeric timestamp",
            hand_signed(SECRET, "POST", PATH, &format!("auth_key={KEY}&auth_timestamp=soon&auth_version=1.0{md5}")),
            VerifyError::InvalidTimestamp,
        ),
        (
            "signed timestamp",
            hand_signed(
                SECRET,
                "POST",
                PATH,
                &format!("auth_key={KEY}&auth_timestamp=+1353088179&auth_version=1.0{md5}"),
            ),
            VerifyError::InvalidTimestamp,
        ),
        (
            "fractional timestamp",
            hand_signed(
                SECRET,
                "POST",
                PATH,
                &format!("auth_key={KEY}&auth_timestamp=1353088179.5&auth_version=1.0{md5}"),
            ),
            VerifyError::InvalidTimestamp,
        ),
        (
            "overflowing timestamp",
            hand_signed(
                SECRET,
                "POST",
                PATH,
                &format!("auth_key={KEY}&auth_timestamp=99999999999999999999&auth_version=1.0{md5}"),
            ),
            VerifyError::InvalidTimestamp,
        ),
        (
            "missing key",
            hand_signed(SECRET, "POST", PATH, &format!("auth_timestamp={T}&auth_version=1.0{md5}")),
            VerifyError::MissingParam { name: "auth_key" },
        ),
        (
            "missing version",
            hand_signed(SECRET, "POST", PATH, &format!("auth_key={KEY}&auth_timestamp={T}{md5}")),
            VerifyError::MissingParam { name: "auth_version" },
        ),
        (
            "unknown key",
            hand_signed(SECRET, "POST", PATH, &format!("auth_key=nobody&auth_timestamp={T}&auth_version=1.0{md5}")),
            VerifyError::UnknownKey,
        ),
        (
            "missing signature",
            format!("auth_key={KEY}&auth_timestamp={T}&auth_version=1.0{md5}"),
            VerifyError::MissingParam { name: "auth_signature" },
        ),
    ];
    for (what, query, want) in cases {
        assert_eq!(verify(Method::Post, PATH, &query, BODY, T), Err(want), "{what}");
    }
    // The hand-signed form itself is good: only the broken rule makes those fail.
    let good = hand_signed(SECRET, "POST", PATH, &format!("{version}1.0{md5}"));
    assert_eq!(verify(Method::Post, PATH, &good, BODY, T), Ok(()));
}

#[test]
fn malformed_signatures_are_invalid() {
    let q = good_query();
    let (rest, sig) = q.rsplit_once("&auth_signature=").unwrap();
    for junk in [
        String::new(),
        "0".into(),
        sig[..63].into(),
        format!("{sig}0"),
        sig.to_uppercase(),
        format!("{}g", &sig[..63]),
        format!("%20{}", &sig[..62]),
        "0".repeat(64),
    ] {
        let query = format!("{rest}&auth_signature={junk}");
        assert_eq!(verify(Method::Post, PATH, &query, BODY, T), Err(VerifyError::InvalidSignature), "{junk:?}");
    }
}

#[test]
fn body_md5_rules() {
    let ring = ring();
    let get = |query: &str, body: &[u8]| verify_api_request(&ring, Method::Get, "/apps/3/channels", query, body, at(T));
    let base = format!("auth_key={KEY}&auth_timestamp={T}&auth_version=1.0");

    // Empty body, no body_md5 (what this crate sends).
    let plain = hand_signed(SECRET, "GET", "/apps/3/channels", &base);
    assert!(get(&plain, b"").is_ok());
    // Empty body with the MD5 of nothing (what the Python library always sends).
    let python = hand_signed(SECRET, "GET", "/apps/3/channels", &format!("{base}&body_md5={EMPTY_MD5}"));
    assert!(get(&python, b"").is_ok());
    // Empty body with another MD5.
    let other =
        hand_signed(SECRET, "GET", "/apps/3/channels", &format!("{base}&body_md5=ec365a775a4cd0599faeb73354201b6f"));
    assert_eq!(get(&other, b"").unwrap_err(), VerifyError::BodyMismatch);
    // A body, but no body_md5 signed.
    assert_eq!(get(&plain, b"x").unwrap_err(), VerifyError::MissingParam { name: "body_md5" });
    // Uppercase hex is not the body's MD5 as signed.
    let upper =
        hand_signed(SECRET, "GET", "/apps/3/channels", &format!("{base}&body_md5={}", EMPTY_MD5.to_uppercase()));
    assert_eq!(get(&upper, b"").unwrap_err(), VerifyError::BodyMismatch);
}

#[test]
fn rotation_any_secret_under_the_key_verifies() {
    let old = Credentials::new(KEY.parse().unwrap(), "old-secret".parse().unwrap());
    let new = Credentials::new(KEY.parse().unwrap(), "new-secret".parse().unwrap());
    let stranger = Credentials::new("other".parse().unwrap(), "old-secret".parse().unwrap());
    let ring = Keyring::new([stranger, old.clone(), new.clone()]);
    for creds in [&old, &new] {
        let q = sign_api_request(creds, Method::Post, PATH, &[], BODY, at(T)).unwrap();
        let signer = verify_api_request(&ring, Method::Post, PATH, q.as_str(), BODY, at(T)).unwrap();
        assert_eq!(signer.credentials().key().as_str(), KEY);
        // The credentials returned are the ones whose secret signed: re-signing with
        // them reproduces the query.
        let again = sign_api_request(signer.credentials(), Method::Post, PATH, &[], BODY, at(T)).unwrap();
        assert_eq!(again.as_str(), q.as_str());
    }
    let retired = Credentials::new(KEY.parse().unwrap(), "retired".parse().unwrap());
    let q = sign_api_request(&retired, Method::Post, PATH, &[], BODY, at(T)).unwrap();
    assert_eq!(
        verify_api_request(&ring, Method::Post, PATH, q.as_str(), BODY, at(T)).unwrap_err(),
        VerifyError::InvalidSignature
    );
}

#[test]
fn app_binding() {
    let bound = creds().with_app_id("3".parse().unwrap());
    let ring = Keyring::new([bound.clone()]);
    let check = |path: &str| {
        let q = sign_api_request(&bound, Method::Post, path, &[], BODY, at(T)).unwrap();
        verify_api_request(&ring, Method::Post, path, q.as_str(), BODY, at(T)).map(|_| ())
    };
    for inside in ["/apps/3/events", "/apps/3", "/apps/3/channels/presence-a/users", "/apps", "/health"] {
        assert_eq!(check(inside), Ok(()), "{inside}");
    }
    for outside in [
        "/apps/4/events",
        "/apps/4",
        "/apps/33/events",
        "/apps/3/../4/events",
        "/APPS/4/events",
        "/apps;x/4/events",
        "/apps/%34/events",
        "/apps//4/events",
        "/apps/",
    ] {
        assert_eq!(check(outside), Err(VerifyError::WrongApp), "{outside}");
    }
    // A channel name may hold `;`: after the app's two segments it is allowed.
    assert_eq!(check("/apps/3/channels/presence-a;b/users"), Ok(()));
    // Unbound credentials sign for any app.
    let q = sign_api_request(&creds(), Method::Post, "/apps/4/events", &[], BODY, at(T)).unwrap();
    assert_eq!(verify(Method::Post, "/apps/4/events", q.as_str(), BODY, T), Ok(()));
    // A bad signature on a foreign path is still just a bad signature.
    let q = sign_api_request(&creds(), Method::Post, "/apps/4/events", &[], BODY, at(T)).unwrap();
    let wrong_secret = Credentials::new(KEY.parse().unwrap(), "x".parse().unwrap()).with_app_id("3".parse().unwrap());
    let ring = Keyring::new([wrong_secret]);
    assert_eq!(
        verify_api_request(&ring, Method::Post, "/apps/4/events", q.as_str(), BODY, at(T)).unwrap_err(),
        VerifyError::InvalidSignature
    );
    // Two credentials under one key, bound to different apps: each reaches only its own.
    let app5 = Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap()).with_app_id("5".parse().unwrap());
    let ring = Keyring::new([bound, app5]);
    for app in ["3", "5"] {
        let path = format!("/apps/{app}/events");
        let q = sign_api_request(&creds(), Method::Post, &path, &[], BODY, at(T)).unwrap();
        let signer = verify_api_request(&ring, Method::Post, &path, q.as_str(), BODY, at(T)).unwrap();
        assert_eq!(signer.credentials().app_id().unwrap().as_str(), app);
    }
}

#[test]
fn injection_through_the_query_is_refused() {
    // A signature over {a: "1", b: "2"} must not verify a single parameter a = "1&b=2".
    let signed =
        hand_signed(SECRET, "GET", "/x", &format!("a=1&auth_key={KEY}&auth_timestamp={T}&auth_version=1.0&b=2"));
    assert_eq!(verify(Method::Get, "/x", &signed, b"", T), Ok(()));
    let sig = signed.rsplit_once("auth_signature=").unwrap().1;
    for forged in [
        format!(
            "a=1%26auth_key%3D{KEY}%26auth_timestamp%3D{T}%26auth_version%3D1.0%26b%3D2&auth_key={KEY}&auth_timestamp={T}&auth_version=1.0&auth_signature={sig}"
        ),
        format!("a%3D1%26b=2&auth_key={KEY}&auth_timestamp={T}&auth_version=1.0&auth_signature={sig}"),
        format!("a=1%0Ab%3D2&auth_key={KEY}&auth_timestamp={T}&auth_version=1.0&auth_signature={sig}"),
    ] {
        assert_eq!(verify(Method::Get, "/x", &forged, b"", T), Err(VerifyError::MalformedQuery), "{forged}");
    }
    for bad in ["%", "a=%zz", "a=%FF", "=1", "a+b=1", "a=1%00"] {
        let query = format!("{bad}&{}", good_query());
        assert_eq!(verify(Method::Post, PATH, &query, BODY, T), Err(VerifyError::MalformedQuery), "{bad}");
    }
}

#[test]
fn bad_paths_are_refused_before_anything_else() {
    let q = good_query();
    for path in ["", "apps/3/events", "/apps/3/events?x=1", "/apps/3/events#x", "/apps/3 /events", "/apps/3/events\n"] {
        assert_eq!(verify(Method::Post, path, &q, BODY, T), Err(VerifyError::InvalidPath), "{path:?}");
    }
}

#[test]
fn the_clock_wrapper_reads_the_clock() {
    let now = SystemTime::now();
    let q = sign_api_request(&creds(), Method::Post, PATH, &[], BODY, now).unwrap();
    let ring = ring();
    assert!(verify_api_request_now(&ring, Method::Post, PATH, q.as_str(), BODY).is_ok());
    let old = sign_api_request(&creds(), Method::Post, PATH, &[], BODY, now - Duration::from_secs(3600)).unwrap();
    assert_eq!(
        verify_api_request_now(&ring, Method::Post, PATH, old.as_str(), BODY).unwrap_err(),
        VerifyError::TimestampTooOld
    );
}

/// Issue 13, fix 1: paths that a front end stripping `;` path parameters, decoding
/// percent-escapes, taking `\` as `/` or dropping trailing dots maps into another app,
/// signed by app 3's own secret, are refused.
#[test]
fn app_binding_holds_whatever_the_front_end_normalizes() {
    let bound = creds().with_app_id("3".parse().unwrap());
    let ring = Keyring::new([bound.clone()]);
    let check = |path: &str| {
        let q = sign_api_request(&bound, Method::Post, path, &[], BODY, at(T)).unwrap();
        verify_api_request(&ring, Method::Post, path, q.as_str(), BODY, at(T)).map(|_| ())
    };
    for outside in [
        "/apps/3/..;/4/events",
        "/;/apps/4/events",
        "/apps/3/..;x/4/events",
        "/apps/3/.;/..;/4/events",
        "/apps;/4/events",
        "/apps/3;/events",
        "/x;/apps/4/events",
        "/apps/3/.../4/events",
        "/apps./4/events",
        "/apps/3/%2E%2E/4/events",
        "/apps/3/%2e%2e/4/events",
        "/apps/3%2F..%2F4/events",
        "/apps/3%2f..%2f4/events",
        "/apps/3/..%3B/4/events",
        "/apps/3/..%5C4/events",
        "/apps/3/..\\4/events",
        "/apps/3/%252E%252E/4/events",
        "/apps/3/%25252E%25252E/4/events",
    ] {
        assert_eq!(check(outside), Err(VerifyError::WrongApp), "{outside}");
    }
}

/// Issue 13, fix 3: a replay that changes a signed key's case or encoding still
/// verifies (the signature covers the canonical form), and the verified value hands the
/// handler the signed value under the canonical key, whatever the raw query spelled.
#[test]
fn the_verified_value_holds_the_parameters_as_signed() {
    let ring = Keyring::new([creds()]);
    let path = "/apps/3/channels";
    let q = sign_api_request(
        &creds(),
        Method::Get,
        path,
        &[("filter_by_prefix", "presence-"), ("info", "user_count")],
        b"",
        at(T),
    )
    .unwrap();
    for raw in [
        q.as_str().to_owned(),
        q.as_str().replace("filter_by_prefix", "FILTER_BY_PREFIX"),
        q.as_str().replace("filter_by_prefix", "filter%5Fby%5Fprefix"),
        q.as_str().replace("filter_by_prefix", "Filter%5fBy%5fPrefix"),
    ] {
        let verified = verify_api_request(&ring, Method::Get, path, &raw, b"", at(T)).unwrap();
        assert_eq!(verified.credentials().key().as_str(), KEY);
        assert_eq!(verified.get("filter_by_prefix"), Some("presence-"), "{raw}");
        assert_eq!(verified.get("info"), Some("user_count"));
        assert_eq!(verified.get("auth_signature"), None, "the signature is not a parameter to read");
        let params: Vec<(&str, &str)> = verified.params().collect();
        assert_eq!(
            params,
            [
                ("auth_key", KEY),
                ("auth_timestamp", &*T.to_string()),
                ("auth_version", "1.0"),
                ("filter_by_prefix", "presence-"),
                ("info", "user_count"),
            ]
        );
        // Debug shows no signature and no secret.
        let shown = format!("{verified:?}");
        assert!(!shown.contains(SECRET) && !shown.contains("auth_signature"), "{shown}");
    }
}
