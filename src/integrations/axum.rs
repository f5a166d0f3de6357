//! [axum] 0.8 handlers for a Pusher auth backend (cargo feature `axum`).
//!
//! The library parses, signs and answers; the application decides. It implements
//! [`ChannelAuthorizer`] ("may this request's user join this channel, and as which
//! presence member?") and [`UserAuthenticator`] ("who is signing in?"), seeing the
//! request's [`Parts`] (headers, and extensions where session middleware puts its
//! data) and the already validated names. Each route function returns a
//! [`MethodRouter`] to mount wherever the application likes.
//!
//! | route function | answers |
//! |---|---|
//! | [`channel_auth`] | `200` [`ChannelAuth`] JSON, `403` denied, `400` hostile or unauthorizable |
//! | [`batch_channel_auth`] | `200` `{"<channel>":{"status":200,"data":{…}},"<other>":{"status":403}}` (`pusher-js-auth`), `400` hostile |
//! | [`user_auth`] | `200` [`UserAuth`](crate::UserAuth) JSON, `403` denied, `400` hostile |
//! | [`webhook`] | `200` once the [`WebhookHandler`] ran; `401` bad or missing signature, `400` a verified body that does not parse |
//!
//! Every refusal is JSON `{"error":"<reason>"}`, the reason being a typed error's
//! message ([`RequestError`], [`AuthError`]): never a secret or a signature. A hostile
//! body is refused before the application is asked, so nothing is signed for it; that
//! `400` (or `413`) response also carries the [`RequestError`] in its extensions, for
//! logging middleware.
//!
//! # Slow clients: deploy with timeouts and a connection limit
//!
//! The body limits count bytes read, so a client that announces
//! `Content-Length: 100000000` and sends 13 bytes keeps its handler waiting for the
//! rest. `axum::serve` alone has no request timeout and no connection limit: give every
//! deployment (1) a request timeout that covers reading the body (a `from_fn`
//! middleware wrapping `next.run` in `tokio::time::timeout`, or `tower-http`'s
//! `TimeoutLayer`), (2) a connection lifetime or header-read timeout, (3) a cap on open
//! connections; or put a reverse proxy with those limits in front.
//! `examples/auth_server.rs` does all three with tokio and axum alone (10 s, 60 s,
//! 1,024), and `tests/slow_clients.rs` checks them.
//!
//! ```
//! use axum::http::request::Parts;
//! use axum::Router;
//! use channel_auth::integrations::axum::{channel_auth, user_auth, ChannelAuthorizer, Decision, UserAuthenticator};
//! use channel_auth::{ChannelKind, ChannelName, Credentials, PresenceMember, SocketId, UserData, UserId};
//!
//! /// Trusts an `X-User-Id` header: a real app reads its session here instead.
//! #[derive(Clone)]
//! struct Policy;
//!
//! fn user(parts: &Parts) -> Option<UserId> {
//!     parts.headers.get("x-user-id")?.to_str().ok()?.parse().ok()
//! }
//!
//! impl ChannelAuthorizer for Policy {
//!     async fn authorize(&self, parts: &Parts, _socket: &SocketId, channel: &ChannelName) -> Decision {
//!         let Some(id) = user(parts) else { return Decision::Deny };
//!         match channel.kind() {
//!             ChannelKind::Presence => match PresenceMember::new(id, None) {
//!                 Ok(member) => Decision::AllowAsMember(member),
//!                 Err(_) => Decision::Deny,
//!             },
//!             _ => Decision::Allow,
//!         }
//!     }
//! }
//!
//! impl UserAuthenticator for Policy {
//!     async fn authenticate(&self, parts: &Parts, _socket: &SocketId) -> Option<UserData> {
//!         user(parts).map(UserData::new)
//!     }
//! }
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let app: Router = Router::new()
//!     .route("/pusher/auth", channel_auth(creds.clone(), Policy))
//!     .route("/pusher/user-auth", user_auth(creds, Policy));
//! # let _ = app;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{post, MethodRouter};

