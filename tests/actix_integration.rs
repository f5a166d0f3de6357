//! The actix-web routes: what they sign, what they refuse, and that a refused body never
//! reaches the application's decision. Mirrors tests/axum_integration.rs: the same
//! routes on the same core answer with the same status codes and bodies.
#![cfg(all(feature = "actix-web", not(target_family = "wasm")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{App, HttpMessage as _, HttpRequest, test};
use channel_auth::integrations::actix_web::{
    batch_channel_auth, channel_auth, route, route_with_context, user_auth, webhook,
};
use channel_auth::integrations::handler::{
    ChannelAuthorizer, Decision, HandlerError, Refusal, RequestView, UserAuthEndpoint, UserAuthenticator,
    WebhookEndpoint, WebhookHandler,
};
use channel_auth::integrations::{BatchAuthRequest, ChannelAuthRequest, RequestError, UserAuthRequest};
use channel_auth::webhook::{VerifiedWebhook, WebhookError, WebhookEvent, sign_webhook};
use channel_auth::{
    ChannelKind, ChannelName, Credentials, EncryptionMasterKey, Keyring, PresenceMember, SocketId, UserData, UserId,
    sign_channel_auth, sign_presence_auth, sign_user_auth,
};
use serde_json::Value;

const KEY: &str = "278d425bdf160c739803";
const SECRET: &str = "7ad3773142a6692b25b8";
const FORM: &str = "application/x-www-form-urlencoded";

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

/// What a test sees of a response: status, JSON body, and the typed reason it carries.
struct Reply {
    status: StatusCode,
    json: Value,
    reason: Option<RequestError>,
    refusal: bool,
}

/// Posts `body` to `path` of an app with the three auth routes.
async fn post_with(policy: &Policy, path: &str, content_type: &str, body: &str, user: Option<&str>) -> Reply {
    let app = test::init_service(
        App::new()
            .route("/auth", channel_auth(creds(), policy.clone()))
            .route("/batch", batch_channel_auth(creds(), policy.clone()))
            .route("/user", user_auth(creds(), policy.clone())),
    )
    .await;
    let mut req = test::TestRequest::post()
        .uri(path)
        .insert_header(("content-type", content_type))
        .insert_header(("x-test", "1"))
        .set_payload(body.to_owned());
    if let Some(user) = user {
        req = req.insert_header(("x-user", user));
    }
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    assert_eq!(res.headers().get("content-type").unwrap(), "application/json");
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
    let reason = res.response().extensions().get::<RequestError>().cloned();
    let refusal = res.response().extensions().get::<Refusal>().is_some();
    let bytes = test::read_body(res).await;
    Reply { status, json: serde_json::from_slice(&bytes).unwrap(), reason, refusal }
}

async fn post(policy: &Policy, path: &str, body: &str, user: Option<&str>) -> Reply {
    post_with(policy, path, FORM, body, user).await
}

fn socket() -> SocketId {
    "123.456".parse().unwrap()
}

fn name(s: &str) -> ChannelName {
    s.parse().unwrap()
}

#[actix_web::test]
async fn signs_what_the_application_allows() {
    let policy = Policy::default();
    let r = post(&policy, "/auth", "socket_id=123.456&channel_name=private-ok", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.refusal, "a success carries no refusal");
    let want = sign_channel_auth(&creds(), &socket(), &name("private-ok")).unwrap();
    assert_eq!(r.json.to_string(), want.to_json());

    let r = post(&policy, "/auth", "socket_id=123.456&channel_name=presence-ok&extra=ignored", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    let want = sign_presence_auth(&creds(), &socket(), &name("presence-ok"), &member).unwrap();
    assert_eq!(r.json.to_string(), want.to_json());

    let r = post(&policy, "/auth", "socket_id=123.456&channel_name=private-encrypted-ok", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json["shared_secret"].is_string());
    assert_eq!(policy.calls.load(Ordering::SeqCst), 3);
}

#[actix_web::test]
async fn denied_is_403() {
    let policy = Policy::default();
    let r = post(&policy, "/auth", "socket_id=123.456&channel_name=private-no", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json, serde_json::json!({"error": "forbidden"}));
    assert!(r.refusal);
}

/// Hostile or unauthorizable bodies: 400 with the typed reason, and the application is
/// never asked (so nothing can be signed).
#[actix_web::test]
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
    ];
    let policy = Policy::default();
    for (body, reason) in CASES {
        let r = post(&policy, "/auth", body, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json, serde_json::json!({ "error": reason }), "{body}");
    }
    for body in ["socket_id=1.1%0A", "socket_id=", "socket_id=1.1&socket_id=1.1"] {
        let r = post(&policy, "/user", body, Some("u")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(r.reason.is_some(), "the typed reason rides in the extensions");
    }
    assert_eq!(policy.calls.load(Ordering::SeqCst), 0);
}

