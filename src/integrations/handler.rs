//! The framework-agnostic handler core: every auth route as plain data in, an
//! [`Answer`] out.
//!
//! A route is a [`Route`]: [`ChannelAuthEndpoint`], [`BatchAuthEndpoint`],
//! [`UserAuthEndpoint`] or [`WebhookEndpoint`], each holding the credentials and the
//! application's policy. It takes a [`RequestView`] (a header lookup and an optional
//! context slot, e.g. the request's extensions) and the body bytes, and answers with a
//! status, a JSON body and its content type. It knows no web framework and no runtime
//! (only [`WebhookEndpoint`] reads a clock, to refuse stale webhooks, and takes another
//! with [`WebhookEndpoint::with_clock`]), so the same code answers under axum (the `axum`
//! module), `http` 1.x servers and Workers (the [`http`](super::http) module), actix-web
//! (which pins `http` 0.2), a bare loop (`examples/edge_handler.rs`) or a WASI host,
//! identically.
//!
//! | endpoint | answers |
//! |---|---|
//! | [`ChannelAuthEndpoint`] | `200` [`ChannelAuth`](crate::ChannelAuth) JSON, `403` denied, `400` hostile or unauthorizable, `500` the decision does not fit the channel |
//! | [`BatchAuthEndpoint`] | `200` `{"<channel>":{"status":200,"data":{…}},"<other>":{"status":403}}` (`pusher-js-auth`), `400` hostile |
//! | [`UserAuthEndpoint`] | `200` [`UserAuth`](crate::UserAuth) JSON, `403` denied, `400` hostile |
//! | [`WebhookEndpoint`] | `200` `{}` once the [`WebhookHandler`] processed it; `401` a bad or missing signature or a stale webhook, `400` a verified body that does not parse, `503` the handler asks for a retry, `422` it refuses |
//!
//! The three auth endpoints take only `application/x-www-form-urlencoded` bodies (what
//! pusher-js posts) and answer `415` to anything else, such as JSON. Every endpoint
//! answers `413` to a body over its [`Route::max_body_len`] (refused on its
//! `Content-Length` before reading), and its adapter `408` to one slower than its
//! [`Route::body_timeout`]. Every refusal is JSON
//! `{"error":"<reason>"}`, the reason being a typed error's message, never a secret or a
//! signature; the typed error itself rides along as [`Answer::refusal`], for logs. A
//! hostile body is refused before the application is asked, so nothing is signed for it.
//!
//! **Policies see a [`RequestView`], not a framework's request.** It offers
//! [`header`](RequestView::header) (case-insensitive) and a context slot: the `http` and
//! `axum` adapters put the request's `http::Extensions` there (where session middleware
//! leaves its data), read back with [`RequestView::extension`]; other adapters may put
//! any `Send + Sync` value there, read back with [`RequestView::context`].
//!
//! ```
//! use channel_auth::integrations::handler::{ChannelAuthEndpoint, ChannelAuthorizer, Decision, RequestView, Route};
//! use channel_auth::{ChannelName, Credentials, SocketId, UserId};
//!
//! /// A user's own `private-<id>` channel, nothing else. DEMO ONLY: the user is whoever
//! /// the `X-User-Id` header names; a real app reads its session.
//! struct Policy;
//! impl ChannelAuthorizer for Policy {
//!     async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
//!         let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
//!         if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
//!     }
//! }
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let endpoint = ChannelAuthEndpoint::new(creds, Policy);
//! let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("X-User-Id", "foobar")];
//! let body = b"socket_id=1234.1234&channel_name=private-foobar";
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let answer = runtime.block_on(endpoint.answer(&RequestView::new(&headers), body));
//! assert_eq!(answer.status(), 200);
//! assert_eq!(
//!     answer.body(),
//!     r#"{"auth":"278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"}"#
//! );
//! let others = b"socket_id=1234.1234&channel_name=private-foobar2";
//! assert_eq!(runtime.block_on(endpoint.answer(&RequestView::new(&headers), others)).status(), 403);
//!
//! let json = [("content-type", "application/json")];
//! let answer = runtime.block_on(endpoint.answer(&RequestView::new(&json), br#"{"socket_id":"1.1"}"#));
//! assert_eq!(answer.status(), 415);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

mod answer;
mod endpoint;
mod policy;
mod view;
mod webhook_endpoint;

pub use answer::{Answer, Refusal};
pub use endpoint::{BatchAuthEndpoint, ChannelAuthEndpoint, Route, UserAuthEndpoint};
pub use policy::{ChannelAuthorizer, Decision, HandlerError, UserAuthenticator, WebhookHandler};
pub use view::{HeaderLookup, RequestView};
pub use webhook_endpoint::WebhookEndpoint;

/// The most bytes of webhook body a [`WebhookEndpoint`] reads.
pub const MAX_WEBHOOK_BODY_LEN: usize = 1024 * 1024;

/// How long an endpoint lets a request's body take to arrive, by default: past it the
/// adapters answer `408` and close the connection (see [`Route::body_timeout`]).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// How far a webhook's `time_ms` may be from the endpoint's clock, either way, by
/// default: ten minutes, twice as long as Pusher keeps retrying a failed delivery (see
/// [`WebhookEndpoint::with_freshness_window`]).
pub const DEFAULT_WEBHOOK_WINDOW: Duration = Duration::from_secs(10 * 60);

/// The only content type the auth endpoints take (parameters such as `charset` allowed).
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The content type of every [`Answer`].
pub const JSON_CONTENT_TYPE: &str = "application/json";

#[cfg(test)]
mod tests;
