//! The main job on actix-web: the same Pusher Channels auth server as
//! `examples/auth_server.rs` (axum), with the same routes, demo policy, credentials and
//! answers.
//!
//! ```text
//! cargo run --example auth_server_actix --features actix-web
//! ```
//!
//! Serves on `127.0.0.1:$PORT` (default 3000):
//!
//! | route | what |
//! |---|---|
//! | `POST /pusher/auth` | channel authorization (pusher-js `channelAuthorization`) |
//! | `POST /pusher/batch-auth` | batch channel authorization (`pusher-js-auth` plugin) |
//! | `POST /pusher/user-auth` | user sign-in (pusher-js `userAuthentication`) |
//! | `POST /pusher/webhook` | webhooks: `401` unless signed with the app's secret |
//! | `GET /pusher/webhook/events` | the verified webhook events as JSON, only with `AUTH_SERVER_EXPOSE_WEBHOOKS=1` (for tests) |
//!
//! Credentials come from `PUSHER_APP_KEY`, `PUSHER_APP_SECRET` (and optionally
//! `PUSHER_APP_ID`, `PUSHER_ENCRYPTION_MASTER_KEY_BASE64`). With none of them set, it
//! uses a demo app whose key, secret and master key are PUBLIC (printed in Pusher's
//! documentation and in this file): never use them for anything real.
//!
//! The demo policy trusts an `X-User-Id` request header; a user may join `private-`,
//! `private-encrypted-` and `presence-` channels whose name contains their id, and joins
//! presence channels as the member with that id. A real application checks its session
//! instead, in `DemoPolicy` below (with `route_with_context`, what actix-web middleware
//! put in the request's extensions reaches it).
//!
//! One line is logged per decision and per verified webhook event (name and channel);
//! secrets and signatures are never logged. Ctrl-C or SIGTERM stops it gracefully
//! (actix-web's own signal handling).

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use actix_web::dev::Service as _;
use actix_web::{web, App, HttpResponse, HttpServer};
use channel_auth::integrations::actix_web::{
    batch_channel_auth, channel_auth, user_auth, webhook, ChannelAuthorizer, Decision, HandlerError, RequestView,
    UserAuthenticator, WebhookHandler,
};
use channel_auth::integrations::RequestError;
use channel_auth::{
    ChannelKind, ChannelName, Credentials, EncryptionMasterKey, Keyring, PresenceMember, SocketId, UserData, UserId,
    VerifiedWebhook, WebhookError, WebhookEvent,
};

/// Pusher's documented example app (auth signatures page): PUBLIC, not a secret.
const DEMO_APP_ID: &str = "3";
const DEMO_KEY: &str = "278d425bdf160c739803";
const DEMO_SECRET: &str = "7ad3773142a6692b25b8";
/// base64 of the 32 ASCII bytes `channel-auth public demo key 32b`: PUBLIC, not a secret.
const DEMO_MASTER_KEY_BASE64: &str = "Y2hhbm5lbC1hdXRoIHB1YmxpYyBkZW1vIGtleSAzMmI=";

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    match actix_web::rt::System::new().block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("auth_server: error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Error> {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().map_err(|_| format!("PORT is not a port number: {p:?}"))?,
        Err(_) => 3000,
    };
    let credentials = credentials()?;
    let expose_webhooks = std::env::var("AUTH_SERVER_EXPOSE_WEBHOOKS").is_ok_and(|v| v == "1");
    if expose_webhooks {
        println!("auth_server: AUTH_SERVER_EXPOSE_WEBHOOKS=1: GET /pusher/webhook/events lists received events");
    }
    let events = WebhookLog::default();

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    // The factory runs once per worker thread; every worker shares the one event log.
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .route("/pusher/auth", channel_auth(credentials.clone(), DemoPolicy))
            .route("/pusher/batch-auth", batch_channel_auth(credentials.clone(), DemoPolicy))
            .route("/pusher/user-auth", user_auth(credentials.clone(), DemoPolicy))
            .route("/pusher/webhook", webhook(Keyring::new([credentials.clone()]), events.clone()));
        if expose_webhooks {
            // For tests only: who may read this list is not checked.
            let events = events.clone();
            app = app.route(
                "/pusher/webhook/events",
                web::get().to(move || {
                    let body = serde_json::Value::Array(events.snapshot()).to_string();
                    async move { HttpResponse::Ok().content_type("application/json").body(body) }
                }),
            );
        }
        // One log line for each refusal the policy never saw.
        app.wrap_fn(|request, service| {
            let method = request.method().clone();
            let path = request.path().to_owned();
            let response = service.call(request);
            async move {
                let response = response.await?;
                log_refusal(&method, &path, response.response());
                Ok(response)
            }
        })
    })
    .workers(2)
    .bind(addr)
    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("auth_server: listening on http://{addr} (actix-web)");
    server.run().await?;
    println!("auth_server: stopped");
    Ok(())
}

