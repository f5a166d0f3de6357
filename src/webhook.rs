//! Webhooks: signing, verification, and typed events parsed from a verified body only.
//!
//! Pusher POSTs a JSON body with two headers: `X-Pusher-Key` (the app key) and
//! `X-Pusher-Signature` (lowercase hex HMAC-SHA256 of the raw body under that key's
//! secret). The signed bytes are the body, exactly as received: nothing is trimmed,
//! decoded or re-serialized, and the header values are taken as received too (a key or
//! signature with a stray space does not match).
//!
//! The design (verified before parsed, rotation, event fields) is documented on
//! [`Webhook`], where users read it.

use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::credentials::{Credentials, Keyring};
use crate::error::{VerifyError, WebhookError};
use crate::names::{AppKey, ChannelKind, ChannelName, SocketId};

/// The headers a webhook is sent with: `X-Pusher-Key` and `X-Pusher-Signature`.
///
/// ```
/// use channel_auth::{sign_webhook, Credentials};
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
/// use channel_auth::{sign_webhook, Credentials};
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
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, Credentials};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// assert_eq!(sign_webhook(&creds, b"{}").key().as_str(), "key");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn key(&self) -> &AppKey {
        &self.key
    }

    /// The value of `X-Pusher-Signature`: 64 lowercase hex digits.
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, Credentials};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// assert_eq!(sign_webhook(&creds, b"{}").signature().len(), 64);
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
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
/// use channel_auth::{sign_webhook, verify_webhook, Credentials, Keyring};
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
/// use channel_auth::{verify_webhook, Credentials, Keyring, VerifyError};
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
/// let signed = channel_auth::sign_webhook(&creds, not_json);
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
fn shaped_like_a_webhook(body: &[u8]) -> bool {
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
/// use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring, WebhookEvent};
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
    let webhook = Webhook::parse(body)?;
    Ok(VerifiedWebhook { credentials, webhook })
}

/// A webhook whose signature verified, with the credentials that signed it.
///
/// ```
/// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
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
}

impl<'a> VerifiedWebhook<'a> {
    /// The credentials whose secret signed the body.
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// # let body = br#"{"time_ms":5,"events":[]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let verified = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?;
    /// assert_eq!(verified.credentials().key().as_str(), "key");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn credentials(&self) -> &'a Credentials {
        self.credentials
    }

    /// The parsed webhook.
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// # let body = br#"{"time_ms":5,"events":[]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let verified = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?;
    /// assert_eq!(verified.webhook().time_ms(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn webhook(&self) -> &Webhook {
        &self.webhook
    }

    /// The parsed webhook, owned.
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// # let body = br#"{"time_ms":5,"events":[]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook();
    /// assert_eq!(webhook.time_ms(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// use channel_auth::{
    ///     encrypt_payload, sign_webhook, verify_and_parse_webhook, Credentials, EncryptionMasterKey, Keyring,
    /// };
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
}

/// A verified webhook's content: when Pusher made it, and its events.
///
/// Only [`verify_and_parse_webhook`] makes one, from a body whose signature verified.
///
/// # Verified before parsed
///
/// There is no public way to turn bytes into a [`Webhook`] but
/// [`verify_and_parse_webhook`], which checks the signature first and parses only a body
/// that verified. [`verify_webhook`] verifies without parsing, for callers that read the
/// body some other way.
///
/// ```text
/// verify_webhook(&Keyring, key_header, signature_header, body) -> Result<&Credentials, VerifyError>
/// verify_and_parse_webhook(&Keyring, key_header, signature_header, body) -> Result<VerifiedWebhook, WebhookError>
///     VerifiedWebhook: credentials() -> &Credentials, webhook() -> &Webhook, into_webhook()
/// Webhook: time_ms(), events() -> &[WebhookEvent], check_freshness(now, window) -> Result<(), VerifyError>
/// ```
///
/// Several credentials may share a key during a secret rotation: every one of them is
/// tried, and any match verifies.
///
/// Event fields follow Pusher's webhook reference. Channel names are parsed as
/// [`ChannelName`] and `client_event` socket ids as [`SocketId`]; a value that fails its
/// grammar makes the whole body [`WebhookError::InvalidEventField`] (with the event's
/// index), never a panic and never a silently dropped event. Events of a type this
/// crate does not know are kept whole as [`WebhookEvent::Unknown`].
///
/// ```
/// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
/// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let body = br#"{"time_ms":1403175510755,"events":[{"channel":"test_channel","name":"channel_vacated"}]}"#;
/// # let signed = sign_webhook(&creds, body);
/// # let ring = Keyring::new([creds]);
/// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook();
/// assert_eq!(webhook.events().len(), 1);
/// assert_eq!(webhook.events()[0].name(), "channel_vacated");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    time_ms: u64,
    events: Vec<WebhookEvent>,
}

