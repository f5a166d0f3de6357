use crate::error::{InputKind, InvalidInput};
use crate::names::{FAYE_CHARS, char_at, validated_name};

/// A Bayeux (Faye) channel name, as signed into a Faye token.
///
/// # Constraints
/// - 1 to [`FayeChannel::MAX_LEN`] bytes;
/// - `/`, then one or more segments separated by `/`, each non-empty and made of
///   `A-Z a-z 0-9 - _ ! ~ ( ) $ @`;
/// - the last segment may instead be the wildcard `*` or `**`; a wildcard stands alone
///   (no `/a*`) and nowhere else (no `/*/a`).
///
/// So a channel never holds `:`, space, `.` or a control character, and cannot shift
/// the `<user>:<channel>` boundary of a token.
///
/// ```
/// use channel_auth::faye::FayeChannel;
///
/// let channel: FayeChannel = "/chat/room-1".parse()?;
/// assert_eq!(channel.as_str(), "/chat/room-1");
/// assert!("/chat/**".parse::<FayeChannel>().is_ok());
/// assert!("/chat/*/x".parse::<FayeChannel>().is_err());
/// assert!("/a:b".parse::<FayeChannel>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FayeChannel(String);

impl FayeChannel {
    /// The longest channel name, in bytes.
    pub const MAX_LEN: usize = 1024;

    /// Whether the last segment is a wildcard (`*` or `**`).
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        self.0.ends_with('*')
    }
}

impl core::fmt::Debug for FayeChannel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("FayeChannel").field(&self.0).finish()
    }
}

validated_name!(FayeChannel, validate);

/// What a bad first byte, empty segment or misplaced wildcard is told to expect.
const EXPECT_SLASH: &str = "'/'";
const EXPECT_SEGMENT: &str = "a segment character";
const EXPECT_END_AFTER_WILDCARD: &str = "end of input (a wildcard is only allowed as the last segment)";
const EXPECT_LONE_WILDCARD: &str = "a segment character ('*' and '**' only as a whole segment)";

