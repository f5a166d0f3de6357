//! The framework-agnostic handler core: every auth route as plain data in, an
//! [`Answer`] out.
//!
//! A route is an [`Endpoint`]: [`ChannelAuthEndpoint`], [`BatchAuthEndpoint`],
//! [`UserAuthEndpoint`] or [`WebhookEndpoint`], each holding the credentials and the
//! application's policy. It takes a [`RequestView`] (a header lookup and an optional
//! context slot, e.g. the request's extensions) and the body bytes, and answers with a
//! status, a JSON body and its content type. It knows no web framework and no runtime
//! (only [`WebhookEndpoint`] reads a clock, to refuse stale webhooks, and takes another
//! with [`WebhookEndpoint::with_clock`]), so the same code answers under axum (the `axum`
//! module), `http` 1.x servers and Workers (the [`http`](super::http) module), actix-web
//! (which pins `http` 0.2), a bare loop (`examples/edge_handler.rs`) or a WASI host,
//! identically.
//!
//! | endpoint | answers |
//! |---|---|
//! | [`ChannelAuthEndpoint`] | `200` [`ChannelAuth`] JSON, `403` denied, `400` hostile or unauthorizable, `500` the decision does not fit the channel |
//! | [`BatchAuthEndpoint`] | `200` `{"<channel>":{"status":200,"data":{…}},"<other>":{"status":403}}` (`pusher-js-auth`), `400` hostile |
//! | [`UserAuthEndpoint`] | `200` [`UserAuth`](crate::UserAuth) JSON, `403` denied, `400` hostile |
//! | [`WebhookEndpoint`] | `200` `{}` once the [`WebhookHandler`] processed it; `401` a bad or missing signature or a stale webhook, `400` a verified body that does not parse, `503` the handler asks for a retry, `422` it refuses |
//!
//! The three auth endpoints take only `application/x-www-form-urlencoded` bodies (what
//! pusher-js posts) and answer `415` to anything else, such as JSON. Every endpoint
//! answers `413` to a body over its [`Endpoint::max_body_len`] (refused on its
//! `Content-Length` before reading), and its adapter `408` to one slower than its
//! [`Endpoint::body_timeout`]. Every refusal is JSON
//! `{"error":"<reason>"}`, the reason being a typed error's message, never a secret or a
//! signature; the typed error itself rides along as [`Answer::refusal`], for logs. A
//! hostile body is refused before the application is asked, so nothing is signed for it.
//!
//! **Policies see a [`RequestView`], not a framework's request.** It offers
//! [`header`](RequestView::header) (case-insensitive) and a context slot: the `http` and
//! `axum` adapters put the request's `http::Extensions` there (where session middleware
//! leaves its data), read back with [`RequestView::extension`]; other adapters may put
//! any `Send + Sync` value there, read back with [`RequestView::context`].
//!
//! ```
//! use channel_auth::integrations::handler::{
//!     block_on, ChannelAuthEndpoint, ChannelAuthorizer, Decision, Endpoint, RequestView,
//! };
//! use channel_auth::{ChannelName, Credentials, SocketId, UserId};
//!
//! /// A user's own `private-<id>` channel, nothing else. DEMO ONLY: the user is whoever
//! /// the `X-User-Id` header names; a real app reads its session.
//! struct Policy;
//! impl ChannelAuthorizer for Policy {
//!     async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
//!         let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
//!         if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
//!     }
//! }
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let endpoint = ChannelAuthEndpoint::new(creds, Policy);
//! let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("X-User-Id", "foobar")];
//! let body = b"socket_id=1234.1234&channel_name=private-foobar";
//! let answer = block_on(endpoint.answer(&RequestView::new(&headers), body));
//! assert_eq!(answer.status(), 200);
//! assert_eq!(
//!     answer.body(),
//!     r#"{"auth":"278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"}"#
//! );
//! let others = b"socket_id=1234.1234&channel_name=private-foobar2";
//! assert_eq!(block_on(endpoint.answer(&RequestView::new(&headers), others)).status(), 403);
//!
//! let json = [("content-type", "application/json")];
//! let answer = block_on(endpoint.answer(&RequestView::new(&json), br#"{"socket_id":"1.1"}"#));
//! assert_eq!(answer.status(), 415);
//! # Ok::<(), channel_auth::InvalidInput>(())
//! ```

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{BatchAuthRequest, ChannelAuthRequest, RequestError, UserAuthRequest};
use crate::channel::{sign_channel_auth, sign_presence_auth, ChannelAuth, PresenceMember};
use crate::credentials::{Credentials, Keyring};
use crate::error::{AuthError, WebhookError};
use crate::names::{ChannelKind, ChannelName, SocketId};
use crate::user::{sign_user_auth, UserData};
use crate::webhook::{verify_and_parse_webhook, VerifiedWebhook};

/// The most bytes of webhook body a [`WebhookEndpoint`] reads.
pub const MAX_WEBHOOK_BODY_LEN: usize = 1024 * 1024;

/// How long an endpoint lets a request's body take to arrive, by default: past it the
/// adapters answer `408` and close the connection (see [`Endpoint::body_timeout`]).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// How far a webhook's `time_ms` may be from the endpoint's clock, either way, by
/// default: ten minutes, twice as long as Pusher keeps retrying a failed delivery (see
/// [`WebhookEndpoint::with_freshness_window`]).
pub const DEFAULT_WEBHOOK_WINDOW: Duration = Duration::from_secs(10 * 60);

/// The only content type the auth endpoints take (parameters such as `charset` allowed).
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The content type of every [`Answer`].
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// The header that names the app key of a webhook.
const PUSHER_KEY: &str = "X-Pusher-Key";
/// The header that carries a webhook's signature.
const PUSHER_SIGNATURE: &str = "X-Pusher-Signature";

/// Looks a request header up by name, ASCII case-insensitively.
///
/// Implemented for `http` 1.x [`HeaderMap`](::http::HeaderMap), for `()` (no headers),
/// and for arrays and vectors of `(name, value)` pairs. A value that is not visible
/// ASCII (tab allowed) counts as absent, as `http`'s `to_str` does.
///
/// ```
/// use channel_auth::integrations::handler::HeaderLookup;
///
/// let headers = vec![("X-Pusher-Key".to_owned(), "key".to_owned())];
/// assert_eq!(headers.header("x-pusher-key"), Some("key"));
/// assert_eq!([("a", "caf\u{e9}")].header("a"), None);
/// ```
pub trait HeaderLookup: Sync {
    /// The first value of header `name`, if present and visible ASCII.
    fn header(&self, name: &str) -> Option<&str>;
}

impl HeaderLookup for () {
    fn header(&self, _name: &str) -> Option<&str> {
        None
    }
}

impl HeaderLookup for ::http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

fn find_pair<'p, N: AsRef<str> + 'p, V: AsRef<str> + 'p>(
    pairs: impl IntoIterator<Item = &'p (N, V)>,
    name: &str,
) -> Option<&'p str> {
    let value = pairs.into_iter().find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))?.1.as_ref();
    value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)).then_some(value)
}

impl<N: AsRef<str> + Sync, V: AsRef<str> + Sync> HeaderLookup for Vec<(N, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        find_pair(self, name)
    }
}

impl<N: AsRef<str> + Sync, V: AsRef<str> + Sync, const K: usize> HeaderLookup for [(N, V); K] {
    fn header(&self, name: &str) -> Option<&str> {
        find_pair(self, name)
    }
}

/// What a policy sees of a request: its headers and a context slot.
///
/// Framework-agnostic on purpose: actix-web 4 pins `http` 0.2 while axum and Workers use
/// 1.x, so the policy traits take this view rather than one crate's request type. The
/// `http` and `axum` adapters put the request's `http::Extensions` into the context slot.
/// Its `Debug` prints no header value (headers carry cookies and tokens).
///
/// ```
/// use channel_auth::integrations::handler::RequestView;
///
/// #[derive(Clone)]
/// struct Session(&'static str);
///
/// let headers = [("Cookie", "sid=1")];
/// let mut extensions = http::Extensions::new();
/// extensions.insert(Session("ann"));
/// let view = RequestView::new(&headers).with_context(&extensions);
/// assert_eq!(view.header("cookie"), Some("sid=1"));
/// assert_eq!(view.extension::<Session>().map(|s| s.0), Some("ann"));
/// assert!(!format!("{view:?}").contains("sid=1"));
/// ```
#[derive(Clone, Copy)]
pub struct RequestView<'a> {
    headers: &'a dyn HeaderLookup,
    context: Option<&'a (dyn Any + Send + Sync)>,
}

