use super::token::message;
use super::*;
use crate::error::{InvalidInput, VerifyError};
use crate::mac::MacKey;
use crate::names::{FayeChannel, FayeUserId};
use crate::secret::AppSecret;
use serde_json::{Value, json};

const GUIDE_SECRET: &str = "your secret key";
const GUIDE_USER: &str = "the user ID";
const GUIDE_TOKEN: &str = "cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509";

fn secret() -> AppSecret {
    GUIDE_SECRET.parse().unwrap()
}

fn user(s: &str) -> FayeUserId {
    s.parse().unwrap()
}

fn chan(s: &str) -> FayeChannel {
    s.parse().unwrap()
}

/// The Faye security guide's example, HMAC("your secret key", "the user ID"),
/// through the typed API.
#[test]
fn faye_guide_vector() {
    let key = MacKey::new(GUIDE_SECRET.as_bytes());
    assert_eq!(key.hex_tag(&message(GUIDE_USER, None)), GUIDE_TOKEN);
    let token = sign_faye_token(&secret(), &user(GUIDE_USER), None);
    assert_eq!(token.as_str(), GUIDE_TOKEN);
    assert_eq!(verify_faye_token(&secret(), &user(GUIDE_USER), None, GUIDE_TOKEN), Ok(()));
}

#[test]
fn channel_is_joined_with_a_colon() {
    let key = MacKey::new(b"k");
    assert_eq!(key.hex_tag(&message("u", Some("/c"))), key.hex_tag(&[b"u:/c"]));
    assert_eq!(key.hex_tag(&message("u", None)), key.hex_tag(&[b"u"]));
}

#[test]
fn sign_and_verify() {
    let secret = secret();
    let alice = user("alice");
    let chat = chan("/chat/1");
    let other = chan("/chat/2");
    let bare = sign_faye_token(&secret, &alice, None);
    let bound = sign_faye_token(&secret, &alice, Some(&chat));
    assert_eq!(bare.as_str(), MacKey::new(b"your secret key").hex_tag(&[b"alice"]));
    assert_eq!(bound.as_str(), MacKey::new(b"your secret key").hex_tag(&[b"alice:/chat/1"]));
    assert_eq!(verify_faye_token(&secret, &alice, None, bare.as_str()), Ok(()));
    assert_eq!(verify_faye_token(&secret, &alice, Some(&chat), bound.as_str()), Ok(()));
    let invalid = Err(VerifyError::InvalidSignature);
    assert_eq!(verify_faye_token(&secret, &alice, Some(&chat), bare.as_str()), invalid);
    assert_eq!(verify_faye_token(&secret, &alice, None, bound.as_str()), invalid);
    assert_eq!(verify_faye_token(&secret, &alice, Some(&other), bound.as_str()), invalid);
    assert_eq!(verify_faye_token(&secret, &user("bob"), None, bare.as_str()), invalid);
    assert_eq!(verify_faye_token(&"other".parse().unwrap(), &alice, None, bare.as_str()), invalid);
    for junk in ["", "0", &bare.as_str().to_uppercase(), &format!("{bare} "), &bare.as_str()[..63]] {
        assert_eq!(verify_faye_token(&secret, &alice, None, junk), invalid, "{junk:?}");
    }
}

#[test]
fn token_text_is_the_same_every_way() {
    let token = sign_faye_token(&secret(), &user("alice"), None);
    assert_eq!(token.as_str().len(), 64);
    assert_eq!(token.as_ref(), token.as_str());
    assert_eq!(token.to_string(), token.as_str());
}

