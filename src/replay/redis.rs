//! [`RedisReplayGuard`]: a replay guard that every verifier of a cluster shares.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{ReplayError, ReplayKey};

/// The prefix of every key this guard writes, before the key's 64 hex digits.
const DEFAULT_PREFIX: &str = "channel-auth:replay:";

/// How long one command (connecting included) may take before the guard gives up and
/// the request is refused with `503`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// A [`ReplayGuard`](super::ReplayGuard) on Redis (or Valkey), shared by every process
/// that verifies for a deployment (feature `redis`).
///
/// [`first_seen`](super::ReplayGuard::first_seen) is one round trip,
/// `SET channel-auth:replay:<key hex> 1 NX PX <ttl ms>`: atomic across every process,
/// so of two deliveries of one request to two servers exactly one is new. Keys expire
/// on Redis's clock after their TTL, so Redis holds at most (keys per second × TTL)
/// keys (the README's "Replay protection" gives a measured size per key).
///
/// It runs on tokio, over redis-rs's `ConnectionManager`: one multiplexed connection,
/// connected on first use, re-established after Redis restarts. A command that fails
/// or takes longer than the timeout (2 s by default) is a [`ReplayError`], and the
/// request is refused (`503`, retry later), never let through unchecked.
///
/// ```no_run
/// use channel_auth::integrations::handler::{HandlerError, RequestView, WebhookEndpoint, WebhookHandler};
/// use channel_auth::replay::RedisReplayGuard;
/// use channel_auth::webhook::VerifiedWebhook;
/// use channel_auth::{Credentials, Keyring};
///
/// struct Count;
/// impl WebhookHandler for Count {
///     async fn handle(&self, _: &RequestView<'_>, webhook: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
///         println!("{} events", webhook.webhook().events().len());
///         Ok(())
///     }
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// // Every process of the deployment uses the same Redis.
/// let guard = RedisReplayGuard::new("redis://127.0.0.1:6379/").await?;
/// let keyring = Keyring::new([Credentials::from_env()?]);
/// let endpoint = WebhookEndpoint::new(keyring, Count).with_replay_guard(guard);
/// # let _ = endpoint;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisReplayGuard {
    connection: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

impl fmt::Debug for RedisReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("RedisReplayGuard").field("prefix", &self.prefix).field("timeout", &self.timeout).finish()
    }
}

/// A Redis error as the kind of failure only: never an address, a password or a value.
fn unavailable(error: &redis::RedisError) -> ReplayError {
    ReplayError::Unavailable { reason: error.category().to_owned() }
}

impl RedisReplayGuard {
    /// A guard on the Redis at `url` (`redis://[:password@]host:port/[db]`). It connects
    /// on first use, so a Redis that is down now only refuses requests until it is up.
    /// Call it within a tokio runtime.
    ///
    /// # Errors
    /// [`ReplayError::Unavailable`] when `url` is not a Redis URL.
    pub async fn new(url: &str) -> Result<Self, ReplayError> {
        let client = redis::Client::open(url).map_err(|e| unavailable(&e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(DEFAULT_TIMEOUT))
            .set_response_timeout(Some(DEFAULT_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config).map_err(|e| unavailable(&e))?;
        Ok(Self::from_connection(connection))
    }

    /// A guard on a connection the application already has.
    #[must_use]
    pub fn from_connection(connection: ConnectionManager) -> Self {
        Self { connection, prefix: DEFAULT_PREFIX.to_owned(), timeout: DEFAULT_TIMEOUT }
    }

    /// The same guard, writing its keys under `prefix` instead of
    /// `channel-auth:replay:` (for several deployments on one Redis).
    #[must_use]
    pub fn with_prefix(self, prefix: impl Into<String>) -> Self {
        Self { prefix: prefix.into(), ..self }
    }

    /// The same guard, giving up on a command after `timeout` (default 2 s).
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    fn redis_key(&self, key: &ReplayKey) -> String {
        let mut out = String::with_capacity(self.prefix.len() + 64);
        out.push_str(&self.prefix);
        out.push_str(&key.to_hex());
        out
    }

    async fn run<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Result<T, ReplayError> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(unavailable(&e)),
            Err(_) => Err(ReplayError::TimedOut { timeout: self.timeout }),
        }
    }
}

impl super::ReplayGuard for RedisReplayGuard {
    async fn first_seen(&self, key: &ReplayKey, ttl: Duration) -> Result<bool, ReplayError> {
        // At least a millisecond: `PX 0` is an error.
        let millis = u64::try_from(ttl.as_millis()).map_err(|_| ReplayError::TtlOutOfRange)?.max(1);
        let mut command = redis::cmd("SET");
        command.arg(self.redis_key(key)).arg(1).arg("NX").arg("PX").arg(millis);
        // `OK` when set (new), nil when the key was there (a repeat).
        let reply: Option<String> = self.run(command).await?;
        Ok(reply.is_some())
    }

    async fn forget(&self, key: &ReplayKey) -> Result<(), ReplayError> {
        let mut command = redis::cmd("DEL");
        command.arg(self.redis_key(key));
        let _: i64 = self.run(command).await?;
        Ok(())
    }
}
