use crate::error::{InputKind, InvalidInput};
use crate::names::{CHANNEL_CHARS, validate_class, validated_name};

/// A user id, as signed into presence `channel_data`, user sign-in `user_data` and Faye
/// tokens.
///
/// # Constraints
/// - 1 to [`UserId::MAX_LEN`] bytes;
/// - the channel-name alphabet `A-Z a-z 0-9 _ - = @ , . ;`, so that an id can stand
///   inside a channel name (as in `#server-to-user-<id>`), and never holds `:`.
///
/// ```
/// use channel_auth::UserId;
///
/// let id: UserId = "alice@example.com".parse()?;
/// assert_eq!(id.as_str(), "alice@example.com");
/// assert!("a:b".parse::<UserId>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    /// The longest user id, in bytes.
    pub const MAX_LEN: usize = 128;
}

impl core::fmt::Debug for UserId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("UserId").field(&self.0).finish()
    }
}

validated_name!(UserId, validate);

fn validate(s: &str) -> Result<(), InvalidInput> {
    validate_class(s, InputKind::UserId, UserId::MAX_LEN, &CHANNEL_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: InputKind = InputKind::UserId;

    const EMPTY: &str = "";
    const COLON: &str = "a:b";
    const SPACE: &str = "user id";
    const NEWLINE: &str = "a\nb";
    const QUOTE: &str = "a\"b";
    const TAB: &str = "a\tb";

    #[test]
    fn rejections_name_the_rule() {
        let err = |s: &str| s.parse::<UserId>().unwrap_err();
        assert_eq!(err(EMPTY), InvalidInput::Empty { kind: KIND });
        assert_eq!(err(COLON), InvalidInput::InvalidChar { kind: KIND, position: 1, found: ':' });
        assert_eq!(err(SPACE), InvalidInput::InvalidChar { kind: KIND, position: 4, found: ' ' });
        assert_eq!(err(NEWLINE), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '\n' });
        assert_eq!(err(QUOTE), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '"' });
        assert_eq!(err(TAB), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '\t' });
        let too_long = "u".repeat(UserId::MAX_LEN + 1);
        assert_eq!(err(&too_long), InvalidInput::TooLong { kind: KIND, max: 128, len: 129 });
        assert!("u".repeat(UserId::MAX_LEN).parse::<UserId>().is_ok());
    }

    #[test]
    fn debug_shows_the_value() {
        assert_eq!(format!("{:?}", "user-42".parse::<UserId>().unwrap()), r#"UserId("user-42")"#);
    }
}
