//! [`Limits`]: what is checked before a request is built.

/// The limits checked before a request is built.
///
/// The defaults are the hosted service's: 100 channels per trigger, 10 events per batch,
/// 10 KiB of `data` per event. Dedicated clusters and own servers may allow more: raise
/// them with the `with_*` methods.
///
/// ```
/// use channel_auth::send::Limits;
///
/// let limits = Limits::default().with_max_data_len(100 * 1024);
/// assert_eq!((limits.max_channels(), limits.max_batch(), limits.max_data_len()), (100, 10, 102_400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    pub(super) max_channels: usize,
    pub(super) max_batch: usize,
    pub(super) max_data_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_channels: 100, max_batch: 10, max_data_len: 10 * 1024 }
    }
}

impl Limits {
    /// Most channels one trigger may name (default 100).
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Limits::default().max_channels(), 100);
    /// ```
    #[must_use]
    pub const fn max_channels(&self) -> usize {
        self.max_channels
    }

    /// Most events one batch may hold (default 10).
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Limits::default().max_batch(), 10);
    /// ```
    #[must_use]
    pub const fn max_batch(&self) -> usize {
        self.max_batch
    }

    /// Most bytes of `data` per event, measured as sent (default 10240).
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Limits::default().max_data_len(), 10240);
    /// ```
    #[must_use]
    pub const fn max_data_len(&self) -> usize {
        self.max_data_len
    }

    /// Sets [`Limits::max_channels`].
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Limits::default().with_max_channels(500).max_channels(), 500);
    /// ```
    #[must_use]
    pub const fn with_max_channels(mut self, max: usize) -> Self {
        self.max_channels = max;
        self
    }

    /// Sets [`Limits::max_batch`].
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Limits::default().with_max_batch(20).max_batch(), 20);
    /// ```
    #[must_use]
    pub const fn with_max_batch(mut self, max: usize) -> Self {
        self.max_batch = max;
        self
    }

    /// Sets [`Limits::max_data_len`].
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Limits::default().with_max_data_len(1).max_data_len(), 1);
    /// ```
    #[must_use]
    pub const fn with_max_data_len(mut self, max: usize) -> Self {
        self.max_data_len = max;
        self
    }
}
