//! Sending the sans-IO requests: a one-method [`HttpClient`] trait and a [`Client`] that
//! builds, sends and parses. The `reqwest` feature implements the trait with reqwest
//! (rustls); any other HTTP client can implement it.

use core::future::Future;
#[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(unused_imports))]
use std::time::SystemTime;

use serde::de::DeserializeOwned;

#[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(unused_imports))]
use crate::names::{ChannelName, EventName, UserId};
use crate::send::error::{ApiError, Operation, SendError, TransportError};
use crate::send::request::ApiRequest;
#[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(unused_imports))]
use crate::send::response::{
    BatchResponse, ChannelResponse, ChannelsResponse, TerminateResponse, TriggerResponse, UsersResponse, parse_response,
};
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
use crate::send::retry::{Failure, RetryPolicy};
#[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(unused_imports))]
use crate::send::{Api, BatchEvent, ChannelsQuery, Info, Trigger};

/// Sends one request and returns the whole response: all [`Client`] needs of an HTTP
/// client.
///
/// Implemented for closures (below) and, with the `reqwest` feature, for a
/// `reqwest::Client`. Your own: bound the body you read (as below), follow no
/// redirect, and put no URL in your error (its query holds the signature).
///
/// An implementation with hyper 1 over a plain TCP connection (`http://` only; add a
/// TLS connector for `https://`), reading at most 1 MiB of a body:
///
/// ```no_run
/// use channel_auth::send::{Api, ApiUrl, Client, HttpClient, Trigger};
/// use channel_auth::Credentials;
/// use http_body_util::{BodyExt, Full};
/// use hyper::body::Bytes;
///
/// struct Hyper;
///
/// impl HttpClient for Hyper {
///     type Error = std::io::Error;
///
///     async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, std::io::Error> {
///         let authority = request.uri().authority().ok_or(std::io::ErrorKind::InvalidInput)?.to_string();
///         let stream = tokio::net::TcpStream::connect(authority.as_str()).await?;
///         let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, Full<Bytes>>(
///             hyper_util::rt::TokioIo::new(stream),
///         )
///         .await
///         .map_err(std::io::Error::other)?;
///         tokio::spawn(connection);
///         let (mut parts, body) = request.into_parts();
///         parts.headers.insert(http::header::HOST, authority.parse().map_err(std::io::Error::other)?);
///         let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
///         let response = sender.send_request(request).await.map_err(std::io::Error::other)?;
///         let (parts, body) = response.into_parts();
///         let limited = http_body_util::Limited::new(body, 1 << 20);
///         let bytes = limited.collect().await.map_err(std::io::Error::other)?.to_bytes().to_vec();
///         Ok(http::Response::from_parts(parts, bytes))
///     }
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
///     let client = Client::with_http_client(Api::new(creds, ApiUrl::from_url("http://127.0.0.1:6001")?)?, Hyper);
///     client.trigger(&Trigger::new("ev".parse()?, "hi", ["news".parse()?])).await?;
///     Ok(())
/// }
/// ```
pub trait HttpClient {
    /// The transport's error (connection refused, timeout, ...). It should not carry the
    /// request URL: the query holds the signature.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends `request`, returns the status, headers and whole body.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, Self::Error>> + Send;
}

/// Any `Fn(http::Request<Vec<u8>>) -> impl Future<Output = Result<http::Response<Vec<u8>>, E>>`
/// is an [`HttpClient`]: a test double, or a few lines over the client an app already has.
///
/// ```
/// use channel_auth::send::{Api, ApiUrl, Client, Trigger};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let answer_ok = |request: http::Request<Vec<u8>>| async move {
///     assert_eq!(request.uri().path(), "/apps/1/events");
///     Ok::<_, std::io::Error>(http::Response::new(b"{}".to_vec()))
/// };
/// let client = Client::with_http_client(Api::new(creds, ApiUrl::cluster("eu")?)?, answer_ok);
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// runtime.block_on(client.trigger(&Trigger::new("ev".parse()?, "hi", ["news".parse()?])))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<F, Fut, E> HttpClient for F
where
    F: Fn(http::Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<http::Response<Vec<u8>>, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn send(&self, request: http::Request<Vec<u8>>) -> impl Future<Output = Result<http::Response<Vec<u8>>, E>> + Send {
        self(request)
    }
}

