//! What sending refuses: before building ([`SendError`]) and after ([`ApiError`]).

use crate::error::{AuthError, ConfigError, InvalidInput};
use crate::names::ChannelName;

/// A request was refused before anything was built: a limit, a rule of the protocol, or
/// a value that cannot be signed. Nothing was sent.
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::send::{Api, ApiUrl, SendError, Trigger};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let api = Api::new(creds, ApiUrl::cluster("mt1")?)?;
/// let trigger = Trigger::new("ev".parse()?, "hi", []);
/// let err = api.trigger(&trigger, SystemTime::now()).unwrap_err();
/// assert_eq!(err, SendError::NoChannels);
/// assert_eq!(err.to_string(), "no channel to trigger on");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Configuration: the credentials given to [`Api::new`](crate::send::Api::new) carry
    /// no app id ([`ConfigError::MissingAppId`]: every request path names it), or a
    /// `private-encrypted-` channel's event needs the encryption master key they lack
    /// ([`ConfigError::MissingMasterKey`]; in a batch, inside [`SendError::InBatch`]).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A trigger names no channel.
    #[error("no channel to trigger on")]
    NoChannels,
    /// A trigger names more channels than [`Limits::max_channels`](crate::send::Limits::max_channels).
    #[error("too many channels: {len}, at most {max}")]
    TooManyChannels {
        /// The limit.
        max: usize,
        /// How many were given.
        len: usize,
    },
    /// A batch holds no event.
    #[error("empty batch")]
    EmptyBatch,
    /// A batch holds more events than [`Limits::max_batch`](crate::send::Limits::max_batch).
    #[error("batch too large: {len} events, at most {max}")]
    BatchTooLarge {
        /// The limit.
        max: usize,
        /// How many were given.
        len: usize,
    },
    /// The `data` to send (after encryption, for an encrypted channel) is longer than
    /// [`Limits::max_data_len`](crate::send::Limits::max_data_len).
    #[error("data too long: {len} bytes as sent, at most {max}")]
    DataTooLong {
        /// The limit, in bytes.
        max: usize,
        /// The length as it would be sent, in bytes.
        len: usize,
    },
    /// A `private-encrypted-` channel among several: each encrypted channel has its own
    /// key, so it is only ever triggered alone.
    #[error("encrypted channel {channel} cannot be triggered together with other channels")]
    EncryptedAmongSeveral {
        /// The encrypted channel.
        channel: ChannelName,
    },
    /// `users` of a channel that is not a `presence-` channel.
    #[error("{channel} is not a presence channel")]
    NotPresenceChannel {
        /// The channel.
        channel: ChannelName,
    },
    /// A `#server-to-user-` channel given to an operation other than
    /// [`Api::send_to_user`](crate::send::Api::send_to_user).
    #[error("{channel} is reserved: use send_to_user")]
    ServerToUserChannel {
        /// The channel.
        channel: ChannelName,
    },
    /// An info attribute that does not apply: `user_count` on a channel that is not a
    /// `presence-` channel (or on a channel list not filtered by `presence-`),
    /// `subscription_count` on a channel list.
    #[error("info attribute {attribute} does not apply{}", channel.as_ref().map(|c| format!(" to {c}")).unwrap_or_default())]
    InfoNotApplicable {
        /// The attribute (`user_count` or `subscription_count`).
        attribute: &'static str,
        /// The channel it does not apply to, if one.
        channel: Option<ChannelName>,
    },
    /// One event of a batch was refused.
    #[error("batch event {index}: {source}")]
    InBatch {
        /// The event's index in the batch.
        index: usize,
        /// Why.
        source: Box<SendError>,
    },
    /// Encryption refused the channel.
    #[error("encryption: {0}")]
    Encryption(AuthError),
    /// A value cannot be signed (see [`sign_api_request`](crate::api::sign_api_request)).
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// [`Trigger::json`](crate::send::Trigger::json) or
    /// [`BatchEvent::json`](crate::send::BatchEvent::json) could not encode the value as
    /// JSON.
    #[error("event data could not be encoded as JSON")]
    DataNotJson,
    /// The JSON body could not be written.
    #[error("request body could not be serialized")]
    Body,
    /// The `http` crate refused the assembled request.
    #[error("request could not be assembled")]
    Request,
}

