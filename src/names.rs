//! Validated names: the only way untrusted text reaches a string-to-sign.
//!
//! Every type here has a private field and validating constructors only
//! (`FromStr`, `TryFrom<&str>`, `TryFrom<String>`, serde `Deserialize`), all of which go
//! through one validator per grammar. The alphabets exclude every separator used by the
//! strings-to-sign (`:`, `\n`, `&`, `=` where it matters), so no valid value can shift a
//! boundary of the signed bytes.

mod app;
mod channel_name;
mod event_name;
mod faye_channel;
mod faye_user_id;
mod socket_id;
mod user_id;

pub use app::{AppId, AppKey};
pub use channel_name::{ChannelKind, ChannelName};
pub use event_name::EventName;
pub use faye_channel::FayeChannel;
pub use faye_user_id::FayeUserId;
pub use socket_id::SocketId;
pub use user_id::UserId;

use crate::error::{InputKind, InvalidInput};

/// A set of allowed bytes, as a 256-entry table (no regex, one load per byte).
pub(crate) struct ByteClass([bool; 256]);

impl ByteClass {
    /// Builds a class from ASCII ranges and single bytes.
    ///
    /// Only ever evaluated at compile time (the classes below are statics), where an
    /// out-of-bounds index would be a build error, not a run-time panic.
    #[allow(clippy::indexing_slicing)]
    const fn new(ranges: &[(u8, u8)], singles: &[u8]) -> Self {
        let mut table = [false; 256];
        let mut i = 0;
        while i < ranges.len() {
            let (lo, hi) = ranges[i];
            let mut b = lo;
            while b <= hi {
                table[b as usize] = true;
                b += 1;
            }
            i += 1;
        }
        let mut j = 0;
        while j < singles.len() {
            table[singles[j] as usize] = true;
            j += 1;
        }
        Self(table)
    }

    /// Whether `b` is in the class.
    #[inline]
    pub(crate) fn contains(&self, b: u8) -> bool {
        // Every u8 indexes a 256-entry table: `get` cannot miss, and the check folds away.
        self.0.get(usize::from(b)).copied().unwrap_or(false)
    }
}

const ALNUM: [(u8, u8); 3] = [(b'A', b'Z'), (b'a', b'z'), (b'0', b'9')];

/// `A-Z a-z 0-9 _ - = @ , . ;`: channel names and user ids.
pub(crate) static CHANNEL_CHARS: ByteClass = ByteClass::new(&ALNUM, b"_-=@,.;");

/// `A-Z a-z 0-9 _ - .`: app keys and app ids.
pub(crate) static APP_CHARS: ByteClass = ByteClass::new(&ALNUM, b"_-.");

/// `A-Z a-z 0-9 - _ ! ~ ( ) $ @`: the characters of a Bayeux channel segment.
pub(crate) static FAYE_CHARS: ByteClass = ByteClass::new(&ALNUM, b"-_!~()$@");

/// The character that starts at byte `position` of `s`, for an error message.
///
/// `position` is always the first byte that failed a class check, and every byte before
/// it was ASCII, so it is a character boundary; should that ever not hold, U+FFFD is
/// reported rather than panicking.
pub(crate) fn char_at(s: &str, position: usize) -> char {
    s.get(position..).and_then(|rest| rest.chars().next()).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The shared validator for every "1..=max bytes of a class" grammar.
///
/// The length is checked before the characters, so an over-long input is refused in
/// O(1) and the error never needs to look at its content.
pub(crate) fn validate_class(s: &str, kind: InputKind, max: usize, class: &ByteClass) -> Result<(), InvalidInput> {
    if s.is_empty() {
        return Err(InvalidInput::Empty { kind });
    }
    if s.len() > max {
        return Err(InvalidInput::TooLong { kind, max, len: s.len() });
    }
    match s.bytes().position(|b| !class.contains(b)) {
        None => Ok(()),
        Some(position) => Err(InvalidInput::InvalidChar { kind, position, found: char_at(s, position) }),
    }
}

/// Implements the conversion set shared by every validated name: `FromStr`,
/// `TryFrom<&str>`, `TryFrom<String>`, `as_str`, `AsRef<str>`, `Display`, `Serialize` and a
/// validating `Deserialize`. `$validate` is the type's one validator.
macro_rules! validated_name {
    ($ty:ident, $validate:path) => {
        impl $ty {
            /// The validated text.
            #[must_use]
            #[inline]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::core::str::FromStr for $ty {
            type Err = $crate::InvalidInput;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $validate(s)?;
                Ok(Self(s.into()))
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::InvalidInput;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::InvalidInput;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                $validate(&s)?;
                Ok(Self(s.into()))
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                Self::try_from(s).map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use validated_name;
