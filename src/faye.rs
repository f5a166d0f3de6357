//! Faye tokens and Bayeux message helpers: the Faye security guide's method, whole.
//!
//! The guide (faye.jcoglan.com, "Security") has the application sign a token for the
//! session's user, optionally bound to one channel; the page's client extension puts
//! `ext.userId` and `ext.token` in its `/meta/subscribe` messages; a server extension
//! checks them; an outgoing extension deletes credentials before a message is
//! forwarded; a push-only server checks a password in `ext.password`.
//!
//! - [`sign_faye_token`] / [`verify_faye_token`]: the token. String to sign: `<user_id>`
//!   alone, or `<user_id>:<channel>`. No valid [`FayeUserId`] or [`FayeChannel`] contains
//!   `:`, so the two forms never coincide and every signed string splits back into its
//!   parts one way only. The token is the lowercase hex HMAC-SHA256 of those bytes under
//!   the secret.
//! - [`sign_faye_grant`] and [`faye_token_request_channel`]: what a token endpoint parses
//!   and answers (`{"userId": …, "token": …}`).
//! - [`verify_faye_message`]: the server extension's check, on a `serde_json::Value`. A
//!   token grants a subscription only, unless the server's [`FayeTokenScope`] names
//!   publishing too (`…SubscribeOrPublish`).
//! - [`strip_faye_credentials`]: the outgoing extension's deletion.
//! - [`verify_faye_password`]: the push-only server's password check, in constant time.

use serde_json::{Map, Value};

use crate::error::{FayeError, VerifyError};
use crate::mac::{secret_eq, MacKey};
use crate::names::{FayeChannel, FayeUserId};
use crate::secret::AppSecret;

/// The signed bytes, as parts: `<user>` or `<user>:<channel>`.
fn message<'a>(user: &'a str, channel: Option<&'a str>) -> [&'a [u8]; 3] {
    match channel {
        Some(channel) => [user.as_bytes(), b":", channel.as_bytes()],
        None => [user.as_bytes(), b"", b""],
    }
}

/// A Faye token: 64 lowercase hex digits.
///
/// ```
/// use channel_auth::{sign_faye_token, AppSecret, FayeUserId};
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
/// use channel_auth::{sign_faye_token, AppSecret};
///
/// let secret: AppSecret = "s".parse().unwrap();
/// let user = "alice".parse().unwrap();
/// let _ = sign_faye_token(&secret, &user, None) == sign_faye_token(&secret, &user, None);
/// ```
#[derive(Clone, Debug)]
pub struct FayeToken(String);

impl FayeToken {
    /// The token, to send as the message's `ext.token`.
    ///
    /// ```
    /// # use channel_auth::{sign_faye_token, AppSecret};
    /// let token = sign_faye_token(&"s".parse()?, &"alice".parse()?, Some(&"/chat/1".parse()?));
    /// assert!(token.as_str().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
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
/// use channel_auth::{sign_faye_token, verify_faye_token, AppSecret, FayeUserId};
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
/// use channel_auth::{verify_faye_token, AppSecret, VerifyError};
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
/// use channel_auth::{sign_faye_grant, AppSecret, FayeUserId};
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
    ///
    /// ```
    /// # use channel_auth::sign_faye_grant;
    /// let grant = sign_faye_grant(&"s".parse()?, &"alice".parse()?, None);
    /// assert_eq!(grant.user_id().as_str(), "alice");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn user_id(&self) -> &FayeUserId {
        &self.user_id
    }

    /// The token.
    ///
    /// ```
    /// # use channel_auth::{sign_faye_grant, sign_faye_token};
    /// let grant = sign_faye_grant(&"s".parse()?, &"alice".parse()?, None);
    /// assert_eq!(grant.token().as_str(), sign_faye_token(&"s".parse()?, &"alice".parse()?, None).as_str());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn token(&self) -> &FayeToken {
        &self.token
    }

    /// The compact JSON answer: `{"userId":"…","token":"…"}`, the id JSON-escaped.
    ///
    /// ```
    /// # use channel_auth::sign_faye_grant;
    /// let grant = sign_faye_grant(&"s".parse()?, &"say \"hi\"".parse()?, Some(&"/a".parse()?));
    /// assert!(grant.to_json().starts_with(r#"{"userId":"say \"hi\"","token":""#));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        let user = Value::String(self.user_id.as_str().to_owned());
        format!(r#"{{"userId":{user},"token":"{}"}}"#, self.token.as_str())
    }
}

