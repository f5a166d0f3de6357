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
//! **Policies see a [`RequestView`], not a framework's request.** It offers
//! [`header`](RequestView::header) (case-insensitive) and a context slot: the `http` and
//! `axum` adapters put the request's `http::Extensions` there (where session middleware
//! leaves its data), read back with [`RequestView::extension`]; other adapters may put
//! any `Send + Sync` value there, read back with [`RequestView::context`]. A policy is
//! a plain function or closure when it decides at once, or a type implementing
//! [`ChannelAuthorizer`], [`UserAuthenticator`] or [`WebhookHandler`] with `async fn`
//! when it awaits; an `Arc` of a policy is one too, to share it between endpoints.
//!
//! # Statuses
//!
//! Every endpoint, under every adapter, answers with these statuses. Every refusal is
//! JSON `{"error":"<reason>"}`, the reason being a typed error's message (never a
//! secret or a signature); the typed error itself rides along as [`Answer::refusal`]
//! (and, through the adapters, in the response's extensions), for logs. A hostile body
//! is refused before the application is asked, so nothing is signed for it.
//!
//! | status | endpoints | when |
//! |---|---|---|
//! | `200` | all | channel auth: the [`ChannelAuth`](crate::ChannelAuth) JSON; user auth: the [`UserAuth`](crate::UserAuth) JSON; webhook: `{}` once the [`WebhookHandler`] processed it, and with a replay guard ([`WebhookEndpoint::with_replay_guard`]) for a repeat of a processed webhook, not handed to the handler again; batch: an object keyed by channel, each entry `{"status":200,"data":{"auth":…}}` or `{"status":400|403|500}` for that channel's refusal as below (`pusher-js-auth`'s format) |
//! | `400` | all | a hostile or malformed body ([`RequestError`](super::RequestError)), for a batch the whole batch; channel auth (batch: per channel): a channel that cannot be authorized (public, `#server-to-user-`); webhook: a verified body that does not parse ([`WebhookError`](crate::webhook::WebhookError)) |
//! | `401` | webhook | a missing or non-ASCII `X-Pusher-Key` or `X-Pusher-Signature`, a signature that does not verify (the body is then not parsed), or a webhook whose `time_ms` is outside the freshness window ([`DEFAULT_WEBHOOK_WINDOW`]) |
//! | `403` | channel, user (batch: per channel) | the policy denied: `{"error":"forbidden"}` |
//! | `408` | all | the body did not arrive within [`Route::body_timeout`] (the adapter answers, and closes the connection) |
//! | `413` | all | a body over [`Route::max_body_len`], refused on its `Content-Length` before reading when it declares one |
//! | `415` | channel, batch, user | a body that is not `application/x-www-form-urlencoded` (JSON, say) |
//! | `422` | webhook | the handler refused it ([`HandlerError::refuse`]): the sender does not retry |
//! | `500` | channel, user, webhook (batch: per channel) | a decision that does not fit the channel ([`Decision::Allow`] for a `presence-` channel, say), or missing configuration ([`ConfigError`](crate::ConfigError): no encryption master key for a `private-encrypted-` channel, said before the policy is asked; no clock for the webhook freshness check) |
//! | `503` | webhook | the handler asked for a retry ([`HandlerError::retry_later`]), or the replay guard could not answer ([`Refusal::Replay`]): the sender delivers it again |
//!
//! ```
//! use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, RequestView, Route};
//! use channel_auth::{ChannelName, Credentials, SocketId, UserId};
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! // A user's own `private-<id>` channel, nothing else. DEMO ONLY: the user is whoever
//! // the `X-User-Id` header names; a real app reads its session.
//! let endpoint = ChannelAuthEndpoint::new(creds, |request: &RequestView<'_>, _: &SocketId, channel: &ChannelName| {
//!     let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
//!     if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
//! });
//! let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("X-User-Id", "foobar")];
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let answer = |headers: &[(&str, &str); 2], body: &[u8]| runtime.block_on(endpoint.answer(&RequestView::new(headers), body));
//!
//! let ok = answer(&headers, b"socket_id=1234.1234&channel_name=private-foobar");
//! assert_eq!(ok.status(), 200);
//! assert_eq!(
//!     ok.body(),
//!     r#"{"auth":"278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"}"#
//! );
//! assert_eq!(answer(&headers, b"socket_id=1234.1234&channel_name=private-foobar2").status(), 403);
//! assert_eq!(answer(&headers, b"socket_id=1.1%3Aprivate-x&channel_name=private-foobar").status(), 400);
//! let json = [("Content-Type", "application/json"), ("X-User-Id", "foobar")];
//! assert_eq!(answer(&json, br#"{"socket_id":"1.1"}"#).status(), 415);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Tracing
//!
//! With the `tracing` feature, every endpoint's every answer is a `tracing` event,
//! target `channel_auth::integrations`, message `answered`, and each channel of a batch
//! one more, message `channel decided`. Their fields:
//!
//! | field | value |
//! |---|---|
//! | `route` | `channel_auth`, `batch_auth`, `user_auth` or `webhook` |
//! | `status` | the answer's status (for `channel decided`, the channel's status in the batch) |
//! | `outcome` | `ok` (2xx), `refused` (4xx) or `error` (5xx) |
//! | `refusal` | a refusal's variant names, dot-separated: `Denied`, `Request.BodyTooLarge`, `Auth.PublicChannel`, `Webhook.Verify.InvalidSignature`, `Handler.RetryLater`, `Config.MissingMasterKey`… (absent on success) |
//! | `channel_kind` | `private`, `presence`, `private-encrypted`, `public` or `server-to-user`, once the channel is parsed |
//! | `channel_len` | the channel name's length, in bytes |
//! | `channels` | how many channels a batch asked for |
//! | `duration_us` | the time from the call to the answer, in microseconds (none on `wasm32-unknown-unknown`, which has no clock) |
//!
//! Events are `DEBUG`, and `WARN` for a 5xx (a decision that does not fit the channel,
//! missing configuration, a webhook handler asking for a retry). They never carry a
//! secret, a signature or auth value, a socket id, a header, a body, event data or a
//! query string, nor a channel name (a `private-<user id>` name is a user id: its kind
//! and length are recorded instead) or a refusal's message (which may quote the input).
//! Without the feature, the events and the clock reads behind `duration_us` are compiled
//! out: the endpoints do what they did before.

use std::time::Duration;

mod answer;
mod endpoint;
mod policy;
mod trace;
mod view;
mod webhook_endpoint;

pub(crate) use answer::TypedSlot;
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
