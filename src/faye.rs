//! Faye tokens: a per-user (and optionally per-channel) signature a Faye server
//! extension checks before it lets a client subscribe or publish.
//!
//! String to sign: `<user_id>` alone, or `<user_id>:<channel>`. No valid [`UserId`] or
//! [`FayeChannel`] contains `:`, so the two forms never coincide and every token splits
//! back into its parts one way only. The token is the lowercase hex HMAC-SHA256 of those
//! bytes under the app secret.

use crate::error::VerifyError;
use crate::mac::MacKey;
use crate::names::{FayeChannel, UserId};
use crate::secret::AppSecret;

/// The signed bytes, as parts: `<user>` or `<user>:<channel>`.
fn message<'a>(user: &'a str, channel: Option<&'a str>) -> [&'a [u8]; 3] {
    match channel {
        Some(channel) => [user.as_bytes(), b":", channel.as_bytes()],
        None => [user.as_bytes(), b"", b""],
    }
}

/// A Faye token: 64 lowercase hex digits.
///
/// ```
/// use channel_auth::{sign_faye_token, AppSecret};
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let token = sign_faye_token(&secret, &"alice".parse()?, None);
/// assert_eq!(token.as_str().len(), 64);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
///
/// A token has no `==` (as `ring::hmac::Tag` has none): comparing one with a received
/// value would leak through timing how much of a forgery is right. Check a token with
/// [`verify_faye_token`] only:
///
/// ```compile_fail
/// use channel_auth::{sign_faye_token, AppSecret};
///
/// let secret: AppSecret = "s".parse().unwrap();
/// let user = "alice".parse().unwrap();
/// let _ = sign_faye_token(&secret, &user, None) == sign_faye_token(&secret, &user, None);
/// ```
#[derive(Clone, Debug)]
pub struct FayeToken(String);

impl FayeToken {
    /// The token, to send as the message's `ext` auth field.
    ///
    /// ```
    /// # use channel_auth::{sign_faye_token, AppSecret};
    /// let token = sign_faye_token(&"s".parse()?, &"alice".parse()?, Some(&"/chat/1".parse()?));
    /// assert!(token.as_str().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FayeToken {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Display for FayeToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Signs a Faye token for `user`, optionally bound to one `channel`.
///
/// Signs `<user>` without a channel, `<user>:<channel>` with one, and returns the lowercase
/// hex HMAC-SHA256 under the secret. No valid [`UserId`] or [`FayeChannel`] holds `:`, so
/// the two forms never coincide: a channel-less token passes no channel-bound check, and
/// the other way round.
///
/// ```
/// use channel_auth::{sign_faye_token, verify_faye_token, AppSecret};
///
/// let secret: AppSecret = "your secret key".parse()?;
/// let channel = "/chat/room-1".parse()?;
/// let token = sign_faye_token(&secret, &"alice".parse()?, Some(&channel));
/// verify_faye_token(&secret, &"alice".parse()?, Some(&channel), token.as_str())?;
/// assert!(verify_faye_token(&secret, &"alice".parse()?, None, token.as_str()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn sign_faye_token(secret: &AppSecret, user: &UserId, channel: Option<&FayeChannel>) -> FayeToken {
    let key = MacKey::new(secret.expose());
    FayeToken(key.hex_tag(&message(user.as_str(), channel.map(FayeChannel::as_str))))
}

/// Verifies a Faye token, in constant time.
///
/// Compare tokens only through this function: comparing [`sign_faye_token`]'s output
/// with `==` leaks, through timing, how much of a forged token is right.
///
/// # Errors
/// [`VerifyError::InvalidSignature`] when the token is not the one for `user` (and
/// `channel`), or is not 64 lowercase hex digits.
///
/// ```
/// use channel_auth::{verify_faye_token, AppSecret, VerifyError};
///
/// let secret: AppSecret = "s".parse()?;
/// assert_eq!(
///     verify_faye_token(&secret, &"alice".parse()?, None, "not a token"),
///     Err(VerifyError::InvalidSignature),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_faye_token(
    secret: &AppSecret,
    user: &UserId,
    channel: Option<&FayeChannel>,
    token: &str,
) -> Result<(), VerifyError> {
    let key = MacKey::new(secret.expose());
    key.verify_hex(&message(user.as_str(), channel.map(FayeChannel::as_str)), token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Faye security guide's example: HMAC("your secret key", "the user ID"). Its
    /// user id holds spaces, which no `UserId` may, so the vector goes through the same
    /// `message` and MAC as `sign_faye_token` but below the typed API.
    #[test]
    fn faye_guide_vector() {
        const WANT: &str = "cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509";
        let key = MacKey::new(b"your secret key");
        assert_eq!(key.hex_tag(&message("the user ID", None)), WANT);
        assert_eq!(key.verify_hex(&message("the user ID", None), WANT), Ok(()));
        assert!("the user ID".parse::<UserId>().is_err());
    }

    #[test]
    fn channel_is_joined_with_a_colon() {
        let key = MacKey::new(b"k");
        assert_eq!(key.hex_tag(&message("u", Some("/c"))), key.hex_tag(&[b"u:/c"]));
        assert_eq!(key.hex_tag(&message("u", None)), key.hex_tag(&[b"u"]));
    }

    #[test]
    fn sign_and_verify() {
        let secret: AppSecret = "your secret key".parse().unwrap();
        let user: UserId = "alice".parse().unwrap();
        let chat: FayeChannel = "/chat/1".parse().unwrap();
        let other: FayeChannel = "/chat/2".parse().unwrap();
        let bare = sign_faye_token(&secret, &user, None);
        let bound = sign_faye_token(&secret, &user, Some(&chat));
        assert_eq!(bare.as_str(), MacKey::new(b"your secret key").hex_tag(&[b"alice"]));
        assert_eq!(verify_faye_token(&secret, &user, None, bare.as_str()), Ok(()));
        assert_eq!(verify_faye_token(&secret, &user, Some(&chat), bound.as_str()), Ok(()));
        let invalid = Err(VerifyError::InvalidSignature);
        assert_eq!(verify_faye_token(&secret, &user, Some(&chat), bare.as_str()), invalid);
        assert_eq!(verify_faye_token(&secret, &user, None, bound.as_str()), invalid);
        assert_eq!(verify_faye_token(&secret, &user, Some(&other), bound.as_str()), invalid);
        assert_eq!(verify_faye_token(&secret, &"bob".parse().unwrap(), None, bare.as_str()), invalid);
        assert_eq!(verify_faye_token(&"other".parse().unwrap(), &user, None, bare.as_str()), invalid);
        for junk in ["", "0", &bare.as_str().to_uppercase(), &format!("{bare} "), &bare.as_str()[..63]] {
            assert_eq!(verify_faye_token(&secret, &user, None, junk), invalid, "{junk:?}");
        }
        assert_eq!(bare.to_string(), bare.as_str());
    }

    #[test]
    fn token_text_is_the_same_every_way() {
        let secret: AppSecret = "secret".parse().unwrap();
        let token = sign_faye_token(&secret, &"alice".parse().unwrap(), None);
        assert_eq!(token.as_str().len(), 64);
        assert_eq!(token.as_ref(), token.as_str());
        assert_eq!(token.to_string(), token.as_str());
    }
}