/// Signs the token endpoint's answer for the session's `user`, optionally bound to one
/// `channel` (see [`sign_faye_token`]).
///
/// ```
/// use channel_auth::{sign_faye_grant, verify_faye_token, AppSecret, FayeChannel, FayeUserId};
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
/// use channel_auth::{faye_token_request_channel, FayeError};
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

/// What a token is bound to, and what it grants, as the application chose when it
/// signed its tokens: the scope [`verify_faye_message`] checks a message under.
///
/// Two forms, the Faye security guide's: a token signs `<user>` alone (`UserOnly…`) or
/// `<user>:<channel>` (`ChannelBound…`). And two grants:
///
/// - **subscribe only, the default** ([`UserOnly`](Self::UserOnly),
///   [`ChannelBound`](Self::ChannelBound)): a token authorizes `/meta/subscribe`
///   messages only. Every publication (a message on a channel not under `/meta/`,
///   `/service/` channels included) is [`FayeError::PublishNotGranted`], whatever its
///   token, so a token signed for a page to subscribe with never lets it publish. This
///   is the guide's method: its server extension checks tokens on subscriptions, and
///   publishing stays with the application's server (the push-only password,
///   [`verify_faye_password`]).
/// - **subscribe or publish** ([`UserOnlySubscribeOrPublish`](Self::UserOnlySubscribeOrPublish),
///   [`ChannelBoundSubscribeOrPublish`](Self::ChannelBoundSubscribeOrPublish)): the
///   server lets the clients holding tokens publish as well, an explicit choice. A
///   channel-bound token then publishes on its one channel; a user-only token proves
///   the user on any channel, and the caller decides with
///   [`VerifiedFayeMessage::action`] and [`VerifiedFayeMessage::channel`].
///
/// ```
/// use channel_auth::{sign_faye_token, verify_faye_message, AppSecret, FayeError, FayeTokenScope};
/// use serde_json::json;
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let token = sign_faye_token(&secret, &"alice".parse()?, Some(&"/chat/alice".parse()?));
/// let publish = json!({
///     "channel": "/chat/alice", "data": { "text": "hi" },
///     "ext": { "userId": "alice", "token": token.as_str() },
/// });
/// // The default grants subscriptions only: alice's token does not publish...
/// assert_eq!(
///     verify_faye_message(&secret, &publish, FayeTokenScope::ChannelBound),
///     Err(FayeError::PublishNotGranted)
/// );
/// // ...unless the server says its tokens publish too.
/// verify_faye_message(&secret, &publish, FayeTokenScope::ChannelBoundSubscribeOrPublish)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FayeTokenScope {
    /// The token signs `<user>` only (the guide's first form) and grants subscriptions
    /// only: it proves who the user is, and the caller decides which channels that user
    /// may subscribe to with [`VerifiedFayeMessage::channel`]. Publications are
    /// [`FayeError::PublishNotGranted`].
    UserOnly,
    /// The token signs `<user>:<channel>` (the guide's second form): the application's
    /// grant of a subscription to that one channel, and of nothing else. Publications
    /// are [`FayeError::PublishNotGranted`].
    ChannelBound,
    /// As [`UserOnly`](Self::UserOnly), and the token also authorizes publications, on
    /// any channel: the caller decides whether the user may publish on
    /// [`VerifiedFayeMessage::channel`] (check [`VerifiedFayeMessage::action`]).
    UserOnlySubscribeOrPublish,
    /// As [`ChannelBound`](Self::ChannelBound), and the token also authorizes
    /// publications on its one channel.
    ChannelBoundSubscribeOrPublish,
}

impl FayeTokenScope {
    /// Whether the token signs `<user>:<channel>` rather than `<user>` alone.
    const fn is_channel_bound(self) -> bool {
        matches!(self, Self::ChannelBound | Self::ChannelBoundSubscribeOrPublish)
    }

    /// Whether the token authorizes publications as well as subscriptions.
    const fn grants_publish(self) -> bool {
        matches!(self, Self::UserOnlySubscribeOrPublish | Self::ChannelBoundSubscribeOrPublish)
    }
}

