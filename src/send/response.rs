//! Typed responses, and the one reader of an answer that
//! [`ApiRequest::parse`](crate::send::ApiRequest::parse) calls with its operation and
//! response type.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::send::error::{ApiError, Operation};

/// Attributes of one channel, as the server reports them (absent when not asked for).
///
/// ```
/// use channel_auth::send::ChannelAttributes;
/// let attrs: ChannelAttributes = serde_json::from_str(r#"{"user_count":2,"other":true}"#)?;
/// assert_eq!((attrs.user_count, attrs.subscription_count), (Some(2), None));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChannelAttributes {
    /// Distinct users on a presence channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_count: Option<u64>,
    /// Connections subscribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_count: Option<u64>,
}

/// The response to a trigger (and to [`send_to_user`](crate::send::Api::send_to_user)):
/// attributes of the channels published to, when `info` was asked for.
///
/// Read by the [`ApiRequest`](crate::send::ApiRequest) of a trigger (see its example).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TriggerResponse {
    /// Attributes by channel name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channels: BTreeMap<String, ChannelAttributes>,
}

/// The response to a batch: attributes per event, in order, when `info` was asked for.
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::send::{Api, ApiUrl, BatchEvent, Info};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
/// let events = [BatchEvent::new("a".parse()?, "ev".parse()?, "{}").with_info(Info::new().with_subscription_count())];
/// let request = api.trigger_batch(&events, SystemTime::now())?;
/// let answer = http::Response::new(br#"{"batch":[{"subscription_count":3}]}"#.to_vec());
/// assert_eq!(request.parse(&answer)?.batch[0].subscription_count, Some(3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchResponse {
    /// One entry per event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batch: Vec<ChannelAttributes>,
}

/// The response to `channels`: the occupied channels.
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::send::{Api, ApiUrl, ChannelsQuery};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
/// let query = ChannelsQuery::new().filter_by_prefix("presence-".parse()?).with_user_count();
/// let request = api.channels(&query, SystemTime::now())?;
/// let answer = http::Response::new(br#"{"channels":{"presence-x":{"user_count":1}}}"#.to_vec());
/// assert_eq!(request.parse(&answer)?.channels["presence-x"].user_count, Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChannelsResponse {
    /// Attributes by channel name (empty objects unless `user_count` was asked for).
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelAttributes>,
}

/// The response to `channel`: whether it is occupied, and the attributes asked for.
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::send::{Api, ApiUrl, Info};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
/// let request = api.channel(&"news".parse()?, Info::new().with_subscription_count(), SystemTime::now())?;
/// let answer = http::Response::new(br#"{"occupied":true,"subscription_count":2}"#.to_vec());
/// let channel = request.parse(&answer)?;
/// assert!(channel.occupied);
/// assert_eq!(channel.subscription_count, Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChannelResponse {
    /// Whether the channel has subscribers.
    #[serde(default)]
    pub occupied: bool,
    /// Distinct users on a presence channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_count: Option<u64>,
    /// Connections subscribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_count: Option<u64>,
    /// The cached event of a cache channel, when `cache` was asked for
    /// ([`Info::with_cache`](crate::send::Info::with_cache)) and one is cached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CachedEvent>,
}

/// The event a cache channel holds for its next subscriber (see
/// [`Info::with_cache`](crate::send::Info::with_cache) for an example).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CachedEvent {
    /// The event's name, when the server says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// What the server cached, as text: the event's data, or (sockudo) the whole
    /// Pusher message as JSON (`data`, `channel`, `event`).
    #[serde(default)]
    pub data: String,
    /// Seconds until the cached event expires, when the server says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
}

/// One member of a presence channel.
///
/// ```
/// use channel_auth::send::User;
/// let user: User = serde_json::from_str(r#"{"id":"alice"}"#)?;
/// assert_eq!(user.id, "alice");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The user id, as the server reports it.
    pub id: String,
}

