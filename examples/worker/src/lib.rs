//! A Cloudflare Worker that authorizes Pusher channels and signs users in with
//! `channel-auth`'s framework-agnostic handler core: `POST /pusher/auth` and
//! `POST /pusher/user-auth`. Checked in CI with `cargo check --target
//! wasm32-unknown-unknown`; not deployed (deploy with `wrangler` as any Rust Worker).
//!
//! Configure `PUSHER_APP_KEY` (a var) and `PUSHER_APP_SECRET` (a secret). The demo trusts
//! an `X-Session: <user id>.<expiry, Unix ms>` header; a real Worker checks its signed
//! session cookie in `session_user` instead.
//!
//! On `wasm32-unknown-unknown` the standard library has no clock (`SystemTime::now()`
//! panics) and no random source, and `channel-auth` reads neither: signing needs no
//! time and no randomness. Where an application needs them, the Worker provides them:
//! here the clock (`Date::now()`) checks the session's expiry, and the Web Crypto RNG
//! (`crypto.getRandomValues`) makes the request id that refusals are logged with.

use channel_auth::integrations::handler::{
    Answer, ChannelAuthEndpoint, ChannelAuthorizer, Decision, Endpoint, RequestView, UserAuthEndpoint,
    UserAuthenticator,
};
use channel_auth::{ChannelKind, ChannelName, Credentials, PresenceMember, SocketId, UserData, UserId};
use worker::js_sys::{self, Function, Reflect, Uint8Array};
use worker::wasm_bindgen::JsCast;
use worker::{console_log, event, Context, Date, Env, Headers, Method, Request, Response, Result};

/// The user a request speaks for, if its session has not expired by the Worker's clock.
fn session_user(request: &RequestView<'_>) -> Option<UserId> {
    let (user, expires_ms) = request.header("x-session")?.rsplit_once('.')?;
    let expires_ms: u64 = expires_ms.parse().ok()?;
    (Date::now().as_millis() < expires_ms).then(|| user.parse().ok()).flatten()
}

/// The demo's policy: a signed-in user may join the channels that contain their id.
struct Policy;

impl ChannelAuthorizer for Policy {
    async fn authorize(&self, request: &RequestView<'_>, _socket: &SocketId, channel: &ChannelName) -> Decision {
        let Some(user) = session_user(request) else { return Decision::Deny };
        if !channel.as_str().contains(user.as_str()) {
            return Decision::Deny;
        }
        match channel.kind() {
            ChannelKind::Presence => PresenceMember::new(user, None).map_or(Decision::Deny, Decision::AllowAsMember),
            _ => Decision::Allow,
        }
    }
}

impl UserAuthenticator for Policy {
    async fn authenticate(&self, request: &RequestView<'_>, _socket: &SocketId) -> Option<UserData> {
        session_user(request).map(UserData::new)
    }
}

/// 16 bytes from the Worker's crypto RNG (`crypto.getRandomValues`), hex.
fn request_id() -> Result<String> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into())?;
    let get_random_values: Function = Reflect::get(&crypto, &"getRandomValues".into())?.dyn_into()?;
    let bytes = Uint8Array::new_with_length(16);
    get_random_values.call1(&crypto, &bytes)?;
    Ok(bytes.to_vec().iter().map(|b| format!("{b:02x}")).collect())
}

/// Runs one endpoint: refuse on the headers, read at most its body limit, answer.
async fn serve<E: Endpoint>(endpoint: &E, req: &mut Request) -> Result<Response> {
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let view = RequestView::new(&headers);
    let answer = match endpoint.refuse_early(&view) {
        Some(answer) => answer,
        None => endpoint.answer(&view, &req.bytes().await?).await,
    };
    respond(answer)
}

fn respond(answer: Answer) -> Result<Response> {
    if let Some(refusal) = answer.refusal() {
        console_log!("refused {} ({}): {:?}", answer.status(), request_id()?, refusal);
    }
    let headers = Headers::new();
    for (name, value) in answer.headers() {
        headers.set(name, value)?;
    }
    let status = answer.status();
    Ok(Response::from_bytes(answer.into_body().into_bytes())?.with_status(status).with_headers(headers))
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let key = env.var("PUSHER_APP_KEY")?.to_string();
    let secret = env.secret("PUSHER_APP_SECRET")?.to_string();
    let credentials = Credentials::new(
        key.parse().map_err(|e| worker::Error::RustError(format!("PUSHER_APP_KEY: {e}")))?,
        secret.parse().map_err(|e| worker::Error::RustError(format!("PUSHER_APP_SECRET: {e}")))?,
    );
    match (req.method(), req.path().as_str()) {
        (Method::Post, "/pusher/auth") => serve(&ChannelAuthEndpoint::new(credentials, Policy), &mut req).await,
        (Method::Post, "/pusher/user-auth") => serve(&UserAuthEndpoint::new(credentials, Policy), &mut req).await,
        _ => Response::error("not found", 404),
    }
}
