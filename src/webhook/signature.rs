//! Signing a webhook body ([`WebhookSignature`]) and verifying one, before any parsing
//! ([`verify_webhook`], [`verify_and_parse_webhook`] giving a [`VerifiedWebhook`]).

use super::{Webhook, WebhookError, WebhookEvent};
use crate::credentials::{Credentials, Keyring};
use crate::error::VerifyError;
use crate::mac::VerifiedTag;
use crate::names::AppKey;

/// The headers a webhook is sent with: `X-Pusher-Key` and `X-Pusher-Signature`.
///
/// ```
/// use channel_auth::webhook::sign_webhook;
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let signed = sign_webhook(&creds, br#"{"hello":"world"}"#);
/// assert_eq!(signed.key().as_str(), "key");
/// assert_eq!(signed.signature(), "2677ad3e7c090b2fa2c0fb13020d66d5420879b8316eb356a2d60fb9073bc778");
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
///
/// It has no `==`: check a received signature with [`verify_webhook`] only, in constant
/// time.
///
/// ```compile_fail
/// use channel_auth::webhook::sign_webhook;
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
/// let _ = sign_webhook(&creds, b"{}") == sign_webhook(&creds, b"{}");
/// ```
#[derive(Clone, Debug)]
pub struct WebhookSignature {
    key: AppKey,
    signature: String,
}

impl WebhookSignature {
    /// The value of `X-Pusher-Key`.
    #[must_use]
    pub fn key(&self) -> &AppKey {
        &self.key
    }

    /// The value of `X-Pusher-Signature`: 64 lowercase hex digits.
    #[must_use]
    pub fn signature(&self) -> &str {
        &self.signature
    }
}

/// Signs a webhook body, as Pusher does when it sends one.
///
/// This signs whatever bytes it is given, so it belongs in a Pusher-compatible server
/// and in tests, never in code that receives webhooks.
///
/// ```
/// use channel_auth::webhook::{sign_webhook, verify_webhook};
/// use channel_auth::{Credentials, Keyring};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let body = br#"{"time_ms":1,"events":[]}"#;
/// let signed = sign_webhook(&creds, body);
/// let ring = Keyring::new([creds]);
/// verify_webhook(&ring, signed.key().as_str(), signed.signature(), body)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn sign_webhook(credentials: &Credentials, body: &[u8]) -> WebhookSignature {
    WebhookSignature { key: credentials.key().clone(), signature: credentials.hex_tag(&[body]) }
}

/// Verifies a webhook's signature and returns the credentials that signed it.
///
/// `key_header` and `signature_header` are the `X-Pusher-Key` and `X-Pusher-Signature`
/// values as received (nothing is trimmed: a stray space fails); `body` is the raw body,
/// byte for byte. Every credential with that key is tried,
/// each in constant time. Use [`verify_and_parse_webhook`] to get typed events.
///
/// # Only a JSON object is a webhook
///
/// Before any MAC, the body must look like a webhook: its first byte is `{` (no
/// whitespace before it: Pusher, soketi and sockudo send their serializer's compact
/// output, and the signature covers the raw bytes), its last byte that is not JSON
/// whitespace is `}`, and it holds a `:` (every webhook has `time_ms` and `events`). Any
/// other body is refused with the same error as a bad signature, so a signature made
/// for another purpose under the same secret never passes as a webhook: a channel
/// authorization (`<socket>:<channel>…`) and a user sign-in (`<socket>::user::…`) start
/// with a digit, an API string to sign with its method; a Faye token's string is
/// `<user>` (a Faye user id holds no `:`) or `<user>:<channel>` (which ends with a
/// channel character, never `}`).
///
/// # Errors
/// [`VerifyError::UnknownKey`] when no credential has the key,
/// [`VerifyError::InvalidSignature`] when none matches, the signature is not 64
/// lowercase hex digits (empty, odd length, uppercase, ...), or the body is not shaped
/// like a JSON object (above).
///
/// ```
/// use channel_auth::webhook::verify_webhook;
/// use channel_auth::{Credentials, Keyring, VerifyError};
///
/// let ring = Keyring::new([Credentials::new("key".parse()?, "secret".parse()?)]);
/// let body = br#"{"hello":"world"}"#;
/// let good = "2677ad3e7c090b2fa2c0fb13020d66d5420879b8316eb356a2d60fb9073bc778";
/// assert_eq!(verify_webhook(&ring, "key", good, body)?.key().as_str(), "key");
/// assert_eq!(verify_webhook(&ring, "key", "zz", body).unwrap_err(), VerifyError::InvalidSignature);
/// assert_eq!(verify_webhook(&ring, "other", good, body).unwrap_err(), VerifyError::UnknownKey);
///
/// // A body that is not a JSON object is refused before its MAC, even correctly signed.
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let not_json = b"1234.5678:private-a";
/// let signed = channel_auth::webhook::sign_webhook(&creds, not_json);
/// assert_eq!(verify_webhook(&ring, "key", signed.signature(), not_json).unwrap_err(), VerifyError::InvalidSignature);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
// Inline: a thin wrapper over `Candidates::first_passing`. Inlined, a caller that asks only
// `is_ok()` gets a flag rather than a jump on the outcome (see examples/dudect.rs).
#[inline]
pub fn verify_webhook<'a>(
    keyring: &'a Keyring,
    key_header: &str,
    signature_header: &str,
    body: &[u8],
) -> Result<&'a Credentials, VerifyError> {
    // Every candidate is checked, whatever an earlier one said, with no branch on the
    // result: the work done does not depend on which (if any) matched.
    let candidates = keyring.lookup(key_header);
    if candidates.is_empty() {
        return Err(VerifyError::UnknownKey);
    }
    // The body is public: refusing it in variable time reveals nothing.
    if !shaped_like_a_webhook(body) {
        return Err(VerifyError::InvalidSignature);
    }
    candidates
        .first_passing(|credentials| credentials.matches_hex(&[body], signature_header))
        .into_option()
        .ok_or(VerifyError::InvalidSignature)
}

