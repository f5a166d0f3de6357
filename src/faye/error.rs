//! [`FayeError`]: why a Bayeux message or a token request was refused.

use crate::error::{InvalidInput, VerifyError};

/// A Bayeux (Faye) message, or a Faye token request, was refused.
///
/// Names the field and the rule; quotes nothing of the message but, for a value that
/// fails its grammar, one escaped character (through [`InvalidInput`]). A token or
/// password that does not match says only that.
///
/// ```
/// use channel_auth::faye::{verify_faye_message, FayeError, FayeTokenScope};
/// use channel_auth::AppSecret;
/// use serde_json::json;
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let message = json!({ "channel": "/meta/subscribe", "subscription": "/chat/1" });
/// let err = verify_faye_message(&secret, &message, FayeTokenScope::ChannelBound).unwrap_err();
/// assert_eq!(err, FayeError::MissingField { field: "ext" });
/// assert_eq!(err.to_string(), "faye message: ext is missing");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FayeError {
    /// The message is not a JSON object.
    #[error("faye message is not a JSON object")]
    NotAnObject,
    /// A field the check needs is absent (or JSON `null`).
    #[error("faye message: {field} is missing")]
    MissingField {
        /// The field, as a path (`ext.token`).
        field: &'static str,
    },
    /// A field has the wrong JSON type (a number or an array where a string belongs).
    #[error("faye message: {field} must be {expected}")]
    WrongType {
        /// The field, as a path (`ext.userId`).
        field: &'static str,
        /// What belongs there.
        expected: &'static str,
    },
    /// A field is a string that fails its grammar (a channel, a user id).
    #[error("faye message: {field}: {source}")]
    InvalidField {
        /// The field, as a path.
        field: &'static str,
        /// Which rule the value broke.
        source: InvalidInput,
    },
    /// A field appears more than once (a token request's form field).
    #[error("faye token request: {field} appears more than once")]
    DuplicateField {
        /// The field.
        field: &'static str,
    },
    /// The channel is a `/meta/` channel other than `/meta/subscribe` (handshake,
    /// connect, unsubscribe, disconnect, or a look-alike such as `/meta/subscribe/x`):
    /// not a subscription or a publication, so there is nothing to authorize.
    #[error("faye message: {field} is a /meta/ channel, not a subscription or publication")]
    MetaChannel {
        /// The field that named it.
        field: &'static str,
    },
    /// The channel is a wildcard (`/a/*`, `/**`): a publication cannot address one, and
    /// a wildcard subscription receives other channels' messages, so the helpers refuse
    /// both.
    #[error("faye message: {field} is a wildcard channel")]
    Wildcard {
        /// The field that named it.
        field: &'static str,
    },
    /// The message is a publication (its channel is not under `/meta/`, `/service/`
    /// channels included) and the scope grants subscriptions only
    /// ([`FayeTokenScope::UserOnly`](crate::faye::FayeTokenScope::UserOnly),
    /// [`FayeTokenScope::ChannelBound`](crate::faye::FayeTokenScope::ChannelBound)). Answered
    /// before `ext` is read: whether the token would verify makes no difference.
    #[error("faye message: publishing is not granted by a subscribe-only token scope")]
    PublishNotGranted,
    /// The token does not verify for the user (and channel).
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The push-only password is not the server's.
    #[error("wrong password")]
    WrongPassword,
}
