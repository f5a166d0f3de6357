//! [`ReplayKey`]: what a verified request is remembered by.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::api::VerifiedApiRequest;
use crate::mac::TAG_LEN;
use crate::webhook::VerifiedWebhook;

/// Starts every key's hashed input: names this crate's scheme and its version.
const DOMAIN: &[u8] = b"channel-auth replay key v1\0";

/// What a key was made from; one byte of the hashed input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Purpose {
    Webhook = 1,
    ApiRequest = 2,
}

/// The key a verified request is remembered by: SHA-256 of its purpose, its app key and
/// its signature.
///
/// The hashed input is `"channel-auth replay key v1\0" ‖ purpose (one byte: webhook 1,
/// API request 2) ‖ app key length (2 bytes, big-endian) ‖ app key ‖ the 32 signature
/// bytes`: fixed-width fields and a length prefix, so two different (purpose, key,
/// signature) triples never hash the same input, and a webhook and an API request never
/// share a key. The signature covers everything the request says (a webhook's body; an
/// API request's method, path, parameters as signed, body MD5 and timestamp), so a
/// repeat of a request, however its query is spelled, has the same key, and any change
/// gives another.
///
/// Its `Debug` and [`to_hex`](Self::to_hex) show the hash, never the signature.
///
/// ```
/// use channel_auth::replay::ReplayKey;
/// use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook};
/// use channel_auth::{Credentials, Keyring};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let ring = Keyring::new([creds.clone()]);
/// let key_of = |body: &[u8]| -> Result<ReplayKey, channel_auth::Error> {
///     let signed = sign_webhook(&creds, body);
///     Ok(ReplayKey::of_webhook(&verify_and_parse_webhook(&ring, "key", signed.signature(), body)?))
/// };
/// let first = key_of(br#"{"time_ms":1,"events":[]}"#)?;
/// assert_eq!(first, key_of(br#"{"time_ms":1,"events":[]}"#)?); // a retry
/// assert_ne!(first, key_of(br#"{"time_ms":2,"events":[]}"#)?); // another webhook
/// assert_eq!(first.to_hex().len(), 64);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplayKey([u8; 32]);

impl ReplayKey {
    /// The key of a verified webhook.
    #[must_use]
    pub fn of_webhook(webhook: &VerifiedWebhook<'_>) -> Self {
        Self::from_parts(Purpose::Webhook, webhook.credentials().key().as_str(), webhook.signature().bytes())
    }

    /// The key of a verified HTTP API request.
    #[must_use]
    pub fn of_api_request(request: &VerifiedApiRequest<'_>) -> Self {
        Self::from_parts(Purpose::ApiRequest, request.credentials().key().as_str(), request.signature().bytes())
    }

    /// A key from its 32 bytes, as [`as_bytes`](Self::as_bytes) gave them (for a guard
    /// that stores keys, and for tests).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's 32 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as 64 lowercase hex digits (what `RedisReplayGuard` stores).
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn from_parts(purpose: Purpose, app_key: &str, signature: &[u8; TAG_LEN]) -> Self {
        // An app key is at most 64 bytes (`AppKey::MAX_LEN`): the length always fits
        // two bytes; the saturation is for the type, never taken.
        let len = u16::try_from(app_key.len()).unwrap_or(u16::MAX);
        let digest = Sha256::new()
            .chain_update(DOMAIN)
            .chain_update([purpose as u8])
            .chain_update(len.to_be_bytes())
            .chain_update(app_key.as_bytes())
            .chain_update(signature)
            .finalize();
        Self(digest.into())
    }
}

impl fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplayKey({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_is_unambiguous() {
        let sig = [0x61; TAG_LEN];
        let mut shifted = [0x61; TAG_LEN];
        shifted[31] = 0x62;
        let keys = [
            ReplayKey::from_parts(Purpose::Webhook, "ab", &sig),
            ReplayKey::from_parts(Purpose::ApiRequest, "ab", &sig),
            // "a" then a signature starting with 'b' is not "ab" then the rest.
            ReplayKey::from_parts(Purpose::Webhook, "a", &{
                let mut s = [0x61; TAG_LEN];
                s[0] = 0x62;
                s
            }),
            ReplayKey::from_parts(Purpose::Webhook, "ab", &shifted),
            ReplayKey::from_parts(Purpose::Webhook, "", &sig),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in keys.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
        assert_eq!(keys[0], ReplayKey::from_parts(Purpose::Webhook, "ab", &sig));
    }

    #[test]
    fn known_answer() {
        // python3: hashlib.sha256(b"channel-auth replay key v1\0" + bytes([1, 0, 3]) + b"key" + bytes(32))
        const EXPECTED: &str = "b754347cfdc5b041e61b09832fb90f3260e238b540850bd1ce9d8192b7a37fdb";
        assert_eq!(ReplayKey::from_parts(Purpose::Webhook, "key", &[0; TAG_LEN]).to_hex(), EXPECTED);
    }

    #[test]
    fn debug_shows_the_hash_only() {
        let key = ReplayKey::from_bytes([0xab; 32]);
        assert_eq!(format!("{key:?}"), format!("ReplayKey({})", "ab".repeat(32)));
    }
}