/// Whether an incoming message subscribes or publishes.
///
/// ```
/// use channel_auth::FayeAction;
///
/// assert_ne!(FayeAction::Subscribe, FayeAction::Publish);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FayeAction {
    /// A `/meta/subscribe` message; the channel is its `subscription`.
    Subscribe,
    /// A message on a non-`/meta/` channel (including `/service/` channels); the
    /// channel is its `channel`. Verified only under a `…SubscribeOrPublish`
    /// [`FayeTokenScope`].
    Publish,
}

/// An incoming message whose token verified: who, what, and on which channel.
///
/// ```
/// use channel_auth::{sign_faye_token, verify_faye_message, AppSecret, FayeAction, FayeTokenScope};
/// use serde_json::json;
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let token = sign_faye_token(&secret, &"alice".parse()?, Some(&"/chat/alice".parse()?));
/// let message = json!({
///     "channel": "/meta/subscribe", "clientId": "abc", "subscription": "/chat/alice",
///     "ext": { "userId": "alice", "token": token.as_str() },
/// });
/// let verified = verify_faye_message(&secret, &message, FayeTokenScope::ChannelBound)?;
/// assert_eq!(verified.action(), FayeAction::Subscribe);
/// assert_eq!(verified.user().as_str(), "alice");
/// assert_eq!(verified.channel().as_str(), "/chat/alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedFayeMessage {
    action: FayeAction,
    user: FayeUserId,
    channel: FayeChannel,
}

impl VerifiedFayeMessage {
    /// Subscribe or publish (publish only under a `…SubscribeOrPublish`
    /// [`FayeTokenScope`]).
    ///
    /// ```
    /// # use channel_auth::{sign_faye_token, verify_faye_message, FayeAction, FayeTokenScope};
    /// # let secret = "s".parse()?;
    /// let token = sign_faye_token(&secret, &"bob".parse()?, None);
    /// let message = serde_json::json!({
    ///     "channel": "/chat/bob", "data": "hi", "ext": { "userId": "bob", "token": token.as_str() },
    /// });
    /// // This server lets its user-only tokens publish too (the default does not).
    /// let verified = verify_faye_message(&secret, &message, FayeTokenScope::UserOnlySubscribeOrPublish)?;
    /// assert_eq!(verified.action(), FayeAction::Publish);
    /// // A user-only token proves the user, not the channel: this server's rule is that
    /// // a user publishes on `/chat/<own id>` only.
    /// assert_eq!(verified.channel().as_str(), format!("/chat/{}", verified.user()));
    /// assert!(verify_faye_message(&secret, &message, FayeTokenScope::UserOnly).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn action(&self) -> FayeAction {
        self.action
    }

    /// The user the token was verified for.
    ///
    /// ```
    /// # use channel_auth::{sign_faye_token, verify_faye_message, FayeTokenScope};
    /// # let secret = "s".parse()?;
    /// let token = sign_faye_token(&secret, &"the user ID".parse()?, None);
    /// let message = serde_json::json!({
    ///     "channel": "/meta/subscribe", "subscription": "/news",
    ///     "ext": { "userId": "the user ID", "token": token.as_str() },
    /// });
    /// let verified = verify_faye_message(&secret, &message, FayeTokenScope::UserOnly)?;
    /// assert_eq!(verified.user().as_str(), "the user ID");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn user(&self) -> &FayeUserId {
        &self.user
    }

    /// The channel subscribed to or published on (never a wildcard, never `/meta/`).
    ///
    /// ```
    /// # use channel_auth::{sign_faye_token, verify_faye_message, FayeTokenScope};
    /// # let secret = "s".parse()?;
    /// let token = sign_faye_token(&secret, &"u".parse()?, None);
    /// let message = serde_json::json!({
    ///     "channel": "/meta/subscribe", "subscription": "/news",
    ///     "ext": { "userId": "u", "token": token.as_str() },
    /// });
    /// let verified = verify_faye_message(&secret, &message, FayeTokenScope::UserOnly)?;
    /// assert_eq!(verified.channel().as_str(), "/news");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn channel(&self) -> &FayeChannel {
        &self.channel
    }
}

/// The Bayeux channel of the subscribe message.
const META_SUBSCRIBE: &str = "/meta/subscribe";

/// Whether a channel is a Bayeux meta channel (`/meta/` and anything under it).
fn is_meta(channel: &FayeChannel) -> bool {
    channel.as_str().starts_with("/meta/")
}

/// The string at `object[key]`: missing (absent or `null`) and non-strings are errors.
fn string_field<'a>(object: &'a Map<String, Value>, key: &str, field: &'static str) -> Result<&'a str, FayeError> {
    match object.get(key) {
        None | Some(Value::Null) => Err(FayeError::MissingField { field }),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(FayeError::WrongType { field, expected: "a string" }),
    }
}

