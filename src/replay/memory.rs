//! [`MemoryReplayGuard`]: one process's replay guard, bounded and expiring.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{ReplayError, ReplayKey};

/// A [`ReplayGuard`](super::ReplayGuard) in this process's memory: at most `capacity`
/// keys, each kept until its TTL ends.
///
/// It never forgets a key before its TTL: when it holds `capacity` keys that have not
/// expired, a new key is refused with [`ReplayError::Full`] (the request then gets a
/// `503`), rather than evicting a key whose request could still verify. Size it for
/// the peak rate times the TTL (API requests: 1201 s, so 100 requests/s need 120,100
/// keys, each 96 bytes of table entries, up to about twice that with growth slack). Each call takes one lock and is `O(log n)`.
///
/// Only for a single process: several processes behind a load balancer each see only
/// their own share, so a replay sent to another process passes. Share a Redis
/// (`RedisReplayGuard`, feature `redis`) instead.
///
/// ```
/// use std::time::{Duration, Instant};
/// use channel_auth::replay::{MemoryReplayGuard, ReplayError, ReplayKey};
///
/// let guard = MemoryReplayGuard::new(1);
/// let (a, b) = (ReplayKey::from_bytes([1; 32]), ReplayKey::from_bytes([2; 32]));
/// let now = Instant::now();
/// let ttl = Duration::from_secs(60);
/// assert_eq!(guard.first_seen_at(&a, ttl, now), Ok(true));
/// assert_eq!(guard.first_seen_at(&a, ttl, now), Ok(false)); // a repeat
/// // Full of a key that has not expired: `b` is refused, `a` is not forgotten.
/// assert_eq!(guard.first_seen_at(&b, ttl, now), Err(ReplayError::Full { capacity: 1 }));
/// // A minute later `a` has expired and made room.
/// assert_eq!(guard.first_seen_at(&b, ttl, now + ttl), Ok(true));
/// ```
#[derive(Debug)]
pub struct MemoryReplayGuard {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Each held key and when it expires.
    expires: HashMap<[u8; 32], Instant>,
    /// The same keys by expiry, soonest first; an entry whose time no longer matches
    /// `expires` (its key was forgotten or recorded again) is stale and skipped.
    by_expiry: BinaryHeap<Reverse<(Instant, [u8; 32])>>,
}

impl State {
    /// Drops every key expired at `now`.
    fn purge(&mut self, now: Instant) {
        while let Some(Reverse((at, key))) = self.by_expiry.peek().copied() {
            if at > now {
                break;
            }
            self.by_expiry.pop();
            if self.expires.get(&key) == Some(&at) {
                self.expires.remove(&key);
            }
        }
    }
}

impl MemoryReplayGuard {
    /// A guard that holds at most `capacity` keys.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self { capacity, state: Mutex::new(State::default()) }
    }

    /// The most keys it holds.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// [`ReplayGuard::first_seen`](super::ReplayGuard::first_seen) at the time `now`
    /// (the trait's method reads the clock).
    ///
    /// # Errors
    /// [`ReplayError::Full`] when it holds `capacity` unexpired keys and `key` is new;
    /// [`ReplayError::TtlOutOfRange`] when `now + ttl` does not fit an `Instant`.
    pub fn first_seen_at(&self, key: &ReplayKey, ttl: Duration, now: Instant) -> Result<bool, ReplayError> {
        let until = now.checked_add(ttl).ok_or(ReplayError::TtlOutOfRange)?;
        // Nothing below panics, so a poisoned lock holds a consistent state.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let bytes = *key.as_bytes();
        if state.expires.get(&bytes).is_some_and(|&at| at > now) {
            return Ok(false);
        }
        state.purge(now);
        if state.expires.len() >= self.capacity {
            return Err(ReplayError::Full { capacity: self.capacity });
        }
        state.expires.insert(bytes, until);
        state.by_expiry.push(Reverse((until, bytes)));
        // Stale entries (forgotten keys) are bounded too: rebuild from the live keys.
        if state.by_expiry.len() > self.capacity.saturating_mul(2) {
            let live: Vec<_> = state.expires.iter().map(|(k, at)| Reverse((*at, *k))).collect();
            state.by_expiry = BinaryHeap::from(live);
        }
        Ok(true)
    }

    /// [`ReplayGuard::forget`](super::ReplayGuard::forget), synchronously.
    pub fn forget_now(&self, key: &ReplayKey) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.expires.remove(key.as_bytes());
    }
}