impl<'a> RequestView<'a> {
    /// A view of these headers, with an empty context slot.
    ///
    /// ```
    /// let view = channel_auth::integrations::handler::RequestView::new(&());
    /// assert_eq!(view.header("x-user"), None);
    /// ```
    #[must_use]
    pub fn new(headers: &'a dyn HeaderLookup) -> Self {
        Self { headers, context: None }
    }

    /// Puts a value into the context slot (the adapters put `http::Extensions` there).
    ///
    /// ```
    /// let view = channel_auth::integrations::handler::RequestView::new(&()).with_context(&42_u32);
    /// assert_eq!(view.context::<u32>(), Some(&42));
    /// ```
    #[must_use]
    pub fn with_context(self, context: &'a (dyn Any + Send + Sync)) -> Self {
        Self { context: Some(context), ..self }
    }

    /// The first value of header `name` (case-insensitive), if present and visible ASCII.
    ///
    /// ```
    /// let headers = [("X-User", "ann")];
    /// let view = channel_auth::integrations::handler::RequestView::new(&headers);
    /// assert_eq!(view.header("x-user"), Some("ann"));
    /// ```
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.header(name)
    }

    /// The context slot, if it holds a `T`.
    ///
    /// ```
    /// let view = channel_auth::integrations::handler::RequestView::new(&()).with_context(&"ctx");
    /// assert_eq!(view.context::<&str>(), Some(&"ctx"));
    /// assert_eq!(view.context::<u8>(), None);
    /// ```
    #[must_use]
    pub fn context<T: Any>(&self) -> Option<&'a T> {
        let context: &'a (dyn Any + Send + Sync) = self.context?;
        context.downcast_ref::<T>()
    }

    /// The extension of type `T`, when the context slot holds `http::Extensions` (as the
    /// `http` and `axum` adapters arrange).
    ///
    /// ```
    /// let mut ext = http::Extensions::new();
    /// ext.insert(7_u64);
    /// let view = channel_auth::integrations::handler::RequestView::new(&()).with_context(&ext);
    /// assert_eq!(view.extension::<u64>(), Some(&7));
    /// ```
    #[must_use]
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&'a T> {
        self.context::<::http::Extensions>()?.get::<T>()
    }
}

impl fmt::Debug for RequestView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestView").field("has_context", &self.context.is_some()).finish_non_exhaustive()
    }
}

/// The application's answer to "may this request join this channel?".
///
/// ```
/// use channel_auth::integrations::handler::Decision;
/// use channel_auth::PresenceMember;
///
/// let member = PresenceMember::new("alice".parse()?, None)?;
/// let decisions = [Decision::Deny, Decision::Allow, Decision::AllowAsMember(member)];
/// assert_eq!(decisions.len(), 3);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Refuse: the answer is `403`.
    Deny,
    /// Allow a `private-` or `private-encrypted-` channel.
    Allow,
    /// Allow a `presence-` channel, as this member.
    AllowAsMember(PresenceMember),
}

/// Decides who may join which channel. Implement it with `async fn`.
///
/// The endpoint asks only after the body parsed into valid names, and only for channels
/// that can be authorized (`private-`, `private-encrypted-`, `presence-`). Answer
/// [`Decision::AllowAsMember`] for a `presence-` channel and [`Decision::Allow`] for the
/// others: a mismatch is the application's bug and is answered `500`, nothing signed.
///
/// Decide with an exact rule: equality with a name built from the session's user
/// ([`ChannelName::is_private_to`]), or a lookup in the application's own data. Never a
/// substring or a prefix test: with `contains(user)`, user `al` joins
/// `private-alice-inbox`, and a user named `private-` joins every private channel.
///
/// ```
/// use std::collections::{HashMap, HashSet};
/// use channel_auth::integrations::handler::{ChannelAuthorizer, Decision, RequestView};
/// use channel_auth::{ChannelName, PresenceMember, SocketId, UserId};
///
/// /// Rooms and their members, as the application's database has them.
/// struct Rooms(HashMap<ChannelName, HashSet<UserId>>);
///
/// /// What the application's session middleware put in the request's extensions.
/// struct Session(UserId);
///
/// impl ChannelAuthorizer for Rooms {
///     async fn authorize(&self, request: &RequestView<'_>, _socket: &SocketId, channel: &ChannelName) -> Decision {
///         let Some(Session(user)) = request.extension::<Session>() else { return Decision::Deny };
///         if channel.is_private_to(user) {
///             return Decision::Allow;
///         }
///         match self.0.get(channel) {
///             Some(members) if members.contains(user) => {
///                 PresenceMember::new(user.clone(), None).map_or(Decision::Deny, Decision::AllowAsMember)
///             }
///             _ => Decision::Deny,
///         }
///     }
/// }
/// ```
pub trait ChannelAuthorizer: Send + Sync + 'static {
    /// The decision for one channel. `request` gives the headers and the context slot
    /// (where the adapters put the extensions that session middleware fills).
    fn authorize(
        &self,
        request: &RequestView<'_>,
        socket_id: &SocketId,
        channel: &ChannelName,
    ) -> impl Future<Output = Decision> + Send;
}

/// Decides who a signing-in socket is: `Some(user data)` signs it in, `None` answers
/// `403`. Implement it with `async fn`.
///
/// ```
/// use channel_auth::integrations::handler::{RequestView, UserAuthenticator};
/// use channel_auth::{SocketId, UserData};
///
/// struct Nobody;
///
/// impl UserAuthenticator for Nobody {
///     async fn authenticate(&self, _request: &RequestView<'_>, _socket: &SocketId) -> Option<UserData> {
///         None
///     }
/// }
/// ```
pub trait UserAuthenticator: Send + Sync + 'static {
    /// The signed-in user's data, or `None` to refuse.
    fn authenticate(
        &self,
        request: &RequestView<'_>,
        socket_id: &SocketId,
    ) -> impl Future<Output = Option<UserData>> + Send;
}

/// A [`WebhookHandler`] did not process a verified webhook, and says what the sender
/// should do: deliver it again later, or not at all.
///
/// - [`HandlerError::retry_later`]: the webhook could not be handled now (the store is
///   down). The answer is `503` `{"error":"webhook not handled, retry later"}`, and
///   Pusher (or soketi) delivers it again.
/// - [`HandlerError::refuse`]: the webhook is refused for good (it names an app object
///   that does not exist, say). The answer is `422` `{"error":"webhook refused"}`: a
///   4xx, so the sender does not retry.
///
/// The body says only that; the application's cause is kept as the
/// [`source`](std::error::Error::source), for logs, and never sent.
///
/// ```
/// use channel_auth::integrations::handler::HandlerError;
/// use std::error::Error as _;
///
/// let err = HandlerError::retry_later("database unavailable");
/// assert!(err.should_retry());
/// assert_eq!(err.to_string(), "webhook not handled, retry later");
/// assert_eq!(err.source().map(|s| s.to_string()).as_deref(), Some("database unavailable"));
///
/// let err = HandlerError::refuse("no such room");
/// assert!(!err.should_retry());
/// assert_eq!(err.to_string(), "webhook refused");
/// ```
#[derive(Clone, Debug)]
pub struct HandlerError {
    retry: bool,
    source: Arc<dyn std::error::Error + Send + Sync>,
}

impl HandlerError {
    /// The webhook could not be handled now: answered `503`, so the sender retries.
    pub fn retry_later(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { retry: true, source: Arc::from(cause.into()) }
    }

    /// The webhook is refused for good: answered `422`, so the sender does not retry.
    pub fn refuse(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { retry: false, source: Arc::from(cause.into()) }
    }

    /// Whether the sender should deliver the webhook again ([`HandlerError::retry_later`]).
    #[must_use]
    pub fn should_retry(&self) -> bool {
        self.retry
    }

    /// The HTTP status this answers with: `503` to retry, `422` when refused.
    fn status(&self) -> u16 {
        if self.retry {
            503
        } else {
            422
        }
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.retry { "webhook not handled, retry later" } else { "webhook refused" })
    }
}

