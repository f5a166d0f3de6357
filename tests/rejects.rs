//! Hostile input, by category: every entry is refused by `FromStr`, `TryFrom<&str>`,
//! `TryFrom<String>` and serde alike, with the same error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use channel_auth::faye::{FayeChannel, FayeUserId};
use channel_auth::{AppId, AppKey, AppSecret, ChannelName, EventName, InvalidInput, SocketId, UserId};
use serde::de::DeserializeOwned;
use serde_json::Value;

const REJECTS: &str = include_str!("data/rejects.json");

/// Our own additions, by category. Each applies to every name type.
const HOSTILE: &[(&str, &[&str])] = &[
    ("control characters", &["a\0b", "a\rb", "a\tb", "a\x0bb", "a\x0cb", "a\x1bb", "a\x7fb", "\u{85}"]),
    ("separators", &["a:b", "a&b", "a=b:c", "a b", "a/b", "a?b", "a#b", "a\"b", "a\\b", "a%b"]),
    ("percent-encoded separators", &["1.1%3Aprivate-b", "a%0Ab", "a%26b", "a%3Db", "%00"]),
    ("unicode digits", &["\u{0661}.\u{0661}", "\u{ff11}.\u{ff11}", "\u{0966}.1", "1.\u{1d7ce}"]),
    ("look-alike letters", &["priv\u{0430}te-a", "\u{0440}rivate-a", "\u{ff50}rivate-a", "private\u{2010}a"]),
    ("zero-width and invisible", &["\u{200b}", "a\u{200b}b", "a\u{200d}b", "a\u{feff}", "a\u{2060}b", "a\u{00ad}b"]),
    ("line and paragraph separators", &["a\u{2028}b", "a\u{2029}b"]),
    ("whitespace around", &[" 1.1", "1.1 ", "\n1.1", "1.1\r\n"]),
];

/// Event names: any printable text is allowed (`:`, spaces, any script), so only these
/// categories apply; `pusher:` is matched case-sensitively, as servers do.
const HOSTILE_EVENT_NAMES: &[(&str, &[&str])] = &[
    ("C0 controls", &["a\0b", "a\rb", "a\nb", "a\tb", "a\x0bb", "a\x0cb", "a\x1b[31m", "\x01", "event\r\n"]),
    ("DEL and C1 controls", &["a\x7fb", "\u{85}", "a\u{80}", "a\u{9f}b", "\u{9b}31m"]),
    (
        "the protocol's own prefixes",
        &[
            "pusher:",
            "pusher:subscribe",
            "pusher:signin",
            "pusher:error",
            "pusher_internal:",
            "pusher_internal:subscription_succeeded",
            "pusher_internal:member_added",
        ],
    ),
    ("empty", &[""]),
];

fn check<T>(input: &str, what: &str)
where
    T: core::str::FromStr<Err = InvalidInput>
        + for<'a> TryFrom<&'a str, Error = InvalidInput>
        + TryFrom<String, Error = InvalidInput>
        + DeserializeOwned
        + core::fmt::Debug,
{
    let err = match input.parse::<T>() {
        Ok(v) => panic!("{what}: {input:?} was accepted as {v:?}"),
        Err(e) => e,
    };
    assert_eq!(T::try_from(input).unwrap_err(), err, "{what}: {input:?}");
    assert_eq!(T::try_from(input.to_owned()).unwrap_err(), err, "{what}: {input:?}");
    let json = serde_json::to_string(input).unwrap();
    let serde_err = serde_json::from_str::<T>(&json).unwrap_err();
    assert!(serde_err.to_string().starts_with(&err.to_string()), "{what}: {input:?}: {serde_err}");
    // The message quotes at most one character of the input, escaped: it stays short
    // and on one line whatever the input.
    let message = err.to_string();
    assert!(message.len() < 100 && !message.contains('\n') && !message.contains('\r'), "{what}: {message:?}");
}

fn published(category: &str) -> Vec<String> {
    let all: Value = serde_json::from_str(REJECTS).unwrap();
    let list: Vec<String> = all[category].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    assert!(!list.is_empty());
    list
}

