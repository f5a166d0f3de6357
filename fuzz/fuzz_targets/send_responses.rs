//! `ApiRequest::parse` of every operation on arbitrary status and body: never panics; a
//! 3xx is always `ApiError::Redirected` and a 429 `RateLimited`; any other status
//! outside 2xx is `Refused` with that status; a 2xx JSON object whose `code` a JSON
//! reader (JavaScript's `Number()`, Python's `float()`) takes for 400 or more is
//! `Refused` with that code, or `RateLimited` for 429 (as soketi answers), unless it
//! names `code`, `error` or `message` twice (then it is `InvalidResponse`); only an
//! empty body or a JSON object parses as a success; a server message is never longer
//! than the cut; and whatever parses re-serializes to JSON that parses back to the same
//! value.
//!
//! Input: two bytes of status (taken modulo 500, plus 100), then the body.

#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use channel_auth::Credentials;
use channel_auth::send::{
    Api, ApiError, ApiRequest, ApiUrl, BatchEvent, BatchResponse, ChannelResponse, ChannelsQuery, ChannelsResponse,
    Info, TerminateResponse, Trigger, TriggerResponse, UsersResponse,
};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A number as JavaScript's `Number()` or Python's `float()` would read `value`,
/// written independently of the library: numbers, numeric strings (trimmed; `0x`/`0o`/
/// `0b` integers as JavaScript reads them), booleans, and a one-element array of those
/// (JavaScript compares `[404] >= 400` through `"404"`).
fn numeric_readings(value: &Value, out: &mut Vec<f64>, depth: u32) {
    match value {
        Value::Number(n) => out.extend(n.as_f64()),
        Value::Bool(b) => out.push(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => {
            let t = s.trim();
            out.extend(t.parse::<f64>().ok());
            for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
                if let Some(digits) = t.strip_prefix(prefix) {
                    out.extend(u64::from_str_radix(digits, radix).ok().map(|n| n as f64));
                }
            }
        }
        Value::Array(items) if items.len() == 1 && depth < 8 => numeric_readings(&items[0], out, depth + 1),
        _ => {}
    }
}

/// The refusal the body's `code` says to some JSON reader, read independently of the
/// library: the first reading of 400 or more, as a status (cut to 65535).
fn soketi_code(body: &[u8]) -> Option<u64> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else { return None };
    let mut readings = Vec::new();
    numeric_readings(map.get("code")?, &mut readings, 0);
    readings.into_iter().find(|n| *n >= 400.0).map(|n| n.min(65535.0).floor() as u64)
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
            if (300..400).contains(&status) {
                assert!(matches!(err, ApiError::Redirected { status: s, .. } if s == status), "{err:?}");
            } else if status == 429 {
                assert!(matches!(err, ApiError::RateLimited { .. }), "{err:?}");
            } else if !success {
                assert!(matches!(err, ApiError::Refused { .. }));
                assert_eq!(err.status(), status);
            } else if ambiguous(body) {
                assert!(matches!(err, ApiError::InvalidResponse { .. }), "{err:?}");
            } else if let Some(code) = soketi_code(body) {
                if code == 429 {
                    assert!(matches!(err, ApiError::RateLimited { .. }), "{err:?}");
                } else {
                    assert!(matches!(err, ApiError::Refused { .. }), "{err:?}");
                    assert_eq!(u64::from(err.status()), code);
                }
            } else {
                assert!(matches!(err, ApiError::InvalidResponse { .. }));
            }
        }
    }
}

/// One request of every operation, built once.
struct Requests {
    trigger: ApiRequest<TriggerResponse>,
    batch: ApiRequest<BatchResponse>,
    channels: ApiRequest<ChannelsResponse>,
    channel: ApiRequest<ChannelResponse>,
    users: ApiRequest<UsersResponse>,
    terminate: ApiRequest<TerminateResponse>,
    send_to_user: ApiRequest<TriggerResponse>,
}

fn requests() -> &'static Requests {
    static REQUESTS: OnceLock<Requests> = OnceLock::new();
    REQUESTS.get_or_init(|| {
        let creds =
            Credentials::new("key".parse().unwrap(), "secret".parse().unwrap()).with_app_id("1".parse().unwrap());
        let api = Api::new(creds, ApiUrl::cluster("eu").unwrap()).unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let channel = "presence-a".parse().unwrap();
        Requests {
            trigger: api.trigger(&Trigger::new("e".parse().unwrap(), "d", [channel]), at).unwrap(),
            batch: api.trigger_batch(&[BatchEvent::new("a".parse().unwrap(), "e".parse().unwrap(), "d")], at).unwrap(),
            channels: api.channels(&ChannelsQuery::new(), at).unwrap(),
            channel: api.channel(&"a".parse().unwrap(), Info::new(), at).unwrap(),
            users: api.users(&"presence-a".parse().unwrap(), at).unwrap(),
            terminate: api.terminate_user_connections(&"u".parse().unwrap(), at).unwrap(),
            send_to_user: api.send_to_user(&"u".parse().unwrap(), &"e".parse().unwrap(), "d", at).unwrap(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(2));
    let raw = head.iter().fold(0u16, |acc, b| acc.wrapping_mul(256).wrapping_add(u16::from(*b)));
    let status = 100 + raw % 500;
    let Ok(response) = http::Response::builder().status(status).body(body.to_vec()) else { return };
    let r = requests();
    check(status, body, r.trigger.parse(&response));
    check(status, body, r.batch.parse(&response));
    check(status, body, r.channels.parse(&response));
    check(status, body, r.channel.parse(&response));
    check(status, body, r.users.parse(&response));
    check(status, body, r.terminate.parse(&response));
    check(status, body, r.send_to_user.parse(&response));
});
