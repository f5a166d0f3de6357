//! What to ask the API about channels: the [`Info`] attributes (of a trigger's
//! channels, or of one channel) and the [`ChannelsQuery`] of the channel list.

use crate::error::{InputKind, InvalidInput};
use crate::names::ChannelName;

/// Channel attributes to ask for (`info`): `user_count` (presence channels only),
/// `subscription_count`, and `cache` (the cached event of a cache channel: one channel's
/// info only, and only for `cache-`, `private-cache-`, `private-encrypted-cache-` and
/// `presence-cache-` channels).
///
/// Parsed from the wire form, a comma-separated list:
///
/// ```
/// use channel_auth::send::Info;
///
/// let info: Info = "user_count,subscription_count".parse()?;
/// assert_eq!(info, Info::new().with_user_count().with_subscription_count());
/// assert_eq!(info.as_param(), Some("user_count,subscription_count"));
/// assert!("user_count,bogus".parse::<Info>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Info {
    pub(super) user_count: bool,
    pub(super) subscription_count: bool,
    pub(super) cache: bool,
}

impl Info {
    /// No attribute.
    ///
    /// ```
    /// assert!(channel_auth::send::Info::new().is_empty());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self { user_count: false, subscription_count: false, cache: false }
    }

    /// Adds `user_count`.
    ///
    /// ```
    /// assert!(channel_auth::send::Info::new().with_user_count().user_count());
    /// ```
    #[must_use]
    pub const fn with_user_count(mut self) -> Self {
        self.user_count = true;
        self
    }

    /// Adds `subscription_count`.
    ///
    /// ```
    /// assert!(channel_auth::send::Info::new().with_subscription_count().subscription_count());
    /// ```
    #[must_use]
    pub const fn with_subscription_count(mut self) -> Self {
        self.subscription_count = true;
        self
    }

    /// Adds `cache`: the channel's cached event and its time to live, in
    /// [`ChannelResponse::cache`](crate::send::ChannelResponse::cache). Only
    /// [`Api::channel`](crate::send::Api::channel) of a cache channel takes it; anywhere
    /// else it is [`SendError::InfoNotApplicable`](crate::send::SendError::InfoNotApplicable).
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::send::{Api, ApiUrl, Info, SendError};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::from_url("http://127.0.0.1:6001")?)?;
    /// let request = api.channel(&"cache-prices".parse()?, Info::new().with_cache(), SystemTime::now())?;
    /// assert!(request.http().uri().query().unwrap_or("").contains("&info=cache&"));
    /// let answer = http::Response::new(br#"{"occupied":true,"cache":{"event":"price","data":"{\"btc\":1}","ttl":1800}}"#.to_vec());
    /// let cached = request.parse(&answer)?.cache.unwrap_or_default();
    /// assert_eq!((cached.event.as_deref(), cached.data.as_str(), cached.ttl), (Some("price"), r#"{"btc":1}"#, Some(1800)));
    ///
    /// let not_cache = api.channel(&"prices".parse()?, Info::new().with_cache(), SystemTime::now());
    /// assert!(matches!(not_cache, Err(SendError::InfoNotApplicable { attribute: "cache", .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn with_cache(mut self) -> Self {
        self.cache = true;
        self
    }

    /// Whether `user_count` is asked for.
    #[must_use]
    pub const fn user_count(&self) -> bool {
        self.user_count
    }

    /// Whether `subscription_count` is asked for.
    ///
    /// ```
    /// assert!(!channel_auth::send::Info::new().subscription_count());
    /// ```
    #[must_use]
    pub const fn subscription_count(&self) -> bool {
        self.subscription_count
    }

    /// Whether `cache` is asked for.
    #[must_use]
    pub const fn cache(&self) -> bool {
        self.cache
    }

    /// Whether nothing is asked for.
    ///
    /// ```
    /// assert!(!channel_auth::send::Info::new().with_user_count().is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        !self.user_count && !self.subscription_count && !self.cache
    }

    /// The wire form (`user_count`, `subscription_count`, `cache`, comma-separated in
    /// that order), or `None` when empty.
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Info::new().with_subscription_count().as_param(), Some("subscription_count"));
    /// ```
    #[must_use]
    pub const fn as_param(&self) -> Option<&'static str> {
        match (self.user_count, self.subscription_count, self.cache) {
            (false, false, false) => None,
            (true, false, false) => Some("user_count"),
            (false, true, false) => Some("subscription_count"),
            (true, true, false) => Some("user_count,subscription_count"),
            (false, false, true) => Some("cache"),
            (true, false, true) => Some("user_count,cache"),
            (false, true, true) => Some("subscription_count,cache"),
            (true, true, true) => Some("user_count,subscription_count,cache"),
        }
    }
}

