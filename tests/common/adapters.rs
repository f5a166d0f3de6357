//! The cases every framework adapter answers alike: what the routes sign, what they
//! refuse, and that a refused body never reaches the application's decision. Each case
//! is written once, generic over an [`Adapter`] (how a request goes through a
//! framework's app), and [`adapter_cases!`] runs the whole table against one adapter:
//! tests/axum_integration.rs and tests/actix_integration.rs each run it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use channel_auth::integrations::handler::{
    ChannelAuthorizer, Decision, HandlerError, Refusal, RequestView, Route, UserAuthenticator, WebhookEndpoint,
    WebhookHandler,
};
use channel_auth::integrations::{BatchAuthRequest, ChannelAuthRequest, RequestError, UserAuthRequest};
use channel_auth::webhook::{VerifiedWebhook, WebhookError, WebhookEvent, sign_webhook};
use channel_auth::{
    ChannelKind, ChannelName, ConfigError, Credentials, EncryptionMasterKey, Keyring, PresenceMember, SocketId,
    UserData, UserId, sign_channel_auth, sign_presence_auth, sign_user_auth,
};
use serde_json::Value;

pub const KEY: &str = "278d425bdf160c739803";
pub const SECRET: &str = "7ad3773142a6692b25b8";
pub const FORM: &str = "application/x-www-form-urlencoded";

/// A request to send: path, headers (set after the body, so a test's `content-length`
/// stands), body.
pub struct Req {
    pub path: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn new(path: &'static str, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Self {
        let headers = headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Self { path, headers, body: body.into() }
    }
}

/// What a test sees of a response: status, body (raw and as JSON), and every typed
/// value the adapter put in the response's extensions.
pub struct Reply {
    pub status: u16,
    pub bytes: Vec<u8>,
    pub json: Value,
    pub refusal: Option<Refusal>,
    pub request_error: Option<RequestError>,
    pub webhook_error: Option<WebhookError>,
    pub handler_error: Option<HandlerError>,
    pub config_error: Option<ConfigError>,
}

/// A response's extensions, whichever framework's.
pub trait Extensions {
    fn get_cloned<T: Clone + Send + Sync + 'static>(&self) -> Option<T>;
}

impl Extensions for http::Extensions {
    fn get_cloned<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.get::<T>().cloned()
    }
}

/// The typed values an adapter put in a response's extensions.
pub struct Typed {
    refusal: Option<Refusal>,
    request_error: Option<RequestError>,
    webhook_error: Option<WebhookError>,
    handler_error: Option<HandlerError>,
    config_error: Option<ConfigError>,
}

impl Typed {
    pub fn of(ext: &impl Extensions) -> Self {
        Self {
            refusal: ext.get_cloned(),
            request_error: ext.get_cloned(),
            webhook_error: ext.get_cloned(),
            handler_error: ext.get_cloned(),
            config_error: ext.get_cloned(),
        }
    }
}

impl Reply {
    /// The reply, after checking what every answer carries: its two headers
    /// (`content-type`, `cache-control`), a JSON body, and for a refusal the refusal and
    /// the typed error inside it.
    pub fn new(status: u16, headers: [Option<String>; 2], typed: Typed, bytes: Vec<u8>) -> Self {
        assert_eq!(headers, [Some("application/json".to_owned()), Some("no-store".to_owned())]);
        let Typed { refusal, request_error, webhook_error, handler_error, config_error } = typed;
        let json = serde_json::from_slice(&bytes).unwrap();
        let reply = Self { status, bytes, json, refusal, request_error, webhook_error, handler_error, config_error };
        assert_eq!(reply.refusal.is_some(), status != 200, "a refusal, and only a refusal, carries its reason");
        match &reply.refusal {
            Some(Refusal::Request(e)) => assert_eq!(reply.request_error.as_ref(), Some(e)),
            Some(Refusal::Webhook(e)) => assert_eq!(reply.webhook_error.as_ref(), Some(e)),
            Some(Refusal::Handler(_)) => assert!(reply.handler_error.is_some()),
            Some(Refusal::Config(e)) => assert_eq!(reply.config_error.as_ref(), Some(e)),
            _ => {}
        }
        reply
    }
}

