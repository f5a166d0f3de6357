use crate::error::{InputKind, InvalidInput};
use crate::names::{char_at, validated_name};

/// A connection's socket id, as the server hands it out: `<digits>.<digits>`.
///
/// The browser posts it back to the backend, so it is untrusted. Only the protocol's
/// form is accepted, which is what makes a socket id like `1.1:private-B` (the 2015
/// channel injection) or one holding `\n`, `&` or `=` impossible to build.
///
/// # Constraints
/// - 1 to [`SocketId::MAX_PART_LEN`] ASCII digits, one `.`, 1 to
///   [`SocketId::MAX_PART_LEN`] ASCII digits; nothing else (no sign, space, newline or
///   non-ASCII digit).
///
/// ```
/// use channel_auth::SocketId;
///
/// let id: SocketId = "1234.1234".parse()?;
/// assert_eq!(id.to_string(), "1234.1234");
/// assert!("1.1:private-B".parse::<SocketId>().is_err());
/// assert!("1.1\n".parse::<SocketId>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(String);

impl SocketId {
    /// The most digits on either side of the `.`.
    pub const MAX_PART_LEN: usize = 20;
    /// The longest socket id, in bytes.
    pub const MAX_LEN: usize = 2 * Self::MAX_PART_LEN + 1;
}

impl core::fmt::Debug for SocketId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("SocketId").field(&self.0).finish()
    }
}

validated_name!(SocketId, validate);

/// The one validator behind every `SocketId` constructor.
fn validate(s: &str) -> Result<(), InvalidInput> {
    const KIND: InputKind = InputKind::SocketId;
    if s.is_empty() {
        return Err(InvalidInput::Empty { kind: KIND });
    }
    if s.len() > SocketId::MAX_LEN {
        return Err(InvalidInput::TooLong { kind: KIND, max: SocketId::MAX_LEN, len: s.len() });
    }
    // `part_len` counts the digits of the current part; `dot` says whether the `.` has
    // been seen.
    let mut dot = false;
    let mut part_len = 0usize;
    for (position, b) in s.bytes().enumerate() {
        match b {
            b'0'..=b'9' => {
                part_len += 1;
                if part_len > SocketId::MAX_PART_LEN {
                    return Err(InvalidInput::Malformed {
                        kind: KIND,
                        position,
                        expected: if dot { "end of input (at most 20 digits)" } else { "'.' (at most 20 digits)" },
                    });
                }
            }
            b'.' if !dot && part_len > 0 => {
                dot = true;
                part_len = 0;
            }
            b'.' => {
                return Err(InvalidInput::Malformed {
                    kind: KIND,
                    position,
                    expected: if part_len > 0 { "a digit or end of input" } else { "a digit" },
                });
            }
            _ => return Err(InvalidInput::InvalidChar { kind: KIND, position, found: char_at(s, position) }),
        }
    }
    if !dot {
        return Err(InvalidInput::Malformed { kind: KIND, position: s.len(), expected: "'.'" });
    }
    if part_len == 0 {
        return Err(InvalidInput::Malformed { kind: KIND, position: s.len(), expected: "a digit" });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: InputKind = InputKind::SocketId;

    const EMPTY: &str = "";
    const INJECTED_CHANNEL: &str = "1.1:private-B";
    const TRAILING_NEWLINE: &str = "1.1\n";
    const LEADING_NEWLINE: &str = "\n444.444";
    const NO_DOT: &str = "12341234";
    const TWO_DOTS: &str = "1.1.1";
    const EMPTY_FIRST_PART: &str = ".1";
    const EMPTY_SECOND_PART: &str = "1.";
    const LETTER: &str = "444.444a";
    const SIGN: &str = "-1.1";
    const SPACE: &str = "1 .1";
    const ARABIC_INDIC_DIGIT: &str = "\u{0661}.1";
    const FULLWIDTH_DIGIT: &str = "1.\u{ff11}";
    const PART_TOO_LONG: &str = "123456789012345678901.1";
    const SECOND_PART_TOO_LONG: &str = "1.123456789012345678901";
    const TOO_LONG: &str = "123456789012345678901234567890123456789012";

    fn err(s: &str) -> InvalidInput {
        s.parse::<SocketId>().unwrap_err()
    }

    #[test]
    fn accepts_the_protocol_form() {
        for ok in ["1.1", "0.0", "1234.1234", "12345678901234567890.12345678901234567890"] {
            let id: SocketId = ok.parse().unwrap();
            assert_eq!(id.as_str(), ok);
        }
    }

    #[test]
    fn rejections_name_the_rule() {
        assert_eq!(err(EMPTY), InvalidInput::Empty { kind: KIND });
        assert_eq!(err(INJECTED_CHANNEL), InvalidInput::InvalidChar { kind: KIND, position: 3, found: ':' });
        assert_eq!(err(TRAILING_NEWLINE), InvalidInput::InvalidChar { kind: KIND, position: 3, found: '\n' });
        assert_eq!(err(LEADING_NEWLINE), InvalidInput::InvalidChar { kind: KIND, position: 0, found: '\n' });
        assert_eq!(err(NO_DOT), InvalidInput::Malformed { kind: KIND, position: 8, expected: "'.'" });
        assert_eq!(
            err(TWO_DOTS),
            InvalidInput::Malformed { kind: KIND, position: 3, expected: "a digit or end of input" }
        );
        assert_eq!(err(EMPTY_FIRST_PART), InvalidInput::Malformed { kind: KIND, position: 0, expected: "a digit" });
        assert_eq!(err(EMPTY_SECOND_PART), InvalidInput::Malformed { kind: KIND, position: 2, expected: "a digit" });
        assert_eq!(err(LETTER), InvalidInput::InvalidChar { kind: KIND, position: 7, found: 'a' });
        assert_eq!(err(SIGN), InvalidInput::InvalidChar { kind: KIND, position: 0, found: '-' });
        assert_eq!(err(SPACE), InvalidInput::InvalidChar { kind: KIND, position: 1, found: ' ' });
        assert_eq!(err(ARABIC_INDIC_DIGIT), InvalidInput::InvalidChar { kind: KIND, position: 0, found: '\u{0661}' });
        assert_eq!(err(FULLWIDTH_DIGIT), InvalidInput::InvalidChar { kind: KIND, position: 2, found: '\u{ff11}' });
        assert_eq!(
            err(PART_TOO_LONG),
            InvalidInput::Malformed { kind: KIND, position: 20, expected: "'.' (at most 20 digits)" }
        );
        assert_eq!(
            err(SECOND_PART_TOO_LONG),
            InvalidInput::Malformed { kind: KIND, position: 22, expected: "end of input (at most 20 digits)" }
        );
        assert_eq!(err(TOO_LONG), InvalidInput::TooLong { kind: KIND, max: 41, len: 42 });
    }

    #[test]
    fn every_constructor_agrees() {
        for bad in [INJECTED_CHANNEL, TRAILING_NEWLINE, NO_DOT] {
            assert_eq!(SocketId::try_from(bad).unwrap_err(), err(bad));
            assert_eq!(SocketId::try_from(bad.to_owned()).unwrap_err(), err(bad));
            let json = serde_json::to_string(bad).unwrap();
            assert!(serde_json::from_str::<SocketId>(&json).is_err());
        }
    }

    #[test]
    fn debug_shows_the_value() {
        assert_eq!(format!("{:?}", "1.1".parse::<SocketId>().unwrap()), r#"SocketId("1.1")"#);
    }
}
