//! The events to send: [`Trigger`] (one event on one or more channels) and
//! [`BatchEvent`] (one event of a batch). Both hold one [`EventCore`] (name, data,
//! excluded connection, info), and one serializer writes it as each body wants it.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::SerializeStruct;

use super::{Info, SendError};
use crate::names::{ChannelName, EventName, SocketId};

/// What every event carries, whatever it is sent on.
#[derive(Clone)]
pub(super) struct EventCore {
    pub(super) name: EventName,
    pub(super) data: String,
    pub(super) socket_id: Option<SocketId>,
    pub(super) info: Info,
}

impl EventCore {
    pub(super) fn new(name: EventName, data: String) -> Self {
        Self { name, data, socket_id: None, info: Info::new() }
    }

    /// `value` as JSON text: the `data` the official libraries send for a non-string.
    fn json(name: EventName, value: &impl Serialize) -> Result<Self, SendError> {
        let data = serde_json::to_string(value).map_err(|_| SendError::DataNotJson)?;
        Ok(Self::new(name, data))
    }

    /// `Debug` without the data: its length only.
    fn debug_fields(&self, f: &mut core::fmt::DebugStruct<'_, '_>) {
        f.field("name", &self.name)
            .field("data_len", &self.data.len())
            .field("socket_id", &self.socket_id)
            .field("info", &self.info);
    }
}

/// Where an event goes, as its body says it.
#[derive(Clone, Copy)]
pub(super) enum Target<'a> {
    /// A trigger's `"channels":[…]`, after `data`.
    Channels(&'a [ChannelName]),
    /// A batch event's `"channel":"…"`, first.
    Channel(&'a ChannelName),
}

/// One event as sent: the core, the `data` actually sent (encrypted or not), where.
/// The only place an event is serialized.
pub(super) struct EventBody<'a> {
    pub(super) core: &'a EventCore,
    pub(super) data: Cow<'a, str>,
    pub(super) target: Target<'a>,
}

impl Serialize for EventBody<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let optional = usize::from(self.core.socket_id.is_some()) + usize::from(!self.core.info.is_empty());
        let mut body = serializer.serialize_struct("Event", 3 + optional)?;
        if let Target::Channel(channel) = self.target {
            body.serialize_field("channel", channel)?;
        }
        body.serialize_field("name", &self.core.name)?;
        body.serialize_field("data", &self.data)?;
        if let Target::Channels(channels) = self.target {
            body.serialize_field("channels", channels)?;
        }
        if let Some(socket_id) = &self.core.socket_id {
            body.serialize_field("socket_id", socket_id)?;
        }
        if let Some(info) = self.core.info.as_param() {
            body.serialize_field("info", info)?;
        }
        body.end()
    }
}

#[derive(Serialize)]
pub(super) struct BatchBody<'a> {
    pub(super) batch: Vec<EventBody<'a>>,
}

/// The builder methods and getters both event types share, over their `core`.
macro_rules! event_methods {
    () => {
        /// Excludes the connection `socket_id` from receiving the event (the sender's
        /// own connection, usually).
        #[must_use]
        pub fn exclude(mut self, socket_id: SocketId) -> Self {
            self.core.socket_id = Some(socket_id);
            self
        }

        /// Asks for attributes of the channel(s) published to, in the response.
        #[must_use]
        pub fn with_info(mut self, info: Info) -> Self {
            self.core.info = info;
            self
        }

        /// The event name.
        #[must_use]
        pub fn name(&self) -> &EventName {
            &self.core.name
        }

        /// The data, as it will be sent (before encryption, for an encrypted channel).
        #[must_use]
        pub fn data(&self) -> &str {
            &self.core.data
        }

        /// The excluded connection, if any.
        #[must_use]
        pub fn excluded(&self) -> Option<&SocketId> {
            self.core.socket_id.as_ref()
        }

        /// The attributes asked for.
        #[must_use]
        pub fn info(&self) -> Info {
            self.core.info
        }
    };
}

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
    pub(super) core: EventCore,
    pub(super) channels: Vec<ChannelName>,
}

impl core::fmt::Debug for Trigger {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut out = f.debug_struct("Trigger");
        self.core.debug_fields(&mut out);
        out.field("channels", &self.channels).finish()
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
        Self { core: EventCore::new(name, data.into()), channels: channels.into_iter().collect() }
    }

    /// The event `name` whose `data` is `value` encoded as JSON, as the official
    /// libraries (and the archived `pusher` crate) send anything that is not a string.
    /// [`Trigger::new`] sends a string as given: `Trigger::new(n, "hi", …)` sends `hi`,
    /// `Trigger::json(n, &"hi", …)` sends `"hi"`, quoted.
    ///
    /// # Errors
    /// [`SendError::DataNotJson`] when `value` cannot be encoded (a map with non-string
    /// keys, a failing `Serialize` implementation).
    ///
    /// ```
    /// use channel_auth::send::Trigger;
    /// use serde_json::json;
    ///
    /// let t = Trigger::json("new-message".parse()?, &json!({"text": "hi"}), ["room".parse()?])?;
    /// assert_eq!(t.data(), r#"{"text":"hi"}"#);
    /// assert_eq!(Trigger::json("ev".parse()?, &"hi", ["room".parse()?])?.data(), r#""hi""#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn json(
        name: EventName,
        value: &impl Serialize,
        channels: impl IntoIterator<Item = ChannelName>,
    ) -> Result<Self, SendError> {
        Ok(Self { core: EventCore::json(name, value)?, channels: channels.into_iter().collect() })
    }

    /// The channels.
    #[must_use]
    pub fn channels(&self) -> &[ChannelName] {
        &self.channels
    }

    event_methods!();
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
    pub(super) core: EventCore,
    pub(super) channel: ChannelName,
}

impl core::fmt::Debug for BatchEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut out = f.debug_struct("BatchEvent");
        out.field("channel", &self.channel);
        self.core.debug_fields(&mut out);
        out.finish()
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
        Self { core: EventCore::new(name, data.into()), channel }
    }

    /// The event `name` on `channel` whose `data` is `value` encoded as JSON (see
    /// [`Trigger::json`]).
    ///
    /// # Errors
    /// [`SendError::DataNotJson`] when `value` cannot be encoded.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use channel_auth::send::{BatchEvent, SendError};
    ///
    /// let e = BatchEvent::json("a".parse()?, "ev".parse()?, &[1, 2, 3])?;
    /// assert_eq!(e.data(), "[1,2,3]");
    /// let keys_not_strings = BTreeMap::from([((1, 2), "x")]);
    /// assert_eq!(BatchEvent::json("a".parse()?, "ev".parse()?, &keys_not_strings).unwrap_err(), SendError::DataNotJson);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn json(channel: ChannelName, name: EventName, value: &impl Serialize) -> Result<Self, SendError> {
        Ok(Self { core: EventCore::json(name, value)?, channel })
    }

    /// The channel.
    #[must_use]
    pub fn channel(&self) -> &ChannelName {
        &self.channel
    }

    event_methods!();
}
