//! Sending the sans-IO requests: a one-method [`HttpClient`] trait and a [`Client`] that
//! builds, sends and parses. The `reqwest` feature implements the trait with reqwest
//! (rustls); any other HTTP client can implement it.

use core::future::Future;
#[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(unused_imports))]
use std::time::SystemTime;

#[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(unused_imports))]
use crate::names::{ChannelName, EventName, UserId};
use crate::send::error::{ApiError, SendError};
#[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(unused_imports))]
use crate::send::response::{
    BatchResponse, ChannelResponse, ChannelsResponse, TerminateResponse, TriggerResponse, UsersResponse, parse_channel,
    parse_channels, parse_send_to_user, parse_terminate_user_connections, parse_trigger, parse_trigger_batch,
    parse_users,
};
#[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(unused_imports))]
use crate::send::{Api, BatchEvent, ChannelsQuery, Info, Trigger};

/// Sends one request and returns the whole response: all [`Client`] needs of an HTTP
/// client.
///
/// An implementation with hyper 1 over a plain TCP connection (`http://` only; add a
/// TLS connector for `https://`):
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
///         let bytes = body.collect().await.map_err(std::io::Error::other)?.to_bytes().to_vec();
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

/// [`Api`] plus an [`HttpClient`]: builds each request, sends it, parses the answer.
///
/// The methods read the clock; the [`Api`] methods take the time for callers that
/// cannot (see [`Api::trigger`]).
///
/// ```
/// use channel_auth::send::{Api, ApiUrl, Client, HttpClient, Trigger};
/// use channel_auth::Credentials;
///
/// // A stand-in transport that answers every request with `{}`.
/// struct Always;
/// impl HttpClient for Always {
///     type Error = std::io::Error;
///     async fn send(&self, _: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, std::io::Error> {
///         Ok(http::Response::new(b"{}".to_vec()))
///     }
/// }
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let client = Client::with_http_client(Api::new(creds, ApiUrl::cluster("eu")?)?, Always);
/// let trigger = Trigger::new("ev".parse()?, "hi", ["news".parse()?]);
/// let response = futures_executor_free_block_on(client.trigger(&trigger))?;
/// assert!(response.channels.is_empty());
/// # fn futures_executor_free_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client<H> {
    api: Api,
    // Read only by the clock-reading methods, which wasm32-unknown-unknown lacks.
    #[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), allow(dead_code))]
    http: H,
}

impl<H: HttpClient> Client<H> {
    /// A client sending through `http`.
    ///
    /// ```
    /// use channel_auth::send::{Api, ApiUrl, Client, HttpClient};
    /// use channel_auth::Credentials;
    /// struct Never;
    /// impl HttpClient for Never {
    ///     type Error = std::io::Error;
    ///     async fn send(&self, _: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, std::io::Error> {
    ///         Err(std::io::ErrorKind::NotConnected.into())
    ///     }
    /// }
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let client = Client::with_http_client(Api::new(creds, ApiUrl::cluster("eu")?)?, Never);
    /// assert_eq!(client.api().app_id().as_str(), "1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_http_client(api: Api, http: H) -> Self {
        Self { api, http }
    }

    /// The API requests are built with.
    ///
    /// See [`Client::with_http_client`].
    pub fn api(&self) -> &Api {
        &self.api
    }
}

// The methods below read the clock (and, for encrypted channels, the OS random source),
// so each is not compiled for `wasm32-unknown-unknown`: there, build each request with
// `Api` at the runtime's time and send it with the runtime's own client.
impl<H: HttpClient> Client<H> {
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, ClientError<H::Error>> {
        self.http.send(request).await.map_err(ClientError::Transport)
    }

    /// Builds ([`Api::trigger`]) at the current time, sends, parses ([`parse_trigger`]).
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub async fn trigger(&self, trigger: &Trigger) -> Result<TriggerResponse, ClientError<H::Error>> {
        let response = self.send(self.api.trigger(trigger, SystemTime::now())?).await?;
        Ok(parse_trigger(&response)?)
    }

    /// Builds ([`Api::trigger_batch`]) at the current time, sends, parses
    /// ([`parse_trigger_batch`]).
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub async fn trigger_batch(&self, events: &[BatchEvent]) -> Result<BatchResponse, ClientError<H::Error>> {
        let response = self.send(self.api.trigger_batch(events, SystemTime::now())?).await?;
        Ok(parse_trigger_batch(&response)?)
    }

    /// Builds ([`Api::channels`]) at the current time, sends, parses ([`parse_channels`]).
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub async fn channels(&self, query: &ChannelsQuery) -> Result<ChannelsResponse, ClientError<H::Error>> {
        let response = self.send(self.api.channels(query, SystemTime::now())?).await?;
        Ok(parse_channels(&response)?)
    }

