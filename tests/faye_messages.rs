//! Hostile Bayeux messages against the Faye helpers: each entry is a message and the
//! exact typed error `verify_faye_message` answers under a publishing scope, where every
//! rule is reached (under the subscribe-only scopes a publication is refused first, as
//! `PublishNotGranted`). None panics; none verifies. Then the scopes themselves: a token
//! grants a subscription only, unless the scope names publishing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use channel_auth::faye::{
    FayeAction, FayeChannel, FayeError, FayeTokenScope, sign_faye_token, strip_faye_credentials, verify_faye_message,
    verify_faye_password,
};
use channel_auth::{AppSecret, InputKind, InvalidInput, VerifyError};
use serde_json::{Value, json};

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

/// The two subscribe-only scopes (the guide's forms) and the two that publish too.
const SUBSCRIBE_ONLY: [FayeTokenScope; 2] = [FayeTokenScope::UserOnly, FayeTokenScope::ChannelBound];
const ALL_SCOPES: [FayeTokenScope; 4] = [
    FayeTokenScope::UserOnly,
    FayeTokenScope::ChannelBound,
    FayeTokenScope::UserOnlySubscribeOrPublish,
    FayeTokenScope::ChannelBoundSubscribeOrPublish,
];

/// Whether `message` is a publication, read independently of the library's rule order:
/// an object whose `channel` is a valid Faye channel not under `/meta/`.
fn is_publication(message: &Value) -> bool {
    message
        .get("channel")
        .and_then(Value::as_str)
        .is_some_and(|c| c.parse::<FayeChannel>().is_ok() && !c.starts_with("/meta/"))
}

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
        let got = verify_faye_message(&secret, &message, FayeTokenScope::ChannelBoundSubscribeOrPublish);
        assert_eq!(got.as_ref().err(), Some(&want), "{category}: {:.200}", message.to_string());
        // The channel-bound subscribe-only scope answers the same, but for publications,
        // refused before their `ext` is read.
        let want_subscribe_only = if is_publication(&message) { FayeError::PublishNotGranted } else { want.clone() };
        let got = verify_faye_message(&secret, &message, FayeTokenScope::ChannelBound);
        assert_eq!(got.err(), Some(want_subscribe_only), "{category}: {:.200}", message.to_string());
        // The user-only scopes refuse the same messages for the same reason, but for a
        // token bound to a channel (it signs more bytes than `<user>`).
        for scope in [FayeTokenScope::UserOnly, FayeTokenScope::UserOnlySubscribeOrPublish] {
            assert!(verify_faye_message(&secret, &message, scope).is_err(), "{category} {scope:?}");
        }
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
    assert_eq!(verify_faye_message(&secret, &message, FayeTokenScope::UserOnly), Err(FayeError::PublishNotGranted));
    assert_eq!(verify_faye_message(&secret, &message, FayeTokenScope::UserOnlySubscribeOrPublish), Err(missing("ext")));
    // Escaped look-alikes decode before the check: "\/meta\/subscribe" is /meta/subscribe.
    let raw = r#"{"channel":"\/meta\/subscribe","subscription":"\/**","ext":{}}"#;
    let message: Value = serde_json::from_str(raw).unwrap();
    assert_eq!(
        verify_faye_message(&secret, &message, FayeTokenScope::UserOnly),
        Err(FayeError::Wildcard { field: "subscription" })
    );
}

/// What a scope answers for a message: the verified action and channel (the user is
/// alice), or the error.
type Verdict = Result<(FayeAction, &'static str), FayeError>;

/// Issue 19, item 4 ("Faye tokens open publishing"): alice's tokens on subscriptions
/// and publications, under each scope, in `ALL_SCOPES` order (`UserOnly`,
/// `ChannelBound`, `UserOnlySubscribeOrPublish`, `ChannelBoundSubscribeOrPublish`).
#[test]
fn tokens_grant_subscriptions_unless_the_scope_names_publishing() {
    let secret = secret();
    let bare = sign_faye_token(&secret, &"alice".parse().unwrap(), None).as_str().to_owned();
    let bound = token();
    let with = |channel: &str, token: &str| json!({ "channel": channel, "data": "hi", "ext": { "userId": "alice", "token": token } });
    let subscribe = |channel: &str, token: &str| json!({ "channel": "/meta/subscribe", "subscription": channel, "ext": { "userId": "alice", "token": token } });
    let no = || Err(FayeError::PublishNotGranted);
    let bad = || Err(FayeError::Verify(VerifyError::InvalidSignature));
    let rows: Vec<(&str, Value, [Verdict; 4])> = vec![
        (
            "subscribe, channel-bound token",
            subscribe("/chat/alice", &bound),
            [bad(), Ok((FayeAction::Subscribe, "/chat/alice")), bad(), Ok((FayeAction::Subscribe, "/chat/alice"))],
        ),
        (
            "subscribe, user-only token",
            subscribe("/chat/bob", &bare),
            [Ok((FayeAction::Subscribe, "/chat/bob")), bad(), Ok((FayeAction::Subscribe, "/chat/bob")), bad()],
        ),
        (
            "publish on its own channel, channel-bound subscribe token",
            with("/chat/alice", &bound),
            [no(), no(), bad(), Ok((FayeAction::Publish, "/chat/alice"))],
        ),
        ("publish elsewhere, channel-bound token", with("/chat/bob", &bound), [no(), no(), bad(), bad()]),
        (
            "publish anywhere, user-only token",
            with("/chat/bob", &bare),
            [no(), no(), Ok((FayeAction::Publish, "/chat/bob")), bad()],
        ),
        (
            "publish on a /service/ channel, user-only token",
            with("/service/rpc", &bare),
            [no(), no(), Ok((FayeAction::Publish, "/service/rpc")), bad()],
        ),
        ("publish, forged token", with("/chat/alice", &"0".repeat(64)), [no(), no(), bad(), bad()]),
        (
            "publish, no ext",
            json!({ "channel": "/chat/alice", "data": "hi" }),
            [no(), no(), Err(missing("ext")), Err(missing("ext"))],
        ),
        (
            "publish on a wildcard",
            with("/chat/*", &bound),
            [no(), no(), Err(FayeError::Wildcard { field: "channel" }), Err(FayeError::Wildcard { field: "channel" })],
        ),
    ];
    for (name, message, verdicts) in rows {
        for (scope, want) in ALL_SCOPES.into_iter().zip(verdicts) {
            let got = verify_faye_message(&secret, &message, scope)
                .map(|v| (v.action(), v.user().as_str().to_owned(), v.channel().as_str().to_owned()));
            let want = want.map(|(action, channel)| (action, "alice".to_owned(), channel.to_owned()));
            assert_eq!(got, want, "{name}, {scope:?}");
        }
    }
    // Under the subscribe-only scopes, every publication of the hostile table is refused
    // the same way.
    for (category, message, _) in table() {
        if is_publication(&message) {
            for scope in SUBSCRIBE_ONLY {
                assert_eq!(
                    verify_faye_message(&secret, &message, scope),
                    Err(FayeError::PublishNotGranted),
                    "{category}"
                );
            }
        }
    }
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
