//! Known answers and hostile input for the sans-IO request builders (`channel_auth::send`).
//!
//! The known answers are whole requests for fixed inputs at a fixed time: method, path,
//! query (signature included) and body, byte for byte. The trigger and batch bodies and
//! signatures are those the official Node library produces for the same inputs (checked
//! by `tests/interop_send.rs`); every request also verifies with `verify_api_request`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channel_auth::api::{Method, verify_api_request};
use channel_auth::send::{Api, ApiUrl, BatchEvent, ChannelsQuery, Info, Limits, SendError, Trigger};
use channel_auth::{
    ChannelName, ConfigError, Credentials, EncryptionMasterKey, InputKind, InvalidInput, Keyring, UserId,
};

/// Pusher's documented example app (HTTP API reference): key, secret, app id 3.
fn creds() -> Credentials {
    Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap())
        .with_app_id("3".parse().unwrap())
}

const AT: u64 = 1_353_088_179;

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(AT)
}

fn api() -> Api {
    Api::new(creds(), ApiUrl::cluster("mt1").unwrap()).unwrap()
}

fn ch(s: &str) -> ChannelName {
    s.parse().unwrap()
}

/// `METHOD URL\nBODY`, after checking the request verifies with our verifier.
fn whole(request: &http::Request<Vec<u8>>) -> String {
    let ring = Keyring::new([creds()]);
    let method: Method = request.method().as_str().parse().unwrap();
    verify_api_request(&ring, method, request.uri().path(), request.uri().query().unwrap(), request.body(), at())
        .unwrap();
    format!("{} {}\n{}", request.method(), request.uri(), String::from_utf8(request.body().clone()).unwrap())
}