/// Why a [`Client`] call failed.
///
/// ```
/// use channel_auth::send::{ClientError, SendError};
///
/// let err: ClientError<std::io::Error> = ClientError::Send(SendError::NoChannels);
/// assert_eq!(err.to_string(), "no channel to trigger on");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError<E: std::error::Error + 'static> {
    /// Refused before sending.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The server refused, or answered something unreadable.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request did not get an answer.
    #[error("transport: {0}")]
    Transport(#[source] E),
}

/// [`Api`] plus an [`HttpClient`]: sends any [`ApiRequest`] and reads its answer
/// ([`Client::send`]); one-line conveniences build at the current time first.
///
/// The conveniences read the clock; build with [`Api`] at a time of your own and call
/// [`Client::send`] where the clock is not yours to read (see [`Api::trigger`]).
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::send::{Api, ApiUrl, Client, ClientError, Trigger};
/// use channel_auth::Credentials;
///
/// // A stand-in transport that answers every request with `{}`.
/// let always = |_: http::Request<Vec<u8>>| async { Ok::<_, std::io::Error>(http::Response::new(b"{}".to_vec())) };
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let client = Client::with_http_client(Api::new(creds, ApiUrl::cluster("eu")?)?, always);
/// let trigger = Trigger::new("ev".parse()?, "hi", ["news".parse()?]);
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
///
/// // The one generic path: any request built by `Api`, its own response type back.
/// let request = client.api().trigger(&trigger, SystemTime::now())?;
/// assert!(runtime.block_on(client.send(request))?.channels.is_empty());
/// // The same at the current time, in one line.
/// assert!(runtime.block_on(client.trigger(&trigger))?.channels.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client<H> {
    api: Api,
    http: H,
    max_response_body: usize,
    #[cfg(feature = "reqwest")]
    pub(super) timeout: Option<core::time::Duration>,
    #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
    pub(super) retry: RetryPolicy,
}

/// The most bytes of a response body a [`Client`] reads, by default: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 1 << 20;

/// The body limit, as a request extension, for the transports of this crate (which read
/// at most that many bytes).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
pub(super) struct ResponseLimit(pub(super) usize);

impl<H: HttpClient> Client<H> {
    /// A client sending through `http`, reading at most [`DEFAULT_MAX_RESPONSE_BODY`]
    /// bytes of an answer, trying each request once (with a `reqwest::Client`, feature
    /// `reqwest`: `Client::with_retry` adds retries, as [`Client::new`](Client#method.new)
    /// has by default).
    ///
    /// See [`Client`].
    pub fn with_http_client(api: Api, http: H) -> Self {
        Self {
            api,
            http,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            #[cfg(feature = "reqwest")]
            timeout: None,
            #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
            retry: RetryPolicy::none(),
        }
    }

    /// The same client reading at most `bytes` of a response body; a longer one is
    /// [`ApiError::TooLarge`]. The transports of this crate stop reading there; another
    /// [`HttpClient`] returns the whole body first, so bound it there too.
    ///
    /// See [`Client::send`].
    #[must_use]
    pub fn with_max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// The API requests are built with.
    ///
    /// See [`Client`].
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Sends `request` and reads the answer as its operation's response type.
    ///
    /// # Errors
    /// [`ClientError::Api`] when the server refused or answered something unreadable
    /// (see [`ApiRequest::parse`]), or with a body over the limit
    /// ([`Client::with_max_response_body`]); [`ClientError::Transport`] when there was
    /// no answer.
    pub async fn send<R: DeserializeOwned>(&self, request: ApiRequest<R>) -> Result<R, ClientError<H::Error>> {
        #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
        if self.retry.max_tries() > 1 {
            return self.send_with_retries(request).await;
        }
        let (request, operation, unsigned) = request.into_parts();
        self.try_once(request, operation, unsigned.post, 1).await
    }

