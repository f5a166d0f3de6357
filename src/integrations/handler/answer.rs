//! What an endpoint answers: an [`Answer`], and for a refusal its [`Refusal`].

use std::fmt;

use super::{HandlerError, JSON_CONTENT_TYPE};
use crate::error::AuthError;
use crate::integrations::RequestError;
use crate::replay::ReplayError;
use crate::webhook::WebhookError;

/// Why an [`Answer`] refuses: the typed error behind its `{"error":…}` body.
///
/// ```
/// use channel_auth::integrations::handler::{Refusal, RequestView, Route, UserAuthEndpoint, UserAuthenticator};
/// use channel_auth::integrations::RequestError;
/// use channel_auth::{Credentials, SocketId, UserData};
///
/// struct Nobody;
/// impl UserAuthenticator for Nobody {
///     async fn authenticate(&self, _: &RequestView<'_>, _: &SocketId) -> Option<UserData> { None }
/// }
///
/// let endpoint = UserAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), Nobody);
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let answer = runtime.block_on(endpoint.answer(&RequestView::new(&()), b"socket_id=1.1"));
/// assert!(matches!(answer.refusal(), Some(Refusal::Request(RequestError::UnsupportedContentType { .. }))));
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
    /// The endpoint cannot answer as configured (`500`): the reason names the setting.
    Misconfigured(&'static str),
    /// The replay guard could not say whether the webhook is new (`503`): refused rather
    /// than handled unchecked; the sender delivers again.
    Replay(ReplayError),
}

/// An endpoint's answer: status, JSON body, and (for a refusal) the typed reason.
///
/// Send it with the content type [`JSON_CONTENT_TYPE`] and `Cache-Control: no-store`
/// ([`Answer::headers`]). Its `Debug` shows the status and the refusal, not the body
/// (which may hold a fresh auth signature).
///
/// ```
/// use channel_auth::integrations::handler::{HandlerError, RequestView, Route, WebhookEndpoint, WebhookHandler};
/// use channel_auth::webhook::VerifiedWebhook;
/// use channel_auth::{Credentials, Keyring};
///
/// struct Ignore;
/// impl WebhookHandler for Ignore {
///     async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> { Ok(()) }
/// }
///
/// let ring = Keyring::new([Credentials::new("key".parse()?, "secret".parse()?)]);
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let answer = runtime.block_on(WebhookEndpoint::new(ring, Ignore).answer(&RequestView::new(&()), b"{}"));
/// assert_eq!(answer.status(), 401);
/// assert_eq!(answer.body(), r#"{"error":"missing or non-ASCII header X-Pusher-Key"}"#);
/// assert_eq!(answer.headers()[0], ("content-type", "application/json"));
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
        let reason = match &refusal {
            Refusal::Request(e) => e.to_string(),
            Refusal::Auth(e) => e.to_string(),
            Refusal::Denied => "forbidden".to_owned(),
            Refusal::Webhook(e) => e.to_string(),
            Refusal::Handler(e) => e.to_string(),
            Refusal::Misconfigured(reason) => (*reason).to_owned(),
            Refusal::Replay(e) => e.to_string(),
        };
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
    ///
    /// ```
    /// use channel_auth::integrations::{handler::Answer, RequestError};
    ///
    /// let answer = Answer::request_error(RequestError::BodyTooLarge { max: 10 });
    /// assert_eq!(answer.status(), 413);
    /// ```
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
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// assert_eq!(Answer::request_error(RequestError::NoChannels).status(), 400);
    /// ```
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The JSON body.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// let answer = Answer::request_error(RequestError::NoChannels);
    /// assert_eq!(answer.body(), r#"{"error":"no channel_name[<index>] in the batch"}"#);
    /// ```
    #[must_use]
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The JSON body, owned.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// let body: String = Answer::request_error(RequestError::NoChannels).into_body();
    /// assert!(body.starts_with(r#"{"error":"#));
    /// ```
    #[must_use]
    pub fn into_body(self) -> String {
        self.body
    }

    /// The body's content type, always [`JSON_CONTENT_TYPE`].
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// assert_eq!(Answer::request_error(RequestError::NoChannels).content_type(), "application/json");
    /// ```
    #[must_use]
    pub fn content_type(&self) -> &'static str {
        JSON_CONTENT_TYPE
    }

    /// The headers to send: `content-type: application/json`, `cache-control: no-store`.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::Answer, RequestError};
    /// let answer = Answer::request_error(RequestError::NoChannels);
    /// assert_eq!(answer.headers()[1], ("cache-control", "no-store"));
    /// ```
    #[must_use]
    pub fn headers(&self) -> [(&'static str, &'static str); 2] {
        [("content-type", JSON_CONTENT_TYPE), ("cache-control", "no-store")]
    }

    /// Why the request was refused, `None` for a success.
    ///
    /// ```
    /// # use channel_auth::integrations::{handler::{Answer, Refusal}, RequestError};
    /// let answer = Answer::request_error(RequestError::NoChannels);
    /// assert!(matches!(answer.refusal(), Some(Refusal::Request(RequestError::NoChannels))));
    /// ```
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
