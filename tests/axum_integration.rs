//! The axum handlers: what they sign, what they refuse, and that a refused body never
//! reaches the application's decision.
#![cfg(all(feature = "axum", not(target_family = "wasm")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use channel_auth::integrations::RequestError;
use channel_auth::integrations::axum::{batch_channel_auth, channel_auth, route, user_auth, webhook};
use channel_auth::integrations::handler::{
    ChannelAuthorizer, Decision, HandlerError, RequestView, UserAuthenticator, WebhookEndpoint, WebhookHandler,
};
use channel_auth::webhook::{VerifiedWebhook, WebhookError, WebhookEvent, sign_webhook};
use channel_auth::{
    ChannelKind, ChannelName, Credentials, EncryptionMasterKey, Keyring, PresenceMember, SocketId, UserData,
    sign_channel_auth, sign_presence_auth, sign_user_auth,
};
use serde_json::Value;
use tower::ServiceExt as _;

const KEY: &str = "278d425bdf160c739803";
const SECRET: &str = "7ad3773142a6692b25b8";

fn creds() -> Credentials {
    Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]))
}

/// Allows channels that contain "ok", as member "u" on presence channels; counts calls.
#[derive(Clone, Default)]
struct Policy {
    calls: Arc<AtomicUsize>,
    /// Answers `Allow` even for presence channels (an application bug).
    misfit: bool,
}

impl ChannelAuthorizer for Policy {
    async fn authorize(&self, request: &RequestView<'_>, _socket: &SocketId, channel: &ChannelName) -> Decision {
        self.calls.fetch_add(1, Ordering::SeqCst);
        assert!(request.header("x-test").is_some(), "the authorizer sees the request's headers");
        if !channel.as_str().contains("ok") {
            return Decision::Deny;
        }
        match channel.kind() {
            ChannelKind::Presence if !self.misfit => {
                Decision::AllowAsMember(PresenceMember::new("u".parse().unwrap(), None).unwrap())
            }
            _ => Decision::Allow,
        }
    }
}

impl UserAuthenticator for Policy {
    async fn authenticate(&self, request: &RequestView<'_>, _socket: &SocketId) -> Option<UserData> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let id = request.header("x-user")?;
        Some(UserData::new(id.parse().ok()?))
    }
}

fn app(policy: &Policy) -> Router {
    Router::new()
        .route("/auth", channel_auth(creds(), policy.clone()))
        .route("/batch", batch_channel_auth(creds(), policy.clone()))
        .route("/user", user_auth(creds(), policy.clone()))
}

async fn post(
    app: Router,
    path: &str,
    body: &'static str,
    user: Option<&str>,
) -> (StatusCode, Value, Option<RequestError>) {
    let mut req = Request::post(path).header("content-type", "application/x-www-form-urlencoded").header("x-test", "1");
    if let Some(user) = user {
        req = req.header("x-user", user);
    }
    let res = app.oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = res.status();
    assert_eq!(res.headers()["content-type"], "application/json");
    let reason = res.extensions().get::<RequestError>().cloned();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap(), reason)
}

fn socket() -> SocketId {
    "123.456".parse().unwrap()
}

fn name(s: &str) -> ChannelName {
    s.parse().unwrap()
}

