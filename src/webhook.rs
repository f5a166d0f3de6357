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
//!
//! ```
//! use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook, WebhookEvent};
//! use channel_auth::{Credentials, Keyring};
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let body = br#"{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"news"}]}"#;
//! let headers = sign_webhook(&creds, body);
//!
//! let ring = Keyring::new([creds]);
//! let verified = verify_and_parse_webhook(&ring, headers.key().as_str(), headers.signature(), body)?;
//! let first = verified.webhook().events().first();
//! assert!(matches!(first, Some(WebhookEvent::ChannelOccupied { channel, .. }) if channel.as_str() == "news"));
//! assert!(verify_and_parse_webhook(&ring, headers.key().as_str(), headers.signature(), b"{}").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod event;
mod signature;

pub use error::WebhookError;
pub use event::{Webhook, WebhookEvent};
pub use signature::{VerifiedWebhook, WebhookSignature, sign_webhook, verify_and_parse_webhook, verify_webhook};

#[cfg(test)]
mod tests;