/// Whether `body` can be a webhook at all: `{` first, `}` last but for trailing JSON
/// whitespace, a `:` somewhere (see [`verify_webhook`]).
pub(super) fn shaped_like_a_webhook(body: &[u8]) -> bool {
    let last = body.iter().rev().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    body.first() == Some(&b'{') && last == Some(&b'}') && body.contains(&b':')
}

/// Verifies a webhook, then parses its body into typed events: the only way to get a
/// [`Webhook`].
///
/// # Errors
/// [`WebhookError::Verify`] as [`verify_webhook`] (the body is then not parsed at all),
/// or a parse error naming the field: [`WebhookError::NotJson`],
/// [`WebhookError::MalformedBody`], [`WebhookError::MalformedEvent`],
/// [`WebhookError::InvalidEventField`].
///
/// ```
/// use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook, WebhookEvent};
/// use channel_auth::{Credentials, Keyring};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let body = br#"{"time_ms":1327078148132,"events":[{"name":"member_added","channel":"presence-a","user_id":"7"}]}"#;
/// let signed = sign_webhook(&creds, body);
/// let ring = Keyring::new([creds]);
///
/// let verified = verify_and_parse_webhook(&ring, signed.key().as_str(), signed.signature(), body)?;
/// assert_eq!(verified.webhook().time_ms(), 1327078148132);
/// match &verified.webhook().events()[0] {
///     WebhookEvent::MemberAdded { channel, user_id, .. } => {
///         assert_eq!((channel.as_str(), user_id.as_str()), ("presence-a", "7"));
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_and_parse_webhook<'a>(
    keyring: &'a Keyring,
    key_header: &str,
    signature_header: &str,
    body: &[u8],
) -> Result<VerifiedWebhook<'a>, WebhookError> {
    let credentials = verify_webhook(keyring, key_header, signature_header, body)?;
    // A signature that verified is 64 lowercase hex digits: `None` cannot happen, and
    // would be refused like any signature that does not verify.
    let signature = VerifiedTag::decode(signature_header).ok_or(VerifyError::InvalidSignature)?;
    let webhook = Webhook::parse(body)?;
    Ok(VerifiedWebhook { credentials, webhook, signature })
}

/// A webhook whose signature verified, with the credentials that signed it.
///
/// ```
/// # use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook};
/// # use channel_auth::{Credentials, Keyring};
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let body = br#"{"time_ms":5,"events":[]}"#;
/// let signed = sign_webhook(&creds, body);
/// let ring = Keyring::new([creds]);
/// let verified = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?;
/// assert_eq!(verified.credentials().key().as_str(), "key");
/// assert!(verified.into_webhook().events().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct VerifiedWebhook<'a> {
    credentials: &'a Credentials,
    webhook: Webhook,
    /// The signature that verified, for the replay key (its `Debug` is redacted).
    signature: VerifiedTag,
}

impl<'a> VerifiedWebhook<'a> {
    /// The credentials whose secret signed the body.
    #[must_use]
    pub fn credentials(&self) -> &'a Credentials {
        self.credentials
    }

    /// The parsed webhook.
    #[must_use]
    pub fn webhook(&self) -> &Webhook {
        &self.webhook
    }

    /// The parsed webhook, owned.
    #[must_use]
    pub fn into_webhook(self) -> Webhook {
        self.webhook
    }

    /// [`WebhookEvent::decrypt_data`] with the credentials that verified this webhook
    /// (which must carry the encryption master key).
    ///
    /// # Errors
    /// As [`WebhookEvent::decrypt_data`].
    ///
    /// ```
    /// use channel_auth::encryption::encrypt_payload;
    /// use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook};
    /// use channel_auth::{Credentials, EncryptionMasterKey, Keyring};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?)
    ///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
    /// let data = encrypt_payload(&creds, &"private-encrypted-chat".parse()?, b"hello")?;
    /// let body = serde_json::json!({"time_ms": 1, "events": [
    ///     {"name": "client_event", "channel": "private-encrypted-chat", "event": "client-msg",
    ///      "data": data, "socket_id": "1.1"},
    /// ]}).to_string();
    /// let signed = sign_webhook(&creds, body.as_bytes());
    /// let ring = Keyring::new([creds]);
    /// let verified = verify_and_parse_webhook(&ring, "key", signed.signature(), body.as_bytes())?;
    /// for event in verified.webhook().events() {
    ///     assert_eq!(verified.decrypt_data(event)?.as_deref(), Some(&b"hello"[..]));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decrypt_data(&self, event: &WebhookEvent) -> Result<Option<Vec<u8>>, VerifyError> {
        event.decrypt_data(self.credentials)
    }

    /// The signature that verified, as bytes (for [`ReplayKey`](crate::replay::ReplayKey)).
    pub(crate) fn signature(&self) -> &VerifiedTag {
        &self.signature
    }
}