/// Reads the system clock; not on `wasm32-unknown-unknown`, which has none (call
/// [`MemoryReplayGuard::first_seen_at`] with the host's time there).
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
impl super::ReplayGuard for MemoryReplayGuard {
    async fn first_seen(&self, key: &ReplayKey, ttl: Duration) -> Result<bool, ReplayError> {
        self.first_seen_at(key, ttl, Instant::now())
    }

    async fn forget(&self, key: &ReplayKey) -> Result<(), ReplayError> {
        self.forget_now(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> ReplayKey {
        ReplayKey::from_bytes([n; 32])
    }

    const TTL: Duration = Duration::from_secs(10);

    /// The tests' starting time (these tests do not run where there is no clock).
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    fn start() -> Instant {
        Instant::now()
    }

    #[test]
    fn a_key_is_new_once_until_it_expires() {
        let guard = MemoryReplayGuard::new(4);
        let t0 = start();
        assert_eq!(guard.first_seen_at(&key(1), TTL, t0), Ok(true));
        assert_eq!(guard.first_seen_at(&key(1), TTL, t0 + TTL - Duration::from_nanos(1)), Ok(false));
        assert_eq!(guard.first_seen_at(&key(1), TTL, t0 + TTL), Ok(true));
    }

    #[test]
    fn full_of_live_keys_it_refuses_and_forgets_nothing() {
        let guard = MemoryReplayGuard::new(2);
        let t0 = start();
        assert_eq!(guard.first_seen_at(&key(1), TTL, t0), Ok(true));
        assert_eq!(guard.first_seen_at(&key(2), TTL, t0), Ok(true));
        assert_eq!(guard.first_seen_at(&key(3), TTL, t0), Err(ReplayError::Full { capacity: 2 }));
        // Both still remembered, repeats still answered.
        assert_eq!(guard.first_seen_at(&key(1), TTL, t0), Ok(false));
        assert_eq!(guard.first_seen_at(&key(2), TTL, t0), Ok(false));
        // Once one expires, there is room.
        assert_eq!(guard.first_seen_at(&key(3), TTL, t0 + TTL), Ok(true));
    }

    #[test]
    fn forgotten_keys_are_new_again_and_do_not_grow_the_index() {
        let guard = MemoryReplayGuard::new(3);
        let t0 = start();
        for _ in 0..100 {
            assert_eq!(guard.first_seen_at(&key(1), TTL, t0), Ok(true));
            guard.forget_now(&key(1));
        }
        let state = guard.state.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(state.by_expiry.len() <= 6, "{}", state.by_expiry.len());
    }

    #[test]
    fn a_stale_index_entry_does_not_drop_a_live_key() {
        let guard = MemoryReplayGuard::new(3);
        let t0 = start();
        assert_eq!(guard.first_seen_at(&key(1), TTL, t0), Ok(true));
        guard.forget_now(&key(1));
        // Recorded again later: its first index entry expires first.
        assert_eq!(guard.first_seen_at(&key(1), TTL, t0 + Duration::from_secs(5)), Ok(true));
        assert_eq!(guard.first_seen_at(&key(2), TTL, t0 + TTL), Ok(true)); // purges the stale entry
        assert_eq!(guard.first_seen_at(&key(1), TTL, t0 + TTL), Ok(false));
    }

    #[test]
    fn zero_capacity_refuses_everything_and_huge_ttls_are_refused() {
        assert_eq!(
            MemoryReplayGuard::new(0).first_seen_at(&key(1), TTL, start()),
            Err(ReplayError::Full { capacity: 0 })
        );
        assert_eq!(
            MemoryReplayGuard::new(1).first_seen_at(&key(1), Duration::MAX, start()),
            Err(ReplayError::TtlOutOfRange)
        );
    }
}