/// What the three auth routes are built with.
pub struct Auth<A, U> {
    pub credentials: Credentials,
    pub authorizer: A,
    pub authenticator: U,
}

/// How a request goes through one framework's app.
#[allow(async_fn_in_trait)]
pub trait Adapter {
    /// `/auth`, `/batch` and `/user`, built with the adapter's `channel_auth`,
    /// `batch_channel_auth` and `user_auth`.
    async fn auth_routes(routes: Auth<impl ChannelAuthorizer + Clone, impl UserAuthenticator>, request: Req) -> Reply;

    /// The adapter's `route(endpoint)` at the request's path.
    async fn route<E: Route>(endpoint: E, request: Req) -> Reply;

    /// The adapter's `webhook(keyring, handler)` at the request's path.
    async fn webhook<H: WebhookHandler>(keyring: Keyring, handler: H, request: Req) -> Reply;
}

pub fn creds() -> Credentials {
    Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]))
}

/// Allows channels that contain "ok", as member "u" on presence channels; counts calls.
#[derive(Clone, Default)]
pub struct Policy {
    pub calls: Arc<AtomicUsize>,
    /// Answers `Allow` even for presence channels (an application bug).
    pub misfit: bool,
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

impl Policy {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// Posts `body` as `content_type` to `path` of the three auth routes on `policy`, with
/// an `x-test` header and, if given, `x-user`.
async fn post_as<A: Adapter>(
    policy: &Policy,
    path: &'static str,
    content_type: &str,
    body: &str,
    user: Option<&str>,
) -> Reply {
    let mut headers = vec![("content-type", content_type), ("x-test", "1")];
    headers.extend(user.map(|user| ("x-user", user)));
    A::auth_routes(
        Auth { credentials: creds(), authorizer: policy.clone(), authenticator: policy.clone() },
        Req::new(path, &headers, body),
    )
    .await
}

async fn post<A: Adapter>(policy: &Policy, path: &'static str, body: &str, user: Option<&str>) -> Reply {
    post_as::<A>(policy, path, FORM, body, user).await
}

fn socket() -> SocketId {
    "123.456".parse().unwrap()
}

fn name(s: &str) -> ChannelName {
    s.parse().unwrap()
}

pub async fn signs_what_the_application_allows<A: Adapter>() {
    let policy = Policy::default();
    let r = post::<A>(&policy, "/auth", "socket_id=123.456&channel_name=private-ok", None).await;
    assert_eq!(r.status, 200);
    assert!(r.refusal.is_none(), "a success carries no refusal");
    let want = sign_channel_auth(&creds(), &socket(), &name("private-ok")).unwrap();
    assert_eq!(r.json.to_string(), want.to_json());

    let r = post::<A>(&policy, "/auth", "socket_id=123.456&channel_name=presence-ok&extra=ignored", None).await;
    assert_eq!(r.status, 200);
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    let want = sign_presence_auth(&creds(), &socket(), &name("presence-ok"), &member).unwrap();
    assert_eq!(r.json.to_string(), want.to_json());

    let r = post::<A>(&policy, "/auth", "socket_id=123.456&channel_name=private-encrypted-ok", None).await;
    assert_eq!(r.status, 200);
    assert!(r.json["shared_secret"].is_string());
    assert_eq!(policy.calls(), 3);
}

pub async fn denied_is_403<A: Adapter>() {
    let policy = Policy::default();
    let r = post::<A>(&policy, "/auth", "socket_id=123.456&channel_name=private-no", None).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json, serde_json::json!({"error": "forbidden"}));
    assert!(matches!(r.refusal, Some(Refusal::Denied)));
}

/// Hostile or unauthorizable bodies: 400 with the typed reason, and the application is
/// never asked (so nothing can be signed).
pub async fn hostile_bodies_are_400_and_never_reach_the_policy<A: Adapter>() {
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
        let r = post::<A>(&policy, "/auth", body, None).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json, serde_json::json!({ "error": reason }), "{body}");
    }
    for body in ["socket_id=1.1%0A", "socket_id=", "socket_id=1.1&socket_id=1.1"] {
        let r = post::<A>(&policy, "/user", body, Some("u")).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.request_error.is_some(), "the typed reason rides in the extensions");
    }
    assert_eq!(policy.calls(), 0);
}

