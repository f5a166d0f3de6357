//! Hostile Bayeux messages against the Faye helpers: each entry is a message and the
//! exact typed error `verify_faye_message` answers. None panics; none verifies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use channel_auth::{
    sign_faye_token, strip_faye_credentials, verify_faye_message, verify_faye_password, AppSecret, FayeError,
    FayeTokenScope, InputKind, InvalidInput, VerifyError,
};
use serde_json::{json, Value};

const SECRET: &str = "your secret key";
const PASSWORD: &str = "some long and unguessable application-specific string";

fn secret() -> AppSecret {
    SECRET.parse().unwrap()
}

/// A good channel-bound token for alice on `/chat/alice`.
fn token() -> String {
    sign_faye_token(&secret(), &"alice".parse().unwrap(), Some(&"/chat/alice".parse().unwrap())).as_str().to_owned()
}

fn ext() -> Value {
    json!({ "userId": "alice", "token": token() })
}

fn sub(subscription: Value) -> Value {
    json!({ "channel": "/meta/subscribe", "clientId": "c", "subscription": subscription, "ext": ext() })
}

fn missing(field: &'static str) -> FayeError {
    FayeError::MissingField { field }
}

fn wrong(field: &'static str, expected: &'static str) -> FayeError {
    FayeError::WrongType { field, expected }
}

const ONE_CHANNEL: &str = "one channel name (not an array)";