use super::{BatchAuthRequest, ChannelAuthRequest, RequestError, UserAuthRequest};
use crate::channel::{sign_channel_auth, sign_presence_auth, ChannelAuth, PresenceMember};
use crate::credentials::{Credentials, Keyring};
use crate::error::{AuthError, WebhookError};
use crate::names::{ChannelKind, ChannelName, SocketId};
use crate::user::{sign_user_auth, UserData};
use crate::webhook::{verify_and_parse_webhook, VerifiedWebhook};

/// The most bytes of webhook body [`webhook`] reads.
pub const MAX_WEBHOOK_BODY_LEN: usize = 1024 * 1024;

/// The header that names the app key of a webhook.
const PUSHER_KEY: &str = "X-Pusher-Key";
/// The header that carries a webhook's signature.
const PUSHER_SIGNATURE: &str = "X-Pusher-Signature";

/// The application's answer to "may this request join this channel?".
///
/// ```
/// use channel_auth::integrations::axum::Decision;
/// use channel_auth::PresenceMember;
///
/// let member = PresenceMember::new("alice".parse()?, None)?;
/// let decisions = [Decision::Deny, Decision::Allow, Decision::AllowAsMember(member)];
/// assert_eq!(decisions.len(), 3);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Refuse: the answer is `403`.
    Deny,
    /// Allow a `private-` or `private-encrypted-` channel.
    Allow,
    /// Allow a `presence-` channel, as this member.
    AllowAsMember(PresenceMember),
}

/// Decides who may join which channel. Implement it with `async fn`.
///
/// The handler asks only after the body parsed into valid names, and only for channels
/// that can be authorized (`private-`, `private-encrypted-`, `presence-`). Answer
/// [`Decision::AllowAsMember`] for a `presence-` channel and [`Decision::Allow`] for the
/// others: a mismatch is the application's bug and is answered `500`, nothing signed.
///
/// ```
/// use axum::http::request::Parts;
/// use channel_auth::integrations::axum::{ChannelAuthorizer, Decision};
/// use channel_auth::{ChannelName, SocketId};
///
/// /// Lets everyone into `private-public-*`, nobody elsewhere.
/// struct OpenRooms;
///
/// impl ChannelAuthorizer for OpenRooms {
///     async fn authorize(&self, _parts: &Parts, _socket: &SocketId, channel: &ChannelName) -> Decision {
///         if channel.as_str().starts_with("private-public-") { Decision::Allow } else { Decision::Deny }
///     }
/// }
/// ```
pub trait ChannelAuthorizer: Send + Sync + 'static {
    /// The decision for one channel. `parts` are the request's method, URI, headers and
    /// extensions (where session middleware leaves its data).
    fn authorize(
        &self,
        parts: &Parts,
        socket_id: &SocketId,
        channel: &ChannelName,
    ) -> impl Future<Output = Decision> + Send;
}

/// Decides who a signing-in socket is: `Some(user data)` signs it in, `None` answers
/// `403`. Implement it with `async fn`.
///
/// ```
/// use axum::http::request::Parts;
/// use channel_auth::integrations::axum::UserAuthenticator;
/// use channel_auth::{SocketId, UserData};
///
/// struct Nobody;
///
/// impl UserAuthenticator for Nobody {
///     async fn authenticate(&self, _parts: &Parts, _socket: &SocketId) -> Option<UserData> {
///         None
///     }
/// }
/// ```
pub trait UserAuthenticator: Send + Sync + 'static {
    /// The signed-in user's data, or `None` to refuse.
    fn authenticate(&self, parts: &Parts, socket_id: &SocketId) -> impl Future<Output = Option<UserData>> + Send;
}

