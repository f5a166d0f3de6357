//! Webhook event parsing on arbitrary bodies, signed here: never panics; a body is
//! refused unparsed (as a bad signature) exactly when it is not shaped like a JSON object
//! (see `verify_webhook`), so every other body reaches the parser; a parsed body agrees with the JSON it came from (`time_ms`,
//! the number of events, each event's `name` and `channel`); the freshness check never
//! panics for any clock.

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::webhook::{WebhookError, sign_webhook, verify_and_parse_webhook};
use channel_auth::{Credentials, Keyring};
use channel_auth_fuzz::webhook_shaped;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (now, body) = match data.split_first() {
        Some((n, rest)) => (u64::from(*n) << 36, rest),
        None => (0, data),
    };
    let creds = Credentials::new("key".parse().expect("valid"), "secret".parse().expect("valid"));
    let signed = sign_webhook(&creds, body);
    let ring = Keyring::new([creds]);
    let parsed = verify_and_parse_webhook(&ring, signed.key().as_str(), signed.signature(), body);
    let shaped = webhook_shaped(body);
    let webhook = match parsed {
        Ok(verified) => {
            assert!(shaped, "a body not shaped like a JSON object was accepted");
            verified.into_webhook()
        }
        Err(WebhookError::Verify(e)) => {
            assert!(!shaped, "a shaped body signed here did not verify: {e}");
            return;
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "{message:?}");
            return;
        }
    };
    let json: serde_json::Value = serde_json::from_slice(body).expect("parsed, so JSON");
    assert_eq!(json["time_ms"].as_u64(), Some(webhook.time_ms()));
    let events = json["events"].as_array().expect("parsed, so an events array");
    assert_eq!(events.len(), webhook.events().len());
    for (event, json) in webhook.events().iter().zip(events) {
        assert_eq!(json["name"].as_str(), Some(event.name()));
        if let Some(channel) = event.channel() {
            assert_eq!(json["channel"].as_str(), Some(channel.as_str()));
        }
    }
    for window in [0, 1, 300_000, u64::MAX] {
        let _ = webhook.check_freshness(UNIX_EPOCH + Duration::from_millis(now), Duration::from_millis(window));
    }
});
