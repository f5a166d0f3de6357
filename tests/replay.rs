//! Replay protection through `WebhookEndpoint::with_replay_guard`: a processed webhook
//! is handled once, a retry-later does not burn its key, a guard that cannot answer
//! refuses (503) and never lets the handler run; replay keys of API requests.

#![cfg(not(target_family = "wasm"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::integrations::handler::{
    Answer, HandlerError, Refusal, RequestView, Route, WebhookEndpoint, WebhookHandler,
};
use channel_auth::replay::{MemoryReplayGuard, ReplayError, ReplayGuard, ReplayKey};
use channel_auth::webhook::{VerifiedWebhook, sign_webhook, verify_and_parse_webhook};
use channel_auth::{Credentials, Keyring};

const NOW_MS: u64 = 1_700_000_000_000;

fn creds() -> Credentials {
    Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
}

/// Counts calls; fails with `retry_later` while `fail_first` calls remain.
#[derive(Default)]
struct Counting {
    calls: AtomicUsize,
    fail_first: AtomicUsize,
}

/// The endpoint's handler: the test keeps the other `Arc`.
struct Handler(Arc<Counting>);

impl WebhookHandler for Handler {
    async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        let this = &self.0;
        this.calls.fetch_add(1, Ordering::SeqCst);
        // Yield, so concurrent deliveries interleave.
        tokio::task::yield_now().await;
        if this.fail_first.load(Ordering::SeqCst) > 0 {
            this.fail_first.fetch_sub(1, Ordering::SeqCst);
            return Err(HandlerError::retry_later("store down"));
        }
        Ok(())
    }
}

fn endpoint(handler: Arc<Counting>, guard: impl ReplayGuard + 'static) -> WebhookEndpoint<Handler> {
    WebhookEndpoint::new(Keyring::new([creds()]), Handler(handler))
        .with_clock(|| UNIX_EPOCH + Duration::from_millis(NOW_MS))
        .with_replay_guard(guard)
}

