//! The root error types, one per question a caller asks:
//!
//! - [`InvalidInput`]: a value was refused when it was made (a socket id, a channel name,
//!   a presence member, an API parameter). It says which rule broke and where.
//! - [`AuthError`]: the backend asked to sign something the protocol does not allow
//!   (a public channel, a presence channel without a member, ...).
//! - [`VerifyError`]: a credential did not verify. These stay coarse: they tell the
//!   sender nothing they did not send, and never carry a secret or an expected signature.
//! - [`ConfigError`]: the application's own setup lacks what an operation needs (an
//!   encryption master key, an app id, a clock). Signing, verifying and sending report
//!   it through their own error ([`AuthError::Config`], [`VerifyError::Config`]), so a
//!   configuration mistake reads the same wherever it surfaces.
//!
//! Each module's own errors sit beside it (`webhook::WebhookError`, `faye::FayeError`,
//! `env::EnvError`, `send::SendError`, `integrations::RequestError`, ...), and every one
//! of them converts into the crate-level [`Error`](crate::Error).

use core::fmt;

/// Which kind of value an [`InvalidInput`] is about.
///
/// ```
/// use channel_auth::{InputKind, SocketId};
///
/// let err = "1.1:private-b".parse::<SocketId>().unwrap_err();
/// assert_eq!(err.kind(), InputKind::SocketId);
/// assert_eq!(InputKind::SocketId.to_string(), "socket id");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputKind {
    /// A [`SocketId`](crate::SocketId).
    SocketId,
    /// A [`ChannelName`](crate::ChannelName).
    ChannelName,
    /// An [`AppKey`](crate::AppKey).
    AppKey,
    /// An [`AppId`](crate::AppId).
    AppId,
    /// A [`UserId`](crate::UserId).
    UserId,
    /// An [`AppSecret`](crate::AppSecret).
    AppSecret,
    /// An [`EncryptionMasterKey`](crate::EncryptionMasterKey).
    EncryptionMasterKey,
    /// The `channel_data` of a [`PresenceMember`](crate::PresenceMember).
    ChannelData,
    /// The path of an HTTP API request ([`sign_api_request`](crate::api::sign_api_request)).
    ApiPath,
    /// The key of an HTTP API query parameter.
    ParamKey,
    /// The value of an HTTP API query parameter.
    ParamValue,
    /// The time an HTTP API request is signed at.
    Timestamp,
    /// An HTTP [`Method`](crate::api::Method).
    HttpMethod,
    /// A [`FayeChannel`](crate::faye::FayeChannel).
    FayeChannel,
    /// A Pusher cluster name ([`ApiUrl::cluster`](crate::send::ApiUrl::cluster)).
    Cluster,
    /// An API endpoint URL ([`ApiUrl::from_url`](crate::send::ApiUrl::from_url)).
    EndpointUrl,
    /// A channel attribute list ([`Info`](crate::send::Info)).
    InfoAttribute,
    /// An [`EventName`](crate::EventName).
    EventName,
    /// A [`FayeUserId`](crate::faye::FayeUserId).
    FayeUserId,
}

impl InputKind {
    /// The name used in error messages, e.g. `"socket id"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SocketId => "socket id",
            Self::ChannelName => "channel name",
            Self::AppKey => "app key",
            Self::AppId => "app id",
            Self::UserId => "user id",
            Self::AppSecret => "app secret",
            Self::EncryptionMasterKey => "encryption master key",
            Self::ChannelData => "channel data",
            Self::ApiPath => "api path",
            Self::ParamKey => "param key",
            Self::ParamValue => "param value",
            Self::Timestamp => "timestamp",
            Self::HttpMethod => "http method",
            Self::FayeChannel => "faye channel",
            Self::Cluster => "cluster",
            Self::EndpointUrl => "endpoint url",
            Self::InfoAttribute => "info attribute",
            Self::EventName => "event name",
            Self::FayeUserId => "faye user id",
        }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value was refused when it was made: which kind of value, and which rule broke.