/// Credentials from the environment, or the public demo app (announced loudly).
fn credentials() -> Result<Credentials, Error> {
    let key = std::env::var("PUSHER_APP_KEY").ok();
    let secret = std::env::var("PUSHER_APP_SECRET").ok();
    let (creds, app_id, master) = match (key, secret) {
        (Some(key), Some(secret)) => {
            let creds = Credentials::new(key.parse()?, secret.parse()?);
            let master = std::env::var("PUSHER_ENCRYPTION_MASTER_KEY_BASE64").ok();
            (creds, std::env::var("PUSHER_APP_ID").ok(), master)
        }
        (None, None) => {
            println!("auth_server: *** PUSHER_APP_KEY/PUSHER_APP_SECRET unset: using the PUBLIC DEMO APP ***");
            println!("auth_server: *** app id {DEMO_APP_ID}, key {DEMO_KEY}: Pusher's documented example app ***");
            println!("auth_server: *** its secret and demo master key are published (examples/auth_server.rs):");
            println!("auth_server: *** anyone can sign with them. Demo only, never in production. ***");
            let creds = Credentials::new(DEMO_KEY.parse()?, DEMO_SECRET.parse()?);
            (creds, Some(DEMO_APP_ID.to_owned()), Some(DEMO_MASTER_KEY_BASE64.to_owned()))
        }
        _ => return Err("set both PUSHER_APP_KEY and PUSHER_APP_SECRET, or neither".into()),
    };
    let creds = match app_id {
        Some(id) => creds.with_app_id(id.parse()?),
        None => creds,
    };
    let creds = match master {
        Some(b64) => creds.with_encryption_master_key(EncryptionMasterKey::from_base64(&b64)?),
        None => {
            println!("auth_server: no PUSHER_ENCRYPTION_MASTER_KEY_BASE64: private-encrypted channels answer 500");
            creds
        }
    };
    println!(
        "auth_server: app key {}{}",
        creds.key(),
        creds.app_id().map(|id| format!(", app id {id}")).unwrap_or_default()
    );
    Ok(creds)
}

/// The demo's decision: trusts `X-User-Id`. REAL APPS CHECK THEIR SESSION HERE.
#[derive(Clone, Copy)]
struct DemoPolicy;

