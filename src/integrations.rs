//! Glue between the signing functions and web frameworks.
//!
//! The request types here are framework-free: they parse the form bodies that the Pusher
//! client libraries post to an auth endpoint into validated names, so a hostile
//! `socket_id` or `channel_name` is refused before anything could be signed. They also
//! implement serde's `Deserialize` (through the names' validating `Deserialize`), for
//! frameworks that bring their own form extractor.
//!
//! | endpoint | body | type |
//! |---|---|---|
//! | channel authorization (pusher-js) | `socket_id=…&channel_name=…` | [`ChannelAuthRequest`] |
//! | user sign-in (pusher-js) | `socket_id=…` | [`UserAuthRequest`] |
//! | batch channel authorization (`pusher-js-auth`) | `&socket_id=…&channel_name[0]=…&channel_name[1]=…` | [`BatchAuthRequest`] |
//!
//! Fields that are not part of the protocol (a client's extra `auth.params`) are
//! ignored; a protocol field given twice is refused, so the value that is checked is
//! the value that is signed.
//!
//! [`handler`] answers whole requests from plain data (headers, body bytes) with no
//! framework, with one set of statuses ([`handler`'s table](handler#statuses)); [`http`]
//! adapts it to `http` 1.x types (hyper, Workers, any server on `http` 1.x); with the
//! `axum` feature, the `axum` submodule mounts it as routes, and with the `actix-web`
//! feature, the `actix_web` submodule does the same on actix-web 4. With the `tower`
//! feature, the `tower` submodule verifies webhooks and HTTP API requests in front of
//! any tower service, and puts what it verified in the request's extensions. With the
//! `tracing` feature, every decision of every route is a `tracing` event, whatever the
//! adapter ([the handler's fields](handler#tracing)), and never a secret, signature,
//! socket id, name or body.
//!
//! Without the handler, an application parses the body, decides with an exact rule, and
//! signs:
//!
//! ```
//! use channel_auth::integrations::ChannelAuthRequest;
//! use channel_auth::{sign_channel_auth, Credentials, UserId};
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
//! let session_user: UserId = "foobar".parse()?; // from the application's session
//! let request = ChannelAuthRequest::from_form(b"socket_id=1234.1234&channel_name=private-foobar")?;
//! assert!(request.channel_name().is_private_to(&session_user));
//! let body = sign_channel_auth(&creds, request.socket_id(), request.channel_name())?.to_json();
//! assert!(body.starts_with(r#"{"auth":"278d425bdf160c739803:58df8b0c"#));
//!
//! // A hostile body never becomes names to sign.
//! assert!(ChannelAuthRequest::from_form(b"socket_id=1.1%3Aprivate-x&channel_name=private-foobar").is_err());
//! # Ok::<(), channel_auth::Error>(())
//! ```

#[cfg(feature = "actix-web")]
pub mod actix_web;
#[cfg(feature = "axum")]
pub mod axum;
pub mod handler;
pub mod http;
#[cfg(all(feature = "tower", not(all(target_arch = "wasm32", target_os = "unknown"))))]
pub mod tower;

mod form;

pub use form::{BatchAuthRequest, ChannelAuthRequest, RequestError, UserAuthRequest};
