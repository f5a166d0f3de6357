//! The sans-IO requests: every operation of the HTTP API as a signed `http::Request`.

use std::borrow::Cow;
use std::time::SystemTime;

use serde::Serialize;

use crate::api::{sign_api_request, Method};
use crate::credentials::Credentials;
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
use crate::encryption::encrypt_payload;
use crate::encryption::encrypt_payload_with_rng;
use crate::error::{AuthError, InputKind, InvalidInput};
use crate::names::{AppId, ChannelKind, ChannelName, EventName, SocketId, UserId};
use crate::rand_core::CryptoRngCore;
use crate::send::endpoint::Endpoint;
use crate::send::error::SendError;

/// The limits checked before a request is built.
///
/// The defaults are the hosted service's: 100 channels per trigger, 10 events per batch,
/// 10 KiB of `data` per event. Dedicated clusters and own servers may allow more: raise
/// them with the `with_*` methods.
///
/// ```
/// use channel_auth::Limits;
///
/// let limits = Limits::default().with_max_data_len(100 * 1024);
/// assert_eq!((limits.max_channels(), limits.max_batch(), limits.max_data_len()), (100, 10, 102_400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    max_channels: usize,
    max_batch: usize,
    max_data_len: usize,
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
    /// assert_eq!(channel_auth::Limits::default().max_channels(), 100);
    /// ```
    #[must_use]
    pub const fn max_channels(&self) -> usize {
        self.max_channels
    }

    /// Most events one batch may hold (default 10).
    ///
    /// ```
    /// assert_eq!(channel_auth::Limits::default().max_batch(), 10);
    /// ```
    #[must_use]
    pub const fn max_batch(&self) -> usize {
        self.max_batch
    }

    /// Most bytes of `data` per event, measured as sent (default 10240).
    ///
    /// ```
    /// assert_eq!(channel_auth::Limits::default().max_data_len(), 10240);
    /// ```
    #[must_use]
    pub const fn max_data_len(&self) -> usize {
        self.max_data_len
    }

    /// Sets [`Limits::max_channels`].
    ///
    /// ```
    /// assert_eq!(channel_auth::Limits::default().with_max_channels(500).max_channels(), 500);
    /// ```
    #[must_use]
    pub const fn with_max_channels(mut self, max: usize) -> Self {
        self.max_channels = max;
        self
    }

    /// Sets [`Limits::max_batch`].
    ///
    /// ```
    /// assert_eq!(channel_auth::Limits::default().with_max_batch(20).max_batch(), 20);
    /// ```
    #[must_use]
    pub const fn with_max_batch(mut self, max: usize) -> Self {
        self.max_batch = max;
        self
    }

    /// Sets [`Limits::max_data_len`].
    ///
    /// ```
    /// assert_eq!(channel_auth::Limits::default().with_max_data_len(1).max_data_len(), 1);
    /// ```
    #[must_use]
    pub const fn with_max_data_len(mut self, max: usize) -> Self {
        self.max_data_len = max;
        self
    }
}

/// Channel attributes to ask for (`info`): `user_count` (presence channels only) and
/// `subscription_count`.
///
/// Parsed from the wire form, a comma-separated list:
///
/// ```
/// use channel_auth::Info;
///
/// let info: Info = "user_count,subscription_count".parse()?;
/// assert_eq!(info, Info::new().with_user_count().with_subscription_count());
/// assert_eq!(info.as_param(), Some("user_count,subscription_count"));
/// assert!("user_count,bogus".parse::<Info>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Info {
    user_count: bool,
    subscription_count: bool,
}

impl Info {
    /// No attribute.
    ///
    /// ```
    /// assert!(channel_auth::Info::new().is_empty());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self { user_count: false, subscription_count: false }
    }

    /// Adds `user_count`.
    ///
    /// ```
    /// assert!(channel_auth::Info::new().with_user_count().user_count());
    /// ```
    #[must_use]
    pub const fn with_user_count(mut self) -> Self {
        self.user_count = true;
        self
    }

    /// Adds `subscription_count`.
    ///
    /// ```
    /// assert!(channel_auth::Info::new().with_subscription_count().subscription_count());
    /// ```
    #[must_use]
    pub const fn with_subscription_count(mut self) -> Self {
        self.subscription_count = true;
        self
    }

    /// Whether `user_count` is asked for.
    ///
    /// ```
    /// assert!(!channel_auth::Info::new().user_count());
    /// ```
    #[must_use]
    pub const fn user_count(&self) -> bool {
        self.user_count
    }

    /// Whether `subscription_count` is asked for.
    ///
    /// ```
    /// assert!(!channel_auth::Info::new().subscription_count());
    /// ```
    #[must_use]
    pub const fn subscription_count(&self) -> bool {
        self.subscription_count
    }

    /// Whether nothing is asked for.
    ///
    /// ```
    /// assert!(!channel_auth::Info::new().with_user_count().is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        !self.user_count && !self.subscription_count
    }

    /// The wire form (`user_count`, `subscription_count` or both, comma-separated), or
    /// `None` when empty.
    ///
    /// ```
    /// assert_eq!(channel_auth::Info::new().with_subscription_count().as_param(), Some("subscription_count"));
    /// ```
    #[must_use]
    pub const fn as_param(&self) -> Option<&'static str> {
        match (self.user_count, self.subscription_count) {
            (false, false) => None,
            (true, false) => Some("user_count"),
            (false, true) => Some("subscription_count"),
            (true, true) => Some("user_count,subscription_count"),
        }
    }
}