/// Receives verified webhooks. Implement it with `async fn`.
///
/// It is called only for a body whose `X-Pusher-Signature` verified against the
/// [`Keyring`] and that parsed into typed events; the answer is then `200`. To refuse
/// stale webhooks, check [`Webhook::check_freshness`](crate::Webhook::check_freshness)
/// here.
///
/// ```
/// use axum::http::request::Parts;
/// use channel_auth::integrations::axum::WebhookHandler;
/// use channel_auth::VerifiedWebhook;
///
/// struct Printer;
///
/// impl WebhookHandler for Printer {
///     async fn handle(&self, _parts: &Parts, webhook: VerifiedWebhook<'_>) {
///         for event in webhook.webhook().events() {
///             println!("{} {:?}", event.name(), event.channel().map(|c| c.as_str()));
///         }
///     }
/// }
/// ```
pub trait WebhookHandler: Send + Sync + 'static {
    /// Handles one verified webhook (its events, and the credentials that signed it).
    fn handle(&self, parts: &Parts, webhook: VerifiedWebhook<'_>) -> impl Future<Output = ()> + Send;
}

/// `POST` route that receives Pusher (or soketi) webhooks.
///
/// Verifies `X-Pusher-Key` and `X-Pusher-Signature` over the raw body bytes (at most
/// [`MAX_WEBHOOK_BODY_LEN`]) against `keyring`, never a re-serialization, then parses the
/// typed events and hands them to `handler`. Answers `200` `{}` after the handler ran,
/// `401` `{"error":…}` for a missing header or a signature that does not verify (the body
/// is then not parsed), `400` for a verified body that does not parse (the
/// [`WebhookError`] says which event and field), `413` for an oversized body. Refusals
/// carry their typed error ([`RequestError`] or [`WebhookError`]) in the response's
/// extensions, for logging middleware.
///
/// ```
/// use axum::http::request::Parts;
/// use axum::Router;
/// use channel_auth::integrations::axum::{webhook, WebhookHandler};
/// use channel_auth::{Credentials, Keyring, VerifiedWebhook};
///
/// struct Ignore;
/// impl WebhookHandler for Ignore {
///     async fn handle(&self, _: &Parts, _: VerifiedWebhook<'_>) {}
/// }
///
/// let ring = Keyring::new([Credentials::new("key".parse()?, "secret".parse()?)]);
/// let app: Router = Router::new().route("/pusher/webhook", webhook(ring, Ignore));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn webhook<H, S>(keyring: Keyring, handler: H) -> MethodRouter<S>
where
    H: WebhookHandler,
    S: Clone + Send + Sync + 'static,
{
    let shared = Arc::new((keyring, handler));
    post(move |request: Request| {
        let shared = Arc::clone(&shared);
        async move { webhook_response(&shared.0, &shared.1, request).await }
    })
}

/// Answers one webhook delivery: what the [`webhook`] route runs.
///
/// ```
/// use axum::extract::Request;
/// use axum::http::request::Parts;
/// use axum::http::StatusCode;
/// use channel_auth::integrations::axum::{webhook_response, WebhookHandler};
/// use channel_auth::{sign_webhook, Credentials, Keyring, VerifiedWebhook};
///
/// struct Ignore;
/// impl WebhookHandler for Ignore {
///     async fn handle(&self, _: &Parts, _: VerifiedWebhook<'_>) {}
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let body = r#"{"time_ms":1,"events":[{"name":"channel_occupied","channel":"private-a"}]}"#;
/// let signed = sign_webhook(&creds, body.as_bytes());
/// let ring = Keyring::new([creds]);
///
/// let good = Request::post("/")
///     .header("X-Pusher-Key", "key")
///     .header("X-Pusher-Signature", signed.signature())
///     .body(body.into())?;
/// assert_eq!(webhook_response(&ring, &Ignore, good).await.status(), StatusCode::OK);
///
/// let unsigned = Request::post("/").header("X-Pusher-Key", "key").body(body.into())?;
/// assert_eq!(webhook_response(&ring, &Ignore, unsigned).await.status(), StatusCode::UNAUTHORIZED);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn webhook_response<H: WebhookHandler>(keyring: &Keyring, handler: &H, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Looked up case-insensitively; a value that is not visible ASCII counts as missing.
    let header = |name: &'static str| {
        parts.headers.get(name).and_then(|v| v.to_str().ok()).ok_or(RequestError::MissingHeader { name })
    };
    let (key, signature) = match (header(PUSHER_KEY), header(PUSHER_SIGNATURE)) {
        (Ok(key), Ok(signature)) => (key, signature),
        (Err(e), _) | (_, Err(e)) => {
            let mut res = error_json(StatusCode::UNAUTHORIZED, &e.to_string());
            res.extensions_mut().insert(e);
            return res;
        }
    };
    let bytes = match read_body(body, MAX_WEBHOOK_BODY_LEN).await {
        Ok(bytes) => bytes,
        Err(e) => return request_error(&e),
    };
    match verify_and_parse_webhook(keyring, key, signature, &bytes) {
        Ok(verified) => {
            handler.handle(&parts, verified).await;
            json(StatusCode::OK, "{}".to_owned())
        }
        Err(e) => {
            let status =
                if matches!(e, WebhookError::Verify(_)) { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
            let mut res = error_json(status, &e.to_string());
            res.extensions_mut().insert(e);
            res
        }
    }
}