/// The response to `users`: the members of a presence channel.
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::send::{Api, ApiUrl};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
/// let request = api.users(&"presence-room".parse()?, SystemTime::now())?;
/// let answer = http::Response::new(br#"{"users":[{"id":"alice"}]}"#.to_vec());
/// assert_eq!(request.parse(&answer)?.users[0].id, "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsersResponse {
    /// The members.
    #[serde(default)]
    pub users: Vec<User>,
}

/// The response to `terminate_user_connections`: nothing but success (`{}`).
///
/// Read by the [`ApiRequest`](crate::send::ApiRequest) of
/// [`Api::terminate_user_connections`](crate::send::Api::terminate_user_connections).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TerminateResponse {}

/// The error body fields servers use.
#[derive(Deserialize)]
struct ErrorFields {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
}

pub(super) fn parse_response<T: serde::de::DeserializeOwned>(
    operation: Operation,
    response: &http::Response<Vec<u8>>,
) -> Result<T, ApiError> {
    let status = response.status().as_u16();
    let body = response.body().as_slice();
    if response.status().is_redirection() {
        return Err(ApiError::Redirected { operation, status });
    }
    if response.status() == http::StatusCode::TOO_MANY_REQUESTS {
        return Err(ApiError::RateLimited { operation, retry_after: retry_after(response.headers()) });
    }
    // JSON is UTF-8: a body that is not is no JSON at all (serde_json would skip an
    // unknown field's bad bytes, and so read a `code` from an invalid document).
    let text = core::str::from_utf8(body).ok();
    let fields = text.map_or(Ok(None), error_fields);
    if !response.status().is_success() {
        let message = fields
            .as_ref()
            .ok()
            .and_then(Option::as_ref)
            .and_then(json_message)
            .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
        return Err(ApiError::Refused { operation, status, message: cut(message.trim()) });
    }
    // A success whose error fields are ambiguous (`{"code":200,"code":404}`: is it a
    // refusal?) is not taken as a success.
    let fields = fields.map_err(|reason| ApiError::InvalidResponse { operation, status, reason })?;
    if let Some(code) = fields.as_ref().and_then(|f| f.code.as_ref()).and_then(refusal_code) {
        if code == 429 {
            return Err(ApiError::RateLimited { operation, retry_after: retry_after(response.headers()) });
        }
        let message = fields.as_ref().and_then(json_message).unwrap_or_default();
        return Err(ApiError::Refused { operation, status: code, message: cut(&message) });
    }
    let Some(text) = text else {
        return Err(ApiError::InvalidResponse { operation, status, reason: "body is not UTF-8".to_owned() });
    };
    let text = if text.trim().is_empty() { "{}" } else { text };
    if !object_shaped(text) {
        return Err(ApiError::InvalidResponse { operation, status, reason: "body is not a JSON object".to_owned() });
    }
    serde_json::from_str(text).map_err(|e| ApiError::InvalidResponse {
        operation,
        status,
        reason: format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()),
    })
}

/// The status a 2xx body's `code` says, when any JSON reader takes it for 400 or more:
/// a number (`404`, `404.0`, `4e2`), a string JavaScript's `Number()` reads as one
/// (`"404"`, `" 404 "`, `"0x194"`), or a one-element array of those (JavaScript compares
/// `[404] >= 400` as true). Fractions are cut (`404.5` is 404); more than 65535 is 65535.
fn refusal_code(code: &serde_json::Value) -> Option<u16> {
    let number = js_number(code, 0)?;
    // NaN compares false: not a refusal, as in JavaScript and Python.
    if number >= 400.0 {
        // In range after the clamp, so the cast neither wraps nor saturates oddly.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let code = number.min(f64::from(u16::MAX)) as u16;
        Some(code)
    } else {
        None
    }
}