/// A JSON body to an auth route is a wrong content type, `415`, not a confusing
/// "missing field"; a charset parameter on a form is fine.
pub async fn a_body_that_is_not_a_form_is_415<A: Adapter>() {
    let policy = Policy::default();
    for (path, body) in [
        ("/auth", r#"{"socket_id":"1.1","channel_name":"private-ok"}"#),
        ("/batch", r#"{"socket_id":"1.1","channel_name":["private-ok"]}"#),
        ("/user", r#"{"socket_id":"1.1"}"#),
    ] {
        let r = post_as::<A>(&policy, path, "application/json", body, Some("u")).await;
        assert_eq!(r.status, 415, "{path}");
        assert!(matches!(r.request_error, Some(RequestError::UnsupportedContentType { .. })), "{path}");
        assert_eq!(
            r.json,
            serde_json::json!({"error": "unsupported content type: expected application/x-www-form-urlencoded"})
        );
    }
    assert_eq!(policy.calls(), 0, "the policy was never asked");
    let r =
        post_as::<A>(&policy, "/user", "application/x-www-form-urlencoded; charset=UTF-8", "socket_id=1.1", Some("u"))
            .await;
    assert_eq!(r.status, 200);
    assert_eq!(policy.calls(), 1, "only the form reached the policy");
}

pub async fn oversized_body_is_413<A: Adapter>() {
    let policy = Policy::default();
    let body = format!("socket_id=1.1&channel_name=private-ok&pad={}", "x".repeat(9000));
    let r = post::<A>(&policy, "/auth", &body, None).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.request_error, Some(RequestError::BodyTooLarge { max: 8192 }));
    assert_eq!(r.json["error"], "body unreadable or longer than 8192 bytes");
    assert_eq!(policy.calls(), 0);
}

/// `form` with an ignored `pad` field, `len` bytes in all.
fn padded(form: &str, len: usize) -> String {
    let pad = len - form.len() - "&pad=".len();
    format!("{form}&pad={}", "x".repeat(pad))
}

pub async fn body_limits_are_exact_and_documented<A: Adapter>() {
    // The documented limits: 8 KiB for one channel or a sign-in, 64 KiB for a batch
    // (above actix-web's default 256 KiB payload limit would not matter either: each
    // route reads with its own limit).
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
        let r = post::<A>(&policy, path, &padded(form, max), Some("u")).await;
        assert_eq!((r.status, r.request_error), (200, None), "{path}: exactly {max} bytes is read");
        let r = post::<A>(&policy, path, &padded(form, max + 1), Some("u")).await;
        assert_eq!(r.status, 413, "{path}: {} bytes", max + 1);
        assert_eq!(r.request_error, Some(RequestError::BodyTooLarge { max }));
        assert_eq!(policy.calls(), 1, "{path}: only the body that fits was decided");
    }
}

pub async fn a_decision_that_does_not_fit_the_channel_is_500_and_unsigned<A: Adapter>() {
    let policy = Policy { misfit: true, ..Policy::default() };
    let r = post::<A>(&policy, "/auth", "socket_id=1.1&channel_name=presence-ok", None).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json, serde_json::json!({"error": "presence channels need member data (use sign_presence_auth)"}));
}