/// The one validator behind every `FayeChannel` constructor.
fn validate(s: &str) -> Result<(), InvalidInput> {
    const KIND: InputKind = InputKind::FayeChannel;
    if s.is_empty() {
        return Err(InvalidInput::Empty { kind: KIND });
    }
    if s.len() > FayeChannel::MAX_LEN {
        return Err(InvalidInput::TooLong { kind: KIND, max: FayeChannel::MAX_LEN, len: s.len() });
    }
    let Some(rest) = s.strip_prefix('/') else {
        return Err(InvalidInput::Malformed { kind: KIND, position: 0, expected: EXPECT_SLASH });
    };
    // `start` is the byte offset of the current segment in `s`.
    let mut start = 1;
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if segment.is_empty() {
            return Err(InvalidInput::Malformed { kind: KIND, position: start, expected: EXPECT_SEGMENT });
        }
        if segment == "*" || segment == "**" {
            if !last {
                let position = start + segment.len();
                return Err(InvalidInput::Malformed { kind: KIND, position, expected: EXPECT_END_AFTER_WILDCARD });
            }
        } else if let Some(offset) = segment.bytes().position(|b| !FAYE_CHARS.contains(b)) {
            let position = start + offset;
            if segment.as_bytes().get(offset) == Some(&b'*') {
                return Err(InvalidInput::Malformed { kind: KIND, position, expected: EXPECT_LONE_WILDCARD });
            }
            return Err(InvalidInput::InvalidChar { kind: KIND, position, found: char_at(s, position) });
        }
        start += segment.len() + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: InputKind = InputKind::FayeChannel;

    const EMPTY: &str = "";
    const NO_LEADING_SLASH: &str = "chat/room";
    const ROOT_ONLY: &str = "/";
    const EMPTY_SEGMENT: &str = "/chat//room";
    const TRAILING_SLASH: &str = "/chat/";
    const COLON: &str = "/chat:room";
    const SPACE: &str = "/chat room";
    const NEWLINE: &str = "/chat\n";
    const DOT: &str = "/chat/room.1";
    const DOT_SEGMENT: &str = "/chat/../admin";
    const PERCENT: &str = "/chat%2Froom";
    const NUL: &str = "/\0";
    const NON_ASCII: &str = "/ch\u{00e4}t";
    const WILDCARD_NOT_LAST: &str = "/chat/*/room";
    const DOUBLE_WILDCARD_NOT_LAST: &str = "/**/room";
    const WILDCARD_IN_SEGMENT: &str = "/chat/room*";
    const TRIPLE_STAR: &str = "/chat/***";
    const LEADING_SPACE: &str = " /chat";

    fn err(s: &str) -> InvalidInput {
        s.parse::<FayeChannel>().unwrap_err()
    }

    #[test]
    fn accepts_bayeux_names() {
        for ok in [
            "/a",
            "/chat/room-1",
            "/meta/handshake",
            "/service/x",
            "/azAZ09-_!~()$@",
            "/*",
            "/**",
            "/chat/*",
            "/chat/**",
            "/a/b/c/d/e",
        ] {
            let channel: FayeChannel = ok.parse().unwrap();
            assert_eq!(channel.as_str(), ok);
            assert_eq!(channel.is_wildcard(), ok.ends_with('*'));
        }
        let longest = format!("/{}", "a".repeat(FayeChannel::MAX_LEN - 1));
        assert!(longest.parse::<FayeChannel>().is_ok());
    }

    #[test]
    fn rejections_name_the_rule() {
        let malformed = |position, expected| InvalidInput::Malformed { kind: KIND, position, expected };
        let invalid = |position, found| InvalidInput::InvalidChar { kind: KIND, position, found };
        assert_eq!(err(EMPTY), InvalidInput::Empty { kind: KIND });
        assert_eq!(err(NO_LEADING_SLASH), malformed(0, EXPECT_SLASH));
        assert_eq!(err(LEADING_SPACE), malformed(0, EXPECT_SLASH));
        assert_eq!(err(ROOT_ONLY), malformed(1, EXPECT_SEGMENT));
        assert_eq!(err(EMPTY_SEGMENT), malformed(6, EXPECT_SEGMENT));
        assert_eq!(err(TRAILING_SLASH), malformed(6, EXPECT_SEGMENT));
        assert_eq!(err(COLON), invalid(5, ':'));
        assert_eq!(err(SPACE), invalid(5, ' '));
        assert_eq!(err(NEWLINE), invalid(5, '\n'));
        assert_eq!(err(DOT), invalid(10, '.'));
        assert_eq!(err(DOT_SEGMENT), invalid(6, '.'));
        assert_eq!(err(PERCENT), invalid(5, '%'));
        assert_eq!(err(NUL), invalid(1, '\0'));
        assert_eq!(err(NON_ASCII), invalid(3, '\u{00e4}'));
        assert_eq!(err(WILDCARD_NOT_LAST), malformed(7, EXPECT_END_AFTER_WILDCARD));
        assert_eq!(err(DOUBLE_WILDCARD_NOT_LAST), malformed(3, EXPECT_END_AFTER_WILDCARD));
        assert_eq!(err(WILDCARD_IN_SEGMENT), malformed(10, EXPECT_LONE_WILDCARD));
        assert_eq!(err(TRIPLE_STAR), malformed(6, EXPECT_LONE_WILDCARD));
        let too_long = format!("/{}", "a".repeat(FayeChannel::MAX_LEN));
        assert_eq!(err(&too_long), InvalidInput::TooLong { kind: KIND, max: 1024, len: 1025 });
    }

    #[test]
    fn every_constructor_agrees() {
        for bad in [COLON, WILDCARD_NOT_LAST, ROOT_ONLY] {
            assert_eq!(FayeChannel::try_from(bad).unwrap_err(), err(bad));
            assert_eq!(FayeChannel::try_from(bad.to_owned()).unwrap_err(), err(bad));
            let json = serde_json::to_string(bad).unwrap();
            assert!(serde_json::from_str::<FayeChannel>(&json).is_err());
        }
        let good: FayeChannel = serde_json::from_str("\"/a/**\"").unwrap();
        assert_eq!(serde_json::to_string(&good).unwrap(), "\"/a/**\"");
    }

    #[test]
    fn debug_shows_the_value() {
        assert_eq!(format!("{:?}", "/chat/*".parse::<FayeChannel>().unwrap()), r#"FayeChannel("/chat/*")"#);
    }
}
