//! [`WebhookEndpoint`]: webhooks verified, then fresh (by its clock), then handled.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::endpoint::{precheck, refuse_declared_len};
use super::trace::{Record, RouteName};
use super::{
    Answer, DEFAULT_BODY_TIMEOUT, DEFAULT_WEBHOOK_WINDOW, MAX_WEBHOOK_BODY_LEN, Refusal, RequestView, Route,
    WebhookHandler,
};
use crate::credentials::Keyring;
use crate::error::ConfigError;
use crate::integrations::RequestError;
use crate::replay::{ReplayGuard, ReplayKey, SharedGuard, webhook_ttl};
use crate::webhook::WebhookError;
use crate::webhook::verify_and_parse_webhook;

/// The header that names the app key of a webhook.
const PUSHER_KEY: &str = "X-Pusher-Key";
/// The header that carries a webhook's signature.
const PUSHER_SIGNATURE: &str = "X-Pusher-Signature";

/// Receives Pusher (or soketi) webhooks: verified, then fresh, then handled.
///
/// Verifies `X-Pusher-Key` and `X-Pusher-Signature` over the raw body bytes (at most
/// [`MAX_WEBHOOK_BODY_LEN`]) against the keyring, never a re-serialization; parses the
/// typed events; checks that the webhook's `time_ms` is within
/// [`DEFAULT_WEBHOOK_WINDOW`] (ten minutes) of the endpoint's clock, so a captured
/// webhook cannot be replayed later; and only then hands it to the handler. It answers
/// with [the handler's statuses](super#statuses): `401` for a missing header, a bad
/// signature or a stale webhook, `503` and `422` as the handler says; with a replay
/// guard, `200` `{}` for a repeat of a webhook the handler processed (not handed to it
/// again) and `503` when the guard cannot answer.
///
/// Any content type is taken: the signature covers the bytes. Within the window a
/// captured webhook still verifies again (the protocol has no nonce), and Pusher
/// delivers the same webhook again when it retries: give the endpoint a
/// [`ReplayGuard`] ([`with_replay_guard`](Self::with_replay_guard)) so each webhook is
/// handled once, or make the handler idempotent.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use channel_auth::integrations::handler::{HandlerError, RequestView, Route, WebhookEndpoint, WebhookHandler};
/// use channel_auth::webhook::{sign_webhook, VerifiedWebhook};
/// use channel_auth::{Credentials, Keyring};
///
/// struct StoreDown;
/// impl WebhookHandler for StoreDown {
///     async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
///         Err(HandlerError::retry_later("store unavailable"))
///     }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let endpoint = WebhookEndpoint::new(Keyring::new([creds.clone()]), StoreDown)
///     .with_clock(|| UNIX_EPOCH + Duration::from_millis(1_700_000_000_000));
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let deliver = |body: &str| {
///     let signed = sign_webhook(&creds, body.as_bytes());
///     let headers = [("X-Pusher-Key", "key"), ("X-Pusher-Signature", signed.signature())];
///     runtime.block_on(endpoint.answer(&RequestView::new(&headers), body.as_bytes()))
/// };
///
/// // Sent a second ago: the handler runs, and asks for a retry.
/// let answer = deliver(r#"{"time_ms":1699999999000,"events":[]}"#);
/// assert_eq!((answer.status(), answer.body()), (503, r#"{"error":"webhook not handled, retry later"}"#));
///
/// // Signed in 2023 and replayed now: refused before the handler sees it.
/// let answer = deliver(r#"{"time_ms":1690000000000,"events":[]}"#);
/// assert_eq!((answer.status(), answer.body()), (401, r#"{"error":"timestamp is too old"}"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct WebhookEndpoint<H> {
    keyring: Keyring,
    pub(super) handler: H,
    body_timeout: Duration,
    freshness: Freshness,
    clock: Clock,
    guard: Option<SharedGuard>,
}

/// How fresh a webhook must be.
#[derive(Clone, Copy, Debug)]
enum Freshness {
    /// `time_ms` less than this far from the clock, either way.
    Within(Duration),
    /// Not checked ([`WebhookEndpoint::dangerous_accept_stale_webhooks`]).
    Unchecked,
}

/// Where a [`WebhookEndpoint`] reads the time.
#[derive(Clone)]
enum Clock {
    /// The system clock, where the target has one.
    System,
    /// The application's.
    Custom(Arc<dyn Fn() -> SystemTime + Send + Sync>),
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::System => "Clock::System",
            Self::Custom(_) => "Clock::Custom",
        })
    }
}

