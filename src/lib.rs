//! Sign and verify every credential of the [Pusher Channels] protocol, and Faye tokens,
//! from values that were validated when they were made.
//!
//! Untrusted text (what a browser posts, what a server receives) becomes a validated
//! type at the edge: [`SocketId`], [`ChannelName`], [`UserId`], [`AppKey`], [`AppId`],
//! [`faye::FayeChannel`]. Each refuses, with an [`InvalidInput`] naming the rule, any
//! text that could change the meaning of a string-to-sign (`1.1:private-B` is not a
//! socket id). The signing and verifying functions take only those types, so an injection
//! cannot be written. [`Credentials::from_env`] reads an app's credentials from the
//! variables the official libraries' examples use.
//!
//! Secrets live in [`AppSecret`] and [`EncryptionMasterKey`] (redacted `Debug`, their
//! bytes zeroized on drop), bundled in [`Credentials`]; a server that checks several apps
//! or a rotated secret holds a [`Keyring`]. The HMAC key schedule that `Credentials`
//! derives from the secret is **not** wiped (`hmac` 0.12 offers no way without `unsafe`),
//! and it is enough to forge the app's signatures: a dump of the process's memory is as
//! sensitive as the secret ([`Credentials`] lists what is and is not wiped). Verification is constant-time, returns `Result<(), _>`
//! (a [`VerifyError`] that tells the sender nothing it did not send) and never panics.
//! Every public error type of the crate converts into the crate-level [`Error`], for `?`
//! in applications; [`ConfigError`] names a mistake in the application's own setup.
//!
//! [Pusher Channels]: https://pusher.com/docs/channels/library_auth_reference/auth-signatures/
//!
//! # Channel authorization (private, presence, private-encrypted)
//!
//! What an auth endpoint answers to pusher-js: [`sign_channel_auth`] for `private-` and
//! `private-encrypted-` channels, [`sign_presence_auth`] with a [`PresenceMember`] for
//! `presence-` channels; [`ChannelAuth::to_json`] is the response body.
//!
//! ```
//! use channel_auth::{sign_channel_auth, sign_presence_auth, ChannelName, Credentials, PresenceMember, SocketId};
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let socket: SocketId = "1234.1234".parse()?;
//!
//! let private: ChannelName = "private-foobar".parse()?;
//! let auth = sign_channel_auth(&creds, &socket, &private)?;
//! assert_eq!(auth.auth(), "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
//!
//! let presence: ChannelName = "presence-foobar".parse()?;
//! let member = PresenceMember::new("10".parse()?, Some(serde_json::json!({"name": "Mr. Channels"})))?;
//! let auth = sign_presence_auth(&creds, &socket, &presence, &member)?;
//! assert_eq!(auth.channel_data(), Some(r#"{"user_id":"10","user_info":{"name":"Mr. Channels"}}"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # User authentication (`pusher:signin`)
//!
//! [`sign_user_auth`] signs a [`UserData`] for pusher-js `signin()`:
//!
//! ```
//! use channel_auth::{sign_user_auth, Credentials, UserData};
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let user = UserData::new("alice".parse()?).with_user_info(serde_json::json!({"name": "Alice"}));
//! let auth = sign_user_auth(&creds, &"1234.1234".parse()?, &user)?;
//! assert_eq!(auth.user_data(), r#"{"id":"alice","user_info":{"name":"Alice"}}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Verifying what a client sends (a Pusher-compatible server)
//!
//! [`verify_channel_auth`] and [`verify_user_auth`] check the `auth` value of a
//! subscription or sign-in against the raw data as received:
//!
//! ```
//! use channel_auth::{verify_channel_auth, Credentials, VerifyError};
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let auth = "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";
//! verify_channel_auth(&creds, &"1234.1234".parse()?, &"private-foobar".parse()?, None, auth)?;
//! assert_eq!(
//!     verify_channel_auth(&creds, &"1234.1234".parse()?, &"private-foobaz".parse()?, None, auth),
//!     Err(VerifyError::InvalidSignature)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The rest of the protocol, a module each
//!
//! | module | what it holds |
//! |---|---|
//! | [`api`] | HTTP API requests: [`api::sign_api_request`] for a sender, [`api::verify_api_request`] for a server, within [`api::API_TIMESTAMP_WINDOW`] |
//! | [`webhook`] | webhooks: [`webhook::sign_webhook`], [`webhook::verify_and_parse_webhook`] and typed [`webhook::WebhookEvent`]s, parsed from a verified body only |
//! | [`encryption`] | the payloads of `private-encrypted-` channels |
//! | [`send`] | the whole HTTP API as typed requests, and a client (feature `reqwest`) |
//! | [`faye`] | the Faye security guide's tokens and server extensions |
//! | [`env`](mod@env) | credentials from the variables the official libraries' examples use |
//! | [`replay`] | answering "have I seen this signed request before?", in one process or on Redis (feature `redis`) |
//! | [`integrations`] | request parsing, and ready auth and webhook routes for web frameworks (features `axum`, `actix-web`), verifying layers for any tower stack (feature `tower`), and an event per decision (feature `tracing`) |
//!
//! Each module's page opens with a complete example.
//!
//! The [README](https://crates.io/crates/channel-auth) has a complete axum server, the
//! command-line examples, the test and CI commands and the benchmarks.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod channel;
mod crate_error;
mod credentials;
pub mod encryption;
pub mod env;
mod error;
pub mod faye;
pub mod integrations;
mod json;
mod mac;
mod names;
pub mod replay;
mod secret;
pub mod send;
mod user;
pub mod webhook;

pub use channel::{ChannelAuth, PresenceMember, sign_channel_auth, sign_presence_auth, verify_channel_auth};
pub use crate_error::Error;
pub use credentials::{Credentials, Keyring};
pub use error::{AuthError, ConfigError, InputKind, InvalidInput, VerifyError};
pub use names::{AppId, AppKey, ChannelKind, ChannelName, EventName, SocketId, UserId};
pub use secret::{AppSecret, EncryptionMasterKey};
pub use user::{UserAuth, UserData, sign_user_auth, verify_user_auth};

/// The README's code blocks, compiled and run as doctests (the README is the first page a
/// user reads, so its examples are tests). Its framework examples need the `axum` and
/// `actix-web` features: the test command, `cargo test --all-features`, has them.
#[cfg(all(doctest, feature = "axum", feature = "actix-web"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
