//! The events to send: [`Trigger`] (one event on one or more channels) and
//! [`BatchEvent`] (one event of a batch), and the JSON bodies they are sent as.

use std::borrow::Cow;

use serde::Serialize;

use super::Info;
use crate::names::{ChannelName, EventName, SocketId};

/// One event on one or more channels (`POST /apps/<id>/events`).
///
/// `Debug` shows the data's length, not the data.
///
/// ```
/// use channel_auth::send::{Info, Trigger};
///
/// let trigger = Trigger::new("new-message".parse()?, r#"{"text":"hi"}"#, ["presence-room".parse()?])
///     .exclude("123.456".parse()?)
///     .with_info(Info::new().with_user_count());
/// assert_eq!(trigger.channels().len(), 1);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct Trigger {
    pub(super) name: EventName,
    pub(super) data: String,
    pub(super) channels: Vec<ChannelName>,
    pub(super) socket_id: Option<SocketId>,
    pub(super) info: Info,
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
    /// use channel_auth::send::Trigger;
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
    /// use channel_auth::send::Trigger;
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
    /// use channel_auth::send::{Info, Trigger};
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
    /// use channel_auth::send::Trigger;
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
    /// use channel_auth::send::Trigger;
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
    /// use channel_auth::send::Trigger;
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
    /// use channel_auth::send::Trigger;
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
    /// use channel_auth::send::Trigger;
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
/// use channel_auth::send::BatchEvent;
///
/// let event = BatchEvent::new("private-a".parse()?, "ev".parse()?, "{}").exclude("1.1".parse()?);
/// assert_eq!(event.channel().as_str(), "private-a");
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct BatchEvent {
    pub(super) channel: ChannelName,
    pub(super) name: EventName,
    pub(super) data: String,
    pub(super) socket_id: Option<SocketId>,
    pub(super) info: Info,
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
    /// use channel_auth::send::BatchEvent;
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
    /// use channel_auth::send::BatchEvent;
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
    /// use channel_auth::send::{BatchEvent, Info};
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
    /// use channel_auth::send::BatchEvent;
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
    /// use channel_auth::send::BatchEvent;
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
    /// use channel_auth::send::BatchEvent;
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
    /// use channel_auth::send::BatchEvent;
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
    /// use channel_auth::send::BatchEvent;
    /// assert!(BatchEvent::new("a".parse()?, "ev".parse()?, "d").info().is_empty());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn info(&self) -> Info {
        self.info
    }
}

#[derive(Serialize)]
pub(super) struct TriggerBody<'a> {
    pub(super) name: &'a EventName,
    pub(super) data: &'a str,
    pub(super) channels: &'a [ChannelName],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) socket_id: Option<&'a SocketId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) info: Option<&'static str>,
}

#[derive(Serialize)]
pub(super) struct BatchItem<'a> {
    pub(super) channel: &'a ChannelName,
    pub(super) name: &'a EventName,
    pub(super) data: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) socket_id: Option<&'a SocketId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) info: Option<&'static str>,
}

#[derive(Serialize)]
pub(super) struct BatchBody<'a> {
    pub(super) batch: Vec<BatchItem<'a>>,
}
