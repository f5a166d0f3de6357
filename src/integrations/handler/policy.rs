//! The application's policies: [`ChannelAuthorizer`] (answering a [`Decision`]),
//! [`UserAuthenticator`], and [`WebhookHandler`] (failing with a [`HandlerError`]).

use std::fmt;
use std::future::{Future, ready};
use std::sync::Arc;

use super::RequestView;
use crate::channel::PresenceMember;
use crate::names::{ChannelName, SocketId};
use crate::user::UserData;
use crate::webhook::VerifiedWebhook;

/// The application's answer to "may this request join this channel?", as a
/// [`ChannelAuthorizer`] gives it (its example decides all three ways).
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

/// Decides who may join which channel: a function or closure
/// `Fn(&RequestView<'_>, &SocketId, &ChannelName) -> Decision` that decides at once, or
/// a type implementing this trait with `async fn` (to await a database, say); an
/// `Arc` of either shares one policy between endpoints.
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
/// impl Rooms {
///     /// A query to the database, awaited.
///     async fn is_member(&self, channel: &ChannelName, user: &UserId) -> bool {
///         self.0.get(channel).is_some_and(|members| members.contains(user))
///     }
/// }
///
/// /// What the application's session middleware put in the request's extensions.
/// #[derive(Clone)]
/// struct Session(UserId);
///
/// impl ChannelAuthorizer for Rooms {
///     async fn authorize(&self, request: &RequestView<'_>, _socket: &SocketId, channel: &ChannelName) -> Decision {
///         let Some(Session(user)) = request.extension::<Session>() else { return Decision::Deny };
///         if channel.is_private_to(user) {
///             Decision::Allow
///         } else if self.is_member(channel, user).await {
///             PresenceMember::new(user.clone(), None).map_or(Decision::Deny, Decision::AllowAsMember)
///         } else {
///             Decision::Deny
///         }
///     }
/// }
///
/// let rooms = Rooms(HashMap::from([("presence-team".parse()?, HashSet::from(["ann".parse()?]))]));
/// let mut extensions = http::Extensions::new();
/// extensions.insert(Session("ann".parse()?));
/// let (view, socket) = (RequestView::new(&()).with_context(&extensions), "1.1".parse::<SocketId>()?);
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let decide = |channel: &str| channel.parse().map(|channel| runtime.block_on(rooms.authorize(&view, &socket, &channel)));
/// assert_eq!(decide("private-ann")?, Decision::Allow);
/// assert_eq!(decide("presence-team")?, Decision::AllowAsMember(PresenceMember::new("ann".parse()?, None)?));
/// assert_eq!(decide("private-bob")?, Decision::Deny);
/// # Ok::<(), Box<dyn std::error::Error>>(())
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
/// `403`. A function or closure `Fn(&RequestView<'_>, &SocketId) -> Option<UserData>`,
/// or a type implementing this trait with `async fn`; an `Arc` of either.
/// [`UserAuthEndpoint`](super::UserAuthEndpoint)'s example reads the user from the
/// session with a closure.
///
/// ```
/// use std::collections::HashMap;
/// use channel_auth::integrations::handler::{RequestView, UserAuthenticator};
/// use channel_auth::{SocketId, UserData, UserId};
///
/// /// The application's sessions, by token (a database, behind an async client).
/// struct Sessions(HashMap<String, UserId>);
/// impl Sessions {
///     async fn user(&self, token: &str) -> Option<UserId> {
///         self.0.get(token).cloned()
///     }
/// }
///
/// impl UserAuthenticator for Sessions {
///     async fn authenticate(&self, request: &RequestView<'_>, _socket: &SocketId) -> Option<UserData> {
///         let token = request.header("authorization")?.strip_prefix("Bearer ")?;
///         Some(UserData::new(self.user(token).await?))
///     }
/// }
///
/// let sessions = Sessions(HashMap::from([("7f3a9c".to_owned(), "ann".parse()?)]));
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let socket: SocketId = "1.1".parse()?;
/// let ask = |headers: &[(&str, &str)]| {
///     let headers = headers.to_vec();
///     runtime.block_on(sessions.authenticate(&RequestView::new(&headers), &socket))
/// };
/// assert_eq!(ask(&[("Authorization", "Bearer 7f3a9c")]).map(|u| u.id().as_str().to_owned()).as_deref(), Some("ann"));
/// assert!(ask(&[("Authorization", "Bearer 7f3a9")]).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
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
    pub(super) fn status(&self) -> u16 {
        if self.retry { 503 } else { 422 }
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
/// [`Keyring`](crate::Keyring), that parsed into typed events, and whose `time_ms` is within the
/// endpoint's freshness window ([`WebhookEndpoint::with_freshness_window`](super::WebhookEndpoint::with_freshness_window)). It says
/// what happened: `Ok(())` processed (`200`); [`HandlerError::retry_later`] not now
/// (`503`, the sender delivers again); [`HandlerError::refuse`] never (`422`, the sender
/// gives up).
///
/// ```
/// use channel_auth::integrations::handler::{HandlerError, RequestView, WebhookHandler};
/// use channel_auth::webhook::{VerifiedWebhook, WebhookEvent};
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
    /// A [`HandlerError`] when the webhook could not be handled: `503` for
    /// [`HandlerError::retry_later`], `422` for [`HandlerError::refuse`].
    fn handle(
        &self,
        request: &RequestView<'_>,
        webhook: VerifiedWebhook<'_>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// A plain function or closure decides at once, with the same rules as any other
/// [`ChannelAuthorizer`]. Annotate its parameters, so that it takes borrows of any
/// lifetime: `|request: &RequestView<'_>, _: &SocketId, channel: &ChannelName| …`. A
/// policy that awaits (a database) implements the trait with `async fn` instead.
impl<F> ChannelAuthorizer for F
where
    F: Fn(&RequestView<'_>, &SocketId, &ChannelName) -> Decision + Send + Sync + 'static,
{
    fn authorize(
        &self,
        request: &RequestView<'_>,
        socket_id: &SocketId,
        channel: &ChannelName,
    ) -> impl Future<Output = Decision> + Send {
        ready(self(request, socket_id, channel))
    }
}

/// A plain function or closure decides at once: `|request: &RequestView<'_>, _:
/// &SocketId| …` returning the user's data, or `None` to refuse.
impl<F> UserAuthenticator for F
where
    F: Fn(&RequestView<'_>, &SocketId) -> Option<UserData> + Send + Sync + 'static,
{
    fn authenticate(
        &self,
        request: &RequestView<'_>,
        socket_id: &SocketId,
    ) -> impl Future<Output = Option<UserData>> + Send {
        ready(self(request, socket_id))
    }
}

/// A shared policy: one value behind several endpoints (channel and batch auth, say).
impl<T: ChannelAuthorizer> ChannelAuthorizer for Arc<T> {
    fn authorize(
        &self,
        request: &RequestView<'_>,
        socket_id: &SocketId,
        channel: &ChannelName,
    ) -> impl Future<Output = Decision> + Send {
        T::authorize(self, request, socket_id, channel)
    }
}

/// A shared policy: one value behind several endpoints.
impl<T: UserAuthenticator> UserAuthenticator for Arc<T> {
    fn authenticate(
        &self,
        request: &RequestView<'_>,
        socket_id: &SocketId,
    ) -> impl Future<Output = Option<UserData>> + Send {
        T::authenticate(self, request, socket_id)
    }
}

/// A shared handler: one value behind several webhook endpoints (one per app, say).
impl<T: WebhookHandler> WebhookHandler for Arc<T> {
    fn handle(
        &self,
        request: &RequestView<'_>,
        webhook: VerifiedWebhook<'_>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        T::handle(self, request, webhook)
    }
}