pub async fn batch_in_the_pusher_js_auth_wire_format<A: Adapter>() {
    let policy = Policy::default();
    let body = "&socket_id=123.456&channel_name[0]=private-ok&channel_name[1]=presence-ok&channel_name[2]=private-no&channel_name[3]=news";
    let r = post::<A>(&policy, "/batch", body, None).await;
    assert_eq!(r.status, 200);
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
    assert_eq!(policy.calls(), 3, "not asked about the public channel");

    for hostile in [
        "&socket_id=1.1:x&channel_name[0]=private-ok",
        "&socket_id=1.1&channel_name[0]=private-ok&channel_name[0]=private-ok2",
        "&socket_id=1.1&channel_name[0]=private-ok&channel_name[1]=private-ok%3Ax",
        "&socket_id=1.1&channel_name=private-ok",
        "&socket_id=1.1",
    ] {
        let r = post::<A>(&policy, "/batch", hostile, None).await;
        assert_eq!(r.status, 400, "{hostile}");
        assert!(r.json["error"].is_string());
    }
    assert_eq!(policy.calls(), 3, "a hostile batch signs nothing");
}

pub async fn user_sign_in<A: Adapter>() {
    let policy = Policy::default();
    let r = post::<A>(&policy, "/user", "socket_id=123.456", Some("ann")).await;
    assert_eq!(r.status, 200);
    let want = sign_user_auth(&creds(), &socket(), &UserData::new("ann".parse().unwrap())).unwrap();
    assert_eq!(r.json.to_string(), want.to_json());
    let r = post::<A>(&policy, "/user", "socket_id=123.456", None).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json, serde_json::json!({"error": "forbidden"}));
}

pub async fn responses_never_carry_the_secret<A: Adapter>() {
    let policy = Policy::default();
    for (path, body) in
        [("/auth", "socket_id=1.1&channel_name=private-ok"), ("/auth", "socket_id=x"), ("/user", "socket_id=1.1")]
    {
        let r = post::<A>(&policy, path, body, Some("u")).await;
        assert!(!r.json.to_string().contains(SECRET));
    }
}

/// Issue 19, fix 2: a declared `Content-Length` over the limit is refused before any
/// byte of the body is read.
pub async fn a_declared_length_over_the_limit_is_413_up_front<A: Adapter>() {
    let policy = Policy::default();
    let headers = [("content-type", FORM), ("content-length", "100000000")];
    let r = A::auth_routes(
        Auth { credentials: creds(), authorizer: policy.clone(), authenticator: policy.clone() },
        Req::new("/auth", &headers, "socket_id=1.1&channel_name=private-ok"),
    )
    .await;
    assert_eq!(r.status, 413);
    assert_eq!(policy.calls(), 0);
}

/// Credentials without a master key cannot sign an encrypted channel: a configuration
/// error, `500`, said before the policy is asked.
pub async fn an_encrypted_channel_without_a_master_key_is_a_configuration_error<A: Adapter>() {
    let policy = Policy::default();
    let plain = Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap());
    let request = Req::new("/auth", &[("content-type", FORM)], "socket_id=123.456&channel_name=private-encrypted-ok");
    let r =
        A::auth_routes(Auth { credentials: plain, authorizer: policy.clone(), authenticator: policy.clone() }, request)
            .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.config_error, Some(ConfigError::MissingMasterKey));
    assert_eq!(policy.calls(), 0);
}

/// The demo rule as closures: the `x-user` user's own `private-<id>` and
/// `presence-lobby` as that member, nothing else; the same user signs in. Run with the
/// closure itself and with an `Arc` of it shared by two routes.
pub async fn closures_and_arcs_are_policies<A: Adapter>() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let authorize = move |request: &RequestView<'_>, _: &SocketId, channel: &ChannelName| {
        counter.fetch_add(1, Ordering::SeqCst);
        let Some(user) = request.header("x-user").and_then(|id| id.parse::<UserId>().ok()) else {
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
    closure_policy_case::<A, _>(authorize.clone(), &asked).await;
    closure_policy_case::<A, _>(Arc::new(authorize), &asked).await;
}