/// The `ext` object of a message.
fn ext_object(message: &Map<String, Value>) -> Result<&Map<String, Value>, FayeError> {
    match message.get("ext") {
        None | Some(Value::Null) => Err(FayeError::MissingField { field: "ext" }),
        Some(Value::Object(ext)) => Ok(ext),
        Some(_) => Err(FayeError::WrongType { field: "ext", expected: "an object" }),
    }
}

/// A channel field, parsed.
fn channel_field(object: &Map<String, Value>, key: &str, field: &'static str) -> Result<FayeChannel, FayeError> {
    match object.get(key) {
        None | Some(Value::Null) => Err(FayeError::MissingField { field }),
        Some(Value::String(s)) => s.parse().map_err(|source| FayeError::InvalidField { field, source }),
        Some(Value::Array(_)) => Err(FayeError::WrongType { field, expected: "one channel name (not an array)" }),
        Some(_) => Err(FayeError::WrongType { field, expected: "a string" }),
    }
}

/// The server extension's check of an incoming `/meta/subscribe` or publish message:
/// reads the channel and `ext.userId`/`ext.token`, and verifies the token for that user
/// (and, with a `ChannelBound…` scope, that channel).
///
/// A token grants subscriptions only under [`FayeTokenScope::UserOnly`] and
/// [`FayeTokenScope::ChannelBound`], the guide's two forms: a publish message is then
/// refused, whatever its token. Only a `…SubscribeOrPublish` scope, the server's
/// explicit choice, lets a token publish (see [`FayeTokenScope`]).
///
/// The rules, in order (the first that fails is the error):
/// 1. the message is a JSON object whose `channel` is a string and a [`FayeChannel`];
/// 2. `channel` is exactly `/meta/subscribe`: the channel is `subscription`, a single
///    string (Faye's server also takes an array there; one channel per message is
///    required here, as Faye's client sends) that is a [`FayeChannel`], not under
///    `/meta/`; or `channel` is not under `/meta/`: a publication, whose channel is
///    `channel`. Any other `/meta/` channel (`/meta/connect`, `/meta/subscribe/x`) is
///    [`FayeError::MetaChannel`]: let the server handle it, unchecked, only when it is
///    one of Bayeux's own meta channels;
/// 3. a publication is granted by the scope: under a subscribe-only scope it is
///    [`FayeError::PublishNotGranted`], before `ext` is read, so whether its token
///    would verify makes no difference;
/// 4. the channel is not a wildcard;
/// 5. `ext` is an object, `ext.userId` a string that is a [`FayeUserId`] (a number such
///    as the guide's `18787` must be sent as the string `"18787"`), `ext.token` a
///    string;
/// 6. the token verifies, in constant time.
///
/// Wildcard subscriptions (`/foo/*`, `/**`) receive every matching channel's messages;
/// the guide warns to protect them. They are refused here: to allow one, check it
/// yourself and verify its token with [`verify_faye_token`].
///
/// A `Ok` answer proves the user; with a `UserOnly…` scope the caller still decides
/// whether that user may subscribe to (or, under
/// [`FayeTokenScope::UserOnlySubscribeOrPublish`], publish on)
/// [`VerifiedFayeMessage::channel`].
///
/// # Errors
/// [`FayeError`]: the first rule broken; [`FayeError::PublishNotGranted`] for a
/// publication under a subscribe-only scope; [`FayeError::Verify`] for a token that
/// does not verify. Never a panic, whatever the JSON.
///
/// ```
/// use channel_auth::{sign_faye_token, verify_faye_message, AppSecret, FayeError, FayeTokenScope};
/// use serde_json::json;
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let token = sign_faye_token(&secret, &"alice".parse()?, Some(&"/chat/alice".parse()?));
/// let subscribe = |subscription: &str| json!({
///     "channel": "/meta/subscribe", "subscription": subscription,
///     "ext": { "userId": "alice", "token": token.as_str() },
/// });
/// assert!(verify_faye_message(&secret, &subscribe("/chat/alice"), FayeTokenScope::ChannelBound).is_ok());
/// assert!(matches!(
///     verify_faye_message(&secret, &subscribe("/chat/bob"), FayeTokenScope::ChannelBound),
///     Err(FayeError::Verify(_))
/// ));
/// assert_eq!(
///     verify_faye_message(&secret, &subscribe("/**"), FayeTokenScope::ChannelBound),
///     Err(FayeError::Wildcard { field: "subscription" })
/// );
/// // The same token on a publication: a subscribe token does not publish.
/// let publish = json!({ "channel": "/chat/alice", "data": "hi",
///                       "ext": { "userId": "alice", "token": token.as_str() } });
/// assert_eq!(
///     verify_faye_message(&secret, &publish, FayeTokenScope::ChannelBound),
///     Err(FayeError::PublishNotGranted)
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_faye_message(
    secret: &AppSecret,
    message: &Value,
    scope: FayeTokenScope,
) -> Result<VerifiedFayeMessage, FayeError> {
    let object = message.as_object().ok_or(FayeError::NotAnObject)?;
    let bayeux_channel = channel_field(object, "channel", "channel")?;
    let (action, channel, field) = if bayeux_channel.as_str() == META_SUBSCRIBE {
        let subscription = channel_field(object, "subscription", "subscription")?;
        if is_meta(&subscription) {
            return Err(FayeError::MetaChannel { field: "subscription" });
        }
        (FayeAction::Subscribe, subscription, "subscription")
    } else if is_meta(&bayeux_channel) {
        return Err(FayeError::MetaChannel { field: "channel" });
    } else if scope.grants_publish() {
        (FayeAction::Publish, bayeux_channel, "channel")
    } else {
        return Err(FayeError::PublishNotGranted);
    };
    if channel.is_wildcard() {
        return Err(FayeError::Wildcard { field });
    }
    let ext = ext_object(object)?;
    let user: FayeUserId = string_field(ext, "userId", "ext.userId")?
        .parse()
        .map_err(|source| FayeError::InvalidField { field: "ext.userId", source })?;
    let token = string_field(ext, "token", "ext.token")?;
    let bound = if scope.is_channel_bound() { Some(&channel) } else { None };
    verify_faye_token(secret, &user, bound, token)?;
    Ok(VerifiedFayeMessage { action, user, channel })
}