fn body(n: u32) -> String {
    format!(r#"{{"time_ms":{},"events":[{{"name":"channel_occupied","channel":"c{n}"}}]}}"#, NOW_MS - 1000)
}

async fn deliver(endpoint: &WebhookEndpoint<Handler>, body: &str) -> Answer {
    let signed = sign_webhook(&creds(), body.as_bytes());
    let headers = [("X-Pusher-Key", "key"), ("X-Pusher-Signature", signed.signature())];
    endpoint.answer(&RequestView::new(&headers), body.as_bytes()).await
}

#[tokio::test]
async fn a_processed_webhook_is_handled_once_and_another_is_handled() {
    let handler = Arc::new(Counting::default());
    let endpoint = endpoint(handler.clone(), MemoryReplayGuard::new(100));
    for _ in 0..3 {
        let answer = deliver(&endpoint, &body(1)).await;
        assert_eq!((answer.status(), answer.body()), (200, "{}"));
    }
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);
    assert_eq!(deliver(&endpoint, &body(2)).await.status(), 200);
    assert_eq!(handler.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn retry_later_does_not_burn_the_key() {
    let handler = Arc::new(Counting { fail_first: AtomicUsize::new(1), ..Counting::default() });
    let endpoint = endpoint(handler.clone(), MemoryReplayGuard::new(100));
    assert_eq!(deliver(&endpoint, &body(1)).await.status(), 503);
    assert_eq!(deliver(&endpoint, &body(1)).await.status(), 200); // the retry is handled
    assert_eq!(deliver(&endpoint, &body(1)).await.status(), 200); // and then only answered
    assert_eq!(handler.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn concurrent_deliveries_are_handled_once() {
    let handler = Arc::new(Counting::default());
    let endpoint = Arc::new(endpoint(handler.clone(), MemoryReplayGuard::new(100)));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let endpoint = endpoint.clone();
            tokio::spawn(async move { deliver(&endpoint, &body(7)).await.status() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);
}

/// A store that is down.
struct Down;

impl ReplayGuard for Down {
    async fn first_seen(&self, _: &ReplayKey, _: Duration) -> Result<bool, ReplayError> {
        Err(ReplayError::Unavailable { reason: "I/O error".to_owned() })
    }
    async fn forget(&self, _: &ReplayKey) -> Result<(), ReplayError> {
        Err(ReplayError::Unavailable { reason: "I/O error".to_owned() })
    }
}

#[tokio::test]
async fn a_guard_that_cannot_answer_refuses_and_the_handler_never_runs() {
    let handler = Arc::new(Counting::default());
    let endpoint = endpoint(handler.clone(), Down);
    let answer = deliver(&endpoint, &body(1)).await;
    assert_eq!((answer.status(), answer.body()), (503, r#"{"error":"replay store unavailable: I/O error"}"#));
    assert!(matches!(answer.refusal(), Some(Refusal::Replay(ReplayError::Unavailable { .. }))));
    assert_eq!(handler.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_full_memory_guard_refuses_new_webhooks_but_still_answers_repeats() {
    let handler = Arc::new(Counting::default());
    let endpoint = endpoint(handler.clone(), MemoryReplayGuard::new(1));
    assert_eq!(deliver(&endpoint, &body(1)).await.status(), 200);
    let answer = deliver(&endpoint, &body(2)).await;
    assert_eq!(answer.status(), 503);
    assert!(answer.body().contains("could still verify"), "{}", answer.body());
    assert_eq!(deliver(&endpoint, &body(1)).await.status(), 200);
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn stale_and_forged_webhooks_are_refused_before_the_guard() {
    // A guard that is down would answer 503: these are refused earlier, with 401.
    let handler = Arc::new(Counting::default());
    let endpoint = endpoint(handler.clone(), Down);
    let stale = format!(r#"{{"time_ms":{},"events":[]}}"#, NOW_MS - 3_600_000);
    assert_eq!(deliver(&endpoint, &stale).await.status(), 401);
    let headers = [("X-Pusher-Key", "key"), ("X-Pusher-Signature", "00")];
    assert_eq!(endpoint.answer(&RequestView::new(&headers), body(1).as_bytes()).await.status(), 401);
}

#[test]
fn an_api_request_has_one_key_however_its_query_is_spelled() {
    let creds = creds();
    let ring = Keyring::new([creds.clone()]);
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let query =
        sign_api_request(&creds, Method::Get, "/apps/1/channels", &[("filter_by_prefix", "presence-")], b"", at)
            .unwrap();
    let respelled = query.as_str().replace("filter_by_prefix", "FILTER%5FBY%5FPREFIX");
    let key = |q: &str| {
        ReplayKey::of_api_request(&verify_api_request(&ring, Method::Get, "/apps/1/channels", q, b"", at).unwrap())
    };
    assert_eq!(key(query.as_str()), key(&respelled));
    // One second later it is another request.
    let later = at + Duration::from_secs(1);
    let next =
        sign_api_request(&creds, Method::Get, "/apps/1/channels", &[("filter_by_prefix", "presence-")], b"", later)
            .unwrap();
    assert_ne!(key(query.as_str()), key(next.as_str()));
}

#[test]
fn a_webhook_and_an_api_request_never_share_a_key() {
    // The same bytes signed as a webhook body and as an API request's string to sign
    // are different signatures anyway; the purpose byte keeps them apart regardless.
    let creds = creds();
    let ring = Keyring::new([creds.clone()]);
    let body = br#"{"time_ms":1,"events":[]}"#;
    let signed = sign_webhook(&creds, body);
    let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body).unwrap();
    let at = SystemTime::now();
    let query = sign_api_request(&creds, Method::Post, "/apps/1/events", &[], body, at).unwrap();
    let request = verify_api_request(&ring, Method::Post, "/apps/1/events", query.as_str(), body, at).unwrap();
    assert_ne!(ReplayKey::of_webhook(&webhook), ReplayKey::of_api_request(&request));
}

#[test]
fn debug_of_verified_values_does_not_show_the_signature() {
    let creds = creds();
    let ring = Keyring::new([creds.clone()]);
    let body = br#"{"time_ms":1,"events":[]}"#;
    let signed = sign_webhook(&creds, body);
    let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body).unwrap();
    assert!(!format!("{webhook:?}").contains(signed.signature()));
    let at = SystemTime::now();
    let query = sign_api_request(&creds, Method::Get, "/apps/1/channels", &[], b"", at).unwrap();
    let signature = query.as_str().split('&').find_map(|p| p.strip_prefix("auth_signature=")).unwrap();
    let request = verify_api_request(&ring, Method::Get, "/apps/1/channels", query.as_str(), b"", at).unwrap();
    assert!(!format!("{request:?}").contains(signature));
}

#[test]
fn the_ttls_cover_every_moment_a_request_still_verifies() {
    use channel_auth::replay::{API_REQUEST_TTL, webhook_ttl};
    // An API request signed at `at` verifies from `at − 599 s` to just before `at + 600 s`:
    // first seen at the earliest moment, its key must outlive the latest one.
    let creds = creds();
    let ring = Keyring::new([creds.clone()]);
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let query = sign_api_request(&creds, Method::Get, "/apps/1/channels", &[], b"", at).unwrap();
    let verifies = |now| verify_api_request(&ring, Method::Get, "/apps/1/channels", query.as_str(), b"", now).is_ok();
    let earliest = at - Duration::from_secs(599);
    let latest = at + Duration::from_millis(599_999);
    assert!(verifies(earliest) && verifies(latest));
    assert!(!verifies(earliest - Duration::from_millis(1)) && !verifies(latest + Duration::from_millis(1)));
    assert!(latest.duration_since(earliest).unwrap() < API_REQUEST_TTL);

    // A webhook accepted within `window` either way of its time_ms.
    let window = Duration::from_secs(600);
    let body = format!(r#"{{"time_ms":{NOW_MS},"events":[]}}"#);
    let signed = sign_webhook(&creds, body.as_bytes());
    let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body.as_bytes()).unwrap();
    let fresh = |now| webhook.webhook().check_freshness(now, window).is_ok();
    let sent = UNIX_EPOCH + Duration::from_millis(NOW_MS);
    let (earliest, latest) = (sent - window + Duration::from_millis(1), sent + window - Duration::from_millis(1));
    assert!(fresh(earliest) && fresh(latest));
    assert!(!fresh(earliest - Duration::from_millis(1)) && !fresh(latest + Duration::from_millis(1)));
    assert!(latest.duration_since(earliest).unwrap() < webhook_ttl(window));
}
