//! The main job: a Pusher Channels auth server on axum.
//!
//! ```text
//! cargo run --example auth_server --features axum
//! ```
//!
//! Serves on `127.0.0.1:$PORT` (default 3000):
//!
//! | route | what |
//! |---|---|
//! | `POST /pusher/auth` | channel authorization (pusher-js `channelAuthorization`) |
//! | `POST /pusher/batch-auth` | batch channel authorization (`pusher-js-auth` plugin) |
//! | `POST /pusher/user-auth` | user sign-in (pusher-js `userAuthentication`) |
//! | `POST /pusher/webhook` | webhooks: `401` unless signed with the app's secret and sent within the last 10 minutes; each handled once (a repeat is answered `200` unhandled) |
//! | `POST /faye/token` | a Faye token for the session's user and the form's `channel` (`{"userId","token"}`) |
//! | `GET /pusher/webhook/events` | the verified webhook events as JSON, only with `AUTH_SERVER_EXPOSE_WEBHOOKS=1` (for tests) |
//!
//! **The demo policy** (`examples/common/demo_policy.rs`, shared by every example
//! server) trusts an `X-User-Id` request header: a user may join exactly
//! `private-<id>` and `private-encrypted-<id>`, and any `presence-` channel as the member
//! with that id; everything else is `403`. A real application checks its session
//! instead (the request's headers and extensions reach the policy).
//!
//! **Credentials** come from `PUSHER_APP_KEY`, `PUSHER_APP_SECRET` (and optionally
//! `PUSHER_APP_ID`, `PUSHER_ENCRYPTION_MASTER_KEY_BASE64`). With none of them set, it
//! uses a demo app whose key, secret and master key are PUBLIC (printed in Pusher's
//! documentation and in `examples/common/demo_server.rs`): never use them for anything
//! real. With credentials from the environment it refuses to start unless
//! `CHANNEL_AUTH_DEMO_POLICY=1` says the header-trusting policy is wanted (tests do).
//! Faye tokens are signed with `FAYE_SECRET`; unset, with the Faye security guide's
//! PUBLIC example key for the demo app, and with real credentials the Faye route is off.
//!
//! One line is logged per decision and per verified webhook event (name and channel),
//! through a writer thread so no request waits on the terminal; secrets, signatures and
//! socket ids are never logged. Ctrl-C or SIGTERM stops it gracefully.
//!
//! **Replay guard**: the webhook route handles each webhook once (Pusher retries a
//! delivery with the same bytes, and a captured one could be replayed): with
//! `REDIS_URL` set (build with `--features axum,redis`), the guard is that Redis, shared
//! by every server of a deployment; unset, it is in this process's memory (100,000
//! keys, one process only). When the guard cannot answer (Redis down), webhooks get
//! `503` and the sender retries: never handled unchecked.
//!
//! **Slow clients** ([`Limits`]): each request body must arrive within 10 s
//! (`AUTH_SERVER_BODY_TIMEOUT_MS`), or it gets `408` and the connection closes; each
//! connection lives at most 60 s (`AUTH_SERVER_CONNECTION_LIFETIME_MS`), which also
//! bounds a client that trickles its headers; at most 1,024 connections are open at
//! once (`AUTH_SERVER_MAX_CONNECTIONS`), further ones wait in the kernel's backlog.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{MethodRouter, get, post};
use channel_auth::faye::{FayeUserId, faye_token_request_channel, sign_faye_grant};
use channel_auth::integrations::RequestError;
use channel_auth::integrations::axum::{BoundedListener, respond};
use channel_auth::integrations::handler::{
    BatchAuthEndpoint, ChannelAuthEndpoint, HandlerError, Route, UserAuthEndpoint, WebhookEndpoint,
};
use channel_auth::replay::{MemoryReplayGuard, ReplayError, ReplayGuard};
use channel_auth::webhook::WebhookError;
use channel_auth::{AppSecret, Credentials, Keyring};

#[path = "common/demo_policy.rs"]
mod demo_policy;
#[macro_use]
#[path = "common/demo_server.rs"]
mod demo_server;

use demo_policy::DemoPolicy;
use demo_server::{Error, WebhookLog, flush_log, log_line};

#[tokio::main]
async fn main() -> ExitCode {
    let status = match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log!("error: {e}");
            ExitCode::from(2)
        }
    };
    flush_log();
    status
}

async fn run() -> Result<(), Error> {
    let port = demo_server::port()?;
    let (credentials, origin) = demo_server::credentials()?;
    let faye_secret = demo_server::faye_secret(origin)?;
    let expose_webhooks = std::env::var("AUTH_SERVER_EXPOSE_WEBHOOKS").is_ok_and(|v| v == "1");
    if expose_webhooks {
        log!("AUTH_SERVER_EXPOSE_WEBHOOKS=1: GET /pusher/webhook/events lists received events");
    }
    let limits = Limits::from_env()?;
    let app = match std::env::var("REDIS_URL") {
        Ok(url) => app_with_replay_guard(credentials, faye_secret, expose_webhooks, limits, redis_guard(&url).await?),
        Err(_) => {
            log!("webhook replay guard: this process's memory ({MEMORY_GUARD_KEYS} keys; set REDIS_URL to share one)");
            app(credentials, faye_secret, expose_webhooks, limits)
        }
    };

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    log!("listening on http://{addr} ({limits:?})");
    serve(listener, app, limits, shutdown_signal()).await?;
    log!("stopped");
    Ok(())
}

