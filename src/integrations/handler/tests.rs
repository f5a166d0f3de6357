use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use super::*;
use crate::channel::{PresenceMember, sign_channel_auth, sign_presence_auth};
use crate::credentials::{Credentials, Keyring};
use crate::integrations::{ChannelAuthRequest, RequestError};
use crate::names::{ChannelKind, ChannelName, SocketId};
use crate::user::{UserData, sign_user_auth};
use crate::webhook::VerifiedWebhook;
use crate::webhook::WebhookError;
use crate::webhook::sign_webhook;

/// Runs a future to completion on this thread with a no-op waker: the endpoints' futures
/// under test never wait on I/O (the policies here answer at once).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

const KEY: &str = "278d425bdf160c739803";
const SECRET: &str = "7ad3773142a6692b25b8";
const FORM: [(&str, &str); 2] = [("Content-Type", FORM_CONTENT_TYPE), ("x-user", "u")];

fn creds() -> Credentials {
    Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap())
}

/// Allows channels containing "ok" (as member `u` on presence); counts calls.
#[derive(Default)]
struct Policy {
    calls: AtomicUsize,
    misfit: bool,
}

impl ChannelAuthorizer for Policy {
    async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let Some(user) = request.header("X-USER") else { return Decision::Deny };
        if !channel.as_str().contains("ok") {
            return Decision::Deny;
        }
        match channel.kind() {
            ChannelKind::Presence if !self.misfit => {
                Decision::AllowAsMember(PresenceMember::new(user.parse().unwrap(), None).unwrap())
            }
            _ => Decision::Allow,
        }
    }
}

impl UserAuthenticator for Policy {
    async fn authenticate(&self, request: &RequestView<'_>, _: &SocketId) -> Option<UserData> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Some(UserData::new(request.header("x-user")?.parse().ok()?))
    }
}

fn channel(policy: Policy, headers: &dyn HeaderLookup, body: &[u8]) -> (Answer, usize) {
    let endpoint = ChannelAuthEndpoint::new(creds(), policy);
    let answer = block_on(endpoint.answer(&RequestView::new(headers), body));
    (answer, endpoint.authorizer.calls.load(Ordering::SeqCst))
}

#[test]
fn channel_auth_signs_what_the_library_signs() {
    let (answer, calls) = channel(Policy::default(), &FORM, b"socket_id=1.1&channel_name=private-ok");
    let want = sign_channel_auth(&creds(), &"1.1".parse().unwrap(), &"private-ok".parse().unwrap()).unwrap();
    assert_eq!((answer.status(), answer.body(), calls), (200, want.to_json().as_str(), 1));
    assert!(answer.refusal().is_none());

    let (answer, _) = channel(Policy::default(), &FORM, b"socket_id=1.1&channel_name=presence-ok");
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    let want = sign_presence_auth(&creds(), &"1.1".parse().unwrap(), &"presence-ok".parse().unwrap(), &member);
    assert_eq!(answer.body(), want.unwrap().to_json());
}

