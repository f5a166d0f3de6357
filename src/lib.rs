#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod api;
mod channel;
mod credentials;
mod encryption;
mod error;
mod faye;
pub mod integrations;
mod mac;
mod names;
mod secret;
pub mod send;
mod user;
mod webhook;

pub use api::{
    sign_api_request, verify_api_request, verify_api_request_now, Method, SignedQuery, API_AUTH_VERSION,
    API_TIMESTAMP_WINDOW,
};
pub use channel::{sign_channel_auth, sign_presence_auth, verify_channel_auth, ChannelAuth, PresenceMember};
pub use credentials::{Credentials, Keyring};
/// `rand_core` 0.6, as [`encrypt_payload_with_rng`] takes it (re-exported so a caller's
/// random source implements the very trait the library names).
pub use crypto_secretbox::aead::rand_core;
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use encryption::encrypt_payload;
pub use encryption::{decrypt_payload, encrypt_payload_with_nonce, encrypt_payload_with_rng};
pub use error::{AuthError, InputKind, InvalidInput, PayloadFault, VerifyError, WebhookError};
pub use faye::{sign_faye_token, verify_faye_token, FayeToken};
pub use names::{AppId, AppKey, ChannelKind, ChannelName, EventName, FayeChannel, SocketId, UserId};
pub use secret::{AppSecret, EncryptionMasterKey};
pub use send::{Api, ApiError, BatchEvent, ChannelsQuery, Endpoint, Info, Limits, SendError, Trigger};
pub use user::{sign_user_auth, verify_user_auth, UserAuth, UserData};
pub use webhook::{
    sign_webhook, verify_and_parse_webhook, verify_webhook, VerifiedWebhook, Webhook, WebhookEvent, WebhookSignature,
};
