//! Replay protection: "have I seen this signed request before?", answered once per
//! request by a store that every verifier of a deployment shares.
//!
//! Pusher's webhooks and HTTP API requests carry no nonce. A captured signed API request
//! verifies again for as long as its `auth_timestamp` is within
//! [`API_TIMESTAMP_WINDOW`](crate::api::API_TIMESTAMP_WINDOW) of the verifier's clock
//! (600 s either way); a captured webhook verifies again for as long as its `time_ms` is
//! within the receiver's freshness window, and Pusher itself delivers the same bytes
//! again when it retries. The signature is a natural idempotency key: a retry or a
//! replay resends the same bytes, so the same signature.
//!
//! - [`ReplayKey`]: the key of a verified request: SHA-256 of its purpose, app key and
//!   signature (a webhook and an API request never share one).
//! - [`ReplayGuard`]: the store's one question, [`first_seen`](ReplayGuard::first_seen):
//!   `true` the first time a key is offered within its TTL, `false` after.
//! - [`MemoryReplayGuard`]: one process, bounded, expiring.
//! - `RedisReplayGuard` (feature `redis`): a cluster of verifiers sharing one Redis or
//!   Valkey, `SET key 1 NX PX ttl` in one round trip.
//!
//! The TTL must cover the whole time in which the request could still verify:
//! [`API_REQUEST_TTL`] for API requests, [`webhook_ttl`] of the freshness window for
//! webhooks. When the guard cannot answer (Redis down, memory full of keys that could
//! still verify), the request is refused (`503`, retry later): a guard fails closed.
//!
//! One thing no guard can tell apart: two legitimate, identical API requests signed in
//! the same second (same method, path, parameters and body) carry one signature, so the
//! second is refused as a replay. Re-signing a second later, or adding a distinguishing
//! parameter, makes them two requests.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use channel_auth::api::{sign_api_request, verify_api_request, Method};
//! use channel_auth::replay::{MemoryReplayGuard, ReplayGuard, ReplayKey, API_REQUEST_TTL};
//! use channel_auth::{Credentials, Keyring};
//!
//! let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("3".parse()?);
//! let ring = Keyring::new([creds.clone()]);
//! let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let body = br#"{"name":"e","channels":["c"],"data":"{}"}"#;
//! let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, at)?;
//!
//! let guard = MemoryReplayGuard::new(10_000);
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! for expected in [true, false] {
//!     // The same captured request, verified twice: it verifies both times...
//!     let verified = verify_api_request(&ring, Method::Post, "/apps/3/events", query.as_str(), body, at)?;
//!     // ...but only the first is new.
//!     let key = ReplayKey::of_api_request(&verified);
//!     assert_eq!(runtime.block_on(guard.first_seen(&key, API_REQUEST_TTL))?, expected);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod key;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use key::ReplayKey;
pub use memory::MemoryReplayGuard;
#[cfg(feature = "redis")]
pub use redis::RedisReplayGuard;

/// How long an API request's key must be kept: 1201 s.
///
/// A request verifies while `|now − auth_timestamp| < 600 s`, so from 599 s before its
/// timestamp to 599 s after: whenever it is first seen, it could verify again for less
/// than 1200 s. The extra second covers whole-second rounding.
pub const API_REQUEST_TTL: Duration = Duration::from_secs(2 * crate::api::API_TIMESTAMP_WINDOW.as_secs() + 1);

/// How long a webhook's key must be kept when webhooks are accepted within `window` of
/// the clock (either way): twice the window, plus a second.
///
/// A webhook verifies while `|now − time_ms| < window`; whenever it is first seen, it
/// could verify again for less than `2 × window`.
///
/// ```
/// use std::time::Duration;
/// use channel_auth::replay::webhook_ttl;
///
/// assert_eq!(webhook_ttl(Duration::from_secs(600)), Duration::from_secs(1201));
/// ```
#[must_use]
pub const fn webhook_ttl(window: Duration) -> Duration {
    window.saturating_mul(2).saturating_add(Duration::from_secs(1))
}

/// Why a [`ReplayGuard`] could not answer. Verification then fails closed: the request
/// is refused (`503`, retry later), never let through unchecked.
///
/// ```
/// use std::time::Duration;
/// use channel_auth::replay::{MemoryReplayGuard, ReplayError, ReplayKey};
///
/// let guard = MemoryReplayGuard::new(0);
/// # let key = channel_auth::replay::ReplayKey::from_bytes([0; 32]);
/// let err = guard.first_seen_at(&key, Duration::from_secs(60), std::time::Instant::now()).unwrap_err();
/// assert_eq!(err, ReplayError::Full { capacity: 0 });
/// let err: channel_auth::Error = err.into();
/// assert!(err.to_string().contains("could still verify"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A [`MemoryReplayGuard`] holds `capacity` keys that could all still verify:
    /// forgetting one would let its request replay, so the new one is refused instead.
    #[error("replay guard is full: {capacity} keys that could still verify, none forgotten")]
    Full {
        /// The guard's capacity.
        capacity: usize,
    },
    /// The TTL does not fit the guard's clock (longer than it can count).
    #[error("replay ttl out of range")]
    TtlOutOfRange,
    /// The shared store could not be reached or did not answer (`reason` is the kind of
    /// failure, never an address or a password).
    #[error("replay store unavailable: {reason}")]
    Unavailable {
        /// The kind of failure.
        reason: String,
    },
    /// The shared store did not answer in time.
    #[error("replay store did not answer within {timeout:?}")]
    TimedOut {
        /// How long the guard waited.
        timeout: Duration,
    },
}