/// What a slow or idle client may hold: see the module docs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How long a request body may take to arrive; `408` after it.
    pub body_timeout: Duration,
    /// The longest a connection stays open, whatever it does (trickled headers, idle
    /// keep-alive).
    pub connection_lifetime: Duration,
    /// Connections open at once; the next is accepted when one closes.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_timeout: channel_auth::integrations::handler::DEFAULT_BODY_TIMEOUT,
            connection_lifetime: BoundedListener::DEFAULT_CONNECTION_LIFETIME,
            max_connections: BoundedListener::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl Limits {
    /// The defaults, overridden by `AUTH_SERVER_BODY_TIMEOUT_MS`,
    /// `AUTH_SERVER_CONNECTION_LIFETIME_MS` and `AUTH_SERVER_MAX_CONNECTIONS`.
    fn from_env() -> Result<Self, Error> {
        let number = |name: &str| -> Result<Option<u64>, Error> {
            match std::env::var(name) {
                Ok(v) => Ok(Some(v.parse().map_err(|_| format!("{name} is not a number: {v:?}"))?)),
                Err(_) => Ok(None),
            }
        };
        let mut limits = Self::default();
        if let Some(ms) = number("AUTH_SERVER_BODY_TIMEOUT_MS")? {
            limits.body_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = number("AUTH_SERVER_CONNECTION_LIFETIME_MS")? {
            limits.connection_lifetime = Duration::from_millis(ms);
        }
        if let Some(n) = number("AUTH_SERVER_MAX_CONNECTIONS")? {
            limits.max_connections = usize::try_from(n)?.max(1);
        }
        Ok(limits)
    }
}

/// Serves `app` on `listener`, at most `limits.max_connections` at once and each for at
/// most `limits.connection_lifetime`, until `shutdown` resolves.
///
/// # Errors
/// As `axum::serve`: an I/O error of the server itself (a connection's own errors,
/// including an expired lifetime, only close that connection).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let listener = BoundedListener::new(listener)
        .with_max_connections(limits.max_connections)
        .with_connection_lifetime(limits.connection_lifetime);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// How many webhook keys the memory guard holds: a webhook's key is kept 20 minutes,
/// so this takes 80 webhooks a second (a full guard answers `503`, the sender retries).
pub const MEMORY_GUARD_KEYS: usize = 100_000;

/// The replay guard on the Redis at `url` (the `redis` feature).
#[cfg(feature = "redis")]
async fn redis_guard(url: &str) -> Result<channel_auth::replay::RedisReplayGuard, Error> {
    let guard = channel_auth::replay::RedisReplayGuard::new(url).await?;
    // Not the URL: it may hold a password.
    log!("webhook replay guard: Redis (REDIS_URL), shared by every server that uses it");
    Ok(guard)
}

/// Without the `redis` feature, `REDIS_URL` cannot be honoured: refusing to start is
/// safer than a per-process guard the operator did not ask for.
#[cfg(not(feature = "redis"))]
async fn redis_guard(_url: &str) -> Result<MemoryReplayGuard, Error> {
    Err("REDIS_URL is set but this build has no Redis support: build with --features axum,redis".into())
}

/// [`app_with_replay_guard`] with a [`MemoryReplayGuard`] of [`MEMORY_GUARD_KEYS`].
pub fn app(credentials: Credentials, faye_secret: Option<AppSecret>, expose_webhooks: bool, limits: Limits) -> Router {
    let guard = MemoryReplayGuard::new(MEMORY_GUARD_KEYS);
    app_with_replay_guard(credentials, faye_secret, expose_webhooks, limits, guard)
}

/// The routes, each body bounded by `limits.body_timeout`, with one log line for each
/// refusal the policy never saw (in each route, and for unknown routes and methods: no
/// middleware layer, which would cost every request a clone of the router's service).
/// No Faye route without a Faye secret. The webhook route handles each webhook once,
/// through `guard`.
pub fn app_with_replay_guard(
    credentials: Credentials,
    faye_secret: Option<AppSecret>,
    expose_webhooks: bool,
    limits: Limits,
    guard: impl ReplayGuard + 'static,
) -> Router {
    let events = WebhookLog::default();
    let policy = DemoPolicy::new(log_line);
    let timeout = limits.body_timeout;
    let mut router = Router::new()
        .route("/pusher/auth", logged(ChannelAuthEndpoint::new(credentials.clone(), policy).with_body_timeout(timeout)))
        .route(
            "/pusher/batch-auth",
            logged(BatchAuthEndpoint::new(credentials.clone(), policy).with_body_timeout(timeout)),
        )
        .route(
            "/pusher/user-auth",
            logged(UserAuthEndpoint::new(credentials.clone(), policy).with_body_timeout(timeout)),
        )
        .route(
            "/pusher/webhook",
            logged(
                WebhookEndpoint::new(Keyring::new([credentials]), events.clone())
                    .with_body_timeout(timeout)
                    .with_replay_guard(guard),
            ),
        );
    if let Some(secret) = faye_secret {
        router = router.route(
            "/faye/token",
            post(move |request: Request| faye_token(secret.clone(), timeout, request)).fallback(method_not_allowed),
        );
    }
    if expose_webhooks {
        // For tests only: who may read this list is not checked.
        router = router.route(
            "/pusher/webhook/events",
            get(move || {
                let events = events.clone();
                async move {
                    let body = serde_json::Value::Array(events.snapshot()).to_string();
                    ([(axum::http::header::CONTENT_TYPE, "application/json")], body)
                }
            }),
        );
    }
    router.fallback(not_found)
}

/// A `POST` route answering with `endpoint` (the library's `respond`), logging its
/// refusals; other methods are `405`, logged.
fn logged<E: Route>(endpoint: E) -> MethodRouter {
    let endpoint = Arc::new(endpoint);
    post(move |request: Request| {
        let endpoint = Arc::clone(&endpoint);
        async move {
            // Kept for the log line, cheaply: the URI shares the request's bytes.
            let uri = request.uri().clone();
            let response = respond(&*endpoint, request).await;
            log_refusal(&Method::POST, &uri, &response);
            response
        }
    })
    .fallback(method_not_allowed)
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let response = (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "POST")]).into_response();
    log_refusal(&method, &uri, &response);
    response
}