impl core::str::FromStr for Info {
    type Err = InvalidInput;

    /// Parses a comma-separated list of `user_count` and `subscription_count`.
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
                _ => {
                    return Err(InvalidInput::Malformed {
                        kind,
                        position,
                        expected: "user_count or subscription_count",
                    })
                }
            }
            position += attribute.len() + 1;
        }
        Ok(info)
    }
}

/// One event on one or more channels (`POST /apps/<id>/events`).
///
/// `Debug` shows the data's length, not the data.
///
/// ```
/// use channel_auth::{Info, Trigger};
///
/// let trigger = Trigger::new("new-message".parse()?, r#"{"text":"hi"}"#, ["presence-room".parse()?])
///     .exclude("123.456".parse()?)
///     .with_info(Info::new().with_user_count());
/// assert_eq!(trigger.channels().len(), 1);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct Trigger {
    name: EventName,
    data: String,
    channels: Vec<ChannelName>,
    socket_id: Option<SocketId>,
    info: Info,
}

impl core::fmt::Debug for Trigger {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Trigger")
            .field("name", &self.name)
            .field("data_len", &self.data.len())
            .field("channels", &self.channels)
            .field("socket_id", &self.socket_id)
            .field("info", &self.info)
            .finish()
    }
}

impl Trigger {
    /// The event `name` with `data` (sent as given: a string, usually JSON) on `channels`.
    ///
    /// ```
    /// use channel_auth::Trigger;
    /// let t = Trigger::new("ev".parse()?, "data", ["a".parse()?, "b".parse()?]);
    /// assert_eq!(t.data(), "data");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn new(name: EventName, data: impl Into<String>, channels: impl IntoIterator<Item = ChannelName>) -> Self {
        Self { name, data: data.into(), channels: channels.into_iter().collect(), socket_id: None, info: Info::new() }
    }

    /// Excludes the connection `socket_id` from receiving the event.
    ///
    /// ```
    /// use channel_auth::Trigger;
    /// let t = Trigger::new("ev".parse()?, "d", ["a".parse()?]).exclude("1.2".parse()?);
    /// assert_eq!(t.excluded().map(|s| s.as_str()), Some("1.2"));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn exclude(mut self, socket_id: SocketId) -> Self {
        self.socket_id = Some(socket_id);
        self
    }

    /// Asks for attributes of the channels published to, in the response.
    ///
    /// ```
    /// use channel_auth::{Info, Trigger};
    /// let t = Trigger::new("ev".parse()?, "d", ["a".parse()?]).with_info(Info::new().with_subscription_count());
    /// assert!(t.info().subscription_count());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn with_info(mut self, info: Info) -> Self {
        self.info = info;
        self
    }

    /// The event name.
    ///
    /// ```
    /// use channel_auth::Trigger;
    /// assert_eq!(Trigger::new("ev".parse()?, "d", []).name().as_str(), "ev");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &EventName {
        &self.name
    }

    /// The data, as given.
    ///
    /// ```
    /// use channel_auth::Trigger;
    /// assert_eq!(Trigger::new("ev".parse()?, "d", []).data(), "d");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The channels.
    ///
    /// ```
    /// use channel_auth::Trigger;
    /// assert!(Trigger::new("ev".parse()?, "d", []).channels().is_empty());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn channels(&self) -> &[ChannelName] {
        &self.channels
    }

    /// The excluded connection, if any.
    ///
    /// ```
    /// use channel_auth::Trigger;
    /// assert!(Trigger::new("ev".parse()?, "d", []).excluded().is_none());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn excluded(&self) -> Option<&SocketId> {
        self.socket_id.as_ref()
    }

    /// The attributes asked for.
    ///
    /// ```
    /// use channel_auth::Trigger;
    /// assert!(Trigger::new("ev".parse()?, "d", []).info().is_empty());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn info(&self) -> Info {
        self.info
    }
}

