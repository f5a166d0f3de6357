//! The `tracing` feature's decision events (see [the handler's
//! docs](super#tracing)): one `answered` event for every answer of every route, and one
//! `channel decided` event for each channel of a batch.
//!
//! What an event may carry is fixed here, in one place: the route, the status and its
//! class, the refusal's variant names, the channel's kind and length, a batch's channel
//! count and the time taken. Never a secret, a signature, an auth value, a socket id, a
//! channel or user name, a body, a header, event data or a query string: none of them
//! is an argument of anything here.
//!
//! Without the feature, [`Record`] is an empty type whose methods do nothing: every call
//! site compiles to nothing, and no clock is read.

use super::{Answer, Refusal};
use crate::names::ChannelName;

/// The route that decided: the `route` field.
#[derive(Clone, Copy, Debug)]
pub(super) enum RouteName {
    /// [`ChannelAuthEndpoint`](super::ChannelAuthEndpoint).
    ChannelAuth,
    /// [`BatchAuthEndpoint`](super::BatchAuthEndpoint).
    BatchAuth,
    /// [`UserAuthEndpoint`](super::UserAuthEndpoint).
    UserAuth,
    /// [`WebhookEndpoint`](super::WebhookEndpoint).
    Webhook,
}

#[cfg(feature = "tracing")]
pub(super) use on::Record;

#[cfg(not(feature = "tracing"))]
pub(super) use off::Record;

#[cfg(not(feature = "tracing"))]
mod off {
    use super::{Answer, ChannelName, Refusal, RouteName};

    /// Nothing: the `tracing` feature is off.
    pub(crate) struct Record;

    impl Record {
        #[inline(always)]
        pub(crate) fn start(_: RouteName) -> Self {
            Self
        }

        #[inline(always)]
        pub(crate) fn channel(&mut self, _: &ChannelName) {}

        #[inline(always)]
        pub(crate) fn channels(&mut self, _: usize) {}

        #[inline(always)]
        pub(crate) fn answered(self, answer: Answer) -> Answer {
            answer
        }

        #[inline(always)]
        pub(crate) fn channel_decided(self, _: u16, _: Option<&Refusal>) {}
    }
}

#[cfg(feature = "tracing")]
mod on {
    use std::fmt::{self, Write as _};

    use super::{Answer, ChannelName, Refusal, RouteName};
    use crate::names::ChannelKind;

    /// The events' target, whatever module emits them.
    const TARGET: &str = "channel_auth::integrations";

