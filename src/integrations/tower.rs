//! Tower layers that verify Pusher webhooks and HTTP API requests in front of any tower
//! service (axum, hyper, tonic): [`VerifyWebhookLayer`] and [`VerifyApiRequestLayer`]
//! (feature `tower`).
//!
//! Each layer reads the body into memory, bounded in size and in the time its bytes may
//! take to arrive; verifies it against a [`Keyring`] (an API request's app binding
//! included, see [`verify_api_request`]); optionally records it in a [`ReplayGuard`];
//! and only then calls the inner service, with the body's bytes and the verified value
//! in the request's extensions ([`VerifiedApiRequest<'static>`](crate::api::VerifiedApiRequest),
//! [`VerifiedWebhook<'static>`](VerifiedWebhook)). A request that fails never reaches
//! the inner service; it is answered with a status and `{"error":"<reason>"}`:
//!
//! | status | when |
//! |---|---|
//! | `400` | a malformed query or path, a missing parameter, a body that does not parse |
//! | `401` | a bad or missing signature, an unknown key, a timestamp outside the window, a body that does not match `body_md5`, a stale webhook |
//! | `403` | API request: signed by credentials bound to another app ([`Credentials::with_app_id`](crate::Credentials::with_app_id)) |
//! | `405` | API request: a method the protocol does not sign |
//! | `408`, `413` | a body too slow or too large |
//! | `409` | API request: a replay (its replay key was already seen) |
//! | `503` | the replay guard could not answer: refused, never passed unchecked |
//!
//! **Why `409` for a replayed API request**: the request is authentic (`401` would tell
//! an honest client its credentials are wrong, and `403` that it lacks a right it has),
//! but it conflicts with one already accepted; a client that means a second, identical
//! request signs it again, which gives it a new timestamp and signature. `429` or `503`
//! would invite a retry of the same bytes, which can never pass.
//!
//! The request body type must be buildable from the buffered bytes (`From<Bytes>`:
//! axum's `Body`, `http_body_util::Full<Bytes>`), and the response body from the
//! refusal's JSON (`From<String>`); behind hyper's own server, map `Incoming` to one of
//! those first (tower-http's `MapRequestBody`, or axum).
//!
//! The keyring is `&'static` so that the verified values, which borrow the credentials
//! that signed them, can live in the request's extensions: build it once at start-up
//! (`Box::leak`, or a `static` `OnceLock`).
//!
//! ```
//! use std::convert::Infallible;
//! use std::time::SystemTime;
//! use channel_auth::api::{sign_api_request, Method, VerifiedApiRequest};
//! use channel_auth::integrations::tower::VerifyApiRequestLayer;
//! use channel_auth::replay::MemoryReplayGuard;
//! use channel_auth::{Credentials, Keyring};
//! use http_body_util::Full;
//! use tower::{Layer, Service, ServiceExt};
//!
//! type Body = Full<bytes::Bytes>;
//!
//! let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("3".parse()?);
//! let keyring: &'static Keyring = Box::leak(Box::new(Keyring::new([creds.clone()])));
//! // The inner service sees only verified requests, and reads what was signed.
//! let inner = tower::service_fn(|request: http::Request<Body>| async move {
//!     let verified = request.extensions().get::<VerifiedApiRequest<'static>>().map(|v| v.credentials().key().to_string());
//!     Ok::<_, Infallible>(http::Response::new(Body::from(format!("signed by {}", verified.unwrap_or_default()))))
//! });
//! let service = VerifyApiRequestLayer::new(keyring).with_replay_guard(MemoryReplayGuard::new(100_000)).layer(inner);
//!
//! let body = br#"{"name":"e","channels":["c"],"data":"{}"}"#;
//! let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, SystemTime::now())?;
//! let request = || {
//!     http::Request::post(format!("/apps/3/events?{}", query.as_str())).body(Body::from(&body[..]))
//! };
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let first = runtime.block_on(service.clone().oneshot(request()?))?;
//! assert_eq!(first.status(), 200);
//! // The same captured request again: refused, never forwarded.
//! let again = runtime.block_on(service.clone().oneshot(request()?))?;
//! assert_eq!(again.status(), 409);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use tower_layer::Layer;
use tower_service::Service;

use crate::api::{Method, verify_api_request};
use crate::credentials::Keyring;
use crate::error::VerifyError;
use crate::integrations::handler::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_WEBHOOK_WINDOW, JSON_CONTENT_TYPE, MAX_WEBHOOK_BODY_LEN,
};
use crate::replay::{API_REQUEST_TTL, ReplayGuard, ReplayKey, SharedGuard, webhook_ttl};
use crate::webhook::{VerifiedWebhook, WebhookError, verify_and_parse_webhook};

/// The default bound on an API request's body: 256 KiB (a batch of ten 10 KiB events,
/// JSON-escaped, fits several times over).
pub const DEFAULT_MAX_API_BODY_LEN: usize = 256 * 1024;