/// JavaScript's numeric reading of a JSON value, for the values a server could mean as
/// a code (objects and `null` are not codes). `depth` bounds the array unwrapping.
fn js_number(value: &serde_json::Value, depth: u8) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => js_string_number(s),
        serde_json::Value::Bool(b) => Some(f64::from(u8::from(*b))),
        serde_json::Value::Array(items) if depth < 8 => match items.as_slice() {
            [only] => js_number(only, depth + 1),
            _ => None,
        },
        _ => None,
    }
}

/// `Number(s)` for the strings that matter: trimmed decimal (Rust's float syntax reads
/// a superset: `inf`, `nan`, which only makes a refusal more likely) or `0x`/`0o`/`0b`.
fn js_string_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let radix = |prefix: [&str; 2], radix: u32| {
        prefix.iter().find_map(|p| s.strip_prefix(p)).and_then(|digits| u64::from_str_radix(digits, radix).ok())
    };
    #[allow(clippy::cast_precision_loss)] // a code's magnitude is all that matters
    let int =
        radix(["0x", "0X"], 16).or_else(|| radix(["0o", "0O"], 8)).or_else(|| radix(["0b", "0B"], 2)).map(|n| n as f64);
    int.or_else(|| s.parse::<f64>().ok())
}

/// `Retry-After`: delay-seconds, or an HTTP date measured from the response's own `Date`
/// header (the server's clock: parsing reads no clock of ours); `None` when absent,
/// unreadable, or a date without a `Date` to measure it from.
fn retry_after(headers: &http::HeaderMap) -> Option<core::time::Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds: the longest wait there is.
        return Some(core::time::Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let until = http_date(value)?;
    let now = http_date(headers.get(http::header::DATE)?.to_str().ok()?.trim())?;
    Some(core::time::Duration::from_secs(until.saturating_sub(now)))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, the form RFC 9110 says to send) as
/// seconds since 1970.
fn http_date(text: &str) -> Option<u64> {
    let rest = text.get(5..)?; // "Sun, "
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| *m == month_name)?;
    let year: u64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1970..=9999).contains(&year) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), years from March.
    let month = month as u64 + 1;
    let (y, mp) = if month > 2 { (year, month - 3) } else { (year - 1, month + 9) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
}

/// Whether `text` can only be a JSON object: `{` first, after JSON whitespace. Every
/// response of the HTTP API is one; serde's derive would also read an array, field by
/// field.
fn object_shaped(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{')
}

/// The error fields of a JSON object body; `Ok(None)` for any other body (an array is
/// not read by position) or one that is not JSON; `Err` when the object names `code`,
/// `error` or `message` twice, which JSON parsers disagree on (first or last wins).
fn error_fields(text: &str) -> Result<Option<ErrorFields>, String> {
    if !object_shaped(text) {
        return Ok(None);
    }
    match serde_json::from_str(text) {
        Ok(fields) => Ok(Some(fields)),
        // Every field takes any JSON value, so the only data error is a duplicate.
        Err(e) if e.classify() == serde_json::error::Category::Data => Err(format!(
            "an error field (code, error or message) appears twice (line {} column {})",
            e.line(),
            e.column()
        )),
        Err(_) => Ok(None),
    }
}

fn json_message(fields: &ErrorFields) -> Option<String> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    fields.error.as_ref().or(fields.message.as_ref()).map(text)
}