///
/// Untrusted text is never quoted whole: at most one offending character is kept, and it
/// is printed escaped (`'\n'`, `'\u{200b}'`). Errors about secrets carry no content at
/// all, only lengths.
///
/// ```
/// use channel_auth::{InputKind, InvalidInput, SocketId};
///
/// let err = "1.1\nPOST".parse::<SocketId>().unwrap_err();
/// assert_eq!(
///     err,
///     InvalidInput::InvalidChar { kind: InputKind::SocketId, position: 3, found: '\n' }
/// );
/// assert_eq!(err.to_string(), "socket id has a forbidden character '\\n' at byte 3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// The value is empty.
    #[error("{kind} is empty")]
    Empty {
        /// What was being made.
        kind: InputKind,
    },
    /// The value is longer than its limit (in bytes).
    #[error("{kind} is too long: {len} bytes, at most {max}")]
    TooLong {
        /// What was being made.
        kind: InputKind,
        /// The limit, in bytes.
        max: usize,
        /// The length that was given, in bytes.
        len: usize,
    },
    /// A character outside the value's alphabet.
    #[error("{kind} has a forbidden character {found:?} at byte {position}")]
    InvalidChar {
        /// What was being made.
        kind: InputKind,
        /// Byte offset of the character.
        position: usize,
        /// The character, printed escaped by `Display`.
        found: char,
    },
    /// The characters are allowed but their arrangement is not (e.g. a socket id without
    /// its `.`).
    #[error("{kind} is malformed at byte {position}: expected {expected}")]
    Malformed {
        /// What was being made.
        kind: InputKind,
        /// Byte offset where the grammar failed.
        position: usize,
        /// What the grammar expected there.
        expected: &'static str,
    },
    /// The value is not canonical padded standard base64.
    #[error("{kind} is not canonical padded standard base64")]
    InvalidBase64 {
        /// What was being made.
        kind: InputKind,
    },
    /// The decoded value has the wrong length.
    #[error("{kind} must be {expected} bytes, got {len}")]
    WrongLength {
        /// What was being made.
        kind: InputKind,
        /// The required length, in bytes.
        expected: usize,
        /// The length that was given, in bytes.
        len: usize,
    },
    /// The value is a name the protocol reserves for itself (an API parameter named
    /// `auth_key`, `auth_timestamp`, `auth_version`, `auth_signature` or `body_md5`, in
    /// any case).
    #[error("{kind} {name:?} is reserved for the signature")]
    Reserved {
        /// What was being made.
        kind: InputKind,
        /// The reserved name, lowercase (never the caller's spelling).
        name: &'static str,
    },
    /// Two values that must differ are the same (API parameter keys, compared after
    /// lowercasing).
    #[error("{kind}s {first} and {second} are the same (compared lowercased)")]
    Duplicate {
        /// What was being made.
        kind: InputKind,
        /// Index of the first of the two, in the order given.
        first: usize,
        /// Index of the second of the two, in the order given.
        second: usize,
    },
    /// The value starts with a prefix the protocol reserves for itself (an
    /// [`EventName`](crate::EventName) starting with `pusher:` or `pusher_internal:`).
    #[error("{kind} starts with the reserved prefix {prefix:?}")]
    ReservedPrefix {
        /// What was being made.
        kind: InputKind,
        /// The reserved prefix (the library's constant, never the caller's text).
        prefix: &'static str,
    },
    /// A time before 1970-01-01T00:00:00Z, which Unix seconds cannot express.
    #[error("{kind} is before the Unix epoch")]
    BeforeUnixEpoch {
        /// What was being made.
        kind: InputKind,
    },
}

impl InvalidInput {
    /// The kind of value that was refused.
    #[must_use]
    pub const fn kind(&self) -> InputKind {
        match self {
            Self::Empty { kind }
            | Self::TooLong { kind, .. }
            | Self::InvalidChar { kind, .. }
            | Self::Malformed { kind, .. }
            | Self::InvalidBase64 { kind }
            | Self::WrongLength { kind, .. }
            | Self::Reserved { kind, .. }
            | Self::Duplicate { kind, .. }
            | Self::ReservedPrefix { kind, .. }
            | Self::BeforeUnixEpoch { kind } => *kind,
        }
    }
}