impl Webhook {
    /// When Pusher made the webhook, in Unix milliseconds (`time_ms`).
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// # let body = br#"{"time_ms":5,"events":[]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook();
    /// assert_eq!(webhook.time_ms(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn time_ms(&self) -> u64 {
        self.time_ms
    }

    /// The events, in the order sent (one, or several with batch webhooks).
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// # let body = br#"{"time_ms":5,"events":[]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook();
    /// assert!(webhook.events().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn events(&self) -> &[WebhookEvent] {
        &self.events
    }

    /// The events, owned.
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// # let body = br#"{"time_ms":5,"events":[]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let events = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook().into_events();
    /// assert!(events.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn into_events(self) -> Vec<WebhookEvent> {
        self.events
    }

    /// Checks that `time_ms` is less than `window` away from `now`, either way.
    ///
    /// Optional: Pusher retries a failed webhook for several minutes, so pick a window
    /// longer than that (ten minutes, say) unless you dedupe retries some other way.
    /// Whole milliseconds, `now` rounded down; a webhook exactly `window` old (or ahead)
    /// is refused, so a zero window refuses everything.
    ///
    /// # Errors
    /// [`VerifyError::TimestampTooOld`] or [`VerifyError::TimestampTooNew`].
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring, VerifyError};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// let body = br#"{"time_ms":1000000,"events":[]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook();
    /// let window = Duration::from_secs(600);
    /// let sent = UNIX_EPOCH + Duration::from_millis(1_000_000);
    /// webhook.check_freshness(sent + Duration::from_secs(5), window)?;
    /// assert_eq!(webhook.check_freshness(sent + window, window), Err(VerifyError::TimestampTooOld));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_freshness(&self, now: SystemTime, window: Duration) -> Result<(), VerifyError> {
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let sent = u128::from(self.time_ms);
        let window = window.as_millis();
        if now.saturating_sub(sent) >= window {
            Err(VerifyError::TimestampTooOld)
        } else if sent.saturating_sub(now) >= window {
            Err(VerifyError::TimestampTooNew)
        } else {
            Ok(())
        }
    }

    /// Parses a body; private, so only a verified body gets here.
    fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| WebhookError::NotJson { line: e.line(), column: e.column() })?;
        let Value::Object(mut top) = value else {
            return Err(WebhookError::MalformedBody { field: "body", expected: "a JSON object" });
        };
        let time_ms = top
            .get("time_ms")
            .and_then(Value::as_u64)
            .ok_or(WebhookError::MalformedBody { field: "time_ms", expected: "a whole number of milliseconds" })?;
        let Some(Value::Array(raw_events)) = top.remove("events") else {
            return Err(WebhookError::MalformedBody { field: "events", expected: "an array" });
        };
        let events = raw_events
            .into_iter()
            .enumerate()
            .map(|(index, raw)| WebhookEvent::parse(index, raw))
            .collect::<Result<_, _>>()?;
        Ok(Self { time_ms, events })
    }
}

