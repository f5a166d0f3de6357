//! One error type for applications: every error of the crate converts into it.
//!
//! It sits above every module (it names their error types) and nothing imports it.

use crate::env::EnvError;
use crate::error::{AuthError, InvalidInput, VerifyError};
use crate::faye::FayeError;
use crate::integrations::RequestError;
use crate::send::{ApiError, ClientError, SendError, TransportError};
use crate::webhook::WebhookError;

/// Any error of this crate, for `?` in an application that handles them alike.
///
/// Each error type converts into it with `From`, keeping the original as the variant's
/// value (and as its `Display`), so nothing is lost: match on the variant to act on one
/// family.
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
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// A webhook did not verify, or its body is not a webhook.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// An auth request's form body was refused.
    #[error(transparent)]
    Request(#[from] RequestError),
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
    /// An HTTP API request got no answer (from a [`ClientError::Transport`], whatever
    /// its transport: its message and its sources' messages are kept as text).
    #[error(transparent)]
    Transport(#[from] TransportError),
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
    use super::*;
    use crate::error::InputKind;

    #[test]
    fn every_family_converts_and_keeps_its_message() {
        let input = InvalidInput::Empty { kind: InputKind::SocketId };
        let request = RequestError::MissingField { field: "socket_id" };
        let env = EnvError::Missing { var: "PUSHER_APP_ID" };
        let webhook = WebhookError::MalformedBody { field: "events", expected: "an array" };
        let cases: [(Error, String); 6] = [
            (input.clone().into(), input.to_string()),
            (AuthError::PublicChannel.into(), AuthError::PublicChannel.to_string()),
            (VerifyError::InvalidSignature.into(), VerifyError::InvalidSignature.to_string()),
            (webhook.clone().into(), webhook.to_string()),
            (request.clone().into(), request.to_string()),
            (env.clone().into(), env.to_string()),
        ];
        for (err, message) in &cases {
            assert_eq!(&err.to_string(), message);
        }
        assert_eq!(cases[0].0, Error::Input(input));
        assert_eq!(cases[1].0, Error::Auth(AuthError::PublicChannel));
        assert_eq!(cases[2].0, Error::Verify(VerifyError::InvalidSignature));
        assert_eq!(cases[3].0, Error::Webhook(webhook));
        assert_eq!(cases[4].0, Error::Request(request));
        assert_eq!(cases[5].0, Error::Env(env));
        let faye = FayeError::MissingField { field: "ext" };
        assert_eq!(Error::from(faye.clone()).to_string(), faye.to_string());
        assert_eq!(Error::from(faye.clone()), Error::Faye(faye));
    }

    #[test]
    fn every_send_error_converts() {
        use crate::send::Operation;
        let send = SendError::MissingAppId;
        assert_eq!(Error::from(send.clone()), Error::Send(send.clone()));
        let api = ApiError::RateLimited { operation: Operation::Trigger, retry_after: None };
        assert_eq!(Error::from(api.clone()), Error::Api(api.clone()));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let transport = TransportError::from_error(&io, false);
        assert_eq!(Error::from(transport.clone()), Error::Transport(transport.clone()));
        // ClientError: each half to its own variant, whatever the transport.
        assert_eq!(Error::from(ClientError::<std::io::Error>::Send(send.clone())), Error::Send(send));
        assert_eq!(Error::from(ClientError::<std::io::Error>::Api(api.clone())), Error::Api(api));
        let err = Error::from(ClientError::Transport(io));
        assert_eq!(err, Error::Transport(transport.clone()));
        assert_eq!(err.to_string(), "connection refused");
        // This crate's own transport error is kept as it is (its timeout flag too).
        assert_eq!(Error::from(ClientError::Transport(transport.clone())), Error::Transport(transport));
    }

    #[test]
    fn source_is_the_wrapped_error_s_source() {
        // transparent: Error's source is the inner error's source, not the inner error.
        let inner = RequestError::InvalidField {
            field: "socket_id",
            source: InvalidInput::Empty { kind: InputKind::SocketId },
        };
        let err = Error::from(inner);
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("socket id is empty"));
    }
}
