//! End-to-end encrypted channels (`private-encrypted-`): the one place for payload crypto,
//! as `mac.rs` is for MACs.
//!
//! - The channel's **shared secret** is SHA-256(channel name ‖ master key): 32 bytes,
//!   handed to subscribers base64-encoded in their channel authorization.
//! - An event's `data` is sealed with NaCl **secretbox** (XSalsa20-Poly1305) under that
//!   secret and a fresh 24-byte nonce, and sent as the JSON string
//!   `{"nonce":"<base64>","ciphertext":"<base64>"}` (standard, padded base64; the
//!   ciphertext is the 16-byte Poly1305 tag followed by the encrypted bytes), exactly as
//!   pusher-http-node and pusher-http-go write it and pusher-js reads it.
//!
//! Keys are derived per call and zeroized when dropped (the channel key here; the
//! secretbox's copy of it, its XSalsa20 subkey and state, and its Poly1305 key and state
//! in `crypto_secretbox`, `salsa20` and `poly1305`, whose `zeroize` features are on); a
//! plaintext copy that fails to encrypt is zeroized. Not wiped: SHA-256's block buffer
//! after hashing `channel ‖ master key` (`sha2` 0.10 cannot), the `shared_secret` handed
//! out, and the plaintexts returned by [`decrypt_payload`] (the caller's). Nothing here
//! prints a key, a nonce's key or a plaintext.
//!
//! ```
//! use channel_auth::encryption::{decrypt_payload, encrypt_payload};
//! use channel_auth::{ChannelName, Credentials, EncryptionMasterKey};
//!
//! let master = EncryptionMasterKey::from_base64("zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=")?;
//! let creds = Credentials::new("key".parse()?, "secret".parse()?).with_encryption_master_key(master);
//! let channel: ChannelName = "private-encrypted-alice".parse()?;
//!
//! let data = encrypt_payload(&creds, &channel, br#"{"message":"hi"}"#)?;
//! assert!(data.starts_with(r#"{"nonce":""#));
//! assert_eq!(decrypt_payload(&creds, &channel, &data)?, br#"{"message":"hi"}"#);
//! // Another channel's key does not open it.
//! assert!(decrypt_payload(&creds, &"private-encrypted-bob".parse()?, &data).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use crypto_secretbox::aead::rand_core::CryptoRngCore;
use crypto_secretbox::aead::{AeadInPlace as _, KeyInit as _};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::credentials::Credentials;
use crate::error::{AuthError, ConfigError, VerifyError};
use crate::names::{ChannelKind, ChannelName};
use crate::secret::EncryptionMasterKey;

// Defined in error.rs beside VerifyError, whose `MalformedPayload` carries it: defined
// here, error.rs (which every module imports) would import this module back.
pub use crate::error::PayloadFault;

/// `rand_core` 0.6, as [`encrypt_payload_with_rng`] takes it (re-exported so a caller's
/// random source implements the very trait the library names).
pub use crypto_secretbox::aead::rand_core;

/// The length of a secretbox nonce, in bytes.
pub(crate) const NONCE_LEN: usize = 24;
/// The length of a Poly1305 tag, in bytes: the shortest valid ciphertext.
pub(crate) const TAG_LEN: usize = 16;

/// SHA-256(channel ‖ master key): a `private-encrypted-` channel's secretbox key.
pub(crate) fn channel_key(channel: &ChannelName, master_key: &EncryptionMasterKey) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0_u8; 32]);
    let out: &mut Key = (&mut *key).into();
    Sha256::new().chain_update(channel.as_str().as_bytes()).chain_update(master_key.expose()).finalize_into(out);
    key
}

/// base64(SHA-256(channel ‖ master key)): the `shared_secret` of a channel authorization.
pub(crate) fn shared_secret(channel: &ChannelName, master_key: &EncryptionMasterKey) -> String {
    BASE64.encode(channel_key(channel, master_key).as_slice())
}

