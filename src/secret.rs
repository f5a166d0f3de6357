//! Secrets: redacted in `Debug`, never `Display`ed, their bytes zeroized on drop (what
//! is derived from them is another matter: see each type).

use base64::Engine as _;
use zeroize::Zeroizing;

use crate::error::{InputKind, InvalidInput};

/// An app's secret: the HMAC key for every signature of the app.
///
/// It has no `Display`, no `as_str` and no `Serialize`; `Debug` prints
/// `AppSecret([redacted])`.
///
/// # What is wiped from memory
///
/// The secret's bytes are zeroized when the value is dropped (held on the heap, so
/// moving an `AppSecret` moves a pointer and leaves no copy), and so is a string that
/// [`TryFrom<String>`] or `Deserialize` refuses. Not covered: copies made before it was
/// an `AppSecret` (the `&str` it was parsed from, a configuration file's buffer, the
/// process environment that [`Credentials::from_env`](crate::Credentials::from_env)
/// reads), and what is derived from it. [`Credentials::new`](crate::Credentials::new)
/// keys HMAC-SHA256 with it and drops it, but that key schedule (SHA-256's inner and
/// outer states, enough to forge every signature of the app) is **not** wiped: see
/// [`Credentials`](crate::Credentials#what-is-wiped-from-memory). The Faye functions key
/// HMAC-SHA256 on each call and leave that state on the stack, likewise unwiped.
///
/// # Constraints
/// - 1 to [`AppSecret::MAX_LEN`] bytes of any text. Errors report lengths only.
///
/// ```
/// use channel_auth::AppSecret;
///
/// let secret: AppSecret = "7ad3773142a6692b25b8".parse()?;
/// assert_eq!(format!("{secret:?}"), "AppSecret([redacted])");
/// assert!("".parse::<AppSecret>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct AppSecret(Zeroizing<String>);

impl AppSecret {
    /// The longest secret, in bytes.
    pub const MAX_LEN: usize = 1024;

    /// The key bytes, for the MAC module only.
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    fn validate(s: &str) -> Result<(), InvalidInput> {
        const KIND: InputKind = InputKind::AppSecret;
        if s.is_empty() {
            return Err(InvalidInput::Empty { kind: KIND });
        }
        if s.len() > Self::MAX_LEN {
            return Err(InvalidInput::TooLong { kind: KIND, max: Self::MAX_LEN, len: s.len() });
        }
        Ok(())
    }
}

impl core::fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AppSecret([redacted])")
    }
}

impl core::str::FromStr for AppSecret {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::validate(s)?;
        Ok(Self(Zeroizing::new(s.to_owned())))
    }
}

impl TryFrom<&str> for AppSecret {
    type Error = InvalidInput;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl TryFrom<String> for AppSecret {
    type Error = InvalidInput;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        // Wrap first, so that a refused secret is zeroized too.
        let s = Zeroizing::new(s);
        Self::validate(&s)?;
        Ok(Self(s))
    }
}

impl<'de> serde::Deserialize<'de> for AppSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Self::try_from(s).map_err(serde::de::Error::custom)
    }
}

/// The master key from which each `private-encrypted-` channel's shared secret is
/// derived: exactly 32 bytes.
///
/// `Debug` prints `EncryptionMasterKey([redacted])`.
///
/// # What is wiped from memory
///
/// The 32 bytes are zeroized when the value is dropped, and so are the decoded bytes
/// and the string of [`from_base64`](Self::from_base64) and `Deserialize`, accepted or
/// refused. Each channel key derived from it (SHA-256 of the channel name and the
/// master key) is zeroized after its one use, and so is the copy the secretbox cipher
/// keeps. Not covered:
/// - copies left by moves: the bytes are held inline, so moving the key (or
///   [`Credentials`](crate::Credentials) holding it) by value copies them, and the old
///   place is not wiped (`zeroize` wipes a value where it is dropped); nor is the array
///   the caller passes to [`from_bytes`](Self::from_bytes);
/// - SHA-256's block buffer after a channel key is derived, which holds the master key
///   (`sha2` 0.10 does not wipe it);
/// - a `private-encrypted-` channel's `shared_secret` (base64 of its channel key) in a
///   [`ChannelAuth`](crate::ChannelAuth) and its JSON: the answer sent to the
///   subscriber, the caller's to handle.
///
/// ```
/// use channel_auth::EncryptionMasterKey;
///
/// let key = EncryptionMasterKey::from_base64("zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=")?;
/// assert_eq!(format!("{key:?}"), "EncryptionMasterKey([redacted])");
/// // Unpadded or non-canonical base64 is refused rather than guessed at.
/// assert!(EncryptionMasterKey::from_base64("zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU").is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct EncryptionMasterKey(Zeroizing<[u8; 32]>);

impl EncryptionMasterKey {
    /// The key length, in bytes.
    pub const LEN: usize = 32;

