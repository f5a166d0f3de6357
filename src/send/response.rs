//! Typed responses, one parser per operation.
//!
//! Every parser takes the whole `http::Response<Vec<u8>>`: a status outside 2xx, or a
//! 2xx JSON body with a `code` of 400 or more (soketi's way), is an
//! [`ApiError::Refused`]; a 2xx body that is not the operation's JSON is an
//! [`ApiError::InvalidResponse`]. Unknown fields are ignored and `{}` is accepted.

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
/// ```
/// use channel_auth::send::parse_trigger;
/// let response = http::Response::builder().status(200).body(b"{}".to_vec())?;
/// assert!(parse_trigger(&response)?.channels.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
/// use channel_auth::send::parse_trigger_batch;
/// let response = http::Response::builder().status(200).body(br#"{"batch":[{"subscription_count":3}]}"#.to_vec())?;
/// assert_eq!(parse_trigger_batch(&response)?.batch[0].subscription_count, Some(3));
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
/// use channel_auth::send::parse_channels;
/// let body = br#"{"channels":{"presence-x":{"user_count":1}}}"#.to_vec();
/// let response = http::Response::builder().status(200).body(body)?;
/// assert_eq!(parse_channels(&response)?.channels["presence-x"].user_count, Some(1));
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
/// use channel_auth::send::parse_channel;
/// let response = http::Response::builder().status(200).body(br#"{"occupied":true,"subscription_count":2}"#.to_vec())?;
/// let channel = parse_channel(&response)?;
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
/// use channel_auth::send::parse_users;
/// let response = http::Response::builder().status(200).body(br#"{"users":[{"id":"alice"}]}"#.to_vec())?;
/// assert_eq!(parse_users(&response)?.users[0].id, "alice");
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
/// ```
/// use channel_auth::send::parse_terminate_user_connections;
/// let response = http::Response::builder().status(200).body(b"{}".to_vec())?;
/// assert!(parse_terminate_user_connections(&response).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TerminateResponse {}

/// Parses the response to [`Api::trigger`](crate::send::Api::trigger).
///
/// # Errors
/// [`ApiError`] for a refusal or an unreadable body.
///
/// ```
/// use channel_auth::send::parse_trigger;
/// let response = http::Response::builder().status(200).body(br#"{"channels":{"presence-a":{"user_count":1}}}"#.to_vec())?;
/// assert_eq!(parse_trigger(&response)?.channels["presence-a"].user_count, Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_trigger(response: &http::Response<Vec<u8>>) -> Result<TriggerResponse, ApiError> {
    parse(Operation::Trigger, response)
}

/// Parses the response to [`Api::trigger_batch`](crate::send::Api::trigger_batch).
///
/// # Errors
/// [`ApiError`] for a refusal or an unreadable body.
///
/// ```
/// use channel_auth::send::parse_trigger_batch;
/// let response = http::Response::builder().status(413).body(b"batch too large".to_vec())?;
/// assert_eq!(parse_trigger_batch(&response).unwrap_err().status(), 413);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_trigger_batch(response: &http::Response<Vec<u8>>) -> Result<BatchResponse, ApiError> {
    parse(Operation::TriggerBatch, response)
}

/// Parses the response to [`Api::channels`](crate::send::Api::channels).
///
/// # Errors
/// [`ApiError`] for a refusal or an unreadable body.
///
/// ```
/// use channel_auth::send::parse_channels;
/// let response = http::Response::builder().status(200).body(b"{}".to_vec())?;
/// assert!(parse_channels(&response)?.channels.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_channels(response: &http::Response<Vec<u8>>) -> Result<ChannelsResponse, ApiError> {
    parse(Operation::Channels, response)
}

/// Parses the response to [`Api::channel`](crate::send::Api::channel).
///
/// # Errors
/// [`ApiError`] for a refusal or an unreadable body.
///
/// ```
/// use channel_auth::send::parse_channel;
/// let response = http::Response::builder().status(200).body(b"not json".to_vec())?;
/// assert!(parse_channel(&response).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_channel(response: &http::Response<Vec<u8>>) -> Result<ChannelResponse, ApiError> {
    parse(Operation::Channel, response)
}

/// Parses the response to [`Api::users`](crate::send::Api::users).
///
/// # Errors
/// [`ApiError`] for a refusal or an unreadable body.
///
/// ```
/// use channel_auth::send::parse_users;
/// let response = http::Response::builder().status(200).body(br#"{"users":[]}"#.to_vec())?;
/// assert!(parse_users(&response)?.users.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_users(response: &http::Response<Vec<u8>>) -> Result<UsersResponse, ApiError> {
    parse(Operation::Users, response)
}

/// Parses the response to
/// [`Api::terminate_user_connections`](crate::send::Api::terminate_user_connections).
///
/// # Errors
/// [`ApiError`] for a refusal or an unreadable body.
///
/// ```
/// use channel_auth::send::parse_terminate_user_connections;
/// let response = http::Response::builder().status(404).body(Vec::new())?;
/// assert!(parse_terminate_user_connections(&response).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_terminate_user_connections(response: &http::Response<Vec<u8>>) -> Result<TerminateResponse, ApiError> {
    parse(Operation::TerminateUserConnections, response)
}

/// Parses the response to [`Api::send_to_user`](crate::send::Api::send_to_user).
///
/// # Errors
/// [`ApiError`] for a refusal or an unreadable body.
///
/// ```
/// use channel_auth::send::{parse_send_to_user, Operation};
/// let response = http::Response::builder().status(500).body(Vec::new())?;
/// assert_eq!(parse_send_to_user(&response).unwrap_err().operation(), Operation::SendToUser);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_send_to_user(response: &http::Response<Vec<u8>>) -> Result<TriggerResponse, ApiError> {
    parse(Operation::SendToUser, response)
}

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

fn parse<T: serde::de::DeserializeOwned>(
    operation: Operation,
    response: &http::Response<Vec<u8>>,
) -> Result<T, ApiError> {
    let status = response.status().as_u16();
    let body = response.body().as_slice();
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
    if let Some(code) = fields.as_ref().and_then(|f| f.code.as_ref()).and_then(serde_json::Value::as_u64)
        && code >= 400
    {
        let message = fields.as_ref().and_then(json_message).unwrap_or_default();
        let status = u16::try_from(code).unwrap_or(u16::MAX);
        return Err(ApiError::Refused { operation, status, message: cut(&message) });
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