    /// Tries `first`, then again (signed again each time) as the policy says.
    #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
    async fn send_with_retries<R: DeserializeOwned>(&self, first: ApiRequest<R>) -> Result<R, ClientError<H::Error>> {
        let started = std::time::Instant::now();
        let body = first.http().body().clone();
        let (request, operation, unsigned) = first.into_parts();
        let post = unsigned.post;
        let mut outcome = self.try_once(request, operation, post, 1).await;
        let mut tries = 1;
        loop {
            let failure = match &outcome {
                Ok(_) => return outcome,
                Err(err) => failure_of(err),
            };
            let Some(wait) = self.retry.wait(post, failure, tries, started.elapsed(), jitter()) else {
                return outcome;
            };
            tokio::time::sleep(wait).await;
            let again: ApiRequest<R> = self.api.sign(operation, unsigned.clone(), body.clone(), SystemTime::now())?;
            let (request, _, _) = again.into_parts();
            tries += 1;
            outcome = self.try_once(request, operation, post, tries).await;
        }
    }

    /// One try (number `attempt`), traced with the `tracing` feature.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    async fn try_once<R: DeserializeOwned>(
        &self,
        request: http::Request<Vec<u8>>,
        operation: Operation,
        post: bool,
        attempt: u32,
    ) -> Result<R, ClientError<H::Error>> {
        #[cfg(all(feature = "tracing", not(all(target_arch = "wasm32", target_os = "unknown"))))]
        let started = std::time::Instant::now();
        let outcome = self.send_parse(request, operation).await;
        #[cfg(all(feature = "tracing", not(all(target_arch = "wasm32", target_os = "unknown"))))]
        trace_attempt(operation, post, attempt, started.elapsed(), &outcome);
        outcome.map(|(response, _status)| response)
    }

    /// Sends, bounds the body, parses.
    async fn send_parse<R: DeserializeOwned>(
        &self,
        mut request: http::Request<Vec<u8>>,
        operation: Operation,
    ) -> Result<(R, u16), ClientError<H::Error>> {
        request.extensions_mut().insert(ResponseLimit(self.max_response_body));
        #[cfg(feature = "reqwest")]
        if let Some(timeout) = self.timeout {
            request.extensions_mut().insert(super::reqwest::RequestTimeout(timeout));
        }
        let response = match self.http.send(request).await {
            Ok(response) => response,
            Err(err) => {
                // This crate's own transport says some answers in its error: an answer
                // over the limit, or from another URL than the request's.
                let ours = (&err as &dyn core::any::Any).downcast_ref::<TransportError>();
                return Err(match ours.and_then(|t| t.api_error(operation)) {
                    Some(api) => ClientError::Api(api),
                    None => ClientError::Transport(err),
                });
            }
        };
        if response.body().len() > self.max_response_body {
            let status = response.status().as_u16();
            return Err(ApiError::TooLarge { operation, status, limit: self.max_response_body }.into());
        }
        Ok((parse_response(operation, &response)?, response.status().as_u16()))
    }
}

