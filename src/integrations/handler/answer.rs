//! What an endpoint answers: an [`Answer`], and for a refusal its [`Refusal`].

use std::fmt;

use super::{HandlerError, JSON_CONTENT_TYPE};
use crate::error::{AuthError, ConfigError};
use crate::integrations::RequestError;
use crate::replay::ReplayError;
use crate::webhook::WebhookError;

/// Why an [`Answer`] refuses: the typed error behind its `{"error":…}` body (its
/// `Display` is that body's reason), for logs. It converts into the crate's
/// [`Error`](crate::Error) as the error inside it.
///
/// ```
/// use channel_auth::integrations::handler::{Refusal, RequestView, Route, UserAuthEndpoint};
/// use channel_auth::integrations::RequestError;
/// use channel_auth::{Credentials, SocketId};
///
/// let nobody = |_: &RequestView<'_>, _: &SocketId| None;
/// let endpoint = UserAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), nobody);
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let answer = runtime.block_on(endpoint.answer(&RequestView::new(&()), b"socket_id=1.1"));
/// let refusal = answer.refusal().cloned().ok_or("a refusal")?;
/// assert!(matches!(refusal, Refusal::Request(RequestError::UnsupportedContentType { .. })));
/// assert_eq!(answer.body(), format!(r#"{{"error":"{refusal}"}}"#));
/// assert!(matches!(channel_auth::Error::from(refusal), channel_auth::Error::Request(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Refusal {
    /// The request was malformed, hostile or too slow (`400`, `401`, `408`, `413`, `415`).
    Request(RequestError),
    /// The channel cannot be authorized (`400`) or the decision does not fit it (`500`).
    Auth(AuthError),
    /// The application denied (`403`).
    Denied,
    /// A webhook did not verify or is stale (`401`), or did not parse (`400`).
    Webhook(WebhookError),
    /// The [`WebhookHandler`](super::WebhookHandler) asked for a retry (`503`) or refused the webhook (`422`).
    Handler(HandlerError),
    /// The endpoint's setup lacks what this request needs (`500`): the credentials have
    /// no master key for a `private-encrypted-` channel, the target has no clock.
    Config(ConfigError),
    /// The replay guard could not say whether the webhook is new (`503`): refused rather
    /// than handled unchecked; the sender delivers again.
    Replay(ReplayError),
}

impl fmt::Display for Refusal {
    /// The reason an [`Answer`]'s body gives: a typed error's message, or `forbidden`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request(e) => e.fmt(f),
            Self::Auth(e) => e.fmt(f),
            Self::Denied => f.write_str("forbidden"),
            Self::Webhook(e) => e.fmt(f),
            Self::Handler(e) => e.fmt(f),
            Self::Config(e) => e.fmt(f),
            Self::Replay(e) => e.fmt(f),
        }
    }
}

impl Refusal {
    /// Puts the typed error inside (if any), then the refusal itself, in a response's
    /// extensions: what every adapter's response does, for logging middleware.
    pub(crate) fn put_in(self, extensions: &mut impl TypedSlot) {
        match &self {
            Self::Request(e) => extensions.put(e.clone()),
            Self::Auth(e) => extensions.put(*e),
            Self::Webhook(e) => extensions.put(e.clone()),
            Self::Handler(e) => extensions.put(e.clone()),
            Self::Config(e) => extensions.put(*e),
            Self::Replay(e) => extensions.put(e.clone()),
            Self::Denied => {}
        }
        extensions.put(self);
    }
}

/// A response's typed extensions (`http::Extensions`, actix-web's `Extensions`), as
/// [`Refusal::put_in`] fills them.
pub(crate) trait TypedSlot {
    /// Inserts `value`, replacing any value of its type.
    fn put<T: Clone + Send + Sync + 'static>(&mut self, value: T);
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Request(e) => Some(e),
            Self::Auth(e) => Some(e),
            Self::Webhook(e) => Some(e),
            Self::Handler(e) => Some(e),
            Self::Config(e) => Some(e),
            Self::Replay(e) => Some(e),
            Self::Denied => None,
        }
    }
}

/// An endpoint's answer: status, JSON body, and (for a refusal) the typed reason.
///
/// Send it with the content type [`JSON_CONTENT_TYPE`] and `Cache-Control: no-store`
/// ([`Answer::headers`]). Its `Debug` shows the status and the refusal, not the body
/// (which may hold a fresh auth signature).
///
/// ```
/// use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, Refusal, RequestView, Route};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// let deny_all = |_: &RequestView<'_>, _: &SocketId, _: &ChannelName| Decision::Deny;
/// let endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), deny_all);
/// let form = [("content-type", "application/x-www-form-urlencoded")];
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let answer = runtime.block_on(endpoint.answer(&RequestView::new(&form), b"socket_id=1.1&channel_name=private-a"));
/// assert_eq!((answer.status(), answer.body()), (403, r#"{"error":"forbidden"}"#));
/// assert!(matches!(answer.refusal(), Some(Refusal::Denied)));
/// assert_eq!(answer.headers(), [("content-type", "application/json"), ("cache-control", "no-store")]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Answer {
    status: u16,
    body: String,
    refusal: Option<Refusal>,
}

impl Answer {
    pub(super) fn ok(body: String) -> Self {
        Self { status: 200, body, refusal: None }
    }

    pub(super) fn refuse(status: u16, refusal: Refusal) -> Self {
        let reason = refusal.to_string();
        // `{"error":<reason>}`, the reason escaped by serde_json (no object built for
        // one field); serializing a string cannot fail, and the fallback is still JSON.
        let body = match serde_json::to_string(&reason) {
            Ok(quoted) => format!(r#"{{"error":{quoted}}}"#),
            Err(_) => r#"{"error":"refused"}"#.to_owned(),
        };
        Self { status, body, refusal: Some(refusal) }
    }

    /// The answer to a malformed request: `413` for an oversized body, `408` for a body
    /// that did not arrive in time, `415` for a wrong content type, `401` for a missing
    /// webhook header, `400` otherwise. Adapters use it when reading the body fails.
    #[must_use]
    pub fn request_error(error: RequestError) -> Self {
        let status = match error {
            RequestError::BodyTooLarge { .. } => 413,
            RequestError::BodyTimedOut { .. } => 408,
            RequestError::UnsupportedContentType { .. } => 415,
            RequestError::MissingHeader { .. } => 401,
            _ => 400,
        };
        Self::refuse(status, Refusal::Request(error))
    }

    /// The HTTP status code.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The JSON body.
    #[must_use]
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The JSON body, owned.
    #[must_use]
    pub fn into_body(self) -> String {
        self.body
    }

    /// The body's content type, always [`JSON_CONTENT_TYPE`].
    #[must_use]
    pub fn content_type(&self) -> &'static str {
        JSON_CONTENT_TYPE
    }

    /// The headers to send: `content-type: application/json`, `cache-control: no-store`.
    #[must_use]
    pub fn headers(&self) -> [(&'static str, &'static str); 2] {
        [("content-type", JSON_CONTENT_TYPE), ("cache-control", "no-store")]
    }

    /// Why the request was refused, `None` for a success.
    #[must_use]
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("refusal", &self.refusal)
            .finish()
    }
}