/// A boxed `Send` future: the services' future type.
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The clock; not on `wasm32-unknown-unknown`, which has none (nor tokio's timers).
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn now() -> SystemTime {
    SystemTime::now()
}

/// A refusal: `status` and `{"error":<reason>}`, never reaching the inner service.
fn refuse<B: From<String>>(status: StatusCode, reason: &str) -> Response<B> {
    let body = match serde_json::to_string(reason) {
        Ok(quoted) => format!(r#"{{"error":{quoted}}}"#),
        Err(_) => r#"{"error":"refused"}"#.to_owned(),
    };
    let mut response = Response::new(B::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Reads `body` whole: at most `max` bytes (a larger `Content-Length` is refused before
/// reading), within `timeout`.
async fn read_body<B>(
    parts: &http::request::Parts,
    body: B,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, (StatusCode, &'static str)>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared = parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > u64::try_from(max).unwrap_or(u64::MAX)) {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "request body too large"));
    }
    match tokio::time::timeout(timeout, Limited::new(body, max).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err((StatusCode::PAYLOAD_TOO_LARGE, "request body too large")),
        Ok(Err(_)) => Err((StatusCode::BAD_REQUEST, "request body could not be read")),
        Err(_) => Err((StatusCode::REQUEST_TIMEOUT, "request body too slow")),
    }
}

/// The status for an API request that did not verify.
fn api_status(error: &VerifyError) -> StatusCode {
    match error {
        VerifyError::WrongApp => StatusCode::FORBIDDEN,
        VerifyError::InvalidPath
        | VerifyError::MalformedQuery
        | VerifyError::DuplicateParam
        | VerifyError::MissingParam { .. }
        | VerifyError::UnsupportedVersion
        | VerifyError::InvalidTimestamp => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNAUTHORIZED,
    }
}

/// A layer that verifies Pusher HTTP API requests: see the [module](self).
#[derive(Clone, Debug)]
pub struct VerifyApiRequestLayer {
    keyring: &'static Keyring,
    guard: Option<SharedGuard>,
    max_body_len: usize,
    body_timeout: Duration,
}

impl VerifyApiRequestLayer {
    /// Verifies against `keyring`, bodies up to [`DEFAULT_MAX_API_BODY_LEN`] arriving
    /// within [`DEFAULT_BODY_TIMEOUT`], no replay guard.
    #[must_use]
    pub fn new(keyring: &'static Keyring) -> Self {
        Self { keyring, guard: None, max_body_len: DEFAULT_MAX_API_BODY_LEN, body_timeout: DEFAULT_BODY_TIMEOUT }
    }

    /// The same layer, refusing a request whose [`ReplayKey`] `guard` has seen within
    /// [`API_REQUEST_TTL`] (`409`), and any request when `guard` cannot answer (`503`).
    /// A key is recorded before the inner service runs and never forgotten: a request
    /// that reached the inner service was used, whatever it answered.
    #[must_use]
    pub fn with_replay_guard(self, guard: impl ReplayGuard + 'static) -> Self {
        Self { guard: Some(SharedGuard::new(guard)), ..self }
    }

    /// The same layer, with bodies up to `max` bytes (`413` beyond).
    #[must_use]
    pub fn with_max_body_len(self, max: usize) -> Self {
        Self { max_body_len: max, ..self }
    }

    /// The same layer, with bodies arriving within `timeout` (`408` after).
    #[must_use]
    pub fn with_body_timeout(self, timeout: Duration) -> Self {
        Self { body_timeout: timeout, ..self }
    }
}

impl<S> Layer<S> for VerifyApiRequestLayer {
    type Service = VerifyApiRequest<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyApiRequest { layer: self.clone(), inner }
    }
}

/// The service of [`VerifyApiRequestLayer`].
#[derive(Clone, Debug)]
pub struct VerifyApiRequest<S> {
    layer: VerifyApiRequestLayer,
    inner: S,
}

impl<S, B, ResBody> Service<Request<B>> for VerifyApiRequest<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    B: Body + From<Bytes> + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was not polled ready stays here; the ready one serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let Ok(method) = Method::try_from(&parts.method) else {
                return Ok(refuse(StatusCode::METHOD_NOT_ALLOWED, "method not signed by the protocol"));
            };
            let bytes = match read_body(&parts, body, layer.max_body_len, layer.body_timeout).await {
                Ok(bytes) => bytes,
                Err((status, reason)) => return Ok(refuse(status, reason)),
            };
            let query = parts.uri.query().unwrap_or("");
            let verified = match verify_api_request(layer.keyring, method, parts.uri.path(), query, &bytes, now()) {
                Ok(verified) => verified,
                Err(e) => return Ok(refuse(api_status(&e), &e.to_string())),
            };
            if let Some(guard) = &layer.guard {
                match guard.first_seen(&ReplayKey::of_api_request(&verified), API_REQUEST_TTL).await {
                    Ok(true) => {}
                    Ok(false) => return Ok(refuse(StatusCode::CONFLICT, "replayed request")),
                    Err(e) => return Ok(refuse(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())),
                }
            }
            parts.extensions.insert(verified);
            inner.call(Request::from_parts(parts, B::from(bytes))).await
        })
    }
}

