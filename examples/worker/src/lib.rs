//! A Cloudflare Worker that authorizes Pusher channels and signs users in with
//! `channel-auth`'s framework-agnostic handler core: `POST /pusher/auth` and
//! `POST /pusher/user-auth`. Checked in CI with `cargo check --target
//! wasm32-unknown-unknown`; not deployed (deploy with `wrangler` as any Rust Worker).
//!
//! Configure `PUSHER_APP_KEY` (a var) and `PUSHER_APP_SECRET` (a secret). The policy is
//! the demo policy every example server shares (`examples/common/demo_policy.rs`): it
//! trusts an `X-User-Id` header, so anyone can claim to be anyone. With real
//! credentials that would sign any user's private channels for anybody, so the Worker
//! answers `500` to every request unless the var `CHANNEL_AUTH_DEMO_POLICY` is `1`: a
//! real Worker replaces `demo_policy::user_of` with its signed session cookie check.
//!
//! Bodies: a `Content-Length` over the route's limit is refused (`413`) before a byte is
//! read, and a body without one is read a chunk at a time and refused as soon as it
//! passes the limit. (The Workers runtime bounds a request's total time itself.)
//!
//! On `wasm32-unknown-unknown` the standard library has no clock (`SystemTime::now()`
//! panics) and no random source, and `channel-auth` reads neither: signing needs no
//! time and no randomness. Where an application needs them, the Worker provides them:
//! here the Web Crypto RNG (`crypto.getRandomValues`) makes the request id that refusals
//! are logged with.

use channel_auth::Credentials;
use channel_auth::integrations::RequestError;
use channel_auth::integrations::handler::{Answer, ChannelAuthEndpoint, RequestView, Route, UserAuthEndpoint};
use futures_util::StreamExt as _;
use worker::js_sys::{self, Function, Reflect, Uint8Array};
use worker::wasm_bindgen::JsCast;
use worker::{Context, Env, Headers, Method, Request, Response, Result, console_log, event};

#[path = "../../common/demo_policy.rs"]
mod demo_policy;

use demo_policy::DemoPolicy;

/// Set to `1` to run the header-trusting demo policy with these credentials.
const DEMO_POLICY_VAR: &str = "CHANNEL_AUTH_DEMO_POLICY";

fn log(args: std::fmt::Arguments<'_>) {
    console_log!("{}", args);
}

/// 16 bytes from the Worker's crypto RNG (`crypto.getRandomValues`), hex.
fn request_id() -> Result<String> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into())?;
    let get_random_values: Function = Reflect::get(&crypto, &"getRandomValues".into())?.dyn_into()?;
    let bytes = Uint8Array::new_with_length(16);
    get_random_values.call1(&crypto, &bytes)?;
    Ok(bytes.to_vec().iter().map(|b| format!("{b:02x}")).collect())
}

/// The body, at most `max` bytes: `Err` with the answer past it.
async fn read_body(req: &mut Request, max: usize) -> Result<std::result::Result<Vec<u8>, Answer>> {
    let too_large = || Answer::request_error(RequestError::BodyTooLarge { max });
    // No body at all (`stream` says so with an error): an empty one.
    let Ok(mut chunks) = req.stream() else { return Ok(Ok(Vec::new())) };
    let mut body = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > max {
            return Ok(Err(too_large()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(body))
}

/// Runs one endpoint: refuse on the headers (content type, declared length), read at
/// most its body limit, answer.
async fn serve<E: Route>(endpoint: &E, req: &mut Request) -> Result<Response> {
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let view = RequestView::new(&headers);
    let answer = match endpoint.refuse_early(&view) {
        Some(answer) => answer,
        None => match read_body(req, endpoint.max_body_len()).await? {
            Ok(body) => endpoint.answer(&view, &body).await,
            Err(refused) => refused,
        },
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
    if env.var(DEMO_POLICY_VAR).map(|v| v.to_string()).ok().as_deref() != Some("1") {
        console_log!("refusing: the demo policy trusts X-User-Id; set {DEMO_POLICY_VAR}=1 only for a demo");
        return Response::error("demo policy not enabled", 500);
    }
    let key = env.var("PUSHER_APP_KEY")?.to_string();
    let secret = env.secret("PUSHER_APP_SECRET")?.to_string();
    let credentials = Credentials::new(
        key.parse().map_err(|e| worker::Error::RustError(format!("PUSHER_APP_KEY: {e}")))?,
        secret.parse().map_err(|e| worker::Error::RustError(format!("PUSHER_APP_SECRET: {e}")))?,
    );
    let policy = DemoPolicy::new(log);
    match (req.method(), req.path().as_str()) {
        (Method::Post, "/pusher/auth") => serve(&ChannelAuthEndpoint::new(credentials, policy), &mut req).await,
        (Method::Post, "/pusher/user-auth") => serve(&UserAuthEndpoint::new(credentials, policy), &mut req).await,
        _ => Response::error("not found", 404),
    }
}
