//! The main job on actix-web: the same Pusher Channels auth server as
//! `examples/auth_server.rs` (axum), with the same routes, demo policy, credentials,
//! limits and answers.
//!
//! ```text
//! cargo run --example auth_server_actix --features actix-web
//! ```
//!
//! Serves on `127.0.0.1:$PORT` (default 3000):
//!
//! | route | what |
//! |---|---|
//! | `POST /pusher/auth` | channel authorization (pusher-js `channelAuthorization`) |
//! | `POST /pusher/batch-auth` | batch channel authorization (`pusher-js-auth` plugin) |
//! | `POST /pusher/user-auth` | user sign-in (pusher-js `userAuthentication`) |
//! | `POST /pusher/webhook` | webhooks: `401` unless signed with the app's secret and sent within the last 10 minutes |
//! | `GET /pusher/webhook/events` | the verified webhook events as JSON, only with `AUTH_SERVER_EXPOSE_WEBHOOKS=1` (for tests) |
//!
//! The demo policy (`examples/common/demo_policy.rs`) trusts an `X-User-Id` header: a
//! user may join exactly `private-<id>` and `private-encrypted-<id>`, and any
//! `presence-` channel as the member with that id; everything else is `403`. A real
//! application checks its session instead (with `route_with_context`, what actix-web
//! middleware put in the request's extensions reaches the policy).
//!
//! Credentials as in `auth_server`: `PUSHER_APP_KEY`, `PUSHER_APP_SECRET` (and
//! optionally `PUSHER_APP_ID`, `PUSHER_ENCRYPTION_MASTER_KEY_BASE64`), or the PUBLIC
//! demo app when none is set; with credentials from the environment it refuses to start
//! unless `CHANNEL_AUTH_DEMO_POLICY=1`.
//!
//! Slow clients: each request's head must arrive within 10 s (actix-web's
//! `client_request_timeout`) and its body within 10 s (`AUTH_SERVER_BODY_TIMEOUT_MS`,
//! the routes' own bound), or it gets `408`; an idle keep-alive connection closes after
//! 10 s; a connection older than 60 s (`AUTH_SERVER_CONNECTION_LIFETIME_MS`) is closed
//! after its current response; at most 1,024 connections per worker
//! (`AUTH_SERVER_MAX_CONNECTIONS`), further ones wait in the kernel's backlog.
//!
//! One line is logged per decision and per verified webhook event (name and channel),
//! through a writer thread; secrets, signatures and socket ids are never logged. Ctrl-C
//! or SIGTERM stops it gracefully (actix-web's own signal handling).

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use actix_web::dev::Service as _;
use actix_web::http::ConnectionType;
use actix_web::{App, HttpResponse, HttpServer, web};
use channel_auth::Keyring;
use channel_auth::integrations::RequestError;
use channel_auth::integrations::actix_web::route;
use channel_auth::integrations::handler::{
    BatchAuthEndpoint, ChannelAuthEndpoint, HandlerError, UserAuthEndpoint, WebhookEndpoint,
};
use channel_auth::webhook::WebhookError;

#[path = "common/demo_policy.rs"]
mod demo_policy;
#[macro_use]
#[path = "common/demo_server.rs"]
mod demo_server;

use demo_policy::DemoPolicy;
use demo_server::{Error, WebhookLog, flush_log, log_line};

/// When a connection was accepted (its connection data, set by `on_connect`).
#[derive(Clone, Copy)]
struct Accepted(Instant);

fn main() -> ExitCode {
    let status = match actix_web::rt::System::new().block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log!("error: {e}");
            ExitCode::from(2)
        }
    };
    flush_log();
    status
}

/// A millisecond or count variable, or its default.
fn number(name: &str, default: u64) -> Result<u64, Error> {
    match std::env::var(name) {
        Ok(v) => Ok(v.parse().map_err(|_| format!("{name} is not a number: {v:?}"))?),
        Err(_) => Ok(default),
    }
}

