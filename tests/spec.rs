//! The 30 named tests of Pusher's server library specification (v1), one test per name,
//! in snake case: each asserts the behaviour the name describes, through the public API.
//! Trigger and query tests build the sans-IO request, verify its signature with our own
//! `verify_api_request` and read back the JSON body or query the server would get.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channel_auth::api::{Method, verify_api_request};
use channel_auth::encryption::decrypt_payload;
use channel_auth::send::{Api, ApiRequest, ApiUrl, BatchEvent, ChannelsQuery, Info, SendError, Trigger};
use channel_auth::webhook::{WebhookError, WebhookEvent, sign_webhook, verify_and_parse_webhook, verify_webhook};
use channel_auth::{
    AuthError, ChannelName, ConfigError, Credentials, EncryptionMasterKey, Keyring, PresenceMember, VerifyError,
    sign_channel_auth, sign_presence_auth, verify_channel_auth,
};
use serde_json::{Value, json};

const AT: u64 = 1_700_000_000;

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(AT)
}

fn creds() -> Credentials {
    Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
        .with_app_id("4".parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]))
}

fn api() -> Api {
    Api::new(creds(), ApiUrl::from_url("http://127.0.0.1:7200").unwrap()).unwrap()
}

fn ch(name: &str) -> ChannelName {
    name.parse().unwrap()
}

/// Verifies `request` with our verifier and returns its JSON body (`Value::Null` for
/// none).
fn verified<R>(request: &ApiRequest<R>) -> Value {
    let request = request.http();
    let ring = Keyring::new([creds()]);
    let method: Method = request.method().as_str().parse().unwrap();
    let query = request.uri().query().unwrap();
    verify_api_request(&ring, method, request.uri().path(), query, request.body(), at()).unwrap();
    if request.body().is_empty() { Value::Null } else { serde_json::from_slice(request.body()).unwrap() }
}

/// The request's own query parameters (without `auth_*` and `body_md5`).
fn own_params<R>(request: &ApiRequest<R>) -> Vec<(String, String)> {
    let request = request.http();
    form_urlencoded::parse(request.uri().query().unwrap().as_bytes())
        .filter(|(k, _)| !k.starts_with("auth_") && k != "body_md5")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()
}

// --- Triggering ---------------------------------------------------------------------

