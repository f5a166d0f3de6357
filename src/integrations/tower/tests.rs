#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::UNIX_EPOCH;

use http_body_util::Full;
use tower::ServiceExt as _;

use super::*;
use crate::Credentials;
use crate::api::{VerifiedApiRequest, sign_api_request};
use crate::replay::{MemoryReplayGuard, ReplayError};
use crate::webhook::sign_webhook;

type TestBody = Full<Bytes>;

fn creds(app: &str) -> Credentials {
    Credentials::new("key".parse().unwrap(), "secret".parse().unwrap()).with_app_id(app.parse().unwrap())
}

fn keyring() -> &'static Keyring {
    Box::leak(Box::new(Keyring::new([creds("3")])))
}

/// An inner service that counts its calls, answers `status`, and echoes what it saw of
/// the verified values.
#[derive(Clone)]
struct Inner {
    calls: Arc<AtomicUsize>,
    status: StatusCode,
}

impl Inner {
    fn new(status: StatusCode) -> Self {
        Self { calls: Arc::new(AtomicUsize::new(0)), status }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Service<Request<TestBody>> for Inner {
    type Response = Response<TestBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<TestBody>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<TestBody>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let status = self.status;
        Box::pin(async move {
            let api =
                request.extensions().get::<VerifiedApiRequest<'static>>().map(|v| v.get("auth_key").map(str::to_owned));
            let webhook = request.extensions().get::<VerifiedWebhook<'static>>().map(|v| v.webhook().events().len());
            let body = request.into_body().collect().await.unwrap().to_bytes();
            let seen = format!("api={api:?} webhook={webhook:?} body={}", body.len());
            let mut response = Response::new(TestBody::from(seen));
            *response.status_mut() = status;
            Ok(response)
        })
    }
}

async fn text(response: Response<TestBody>) -> (StatusCode, String) {
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

const EVENT: &[u8] = br#"{"name":"e","channels":["c"],"data":"{}"}"#;

fn api_request(signer: &Credentials, path: &str, body: &[u8]) -> Request<TestBody> {
    let query = sign_api_request(signer, Method::Post, path, &[], body, now()).unwrap();
    Request::post(format!("{path}?{}", query.as_str())).body(TestBody::from(body.to_vec())).unwrap()
}

#[tokio::test]
async fn a_verified_api_request_reaches_the_inner_service_with_its_verified_value_and_body() {
    let inner = Inner::new(StatusCode::OK);
    let service = VerifyApiRequestLayer::new(keyring()).layer(inner.clone());
    let (status, body) = text(service.oneshot(api_request(&creds("3"), "/apps/3/events", EVENT)).await.unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#"api=Some(Some("key")) webhook=None body=41"#));
    assert_eq!(inner.calls(), 1);
}

#[tokio::test]
async fn a_replayed_api_request_is_refused_and_never_forwarded() {
    let inner = Inner::new(StatusCode::OK);
    let service =
        VerifyApiRequestLayer::new(keyring()).with_replay_guard(MemoryReplayGuard::new(100)).layer(inner.clone());
    let query = sign_api_request(&creds("3"), Method::Post, "/apps/3/events", &[], EVENT, now()).unwrap();
    let request = |q: &str| Request::post(format!("/apps/3/events?{q}")).body(TestBody::from(EVENT.to_vec())).unwrap();
    assert_eq!(service.clone().oneshot(request(query.as_str())).await.unwrap().status(), StatusCode::OK);
    let (status, body) = text(service.clone().oneshot(request(query.as_str())).await.unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::CONFLICT, r#"{"error":"replayed request"}"#));
    // Respelled (a key's case), it is still the same signed request.
    let respelled = query.as_str().replace("auth_key=", "AUTH_KEY=");
    assert_eq!(service.clone().oneshot(request(&respelled)).await.unwrap().status(), StatusCode::CONFLICT);
    assert_eq!(inner.calls(), 1);
}

#[tokio::test]
async fn api_refusals_never_reach_the_inner_service() {
    let inner = Inner::new(StatusCode::OK);
    let service = VerifyApiRequestLayer::new(keyring()).with_max_body_len(64).layer(inner.clone());
    // Another app's path, signed by app 3's (bound) credentials.
    let other = api_request(&creds("3"), "/apps/4/events", EVENT);
    assert_eq!(service.clone().oneshot(other).await.unwrap().status(), StatusCode::FORBIDDEN);
    // Signed with another secret.
    let forged = Credentials::new("key".parse().unwrap(), "guess".parse().unwrap());
    assert_eq!(
        service.clone().oneshot(api_request(&forged, "/apps/3/events", EVENT)).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // Signed in 2023.
    let old = sign_api_request(&creds("3"), Method::Post, "/apps/3/events", &[], EVENT, UNIX_EPOCH).unwrap();
    let old = Request::post(format!("/apps/3/events?{}", old.as_str())).body(TestBody::from(EVENT.to_vec())).unwrap();
    assert_eq!(service.clone().oneshot(old).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // Unsigned, and too large.
    let unsigned = Request::post("/apps/3/events").body(TestBody::from(EVENT.to_vec())).unwrap();
    assert_eq!(service.clone().oneshot(unsigned).await.unwrap().status(), StatusCode::BAD_REQUEST);
    let large = api_request(&creds("3"), "/apps/3/events", &[b' '; 65]);
    assert_eq!(service.clone().oneshot(large).await.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);
    let method = Request::builder().method("PATCH").uri("/apps/3/events").body(TestBody::default()).unwrap();
    assert_eq!(service.clone().oneshot(method).await.unwrap().status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(inner.calls(), 0);
}

/// A store that is down.
struct Down;

impl ReplayGuard for Down {
    async fn first_seen(&self, _: &ReplayKey, _: Duration) -> Result<bool, ReplayError> {
        Err(ReplayError::TimedOut { timeout: Duration::from_secs(2) })
    }
    async fn forget(&self, _: &ReplayKey) -> Result<(), ReplayError> {
        Err(ReplayError::TimedOut { timeout: Duration::from_secs(2) })
    }
}

#[tokio::test]
async fn a_guard_that_cannot_answer_fails_closed() {
    let inner = Inner::new(StatusCode::OK);
    let api = VerifyApiRequestLayer::new(keyring()).with_replay_guard(Down).layer(inner.clone());
    let response = api.oneshot(api_request(&creds("3"), "/apps/3/events", EVENT)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let webhooks = VerifyWebhookLayer::new(keyring()).with_replay_guard(Down).layer(inner.clone());
    assert_eq!(webhooks.oneshot(webhook(&fresh_body("a"))).await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(inner.calls(), 0);
}

fn fresh_body(channel: &str) -> String {
    let ms = now().duration_since(UNIX_EPOCH).unwrap().as_millis();
    format!(r#"{{"time_ms":{ms},"events":[{{"name":"channel_vacated","channel":"{channel}"}}]}}"#)
}

fn webhook(body: &str) -> Request<TestBody> {
    let signed = sign_webhook(&creds("3"), body.as_bytes());
    Request::post("/webhook")
        .header("X-Pusher-Key", "key")
        .header("X-Pusher-Signature", signed.signature())
        .body(TestBody::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn a_webhook_reaches_the_inner_service_once() {
    let inner = Inner::new(StatusCode::OK);
    let service =
        VerifyWebhookLayer::new(keyring()).with_replay_guard(MemoryReplayGuard::new(100)).layer(inner.clone());
    let body = fresh_body("a");
    let (status, seen) = text(service.clone().oneshot(webhook(&body)).await.unwrap()).await;
    assert_eq!((status, seen), (StatusCode::OK, format!("api=None webhook=Some(1) body={}", body.len())));
    let (status, seen) = text(service.clone().oneshot(webhook(&body)).await.unwrap()).await;
    assert_eq!((status, seen.as_str()), (StatusCode::OK, "{}"));
    assert_eq!(service.clone().oneshot(webhook(&fresh_body("b"))).await.unwrap().status(), StatusCode::OK);
    assert_eq!(inner.calls(), 2);
}

#[tokio::test]
async fn a_webhook_the_inner_service_failed_is_delivered_again() {
    let inner = Inner::new(StatusCode::SERVICE_UNAVAILABLE);
    let guard = Arc::new(MemoryReplayGuard::new(100));
    let service = VerifyWebhookLayer::new(keyring()).with_replay_guard(guard).layer(inner.clone());
    let body = fresh_body("a");
    for _ in 0..2 {
        assert_eq!(service.clone().oneshot(webhook(&body)).await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(inner.calls(), 2);
}

#[tokio::test]
async fn webhook_refusals_never_reach_the_inner_service() {
    let inner = Inner::new(StatusCode::OK);
    let service = VerifyWebhookLayer::new(keyring()).layer(inner.clone());
    let stale = r#"{"time_ms":1690000000000,"events":[]}"#;
    let (status, body) = text(service.clone().oneshot(webhook(stale)).await.unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, r#"{"error":"timestamp is too old"}"#));
    let unsigned = Request::post("/webhook").body(TestBody::from(fresh_body("a"))).unwrap();
    assert_eq!(service.clone().oneshot(unsigned).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let mut forged = webhook(&fresh_body("a"));
    forged.headers_mut().insert("X-Pusher-Signature", HeaderValue::from_static("00"));
    assert_eq!(service.clone().oneshot(forged).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let mut large = webhook(&fresh_body("a"));
    large.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(MAX_WEBHOOK_BODY_LEN + 1));
    assert_eq!(service.clone().oneshot(large).await.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(inner.calls(), 0);
}
