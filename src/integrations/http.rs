//! The handler core on `http` 1.x types: for hyper, Cloudflare Workers (through
//! `worker`'s `http` conversion), and any server whose requests are `http::Request`.
//!
//! [`answer`] takes an `http::Request` whose body is already in memory and answers with
//! an `http::Response<String>`; [`view`] and [`response`] are its two halves, for
//! servers that read the body themselves (check
//! [`Route::refuse_early`] first, then read at most [`Route::max_body_len`] bytes
//! within [`Route::body_timeout`], answering [`RequestError::BodyTimedOut`] past it:
//! a server that reads the body is the one that can bound its time).
//! The request's extensions are the view's context slot, so a policy reads what session
//! middleware left there with [`RequestView::extension`]. A refusal's typed reason
//! ([`RequestError`], [`WebhookError`], [`HandlerError`] or [`AuthError`]) and the
//! [`Refusal`] itself ride in the response's extensions, for logging middleware.
//!
//! ```
//! use channel_auth::integrations::handler::{ChannelAuthEndpoint, ChannelAuthorizer, Decision, RequestView};
//! use channel_auth::integrations::{http::answer, RequestError};
//! use channel_auth::{ChannelName, Credentials, SocketId, UserId};
//!
//! /// The `X-User-Id` user's own `private-<id>` channels, nothing else.
//! struct OwnChannels;
//! impl ChannelAuthorizer for OwnChannels {
//!     async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
//!         let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
//!         if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
//!     }
//! }
//!
//! let endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), OwnChannels);
//! let request = http::Request::post("/pusher/auth")
//!     .header("content-type", "application/json")
//!     .body(r#"{"socket_id":"1.1","channel_name":"private-a"}"#)?;
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let response = runtime.block_on(answer(&endpoint, &request));
//! assert_eq!(response.status(), http::StatusCode::UNSUPPORTED_MEDIA_TYPE);
//! assert_eq!(response.headers()["content-type"], "application/json");
//! assert!(response.extensions().get::<RequestError>().is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use ::http::header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE};
use ::http::{HeaderValue, Request, Response, StatusCode};

use super::handler::{Answer, JSON_CONTENT_TYPE, Refusal, RequestView, Route};
#[cfg(doc)]
use super::{RequestError, handler::HandlerError};
#[cfg(doc)]
use crate::error::AuthError;
#[cfg(doc)]
use crate::webhook::WebhookError;

/// Answers one request with this endpoint.
///
/// ```
/// use channel_auth::integrations::handler::{RequestView, UserAuthEndpoint, UserAuthenticator};
/// use channel_auth::{Credentials, SocketId, UserData};
///
/// struct Ann;
/// impl UserAuthenticator for Ann {
///     async fn authenticate(&self, _: &RequestView<'_>, _: &SocketId) -> Option<UserData> {
///         Some(UserData::new("ann".parse().ok()?))
///     }
/// }
///
/// let endpoint = UserAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), Ann);
/// let request = http::Request::post("/pusher/user-auth")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .body(b"socket_id=1.1".to_vec())?;
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let response = runtime.block_on(channel_auth::integrations::http::answer(&endpoint, &request));
/// assert_eq!(response.status(), 200);
/// assert!(response.body().starts_with(r#"{"auth":"key:"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn answer<E: Route, B: AsRef<[u8]>>(endpoint: &E, request: &Request<B>) -> Response<String> {
    response(endpoint.answer(&view(request), request.body().as_ref()).await)
}

/// The policy's view of a request: its headers, and its extensions in the context slot.
///
/// ```
/// let mut request = http::Request::post("/").header("X-User", "ann").body(())?;
/// request.extensions_mut().insert(7_u32);
/// let view = channel_auth::integrations::http::view(&request);
/// assert_eq!(view.header("x-user"), Some("ann"));
/// assert_eq!(view.extension::<u32>(), Some(&7));
/// # Ok::<(), http::Error>(())
/// ```
#[must_use]
pub fn view<B>(request: &Request<B>) -> RequestView<'_> {
    RequestView::new(request.headers()).with_context(request.extensions())
}

/// The same view from a request's [`Parts`](::http::request::Parts).
///
/// ```
/// let (parts, _body) = http::Request::post("/").header("X-User", "ann").body(())?.into_parts();
/// assert_eq!(channel_auth::integrations::http::view_parts(&parts).header("x-user"), Some("ann"));
/// # Ok::<(), http::Error>(())
/// ```
#[must_use]
pub fn view_parts(parts: &::http::request::Parts) -> RequestView<'_> {
    RequestView::new(&parts.headers).with_context(&parts.extensions)
}

/// An [`Answer`] as an `http::Response`: its status, the JSON body,
/// `content-type: application/json` and `cache-control: no-store` (and
/// `connection: close` with a `408`), and for a refusal the typed reason in the
/// extensions.
///
/// ```
/// use channel_auth::integrations::{handler::Answer, http::response, RequestError};
///
/// let res = response(Answer::request_error(RequestError::BodyTooLarge { max: 8 }));
/// assert_eq!(res.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
/// assert_eq!(res.headers()["cache-control"], "no-store");
/// assert_eq!(res.extensions().get::<RequestError>(), Some(&RequestError::BodyTooLarge { max: 8 }));
/// ```
#[must_use]
pub fn response(answer: Answer) -> Response<String> {
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let refusal = answer.refusal().cloned();
    let mut res = Response::new(answer.into_body());
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(refusal) = refusal {
        let ext = res.extensions_mut();
        match &refusal {
            Refusal::Request(e) => {
                ext.insert(e.clone());
            }
            Refusal::Auth(e) => {
                ext.insert(*e);
            }
            Refusal::Webhook(e) => {
                ext.insert(e.clone());
            }
            Refusal::Handler(e) => {
                ext.insert(e.clone());
            }
            Refusal::Replay(e) => {
                ext.insert(e.clone());
            }
            Refusal::Denied | Refusal::Misconfigured(_) => {}
        }
        ext.insert(refusal);
    }
    if status == StatusCode::REQUEST_TIMEOUT {
        // The body stopped part-way: the connection cannot carry another request.
        res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    }
    res
}