/// (category, message, error), grouped as the issue lists them.
fn table() -> Vec<(&'static str, Value, FayeError)> {
    let huge = "a".repeat(4 << 20);
    let invalid_sig = FayeError::Verify(VerifyError::InvalidSignature);
    vec![
        // Not a message at all.
        ("not an object", json!(null), FayeError::NotAnObject),
        ("not an object", json!(1), FayeError::NotAnObject),
        ("not an object", json!("/meta/subscribe"), FayeError::NotAnObject),
        ("not an object", json!([sub(json!("/chat/alice"))]), FayeError::NotAnObject),
        // Missing fields.
        ("missing", json!({}), missing("channel")),
        ("missing", json!({ "channel": "/meta/subscribe", "ext": ext() }), missing("subscription")),
        (
            "missing",
            json!({ "channel": "/meta/subscribe", "subscription": null, "ext": ext() }),
            missing("subscription"),
        ),
        ("missing", json!({ "channel": "/meta/subscribe", "subscription": "/chat/alice" }), missing("ext")),
        ("missing", json!({ "channel": "/chat/alice", "ext": null }), missing("ext")),
        ("missing", json!({ "channel": "/chat/alice", "ext": { "token": token() } }), missing("ext.userId")),
        ("missing", json!({ "channel": "/chat/alice", "ext": { "userId": "alice" } }), missing("ext.token")),
        (
            "missing",
            json!({ "channel": "/chat/alice", "ext": { "userId": null, "token": token() } }),
            missing("ext.userId"),
        ),
        // Numbers, booleans, objects and arrays where strings belong.
        ("wrong type", json!({ "channel": 1 }), wrong("channel", "a string")),
        ("wrong type", json!({ "channel": true }), wrong("channel", "a string")),
        ("wrong type", json!({ "channel": { "name": "/a" } }), wrong("channel", "a string")),
        ("wrong type", json!({ "channel": ["/meta/subscribe"] }), wrong("channel", ONE_CHANNEL)),
        ("wrong type", sub(json!(["/chat/alice"])), wrong("subscription", ONE_CHANNEL)),
        ("wrong type", sub(json!(["/chat/alice", "/**"])), wrong("subscription", ONE_CHANNEL)),
        ("wrong type", sub(json!(7)), wrong("subscription", "a string")),
        ("wrong type", json!({ "channel": "/chat/alice", "ext": "token" }), wrong("ext", "an object")),
        ("wrong type", json!({ "channel": "/chat/alice", "ext": [ext()] }), wrong("ext", "an object")),
        (
            "wrong type",
            json!({ "channel": "/chat/alice", "ext": { "userId": 18787, "token": token() } }),
            wrong("ext.userId", "a string"),
        ),
        (
            "wrong type",
            json!({ "channel": "/chat/alice", "ext": { "userId": ["alice"], "token": token() } }),
            wrong("ext.userId", "a string"),
        ),
        (
            "wrong type",
            json!({ "channel": "/chat/alice", "ext": { "userId": "alice", "token": 1e300 } }),
            wrong("ext.token", "a string"),
        ),
        (
            "wrong type",
            json!({ "channel": "/chat/alice", "ext": { "userId": "alice", "token": { "hex": token() } } }),
            wrong("ext.token", "a string"),
        ),
        // Wildcards: a subscription to one receives other channels' messages.
        ("wildcard", sub(json!("/**")), FayeError::Wildcard { field: "subscription" }),
        ("wildcard", sub(json!("/*")), FayeError::Wildcard { field: "subscription" }),
        ("wildcard", sub(json!("/chat/*")), FayeError::Wildcard { field: "subscription" }),
        ("wildcard", sub(json!("/chat/**")), FayeError::Wildcard { field: "subscription" }),
        (
            "wildcard",
            json!({ "channel": "/chat/*", "data": 1, "ext": ext() }),
            FayeError::Wildcard { field: "channel" },
        ),
        // Meta channels: nothing to authorize, and the /meta/subscribe/x look-alike.
        ("meta", json!({ "channel": "/meta/handshake", "ext": ext() }), FayeError::MetaChannel { field: "channel" }),
        ("meta", json!({ "channel": "/meta/connect", "ext": ext() }), FayeError::MetaChannel { field: "channel" }),
        (
            "meta",
            json!({ "channel": "/meta/unsubscribe", "subscription": "/chat/alice", "ext": ext() }),
            FayeError::MetaChannel { field: "channel" },
        ),
        (
            "meta",
            json!({ "channel": "/meta/subscribe/x", "subscription": "/chat/alice", "ext": ext() }),
            FayeError::MetaChannel { field: "channel" },
        ),
        ("meta", json!({ "channel": "/meta/*", "ext": ext() }), FayeError::MetaChannel { field: "channel" }),
        ("meta", sub(json!("/meta/connect")), FayeError::MetaChannel { field: "subscription" }),
        ("meta", sub(json!("/meta/**")), FayeError::MetaChannel { field: "subscription" }),
        // Names that fail their grammar.
        (
            "bad name",
            json!({ "channel": "" }),
            FayeError::InvalidField { field: "channel", source: InvalidInput::Empty { kind: InputKind::FayeChannel } },
        ),
        (
            "bad name",
            sub(json!("/chat/alice:x")),
            FayeError::InvalidField {
                field: "subscription",
                source: InvalidInput::InvalidChar { kind: InputKind::FayeChannel, position: 11, found: ':' },
            },
        ),
        (
            "bad name",
            sub(json!("/chat/../admin")),
            FayeError::InvalidField {
                field: "subscription",
                source: InvalidInput::InvalidChar { kind: InputKind::FayeChannel, position: 6, found: '.' },
            },
        ),
        (
            "bad name",
            sub(json!("/chat/alice\n")),
            FayeError::InvalidField {
                field: "subscription",
                source: InvalidInput::InvalidChar { kind: InputKind::FayeChannel, position: 11, found: '\n' },
            },
        ),
        (
            "bad name",
            json!({ "channel": "/chat/alice", "ext": { "userId": "alice:/chat", "token": token() } }),
            FayeError::InvalidField {
                field: "ext.userId",
                source: InvalidInput::InvalidChar { kind: InputKind::FayeUserId, position: 5, found: ':' },
            },
        ),
        (
            "bad name",
            json!({ "channel": "/chat/alice", "ext": { "userId": "alice\u{0}", "token": token() } }),
            FayeError::InvalidField {
                field: "ext.userId",
                source: InvalidInput::InvalidChar { kind: InputKind::FayeUserId, position: 5, found: '\0' },
            },
        ),
        (
            "bad name",
            json!({ "channel": "/chat/alice", "ext": { "userId": "", "token": token() } }),
            FayeError::InvalidField {
                field: "ext.userId",
                source: InvalidInput::Empty { kind: InputKind::FayeUserId },
            },
        ),
        // Huge values: refused by length before anything else is looked at.
        (
            "huge",
            json!({ "channel": format!("/{huge}") }),
            FayeError::InvalidField {
                field: "channel",
                source: InvalidInput::TooLong { kind: InputKind::FayeChannel, max: 1024, len: huge.len() + 1 },
            },
        ),
        (
            "huge",
            sub(json!(format!("/{huge}"))),
            FayeError::InvalidField {
                field: "subscription",
                source: InvalidInput::TooLong { kind: InputKind::FayeChannel, max: 1024, len: huge.len() + 1 },
            },
        ),
        (
            "huge",
            json!({ "channel": "/chat/alice", "ext": { "userId": huge.clone(), "token": token() } }),
            FayeError::InvalidField {
                field: "ext.userId",
                source: InvalidInput::TooLong { kind: InputKind::FayeUserId, max: 1024, len: huge.len() },
            },
        ),
        ("huge", json!({ "channel": "/chat/alice", "ext": { "userId": "alice", "token": huge } }), invalid_sig.clone()),
        // Well-formed but wrong.
        ("forged", sub(json!("/chat/bob")), invalid_sig.clone()),
        (
            "forged",
            json!({ "channel": "/meta/subscribe", "subscription": "/chat/alice", "ext": { "userId": "bob", "token": token() } }),
            invalid_sig.clone(),
        ),
        (
            "forged",
            json!({ "channel": "/meta/subscribe", "subscription": "/chat/alice", "ext": { "userId": "alice", "token": token().to_uppercase() } }),
            invalid_sig.clone(),
        ),
        (
            "forged",
            json!({ "channel": "/meta/subscribe", "subscription": "/chat/alice", "ext": { "userId": "alice", "token": "0".repeat(64) } }),
            invalid_sig.clone(),
        ),
        (
            "forged",
            json!({ "channel": "/meta/subscribe", "subscription": "/chat/alice", "ext": { "userId": "alice", "token": "" } }),
            invalid_sig.clone(),
        ),
        (
            "forged",
            json!({ "channel": "/meta/subscribe", "subscription": "/chat/alice", "ext": { "userId": "alice ", "token": token() } }),
            invalid_sig,
        ),
    ]
}