#[test]
fn channel_auth_status_table() {
    let cases: &[(&[u8], u16, &str)] = &[
        (b"socket_id=1.1&channel_name=private-no", 403, r#"{"error":"forbidden"}"#),
        (b"socket_id=1.1&channel_name=news-ok", 400, ""),
        (b"socket_id=1.1&channel_name=%23server-to-user-ok", 400, ""),
        (b"socket_id=1.1%3Aprivate-x&channel_name=private-ok", 400, ""),
        (b"socket_id=1.1", 400, r#"{"error":"missing field channel_name"}"#),
    ];
    for (body, status, want) in cases {
        let (answer, _) = channel(Policy::default(), &FORM, body);
        assert_eq!(answer.status(), *status, "{}", String::from_utf8_lossy(body));
        assert!(answer.body().starts_with(r#"{"error":"#));
        if !want.is_empty() {
            assert_eq!(answer.body(), *want);
        }
    }
    let misfit = Policy { misfit: true, ..Policy::default() };
    let (answer, _) = channel(misfit, &FORM, b"socket_id=1.1&channel_name=presence-ok");
    assert_eq!(answer.status(), 500);
    assert!(matches!(answer.refusal(), Some(Refusal::Auth(_))));
}

#[test]
fn hostile_bodies_never_reach_the_policy() {
    for body in [&b"socket_id=1.1%3Aprivate-x&channel_name=private-ok"[..], b"socket_id=1.1&channel_name=news-ok"] {
        let (answer, calls) = channel(Policy::default(), &FORM, body);
        assert_eq!((answer.status(), calls), (400, 0));
    }
}

#[test]
fn auth_routes_refuse_other_content_types_with_415() {
    let json_body = br#"{"socket_id":"1.1","channel_name":"private-ok"}"#;
    let refusals: [&dyn HeaderLookup; 4] =
        [&[("content-type", "application/json")], &(), &[("content-type", "text/plain")], &[("content-type", "")]];
    let want = r#"{"error":"unsupported content type: expected application/x-www-form-urlencoded"}"#;
    for headers in refusals {
        let view = RequestView::new(headers);
        let (answer, calls) = channel(Policy::default(), headers, json_body);
        assert_eq!((answer.status(), answer.body(), calls), (415, want, 0));
        let batch = BatchAuthEndpoint::new(creds(), Policy::default());
        assert_eq!(block_on(batch.answer(&view, json_body)).status(), 415);
        let user = UserAuthEndpoint::new(creds(), Policy::default());
        let answer = block_on(user.answer(&view, br#"{"socket_id":"1.1"}"#));
        assert_eq!((answer.status(), answer.body()), (415, want));
        assert_eq!(user.authenticator.calls.load(Ordering::SeqCst), 0);
        assert!(user.refuse_early(&view).is_some());
    }
    // Parameters and case do not matter.
    let headers = [("CONTENT-TYPE", "Application/X-WWW-Form-URLEncoded ; charset=UTF-8")];
    let (answer, _) = channel(Policy::default(), &headers, b"socket_id=1.1&channel_name=private-ok");
    assert_eq!(answer.status(), 403, "x-user absent: denied, but the content type passed");
}

#[test]
fn oversized_bodies_are_413_before_parsing() {
    let body = vec![b'a'; ChannelAuthRequest::MAX_BODY_LEN + 1];
    let (answer, calls) = channel(Policy::default(), &FORM, &body);
    assert_eq!((answer.status(), calls), (413, 0));
    let exact = [b"socket_id=1.1&channel_name=private-ok&pad=".as_slice(), &[b'a'; 8192 - 42]].concat();
    assert_eq!(exact.len(), ChannelAuthRequest::MAX_BODY_LEN);
    assert_eq!(channel(Policy::default(), &FORM, &exact).0.status(), 200);
}

#[test]
fn batch_answers_per_channel() {
    let endpoint = BatchAuthEndpoint::new(creds(), Policy { misfit: true, ..Policy::default() });
    let body = b"&socket_id=1.1&channel_name[0]=private-ok&channel_name[1]=private-no&channel_name[2]=news&channel_name[3]=presence-ok";
    let answer = block_on(endpoint.answer(&RequestView::new(&FORM), body));
    assert_eq!(answer.status(), 200);
    let json: serde_json::Value = serde_json::from_str(answer.body()).unwrap();
    let want = sign_channel_auth(&creds(), &"1.1".parse().unwrap(), &"private-ok".parse().unwrap()).unwrap();
    assert_eq!(json["private-ok"], serde_json::json!({"status": 200, "data": want}));
    assert_eq!(json["private-no"], serde_json::json!({"status": 403}));
    assert_eq!(json["news"], serde_json::json!({"status": 400}));
    assert_eq!(json["presence-ok"], serde_json::json!({"status": 500}));
    let hostile = block_on(endpoint.answer(&RequestView::new(&FORM), b"&socket_id=1.1&channel_name[x]=a"));
    assert_eq!(hostile.status(), 400);
}

#[test]
fn user_auth_status_table() {
    let endpoint = UserAuthEndpoint::new(creds(), Policy::default());
    let answer = block_on(endpoint.answer(&RequestView::new(&FORM), b"socket_id=1.1"));
    let want = sign_user_auth(&creds(), &"1.1".parse().unwrap(), &UserData::new("u".parse().unwrap())).unwrap();
    assert_eq!((answer.status(), answer.body()), (200, want.to_json().as_str()));
    let anonymous = [("content-type", FORM_CONTENT_TYPE)];
    let answer = block_on(endpoint.answer(&RequestView::new(&anonymous), b"socket_id=1.1"));
    assert_eq!((answer.status(), answer.body()), (403, r#"{"error":"forbidden"}"#));
    let answer = block_on(endpoint.answer(&RequestView::new(&FORM), b"socket_id=1.1%0A"));
    assert_eq!(answer.status(), 400);
}

/// Counts handled webhooks; fails as told.
#[derive(Default)]
struct Hooks {
    handled: AtomicUsize,
    fail: Option<bool>,
}

impl WebhookHandler for Hooks {
    async fn handle(&self, _: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        assert_eq!(webhook.credentials().key().as_str(), KEY);
        self.handled.fetch_add(1, Ordering::SeqCst);
        let cause = format!("store down ({} events)", webhook.webhook().events().len());
        match self.fail {
            None => Ok(()),
            Some(true) => Err(HandlerError::retry_later(cause)),
            Some(false) => Err(HandlerError::refuse(cause)),
        }
    }
}

/// The endpoints' clock in these tests: `HOOK`'s `time_ms` plus five seconds.
const NOW_MS: u64 = 1_700_000_005_000;
const HOOK: &str = r#"{"time_ms":1700000000000,"events":[{"name":"channel_occupied","channel":"private-a"}]}"#;

fn at(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

fn deliver(hooks: Hooks, headers: &dyn HeaderLookup, body: &[u8]) -> (Answer, usize) {
    let endpoint = WebhookEndpoint::new(Keyring::new([creds()]), hooks).with_clock(|| at(NOW_MS));
    let answer = block_on(endpoint.answer(&RequestView::new(headers), body));
    (answer, endpoint.handler.handled.load(Ordering::SeqCst))
}

fn signed(body: &str) -> Vec<(&'static str, String)> {
    let sig = sign_webhook(&creds(), body.as_bytes());
    vec![("x-pusher-key", KEY.to_owned()), ("x-pusher-signature", sig.signature().to_owned())]
}

#[test]
fn webhook_status_table() {
    let good = signed(HOOK);
    let (answer, handled) = deliver(Hooks::default(), &good, HOOK.as_bytes());
    assert_eq!((answer.status(), answer.body(), handled), (200, "{}", 1));

    let changed = r#"{"time_ms":1700000000000,"events":[]} "#;
    let (answer, handled) = deliver(Hooks::default(), &good, changed.as_bytes());
    assert_eq!((answer.status(), handled), (401, 0), "a changed body does not verify");
    assert!(matches!(answer.refusal(), Some(Refusal::Webhook(WebhookError::Verify(_)))));

    let (answer, _) = deliver(Hooks::default(), &[("x-pusher-key", KEY)], HOOK.as_bytes());
    assert_eq!(answer.body(), r#"{"error":"missing or non-ASCII header X-Pusher-Signature"}"#);
    assert_eq!(answer.status(), 401);

    let bad = r#"{"time_ms":1700000000000,"events":[{"name":"member_added","channel":"presence-a"}]}"#;
    let (answer, handled) = deliver(Hooks::default(), &signed(bad), bad.as_bytes());
    assert_eq!((answer.status(), handled), (400, 0));

    let big = vec![b'{'; MAX_WEBHOOK_BODY_LEN + 1];
    assert_eq!(deliver(Hooks::default(), &good, &big).0.status(), 413);
}

/// Issue 19, fix 3: a webhook signed long ago (or far ahead) is refused before the
/// handler sees it; the window is two-sided and exclusive.
#[test]
fn stale_webhooks_never_reach_the_handler() {
    const SIGNED_IN_2023: &str =
        r#"{"time_ms":1690000000000,"events":[{"name":"member_added","channel":"presence-a","user_id":"1"}]}"#;
    let (answer, handled) = deliver(Hooks::default(), &signed(SIGNED_IN_2023), SIGNED_IN_2023.as_bytes());
    assert_eq!((answer.status(), answer.body(), handled), (401, r#"{"error":"timestamp is too old"}"#, 0));
    assert!(matches!(
        answer.refusal(),
        Some(Refusal::Webhook(WebhookError::Verify(crate::VerifyError::TimestampTooOld)))
    ));

    let window = DEFAULT_WEBHOOK_WINDOW.as_millis() as u64;
    let sent = |ms: u64| format!(r#"{{"time_ms":{ms},"events":[]}}"#);
    for (time_ms, status) in [
        (NOW_MS - window + 1, 200),
        (NOW_MS - window, 401),
        (NOW_MS + window - 1, 200),
        (NOW_MS + window, 401),
        (0, 401),
        (u64::MAX, 401),
    ] {
        let body = sent(time_ms);
        let (answer, handled) = deliver(Hooks::default(), &signed(&body), body.as_bytes());
        assert_eq!((answer.status(), handled), (status, usize::from(status == 200)), "{time_ms}");
    }

    // The window is the endpoint's to set, and turning it off is spelled out.
    let body = sent(NOW_MS - 60_000);
    let short = WebhookEndpoint::new(Keyring::new([creds()]), Hooks::default())
        .with_clock(|| at(NOW_MS))
        .with_freshness_window(Duration::from_secs(30));
    assert_eq!(block_on(short.answer(&RequestView::new(&signed(&body)), body.as_bytes())).status(), 401);
    let open = WebhookEndpoint::new(Keyring::new([creds()]), Hooks::default())
        .with_clock(|| at(NOW_MS))
        .dangerous_accept_stale_webhooks();
    let answer = block_on(open.answer(&RequestView::new(&signed(SIGNED_IN_2023)), SIGNED_IN_2023.as_bytes()));
    assert_eq!(answer.status(), 200);
}

/// Reads the system clock, which `wasm32-unknown-unknown` does not have (there the
/// endpoint answers `500` without `with_clock`).
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
#[test]
fn the_system_clock_is_the_default() {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis();
    let body = format!(r#"{{"time_ms":{now},"events":[]}}"#);
    let endpoint = WebhookEndpoint::new(Keyring::new([creds()]), Hooks::default());
    assert_eq!(block_on(endpoint.answer(&RequestView::new(&signed(&body)), body.as_bytes())).status(), 200);
    assert_eq!(block_on(endpoint.answer(&RequestView::new(&signed(HOOK)), HOOK.as_bytes())).status(), 401);
}

/// Issue 19, fix 3: the handler says what happened, and the sender is told.
#[test]
fn a_webhook_handler_retries_or_refuses_without_its_cause() {
    let good = signed(HOOK);
    for (fail, status, body) in
        [(true, 503, r#"{"error":"webhook not handled, retry later"}"#), (false, 422, r#"{"error":"webhook refused"}"#)]
    {
        let (answer, handled) = deliver(Hooks { fail: Some(fail), ..Hooks::default() }, &good, HOOK.as_bytes());
        assert_eq!((answer.status(), answer.body(), handled), (status, body, 1));
        let Some(Refusal::Handler(e)) = answer.refusal() else { panic!("{answer:?}") };
        assert_eq!(e.should_retry(), fail);
        let cause = std::error::Error::source(e).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("store down (1 events)"));
        assert!(!answer.body().contains("store down"));
    }
}

/// Issue 19, fix 2: a declared length over the limit is refused on the headers, and
/// a body that does not arrive in time is a 408 (the adapters time the read).
#[test]
fn declared_lengths_and_slow_bodies() {
    let endpoint = ChannelAuthEndpoint::new(creds(), Policy::default());
    let declared = |len: &str| {
        let headers = [("content-type", FORM_CONTENT_TYPE), ("content-length", len)];
        endpoint.refuse_early(&RequestView::new(&headers)).map(|a| a.status())
    };
    assert_eq!(declared("8192"), None);
    assert_eq!(declared("8193"), Some(413));
    assert_eq!(declared("100000000000000000000000"), Some(413));
    assert_eq!(declared("nonsense"), None, "the server's to refuse; bytes read are still counted");
    let hook = WebhookEndpoint::new(Keyring::new([creds()]), Hooks::default());
    let mut headers = signed(HOOK);
    headers.push(("content-length", (MAX_WEBHOOK_BODY_LEN + 1).to_string()));
    assert_eq!(hook.refuse_early(&RequestView::new(&headers)).map(|a| a.status()), Some(413));

    assert_eq!(endpoint.body_timeout(), DEFAULT_BODY_TIMEOUT);
    let quick = ChannelAuthEndpoint::new(creds(), Policy::default()).with_body_timeout(Duration::from_secs(2));
    assert_eq!(quick.body_timeout(), Duration::from_secs(2));
    let answer = Answer::request_error(RequestError::BodyTimedOut { timeout: Duration::from_secs(2) });
    assert_eq!((answer.status(), answer.body()), (408, r#"{"error":"body not received within 2000 ms"}"#));
}

#[test]
fn answers_and_views_leak_nothing_in_debug() {
    let (answer, _) = channel(Policy::default(), &FORM, b"socket_id=1.1&channel_name=private-ok");
    let shown = format!("{answer:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(&answer.body()[20..]), "{shown}");
    let cookie = [("cookie", "session=top-secret")];
    assert!(!format!("{:?}", RequestView::new(&cookie)).contains("top-secret"));
}

/// A refusal's body is `{"error":<reason>}` with the reason escaped, as a JSON object
/// would write it.
#[test]
fn refusal_bodies_are_json_objects() {
    let hostile =
        RequestError::InvalidField { field: "socket_id", source: "1.1\"\n\u{2028}".parse::<SocketId>().unwrap_err() };
    for answer in [Answer::request_error(hostile), Answer::refuse(403, Refusal::Denied)] {
        let reason = match answer.refusal() {
            Some(Refusal::Denied) => "forbidden".to_owned(),
            Some(Refusal::Request(e)) => e.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(answer.body(), serde_json::json!({ "error": reason }).to_string());
    }
}

#[test]
fn header_lookup_rules() {
    let pairs = vec![("X-A".to_owned(), "1".to_owned()), ("x-a".to_owned(), "2".to_owned())];
    assert_eq!(pairs.header("x-a"), Some("1"), "the first value");
    assert_eq!([("x", "a\nb")].header("x"), None, "not visible ASCII");
    assert_eq!([("x", "a\tb")].header("x"), Some("a\tb"));
    let mut map = ::http::HeaderMap::new();
    map.insert("x-a", ::http::HeaderValue::from_static("v"));
    assert_eq!(map.header("X-A"), Some("v"));
    assert_eq!(().header("x-a"), None);
}

/// The demo rule as a closure: the `x-user` user's own `private-<id>`, and
/// `presence-lobby` as that member.
fn own_channels(request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
    let Some(user) = request.header("x-user").and_then(|id| id.parse::<crate::names::UserId>().ok()) else {
        return Decision::Deny;
    };
    if channel.is_private_to(&user) {
        Decision::Allow
    } else if channel.as_str() == "presence-lobby" {
        PresenceMember::new(user, None).map_or(Decision::Deny, Decision::AllowAsMember)
    } else {
        Decision::Deny
    }
}

#[test]
fn closures_and_functions_are_channel_authorizers() {
    fn statuses<A: ChannelAuthorizer>(endpoint: &ChannelAuthEndpoint<A>) -> [u16; 4] {
        ["private-u", "private-u2", "presence-lobby", "presence-other"].map(|c| {
            let body = format!("socket_id=1.1&channel_name={c}");
            block_on(endpoint.answer(&RequestView::new(&FORM), body.as_bytes())).status()
        })
    }
    let socket: SocketId = "1.1".parse().unwrap();
    // A function item, and a closure capturing the application's data (an exact lookup).
    let from_fn = ChannelAuthEndpoint::new(creds(), own_channels);
    assert_eq!(statuses(&from_fn), [200, 403, 200, 403]);
    let rooms: std::collections::HashSet<ChannelName> = ["private-u2".parse().unwrap()].into();
    let closure =
        ChannelAuthEndpoint::new(
            creds(),
            move |_: &RequestView<'_>, _: &SocketId, channel: &ChannelName| {
                if rooms.contains(channel) { Decision::Allow } else { Decision::Deny }
            },
        );
    assert_eq!(statuses(&closure), [403, 200, 403, 403]);
    // What the closure answers is what the trait method answers.
    let view = RequestView::new(&FORM);
    let lobby: ChannelName = "presence-lobby".parse().unwrap();
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    assert_eq!(
        block_on(ChannelAuthorizer::authorize(&own_channels, &view, &socket, &lobby)),
        Decision::AllowAsMember(member)
    );
}

#[test]
fn closures_are_user_authenticators() {
    let endpoint = UserAuthEndpoint::new(creds(), |request: &RequestView<'_>, _: &SocketId| {
        Some(UserData::new(request.header("x-user")?.parse().ok()?))
    });
    let answer = block_on(endpoint.answer(&RequestView::new(&FORM), b"socket_id=1.1"));
    let want = sign_user_auth(&creds(), &"1.1".parse().unwrap(), &UserData::new("u".parse().unwrap())).unwrap();
    assert_eq!((answer.status(), answer.body()), (200, want.to_json().as_str()));
    let nobody = [("Content-Type", FORM_CONTENT_TYPE)];
    assert_eq!(block_on(endpoint.answer(&RequestView::new(&nobody), b"socket_id=1.1")).status(), 403);
}

#[test]
fn one_shared_policy_serves_several_endpoints() {
    let policy = std::sync::Arc::new(Policy::default());
    let single = ChannelAuthEndpoint::new(creds(), std::sync::Arc::clone(&policy));
    let batch = BatchAuthEndpoint::new(creds(), std::sync::Arc::clone(&policy));
    let user = UserAuthEndpoint::new(creds(), std::sync::Arc::clone(&policy));
    let view = RequestView::new(&FORM);
    assert_eq!(block_on(single.answer(&view, b"socket_id=1.1&channel_name=private-ok")).status(), 200);
    let answer = block_on(batch.answer(&view, b"socket_id=1.1&channel_name[0]=private-ok&channel_name[1]=private-no"));
    assert_eq!(answer.status(), 200);
    assert_eq!(block_on(user.answer(&view, b"socket_id=1.1")).status(), 200);
    // One policy value answered all four questions.
    assert_eq!(policy.calls.load(Ordering::SeqCst), 4);

    let hooks = std::sync::Arc::new(Hooks::default());
    let endpoint =
        WebhookEndpoint::new(Keyring::new([creds()]), std::sync::Arc::clone(&hooks)).dangerous_accept_stale_webhooks();
    let body = r#"{"time_ms":1,"events":[]}"#;
    let headers = signed(body);
    assert_eq!(block_on(endpoint.answer(&RequestView::new(&headers), body.as_bytes())).status(), 200);
    assert_eq!(hooks.handled.load(Ordering::SeqCst), 1);
}

#[test]
fn a_missing_master_key_is_configuration_before_the_policy_is_asked() {
    let (answer, calls) = channel(Policy::default(), &FORM, b"socket_id=1.1&channel_name=private-encrypted-ok");
    assert_eq!((answer.status(), calls), (500, 0));
    assert_eq!(answer.body(), r#"{"error":"private-encrypted channels need an encryption master key"}"#);
    assert!(matches!(answer.refusal(), Some(Refusal::Config(crate::error::ConfigError::MissingMasterKey))));
}
