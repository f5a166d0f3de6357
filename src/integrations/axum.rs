//! [axum] 0.8 routes for a Pusher auth backend (cargo feature `axum`), on the
//! framework-agnostic [`handler`](super::handler) core.
//!
//! The library parses, signs and answers; the application decides. It implements
//! [`ChannelAuthorizer`] ("may this request's user join this channel, and as which
//! presence member?"), [`UserAuthenticator`] ("who is signing in?") and
//! [`WebhookHandler`], seeing a [`RequestView`]: the request's headers, and its
//! extensions (where session middleware puts its data) through
//! [`RequestView::extension`]. Every route has one shape, [`route`] over an
//! [`Endpoint`]; the four builders below name the usual ones. Status codes and bodies
//! are the core's, identical in every framework:
//!
//! | route function | answers |
//! |---|---|
//! | [`channel_auth`] | `200` [`ChannelAuth`](crate::ChannelAuth) JSON, `403` denied, `400` hostile or unauthorizable |
//! | [`batch_channel_auth`] | `200` `{"<channel>":{"status":200,"data":{…}},"<other>":{"status":403}}` (`pusher-js-auth`), `400` hostile |
//! | [`user_auth`] | `200` [`UserAuth`](crate::UserAuth) JSON, `403` denied, `400` hostile |
//! | [`webhook`] | `200` once the [`WebhookHandler`] succeeded; `401` bad or missing signature, `400` a verified body that does not parse, `500` the handler failed |
//!
//! The auth routes answer `415` to a body that is not
//! `application/x-www-form-urlencoded`, and every route `413` to a body over its limit.
//! Every refusal is JSON `{"error":"<reason>"}`, the reason being a typed error's message
//! ([`RequestError`], [`AuthError`](crate::AuthError)): never a
//! secret or a signature. A hostile body is refused before the application is asked, so
//! nothing is signed for it; the typed reason also rides in the response's extensions
//! (see [`http::response`]), for logging middleware.
//!
//! # Slow clients: deploy with timeouts and a connection limit
//!
//! The body limits count bytes read, so a client that announces
//! `Content-Length: 100000000` and sends 13 bytes keeps its handler waiting for the
//! rest. `axum::serve` alone has no request timeout and no connection limit: give every
//! deployment (1) a request timeout that covers reading the body (a `from_fn`
//! middleware wrapping `next.run` in `tokio::time::timeout`, or `tower-http`'s
//! `TimeoutLayer`), (2) a connection lifetime or header-read timeout, (3) a cap on open
//! connections; or put a reverse proxy with those limits in front.
//! `examples/auth_server.rs` does all three with tokio and axum alone (10 s, 60 s,
//! 1,024), and `tests/slow_clients.rs` checks them.
//!
//! ```
//! use axum::Router;
//! use channel_auth::integrations::axum::{channel_auth, user_auth, ChannelAuthorizer, Decision, RequestView, UserAuthenticator};
//! use channel_auth::{ChannelKind, ChannelName, Credentials, PresenceMember, SocketId, UserData, UserId};
//!
//! /// Trusts an `X-User-Id` header: a real app reads its session here instead.
//! #[derive(Clone)]
//! struct Policy;
//!
//! fn user(request: &RequestView<'_>) -> Option<UserId> {
//!     request.header("x-user-id")?.parse().ok()
//! }
//!
//! impl ChannelAuthorizer for Policy {
//!     async fn authorize(&self, request: &RequestView<'_>, _socket: &SocketId, channel: &ChannelName) -> Decision {
//!         let Some(id) = user(request) else { return Decision::Deny };
//!         match channel.kind() {
//!             ChannelKind::Presence => match PresenceMember::new(id, None) {
//!                 Ok(member) => Decision::AllowAsMember(member),
//!                 Err(_) => Decision::Deny,
//!             },
//!             _ => Decision::Allow,
//!         }
//!     }
//! }
//!
//! impl UserAuthenticator for Policy {
//!     async fn authenticate(&self, request: &RequestView<'_>, _socket: &SocketId) -> Option<UserData> {
//!         user(request).map(UserData::new)
//!     }
//! }
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let app: Router = Router::new()
//!     .route("/pusher/auth", channel_auth(creds.clone(), Policy))
//!     .route("/pusher/user-auth", user_auth(creds, Policy));
//! # let _ = app;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::{post, MethodRouter};

pub use super::handler::{
    Answer, BatchAuthEndpoint, ChannelAuthEndpoint, ChannelAuthorizer, Decision, Endpoint, HandlerError, Refusal,
    RequestView, UserAuthEndpoint, UserAuthenticator, WebhookEndpoint, WebhookHandler, MAX_WEBHOOK_BODY_LEN,
};
use super::http;
use super::RequestError;
use crate::credentials::{Credentials, Keyring};

/// A `POST` route answering with `endpoint`: the one shape behind every route here.
///
/// ```
/// use axum::Router;
/// use channel_auth::integrations::axum::{route, ChannelAuthEndpoint, ChannelAuthorizer, Decision, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// struct DenyAll;
/// impl ChannelAuthorizer for DenyAll {
///     async fn authorize(&self, _: &RequestView<'_>, _: &SocketId, _: &ChannelName) -> Decision { Decision::Deny }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let app: Router = Router::new().route("/pusher/auth", route(ChannelAuthEndpoint::new(creds, DenyAll)));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn route<E, S>(endpoint: E) -> MethodRouter<S>
where
    E: Endpoint,
    S: Clone + Send + Sync + 'static,
{
    let endpoint = Arc::new(endpoint);
    post(move |request: Request| {
        let endpoint = Arc::clone(&endpoint);
        async move { respond(&*endpoint, request).await }
    })
}

