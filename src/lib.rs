#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod api;
mod channel;
mod credentials;
mod error;
mod faye;
pub mod integrations;
mod mac;
mod names;
mod secret;
mod user;
mod webhook;

pub use api::{
    sign_api_request, verify_api_request, verify_api_request_now, Method, SignedQuery, VerifiedApiRequest,
    API_AUTH_VERSION, API_TIMESTAMP_WINDOW,
};
pub use channel::{sign_channel_auth, sign_presence_auth, verify_channel_auth, ChannelAuth, PresenceMember};
pub use credentials::{Credentials, Keyring};
pub use error::{AuthError, InputKind, InvalidInput, VerifyError, WebhookError};
pub use faye::{sign_faye_token, verify_faye_token, FayeToken};
pub use names::{AppId, AppKey, ChannelKind, ChannelName, FayeChannel, SocketId, UserId};
pub use secret::{AppSecret, EncryptionMasterKey};
pub use user::{sign_user_auth, verify_user_auth, UserAuth, UserData};
pub use webhook::{
    sign_webhook, verify_and_parse_webhook, verify_webhook, VerifiedWebhook, Webhook, WebhookEvent, WebhookSignature,
};