/// The key for `channel` from `credentials`, or why there is none.
fn key_for(credentials: &Credentials, channel: &ChannelName) -> Result<Zeroizing<[u8; 32]>, AuthError> {
    if channel.kind() != ChannelKind::PrivateEncrypted {
        return Err(AuthError::NotEncryptedChannel);
    }
    let master_key = credentials.encryption_master_key().ok_or(ConfigError::MissingMasterKey)?;
    Ok(channel_key(channel, master_key))
}

/// Secretbox: `tag ‖ XSalsa20(plaintext)` under `key` and `nonce`.
pub(crate) fn seal(key: &[u8; 32], nonce: &[u8; NONCE_LEN], plaintext: &[u8]) -> Result<Vec<u8>, AuthError> {
    let cipher = XSalsa20Poly1305::new(key.into());
    let mut buffer = Vec::with_capacity(plaintext.len() + TAG_LEN);
    buffer.extend_from_slice(plaintext);
    match cipher.encrypt_in_place(Nonce::from_slice(nonce), b"", &mut buffer) {
        Ok(()) => Ok(buffer),
        Err(_) => {
            zeroize::Zeroize::zeroize(&mut buffer);
            Err(AuthError::EncryptionFailed)
        }
    }
}

/// Opens a secretbox `tag ‖ ciphertext`; any failure is [`VerifyError::DecryptionFailed`]
/// and releases no byte of the plaintext.
pub(crate) fn open(key: &[u8; 32], nonce: &[u8; NONCE_LEN], ciphertext: &[u8]) -> Result<Vec<u8>, VerifyError> {
    if ciphertext.len() < TAG_LEN {
        return Err(VerifyError::MalformedPayload {
            fault: PayloadFault::CiphertextTooShort { len: ciphertext.len() },
        });
    }
    let cipher = XSalsa20Poly1305::new(key.into());
    let mut buffer = ciphertext.to_vec();
    // The tag is checked before anything is decrypted: on failure the buffer still holds
    // the ciphertext, which the caller sent.
    cipher.decrypt_in_place(Nonce::from_slice(nonce), b"", &mut buffer).map_err(|_| VerifyError::DecryptionFailed)?;
    Ok(buffer)
}

/// The `data` JSON: `{"nonce":"<b64>","ciphertext":"<b64>"}`, written in one allocation.
/// Base64's alphabet needs no JSON escaping.
fn data_json(nonce: &[u8; NONCE_LEN], ciphertext: &[u8]) -> String {
    const OPEN: &str = "{\"nonce\":\"";
    const MIDDLE: &str = "\",\"ciphertext\":\"";
    const CLOSE: &str = "\"}";
    let len = OPEN.len() + 32 + MIDDLE.len() + ciphertext.len().div_ceil(3) * 4 + CLOSE.len();
    let mut out = String::with_capacity(len);
    out.push_str(OPEN);
    BASE64.encode_string(nonce, &mut out);
    out.push_str(MIDDLE);
    BASE64.encode_string(ciphertext, &mut out);
    out.push_str(CLOSE);
    out
}

/// Encrypts an event's data for a `private-encrypted-` channel, with a fresh nonce from
/// the operating system's random source.
///
/// Returns the string to send as the event's `data`:
/// `{"nonce":"<base64>","ciphertext":"<base64>"}`. `plaintext` is encrypted as given:
/// pusher-js JSON-parses the decrypted bytes and falls back to the raw string, so JSON
/// arrives as an object and anything else as a string. (The official Node library
/// JSON-encodes its data first, so a bare string it sends arrives quoted.)
///
/// Not available on `wasm32-unknown-unknown`, which has no operating system: there, use
/// [`encrypt_payload_with_rng`] with the platform's random source.
///
/// # Errors
/// [`AuthError::NotEncryptedChannel`] for any channel that is not `private-encrypted-`,
/// [`AuthError::Config`] ([`ConfigError::MissingMasterKey`]) when the credentials have no
/// master key,
/// [`AuthError::RandomnessUnavailable`] when the OS random source fails.
///
/// ```
/// use channel_auth::encryption::{decrypt_payload, encrypt_payload};
/// use channel_auth::{ChannelName, Credentials, EncryptionMasterKey};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?)
///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
/// let channel: ChannelName = "private-encrypted-chat".parse()?;
/// let data = encrypt_payload(&creds, &channel, br#"{"message":"hi"}"#)?;
/// assert!(data.starts_with(r#"{"nonce":""#));
/// assert_eq!(decrypt_payload(&creds, &channel, &data)?, br#"{"message":"hi"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub fn encrypt_payload(
    credentials: &Credentials,
    channel: &ChannelName,
    plaintext: &[u8],
) -> Result<String, AuthError> {
    let key = key_for(credentials, channel)?;
    let mut nonce = [0_u8; NONCE_LEN];
    getrandom::getrandom(&mut nonce).map_err(|_| AuthError::RandomnessUnavailable)?;
    Ok(data_json(&nonce, &seal(&key, &nonce, plaintext)?))
}