/// The application's setup lacks what an operation needs: a mistake of configuration,
/// not of the input, and the same whichever operation found it.
///
/// Signing and verifying carry it inside their own error ([`AuthError::Config`],
/// [`VerifyError::Config`]); the integration endpoints answer it `500` (as
/// `Refusal::Config`), naming the setting and never a value.
///
/// ```
/// use channel_auth::encryption::encrypt_payload;
/// use channel_auth::{AuthError, ConfigError, Credentials};
///
/// let no_master_key = Credentials::new("key".parse()?, "secret".parse()?);
/// let err = encrypt_payload(&no_master_key, &"private-encrypted-chat".parse()?, b"hi").unwrap_err();
/// assert_eq!(err, AuthError::Config(ConfigError::MissingMasterKey));
/// assert_eq!(err.to_string(), "private-encrypted channels need an encryption master key");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A `private-encrypted-` channel needs an encryption master key in the
    /// [`Credentials`](crate::Credentials)
    /// ([`Credentials::with_encryption_master_key`](crate::Credentials::with_encryption_master_key)).
    #[error("private-encrypted channels need an encryption master key")]
    MissingMasterKey,
    /// Sending through the HTTP API needs credentials that carry an app id
    /// ([`Credentials::with_app_id`](crate::Credentials::with_app_id)).
    #[error("sending needs credentials with an app id")]
    MissingAppId,
    /// Checking a webhook's freshness needs a clock, and the target has none
    /// (`wasm32-unknown-unknown`: give one with
    /// [`WebhookEndpoint::with_clock`](crate::integrations::handler::WebhookEndpoint::with_clock)).
    #[error("no clock to check webhook freshness")]
    NoClock,
}

/// The protocol does not allow signing what was asked.
///
/// ```
/// use channel_auth::{sign_channel_auth, AuthError, ChannelName, Credentials, SocketId};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let socket: SocketId = "1.1".parse()?;
/// let public: ChannelName = "news".parse()?;
/// assert_eq!(sign_channel_auth(&creds, &socket, &public).err(), Some(AuthError::PublicChannel));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Public channels need no authorization; signing one is refused.
    #[error("public channels are not authorized")]
    PublicChannel,
    /// A `presence-` channel needs member data: use
    /// [`sign_presence_auth`](crate::sign_presence_auth).
    #[error("presence channels need member data (use sign_presence_auth)")]
    PresenceNeedsMember,
    /// [`sign_presence_auth`](crate::sign_presence_auth) was called for a channel that
    /// is not a `presence-` channel.
    #[error("not a presence channel")]
    NotPresenceChannel,
    /// The credentials lack what signing this needs: a `private-encrypted-` channel
    /// needs an encryption master key ([`ConfigError::MissingMasterKey`]).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `#server-to-user-` channels are the server's own: no client is ever authorized
    /// to subscribe to one.
    #[error("server-to-user channels are reserved for the server")]
    ReservedChannel,
    /// Payload encryption was asked for a channel that is not `private-encrypted-`.
    #[error("not a private-encrypted channel")]
    NotEncryptedChannel,
    /// The random source failed to give a nonce (the OS source for
    /// [`encrypt_payload`](crate::encryption::encrypt_payload), the caller's for
    /// [`encrypt_payload_with_rng`](crate::encryption::encrypt_payload_with_rng)); nothing was
    /// encrypted.
    #[error("no randomness for the nonce")]
    RandomnessUnavailable,
    /// The cipher refused the plaintext: only for plaintexts beyond XSalsa20's keystream
    /// (2^70 bytes), which no real payload reaches.
    #[error("encryption failed")]
    EncryptionFailed,
}

/// What is wrong with the `data` of an encrypted event, as
/// [`VerifyError::MalformedPayload`] reports it. Quotes nothing of the data.
///
/// ```
/// use channel_auth::encryption::{decrypt_payload, PayloadFault};
/// use channel_auth::{ChannelName, Credentials, EncryptionMasterKey, VerifyError};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?)
///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
/// let channel: ChannelName = "private-encrypted-chat".parse()?;
/// let err = decrypt_payload(&creds, &channel, r#"{"nonce":"AAAA"}"#).unwrap_err();
/// assert_eq!(err, VerifyError::MalformedPayload { fault: PayloadFault::MissingField { field: "ciphertext" } });
/// assert_eq!(err.to_string(), "malformed encrypted payload: no ciphertext string");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadFault {
    /// `data` is not a JSON object.
    #[error("not a JSON object")]
    NotJsonObject,
    /// A required field is absent or not a string.
    #[error("no {field} string")]
    MissingField {
        /// `nonce` or `ciphertext`.
        field: &'static str,
    },
    /// A field other than `nonce` and `ciphertext` (it would not be authenticated).
    #[error("a field other than nonce and ciphertext")]
    UnexpectedField,
    /// `nonce` or `ciphertext` appears twice.
    #[error("a field appears twice")]
    DuplicateField,
    /// A field is not standard padded base64.
    #[error("{field} is not standard padded base64")]
    InvalidBase64 {
        /// `nonce` or `ciphertext`.
        field: &'static str,
    },
    /// The nonce does not decode to 24 bytes.
    #[error("nonce must be 24 bytes, got {len}")]
    NonceLength {
        /// The decoded length.
        len: usize,
    },
    /// The ciphertext is shorter than its 16-byte authentication tag.
    #[error("ciphertext must be at least 16 bytes, got {len}")]
    CiphertextTooShort {
        /// The decoded length.
        len: usize,
    },
}

