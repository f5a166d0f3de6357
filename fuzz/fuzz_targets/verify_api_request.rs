//! `verify_api_request` on arbitrary input: never panics, and accepts only a query whose
//! `auth_signature` is the independent HMAC of the canonical string it carries, and
//! hands back exactly those canonical parameters.
//!
//! Input: fields separated by 0xFF: `method`, `path`, `query`, `body`, `now` (Unix
//! seconds, decimal). The keyring holds the published demo credentials and `key`/`secret`.

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::api::{Method, verify_api_request};
use channel_auth::{Credentials, Keyring};
use channel_auth_fuzz::{fields, reference_hex, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = fields(data);
    let [method, path, query, body, now, ..] = f.as_slice() else { return };
    let method = match text(method).as_str() {
        "GET" => Method::Get,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        _ => Method::Post,
    };
    let (path, query) = (text(path), text(query));
    let now = text(now).parse::<u32>().unwrap_or(1_353_088_179);
    let now = UNIX_EPOCH + Duration::from_secs(u64::from(now));
    let secrets = [("278d425bdf160c739803", "7ad3773142a6692b25b8"), ("key", "secret")];
    let ring = Keyring::new(
        secrets.iter().map(|(k, s)| Credentials::new(k.parse().expect("valid"), s.parse().expect("valid"))),
    );

    let Ok(verified) = verify_api_request(&ring, method, &path, &query, body, now) else { return };
    let creds = verified.credentials();

    // Accepted: recompute the signature from the query as the design defines it.
    let mut pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.to_lowercase(), v.into_owned())).collect();
    pairs.sort();
    let signature = pairs.iter().find(|(k, _)| k == "auth_signature").map(|(_, v)| v.clone()).expect("signed");
    let key = pairs.iter().find(|(k, _)| k == "auth_key").map(|(_, v)| v.clone()).expect("keyed");
    assert_eq!(creds.key().as_str(), key);
    let canonical: Vec<String> =
        pairs.iter().filter(|(k, _)| k != "auth_signature").map(|(k, v)| format!("{k}={v}")).collect();
    let message = format!("{}\n{path}\n{}", method.as_str(), canonical.join("&"));
    let secret = secrets.iter().find(|(k, _)| *k == key).map(|(_, s)| *s).expect("known key");
    assert_eq!(signature, reference_hex(secret, message.as_bytes()), "accepted a wrong signature: {query:?}");
    // What the handler reads is what was signed: the canonical pairs, and `get` finds
    // each under any case of its key.
    let signed: Vec<(&str, &str)> =
        pairs.iter().filter(|(k, _)| k != "auth_signature").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(verified.params().collect::<Vec<_>>(), signed);
    for (k, v) in &signed {
        assert_eq!(verified.get(k), Some(*v));
        if k.is_ascii() {
            assert_eq!(verified.get(&k.to_ascii_uppercase()), Some(*v));
        }
    }
});