/// [`encrypt_payload`] with the nonce drawn from the caller's cryptographic random
/// number generator: for platforms without an OS random source (such as
/// `wasm32-unknown-unknown`) and for deterministic tests.
///
/// `rng` implements [`rand_core::CryptoRngCore`] of `rand_core`
/// 0.6, re-exported as [`channel_auth::encryption::rand_core`](rand_core) (so `rand`
/// 0.8's `OsRng` or `ThreadRng` fit). It must never repeat a nonce under one key:
/// use a real CSPRNG.
///
/// # Errors
/// As [`encrypt_payload`]; [`AuthError::RandomnessUnavailable`] when `rng` reports an
/// error.
///
/// ```
/// use channel_auth::encryption::rand_core::{impls, CryptoRng, Error, RngCore};
/// use channel_auth::encryption::{decrypt_payload, encrypt_payload_with_rng};
/// use channel_auth::{ChannelName, Credentials, EncryptionMasterKey};
///
/// // A stand-in for the platform's random source (a counter: never in production).
/// struct Platform(u8);
/// impl RngCore for Platform {
///     fn next_u32(&mut self) -> u32 { impls::next_u32_via_fill(self) }
///     fn next_u64(&mut self) -> u64 { impls::next_u64_via_fill(self) }
///     fn fill_bytes(&mut self, dest: &mut [u8]) {
///         for b in dest {
///             self.0 = self.0.wrapping_add(1);
///             *b = self.0;
///         }
///     }
///     fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
///         self.fill_bytes(dest);
///         Ok(())
///     }
/// }
/// impl CryptoRng for Platform {}
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?)
///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
/// let channel: ChannelName = "private-encrypted-chat".parse()?;
/// let data = encrypt_payload_with_rng(&creds, &channel, b"hello", &mut Platform(0))?;
/// assert!(data.starts_with(r#"{"nonce":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY","ciphertext":""#));
/// assert_eq!(decrypt_payload(&creds, &channel, &data)?, b"hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encrypt_payload_with_rng(
    credentials: &Credentials,
    channel: &ChannelName,
    plaintext: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<String, AuthError> {
    let key = key_for(credentials, channel)?;
    let mut nonce = [0_u8; NONCE_LEN];
    rng.try_fill_bytes(&mut nonce).map_err(|_| AuthError::RandomnessUnavailable)?;
    Ok(data_json(&nonce, &seal(&key, &nonce, plaintext)?))
}

/// [`encrypt_payload`] with a nonce chosen by the caller: **for known-answer tests
/// only**.
///
/// A nonce used twice under one channel's key reveals the XOR of the two plaintexts and
/// lets anyone forge messages on that channel. Production code calls
/// [`encrypt_payload`] or [`encrypt_payload_with_rng`].
///
/// # Errors
/// [`AuthError::NotEncryptedChannel`], [`AuthError::Config`], as
/// [`encrypt_payload`].
///
/// ```
/// use channel_auth::encryption::encrypt_payload_with_nonce;
/// use channel_auth::{ChannelName, Credentials, EncryptionMasterKey};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?)
///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
/// let channel: ChannelName = "private-encrypted-chat".parse()?;
/// let a = encrypt_payload_with_nonce(&creds, &channel, b"known answer", [0; 24])?;
/// let b = encrypt_payload_with_nonce(&creds, &channel, b"known answer", [0; 24])?;
/// assert_eq!(a, b); // deterministic: that is exactly why production must not use it
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encrypt_payload_with_nonce(
    credentials: &Credentials,
    channel: &ChannelName,
    plaintext: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Result<String, AuthError> {
    let key = key_for(credentials, channel)?;
    Ok(data_json(&nonce, &seal(&key, &nonce, plaintext)?))
}

/// The received `data` JSON, with both fields required and nothing else allowed: only
/// these two are authenticated, so an extra field would be unauthenticated data riding
/// along.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed<'a> {
    #[serde(borrow)]
    nonce: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    ciphertext: std::borrow::Cow<'a, str>,
}