/// `POST` route for pusher-js channel authorization (`socket_id`, `channel_name` form).
///
/// Answers `200` with [`ChannelAuth::to_json`], `403` `{"error":"forbidden"}` when the
/// authorizer denies, `400` `{"error":…}` for a hostile body or a channel that cannot be
/// authorized (public, `#server-to-user-`), `413` for a body over
/// [`ChannelAuthRequest::MAX_BODY_LEN`].
///
/// ```
/// use axum::Router;
/// use channel_auth::integrations::axum::{channel_auth, ChannelAuthorizer, Decision};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// struct DenyAll;
/// impl ChannelAuthorizer for DenyAll {
///     async fn authorize(&self, _: &axum::http::request::Parts, _: &SocketId, _: &ChannelName) -> Decision {
///         Decision::Deny
///     }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let app: Router = Router::new().route("/pusher/auth", channel_auth(creds, DenyAll));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn channel_auth<A, S>(credentials: Credentials, authorizer: A) -> MethodRouter<S>
where
    A: ChannelAuthorizer,
    S: Clone + Send + Sync + 'static,
{
    let shared = Arc::new((credentials, authorizer));
    post(move |request: Request| {
        let shared = Arc::clone(&shared);
        async move { channel_auth_response(&shared.0, &shared.1, request).await }
    })
}

/// `POST` route for batch channel authorization in the `pusher-js-auth` wire format.
///
/// The body is a [`BatchAuthRequest`]. The answer is `200` with a JSON object keyed by
/// channel: `{"status":200,"data":{"auth":…}}` for an allowed channel, `{"status":403}`
/// for a denied one, `{"status":400}` for one that cannot be authorized, and
/// `{"status":500}` when the authorizer's decision does not fit the channel. A hostile
/// body is `400` for the whole batch, nothing signed.
///
/// ```
/// use axum::Router;
/// use channel_auth::integrations::axum::{batch_channel_auth, ChannelAuthorizer, Decision};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// struct DenyAll;
/// impl ChannelAuthorizer for DenyAll {
///     async fn authorize(&self, _: &axum::http::request::Parts, _: &SocketId, _: &ChannelName) -> Decision {
///         Decision::Deny
///     }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let app: Router = Router::new().route("/pusher/batch-auth", batch_channel_auth(creds, DenyAll));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn batch_channel_auth<A, S>(credentials: Credentials, authorizer: A) -> MethodRouter<S>
where
    A: ChannelAuthorizer,
    S: Clone + Send + Sync + 'static,
{
    let shared = Arc::new((credentials, authorizer));
    post(move |request: Request| {
        let shared = Arc::clone(&shared);
        async move { batch_channel_auth_response(&shared.0, &shared.1, request).await }
    })
}

