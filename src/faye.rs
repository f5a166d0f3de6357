//! Faye tokens and Bayeux message helpers: the Faye security guide's method, whole.
//!
//! The guide (faye.jcoglan.com, "Security") has the application sign a token for the
//! session's user, optionally bound to one channel; the page's client extension puts
//! `ext.userId` and `ext.token` in its `/meta/subscribe` messages; a server extension
//! checks them; an outgoing extension deletes credentials before a message is
//! forwarded; a push-only server checks a password in `ext.password`.
//!
//! - [`sign_faye_token`] / [`verify_faye_token`]: the token. String to sign: `<user_id>`
//!   alone, or `<user_id>:<channel>`. No valid [`FayeUserId`] or [`FayeChannel`] contains
//!   `:`, so the two forms never coincide and every signed string splits back into its
//!   parts one way only. The token is the lowercase hex HMAC-SHA256 of those bytes under
//!   the secret.
//! - [`sign_faye_grant`] and [`faye_token_request_channel`]: what a token endpoint parses
//!   and answers (`{"userId": …, "token": …}`).
//! - [`verify_faye_message`]: the server extension's check, on a `serde_json::Value`. A
//!   token grants a subscription only, unless the server's [`FayeTokenScope`] names
//!   publishing too (`…SubscribeOrPublish`).
//! - [`strip_faye_credentials`]: the outgoing extension's deletion.
//! - [`verify_faye_password`]: the push-only server's password check, in constant time.
//!
//! ```
//! use channel_auth::faye::{sign_faye_token, verify_faye_token, FayeChannel};
//! use channel_auth::AppSecret;
//!
//! let secret: AppSecret = "your secret key".parse()?;
//! let guide = sign_faye_token(&secret, &"the user ID".parse()?, None);
//! assert_eq!(guide.as_str(), "cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509");
//! let channel: FayeChannel = "/chat/room-1".parse()?;
//! let token = sign_faye_token(&secret, &"alice".parse()?, Some(&channel));
//! verify_faye_token(&secret, &"alice".parse()?, Some(&channel), token.as_str())?;
//! assert!(verify_faye_token(&secret, &"mallory".parse()?, Some(&channel), token.as_str()).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod message;
mod token;

pub use crate::names::{FayeChannel, FayeUserId};
pub use error::FayeError;
pub use message::{
    FAYE_CREDENTIAL_KEYS, FayeAction, FayeTokenScope, VerifiedFayeMessage, strip_faye_credentials, verify_faye_message,
    verify_faye_password,
};
pub use token::{
    FayeGrant, FayeToken, faye_token_request_channel, sign_faye_grant, sign_faye_token, verify_faye_token,
};

#[cfg(test)]
mod tests;