/// At most [`ApiError::MAX_MESSAGE_LEN`] characters, `…` when cut.
fn cut(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars.by_ref().take(ApiError::MAX_MESSAGE_LEN).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_trigger(r: &http::Response<Vec<u8>>) -> Result<TriggerResponse, ApiError> {
        parse_response(Operation::Trigger, r)
    }
    fn parse_channels(r: &http::Response<Vec<u8>>) -> Result<ChannelsResponse, ApiError> {
        parse_response(Operation::Channels, r)
    }
    fn parse_channel(r: &http::Response<Vec<u8>>) -> Result<ChannelResponse, ApiError> {
        parse_response(Operation::Channel, r)
    }
    fn parse_users(r: &http::Response<Vec<u8>>) -> Result<UsersResponse, ApiError> {
        parse_response(Operation::Users, r)
    }

    fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn soketi_200_with_code_is_refused() {
        let err = parse_trigger(&response(200, r#"{"error":"The app does not exist","code":404}"#)).unwrap_err();
        assert_eq!(
            err,
            ApiError::Refused { operation: Operation::Trigger, status: 404, message: "The app does not exist".into() }
        );
    }

    #[test]
    fn ambiguous_error_fields_are_not_a_success() {
        // Found by the send_responses fuzz target: a duplicate `code` read as a success.
        for body in
            [r#"{"error":"x","code":4,"code":404}"#, r#"{"code":404,"code":200}"#, r#"{"message":"a","message":"b"}"#]
        {
            let err = parse_trigger(&response(200, body)).unwrap_err();
            assert!(matches!(err, ApiError::InvalidResponse { status: 200, .. }), "{body}: {err:?}");
            assert!(err.to_string().contains("appears twice"), "{err}");
        }
        // A refusal stays a refusal, whatever its body.
        let err = parse_trigger(&response(404, r#"{"code":404,"code":404}"#)).unwrap_err();
        assert!(matches!(err, ApiError::Refused { status: 404, .. }));
        // An array is not read as fields by position, as error fields or as a response.
        for body in ["[404]", "[]", " [{}]", "\"x\"", "7", "null"] {
            let err = parse_trigger(&response(200, body)).unwrap_err();
            assert!(matches!(err, ApiError::InvalidResponse { .. }), "{body}: {err:?}");
        }
        assert!(parse_channels(&response(200, "[]")).is_err());
        // Duplicates of fields nobody reads are still ignored, as unknown fields are.
        assert!(parse_trigger(&response(200, r#"{"x":1,"x":2}"#)).is_ok());
    }

    #[test]
    fn every_reading_of_a_refusal_code_is_a_refusal() {
        for (code, status) in [
            ("404", 404),
            ("404.0", 404),
            ("4e2", 400),
            ("4.04e2", 404),
            ("\"404\"", 404),
            ("\" 404 \"", 404),
            ("\"0x194\"", 404),
            ("[404]", 404),
            ("[\"500\"]", 500),
            ("1e9", u16::MAX),
            ("404.9", 404),
        ] {
            let body = format!(r#"{{"code":{code},"error":"no"}}"#);
            let err = parse_trigger(&response(200, &body)).unwrap_err();
            assert_eq!(
                err,
                ApiError::Refused { operation: Operation::Trigger, status, message: "no".into() },
                "{body}"
            );
        }
        for code in ["200", "399.9", "\"ok\"", "null", "{}", "[]", "[404,404]", "true", "\"\"", "-404"] {
            let body = format!(r#"{{"code":{code}}}"#);
            assert!(parse_trigger(&response(200, &body)).is_ok(), "{body}");
        }
    }

    #[test]
    fn rate_limits_are_typed_whichever_way_they_are_said() {
        let limited = |retry_after| ApiError::RateLimited { operation: Operation::Trigger, retry_after };
        assert_eq!(parse_trigger(&response(429, "Too Many Requests")).unwrap_err(), limited(None));
        // soketi: HTTP 200 with a JSON code.
        assert_eq!(parse_trigger(&response(200, r#"{"error":"rate","code":429}"#)).unwrap_err(), limited(None));
        assert_eq!(parse_trigger(&response(200, r#"{"code":"429"}"#)).unwrap_err(), limited(None));
        let with = |headers: &[(&str, &str)]| {
            let mut builder = http::Response::builder().status(429);
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            parse_trigger(&builder.body(Vec::new()).unwrap()).unwrap_err()
        };
        let secs = |s| limited(Some(core::time::Duration::from_secs(s)));
        assert_eq!(with(&[("retry-after", "7")]), secs(7));
        assert_eq!(with(&[("retry-after", "99999999999999999999999")]), secs(u64::MAX));
        let date = [("date", "Sun, 06 Dec 2026 19:00:00 GMT"), ("retry-after", "Sun, 06 Dec 2026 19:01:30 GMT")];
        assert_eq!(with(&date), secs(90));
        let past = [("date", "Sun, 06 Dec 2026 19:00:00 GMT"), ("retry-after", "Sat, 05 Dec 2026 19:00:00 GMT")];
        assert_eq!(with(&past), secs(0));
        // A date with no Date to measure from, or unreadable: no hint.
        assert_eq!(with(&[("retry-after", "Sun, 06 Dec 2026 19:01:30 GMT")]), limited(None));
        assert_eq!(with(&[("retry-after", "soon")]), limited(None));
        assert_eq!(with(&[("retry-after", "-3")]), limited(None));
        assert_eq!(with(&[("date", "x"), ("retry-after", "Sun, 06 Dec 2026 19:01:30 GMT")]), limited(None));
    }

    #[test]
    fn http_dates_are_read_exactly() {
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(http_date("Tue, 29 Feb 2000 12:00:00 GMT"), Some(951_825_600));
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT x",
            "Sunday, 06-Nov-94 08:49:37 GMT",
        ] {
            assert_eq!(http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_redirect_is_never_an_answer() {
        for status in [301, 302, 303, 307, 308] {
            let err = parse_trigger(&response(status, "{}")).unwrap_err();
            assert_eq!(err, ApiError::Redirected { operation: Operation::Trigger, status });
        }
    }

    #[test]
    fn code_below_400_is_not_an_error() {
        assert!(parse_trigger(&response(200, r#"{"code":200}"#)).is_ok());
    }

    #[test]
    fn refusal_message_is_cut_and_escaped() {
        let long = format!("bad\n{}", "x".repeat(1000));
        let err = parse_channels(&response(400, &long)).unwrap_err();
        assert_eq!(err.message().chars().count(), ApiError::MAX_MESSAGE_LEN + 1);
        let shown = err.to_string();
        assert!(shown.contains("bad\\n"), "{shown}");
        assert!(!shown.contains('\n'));
    }

    #[test]
    fn json_error_field_is_the_message() {
        let err = parse_users(&response(401, r#"{"error":"Invalid signature"}"#)).unwrap_err();
        assert_eq!(err.message(), "Invalid signature");
    }

    #[test]
    fn non_json_success_is_invalid_response() {
        let err = parse_channel(&response(200, "<html>")).unwrap_err();
        assert!(matches!(err, ApiError::InvalidResponse { status: 200, .. }));
        assert!(!err.to_string().contains("html"));
    }

    #[test]
    fn empty_and_unknown_fields_accepted() {
        assert_eq!(parse_trigger(&response(200, "")).unwrap(), TriggerResponse::default());
        assert_eq!(parse_users(&response(200, r#"{"users":[{"id":"a","x":1}],"y":2}"#)).unwrap().users.len(), 1);
        assert_eq!(parse_channel(&response(200, "{}")).unwrap(), ChannelResponse::default());
    }

    #[test]
    fn a_body_that_is_not_utf8_is_not_json() {
        let body = b"{\"x\":\"\xa0\",\"code\":405}".to_vec();
        let err = parse_trigger(&http::Response::builder().status(200).body(body).unwrap()).unwrap_err();
        assert!(matches!(err, ApiError::InvalidResponse { status: 200, .. }), "{err:?}");
    }

    #[test]
    fn wrong_types_are_invalid() {
        assert!(parse_users(&response(200, r#"{"users":"alice"}"#)).is_err());
        assert!(parse_channels(&response(200, r#"{"channels":[]}"#)).is_err());
        assert!(parse_channel(&response(200, r#"{"user_count":-1}"#)).is_err());
    }
}