    /// Takes the key as raw bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Decodes the key from canonical, padded, standard base64 (as the official
    /// libraries' `encryptionMasterKeyBase64` option takes it).
    ///
    /// # Errors
    /// [`InvalidInput::InvalidBase64`] for anything but canonical padded standard base64,
    /// [`InvalidInput::WrongLength`] when it does not decode to exactly 32 bytes. Neither
    /// error quotes the input.
    ///
    /// ```
    /// use channel_auth::{EncryptionMasterKey, InputKind, InvalidInput};
    ///
    /// assert_eq!(
    ///     EncryptionMasterKey::from_base64("YWFh").unwrap_err(),
    ///     InvalidInput::WrongLength { kind: InputKind::EncryptionMasterKey, expected: 32, len: 3 },
    /// );
    /// ```
    pub fn from_base64(s: &str) -> Result<Self, InvalidInput> {
        const KIND: InputKind = InputKind::EncryptionMasterKey;
        // 44 characters encode 32 bytes; refuse anything much longer before decoding.
        if s.len() > 64 {
            return Err(InvalidInput::WrongLength { kind: KIND, expected: Self::LEN, len: s.len() / 4 * 3 });
        }
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| InvalidInput::InvalidBase64 { kind: KIND })?,
        );
        let bytes: &[u8; 32] = decoded.as_slice().try_into().map_err(|_| InvalidInput::WrongLength {
            kind: KIND,
            expected: Self::LEN,
            len: decoded.len(),
        })?;
        // Copied straight into the zeroizing array: no unwiped `[u8; 32]` on the way.
        let mut key = Zeroizing::new([0_u8; 32]);
        for (dst, src) in key.iter_mut().zip(bytes) {
            *dst = *src;
        }
        Ok(Self(key))
    }

    /// The key bytes, for the shared-secret derivation only.
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for EncryptionMasterKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EncryptionMasterKey([redacted])")
    }
}

impl<'de> serde::Deserialize<'de> for EncryptionMasterKey {
    /// Deserializes from a base64 string, with the rules of
    /// [`EncryptionMasterKey::from_base64`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Zeroizing::new(<String as serde::Deserialize>::deserialize(d)?);
        Self::from_base64(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "";
    const UNPADDED: &str = "zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU";
    const URL_SAFE: &str = "zyrm8pvV2C9fJcBfhyXzvxbJVN_H7QLmbe0xJi1GhPU=";
    const NON_CANONICAL_TRAILING_BITS: &str = "zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPV=";
    const WHITESPACE: &str = " zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=";
    const SHORT: &str = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh";
    const LONG: &str = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh";

    #[test]
    fn secret_rejections_report_lengths_only() {
        const KIND: InputKind = InputKind::AppSecret;
        assert_eq!(EMPTY.parse::<AppSecret>().unwrap_err(), InvalidInput::Empty { kind: KIND });
        let long = "s".repeat(AppSecret::MAX_LEN + 1);
        assert_eq!(AppSecret::try_from(long).unwrap_err(), InvalidInput::TooLong { kind: KIND, max: 1024, len: 1025 });
        assert!("s".repeat(AppSecret::MAX_LEN).parse::<AppSecret>().is_ok());
    }

    #[test]
    fn master_key_rejections() {
        const KIND: InputKind = InputKind::EncryptionMasterKey;
        let err = |s: &str| EncryptionMasterKey::from_base64(s).unwrap_err();
        assert_eq!(err(EMPTY), InvalidInput::WrongLength { kind: KIND, expected: 32, len: 0 });
        assert_eq!(err(UNPADDED), InvalidInput::InvalidBase64 { kind: KIND });
        assert_eq!(err(URL_SAFE), InvalidInput::InvalidBase64 { kind: KIND });
        assert_eq!(err(NON_CANONICAL_TRAILING_BITS), InvalidInput::InvalidBase64 { kind: KIND });
        assert_eq!(err(WHITESPACE), InvalidInput::InvalidBase64 { kind: KIND });
        assert_eq!(err(SHORT), InvalidInput::WrongLength { kind: KIND, expected: 32, len: 30 });
        assert_eq!(err(LONG), InvalidInput::WrongLength { kind: KIND, expected: 32, len: 33 });
        let huge = "A".repeat(10_000);
        assert!(matches!(err(&huge), InvalidInput::WrongLength { .. }));
    }

    /// The fields holding the bytes are types that zeroize them on drop: this does not
    /// compile if either becomes a plain `String` or array.
    #[test]
    fn the_bytes_are_zeroized_on_drop() {
        fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        let secret: AppSecret = "hunter2-hunter2".parse().unwrap();
        zeroized_on_drop(&secret.0);
        let b64 = "zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=";
        let key = EncryptionMasterKey::from_base64(b64).unwrap();
        zeroized_on_drop(&key.0);
        assert_eq!(key.expose().to_vec(), base64::engine::general_purpose::STANDARD.decode(b64).unwrap());
    }

    #[test]
    fn debug_is_redacted() {
        let secret: AppSecret = "hunter2-hunter2".parse().unwrap();
        assert_eq!(format!("{secret:?}"), "AppSecret([redacted])");
        assert_eq!(format!("{secret:#?}"), "AppSecret([redacted])");
        let key = EncryptionMasterKey::from_bytes([0x41; 32]);
        assert_eq!(format!("{key:?}"), "EncryptionMasterKey([redacted])");
    }

    /// Over 64 characters is refused before decoding, with the length it would decode to
    /// (4 characters per 3 bytes), whatever the characters; 64 is still decoded.
    #[test]
    fn over_long_master_keys_are_refused_before_decoding() {
        const KIND: InputKind = InputKind::EncryptionMasterKey;
        let err = |s: &str| EncryptionMasterKey::from_base64(s).unwrap_err();
        assert_eq!(err(&"!".repeat(65)), InvalidInput::WrongLength { kind: KIND, expected: 32, len: 48 });
        assert_eq!(err(&"!".repeat(100)), InvalidInput::WrongLength { kind: KIND, expected: 32, len: 75 });
        assert_eq!(err(&"!".repeat(64)), InvalidInput::InvalidBase64 { kind: KIND });
        assert_eq!(err(&"A".repeat(64)), InvalidInput::WrongLength { kind: KIND, expected: 32, len: 48 });
    }
}