/// The user the request speaks for. A real app reads its session: a cookie in
/// `request.header(..)`, or (with `route_with_context`) what its session middleware put
/// in the request, `request.context::<…>()`.
fn user_of(request: &RequestView<'_>) -> Result<UserId, &'static str> {
    let text = request.header("x-user-id").ok_or("no visible-ASCII X-User-Id header")?;
    text.parse().map_err(|_| "X-User-Id is not a valid user id")
}

impl ChannelAuthorizer for DemoPolicy {
    async fn authorize(&self, request: &RequestView<'_>, socket_id: &SocketId, channel: &ChannelName) -> Decision {
        let (decision, user, why) = match user_of(request) {
            Err(why) => (Decision::Deny, None, why),
            Ok(user) if !channel.as_str().contains(user.as_str()) => {
                (Decision::Deny, Some(user), "channel name does not contain the user id")
            }
            Ok(user) => match channel.kind() {
                ChannelKind::Presence => {
                    let info = serde_json::json!({ "name": user.as_str() });
                    match PresenceMember::new(user.clone(), Some(info)) {
                        Ok(member) => (Decision::AllowAsMember(member), Some(user), "member of the presence channel"),
                        Err(_) => (Decision::Deny, Some(user), "member data too long"),
                    }
                }
                ChannelKind::Private | ChannelKind::PrivateEncrypted => {
                    (Decision::Allow, Some(user), "the channel name contains the user id")
                }
                _ => (Decision::Deny, Some(user), "not an authorizable channel"),
            },
        };
        let verdict = if decision == Decision::Deny { "deny" } else { "allow" };
        println!(
            "auth_server: channel {verdict} user={} socket={socket_id} channel={channel} ({why})",
            user.as_ref().map_or("-", UserId::as_str)
        );
        decision
    }
}

impl UserAuthenticator for DemoPolicy {
    async fn authenticate(&self, request: &RequestView<'_>, socket_id: &SocketId) -> Option<UserData> {
        match user_of(request) {
            Ok(user) => {
                println!("auth_server: signin allow user={user} socket={socket_id}");
                Some(UserData::new(user.clone()).with_user_info(serde_json::json!({ "name": user.as_str() })))
            }
            Err(why) => {
                println!("auth_server: signin deny socket={socket_id} ({why})");
                None
            }
        }
    }
}

/// The verified webhook events: logged one line each, and kept (the last
/// [`WebhookLog::KEEP`]) for `GET /pusher/webhook/events`.
#[derive(Clone, Default)]
struct WebhookLog(Arc<Mutex<Vec<serde_json::Value>>>);

impl WebhookLog {
    const KEEP: usize = 1000;

    fn snapshot(&self) -> Vec<serde_json::Value> {
        self.0.lock().map(|events| events.clone()).unwrap_or_default()
    }
}

impl WebhookHandler for WebhookLog {
    async fn handle(&self, _request: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        let webhook = webhook.into_webhook();
        let mut events = self.0.lock().map_err(|_| HandlerError::new("event log poisoned"))?;
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
                Some(user) => println!("auth_server: webhook {name:?} channel={channel} user_id={user:?}"),
                None => println!("auth_server: webhook {name:?} channel={channel}"),
            }
            if events.len() >= Self::KEEP {
                events.remove(0);
            }
            events.push(serde_json::json!({ "name": name, "channel": channel, "user_id": user_id }));
        }
        Ok(())
    }
}

/// Logs a request refused before any decision (hostile body: 400, oversized: 413, wrong
/// content type: 415, bad webhook signature: 401, unknown route: 404): one line.
fn log_refusal(method: &actix_web::http::Method, path: &str, response: &HttpResponse) {
    let status = response.status();
    if status.is_client_error() && status != actix_web::http::StatusCode::FORBIDDEN || status.is_server_error() {
        // The routes attach the typed reason of a refusal; it quotes at most one escaped
        // character of the input.
        let extensions = response.extensions();
        if let Some(reason) = extensions.get::<RequestError>() {
            println!("auth_server: refused {method} {path} -> {status} ({reason})");
        } else if let Some(reason) = extensions.get::<WebhookError>() {
            println!("auth_server: refused {method} {path} -> {status} (webhook: {reason})");
        } else if let Some(reason) = extensions.get::<HandlerError>() {
            println!("auth_server: refused {method} {path} -> {status} ({reason})");
        } else {
            println!("auth_server: refused {method} {path} -> {status}");
        }
    }
}