impl std::error::Error for HandlerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Receives verified, fresh webhooks. Implement it with `async fn`.
///
/// It is called only for a body whose `X-Pusher-Signature` verified against the
/// [`Keyring`], that parsed into typed events, and whose `time_ms` is within the
/// endpoint's freshness window ([`WebhookEndpoint::with_freshness_window`]). It says
/// what happened: `Ok(())` processed (`200`); [`HandlerError::retry_later`] not now
/// (`503`, the sender delivers again); [`HandlerError::refuse`] never (`422`, the sender
/// gives up).
///
/// ```
/// use channel_auth::integrations::handler::{HandlerError, RequestView, WebhookHandler};
/// use channel_auth::{VerifiedWebhook, WebhookEvent};
///
/// struct Presence;
///
/// impl WebhookHandler for Presence {
///     async fn handle(&self, _request: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
///         for event in webhook.webhook().events() {
///             match event {
///                 WebhookEvent::MemberAdded { channel, user_id, .. } => println!("{user_id:?} joined {channel}"),
///                 WebhookEvent::Unknown { .. } => return Err(HandlerError::refuse("an event this app does not know")),
///                 _ => {}
///             }
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait WebhookHandler: Send + Sync + 'static {
    /// Handles one verified webhook (its events, and the credentials that signed it).
    ///
    /// # Errors
    /// A [`HandlerError`] when the webhook could not be handled; the answer is `500`.
    fn handle(
        &self,
        request: &RequestView<'_>,
        webhook: VerifiedWebhook<'_>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// Why an [`Answer`] refuses: the typed error behind its `{"error":…}` body.
///
/// ```
/// use channel_auth::integrations::handler::{block_on, Endpoint, Refusal, UserAuthEndpoint, UserAuthenticator, RequestView};
/// use channel_auth::integrations::RequestError;
/// use channel_auth::{Credentials, SocketId, UserData};
///
/// struct Nobody;
/// impl UserAuthenticator for Nobody {
///     async fn authenticate(&self, _: &RequestView<'_>, _: &SocketId) -> Option<UserData> { None }
/// }
///
/// let endpoint = UserAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), Nobody);
/// let answer = block_on(endpoint.answer(&RequestView::new(&()), b"socket_id=1.1"));
/// assert!(matches!(answer.refusal(), Some(Refusal::Request(RequestError::UnsupportedContentType { .. }))));
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Refusal {
    /// The request was malformed, hostile or too slow (`400`, `401`, `408`, `413`, `415`).
    Request(RequestError),
    /// The channel cannot be authorized (`400`) or the decision does not fit it (`500`).
    Auth(AuthError),
    /// The application denied (`403`).
    Denied,
    /// A webhook did not verify or is stale (`401`), or did not parse (`400`).
    Webhook(WebhookError),
    /// The [`WebhookHandler`] asked for a retry (`503`) or refused the webhook (`422`).
    Handler(HandlerError),
    /// The endpoint cannot answer as configured (`500`): the reason names the setting.
    Misconfigured(&'static str),
}

/// An endpoint's answer: status, JSON body, and (for a refusal) the typed reason.
///
/// Send it with the content type [`JSON_CONTENT_TYPE`] and `Cache-Control: no-store`
/// ([`Answer::headers`]). Its `Debug` shows the status and the refusal, not the body
/// (which may hold a fresh auth signature).
///
/// ```
/// use channel_auth::integrations::handler::{block_on, Endpoint, RequestView, WebhookEndpoint, WebhookHandler, HandlerError};
/// use channel_auth::{Credentials, Keyring, VerifiedWebhook};
///
/// struct Ignore;
/// impl WebhookHandler for Ignore {
///     async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> { Ok(()) }
/// }
///
/// let ring = Keyring::new([Credentials::new("key".parse()?, "secret".parse()?)]);
/// let answer = block_on(WebhookEndpoint::new(ring, Ignore).answer(&RequestView::new(&()), b"{}"));
/// assert_eq!(answer.status(), 401);
/// assert_eq!(answer.body(), r#"{"error":"missing or non-ASCII header X-Pusher-Key"}"#);
/// assert_eq!(answer.headers()[0], ("content-type", "application/json"));
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct Answer {
    status: u16,
    body: String,
    refusal: Option<Refusal>,
}

impl Answer {
    fn ok(body: String) -> Self {
        Self { status: 200, body, refusal: None }
    }

    fn refuse(status: u16, refusal: Refusal) -> Self {
        let reason = match &refusal {
            Refusal::Request(e) => e.to_string(),
            Refusal::Auth(e) => e.to_string(),
            Refusal::Denied => "forbidden".to_owned(),
            Refusal::Webhook(e) => e.to_string(),
            Refusal::Handler(e) => e.to_string(),
            Refusal::Misconfigured(reason) => (*reason).to_owned(),
        };
        // `{"error":<reason>}`, the reason escaped by serde_json (no object built for
        // one field); serializing a string cannot fail, and the fallback is still JSON.
        let body = match serde_json::to_string(&reason) {
            Ok(quoted) => format!(r#"{{"error":{quoted}}}"#),
            Err(_) => r#"{"error":"refused"}"#.to_owned(),
        };
        Self { status, body, refusal: Some(refusal) }
    }

    /// The answer to a malformed request: `413` for an oversized body, `408` for a body
    /// that did not arrive in time, `415` for a wrong content type, `401` for a missing
    /// webhook header, `400` otherwise. Adapters use it when reading the body fails.
    ///
    /// ```
    /// use channel_auth::integrations::{handler::Answer, RequestError};
    ///
    /// let answer = Answer::request_error(RequestError::BodyTooLarge { max: 10 });
    /// assert_eq!(answer.status(), 413);
    /// ```
    #[must_use]
    pub fn request_error(error: RequestError) -> Self {
        let status = match error {
            RequestError::BodyTooLarge { .. } => 413,
            RequestError::BodyTimedOut { .. } => 408,
            RequestError::UnsupportedContentType { .. } => 415,
            RequestError::MissingHeader { .. } => 401,
            _ => 400,
        };
        Self::refuse(status, Refusal::Request(error))
    }

    /// The HTTP status code.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// assert_eq!(Answer::request_error(RequestError::NoChannels).status(), 400);
    /// ```
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The JSON body.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// let answer = Answer::request_error(RequestError::NoChannels);
    /// assert_eq!(answer.body(), r#"{"error":"no channel_name[<index>] in the batch"}"#);
    /// ```
    #[must_use]
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The JSON body, owned.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// let body: String = Answer::request_error(RequestError::NoChannels).into_body();
    /// assert!(body.starts_with(r#"{"error":"#));
    /// ```
    #[must_use]
    pub fn into_body(self) -> String {
        self.body
    }

    /// The body's content type, always [`JSON_CONTENT_TYPE`].
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// assert_eq!(Answer::request_error(RequestError::NoChannels).content_type(), "application/json");
    /// ```
    #[must_use]
    pub fn content_type(&self) -> &'static str {
        JSON_CONTENT_TYPE
    }

    /// The headers to send: `content-type: application/json`, `cache-control: no-store`.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// let answer = Answer::request_error(RequestError::NoChannels);
    /// assert_eq!(answer.headers()[1], ("cache-control", "no-store"));
    /// ```
    #[must_use]
    pub fn headers(&self) -> [(&'static str, &'static str); 2] {
        [("content-type", JSON_CONTENT_TYPE), ("cache-control", "no-store")]
    }

    /// Why the request was refused, `None` for a success.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::{Answer, Refusal}, RequestError};
    /// let answer = Answer::request_error(RequestError::NoChannels);
    /// assert!(matches!(answer.refusal(), Some(Refusal::Request(RequestError::NoChannels))));
    /// ```
    #[must_use]
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("refusal", &self.refusal)
            .finish()
    }
}

/// One route: plain data in ([`RequestView`] and body bytes), an [`Answer`] out.
///
/// Every adapter has the same shape: [`refuse_early`](Endpoint::refuse_early) on the
/// headers, read at most [`max_body_len`](Endpoint::max_body_len) bytes of body within
/// [`body_timeout`](Endpoint::body_timeout) ([`Answer::request_error`] with
/// [`RequestError::BodyTooLarge`] or [`RequestError::BodyTimedOut`] past them), then
/// [`answer`](Endpoint::answer). `answer` repeats the early checks and the length check
/// itself, so calling it alone is safe; the time bound is the adapter's to keep, since
/// only it reads the body.
///
/// ```
/// use channel_auth::integrations::handler::{block_on, ChannelAuthEndpoint, ChannelAuthorizer, Decision, Endpoint, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId, UserId};
///
/// /// The `X-User-Id` user's own `private-<id>` channels, nothing else.
/// struct OwnChannels;
/// impl ChannelAuthorizer for OwnChannels {
///     async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
///         let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
///         if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
///     }
/// }
///
/// let endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), OwnChannels);
/// let form = [("content-type", "application/x-www-form-urlencoded; charset=UTF-8")];
/// let view = RequestView::new(&form);
/// assert!(endpoint.refuse_early(&view).is_none());
/// let too_long = vec![b'a'; endpoint.max_body_len() + 1];
/// assert_eq!(block_on(endpoint.answer(&view, &too_long)).status(), 413);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub trait Endpoint: Send + Sync + 'static {
    /// The most bytes of body this endpoint reads.
    fn max_body_len(&self) -> usize;

    /// How long the body may take to arrive, from when the adapter first waits for it;
    /// [`DEFAULT_BODY_TIMEOUT`] unless the endpoint was built with another.
    fn body_timeout(&self) -> Duration;

    /// The refusal that needs no body, if any: a wrong content type, a missing webhook
    /// header, or a `Content-Length` over [`max_body_len`](Endpoint::max_body_len).
    fn refuse_early(&self, request: &RequestView<'_>) -> Option<Answer>;

    /// Answers one request.
    fn answer(&self, request: &RequestView<'_>, body: &[u8]) -> impl Future<Output = Answer> + Send;
}

/// `Some(415)` unless the content type is `application/x-www-form-urlencoded`, then
/// `Some(413)` for a declared length over `max`.
fn refuse_non_form(request: &RequestView<'_>, max: usize) -> Option<Answer> {
    let essence = request.header("content-type").and_then(|v| v.split(';').next()).map(str::trim);
    match essence {
        Some(t) if t.eq_ignore_ascii_case(FORM_CONTENT_TYPE) => refuse_declared_len(request, max),
        _ => Some(Answer::request_error(RequestError::UnsupportedContentType { expected: FORM_CONTENT_TYPE })),
    }
}

/// `Some(413)` when the request's `Content-Length` says more than `max` bytes: refused
/// before a byte of the body is read. (An unparsable value is the server's to refuse;
/// the bytes read are counted against `max` anyway.)
fn refuse_declared_len(request: &RequestView<'_>, max: usize) -> Option<Answer> {
    let declared = request.header("content-length")?.trim();
    if declared.is_empty() || !declared.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits that do not even fit a usize are over any limit.
    let fits = declared.parse::<usize>().is_ok_and(|len| len <= max);
    (!fits).then(|| Answer::request_error(RequestError::BodyTooLarge { max }))
}

/// The early checks and the length check every `answer` starts with.
fn precheck<E: Endpoint>(endpoint: &E, request: &RequestView<'_>, body: &[u8]) -> Option<Answer> {
    endpoint.refuse_early(request).or_else(|| {
        let max = endpoint.max_body_len();
        (body.len() > max).then(|| Answer::request_error(RequestError::BodyTooLarge { max }))
    })
}

/// Asks the authorizer about one channel (if it can be authorized at all), then signs.
async fn decide_and_sign<A: ChannelAuthorizer>(
    credentials: &Credentials,
    authorizer: &A,
    request: &RequestView<'_>,
    socket_id: &SocketId,
    channel: &ChannelName,
) -> Result<ChannelAuth, (u16, Refusal)> {
    match channel.kind() {
        ChannelKind::Public => return Err((400, Refusal::Auth(AuthError::PublicChannel))),
        ChannelKind::ServerToUser => return Err((400, Refusal::Auth(AuthError::ReservedChannel))),
        _ => {}
    }
    let misfit = |e| (500, Refusal::Auth(e));
    match authorizer.authorize(request, socket_id, channel).await {
        Decision::Deny => Err((403, Refusal::Denied)),
        Decision::Allow => sign_channel_auth(credentials, socket_id, channel).map_err(misfit),
        Decision::AllowAsMember(member) => sign_presence_auth(credentials, socket_id, channel, &member).map_err(misfit),
    }
}

/// pusher-js channel authorization: a `socket_id`, `channel_name` form.
///
/// `200` with [`ChannelAuth::to_json`], `403` `{"error":"forbidden"}` when the authorizer
/// denies, `400` for a hostile body or a channel that cannot be authorized (public,
/// `#server-to-user-`), `413` over [`ChannelAuthRequest::MAX_BODY_LEN`], `415` for a body
/// that is not a form, `500` when the decision does not fit the channel.
///
/// ```
/// use channel_auth::integrations::handler::{block_on, ChannelAuthEndpoint, ChannelAuthorizer, Decision, Endpoint, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId, UserId};
///
/// /// The `X-User-Id` user's own `private-<id>` channels, nothing else.
/// struct OwnChannels;
/// impl ChannelAuthorizer for OwnChannels {
///     async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
///         let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
///         if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
///     }
/// }
///
/// let endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), OwnChannels);
/// let form = [("content-type", "application/x-www-form-urlencoded")];
/// let hostile = b"socket_id=1.1%3Aprivate-x&channel_name=private-a";
/// assert_eq!(block_on(endpoint.answer(&RequestView::new(&form), hostile)).status(), 400);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Debug)]
pub struct ChannelAuthEndpoint<A> {
    credentials: Credentials,
    authorizer: A,
    body_timeout: Duration,
}

impl<A: ChannelAuthorizer> ChannelAuthEndpoint<A> {
    /// The endpoint for these credentials and this policy.
    ///
    /// ```
    /// # use channel_auth::integrations::handler::{ChannelAuthEndpoint, ChannelAuthorizer, Decision, RequestView};
    /// # use channel_auth::{ChannelName, Credentials, SocketId};
    /// struct DenyAll;
    /// impl ChannelAuthorizer for DenyAll {
    ///     async fn authorize(&self, _: &RequestView<'_>, _: &SocketId, _: &ChannelName) -> Decision { Decision::Deny }
    /// }
    /// let _endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), DenyAll);
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn new(credentials: Credentials, authorizer: A) -> Self {
        Self { credentials, authorizer, body_timeout: DEFAULT_BODY_TIMEOUT }
    }

    /// The same endpoint, letting the body take at most `timeout` to arrive (default
    /// [`DEFAULT_BODY_TIMEOUT`]).
    #[must_use]
    pub fn with_body_timeout(self, timeout: Duration) -> Self {
        Self { body_timeout: timeout, ..self }
    }
}

impl<A: ChannelAuthorizer> Endpoint for ChannelAuthEndpoint<A> {
    fn max_body_len(&self) -> usize {
        ChannelAuthRequest::MAX_BODY_LEN
    }

    fn body_timeout(&self) -> Duration {
        self.body_timeout
    }

    fn refuse_early(&self, request: &RequestView<'_>) -> Option<Answer> {
        refuse_non_form(request, self.max_body_len())
    }

    async fn answer(&self, request: &RequestView<'_>, body: &[u8]) -> Answer {
        if let Some(answer) = precheck(self, request, body) {
            return answer;
        }
        let req = match ChannelAuthRequest::from_form(body) {
            Ok(req) => req,
            Err(e) => return Answer::request_error(e),
        };
        match decide_and_sign(&self.credentials, &self.authorizer, request, req.socket_id(), req.channel_name()).await {
            Ok(auth) => Answer::ok(auth.to_json()),
            Err((status, refusal)) => Answer::refuse(status, refusal),
        }
    }
}

/// Batch channel authorization in the `pusher-js-auth` wire format
/// ([`BatchAuthRequest`]).
///
/// `200` with a JSON object keyed by channel: `{"status":200,"data":{"auth":…}}` for an
/// allowed channel, `{"status":403}` for a denied one, `{"status":400}` for one that
/// cannot be authorized, `{"status":500}` when the decision does not fit the channel. A
/// hostile body is `400` for the whole batch, nothing signed; `413` and `415` as for
/// [`ChannelAuthEndpoint`].
///
/// ```
/// use channel_auth::integrations::handler::{block_on, BatchAuthEndpoint, ChannelAuthorizer, Decision, Endpoint, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId, UserId};
///
/// /// The `X-User-Id` user's own `private-<id>` channels, nothing else.
/// struct OwnChannels;
/// impl ChannelAuthorizer for OwnChannels {
///     async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
///         let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
///         if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
///     }
/// }
///
/// let endpoint = BatchAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), OwnChannels);
/// let form = [("content-type", "application/x-www-form-urlencoded"), ("x-user-id", "a")];
/// let body = b"&socket_id=1.1&channel_name[0]=private-a&channel_name[1]=private-b&channel_name[2]=news";
/// let answer = block_on(endpoint.answer(&RequestView::new(&form), body));
/// let json: serde_json::Value = serde_json::from_str(answer.body())?;
/// assert_eq!(json["private-a"]["status"], 200);
/// assert_eq!(json["private-b"]["status"], 403);
/// assert_eq!(json["news"]["status"], 400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BatchAuthEndpoint<A> {
    credentials: Credentials,
    authorizer: A,
    body_timeout: Duration,
}

impl<A: ChannelAuthorizer> BatchAuthEndpoint<A> {
    /// The endpoint for these credentials and this policy.
    ///
    /// ```
    /// # use channel_auth::integrations::handler::{BatchAuthEndpoint, ChannelAuthorizer, Decision, RequestView};
    /// # use channel_auth::{ChannelName, Credentials, SocketId};
    /// struct DenyAll;
    /// impl ChannelAuthorizer for DenyAll {
    ///     async fn authorize(&self, _: &RequestView<'_>, _: &SocketId, _: &ChannelName) -> Decision { Decision::Deny }
    /// }
    /// let _endpoint = BatchAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), DenyAll);
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn new(credentials: Credentials, authorizer: A) -> Self {
        Self { credentials, authorizer, body_timeout: DEFAULT_BODY_TIMEOUT }
    }

    /// The same endpoint, letting the body take at most `timeout` to arrive (default
    /// [`DEFAULT_BODY_TIMEOUT`]).
    #[must_use]
    pub fn with_body_timeout(self, timeout: Duration) -> Self {
        Self { body_timeout: timeout, ..self }
    }
}

impl<A: ChannelAuthorizer> Endpoint for BatchAuthEndpoint<A> {
    fn max_body_len(&self) -> usize {
        BatchAuthRequest::MAX_BODY_LEN
    }

    fn body_timeout(&self) -> Duration {
        self.body_timeout
    }

    fn refuse_early(&self, request: &RequestView<'_>) -> Option<Answer> {
        refuse_non_form(request, self.max_body_len())
    }

    async fn answer(&self, request: &RequestView<'_>, body: &[u8]) -> Answer {
        if let Some(answer) = precheck(self, request, body) {
            return answer;
        }
        let req = match BatchAuthRequest::from_form(body) {
            Ok(req) => req,
            Err(e) => return Answer::request_error(e),
        };
        let mut out = serde_json::Map::new();
        for channel in req.channel_names() {
            let entry =
                match decide_and_sign(&self.credentials, &self.authorizer, request, req.socket_id(), channel).await {
                    Ok(auth) => serde_json::json!({ "status": 200, "data": auth }),
                    Err((status, _)) => serde_json::json!({ "status": status }),
                };
            out.insert(channel.as_str().to_owned(), entry);
        }
        Answer::ok(serde_json::Value::Object(out).to_string())
    }
}

/// pusher-js user authentication (`pusher.signin()`; a `socket_id` form).
///
/// `200` with [`UserAuth::to_json`](crate::UserAuth::to_json), `403`
/// `{"error":"forbidden"}` when the authenticator returns `None`, `400` for a hostile
/// body, `413` over [`UserAuthRequest::MAX_BODY_LEN`], `415` for a body that is not a form.
///
/// ```
/// use channel_auth::integrations::handler::{block_on, Endpoint, RequestView, UserAuthEndpoint, UserAuthenticator};
/// use channel_auth::{Credentials, SocketId, UserData};
///
/// struct Ann;
/// impl UserAuthenticator for Ann {
///     async fn authenticate(&self, _: &RequestView<'_>, _: &SocketId) -> Option<UserData> {
///         Some(UserData::new("ann".parse().ok()?))
///     }
/// }
///
/// let endpoint = UserAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), Ann);
/// let form = [("content-type", "application/x-www-form-urlencoded")];
/// assert_eq!(block_on(endpoint.answer(&RequestView::new(&form), b"socket_id=1.1")).status(), 200);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Debug)]
pub struct UserAuthEndpoint<U> {
    credentials: Credentials,
    authenticator: U,
    body_timeout: Duration,
}

impl<U: UserAuthenticator> UserAuthEndpoint<U> {
    /// The endpoint for these credentials and this policy.
    ///
    /// ```
    /// # use channel_auth::integrations::handler::{RequestView, UserAuthEndpoint, UserAuthenticator};
    /// # use channel_auth::{Credentials, SocketId, UserData};
    /// struct Nobody;
    /// impl UserAuthenticator for Nobody {
    ///     async fn authenticate(&self, _: &RequestView<'_>, _: &SocketId) -> Option<UserData> { None }
    /// }
    /// let _endpoint = UserAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), Nobody);
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn new(credentials: Credentials, authenticator: U) -> Self {
        Self { credentials, authenticator, body_timeout: DEFAULT_BODY_TIMEOUT }
    }

    /// The same endpoint, letting the body take at most `timeout` to arrive (default
    /// [`DEFAULT_BODY_TIMEOUT`]).
    #[must_use]
    pub fn with_body_timeout(self, timeout: Duration) -> Self {
        Self { body_timeout: timeout, ..self }
    }
}

impl<U: UserAuthenticator> Endpoint for UserAuthEndpoint<U> {
    fn max_body_len(&self) -> usize {
        UserAuthRequest::MAX_BODY_LEN
    }

    fn body_timeout(&self) -> Duration {
        self.body_timeout
    }

    fn refuse_early(&self, request: &RequestView<'_>) -> Option<Answer> {
        refuse_non_form(request, self.max_body_len())
    }

    async fn answer(&self, request: &RequestView<'_>, body: &[u8]) -> Answer {
        if let Some(answer) = precheck(self, request, body) {
            return answer;
        }
        let req = match UserAuthRequest::from_form(body) {
            Ok(req) => req,
            Err(e) => return Answer::request_error(e),
        };
        let Some(user) = self.authenticator.authenticate(request, req.socket_id()).await else {
            return Answer::refuse(403, Refusal::Denied);
        };
        match sign_user_auth(&self.credentials, req.socket_id(), &user) {
            Ok(auth) => Answer::ok(auth.to_json()),
            Err(e) => Answer::refuse(500, Refusal::Auth(e)),
        }
    }
}

/// Receives Pusher (or soketi) webhooks: verified, then fresh, then handled.
///
/// Verifies `X-Pusher-Key` and `X-Pusher-Signature` over the raw body bytes (at most
/// [`MAX_WEBHOOK_BODY_LEN`]) against the keyring, never a re-serialization; parses the
/// typed events; checks that the webhook's `time_ms` is within
/// [`DEFAULT_WEBHOOK_WINDOW`] (ten minutes) of the endpoint's clock, so a captured
/// webhook cannot be replayed later; and only then hands it to the handler. Answers:
///
/// | status | when |
/// |---|---|
/// | `200` `{}` | the handler processed it |
/// | `401` | a missing header, a signature that does not verify (the body is then not parsed), or a stale webhook (`timestamp is too old`, `… too far in the future`) |
/// | `400` | a verified body that does not parse (the [`WebhookError`] says which event and field) |
/// | `408`, `413` | a body too slow or too large |
/// | `503` | the handler said [`HandlerError::retry_later`]: the sender delivers again |
/// | `422` | the handler said [`HandlerError::refuse`]: the sender gives up |
/// | `500` | no clock on this target (see [`WebhookEndpoint::with_clock`]) |
///
/// Any content type is taken: the signature covers the bytes. Within the window a
/// captured webhook still verifies again (the protocol has no nonce): make the handler
/// idempotent, or deduplicate on the signature.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use channel_auth::integrations::handler::{block_on, Endpoint, HandlerError, RequestView, WebhookEndpoint, WebhookHandler};
/// use channel_auth::{sign_webhook, Credentials, Keyring, VerifiedWebhook};
///
/// struct StoreDown;
/// impl WebhookHandler for StoreDown {
///     async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
///         Err(HandlerError::retry_later("store unavailable"))
///     }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let endpoint = WebhookEndpoint::new(Keyring::new([creds.clone()]), StoreDown)
///     .with_clock(|| UNIX_EPOCH + Duration::from_millis(1_700_000_000_000));
/// let deliver = |body: &str| {
///     let signed = sign_webhook(&creds, body.as_bytes());
///     let headers = [("X-Pusher-Key", "key"), ("X-Pusher-Signature", signed.signature())];
///     block_on(endpoint.answer(&RequestView::new(&headers), body.as_bytes()))
/// };
///
/// // Sent a second ago: the handler runs, and asks for a retry.
/// let answer = deliver(r#"{"time_ms":1699999999000,"events":[]}"#);
/// assert_eq!((answer.status(), answer.body()), (503, r#"{"error":"webhook not handled, retry later"}"#));
///
/// // Signed in 2023 and replayed now: refused before the handler sees it.
/// let answer = deliver(r#"{"time_ms":1690000000000,"events":[]}"#);
/// assert_eq!((answer.status(), answer.body()), (401, r#"{"error":"timestamp is too old"}"#));
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Debug)]
pub struct WebhookEndpoint<H> {
    keyring: Keyring,
    handler: H,
    body_timeout: Duration,
    freshness: Freshness,
    clock: Clock,
}