/// The `ext` keys [`strip_faye_credentials`] deletes, compared ASCII-case-insensitively:
/// the guide's `token` and `password`, and the `authToken` of Faye's extension docs.
///
/// ```
/// use channel_auth::{strip_faye_credentials, FAYE_CREDENTIAL_KEYS};
///
/// for key in FAYE_CREDENTIAL_KEYS {
///     let mut message = serde_json::json!({ "ext": { key: "x", key.to_uppercase(): "y" } });
///     assert_eq!(strip_faye_credentials(&mut message), 2);
/// }
/// ```
pub const FAYE_CREDENTIAL_KEYS: [&str; 3] = ["token", "password", "authToken"];

/// Deletes credentials from a message before it is forwarded (the guide's outgoing
/// extension), and returns how many entries it removed.
///
/// The rule, exactly:
/// - a JSON object with an `ext` member: when `ext` is an object, every member whose
///   key equals one of [`FAYE_CREDENTIAL_KEYS`] ignoring ASCII case (`token`, `Token`,
///   `PASSWORD`, `authtoken`, …; non-ASCII letters are not folded) is removed, and the
///   rest of `ext` (`userId` included) is kept, possibly empty; when `ext` is anything
///   else (a string, a number, an array, `null`), `ext` is removed whole, since what it
///   holds cannot be told apart;
/// - a JSON array (a Bayeux batch): the rule above applied to each element;
/// - anything else, and everything outside the top-level `ext` (`data` included), is
///   left as it is.
///
/// ```
/// use channel_auth::strip_faye_credentials;
/// use serde_json::json;
///
/// let mut message = json!({
///     "channel": "/chat/alice", "data": { "token": "kept: data is the payload" },
///     "ext": { "userId": "alice", "token": "0123", "Password": "hunter2" },
/// });
/// assert_eq!(strip_faye_credentials(&mut message), 2);
/// assert_eq!(message, json!({
///     "channel": "/chat/alice", "data": { "token": "kept: data is the payload" },
///     "ext": { "userId": "alice" },
/// }));
/// ```
pub fn strip_faye_credentials(message: &mut Value) -> usize {
    match message {
        Value::Array(batch) => batch.iter_mut().filter_map(Value::as_object_mut).map(strip_object).sum(),
        Value::Object(object) => strip_object(object),
        _ => 0,
    }
}

