//! The token ([`FayeToken`], [`sign_faye_token`], [`verify_faye_token`]) and what a
//! token endpoint parses and answers ([`faye_token_request_channel`], [`FayeGrant`]).

use super::FayeError;
use super::message::is_meta;
#[cfg(doc)]
use super::message::verify_faye_message;
use crate::error::VerifyError;
use crate::json::JsonObject;
use crate::mac::MacKey;
use crate::names::{FayeChannel, FayeUserId};
use crate::secret::AppSecret;

/// The signed bytes, as parts: `<user>` or `<user>:<channel>`.
pub(super) fn message<'a>(user: &'a str, channel: Option<&'a str>) -> [&'a [u8]; 3] {
    match channel {
        Some(channel) => [user.as_bytes(), b":", channel.as_bytes()],
        None => [user.as_bytes(), b"", b""],
    }
}

/// A Faye token: 64 lowercase hex digits.
///
/// ```
/// use channel_auth::faye::{sign_faye_token, FayeUserId};
/// use channel_auth::AppSecret;
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let user: FayeUserId = "the user ID".parse()?;
/// let token = sign_faye_token(&secret, &user, None);
/// assert_eq!(token.as_str(), "cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509");
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
///
/// A token has no `==` (as `ring::hmac::Tag` has none): comparing one with a received
/// value would leak through timing how much of a forgery is right. Check a token with
/// [`verify_faye_token`] only:
///
/// ```compile_fail
/// use channel_auth::faye::sign_faye_token;
/// use channel_auth::AppSecret;
///
/// let secret: AppSecret = "s".parse().unwrap();
/// let user = "alice".parse().unwrap();
/// let _ = sign_faye_token(&secret, &user, None) == sign_faye_token(&secret, &user, None);
/// ```
#[derive(Clone, Debug)]
pub struct FayeToken(String);

impl FayeToken {
    /// The token, to send as the message's `ext.token`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FayeToken {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Display for FayeToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Signs a Faye token for `user`, optionally bound to one `channel`.
///
/// Signs `<user>` without a channel, `<user>:<channel>` with one, and returns the lowercase
/// hex HMAC-SHA256 under the secret, as the Faye security guide does. No valid
/// [`FayeUserId`] or [`FayeChannel`] holds `:`, so the two forms never coincide: a
/// channel-less token passes no channel-bound check, and the other way round.
///
/// Sign only for the user of the current session, and only a channel that user may
/// use: the token is the application's grant.
///
/// ```
/// use channel_auth::faye::{sign_faye_token, verify_faye_token, FayeUserId};
/// use channel_auth::AppSecret;
///
/// // The guide's example, through the typed API.
/// let secret: AppSecret = "your secret key".parse()?;
/// let user: FayeUserId = "the user ID".parse()?;
/// let token = sign_faye_token(&secret, &user, None);
/// assert_eq!(token.as_str(), "cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509");
///
/// let channel = "/chat/room-1".parse()?;
/// let bound = sign_faye_token(&secret, &user, Some(&channel));
/// verify_faye_token(&secret, &user, Some(&channel), bound.as_str())?;
/// assert!(verify_faye_token(&secret, &user, None, bound.as_str()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn sign_faye_token(secret: &AppSecret, user: &FayeUserId, channel: Option<&FayeChannel>) -> FayeToken {
    let key = MacKey::new(secret.expose());
    FayeToken(key.hex_tag(&message(user.as_str(), channel.map(FayeChannel::as_str))))
}

/// Verifies a Faye token, in constant time.
///
/// Compare tokens only through this function: comparing [`sign_faye_token`]'s output
/// with `==` leaks, through timing, how much of a forged token is right.
///
/// # Errors
/// [`VerifyError::InvalidSignature`] when the token is not the one for `user` (and
/// `channel`), or is not 64 lowercase hex digits.
///
/// ```
/// use channel_auth::faye::verify_faye_token;
/// use channel_auth::{AppSecret, VerifyError};
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let user = "the user ID".parse()?;
/// let guide = "cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509";
/// verify_faye_token(&secret, &user, None, guide)?;
/// assert_eq!(verify_faye_token(&secret, &user, None, "not a token"), Err(VerifyError::InvalidSignature));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_faye_token(
    secret: &AppSecret,
    user: &FayeUserId,
    channel: Option<&FayeChannel>,
    token: &str,
) -> Result<(), VerifyError> {
    let key = MacKey::new(secret.expose());
    key.verify_hex(&message(user.as_str(), channel.map(FayeChannel::as_str)), token)
}