/// Parses the `data` JSON strictly, naming the first fault.
fn parse_sealed(data: &str) -> Result<([u8; NONCE_LEN], Vec<u8>), PayloadFault> {
    let sealed = match serde_json::from_str::<Sealed<'_>>(data) {
        Ok(sealed) => sealed,
        Err(_) => return Err(classify(data)),
    };
    let nonce = BASE64.decode(sealed.nonce.as_bytes()).map_err(|_| PayloadFault::InvalidBase64 { field: "nonce" })?;
    let nonce: [u8; NONCE_LEN] =
        nonce.as_slice().try_into().map_err(|_| PayloadFault::NonceLength { len: nonce.len() })?;
    let ciphertext =
        BASE64.decode(sealed.ciphertext.as_bytes()).map_err(|_| PayloadFault::InvalidBase64 { field: "ciphertext" })?;
    Ok((nonce, ciphertext))
}

/// Why `data` is not a `{"nonce": string, "ciphertext": string}` object (called only
/// after the strict parse failed).
fn classify(data: &str) -> PayloadFault {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(data) else {
        return PayloadFault::NotJsonObject;
    };
    for field in ["nonce", "ciphertext"] {
        if !map.get(field).is_some_and(serde_json::Value::is_string) {
            return PayloadFault::MissingField { field };
        }
    }
    if map.len() > 2 {
        PayloadFault::UnexpectedField
    } else {
        // Both fields are strings and nothing else is there: a field was given twice
        // (the generic parse keeps the last; the strict one refuses).
        PayloadFault::DuplicateField
    }
}

/// Decrypts an event's `data` from a `private-encrypted-` channel (a webhook's
/// `client_event`, or a payload sent by another library).
///
/// `data` must be exactly `{"nonce":"<base64 of 24 bytes>","ciphertext":"<base64>"}`
/// (fields in any order, standard padded base64). Returns the plaintext bytes as they
/// were encrypted (the official Node library JSON-encodes before encrypting, so its
/// strings come back quoted).
///
/// # Errors
/// [`VerifyError::NotEncryptedChannel`], [`VerifyError::Config`] (no master key),
/// [`VerifyError::MalformedPayload`] naming what is wrong with `data`, and
/// [`VerifyError::DecryptionFailed`] when it does not authenticate under the channel's
/// key (wrong channel, wrong master key, or any altered byte). No error carries the key
/// or any byte of the plaintext.
///
/// ```
/// use channel_auth::encryption::{decrypt_payload, encrypt_payload};
/// use channel_auth::{ChannelName, Credentials, EncryptionMasterKey, VerifyError};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?)
///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
/// let channel: ChannelName = "private-encrypted-chat".parse()?;
/// let data = encrypt_payload(&creds, &channel, b"hello")?;
/// assert_eq!(decrypt_payload(&creds, &channel, &data)?, b"hello");
///
/// let other: ChannelName = "private-encrypted-other".parse()?;
/// assert_eq!(decrypt_payload(&creds, &other, &data), Err(VerifyError::DecryptionFailed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decrypt_payload(credentials: &Credentials, channel: &ChannelName, data: &str) -> Result<Vec<u8>, VerifyError> {
    let key = key_for(credentials, channel).map_err(|e| match e {
        AuthError::Config(config) => VerifyError::Config(config),
        _ => VerifyError::NotEncryptedChannel,
    })?;
    let (nonce, ciphertext) = parse_sealed(data)?;
    open(&key, &nonce, &ciphertext)
}

#[cfg(test)]
mod tests;