#[test]
fn grant_json() {
    let grant = sign_faye_grant(&secret(), &user(GUIDE_USER), None);
    let want = format!(r#"{{"userId":"the user ID","token":"{GUIDE_TOKEN}"}}"#);
    assert_eq!(grant.to_json(), want);
    assert_eq!(serde_json::to_string(&grant).unwrap(), want);
    let odd = sign_faye_grant(&secret(), &user("q\"\\ \u{e9}"), Some(&chan("/a")));
    let parsed: Value = serde_json::from_str(&odd.to_json()).unwrap();
    assert_eq!(parsed["userId"], "q\"\\ \u{e9}");
    assert_eq!(parsed["token"], odd.token().as_str());
    assert_eq!(odd.to_json(), serde_json::to_string(&odd).unwrap());
}

#[test]
fn token_request_channel() {
    assert_eq!(faye_token_request_channel(b"channel=/chat/alice").unwrap(), chan("/chat/alice"));
    assert_eq!(faye_token_request_channel(b"x=1&channel=%2Fa&y").unwrap(), chan("/a"));
    assert_eq!(faye_token_request_channel(b""), Err(FayeError::MissingField { field: "channel" }));
    assert_eq!(faye_token_request_channel(b"Channel=/a"), Err(FayeError::MissingField { field: "channel" }));
    assert_eq!(
        faye_token_request_channel(b"channel=/a&channel=/b"),
        Err(FayeError::DuplicateField { field: "channel" })
    );
    assert_eq!(faye_token_request_channel(b"channel=/a/*"), Err(FayeError::Wildcard { field: "channel" }));
    assert_eq!(
        faye_token_request_channel(b"channel=/meta/subscribe"),
        Err(FayeError::MetaChannel { field: "channel" })
    );
    assert!(matches!(
        faye_token_request_channel(b"channel=/a%3Ab"),
        Err(FayeError::InvalidField { field: "channel", source: InvalidInput::InvalidChar { found: ':', .. } })
    ));
    assert!(matches!(
        faye_token_request_channel(b"channel=%FF"),
        Err(FayeError::InvalidField { field: "channel", .. })
    ));
}

fn subscribe(subscription: Value, ext: Value) -> Value {
    json!({ "channel": "/meta/subscribe", "clientId": "c1", "subscription": subscription, "ext": ext })
}

#[test]
fn verifies_subscribe_and_publish() {
    let secret = secret();
    let bound = sign_faye_token(&secret, &user("alice"), Some(&chan("/chat/alice")));
    let bare = sign_faye_token(&secret, &user("alice"), None);
    let msg = subscribe(json!("/chat/alice"), json!({ "userId": "alice", "token": bound.as_str() }));
    let got = verify_faye_message(&secret, &msg, FayeTokenScope::ChannelBound).unwrap();
    assert_eq!(
        got,
        VerifiedFayeMessage { action: FayeAction::Subscribe, user: user("alice"), channel: chan("/chat/alice") }
    );
    let invalid = Err(FayeError::Verify(VerifyError::InvalidSignature));
    assert_eq!(verify_faye_message(&secret, &msg, FayeTokenScope::UserOnly), invalid);
    let msg = subscribe(json!("/chat/alice"), json!({ "userId": "alice", "token": bare.as_str() }));
    assert_eq!(verify_faye_message(&secret, &msg, FayeTokenScope::UserOnly).unwrap().channel(), &chan("/chat/alice"));
    assert_eq!(verify_faye_message(&secret, &msg, FayeTokenScope::ChannelBound), invalid);

    // The publishing scopes verify the same subscriptions as the subscribe-only ones.
    assert_eq!(
        verify_faye_message(&secret, &msg, FayeTokenScope::UserOnlySubscribeOrPublish).unwrap().channel(),
        &chan("/chat/alice")
    );
    assert_eq!(verify_faye_message(&secret, &msg, FayeTokenScope::ChannelBoundSubscribeOrPublish), invalid);
    let msg = subscribe(json!("/chat/alice"), json!({ "userId": "alice", "token": bound.as_str() }));
    assert_eq!(
        verify_faye_message(&secret, &msg, FayeTokenScope::ChannelBoundSubscribeOrPublish).unwrap().action(),
        FayeAction::Subscribe
    );
    assert_eq!(verify_faye_message(&secret, &msg, FayeTokenScope::UserOnlySubscribeOrPublish), invalid);

    let publish = json!({ "channel": "/chat/alice", "data": 1, "ext": { "userId": "alice", "token": bound.as_str() } });
    let got = verify_faye_message(&secret, &publish, FayeTokenScope::ChannelBoundSubscribeOrPublish).unwrap();
    assert_eq!(
        got,
        VerifiedFayeMessage { action: FayeAction::Publish, user: user("alice"), channel: chan("/chat/alice") }
    );
    let service = json!({ "channel": "/service/x", "ext": { "userId": "alice", "token": bare.as_str() } });
    assert_eq!(
        verify_faye_message(&secret, &service, FayeTokenScope::UserOnlySubscribeOrPublish).unwrap().action(),
        FayeAction::Publish
    );
    let other_user = subscribe(json!("/chat/alice"), json!({ "userId": "bob", "token": bound.as_str() }));
    assert_eq!(verify_faye_message(&secret, &other_user, FayeTokenScope::ChannelBound), invalid);
}

const SUBSCRIBE_ONLY: [FayeTokenScope; 2] = [FayeTokenScope::UserOnly, FayeTokenScope::ChannelBound];

/// Issue 19, item 4: a token issued to subscribe to `/chat/alice` verified a publish
/// on `/chat/alice`, and a user-only token a publish anywhere.
#[test]
fn subscribe_only_scopes_refuse_every_publish() {
    let secret = secret();
    let bound = sign_faye_token(&secret, &user("alice"), Some(&chan("/chat/alice")));
    let bare = sign_faye_token(&secret, &user("alice"), None);
    let publish = |channel: &str, token: &str| json!({ "channel": channel, "data": "hi", "ext": { "userId": "alice", "token": token } });
    let refused = Err(FayeError::PublishNotGranted);

    // The channel-bound subscribe token, on its own channel.
    let on_own = publish("/chat/alice", bound.as_str());
    for scope in SUBSCRIBE_ONLY {
        assert_eq!(verify_faye_message(&secret, &on_own, scope), refused, "{scope:?}");
    }
    assert_eq!(
        verify_faye_message(&secret, &on_own, FayeTokenScope::ChannelBoundSubscribeOrPublish),
        Ok(VerifiedFayeMessage { action: FayeAction::Publish, user: user("alice"), channel: chan("/chat/alice") })
    );
    // Publishing elsewhere with it is a token that does not verify.
    assert_eq!(
        verify_faye_message(
            &secret,
            &publish("/chat/bob", bound.as_str()),
            FayeTokenScope::ChannelBoundSubscribeOrPublish
        ),
        Err(FayeError::Verify(VerifyError::InvalidSignature))
    );

    // The user-only token, on any channel: /service/ channels count as publishes.
    for channel in ["/chat/alice", "/chat/bob", "/admin", "/service/x", "/a/b/c/d"] {
        let message = publish(channel, bare.as_str());
        for scope in SUBSCRIBE_ONLY {
            assert_eq!(verify_faye_message(&secret, &message, scope), refused, "{channel} {scope:?}");
        }
        let got = verify_faye_message(&secret, &message, FayeTokenScope::UserOnlySubscribeOrPublish).unwrap();
        assert_eq!((got.action(), got.channel()), (FayeAction::Publish, &chan(channel)));
    }
}

/// The refusal comes before `ext` is read: it does not depend on the token.
#[test]
fn publish_not_granted_whatever_the_token() {
    let secret = secret();
    let bound = sign_faye_token(&secret, &user("alice"), Some(&chan("/chat/alice")));
    let messages = [
        json!({ "channel": "/chat/alice", "ext": { "userId": "alice", "token": bound.as_str() } }),
        json!({ "channel": "/chat/alice", "ext": { "userId": "alice", "token": "0".repeat(64) } }),
        json!({ "channel": "/chat/alice", "ext": { "userId": "alice", "token": "not a token" } }),
        json!({ "channel": "/chat/alice", "ext": { "userId": "alice" } }),
        json!({ "channel": "/chat/alice", "ext": { "userId": "al:ice", "token": 7 } }),
        json!({ "channel": "/chat/alice", "ext": "alice" }),
        json!({ "channel": "/chat/alice" }),
        json!({ "channel": "/chat/*", "ext": { "userId": "alice", "token": bound.as_str() } }),
        json!({ "channel": "/service/**" }),
    ];
    for message in &messages {
        for scope in SUBSCRIBE_ONLY {
            assert_eq!(verify_faye_message(&secret, message, scope), Err(FayeError::PublishNotGranted), "{message}");
        }
        for scope in [FayeTokenScope::UserOnlySubscribeOrPublish, FayeTokenScope::ChannelBoundSubscribeOrPublish] {
            assert_ne!(verify_faye_message(&secret, message, scope), Err(FayeError::PublishNotGranted), "{message}");
        }
    }
    // What comes before the rule still answers first: a bad channel, a meta channel.
    let meta = json!({ "channel": "/meta/connect" });
    assert_eq!(
        verify_faye_message(&secret, &meta, FayeTokenScope::ChannelBound),
        Err(FayeError::MetaChannel { field: "channel" })
    );
    assert!(matches!(
        verify_faye_message(&secret, &json!({ "channel": "chat" }), FayeTokenScope::UserOnly),
        Err(FayeError::InvalidField { field: "channel", .. })
    ));
    let text = FayeError::PublishNotGranted.to_string();
    assert_eq!(text, "faye message: publishing is not granted by a subscribe-only token scope");
    assert_eq!(crate::Error::from(FayeError::PublishNotGranted).to_string(), text);
}

#[test]
fn hostile_messages_are_typed_errors() {
    let secret = secret();
    let token = sign_faye_token(&secret, &user("alice"), Some(&chan("/a")));
    let ext = json!({ "userId": "alice", "token": token.as_str() });
    let missing = |field| Err(FayeError::MissingField { field });
    let wrong = |field, expected| Err(FayeError::WrongType { field, expected });
    let check = |msg: Value, want: Result<VerifiedFayeMessage, FayeError>| {
        assert_eq!(verify_faye_message(&secret, &msg, FayeTokenScope::ChannelBound), want, "{msg}");
    };
    check(json!([]), Err(FayeError::NotAnObject));
    check(json!("x"), Err(FayeError::NotAnObject));
    check(json!({}), missing("channel"));
    check(json!({ "channel": null }), missing("channel"));
    check(json!({ "channel": 7 }), wrong("channel", "a string"));
    check(json!({ "channel": ["/a"] }), wrong("channel", "one channel name (not an array)"));
    check(json!({ "channel": "/meta/subscribe" }), missing("subscription"));
    check(subscribe(json!(["/a", "/b"]), ext.clone()), wrong("subscription", "one channel name (not an array)"));
    check(subscribe(json!({ "a": 1 }), ext.clone()), wrong("subscription", "a string"));
    check(subscribe(json!("/**"), ext.clone()), Err(FayeError::Wildcard { field: "subscription" }));
    check(subscribe(json!("/a/*"), ext.clone()), Err(FayeError::Wildcard { field: "subscription" }));
    check(subscribe(json!("/meta/connect"), ext.clone()), Err(FayeError::MetaChannel { field: "subscription" }));
    check(json!({ "channel": "/meta/connect", "ext": ext }), Err(FayeError::MetaChannel { field: "channel" }));
    check(
        json!({ "channel": "/meta/subscribe/x", "subscription": "/a", "ext": ext }),
        Err(FayeError::MetaChannel { field: "channel" }),
    );
    // A wildcard publication: not granted here; a wildcard under a publishing scope.
    check(json!({ "channel": "/a/**", "ext": ext }), Err(FayeError::PublishNotGranted));
    assert_eq!(
        verify_faye_message(
            &secret,
            &json!({ "channel": "/a/**", "ext": ext }),
            FayeTokenScope::ChannelBoundSubscribeOrPublish
        ),
        Err(FayeError::Wildcard { field: "channel" })
    );
    check(subscribe(json!("/a"), Value::Null), missing("ext"));
    check(json!({ "channel": "/meta/subscribe", "subscription": "/a" }), missing("ext"));
    check(subscribe(json!("/a"), json!("alice")), wrong("ext", "an object"));
    check(subscribe(json!("/a"), json!([ext])), wrong("ext", "an object"));
    check(subscribe(json!("/a"), json!({ "token": token.as_str() })), missing("ext.userId"));
    check(subscribe(json!("/a"), json!({ "userId": 18787, "token": token.as_str() })), wrong("ext.userId", "a string"));
    check(subscribe(json!("/a"), json!({ "userId": "alice" })), missing("ext.token"));
    check(subscribe(json!("/a"), json!({ "userId": "alice", "token": 1 })), wrong("ext.token", "a string"));
    check(
        subscribe(json!("/a"), json!({ "userId": "alice", "token": [token.as_str()] })),
        wrong("ext.token", "a string"),
    );
    let huge = "a".repeat(1 << 20);
    assert!(matches!(
        verify_faye_message(
            &secret,
            &subscribe(json!("/a"), json!({ "userId": huge, "token": token.as_str() })),
            FayeTokenScope::UserOnly
        ),
        Err(FayeError::InvalidField { field: "ext.userId", source: InvalidInput::TooLong { len: 1_048_576, .. } })
    ));
    assert!(matches!(
        verify_faye_message(&secret, &subscribe(json!(format!("/{huge}")), ext.clone()), FayeTokenScope::UserOnly),
        Err(FayeError::InvalidField { field: "subscription", source: InvalidInput::TooLong { .. } })
    ));
    check(
        subscribe(json!("/a"), json!({ "userId": "alice", "token": huge })),
        Err(FayeError::Verify(VerifyError::InvalidSignature)),
    );
    check(
        subscribe(json!("/a"), json!({ "userId": "al:ice", "token": token.as_str() })),
        Err(FayeError::InvalidField {
            field: "ext.userId",
            source: InvalidInput::InvalidChar { kind: crate::InputKind::FayeUserId, position: 2, found: ':' },
        }),
    );
    check(
        subscribe(json!("/a"), ext),
        Ok(VerifiedFayeMessage { action: FayeAction::Subscribe, user: user("alice"), channel: chan("/a") }),
    );
}

#[test]
fn strip_rule() {
    let mut m = json!({ "channel": "/a", "ext": { "userId": "u", "token": "t", "TOKEN": "t", "password": "p",
        "AuthToken": "x", "authtoken": "y", "tokens": "kept", "to\u{212a}en": "kept (non-ASCII K)" } });
    assert_eq!(strip_faye_credentials(&mut m), 5);
    assert_eq!(
        m,
        json!({ "channel": "/a", "ext": { "userId": "u", "tokens": "kept", "to\u{212a}en": "kept (non-ASCII K)" } })
    );
    assert_eq!(strip_faye_credentials(&mut m), 0);
    for odd in [json!("token=abc"), json!(null), json!(1), json!(["t"])] {
        let mut m = json!({ "channel": "/a", "ext": odd });
        assert_eq!(strip_faye_credentials(&mut m), 1);
        assert_eq!(m, json!({ "channel": "/a" }));
    }
    let mut batch = json!([{ "ext": { "token": "a" } }, 3, { "ext": { "password": "b", "k": 1 } }, [{ "ext": { "token": "nested" } }]]);
    assert_eq!(strip_faye_credentials(&mut batch), 2);
    assert_eq!(batch, json!([{ "ext": {} }, 3, { "ext": { "k": 1 } }, [{ "ext": { "token": "nested" } }]]));
    let mut plain = json!("token");
    assert_eq!(strip_faye_credentials(&mut plain), 0);
    let mut data_only = json!({ "data": { "ext": { "token": "payload" } } });
    assert_eq!(strip_faye_credentials(&mut data_only), 0);
}

#[test]
fn password() {
    let pw: AppSecret = "some long and unguessable application-specific string".parse().unwrap();
    let msg = |ext: Value| json!({ "channel": "/foo", "ext": ext });
    assert_eq!(
        verify_faye_password(&pw, &msg(json!({ "password": "some long and unguessable application-specific string" }))),
        Ok(())
    );
    assert_eq!(verify_faye_password(&pw, &msg(json!({ "password": "some long" }))), Err(FayeError::WrongPassword));
    assert_eq!(verify_faye_password(&pw, &msg(json!({ "password": "" }))), Err(FayeError::WrongPassword));
    assert_eq!(verify_faye_password(&pw, &msg(json!({}))), Err(FayeError::MissingField { field: "ext.password" }));
    assert_eq!(
        verify_faye_password(&pw, &msg(json!({ "password": 5 }))),
        Err(FayeError::WrongType { field: "ext.password", expected: "a string" })
    );
    assert_eq!(verify_faye_password(&pw, &json!({ "channel": "/foo" })), Err(FayeError::MissingField { field: "ext" }));
    assert_eq!(verify_faye_password(&pw, &json!(["x"])), Err(FayeError::NotAnObject));
    let err = verify_faye_password(&pw, &msg(json!({ "password": "guess" }))).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("unguessable"));
}