async fn closure_policy_case<A: Adapter, P: ChannelAuthorizer + Clone>(authorize: P, asked: &AtomicUsize) {
    let before = asked.load(Ordering::SeqCst);
    let authenticate =
        |request: &RequestView<'_>, _: &SocketId| Some(UserData::new(request.header("x-user")?.parse().ok()?));
    let call = |path: &'static str, body: &'static str, user: Option<&'static str>| {
        let mut headers = vec![("content-type", FORM)];
        headers.extend(user.map(|user| ("x-user", user)));
        A::auth_routes(
            Auth { credentials: creds(), authorizer: authorize.clone(), authenticator: authenticate },
            Req::new(path, &headers, body),
        )
    };

    let r = call("/auth", "socket_id=123.456&channel_name=private-ann", Some("ann")).await;
    assert_eq!(r.status, 200);
    let want = sign_channel_auth(&creds(), &socket(), &name("private-ann")).unwrap();
    assert_eq!(r.bytes, want.to_json().as_bytes());
    assert_eq!(call("/auth", "socket_id=123.456&channel_name=private-ann2", Some("ann")).await.status, 403);
    assert_eq!(call("/auth", "socket_id=123.456&channel_name=private-ann", None).await.status, 403);

    let body =
        "&socket_id=123.456&channel_name[0]=presence-lobby&channel_name[1]=private-bob&channel_name[2]=private-ann";
    let r = call("/batch", body, Some("ann")).await;
    assert_eq!(r.status, 200);
    let member = PresenceMember::new("ann".parse().unwrap(), None).unwrap();
    let want = sign_presence_auth(&creds(), &socket(), &name("presence-lobby"), &member).unwrap();
    assert_eq!(r.json["presence-lobby"]["data"].to_string(), want.to_json());
    assert_eq!(r.json["private-bob"], serde_json::json!({"status": 403}));
    assert_eq!(r.json["private-ann"]["status"], 200);
    assert_eq!(asked.load(Ordering::SeqCst), before + 6);

    let r = call("/user", "socket_id=123.456", Some("ann")).await;
    assert_eq!(r.status, 200);
    let want = sign_user_auth(&creds(), &socket(), &UserData::new("ann".parse().unwrap())).unwrap();
    assert_eq!(r.bytes, want.to_json().as_bytes());
    assert_eq!(call("/user", "socket_id=123.456", None).await.status, 403);
}

/// One policy value behind every route, through `Arc`.
pub async fn an_arc_policy_is_shared_by_every_route<A: Adapter>() {
    let policy = Arc::new(Policy::default());
    let call = |path: &'static str, body: &'static str, user: Option<&'static str>| {
        let mut headers = vec![("content-type", FORM), ("x-test", "1")];
        headers.extend(user.map(|user| ("x-user", user)));
        A::auth_routes(
            Auth { credentials: creds(), authorizer: Arc::clone(&policy), authenticator: Arc::clone(&policy) },
            Req::new(path, &headers, body),
        )
    };
    assert_eq!(call("/auth", "socket_id=123.456&channel_name=private-ok", None).await.status, 200);
    assert_eq!(call("/user", "socket_id=123.456", Some("u")).await.status, 200);
    assert_eq!(policy.calls(), 2);
}

/// Records the events of each verified webhook.
#[derive(Clone, Default)]
pub struct Hooks(Arc<std::sync::Mutex<Vec<Vec<WebhookEvent>>>>);

impl WebhookHandler for Hooks {
    async fn handle(&self, _request: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        assert_eq!(webhook.credentials().key().as_str(), KEY);
        self.0.lock().unwrap().push(webhook.into_webhook().into_events());
        Ok(())
    }
}

impl Hooks {
    pub fn seen(&self) -> Vec<Vec<WebhookEvent>> {
        self.0.lock().unwrap().clone()
    }
}

/// When the test webhooks were sent (their `time_ms`).
const SENT_MS: u64 = 1_700_000_000_000;

/// The endpoint, its clock five seconds after the test webhooks were sent.
fn at_sent<H: WebhookHandler>(endpoint: WebhookEndpoint<H>) -> WebhookEndpoint<H> {
    endpoint.with_clock(|| std::time::UNIX_EPOCH + std::time::Duration::from_millis(SENT_MS + 5_000))
}

fn signed_headers(signature: &str) -> [(&str, &str); 2] {
    [("x-pusher-key", KEY), ("x-pusher-signature", signature)]
}