/// One event of a batch, on exactly one channel (`POST /apps/<id>/batch_events`).
///
/// `Debug` shows the data's length, not the data.
///
/// ```
/// use channel_auth::BatchEvent;
///
/// let event = BatchEvent::new("private-a".parse()?, "ev".parse()?, "{}").exclude("1.1".parse()?);
/// assert_eq!(event.channel().as_str(), "private-a");
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct BatchEvent {
    channel: ChannelName,
    name: EventName,
    data: String,
    socket_id: Option<SocketId>,
    info: Info,
}

impl core::fmt::Debug for BatchEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BatchEvent")
            .field("channel", &self.channel)
            .field("name", &self.name)
            .field("data_len", &self.data.len())
            .field("socket_id", &self.socket_id)
            .field("info", &self.info)
            .finish()
    }
}

impl BatchEvent {
    /// The event `name` with `data` (sent as given) on `channel`.
    ///
    /// ```
    /// use channel_auth::BatchEvent;
    /// let e = BatchEvent::new("a".parse()?, "ev".parse()?, "d");
    /// assert_eq!(e.data(), "d");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn new(channel: ChannelName, name: EventName, data: impl Into<String>) -> Self {
        Self { channel, name, data: data.into(), socket_id: None, info: Info::new() }
    }

    /// Excludes the connection `socket_id` from receiving the event.
    ///
    /// ```
    /// use channel_auth::BatchEvent;
    /// let e = BatchEvent::new("a".parse()?, "ev".parse()?, "d").exclude("1.1".parse()?);
    /// assert!(e.excluded().is_some());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn exclude(mut self, socket_id: SocketId) -> Self {
        self.socket_id = Some(socket_id);
        self
    }

    /// Asks for attributes of the channel, in the response.
    ///
    /// ```
    /// use channel_auth::{BatchEvent, Info};
    /// let e = BatchEvent::new("a".parse()?, "ev".parse()?, "d").with_info(Info::new().with_subscription_count());
    /// assert!(e.info().subscription_count());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn with_info(mut self, info: Info) -> Self {
        self.info = info;
        self
    }

    /// The channel.
    ///
    /// ```
    /// use channel_auth::BatchEvent;
    /// assert_eq!(BatchEvent::new("a".parse()?, "ev".parse()?, "d").channel().as_str(), "a");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn channel(&self) -> &ChannelName {
        &self.channel
    }

    /// The event name.
    ///
    /// ```
    /// use channel_auth::BatchEvent;
    /// assert_eq!(BatchEvent::new("a".parse()?, "ev".parse()?, "d").name().as_str(), "ev");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &EventName {
        &self.name
    }

    /// The data, as given.
    ///
    /// ```
    /// use channel_auth::BatchEvent;
    /// assert_eq!(BatchEvent::new("a".parse()?, "ev".parse()?, "d").data(), "d");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The excluded connection, if any.
    ///
    /// ```
    /// use channel_auth::BatchEvent;
    /// assert!(BatchEvent::new("a".parse()?, "ev".parse()?, "d").excluded().is_none());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn excluded(&self) -> Option<&SocketId> {
        self.socket_id.as_ref()
    }

    /// The attributes asked for.
    ///
    /// ```
    /// use channel_auth::BatchEvent;
    /// assert!(BatchEvent::new("a".parse()?, "ev".parse()?, "d").info().is_empty());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn info(&self) -> Info {
        self.info
    }
}

/// The `channels` query: occupied channels, optionally filtered by a name prefix, with
/// `user_count` when the filter is `presence-`.
///
/// ```
/// use channel_auth::ChannelsQuery;
///
/// let query = ChannelsQuery::new().filter_by_prefix("presence-".parse()?).with_user_count();
/// assert_eq!(query.prefix().map(|p| p.as_str()), Some("presence-"));
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelsQuery {
    prefix: Option<ChannelName>,
    user_count: bool,
}

impl ChannelsQuery {
    /// Every occupied channel, no attribute.
    ///
    /// ```
    /// assert!(channel_auth::ChannelsQuery::new().prefix().is_none());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Only channels whose name starts with `prefix` (written as a channel name: the
    /// same alphabet, e.g. `presence-`).
    ///
    /// ```
    /// use channel_auth::ChannelsQuery;
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
    /// assert!(channel_auth::ChannelsQuery::new().with_user_count().user_count());
    /// ```
    #[must_use]
    pub fn with_user_count(mut self) -> Self {
        self.user_count = true;
        self
    }

