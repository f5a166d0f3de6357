//! Bayeux message helpers on arbitrary JSON: `verify_faye_message` (both scopes),
//! `strip_faye_credentials` and `verify_faye_password` never panic, and:
//! - a message that verifies carries, in `ext.token`, the independent HMAC of
//!   `<ext.userId>[:<channel>]`, for the channel the answer names;
//! - when `ext.token` is the string `"?"`, it is replaced by that HMAC for the
//!   message's own user and channel, so well-formed messages reach the MAC: any
//!   refusal is then structural, never `Verify`;
//! - stripping is idempotent, leaves no credential key in `ext`, and changes nothing
//!   outside `ext`;
//! - the password check accepts exactly `ext.password == PASSWORD`.
//!
//! Input: one byte of mode (bit 0: wrap the message in an array), then JSON text.

#![no_main]

use channel_auth::{
    strip_faye_credentials, verify_faye_message, verify_faye_password, AppSecret, FayeAction, FayeError, FayeTokenScope,
};
use channel_auth_fuzz::reference_hex;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const SECRET: &str = "your secret key";
const PASSWORD: &str = "push password";

/// The channel the message is about, read independently: `subscription` for
/// `/meta/subscribe`, `channel` otherwise.
fn target_channel(message: &Value) -> Option<&str> {
    let channel = message.get("channel")?.as_str()?;
    if channel == "/meta/subscribe" {
        message.get("subscription")?.as_str()
    } else {
        Some(channel)
    }
}

fn has_credential_key(message: &Value) -> bool {
    match message.get("ext") {
        Some(Value::Object(ext)) => ext.keys().any(|k| {
            let k = k.to_ascii_lowercase();
            k == "token" || k == "password" || k == "authtoken"
        }),
        Some(_) => true,
        None => false,
    }
}

fn without_ext(message: &Value) -> Value {
    let mut copy = message.clone();
    if let Some(object) = copy.as_object_mut() {
        object.remove("ext");
    }
    copy
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, json)) = data.split_first() else { return };
    let Ok(mut message) = serde_json::from_slice::<Value>(json) else { return };
    let secret: AppSecret = SECRET.parse().expect("valid");
    let password: AppSecret = PASSWORD.parse().expect("valid");

    for scope in [FayeTokenScope::UserOnly, FayeTokenScope::ChannelBound] {
        let mut candidate = message.clone();
        let mut substituted = false;
        if let (Some(user), Some(channel)) = (
            candidate.pointer("/ext/userId").and_then(Value::as_str).map(str::to_owned),
            target_channel(&candidate).map(str::to_owned),
        ) {
            if candidate.pointer("/ext/token").and_then(Value::as_str) == Some("?") {
                let signed = match scope {
                    FayeTokenScope::UserOnly => user,
                    _ => format!("{user}:{channel}"),
                };
                if let Some(token) = candidate.pointer_mut("/ext/token") {
                    *token = Value::String(reference_hex(SECRET, signed.as_bytes()));
                    substituted = true;
                }
            }
        }
        match verify_faye_message(&secret, &candidate, scope) {
            Ok(verified) => {
                let user = verified.user().as_str();
                let channel = verified.channel().as_str();
                assert_eq!(target_channel(&candidate), Some(channel));
                assert!(!verified.channel().is_wildcard() && !channel.starts_with("/meta/"));
                let subscribe = candidate.get("channel").and_then(Value::as_str) == Some("/meta/subscribe");
                assert_eq!(verified.action() == FayeAction::Subscribe, subscribe);
                let signed = match scope {
                    FayeTokenScope::UserOnly => user.to_owned(),
                    _ => format!("{user}:{channel}"),
                };
                let token = candidate.pointer("/ext/token").and_then(Value::as_str);
                assert_eq!(token, Some(reference_hex(SECRET, signed.as_bytes()).as_str()));
            }
            Err(FayeError::Verify(_)) => assert!(!substituted, "a correctly signed message failed its MAC"),
            Err(e) => assert!(e.to_string().len() < 200),
        }
    }

    if mode & 1 == 1 {
        message = Value::Array(vec![message, Value::Null]);
    }
    let before = message.clone();
    let mut stripped = message.clone();
    let removed = strip_faye_credentials(&mut stripped);
    assert_eq!(strip_faye_credentials(&mut stripped.clone()), 0, "not idempotent");
    assert_eq!(removed == 0, stripped == before);
    match (&before, &stripped) {
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                assert!(!y.is_object() || !has_credential_key(y));
                assert_eq!(without_ext(x), without_ext(y));
            }
        }
        (Value::Object(_), Value::Object(_)) => {
            assert!(!has_credential_key(&stripped));
            assert_eq!(without_ext(&before), without_ext(&stripped));
        }
        (a, b) => assert_eq!(a, b),
    }

    let got = verify_faye_password(&password, &before);
    let want = before.pointer("/ext/password").and_then(Value::as_str) == Some(PASSWORD) && before.is_object();
    assert_eq!(got.is_ok(), want);
});