/// One webhook event, typed by its `name`.
///
/// Fields as Pusher's webhook reference gives them. Variants are `#[non_exhaustive]`:
/// match with `..`, as the protocol may add fields.
///
/// ```
/// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
/// use channel_auth::WebhookEvent;
/// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let body = br#"{"time_ms":1,"events":[{"name":"subscription_count","channel":"news","subscription_count":3}]}"#;
/// # let signed = sign_webhook(&creds, body);
/// # let ring = Keyring::new([creds]);
/// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook();
/// for event in webhook.events() {
///     match event {
///         WebhookEvent::SubscriptionCount { channel, subscription_count, .. } => {
///             assert_eq!((channel.as_str(), *subscription_count), ("news", 3));
///         }
///         other => println!("{}", other.name()),
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `channel_occupied`: the channel has its first subscriber.
    #[non_exhaustive]
    ChannelOccupied {
        /// The channel.
        channel: ChannelName,
    },
    /// `channel_vacated`: the channel's last subscriber left.
    #[non_exhaustive]
    ChannelVacated {
        /// The channel.
        channel: ChannelName,
    },
    /// `member_added`: a user joined a presence channel.
    #[non_exhaustive]
    MemberAdded {
        /// The presence channel.
        channel: ChannelName,
        /// The member's `user_id`, as the backend signed it (any string).
        user_id: String,
    },
    /// `member_removed`: a user's last connection left a presence channel.
    #[non_exhaustive]
    MemberRemoved {
        /// The presence channel.
        channel: ChannelName,
        /// The member's `user_id`, as the backend signed it (any string).
        user_id: String,
    },
    /// `client_event`: a client triggered a `client-` event on a private or presence
    /// channel.
    #[non_exhaustive]
    ClientEvent {
        /// The channel.
        channel: ChannelName,
        /// The event's name (`client-…`).
        event: String,
        /// The event's data: the string Pusher sends; a server that sends JSON other
        /// than a string gets it kept as compact JSON text. On a `private-encrypted-`
        /// channel it is the encrypted `{"nonce":…,"ciphertext":…}` (read it with
        /// [`WebhookEvent::decrypt_data`]), or empty when the event carried no data,
        /// which is not an error there.
        data: String,
        /// The sending connection.
        socket_id: SocketId,
        /// The sender's user id, on presence channels only.
        user_id: Option<String>,
    },
    /// `cache_miss`: a client subscribed to a cache channel that had no cached event.
    #[non_exhaustive]
    CacheMiss {
        /// The cache channel.
        channel: ChannelName,
    },
    /// `subscription_count`: the channel's subscriber count changed.
    #[non_exhaustive]
    SubscriptionCount {
        /// The channel.
        channel: ChannelName,
        /// The new count (sent as a number; a string of digits is accepted too).
        subscription_count: u64,
    },
    /// An event type this crate does not know, kept whole.
    #[non_exhaustive]
    Unknown {
        /// Its `name`.
        name: String,
        /// The whole event object, as sent.
        raw: Value,
    },
}