/// Delivers a webhook to `route(endpoint)` of a keyring with an old secret and the
/// current one (rotation), its clock five seconds after the test webhooks were sent.
async fn deliver<A: Adapter>(hooks: &Hooks, headers: &[(&str, &str)], body: &str) -> Reply {
    let ring = Keyring::new([Credentials::new(KEY.parse().unwrap(), "old-secret".parse().unwrap()), creds()]);
    A::route(at_sent(WebhookEndpoint::new(ring, hooks.clone())), Req::new("/hook", headers, body)).await
}

pub async fn webhook_verifies_the_raw_bytes_then_hands_over_typed_events<A: Adapter>() {
    // Spacing and key order a re-serialization would change: the raw bytes are signed.
    const BODY: &str = "{ \"events\": [ {\"channel\":\"presence-a\", \"name\":\"member_added\",\"user_id\":\"ann\"},\n {\"name\":\"channel_occupied\",\"channel\":\"#server-to-user-ann\"} ], \"time_ms\": 1700000000000 }";
    let hooks = Hooks::default();
    let signed = sign_webhook(&creds(), BODY.as_bytes());
    let r = deliver::<A>(&hooks, &signed_headers(signed.signature()), BODY).await;
    assert_eq!((r.status, r.json), (200, serde_json::json!({})));
    let seen = hooks.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].iter().map(WebhookEvent::name).collect::<Vec<_>>(), ["member_added", "channel_occupied"]);
}

pub async fn webhook_body_limit_is_exact<A: Adapter>() {
    use channel_auth::integrations::handler::MAX_WEBHOOK_BODY_LEN;
    assert_eq!(MAX_WEBHOOK_BODY_LEN, 1024 * 1024, "the documented 1 MiB");
    const EVENTS: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a"}]}"#;
    let hooks = Hooks::default();
    for (len, want) in [(MAX_WEBHOOK_BODY_LEN, 200), (MAX_WEBHOOK_BODY_LEN + 1, 413)] {
        // JSON allows trailing whitespace: a signed, valid body of exactly `len` bytes.
        let body = format!("{EVENTS}{}", " ".repeat(len - EVENTS.len()));
        let signed = sign_webhook(&creds(), body.as_bytes());
        let r = deliver::<A>(&hooks, &signed_headers(signed.signature()), &body).await;
        assert_eq!(r.status, want, "{len} bytes");
    }
    assert_eq!(hooks.seen().len(), 1, "only the body that fits was handed over");
}

pub async fn webhook_refusals<A: Adapter>() {
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
        let r = deliver::<A>(&hooks, headers, BODY).await;
        assert_eq!(r.status, 401, "{headers:?}");
        assert_eq!(r.json, serde_json::json!({ "error": reason }));
    }
    // The signature covers the body: the same headers with another body fail.
    const TAMPERED: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-b"}]}"#;
    let r = deliver::<A>(&hooks, &signed_headers(good.signature()), TAMPERED).await;
    assert_eq!(r.status, 401);
    assert!(hooks.seen().is_empty(), "nothing unverified reached the handler");

    // Verified but not parseable: 400 with the reason, handler not called.
    const BAD_CHANNEL: &str =
        r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a:b"}]}"#;
    let signed = sign_webhook(&creds(), BAD_CHANNEL.as_bytes());
    let r = deliver::<A>(&hooks, &signed_headers(signed.signature()), BAD_CHANNEL).await;
    assert_eq!(r.status, 400);
    assert!(r.json["error"].as_str().unwrap().starts_with("webhook event 0: channel"), "{}", r.json);
    assert!(hooks.seen().is_empty());
}

/// Fails every delivery, as an application whose store is down.
struct StoreDown;

impl WebhookHandler for StoreDown {
    async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        Err(HandlerError::retry_later("database unavailable"))
    }
}