/// `POST` route for pusher-js user authentication (`pusher.signin()`; `socket_id` form).
///
/// Answers `200` with [`UserAuth::to_json`](crate::UserAuth::to_json), `403`
/// `{"error":"forbidden"}` when the authenticator returns `None`, `400` for a hostile
/// body, `413` for a body over [`UserAuthRequest::MAX_BODY_LEN`].
///
/// ```
/// use axum::Router;
/// use channel_auth::integrations::axum::{user_auth, UserAuthenticator};
/// use channel_auth::{Credentials, SocketId, UserData};
///
/// struct Nobody;
/// impl UserAuthenticator for Nobody {
///     async fn authenticate(&self, _: &axum::http::request::Parts, _: &SocketId) -> Option<UserData> {
///         None
///     }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let app: Router = Router::new().route("/pusher/user-auth", user_auth(creds, Nobody));
/// # let _ = app;
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn user_auth<U, S>(credentials: Credentials, authenticator: U) -> MethodRouter<S>
where
    U: UserAuthenticator,
    S: Clone + Send + Sync + 'static,
{
    let shared = Arc::new((credentials, authenticator));
    post(move |request: Request| {
        let shared = Arc::clone(&shared);
        async move { user_auth_response(&shared.0, &shared.1, request).await }
    })
}

/// Answers one channel authorization request: what the [`channel_auth`] route runs, for
/// applications that write their own handler around it.
///
/// ```
/// use axum::extract::Request;
/// use axum::http::StatusCode;
/// use channel_auth::integrations::axum::{channel_auth_response, ChannelAuthorizer, Decision};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// struct AllowAll;
/// impl ChannelAuthorizer for AllowAll {
///     async fn authorize(&self, _: &axum::http::request::Parts, _: &SocketId, _: &ChannelName) -> Decision {
///         Decision::Allow
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let hostile = Request::post("/").body("socket_id=1.1%3Aprivate-x&channel_name=private-a".into())?;
/// let res = channel_auth_response(&creds, &AllowAll, hostile).await;
/// assert_eq!(res.status(), StatusCode::BAD_REQUEST);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn channel_auth_response<A: ChannelAuthorizer>(
    credentials: &Credentials,
    authorizer: &A,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let req =
        match read_body(body, ChannelAuthRequest::MAX_BODY_LEN).await.and_then(|b| ChannelAuthRequest::from_form(&b)) {
            Ok(req) => req,
            Err(e) => return request_error(&e),
        };
    match decide_and_sign(credentials, authorizer, &parts, req.socket_id(), req.channel_name()).await {
        Ok(auth) => json(StatusCode::OK, auth.to_json()),
        Err(refusal) => refusal.into_response(),
    }
}

/// Answers one batch authorization request: what the [`batch_channel_auth`] route runs.
///
/// ```
/// use axum::extract::Request;
/// use axum::http::StatusCode;
/// use channel_auth::integrations::axum::{batch_channel_auth_response, ChannelAuthorizer, Decision};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// struct AllowAll;
/// impl ChannelAuthorizer for AllowAll {
///     async fn authorize(&self, _: &axum::http::request::Parts, _: &SocketId, _: &ChannelName) -> Decision {
///         Decision::Allow
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let req = Request::post("/").body("&socket_id=1.1&channel_name[0]=private-a&channel_name[1]=news".into())?;
/// let res = batch_channel_auth_response(&creds, &AllowAll, req).await;
/// assert_eq!(res.status(), StatusCode::OK);
/// let body = axum::body::to_bytes(res.into_body(), 1 << 16).await?;
/// let json: serde_json::Value = serde_json::from_slice(&body)?;
/// assert_eq!(json["private-a"]["status"], 200);
/// assert_eq!(json["news"]["status"], 400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn batch_channel_auth_response<A: ChannelAuthorizer>(
    credentials: &Credentials,
    authorizer: &A,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let req = match read_body(body, BatchAuthRequest::MAX_BODY_LEN).await.and_then(|b| BatchAuthRequest::from_form(&b))
    {
        Ok(req) => req,
        Err(e) => return request_error(&e),
    };
    let mut out = serde_json::Map::new();
    for channel in req.channel_names() {
        let entry = match decide_and_sign(credentials, authorizer, &parts, req.socket_id(), channel).await {
            Ok(auth) => serde_json::json!({ "status": 200, "data": auth }),
            Err(refusal) => serde_json::json!({ "status": refusal.status().as_u16() }),
        };
        out.insert(channel.as_str().to_owned(), entry);
    }
    json(StatusCode::OK, serde_json::Value::Object(out).to_string())
}