impl WebhookEvent {
    /// The event's `name` on the wire, e.g. `"member_added"`.
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// let body = br#"{"time_ms":1,"events":[{"name":"cache_miss","channel":"cache-x"}]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook();
    /// assert_eq!(webhook.events()[0].name(), "cache_miss");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::ChannelOccupied { .. } => "channel_occupied",
            Self::ChannelVacated { .. } => "channel_vacated",
            Self::MemberAdded { .. } => "member_added",
            Self::MemberRemoved { .. } => "member_removed",
            Self::ClientEvent { .. } => "client_event",
            Self::CacheMiss { .. } => "cache_miss",
            Self::SubscriptionCount { .. } => "subscription_count",
            Self::Unknown { name, .. } => name,
        }
    }

    /// The event's channel, for every known type.
    ///
    /// ```
    /// # use channel_auth::{sign_webhook, verify_and_parse_webhook, Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// let body = br#"{"time_ms":1,"events":[{"name":"channel_occupied","channel":"news"},{"name":"new_thing"}]}"#;
    /// # let signed = sign_webhook(&creds, body);
    /// # let ring = Keyring::new([creds]);
    /// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body)?.into_webhook();
    /// assert_eq!(webhook.events()[0].channel().map(|c| c.as_str()), Some("news"));
    /// assert_eq!(webhook.events()[1].channel(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn channel(&self) -> Option<&ChannelName> {
        match self {
            Self::ChannelOccupied { channel }
            | Self::ChannelVacated { channel }
            | Self::MemberAdded { channel, .. }
            | Self::MemberRemoved { channel, .. }
            | Self::ClientEvent { channel, .. }
            | Self::CacheMiss { channel }
            | Self::SubscriptionCount { channel, .. } => Some(channel),
            Self::Unknown { .. } => None,
        }
    }

    /// Decrypts the data of a `client_event` on a `private-encrypted-` channel, on
    /// request: parsing a webhook never decrypts, so a webhook is never refused because
    /// of an encrypted event.
    ///
    /// `Ok(None)` when there is nothing to decrypt: another event type, a channel that is
    /// not `private-encrypted-`, or an encrypted channel's `client_event` that carries no
    /// data (absent or empty). [`VerifiedWebhook::decrypt_data`] does the same with the
    /// credentials that verified the webhook.
    ///
    /// # Errors
    /// As [`decrypt_payload`](crate::decrypt_payload): [`VerifyError::MissingMasterKey`],
    /// [`VerifyError::MalformedPayload`], [`VerifyError::DecryptionFailed`].
    ///
    /// ```
    /// use channel_auth::{
    ///     encrypt_payload, sign_webhook, verify_and_parse_webhook, Credentials, EncryptionMasterKey, Keyring,
    /// };
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?)
    ///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
    /// let data = encrypt_payload(&creds, &"private-encrypted-chat".parse()?, br#"{"text":"hi"}"#)?;
    /// let body = serde_json::json!({"time_ms": 1, "events": [
    ///     {"name": "client_event", "channel": "private-encrypted-chat", "event": "client-msg",
    ///      "data": data, "socket_id": "1.1"},
    ///     {"name": "channel_occupied", "channel": "private-encrypted-chat"},
    /// ]}).to_string();
    /// let signed = sign_webhook(&creds, body.as_bytes());
    /// let ring = Keyring::new([creds.clone()]);
    /// let webhook = verify_and_parse_webhook(&ring, "key", signed.signature(), body.as_bytes())?.into_webhook();
    /// let events = webhook.events();
    /// assert_eq!(events[0].decrypt_data(&creds)?, Some(br#"{"text":"hi"}"#.to_vec()));
    /// assert_eq!(events[1].decrypt_data(&creds)?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decrypt_data(&self, credentials: &Credentials) -> Result<Option<Vec<u8>>, VerifyError> {
        match self {
            Self::ClientEvent { channel, data, .. }
                if channel.kind() == ChannelKind::PrivateEncrypted && !data.is_empty() =>
            {
                crate::encryption::decrypt_payload(credentials, channel, data).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn parse(index: usize, raw: Value) -> Result<Self, WebhookError> {
        let Value::Object(map) = &raw else {
            return Err(WebhookError::MalformedEvent { index, field: "the event", expected: "an object" });
        };
        let fields = Fields { index, map };
        let name = fields.string("name")?;
        Ok(match name {
            "channel_occupied" => Self::ChannelOccupied { channel: fields.channel()? },
            "channel_vacated" => Self::ChannelVacated { channel: fields.channel()? },
            "member_added" => {
                Self::MemberAdded { channel: fields.channel()?, user_id: fields.string("user_id")?.to_owned() }
            }
            "member_removed" => {
                Self::MemberRemoved { channel: fields.channel()?, user_id: fields.string("user_id")?.to_owned() }
            }
            "client_event" => {
                let channel = fields.channel()?;
                // On an encrypted channel an event without data is not an error (the
                // specification's rule): it is kept with empty data, which
                // `decrypt_data` reports as "no data".
                let data = match fields.data() {
                    Err(_) if channel.kind() == ChannelKind::PrivateEncrypted && !fields.map.contains_key("data") => {
                        String::new()
                    }
                    other => other?,
                };
                Self::ClientEvent {
                    channel,
                    event: fields.string("event")?.to_owned(),
                    data,
                    socket_id: fields.socket_id()?,
                    user_id: fields.optional_string("user_id")?.map(str::to_owned),
                }
            }
            "cache_miss" => Self::CacheMiss { channel: fields.channel()? },
            "subscription_count" => {
                Self::SubscriptionCount { channel: fields.channel()?, subscription_count: fields.count()? }
            }
            _ => {
                let name = name.to_owned();
                Self::Unknown { name, raw }
            }
        })
    }
}

/// Typed access to one event's fields, with errors that name the event and the field.
struct Fields<'a> {
    index: usize,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn malformed(&self, field: &'static str, expected: &'static str) -> WebhookError {
        WebhookError::MalformedEvent { index: self.index, field, expected }
    }

    fn string(&self, field: &'static str) -> Result<&'a str, WebhookError> {
        self.map.get(field).and_then(Value::as_str).ok_or_else(|| self.malformed(field, "a string"))
    }

    fn optional_string(&self, field: &'static str) -> Result<Option<&'a str>, WebhookError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.malformed(field, "a string or absent")),
        }
    }

    fn channel(&self) -> Result<ChannelName, WebhookError> {
        self.string("channel")?.parse().map_err(|source| WebhookError::InvalidEventField {
            index: self.index,
            field: "channel",
            source,
        })
    }

    fn socket_id(&self) -> Result<SocketId, WebhookError> {
        self.string("socket_id")?.parse().map_err(|source| WebhookError::InvalidEventField {
            index: self.index,
            field: "socket_id",
            source,
        })
    }

    fn data(&self) -> Result<String, WebhookError> {
        match self.map.get("data") {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Ok(other.to_string()),
            None => Err(self.malformed("data", "present")),
        }
    }

    fn count(&self) -> Result<u64, WebhookError> {
        const EXPECTED: &str = "a whole number";
        match self.map.get("subscription_count") {
            Some(Value::Number(n)) => n.as_u64().ok_or_else(|| self.malformed("subscription_count", EXPECTED)),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().map_err(|_| self.malformed("subscription_count", EXPECTED))
            }
            _ => Err(self.malformed("subscription_count", EXPECTED)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_json_object_is_shaped_like_a_webhook() {
        for ok in [&b"{\"a\":1}"[..], b"{\"time_ms\":1,\"events\":[]} \r\n\t", b"{:}"] {
            assert!(shaped_like_a_webhook(ok), "{ok:?}");
        }
        for bad in [
            &b""[..],
            b"{",
            b"}",
            b"{}",
            b"{ }",
            b" {\"a\":1}",
            b"\n{\"a\":1}",
            b"[{\"a\":1}]",
            b"{\"a\":1}x",
            b"{x:/a",
            b"1234.5678:private-a",
            b"POST\n/apps/3/events\nauth_key=k",
        ] {
            assert!(!shaped_like_a_webhook(bad), "{bad:?}");
        }
    }
    use crate::error::InvalidInput;
    use crate::InputKind;

    fn parse(body: &str) -> Result<Webhook, WebhookError> {
        Webhook::parse(body.as_bytes())
    }

    fn one(event: &str) -> Result<WebhookEvent, WebhookError> {
        parse(&format!(r#"{{"time_ms":1,"events":[{event}]}}"#)).map(|w| w.into_events().remove(0))
    }

    #[test]
    fn body_errors_name_the_field() {
        assert!(matches!(parse("not json"), Err(WebhookError::NotJson { line: 1, .. })));
        assert!(matches!(Webhook::parse(b"\xff"), Err(WebhookError::NotJson { .. })));
        assert_eq!(parse("[]"), Err(WebhookError::MalformedBody { field: "body", expected: "a JSON object" }));
        let time = Err(WebhookError::MalformedBody { field: "time_ms", expected: "a whole number of milliseconds" });
        assert_eq!(parse(r#"{"hello":"world"}"#), time);
        assert_eq!(parse(r#"{"time_ms":"1","events":[]}"#), time);
        assert_eq!(parse(r#"{"time_ms":-1,"events":[]}"#), time);
        assert_eq!(parse(r#"{"time_ms":1.5,"events":[]}"#), time);
        let events = Err(WebhookError::MalformedBody { field: "events", expected: "an array" });
        assert_eq!(parse(r#"{"time_ms":1}"#), events);
        assert_eq!(parse(r#"{"time_ms":1,"events":{}}"#), events);
        assert_eq!(parse(r#"{"time_ms":1,"events":[]}"#).unwrap().events(), []);
    }

    #[test]
    fn event_errors_name_the_event_and_field() {
        let malformed = |field, expected| Err(WebhookError::MalformedEvent { index: 0, field, expected });
        assert_eq!(one("1"), malformed("the event", "an object"));
        assert_eq!(one("{}"), malformed("name", "a string"));
        assert_eq!(one(r#"{"name":7}"#), malformed("name", "a string"));
        assert_eq!(one(r#"{"name":"channel_occupied"}"#), malformed("channel", "a string"));
        assert_eq!(one(r#"{"name":"member_added","channel":"presence-a"}"#), malformed("user_id", "a string"));
        assert_eq!(
            one(r#"{"name":"member_removed","channel":"presence-a","user_id":7}"#),
            malformed("user_id", "a string")
        );
        assert_eq!(
            one(r#"{"name":"client_event","channel":"private-a","event":"client-x","socket_id":"1.1"}"#),
            malformed("data", "present")
        );
        assert_eq!(
            one(
                r#"{"name":"client_event","channel":"private-a","event":"client-x","data":"","socket_id":"1.1","user_id":1}"#
            ),
            malformed("user_id", "a string or absent")
        );
        // Digits as a string: at most 20, even when leading zeros keep the value small.
        for count in
            ["-1", "1.5", "\"\"", "\"1a\"", "\" 1\"", "null", "\"99999999999999999999\"", "\"000000000000000000042\""]
        {
            assert_eq!(
                one(&format!(r#"{{"name":"subscription_count","channel":"a","subscription_count":{count}}}"#)),
                malformed("subscription_count", "a whole number"),
                "{count}"
            );
        }
        let second = parse(r#"{"time_ms":1,"events":[{"name":"cache_miss","channel":"a"},{"name":"cache_miss"}]}"#);
        assert_eq!(second, Err(WebhookError::MalformedEvent { index: 1, field: "channel", expected: "a string" }));
    }

    #[test]
    fn invalid_names_are_typed_errors() {
        assert_eq!(
            one(r#"{"name":"channel_vacated","channel":"a:b"}"#),
            Err(WebhookError::InvalidEventField {
                index: 0,
                field: "channel",
                source: InvalidInput::InvalidChar { kind: InputKind::ChannelName, position: 1, found: ':' },
            })
        );
        assert_eq!(
            one(r#"{"name":"client_event","channel":"private-a","event":"client-x","data":"","socket_id":"1.1\n"}"#),
            Err(WebhookError::InvalidEventField {
                index: 0,
                field: "socket_id",
                source: InvalidInput::InvalidChar { kind: InputKind::SocketId, position: 3, found: '\n' },
            })
        );
        let message = one(r#"{"name":"cache_miss","channel":""}"#).unwrap_err().to_string();
        assert_eq!(message, "webhook event 0: channel: channel name is empty");
    }

    #[test]
    fn encrypted_client_event_data_is_decrypted_on_request() {
        use crate::secret::EncryptionMasterKey;
        let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
            .with_encryption_master_key(EncryptionMasterKey::from_bytes([9; 32]));
        let enc: ChannelName = "private-encrypted-room".parse().unwrap();
        let data = crate::encryption::encrypt_payload(&creds, &enc, br#""quoted""#).unwrap();
        let body = serde_json::json!({"time_ms": 1, "events": [
            {"name": "client_event", "channel": "private-encrypted-room", "event": "client-x", "data": data, "socket_id": "1.1"},
            {"name": "client_event", "channel": "private-encrypted-room", "event": "client-x", "socket_id": "1.2"},
            {"name": "client_event", "channel": "private-encrypted-room", "event": "client-x", "data": "", "socket_id": "1.3"},
            {"name": "channel_occupied", "channel": "private-encrypted-room"},
            {"name": "client_event", "channel": "private-room", "event": "client-x", "data": data, "socket_id": "1.4"},
            {"name": "client_event", "channel": "private-encrypted-room", "event": "client-x", "data": "{}", "socket_id": "1.5"},
            {"name": "client_event", "channel": "private-encrypted-other", "event": "client-x", "data": data, "socket_id": "1.6"},
        ]})
        .to_string();
        let signed = sign_webhook(&creds, body.as_bytes());
        let ring = Keyring::new([creds.clone()]);
        // Parsing never fails because of an encrypted event, with data or without.
        let verified = verify_and_parse_webhook(&ring, "key", signed.signature(), body.as_bytes()).unwrap();
        let events = verified.webhook().events();
        assert_eq!(events.len(), 7);
        assert_eq!(verified.decrypt_data(&events[0]).unwrap(), Some(br#""quoted""#.to_vec()));
        assert_eq!(events[0].decrypt_data(&creds).unwrap(), Some(br#""quoted""#.to_vec()));
        assert!(matches!(&events[1], WebhookEvent::ClientEvent { data, .. } if data.is_empty()));
        assert_eq!(verified.decrypt_data(&events[1]), Ok(None));
        assert_eq!(verified.decrypt_data(&events[2]), Ok(None));
        assert_eq!(verified.decrypt_data(&events[3]), Ok(None));
        assert_eq!(verified.decrypt_data(&events[4]), Ok(None));
        assert_eq!(
            verified.decrypt_data(&events[5]),
            Err(VerifyError::MalformedPayload { fault: crate::PayloadFault::MissingField { field: "nonce" } })
        );
        assert_eq!(verified.decrypt_data(&events[6]), Err(VerifyError::DecryptionFailed));
        // Credentials without the master key: a typed error, on request only.
        let plain = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
        assert_eq!(events[0].decrypt_data(&plain), Err(VerifyError::MissingMasterKey));
        // A client_event without data on any other channel is still malformed.
        assert_eq!(
            one(r#"{"name":"client_event","channel":"private-a","event":"client-x","socket_id":"1.1"}"#),
            Err(WebhookError::MalformedEvent { index: 0, field: "data", expected: "present" })
        );
    }

    #[test]
    fn client_event_data_and_user_id() {
        let event = one(r#"{"name":"client_event","channel":"presence-a","event":"client-x","data":{"b":[1]},"socket_id":"1.2","user_id":"u","extra":true}"#).unwrap();
        let WebhookEvent::ClientEvent { data, user_id, socket_id, .. } = event else { panic!("{event:?}") };
        assert_eq!(data, r#"{"b":[1]}"#);
        assert_eq!(user_id.as_deref(), Some("u"));
        assert_eq!(socket_id.as_str(), "1.2");
        let event = one(
            r#"{"name":"client_event","channel":"private-a","event":"e","data":"d","socket_id":"1.2","user_id":null}"#,
        )
        .unwrap();
        assert!(matches!(event, WebhookEvent::ClientEvent { user_id: None, .. }));
    }

    #[test]
    fn subscription_count_as_number_or_digits() {
        for (count, want) in [("0", 0), ("42", 42), ("\"42\"", 42), ("18446744073709551615", u64::MAX)] {
            let event =
                one(&format!(r#"{{"name":"subscription_count","channel":"a","subscription_count":{count}}}"#)).unwrap();
            assert!(
                matches!(event, WebhookEvent::SubscriptionCount { subscription_count, .. } if subscription_count == want),
                "{count}"
            );
        }
    }

    #[test]
    fn freshness_edges() {
        let webhook = parse(r#"{"time_ms":1000000,"events":[]}"#).unwrap();
        let sent = UNIX_EPOCH + Duration::from_millis(1_000_000);
        let window = Duration::from_secs(300);
        let ms = Duration::from_millis;
        assert_eq!(webhook.check_freshness(sent, window), Ok(()));
        assert_eq!(webhook.check_freshness(sent + window - ms(1), window), Ok(()));
        assert_eq!(webhook.check_freshness(sent + window, window), Err(VerifyError::TimestampTooOld));
        assert_eq!(webhook.check_freshness(sent - window + ms(1), window), Ok(()));
        assert_eq!(webhook.check_freshness(sent - window, window), Err(VerifyError::TimestampTooNew));
        assert_eq!(webhook.check_freshness(UNIX_EPOCH - ms(5), window), Err(VerifyError::TimestampTooNew));
        assert_eq!(webhook.check_freshness(sent, Duration::ZERO), Err(VerifyError::TimestampTooOld));
        assert_eq!(webhook.check_freshness(sent, Duration::MAX), Ok(()));
        let max = parse(&format!(r#"{{"time_ms":{},"events":[]}}"#, u64::MAX)).unwrap();
        assert_eq!(max.check_freshness(sent, window), Err(VerifyError::TimestampTooNew));
    }
}