    /// Builds ([`Api::channel`]) at the current time, sends, parses ([`parse_channel`]).
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub async fn channel(&self, channel: &ChannelName, info: Info) -> Result<ChannelResponse, ClientError<H::Error>> {
        let response = self.send(self.api.channel(channel, info, SystemTime::now())?).await?;
        Ok(parse_channel(&response)?)
    }

    /// Builds ([`Api::users`]) at the current time, sends, parses ([`parse_users`]).
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub async fn users(&self, channel: &ChannelName) -> Result<UsersResponse, ClientError<H::Error>> {
        let response = self.send(self.api.users(channel, SystemTime::now())?).await?;
        Ok(parse_users(&response)?)
    }

    /// Builds ([`Api::terminate_user_connections`]) at the current time, sends, parses
    /// ([`parse_terminate_user_connections`]).
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub async fn terminate_user_connections(&self, user: &UserId) -> Result<TerminateResponse, ClientError<H::Error>> {
        let response = self.send(self.api.terminate_user_connections(user, SystemTime::now())?).await?;
        Ok(parse_terminate_user_connections(&response)?)
    }

    /// Builds ([`Api::send_to_user`]) at the current time, sends, parses
    /// ([`parse_send_to_user`]).
    ///
    /// # Errors
    /// [`ClientError`]: refused before sending, by the server, or by the transport.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub async fn send_to_user(
        &self,
        user: &UserId,
        event: &EventName,
        data: impl Into<String>,
    ) -> Result<TriggerResponse, ClientError<H::Error>> {
        let response = self.send(self.api.send_to_user(user, event, data, SystemTime::now())?).await?;
        Ok(parse_send_to_user(&response)?)
    }
}

#[cfg(feature = "reqwest")]
pub use self::reqwest_client::{ReqwestHttp, TransportError};

#[cfg(feature = "reqwest")]
mod reqwest_client {
    use std::time::Duration;

    use super::{Client, ClientError, HttpClient};
    use crate::send::Api;

    /// A transport failure from [`ReqwestHttp`]: what happened, never the URL (its
    /// query holds the signature).
    ///
    /// ```
    /// use channel_auth::send::ReqwestHttp;
    /// assert!(ReqwestHttp::new(std::time::Duration::from_secs(5)).is_ok());
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("{}{message}", if *.timeout { "timed out: " } else { "" })]
    pub struct TransportError {
        timeout: bool,
        message: String,
    }

    impl TransportError {
        /// Whether the request timed out.
        ///
        /// See [`ReqwestHttp`].
        #[must_use]
        pub fn is_timeout(&self) -> bool {
            self.timeout
        }

        fn from_reqwest(err: reqwest::Error) -> Self {
            let timeout = err.is_timeout();
            let err = err.without_url();
            let mut message = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(inner) = source {
                message.push_str(": ");
                message.push_str(&inner.to_string());
                source = inner.source();
            }
            Self { timeout, message }
        }
    }

    /// [`HttpClient`] over a `reqwest::Client` (rustls, no OpenSSL) with a timeout for
    /// the whole request.
    ///
    /// ```
    /// use std::time::Duration;
    /// use channel_auth::send::{Api, ApiUrl, Client, ReqwestHttp};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
    /// let client = Client::with_http_client(api, ReqwestHttp::new(Duration::from_secs(10))?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[derive(Debug, Clone)]
    pub struct ReqwestHttp {
        client: reqwest::Client,
    }

    impl ReqwestHttp {
        /// A reqwest client whose every request times out after `timeout`.
        ///
        /// # Errors
        /// [`TransportError`] when reqwest cannot build its client (no TLS backend).
        pub fn new(timeout: Duration) -> Result<Self, TransportError> {
            let client = reqwest::Client::builder().timeout(timeout).build().map_err(TransportError::from_reqwest)?;
            Ok(Self { client })
        }
    }

    impl HttpClient for ReqwestHttp {
        type Error = TransportError;

        async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
            let request = reqwest::Request::try_from(request).map_err(TransportError::from_reqwest)?;
            let response = self.client.execute(request).await.map_err(TransportError::from_reqwest)?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(TransportError::from_reqwest)?;
            let mut out = http::Response::new(bytes.to_vec());
            *out.status_mut() = status;
            Ok(out)
        }
    }

    impl Client<ReqwestHttp> {
        /// A client over reqwest, every request timing out after `timeout`.
        ///
        /// # Errors
        /// [`ClientError::Transport`] when reqwest cannot build its client.
        ///
        /// ```
        /// use std::time::Duration;
        /// use channel_auth::send::{Api, ApiUrl, Client};
        /// use channel_auth::Credentials;
        ///
        /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
        /// let client = Client::new(Api::new(creds, ApiUrl::cluster("eu")?)?, Duration::from_secs(10))?;
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn new(api: Api, timeout: Duration) -> Result<Self, ClientError<TransportError>> {
            Ok(Self::with_http_client(api, ReqwestHttp::new(timeout).map_err(ClientError::Transport)?))
        }
    }
}
