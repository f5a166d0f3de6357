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
//! | `POST /pusher/webhook` | webhooks: `401` unless signed with the app's secret |
//! | `POST /faye/token` | a Faye token for the session's user and the form's `channel` (`{"userId","token"}`) |
//! | `GET /pusher/webhook/events` | the verified webhook events as JSON, only with `AUTH_SERVER_EXPOSE_WEBHOOKS=1` (for tests) |
//!
//! Faye tokens are signed with `FAYE_SECRET`; unset, with the Faye security guide's PUBLIC
//! example key `your secret key` (demo only).
//!
//! Credentials come from `PUSHER_APP_KEY`, `PUSHER_APP_SECRET` (and optionally
//! `PUSHER_APP_ID`, `PUSHER_ENCRYPTION_MASTER_KEY_BASE64`). With none of them set, it
//! uses a demo app whose key, secret and master key are PUBLIC (printed in Pusher's
//! documentation and in this file): never use them for anything real.
//!
//! The demo policy trusts an `X-User-Id` request header; a user may join `private-`,
//! `private-encrypted-` and `presence-` channels whose name contains their id, and joins
//! presence channels as the member with that id. A real application checks its session
//! instead, in `DemoPolicy` below: the request's headers (cookies) and extensions (what
//! session middleware attached) are there.
//!
//! One line is logged per decision and per verified webhook event (name and channel);
//! secrets and signatures are never logged. Ctrl-C or SIGTERM stops it gracefully.
//!
//! Slow clients ([`Limits`]): each request, body included, must arrive and be answered
//! within 10 s (`AUTH_SERVER_REQUEST_TIMEOUT_MS`), or it gets `408` and the connection
//! closes; each connection lives at most 60 s (`AUTH_SERVER_CONNECTION_LIFETIME_MS`),
//! which also bounds a client that trickles its headers; at most 1,024 connections are
//! open at once (`AUTH_SERVER_MAX_CONNECTIONS`), further ones wait in the kernel's
//! backlog. So a client announcing `Content-Length: 100000000` and sending 13 bytes is
//! cut off after the request timeout instead of holding a connection forever. Any
//! deployment of the axum integration needs the same three limits (here with tokio and
//! axum alone; `tower-http`'s `TimeoutLayer` or a reverse proxy's timeouts do the same).

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use channel_auth::integrations::axum::{
    batch_channel_auth, channel_auth, user_auth, webhook, ChannelAuthorizer, Decision, HandlerError, RequestView,
    UserAuthenticator, WebhookHandler,
};
use channel_auth::integrations::RequestError;
use channel_auth::{
    faye_token_request_channel, sign_faye_grant, AppSecret, ChannelKind, ChannelName, Credentials, EncryptionMasterKey,
    FayeUserId, Keyring, PresenceMember, SocketId, UserData, UserId, VerifiedWebhook, WebhookError, WebhookEvent,
};

/// Pusher's documented example app (auth signatures page): PUBLIC, not a secret.
const DEMO_APP_ID: &str = "3";
const DEMO_KEY: &str = "278d425bdf160c739803";
const DEMO_SECRET: &str = "7ad3773142a6692b25b8";
/// base64 of the 32 ASCII bytes `channel-auth public demo key 32b`: PUBLIC, not a secret.
const DEMO_MASTER_KEY_BASE64: &str = "Y2hhbm5lbC1hdXRoIHB1YmxpYyBkZW1vIGtleSAzMmI=";

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("auth_server: error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Error> {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().map_err(|_| format!("PORT is not a port number: {p:?}"))?,
        Err(_) => 3000,
    };
    let credentials = credentials()?;
    let expose_webhooks = std::env::var("AUTH_SERVER_EXPOSE_WEBHOOKS").is_ok_and(|v| v == "1");
    if expose_webhooks {
        println!("auth_server: AUTH_SERVER_EXPOSE_WEBHOOKS=1: GET /pusher/webhook/events lists received events");
    }
    let app = app(credentials, expose_webhooks);
    let limits = Limits::from_env()?;

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("auth_server: listening on http://{addr} ({limits:?})");
    serve(listener, app, limits, shutdown_signal()).await?;
    println!("auth_server: stopped");
    Ok(())
}

