//! One error type for applications: every public error type of the crate converts into
//! it.
//!
//! It sits above every module (it names their error types) and nothing imports it.

use crate::env::EnvError;
use crate::error::{AuthError, ConfigError, InvalidInput, PayloadFault, VerifyError};
use crate::faye::FayeError;
use crate::integrations::RequestError;
use crate::integrations::handler::{HandlerError, Refusal};
use crate::replay::ReplayError;
use crate::send::{ApiError, ClientError, SendError, TransportError};
use crate::webhook::WebhookError;

/// Any error of this crate, for `?` in an application that handles them alike.
///
/// Every public error type of the crate converts into it with `From`, keeping the
/// original as the variant's value (and as its `Display`), so nothing is lost: match on
/// the variant to act on one family. Two conversions land in an existing family rather
/// than a variant of their own: a [`PayloadFault`] is a
/// [`VerifyError::MalformedPayload`], and a [`Refusal`] becomes the error inside it
/// ([`Error::Denied`] when the application's policy said no). [`Error::config`] finds a
/// configuration mistake whichever family reported it.
///
/// ```
/// use channel_auth::{sign_channel_auth, ChannelName, Credentials, Error, SocketId};
///
/// fn authorize(socket_id: &str, channel: &str) -> Result<String, channel_auth::Error> {
///     let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
///     let socket_id: SocketId = socket_id.parse()?; // InvalidInput
///     let channel: ChannelName = channel.parse()?;
///     Ok(sign_channel_auth(&creds, &socket_id, &channel)?.to_json()) // AuthError
/// }
///
/// assert!(authorize("1234.1234", "private-foobar").is_ok());
/// assert!(matches!(authorize("1.1:private-x", "private-foobar"), Err(Error::Input(_))));
/// assert!(matches!(authorize("1234.1234", "news"), Err(Error::Auth(_))));
/// // No encryption master key: the application's setup, not the request, is at fault.
/// let err = authorize("1234.1234", "private-encrypted-foobar").unwrap_err();
/// assert_eq!(err.config(), Some(channel_auth::ConfigError::MissingMasterKey));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value was refused when it was made.
    #[error(transparent)]
    Input(#[from] InvalidInput),
    /// The protocol does not allow signing what was asked.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A credential did not verify.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The application's setup lacks what an operation needs.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A webhook did not verify, or its body is not a webhook.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// An auth or webhook request was refused before the application was asked.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The application's policy denied the request (a [`Refusal::Denied`]).
    #[error("forbidden")]
    Denied,
    /// The application's webhook handler did not process a webhook.
    #[error(transparent)]
    Handler(#[from] HandlerError),
    /// Credentials could not be read from the environment.
    #[error(transparent)]
    Env(#[from] EnvError),
    /// A Bayeux (Faye) message or token request was refused.
    #[error(transparent)]
    Faye(#[from] FayeError),
    /// An HTTP API request was refused before it was built.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The HTTP API refused a request, or answered something unreadable.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A replay guard could not answer.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// An HTTP API request got no answer (from a [`ClientError::Transport`], whatever
    /// its transport: its message and its sources' messages are kept as text).
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl Error {
    /// The configuration mistake behind this error, whichever family reported it
    /// ([`Error::Config`], or a [`ConfigError`] inside an [`AuthError`], a
    /// [`VerifyError`] or a [`WebhookError`]); `None` for any other error.
    #[must_use]
    pub fn config(&self) -> Option<ConfigError> {
        match self {
            Self::Config(e)
            | Self::Auth(AuthError::Config(e))
            | Self::Verify(VerifyError::Config(e))
            | Self::Webhook(WebhookError::Verify(VerifyError::Config(e)))
            | Self::Faye(FayeError::Verify(VerifyError::Config(e))) => Some(*e),
            Self::Send(send) => send_config(send),
            _ => None,
        }
    }
}

/// The configuration mistake inside a send error, a batch event's included.
fn send_config(err: &SendError) -> Option<ConfigError> {
    match err {
        SendError::Config(e) => Some(*e),
        SendError::InBatch { source, .. } => send_config(source),
        _ => None,
    }
}

impl From<PayloadFault> for Error {
    /// A [`VerifyError::MalformedPayload`].
    fn from(fault: PayloadFault) -> Self {
        Self::Verify(fault.into())
    }
}

impl From<Refusal> for Error {
    /// The error inside the refusal; [`Error::Denied`] for [`Refusal::Denied`].
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Request(e) => Self::Request(e),
            Refusal::Auth(e) => Self::Auth(e),
            Refusal::Denied => Self::Denied,
            Refusal::Webhook(e) => Self::Webhook(e),
            Refusal::Handler(e) => Self::Handler(e),
            Refusal::Config(e) => Self::Config(e),
            Refusal::Replay(e) => Self::Replay(e),
        }
    }
}

/// Each half of a [`ClientError`] to its own variant: `Send`, `Api`, and the transport's
/// error as a [`TransportError`] (this crate's own as is; any other by its messages).
impl<E: std::error::Error + 'static> From<ClientError<E>> for Error {
    fn from(err: ClientError<E>) -> Self {
        match err {
            ClientError::Send(e) => Self::Send(e),
            ClientError::Api(e) => Self::Api(e),
            ClientError::Transport(e) => Self::Transport(match (&e as &dyn core::any::Any).downcast_ref() {
                Some(ours) => TransportError::clone(ours),
                None => TransportError::from_error(&e, false),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;
    use crate::error::InputKind;
    use crate::send::Operation;

    /// Converts `err`, checking that the message is kept whole.
    fn convert<E: Into<Error> + std::fmt::Display>(err: E) -> Error {
        let message = err.to_string();
        let converted = err.into();
        assert_eq!(converted.to_string(), message);
        converted
    }

    /// Every public error type of the crate outside `send` (whose `ClientError` and
    /// `TransportError` convert in `send`'s own tests), each into its own variant.
    #[test]
    fn every_public_error_type_converts() {
        let input = InvalidInput::Empty { kind: InputKind::SocketId };
        assert!(matches!(convert(input.clone()), Error::Input(e) if e == input));
        assert!(matches!(convert(AuthError::PublicChannel), Error::Auth(AuthError::PublicChannel)));
        assert!(matches!(convert(VerifyError::InvalidSignature), Error::Verify(VerifyError::InvalidSignature)));
        assert!(matches!(convert(ConfigError::NoClock), Error::Config(ConfigError::NoClock)));
        let webhook = WebhookError::MalformedBody { field: "events", expected: "an array" };
        assert!(matches!(convert(webhook.clone()), Error::Webhook(e) if e == webhook));
        let request = RequestError::MissingField { field: "socket_id" };
        assert!(matches!(convert(request.clone()), Error::Request(e) if e == request));
        let handler = convert(HandlerError::retry_later("store down"));
        assert!(matches!(&handler, Error::Handler(e) if e.should_retry()));
        let env = EnvError::Missing { var: "PUSHER_APP_ID" };
        assert!(matches!(convert(env.clone()), Error::Env(e) if e == env));
        let faye = FayeError::MissingField { field: "ext" };
        assert!(matches!(convert(faye.clone()), Error::Faye(e) if e == faye));
        assert!(matches!(convert(SendError::NoChannels), Error::Send(SendError::NoChannels)));
        let api = ApiError::Refused { operation: Operation::Trigger, status: 403, message: "no".to_owned() };
        assert!(matches!(convert(api.clone()), Error::Api(e) if e == api));
        let replay = ReplayError::Full { capacity: 3 };
        assert!(matches!(convert(replay.clone()), Error::Replay(e) if e == replay));

        // A payload fault is a verification failure.
        let fault = PayloadFault::NonceLength { len: 3 };
        let err = Error::from(fault);
        assert!(matches!(err, Error::Verify(VerifyError::MalformedPayload { fault: f }) if f == fault));
        assert_eq!(err.to_string(), VerifyError::from(fault).to_string());
    }

    #[test]
    fn a_refusal_becomes_the_error_inside_it() {
        let cases = [
            Refusal::Request(RequestError::NoChannels),
            Refusal::Auth(AuthError::PublicChannel),
            Refusal::Denied,
            Refusal::Webhook(WebhookError::Verify(VerifyError::InvalidSignature)),
            Refusal::Handler(HandlerError::refuse("no such room")),
            Refusal::Config(ConfigError::MissingMasterKey),
            Refusal::Replay(ReplayError::TimedOut { timeout: std::time::Duration::from_secs(2) }),
        ];
        for refusal in cases {
            // The answer's body reason, the refusal's message and the error's are one.
            let message = refusal.to_string();
            let err = convert(refusal.clone());
            let same_family = match (&refusal, &err) {
                (Refusal::Request(a), Error::Request(b)) => a == b,
                (Refusal::Auth(a), Error::Auth(b)) => a == b,
                (Refusal::Denied, Error::Denied) => message == "forbidden",
                (Refusal::Webhook(a), Error::Webhook(b)) => a == b,
                (Refusal::Handler(a), Error::Handler(b)) => a.should_retry() == b.should_retry(),
                (Refusal::Config(a), Error::Config(b)) => a == b,
                (Refusal::Replay(a), Error::Replay(b)) => a == b,
                _ => false,
            };
            assert!(same_family, "{refusal:?} became {err:?}");
        }
    }

    #[test]
    fn configuration_mistakes_are_found_in_every_family() {
        let missing = ConfigError::MissingMasterKey;
        for err in [
            Error::from(missing),
            Error::from(AuthError::Config(missing)),
            Error::from(VerifyError::Config(missing)),
            Error::from(WebhookError::Verify(VerifyError::Config(missing))),
            Error::from(FayeError::Verify(VerifyError::Config(missing))),
            Error::from(Refusal::Config(missing)),
            Error::from(SendError::Config(missing)),
            Error::from(SendError::InBatch { index: 2, source: Box::new(SendError::Config(missing)) }),
        ] {
            assert_eq!(err.config(), Some(missing), "{err:?}");
        }
        for err in [Error::from(AuthError::PublicChannel), Error::Denied, Error::from(VerifyError::InvalidSignature)] {
            assert_eq!(err.config(), None, "{err:?}");
        }
    }

    #[test]
    fn every_send_error_converts() {
        use crate::send::Operation;
        let send = SendError::Config(ConfigError::MissingAppId);
        assert!(matches!(Error::from(send.clone()), Error::Send(e) if e == send));
        let api = ApiError::RateLimited { operation: Operation::Trigger, retry_after: None };
        assert!(matches!(Error::from(api.clone()), Error::Api(e) if e == api));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let transport = TransportError::from_error(&io, false);
        assert!(matches!(Error::from(transport.clone()), Error::Transport(e) if e == transport));
        // ClientError: each half to its own variant, whatever the transport.
        assert!(matches!(Error::from(ClientError::<std::io::Error>::Send(send.clone())), Error::Send(e) if e == send));
        assert!(matches!(Error::from(ClientError::<std::io::Error>::Api(api.clone())), Error::Api(e) if e == api));
        let err = Error::from(ClientError::Transport(io));
        assert!(matches!(&err, Error::Transport(e) if *e == transport));
        assert_eq!(err.to_string(), "connection refused");
        // This crate's own transport error is kept as it is (its timeout flag too).
        let ours = Error::from(ClientError::Transport(transport.clone()));
        assert!(matches!(ours, Error::Transport(e) if e == transport));
    }

    #[test]
    fn source_is_the_wrapped_error_s_source() {
        // transparent: Error's source is the inner error's source, not the inner error.
        let inner = RequestError::InvalidField {
            field: "socket_id",
            source: InvalidInput::Empty { kind: InputKind::SocketId },
        };
        let err = Error::from(inner);
        let source = err.source().map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("socket id is empty"));
        // A handler's cause is kept for logs, behind the generic message.
        let err = Error::from(HandlerError::refuse("no such room"));
        assert_eq!(err.to_string(), "webhook refused");
        assert_eq!(err.source().map(ToString::to_string).as_deref(), Some("no such room"));
    }
}
