//! [`WebhookError`]: why a webhook was refused.

use crate::error::{InvalidInput, VerifyError};

/// A webhook was refused: it did not verify, or its verified body is not a webhook.
///
/// Parse errors name the field and the event's index; they quote nothing of the body
/// but, for a name that fails its grammar, one escaped character (through
/// [`InvalidInput`]).
///
/// ```
/// use channel_auth::webhook::{verify_and_parse_webhook, WebhookError};
/// use channel_auth::{Keyring, VerifyError};
///
/// let ring = Keyring::new([]);
/// let err = verify_and_parse_webhook(&ring, "key", "00", b"{}").unwrap_err();
/// assert_eq!(err, WebhookError::Verify(VerifyError::UnknownKey));
/// assert_eq!(err.to_string(), "unknown app key");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signature did not verify; the body was not looked at.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The verified body is not JSON.
    #[error("webhook body is not JSON (line {line}, column {column})")]
    NotJson {
        /// Line of the first error, from 1.
        line: usize,
        /// Column of the first error, from 1.
        column: usize,
    },
    /// The verified body is JSON but a top-level field is missing or of the wrong type.
    #[error("webhook body: {field} must be {expected}")]
    MalformedBody {
        /// The field.
        field: &'static str,
        /// What the protocol puts there.
        expected: &'static str,
    },
    /// An event lacks a field its type requires, or has it with the wrong type.
    #[error("webhook event {index}: {field} must be {expected}")]
    MalformedEvent {
        /// Index of the event in `events`.
        index: usize,
        /// The field.
        field: &'static str,
        /// What the protocol puts there.
        expected: &'static str,
    },
    /// A channel name or socket id in an event fails its grammar.
    #[error("webhook event {index}: {field}: {source}")]
    InvalidEventField {
        /// Index of the event in `events`.
        index: usize,
        /// The field.
        field: &'static str,
        /// Which rule the value broke.
        source: InvalidInput,
    },
}