#[tokio::test]
async fn signs_what_the_application_allows() {
    let policy = Policy::default();
    let (status, json, _) = post(app(&policy), "/auth", "socket_id=123.456&channel_name=private-ok", None).await;
    assert_eq!(status, StatusCode::OK);
    let want = sign_channel_auth(&creds(), &socket(), &name("private-ok")).unwrap();
    assert_eq!(json.to_string(), want.to_json());

    let (status, json, _) =
        post(app(&policy), "/auth", "socket_id=123.456&channel_name=presence-ok&extra=ignored", None).await;
    assert_eq!(status, StatusCode::OK);
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    let want = sign_presence_auth(&creds(), &socket(), &name("presence-ok"), &member).unwrap();
    assert_eq!(json.to_string(), want.to_json());

    let (status, json, _) =
        post(app(&policy), "/auth", "socket_id=123.456&channel_name=private-encrypted-ok", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(json["shared_secret"].is_string());
    assert_eq!(policy.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn denied_is_403() {
    let policy = Policy::default();
    let (status, json, _) = post(app(&policy), "/auth", "socket_id=123.456&channel_name=private-no", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json, serde_json::json!({"error": "forbidden"}));
}

/// Hostile or unauthorizable bodies: 400 with the typed reason, and the application is
/// never asked (so nothing can be signed).
#[tokio::test]
async fn hostile_bodies_are_400_and_never_reach_the_policy() {
    const CASES: &[(&str, &str)] = &[
        (
            "socket_id=1.1%3Aprivate-ok&channel_name=private-ok",
            "invalid socket_id: socket id has a forbidden character ':' at byte 3",
        ),
        (
            "socket_id=1.1:private-ok&channel_name=private-ok",
            "invalid socket_id: socket id has a forbidden character ':' at byte 3",
        ),
        (
            "socket_id=1.1&channel_name=private-ok%0Aprivate-b",
            "invalid channel_name: channel name has a forbidden character '\\n' at byte 10",
        ),
        ("socket_id=1.1&channel_name=private-ok&channel_name=private-other", "field channel_name given more than once"),
        ("socket_id=1.1&socket_id=2.2&channel_name=private-ok", "field socket_id given more than once"),
        ("channel_name=private-ok", "missing field socket_id"),
        ("socket_id=1.1", "missing field channel_name"),
        ("socket_id=1.1&channel_name=ok-public", "public channels are not authorized"),
        ("socket_id=1.1&channel_name=%23server-to-user-ok", "server-to-user channels are reserved for the server"),
        ("{\"socket_id\":\"1.1\",\"channel_name\":\"private-ok\"}", "missing field socket_id"),
    ];
    let policy = Policy::default();
    for (body, reason) in CASES {
        let (status, json, _) = post(app(&policy), "/auth", body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json, serde_json::json!({ "error": reason }), "{body}");
    }
    for body in ["socket_id=1.1%0A", "socket_id=", "socket_id=1.1&socket_id=1.1"] {
        let (status, _, reason) = post(app(&policy), "/user", body, Some("u")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(reason.is_some(), "the typed reason rides in the extensions");
    }
    assert_eq!(policy.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let policy = Policy::default();
    let body: &'static str = format!("socket_id=1.1&channel_name=private-ok&pad={}", "x".repeat(9000)).leak();
    let (status, json, reason) = post(app(&policy), "/auth", body, None).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reason, Some(RequestError::BodyTooLarge { max: 8192 }));
    assert_eq!(json["error"], "body unreadable or longer than 8192 bytes");
    assert_eq!(policy.calls.load(Ordering::SeqCst), 0);
}

/// `form` with an ignored `pad` field, `len` bytes in all.
fn padded(form: &str, len: usize) -> &'static str {
    let pad = len - form.len() - "&pad=".len();
    format!("{form}&pad={}", "x".repeat(pad)).leak()
}

#[tokio::test]
async fn body_limits_are_exact_and_documented() {
    use channel_auth::integrations::{BatchAuthRequest, ChannelAuthRequest, UserAuthRequest};
    // The documented limits: 8 KiB for one channel or a sign-in, 64 KiB for a batch.
    assert_eq!(ChannelAuthRequest::MAX_BODY_LEN, 8 * 1024);
    assert_eq!(UserAuthRequest::MAX_BODY_LEN, 8 * 1024);
    assert_eq!(BatchAuthRequest::MAX_BODY_LEN, 64 * 1024);
    let routes = [
        ("/auth", "socket_id=1.1&channel_name=private-ok", ChannelAuthRequest::MAX_BODY_LEN),
        ("/batch", "socket_id=1.1&channel_name[0]=private-ok", BatchAuthRequest::MAX_BODY_LEN),
        ("/user", "socket_id=1.1", UserAuthRequest::MAX_BODY_LEN),
    ];
    for (path, form, max) in routes {
        let policy = Policy::default();
        let (status, _, reason) = post(app(&policy), path, padded(form, max), Some("u")).await;
        assert_eq!((status, reason), (StatusCode::OK, None), "{path}: exactly {max} bytes is read");
        let (status, _, reason) = post(app(&policy), path, padded(form, max + 1), Some("u")).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {} bytes", max + 1);
        assert_eq!(reason, Some(RequestError::BodyTooLarge { max }));
        assert_eq!(policy.calls.load(Ordering::SeqCst), 1, "{path}: only the body that fits was decided");
    }
}

#[tokio::test]
async fn a_decision_that_does_not_fit_the_channel_is_500_and_unsigned() {
    let policy = Policy { misfit: true, ..Policy::default() };
    let (status, json, _) = post(app(&policy), "/auth", "socket_id=1.1&channel_name=presence-ok", None).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(json, serde_json::json!({"error": "presence channels need member data (use sign_presence_auth)"}));
}

#[tokio::test]
async fn batch_in_the_pusher_js_auth_wire_format() {
    let policy = Policy::default();
    let body = "&socket_id=123.456&channel_name[0]=private-ok&channel_name[1]=presence-ok&channel_name[2]=private-no&channel_name[3]=news";
    let (status, json, _) = post(app(&policy), "/batch", body, None).await;
    assert_eq!(status, StatusCode::OK);
    let private = sign_channel_auth(&creds(), &socket(), &name("private-ok")).unwrap();
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    let presence = sign_presence_auth(&creds(), &socket(), &name("presence-ok"), &member).unwrap();
    let want = serde_json::json!({
        "private-ok": {"status": 200, "data": private},
        "presence-ok": {"status": 200, "data": presence},
        "private-no": {"status": 403},
        "news": {"status": 400},
    });
    assert_eq!(json, want);
    assert_eq!(policy.calls.load(Ordering::SeqCst), 3, "not asked about the public channel");

    for hostile in [
        "&socket_id=1.1:x&channel_name[0]=private-ok",
        "&socket_id=1.1&channel_name[0]=private-ok&channel_name[0]=private-ok2",
        "&socket_id=1.1&channel_name[0]=private-ok&channel_name[1]=private-ok%3Ax",
        "&socket_id=1.1&channel_name=private-ok",
        "&socket_id=1.1",
    ] {
        let (status, json, _) = post(app(&policy), "/batch", hostile, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{hostile}");
        assert!(json["error"].is_string());
    }
    assert_eq!(policy.calls.load(Ordering::SeqCst), 3, "a hostile batch signs nothing");
}

#[tokio::test]
async fn user_sign_in() {
    let policy = Policy::default();
    let (status, json, _) = post(app(&policy), "/user", "socket_id=123.456", Some("ann")).await;
    assert_eq!(status, StatusCode::OK);
    let want = sign_user_auth(&creds(), &socket(), &UserData::new("ann".parse().unwrap())).unwrap();
    assert_eq!(json.to_string(), want.to_json());
    let (status, json, _) = post(app(&policy), "/user", "socket_id=123.456", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json, serde_json::json!({"error": "forbidden"}));
}

#[tokio::test]
async fn responses_never_carry_the_secret() {
    let policy = Policy::default();
    for (path, body) in
        [("/auth", "socket_id=1.1&channel_name=private-ok"), ("/auth", "socket_id=x"), ("/user", "socket_id=1.1")]
    {
        let (_, json, _) = post(app(&policy), path, body, Some("u")).await;
        assert!(!json.to_string().contains(SECRET));
    }
}

/// Records the events of each verified webhook.
#[derive(Clone, Default)]
struct Hooks(Arc<std::sync::Mutex<Vec<Vec<WebhookEvent>>>>);

impl WebhookHandler for Hooks {
    async fn handle(&self, _request: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        assert_eq!(webhook.credentials().key().as_str(), KEY);
        self.0.lock().unwrap().push(webhook.into_webhook().into_events());
        Ok(())
    }
}

/// When the test webhooks were sent (their `time_ms`).
const SENT_MS: u64 = 1_700_000_000_000;

/// The endpoint, its clock five seconds after the test webhooks were sent.
fn at_sent<H: WebhookHandler>(endpoint: WebhookEndpoint<H>) -> WebhookEndpoint<H> {
    endpoint.with_clock(|| std::time::UNIX_EPOCH + std::time::Duration::from_millis(SENT_MS + 5_000))
}

async fn deliver(hooks: &Hooks, headers: &[(&str, &str)], body: &'static str) -> (StatusCode, Value) {
    // Rotation: the old secret and the current one are both in the keyring.
    let ring = Keyring::new([Credentials::new(KEY.parse().unwrap(), "old-secret".parse().unwrap()), creds()]);
    let app: Router = Router::new().route("/hook", route(at_sent(WebhookEndpoint::new(ring, hooks.clone()))));
    let mut req = Request::post("/hook");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app.oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = res.status();
    if status != StatusCode::OK {
        assert!(
            res.extensions().get::<WebhookError>().is_some() || res.extensions().get::<RequestError>().is_some(),
            "a refusal carries its typed error"
        );
    }
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn webhook_verifies_the_raw_bytes_then_hands_over_typed_events() {
    // Spacing and key order a re-serialization would change: the raw bytes are signed.
    const BODY: &str = "{ \"events\": [ {\"channel\":\"presence-a\", \"name\":\"member_added\",\"user_id\":\"ann\"},\n {\"name\":\"channel_occupied\",\"channel\":\"#server-to-user-ann\"} ], \"time_ms\": 1700000000000 }";
    let hooks = Hooks::default();
    let signed = sign_webhook(&creds(), BODY.as_bytes());
    let (status, json) =
        deliver(&hooks, &[("x-pusher-key", KEY), ("x-pusher-signature", signed.signature())], BODY).await;
    assert_eq!((status, json), (StatusCode::OK, serde_json::json!({})));
    let seen = hooks.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].iter().map(WebhookEvent::name).collect::<Vec<_>>(), ["member_added", "channel_occupied"]);
}

#[tokio::test]
async fn webhook_body_limit_is_exact() {
    use channel_auth::integrations::handler::MAX_WEBHOOK_BODY_LEN;
    assert_eq!(MAX_WEBHOOK_BODY_LEN, 1024 * 1024, "the documented 1 MiB");
    const EVENTS: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a"}]}"#;
    let hooks = Hooks::default();
    for (len, want) in
        [(MAX_WEBHOOK_BODY_LEN, StatusCode::OK), (MAX_WEBHOOK_BODY_LEN + 1, StatusCode::PAYLOAD_TOO_LARGE)]
    {
        // JSON allows trailing whitespace: a signed, valid body of exactly `len` bytes.
        let body: &'static str = format!("{EVENTS}{}", " ".repeat(len - EVENTS.len())).leak();
        let signed = sign_webhook(&creds(), body.as_bytes());
        let (status, _) =
            deliver(&hooks, &[("x-pusher-key", KEY), ("x-pusher-signature", signed.signature())], body).await;
        assert_eq!(status, want, "{len} bytes");
    }
    assert_eq!(hooks.0.lock().unwrap().len(), 1, "only the body that fits was handed over");
}

#[tokio::test]
async fn webhook_refusals() {
    const BODY: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a"}]}"#;
    let hooks = Hooks::default();
    let good = sign_webhook(&creds(), BODY.as_bytes());
    let wrong = sign_webhook(&Credentials::new(KEY.parse().unwrap(), "wrong".parse().unwrap()), BODY.as_bytes());
    let upper = good.signature().to_uppercase();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("x-pusher-key", KEY)], "missing or non-ASCII header X-Pusher-Signature"),
        (&[("x-pusher-signature", good.signature())], "missing or non-ASCII header X-Pusher-Key"),
        (&[], "missing or non-ASCII header X-Pusher-Key"),
        (&[("x-pusher-key", KEY), ("x-pusher-signature", wrong.signature())], "invalid signature"),
        (&[("x-pusher-key", KEY), ("x-pusher-signature", &upper)], "invalid signature"),
        (&[("x-pusher-key", KEY), ("x-pusher-signature", "")], "invalid signature"),
        (&[("x-pusher-key", "other"), ("x-pusher-signature", good.signature())], "unknown app key"),
    ];
    for (headers, reason) in cases {
        let (status, json) = deliver(&hooks, headers, BODY).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(json, serde_json::json!({ "error": reason }));
    }
    // The signature covers the body: the same headers with another body fail.
    const TAMPERED: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-b"}]}"#;
    let (status, _) =
        deliver(&hooks, &[("x-pusher-key", KEY), ("x-pusher-signature", good.signature())], TAMPERED).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(hooks.0.lock().unwrap().is_empty(), "nothing unverified reached the handler");

    // Verified but not parseable: 400 with the reason, handler not called.
    const BAD_CHANNEL: &str =
        r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a:b"}]}"#;
    let signed = sign_webhook(&creds(), BAD_CHANNEL.as_bytes());
    let (status, json) =
        deliver(&hooks, &[("x-pusher-key", KEY), ("x-pusher-signature", signed.signature())], BAD_CHANNEL).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json["error"].as_str().unwrap().starts_with("webhook event 0: channel"), "{json}");
    assert!(hooks.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn auth_routes_answer_415_to_a_json_body() {
    let policy = Policy::default();
    for (path, body) in [
        ("/auth", r#"{"socket_id":"1.1","channel_name":"private-ok"}"#),
        ("/batch", r#"{"socket_id":"1.1","channel_name":["private-ok"]}"#),
        ("/user", r#"{"socket_id":"1.1"}"#),
    ] {
        let req = Request::post(path).header("content-type", "application/json").header("x-user", "u");
        let res = app(&policy).oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
        assert!(matches!(res.extensions().get::<RequestError>(), Some(RequestError::UnsupportedContentType { .. })));
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        let json: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "unsupported content type: expected application/x-www-form-urlencoded"})
        );
    }
    assert_eq!(policy.calls.load(Ordering::SeqCst), 0, "the policy was never asked");
}

/// Fails every delivery, as an application whose store is down.
struct StoreDown;

impl WebhookHandler for StoreDown {
    async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        Err(HandlerError::retry_later("database unavailable"))
    }
}

