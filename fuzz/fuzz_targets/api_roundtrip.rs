//! HTTP API signing, then verification: `sign_api_request` accepts exactly the inputs the
//! design allows (rules re-implemented here), its query carries the independent HMAC of
//! the canonical string, `verify_api_request` accepts it, and one arbitrary change
//! (query byte, body, method, path, clock, key, app) is refused.

#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::{Credentials, Keyring, VerifyError};
use channel_auth_fuzz::{APP_ALPHABET, cut, map_to, reference_hex};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum AnyMethod {
    Get,
    Post,
    Put,
    Delete,
}

impl AnyMethod {
    fn method(&self) -> Method {
        match self {
            AnyMethod::Get => Method::Get,
            AnyMethod::Post => Method::Post,
            AnyMethod::Put => Method::Put,
            AnyMethod::Delete => Method::Delete,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Mutation {
    QueryByte {
        index: usize,
        to: u8,
    },
    BodyByte {
        index: usize,
        to: u8,
    },
    Method(AnyMethod),
    PathSuffix(String),
    /// Seconds added to (or taken from) the clock; the window is 600 s, both ways.
    Clock {
        seconds: u16,
        later: bool,
    },
    Key(Vec<u8>),
    /// Bind the credentials to another app id; the path is then outside it when it is
    /// under `/apps/<something else>/`.
    App(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    key: Vec<u8>,
    secret: String,
    method: AnyMethod,
    path: String,
    params: Vec<(String, String)>,
    body: Vec<u8>,
    timestamp: u32,
    mutation: Mutation,
}

const RESERVED: [&str; 5] = ["auth_key", "auth_signature", "auth_timestamp", "auth_version", "body_md5"];

fn path_ok(p: &str) -> bool {
    p.starts_with('/') && !p.chars().any(|c| c == '?' || c == '#' || c.is_whitespace() || c.is_control())
}

fn params_ok(params: &[(String, String)]) -> bool {
    let mut seen = std::collections::HashSet::new();
    params.iter().all(|(k, v)| {
        !k.is_empty()
            && !k.chars().any(|c| c == '&' || c == '=' || c.is_whitespace() || c.is_control())
            && !v.chars().any(|c| c == '&' || c.is_control())
            && !RESERVED.contains(&k.to_lowercase().as_str())
            && seen.insert(k.to_lowercase())
    })
}

fuzz_target!(|input: Input| {
    let key = map_to(&input.key, APP_ALPHABET, 64);
    let secret = cut(&input.secret, 1024, "secret");
    let creds = Credentials::new(key.parse().expect("mapped"), secret.parse().expect("cut"));
    let method = input.method.method();
    let at = UNIX_EPOCH + Duration::from_secs(u64::from(input.timestamp));
    let params: Vec<(&str, &str)> = input.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let signed = sign_api_request(&creds, method, &input.path, &params, &input.body, at);
    let valid = path_ok(&input.path) && params_ok(&input.params);
    let query = match signed {
        Ok(q) => {
            assert!(valid, "signed what the rules refuse: {input:?}");
            q
        }
        Err(err) => {
            assert!(!valid, "refused what the rules allow: {err}: {input:?}");
            return;
        }
    };
    let query = query.as_str().to_owned();

    // The canonical string, independently: lowercased keys, sorted, raw values.
    let mut pairs: Vec<(String, String)> = input.params.iter().map(|(k, v)| (k.to_lowercase(), v.clone())).collect();
    pairs.push(("auth_key".into(), key.clone()));
    pairs.push(("auth_timestamp".into(), input.timestamp.to_string()));
    pairs.push(("auth_version".into(), "1.0".into()));
    if !input.body.is_empty() {
        pairs.push(("body_md5".into(), hex::encode(<md5::Md5 as md5::Digest>::digest(&input.body))));
    }
    pairs.sort();
    let canonical: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let message = format!("{}\n{}\n{}", method.as_str(), input.path, canonical.join("&"));
    let decoded: Vec<(String, String)> =
        form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let (last, rest) = decoded.split_last().expect("non-empty query");
    assert_eq!(last.0, "auth_signature");
    assert_eq!(last.1, reference_hex(&secret, message.as_bytes()), "{message:?}");
    assert_eq!(rest, pairs.as_slice());

    let ring = Keyring::new([creds.clone()]);
    let verify = |ring: &Keyring, method: Method, path: &str, query: &str, body: &[u8], now: SystemTime| {
        verify_api_request(ring, method, path, query, body, now).map(|c| c.credentials().key().as_str().to_owned())
    };
    assert_eq!(verify(&ring, method, &input.path, &query, &input.body, at), Ok(key.clone()));

    match &input.mutation {
        Mutation::QueryByte { index, to } => {
            let mut bytes = query.as_bytes().to_vec();
            let i = index % bytes.len();
            bytes[i] = *to;
            let other = String::from_utf8_lossy(&bytes).into_owned();
            // Changes that decode to the same pairs (hex digit case in %XX, `+` vs `%20`)
            // are the same request.
            let same: Vec<(String, String)> =
                form_urlencoded::parse(other.as_bytes()).map(|(k, v)| (k.to_lowercase(), v.into_owned())).collect();
            let orig: Vec<(String, String)> = decoded.iter().map(|(k, v)| (k.to_lowercase(), v.clone())).collect();
            if same == orig {
                return;
            }
            assert!(verify(&ring, method, &input.path, &other, &input.body, at).is_err(), "{other:?}");
        }
        Mutation::BodyByte { index, to } => {
            let mut body = input.body.clone();
            if body.is_empty() {
                body.push(*to);
            } else {
                let i = index % body.len();
                if body[i] == *to {
                    return;
                }
                body[i] = *to;
            }
            assert!(verify(&ring, method, &input.path, &query, &body, at).is_err());
        }
        Mutation::Method(other) => {
            let other = other.method();
            if other == method {
                return;
            }
            assert_eq!(verify(&ring, other, &input.path, &query, &input.body, at), Err(VerifyError::InvalidSignature));
        }
        Mutation::PathSuffix(suffix) => {
            if suffix.is_empty() {
                return;
            }
            let other = format!("{}{suffix}", input.path);
            assert!(verify(&ring, method, &other, &query, &input.body, at).is_err());
        }
        Mutation::Clock { seconds, later } => {
            let delta = Duration::from_secs(u64::from(*seconds));
            // A clock before 1970 is possible (SystemTime is signed); it counts as 0.
            let now = if *later { at + delta } else { at - delta };
            let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let real = now_secs.abs_diff(u64::from(input.timestamp));
            let result = verify(&ring, method, &input.path, &query, &input.body, now);
            match (real < 600, *later) {
                (true, _) => assert_eq!(result, Ok(key.clone())),
                (false, true) => assert_eq!(result, Err(VerifyError::TimestampTooOld)),
                (false, false) => assert_eq!(result, Err(VerifyError::TimestampTooNew)),
            }
        }
        Mutation::Key(bytes) => {
            let other = map_to(bytes, APP_ALPHABET, 64);
            if other == key {
                return;
            }
            let ring = Keyring::new([Credentials::new(other.parse().expect("mapped"), secret.parse().expect("cut"))]);
            assert_eq!(verify(&ring, method, &input.path, &query, &input.body, at), Err(VerifyError::UnknownKey));
        }
        Mutation::App(bytes) => {
            let app = map_to(bytes, APP_ALPHABET, 64);
            let ring = Keyring::new([creds.clone().with_app_id(app.parse().expect("mapped"))]);
            let result = verify(&ring, method, &input.path, &query, &input.body, at);
            // A path under /apps/<id>/ for exactly this id is inside; other paths
            // under /apps/ are outside.
            if let Some(rest) = input.path.strip_prefix("/apps/") {
                let id = rest.split('/').next().unwrap_or_default();
                if id != app {
                    assert_eq!(result, Err(VerifyError::WrongApp), "{:?} bound to {app:?}", input.path);
                }
            }
        }
    }
});