/// A JSON body (or none at all) to an auth route is a wrong content type, `415`, not a
/// confusing "missing field".
#[actix_web::test]
async fn a_body_that_is_not_a_form_is_415() {
    let policy = Policy::default();
    for path in ["/auth", "/batch", "/user"] {
        let r =
            post_with(&policy, path, "application/json", r#"{"socket_id":"1.1","channel_name":"private-ok"}"#, None)
                .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
        assert!(matches!(r.reason, Some(RequestError::UnsupportedContentType { .. })), "{path}");
        assert!(r.json["error"].as_str().unwrap().contains("application/x-www-form-urlencoded"), "{}", r.json);
    }
    // A charset parameter is fine.
    let r = post_with(&policy, "/user", "application/x-www-form-urlencoded; charset=UTF-8", "socket_id=1.1", Some("u"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(policy.calls.load(Ordering::SeqCst), 1, "only the form reached the policy");
}

#[actix_web::test]
async fn oversized_body_is_413() {
    let policy = Policy::default();
    let body = format!("socket_id=1.1&channel_name=private-ok&pad={}", "x".repeat(9000));
    let r = post(&policy, "/auth", &body, None).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.reason, Some(RequestError::BodyTooLarge { max: 8192 }));
    assert_eq!(r.json["error"], "body unreadable or longer than 8192 bytes");
    assert_eq!(policy.calls.load(Ordering::SeqCst), 0);
}

/// `form` with an ignored `pad` field, `len` bytes in all.
fn padded(form: &str, len: usize) -> String {
    let pad = len - form.len() - "&pad=".len();
    format!("{form}&pad={}", "x".repeat(pad))
}

#[actix_web::test]
async fn body_limits_are_exact_and_documented() {
    // Above actix-web's default 256 KiB payload limit for a batch would not matter: the
    // route reads with its own limit.
    let routes = [
        ("/auth", "socket_id=1.1&channel_name=private-ok", ChannelAuthRequest::MAX_BODY_LEN),
        ("/batch", "socket_id=1.1&channel_name[0]=private-ok", BatchAuthRequest::MAX_BODY_LEN),
        ("/user", "socket_id=1.1", UserAuthRequest::MAX_BODY_LEN),
    ];
    for (path, form, max) in routes {
        let policy = Policy::default();
        let r = post(&policy, path, &padded(form, max), Some("u")).await;
        assert_eq!((r.status, r.reason), (StatusCode::OK, None), "{path}: exactly {max} bytes is read");
        let r = post(&policy, path, &padded(form, max + 1), Some("u")).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {} bytes", max + 1);
        assert_eq!(r.reason, Some(RequestError::BodyTooLarge { max }));
        assert_eq!(policy.calls.load(Ordering::SeqCst), 1, "{path}: only the body that fits was decided");
    }
}

#[actix_web::test]
async fn a_decision_that_does_not_fit_the_channel_is_500_and_unsigned() {
    let policy = Policy { misfit: true, ..Policy::default() };
    let r = post(&policy, "/auth", "socket_id=1.1&channel_name=presence-ok", None).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.json, serde_json::json!({"error": "presence channels need member data (use sign_presence_auth)"}));
}

#[actix_web::test]
async fn batch_in_the_pusher_js_auth_wire_format() {
    let policy = Policy::default();
    let body = "&socket_id=123.456&channel_name[0]=private-ok&channel_name[1]=presence-ok&channel_name[2]=private-no&channel_name[3]=news";
    let r = post(&policy, "/batch", body, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let private = sign_channel_auth(&creds(), &socket(), &name("private-ok")).unwrap();
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    let presence = sign_presence_auth(&creds(), &socket(), &name("presence-ok"), &member).unwrap();
    let want = serde_json::json!({
        "private-ok": {"status": 200, "data": private},
        "presence-ok": {"status": 200, "data": presence},
        "private-no": {"status": 403},
        "news": {"status": 400},
    });
    assert_eq!(r.json, want);
    assert_eq!(policy.calls.load(Ordering::SeqCst), 3, "not asked about the public channel");

    for hostile in [
        "&socket_id=1.1:x&channel_name[0]=private-ok",
        "&socket_id=1.1&channel_name[0]=private-ok&channel_name[0]=private-ok2",
        "&socket_id=1.1&channel_name[0]=private-ok&channel_name[1]=private-ok%3Ax",
        "&socket_id=1.1&channel_name=private-ok",
        "&socket_id=1.1",
    ] {
        let r = post(&policy, "/batch", hostile, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{hostile}");
        assert!(r.json["error"].is_string());
    }
    assert_eq!(policy.calls.load(Ordering::SeqCst), 3, "a hostile batch signs nothing");
}

#[actix_web::test]
async fn user_sign_in() {
    let policy = Policy::default();
    let r = post(&policy, "/user", "socket_id=123.456", Some("ann")).await;
    assert_eq!(r.status, StatusCode::OK);
    let want = sign_user_auth(&creds(), &socket(), &UserData::new("ann".parse().unwrap())).unwrap();
    assert_eq!(r.json.to_string(), want.to_json());
    let r = post(&policy, "/user", "socket_id=123.456", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json, serde_json::json!({"error": "forbidden"}));
}

#[actix_web::test]
async fn responses_never_carry_the_secret() {
    let policy = Policy::default();
    for (path, body) in
        [("/auth", "socket_id=1.1&channel_name=private-ok"), ("/auth", "socket_id=x"), ("/user", "socket_id=1.1")]
    {
        let r = post(&policy, path, body, Some("u")).await;
        assert!(!r.json.to_string().contains(SECRET));
    }
}

/// What session middleware left in the request reaches the policy through the context.
#[derive(Clone)]
struct SignedIn(UserId);

struct FromSession;

impl UserAuthenticator for FromSession {
    async fn authenticate(&self, request: &RequestView<'_>, _socket: &SocketId) -> Option<UserData> {
        let session = request.context::<Option<SignedIn>>()?.as_ref()?;
        Some(UserData::new(session.0.clone()))
    }
}

#[actix_web::test]
async fn route_with_context_hands_request_extensions_to_the_policy() {
    let session = |request: &HttpRequest| request.extensions().get::<SignedIn>().cloned();
    let app = test::init_service(
        App::new().route("/user", route_with_context(UserAuthEndpoint::new(creds(), FromSession), session)),
    )
    .await;
    let make = |signed_in: bool| {
        let req =
            test::TestRequest::post().uri("/user").insert_header(("content-type", FORM)).set_payload("socket_id=1.1");
        let req = req.to_request();
        if signed_in {
            req.extensions_mut().insert(SignedIn("ann".parse().unwrap()));
        }
        req
    };
    let res = test::call_service(&app, make(true)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let json: Value = serde_json::from_slice(&test::read_body(res).await).unwrap();
    let want = sign_user_auth(&creds(), &"1.1".parse().unwrap(), &UserData::new("ann".parse().unwrap())).unwrap();
    assert_eq!(json.to_string(), want.to_json());
    let res = test::call_service(&app, make(false)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// Records the events of each verified webhook; fails when told to.
#[derive(Clone, Default)]
struct Hooks {
    seen: Arc<Mutex<Vec<Vec<WebhookEvent>>>>,
    fail: bool,
}

impl WebhookHandler for Hooks {
    async fn handle(&self, _request: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        assert_eq!(webhook.credentials().key().as_str(), KEY);
        if self.fail {
            return Err(HandlerError::retry_later("store unavailable"));
        }
        self.seen.lock().unwrap().push(webhook.into_webhook().into_events());
        Ok(())
    }
}

async fn deliver(hooks: &Hooks, headers: &[(&str, &str)], body: &str) -> (StatusCode, Value) {
    // Rotation: the old secret and the current one are both in the keyring.
    let ring = Keyring::new([Credentials::new(KEY.parse().unwrap(), "old-secret".parse().unwrap()), creds()]);
    let endpoint = WebhookEndpoint::new(ring, hooks.clone())
        .with_clock(|| std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_005_000));
    let app = test::init_service(App::new().route("/hook", route(endpoint))).await;
    let mut req = test::TestRequest::post().uri("/hook").set_payload(body.to_owned());
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    if status != StatusCode::OK {
        let ext = res.response().extensions();
        assert!(
            ext.get::<WebhookError>().is_some()
                || ext.get::<RequestError>().is_some()
                || ext.get::<HandlerError>().is_some(),
            "a refusal carries its typed error"
        );
    }
    let bytes = test::read_body(res).await;
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn signed_headers(signature: &str) -> [(&str, &str); 2] {
    [("x-pusher-key", KEY), ("x-pusher-signature", signature)]
}

#[actix_web::test]
async fn webhook_verifies_the_raw_bytes_then_hands_over_typed_events() {
    // Spacing and key order a re-serialization would change: the raw bytes are signed.
    const BODY: &str = "{ \"events\": [ {\"channel\":\"presence-a\", \"name\":\"member_added\",\"user_id\":\"ann\"},\n {\"name\":\"channel_occupied\",\"channel\":\"#server-to-user-ann\"} ], \"time_ms\": 1700000000000 }";
    let hooks = Hooks::default();
    let signed = sign_webhook(&creds(), BODY.as_bytes());
    let (status, json) = deliver(&hooks, &signed_headers(signed.signature()), BODY).await;
    assert_eq!((status, json), (StatusCode::OK, serde_json::json!({})));
    let seen = hooks.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].iter().map(WebhookEvent::name).collect::<Vec<_>>(), ["member_added", "channel_occupied"]);
}

#[actix_web::test]
async fn a_failing_webhook_handler_is_503_so_the_sender_retries() {
    const BODY: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a"}]}"#;
    let hooks = Hooks { fail: true, ..Hooks::default() };
    let signed = sign_webhook(&creds(), BODY.as_bytes());
    let (status, json) = deliver(&hooks, &signed_headers(signed.signature()), BODY).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json, serde_json::json!({"error": "webhook not handled, retry later"}), "the cause is not sent");
}

#[actix_web::test]
async fn webhook_body_limit_is_exact() {
    use channel_auth::integrations::handler::MAX_WEBHOOK_BODY_LEN;
    assert_eq!(MAX_WEBHOOK_BODY_LEN, 1024 * 1024, "the documented 1 MiB");
    const EVENTS: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a"}]}"#;
    let hooks = Hooks::default();
    for (len, want) in
        [(MAX_WEBHOOK_BODY_LEN, StatusCode::OK), (MAX_WEBHOOK_BODY_LEN + 1, StatusCode::PAYLOAD_TOO_LARGE)]
    {
        // JSON allows trailing whitespace: a signed, valid body of exactly `len` bytes.
        let body = format!("{EVENTS}{}", " ".repeat(len - EVENTS.len()));
        let signed = sign_webhook(&creds(), body.as_bytes());
        let (status, _) = deliver(&hooks, &signed_headers(signed.signature()), &body).await;
        assert_eq!(status, want, "{len} bytes");
    }
    assert_eq!(hooks.seen.lock().unwrap().len(), 1, "only the body that fits was handed over");
}

#[actix_web::test]
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
    let (status, _) = deliver(&hooks, &signed_headers(good.signature()), TAMPERED).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(hooks.seen.lock().unwrap().is_empty(), "nothing unverified reached the handler");

    // Verified but not parseable: 400 with the reason, handler not called.
    const BAD_CHANNEL: &str =
        r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a:b"}]}"#;
    let signed = sign_webhook(&creds(), BAD_CHANNEL.as_bytes());
    let (status, json) = deliver(&hooks, &signed_headers(signed.signature()), BAD_CHANNEL).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json["error"].as_str().unwrap().starts_with("webhook event 0: channel"), "{json}");
    assert!(hooks.seen.lock().unwrap().is_empty());
}

/// Issue 19, fix 3: through the route builder (the system clock), a webhook signed in
/// 2023 is refused before the handler sees it.
#[actix_web::test]
async fn a_stale_webhook_is_refused_before_the_handler() {
    const SIGNED_IN_2023: &str =
        r#"{"time_ms":1690000000000,"events":[{"name":"member_added","channel":"presence-a","user_id":"ann"}]}"#;
    let hooks = Hooks::default();
    let app = test::init_service(App::new().route("/hook", webhook(Keyring::new([creds()]), hooks.clone()))).await;
    let signed = sign_webhook(&creds(), SIGNED_IN_2023.as_bytes());
    let req = test::TestRequest::post()
        .uri("/hook")
        .insert_header(("x-pusher-key", KEY))
        .insert_header(("x-pusher-signature", signed.signature()))
        .set_payload(SIGNED_IN_2023)
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.response().extensions().get::<WebhookError>(),
        Some(&WebhookError::Verify(channel_auth::VerifyError::TimestampTooOld))
    );
    assert!(hooks.seen.lock().unwrap().is_empty(), "the handler never saw it");
}

