//! [actix-web] 4 routes for a Pusher auth backend (cargo feature `actix-web`), on the
//! framework-agnostic [`handler`] core.
//!
//! The same routes, policies, status codes and bodies as the `axum` module: the
//! application's policies (a function or closure that decides at once, or a type
//! implementing [`ChannelAuthorizer`], [`UserAuthenticator`] or [`WebhookHandler`]) see a
//! [`RequestView`] (the request's headers, and a context slot), and the library parses,
//! signs and answers. Every route has one shape, [`route`] over a
//! [`Route`](handler::Route); [`channel_auth`], [`batch_channel_auth`], [`user_auth`] and
//! [`webhook`] name the usual ones. Statuses and bodies are [the
//! handler's](handler#statuses); each route reads its body with its own limit, whatever
//! `PayloadConfig` says. A refusal's typed reason ([`Refusal`], and the error inside it:
//! [`RequestError`], [`AuthError`](crate::AuthError), [`ConfigError`](crate::ConfigError),
//! [`WebhookError`](crate::webhook::WebhookError) or [`HandlerError`]) rides in the
//! response's extensions, for logging middleware.
//!
//! actix-web keeps its request extensions in a single-threaded cell, so they cannot be
//! lent to a policy as they are. What a policy needs from them (the session's user, say)
//! is handed over by [`route_with_context`]: a function of the request whose value the
//! policy reads with [`RequestView::context`].
//!
//! # Slow clients
//!
//! Each route reads at most its body limit within its
//! [`body_timeout`](handler::Route::body_timeout) (10 s by default; `408` and the connection
//! closed past it): actix-web's own `client_request_timeout` covers only the request's
//! head. Give the server the rest: `max_connections`, `client_request_timeout`, and a
//! `keep_alive` timeout, as below (`examples/auth_server_actix.rs` also closes
//! connections older than a lifetime).
//!
//! ```no_run
//! use std::time::Duration;
//! use actix_web::{App, HttpServer};
//! use channel_auth::integrations::actix_web::{batch_channel_auth, channel_auth, user_auth};
//! use channel_auth::integrations::handler::{Decision, RequestView};
//! use channel_auth::{ChannelName, Credentials, PresenceMember, SocketId, UserData, UserId};
//!
//! /// The session's user. DEMO ONLY: this trusts an `X-User-Id` header; a real app reads
//! /// its session (see [`route_with_context`]).
//! fn user(request: &RequestView<'_>) -> Option<UserId> {
//!     request.header("x-user-id")?.parse().ok()
//! }
//!
//! /// Exact rules only: the user's own `private-<id>`, and the one shared lobby.
//! fn authorize(request: &RequestView<'_>, _socket: &SocketId, channel: &ChannelName) -> Decision {
//!     let Some(user) = user(request) else { return Decision::Deny };
//!     if channel.is_private_to(&user) {
//!         Decision::Allow
//!     } else if channel.as_str() == "presence-lobby" {
//!         PresenceMember::new(user, None).map_or(Decision::Deny, Decision::AllowAsMember)
//!     } else {
//!         Decision::Deny
//!     }
//! }
//!
//! fn authenticate(request: &RequestView<'_>, _socket: &SocketId) -> Option<UserData> {
//!     user(request).map(UserData::new)
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//!     HttpServer::new(move || {
//!         App::new()
//!             .route("/pusher/auth", channel_auth(creds.clone(), authorize))
//!             .route("/pusher/batch-auth", batch_channel_auth(creds.clone(), authorize))
//!             .route("/pusher/user-auth", user_auth(creds.clone(), authenticate))
//!     })
//!     .max_connections(1024)
//!     .client_request_timeout(Duration::from_secs(10))
//!     .keep_alive(Duration::from_secs(10))
//!     .bind(("127.0.0.1", 3000))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```

use std::any::Any;
use std::future::Future as _;
use std::sync::Arc;
use std::task::Poll;

use ::actix_web::http::header::HeaderMap;
use ::actix_web::http::{ConnectionType, StatusCode};
use ::actix_web::{HttpRequest, HttpResponse, Route, web};

use super::RequestError;
use super::handler;
#[cfg(doc)]
use super::handler::HandlerError;
use super::handler::HeaderLookup;
#[cfg(doc)]
use super::handler::Refusal;
use super::handler::{
    Answer, BatchAuthEndpoint, ChannelAuthEndpoint, ChannelAuthorizer, RequestView, TypedSlot, UserAuthEndpoint,
    UserAuthenticator, WebhookEndpoint, WebhookHandler,
};
use crate::credentials::{Credentials, Keyring};

