//! The event model ([`Webhook`], [`WebhookEvent`]) and its parser, which only a
//! verified body reaches.

use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::WebhookError;
#[cfg(doc)]
use super::{VerifiedWebhook, verify_and_parse_webhook, verify_webhook};
use crate::credentials::Credentials;
use crate::error::VerifyError;
use crate::names::{ChannelKind, ChannelName, SocketId};

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
/// # use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook};
/// # use channel_auth::{Credentials, Keyring};
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
    #[must_use]
    pub fn time_ms(&self) -> u64 {
        self.time_ms
    }

    /// The events, in the order sent (one, or several with batch webhooks).
    #[must_use]
    pub fn events(&self) -> &[WebhookEvent] {
        &self.events
    }

    /// The events, owned.
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
    /// # use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook};
    /// # use channel_auth::{Credentials, Keyring, VerifyError};
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
    pub(super) fn parse(body: &[u8]) -> Result<Self, WebhookError> {
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
/// # use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook};
/// # use channel_auth::{Credentials, Keyring};
/// use channel_auth::webhook::WebhookEvent;
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
    /// As [`decrypt_payload`](crate::encryption::decrypt_payload): [`VerifyError::Config`],
    /// [`VerifyError::MalformedPayload`], [`VerifyError::DecryptionFailed`].
    ///
    /// ```
    /// use channel_auth::encryption::encrypt_payload;
    /// use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook};
    /// use channel_auth::{Credentials, EncryptionMasterKey, Keyring};
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