#[test]
fn test_post_batch_events_to_channel_fails_for_multichannel_events() {
    // A `BatchEvent` holds exactly one `ChannelName`: an event on several channels cannot
    // be made. What can be tried is a channel *name* listing several: it is not a name.
    assert!("a,b".parse::<ChannelName>().is_ok(), "`,` is in the channel alphabet");
    assert!("private-a private-b".parse::<ChannelName>().is_err());
    assert!(r#"["a","b"]"#.parse::<ChannelName>().is_err());
    // And what goes on the wire is `channel` (one string), never `channels`.
    let events = [BatchEvent::new(ch("a"), "ev".parse().unwrap(), "d")];
    let body = verified(&api().trigger_batch(&events, at()).unwrap());
    assert_eq!(body, json!({"batch":[{"channel":"a","name":"ev","data":"d"}]}));
    assert!(body["batch"][0].get("channels").is_none());
}

#[test]
fn test_post_batch_events_to_channel_fails_for_too_large_batch() {
    let event = |i: usize| BatchEvent::new(ch(&format!("c{i}")), "ev".parse().unwrap(), i.to_string());
    let eleven: Vec<BatchEvent> = (0..11).map(event).collect();
    assert_eq!(api().trigger_batch(&eleven, at()).unwrap_err(), SendError::BatchTooLarge { max: 10, len: 11 });
    assert_eq!(api().trigger_batch(&[], at()).unwrap_err(), SendError::EmptyBatch);
    // Too large data in one event is refused too, naming the event.
    let big = [event(0), BatchEvent::new(ch("c1"), "ev".parse().unwrap(), "x".repeat(10 * 1024 + 1))];
    assert_eq!(
        api().trigger_batch(&big, at()).unwrap_err(),
        SendError::InBatch { index: 1, source: Box::new(SendError::DataTooLong { max: 10240, len: 10241 }) }
    );
}

#[test]
fn test_post_batch_events_to_channel_succeeds_for_single_channel_events() {
    let events = [
        BatchEvent::new(ch("news"), "ev-1".parse().unwrap(), r#"{"n":1}"#),
        BatchEvent::new(ch("private-a"), "ev-2".parse().unwrap(), "two").exclude("1.2".parse().unwrap()),
        BatchEvent::new(ch("presence-b"), "ev-3".parse().unwrap(), "three")
            .with_info(Info::new().with_user_count().with_subscription_count()),
        BatchEvent::new(ch("private-encrypted-c"), "ev-4".parse().unwrap(), "secret four"),
        BatchEvent::new(ch("private-encrypted-d"), "ev-5".parse().unwrap(), "secret five"),
    ];
    let request = api().trigger_batch(&events, at()).unwrap();
    assert_eq!(request.http().uri().path(), "/apps/4/batch_events");
    let body = verified(&request);
    let batch = body["batch"].as_array().unwrap();
    assert_eq!(batch.len(), 5);
    assert_eq!(batch[0], json!({"channel":"news","name":"ev-1","data":"{\"n\":1}"}));
    assert_eq!(batch[1], json!({"channel":"private-a","name":"ev-2","data":"two","socket_id":"1.2"}));
    assert_eq!(
        batch[2],
        json!({"channel":"presence-b","name":"ev-3","data":"three","info":"user_count,subscription_count"})
    );
    // Each encrypted event under its own channel's key: c's data decrypts on c only.
    for (item, channel, plain) in
        [(&batch[3], "private-encrypted-c", "secret four"), (&batch[4], "private-encrypted-d", "secret five")]
    {
        let data = item["data"].as_str().unwrap();
        assert_eq!(decrypt_payload(&creds(), &ch(channel), data).unwrap(), plain.as_bytes());
        let other = if channel.ends_with('c') { "private-encrypted-d" } else { "private-encrypted-c" };
        assert!(decrypt_payload(&creds(), &ch(other), data).is_err());
    }
}

#[test]
fn test_post_event_to_channel_fails_for_invalid_multichannel_event() {
    let name = || "ev".parse().unwrap();
    // An encrypted channel among several.
    let mixed = Trigger::new(name(), "d", [ch("news"), ch("private-encrypted-a")]);
    assert_eq!(
        api().trigger(&mixed, at()).unwrap_err(),
        SendError::EncryptedAmongSeveral { channel: ch("private-encrypted-a") }
    );
    // More than 100 channels.
    let many = Trigger::new(name(), "d", (0..101).map(|i| ch(&format!("c{i}"))));
    assert_eq!(api().trigger(&many, at()).unwrap_err(), SendError::TooManyChannels { max: 100, len: 101 });
    // None.
    assert_eq!(api().trigger(&Trigger::new(name(), "d", []), at()).unwrap_err(), SendError::NoChannels);
    // user_count asked for a channel that is not presence.
    let info = Trigger::new(name(), "d", [ch("presence-a"), ch("news")]).with_info(Info::new().with_user_count());
    assert_eq!(
        api().trigger(&info, at()).unwrap_err(),
        SendError::InfoNotApplicable { attribute: "user_count", channel: Some(ch("news")) }
    );
}

#[test]
fn test_post_event_to_channel_succeeds_for_encrypted_channel() {
    let trigger = Trigger::new("ev".parse().unwrap(), r#"{"secret":"plans"}"#, [ch("private-encrypted-a")]);
    let request = api().trigger(&trigger, at()).unwrap();
    let body = verified(&request);
    assert_eq!(body["channels"], json!(["private-encrypted-a"]));
    let data = body["data"].as_str().unwrap();
    assert!(!data.contains("plans"));
    let envelope: Value = serde_json::from_str(data).unwrap();
    assert!(envelope["nonce"].is_string() && envelope["ciphertext"].is_string());
    assert_eq!(decrypt_payload(&creds(), &ch("private-encrypted-a"), data).unwrap(), br#"{"secret":"plans"}"#);
    // Without a master key it is refused, never sent in clear.
    let plain = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap()).with_app_id("4".parse().unwrap());
    let api = Api::new(plain, ApiUrl::cluster("mt1").unwrap()).unwrap();
    assert_eq!(api.trigger(&trigger, at()).unwrap_err(), SendError::Config(ConfigError::MissingMasterKey));
}

#[test]
fn test_post_event_to_channel_succeeds_for_private_channel() {
    let trigger = Trigger::new("ev".parse().unwrap(), "hello", [ch("private-a")]).exclude("123.456".parse().unwrap());
    let request = api().trigger(&trigger, at()).unwrap();
    assert_eq!((request.http().method().as_str(), request.http().uri().path()), ("POST", "/apps/4/events"));
    assert_eq!(
        request.http().body(),
        br#"{"name":"ev","data":"hello","channels":["private-a"],"socket_id":"123.456"}"#
    );
    verified(&request);
}

#[test]
fn test_post_event_to_channel_succeeds_for_public_channel() {
    let trigger = Trigger::new("ev".parse().unwrap(), r#"{"message":"hi"}"#, [ch("news")]);
    let request = api().trigger(&trigger, at()).unwrap();
    assert_eq!(request.http().body(), br#"{"name":"ev","data":"{\"message\":\"hi\"}","channels":["news"]}"#);
    assert_eq!(verified(&request)["data"], json!(r#"{"message":"hi"}"#));
}

#[test]
fn test_post_event_to_channel_succeeds_for_valid_multichannel_event() {
    let channels: Vec<ChannelName> = (0..100).map(|i| ch(&format!("c{i}"))).collect();
    let trigger =
        Trigger::new("ev".parse().unwrap(), "d", channels.clone()).with_info(Info::new().with_subscription_count());
    let body = verified(&api().trigger(&trigger, at()).unwrap());
    let sent: Vec<&str> = body["channels"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(sent, channels.iter().map(ChannelName::as_str).collect::<Vec<_>>());
    assert_eq!(body["info"], json!("subscription_count"));
}

// --- Channel authorization ------------------------------------------------------------

#[test]
fn test_authenticate_encrypted_channel_succeeds() {
    let socket = "1234.1234".parse().unwrap();
    let auth = sign_channel_auth(&creds(), &socket, &ch("private-encrypted-a")).unwrap();
    assert!(auth.auth().starts_with("key:"));
    let secret = auth.shared_secret().unwrap();
    assert_eq!(base64_len(secret), 32);
    verify_channel_auth(&creds(), &socket, &ch("private-encrypted-a"), None, auth.auth()).unwrap();
    let no_key = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
    assert_eq!(
        sign_channel_auth(&no_key, &socket, &ch("private-encrypted-a")).unwrap_err(),
        AuthError::Config(ConfigError::MissingMasterKey)
    );
}

fn base64_len(s: &str) -> usize {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap().len()
}

#[test]
fn test_authenticate_presence_channel_succeeds() {
    let socket = "1234.1234".parse().unwrap();
    let member = PresenceMember::new("alice".parse().unwrap(), None).unwrap();
    let auth = sign_presence_auth(&creds(), &socket, &ch("presence-a"), &member).unwrap();
    assert_eq!(auth.channel_data(), Some(r#"{"user_id":"alice"}"#));
    verify_channel_auth(&creds(), &socket, &ch("presence-a"), auth.channel_data(), auth.auth()).unwrap();
}

#[test]
fn test_authenticate_presence_channel_with_missing_user_data_fails() {
    let socket = "1234.1234".parse().unwrap();
    assert_eq!(sign_channel_auth(&creds(), &socket, &ch("presence-a")).unwrap_err(), AuthError::PresenceNeedsMember);
    // And a presence signature presented without its channel_data does not verify.
    let member = PresenceMember::new("alice".parse().unwrap(), None).unwrap();
    let auth = sign_presence_auth(&creds(), &socket, &ch("presence-a"), &member).unwrap();
    assert_eq!(
        verify_channel_auth(&creds(), &socket, &ch("presence-a"), None, auth.auth()).unwrap_err(),
        VerifyError::MissingChannelData
    );
}

#[test]
fn test_authenticate_presence_channel_with_user_info_succeeds() {
    let socket = "1234.1234".parse().unwrap();
    let member = PresenceMember::new("alice".parse().unwrap(), Some(json!({"name":"Alice"}))).unwrap();
    let auth = sign_presence_auth(&creds(), &socket, &ch("presence-a"), &member).unwrap();
    assert_eq!(auth.channel_data(), Some(r#"{"user_id":"alice","user_info":{"name":"Alice"}}"#));
    verify_channel_auth(&creds(), &socket, &ch("presence-a"), auth.channel_data(), auth.auth()).unwrap();
}

#[test]
fn test_authenticate_private_channel_succeeds() {
    let socket = "1234.1234".parse().unwrap();
    let auth = sign_channel_auth(&creds(), &socket, &ch("private-a")).unwrap();
    assert_eq!(auth.to_json(), format!(r#"{{"auth":"{}"}}"#, auth.auth()));
    verify_channel_auth(&creds(), &socket, &ch("private-a"), None, auth.auth()).unwrap();
    assert!(verify_channel_auth(&creds(), &socket, &ch("private-b"), None, auth.auth()).is_err());
}

#[test]
fn test_authenticate_public_channel_fails() {
    let socket = "1234.1234".parse().unwrap();
    assert_eq!(sign_channel_auth(&creds(), &socket, &ch("news")).unwrap_err(), AuthError::PublicChannel);
}

// --- Webhooks ----------------------------------------------------------------------------

const OCCUPIED: &str = r#"{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"a"}]}"#;

fn ring() -> Keyring {
    Keyring::new([creds()])
}

fn webhook_events(body: &str) -> Vec<WebhookEvent> {
    let signed = sign_webhook(&creds(), body.as_bytes());
    verify_and_parse_webhook(&ring(), "key", signed.signature(), body.as_bytes()).unwrap().into_webhook().into_events()
}

#[test]
fn test_invalid_pusher_key_header_webhook_fails() {
    let signed = sign_webhook(&creds(), OCCUPIED.as_bytes());
    assert_eq!(
        verify_webhook(&ring(), "other-key", signed.signature(), OCCUPIED.as_bytes()).unwrap_err(),
        VerifyError::UnknownKey
    );
}

#[test]
fn test_invalid_pusher_signature_header_webhook_fails() {
    let signed = sign_webhook(&creds(), OCCUPIED.as_bytes());
    let mut bad = signed.signature().to_owned();
    bad.replace_range(0..1, if bad.starts_with('0') { "1" } else { "0" });
    assert_eq!(verify_webhook(&ring(), "key", &bad, OCCUPIED.as_bytes()).unwrap_err(), VerifyError::InvalidSignature);
}

#[test]
fn test_missing_body_data_webhook_fails() {
    // An empty body, signed correctly, is still no webhook.
    let signed = sign_webhook(&creds(), b"");
    assert!(verify_and_parse_webhook(&ring(), "key", signed.signature(), b"").is_err());
    // A body without its `events`, signed correctly, is refused after verification.
    let body = br#"{"time_ms":1327078148132}"#;
    let signed = sign_webhook(&creds(), body);
    assert!(matches!(
        verify_and_parse_webhook(&ring(), "key", signed.signature(), body),
        Err(WebhookError::MalformedBody { .. })
    ));
}

#[test]
fn test_missing_pusher_key_header_webhook_fails() {
    let signed = sign_webhook(&creds(), OCCUPIED.as_bytes());
    assert_eq!(
        verify_webhook(&ring(), "", signed.signature(), OCCUPIED.as_bytes()).unwrap_err(),
        VerifyError::UnknownKey
    );
}

#[test]
fn test_missing_pusher_signature_header_webhook_fails() {
    assert_eq!(verify_webhook(&ring(), "key", "", OCCUPIED.as_bytes()).unwrap_err(), VerifyError::InvalidSignature);
}

#[test]
fn test_verify_channel_occupied_webhook_succeeds() {
    assert!(matches!(
        &webhook_events(OCCUPIED)[..],
        [WebhookEvent::ChannelOccupied { channel, .. }] if channel.as_str() == "a"
    ));
}

#[test]
fn test_verify_channel_vacated_webhook_succeeds() {
    let body = r#"{"time_ms":1,"events":[{"name":"channel_vacated","channel":"a"}]}"#;
    assert!(matches!(
        &webhook_events(body)[..],
        [WebhookEvent::ChannelVacated { channel, .. }] if channel.as_str() == "a"
    ));
}

#[test]
fn test_verify_client_event_webhook_succeeds() {
    let body = r#"{"time_ms":1,"events":[{"name":"client_event","channel":"presence-a","event":"client-typing","data":"{\"on\":true}","socket_id":"1.2","user_id":"alice"}]}"#;
    assert!(matches!(
        &webhook_events(body)[..],
        [WebhookEvent::ClientEvent { channel, event, data, socket_id, user_id, .. }]
            if channel.as_str() == "presence-a" && event == "client-typing" && data == r#"{"on":true}"#
                && socket_id.as_str() == "1.2" && user_id.as_deref() == Some("alice")
    ));
}

#[test]
fn test_verify_member_added_webhook_succeeds() {
    let body = r#"{"time_ms":1,"events":[{"name":"member_added","channel":"presence-a","user_id":"alice"}]}"#;
    assert!(matches!(
        &webhook_events(body)[..],
        [WebhookEvent::MemberAdded { channel, user_id, .. }] if channel.as_str() == "presence-a" && user_id == "alice"
    ));
}

#[test]
fn test_verify_member_removed_webhook_succeeds() {
    let body = r#"{"time_ms":1,"events":[{"name":"member_removed","channel":"presence-a","user_id":"alice"}]}"#;
    assert!(matches!(
        &webhook_events(body)[..],
        [WebhookEvent::MemberRemoved { channel, user_id, .. }] if channel.as_str() == "presence-a" && user_id == "alice"
    ));
}

// --- Application state -------------------------------------------------------------------

#[test]
fn test_get_channel_info_fails_for_invalid_attributes() {
    for channel in ["news", "private-a", "private-encrypted-a"] {
        assert_eq!(
            api().channel(&ch(channel), Info::new().with_user_count(), at()).unwrap_err(),
            SendError::InfoNotApplicable { attribute: "user_count", channel: Some(ch(channel)) }
        );
    }
    assert!("user_count,bogus".parse::<Info>().is_err());
    assert!("".parse::<Info>().is_err());
}

#[test]
fn test_get_channel_info_succeeds() {
    let info = Info::new().with_user_count().with_subscription_count();
    let request = api().channel(&ch("presence-a"), info, at()).unwrap();
    assert_eq!((request.http().method().as_str(), request.http().uri().path()), ("GET", "/apps/4/channels/presence-a"));
    assert_eq!(verified(&request), Value::Null);
    assert!(!request.http().uri().query().unwrap().contains("body_md5"));
    assert_eq!(own_params(&request), [("info".to_owned(), "user_count,subscription_count".to_owned())]);
    let parsed = request.parse(&response(200, r#"{"occupied":true,"user_count":1,"subscription_count":2}"#)).unwrap();
    assert!(parsed.occupied);
    assert_eq!((parsed.user_count, parsed.subscription_count), (Some(1), Some(2)));
}

#[test]
fn test_get_channels_fails_for_invalid_attributes() {
    // user_count needs the presence- filter.
    assert_eq!(
        api().channels(&ChannelsQuery::new().with_user_count(), at()).unwrap_err(),
        SendError::InfoNotApplicable { attribute: "user_count", channel: None }
    );
    let private = ChannelsQuery::new().filter_by_prefix(ch("private-")).with_user_count();
    assert_eq!(
        api().channels(&private, at()).unwrap_err(),
        SendError::InfoNotApplicable { attribute: "user_count", channel: Some(ch("private-")) }
    );
}

#[test]
fn test_get_channels_succeeds() {
    let query = ChannelsQuery::new().filter_by_prefix(ch("presence-")).with_user_count();
    let request = api().channels(&query, at()).unwrap();
    assert_eq!(request.http().uri().path(), "/apps/4/channels");
    assert_eq!(verified(&request), Value::Null);
    assert_eq!(
        own_params(&request),
        [("filter_by_prefix".to_owned(), "presence-".to_owned()), ("info".to_owned(), "user_count".to_owned())]
    );
    let parsed =
        request.parse(&response(200, r#"{"channels":{"presence-a":{"user_count":2},"presence-b":{}}}"#)).unwrap();
    assert_eq!(parsed.channels["presence-a"].user_count, Some(2));
    assert_eq!(parsed.channels["presence-b"].user_count, None);
    // No filter, no info: no own parameter at all.
    assert!(own_params(&api().channels(&ChannelsQuery::new(), at()).unwrap()).is_empty());
}

#[test]
fn test_get_users_for_channel_fails_for_public_channel() {
    for channel in ["news", "private-a", "private-encrypted-a"] {
        assert_eq!(
            api().users(&ch(channel), at()).unwrap_err(),
            SendError::NotPresenceChannel { channel: ch(channel) }
        );
    }
}

#[test]
fn test_get_users_for_channel_succeeds_for_presence_channel() {
    let request = api().users(&ch("presence-a"), at()).unwrap();
    assert_eq!(
        (request.http().method().as_str(), request.http().uri().path()),
        ("GET", "/apps/4/channels/presence-a/users")
    );
    assert_eq!(verified(&request), Value::Null);
    let users = request.parse(&response(200, r#"{"users":[{"id":"alice"},{"id":"bob"}]}"#)).unwrap();
    assert_eq!(users.users.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["alice", "bob"]);
}