#[tokio::test]
async fn a_failing_webhook_handler_answers_503_so_the_sender_retries() {
    const BODY: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a"}]}"#;
    let signed = sign_webhook(&creds(), BODY.as_bytes());
    let app: Router =
        Router::new().route("/hook", route(at_sent(WebhookEndpoint::new(Keyring::new([creds()]), StoreDown))));
    let req = Request::post("/hook").header("x-pusher-key", KEY).header("x-pusher-signature", signed.signature());
    let res = app.oneshot(req.body(Body::from(BODY)).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let cause =
        res.extensions().get::<HandlerError>().and_then(|e| std::error::Error::source(e)).map(ToString::to_string);
    assert_eq!(cause.as_deref(), Some("database unavailable"), "the cause rides in the extensions, for logs");
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
    assert_eq!(&bytes[..], br#"{"error":"webhook not handled, retry later"}"#);
}

/// Issue 13, fix 2: a channel authorization's signature sent with its string to sign as
/// a webhook body is a bad signature (401), not a good one with a bad body (400).
#[tokio::test]
async fn another_purposes_signature_is_401_as_a_webhook() {
    const BODY: &str = "1234.1234:private-a";
    let auth = sign_channel_auth(&creds(), &"1234.1234".parse().unwrap(), &name("private-a")).unwrap();
    let signature = auth.auth().rsplit_once(':').unwrap().1.to_owned();
    assert_eq!(sign_webhook(&creds(), BODY.as_bytes()).signature(), signature, "the MAC of the body itself");
    let hooks = Hooks::default();
    let (status, json) = deliver(&hooks, &[("x-pusher-key", KEY), ("x-pusher-signature", &signature)], BODY).await;
    assert_eq!((status, json), (StatusCode::UNAUTHORIZED, serde_json::json!({ "error": "invalid signature" })));
    assert!(hooks.0.lock().unwrap().is_empty());
}

/// Issue 19, fix 3: through the route builder (the system clock), a webhook signed in
/// 2023 is refused before the handler sees it, and one sent now is handled.
#[tokio::test]
async fn a_stale_webhook_is_refused_before_the_handler() {
    const SIGNED_IN_2023: &str =
        r#"{"time_ms":1690000000000,"events":[{"name":"member_added","channel":"presence-a","user_id":"ann"}]}"#;
    let hooks = Hooks::default();
    let app = || Router::new().route("/hook", webhook(Keyring::new([creds()]), hooks.clone()));
    let send = |body: String| {
        let signed = sign_webhook(&creds(), body.as_bytes());
        Request::post("/hook")
            .header("x-pusher-key", KEY)
            .header("x-pusher-signature", signed.signature())
            .body(Body::from(body))
            .unwrap()
    };
    let res = app().oneshot(send(SIGNED_IN_2023.to_owned())).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.extensions().get::<WebhookError>(),
        Some(&WebhookError::Verify(channel_auth::VerifyError::TimestampTooOld))
    );
    assert!(hooks.0.lock().unwrap().is_empty(), "the handler never saw it");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let res = app().oneshot(send(format!(r#"{{"time_ms":{now},"events":[]}}"#))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(hooks.0.lock().unwrap().len(), 1);
}

/// Issue 19, fix 2: a declared `Content-Length` over the limit is refused before any
/// byte of the body is read.
#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_up_front() {
    let policy = Policy::default();
    let req = Request::post("/auth")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "100000000")
        .body(Body::from("socket_id=1.1&channel_name=private-ok"))
        .unwrap();
    let res = app(&policy).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(policy.calls.load(Ordering::SeqCst), 0);
}

/// The demo rule as closures: the `x-user` user's own `private-<id>` and `presence-lobby`
/// as that member, nothing else; the same user signs in.
#[tokio::test]
async fn closures_are_policies() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let authorize = move |request: &RequestView<'_>, _: &SocketId, channel: &ChannelName| {
        counter.fetch_add(1, Ordering::SeqCst);
        let Some(user) = request.header("x-user").and_then(|id| id.parse::<channel_auth::UserId>().ok()) else {
            return Decision::Deny;
        };
        if channel.is_private_to(&user) {
            Decision::Allow
        } else if channel.as_str() == "presence-lobby" {
            PresenceMember::new(user, None).map_or(Decision::Deny, Decision::AllowAsMember)
        } else {
            Decision::Deny
        }
    };
    let authenticate =
        |request: &RequestView<'_>, _: &SocketId| Some(UserData::new(request.header("x-user")?.parse().ok()?));
    let app = Router::new()
        .route("/auth", channel_auth(creds(), authorize.clone()))
        .route("/batch", batch_channel_auth(creds(), authorize))
        .route("/user", user_auth(creds(), authenticate));

    let (status, json, _) = post(app.clone(), "/auth", "socket_id=123.456&channel_name=private-ann", Some("ann")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json.to_string(), sign_channel_auth(&creds(), &socket(), &name("private-ann")).unwrap().to_json());
    let (status, _, _) = post(app.clone(), "/auth", "socket_id=123.456&channel_name=private-ann2", Some("ann")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = post(app.clone(), "/auth", "socket_id=123.456&channel_name=private-ann", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let body = "&socket_id=123.456&channel_name[0]=presence-lobby&channel_name[1]=private-bob";
    let (status, json, _) = post(app.clone(), "/batch", body, Some("ann")).await;
    assert_eq!(status, StatusCode::OK);
    let member = PresenceMember::new("ann".parse().unwrap(), None).unwrap();
    let want = sign_presence_auth(&creds(), &socket(), &name("presence-lobby"), &member).unwrap();
    assert_eq!(json["presence-lobby"]["data"].to_string(), want.to_json());
    assert_eq!(json["private-bob"], serde_json::json!({"status": 403}));
    assert_eq!(asked.load(Ordering::SeqCst), 5);

    let (status, json, _) = post(app.clone(), "/user", "socket_id=123.456", Some("ann")).await;
    assert_eq!(status, StatusCode::OK);
    let want = sign_user_auth(&creds(), &socket(), &UserData::new("ann".parse().unwrap())).unwrap();
    assert_eq!(json.to_string(), want.to_json());
    let (status, _, _) = post(app, "/user", "socket_id=123.456", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// One policy value behind every route, through `Arc`.
#[tokio::test]
async fn an_arc_policy_is_shared_by_every_route() {
    let policy = Arc::new(Policy::default());
    let app = Router::new()
        .route("/auth", channel_auth(creds(), Arc::clone(&policy)))
        .route("/user", user_auth(creds(), Arc::clone(&policy)));
    let (status, _, _) = post(app.clone(), "/auth", "socket_id=123.456&channel_name=private-ok", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = post(app, "/user", "socket_id=123.456", Some("u")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(policy.calls.load(Ordering::SeqCst), 2);
}

/// Credentials without a master key cannot sign an encrypted channel: a configuration
/// error, `500`, said before the policy is asked.
#[tokio::test]
async fn an_encrypted_channel_without_a_master_key_is_a_configuration_error() {
    let policy = Policy::default();
    let plain = Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap());
    let app = Router::new().route("/auth", channel_auth(plain, policy.clone()));
    let req = Request::post("/auth")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("socket_id=123.456&channel_name=private-encrypted-ok"))
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.extensions().get::<channel_auth::ConfigError>(), Some(&channel_auth::ConfigError::MissingMasterKey));
    assert_eq!(policy.calls.load(Ordering::SeqCst), 0);
}