/// What a token endpoint answers: the user id and the token the page's client extension
/// puts in `ext.userId` and `ext.token`.
///
/// Serializes (and [`to_json`](FayeGrant::to_json)) as `{"userId":"…","token":"…"}`.
/// No `==`: it holds a token.
///
/// ```
/// use channel_auth::faye::{sign_faye_grant, FayeUserId};
/// use channel_auth::AppSecret;
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let user: FayeUserId = "the user ID".parse()?;
/// let grant = sign_faye_grant(&secret, &user, None);
/// assert_eq!(
///     grant.to_json(),
///     r#"{"userId":"the user ID","token":"cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509"}"#
/// );
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug, serde::Serialize)]
pub struct FayeGrant {
    #[serde(rename = "userId")]
    user_id: FayeUserId,
    #[serde(serialize_with = "serialize_token")]
    token: FayeToken,
}

fn serialize_token<S: serde::Serializer>(token: &FayeToken, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(token.as_str())
}

impl FayeGrant {
    /// The user the token is for.
    #[must_use]
    pub fn user_id(&self) -> &FayeUserId {
        &self.user_id
    }

    /// The token.
    #[must_use]
    pub fn token(&self) -> &FayeToken {
        &self.token
    }

    /// The compact JSON answer: `{"userId":"…","token":"…"}`, the id JSON-escaped.
    ///
    /// ```
    /// # use channel_auth::faye::sign_faye_grant;
    /// let grant = sign_faye_grant(&"s".parse()?, &"say \"hi\"".parse()?, Some(&"/a".parse()?));
    /// assert!(grant.to_json().starts_with(r#"{"userId":"say \"hi\"","token":""#));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        let (user, token) = (self.user_id.as_str(), self.token.as_str());
        JsonObject::with_capacity(32 + user.len() + user.len() / 4 + token.len())
            .string("userId", user)
            .string("token", token)
            .finish()
    }
}

/// Signs the token endpoint's answer for the session's `user`, optionally bound to one
/// `channel` (see [`sign_faye_token`]).
///
/// ```
/// use channel_auth::faye::{sign_faye_grant, verify_faye_token, FayeChannel, FayeUserId};
/// use channel_auth::AppSecret;
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let user: FayeUserId = "alice".parse()?;
/// let channel: FayeChannel = "/chat/alice".parse()?;
/// let grant = sign_faye_grant(&secret, &user, Some(&channel));
/// verify_faye_token(&secret, grant.user_id(), Some(&channel), grant.token().as_str())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn sign_faye_grant(secret: &AppSecret, user: &FayeUserId, channel: Option<&FayeChannel>) -> FayeGrant {
    FayeGrant { user_id: user.clone(), token: sign_faye_token(secret, user, channel) }
}

/// The channel of a token request: an `application/x-www-form-urlencoded` body with
/// exactly one `channel` field (other fields are ignored).
///
/// The channel must be a [`FayeChannel`], not a wildcard and not under `/meta/`:
/// [`verify_faye_message`] never accepts a token for those, so signing one would only
/// hand out something useless or dangerous.
///
/// # Errors
/// [`FayeError::MissingField`] or [`FayeError::DuplicateField`] for `channel`;
/// [`FayeError::InvalidField`] when it is not a Faye channel name;
/// [`FayeError::Wildcard`]; [`FayeError::MetaChannel`].
///
/// ```
/// use channel_auth::faye::{faye_token_request_channel, FayeError};
///
/// let channel = faye_token_request_channel(b"channel=%2Fchat%2Falice")?;
/// assert_eq!(channel.as_str(), "/chat/alice");
/// assert_eq!(faye_token_request_channel(b"channel=/**"), Err(FayeError::Wildcard { field: "channel" }));
/// # Ok::<(), FayeError>(())
/// ```
pub fn faye_token_request_channel(form_body: &[u8]) -> Result<FayeChannel, FayeError> {
    const FIELD: &str = "channel";
    let mut found = None;
    for (key, value) in form_urlencoded::parse(form_body) {
        if key == FIELD {
            if found.is_some() {
                return Err(FayeError::DuplicateField { field: FIELD });
            }
            found = Some(value);
        }
    }
    let text = found.ok_or(FayeError::MissingField { field: FIELD })?;
    let channel: FayeChannel = text.parse().map_err(|source| FayeError::InvalidField { field: FIELD, source })?;
    if is_meta(&channel) {
        return Err(FayeError::MetaChannel { field: FIELD });
    }
    if channel.is_wildcard() {
        return Err(FayeError::Wildcard { field: FIELD });
    }
    Ok(channel)
}