    /// The prefix filter, if any.
    ///
    /// ```
    /// assert!(channel_auth::ChannelsQuery::new().prefix().is_none());
    /// ```
    #[must_use]
    pub fn prefix(&self) -> Option<&ChannelName> {
        self.prefix.as_ref()
    }

    /// Whether `user_count` is asked for.
    ///
    /// ```
    /// assert!(!channel_auth::ChannelsQuery::new().user_count());
    /// ```
    #[must_use]
    pub fn user_count(&self) -> bool {
        self.user_count
    }
}

/// The HTTP API of one app: credentials (with an app id), where to send, and limits.
/// Every method builds a signed `http::Request<Vec<u8>>` and sends nothing.
///
/// `Debug` redacts the secret and the master key.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use channel_auth::{Api, Credentials, Endpoint, Trigger};
///
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?)
///     .with_app_id("3".parse()?);
/// let api = Api::new(creds, Endpoint::cluster("mt1")?)?;
/// let trigger = Trigger::new("foo".parse()?, r#"{"some":"data"}"#, ["project-3".parse()?]);
/// let request = api.trigger(&trigger, UNIX_EPOCH + Duration::from_secs(1353088179))?;
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.uri().path(), "/apps/3/events");
/// assert_eq!(request.body(), br#"{"name":"foo","data":"{\"some\":\"data\"}","channels":["project-3"]}"#);
/// assert!(!format!("{api:?}").contains("7ad3773142a6692b25b8"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Api {
    credentials: Credentials,
    app_id: AppId,
    endpoint: Endpoint,
    limits: Limits,
}

#[derive(Serialize)]
struct TriggerBody<'a> {
    name: &'a EventName,
    data: &'a str,
    channels: &'a [ChannelName],
    #[serde(skip_serializing_if = "Option::is_none")]
    socket_id: Option<&'a SocketId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    info: Option<&'static str>,
}

#[derive(Serialize)]
struct BatchItem<'a> {
    channel: &'a ChannelName,
    name: &'a EventName,
    data: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    socket_id: Option<&'a SocketId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    info: Option<&'static str>,
}

#[derive(Serialize)]
struct BatchBody<'a> {
    batch: Vec<BatchItem<'a>>,
}

/// Encrypts `data` for one `private-encrypted-` channel.
trait Encrypt: FnMut(&ChannelName, &[u8]) -> Result<String, AuthError> {}
impl<F: FnMut(&ChannelName, &[u8]) -> Result<String, AuthError>> Encrypt for F {}