/// A store of the [`ReplayKey`]s seen recently: the one question replay protection asks.
///
/// Implement it for the store a deployment shares (the crate has [`MemoryReplayGuard`]
/// and, with the `redis` feature, `RedisReplayGuard`). Both methods must be atomic
/// across every process that shares the store: of two concurrent `first_seen` calls for
/// one key, exactly one may answer `true`.
///
/// ```
/// use std::collections::HashSet;
/// use std::sync::Mutex;
/// use std::time::Duration;
/// use channel_auth::replay::{ReplayError, ReplayGuard, ReplayKey};
///
/// /// A toy guard that never expires anything (a real one must, after `ttl`).
/// #[derive(Default)]
/// struct Forever(Mutex<HashSet<[u8; 32]>>);
///
/// impl ReplayGuard for Forever {
///     async fn first_seen(&self, key: &ReplayKey, _ttl: Duration) -> Result<bool, ReplayError> {
///         let mut seen = self.0.lock().map_err(|_| ReplayError::Unavailable { reason: "poisoned".into() })?;
///         Ok(seen.insert(*key.as_bytes()))
///     }
///     async fn forget(&self, key: &ReplayKey) -> Result<(), ReplayError> {
///         let mut seen = self.0.lock().map_err(|_| ReplayError::Unavailable { reason: "poisoned".into() })?;
///         seen.remove(key.as_bytes());
///         Ok(())
///     }
/// }
///
/// let guard = Forever::default();
/// let key = ReplayKey::from_bytes([7; 32]);
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// assert!(runtime.block_on(guard.first_seen(&key, Duration::from_secs(60)))?);
/// assert!(!runtime.block_on(guard.first_seen(&key, Duration::from_secs(60)))?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ReplayGuard: Send + Sync {
    /// Records `key` for at least `ttl` and says whether it is new: `true` the first time
    /// within `ttl`, `false` for a repeat.
    ///
    /// # Errors
    /// [`ReplayError`] when the store cannot answer; the caller then refuses the request.
    fn first_seen(&self, key: &ReplayKey, ttl: Duration) -> impl Future<Output = Result<bool, ReplayError>> + Send;

    /// Removes `key`, so its request counts as new again: for a request that was
    /// recorded but then not acted on (a webhook handler that asked for a retry).
    ///
    /// # Errors
    /// [`ReplayError`] when the store cannot answer; the key then stays until its TTL.
    fn forget(&self, key: &ReplayKey) -> impl Future<Output = Result<(), ReplayError>> + Send;
}

impl<G: ReplayGuard + ?Sized> ReplayGuard for Arc<G> {
    fn first_seen(&self, key: &ReplayKey, ttl: Duration) -> impl Future<Output = Result<bool, ReplayError>> + Send {
        (**self).first_seen(key, ttl)
    }

    fn forget(&self, key: &ReplayKey) -> impl Future<Output = Result<(), ReplayError>> + Send {
        (**self).forget(key)
    }
}

/// A boxed `Send` future, for [`SharedGuard`].
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`ReplayGuard`] with boxed futures, so a guard can be stored without a type
/// parameter.
trait ErasedGuard: Send + Sync {
    fn first_seen<'a>(&'a self, key: &'a ReplayKey, ttl: Duration) -> BoxFuture<'a, Result<bool, ReplayError>>;
    fn forget<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, Result<(), ReplayError>>;
}

impl<G: ReplayGuard> ErasedGuard for G {
    fn first_seen<'a>(&'a self, key: &'a ReplayKey, ttl: Duration) -> BoxFuture<'a, Result<bool, ReplayError>> {
        Box::pin(ReplayGuard::first_seen(self, key, ttl))
    }

    fn forget<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, Result<(), ReplayError>> {
        Box::pin(ReplayGuard::forget(self, key))
    }
}

/// Any [`ReplayGuard`], shared: what the endpoints and layers hold.
#[derive(Clone)]
pub(crate) struct SharedGuard(Arc<dyn ErasedGuard>);

impl SharedGuard {
    pub(crate) fn new(guard: impl ReplayGuard + 'static) -> Self {
        Self(Arc::new(guard))
    }

    pub(crate) async fn first_seen(&self, key: &ReplayKey, ttl: Duration) -> Result<bool, ReplayError> {
        self.0.first_seen(key, ttl).await
    }

    pub(crate) async fn forget(&self, key: &ReplayKey) -> Result<(), ReplayError> {
        self.0.forget(key).await
    }
}

impl fmt::Debug for SharedGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplayGuard")
    }
}
