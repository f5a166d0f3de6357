use crate::error::{InputKind, InvalidInput};
use crate::names::{UserId, validated_name};

/// A user id as the Faye side signs it into a token: wider than a Pusher [`UserId`].
///
/// # Constraints
/// - 1 to [`FayeUserId::MAX_LEN`] bytes of UTF-8 (a Rust `str` is always valid UTF-8);
/// - no `:` (the one separator of the token's `<user>:<channel>` string-to-sign);
/// - no control character: none of C0 (`U+0000..=U+001F`, so no NUL, tab, CR or LF),
///   DEL (`U+007F`) or C1 (`U+0080..=U+009F`), exactly the characters for which
///   [`char::is_control`] is true.
///
/// Everything else is allowed: spaces, punctuation, letters of any script, and also
/// format characters such as `U+200B` (zero-width space) or bidirectional marks, which
/// are not control characters. An id is signed as its exact bytes, never normalized:
/// `é` written as one code point and as `e` + combining accent are two different users.
///
/// The Faye security guide's own example id, `the user ID`, is valid. Every [`UserId`]
/// is a valid `FayeUserId` (`From<UserId>`), not the other way round.
///
/// ```
/// use channel_auth::faye::FayeUserId;
/// use channel_auth::UserId;
///
/// let guide: FayeUserId = "the user ID".parse()?;
/// assert_eq!(guide.as_str(), "the user ID");
/// assert!("a:b".parse::<FayeUserId>().is_err());
/// assert!("a\nb".parse::<FayeUserId>().is_err());
/// let pusher: UserId = "alice".parse()?;
/// assert_eq!(FayeUserId::from(pusher).as_str(), "alice");
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FayeUserId(String);

impl FayeUserId {
    /// The longest user id, in bytes.
    pub const MAX_LEN: usize = 1024;
}

impl core::fmt::Debug for FayeUserId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("FayeUserId").field(&self.0).finish()
    }
}

impl From<UserId> for FayeUserId {
    /// Every Pusher user id is a Faye user id: at most 128 bytes of
    /// `A-Z a-z 0-9 _ - = @ , . ;`, so no `:` and no control character.
    ///
    /// ```
    /// use channel_auth::faye::FayeUserId;
    /// use channel_auth::UserId;
    ///
    /// let id: UserId = "user-42".parse()?;
    /// assert_eq!(FayeUserId::from(id.clone()).as_str(), id.as_str());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    fn from(id: UserId) -> Self {
        Self(id.as_str().to_owned())
    }
}

validated_name!(FayeUserId, validate);

/// The one validator behind every `FayeUserId` constructor: length first, then
/// characters.
fn validate(s: &str) -> Result<(), InvalidInput> {
    const KIND: InputKind = InputKind::FayeUserId;
    if s.is_empty() {
        return Err(InvalidInput::Empty { kind: KIND });
    }
    if s.len() > FayeUserId::MAX_LEN {
        return Err(InvalidInput::TooLong { kind: KIND, max: FayeUserId::MAX_LEN, len: s.len() });
    }
    match s.char_indices().find(|&(_, c)| c == ':' || c.is_control()) {
        None => Ok(()),
        Some((position, found)) => Err(InvalidInput::InvalidChar { kind: KIND, position, found }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: InputKind = InputKind::FayeUserId;

    const EMPTY: &str = "";
    const COLON: &str = "the user:ID";
    const NUL: &str = "a\0b";
    const NEWLINE: &str = "a\nb";
    const CR: &str = "a\rb";
    const TAB: &str = "a\tb";
    const ESC: &str = "a\u{1b}[31m";
    const DEL: &str = "a\u{7f}";
    const C1_NEL: &str = "\u{e9}\u{85}";
    const C1_LAST: &str = "x\u{9f}";

    fn err(s: &str) -> InvalidInput {
        s.parse::<FayeUserId>().unwrap_err()
    }

    #[test]
    fn accepts_printable_text() {
        for ok in [
            "the user ID",
            "18787",
            " ",
            "alice@example.com",
            "Zoë Ångström",
            "用户",
            "a/b*c?d=e&f\"g'h\\i",
            "emoji \u{1f600}",
            "zero\u{200b}width",
            "\u{a0}after C1",
        ] {
            assert_eq!(ok.parse::<FayeUserId>().unwrap().as_str(), ok);
        }
        let longest = "u".repeat(FayeUserId::MAX_LEN);
        assert!(longest.parse::<FayeUserId>().is_ok());
        // 1024 bytes of 3-byte characters plus one byte: the limit is in bytes.
        let multibyte = format!("{}u", "\u{7528}".repeat(341));
        assert_eq!(multibyte.len(), 1024);
        assert!(multibyte.parse::<FayeUserId>().is_ok());
    }

    #[test]
    fn rejections_name_the_rule() {
        let invalid = |position, found| InvalidInput::InvalidChar { kind: KIND, position, found };
        assert_eq!(err(EMPTY), InvalidInput::Empty { kind: KIND });
        assert_eq!(err(COLON), invalid(8, ':'));
        assert_eq!(err(NUL), invalid(1, '\0'));
        assert_eq!(err(NEWLINE), invalid(1, '\n'));
        assert_eq!(err(CR), invalid(1, '\r'));
        assert_eq!(err(TAB), invalid(1, '\t'));
        assert_eq!(err(ESC), invalid(1, '\u{1b}'));
        assert_eq!(err(DEL), invalid(1, '\u{7f}'));
        assert_eq!(err(C1_NEL), invalid(2, '\u{85}'));
        assert_eq!(err(C1_LAST), invalid(1, '\u{9f}'));
        let too_long = "u".repeat(FayeUserId::MAX_LEN + 1);
        assert_eq!(err(&too_long), InvalidInput::TooLong { kind: KIND, max: 1024, len: 1025 });
        // Length is checked first: a huge id of forbidden characters is TooLong.
        let huge = ":".repeat(1 << 20);
        assert_eq!(err(&huge), InvalidInput::TooLong { kind: KIND, max: 1024, len: 1 << 20 });
    }

    #[test]
    fn every_constructor_agrees() {
        for bad in [EMPTY, COLON, NEWLINE, C1_NEL] {
            assert_eq!(FayeUserId::try_from(bad).unwrap_err(), err(bad));
            assert_eq!(FayeUserId::try_from(bad.to_owned()).unwrap_err(), err(bad));
            let json = serde_json::to_string(bad).unwrap();
            assert!(serde_json::from_str::<FayeUserId>(&json).is_err());
        }
        let good: FayeUserId = serde_json::from_str("\"the user ID\"").unwrap();
        assert_eq!(serde_json::to_string(&good).unwrap(), "\"the user ID\"");
        assert!(serde_json::from_str::<FayeUserId>("18787").is_err());
        assert_eq!(good.as_ref(), "the user ID");
        assert_eq!(good.to_string(), "the user ID");
    }

    #[test]
    fn every_user_id_converts() {
        for id in ["a", "user-42", "a=b,c;d.e@f_g", &"u".repeat(UserId::MAX_LEN)] {
            let user: UserId = id.parse().unwrap();
            let faye = FayeUserId::from(user);
            assert_eq!(faye, id.parse::<FayeUserId>().unwrap());
        }
    }

    #[test]
    fn debug_shows_the_value() {
        assert_eq!(format!("{:?}", "the user ID".parse::<FayeUserId>().unwrap()), r#"FayeUserId("the user ID")"#);
    }
}
