use crate::error::{InputKind, InvalidInput};
use crate::names::{CHANNEL_CHARS, UserId, validate_class, validated_name};

/// A channel name, as the protocol allows it.
///
/// # Constraints
/// - 1 to [`ChannelName::MAX_LEN`] bytes;
/// - only `A-Z a-z 0-9 _ - = @ , . ;` (so never `:`, space, newline, `&` or non-ASCII);
/// - or the server's own `#server-to-user-<user id>`, where `<user id>` is a valid
///   [`UserId`](crate::UserId): the one place `#` may appear. Such a channel is
///   [`ChannelKind::ServerToUser`], which no client may subscribe to: it is accepted so
///   that a server's webhooks about it can be read, and refused by every sign and
///   verify function.
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

    /// Whether this is exactly `private-<user>` or `private-encrypted-<user>`: one of the
    /// user's own private channels, in the naming the README's templates and the demo
    /// policy use.
    ///
    /// An exact rule, never a substring or a prefix test: everything after the kind's
    /// prefix must equal the whole user id. User `al` does not own `private-alice`, user
    /// `1` does not own `private-1000`, and user `encrypted-x` does not own
    /// `private-encrypted-x` (that is user `x`'s encrypted channel: the kind is read
    /// first, from the longest prefix). Authorize other channels (rooms, teams) by a
    /// lookup in the application's own data.
    ///
    /// ```
    /// use channel_auth::{ChannelName, UserId};
    ///
    /// let alice: UserId = "alice".parse()?;
    /// let owned = |name: &str| name.parse::<ChannelName>().map(|c| c.is_private_to(&alice));
    /// assert!(owned("private-alice")?);
    /// assert!(owned("private-encrypted-alice")?);
    /// assert!(!owned("private-alice-inbox")?);
    /// assert!(!owned("private-al")?);
    /// assert!(!owned("presence-alice")?);
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn is_private_to(&self, user: &UserId) -> bool {
        let rest = match self.kind() {
            ChannelKind::PrivateEncrypted => self.0.strip_prefix(ChannelKind::PRIVATE_ENCRYPTED_PREFIX),
            ChannelKind::Private => self.0.strip_prefix(ChannelKind::PRIVATE_PREFIX),
            _ => None,
        };
        rest == Some(user.as_str())
    }
}

impl core::fmt::Debug for ChannelName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("ChannelName").field(&self.0).finish()
    }
}

validated_name!(ChannelName, validate);

fn validate(s: &str) -> Result<(), InvalidInput> {
    // `#server-to-user-<id>`: the prefix, then a user id's grammar (1..=128 bytes of the
    // same alphabet), so the whole is at most 144 bytes.
    let (rest, offset) = match s.strip_prefix(ChannelKind::SERVER_TO_USER_PREFIX) {
        Some(id) => (id, ChannelKind::SERVER_TO_USER_PREFIX.len()),
        None => (s, 0),
    };
    let max = if offset == 0 { ChannelName::MAX_LEN } else { UserId::MAX_LEN };
    validate_class(rest, InputKind::ChannelName, max, &CHANNEL_CHARS).map_err(|e| match e {
        InvalidInput::InvalidChar { kind, position, found } => {
            InvalidInput::InvalidChar { kind, position: position + offset, found }
        }
        InvalidInput::TooLong { kind, max, len } => {
            InvalidInput::TooLong { kind, max: max + offset, len: len + offset }
        }
        InvalidInput::Empty { kind } if offset > 0 => {
            InvalidInput::Malformed { kind, position: offset, expected: "a user id" }
        }
        other => other,
    })
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
    /// `#server-to-user-<id>`: the server subscribes a signed-in user to it; no client
    /// may, so nothing is ever signed or verified for it.
    ServerToUser,
}

