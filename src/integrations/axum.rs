//! [axum] 0.8 routes for a Pusher auth backend (cargo feature `axum`), on the
//! framework-agnostic [`handler`](super::handler) core.
//!
//! The library parses, signs and answers; the application decides. Its policies (a
//! function or closure that decides at once, or a type implementing
//! [`ChannelAuthorizer`], [`UserAuthenticator`] or [`WebhookHandler`]) see a
//! [`RequestView`]: the request's headers, and its extensions (where session middleware
//! puts its data) through [`RequestView::extension`]. Every route has one shape,
//! [`route`] over a [`Route`]; [`channel_auth`], [`batch_channel_auth`], [`user_auth`]
//! and [`webhook`] name the usual ones. Status codes and bodies are the core's,
//! identical in every framework: see [the handler's statuses](super::handler#statuses).
//! A refusal's typed reason also rides in the response's extensions (see
//! [`http::response`]), for logging middleware.
//!
//! # Slow clients
//!
//! Each route reads at most its body limit within its
//! [`body_timeout`](Route::body_timeout) (10 s by default; `408` and the connection
//! closed past it), and refuses a `Content-Length` over the limit before reading. What
//! the routes cannot bound is the connection itself: `axum::serve` has no header
//! timeout and no connection cap, so a client that trickles its headers holds a
//! connection as long as it likes. Serve on a [`BoundedListener`] (1,024 connections,
//! 60 s each, by default), or put a reverse proxy with those limits in front.
//! `examples/auth_server.rs` does, and `tests/slow_clients.rs` checks it.
//!
//! ```no_run
//! use axum::Router;
//! use channel_auth::integrations::axum::{batch_channel_auth, channel_auth, user_auth, BoundedListener};
//! use channel_auth::integrations::handler::{Decision, RequestView};
//! use channel_auth::{ChannelName, Credentials, PresenceMember, SocketId, UserData, UserId};
//!
//! /// The session's user. DEMO ONLY: this trusts an `X-User-Id` header; a real app reads
//! /// its session cookie, or what its session middleware put in the extensions.
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
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//!     let app = Router::new()
//!         .route("/pusher/auth", channel_auth(creds.clone(), authorize))
//!         .route("/pusher/batch-auth", batch_channel_auth(creds.clone(), authorize))
//!         .route("/pusher/user-auth", user_auth(creds, authenticate));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(BoundedListener::new(listener), app).await?;
//!     Ok(())
//! }
//! ```

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::{MethodRouter, post};

use super::RequestError;
#[cfg(doc)]
use super::handler::RequestView;
use super::handler::{
    Answer, BatchAuthEndpoint, ChannelAuthEndpoint, ChannelAuthorizer, Route, UserAuthEndpoint, UserAuthenticator,
    WebhookEndpoint, WebhookHandler,
};
use super::http;
use crate::credentials::{Credentials, Keyring};

/// A `POST` route answering with `endpoint`: the one shape behind every route here.
///
/// ```
/// use axum::Router;
/// use std::time::Duration;
/// use channel_auth::integrations::axum::route;
/// use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// let deny_all = |_: &RequestView<'_>, _: &SocketId, _: &ChannelName| Decision::Deny;
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let endpoint = ChannelAuthEndpoint::new(creds, deny_all).with_body_timeout(Duration::from_secs(5));
/// let app: Router = Router::new().route("/pusher/auth", route(endpoint));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn route<E: Route, S: Clone + Send + Sync + 'static>(endpoint: E) -> MethodRouter<S> {
    let endpoint = Arc::new(endpoint);
    post(move |request: Request| {
        let endpoint = Arc::clone(&endpoint);
        async move { respond(&*endpoint, request).await }
    })
}

