//! Bounded retries with exponential backoff and full jitter.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use crate::error::{Error, ErrorKind, Result};

/// When and how the client tries a call again.
///
/// Retried: transport failures, 429 and 502/503/504. A `Retry-After` is honoured up to
/// `max_retry_after` (a longer one ends the call with the rate-limit error); no sleep runs past
/// the call's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff ceiling; it doubles with each attempt.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits for.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// Full jitter: a uniform delay in `[0, min(max_delay, base_delay * 2^(attempt-1))]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
    }

    /// Runs `op` until it succeeds, fails for good, runs out of attempts, or the next wait
    /// would pass `deadline`.
    pub(crate) async fn run<T, F, Fut>(&self, deadline: Instant, mut op: F) -> Result<T>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 1;
        loop {
            let err = match op(attempt).await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !retryable(&err) || attempt >= self.max_attempts.max(1) {
                return Err(err);
            }
            let wait = match err.retry_after() {
                Some(ra) if ra > self.max_retry_after => return Err(err),
                Some(ra) => ra,
                None => self.backoff(attempt),
            };
            if Instant::now() + wait >= deadline {
                return Err(err);
            }
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, kind = %err.kind(), "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

fn retryable(e: &Error) -> bool {
    e.is_retryable() && e.kind() != ErrorKind::Timeout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy::default();
        for attempt in 1..40 {
            assert!(p.backoff(attempt) <= p.max_delay);
        }
        assert!(p.backoff(1) <= Duration::from_millis(200));
    }
}