pub async fn a_failing_webhook_handler_answers_503_so_the_sender_retries<A: Adapter>() {
    const BODY: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_vacated","channel":"private-a"}]}"#;
    let signed = sign_webhook(&creds(), BODY.as_bytes());
    let endpoint = at_sent(WebhookEndpoint::new(Keyring::new([creds()]), StoreDown));
    let r = A::route(endpoint, Req::new("/hook", &signed_headers(signed.signature()), BODY)).await;
    assert_eq!(r.status, 503);
    let cause = r.handler_error.as_ref().and_then(|e| std::error::Error::source(e)).map(ToString::to_string);
    assert_eq!(cause.as_deref(), Some("database unavailable"), "the cause rides in the extensions, for logs");
    assert_eq!(r.bytes, br#"{"error":"webhook not handled, retry later"}"#, "the cause is not sent");
}

/// Issue 13, fix 2: a channel authorization's signature sent with its string to sign as
/// a webhook body is a bad signature (401), not a good one with a bad body (400).
pub async fn another_purposes_signature_is_401_as_a_webhook<A: Adapter>() {
    const BODY: &str = "1234.1234:private-a";
    let auth = sign_channel_auth(&creds(), &"1234.1234".parse().unwrap(), &name("private-a")).unwrap();
    let signature = auth.auth().rsplit_once(':').unwrap().1.to_owned();
    assert_eq!(sign_webhook(&creds(), BODY.as_bytes()).signature(), signature, "the MAC of the body itself");
    let hooks = Hooks::default();
    let r = deliver::<A>(&hooks, &signed_headers(&signature), BODY).await;
    assert_eq!((r.status, r.json), (401, serde_json::json!({ "error": "invalid signature" })));
    assert!(hooks.seen().is_empty());
}

/// Issue 19, fix 3: through the route builder (the system clock), a webhook signed in
/// 2023 is refused before the handler sees it, and one sent now is handled.
pub async fn a_stale_webhook_is_refused_before_the_handler<A: Adapter>() {
    const SIGNED_IN_2023: &str =
        r#"{"time_ms":1690000000000,"events":[{"name":"member_added","channel":"presence-a","user_id":"ann"}]}"#;
    let hooks = Hooks::default();
    let send = |body: String| {
        let signed = sign_webhook(&creds(), body.as_bytes());
        A::webhook(Keyring::new([creds()]), hooks.clone(), Req::new("/hook", &signed_headers(signed.signature()), body))
    };
    let r = send(SIGNED_IN_2023.to_owned()).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.webhook_error, Some(WebhookError::Verify(channel_auth::VerifyError::TimestampTooOld)));
    assert!(hooks.seen().is_empty(), "the handler never saw it");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let r = send(format!(r#"{{"time_ms":{now},"events":[]}}"#)).await;
    assert_eq!(r.status, 200);
    assert_eq!(hooks.seen().len(), 1);
}

/// One test for each case above, run against `$adapter` under the test attribute
/// `$test` (each framework's own runtime).
macro_rules! adapter_cases {
    ($adapter:ty, $test:meta) => {
        $crate::adapters::adapter_cases!(@each $adapter, $test,
            signs_what_the_application_allows,
            denied_is_403,
            hostile_bodies_are_400_and_never_reach_the_policy,
            a_body_that_is_not_a_form_is_415,
            oversized_body_is_413,
            body_limits_are_exact_and_documented,
            a_decision_that_does_not_fit_the_channel_is_500_and_unsigned,
            batch_in_the_pusher_js_auth_wire_format,
            user_sign_in,
            responses_never_carry_the_secret,
            a_declared_length_over_the_limit_is_413_up_front,
            an_encrypted_channel_without_a_master_key_is_a_configuration_error,
            closures_and_arcs_are_policies,
            an_arc_policy_is_shared_by_every_route,
            webhook_verifies_the_raw_bytes_then_hands_over_typed_events,
            webhook_body_limit_is_exact,
            webhook_refusals,
            a_failing_webhook_handler_answers_503_so_the_sender_retries,
            another_purposes_signature_is_401_as_a_webhook,
            a_stale_webhook_is_refused_before_the_handler,
        );
    };
    (@each $adapter:ty, $test:meta, $($case:ident,)*) => {
        $(
            #[$test]
            async fn $case() {
                adapters::$case::<$adapter>().await;
            }
        )*
    };
}
pub(crate) use adapter_cases;