/// Answers one request with `endpoint`: what [`route`] runs, for applications that
/// write their own handler around it. Refuses on the headers first, then reads at most
/// [`Route::max_body_len`] bytes of body (`413` past it) within
/// [`Route::body_timeout`] (`408` past it, and the connection closes).
///
/// The deadline is a tokio timer: run it on a runtime with timers enabled (as
/// `#[tokio::main]` and `Runtime::new` build; tokio panics on one built without
/// `enable_time`).
///
/// ```
/// use axum::extract::Request;
/// use axum::http::StatusCode;
/// use channel_auth::integrations::axum::respond;
/// use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, RequestView};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let deny_all = |_: &RequestView<'_>, _: &SocketId, _: &ChannelName| Decision::Deny;
/// let endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), deny_all);
/// let hostile = Request::post("/")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .body("socket_id=1.1%3Aprivate-x&channel_name=private-a".into())?;
/// assert_eq!(respond(&endpoint, hostile).await.status(), StatusCode::BAD_REQUEST);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn respond<E: Route>(endpoint: &E, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let view = http::view_parts(&parts);
    let answer = match endpoint.refuse_early(&view) {
        Some(answer) => answer,
        None => match read_body(endpoint, body).await {
            Ok(bytes) => endpoint.answer(&view, &bytes).await,
            Err(e) => Answer::request_error(e),
        },
    };
    http::response(answer).map(Body::from)
}

/// At most [`Route::max_body_len`] bytes, arrived within [`Route::body_timeout`]:
/// `axum::serve` bounds neither, so a client that announced a body and stopped would
/// hold the handler until it hung up.
async fn read_body<E: Route>(endpoint: &E, body: Body) -> Result<axum::body::Bytes, RequestError> {
    let (max, timeout) = (endpoint.max_body_len(), endpoint.body_timeout());
    let mut read = std::pin::pin!(axum::body::to_bytes(body, max));
    // A small body has usually arrived with the head: read it without arming a timer.
    let read = match std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await {
        Poll::Ready(read) => Ok(read),
        Poll::Pending => tokio::time::timeout(timeout, read).await,
    };
    match read {
        Ok(Ok(bytes)) => Ok(bytes),
        // Past the limit, or a body that broke off: nothing was read to answer.
        Ok(Err(_)) => Err(RequestError::BodyTooLarge { max }),
        Err(_) => Err(RequestError::BodyTimedOut { timeout }),
    }
}

/// `POST` route for pusher-js channel authorization: [`route`] over a
/// [`ChannelAuthEndpoint`].
pub fn channel_auth<A: ChannelAuthorizer, S: Clone + Send + Sync + 'static>(
    credentials: Credentials,
    authorizer: A,
) -> MethodRouter<S> {
    route(ChannelAuthEndpoint::new(credentials, authorizer))
}

/// `POST` route for batch channel authorization in the `pusher-js-auth` wire format:
/// [`route`] over a [`BatchAuthEndpoint`].
pub fn batch_channel_auth<A: ChannelAuthorizer, S: Clone + Send + Sync + 'static>(
    credentials: Credentials,
    authorizer: A,
) -> MethodRouter<S> {
    route(BatchAuthEndpoint::new(credentials, authorizer))
}

/// `POST` route for pusher-js user authentication (`pusher.signin()`): [`route`] over a
/// [`UserAuthEndpoint`].
pub fn user_auth<U: UserAuthenticator, S: Clone + Send + Sync + 'static>(
    credentials: Credentials,
    authenticator: U,
) -> MethodRouter<S> {
    route(UserAuthEndpoint::new(credentials, authenticator))
}

/// `POST` route that receives Pusher (or soketi) webhooks: [`route`] over a
/// [`WebhookEndpoint`].
pub fn webhook<H: WebhookHandler, S: Clone + Send + Sync + 'static>(keyring: Keyring, handler: H) -> MethodRouter<S> {
    route(WebhookEndpoint::new(keyring, handler))
}

