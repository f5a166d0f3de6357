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

mod error;
mod event;
mod signature;

pub use error::WebhookError;
pub use event::{Webhook, WebhookEvent};
pub use signature::{VerifiedWebhook, WebhookSignature, sign_webhook, verify_and_parse_webhook, verify_webhook};

#[cfg(test)]
mod tests;
