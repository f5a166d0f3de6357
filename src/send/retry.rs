//! [`RetryPolicy`]: when a [`Client`](crate::send::Client) tries a request again, and
//! when never (a duplicate event).

use core::time::Duration;

/// When to try a request again: never where it could publish an event twice.
///
/// - `GET`s (channels, channel, users) are idempotent: tried again after a transport
///   error, a 5xx or a 429.
/// - `POST`s (trigger, batch, send to user, terminate) only where the server certainly
///   did not act: a 429 ([`ApiError::RateLimited`](crate::send::ApiError::RateLimited)),
///   or a connection that could not be made
///   ([`TransportError::is_connect`](crate::send::TransportError::is_connect)). A 5xx or
///   a timeout after sending may have published: it is returned, never retried.
/// - Each try is signed again at its own time. The wait is exponential backoff from
///   `base_delay` with jitter, at most `max_delay`, or the server's `Retry-After` when
///   that is longer (it is a floor: a `Retry-After: 0` still waits the backoff; one
///   longer than `max_delay` is not waited: the `RateLimited` error is returned with
///   it); no try starts after `deadline`.
///
/// [`RetryPolicy::default`]: 5 tries, backoff from 500 ms (waits of 0.25-0.5 s, 0.5-1 s,
/// 1-2 s, 2-4 s), at most 5 s a wait, 20 s in all: long enough to span a rate limit's
/// one-second windows when the server gives no `Retry-After` (soketi gives none). [`RetryPolicy::none`]: one try.
///
/// ```
/// use std::time::Duration;
/// use channel_auth::send::RetryPolicy;
///
/// let policy = RetryPolicy::default().with_max_tries(5).with_deadline(Duration::from_secs(30));
/// assert_eq!(policy.max_tries(), 5);
/// assert_eq!(RetryPolicy::none().max_tries(), 1);
/// // With the `reqwest` feature: Client::new(api)?.with_retry(policy)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    max_tries: u32,
    base_delay: Duration,
    max_delay: Duration,
    deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_tries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
            deadline: Duration::from_secs(20),
        }
    }
}

/// Why a try failed, as far as retrying goes.
#[cfg_attr(not(all(feature = "reqwest", not(target_arch = "wasm32"))), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// 429, with the server's wait if it said one.
    RateLimited(Option<Duration>),
    /// A 5xx.
    ServerError,
    /// No answer; `not_sent` when the connection could not even be made.
    Transport { not_sent: bool },
    /// Anything else: final.
    Final,
}

impl RetryPolicy {
    /// One try, no retry.
    #[must_use]
    pub const fn none() -> Self {
        Self { max_tries: 1, base_delay: Duration::ZERO, max_delay: Duration::ZERO, deadline: Duration::ZERO }
    }

    /// At most `tries` tries in all (at least 1).
    #[must_use]
    pub const fn with_max_tries(mut self, tries: u32) -> Self {
        self.max_tries = if tries == 0 { 1 } else { tries };
        self
    }

