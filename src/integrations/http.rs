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
//! ([`RequestError`], [`WebhookError`], [`HandlerError`], [`AuthError`] or
//! [`ConfigError`]) and the [`Refusal`] itself ride in the response's extensions, for
//! logging middleware. Statuses and bodies are [the
//! handler's](super::handler#statuses).
//!
//! ```
//! use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, RequestView};
//! use channel_auth::integrations::{http::answer, RequestError};
//! use channel_auth::{ChannelName, Credentials, SocketId, UserId};
//!
//! /// What the application's session middleware put in the request's extensions.
//! #[derive(Clone)]
//! struct Session(UserId);
//!
//! // The session user's own `private-<id>` channel, nothing else.
//! let own_channel = |request: &RequestView<'_>, _: &SocketId, channel: &ChannelName| {
//!     let user = request.extension::<Session>().map(|session| &session.0);
//!     if user.is_some_and(|user| channel.is_private_to(user)) { Decision::Allow } else { Decision::Deny }
//! };
//! let endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), own_channel);
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//!
//! let mut request = http::Request::post("/pusher/auth")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body("socket_id=1.1&channel_name=private-ann")?;
//! request.extensions_mut().insert(Session("ann".parse()?));
//! let response = runtime.block_on(answer(&endpoint, &request));
//! assert_eq!(response.status(), http::StatusCode::OK);
//! assert!(response.body().starts_with(r#"{"auth":"key:"#));
//! assert_eq!(response.headers()["cache-control"], "no-store");
//!
//! let json = http::Request::post("/pusher/auth")
//!     .header("content-type", "application/json")
//!     .body(r#"{"socket_id":"1.1","channel_name":"private-ann"}"#)?;
//! let response = runtime.block_on(answer(&endpoint, &json));
//! assert_eq!(response.status(), http::StatusCode::UNSUPPORTED_MEDIA_TYPE);
//! assert_eq!(response.headers()["content-type"], "application/json");
//! assert!(response.extensions().get::<RequestError>().is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use ::http::header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE};
use ::http::{HeaderValue, Request, Response, StatusCode};

#[cfg(doc)]
use super::handler::Refusal;
use super::handler::{Answer, JSON_CONTENT_TYPE, RequestView, Route, TypedSlot};
#[cfg(doc)]
use super::{RequestError, handler::HandlerError};
#[cfg(doc)]
use crate::error::{AuthError, ConfigError};
#[cfg(doc)]
use crate::webhook::WebhookError;

/// Answers one request with this endpoint.
pub async fn answer<E: Route, B: AsRef<[u8]>>(endpoint: &E, request: &Request<B>) -> Response<String> {
    response(endpoint.answer(&view(request), request.body().as_ref()).await)
}

/// The policy's view of a request: its headers, and its extensions in the context slot.
#[must_use]
pub fn view<B>(request: &Request<B>) -> RequestView<'_> {
    RequestView::new(request.headers()).with_context(request.extensions())
}

/// The same view from a request's [`Parts`](::http::request::Parts).
#[must_use]
pub fn view_parts(parts: &::http::request::Parts) -> RequestView<'_> {
    RequestView::new(&parts.headers).with_context(&parts.extensions)
}

/// An [`Answer`] as an `http::Response`: its status, the JSON body,
/// `content-type: application/json` and `cache-control: no-store` (and
/// `connection: close` with a `408`), and for a refusal the typed reason in the
/// extensions.
#[must_use]
pub fn response(answer: Answer) -> Response<String> {
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let refusal = answer.refusal().cloned();
    let mut res = Response::new(answer.into_body());
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(refusal) = refusal {
        refusal.put_in(res.extensions_mut());
    }
    if status == StatusCode::REQUEST_TIMEOUT {
        // The body stopped part-way: the connection cannot carry another request.
        res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

impl TypedSlot for ::http::Extensions {
    fn put<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.insert(value);
    }
}
