//! What the two example auth servers (`auth_server` on axum, `auth_server_actix`) share
//! besides the policy: their configuration from the environment, the refusal to run the
//! header-trusting demo policy with real credentials, the webhook log, and a log line
//! writer that never blocks a request on the terminal.

// Shared by several examples (and tests): each uses part of it.
#![allow(dead_code)]

use std::fmt;
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use channel_auth::integrations::handler::{HandlerError, RequestView, WebhookHandler};
use channel_auth::webhook::{VerifiedWebhook, WebhookEvent};
use channel_auth::{AppSecret, ChannelName, Credentials, EncryptionMasterKey};

/// Pusher's documented example app (auth signatures page): PUBLIC, not a secret.
pub const DEMO_APP_ID: &str = "3";
/// The demo app's key: PUBLIC.
pub const DEMO_KEY: &str = "278d425bdf160c739803";
/// The demo app's secret: PUBLIC (printed in Pusher's documentation).
const DEMO_SECRET: &str = "7ad3773142a6692b25b8";
/// base64 of the 32 ASCII bytes `channel-auth public demo key 32b`: PUBLIC, not a secret.
const DEMO_MASTER_KEY_BASE64: &str = "Y2hhbm5lbC1hdXRoIHB1YmxpYyBkZW1vIGtleSAzMmI=";
/// The Faye security guide's example token key: PUBLIC.
const FAYE_GUIDE_KEY: &str = "your secret key";

/// Set to `1` to run the demo policy (which trusts `X-User-Id`) with credentials from
/// the environment.
pub const DEMO_POLICY_VAR: &str = "CHANNEL_AUTH_DEMO_POLICY";

/// A start-up error, printed before the server exits with status 2.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Writes one log line, `auth_server: <line>`, without waiting for the terminal: the
/// line is appended to a buffer that a writer thread hands to stdout every few
/// milliseconds, in one write. Under load a request pays for formatting its line, not
/// for a `write` system call or a thread wake-up.
pub fn log_line(args: fmt::Arguments<'_>) {
    thread_local! {
        /// This thread's line, formatted before the shared buffer is locked.
        static LINE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let behind = LINE.with_borrow_mut(|line| {
        line.clear();
        let _ = writeln!(line, "auth_server: {args}");
        let mut pending = lock(&log().pending);
        pending.extend_from_slice(line);
        pending.len() >= MAX_PENDING
    });
    // Back-pressure: when the writer falls this far behind, the logger writes itself.
    if behind {
        write_pending();
    }
}

/// Writes every line logged so far: call before exiting.
pub fn flush_log() {
    write_pending();
}

/// How far the writer may fall behind before [`log_line`] writes itself.
const MAX_PENDING: usize = 4 * 1024 * 1024;
/// How often the writer thread writes what has been logged.
const WRITE_EVERY: Duration = Duration::from_millis(20);

/// The lines logged and not yet written, and the right to write them: whoever writes
/// holds `writing` from taking the lines until they are out, so lines leave in order.
struct Log {
    pending: Mutex<Vec<u8>>,
    writing: Mutex<Vec<u8>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The log, its writer thread started on first use.
fn log() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(|| {
        // If the thread cannot start, lines still go out: through MAX_PENDING and flush_log.
        let _ = std::thread::Builder::new().name("log".to_owned()).spawn(|| {
            loop {
                std::thread::sleep(WRITE_EVERY);
                write_pending();
            }
        });
        Log { pending: Mutex::new(Vec::with_capacity(64 * 1024)), writing: Mutex::new(Vec::with_capacity(64 * 1024)) }
    })
}

/// Takes what is pending and writes it to stdout (loggers wait only for the swap).
fn write_pending() {
    let log = log();
    let mut batch = lock(&log.writing);
    std::mem::swap(&mut *lock(&log.pending), &mut *batch);
    if !batch.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        batch.clear();
    }
}

/// [`log_line`] with `format!` syntax (`log_line` must be in scope where it is used).
macro_rules! log {
    ($($arg:tt)*) => { log_line(format_args!($($arg)*)) };
}

/// Where the credentials came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `PUSHER_APP_KEY`/`PUSHER_APP_SECRET` unset: the public demo app.
    Demo,
    /// From the environment.
    Environment,
}

/// `PORT`, default 3000.
///
/// # Errors
/// `PORT` is set but not a port number.
pub fn port() -> Result<u16, Error> {
    match std::env::var("PORT") {
        Ok(p) => Ok(p.parse().map_err(|_| format!("PORT is not a port number: {p:?}"))?),
        Err(_) => Ok(3000),
    }
}

/// Credentials from the environment, or the public demo app (announced loudly).
///
/// With credentials from the environment the demo policy, which believes any
/// `X-User-Id` header, would sign real users' channels for anyone: the server refuses
/// to start unless [`DEMO_POLICY_VAR`] is `1`.
///
/// # Errors
/// A variable that does not parse, only one of key and secret, or real credentials
/// without [`DEMO_POLICY_VAR`].
pub fn credentials() -> Result<(Credentials, Origin), Error> {
    credentials_from(|name| std::env::var(name).ok())
}

