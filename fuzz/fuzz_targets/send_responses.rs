//! Every response parser of `channel_auth::send` on arbitrary status and body: never
//! panics; a status outside 2xx is always `ApiError::Refused` with that status; a 2xx
//! JSON object whose `code` is a number of 400 or more is `Refused` with that code (as
//! soketi answers), unless it names `code`, `error` or `message` twice (then it is
//! `InvalidResponse`); only an empty body or a JSON object parses as a success; a server
//! message is never longer than the cut; and whatever parses
//! re-serializes to JSON that parses back to the same value.
//!
//! Input: two bytes of status (taken modulo 500, plus 100), then the body.

#![no_main]

use channel_auth::send::{
    ApiError, parse_channel, parse_channels, parse_send_to_user, parse_terminate_user_connections, parse_trigger,
    parse_trigger_batch, parse_users,
};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What the body says about a refusal, read independently of the library.
fn soketi_code(body: &[u8]) -> Option<u64> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map.get("code").and_then(Value::as_u64).filter(|c| *c >= 400),
        _ => None,
    }
}

/// The top-level keys of a JSON object, in order, duplicates kept.
struct TopKeys(Vec<String>);

impl<'de> serde::Deserialize<'de> for TopKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TopKeys;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<TopKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(TopKeys(keys))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// Whether the body is a JSON object naming an error field (`code`, `error`,
/// `message`) twice: ambiguous, so never a success.
fn ambiguous(body: &[u8]) -> bool {
    let Ok(TopKeys(keys)) = serde_json::from_slice::<TopKeys>(body) else { return false };
    ["code", "error", "message"].iter().any(|name| keys.iter().filter(|k| k == name).count() > 1)
}

fn check<T: Serialize + DeserializeOwned + PartialEq + core::fmt::Debug>(
    status: u16,
    body: &[u8],
    result: Result<T, ApiError>,
) {
    let success = (200..300).contains(&status);
    match result {
        Ok(value) => {
            assert!(success, "a {status} parsed as success");
            assert!(soketi_code(body).is_none(), "a JSON code >= 400 parsed as success");
            assert!(!ambiguous(body), "a duplicate error field parsed as success");
            let text = std::str::from_utf8(body).expect("parsed, so UTF-8").trim();
            assert!(text.is_empty() || text.starts_with('{'), "a body that is not a JSON object parsed as success");
            let json = serde_json::to_string(&value).expect("serializes");
            let back: T = serde_json::from_str(&json).expect("parses back");
            assert_eq!(back, value);
        }
        Err(err) => {
            assert!(err.message().chars().count() <= ApiError::MAX_MESSAGE_LEN + 1);
            let shown = err.to_string();
            assert!(!shown.contains('\n') && !shown.contains('\r'), "Display must escape: {shown:?}");
            if !success {
                assert!(matches!(err, ApiError::Refused { .. }));
                assert_eq!(err.status(), status);
            } else if ambiguous(body) {
                assert!(matches!(err, ApiError::InvalidResponse { .. }), "{err:?}");
            } else if let Some(code) = soketi_code(body) {
                assert!(matches!(err, ApiError::Refused { .. }));
                assert_eq!(u64::from(err.status()), code.min(u64::from(u16::MAX)));
            } else {
                assert!(matches!(err, ApiError::InvalidResponse { .. }));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(2));
    let raw = head.iter().fold(0u16, |acc, b| acc.wrapping_mul(256).wrapping_add(u16::from(*b)));
    let status = 100 + raw % 500;
    let Ok(response) = http::Response::builder().status(status).body(body.to_vec()) else { return };
    check(status, body, parse_trigger(&response));
    check(status, body, parse_trigger_batch(&response));
    check(status, body, parse_channels(&response));
    check(status, body, parse_channel(&response));
    check(status, body, parse_users(&response));
    check(status, body, parse_terminate_user_connections(&response));
    check(status, body, parse_send_to_user(&response));
});