async fn run() -> Result<(), Error> {
    let port = demo_server::port()?;
    let (credentials, _origin) = demo_server::credentials()?;
    let expose_webhooks = std::env::var("AUTH_SERVER_EXPOSE_WEBHOOKS").is_ok_and(|v| v == "1");
    if expose_webhooks {
        log!("AUTH_SERVER_EXPOSE_WEBHOOKS=1: GET /pusher/webhook/events lists received events");
    }
    let body_timeout = Duration::from_millis(number("AUTH_SERVER_BODY_TIMEOUT_MS", 10_000)?);
    let lifetime = Duration::from_millis(number("AUTH_SERVER_CONNECTION_LIFETIME_MS", 60_000)?);
    let max_connections = usize::try_from(number("AUTH_SERVER_MAX_CONNECTIONS", 1024)?)?.max(1);
    let events = WebhookLog::default();
    let policy = DemoPolicy::new(log_line);

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    // The factory runs once per worker thread; every worker shares the one event log.
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .route(
                "/pusher/auth",
                route(ChannelAuthEndpoint::new(credentials.clone(), policy).with_body_timeout(body_timeout)),
            )
            .route(
                "/pusher/batch-auth",
                route(BatchAuthEndpoint::new(credentials.clone(), policy).with_body_timeout(body_timeout)),
            )
            .route(
                "/pusher/user-auth",
                route(UserAuthEndpoint::new(credentials.clone(), policy).with_body_timeout(body_timeout)),
            )
            .route(
                "/pusher/webhook",
                route(
                    WebhookEndpoint::new(Keyring::new([credentials.clone()]), events.clone())
                        .with_body_timeout(body_timeout),
                ),
            );
        if expose_webhooks {
            // For tests only: who may read this list is not checked.
            let events = events.clone();
            app = app.route(
                "/pusher/webhook/events",
                web::get().to(move || {
                    let body = serde_json::Value::Array(events.snapshot()).to_string();
                    async move { HttpResponse::Ok().content_type("application/json").body(body) }
                }),
            );
        }
        // One log line for each refusal the policy never saw, and a connection past its
        // lifetime closed after this response.
        app.wrap_fn(move |request, service| {
            let method = request.method().clone();
            let path = request.path().to_owned();
            let expired = request.conn_data::<Accepted>().is_some_and(|at| at.0.elapsed() >= lifetime);
            let response = service.call(request);
            async move {
                let mut response = response.await?;
                log_refusal(&method, &path, response.response());
                if expired {
                    response.response_mut().head_mut().set_connection_type(ConnectionType::Close);
                }
                Ok(response)
            }
        })
    })
    .on_connect(|_connection, data| {
        data.insert(Accepted(Instant::now()));
    })
    .workers(2)
    .max_connections(max_connections)
    .client_request_timeout(Duration::from_secs(10))
    .client_disconnect_timeout(Duration::from_secs(1))
    .keep_alive(Duration::from_secs(10))
    .bind(addr)
    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    log!(
        "listening on http://{addr} (actix-web; body timeout {body_timeout:?}, connection lifetime {lifetime:?}, \
         {max_connections} connections per worker)"
    );
    server.run().await?;
    log!("stopped");
    Ok(())
}

/// Logs a request refused before any decision (hostile body: 400, oversized: 413, too
/// slow: 408, wrong content type: 415, bad or stale webhook: 401, unknown route: 404):
/// one line.
fn log_refusal(method: &actix_web::http::Method, path: &str, response: &HttpResponse) {
    let status = response.status();
    if status.is_client_error() && status != actix_web::http::StatusCode::FORBIDDEN || status.is_server_error() {
        // The routes attach the typed reason of a refusal; it quotes at most one escaped
        // character of the input.
        let extensions = response.extensions();
        if let Some(reason) = extensions.get::<RequestError>() {
            log!("refused {method} {path:?} -> {status} ({reason})");
        } else if let Some(reason) = extensions.get::<WebhookError>() {
            log!("refused {method} {path:?} -> {status} (webhook: {reason})");
        } else if let Some(reason) = extensions.get::<HandlerError>() {
            let cause = std::error::Error::source(reason).map(ToString::to_string).unwrap_or_default();
            log!("refused {method} {path:?} -> {status} ({reason}: {cause:?})");
        } else {
            log!("refused {method} {path:?} -> {status}");
        }
    }
}
