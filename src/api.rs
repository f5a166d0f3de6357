//! HTTP API request signing and verification.
//!
//! The rules are documented where users read them: the string to sign and the escaping
//! on [`sign_api_request`], the decoding and the app binding on [`verify_api_request`].
//!
//! One concept a file: [`Method`] (`method.rs`); the query codec, the string to sign and
//! the parameter rules (`query.rs`); the app binding, alone so that it can be read whole
//! (`binding.rs`); the signer (`sign.rs`); the verifier (`verify.rs`).
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use channel_auth::api::{sign_api_request, verify_api_request, Method};
//! use channel_auth::{Credentials, Keyring};
//!
//! let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?)
//!     .with_app_id("3".parse()?);
//! let at = UNIX_EPOCH + Duration::from_secs(1_353_088_179);
//! let body = br#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
//! let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, at)?;
//! assert!(query.as_str().starts_with("auth_key=278d425bdf160c739803&auth_timestamp=1353088179"));
//!
//! let ring = Keyring::new([creds]);
//! let verified = verify_api_request(&ring, Method::Post, "/apps/3/events", query.as_str(), body, at)?;
//! assert_eq!(verified.credentials().key().as_str(), "278d425bdf160c739803");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::time::Duration;

/// The only `auth_version` there is.
pub const API_AUTH_VERSION: &str = "1.0";

/// How far `auth_timestamp` may be from the verifier's clock, either way: a request
/// whose timestamp is this far or farther is refused.
pub const API_TIMESTAMP_WINDOW: Duration = Duration::from_secs(600);

mod binding;
mod method;
mod query;
mod sign;
mod verify;

pub use method::Method;
pub use sign::{SignedQuery, sign_api_request};
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use verify::verify_api_request_now;
pub use verify::{VerifiedApiRequest, verify_api_request};