    /// Backoff waits from `base` (doubling each try), at most `max`; `max` also caps
    /// the `Retry-After` waited.
    #[must_use]
    pub const fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max;
        self
    }

    /// No try starts later than `deadline` after the first.
    #[must_use]
    pub const fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Most tries in all, the first included.
    #[must_use]
    pub const fn max_tries(&self) -> u32 {
        self.max_tries
    }

    /// The wait before trying again after try number `tries` (1 for the first) failed
    /// with `failure`, `elapsed` after the first started; `None` to give up. `jitter`
    /// in `0..=1000` spreads the backoff over its upper half.
    #[cfg_attr(not(all(feature = "reqwest", not(target_arch = "wasm32"))), allow(dead_code))]
    pub(super) fn wait(
        &self,
        post: bool,
        failure: Failure,
        tries: u32,
        elapsed: Duration,
        jitter: u32,
    ) -> Option<Duration> {
        if tries >= self.max_tries {
            return None;
        }
        let retry = match failure {
            Failure::RateLimited(_) => true,
            Failure::Transport { not_sent } => !post || not_sent,
            Failure::ServerError => !post,
            Failure::Final => false,
        };
        if !retry {
            return None;
        }
        let doubled = self.base_delay.saturating_mul(1u32 << tries.saturating_sub(1).min(20));
        let backoff = doubled.min(self.max_delay);
        let half = backoff / 2;
        let backoff = half + half.mul_f64(f64::from(jitter.min(1000)) / 1000.0);
        let wait = match failure {
            Failure::RateLimited(Some(asked)) if asked > self.max_delay => return None,
            // `Retry-After` is a floor, never a reason to hurry: sockudo says `0` for the
            // rest of a one-second window, and retrying at once lands in the same window.
            Failure::RateLimited(Some(asked)) => asked.max(backoff),
            _ => backoff,
        };
        (elapsed.saturating_add(wait) <= self.deadline).then_some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn a_post_is_retried_only_where_the_server_did_not_act() {
        let p = RetryPolicy::default();
        assert!(p.wait(true, Failure::RateLimited(None), 1, Duration::ZERO, 0).is_some());
        assert!(p.wait(true, Failure::Transport { not_sent: true }, 1, Duration::ZERO, 0).is_some());
        assert_eq!(p.wait(true, Failure::Transport { not_sent: false }, 1, Duration::ZERO, 0), None);
        assert_eq!(p.wait(true, Failure::ServerError, 1, Duration::ZERO, 0), None);
        assert_eq!(p.wait(true, Failure::Final, 1, Duration::ZERO, 0), None);
    }

    #[test]
    fn a_get_is_retried_after_any_transient_failure() {
        let p = RetryPolicy::default();
        for failure in [Failure::RateLimited(None), Failure::ServerError, Failure::Transport { not_sent: false }] {
            assert!(p.wait(false, failure, 1, Duration::ZERO, 0).is_some(), "{failure:?}");
        }
        assert_eq!(p.wait(false, Failure::Final, 1, Duration::ZERO, 0), None);
    }

    #[test]
    fn retry_after_is_honored_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.wait(true, Failure::RateLimited(Some(3 * S)), 1, Duration::ZERO, 999), Some(3 * S));
        assert_eq!(p.wait(true, Failure::RateLimited(Some(6 * S)), 1, Duration::ZERO, 0), None);
        // A Retry-After shorter than the backoff (sockudo's `0`) waits the backoff.
        let after_zero = p.wait(true, Failure::RateLimited(Some(Duration::ZERO)), 1, Duration::ZERO, 0);
        assert_eq!(after_zero, p.wait(true, Failure::RateLimited(None), 1, Duration::ZERO, 0));
        assert!(after_zero.is_some_and(|wait| wait >= Duration::from_millis(250)), "{after_zero:?}");
    }

    #[test]
    fn backoff_doubles_with_jitter_in_its_upper_half_and_is_capped() {
        let p = RetryPolicy::default().with_max_tries(10).with_deadline(60 * S);
        let ms = Duration::from_millis;
        assert_eq!(p.wait(false, Failure::ServerError, 1, Duration::ZERO, 0), Some(ms(250)));
        assert_eq!(p.wait(false, Failure::ServerError, 1, Duration::ZERO, 1000), Some(ms(500)));
        assert_eq!(p.wait(false, Failure::ServerError, 2, Duration::ZERO, 1000), Some(ms(1000)));
        assert_eq!(p.wait(false, Failure::ServerError, 9, Duration::ZERO, 1000), Some(5 * S));
        assert_eq!(p.wait(false, Failure::ServerError, u32::MAX - 1, Duration::ZERO, u32::MAX), None);
    }

    #[test]
    fn tries_and_deadline_bound_it() {
        let p = RetryPolicy::default();
        assert_eq!(p.wait(false, Failure::ServerError, 5, Duration::ZERO, 0), None);
        assert!(p.wait(false, Failure::ServerError, 4, Duration::ZERO, 0).is_some());
        assert_eq!(p.wait(false, Failure::RateLimited(Some(2 * S)), 1, 19 * S, 0), None);
        assert_eq!(RetryPolicy::none().wait(false, Failure::ServerError, 1, Duration::ZERO, 0), None);
        assert_eq!(RetryPolicy::none().with_max_tries(0).max_tries(), 1);
    }
}
