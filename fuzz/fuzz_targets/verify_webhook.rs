//! `verify_webhook` on arbitrary input: never panics; accepts exactly when the signature
//! is the HMAC of the body under one of the secrets the key has (computed independently),
//! and the body is shaped like a JSON object (`{` first, `}` last but for trailing
//! whitespace, a `:` in it), returns that credential, and otherwise says `UnknownKey` or
//! `InvalidSignature`.
//!
//! Input: fields separated by 0xFF: `key_header`, `signature_header`, `body` (the rest,
//! separators included). The keyring: `key` with two secrets (a rotation), and `other`.

#![no_main]

use channel_auth::webhook::verify_webhook;
use channel_auth::{Credentials, Keyring, VerifyError};
use channel_auth_fuzz::{SEP, reference_hex, text, webhook_shaped};
use libfuzzer_sys::fuzz_target;

const RING: [(&str, &str); 3] = [("key", "secret"), ("key", "rotated secret"), ("other", "tofu")];

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == SEP);
    let (Some(key), Some(signature)) = (parts.next(), parts.next()) else { return };
    let body = parts.next().unwrap_or_default();
    let (key, signature) = (text(key), text(signature));
    let ring =
        Keyring::new(RING.iter().map(|(k, s)| Credentials::new(k.parse().expect("valid"), s.parse().expect("valid"))));

    let result = verify_webhook(&ring, &key, &signature, body).map(|c| c.key().as_str().to_owned());

    let candidates: Vec<&str> = RING.iter().filter(|(k, _)| *k == key).map(|(_, s)| *s).collect();
    let want = if candidates.is_empty() {
        Err(VerifyError::UnknownKey)
    } else if webhook_shaped(body) && candidates.iter().any(|s| reference_hex(s, body) == signature) {
        Ok(key.clone())
    } else {
        Err(VerifyError::InvalidSignature)
    };
    assert_eq!(result, want);
});
