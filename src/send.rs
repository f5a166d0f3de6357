//! Sending: the Pusher HTTP API as typed, sans-IO requests.
//!
//! [`Api`] builds an [`ApiRequest`] for every operation of Pusher's server library
//! specification (trigger, batch, channels, channel, users, terminate a user's
//! connections, send to a user): a signed `http::Request<Vec<u8>>` that knows its
//! operation and reads its own answer into the operation's response type. Any HTTP
//! client can carry it; [`Client::send`] sends any of them through an [`HttpClient`]
//! (a closure, a `reqwest::Client` with the `reqwest` feature, or your own).
//!
//! The answer is read strictly ([`ApiRequest::parse`]): a redirect, a rate limit (HTTP
//! 429, or soketi's HTTP 200 with `{"code":429}`) and a refusal however its JSON `code`
//! is written are errors, never a success. `Client::new` (feature `reqwest`) follows no
//! redirect, sends no `Referer`, reads at most 1 MiB of an answer, times out, and tries
//! again only where no event can be published twice ([`RetryPolicy`]). With the
//! `tracing` feature, each attempt is one event (target `channel_auth::send`: operation,
//! method, attempt, outcome, status, duration; never a URL, query, signature, socket id
//! or data).
//!
//! ```
//! use std::time::SystemTime;
//! use channel_auth::send::{Api, ApiUrl, Trigger};
//! use channel_auth::Credentials;
//!
//! let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
//! let api = Api::new(creds, ApiUrl::from_url("http://127.0.0.1:6001")?)?;
//! let request = api.trigger(&Trigger::new("ev".parse()?, "hi", ["news".parse()?]), SystemTime::now())?;
//! assert_eq!(request.http().uri().host(), Some("127.0.0.1"));
//! let answer = http::Response::new(b"{}".to_vec()); // what the server sent back
//! assert!(request.parse(&answer)?.channels.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
mod client;
mod error;
mod event;
mod limits;
mod query;
mod request;
#[cfg(feature = "reqwest")]
mod reqwest;
mod response;
mod retry;
mod url;

pub use api::Api;
pub use client::{Client, ClientError, DEFAULT_MAX_RESPONSE_BODY, HttpClient};
pub use error::{ApiError, Operation, SendError, TransportError};
pub use event::{BatchEvent, Trigger};
pub use limits::Limits;
pub use query::{ChannelsQuery, Info};
pub use request::ApiRequest;
pub use response::{
    BatchResponse, CachedEvent, ChannelAttributes, ChannelResponse, ChannelsResponse, TerminateResponse,
    TriggerResponse, User, UsersResponse,
};
pub use retry::RetryPolicy;
pub use url::{ApiUrl, Scheme};