/// One event per send attempt: what was asked and how it went, never the URL, query,
/// signature, socket id or data (none of them is in these fields).
#[cfg(all(feature = "tracing", not(all(target_arch = "wasm32", target_os = "unknown"))))]
fn trace_attempt<R, E: std::error::Error + 'static>(
    operation: Operation,
    post: bool,
    attempt: u32,
    took: core::time::Duration,
    outcome: &Result<(R, u16), ClientError<E>>,
) {
    let method = if post { "POST" } else { "GET" };
    let duration_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
    let (result, status) = match outcome {
        Ok((_, status)) => ("ok", *status),
        Err(ClientError::Send(_)) => ("send_error", 0),
        Err(ClientError::Api(err)) => (
            match err {
                ApiError::Refused { .. } => "refused",
                ApiError::RateLimited { .. } => "rate_limited",
                ApiError::Redirected { .. } => "redirected",
                ApiError::TooLarge { .. } => "too_large",
                _ => "invalid_response",
            },
            err.status(),
        ),
        Err(ClientError::Transport(_)) => ("transport", 0),
    };
    let operation = operation.as_str();
    if outcome.is_ok() {
        tracing::debug!(target: "channel_auth::send", operation, method, attempt, outcome = result, status, duration_ms, "sent");
    } else {
        tracing::warn!(target: "channel_auth::send", operation, method, attempt, outcome = result, status, duration_ms, "send failed");
    }
}

/// What a failed try means for retrying it.
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
fn failure_of<E: std::error::Error + 'static>(err: &ClientError<E>) -> Failure {
    match err {
        ClientError::Api(ApiError::RateLimited { retry_after, .. }) => Failure::RateLimited(*retry_after),
        ClientError::Api(ApiError::Refused { status: 500..=599, .. }) => Failure::ServerError,
        ClientError::Transport(err) => {
            let ours = (err as &dyn core::any::Any).downcast_ref::<TransportError>();
            Failure::Transport { not_sent: ours.is_some_and(TransportError::is_connect) }
        }
        _ => Failure::Final,
    }
}

/// `0..=1000`, from the OS's randomness (no jitter if it has none).
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
fn jitter() -> u32 {
    let mut bytes = [0u8; 4];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => u32::from_le_bytes(bytes) % 1001,
        Err(_) => 0,
    }
}

// The conveniences read the clock (and, for encrypted channels, the OS random source),
// so none is compiled for `wasm32-unknown-unknown`: there, build each request with
// `Api` at the runtime's time and call `Client::send`.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
impl<H: HttpClient> Client<H> {
    /// [`Api::trigger`] at the current time, then [`Client::send`].
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    pub async fn trigger(&self, trigger: &Trigger) -> Result<TriggerResponse, ClientError<H::Error>> {
        self.send(self.api.trigger(trigger, now())?).await
    }

    /// [`Api::trigger_batch`] at the current time, then [`Client::send`].
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    pub async fn trigger_batch(&self, events: &[BatchEvent]) -> Result<BatchResponse, ClientError<H::Error>> {
        self.send(self.api.trigger_batch(events, now())?).await
    }

    /// [`Api::channels`] at the current time, then [`Client::send`].
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    pub async fn channels(&self, query: &ChannelsQuery) -> Result<ChannelsResponse, ClientError<H::Error>> {
        self.send(self.api.channels(query, now())?).await
    }

    /// [`Api::channel`] at the current time, then [`Client::send`].
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    pub async fn channel(&self, channel: &ChannelName, info: Info) -> Result<ChannelResponse, ClientError<H::Error>> {
        self.send(self.api.channel(channel, info, now())?).await
    }

    /// [`Api::users`] at the current time, then [`Client::send`].
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    pub async fn users(&self, channel: &ChannelName) -> Result<UsersResponse, ClientError<H::Error>> {
        self.send(self.api.users(channel, now())?).await
    }

    /// [`Api::terminate_user_connections`] at the current time, then [`Client::send`].
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    pub async fn terminate_user_connections(&self, user: &UserId) -> Result<TerminateResponse, ClientError<H::Error>> {
        self.send(self.api.terminate_user_connections(user, now())?).await
    }

    /// [`Api::send_to_user`] at the current time, then [`Client::send`].
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    pub async fn send_to_user(
        &self,
        user: &UserId,
        event: &EventName,
        data: impl Into<String>,
    ) -> Result<TriggerResponse, ClientError<H::Error>> {
        self.send(self.api.send_to_user(user, event, data, now())?).await
    }
}

/// The clock the conveniences read: the one read of `SystemTime::now` for them.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn now() -> SystemTime {
    SystemTime::now()
}