/// Which API operation an [`ApiError`] is about.
///
/// ```
/// assert_eq!(channel_auth::send::Operation::TriggerBatch.to_string(), "trigger_batch");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /apps/<id>/events`.
    Trigger,
    /// `POST /apps/<id>/batch_events`.
    TriggerBatch,
    /// `GET /apps/<id>/channels`.
    Channels,
    /// `GET /apps/<id>/channels/<channel>`.
    Channel,
    /// `GET /apps/<id>/channels/<channel>/users`.
    Users,
    /// `POST /apps/<id>/users/<user>/terminate_connections`.
    TerminateUserConnections,
    /// `POST /apps/<id>/events` on `#server-to-user-<user>`.
    SendToUser,
}

impl Operation {
    /// The operation's name, snake case.
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Operation::Users.as_str(), "users");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Trigger => "trigger",
            Self::TriggerBatch => "trigger_batch",
            Self::Channels => "channels",
            Self::Channel => "channel",
            Self::Users => "users",
            Self::TerminateUserConnections => "terminate_user_connections",
            Self::SendToUser => "send_to_user",
        }
    }
}

impl core::fmt::Display for Operation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The server refused a request, or answered something that is not the operation's
/// response.
///
/// Carries the operation, the status and the server's message (at most
/// [`ApiError::MAX_MESSAGE_LEN`] characters, printed escaped); never the request's URL,
/// query or signature. soketi answers some refusals with HTTP 200 and a JSON `code` of
/// 4xx/5xx: that is a [`ApiError::Refused`] with that code as its status (or
/// [`ApiError::RateLimited`] for 429), however a JSON reader could read the code.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use channel_auth::send::{Api, ApiError, ApiUrl, Operation, Trigger};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
/// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
/// let request = api.trigger(&Trigger::new("ev".parse()?, "hi", ["news".parse()?]), SystemTime::now())?;
///
/// let response = http::Response::builder().status(401).body(b"Invalid signature".to_vec())?;
/// let err = request.parse(&response).unwrap_err();
/// assert_eq!((err.status(), err.operation()), (401, Operation::Trigger));
/// assert_eq!(err.to_string(), "trigger refused with status 401: \"Invalid signature\"");
///
/// // soketi's refusals: HTTP 200 and a JSON code, however it is written.
/// let soketi = http::Response::new(br#"{"code":"404","error":"no such app"}"#.to_vec());
/// assert!(matches!(request.parse(&soketi), Err(ApiError::Refused { status: 404, .. })));
/// let limited = http::Response::builder().status(429).header("retry-after", "2").body(Vec::new())?;
/// assert_eq!(
///     request.parse(&limited).unwrap_err(),
///     ApiError::RateLimited { operation: Operation::Trigger, retry_after: Some(Duration::from_secs(2)) }
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The server said no: a status outside 2xx (but 3xx and 429), or a 2xx body whose
    /// JSON `code` any JSON reader takes for 400 or more (`404`, `404.0`, `4e2`, `"404"`).
    #[error("{operation} refused with status {status}: {message:?}")]
    Refused {
        /// The operation.
        operation: Operation,
        /// The HTTP status, or the JSON `code` of a 2xx body.
        status: u16,
        /// The server's message (its JSON `error`/`message`, or the body's text), cut
        /// short.
        message: String,
    },
    /// Too many requests: HTTP 429, or a 2xx body whose JSON `code` is 429 (soketi's
    /// way). Wait `retry_after` (the `Retry-After` header, in seconds or as an HTTP
    /// date, when the server sent one) before trying again.
    #[error("{operation} rate limited{}", retry_after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The operation.
        operation: Operation,
        /// How long the server asked to wait, if it said.
        retry_after: Option<core::time::Duration>,
    },
    /// The answer was a redirect (3xx), or came from another URL than the request's (a
    /// client that follows redirects). The HTTP API never redirects; following one
    /// sends the signed request, replayable for minutes, to another host.
    #[error("{operation}: answered by a redirect (status {status}), refused")]
    Redirected {
        /// The operation.
        operation: Operation,
        /// The HTTP status of the answer.
        status: u16,
    },
    /// The answer's body is longer than the client's limit; reading stopped there.
    #[error("{operation}: response body over {limit} bytes, not read")]
    TooLarge {
        /// The operation.
        operation: Operation,
        /// The HTTP status of the answer.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A 2xx answer that is not the operation's JSON response.
    #[error("{operation}: unreadable response with status {status}: {reason}")]
    InvalidResponse {
        /// The operation.
        operation: Operation,
        /// The HTTP status.
        status: u16,
        /// What was wrong (the JSON parser's message; it quotes nothing of the body).
        reason: String,
    },
}