/// How fresh a webhook must be.
#[derive(Clone, Copy, Debug)]
enum Freshness {
    /// `time_ms` less than this far from the clock, either way.
    Within(Duration),
    /// Not checked ([`WebhookEndpoint::dangerous_accept_stale_webhooks`]).
    Unchecked,
}

/// Where a [`WebhookEndpoint`] reads the time.
#[derive(Clone)]
enum Clock {
    /// The system clock, where the target has one.
    System,
    /// The application's.
    Custom(Arc<dyn Fn() -> SystemTime + Send + Sync>),
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::System => "Clock::System",
            Self::Custom(_) => "Clock::Custom",
        })
    }
}

impl Clock {
    /// The time now; `None` where there is no clock to read (the system clock on
    /// `wasm32-unknown-unknown`, where `SystemTime::now` panics).
    fn now(&self) -> Option<SystemTime> {
        match self {
            Self::System => system_now(),
            Self::Custom(clock) => Some(clock()),
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn system_now() -> Option<SystemTime> {
    Some(SystemTime::now())
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn system_now() -> Option<SystemTime> {
    None
}

impl<H: WebhookHandler> WebhookEndpoint<H> {
    /// The endpoint for this keyring and this handler: webhooks within
    /// [`DEFAULT_WEBHOOK_WINDOW`] of the system clock, bodies within
    /// [`DEFAULT_BODY_TIMEOUT`].
    ///
    /// On `wasm32-unknown-unknown` there is no system clock: give one with
    /// [`with_clock`](Self::with_clock) (in a Worker, `Date::now()`), or every webhook
    /// is answered `500`.
    pub fn new(keyring: Keyring, handler: H) -> Self {
        Self {
            keyring,
            handler,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            freshness: Freshness::Within(DEFAULT_WEBHOOK_WINDOW),
            clock: Clock::System,
        }
    }

    /// The same endpoint, accepting webhooks whose `time_ms` is less than `window` away
    /// from the clock (either way; [`Webhook::check_freshness`](crate::Webhook::check_freshness)'s
    /// rule). Keep it longer than the sender retries a delivery: Pusher retries for about
    /// five minutes.
    #[must_use]
    pub fn with_freshness_window(self, window: Duration) -> Self {
        Self { freshness: Freshness::Within(window), ..self }
    }

    /// The same endpoint, reading the time from `clock` instead of the system clock (a
    /// Worker's `Date::now()`, or a fixed time in tests).
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self { clock: Clock::Custom(Arc::new(clock)), ..self }
    }

    /// The same endpoint, letting the body take at most `timeout` to arrive (default
    /// [`DEFAULT_BODY_TIMEOUT`]).
    #[must_use]
    pub fn with_body_timeout(self, timeout: Duration) -> Self {
        Self { body_timeout: timeout, ..self }
    }

    /// **Dangerous:** the same endpoint, handing the handler every verified webhook
    /// however old. A webhook captured once (a proxy's log, a leaked request dump) then
    /// verifies forever: a `member_added` signed years ago replays today. Use it only
    /// when the handler itself refuses stale or repeated webhooks.
    #[must_use]
    pub fn dangerous_accept_stale_webhooks(self) -> Self {
        Self { freshness: Freshness::Unchecked, ..self }
    }

    /// `Err` with the answer when the webhook is stale or there is no clock to tell.
    fn check_fresh(&self, webhook: &crate::webhook::Webhook) -> Result<(), Answer> {
        let Freshness::Within(window) = self.freshness else { return Ok(()) };
        let Some(now) = self.clock.now() else {
            return Err(Answer::refuse(500, Refusal::Misconfigured("no clock to check webhook freshness")));
        };
        webhook.check_freshness(now, window).map_err(|e| Answer::refuse(401, Refusal::Webhook(WebhookError::Verify(e))))
    }
}

/// The webhook's key and signature headers.
fn webhook_headers<'a>(request: &RequestView<'a>) -> Result<(&'a str, &'a str), RequestError> {
    let header = |name: &'static str| request.header(name).ok_or(RequestError::MissingHeader { name });
    Ok((header(PUSHER_KEY)?, header(PUSHER_SIGNATURE)?))
}

impl<H: WebhookHandler> Endpoint for WebhookEndpoint<H> {
    fn max_body_len(&self) -> usize {
        MAX_WEBHOOK_BODY_LEN
    }

    fn body_timeout(&self) -> Duration {
        self.body_timeout
    }

    fn refuse_early(&self, request: &RequestView<'_>) -> Option<Answer> {
        match webhook_headers(request) {
            Ok(_) => refuse_declared_len(request, self.max_body_len()),
            Err(e) => Some(Answer::request_error(e)),
        }
    }

    async fn answer(&self, request: &RequestView<'_>, body: &[u8]) -> Answer {
        if let Some(answer) = precheck(self, request, body) {
            return answer;
        }
        let (key, signature) = match webhook_headers(request) {
            Ok(pair) => pair,
            Err(e) => return Answer::request_error(e),
        };
        let verified = match verify_and_parse_webhook(&self.keyring, key, signature, body) {
            Ok(verified) => verified,
            Err(e) => {
                let status = if matches!(e, WebhookError::Verify(_)) { 401 } else { 400 };
                return Answer::refuse(status, Refusal::Webhook(e));
            }
        };
        if let Err(stale) = self.check_fresh(verified.webhook()) {
            return stale;
        }
        match self.handler.handle(request, verified).await {
            Ok(()) => Answer::ok("{}".to_owned()),
            Err(e) => Answer::refuse(e.status(), Refusal::Handler(e)),
        }
    }
}

/// Runs a future to completion on the current thread, with no runtime: for endpoints
/// whose policies do not wait on I/O (the doctests, `examples/edge_handler.rs`, a WASI
/// host). It polls with a no-op waker, so a future that waits on a real event source
/// would spin: use the application's executor for those.
///
/// ```
/// assert_eq!(channel_auth::integrations::handler::block_on(async { 1 + 1 }), 2);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign_webhook;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const KEY: &str = "278d425bdf160c739803";
    const SECRET: &str = "7ad3773142a6692b25b8";
    const FORM: [(&str, &str); 2] = [("Content-Type", FORM_CONTENT_TYPE), ("x-user", "u")];

    fn creds() -> Credentials {
        Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap())
    }

