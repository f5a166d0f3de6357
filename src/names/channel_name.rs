use crate::error::{InputKind, InvalidInput};
use crate::names::{validate_class, validated_name, CHANNEL_CHARS};

/// A channel name, as the protocol allows it.
///
/// # Constraints
/// - 1 to [`ChannelName::MAX_LEN`] bytes;
/// - only `A-Z a-z 0-9 _ - = @ , . ;` (so never `:`, space, newline, `&` or non-ASCII).
///
/// ```
/// use channel_auth::{ChannelKind, ChannelName};
///
/// let name: ChannelName = "presence-lobby".parse()?;
/// assert_eq!(name.kind(), ChannelKind::Presence);
/// assert!("private-a:private-b".parse::<ChannelName>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelName(String);

impl ChannelName {
    /// The longest channel name, in bytes.
    pub const MAX_LEN: usize = 200;

    /// The kind of channel, from its prefix.
    ///
    /// ```
    /// use channel_auth::{ChannelKind, ChannelName};
    ///
    /// let kind = |s: &str| s.parse::<ChannelName>().map(|c| c.kind());
    /// assert_eq!(kind("private-encrypted-x")?, ChannelKind::PrivateEncrypted);
    /// assert_eq!(kind("private-x")?, ChannelKind::Private);
    /// assert_eq!(kind("presence-x")?, ChannelKind::Presence);
    /// assert_eq!(kind("news")?, ChannelKind::Public);
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> ChannelKind {
        ChannelKind::of(&self.0)
    }
}

impl core::fmt::Debug for ChannelName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("ChannelName").field(&self.0).finish()
    }
}

validated_name!(ChannelName, validate);

fn validate(s: &str) -> Result<(), InvalidInput> {
    validate_class(s, InputKind::ChannelName, ChannelName::MAX_LEN, &CHANNEL_CHARS)
}

/// What a channel's prefix makes it, and so what authorization it needs.
///
/// ```
/// use channel_auth::ChannelKind;
///
/// assert!(ChannelKind::Presence.needs_auth());
/// assert!(!ChannelKind::Public.needs_auth());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelKind {
    /// No prefix: anyone may subscribe; nothing is signed.
    Public,
    /// `private-`: signed `<socket_id>:<channel>`.
    Private,
    /// `presence-`: signed `<socket_id>:<channel>:<channel_data>`.
    Presence,
    /// `private-encrypted-`: signed like `private-`, plus a per-channel shared secret.
    PrivateEncrypted,
}

impl ChannelKind {
    /// The prefix that selects `PrivateEncrypted`.
    pub const PRIVATE_ENCRYPTED_PREFIX: &'static str = "private-encrypted-";
    /// The prefix that selects `Private`.
    pub const PRIVATE_PREFIX: &'static str = "private-";
    /// The prefix that selects `Presence`.
    pub const PRESENCE_PREFIX: &'static str = "presence-";

    fn of(name: &str) -> Self {
        if name.starts_with(Self::PRIVATE_ENCRYPTED_PREFIX) {
            Self::PrivateEncrypted
        } else if name.starts_with(Self::PRIVATE_PREFIX) {
            Self::Private
        } else if name.starts_with(Self::PRESENCE_PREFIX) {
            Self::Presence
        } else {
            Self::Public
        }
    }

    /// Whether subscribing needs a signed authorization.
    ///
    /// ```
    /// assert!(channel_auth::ChannelKind::PrivateEncrypted.needs_auth());
    /// ```
    #[must_use]
    pub const fn needs_auth(self) -> bool {
        !matches!(self, Self::Public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: InputKind = InputKind::ChannelName;

    const EMPTY: &str = "";
    const COLON: &str = "private-a:private-b";
    const NEWLINE: &str = "private-foobar\n";
    const CARRIAGE_RETURN: &str = "private-a\r";
    const SPACE: &str = "private a";
    const AMPERSAND: &str = "private-a&b";
    const SLASH: &str = "private-a/b";
    const PERCENT_ENCODED_COLON: &str = "private-a%3Ab";
    const NUL: &str = "private-\0";
    const CYRILLIC_A: &str = "priv\u{0430}te-x";
    const ZERO_WIDTH_SPACE: &str = "private-\u{200b}x";

    fn err(s: &str) -> InvalidInput {
        s.parse::<ChannelName>().unwrap_err()
    }

    #[test]
    fn accepts_every_allowed_character() {
        let all = "private-azAZ09_-=@,.;";
        assert_eq!(all.parse::<ChannelName>().unwrap().as_str(), all);
        let longest = "a".repeat(ChannelName::MAX_LEN);
        assert!(longest.parse::<ChannelName>().is_ok());
    }

    #[test]
    fn rejections_name_the_rule() {
        assert_eq!(err(EMPTY), InvalidInput::Empty { kind: KIND });
        assert_eq!(err(COLON), InvalidInput::InvalidChar { kind: KIND, position: 9, found: ':' });
        assert_eq!(err(NEWLINE), InvalidInput::InvalidChar { kind: KIND, position: 14, found: '\n' });
        assert_eq!(err(CARRIAGE_RETURN), InvalidInput::InvalidChar { kind: KIND, position: 9, found: '\r' });
        assert_eq!(err(SPACE), InvalidInput::InvalidChar { kind: KIND, position: 7, found: ' ' });
        assert_eq!(err(AMPERSAND), InvalidInput::InvalidChar { kind: KIND, position: 9, found: '&' });
        assert_eq!(err(SLASH), InvalidInput::InvalidChar { kind: KIND, position: 9, found: '/' });
        assert_eq!(err(PERCENT_ENCODED_COLON), InvalidInput::InvalidChar { kind: KIND, position: 9, found: '%' });
        assert_eq!(err(NUL), InvalidInput::InvalidChar { kind: KIND, position: 8, found: '\0' });
        assert_eq!(err(CYRILLIC_A), InvalidInput::InvalidChar { kind: KIND, position: 4, found: '\u{0430}' });
        assert_eq!(err(ZERO_WIDTH_SPACE), InvalidInput::InvalidChar { kind: KIND, position: 8, found: '\u{200b}' });
        let too_long = "a".repeat(ChannelName::MAX_LEN + 1);
        assert_eq!(err(&too_long), InvalidInput::TooLong { kind: KIND, max: 200, len: 201 });
    }

    #[test]
    fn kind_by_prefix() {
        let kind = |s: &str| s.parse::<ChannelName>().unwrap().kind();
        assert_eq!(kind("private-encrypted-a"), ChannelKind::PrivateEncrypted);
        assert_eq!(kind("private-encrypted-"), ChannelKind::PrivateEncrypted);
        assert_eq!(kind("private-encrypted"), ChannelKind::Private);
        assert_eq!(kind("private-"), ChannelKind::Private);
        assert_eq!(kind("private"), ChannelKind::Public);
        assert_eq!(kind("Private-a"), ChannelKind::Public);
        assert_eq!(kind("presence-a"), ChannelKind::Presence);
        assert_eq!(kind("presence"), ChannelKind::Public);
        assert_eq!(kind("public-private-a"), ChannelKind::Public);
    }

    #[test]
    fn debug_shows_the_value() {
        assert_eq!(format!("{:?}", "private-a".parse::<ChannelName>().unwrap()), r#"ChannelName("private-a")"#);
    }

    #[test]
    fn every_kind_but_public_needs_auth() {
        assert!(!ChannelKind::Public.needs_auth());
        for kind in [ChannelKind::Private, ChannelKind::Presence, ChannelKind::PrivateEncrypted] {
            assert!(kind.needs_auth(), "{kind:?}");
        }
    }
}