#[test]
fn known_answers() {
    let print = std::env::var("PRINT_KAT").is_ok();
    let cases: Vec<(&str, http::Request<Vec<u8>>, &str)> = vec![
        (
            "trigger, the documented example's inputs",
            api()
                .trigger(&Trigger::new("foo".parse().unwrap(), r#"{"some":"data"}"#, [ch("project-3")]), at())
                .unwrap()
                .into_http(),
            KAT_TRIGGER,
        ),
        (
            "trigger on two channels, socket_id and info",
            api()
                .trigger(
                    &Trigger::new("ev".parse().unwrap(), "hi \"there\"\n", [ch("presence-a"), ch("presence-b")])
                        .exclude("123.456".parse().unwrap())
                        .with_info(Info::new().with_user_count().with_subscription_count()),
                    at(),
                )
                .unwrap()
                .into_http(),
            KAT_TRIGGER_FULL,
        ),
        (
            "batch",
            api()
                .trigger_batch(
                    &[
                        BatchEvent::new(ch("a"), "e1".parse().unwrap(), "1"),
                        BatchEvent::new(ch("presence-b"), "e2".parse().unwrap(), "{}")
                            .exclude("1.2".parse().unwrap())
                            .with_info(Info::new().with_user_count()),
                    ],
                    at(),
                )
                .unwrap()
                .into_http(),
            KAT_BATCH,
        ),
        (
            "channels",
            api()
                .channels(&ChannelsQuery::new().filter_by_prefix(ch("presence-")).with_user_count(), at())
                .unwrap()
                .into_http(),
            KAT_CHANNELS,
        ),
        (
            "channel",
            api().channel(&ch("presence-a"), Info::new().with_subscription_count(), at()).unwrap().into_http(),
            KAT_CHANNEL,
        ),
        ("users", api().users(&ch("presence-a"), at()).unwrap().into_http(), KAT_USERS),
        (
            "terminate",
            api().terminate_user_connections(&"alice".parse().unwrap(), at()).unwrap().into_http(),
            KAT_TERMINATE,
        ),
        (
            "send_to_user",
            api().send_to_user(&"alice".parse().unwrap(), &"ev".parse().unwrap(), "hi", at()).unwrap().into_http(),
            KAT_SEND_TO_USER,
        ),
    ];
    for (name, request, expected) in cases {
        if print {
            println!("{name}:\n{}\n", whole(&request));
        } else {
            assert_eq!(whole(&request), expected, "{name}");
        }
    }
}

const KAT_TRIGGER: &str = r##"POST https://api-mt1.pusher.com/apps/3/events?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=45ff0dd3fcd388e766ebeec554920e41&auth_signature=3afbfced4119aeb18b1b441f623f438db238170e007bb8dda50203ad09031632
{"name":"foo","data":"{\"some\":\"data\"}","channels":["project-3"]}"##;
const KAT_TRIGGER_FULL: &str = r##"POST https://api-mt1.pusher.com/apps/3/events?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=2b891ac8ce12f7d32b8e3208625f1c07&auth_signature=7ffc3e7d5bbd3be2eb7ffc7cad30604df827c6e8fa5c7bf2958aa66cc96455c0
{"name":"ev","data":"hi \"there\"\n","channels":["presence-a","presence-b"],"socket_id":"123.456","info":"user_count,subscription_count"}"##;
const KAT_BATCH: &str = r##"POST https://api-mt1.pusher.com/apps/3/batch_events?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ab8fd930e0a45a3f771c185b2dcb7838&auth_signature=ca591def0662df289232482ce056f8d27d1000f6cad139539a35e3830b6a6f7b
{"batch":[{"channel":"a","name":"e1","data":"1"},{"channel":"presence-b","name":"e2","data":"{}","socket_id":"1.2","info":"user_count"}]}"##;
const KAT_CHANNELS: &str = r##"GET https://api-mt1.pusher.com/apps/3/channels?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&filter_by_prefix=presence-&info=user_count&auth_signature=16819168891cb5dfd72b5c7a5d3d602605b26c6ba1930033b5e2eeeb65010291
"##;
const KAT_CHANNEL: &str = r##"GET https://api-mt1.pusher.com/apps/3/channels/presence-a?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&info=subscription_count&auth_signature=5061860930f5ed4a29e133841d9234a1910db235e688e7b7bc906a886c54b99a
"##;
const KAT_USERS: &str = r##"GET https://api-mt1.pusher.com/apps/3/channels/presence-a/users?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&auth_signature=baf2d614368d599454434555e21511d77c16816508aaa9a364a26de9cf7813e5
"##;
const KAT_TERMINATE: &str = r##"POST https://api-mt1.pusher.com/apps/3/users/alice/terminate_connections?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=99914b932bd37a50b983c5e7c90ae93b&auth_signature=580629b25ed0654ef0b01a3d3aaa3495d33ebc5ffcd6853d8cfd82cb5ac7e732
{}"##;
const KAT_SEND_TO_USER: &str = r##"POST https://api-mt1.pusher.com/apps/3/events?auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=28acc1816260473d770db9d92d9e1156&auth_signature=bd2987c522d503794ac7dfab863a528f52d7558da6b2e878c4fa1b18771d9fd0
{"name":"ev","data":"hi","channels":["#server-to-user-alice"]}"##;

#[test]
fn get_requests_carry_no_body_and_no_body_md5() {
    let requests = [
        api().channels(&ChannelsQuery::new(), at()).unwrap().into_http(),
        api().channel(&ch("a"), Info::new(), at()).unwrap().into_http(),
        api().users(&ch("presence-a"), at()).unwrap().into_http(),
    ];
    for request in requests {
        assert_eq!(request.method(), "GET");
        assert!(request.body().is_empty());
        assert!(!request.uri().query().unwrap().contains("body_md5"), "{}", request.uri());
        assert!(request.headers().get("content-type").is_none());
    }
}

#[test]
fn post_requests_are_json_with_body_md5() {
    let request = api().terminate_user_connections(&"a".parse().unwrap(), at()).unwrap();
    assert_eq!(request.http().headers()["content-type"], "application/json");
    assert!(request.http().uri().query().unwrap().contains("&body_md5=99914b932bd37a50b983c5e7c90ae93b&"));
}

#[test]
fn endpoints_give_the_base_url() {
    let creds = creds();
    for (endpoint, prefix) in [
        (ApiUrl::cluster("eu").unwrap(), "https://api-eu.pusher.com/apps/3/"),
        (ApiUrl::from_url("http://127.0.0.1:6001").unwrap(), "http://127.0.0.1:6001/apps/3/"),
        (ApiUrl::from_url("https://[::1]:8443/").unwrap(), "https://[::1]:8443/apps/3/"),
    ] {
        let api = Api::new(creds.clone(), endpoint).unwrap();
        let uri = api.users(&ch("presence-a"), at()).unwrap().http().uri().to_string();
        assert!(uri.starts_with(prefix), "{uri}");
    }
}

/// Hostile text never reaches a path: it is refused when the name is made.
#[test]
fn hostile_names_never_reach_a_path() {
    const HOSTILE: &[&str] = &[
        "",
        "a/b",
        "../x",
        "a?b",
        "a#b",
        "a%2Fb",
        "a b",
        "a\nb",
        "a\rb",
        "a\0b",
        "a:b",
        "a\"b",
        "é",
        "a\u{200b}b",
        "%00",
        "a&b",
        "a+b",
    ];
    for text in HOSTILE {
        assert!(text.parse::<ChannelName>().is_err(), "channel {text:?}");
        assert!(text.parse::<UserId>().is_err(), "user {text:?}");
    }
    assert!("x".repeat(201).parse::<ChannelName>().is_err());
    assert!("x".repeat(129).parse::<UserId>().is_err());
    // `#server-to-user-` is a channel name, but never goes into a path or a trigger.
    let reserved = ch("#server-to-user-alice");
    assert_eq!(
        api().channel(&reserved, Info::new(), at()).unwrap_err(),
        SendError::ServerToUserChannel { channel: reserved.clone() }
    );
    assert_eq!(
        api().trigger(&Trigger::new("e".parse().unwrap(), "d", [reserved.clone()]), at()).unwrap_err(),
        SendError::ServerToUserChannel { channel: reserved.clone() }
    );
    assert!(matches!(
        api().trigger_batch(&[BatchEvent::new(reserved, "e".parse().unwrap(), "d")], at()).unwrap_err(),
        SendError::InBatch { index: 0, .. }
    ));
}

#[test]
fn hostile_endpoints_are_refused() {
    const HOSTILE: &[&str] = &[
        "http://user:pw@host",
        "http://host/path",
        "http://host?x=1",
        "http://host#f",
        "http://host:99999",
        "http://host:0",
        "ftp://host",
        "//host",
        "host",
        "http://ho st",
        "http://host\r\nX-Injected: 1",
        "http://host/\0",
        "javascript:alert(1)",
        "http://[::1",
        "https://api-eu.pusher.com/apps/1",
    ];
    for url in HOSTILE {
        let err = ApiUrl::from_url(url).unwrap_err();
        assert_eq!(err.kind(), InputKind::EndpointUrl, "{url:?}");
    }
    for cluster in ["", "eu.evil.com", "eu/", "EU", "eu ", "-eu", "eu-", "e\nu"] {
        assert_eq!(ApiUrl::cluster(cluster).unwrap_err().kind(), InputKind::Cluster, "{cluster:?}");
    }
}

#[test]
fn limits_are_checked_and_raisable() {
    let big = "x".repeat(10 * 1024);
    let trigger = |data: &str| Trigger::new("e".parse().unwrap(), data, [ch("a")]);
    assert!(api().trigger(&trigger(&big), at()).is_ok());
    let over = format!("{big}x");
    assert_eq!(api().trigger(&trigger(&over), at()).unwrap_err(), SendError::DataTooLong { max: 10240, len: 10241 });
    let raised =
        api().with_limits(Limits::default().with_max_data_len(20 * 1024).with_max_channels(200).with_max_batch(20));
    assert!(raised.trigger(&trigger(&over), at()).is_ok());
    let many = Trigger::new("e".parse().unwrap(), "d", (0..200).map(|i| ch(&format!("c{i}"))));
    assert!(raised.trigger(&many, at()).is_ok());
    let batch: Vec<_> = (0..20).map(|i| BatchEvent::new(ch("a"), "e".parse().unwrap(), i.to_string())).collect();
    assert!(raised.trigger_batch(&batch, at()).is_ok());
    assert!(api().trigger_batch(&batch, at()).is_err());
}

#[test]
fn the_data_limit_is_measured_after_encryption() {
    let creds = creds().with_encryption_master_key(EncryptionMasterKey::from_bytes([1; 32]));
    let api = Api::new(creds, ApiUrl::cluster("mt1").unwrap()).unwrap();
    // 7700 bytes of plaintext fit the limit; encrypted and base64-encoded they do not.
    let plain = "x".repeat(7700);
    let channel = ch("private-encrypted-a");
    assert!(api.trigger(&Trigger::new("e".parse().unwrap(), plain.clone(), [ch("a")]), at()).is_ok());
    let err = api.trigger(&Trigger::new("e".parse().unwrap(), plain.clone(), [channel.clone()]), at()).unwrap_err();
    assert!(matches!(err, SendError::DataTooLong { max: 10240, len } if len > 10240), "{err:?}");
    let err = api.trigger_batch(&[BatchEvent::new(channel, "e".parse().unwrap(), plain)], at()).unwrap_err();
    assert!(matches!(err, SendError::InBatch { index: 0, .. }), "{err:?}");
}

#[test]
fn encrypted_without_a_master_key_is_refused_in_a_batch_too() {
    let err = api()
        .trigger_batch(&[BatchEvent::new(ch("private-encrypted-a"), "e".parse().unwrap(), "d")], at())
        .unwrap_err();
    assert_eq!(
        err,
        SendError::InBatch { index: 0, source: Box::new(SendError::Config(ConfigError::MissingMasterKey)) }
    );
}

#[test]
fn api_needs_an_app_id() {
    let no_id = Credentials::new("k".parse().unwrap(), "s".parse().unwrap());
    assert_eq!(
        Api::new(no_id, ApiUrl::cluster("eu").unwrap()).unwrap_err(),
        SendError::Config(ConfigError::MissingAppId)
    );
}

#[test]
fn before_1970_is_refused() {
    let err = api().users(&ch("presence-a"), UNIX_EPOCH - Duration::from_secs(1)).unwrap_err();
    assert_eq!(err, SendError::Invalid(InvalidInput::BeforeUnixEpoch { kind: InputKind::Timestamp }));
}

#[test]
fn info_parses_strictly() {
    for bad in ["", ",", "user_count,", "USER_COUNT", "user_count subscription_count", "occupied", "user_count;x"] {
        assert_eq!(bad.parse::<Info>().unwrap_err().kind(), InputKind::InfoAttribute, "{bad:?}");
    }
    assert_eq!(
        "subscription_count,user_count".parse::<Info>().unwrap().as_param(),
        Some("user_count,subscription_count")
    );
}

#[test]
fn debug_shows_no_secret_and_no_data() {
    let creds = creds().with_encryption_master_key(EncryptionMasterKey::from_bytes([0xab; 32]));
    let api = Api::new(creds, ApiUrl::cluster("mt1").unwrap()).unwrap();
    let trigger = Trigger::new("e".parse().unwrap(), "plaintext-secret", [ch("a")]);
    let event = BatchEvent::new(ch("a"), "e".parse().unwrap(), "plaintext-secret");
    for shown in [format!("{api:?}"), format!("{trigger:?}"), format!("{event:?}")] {
        assert!(!shown.contains("7ad3773142a6692b25b8"), "{shown}");
        assert!(!shown.contains("plaintext-secret"), "{shown}");
        assert!(!shown.to_lowercase().contains("abababab"), "{shown}");
        assert!(!shown.contains("q6ur"), "{shown}"); // base64 of 0xab bytes
    }
}

#[test]
fn dot_only_names_are_percent_encoded_and_signed_as_sent() {
    // Unbound credentials: an app-bound verifier refuses every escaped or dot-only
    // segment by design (see api::binding); the signature over the sent path is the point.
    let unbound = Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap());
    let ring = Keyring::new([unbound]);
    for name in [".", "..", "...."] {
        let encoded = "%2E".repeat(name.len());
        let requests = [
            (api().channel(&ch(name), Info::new(), at()).unwrap().into_http(), format!("/apps/3/channels/{encoded}")),
            (
                api().users(&ch(&format!("presence-{name}")), at()).unwrap().into_http(),
                format!("/apps/3/channels/presence-{name}/users"),
            ),
            (
                api().terminate_user_connections(&name.parse().unwrap(), at()).unwrap().into_http(),
                format!("/apps/3/users/{encoded}/terminate_connections"),
            ),
        ];
        for (request, path) in requests {
            // What is sent is what was signed: the verifier, given the path as sent, agrees.
            assert_eq!(request.uri().path(), path);
            let method: Method = request.method().as_str().parse().unwrap();
            let query = request.uri().query().unwrap();
            verify_api_request(&ring, method, request.uri().path(), query, request.body(), at()).unwrap();
            // A client that keeps the path as given (http::Uri, hyper) sends it as signed;
            // reqwest's URL resolves `%2E` and `%2E%2E` as dot segments (WHATWG), so its
            // HttpClient refuses those two before sending (tests/send_client.rs).
            #[cfg(feature = "reqwest")]
            {
                let sent = reqwest::Request::try_from(request).unwrap();
                let dot_segment = path.split('/').any(|s| s == "%2E" || s == "%2E%2E");
                assert_eq!(sent.url().path() == path, !dot_segment, "{name}: {path}");
            }
        }
    }
    // A name with dots and more is its own text.
    let request = api().channel(&ch("a..b"), Info::new(), at()).unwrap();
    assert_eq!(request.http().uri().path(), "/apps/3/channels/a..b");
}

#[test]
fn trigger_and_batch_event_json_encode_their_data() {
    let value = serde_json::json!({"text": "hi \"you\"", "n": [1, 2]});
    let trigger = Trigger::json("ev".parse().unwrap(), &value, [ch("a")]).unwrap();
    let event = BatchEvent::json(ch("a"), "ev".parse().unwrap(), &value).unwrap();
    assert_eq!(trigger.data(), event.data());
    assert_eq!(serde_json::from_str::<serde_json::Value>(trigger.data()).unwrap(), value);
    // As sent: data is a string holding the JSON, in both bodies.
    let body: serde_json::Value = serde_json::from_slice(api().trigger(&trigger, at()).unwrap().http().body()).unwrap();
    assert_eq!(body["data"].as_str().unwrap(), trigger.data());
    let body: serde_json::Value =
        serde_json::from_slice(api().trigger_batch(&[event], at()).unwrap().http().body()).unwrap();
    assert_eq!(body["batch"][0]["data"].as_str().unwrap(), trigger.data());
    // A string is quoted by json, sent as is by new: what a port from `pusher` must choose.
    assert_eq!(Trigger::json("ev".parse().unwrap(), &"hi", [ch("a")]).unwrap().data(), "\"hi\"");
    assert_eq!(Trigger::new("ev".parse().unwrap(), "hi", [ch("a")]).data(), "hi");
    // A value JSON cannot hold is refused, not sent half-written.
    let bad = std::collections::HashMap::from([(vec![1u8], 1)]);
    assert_eq!(Trigger::json("ev".parse().unwrap(), &bad, [ch("a")]).unwrap_err(), SendError::DataNotJson);
}

#[test]
fn cache_info_only_for_one_cache_channel() {
    let cache = Info::new().with_cache();
    for name in ["cache-a", "private-cache-a", "private-encrypted-cache-a", "presence-cache-a"] {
        let request = api().channel(&ch(name), cache, at()).unwrap();
        assert!(request.http().uri().query().unwrap().contains("&info=cache&"), "{name}");
    }
    for name in ["a", "private-a", "presence-a", "cachex-a", "private-encrypted-a"] {
        let err = api().channel(&ch(name), cache, at()).unwrap_err();
        assert!(matches!(err, SendError::InfoNotApplicable { attribute: "cache", .. }), "{name}: {err:?}");
    }
    // Not a trigger's or a batch's info, even on a cache channel.
    let trigger = Trigger::new("ev".parse().unwrap(), "d", [ch("cache-a")]).with_info(cache);
    assert!(matches!(api().trigger(&trigger, at()), Err(SendError::InfoNotApplicable { attribute: "cache", .. })));
    let event = BatchEvent::new(ch("cache-a"), "ev".parse().unwrap(), "d").with_info(cache);
    assert!(matches!(api().trigger_batch(&[event], at()), Err(SendError::InBatch { .. })));
    // The typed answer.
    let request = api().channel(&ch("cache-a"), cache, at()).unwrap();
    let answer = http::Response::new(br#"{"occupied":false,"cache":{"data":"{}","ttl":30}}"#.to_vec());
    let cached = request.parse(&answer).unwrap().cache.unwrap();
    assert_eq!((cached.event, cached.data.as_str(), cached.ttl), (None, "{}", Some(30)));
    assert_eq!("cache,user_count".parse::<Info>().unwrap(), Info::new().with_user_count().with_cache());
}

#[test]
fn each_request_reads_only_its_own_answer() {
    // The answer to `users` given to the request of `channels`: its own type, so the
    // users are not there (and `channels` is `{}`), never a UsersResponse.
    let request = api().channels(&ChannelsQuery::new(), at()).unwrap();
    let answer = http::Response::new(br#"{"users":[{"id":"alice"}]}"#.to_vec());
    let parsed: channel_auth::send::ChannelsResponse = request.parse(&answer).unwrap();
    assert!(parsed.channels.is_empty());
    assert_eq!(request.operation(), channel_auth::send::Operation::Channels);
    // Debug never shows the signed query.
    let shown = format!("{request:?}");
    assert!(!shown.contains("auth_signature") && !shown.contains("auth_key"), "{shown}");
}
