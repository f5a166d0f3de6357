//! A verifying gateway in front of a Pusher-protocol server (sockudo, soketi): every
//! HTTP API request is verified against a keyring of apps, replays are refused, and the
//! rest is forwarded unchanged. The real server stays the real one; the gateway closes
//! the protocol's 600 s replay window in front of it, for a whole cluster at once.
//!
//! ```text
//! PUSHER_APP_ID=… PUSHER_APP_KEY=… PUSHER_APP_SECRET=… UPSTREAM_URL=http://127.0.0.1:6001 \
//!     cargo run --example api_gateway --features axum,tower,redis
//! ```
//!
//! Environment:
//!
//! | variable | what |
//! |---|---|
//! | `GATEWAY_PORT` | where it listens on 127.0.0.1 (default 4000) |
//! | `UPSTREAM_URL` | the Pusher-protocol server, `http://host:port` (default `http://127.0.0.1:6001`) |
//! | `PUSHER_APP_ID`, `PUSHER_APP_KEY`, `PUSHER_APP_SECRET` | the app it admits (its requests must stay inside `/apps/<id>/`) |
//! | `GATEWAY_APPS` | instead: several apps, `id:key:secret` separated by `,` |
//! | `REDIS_URL` | refuse replays through this Redis, shared by every gateway of the deployment (feature `redis`); unset, in this process's memory |
//! | `GATEWAY_DANGEROUS_NO_REPLAY_GUARD=1` | no replay guard at all: for measuring its cost only |
//!
//! Answers: the upstream's answer for a verified, first-seen request; `401` for a bad
//! signature, an unknown key or a stale timestamp; `403` for a path outside the signer's
//! app; `409` for a replay; `503` when the replay guard cannot answer; `502`/`504` when
//! the upstream fails or is slow. Bounded: request bodies 256 KiB within 10 s, upstream
//! answers 1 MiB within 10 s, 1,024 connections of at most 60 s each. Logs one line per
//! refusal (status and reason), never a query string or a signature.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse as _, Response};
use bytes::Bytes;
use channel_auth::integrations::axum::BoundedListener;
use channel_auth::integrations::tower::{DEFAULT_MAX_API_BODY_LEN, VerifyApiRequestLayer};
use channel_auth::replay::MemoryReplayGuard;
use channel_auth::{Credentials, Keyring};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long the upstream may take to answer, body included.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// The most bytes of an upstream answer relayed.
const MAX_UPSTREAM_BODY: usize = 1024 * 1024;
/// How many replay keys the memory guard holds: 1201 s each, so 80 requests a second.
const MEMORY_GUARD_KEYS: usize = 100_000;