/// actix-web's header map (on `http` 0.2), looked up like any other: case-insensitively,
/// a value that is not visible ASCII counting as absent.
///
/// ```
/// use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
/// use channel_auth::integrations::handler::HeaderLookup;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(HeaderName::from_static("x-user"), HeaderValue::from_static("ann"));
/// assert_eq!(headers.header("X-User"), Some("ann"));
/// assert_eq!(headers.header("x-other"), None);
/// ```
impl HeaderLookup for HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A `POST` route answering with `endpoint`: the one shape behind every route here.
///
/// ```
/// use actix_web::App;
/// use std::time::Duration;
/// use channel_auth::integrations::actix_web::route;
/// use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// let deny_all = |_: &RequestView<'_>, _: &SocketId, _: &ChannelName| Decision::Deny;
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let endpoint = ChannelAuthEndpoint::new(creds, deny_all).with_body_timeout(Duration::from_secs(5));
/// let app = App::new().route("/pusher/auth", route(endpoint));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn route<E: handler::Route>(endpoint: E) -> Route {
    let endpoint = Arc::new(endpoint);
    web::post().to(move |request: HttpRequest, payload: web::Payload| {
        let endpoint = Arc::clone(&endpoint);
        async move { respond(&*endpoint, &request, payload).await }
    })
}

/// [`route`], with `context(&request)` in the view's context slot: how a policy reads
/// what actix-web middleware left in the request (a session, an identity), through
/// [`RequestView::context`].
///
/// ```
/// use actix_web::{App, HttpMessage as _, HttpRequest};
/// use channel_auth::integrations::actix_web::route_with_context;
/// use channel_auth::integrations::handler::{RequestView, UserAuthEndpoint};
/// use channel_auth::{Credentials, SocketId, UserData, UserId};
///
/// /// What the application's session middleware put into the request's extensions.
/// #[derive(Clone)]
/// struct SignedIn(UserId);
///
/// let from_session = |request: &RequestView<'_>, _: &SocketId| {
///     let session = request.context::<Option<SignedIn>>()?.as_ref()?;
///     Some(UserData::new(session.0.clone()))
/// };
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let endpoint = UserAuthEndpoint::new(creds, from_session);
/// let session = |request: &HttpRequest| request.extensions().get::<SignedIn>().cloned();
/// let app = App::new().route("/pusher/user-auth", route_with_context(endpoint, session));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn route_with_context<E, C, F>(endpoint: E, context: F) -> Route
where
    E: handler::Route,
    C: Any + Send + Sync,
    F: Fn(&HttpRequest) -> C + Clone + 'static,
{
    let endpoint = Arc::new(endpoint);
    web::post().to(move |request: HttpRequest, payload: web::Payload| {
        let endpoint = Arc::clone(&endpoint);
        let value = context(&request);
        async move { respond_with_context(&*endpoint, &request, payload, &value).await }
    })
}

/// Answers one request with `endpoint`: what [`route`] runs, for applications that write
/// their own handler around it. Refuses on the headers first, then reads at most
/// [`Route::max_body_len`](handler::Route::max_body_len) bytes of body (`413` past it).
///
/// ```
/// use actix_web::{test, web, App, HttpRequest};
/// use channel_auth::integrations::actix_web::respond;
/// use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// async fn handler(request: HttpRequest, payload: web::Payload) -> actix_web::HttpResponse {
///     let creds = Credentials::new("key".parse().expect("key"), "secret".parse().expect("secret"));
///     let deny_all = |_: &RequestView<'_>, _: &SocketId, _: &ChannelName| Decision::Deny;
///     respond(&ChannelAuthEndpoint::new(creds, deny_all), &request, payload).await
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(App::new().route("/auth", web::post().to(handler))).await;
/// let hostile = test::TestRequest::post()
///     .uri("/auth")
///     .insert_header(("content-type", "application/x-www-form-urlencoded"))
///     .set_payload("socket_id=1.1%3Aprivate-x&channel_name=private-a")
///     .to_request();
/// assert_eq!(test::call_service(&app, hostile).await.status(), 400);
/// # });
/// ```
pub async fn respond<E: handler::Route>(endpoint: &E, request: &HttpRequest, payload: web::Payload) -> HttpResponse {
    let view = RequestView::new(request.headers());
    answer(endpoint, &view, payload).await
}

/// [`respond`], with `context` in the view's context slot (see [`route_with_context`]).
///
/// ```
/// use actix_web::{test, web, App, HttpRequest};
/// use channel_auth::integrations::actix_web::respond_with_context;
/// use channel_auth::integrations::handler::{RequestView, UserAuthEndpoint};
/// use channel_auth::{Credentials, SocketId, UserData, UserId};
///
/// async fn handler(request: HttpRequest, payload: web::Payload) -> actix_web::HttpResponse {
///     let creds = Credentials::new("key".parse().expect("key"), "secret".parse().expect("secret"));
///     let from_context = |request: &RequestView<'_>, _: &SocketId| request.context::<UserId>().cloned().map(UserData::new);
///     let user: UserId = "ann".parse().expect("user id");
///     respond_with_context(&UserAuthEndpoint::new(creds, from_context), &request, payload, &user).await
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(App::new().route("/user", web::post().to(handler))).await;
/// let req = test::TestRequest::post()
///     .uri("/user")
///     .insert_header(("content-type", "application/x-www-form-urlencoded"))
///     .set_payload("socket_id=1.1")
///     .to_request();
/// assert_eq!(test::call_service(&app, req).await.status(), 200);
/// # });
/// ```
pub async fn respond_with_context<E: handler::Route>(
    endpoint: &E,
    request: &HttpRequest,
    payload: web::Payload,
    context: &(dyn Any + Send + Sync),
) -> HttpResponse {
    let view = RequestView::new(request.headers()).with_context(context);
    answer(endpoint, &view, payload).await
}

