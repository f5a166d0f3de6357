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
//! framework; [`http`] adapts it to `http` 1.x types (hyper, Workers, any server on
//! `http` 1.x); with the `axum` feature, the `axum` submodule mounts it as routes, and
//! with the `actix-web` feature, the `actix_web` submodule does the same on actix-web 4.

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