fn strip_object(object: &mut Map<String, Value>) -> usize {
    match object.get_mut("ext") {
        None => 0,
        Some(Value::Object(ext)) => {
            let before = ext.len();
            ext.retain(|key, _| !is_credential_key(key));
            before - ext.len()
        }
        Some(_) => usize::from(object.remove("ext").is_some()),
    }
}

/// Whether `key` is one of [`FAYE_CREDENTIAL_KEYS`], ignoring ASCII case.
fn is_credential_key(key: &str) -> bool {
    FAYE_CREDENTIAL_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// A push-only server's check (the guide's "Push-only servers"): `ext.password` must be
/// the server's password, compared in constant time.
///
/// The guide checks every message whose channel is not under `/meta/`; which messages
/// to check is the caller's choice, and this function looks at `ext.password` only.
/// Delete the password before the message is forwarded: [`strip_faye_credentials`].
///
/// Both passwords are hashed with SHA-256 and the digests compared with `subtle`, so
/// the time taken shows neither how much of a guess is right nor the password's length.
///
/// # Errors
/// [`FayeError::NotAnObject`]; [`FayeError::MissingField`] for `ext` or `ext.password`;
/// [`FayeError::WrongType`] when `ext` is not an object or the password not a string;
/// [`FayeError::WrongPassword`].
///
/// ```
/// use channel_auth::{verify_faye_password, AppSecret, FayeError};
/// use serde_json::json;
///
/// let password: AppSecret = "some long and unguessable application-specific string".parse()?;
/// let good = json!({ "channel": "/foo", "data": "hi",
///     "ext": { "password": "some long and unguessable application-specific string" } });
/// verify_faye_password(&password, &good)?;
/// let bad = json!({ "channel": "/foo", "data": "hi", "ext": { "password": "guess" } });
/// assert_eq!(verify_faye_password(&password, &bad), Err(FayeError::WrongPassword));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_faye_password(password: &AppSecret, message: &Value) -> Result<(), FayeError> {
    let object = message.as_object().ok_or(FayeError::NotAnObject)?;
    let received = string_field(ext_object(object)?, "password", "ext.password")?;
    if bool::from(secret_eq(password.expose(), received.as_bytes())) {
        Ok(())
    } else {
        Err(FayeError::WrongPassword)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::InvalidInput;
    use serde_json::json;

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
        assert_eq!(
            verify_faye_message(&secret, &msg, FayeTokenScope::UserOnly).unwrap().channel(),
            &chan("/chat/alice")
        );
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

        let publish =
            json!({ "channel": "/chat/alice", "data": 1, "ext": { "userId": "alice", "token": bound.as_str() } });
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
                assert_eq!(
                    verify_faye_message(&secret, message, scope),
                    Err(FayeError::PublishNotGranted),
                    "{message}"
                );
            }
            for scope in [FayeTokenScope::UserOnlySubscribeOrPublish, FayeTokenScope::ChannelBoundSubscribeOrPublish] {
                assert_ne!(
                    verify_faye_message(&secret, message, scope),
                    Err(FayeError::PublishNotGranted),
                    "{message}"
                );
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
        check(
            subscribe(json!("/a"), json!({ "userId": 18787, "token": token.as_str() })),
            wrong("ext.userId", "a string"),
        );
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
            verify_faye_password(
                &pw,
                &msg(json!({ "password": "some long and unguessable application-specific string" }))
            ),
            Ok(())
        );
        assert_eq!(verify_faye_password(&pw, &msg(json!({ "password": "some long" }))), Err(FayeError::WrongPassword));
        assert_eq!(verify_faye_password(&pw, &msg(json!({ "password": "" }))), Err(FayeError::WrongPassword));
        assert_eq!(verify_faye_password(&pw, &msg(json!({}))), Err(FayeError::MissingField { field: "ext.password" }));
        assert_eq!(
            verify_faye_password(&pw, &msg(json!({ "password": 5 }))),
            Err(FayeError::WrongType { field: "ext.password", expected: "a string" })
        );
        assert_eq!(
            verify_faye_password(&pw, &json!({ "channel": "/foo" })),
            Err(FayeError::MissingField { field: "ext" })
        );
        assert_eq!(verify_faye_password(&pw, &json!(["x"])), Err(FayeError::NotAnObject));
        let err = verify_faye_password(&pw, &msg(json!({ "password": "guess" }))).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("unguessable"));
    }
}