#[derive(Clone)]
struct Upstream {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("api_gateway: error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Error> {
    let port: u16 = std::env::var("GATEWAY_PORT").map_or(Ok(4000), |p| p.parse())?;
    let base = std::env::var("UPSTREAM_URL").unwrap_or_else(|_| "http://127.0.0.1:6001".to_owned());
    let base = base.trim_end_matches('/').to_owned();
    if !base.starts_with("http://") {
        return Err("UPSTREAM_URL must be http://host:port (the upstream on a private network)".into());
    }
    // Built once, for the life of the process: the verified values borrow it.
    let keyring: &'static Keyring = Box::leak(Box::new(keyring()?));
    let layer = VerifyApiRequestLayer::new(keyring);
    let layer = if std::env::var("GATEWAY_DANGEROUS_NO_REPLAY_GUARD").is_ok_and(|v| v == "1") {
        eprintln!("api_gateway: *** GATEWAY_DANGEROUS_NO_REPLAY_GUARD=1: replays pass for 600 s (measuring only) ***");
        layer
    } else if let Ok(url) = std::env::var("REDIS_URL") {
        with_redis(layer, &url).await?
    } else {
        eprintln!(
            "api_gateway: replay guard in memory ({MEMORY_GUARD_KEYS} keys; one process: set REDIS_URL to share)"
        );
        layer.with_replay_guard(MemoryReplayGuard::new(MEMORY_GUARD_KEYS))
    };

    let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build_http();
    let app = Router::new().fallback(forward).with_state(Upstream { client, base: base.clone() }).layer(layer);
    // Refusals happen in the layer: log them from the outside.
    let app = app.layer(axum::middleware::map_response(log_refusal));

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    eprintln!("api_gateway: listening on http://{addr}, forwarding to {base}");
    let listener = BoundedListener::new(listener);
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

/// The apps admitted: `GATEWAY_APPS` (`id:key:secret,…`), else `PUSHER_APP_*`. Each
/// credential is bound to its app id, so a request signed for one app cannot reach
/// another's path.
fn keyring() -> Result<Keyring, Error> {
    let Ok(apps) = std::env::var("GATEWAY_APPS") else {
        return Ok(Keyring::new([Credentials::from_env()?]));
    };
    let mut credentials = Vec::new();
    for app in apps.split(',') {
        let mut parts = app.splitn(3, ':');
        let (Some(id), Some(key), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
            return Err("GATEWAY_APPS: each app is id:key:secret".into());
        };
        credentials.push(Credentials::new(key.parse()?, secret.parse()?).with_app_id(id.parse()?));
    }
    Ok(Keyring::new(credentials))
}

#[cfg(feature = "redis")]
async fn with_redis(layer: VerifyApiRequestLayer, url: &str) -> Result<VerifyApiRequestLayer, Error> {
    let guard = channel_auth::replay::RedisReplayGuard::new(url).await?;
    eprintln!("api_gateway: replay guard on Redis (REDIS_URL)");
    Ok(layer.with_replay_guard(guard))
}

#[cfg(not(feature = "redis"))]
async fn with_redis(_: VerifyApiRequestLayer, _: &str) -> Result<VerifyApiRequestLayer, Error> {
    Err("REDIS_URL is set but this build has no Redis support: build with --features axum,tower,redis".into())
}

/// Forwards a verified request (the layer let it through) to the upstream: same method,
/// path, query and body; only the content type among the headers.
async fn forward(State(upstream): State<Upstream>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Already read and bounded by the layer: this only takes the bytes back.
    let Ok(body) = axum::body::to_bytes(body, DEFAULT_MAX_API_BODY_LEN).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = format!("{}{path}", upstream.base).parse::<Uri>() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut outgoing = hyper::Request::new(Full::new(body));
    *outgoing.method_mut() = parts.method;
    *outgoing.uri_mut() = uri;
    if let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) {
        outgoing.headers_mut().insert(header::CONTENT_TYPE, content_type.clone());
    }
    let answer = async {
        let response = upstream.client.request(outgoing).await.map_err(|_| StatusCode::BAD_GATEWAY)?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_UPSTREAM_BODY).collect().await.map_err(|_| StatusCode::BAD_GATEWAY)?;
        Ok::<_, StatusCode>((parts, body.to_bytes()))
    };
    match tokio::time::timeout(UPSTREAM_TIMEOUT, answer).await {
        Ok(Ok((parts, body))) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = parts.status;
            if let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) {
                response.headers_mut().insert(header::CONTENT_TYPE, content_type.clone());
            }
            response
        }
        Ok(Err(status)) => status.into_response(),
        Err(_) => StatusCode::GATEWAY_TIMEOUT.into_response(),
    }
}

/// One line per refusal of the layer (its JSON reason), never the query string.
async fn log_refusal(uri: Uri, response: Response) -> Response {
    let status = response.status();
    let refused_here = response.headers().get(header::CACHE_CONTROL) == Some(&HeaderValue::from_static("no-store"));
    if status.is_client_error() || status.is_server_error() {
        let who = if refused_here { "gateway" } else { "upstream" };
        eprintln!("api_gateway: refused {:?} -> {status} ({who})", uri.path());
    }
    response
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}
