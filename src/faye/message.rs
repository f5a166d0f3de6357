//! The server extensions on Bayeux messages: [`verify_faye_message`] under a
//! [`FayeTokenScope`], [`strip_faye_credentials`], [`verify_faye_password`].

use serde_json::{Map, Value};

use super::{FayeError, verify_faye_token};
use crate::mac::secret_eq;
use crate::names::{FayeChannel, FayeUserId};
use crate::secret::AppSecret;

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
/// use channel_auth::faye::{sign_faye_token, verify_faye_message, FayeError, FayeTokenScope};
/// use channel_auth::AppSecret;
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
/// use channel_auth::faye::FayeAction;
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
/// use channel_auth::faye::{sign_faye_token, verify_faye_message, FayeAction, FayeTokenScope};
/// use channel_auth::AppSecret;
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
    pub(super) action: FayeAction,
    pub(super) user: FayeUserId,
    pub(super) channel: FayeChannel,
}

impl VerifiedFayeMessage {
    /// Subscribe or publish (publish only under a `…SubscribeOrPublish`
    /// [`FayeTokenScope`]).
    #[must_use]
    pub fn action(&self) -> FayeAction {
        self.action
    }

    /// The user the token was verified for.
    #[must_use]
    pub fn user(&self) -> &FayeUserId {
        &self.user
    }

    /// The channel subscribed to or published on (never a wildcard, never `/meta/`).
    #[must_use]
    pub fn channel(&self) -> &FayeChannel {
        &self.channel
    }
}

/// The Bayeux channel of the subscribe message.
const META_SUBSCRIBE: &str = "/meta/subscribe";

/// Whether a channel is a Bayeux meta channel (`/meta/` and anything under it).
pub(super) fn is_meta(channel: &FayeChannel) -> bool {
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
/// use channel_auth::faye::{sign_faye_token, verify_faye_message, FayeError, FayeTokenScope};
/// use channel_auth::AppSecret;
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
/// use channel_auth::faye::{strip_faye_credentials, FAYE_CREDENTIAL_KEYS};
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
/// use channel_auth::faye::strip_faye_credentials;
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
/// use channel_auth::faye::{verify_faye_password, FayeError};
/// use channel_auth::AppSecret;
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
    if bool::from(secret_eq(password.expose(), received.as_bytes())) { Ok(()) } else { Err(FayeError::WrongPassword) }
}
