//! Bayeux message helpers on arbitrary JSON: `verify_faye_message` (all four scopes),
//! `strip_faye_credentials` and `verify_faye_password` never panic, and:
//! - a message that verifies carries, in `ext.token`, the independent HMAC of
//!   `<ext.userId>[:<channel>]`, for the channel the answer names;
//! - under the subscribe-only scopes (`UserOnly`, `ChannelBound`) a publication (an
//!   object whose `channel` is a Faye channel not under `/meta/`, read independently)
//!   is `PublishNotGranted`, whatever else it holds, and nothing else is; only a
//!   publishing scope ever verifies a publication;
//! - when `ext.token` is the string `"?"`, it is replaced by that HMAC for the
//!   message's own user and channel, so well-formed messages reach the MAC: any
//!   refusal is then structural, never `Verify`;
//! - stripping is idempotent, leaves no credential key in `ext`, and changes nothing
//!   outside `ext`;
//! - the password check accepts exactly `ext.password == PASSWORD`.
//!
//! Input: one byte of mode (bit 0: wrap the message in an array), then JSON text.

#![no_main]

use channel_auth::AppSecret;
use channel_auth::faye::{
    FayeAction, FayeError, FayeTokenScope, strip_faye_credentials, verify_faye_message, verify_faye_password,
};
use channel_auth_fuzz::{is_faye_channel, reference_hex};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const SECRET: &str = "your secret key";
const PASSWORD: &str = "push password";

/// The channel the message is about, read independently: `subscription` for
/// `/meta/subscribe`, `channel` otherwise.
fn target_channel(message: &Value) -> Option<&str> {
    let channel = message.get("channel")?.as_str()?;
    if channel == "/meta/subscribe" { message.get("subscription")?.as_str() } else { Some(channel) }
}

/// Whether the message is a publication: its `channel` is a Faye channel not under
/// `/meta/` (wildcards included).
fn is_publication(message: &Value) -> bool {
    message.get("channel").and_then(Value::as_str).is_some_and(|c| is_faye_channel(c) && !c.starts_with("/meta/"))
}

/// Each scope, whether its tokens sign `<user>:<channel>`, and whether it grants
/// publications (written out here, not asked of the library).
const SCOPES: [(FayeTokenScope, bool, bool); 4] = [
    (FayeTokenScope::UserOnly, false, false),
    (FayeTokenScope::ChannelBound, true, false),
    (FayeTokenScope::UserOnlySubscribeOrPublish, false, true),
    (FayeTokenScope::ChannelBoundSubscribeOrPublish, true, true),
];

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

    let publication = is_publication(&message);
    for (scope, channel_bound, publishes) in SCOPES {
        let mut candidate = message.clone();
        let mut substituted = false;
        if let (Some(user), Some(channel)) = (
            candidate.pointer("/ext/userId").and_then(Value::as_str).map(str::to_owned),
            target_channel(&candidate).map(str::to_owned),
        ) {
            if candidate.pointer("/ext/token").and_then(Value::as_str) == Some("?") {
                let signed = if channel_bound { format!("{user}:{channel}") } else { user };
                if let Some(token) = candidate.pointer_mut("/ext/token") {
                    *token = Value::String(reference_hex(SECRET, signed.as_bytes()));
                    substituted = true;
                }
            }
        }
        let got = verify_faye_message(&secret, &candidate, scope);
        assert_eq!(got == Err(FayeError::PublishNotGranted), publication && !publishes, "{scope:?}: {candidate}");
        match got {
            Ok(verified) => {
                let user = verified.user().as_str();
                let channel = verified.channel().as_str();
                assert_eq!(target_channel(&candidate), Some(channel));
                assert!(!verified.channel().is_wildcard() && !channel.starts_with("/meta/"));
                let subscribe = candidate.get("channel").and_then(Value::as_str) == Some("/meta/subscribe");
                assert_eq!(verified.action() == FayeAction::Subscribe, subscribe);
                assert!(publishes || verified.action() == FayeAction::Subscribe, "{scope:?} published");
                let signed = if channel_bound { format!("{user}:{channel}") } else { user.to_owned() };
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