/// Answers one user authentication request: what the [`user_auth`] route runs.
///
/// ```
/// use axum::extract::Request;
/// use axum::http::StatusCode;
/// use channel_auth::integrations::axum::{user_auth_response, UserAuthenticator};
/// use channel_auth::{Credentials, SocketId, UserData};
///
/// struct Ann;
/// impl UserAuthenticator for Ann {
///     async fn authenticate(&self, _: &axum::http::request::Parts, _: &SocketId) -> Option<UserData> {
///         Some(UserData::new("ann".parse().ok()?))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let res = user_auth_response(&creds, &Ann, Request::post("/").body("socket_id=1.1".into())?).await;
/// assert_eq!(res.status(), StatusCode::OK);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn user_auth_response<U: UserAuthenticator>(
    credentials: &Credentials,
    authenticator: &U,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let req = match read_body(body, UserAuthRequest::MAX_BODY_LEN).await.and_then(|b| UserAuthRequest::from_form(&b)) {
        Ok(req) => req,
        Err(e) => return request_error(&e),
    };
    let Some(user) = authenticator.authenticate(&parts, req.socket_id()).await else {
        return Refusal::Denied.into_response();
    };
    match sign_user_auth(credentials, req.socket_id(), &user) {
        Ok(auth) => json(StatusCode::OK, auth.to_json()),
        Err(e) => Refusal::Misfit(e).into_response(),
    }
}

/// Why a channel was not signed.
enum Refusal {
    /// The channel can never be authorized (public, `#server-to-user-`): `400`.
    Unauthorizable(AuthError),
    /// The application said no: `403`.
    Denied,
    /// The application's decision does not fit the channel, or the credentials lack
    /// the master key: `500`.
    Misfit(AuthError),
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorizable(_) => StatusCode::BAD_REQUEST,
            Self::Denied => StatusCode::FORBIDDEN,
            Self::Misfit(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            Self::Unauthorizable(e) | Self::Misfit(e) => error_json(status, &e.to_string()),
            Self::Denied => error_json(status, "forbidden"),
        }
    }
}

/// Asks the authorizer about one channel (if it can be authorized at all), then signs.
async fn decide_and_sign<A: ChannelAuthorizer>(
    credentials: &Credentials,
    authorizer: &A,
    parts: &Parts,
    socket_id: &SocketId,
    channel: &ChannelName,
) -> Result<ChannelAuth, Refusal> {
    match channel.kind() {
        ChannelKind::Public => return Err(Refusal::Unauthorizable(AuthError::PublicChannel)),
        ChannelKind::ServerToUser => return Err(Refusal::Unauthorizable(AuthError::ReservedChannel)),
        _ => {}
    }
    match authorizer.authorize(parts, socket_id, channel).await {
        Decision::Deny => Err(Refusal::Denied),
        Decision::Allow => sign_channel_auth(credentials, socket_id, channel).map_err(Refusal::Misfit),
        Decision::AllowAsMember(member) => {
            sign_presence_auth(credentials, socket_id, channel, &member).map_err(Refusal::Misfit)
        }
    }
}

/// Reads at most `max` bytes of body.
async fn read_body(body: Body, max: usize) -> Result<Bytes, RequestError> {
    axum::body::to_bytes(body, max).await.map_err(|_| RequestError::BodyTooLarge { max })
}

fn request_error(e: &RequestError) -> Response {
    let status = match e {
        RequestError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut res = error_json(status, &e.to_string());
    res.extensions_mut().insert(e.clone());
    res
}

fn error_json(status: StatusCode, reason: &str) -> Response {
    json(status, serde_json::json!({ "error": reason }).to_string())
}

fn json(status: StatusCode, body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
