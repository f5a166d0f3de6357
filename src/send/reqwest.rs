//! Feature `reqwest`: [`HttpClient`] for `reqwest::Client` (the caller's own, as
//! configured, or the library's safe one from [`Client::new`]).

use core::time::Duration;

use super::client::{Client, ClientError, DEFAULT_MAX_RESPONSE_BODY, HttpClient, ResponseLimit};
use super::error::{Answered, TransportError};
use crate::send::{Api, RetryPolicy};

/// The client's total timeout for one request, as a request extension.
#[derive(Debug, Clone, Copy)]
pub(super) struct RequestTimeout(pub(super) Duration);

impl TransportError {
    fn from_reqwest(err: reqwest::Error) -> Self {
        let (timeout, connect) = (err.is_timeout(), err.is_connect());
        Self::from_error(&err.without_url(), timeout).with_connect(connect)
    }
}

/// A `reqwest::Client` (rustls, no OpenSSL) as the caller configured it: proxy, pool,
/// user agent, TLS roots. Each response keeps its status, version and headers; the body
/// is read chunk by chunk and never past the [`Client`]'s limit (1 MiB by default),
/// and an answer from another URL than the request's (the client followed a redirect)
/// is refused, both as an [`ApiError`](crate::send::ApiError).
///
/// ```
/// use channel_auth::send::{Api, ApiUrl, Client};
/// use channel_auth::Credentials;
///
/// let mine = reqwest::Client::builder()
///     .user_agent("my-app/1.0")
///     .redirect(reqwest::redirect::Policy::none())
///     .build()?;
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let client = Client::with_http_client(Api::new(creds, ApiUrl::cluster("eu")?)?, mine);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl HttpClient for reqwest::Client {
    type Error = TransportError;

    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
        let limit = request.extensions().get::<ResponseLimit>().map_or(DEFAULT_MAX_RESPONSE_BODY, |l| l.0);
        let timeout = request.extensions().get::<RequestTimeout>().map(|t| t.0);
        let signed_path = request.uri().path().to_owned();
        let mut request = reqwest::Request::try_from(request).map_err(TransportError::from_reqwest)?;
        // reqwest's URL resolves dot segments, `%2E` and `%2E%2E` included (WHATWG): the
        // path of a channel or user named `.` or `..` would change after signing, and
        // another resource be asked for. Nothing is sent then.
        if request.url().path() != signed_path {
            return Err(TransportError::from_error(
                &std::io::Error::other("reqwest would send another path than the signed one (a name `.` or `..`)"),
                false,
            ));
        }
        if let Some(timeout) = timeout {
            *request.timeout_mut() = Some(timeout);
        }
        let sent_to = request.url().clone();
        let mut response = self.execute(request).await.map_err(TransportError::from_reqwest)?;
        let status = response.status();
        if *response.url() != sent_to {
            return Err(TransportError::answered(Answered::FromElsewhere { status: status.as_u16() }));
        }
        let too_large = || TransportError::answered(Answered::TooLarge { status: status.as_u16(), limit });
        if response.content_length().is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(TransportError::from_reqwest)? {
            if chunk.len() > limit.saturating_sub(body.len()) {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let mut out = http::Response::new(body);
        *out.status_mut() = status;
        *out.version_mut() = response.version();
        *out.headers_mut() = core::mem::take(response.headers_mut());
        Ok(out)
    }
}

impl Client<reqwest::Client> {
    /// The default connect timeout of [`Client::new`].
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// The default total timeout of one request of [`Client::new`].
    pub const TIMEOUT: Duration = Duration::from_secs(10);

    /// A client over the library's own reqwest client, with safe defaults: no redirect
    /// is followed (a 3xx is [`ApiError::Redirected`](crate::send::ApiError::Redirected)),
    /// no `Referer` is sent, at most 1 MiB of a response body is read
    /// ([`Client::with_max_response_body`]), a connection must open within
    /// [`Client::CONNECT_TIMEOUT`] and a request end within [`Client::TIMEOUT`]
    /// ([`Client::with_timeout`]); a request is tried again as [`RetryPolicy::default`]
    /// says ([`Client::with_retry`]).
    ///
    /// # Errors
    /// [`ClientError::Transport`] when reqwest cannot build its client (no TLS backend).
    ///
    /// ```
    /// use std::time::Duration;
    /// use channel_auth::send::{Api, ApiUrl, Client};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let client = Client::new(Api::new(creds, ApiUrl::cluster("eu")?)?)?
    ///     .with_timeout(Duration::from_secs(3))
    ///     .with_max_response_body(64 * 1024);
    /// // then, in async code: client.trigger(&trigger).await?
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(api: Api) -> Result<Self, ClientError<TransportError>> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .connect_timeout(Self::CONNECT_TIMEOUT)
            .timeout(Self::TIMEOUT)
            .build()
            .map_err(|e| ClientError::Transport(TransportError::from_reqwest(e)))?;
        Ok(Self::with_http_client(api, http).with_retry(RetryPolicy::default()))
    }

    /// The same client, trying again as `policy` says (each try signed again; never a
    /// duplicate event: see [`RetryPolicy`]). Waits on tokio's timer, which reqwest runs
    /// on. [`Client::new`] starts with [`RetryPolicy::default`]; [`RetryPolicy::none`]
    /// turns retrying off.
    ///
    /// See [`Client::new`].
    #[must_use]
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The same client, each request timing out after `timeout` in total (connecting,
    /// sending, reading the answer). Applies to a caller's `reqwest::Client` too.
    ///
    /// See [`Client::new`].
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}