async fn answer<E: handler::Route>(endpoint: &E, view: &RequestView<'_>, payload: web::Payload) -> HttpResponse {
    let answer = match endpoint.refuse_early(view) {
        Some(answer) => answer,
        None => match read_body(endpoint, payload).await {
            Ok(bytes) => endpoint.answer(view, &bytes).await,
            Err(e) => Answer::request_error(e),
        },
    };
    response(answer)
}

/// At most [`Route::max_body_len`](handler::Route::max_body_len) bytes, arrived within
/// [`Route::body_timeout`](handler::Route::body_timeout):
/// actix-web bounds the time to the request's head (`client_request_timeout`), not to
/// its body, so a client that announced a body and stopped would hold the handler.
async fn read_body<E: handler::Route>(endpoint: &E, payload: web::Payload) -> Result<web::Bytes, RequestError> {
    let (max, timeout) = (endpoint.max_body_len(), endpoint.body_timeout());
    let mut read = std::pin::pin!(payload.to_bytes_limited(max));
    // A small body has usually arrived with the head: read it without arming a timer.
    let read = match std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await {
        Poll::Ready(read) => Ok(read),
        Poll::Pending => ::actix_web::rt::time::timeout(timeout, read).await,
    };
    match read {
        Ok(Ok(Ok(bytes))) => Ok(bytes),
        // Past the limit, or a body that broke off: nothing was read to answer.
        Ok(Ok(Err(_)) | Err(_)) => Err(RequestError::BodyTooLarge { max }),
        Err(_) => Err(RequestError::BodyTimedOut { timeout }),
    }
}

/// An [`Answer`] as an actix-web response: its status, the JSON body, its two headers,
/// and for a refusal the typed reason in the extensions.
///
/// ```
/// use channel_auth::integrations::actix_web::response;
/// use channel_auth::integrations::handler::{Answer, Refusal};
/// use channel_auth::integrations::RequestError;
///
/// let res = response(Answer::request_error(RequestError::BodyTooLarge { max: 8 }));
/// assert_eq!(res.status(), 413);
/// assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
/// assert_eq!(res.extensions().get::<RequestError>(), Some(&RequestError::BodyTooLarge { max: 8 }));
/// assert!(res.extensions().get::<Refusal>().is_some());
/// ```
#[must_use]
pub fn response(answer: Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = answer.headers();
    let refusal = answer.refusal().cloned();
    let mut builder = HttpResponse::build(status);
    for header in headers {
        builder.insert_header(header);
    }
    let mut res = builder.body(answer.into_body());
    if let Some(refusal) = refusal {
        refusal.put_in(&mut *res.extensions_mut());
    }
    if status == StatusCode::REQUEST_TIMEOUT {
        // The body stopped part-way: the connection cannot carry another request.
        res.head_mut().set_connection_type(ConnectionType::Close);
    }
    res
}

/// `POST` route for pusher-js channel authorization: [`route`] over a
/// [`ChannelAuthEndpoint`].
pub fn channel_auth<A: ChannelAuthorizer>(credentials: Credentials, authorizer: A) -> Route {
    route(ChannelAuthEndpoint::new(credentials, authorizer))
}

/// `POST` route for batch channel authorization in the `pusher-js-auth` wire format:
/// [`route`] over a [`BatchAuthEndpoint`].
pub fn batch_channel_auth<A: ChannelAuthorizer>(credentials: Credentials, authorizer: A) -> Route {
    route(BatchAuthEndpoint::new(credentials, authorizer))
}

/// `POST` route for pusher-js user authentication (`pusher.signin()`): [`route`] over a
/// [`UserAuthEndpoint`].
pub fn user_auth<U: UserAuthenticator>(credentials: Credentials, authenticator: U) -> Route {
    route(UserAuthEndpoint::new(credentials, authenticator))
}

/// `POST` route that receives Pusher (or soketi) webhooks: [`route`] over a
/// [`WebhookEndpoint`].
pub fn webhook<H: WebhookHandler>(keyring: Keyring, handler: H) -> Route {
    route(WebhookEndpoint::new(keyring, handler))
}

impl TypedSlot for ::actix_web::dev::Extensions {
    fn put<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.insert(value);
    }
}