/// What a slow or idle client may hold: see the module docs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// From the request's first byte handed over to its response: headers were read,
    /// the body (read by the handler) must arrive within this too. `408` after it.
    pub request_timeout: Duration,
    /// The longest a connection stays open, whatever it does (trickled headers, idle
    /// keep-alive).
    pub connection_lifetime: Duration,
    /// Connections open at once; the next is accepted when one closes.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            connection_lifetime: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

impl Limits {
    /// The defaults, overridden by `AUTH_SERVER_REQUEST_TIMEOUT_MS`,
    /// `AUTH_SERVER_CONNECTION_LIFETIME_MS` and `AUTH_SERVER_MAX_CONNECTIONS`.
    fn from_env() -> Result<Self, Error> {
        let number = |name: &str| -> Result<Option<u64>, Error> {
            match std::env::var(name) {
                Ok(v) => Ok(Some(v.parse().map_err(|_| format!("{name} is not a number: {v:?}"))?)),
                Err(_) => Ok(None),
            }
        };
        let mut limits = Self::default();
        if let Some(ms) = number("AUTH_SERVER_REQUEST_TIMEOUT_MS")? {
            limits.request_timeout = Duration::from_millis(ms);
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

/// Serves `app` on `listener` under `limits` until `shutdown` resolves.
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
    let timeout = limits.request_timeout;
    let app = app.layer(middleware::from_fn(move |request: Request, next: Next| async move {
        match tokio::time::timeout(timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => {
                let mut response = Response::new(axum::body::Body::from("{\"error\":\"request timeout\"}"));
                *response.status_mut() = axum::http::StatusCode::REQUEST_TIMEOUT;
                response
                    .headers_mut()
                    .insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
                response
            }
        }
    }));
    let listener = LimitedListener {
        inner: listener,
        permits: Arc::new(tokio::sync::Semaphore::new(limits.max_connections)),
        lifetime: limits.connection_lifetime,
    };
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// A TCP listener that holds at most `permits` connections open, each for at most
/// `lifetime`.
struct LimitedListener {
    inner: tokio::net::TcpListener,
    permits: Arc<tokio::sync::Semaphore>,
    lifetime: Duration,
}

impl axum::serve::Listener for LimitedListener {
    type Io = LimitedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // Wait for a free slot before accepting: excess clients wait in the backlog.
            let Ok(permit) = self.permits.clone().acquire_owned().await else { continue };
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let deadline = Box::pin(tokio::time::sleep(self.lifetime));
                    return (LimitedStream { inner: stream, deadline, _permit: permit }, addr);
                }
                // As axum's own listener does: a failed accept (e.g. too many open files)
                // is retried after a pause.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection that fails every read and write once its lifetime is over, and frees
/// its slot when dropped.
struct LimitedStream {
    inner: tokio::net::TcpStream,
    deadline: Pin<Box<tokio::time::Sleep>>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl LimitedStream {
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

fn lifetime_over() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection lifetime over")
}

impl tokio::io::AsyncRead for LimitedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.expired(cx) {
            return Poll::Ready(Err(lifetime_over()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for LimitedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.expired(cx) {
            return Poll::Ready(Err(lifetime_over()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Credentials from the environment, or the public demo app (announced loudly).
fn credentials() -> Result<Credentials, Error> {
    let key = std::env::var("PUSHER_APP_KEY").ok();
    let secret = std::env::var("PUSHER_APP_SECRET").ok();
    let (creds, app_id, master) = match (key, secret) {
        (Some(key), Some(secret)) => {
            let creds = Credentials::new(key.parse()?, secret.parse()?);
            let master = std::env::var("PUSHER_ENCRYPTION_MASTER_KEY_BASE64").ok();
            (creds, std::env::var("PUSHER_APP_ID").ok(), master)
        }
        (None, None) => {
            println!("auth_server: *** PUSHER_APP_KEY/PUSHER_APP_SECRET unset: using the PUBLIC DEMO APP ***");
            println!("auth_server: *** app id {DEMO_APP_ID}, key {DEMO_KEY}: Pusher's documented example app ***");
            println!("auth_server: *** its secret and demo master key are published (examples/auth_server.rs):");
            println!("auth_server: *** anyone can sign with them. Demo only, never in production. ***");
            let creds = Credentials::new(DEMO_KEY.parse()?, DEMO_SECRET.parse()?);
            (creds, Some(DEMO_APP_ID.to_owned()), Some(DEMO_MASTER_KEY_BASE64.to_owned()))
        }
        _ => return Err("set both PUSHER_APP_KEY and PUSHER_APP_SECRET, or neither".into()),
    };
    let creds = match app_id {
        Some(id) => creds.with_app_id(id.parse()?),
        None => creds,
    };
    let creds = match master {
        Some(b64) => creds.with_encryption_master_key(EncryptionMasterKey::from_base64(&b64)?),
        None => {
            println!("auth_server: no PUSHER_ENCRYPTION_MASTER_KEY_BASE64: private-encrypted channels answer 500");
            creds
        }
    };
    println!(
        "auth_server: app key {}{}",
        creds.key(),
        creds.app_id().map(|id| format!(", app id {id}")).unwrap_or_default()
    );
    Ok(creds)
}

/// The routes, with one log line for each refusal the policy never saw.
pub fn app(credentials: Credentials, expose_webhooks: bool) -> Router {
    let events = WebhookLog::default();
    let faye_secret = faye_secret();
    let mut router = Router::new()
        .route("/pusher/auth", channel_auth(credentials.clone(), DemoPolicy))
        .route("/pusher/batch-auth", batch_channel_auth(credentials.clone(), DemoPolicy))
        .route("/pusher/user-auth", user_auth(credentials.clone(), DemoPolicy))
        .route("/pusher/webhook", webhook(Keyring::new([credentials]), events.clone()))
        .route("/faye/token", post(move |request: Request| faye_token(faye_secret.clone(), request)));
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
    router.layer(middleware::from_fn(log_refusals))
}

/// The demo's decision: trusts `X-User-Id`. REAL APPS CHECK THEIR SESSION HERE.
#[derive(Clone, Copy)]
struct DemoPolicy;

/// The user the request speaks for. A real app reads its session: a cookie in
/// `request.header(..)`, or what session middleware put in the extensions
/// (`request.extension::<Session>()`).
fn user_of(request: &RequestView<'_>) -> Result<UserId, &'static str> {
    let text = request.header("x-user-id").ok_or("no visible-ASCII X-User-Id header")?;
    text.parse().map_err(|_| "X-User-Id is not a valid user id")
}

impl ChannelAuthorizer for DemoPolicy {
    async fn authorize(&self, request: &RequestView<'_>, socket_id: &SocketId, channel: &ChannelName) -> Decision {
        let (decision, user, why) = match user_of(request) {
            Err(why) => (Decision::Deny, None, why),
            Ok(user) if !channel.as_str().contains(user.as_str()) => {
                (Decision::Deny, Some(user), "channel name does not contain the user id")
            }
            Ok(user) => match channel.kind() {
                ChannelKind::Presence => {
                    let info = serde_json::json!({ "name": user.as_str() });
                    match PresenceMember::new(user.clone(), Some(info)) {
                        Ok(member) => (Decision::AllowAsMember(member), Some(user), "member of the presence channel"),
                        Err(_) => (Decision::Deny, Some(user), "member data too long"),
                    }
                }
                ChannelKind::Private | ChannelKind::PrivateEncrypted => {
                    (Decision::Allow, Some(user), "the channel name contains the user id")
                }
                _ => (Decision::Deny, Some(user), "not an authorizable channel"),
            },
        };
        let verdict = if decision == Decision::Deny { "deny" } else { "allow" };
        println!(
            "auth_server: channel {verdict} user={} socket={socket_id} channel={channel} ({why})",
            user.as_ref().map_or("-", UserId::as_str)
        );
        decision
    }
}

impl UserAuthenticator for DemoPolicy {
    async fn authenticate(&self, request: &RequestView<'_>, socket_id: &SocketId) -> Option<UserData> {
        match user_of(request) {
            Ok(user) => {
                println!("auth_server: signin allow user={user} socket={socket_id}");
                Some(UserData::new(user.clone()).with_user_info(serde_json::json!({ "name": user.as_str() })))
            }
            Err(why) => {
                println!("auth_server: signin deny socket={socket_id} ({why})");
                None
            }
        }
    }
}

/// The Faye token secret: `FAYE_SECRET`, or the guide's public example key.
fn faye_secret() -> AppSecret {
    match std::env::var("FAYE_SECRET").ok().and_then(|s| s.parse().ok()) {
        Some(secret) => secret,
        None => {
            println!("auth_server: *** FAYE_SECRET unset or invalid: Faye tokens use the guide's PUBLIC key ***");
            "your secret key".parse().unwrap_or_else(|_| unreachable!("a valid literal"))
        }
    }
}

/// `POST /faye/token`: the token the page's Faye client extension sends as `ext.token`
/// (with `ext.userId`), bound to the form's `channel`, for the session's user only.
///
/// 403 without a user or when the demo policy refuses the channel (a user may use the
/// non-wildcard channels one of whose segments is their id, e.g. `/chat/alice`); 400 for
/// a hostile channel (not a Bayeux name, a wildcard, `/meta/`); 413 over 4 KiB. No CORS
/// header: a token must not be readable by other origins (the guide's CSRF advice).
async fn faye_token(secret: AppSecret, request: Request) -> Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;

    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 4096).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let user = match user_of(&channel_auth::integrations::http::view_parts(&parts)) {
        Ok(user) => user,
        Err(why) => {
            println!("auth_server: faye deny user=- ({why})");
            return StatusCode::FORBIDDEN.into_response();
        }
    };
    let channel = match faye_token_request_channel(&body) {
        Ok(channel) => channel,
        Err(e) => {
            println!("auth_server: faye refused user={user} ({e})");
            return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
        }
    };
    if !channel.as_str().split('/').any(|segment| segment == user.as_str()) {
        println!("auth_server: faye deny user={user} channel={channel} (no segment is the user id)");
        return StatusCode::FORBIDDEN.into_response();
    }
    println!("auth_server: faye allow user={user} channel={channel}");
    let grant = sign_faye_grant(&secret, &FayeUserId::from(user), Some(&channel));
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], grant.to_json()).into_response()
}

/// The verified webhook events: logged one line each, and kept (the last
/// [`WebhookLog::KEEP`]) for `GET /pusher/webhook/events`.
#[derive(Clone, Default)]
struct WebhookLog(Arc<Mutex<Vec<serde_json::Value>>>);

impl WebhookLog {
    const KEEP: usize = 1000;

    fn snapshot(&self) -> Vec<serde_json::Value> {
        self.0.lock().map(|events| events.clone()).unwrap_or_default()
    }
}

impl WebhookHandler for WebhookLog {
    async fn handle(&self, _request: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        let webhook = webhook.into_webhook();
        for event in webhook.events() {
            let name = event.name();
            let channel = event.channel().map_or("-", ChannelName::as_str);
            let user_id = match event {
                WebhookEvent::MemberAdded { user_id, .. } | WebhookEvent::MemberRemoved { user_id, .. } => {
                    Some(user_id)
                }
                WebhookEvent::ClientEvent { user_id, .. } => user_id.as_ref(),
                _ => None,
            };
            // Names and user ids come from the (verified) sender: printed escaped, so
            // they cannot forge log lines.
            match user_id {
                Some(user) => println!("auth_server: webhook {name:?} channel={channel} user_id={user:?}"),
                None => println!("auth_server: webhook {name:?} channel={channel}"),
            }
            let entry = serde_json::json!({ "name": name, "channel": channel, "user_id": user_id });
            if let Ok(mut events) = self.0.lock() {
                if events.len() >= Self::KEEP {
                    events.remove(0);
                }
                events.push(entry);
            }
        }
        Ok(())
    }
}

/// Logs the requests refused before any decision (hostile body: 400, oversized: 413,
/// unknown route or method, bad webhook signature: 401): one line each.
async fn log_refusals(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if status.is_client_error() && status != axum::http::StatusCode::FORBIDDEN || status.is_server_error() {
        // The handlers attach the typed reason of a refused body; it quotes at most one
        // escaped character of the input.
        let extensions = response.extensions();
        if let Some(reason) = extensions.get::<RequestError>() {
            println!("auth_server: refused {method} {path} -> {status} ({reason})");
        } else if let Some(reason) = extensions.get::<WebhookError>() {
            println!("auth_server: refused {method} {path} -> {status} (webhook: {reason})");
        } else {
            println!("auth_server: refused {method} {path} -> {status}");
        }
    }
    response
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
        () = ctrl_c => println!("auth_server: Ctrl-C, shutting down"),
        () = term => println!("auth_server: SIGTERM, shutting down"),
    }
}
