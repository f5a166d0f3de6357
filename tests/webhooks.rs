//! Webhooks through the public API: junk signatures, rotation, every event type, unknown
//! events, freshness.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::webhook::{
    Webhook, WebhookError, WebhookEvent, sign_webhook, verify_and_parse_webhook, verify_webhook,
};
use channel_auth::{Credentials, Keyring, VerifyError};

fn creds(secret: &str) -> Credentials {
    Credentials::new("key".parse().unwrap(), secret.parse().unwrap())
}

/// Signs `body` and parses it back through the public API.
fn parsed(body: &str) -> Result<Webhook, WebhookError> {
    let creds = creds("secret");
    let signed = sign_webhook(&creds, body.as_bytes());
    let ring = Keyring::new([creds]);
    verify_and_parse_webhook(&ring, "key", signed.signature(), body.as_bytes()).map(|v| v.into_webhook())
}

fn events(events: &str) -> Vec<WebhookEvent> {
    parsed(&format!(r#"{{"time_ms":1327078148132,"events":[{events}]}}"#)).unwrap().into_events()
}

#[test]
fn junk_signatures_are_invalid_never_a_panic() {
    let body = br#"{"time_ms":1,"events":[]}"#;
    let creds = creds("secret");
    let good = sign_webhook(&creds, body).signature().to_owned();
    let ring = Keyring::new([creds]);
    let junk: Vec<String> = vec![
        String::new(),
        "0".into(),
        "abc".into(),
        good[..63].into(),
        format!("{good}0"),
        format!("{good}{good}"),
        good.to_uppercase(),
        format!("{}G", &good[..63]),
        format!("{}z", &good[..63]),
        format!(" {good}"),
        format!("{good} "),
        format!("{good}\n"),
        format!("sha256={good}"),
        "0".repeat(64),
        "é".repeat(32),
        "\u{0}".repeat(64),
        "f".repeat(10_000),
    ];
    for signature in &junk {
        assert_eq!(
            verify_webhook(&ring, "key", signature, body).unwrap_err(),
            VerifyError::InvalidSignature,
            "{signature:?}"
        );
        assert_eq!(
            verify_and_parse_webhook(&ring, "key", signature, body).unwrap_err(),
            WebhookError::Verify(VerifyError::InvalidSignature)
        );
    }
    assert!(verify_webhook(&ring, "key", &good, body).is_ok());
}

#[test]
fn headers_are_taken_as_received() {
    let body = br#"{"time_ms":1,"events":[]}"#;
    let creds = creds("secret");
    let good = sign_webhook(&creds, body).signature().to_owned();
    let ring = Keyring::new([creds]);
    for key in ["", " key", "key ", "KEY", "key\n", "ke"] {
        assert_eq!(verify_webhook(&ring, key, &good, body).unwrap_err(), VerifyError::UnknownKey, "{key:?}");
    }
    // The body is signed byte for byte: no trimming, no re-serializing.
    for changed in
        [&br#"{"time_ms":1,"events":[]} "#[..], br#" {"time_ms":1,"events":[]}"#, br#"{"time_ms":1, "events":[]}"#, b""]
    {
        assert_eq!(verify_webhook(&ring, "key", &good, changed).unwrap_err(), VerifyError::InvalidSignature);
    }
}

#[test]
fn rotation_keeps_every_candidate() {
    let body = br#"{"time_ms":1,"events":[]}"#;
    let (old, new) = (creds("old-secret"), creds("new-secret"));
    let other = Credentials::new("other".parse().unwrap(), "old-secret".parse().unwrap());
    let ring = Keyring::new([old.clone(), other, new.clone()]);
    for signer in [&old, &new] {
        let signed = sign_webhook(signer, body);
        let found = verify_webhook(&ring, "key", signed.signature(), body).unwrap();
        // The credentials returned are the ones that signed.
        assert_eq!(sign_webhook(found, body).signature(), signed.signature());
        let verified = verify_and_parse_webhook(&ring, "key", signed.signature(), body).unwrap();
        assert_eq!(sign_webhook(verified.credentials(), body).signature(), signed.signature());
    }
    // The secret of another key's credentials does not verify under this key.
    let retired = sign_webhook(&creds("retired"), body);
    assert_eq!(verify_webhook(&ring, "key", retired.signature(), body).unwrap_err(), VerifyError::InvalidSignature);
}

#[test]
fn an_unverified_body_is_never_parsed() {
    // A body that is not JSON at all: with a bad signature the error is the
    // signature's, showing the parser never ran.
    let ring = Keyring::new([creds("secret")]);
    let err = verify_and_parse_webhook(&ring, "key", &"0".repeat(64), b"not json").unwrap_err();
    assert_eq!(err, WebhookError::Verify(VerifyError::InvalidSignature));
    // With a good signature, a body shaped like an object that is not JSON is a parse
    // error (a body not even shaped like one is refused before the MAC: see
    // `other_purposes_signatures_never_pass_as_webhooks`).
    let signed = sign_webhook(&creds("secret"), b"{not: json}");
    assert!(matches!(
        verify_and_parse_webhook(&ring, "key", signed.signature(), b"{not: json}"),
        Err(WebhookError::NotJson { .. })
    ));
}

#[test]
fn every_event_type() {
    let all = events(concat!(
        r#"{"name":"channel_occupied","channel":"news"},"#,
        r#"{"name":"channel_vacated","channel":"news"},"#,
        r#"{"name":"member_added","channel":"presence-room","user_id":"user-42"},"#,
        r#"{"name":"member_removed","channel":"presence-room","user_id":"user 42 with spaces"},"#,
        r#"{"name":"client_event","channel":"presence-room","event":"client-typing","data":"{\"on\":true}","socket_id":"123.456","user_id":"user-42"},"#,
        r#"{"name":"client_event","channel":"private-chat","event":"client-x","data":"d","socket_id":"1.2"},"#,
        r#"{"name":"cache_miss","channel":"cache-prices"},"#,
        r#"{"name":"subscription_count","channel":"news","subscription_count":5}"#,
    ));
    assert_eq!(all.len(), 8);
    let names: Vec<&str> = all.iter().map(WebhookEvent::name).collect();
    assert_eq!(
        names,
        [
            "channel_occupied",
            "channel_vacated",
            "member_added",
            "member_removed",
            "client_event",
            "client_event",
            "cache_miss",
            "subscription_count"
        ]
    );
    assert!(matches!(&all[0], WebhookEvent::ChannelOccupied { channel, .. } if channel.as_str() == "news"));
    assert!(matches!(&all[1], WebhookEvent::ChannelVacated { channel, .. } if channel.as_str() == "news"));
    assert!(matches!(&all[2], WebhookEvent::MemberAdded { channel, user_id, .. }
        if channel.as_str() == "presence-room" && user_id == "user-42"));
    // A presence user id is whatever the backend signed: kept as a string, any text.
    assert!(matches!(&all[3], WebhookEvent::MemberRemoved { user_id, .. } if user_id == "user 42 with spaces"));
    assert!(matches!(&all[4], WebhookEvent::ClientEvent { channel, event, data, socket_id, user_id, .. }
        if channel.as_str() == "presence-room" && event == "client-typing" && data == r#"{"on":true}"#
            && socket_id.as_str() == "123.456" && user_id.as_deref() == Some("user-42")));
    assert!(matches!(&all[5], WebhookEvent::ClientEvent { user_id: None, .. }));
    assert!(matches!(&all[6], WebhookEvent::CacheMiss { channel, .. } if channel.as_str() == "cache-prices"));
    assert!(matches!(&all[7], WebhookEvent::SubscriptionCount { channel, subscription_count: 5, .. }
        if channel.as_str() == "news"));
    for event in &all {
        assert!(event.channel().is_some());
    }
}

#[test]
fn unknown_events_are_kept_raw() {
    let all =
        events(r#"{"name":"user_signed_in","user":{"id":"7"},"n":[1,2]},{"name":"channel_occupied","channel":"a"}"#);
    match &all[0] {
        WebhookEvent::Unknown { name, raw, .. } => {
            assert_eq!(name, "user_signed_in");
            assert_eq!(raw, &serde_json::json!({"name": "user_signed_in", "user": {"id": "7"}, "n": [1, 2]}));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(all[0].name(), "user_signed_in");
    assert_eq!(all[0].channel(), None);
    assert!(matches!(&all[1], WebhookEvent::ChannelOccupied { .. }));
}

#[test]
fn server_to_user_channels_are_read() {
    // soketi sends this after a user signs in.
    let body = r##"{"time_ms":1,"events":[{"name":"channel_occupied","channel":"#server-to-user-alice"}]}"##;
    let webhook = parsed(body).unwrap();
    let channel = webhook.events()[0].channel().unwrap();
    assert_eq!(channel.as_str(), "#server-to-user-alice");
    assert_eq!(channel.kind(), channel_auth::ChannelKind::ServerToUser);
}

#[test]
fn invalid_fields_are_typed_errors() {
    let body = r##"{"time_ms":1,"events":[{"name":"channel_occupied","channel":"a"},{"name":"member_added","channel":"#private-1","user_id":"1"}]}"##;
    let err = parsed(body).unwrap_err();
    assert!(matches!(err, WebhookError::InvalidEventField { index: 1, field: "channel", .. }), "{err:?}");
    assert!(err.to_string().starts_with("webhook event 1: channel: channel name has a forbidden character '#'"));
    let err = parsed(r#"{"time_ms":1,"events":[{"name":"member_added","channel":"presence-a"}]}"#).unwrap_err();
    assert_eq!(err, WebhookError::MalformedEvent { index: 0, field: "user_id", expected: "a string" });
    let err = parsed(r#"{"hello":"world"}"#).unwrap_err();
    assert_eq!(err, WebhookError::MalformedBody { field: "time_ms", expected: "a whole number of milliseconds" });
}

#[test]
fn freshness_edges() {
    let webhook = parsed(r#"{"time_ms":1327078148132,"events":[]}"#).unwrap();
    let sent = UNIX_EPOCH + Duration::from_millis(1_327_078_148_132);
    let window = Duration::from_secs(600);
    let ms = Duration::from_millis;
    assert_eq!(webhook.check_freshness(sent, window), Ok(()));
    assert_eq!(webhook.check_freshness(sent + window - ms(1), window), Ok(()));
    assert_eq!(webhook.check_freshness(sent + window, window), Err(VerifyError::TimestampTooOld));
    assert_eq!(webhook.check_freshness(sent + window * 100, window), Err(VerifyError::TimestampTooOld));
    assert_eq!(webhook.check_freshness(sent - window + ms(1), window), Ok(()));
    assert_eq!(webhook.check_freshness(sent - window, window), Err(VerifyError::TimestampTooNew));
    assert_eq!(webhook.check_freshness(UNIX_EPOCH, window), Err(VerifyError::TimestampTooNew));
}

/// Issue 13, fix 2: a signature made for another purpose under the app's secret, sent
/// with its own string to sign as the body, is refused as a webhook with the error of a
/// bad signature (before, the MAC matched and only the JSON parse failed).
#[test]
fn other_purposes_signatures_never_pass_as_webhooks() {
    use channel_auth::api::{Method, sign_api_request};
    use channel_auth::faye::{FayeUserId, sign_faye_token};
    use channel_auth::{AppSecret, ChannelName, SocketId, UserData, sign_channel_auth, sign_user_auth};
    let creds = creds("secret");
    let ring = Keyring::new([creds.clone()]);
    let socket: SocketId = "1.1".parse().unwrap();
    let hex_of = |auth: &str| auth.rsplit_once(':').unwrap().1.to_owned();

    let channel: ChannelName = "private-a".parse().unwrap();
    let channel_auth = sign_channel_auth(&creds, &socket, &channel).unwrap();
    let user_data = UserData::new("ann".parse().unwrap());
    let user_auth = sign_user_auth(&creds, &socket, &user_data).unwrap();
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let query = sign_api_request(&creds, Method::Get, "/apps/3/channels", &[], b"", at).unwrap();
    let api_signature = query.as_str().rsplit_once("auth_signature=").unwrap().1.to_owned();
    let secret: AppSecret = "secret".parse().unwrap();
    let user: FayeUserId = "ann".parse().unwrap();
    // A Faye user id may start with `{`: its strings still never end with `}` and hold
    // a `:`.
    let braced: FayeUserId = "{\"a\"".parse().unwrap();
    let empty_object: FayeUserId = "{}".parse().unwrap();
    let faye_channel = "/a".parse().unwrap();
    let faye = sign_faye_token(&secret, &user, Some(&faye_channel));
    let faye_user_only = sign_faye_token(&secret, &user, None);

    let braced_token = sign_faye_token(&secret, &braced, Some(&faye_channel));
    let empty_token = sign_faye_token(&secret, &empty_object, None);
    let cases: [(String, String); 7] = [
        ("1.1:private-a".to_owned(), hex_of(channel_auth.auth())),
        (format!("1.1::user::{}", user_auth.user_data()), hex_of(user_auth.auth())),
        ("GET\n/apps/3/channels\nauth_key=key&auth_timestamp=1700000000&auth_version=1.0".to_owned(), api_signature),
        ("ann:/a".to_owned(), faye.as_str().to_owned()),
        ("ann".to_owned(), faye_user_only.as_str().to_owned()),
        ("{\"a\":/a".to_owned(), braced_token.as_str().to_owned()),
        ("{}".to_owned(), empty_token.as_str().to_owned()),
    ];
    for (body, signature) in &cases {
        // The signature is that purpose's real one: it is the MAC of the body.
        assert_eq!(&sign_webhook(&creds, body.as_bytes()).signature(), signature, "{body:?}");
        assert_eq!(
            verify_webhook(&ring, "key", signature, body.as_bytes()).unwrap_err(),
            VerifyError::InvalidSignature,
            "{body:?}"
        );
        assert_eq!(
            verify_and_parse_webhook(&ring, "key", signature, body.as_bytes()).unwrap_err(),
            WebhookError::Verify(VerifyError::InvalidSignature),
            "{body:?}"
        );
    }
}