impl core::str::FromStr for Info {
    type Err = InvalidInput;

    /// Parses a comma-separated list of `user_count`, `subscription_count` and `cache`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let kind = InputKind::InfoAttribute;
        if s.is_empty() {
            return Err(InvalidInput::Empty { kind });
        }
        let mut info = Self::new();
        let mut position = 0;
        for attribute in s.split(',') {
            match attribute {
                "user_count" => info.user_count = true,
                "subscription_count" => info.subscription_count = true,
                "cache" => info.cache = true,
                _ => {
                    return Err(InvalidInput::Malformed {
                        kind,
                        position,
                        expected: "user_count, subscription_count or cache",
                    });
                }
            }
            position += attribute.len() + 1;
        }
        Ok(info)
    }
}

/// The `channels` query: occupied channels, optionally filtered by a name prefix, with
/// `user_count` when the filter is `presence-`.
///
/// ```
/// use channel_auth::send::ChannelsQuery;
///
/// let query = ChannelsQuery::new().filter_by_prefix("presence-".parse()?).with_user_count();
/// assert_eq!(query.prefix().map(|p| p.as_str()), Some("presence-"));
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelsQuery {
    pub(super) prefix: Option<ChannelName>,
    pub(super) user_count: bool,
}

impl ChannelsQuery {
    /// Every occupied channel, no attribute.
    ///
    /// ```
    /// assert!(channel_auth::send::ChannelsQuery::new().prefix().is_none());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Only channels whose name starts with `prefix` (written as a channel name: the
    /// same alphabet, e.g. `presence-`).
    ///
    /// ```
    /// use channel_auth::send::ChannelsQuery;
    /// assert!(ChannelsQuery::new().filter_by_prefix("private-".parse()?).prefix().is_some());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn filter_by_prefix(mut self, prefix: ChannelName) -> Self {
        self.prefix = Some(prefix);
        self
    }

    /// Asks for `user_count` (needs a `presence-` prefix filter).
    ///
    /// ```
    /// assert!(channel_auth::send::ChannelsQuery::new().with_user_count().user_count());
    /// ```
    #[must_use]
    pub fn with_user_count(mut self) -> Self {
        self.user_count = true;
        self
    }

    /// The prefix filter, if any.
    ///
    /// ```
    /// assert!(channel_auth::send::ChannelsQuery::new().prefix().is_none());
    /// ```
    #[must_use]
    pub fn prefix(&self) -> Option<&ChannelName> {
        self.prefix.as_ref()
    }

    /// Whether `user_count` is asked for.
    ///
    /// ```
    /// assert!(!channel_auth::send::ChannelsQuery::new().user_count());
    /// ```
    #[must_use]
    pub fn user_count(&self) -> bool {
        self.user_count
    }
}

/// Whether `channel` is a cache channel (`cache-`, `private-cache-`,
/// `private-encrypted-cache-`, `presence-cache-`): the only ones with a cached event.
pub(super) fn is_cache_channel(channel: &ChannelName) -> bool {
    ["cache-", "private-cache-", "private-encrypted-cache-", "presence-cache-"]
        .iter()
        .any(|prefix| channel.as_str().starts_with(prefix))
}