#[test]
fn published_rejects() {
    for input in published("socket_id") {
        check::<SocketId>(&input, "socket_id");
    }
    for input in published("channel_name") {
        check::<ChannelName>(&input, "channel_name");
    }
    for input in published("app_key") {
        check::<AppKey>(&input, "app_key");
    }
    for input in published("app_id") {
        check::<AppId>(&input, "app_id");
    }
    for input in published("user_id") {
        check::<UserId>(&input, "user_id");
    }
    for input in published("app_secret") {
        assert!(input.parse::<AppSecret>().is_err());
        assert!(AppSecret::try_from(input.clone()).is_err());
        assert!(serde_json::from_value::<AppSecret>(Value::String(input)).is_err());
    }
}

#[test]
fn hostile_table() {
    for (category, inputs) in HOSTILE {
        for input in *inputs {
            check::<SocketId>(input, category);
            check::<ChannelName>(input, category);
            check::<UserId>(input, category);
            check::<AppKey>(input, category);
            check::<AppId>(input, category);
            check::<FayeChannel>(input, category);
            // A Faye user id is wider (spaces, '/', non-ASCII allowed): it refuses only
            // ':' and control characters (C0, DEL, C1).
            if input.chars().any(|c| c == ':' || c.is_control()) {
                check::<FayeUserId>(input, category);
            } else {
                assert_eq!(input.parse::<FayeUserId>().unwrap().as_str(), *input, "{category}");
            }
            // Inside a Faye channel, after its leading '/' ("/a/b" is the one legal
            // two-segment name among them).
            if *input != "a/b" {
                check::<FayeChannel>(&format!("/{input}"), category);
            }
        }
    }
}

#[test]
fn hostile_event_names() {
    for (category, inputs) in HOSTILE_EVENT_NAMES {
        for input in *inputs {
            check::<EventName>(input, category);
        }
    }
    for input in HOSTILE.iter().find(|(c, _)| *c == "control characters").unwrap().1 {
        check::<EventName>(input, "control characters");
    }
    // What the other names refuse but an event name may hold.
    for ok in ["a:b", "a b", "a/b", "a\"b", "Pusher:subscribe", "PUSHER_INTERNAL:x", "client-\u{200b}", "\u{2028}"] {
        assert_eq!(ok.parse::<EventName>().unwrap().as_str(), ok);
    }
}

#[test]
fn over_long() {
    let long = |n: usize| "1".repeat(n);
    check::<SocketId>(&format!("{}.1", long(21)), "socket part over 20 digits");
    check::<SocketId>(&format!("{}.{}", long(20), long(21)), "socket part over 20 digits");
    check::<SocketId>(&long(100_000), "huge");
    check::<ChannelName>(&"a".repeat(201), "channel over 200");
    check::<UserId>(&"a".repeat(129), "user over 128");
    check::<AppKey>(&"a".repeat(65), "key over 64");
    check::<AppId>(&"a".repeat(65), "id over 64");
    check::<FayeChannel>(&format!("/{}", "a".repeat(1024)), "faye channel over 1024");
    check::<FayeChannel>(&"/a".repeat(100_000), "huge faye channel");
    check::<EventName>(&"e".repeat(201), "event over 200");
    check::<EventName>(&"\u{e9}".repeat(101), "event over 200 bytes in 101 characters");
    check::<EventName>(&"e".repeat(100_000), "huge event");
    check::<FayeUserId>(&"a".repeat(1025), "faye user over 1024");
    check::<FayeUserId>(&"\u{e9}".repeat(513), "faye user over 1024 bytes (513 two-byte characters)");
    check::<FayeUserId>(&":".repeat(100_000), "huge faye user");
    assert!("s".repeat(1025).parse::<AppSecret>().is_err());
}

#[test]
fn errors_escape_what_they_quote() {
    let err = "1.1\u{202e}".parse::<SocketId>().unwrap_err();
    assert_eq!(err.to_string(), "socket id has a forbidden character '\\u{202e}' at byte 3");
    let err = "private-\x1b[31m".parse::<ChannelName>().unwrap_err();
    assert_eq!(err.to_string(), "channel name has a forbidden character '\\u{1b}' at byte 8");
}

#[test]
fn serde_accepts_valid_and_rejects_non_strings() {
    let id: SocketId = serde_json::from_str(r#""1.1""#).unwrap();
    assert_eq!(id.as_str(), "1.1");
    assert!(serde_json::from_str::<SocketId>("1.1").is_err());
    assert!(serde_json::from_str::<ChannelName>("null").is_err());
    assert!(serde_json::from_str::<ChannelName>(r#"["private-a"]"#).is_err());
}