impl ApiError {
    /// The longest server message kept, in characters.
    pub const MAX_MESSAGE_LEN: usize = 200;

    /// The operation.
    #[must_use]
    pub fn operation(&self) -> Operation {
        match self {
            Self::Refused { operation, .. }
            | Self::RateLimited { operation, .. }
            | Self::Redirected { operation, .. }
            | Self::TooLarge { operation, .. }
            | Self::InvalidResponse { operation, .. } => *operation,
        }
    }

    /// The status (for [`ApiError::Refused`] from a 2xx body: its JSON `code`; 429 for
    /// [`ApiError::RateLimited`]).
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::Refused { status, .. }
            | Self::Redirected { status, .. }
            | Self::TooLarge { status, .. }
            | Self::InvalidResponse { status, .. } => *status,
            Self::RateLimited { .. } => 429,
        }
    }

    /// The server's message (empty but for [`ApiError::Refused`]).
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            Self::Refused { message, .. } => message,
            Self::RateLimited { .. }
            | Self::Redirected { .. }
            | Self::TooLarge { .. }
            | Self::InvalidResponse { .. } => "",
        }
    }
}

/// A transport failure of this crate's [`HttpClient`](crate::send::HttpClient) for
/// `reqwest::Client` (and the transport half of a [`ClientError`](crate::send::ClientError)
/// once it is a [`crate::Error`]): what happened, never the URL (its query holds the
/// signature).
///
/// ```
/// use channel_auth::send::{ClientError, TransportError};
///
/// let err: ClientError<std::io::Error> = ClientError::Transport(std::io::ErrorKind::TimedOut.into());
/// let err = channel_auth::Error::from(err);
/// assert!(matches!(&err, channel_auth::Error::Transport(t) if t.to_string() == "timed out"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if *.timeout { "timed out: " } else { "" })]
pub struct TransportError {
    timeout: bool,
    connect: bool,
    message: String,
    answered: Option<Answered>,
}

/// An answer the transport refused to hand over, said as an [`ApiError`] by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
pub(crate) enum Answered {
    /// The answer came from another URL than the request's.
    FromElsewhere { status: u16 },
    /// The body is longer than `limit`.
    TooLarge { status: u16, limit: usize },
}

impl TransportError {
    /// Whether the request timed out.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        self.timeout
    }

    /// Whether the connection could not be made (refused, name not resolved, TLS
    /// handshake failed): the request was not sent, so trying again publishes nothing
    /// twice.
    #[must_use]
    pub fn is_connect(&self) -> bool {
        self.connect
    }

    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    pub(crate) fn with_connect(mut self, connect: bool) -> Self {
        self.connect = connect;
        self
    }

    /// `err` and its sources, as text.
    pub(crate) fn from_error(err: &(dyn std::error::Error + 'static), timeout: bool) -> Self {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(inner) = source {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            source = inner.source();
        }
        Self { timeout, connect: false, message, answered: None }
    }

    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    pub(crate) fn answered(answered: Answered) -> Self {
        let message = match answered {
            Answered::FromElsewhere { status } => {
                format!("answer (status {status}) from another URL than the request's")
            }
            Answered::TooLarge { status, limit } => format!("answer (status {status}) body over {limit} bytes"),
        };
        Self { timeout: false, connect: false, message, answered: Some(answered) }
    }

    /// The [`ApiError`] this failure is, when the server did answer.
    pub(crate) fn api_error(&self, operation: Operation) -> Option<ApiError> {
        Some(match self.answered? {
            Answered::FromElsewhere { status } => ApiError::Redirected { operation, status },
            Answered::TooLarge { status, limit } => ApiError::TooLarge { operation, status, limit },
        })
    }
}