/// A TCP listener for `axum::serve` that holds at most a number of connections open at
/// once, each for at most a lifetime: what `axum::serve` on a bare `TcpListener` lacks.
///
/// Without it, a client that opens connections and trickles its request headers a byte
/// at a time holds each connection (and its file descriptor) for as long as it likes,
/// and enough of them starve the server: axum's `serve` has no header timeout and no
/// connection cap. With it, connections beyond [`max_connections`](Self::with_max_connections)
/// wait in the kernel's backlog until one closes, and every connection fails its next
/// read or write once its [`lifetime`](Self::with_connection_lifetime) is over,
/// whatever it is doing. (Bodies are bounded by the routes themselves:
/// [`Route::body_timeout`].) Defaults: 1,024 connections, 60 s each.
///
/// It uses tokio timers: serve it on a runtime with timers enabled (`#[tokio::main]`).
///
/// ```no_run
/// use axum::Router;
/// use channel_auth::integrations::axum::BoundedListener;
///
/// # async fn run(app: Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(BoundedListener::new(listener), app).await
/// # }
/// ```
#[derive(Debug)]
pub struct BoundedListener {
    inner: tokio::net::TcpListener,
    slots: Arc<tokio::sync::Semaphore>,
    lifetime: Duration,
}

impl BoundedListener {
    /// The default cap on open connections.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
    /// The default longest life of one connection.
    pub const DEFAULT_CONNECTION_LIFETIME: Duration = Duration::from_secs(60);

    /// `listener`, with the default bounds.
    #[must_use]
    pub fn new(listener: tokio::net::TcpListener) -> Self {
        Self {
            inner: listener,
            slots: Arc::new(tokio::sync::Semaphore::new(Self::DEFAULT_MAX_CONNECTIONS)),
            lifetime: Self::DEFAULT_CONNECTION_LIFETIME,
        }
    }

    /// At most `max` connections open at once (at least one).
    #[must_use]
    pub fn with_max_connections(self, max: usize) -> Self {
        let max = max.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        Self { slots: Arc::new(tokio::sync::Semaphore::new(max)), ..self }
    }

    /// Every connection closed after `lifetime`, whatever it is doing: this also bounds
    /// a client that trickles its headers, and an idle keep-alive connection.
    #[must_use]
    pub fn with_connection_lifetime(self, lifetime: Duration) -> Self {
        Self { lifetime, ..self }
    }
}

impl axum::serve::Listener for BoundedListener {
    type Io = BoundedStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // A free slot first, then accept: excess clients wait in the backlog. The
            // semaphore is never closed, so acquiring cannot fail.
            let Ok(slot) = Arc::clone(&self.slots).acquire_owned().await else { continue };
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let deadline = Box::pin(tokio::time::sleep(self.lifetime));
                    return (BoundedStream { inner: stream, deadline, _slot: slot }, addr);
                }
                // As axum's own listener does: a failed accept (too many open files, a
                // connection reset before it was accepted) is retried after a pause.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// One connection accepted by a [`BoundedListener`]: a TCP stream that fails every read
/// and write once its lifetime is over, and frees its slot when dropped.
#[derive(Debug)]
pub struct BoundedStream {
    inner: tokio::net::TcpStream,
    deadline: Pin<Box<tokio::time::Sleep>>,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl BoundedStream {
    /// `Some(error)` once the lifetime is over (and registers for the wake-up until then).
    fn expired(&mut self, cx: &mut Context<'_>) -> Option<std::io::Error> {
        self.deadline
            .as_mut()
            .poll(cx)
            .is_ready()
            .then(|| std::io::Error::new(std::io::ErrorKind::TimedOut, "connection lifetime over"))
    }
}

impl tokio::io::AsyncRead for BoundedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if let Some(over) = self.expired(cx) {
            return Poll::Ready(Err(over));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for BoundedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        if let Some(over) = self.expired(cx) {
            return Poll::Ready(Err(over));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        if let Some(over) = self.expired(cx) {
            return Poll::Ready(Err(over));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