impl ChannelKind {
    /// The prefix that selects `PrivateEncrypted`.
    pub const PRIVATE_ENCRYPTED_PREFIX: &'static str = "private-encrypted-";
    /// The prefix that selects `Private`.
    pub const PRIVATE_PREFIX: &'static str = "private-";
    /// The prefix that selects `Presence`.
    pub const PRESENCE_PREFIX: &'static str = "presence-";

    /// The prefix that selects `ServerToUser`.
    pub const SERVER_TO_USER_PREFIX: &'static str = "#server-to-user-";

    fn of(name: &str) -> Self {
        if name.starts_with(Self::SERVER_TO_USER_PREFIX) {
            Self::ServerToUser
        } else if name.starts_with(Self::PRIVATE_ENCRYPTED_PREFIX) {
            Self::PrivateEncrypted
        } else if name.starts_with(Self::PRIVATE_PREFIX) {
            Self::Private
        } else if name.starts_with(Self::PRESENCE_PREFIX) {
            Self::Presence
        } else {
            Self::Public
        }
    }

    /// Whether subscribing needs a signed authorization (fails closed: true for every
    /// kind but `Public`, including `ServerToUser`, which no authorization opens).
    ///
    /// ```
    /// assert!(channel_auth::ChannelKind::PrivateEncrypted.needs_auth());
    /// assert!(channel_auth::ChannelKind::ServerToUser.needs_auth());
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
    fn server_to_user_is_the_only_hash() {
        let name: ChannelName = "#server-to-user-alice".parse().unwrap();
        assert_eq!(name.kind(), ChannelKind::ServerToUser);
        assert_eq!(err("#private-a"), InvalidInput::InvalidChar { kind: KIND, position: 0, found: '#' });
        assert_eq!(
            err("#server-to-user-"),
            InvalidInput::Malformed { kind: KIND, position: 16, expected: "a user id" }
        );
        assert_eq!(err("#server-to-user-a:b"), InvalidInput::InvalidChar { kind: KIND, position: 17, found: ':' });
        assert_eq!(
            err("#server-to-user-#server-to-user-a"),
            InvalidInput::InvalidChar { kind: KIND, position: 16, found: '#' }
        );
        assert_eq!(err("private-#a"), InvalidInput::InvalidChar { kind: KIND, position: 8, found: '#' });
        // The id is a user id: at most UserId::MAX_LEN (128) bytes, so the whole name
        // at most 144. (The fuzz target `names` found 129..=184-byte ids accepted.)
        let longest = format!("#server-to-user-{}", "u".repeat(128));
        assert_eq!(longest.parse::<ChannelName>().unwrap().as_str().len(), 144);
        let too_long = format!("#server-to-user-{}", "u".repeat(129));
        assert_eq!(err(&too_long), InvalidInput::TooLong { kind: KIND, max: 144, len: 145 });
        let was_accepted = format!("#server-to-user-{}", "u".repeat(184));
        assert_eq!(err(&was_accepted), InvalidInput::TooLong { kind: KIND, max: 144, len: 200 });
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
    fn private_to_is_exact() {
        const OWNER: &str = "alice";
        let owner: UserId = OWNER.parse().unwrap();
        let owned = |name: &str| name.parse::<ChannelName>().unwrap().is_private_to(&owner);
        assert!(owned("private-alice"));
        assert!(owned("private-encrypted-alice"));
        for other in [
            "private-alice-inbox",
            "private-al",
            "private-xalice",
            "private-encrypted-alice-x",
            "presence-alice",
            "alice",
            "private-",
            "private-encrypted-",
            "#server-to-user-alice",
        ] {
            assert!(!owned(other), "{other}");
        }
        // The kind is read first: `private-encrypted-x` is user `x`'s, never `encrypted-x`'s.
        let tricky: UserId = "encrypted-x".parse().unwrap();
        let x: UserId = "x".parse().unwrap();
        let channel: ChannelName = "private-encrypted-x".parse().unwrap();
        assert!(!channel.is_private_to(&tricky));
        assert!(channel.is_private_to(&x));
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