    /// Allows channels containing "ok" (as member `u` on presence); counts calls.
    #[derive(Default)]
    struct Policy {
        calls: AtomicUsize,
        misfit: bool,
    }

    impl ChannelAuthorizer for Policy {
        async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let Some(user) = request.header("X-USER") else { return Decision::Deny };
            if !channel.as_str().contains("ok") {
                return Decision::Deny;
            }
            match channel.kind() {
                ChannelKind::Presence if !self.misfit => {
                    Decision::AllowAsMember(PresenceMember::new(user.parse().unwrap(), None).unwrap())
                }
                _ => Decision::Allow,
            }
        }
    }

    impl UserAuthenticator for Policy {
        async fn authenticate(&self, request: &RequestView<'_>, _: &SocketId) -> Option<UserData> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Some(UserData::new(request.header("x-user")?.parse().ok()?))
        }
    }

    fn channel(policy: Policy, headers: &dyn HeaderLookup, body: &[u8]) -> (Answer, usize) {
        let endpoint = ChannelAuthEndpoint::new(creds(), policy);
        let answer = block_on(endpoint.answer(&RequestView::new(headers), body));
        (answer, endpoint.authorizer.calls.load(Ordering::SeqCst))
    }

    #[test]
    fn channel_auth_signs_what_the_library_signs() {
        let (answer, calls) = channel(Policy::default(), &FORM, b"socket_id=1.1&channel_name=private-ok");
        let want = sign_channel_auth(&creds(), &"1.1".parse().unwrap(), &"private-ok".parse().unwrap()).unwrap();
        assert_eq!((answer.status(), answer.body(), calls), (200, want.to_json().as_str(), 1));
        assert!(answer.refusal().is_none());

        let (answer, _) = channel(Policy::default(), &FORM, b"socket_id=1.1&channel_name=presence-ok");
        let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
        let want = sign_presence_auth(&creds(), &"1.1".parse().unwrap(), &"presence-ok".parse().unwrap(), &member);
        assert_eq!(answer.body(), want.unwrap().to_json());
    }

    #[test]
    fn channel_auth_status_table() {
        let cases: &[(&[u8], u16, &str)] = &[
            (b"socket_id=1.1&channel_name=private-no", 403, r#"{"error":"forbidden"}"#),
            (b"socket_id=1.1&channel_name=news-ok", 400, ""),
            (b"socket_id=1.1&channel_name=%23server-to-user-ok", 400, ""),
            (b"socket_id=1.1%3Aprivate-x&channel_name=private-ok", 400, ""),
            (b"socket_id=1.1", 400, r#"{"error":"missing field channel_name"}"#),
        ];
        for (body, status, want) in cases {
            let (answer, _) = channel(Policy::default(), &FORM, body);
            assert_eq!(answer.status(), *status, "{}", String::from_utf8_lossy(body));
            assert!(answer.body().starts_with(r#"{"error":"#));
            if !want.is_empty() {
                assert_eq!(answer.body(), *want);
            }
        }
        let misfit = Policy { misfit: true, ..Policy::default() };
        let (answer, _) = channel(misfit, &FORM, b"socket_id=1.1&channel_name=presence-ok");
        assert_eq!(answer.status(), 500);
        assert!(matches!(answer.refusal(), Some(Refusal::Auth(_))));
    }

    #[test]
    fn hostile_bodies_never_reach_the_policy() {
        for body in [&b"socket_id=1.1%3Aprivate-x&channel_name=private-ok"[..], b"socket_id=1.1&channel_name=news-ok"] {
            let (answer, calls) = channel(Policy::default(), &FORM, body);
            assert_eq!((answer.status(), calls), (400, 0));
        }
    }

    #[test]
    fn auth_routes_refuse_other_content_types_with_415() {
        let json_body = br#"{"socket_id":"1.1","channel_name":"private-ok"}"#;
        let refusals: [&dyn HeaderLookup; 4] =
            [&[("content-type", "application/json")], &(), &[("content-type", "text/plain")], &[("content-type", "")]];
        let want = r#"{"error":"unsupported content type: expected application/x-www-form-urlencoded"}"#;
        for headers in refusals {
            let view = RequestView::new(headers);
            let (answer, calls) = channel(Policy::default(), headers, json_body);
            assert_eq!((answer.status(), answer.body(), calls), (415, want, 0));
            let batch = BatchAuthEndpoint::new(creds(), Policy::default());
            assert_eq!(block_on(batch.answer(&view, json_body)).status(), 415);
            let user = UserAuthEndpoint::new(creds(), Policy::default());
            let answer = block_on(user.answer(&view, br#"{"socket_id":"1.1"}"#));
            assert_eq!((answer.status(), answer.body()), (415, want));
            assert_eq!(user.authenticator.calls.load(Ordering::SeqCst), 0);
            assert!(user.refuse_early(&view).is_some());
        }
        // Parameters and case do not matter.
        let headers = [("CONTENT-TYPE", "Application/X-WWW-Form-URLEncoded ; charset=UTF-8")];
        let (answer, _) = channel(Policy::default(), &headers, b"socket_id=1.1&channel_name=private-ok");
        assert_eq!(answer.status(), 403, "x-user absent: denied, but the content type passed");
    }

    #[test]
    fn oversized_bodies_are_413_before_parsing() {
        let body = vec![b'a'; ChannelAuthRequest::MAX_BODY_LEN + 1];
        let (answer, calls) = channel(Policy::default(), &FORM, &body);
        assert_eq!((answer.status(), calls), (413, 0));
        let exact = [b"socket_id=1.1&channel_name=private-ok&pad=".as_slice(), &[b'a'; 8192 - 42]].concat();
        assert_eq!(exact.len(), ChannelAuthRequest::MAX_BODY_LEN);
        assert_eq!(channel(Policy::default(), &FORM, &exact).0.status(), 200);
    }

    #[test]
    fn batch_answers_per_channel() {
        let endpoint = BatchAuthEndpoint::new(creds(), Policy { misfit: true, ..Policy::default() });
        let body = b"&socket_id=1.1&channel_name[0]=private-ok&channel_name[1]=private-no&channel_name[2]=news&channel_name[3]=presence-ok";
        let answer = block_on(endpoint.answer(&RequestView::new(&FORM), body));
        assert_eq!(answer.status(), 200);
        let json: serde_json::Value = serde_json::from_str(answer.body()).unwrap();
        let want = sign_channel_auth(&creds(), &"1.1".parse().unwrap(), &"private-ok".parse().unwrap()).unwrap();
        assert_eq!(json["private-ok"], serde_json::json!({"status": 200, "data": want}));
        assert_eq!(json["private-no"], serde_json::json!({"status": 403}));
        assert_eq!(json["news"], serde_json::json!({"status": 400}));
        assert_eq!(json["presence-ok"], serde_json::json!({"status": 500}));
        let hostile = block_on(endpoint.answer(&RequestView::new(&FORM), b"&socket_id=1.1&channel_name[x]=a"));
        assert_eq!(hostile.status(), 400);
    }

    #[test]
    fn user_auth_status_table() {
        let endpoint = UserAuthEndpoint::new(creds(), Policy::default());
        let answer = block_on(endpoint.answer(&RequestView::new(&FORM), b"socket_id=1.1"));
        let want = sign_user_auth(&creds(), &"1.1".parse().unwrap(), &UserData::new("u".parse().unwrap())).unwrap();
        assert_eq!((answer.status(), answer.body()), (200, want.to_json().as_str()));
        let anonymous = [("content-type", FORM_CONTENT_TYPE)];
        let answer = block_on(endpoint.answer(&RequestView::new(&anonymous), b"socket_id=1.1"));
        assert_eq!((answer.status(), answer.body()), (403, r#"{"error":"forbidden"}"#));
        let answer = block_on(endpoint.answer(&RequestView::new(&FORM), b"socket_id=1.1%0A"));
        assert_eq!(answer.status(), 400);
    }

    /// Counts handled webhooks; fails as told.
    #[derive(Default)]
    struct Hooks {
        handled: AtomicUsize,
        fail: Option<bool>,
    }

    impl WebhookHandler for Hooks {
        async fn handle(&self, _: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
            assert_eq!(webhook.credentials().key().as_str(), KEY);
            self.handled.fetch_add(1, Ordering::SeqCst);
            let cause = format!("store down ({} events)", webhook.webhook().events().len());
            match self.fail {
                None => Ok(()),
                Some(true) => Err(HandlerError::retry_later(cause)),
                Some(false) => Err(HandlerError::refuse(cause)),
            }
        }
    }

    /// The endpoints' clock in these tests: `HOOK`'s `time_ms` plus five seconds.
    const NOW_MS: u64 = 1_700_000_005_000;
    const HOOK: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_occupied","channel":"private-a"}]}"#;

    fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    fn deliver(hooks: Hooks, headers: &dyn HeaderLookup, body: &[u8]) -> (Answer, usize) {
        let endpoint = WebhookEndpoint::new(Keyring::new([creds()]), hooks).with_clock(|| at(NOW_MS));
        let answer = block_on(endpoint.answer(&RequestView::new(headers), body));
        (answer, endpoint.handler.handled.load(Ordering::SeqCst))
    }

    fn signed(body: &str) -> Vec<(&'static str, String)> {
        let sig = sign_webhook(&creds(), body.as_bytes());
        vec![("x-pusher-key", KEY.to_owned()), ("x-pusher-signature", sig.signature().to_owned())]
    }

    #[test]
    fn webhook_status_table() {
        let good = signed(HOOK);
        let (answer, handled) = deliver(Hooks::default(), &good, HOOK.as_bytes());
        assert_eq!((answer.status(), answer.body(), handled), (200, "{}", 1));

        let changed = r#"{"time_ms":1700000000000,"events":[]} "#;
        let (answer, handled) = deliver(Hooks::default(), &good, changed.as_bytes());
        assert_eq!((answer.status(), handled), (401, 0), "a changed body does not verify");
        assert!(matches!(answer.refusal(), Some(Refusal::Webhook(WebhookError::Verify(_)))));

        let (answer, _) = deliver(Hooks::default(), &[("x-pusher-key", KEY)], HOOK.as_bytes());
        assert_eq!(answer.body(), r#"{"error":"missing or non-ASCII header X-Pusher-Signature"}"#);
        assert_eq!(answer.status(), 401);

        let bad = r#"{"time_ms":1700000000000,"events":[{"name":"member_added","channel":"presence-a"}]}"#;
        let (answer, handled) = deliver(Hooks::default(), &signed(bad), bad.as_bytes());
        assert_eq!((answer.status(), handled), (400, 0));

        let big = vec![b'{'; MAX_WEBHOOK_BODY_LEN + 1];
        assert_eq!(deliver(Hooks::default(), &good, &big).0.status(), 413);
    }

    /// Issue 19, fix 3: a webhook signed long ago (or far ahead) is refused before the
    /// handler sees it; the window is two-sided and exclusive.
    #[test]
    fn stale_webhooks_never_reach_the_handler() {
        const SIGNED_IN_2023: &str =
            r#"{"time_ms":1690000000000,"events":[{"name":"member_added","channel":"presence-a","user_id":"1"}]}"#;
        let (answer, handled) = deliver(Hooks::default(), &signed(SIGNED_IN_2023), SIGNED_IN_2023.as_bytes());
        assert_eq!((answer.status(), answer.body(), handled), (401, r#"{"error":"timestamp is too old"}"#, 0));
        assert!(matches!(
            answer.refusal(),
            Some(Refusal::Webhook(WebhookError::Verify(crate::VerifyError::TimestampTooOld)))
        ));

        let window = DEFAULT_WEBHOOK_WINDOW.as_millis() as u64;
        let sent = |ms: u64| format!(r#"{{"time_ms":{ms},"events":[]}}"#);
        for (time_ms, status) in [
            (NOW_MS - window + 1, 200),
            (NOW_MS - window, 401),
            (NOW_MS + window - 1, 200),
            (NOW_MS + window, 401),
            (0, 401),
            (u64::MAX, 401),
        ] {
            let body = sent(time_ms);
            let (answer, handled) = deliver(Hooks::default(), &signed(&body), body.as_bytes());
            assert_eq!((answer.status(), handled), (status, usize::from(status == 200)), "{time_ms}");
        }

        // The window is the endpoint's to set, and turning it off is spelled out.
        let body = sent(NOW_MS - 60_000);
        let short = WebhookEndpoint::new(Keyring::new([creds()]), Hooks::default())
            .with_clock(|| at(NOW_MS))
            .with_freshness_window(Duration::from_secs(30));
        assert_eq!(block_on(short.answer(&RequestView::new(&signed(&body)), body.as_bytes())).status(), 401);
        let open = WebhookEndpoint::new(Keyring::new([creds()]), Hooks::default())
            .with_clock(|| at(NOW_MS))
            .dangerous_accept_stale_webhooks();
        let answer = block_on(open.answer(&RequestView::new(&signed(SIGNED_IN_2023)), SIGNED_IN_2023.as_bytes()));
        assert_eq!(answer.status(), 200);
    }

    // wasm32-unknown-unknown has no system clock (the endpoint answers 500 there).
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    #[test]
    fn the_system_clock_is_the_default() {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis();
        let body = format!(r#"{{"time_ms":{now},"events":[]}}"#);
        let endpoint = WebhookEndpoint::new(Keyring::new([creds()]), Hooks::default());
        assert_eq!(block_on(endpoint.answer(&RequestView::new(&signed(&body)), body.as_bytes())).status(), 200);
        assert_eq!(block_on(endpoint.answer(&RequestView::new(&signed(HOOK)), HOOK.as_bytes())).status(), 401);
    }

    /// Issue 19, fix 3: the handler says what happened, and the sender is told.
    #[test]
    fn a_webhook_handler_retries_or_refuses_without_its_cause() {
        let good = signed(HOOK);
        for (fail, status, body) in [
            (true, 503, r#"{"error":"webhook not handled, retry later"}"#),
            (false, 422, r#"{"error":"webhook refused"}"#),
        ] {
            let (answer, handled) = deliver(Hooks { fail: Some(fail), ..Hooks::default() }, &good, HOOK.as_bytes());
            assert_eq!((answer.status(), answer.body(), handled), (status, body, 1));
            let Some(Refusal::Handler(e)) = answer.refusal() else { panic!("{answer:?}") };
            assert_eq!(e.should_retry(), fail);
            let cause = std::error::Error::source(e).map(ToString::to_string);
            assert_eq!(cause.as_deref(), Some("store down (1 events)"));
            assert!(!answer.body().contains("store down"));
        }
    }

    /// Issue 19, fix 2: a declared length over the limit is refused on the headers, and
    /// a body that does not arrive in time is a 408 (the adapters time the read).
    #[test]
    fn declared_lengths_and_slow_bodies() {
        let endpoint = ChannelAuthEndpoint::new(creds(), Policy::default());
        let declared = |len: &str| {
            let headers = [("content-type", FORM_CONTENT_TYPE), ("content-length", len)];
            endpoint.refuse_early(&RequestView::new(&headers)).map(|a| a.status())
        };
        assert_eq!(declared("8192"), None);
        assert_eq!(declared("8193"), Some(413));
        assert_eq!(declared("100000000000000000000000"), Some(413));
        assert_eq!(declared("nonsense"), None, "the server's to refuse; bytes read are still counted");
        let hook = WebhookEndpoint::new(Keyring::new([creds()]), Hooks::default());
        let mut headers = signed(HOOK);
        headers.push(("content-length", (MAX_WEBHOOK_BODY_LEN + 1).to_string()));
        assert_eq!(hook.refuse_early(&RequestView::new(&headers)).map(|a| a.status()), Some(413));

        assert_eq!(endpoint.body_timeout(), DEFAULT_BODY_TIMEOUT);
        let quick = ChannelAuthEndpoint::new(creds(), Policy::default()).with_body_timeout(Duration::from_secs(2));
        assert_eq!(quick.body_timeout(), Duration::from_secs(2));
        let answer = Answer::request_error(RequestError::BodyTimedOut { timeout: Duration::from_secs(2) });
        assert_eq!((answer.status(), answer.body()), (408, r#"{"error":"body not received within 2000 ms"}"#));
    }

    #[test]
    fn answers_and_views_leak_nothing_in_debug() {
        let (answer, _) = channel(Policy::default(), &FORM, b"socket_id=1.1&channel_name=private-ok");
        let shown = format!("{answer:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(&answer.body()[20..]), "{shown}");
        let cookie = [("cookie", "session=top-secret")];
        assert!(!format!("{:?}", RequestView::new(&cookie)).contains("top-secret"));
    }

    /// A refusal's body is `{"error":<reason>}` with the reason escaped, as a JSON object
    /// would write it.
    #[test]
    fn refusal_bodies_are_json_objects() {
        let hostile = RequestError::InvalidField {
            field: "socket_id",
            source: "1.1\"\n\u{2028}".parse::<SocketId>().unwrap_err(),
        };
        for answer in [Answer::request_error(hostile), Answer::refuse(403, Refusal::Denied)] {
            let reason = match answer.refusal() {
                Some(Refusal::Denied) => "forbidden".to_owned(),
                Some(Refusal::Request(e)) => e.to_string(),
                other => panic!("{other:?}"),
            };
            assert_eq!(answer.body(), serde_json::json!({ "error": reason }).to_string());
        }
    }

    #[test]
    fn header_lookup_rules() {
        let pairs = vec![("X-A".to_owned(), "1".to_owned()), ("x-a".to_owned(), "2".to_owned())];
        assert_eq!(pairs.header("x-a"), Some("1"), "the first value");
        assert_eq!([("x", "a\nb")].header("x"), None, "not visible ASCII");
        assert_eq!([("x", "a\tb")].header("x"), Some("a\tb"));
        let mut map = ::http::HeaderMap::new();
        map.insert("x-a", ::http::HeaderValue::from_static("v"));
        assert_eq!(map.header("X-A"), Some("v"));
        assert_eq!(().header("x-a"), None);
    }
}