/// A credential did not verify.
///
/// Deliberately coarse: no variant carries a secret, an expected signature, or
/// anything the sender did not send.
///
/// ```
/// use channel_auth::{verify_channel_auth, Credentials, VerifyError};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let err = verify_channel_auth(
///     &creds, &"1.1".parse()?, &"private-a".parse()?, None, "key:00",
/// ).unwrap_err();
/// assert_eq!(err, VerifyError::InvalidSignature);
/// assert_eq!(err.to_string(), "invalid signature");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature does not match, or is not 64 lowercase hex digits.
    #[error("invalid signature")]
    InvalidSignature,
    /// The `auth` value is not of the form `<key>:<signature>`.
    #[error("malformed auth value: expected <key>:<signature>")]
    MalformedAuth,
    /// The app key named by the credential is not the expected one (or not known).
    #[error("unknown app key")]
    UnknownKey,
    /// A `presence-` channel was presented without `channel_data`.
    #[error("presence channels need channel_data")]
    MissingChannelData,
    /// A `#server-to-user-` channel: no client may subscribe, whatever it signs.
    #[error("server-to-user channels are reserved for the server")]
    ReservedChannel,
    /// An API query string does not decode (a `%` not followed by two hex digits, bytes
    /// that are not UTF-8), or a parameter breaks the signing rules (an empty key; a key
    /// with `&`, `=`, whitespace or a control character; a value with `&` or a control
    /// character).
    #[error("malformed query string")]
    MalformedQuery,
    /// Two API query parameters have the same key, compared after lowercasing.
    #[error("duplicate query parameter")]
    DuplicateParam,
    /// A parameter the signature needs is missing (`body_md5` is needed whenever the
    /// body is not empty).
    #[error("missing query parameter {name}")]
    MissingParam {
        /// The parameter's name.
        name: &'static str,
    },
    /// `auth_version` is not `1.0`.
    #[error("unsupported auth_version: expected 1.0")]
    UnsupportedVersion,
    /// `auth_timestamp` is not a decimal number of seconds.
    #[error("auth_timestamp is not a number of seconds")]
    InvalidTimestamp,
    /// The timestamp is too far in the past.
    #[error("timestamp is too old")]
    TimestampTooOld,
    /// The timestamp is too far in the future.
    #[error("timestamp is too far in the future")]
    TimestampTooNew,
    /// The body's MD5 is not the signed `body_md5`.
    #[error("body does not match body_md5")]
    BodyMismatch,
    /// The request path breaks the path rules (it must start with `/` and hold no `?`,
    /// `#`, whitespace or control character).
    #[error("invalid request path")]
    InvalidPath,
    /// The signature is good, but the credentials are bound to one app
    /// ([`Credentials::with_app_id`](crate::Credentials::with_app_id)) and the path is
    /// not within it.
    #[error("path is outside the credentials' app")]
    WrongApp,
    /// Decryption was asked for a channel that is not `private-encrypted-`.
    #[error("not a private-encrypted channel")]
    NotEncryptedChannel,
    /// The credentials lack what verifying this needs: decrypting needs their
    /// encryption master key ([`ConfigError::MissingMasterKey`]). Not a verdict on what
    /// the sender sent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An encrypted event's `data` is not `{"nonce":"<base64>","ciphertext":"<base64>"}`.
    #[error("malformed encrypted payload: {fault}")]
    MalformedPayload {
        /// What is wrong with it.
        fault: PayloadFault,
    },
    /// The encrypted payload does not authenticate under the channel's key (another
    /// channel's or another master key's, or altered): nothing of it is returned.
    #[error("encrypted payload does not authenticate")]
    DecryptionFailed,
}

impl From<PayloadFault> for VerifyError {
    fn from(fault: PayloadFault) -> Self {
        Self::MalformedPayload { fault }
    }
}