impl Api {
    /// The API of the app `credentials` are bound to
    /// ([`Credentials::with_app_id`]), at `endpoint`, with [`Limits::default`].
    ///
    /// # Errors
    /// [`AuthError::MissingAppId`] when the credentials carry no app id.
    ///
    /// ```
    /// use channel_auth::{Api, AuthError, Credentials, Endpoint};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// assert_eq!(Api::new(creds.clone(), Endpoint::cluster("eu")?).unwrap_err(), AuthError::MissingAppId);
    /// let api = Api::new(creds.with_app_id("42".parse()?), Endpoint::cluster("eu")?)?;
    /// assert_eq!(api.app_id().as_str(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(credentials: Credentials, endpoint: Endpoint) -> Result<Self, AuthError> {
        let app_id = credentials.app_id().cloned().ok_or(AuthError::MissingAppId)?;
        Ok(Self { credentials, app_id, endpoint, limits: Limits::default() })
    }

    /// The same API with other limits.
    ///
    /// ```
    /// use channel_auth::{Api, Credentials, Endpoint, Limits};
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::cluster("eu")?)?.with_limits(Limits::default().with_max_batch(50));
    /// assert_eq!(api.limits().max_batch(), 50);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits checked before building.
    ///
    /// ```
    /// use channel_auth::{Api, Credentials, Endpoint, Limits};
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// assert_eq!(Api::new(creds, Endpoint::cluster("eu")?)?.limits(), Limits::default());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The app id requests are sent for.
    ///
    /// ```
    /// use channel_auth::{Api, Credentials, Endpoint};
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("7".parse()?);
    /// assert_eq!(Api::new(creds, Endpoint::cluster("eu")?)?.app_id().as_str(), "7");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn app_id(&self) -> &AppId {
        &self.app_id
    }

    /// Where requests go.
    ///
    /// ```
    /// use channel_auth::{Api, Credentials, Endpoint};
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("7".parse()?);
    /// assert_eq!(Api::new(creds, Endpoint::cluster("eu")?)?.endpoint().host(), "api-eu.pusher.com");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The credentials requests are signed with.
    ///
    /// ```
    /// use channel_auth::{Api, Credentials, Endpoint};
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("7".parse()?);
    /// assert_eq!(Api::new(creds, Endpoint::cluster("eu")?)?.credentials().key().as_str(), "key");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// `POST /apps/<id>/events`: `{"name","data","channels","socket_id"?,"info"?}`, as the
    /// official libraries send it, signed at `now`.
    ///
    /// A `private-encrypted-` channel is triggered alone, its `data` encrypted under that
    /// channel's key with a fresh nonce from the OS (not on `wasm32-unknown-unknown`:
    /// there, use [`Api::trigger_with_rng`]).
    ///
    /// # Errors
    /// [`SendError`]: [`SendError::NoChannels`], [`SendError::TooManyChannels`],
    /// [`SendError::ServerToUserChannel`], [`SendError::EncryptedAmongSeveral`],
    /// [`SendError::MissingMasterKey`], [`SendError::InfoNotApplicable`] (`user_count`
    /// with a channel that is not `presence-`), [`SendError::DataTooLong`] (measured on
    /// what is sent), [`SendError::Invalid`] for a time before 1970.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::{Api, Credentials, Endpoint, SendError, Trigger};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::from_url("http://127.0.0.1:6001")?)?;
    /// let both = Trigger::new("ev".parse()?, "x", ["private-encrypted-a".parse()?, "b".parse()?]);
    /// assert_eq!(
    ///     api.trigger(&both, SystemTime::now()).unwrap_err(),
    ///     SendError::EncryptedAmongSeveral { channel: "private-encrypted-a".parse()? }
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub fn trigger(&self, trigger: &Trigger, now: SystemTime) -> Result<http::Request<Vec<u8>>, SendError> {
        self.build_trigger(trigger, now, &mut |channel: &ChannelName, data: &[u8]| {
            encrypt_payload(&self.credentials, channel, data)
        })
    }

    /// [`Api::trigger`] with the nonce for an encrypted channel drawn from `rng` instead
    /// of the OS: for targets without an OS random source (`wasm32-unknown-unknown`),
    /// where the caller has one. `rng` must be a cryptographically secure generator
    /// (`rand_core` 0.6's `CryptoRngCore`, re-exported as
    /// [`channel_auth::rand_core`](crate::rand_core)).
    ///
    /// # Errors
    /// As [`Api::trigger`].
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::rand_core::{impls, CryptoRng, Error, RngCore};
    ///
    /// // A stand-in for the platform's CSPRNG (e.g. one over `crypto.getRandomValues`).
    /// struct Platform(u8);
    /// impl RngCore for Platform {
    ///     fn next_u32(&mut self) -> u32 { impls::next_u32_via_fill(self) }
    ///     fn next_u64(&mut self) -> u64 { impls::next_u64_via_fill(self) }
    ///     fn fill_bytes(&mut self, dest: &mut [u8]) {
    ///         for b in dest { self.0 = self.0.wrapping_add(1); *b = self.0; }
    ///     }
    ///     fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
    ///         self.fill_bytes(dest);
    ///         Ok(())
    ///     }
    /// }
    /// impl CryptoRng for Platform {}
    /// use channel_auth::{decrypt_payload, Api, Credentials, EncryptionMasterKey, Endpoint, Trigger};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?)
    ///     .with_app_id("1".parse()?)
    ///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
    /// let api = Api::new(creds.clone(), Endpoint::cluster("eu")?)?;
    /// let channel = "private-encrypted-a".parse()?;
    /// let trigger = Trigger::new("ev".parse()?, "secret text", [channel]);
    /// let request = api.trigger_with_rng(&trigger, SystemTime::now(), &mut Platform(0))?;
    /// let body: serde_json::Value = serde_json::from_slice(request.body())?;
    /// let data = body["data"].as_str().unwrap_or_default();
    /// assert_eq!(decrypt_payload(&creds, &"private-encrypted-a".parse()?, data)?, b"secret text");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trigger_with_rng(
        &self,
        trigger: &Trigger,
        now: SystemTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<http::Request<Vec<u8>>, SendError> {
        self.build_trigger(trigger, now, &mut |channel: &ChannelName, data: &[u8]| {
            encrypt_payload_with_rng(&self.credentials, channel, data, rng)
        })
    }

    fn build_trigger(
        &self,
        trigger: &Trigger,
        now: SystemTime,
        encrypt: &mut impl Encrypt,
    ) -> Result<http::Request<Vec<u8>>, SendError> {
        let channels = trigger.channels();
        if channels.is_empty() {
            return Err(SendError::NoChannels);
        }
        if channels.len() > self.limits.max_channels {
            return Err(SendError::TooManyChannels { max: self.limits.max_channels, len: channels.len() });
        }
        for channel in channels {
            check_not_server_to_user(channel)?;
            if channels.len() > 1 && channel.kind() == ChannelKind::PrivateEncrypted {
                return Err(SendError::EncryptedAmongSeveral { channel: channel.clone() });
            }
            check_info(trigger.info, channel)?;
        }
        let data = match channels {
            [only] => self.data_for(only, &trigger.data, encrypt)?,
            _ => {
                self.check_len(&trigger.data)?;
                Cow::Borrowed(trigger.data.as_str())
            }
        };
        let body = TriggerBody {
            name: &trigger.name,
            data: &data,
            channels,
            socket_id: trigger.socket_id.as_ref(),
            info: trigger.info.as_param(),
        };
        let body = serde_json::to_vec(&body).map_err(|_| SendError::Body)?;
        self.post(&format!("/apps/{}/events", self.app_id.as_str()), body, now)
    }

    /// `POST /apps/<id>/batch_events`: `{"batch":[{"channel","name","data","socket_id"?,
    /// "info"?}]}`, signed at `now`. Each `private-encrypted-` event is encrypted under
    /// its own channel's key, with a fresh nonce from the OS.
    ///
    /// # Errors
    /// [`SendError::EmptyBatch`], [`SendError::BatchTooLarge`], and for one event
    /// [`SendError::InBatch`] wrapping what [`Api::trigger`] would refuse for it.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::{Api, BatchEvent, Credentials, Endpoint, SendError};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::cluster("eu")?)?;
    /// let events: Vec<_> = (0..11).map(|i| BatchEvent::new("a".parse().unwrap(), "ev".parse().unwrap(), i.to_string())).collect();
    /// assert_eq!(api.trigger_batch(&events, SystemTime::now()).unwrap_err(), SendError::BatchTooLarge { max: 10, len: 11 });
    /// assert!(api.trigger_batch(&events[..10], SystemTime::now()).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub fn trigger_batch(&self, events: &[BatchEvent], now: SystemTime) -> Result<http::Request<Vec<u8>>, SendError> {
        self.build_batch(events, now, &mut |channel: &ChannelName, data: &[u8]| {
            encrypt_payload(&self.credentials, channel, data)
        })
    }

    /// [`Api::trigger_batch`] with nonces drawn from `rng` (see [`Api::trigger_with_rng`]).
    ///
    /// # Errors
    /// As [`Api::trigger_batch`].
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::rand_core::{impls, CryptoRng, Error, RngCore};
    ///
    /// // A stand-in for the platform's CSPRNG (e.g. one over `crypto.getRandomValues`).
    /// struct Platform(u8);
    /// impl RngCore for Platform {
    ///     fn next_u32(&mut self) -> u32 { impls::next_u32_via_fill(self) }
    ///     fn next_u64(&mut self) -> u64 { impls::next_u64_via_fill(self) }
    ///     fn fill_bytes(&mut self, dest: &mut [u8]) {
    ///         for b in dest { self.0 = self.0.wrapping_add(1); *b = self.0; }
    ///     }
    ///     fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
    ///         self.fill_bytes(dest);
    ///         Ok(())
    ///     }
    /// }
    /// impl CryptoRng for Platform {}
    /// use channel_auth::{Api, BatchEvent, Credentials, Endpoint};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::cluster("eu")?)?;
    /// let events = [BatchEvent::new("a".parse()?, "ev".parse()?, "d")];
    /// assert!(api.trigger_batch_with_rng(&events, SystemTime::now(), &mut Platform(0)).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trigger_batch_with_rng(
        &self,
        events: &[BatchEvent],
        now: SystemTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<http::Request<Vec<u8>>, SendError> {
        self.build_batch(events, now, &mut |channel: &ChannelName, data: &[u8]| {
            encrypt_payload_with_rng(&self.credentials, channel, data, rng)
        })
    }

    fn build_batch(
        &self,
        events: &[BatchEvent],
        now: SystemTime,
        encrypt: &mut impl Encrypt,
    ) -> Result<http::Request<Vec<u8>>, SendError> {
        if events.is_empty() {
            return Err(SendError::EmptyBatch);
        }
        if events.len() > self.limits.max_batch {
            return Err(SendError::BatchTooLarge { max: self.limits.max_batch, len: events.len() });
        }
        let mut batch = Vec::with_capacity(events.len());
        for (index, event) in events.iter().enumerate() {
            let item = self
                .batch_item(event, encrypt)
                .map_err(|source| SendError::InBatch { index, source: Box::new(source) })?;
            batch.push(item);
        }
        let body = serde_json::to_vec(&BatchBody { batch }).map_err(|_| SendError::Body)?;
        self.post(&format!("/apps/{}/batch_events", self.app_id.as_str()), body, now)
    }

    fn batch_item<'e>(&self, event: &'e BatchEvent, encrypt: &mut impl Encrypt) -> Result<BatchItem<'e>, SendError> {
        check_not_server_to_user(&event.channel)?;
        check_info(event.info, &event.channel)?;
        let data = self.data_for(&event.channel, &event.data, encrypt)?;
        Ok(BatchItem {
            channel: &event.channel,
            name: &event.name,
            data,
            socket_id: event.socket_id.as_ref(),
            info: event.info.as_param(),
        })
    }

    /// `GET /apps/<id>/channels[?filter_by_prefix=…&info=user_count]`, signed at `now`.
    ///
    /// # Errors
    /// [`SendError::InfoNotApplicable`] for `user_count` without a prefix that starts
    /// with `presence-`.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use channel_auth::{Api, ChannelsQuery, Credentials, Endpoint};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::from_url("http://127.0.0.1:6001")?)?;
    /// let query = ChannelsQuery::new().filter_by_prefix("presence-".parse()?).with_user_count();
    /// let request = api.channels(&query, UNIX_EPOCH + Duration::from_secs(1_700_000_000))?;
    /// assert_eq!(request.uri().path(), "/apps/1/channels");
    /// assert!(request.uri().query().unwrap_or("").starts_with("auth_key=key&"));
    /// assert!(request.uri().query().unwrap_or("").contains("&filter_by_prefix=presence-&info=user_count&"));
    /// assert!(request.body().is_empty());
    ///
    /// assert!(api.channels(&ChannelsQuery::new().with_user_count(), UNIX_EPOCH).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn channels(&self, query: &ChannelsQuery, now: SystemTime) -> Result<http::Request<Vec<u8>>, SendError> {
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(2);
        if let Some(prefix) = &query.prefix {
            params.push(("filter_by_prefix", prefix.as_str()));
        }
        if query.user_count {
            if !query.prefix.as_ref().is_some_and(|p| p.as_str().starts_with("presence-")) {
                return Err(SendError::InfoNotApplicable { attribute: "user_count", channel: query.prefix.clone() });
            }
            params.push(("info", "user_count"));
        }
        self.get(&format!("/apps/{}/channels", self.app_id.as_str()), &params, now)
    }

    /// `GET /apps/<id>/channels/<channel>[?info=…]`, signed at `now`.
    ///
    /// # Errors
    /// [`SendError::InfoNotApplicable`] for `user_count` on a channel that is not
    /// `presence-`; [`SendError::ServerToUserChannel`].
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::{Api, Credentials, Endpoint, Info, SendError};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::cluster("eu")?)?;
    /// let request = api.channel(&"presence-a".parse()?, Info::new().with_user_count(), SystemTime::now())?;
    /// assert_eq!(request.uri().path(), "/apps/1/channels/presence-a");
    /// assert!(matches!(
    ///     api.channel(&"private-a".parse()?, Info::new().with_user_count(), SystemTime::now()),
    ///     Err(SendError::InfoNotApplicable { attribute: "user_count", .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn channel(
        &self,
        channel: &ChannelName,
        info: Info,
        now: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, SendError> {
        check_not_server_to_user(channel)?;
        check_info(info, channel)?;
        let params: Vec<(&str, &str)> = info.as_param().map(|v| ("info", v)).into_iter().collect();
        self.get(&format!("/apps/{}/channels/{}", self.app_id.as_str(), channel.as_str()), &params, now)
    }

    /// `GET /apps/<id>/channels/<presence channel>/users`, signed at `now`.
    ///
    /// # Errors
    /// [`SendError::NotPresenceChannel`] for any other channel.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::{Api, Credentials, Endpoint, SendError};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::cluster("eu")?)?;
    /// assert_eq!(api.users(&"presence-a".parse()?, SystemTime::now())?.uri().path(), "/apps/1/channels/presence-a/users");
    /// assert_eq!(
    ///     api.users(&"news".parse()?, SystemTime::now()).unwrap_err(),
    ///     SendError::NotPresenceChannel { channel: "news".parse()? }
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn users(&self, channel: &ChannelName, now: SystemTime) -> Result<http::Request<Vec<u8>>, SendError> {
        if channel.kind() != ChannelKind::Presence {
            return Err(SendError::NotPresenceChannel { channel: channel.clone() });
        }
        self.get(&format!("/apps/{}/channels/{}/users", self.app_id.as_str(), channel.as_str()), &[], now)
    }

    /// `POST /apps/<id>/users/<user>/terminate_connections` with body `{}`, signed at
    /// `now`.
    ///
    /// # Errors
    /// [`SendError::Invalid`] for a time before 1970.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::{Api, Credentials, Endpoint};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::cluster("eu")?)?;
    /// let request = api.terminate_user_connections(&"alice".parse()?, SystemTime::now())?;
    /// assert_eq!(request.uri().path(), "/apps/1/users/alice/terminate_connections");
    /// assert_eq!(request.body(), b"{}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn terminate_user_connections(
        &self,
        user: &UserId,
        now: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, SendError> {
        self.post(
            &format!("/apps/{}/users/{}/terminate_connections", self.app_id.as_str(), user.as_str()),
            b"{}".to_vec(),
            now,
        )
    }

    /// An event to every connection signed in as `user`: a trigger on
    /// `#server-to-user-<user>` (the only way this crate publishes to such a channel).
    ///
    /// # Errors
    /// [`SendError::DataTooLong`]; [`SendError::Invalid`] for a time before 1970.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::{Api, Credentials, Endpoint};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, Endpoint::cluster("eu")?)?;
    /// let request = api.send_to_user(&"alice".parse()?, &"hello".parse()?, "hi", SystemTime::now())?;
    /// assert_eq!(request.body(), br##"{"name":"hello","data":"hi","channels":["#server-to-user-alice"]}"##);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_to_user(
        &self,
        user: &UserId,
        event: &EventName,
        data: impl Into<String>,
        now: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, SendError> {
        let data = data.into();
        self.check_len(&data)?;
        let channel: ChannelName = format!("#server-to-user-{}", user.as_str()).parse()?;
        let body = TriggerBody {
            name: event,
            data: &data,
            channels: core::slice::from_ref(&channel),
            socket_id: None,
            info: None,
        };
        let body = serde_json::to_vec(&body).map_err(|_| SendError::Body)?;
        self.post(&format!("/apps/{}/events", self.app_id.as_str()), body, now)
    }

    /// The `data` to send on `channel`: encrypted for a `private-encrypted-` channel,
    /// then checked against the limit.
    /// The `data` sent to `channel`: encrypted for a `private-encrypted-` one, else
    /// `data` itself (borrowed, not copied).
    fn data_for<'d>(
        &self,
        channel: &ChannelName,
        data: &'d str,
        encrypt: &mut impl Encrypt,
    ) -> Result<Cow<'d, str>, SendError> {
        let sent = if channel.kind() == ChannelKind::PrivateEncrypted {
            if self.credentials.encryption_master_key().is_none() {
                return Err(SendError::MissingMasterKey { channel: channel.clone() });
            }
            Cow::Owned(encrypt(channel, data.as_bytes()).map_err(SendError::Encryption)?)
        } else {
            Cow::Borrowed(data)
        };
        self.check_len(&sent)?;
        Ok(sent)
    }

    fn check_len(&self, data: &str) -> Result<(), SendError> {
        if data.len() > self.limits.max_data_len {
            return Err(SendError::DataTooLong { max: self.limits.max_data_len, len: data.len() });
        }
        Ok(())
    }

    fn post(&self, path: &str, body: Vec<u8>, now: SystemTime) -> Result<http::Request<Vec<u8>>, SendError> {
        let query = sign_api_request(&self.credentials, Method::Post, path, &[], &body, now)?;
        http::Request::builder()
            .method(http::Method::POST)
            .uri(format!("{}{path}?{}", self.endpoint.base_url(), query.as_str()))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body)
            .map_err(|_| SendError::Request)
    }

    fn get(&self, path: &str, params: &[(&str, &str)], now: SystemTime) -> Result<http::Request<Vec<u8>>, SendError> {
        let query = sign_api_request(&self.credentials, Method::Get, path, params, b"", now)?;
        http::Request::builder()
            .method(http::Method::GET)
            .uri(format!("{}{path}?{}", self.endpoint.base_url(), query.as_str()))
            .body(Vec::new())
            .map_err(|_| SendError::Request)
    }
}

fn check_not_server_to_user(channel: &ChannelName) -> Result<(), SendError> {
    if channel.kind() == ChannelKind::ServerToUser {
        return Err(SendError::ServerToUserChannel { channel: channel.clone() });
    }
    Ok(())
}

fn check_info(info: Info, channel: &ChannelName) -> Result<(), SendError> {
    if info.user_count && channel.kind() != ChannelKind::Presence {
        return Err(SendError::InfoNotApplicable { attribute: "user_count", channel: Some(channel.clone()) });
    }
    Ok(())
}