impl Clock {
    /// The time now; `None` where there is no clock to read (the system clock on
    /// `wasm32-unknown-unknown`, where `SystemTime::now` panics).
    fn now(&self) -> Option<SystemTime> {
        match self {
            Self::System => system_now(),
            Self::Custom(clock) => Some(clock()),
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn system_now() -> Option<SystemTime> {
    Some(SystemTime::now())
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn system_now() -> Option<SystemTime> {
    None
}

impl<H: WebhookHandler> WebhookEndpoint<H> {
    /// The endpoint for this keyring and this handler: webhooks within
    /// [`DEFAULT_WEBHOOK_WINDOW`] of the system clock, bodies within
    /// [`DEFAULT_BODY_TIMEOUT`].
    ///
    /// On `wasm32-unknown-unknown` there is no system clock: give one with
    /// [`with_clock`](Self::with_clock) (in a Worker, `Date::now()`), or every webhook
    /// is answered `500`.
    pub fn new(keyring: Keyring, handler: H) -> Self {
        Self {
            keyring,
            handler,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            freshness: Freshness::Within(DEFAULT_WEBHOOK_WINDOW),
            clock: Clock::System,
            guard: None,
        }
    }

    /// The same endpoint, handling each webhook once: a repeat of a webhook the handler
    /// processed (a sender's retry, or a replay) is answered `200` without calling the
    /// handler again.
    ///
    /// After the signature and freshness checks, the webhook's [`ReplayKey`] is recorded
    /// in `guard` for [`webhook_ttl`] of the freshness window (the whole time it could
    /// still verify), and only a first sighting reaches the handler: recorded before the
    /// handler runs, so two deliveries at once (to two servers sharing one Redis) are
    /// handled once. When the handler fails (retry later, or refused), the key is
    /// [forgotten](ReplayGuard::forget), so the sender's retry is handled. If the guard
    /// cannot forget it then either (the store went down meanwhile), the retry is
    /// answered `200` unhandled until the key expires: the one case where a webhook is
    /// lost rather than handled twice. When the guard cannot answer at all, the webhook
    /// is refused with `503` (the sender retries), never handled unchecked.
    ///
    /// With [`dangerous_accept_stale_webhooks`](Self::dangerous_accept_stale_webhooks),
    /// keys are kept for `webhook_ttl(DEFAULT_WEBHOOK_WINDOW)`: an older repeat is
    /// handled again.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::time::SystemTime;
    /// use channel_auth::integrations::handler::{HandlerError, RequestView, Route, WebhookEndpoint, WebhookHandler};
    /// use channel_auth::replay::MemoryReplayGuard;
    /// use channel_auth::webhook::{sign_webhook, VerifiedWebhook};
    /// use channel_auth::{Credentials, Keyring};
    ///
    /// struct Counter(std::sync::Arc<AtomicUsize>);
    /// impl WebhookHandler for Counter {
    ///     async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
    ///         self.0.fetch_add(1, Ordering::SeqCst);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// let handled = std::sync::Arc::new(AtomicUsize::new(0));
    /// let endpoint = WebhookEndpoint::new(Keyring::new([creds.clone()]), Counter(handled.clone()))
    ///     .with_replay_guard(MemoryReplayGuard::new(100_000));
    ///
    /// let now_ms = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH)?.as_millis();
    /// let body = format!(r#"{{"time_ms":{now_ms},"events":[]}}"#);
    /// let signed = sign_webhook(&creds, body.as_bytes());
    /// let headers = [("X-Pusher-Key", "key"), ("X-Pusher-Signature", signed.signature())];
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// for _ in 0..3 {
    ///     let answer = runtime.block_on(endpoint.answer(&RequestView::new(&headers), body.as_bytes()));
    ///     assert_eq!(answer.status(), 200);
    /// }
    /// assert_eq!(handled.load(Ordering::SeqCst), 1); // delivered three times, handled once
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_replay_guard(self, guard: impl ReplayGuard + 'static) -> Self {
        Self { guard: Some(SharedGuard::new(guard)), ..self }
    }

    /// The same endpoint, accepting webhooks whose `time_ms` is less than `window` away
    /// from the clock (either way; [`Webhook::check_freshness`](crate::webhook::Webhook::check_freshness)'s
    /// rule). Keep it longer than the sender retries a delivery: Pusher retries for about
    /// five minutes.
    #[must_use]
    pub fn with_freshness_window(self, window: Duration) -> Self {
        Self { freshness: Freshness::Within(window), ..self }
    }

    /// The same endpoint, reading the time from `clock` instead of the system clock (a
    /// Worker's `Date::now()`, or a fixed time in tests).
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self { clock: Clock::Custom(Arc::new(clock)), ..self }
    }

    /// The same endpoint, letting the body take at most `timeout` to arrive (default
    /// [`DEFAULT_BODY_TIMEOUT`]).
    #[must_use]
    pub fn with_body_timeout(self, timeout: Duration) -> Self {
        Self { body_timeout: timeout, ..self }
    }

    /// **Dangerous:** the same endpoint, handing the handler every verified webhook
    /// however old. A webhook captured once (a proxy's log, a leaked request dump) then
    /// verifies forever: a `member_added` signed years ago replays today. Use it only
    /// when the handler itself refuses stale or repeated webhooks.
    #[must_use]
    pub fn dangerous_accept_stale_webhooks(self) -> Self {
        Self { freshness: Freshness::Unchecked, ..self }
    }

    /// `Err` with the answer when the webhook is stale or there is no clock to tell.
    fn check_fresh(&self, webhook: &crate::webhook::Webhook) -> Result<(), Answer> {
        let Freshness::Within(window) = self.freshness else { return Ok(()) };
        let Some(now) = self.clock.now() else {
            return Err(Answer::refuse(500, Refusal::Config(ConfigError::NoClock)));
        };
        webhook.check_freshness(now, window).map_err(|e| Answer::refuse(401, Refusal::Webhook(WebhookError::Verify(e))))
    }
}

/// The webhook's key and signature headers.
fn webhook_headers<'a>(request: &RequestView<'a>) -> Result<(&'a str, &'a str), RequestError> {
    let header = |name: &'static str| request.header(name).ok_or(RequestError::MissingHeader { name });
    Ok((header(PUSHER_KEY)?, header(PUSHER_SIGNATURE)?))
}

impl<H: WebhookHandler> Route for WebhookEndpoint<H> {
    fn max_body_len(&self) -> usize {
        MAX_WEBHOOK_BODY_LEN
    }

    fn body_timeout(&self) -> Duration {
        self.body_timeout
    }

    fn refuse_early(&self, request: &RequestView<'_>) -> Option<Answer> {
        match webhook_headers(request) {
            Ok(_) => refuse_declared_len(request, self.max_body_len()),
            Err(e) => Some(Answer::request_error(e)),
        }
    }

    async fn answer(&self, request: &RequestView<'_>, body: &[u8]) -> Answer {
        let record = Record::start(RouteName::Webhook);
        record.answered(self.verify_and_handle(request, body).await)
    }
}

impl<H: WebhookHandler> WebhookEndpoint<H> {
    /// [`Route::answer`], but for the `tracing` feature's record of it.
    async fn verify_and_handle(&self, request: &RequestView<'_>, body: &[u8]) -> Answer {
        if let Some(answer) = precheck(self, request, body) {
            return answer;
        }
        let (key, signature) = match webhook_headers(request) {
            Ok(pair) => pair,
            Err(e) => return Answer::request_error(e),
        };
        let verified = match verify_and_parse_webhook(&self.keyring, key, signature, body) {
            Ok(verified) => verified,
            Err(e) => {
                let status = if matches!(e, WebhookError::Verify(_)) { 401 } else { 400 };
                return Answer::refuse(status, Refusal::Webhook(e));
            }
        };
        if let Err(stale) = self.check_fresh(verified.webhook()) {
            return stale;
        }
        // Recorded before the handler runs (so concurrent deliveries are handled once),
        // forgotten again when the handler did not process it (so a retry is handled).
        let recorded = match &self.guard {
            None => None,
            Some(guard) => {
                let key = ReplayKey::of_webhook(&verified);
                let window = match self.freshness {
                    Freshness::Within(window) => window,
                    Freshness::Unchecked => DEFAULT_WEBHOOK_WINDOW,
                };
                match guard.first_seen(&key, webhook_ttl(window)).await {
                    Ok(true) => Some((guard, key)),
                    Ok(false) => return Answer::ok("{}".to_owned()),
                    Err(e) => return Answer::refuse(503, Refusal::Replay(e)),
                }
            }
        };
        match self.handler.handle(request, verified).await {
            Ok(()) => Answer::ok("{}".to_owned()),
            Err(e) => {
                if let Some((guard, key)) = recorded {
                    // Best effort: if the store is down now, the key expires by itself.
                    let _ = guard.forget(&key).await;
                }
                Answer::refuse(e.status(), Refusal::Handler(e))
            }
        }
    }
}