/// Answers one request with `endpoint`: what [`route`] runs, for applications that
/// write their own handler around it. Refuses on the headers first, then reads at most
/// [`Endpoint::max_body_len`] bytes of body (`413` past it).
///
/// ```
/// use axum::extract::Request;
/// use axum::http::StatusCode;
/// use channel_auth::integrations::axum::{respond, ChannelAuthEndpoint, ChannelAuthorizer, Decision, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// struct AllowAll;
/// impl ChannelAuthorizer for AllowAll {
///     async fn authorize(&self, _: &RequestView<'_>, _: &SocketId, _: &ChannelName) -> Decision { Decision::Allow }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), AllowAll);
/// let hostile = Request::post("/")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .body("socket_id=1.1%3Aprivate-x&channel_name=private-a".into())?;
/// assert_eq!(respond(&endpoint, hostile).await.status(), StatusCode::BAD_REQUEST);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn respond<E: Endpoint>(endpoint: &E, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let view = http::view_parts(&parts);
    let answer = match endpoint.refuse_early(&view) {
        Some(answer) => answer,
        None => {
            let max = endpoint.max_body_len();
            match axum::body::to_bytes(body, max).await {
                Ok(bytes) => endpoint.answer(&view, &bytes).await,
                Err(_) => Answer::request_error(RequestError::BodyTooLarge { max }),
            }
        }
    };
    http::response(answer).map(Body::from)
}

/// `POST` route for pusher-js channel authorization: [`route`] over a
/// [`ChannelAuthEndpoint`].
///
/// ```
/// use axum::Router;
/// use channel_auth::integrations::axum::{channel_auth, ChannelAuthorizer, Decision, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// struct DenyAll;
/// impl ChannelAuthorizer for DenyAll {
///     async fn authorize(&self, _: &RequestView<'_>, _: &SocketId, _: &ChannelName) -> Decision { Decision::Deny }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let app: Router = Router::new().route("/pusher/auth", channel_auth(creds, DenyAll));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn channel_auth<A, S>(credentials: Credentials, authorizer: A) -> MethodRouter<S>
where
    A: ChannelAuthorizer,
    S: Clone + Send + Sync + 'static,
{
    route(ChannelAuthEndpoint::new(credentials, authorizer))
}

/// `POST` route for batch channel authorization in the `pusher-js-auth` wire format:
/// [`route`] over a [`BatchAuthEndpoint`].
///
/// ```
/// use axum::Router;
/// use channel_auth::integrations::axum::{batch_channel_auth, ChannelAuthorizer, Decision, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// struct DenyAll;
/// impl ChannelAuthorizer for DenyAll {
///     async fn authorize(&self, _: &RequestView<'_>, _: &SocketId, _: &ChannelName) -> Decision { Decision::Deny }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let app: Router = Router::new().route("/pusher/batch-auth", batch_channel_auth(creds, DenyAll));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn batch_channel_auth<A, S>(credentials: Credentials, authorizer: A) -> MethodRouter<S>
where
    A: ChannelAuthorizer,
    S: Clone + Send + Sync + 'static,
{
    route(BatchAuthEndpoint::new(credentials, authorizer))
}

/// `POST` route for pusher-js user authentication (`pusher.signin()`): [`route`] over a
/// [`UserAuthEndpoint`].
///
/// ```
/// use axum::Router;
/// use channel_auth::integrations::axum::{user_auth, RequestView, UserAuthenticator};
/// use channel_auth::{Credentials, SocketId, UserData};
///
/// struct Nobody;
/// impl UserAuthenticator for Nobody {
///     async fn authenticate(&self, _: &RequestView<'_>, _: &SocketId) -> Option<UserData> { None }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let app: Router = Router::new().route("/pusher/user-auth", user_auth(creds, Nobody));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn user_auth<U, S>(credentials: Credentials, authenticator: U) -> MethodRouter<S>
where
    U: UserAuthenticator,
    S: Clone + Send + Sync + 'static,
{
    route(UserAuthEndpoint::new(credentials, authenticator))
}

/// `POST` route that receives Pusher (or soketi) webhooks: [`route`] over a
/// [`WebhookEndpoint`].
///
/// ```
/// use axum::Router;
/// use channel_auth::integrations::axum::{webhook, HandlerError, RequestView, WebhookHandler};
/// use channel_auth::{Credentials, Keyring, VerifiedWebhook};
///
/// struct Ignore;
/// impl WebhookHandler for Ignore {
///     async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> { Ok(()) }
/// }
///
/// let ring = Keyring::new([Credentials::new("key".parse()?, "secret".parse()?)]);
/// let app: Router = Router::new().route("/pusher/webhook", webhook(ring, Ignore));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn webhook<H, S>(keyring: Keyring, handler: H) -> MethodRouter<S>
where
    H: WebhookHandler,
    S: Clone + Send + Sync + 'static,
{
    route(WebhookEndpoint::new(keyring, handler))
}
