use core::time::Duration;
use std::time::UNIX_EPOCH;

use super::signature::shaped_like_a_webhook;
use super::*;
use crate::credentials::{Credentials, Keyring};
use crate::error::{ConfigError, VerifyError};
use crate::names::ChannelName;

#[test]
fn only_a_json_object_is_shaped_like_a_webhook() {
    for ok in [&b"{\"a\":1}"[..], b"{\"time_ms\":1,\"events\":[]} \r\n\t", b"{:}"] {
        assert!(shaped_like_a_webhook(ok), "{ok:?}");
    }
    for bad in [
        &b""[..],
        b"{",
        b"}",
        b"{}",
        b"{ }",
        b" {\"a\":1}",
        b"\n{\"a\":1}",
        b"[{\"a\":1}]",
        b"{\"a\":1}x",
        b"{x:/a",
        b"1234.5678:private-a",
        b"POST\n/apps/3/events\nauth_key=k",
    ] {
        assert!(!shaped_like_a_webhook(bad), "{bad:?}");
    }
}
use crate::InputKind;
use crate::error::InvalidInput;

fn parse(body: &str) -> Result<Webhook, WebhookError> {
    Webhook::parse(body.as_bytes())
}

fn one(event: &str) -> Result<WebhookEvent, WebhookError> {
    parse(&format!(r#"{{"time_ms":1,"events":[{event}]}}"#)).map(|w| w.into_events().remove(0))
}

#[test]
fn body_errors_name_the_field() {
    assert!(matches!(parse("not json"), Err(WebhookError::NotJson { line: 1, .. })));
    assert!(matches!(Webhook::parse(b"\xff"), Err(WebhookError::NotJson { .. })));
    assert_eq!(parse("[]"), Err(WebhookError::MalformedBody { field: "body", expected: "a JSON object" }));
    let time = Err(WebhookError::MalformedBody { field: "time_ms", expected: "a whole number of milliseconds" });
    assert_eq!(parse(r#"{"hello":"world"}"#), time);
    assert_eq!(parse(r#"{"time_ms":"1","events":[]}"#), time);
    assert_eq!(parse(r#"{"time_ms":-1,"events":[]}"#), time);
    assert_eq!(parse(r#"{"time_ms":1.5,"events":[]}"#), time);
    let events = Err(WebhookError::MalformedBody { field: "events", expected: "an array" });
    assert_eq!(parse(r#"{"time_ms":1}"#), events);
    assert_eq!(parse(r#"{"time_ms":1,"events":{}}"#), events);
    assert_eq!(parse(r#"{"time_ms":1,"events":[]}"#).unwrap().events(), []);
}

#[test]
fn event_errors_name_the_event_and_field() {
    let malformed = |field, expected| Err(WebhookError::MalformedEvent { index: 0, field, expected });
    assert_eq!(one("1"), malformed("the event", "an object"));
    assert_eq!(one("{}"), malformed("name", "a string"));
    assert_eq!(one(r#"{"name":7}"#), malformed("name", "a string"));
    assert_eq!(one(r#"{"name":"channel_occupied"}"#), malformed("channel", "a string"));
    assert_eq!(one(r#"{"name":"member_added","channel":"presence-a"}"#), malformed("user_id", "a string"));
    assert_eq!(
        one(r#"{"name":"member_removed","channel":"presence-a","user_id":7}"#),
        malformed("user_id", "a string")
    );
    assert_eq!(
        one(r#"{"name":"client_event","channel":"private-a","event":"client-x","socket_id":"1.1"}"#),
        malformed("data", "present")
    );
    assert_eq!(
        one(
            r#"{"name":"client_event","channel":"private-a","event":"client-x","data":"","socket_id":"1.1","user_id":1}"#
        ),
        malformed("user_id", "a string or absent")
    );
    // Digits as a string: at most 20, even when leading zeros keep the value small.
    for count in
        ["-1", "1.5", "\"\"", "\"1a\"", "\" 1\"", "null", "\"99999999999999999999\"", "\"000000000000000000042\""]
    {
        assert_eq!(
            one(&format!(r#"{{"name":"subscription_count","channel":"a","subscription_count":{count}}}"#)),
            malformed("subscription_count", "a whole number"),
            "{count}"
        );
    }
    let second = parse(r#"{"time_ms":1,"events":[{"name":"cache_miss","channel":"a"},{"name":"cache_miss"}]}"#);
    assert_eq!(second, Err(WebhookError::MalformedEvent { index: 1, field: "channel", expected: "a string" }));
}

#[test]
fn invalid_names_are_typed_errors() {
    assert_eq!(
        one(r#"{"name":"channel_vacated","channel":"a:b"}"#),
        Err(WebhookError::InvalidEventField {
            index: 0,
            field: "channel",
            source: InvalidInput::InvalidChar { kind: InputKind::ChannelName, position: 1, found: ':' },
        })
    );
    assert_eq!(
        one(r#"{"name":"client_event","channel":"private-a","event":"client-x","data":"","socket_id":"1.1\n"}"#),
        Err(WebhookError::InvalidEventField {
            index: 0,
            field: "socket_id",
            source: InvalidInput::InvalidChar { kind: InputKind::SocketId, position: 3, found: '\n' },
        })
    );
    let message = one(r#"{"name":"cache_miss","channel":""}"#).unwrap_err().to_string();
    assert_eq!(message, "webhook event 0: channel: channel name is empty");
}

#[test]
fn encrypted_client_event_data_is_decrypted_on_request() {
    use crate::secret::EncryptionMasterKey;
    let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([9; 32]));
    let enc: ChannelName = "private-encrypted-room".parse().unwrap();
    let data = crate::encryption::encrypt_payload(&creds, &enc, br#""quoted""#).unwrap();
    let body = serde_json::json!({"time_ms": 1, "events": [
        {"name": "client_event", "channel": "private-encrypted-room", "event": "client-x", "data": data, "socket_id": "1.1"},
        {"name": "client_event", "channel": "private-encrypted-room", "event": "client-x", "socket_id": "1.2"},
        {"name": "client_event", "channel": "private-encrypted-room", "event": "client-x", "data": "", "socket_id": "1.3"},
        {"name": "channel_occupied", "channel": "private-encrypted-room"},
        {"name": "client_event", "channel": "private-room", "event": "client-x", "data": data, "socket_id": "1.4"},
        {"name": "client_event", "channel": "private-encrypted-room", "event": "client-x", "data": "{}", "socket_id": "1.5"},
        {"name": "client_event", "channel": "private-encrypted-other", "event": "client-x", "data": data, "socket_id": "1.6"},
    ]})
    .to_string();
    let signed = sign_webhook(&creds, body.as_bytes());
    let ring = Keyring::new([creds.clone()]);
    // Parsing never fails because of an encrypted event, with data or without.
    let verified = verify_and_parse_webhook(&ring, "key", signed.signature(), body.as_bytes()).unwrap();
    let events = verified.webhook().events();
    assert_eq!(events.len(), 7);
    assert_eq!(verified.decrypt_data(&events[0]).unwrap(), Some(br#""quoted""#.to_vec()));
    assert_eq!(events[0].decrypt_data(&creds).unwrap(), Some(br#""quoted""#.to_vec()));
    assert!(matches!(&events[1], WebhookEvent::ClientEvent { data, .. } if data.is_empty()));
    assert_eq!(verified.decrypt_data(&events[1]), Ok(None));
    assert_eq!(verified.decrypt_data(&events[2]), Ok(None));
    assert_eq!(verified.decrypt_data(&events[3]), Ok(None));
    assert_eq!(verified.decrypt_data(&events[4]), Ok(None));
    assert_eq!(
        verified.decrypt_data(&events[5]),
        Err(VerifyError::MalformedPayload { fault: crate::encryption::PayloadFault::MissingField { field: "nonce" } })
    );
    assert_eq!(verified.decrypt_data(&events[6]), Err(VerifyError::DecryptionFailed));
    // Credentials without the master key: a typed error, on request only.
    let plain = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
    assert_eq!(events[0].decrypt_data(&plain), Err(VerifyError::Config(ConfigError::MissingMasterKey)));
    // A client_event without data on any other channel is still malformed.
    assert_eq!(
        one(r#"{"name":"client_event","channel":"private-a","event":"client-x","socket_id":"1.1"}"#),
        Err(WebhookError::MalformedEvent { index: 0, field: "data", expected: "present" })
    );
}

#[test]
fn client_event_data_and_user_id() {
    let event = one(r#"{"name":"client_event","channel":"presence-a","event":"client-x","data":{"b":[1]},"socket_id":"1.2","user_id":"u","extra":true}"#).unwrap();
    let WebhookEvent::ClientEvent { data, user_id, socket_id, .. } = event else { panic!("{event:?}") };
    assert_eq!(data, r#"{"b":[1]}"#);
    assert_eq!(user_id.as_deref(), Some("u"));
    assert_eq!(socket_id.as_str(), "1.2");
    let event =
        one(r#"{"name":"client_event","channel":"private-a","event":"e","data":"d","socket_id":"1.2","user_id":null}"#)
            .unwrap();
    assert!(matches!(event, WebhookEvent::ClientEvent { user_id: None, .. }));
}

#[test]
fn subscription_count_as_number_or_digits() {
    for (count, want) in [("0", 0), ("42", 42), ("\"42\"", 42), ("18446744073709551615", u64::MAX)] {
        let event =
            one(&format!(r#"{{"name":"subscription_count","channel":"a","subscription_count":{count}}}"#)).unwrap();
        assert!(
            matches!(event, WebhookEvent::SubscriptionCount { subscription_count, .. } if subscription_count == want),
            "{count}"
        );
    }
}

#[test]
fn freshness_edges() {
    let webhook = parse(r#"{"time_ms":1000000,"events":[]}"#).unwrap();
    let sent = UNIX_EPOCH + Duration::from_millis(1_000_000);
    let window = Duration::from_secs(300);
    let ms = Duration::from_millis;
    assert_eq!(webhook.check_freshness(sent, window), Ok(()));
    assert_eq!(webhook.check_freshness(sent + window - ms(1), window), Ok(()));
    assert_eq!(webhook.check_freshness(sent + window, window), Err(VerifyError::TimestampTooOld));
    assert_eq!(webhook.check_freshness(sent - window + ms(1), window), Ok(()));
    assert_eq!(webhook.check_freshness(sent - window, window), Err(VerifyError::TimestampTooNew));
    assert_eq!(webhook.check_freshness(UNIX_EPOCH - ms(5), window), Err(VerifyError::TimestampTooNew));
    assert_eq!(webhook.check_freshness(sent, Duration::ZERO), Err(VerifyError::TimestampTooOld));
    assert_eq!(webhook.check_freshness(sent, Duration::MAX), Ok(()));
    let max = parse(&format!(r#"{{"time_ms":{},"events":[]}}"#, u64::MAX)).unwrap();
    assert_eq!(max.check_freshness(sent, window), Err(VerifyError::TimestampTooNew));
}