    /// Where `duration_us` is measured from; no clock on `wasm32-unknown-unknown`
    /// (`Instant::now` panics there), so no `duration_us` either.
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    type Started = std::time::Instant;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    type Started = ();

    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    fn now() -> Started {
        std::time::Instant::now()
    }
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    fn now() -> Started {}

    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    fn micros_since(started: Started) -> Option<u64> {
        Some(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX))
    }
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    fn micros_since((): Started) -> Option<u64> {
        None
    }

    /// One decision being made: what its event will say, gathered as the route goes.
    pub(crate) struct Record {
        route: RouteName,
        started: Started,
        channel: Option<(ChannelKind, usize)>,
        channels: Option<usize>,
    }

    impl Record {
        /// A decision of `route`, timed from now.
        pub(crate) fn start(route: RouteName) -> Self {
            Self { route, started: now(), channel: None, channels: None }
        }

        /// The decision is about `channel`: its kind and length are recorded, not its
        /// name (a `private-<user id>` name carries a user id).
        pub(crate) fn channel(&mut self, channel: &ChannelName) {
            self.channel = Some((channel.kind(), channel.as_str().len()));
        }

        /// The decision is about a batch of `count` channels.
        pub(crate) fn channels(&mut self, count: usize) {
            self.channels = Some(count);
        }

        /// Emits the `answered` event for `answer`, and hands it back.
        pub(crate) fn answered(self, answer: Answer) -> Answer {
            self.emit("answered", answer.status(), answer.refusal());
            answer
        }

        /// Emits the `channel decided` event of one channel of a batch.
        pub(crate) fn channel_decided(self, status: u16, refusal: Option<&Refusal>) {
            self.emit("channel decided", status, refusal);
        }

        fn emit(self, message: &'static str, status: u16, refusal: Option<&Refusal>) {
            let refusal = refusal.map(RefusalKind::of);
            let refusal = refusal.as_ref().map(RefusalKind::as_str);
            let duration_us = micros_since(self.started);
            let (channel_kind, channel_len) = match self.channel {
                Some((kind, len)) => (Some(kind_name(kind)), Some(len)),
                None => (None, None),
            };
            let route = route_name(self.route);
            let outcome = outcome(status);
            macro_rules! event {
                ($level:expr) => {
                    tracing::event!(
                        target: TARGET,
                        $level,
                        route,
                        status,
                        outcome,
                        refusal,
                        channel_kind,
                        channel_len,
                        channels = self.channels,
                        duration_us,
                        "{message}"
                    )
                };
            }
            // A server error (a misfit decision, missing configuration, a webhook handler
            // asking for a retry) is the operator's to see; the rest is routine.
            if status >= 500 {
                event!(tracing::Level::WARN);
            } else {
                event!(tracing::Level::DEBUG);
            }
        }
    }

    /// The `route` field.
    fn route_name(route: RouteName) -> &'static str {
        match route {
            RouteName::ChannelAuth => "channel_auth",
            RouteName::BatchAuth => "batch_auth",
            RouteName::UserAuth => "user_auth",
            RouteName::Webhook => "webhook",
        }
    }

    /// The `outcome` field: the status's class.
    fn outcome(status: u16) -> &'static str {
        match status {
            200..=299 => "ok",
            400..=499 => "refused",
            _ => "error",
        }
    }

    /// The `channel_kind` field.
    fn kind_name(kind: ChannelKind) -> &'static str {
        match kind {
            ChannelKind::Public => "public",
            ChannelKind::Private => "private",
            ChannelKind::Presence => "presence",
            ChannelKind::PrivateEncrypted => "private-encrypted",
            ChannelKind::ServerToUser => "server-to-user",
        }
    }

    /// The `refusal` field: the refusal's variant and the variant names of the error
    /// inside it, dot-separated (`Request.InvalidField`,
    /// `Webhook.Verify.InvalidSignature`, `Denied`), at most [`RefusalKind::MAX`] bytes.
    ///
    /// The names are read off the error's derived `Debug`, keeping only its leading
    /// `Variant(Variant(…` path and stopping at the first other character (a space, a
    /// brace, a quote): a field's value, which may echo input, is never reached, and a
    /// variant added later is named with no list here to keep in step.
    pub(super) struct RefusalKind {
        buf: String,
    }

    impl RefusalKind {
        /// The longest name kept.
        const MAX: usize = 96;

        pub(super) fn of(refusal: &Refusal) -> Self {
            let mut kind = Self { buf: String::with_capacity(32) };
            let (head, inner): (&str, Option<&dyn fmt::Debug>) = match refusal {
                Refusal::Request(e) => ("Request", Some(e)),
                Refusal::Auth(e) => ("Auth", Some(e)),
                Refusal::Webhook(e) => ("Webhook", Some(e)),
                Refusal::Config(e) => ("Config", Some(e)),
                Refusal::Replay(e) => ("Replay", Some(e)),
                Refusal::Denied => ("Denied", None),
                // HandlerError's Debug is a struct: its kind is what its status says. Its
                // cause (the application's error) is never read.
                Refusal::Handler(e) => (if e.should_retry() { "Handler.RetryLater" } else { "Handler.Refused" }, None),
            };
            kind.buf.push_str(head);
            if let Some(inner) = inner {
                kind.buf.push('.');
                let mut names = Names { out: &mut kind.buf, at_start: true };
                // Stopping early is how `Names` ends: the error it returns is expected.
                let _ = write!(names, "{inner:?}");
                while kind.buf.ends_with('.') {
                    kind.buf.pop();
                }
            }
            kind
        }

        pub(super) fn as_str(&self) -> &str {
            &self.buf
        }
    }

    /// A `fmt::Write` that keeps a `Debug` output's leading `Name(Name(Name` path as
    /// `Name.Name.Name` and fails (ending the formatting) at anything else.
    struct Names<'a> {
        out: &'a mut String,
        /// Before the first character of a name.
        at_start: bool,
    }

    impl fmt::Write for Names<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                let keep = if self.at_start { c.is_ascii_uppercase() } else { c.is_ascii_alphanumeric() || c == '_' };
                if keep && self.out.len() < RefusalKind::MAX {
                    self.out.push(c);
                    self.at_start = false;
                } else if c == '(' && !self.at_start {
                    self.out.push('.');
                    self.at_start = true;
                } else {
                    return Err(fmt::Error);
                }
            }
            Ok(())
        }
    }
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use super::on::RefusalKind;
    use super::{Answer, Refusal};
    use crate::error::{AuthError, ConfigError, VerifyError};
    use crate::integrations::RequestError;
    use crate::integrations::handler::HandlerError;
    use crate::replay::ReplayError;
    use crate::webhook::WebhookError;

    fn kind(refusal: Refusal) -> String {
        RefusalKind::of(&refusal).as_str().to_owned()
    }

    #[test]
    fn refusal_kinds_are_variant_names_only() {
        assert_eq!(kind(Refusal::Denied), "Denied");
        assert_eq!(kind(Refusal::Auth(AuthError::PublicChannel)), "Auth.PublicChannel");
        assert_eq!(kind(Refusal::Config(ConfigError::MissingMasterKey)), "Config.MissingMasterKey");
        assert_eq!(kind(Refusal::Replay(ReplayError::Full { capacity: 7 })), "Replay.Full");
        let down = Refusal::Replay(ReplayError::Unavailable { reason: "redis://user:pw@host".into() });
        assert_eq!(kind(down), "Replay.Unavailable");
        assert_eq!(
            kind(Refusal::Webhook(WebhookError::Verify(VerifyError::InvalidSignature))),
            "Webhook.Verify.InvalidSignature"
        );
        assert_eq!(kind(Refusal::Request(RequestError::BodyTooLarge { max: 8 })), "Request.BodyTooLarge");
        assert_eq!(kind(Refusal::Handler(HandlerError::retry_later("db at 10.0.0.7 down"))), "Handler.RetryLater");
        assert_eq!(kind(Refusal::Handler(HandlerError::refuse("user ann"))), "Handler.Refused");
        // A hostile field: its value (which echoes the input) is not reached.
        let hostile =
            crate::integrations::ChannelAuthRequest::from_form(b"socket_id=1.1%3Aprivate-x&channel_name=private-a");
        let error = hostile.err().map(Refusal::Request).map(kind).unwrap_or_default();
        assert!(error.starts_with("Request."), "{error}");
        assert!(!error.contains("private") && !error.contains("1.1") && !error.contains(':'), "{error}");
        let answer = Answer::request_error(RequestError::BodyTooLarge { max: 8 });
        assert_eq!(
            answer.refusal().map(|r| RefusalKind::of(r).as_str().to_owned()).as_deref(),
            Some("Request.BodyTooLarge")
        );
    }
}
