//! [`ApiRequest`]: a signed request that knows its operation and the type of its answer.

use core::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::send::error::{ApiError, Operation};
use crate::send::response::parse_response;

/// A signed HTTP API request, built by [`Api`](crate::send::Api), that knows its
/// operation and reads its own answer into `R`, its response type.
///
/// Send [`ApiRequest::http`] (or [`ApiRequest::into_http`]) with any HTTP client, then
/// read the answer with [`ApiRequest::parse`]: the parser comes with the request, so the
/// answer to one operation is never read as another's. [`Client::send`](crate::send::Client::send)
/// does all three.
///
/// `Debug` shows the operation, method, path and body length: never the query, which
/// holds the signature.
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::send::{Api, ApiUrl, Info, Operation, Trigger};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("3".parse()?);
/// let api = Api::new(creds, ApiUrl::from_url("http://127.0.0.1:6001")?)?;
/// let trigger = Trigger::new("ev".parse()?, "hi", ["presence-room".parse()?]).with_info(Info::new().with_user_count());
/// let request = api.trigger(&trigger, SystemTime::now())?;
/// assert_eq!(request.operation(), Operation::Trigger);
/// assert_eq!(request.http().uri().path(), "/apps/3/events");
/// assert!(!format!("{request:?}").contains("auth_signature"));
///
/// // ... send `request.http()` with any client; then:
/// let answer = http::Response::builder().status(200).body(br#"{"channels":{"presence-room":{"user_count":2}}}"#.to_vec())?;
/// assert_eq!(request.parse(&answer)?.channels["presence-room"].user_count, Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The answer to `channels` cannot be read as the answer to `users`:
///
/// ```compile_fail,E0308
/// use std::time::SystemTime;
/// use channel_auth::send::{Api, ApiUrl, ChannelsQuery, UsersResponse};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("3".parse()?);
/// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
/// let request = api.channels(&ChannelsQuery::new(), SystemTime::now())?;
/// let answer = http::Response::new(br#"{"users":[]}"#.to_vec());
/// let users: UsersResponse = request.parse(&answer)?; // E0308: a ChannelsResponse
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ApiRequest<R> {
    request: http::Request<Vec<u8>>,
    operation: Operation,
    /// What was signed, but the time: for a retry, signed again at its own time.
    unsigned: Unsigned,
    response: PhantomData<fn() -> R>,
}

/// A request's signed parts but the time and the signature.
#[derive(Clone, Debug)]
pub(super) struct Unsigned {
    pub(super) post: bool,
    pub(super) path: String,
    pub(super) params: Vec<(&'static str, String)>,
}

impl<R> ApiRequest<R> {
    pub(super) fn new(request: http::Request<Vec<u8>>, operation: Operation, unsigned: Unsigned) -> Self {
        Self { request, operation, unsigned, response: PhantomData }
    }

    /// The signed request to send.
    #[must_use]
    pub fn http(&self) -> &http::Request<Vec<u8>> {
        &self.request
    }

    /// The signed request to send, by value (then read the answer with
    /// [`ApiRequest::parse`] on a request kept aside, or with
    /// [`Client::send`](crate::send::Client::send)).
    #[must_use]
    pub fn into_http(self) -> http::Request<Vec<u8>> {
        self.request
    }

    /// The operation the request performs.
    #[must_use]
    pub fn operation(&self) -> Operation {
        self.operation
    }

    pub(super) fn into_parts(self) -> (http::Request<Vec<u8>>, Operation, Unsigned) {
        (self.request, self.operation, self.unsigned)
    }
}

impl<R: DeserializeOwned> ApiRequest<R> {
    /// Reads the server's answer to this request.
    ///
    /// A 3xx is [`ApiError::Redirected`] (the API never redirects; following one would
    /// send the signed request elsewhere); a 429, or a 2xx body whose JSON `code` is 429
    /// (soketi's way), is [`ApiError::RateLimited`] with the `Retry-After` header's wait
    /// (seconds, or an HTTP date measured from the response's `Date`); any other status
    /// outside 2xx, or a 2xx body whose `code` any JSON reader takes for 400 or more
    /// (`404`, `404.0`, `4e2`, `"404"`), is [`ApiError::Refused`]; a 2xx body that is not
    /// the operation's JSON object is [`ApiError::InvalidResponse`]. An empty 2xx body
    /// is `{}`; unknown fields are ignored. Reads no clock.
    ///
    /// # Errors
    /// [`ApiError`], as above.
    pub fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<R, ApiError> {
        parse_response(self.operation, response)
    }
}

impl<R> Clone for ApiRequest<R> {
    fn clone(&self) -> Self {
        let mut request = http::Request::new(self.request.body().clone());
        *request.method_mut() = self.request.method().clone();
        *request.uri_mut() = self.request.uri().clone();
        *request.version_mut() = self.request.version();
        *request.headers_mut() = self.request.headers().clone();
        Self::new(request, self.operation, self.unsigned.clone())
    }
}

impl<R> core::fmt::Debug for ApiRequest<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("operation", &self.operation)
            .field("method", self.request.method())
            .field("path", &self.request.uri().path())
            .field("body_len", &self.request.body().len())
            .finish_non_exhaustive()
    }
}