/// [`credentials`] from any variable lookup (the tests' fake environment).
///
/// # Errors
/// As [`credentials`].
pub fn credentials_from(var: impl Fn(&str) -> Option<String>) -> Result<(Credentials, Origin), Error> {
    let (creds, app_id, master, origin) = match (var("PUSHER_APP_KEY"), var("PUSHER_APP_SECRET")) {
        (Some(key), Some(secret)) => {
            if var(DEMO_POLICY_VAR).as_deref() != Some("1") {
                return Err(format!(
                    "refusing to start: PUSHER_APP_KEY/PUSHER_APP_SECRET are set, and this example's demo policy \
                     believes any X-User-Id header, so anyone could join any user's private channels with your \
                     credentials. Put your own session check in the policy, or set {DEMO_POLICY_VAR}=1 to run \
                     the demo policy anyway (tests only)"
                )
                .into());
            }
            let creds = Credentials::new(key.parse()?, secret.parse()?);
            (creds, var("PUSHER_APP_ID"), var("PUSHER_ENCRYPTION_MASTER_KEY_BASE64"), Origin::Environment)
        }
        (None, None) => {
            log!("*** PUSHER_APP_KEY/PUSHER_APP_SECRET unset: using the PUBLIC DEMO APP ***");
            log!("*** app id {DEMO_APP_ID}, key {DEMO_KEY}: Pusher's documented example app ***");
            log!("*** its secret and demo master key are published (examples/common/demo_server.rs):");
            log!("*** anyone can sign with them. Demo only, never in production. ***");
            let creds = Credentials::new(DEMO_KEY.parse()?, DEMO_SECRET.parse()?);
            (creds, Some(DEMO_APP_ID.to_owned()), Some(DEMO_MASTER_KEY_BASE64.to_owned()), Origin::Demo)
        }
        _ => return Err("set both PUSHER_APP_KEY and PUSHER_APP_SECRET, or neither".into()),
    };
    if origin == Origin::Environment {
        log!("*** {DEMO_POLICY_VAR}=1: the demo policy (X-User-Id) runs with credentials from the environment ***");
    }
    let creds = match app_id {
        Some(id) => creds.with_app_id(id.parse()?),
        None => creds,
    };
    let creds = match master {
        Some(b64) => creds.with_encryption_master_key(EncryptionMasterKey::from_base64(&b64)?),
        None => {
            log!("no PUSHER_ENCRYPTION_MASTER_KEY_BASE64: private-encrypted channels answer 500");
            creds
        }
    };
    let app = creds.app_id().map(|id| format!(", app id {id}")).unwrap_or_default();
    log!("app key {}{app}", creds.key());
    Ok((creds, origin))
}

/// The Faye token key: `FAYE_SECRET`; unset, the guide's PUBLIC example key with the
/// demo app only, and no Faye route (`None`) with real credentials.
///
/// # Errors
/// `FAYE_SECRET` is set but not a valid secret.
pub fn faye_secret(origin: Origin) -> Result<Option<AppSecret>, Error> {
    faye_secret_from(|name| std::env::var(name).ok(), origin)
}

/// [`faye_secret`] from any variable lookup (the tests' fake environment).
///
/// # Errors
/// As [`faye_secret`].
pub fn faye_secret_from(var: impl Fn(&str) -> Option<String>, origin: Origin) -> Result<Option<AppSecret>, Error> {
    match (var("FAYE_SECRET"), origin) {
        (Some(secret), _) => Ok(Some(secret.parse().map_err(|e| format!("FAYE_SECRET: {e}"))?)),
        (None, Origin::Demo) => {
            log!("*** FAYE_SECRET unset: Faye tokens use the Faye guide's PUBLIC example key (demo app only) ***");
            Ok(Some(FAYE_GUIDE_KEY.parse()?))
        }
        (None, Origin::Environment) => {
            log!("FAYE_SECRET unset: no POST /faye/token (the guide's public key is for the demo app only)");
            Ok(None)
        }
    }
}

/// The verified, fresh webhook events: logged one line each, and kept (the last
/// [`WebhookLog::KEEP`]) for `GET /pusher/webhook/events`.
#[derive(Clone, Default)]
pub struct WebhookLog(Arc<Mutex<Vec<serde_json::Value>>>);

impl WebhookLog {
    /// How many events are kept.
    pub const KEEP: usize = 1000;

    /// The kept events, oldest first.
    pub fn snapshot(&self) -> Vec<serde_json::Value> {
        self.0.lock().map(|events| events.clone()).unwrap_or_default()
    }
}

impl WebhookHandler for WebhookLog {
    async fn handle(&self, _request: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        let webhook = webhook.into_webhook();
        let mut events = self.0.lock().map_err(|_| HandlerError::retry_later("event log poisoned"))?;
        for event in webhook.events() {
            let name = event.name();
            let channel = event.channel().map_or("-", ChannelName::as_str);
            let user_id = match event {
                WebhookEvent::MemberAdded { user_id, .. } | WebhookEvent::MemberRemoved { user_id, .. } => {
                    Some(user_id)
                }
                WebhookEvent::ClientEvent { user_id, .. } => user_id.as_ref(),
                _ => None,
            };
            // Names and user ids come from the (verified) sender: printed escaped, so
            // they cannot forge log lines.
            match user_id {
                Some(user) => log!("webhook {name:?} channel={channel} user_id={user:?}"),
                None => log!("webhook {name:?} channel={channel}"),
            }
            if events.len() >= Self::KEEP {
                events.remove(0);
            }
            events.push(serde_json::json!({ "name": name, "channel": channel, "user_id": user_id }));
        }
        Ok(())
    }
}