async fn not_found(method: Method, uri: Uri) -> Response {
    let response = StatusCode::NOT_FOUND.into_response();
    log_refusal(&method, &uri, &response);
    response
}

/// The most bytes of a Faye token request's form.
const MAX_FAYE_FORM: usize = 4096;

/// `POST /faye/token`: the token the page's Faye client extension sends as `ext.token`
/// (with `ext.userId`), bound to the form's `channel`, for the session's user only.
///
/// 403 without a user or for any channel but the user's own `/chat/<id>`; 400 for a
/// hostile channel (not a Bayeux name, a wildcard, `/meta/`); 413 over 4 KiB; 408 for a
/// form slower than the body timeout. No CORS header: a token must not be readable by
/// other origins (the guide's CSRF advice).
async fn faye_token(secret: AppSecret, timeout: Duration, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_FAYE_FORM)).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Err(_) => return (StatusCode::REQUEST_TIMEOUT, [(header::CONNECTION, "close")]).into_response(),
    };
    let user = match demo_policy::user_of(&channel_auth::integrations::http::view_parts(&parts)) {
        Ok(user) => user,
        Err(why) => {
            log!("faye deny user=- ({why})");
            return StatusCode::FORBIDDEN.into_response();
        }
    };
    let channel = match faye_token_request_channel(&body) {
        Ok(channel) => channel,
        Err(e) => {
            log!("faye refused user={user} ({e})");
            return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
        }
    };
    if !demo_policy::faye_channel_allowed(&user, &channel) {
        log!("faye deny user={user} channel={channel} (not /chat/<user id>)");
        return StatusCode::FORBIDDEN.into_response();
    }
    log!("faye allow user={user} channel={channel}");
    let grant = sign_faye_grant(&secret, &FayeUserId::from(user), Some(&channel));
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], grant.to_json()).into_response()
}

/// Logs a request refused before any decision (hostile body: 400, oversized: 413, too
/// slow: 408, unknown route or method, bad or stale webhook: 401): one line.
fn log_refusal(method: &Method, uri: &Uri, response: &Response) {
    let status = response.status();
    if status.is_client_error() && status != StatusCode::FORBIDDEN || status.is_server_error() {
        let path = uri.path();
        // The routes attach the typed reason of a refusal; it quotes at most one escaped
        // character of the input.
        let extensions = response.extensions();
        if let Some(reason) = extensions.get::<RequestError>() {
            log!("refused {method} {path:?} -> {status} ({reason})");
        } else if let Some(reason) = extensions.get::<WebhookError>() {
            log!("refused {method} {path:?} -> {status} (webhook: {reason})");
        } else if let Some(reason) = extensions.get::<ReplayError>() {
            log!("refused {method} {path:?} -> {status} (replay guard: {reason})");
        } else if let Some(reason) = extensions.get::<HandlerError>() {
            let cause = std::error::Error::source(reason).map(ToString::to_string).unwrap_or_default();
            log!("refused {method} {path:?} -> {status} ({reason}: {cause:?})");
        } else {
            log!("refused {method} {path:?} -> {status}");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => log!("Ctrl-C, shutting down"),
        () = term => log!("SIGTERM, shutting down"),
    }
}