/// A layer that verifies Pusher webhooks: see the [module](self).
///
/// Like [`WebhookEndpoint`](crate::integrations::handler::WebhookEndpoint): the
/// signature over the raw body (at most [`MAX_WEBHOOK_BODY_LEN`]), then the typed body,
/// then `time_ms` within the freshness window (default [`DEFAULT_WEBHOOK_WINDOW`]); with
/// a guard, a repeat of a webhook the inner service answered with a 2xx is answered
/// `200 {}` without calling it again, and a key whose call did not succeed is forgotten
/// (so the sender's retry reaches the inner service).
#[derive(Clone, Debug)]
pub struct VerifyWebhookLayer {
    keyring: &'static Keyring,
    guard: Option<SharedGuard>,
    window: Duration,
    body_timeout: Duration,
}

impl VerifyWebhookLayer {
    /// Verifies against `keyring`: webhooks within [`DEFAULT_WEBHOOK_WINDOW`] of the
    /// system clock, bodies within [`DEFAULT_BODY_TIMEOUT`], no replay guard.
    #[must_use]
    pub fn new(keyring: &'static Keyring) -> Self {
        Self { keyring, guard: None, window: DEFAULT_WEBHOOK_WINDOW, body_timeout: DEFAULT_BODY_TIMEOUT }
    }

    /// The same layer, handing each webhook to the inner service once (see the type's
    /// docs); `503` when `guard` cannot answer.
    #[must_use]
    pub fn with_replay_guard(self, guard: impl ReplayGuard + 'static) -> Self {
        Self { guard: Some(SharedGuard::new(guard)), ..self }
    }

    /// The same layer, accepting webhooks whose `time_ms` is less than `window` from the
    /// clock.
    #[must_use]
    pub fn with_freshness_window(self, window: Duration) -> Self {
        Self { window, ..self }
    }

    /// The same layer, with bodies arriving within `timeout` (`408` after).
    #[must_use]
    pub fn with_body_timeout(self, timeout: Duration) -> Self {
        Self { body_timeout: timeout, ..self }
    }
}

impl<S> Layer<S> for VerifyWebhookLayer {
    type Service = VerifyWebhook<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyWebhook { layer: self.clone(), inner }
    }
}

/// The service of [`VerifyWebhookLayer`].
#[derive(Clone, Debug)]
pub struct VerifyWebhook<S> {
    layer: VerifyWebhookLayer,
    inner: S,
}

impl<S, B, ResBody> Service<Request<B>> for VerifyWebhook<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    B: Body + From<Bytes> + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let (Some(key), Some(signature)) = (header("x-pusher-key"), header("x-pusher-signature")) else {
                return Ok(refuse(StatusCode::UNAUTHORIZED, "missing X-Pusher-Key or X-Pusher-Signature"));
            };
            let bytes = match read_body(&parts, body, MAX_WEBHOOK_BODY_LEN, layer.body_timeout).await {
                Ok(bytes) => bytes,
                Err((status, reason)) => return Ok(refuse(status, reason)),
            };
            let verified: VerifiedWebhook<'static> =
                match verify_and_parse_webhook(layer.keyring, &key, &signature, &bytes) {
                    Ok(verified) => verified,
                    Err(e) => {
                        let status = if matches!(e, WebhookError::Verify(_)) {
                            StatusCode::UNAUTHORIZED
                        } else {
                            StatusCode::BAD_REQUEST
                        };
                        return Ok(refuse(status, &e.to_string()));
                    }
                };
            if let Err(stale) = verified.webhook().check_freshness(now(), layer.window) {
                return Ok(refuse(StatusCode::UNAUTHORIZED, &stale.to_string()));
            }
            let recorded = match &layer.guard {
                None => None,
                Some(guard) => {
                    let key = ReplayKey::of_webhook(&verified);
                    match guard.first_seen(&key, webhook_ttl(layer.window)).await {
                        Ok(true) => Some((guard.clone(), key)),
                        Ok(false) => {
                            let mut done = Response::new(ResBody::from("{}".to_owned()));
                            done.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
                            return Ok(done);
                        }
                        Err(e) => return Ok(refuse(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())),
                    }
                }
            };
            parts.extensions.insert(verified);
            let answer = inner.call(Request::from_parts(parts, B::from(bytes))).await;
            if let Some((guard, key)) = recorded
                && !answer.as_ref().is_ok_and(|response| response.status().is_success())
            {
                // Best effort: if the store is down now, the key expires by itself.
                let _ = guard.forget(&key).await;
            }
            answer
        })
    }
}

#[cfg(test)]
mod tests;