#[test]
fn hostile_messages_get_their_typed_error() {
    let secret = secret();
    assert!(verify_faye_message(&secret, &sub(json!("/chat/alice")), FayeTokenScope::ChannelBound).is_ok());
    for (category, message, want) in table() {
        let got = verify_faye_message(&secret, &message, FayeTokenScope::ChannelBound);
        assert_eq!(got.as_ref().err(), Some(&want), "{category}: {:.200}", message.to_string());
        // The user-only scope refuses the same messages for the same reason, but for a
        // token bound to a channel (it signs more bytes than `<user>`).
        let user_only = verify_faye_message(&secret, &message, FayeTokenScope::UserOnly);
        assert!(user_only.is_err(), "{category}");
        // Errors are short, one line, and quote no token.
        let text = want.to_string();
        assert!(text.len() < 160 && !text.contains('\n') && !text.contains(&token()), "{text:?}");
        // Stripping and the password check never panic on it either.
        let mut copy = message.clone();
        let _ = strip_faye_credentials(&mut copy);
        assert!(verify_faye_password(&PASSWORD.parse().unwrap(), &message).is_err());
    }
}

#[test]
fn raw_json_edge_cases_parse_then_fail_typed() {
    let secret = secret();
    // Duplicate keys: serde_json keeps the last, as Node's JSON.parse does.
    let raw = format!(
        r#"{{"channel":"/meta/subscribe","subscription":"/chat/bob","subscription":"/chat/alice","ext":{{"userId":"alice","token":"{}"}}}}"#,
        token()
    );
    let message: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(
        verify_faye_message(&secret, &message, FayeTokenScope::ChannelBound).unwrap().channel().as_str(),
        "/chat/alice"
    );
    // Deeply nested `data` is irrelevant to the check (serde_json's own recursion limit
    // refuses the text first when it is deeper than 128).
    let deep = format!(r#"{{"channel":"/chat/alice","data":{}1{}}}"#, "[".repeat(100), "]".repeat(100));
    let message: Value = serde_json::from_str(&deep).unwrap();
    assert_eq!(verify_faye_message(&secret, &message, FayeTokenScope::UserOnly), Err(missing("ext")));
    // Escaped look-alikes decode before the check: "\/meta\/subscribe" is /meta/subscribe.
    let raw = r#"{"channel":"\/meta\/subscribe","subscription":"\/**","ext":{}}"#;
    let message: Value = serde_json::from_str(raw).unwrap();
    assert_eq!(
        verify_faye_message(&secret, &message, FayeTokenScope::UserOnly),
        Err(FayeError::Wildcard { field: "subscription" })
    );
}

#[test]
fn password_table() {
    let password: AppSecret = PASSWORD.parse().unwrap();
    let with = |ext: Value| json!({ "channel": "/foo", "data": "hi", "ext": ext });
    assert_eq!(verify_faye_password(&password, &with(json!({ "password": PASSWORD }))), Ok(()));
    let cases = [
        (with(json!({ "password": format!("{PASSWORD} ") })), FayeError::WrongPassword),
        (with(json!({ "password": &PASSWORD[..PASSWORD.len() - 1] })), FayeError::WrongPassword),
        (with(json!({ "password": PASSWORD.to_uppercase() })), FayeError::WrongPassword),
        (with(json!({ "password": "" })), FayeError::WrongPassword),
        (with(json!({ "password": "a".repeat(4 << 20) })), FayeError::WrongPassword),
        (with(json!({ "Password": PASSWORD })), missing("ext.password")),
        (with(json!({ "password": null })), missing("ext.password")),
        (with(json!({ "password": [PASSWORD] })), wrong("ext.password", "a string")),
        (with(json!({ "password": 1 })), wrong("ext.password", "a string")),
        (with(json!(PASSWORD)), wrong("ext", "an object")),
        (json!({ "channel": "/foo" }), missing("ext")),
        (json!([with(json!({ "password": PASSWORD }))]), FayeError::NotAnObject),
    ];
    for (message, want) in cases {
        let got = verify_faye_password(&password, &message);
        assert_eq!(got, Err(want), "{:.200}", message.to_string());
        let text = format!("{:?} {}", got, got.clone().unwrap_err());
        assert!(!text.contains("unguessable"), "{text}");
    }
}
