use crate::error::{InputKind, InvalidInput};
use crate::names::validated_name;

/// An event name, as triggered through the HTTP API and delivered to clients.
///
/// # Constraints
/// - 1 to [`EventName::MAX_LEN`] bytes of UTF-8;
/// - no control character: no C0 (`U+0000..=U+001F`, so no newline, tab or NUL), no DEL
///   (`U+007F`) and no C1 (`U+0080..=U+009F`);
/// - not starting with the protocol's own prefixes [`EventName::PUSHER_PREFIX`]
///   (`pusher:`) or [`EventName::PUSHER_INTERNAL_PREFIX`] (`pusher_internal:`).
///
/// The prefix check is **case-sensitive**, as the servers' own is (Pusher's service, and
/// sockudo's client-event check, a case-sensitive `starts_with("pusher:")`): `Pusher:x`
/// or `PUSHER:x` is an ordinary event name to them, and is accepted here too.
///
/// ```
/// use channel_auth::EventName;
///
/// let name: EventName = "my-event".parse()?;
/// assert_eq!(name.as_str(), "my-event");
/// assert!("pusher:subscribe".parse::<EventName>().is_err());
/// assert!("pusher_internal:subscription_succeeded".parse::<EventName>().is_err());
/// assert!("a\nb".parse::<EventName>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventName(String);

impl EventName {
    /// The longest event name, in bytes.
    pub const MAX_LEN: usize = 200;
    /// The prefix of the protocol's own events (`pusher:subscribe`, ...), refused.
    pub const PUSHER_PREFIX: &'static str = "pusher:";
    /// The prefix of the servers' internal events, refused.
    pub const PUSHER_INTERNAL_PREFIX: &'static str = "pusher_internal:";
}

impl core::fmt::Debug for EventName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("EventName").field(&self.0).finish()
    }
}

validated_name!(EventName, validate);

fn validate(s: &str) -> Result<(), InvalidInput> {
    const KIND: InputKind = InputKind::EventName;
    if s.is_empty() {
        return Err(InvalidInput::Empty { kind: KIND });
    }
    if s.len() > EventName::MAX_LEN {
        return Err(InvalidInput::TooLong { kind: KIND, max: EventName::MAX_LEN, len: s.len() });
    }
    // `char::is_control` is exactly the Unicode category Cc: C0, DEL and C1.
    if let Some((position, found)) = s.char_indices().find(|(_, c)| c.is_control()) {
        return Err(InvalidInput::InvalidChar { kind: KIND, position, found });
    }
    for prefix in [EventName::PUSHER_PREFIX, EventName::PUSHER_INTERNAL_PREFIX] {
        if s.starts_with(prefix) {
            return Err(InvalidInput::ReservedPrefix { kind: KIND, prefix });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: InputKind = InputKind::EventName;

    const EMPTY: &str = "";
    const NEWLINE: &str = "my-event\n";
    const NUL: &str = "a\0b";
    const TAB: &str = "a\tb";
    const ESCAPE: &str = "a\x1b[31m";
    const DEL: &str = "a\x7f";
    const C1_NEL: &str = "a\u{85}b";
    const C1_LAST: &str = "é\u{9f}";
    const PUSHER_SUBSCRIBE: &str = "pusher:subscribe";
    const PUSHER_BARE: &str = "pusher:";
    const PUSHER_INTERNAL: &str = "pusher_internal:subscription_succeeded";
    const UPPERCASE_PUSHER: &str = "Pusher:subscribe";
    const SHOUTED_PUSHER: &str = "PUSHER_INTERNAL:x";
    const PUSHER_WITHOUT_COLON: &str = "pusher-event";
    const CLIENT_EVENT: &str = "client-typing";
    const UNICODE: &str = "événement \u{1f600} with spaces: and {json}";
    const LATIN1_NBSP: &str = "a\u{a0}b";

    fn err(s: &str) -> InvalidInput {
        s.parse::<EventName>().unwrap_err()
    }

    #[test]
    fn accepts_printable_text_of_any_script() {
        for ok in [CLIENT_EVENT, UNICODE, LATIN1_NBSP, UPPERCASE_PUSHER, SHOUTED_PUSHER, PUSHER_WITHOUT_COLON] {
            assert_eq!(ok.parse::<EventName>().unwrap().as_str(), ok);
        }
        let longest = "e".repeat(EventName::MAX_LEN);
        assert_eq!(longest.parse::<EventName>().unwrap().as_str().len(), 200);
        // 100 two-byte characters: 200 bytes, the limit is in bytes.
        assert!("é".repeat(100).parse::<EventName>().is_ok());
    }

    #[test]
    fn rejections_name_the_rule() {
        assert_eq!(err(EMPTY), InvalidInput::Empty { kind: KIND });
        assert_eq!(err(NEWLINE), InvalidInput::InvalidChar { kind: KIND, position: 8, found: '\n' });
        assert_eq!(err(NUL), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '\0' });
        assert_eq!(err(TAB), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '\t' });
        assert_eq!(err(ESCAPE), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '\x1b' });
        assert_eq!(err(DEL), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '\x7f' });
        assert_eq!(err(C1_NEL), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '\u{85}' });
        assert_eq!(err(C1_LAST), InvalidInput::InvalidChar { kind: KIND, position: 2, found: '\u{9f}' });
        assert_eq!(err(PUSHER_SUBSCRIBE), InvalidInput::ReservedPrefix { kind: KIND, prefix: "pusher:" });
        assert_eq!(err(PUSHER_BARE), InvalidInput::ReservedPrefix { kind: KIND, prefix: "pusher:" });
        assert_eq!(err(PUSHER_INTERNAL), InvalidInput::ReservedPrefix { kind: KIND, prefix: "pusher_internal:" });
        let too_long = "e".repeat(EventName::MAX_LEN + 1);
        assert_eq!(err(&too_long), InvalidInput::TooLong { kind: KIND, max: 200, len: 201 });
        let too_long_multibyte = "é".repeat(101);
        assert_eq!(err(&too_long_multibyte), InvalidInput::TooLong { kind: KIND, max: 200, len: 202 });
    }

    #[test]
    fn messages_quote_nothing_of_the_name() {
        assert_eq!(err(PUSHER_SUBSCRIBE).to_string(), "event name starts with the reserved prefix \"pusher:\"");
        assert_eq!(err(ESCAPE).to_string(), "event name has a forbidden character '\\u{1b}' at byte 1");
    }

    #[test]
    fn debug_shows_the_value() {
        assert_eq!(format!("{:?}", CLIENT_EVENT.parse::<EventName>().unwrap()), r#"EventName("client-typing")"#);
    }

    #[test]
    fn serde_validates() {
        let name: EventName = serde_json::from_str("\"my-event\"").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"my-event\"");
        assert!(serde_json::from_str::<EventName>("\"pusher:x\"").is_err());
    }
}
