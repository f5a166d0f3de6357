//! Sending: the Pusher HTTP API as typed, sans-IO requests.
//!
//! [`Api`] builds a signed `http::Request<Vec<u8>>` for every operation of
//! Pusher's server library specification (trigger, batch, channels, channel, users,
//! terminate a user's connections, send to a user); a `parse_*` function per operation
//! reads the `http::Response<Vec<u8>>`. Any HTTP client can carry them ([`HttpClient`]);
//! the `reqwest` feature adds one (`Client::new` on [`Client`]).
//!
//! ```
//! use std::time::SystemTime;
//! use channel_auth::send::{Api, ApiUrl, Trigger};
//! use channel_auth::Credentials;
//!
//! let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
//! let api = Api::new(creds, ApiUrl::from_url("http://127.0.0.1:6001")?)?;
//! let request = api.trigger(&Trigger::new("ev".parse()?, "hi", ["news".parse()?]), SystemTime::now())?;
//! assert_eq!(request.uri().host(), Some("127.0.0.1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
mod client;
mod error;
mod event;
mod limits;
mod query;
mod response;
mod url;

pub use api::Api;
pub use client::{Client, ClientError, HttpClient};
#[cfg(feature = "reqwest")]
pub use client::{ReqwestHttp, TransportError};
pub use error::{ApiError, Operation, SendError};
pub use event::{BatchEvent, Trigger};
pub use limits::Limits;
pub use query::{ChannelsQuery, Info};
pub use response::{
    BatchResponse, ChannelAttributes, ChannelResponse, ChannelsResponse, TerminateResponse, TriggerResponse, User,
    UsersResponse, parse_channel, parse_channels, parse_send_to_user, parse_terminate_user_connections, parse_trigger,
    parse_trigger_batch, parse_users,
};
pub use url::{ApiUrl, Scheme};