/// The demo rule as closures, on actix-web: the `x-user` user's own `private-<id>`, and
/// the same user signs in; an `Arc` shares them between routes.
#[actix_web::test]
async fn closures_and_arcs_are_policies() {
    let authorize = Arc::new(|request: &RequestView<'_>, _: &SocketId, channel: &ChannelName| {
        let user = request.header("x-user").and_then(|id| id.parse::<UserId>().ok());
        if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
    });
    let authenticate =
        |request: &RequestView<'_>, _: &SocketId| Some(UserData::new(request.header("x-user")?.parse().ok()?));
    let app = test::init_service(
        App::new()
            .route("/auth", channel_auth(creds(), Arc::clone(&authorize)))
            .route("/batch", batch_channel_auth(creds(), authorize))
            .route("/user", user_auth(creds(), authenticate)),
    )
    .await;
    let call = |path: &'static str, body: &'static str, user: Option<&'static str>| {
        let mut req = test::TestRequest::post().uri(path).insert_header(("content-type", FORM)).set_payload(body);
        if let Some(user) = user {
            req = req.insert_header(("x-user", user));
        }
        req.to_request()
    };
    let res = test::call_service(&app, call("/auth", "socket_id=123.456&channel_name=private-ann", Some("ann"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let want = sign_channel_auth(&creds(), &socket(), &"private-ann".parse().unwrap()).unwrap();
    assert_eq!(test::read_body(res).await, want.to_json().as_bytes());
    let res = test::call_service(&app, call("/auth", "socket_id=123.456&channel_name=private-ann2", Some("ann"))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let batch = "&socket_id=123.456&channel_name[0]=private-ann&channel_name[1]=private-bob";
    let res = test::call_service(&app, call("/batch", batch, Some("ann"))).await;
    let json: Value = serde_json::from_slice(&test::read_body(res).await).unwrap();
    assert_eq!(json["private-ann"]["status"], 200);
    assert_eq!(json["private-bob"], serde_json::json!({"status": 403}));

    let res = test::call_service(&app, call("/user", "socket_id=123.456", Some("ann"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let want = sign_user_auth(&creds(), &socket(), &UserData::new("ann".parse().unwrap())).unwrap();
    assert_eq!(test::read_body(res).await, want.to_json().as_bytes());
    let res = test::call_service(&app, call("/user", "socket_id=123.456", None)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
