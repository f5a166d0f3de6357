use crate::error::{InputKind, InvalidInput};
use crate::names::{APP_CHARS, validate_class, validated_name};

/// An app's public key: the `<key>` in `auth` values and the `auth_key` of API requests.
///
/// # Constraints
/// - 1 to [`AppKey::MAX_LEN`] bytes of `A-Z a-z 0-9 _ - .` (it is joined with `:` and put
///   in query strings unescaped, so it may hold neither `:` nor `&` nor `=`).
///
/// ```
/// use channel_auth::AppKey;
///
/// let key: AppKey = "278d425bdf160c739803".parse()?;
/// assert_eq!(key.as_str(), "278d425bdf160c739803");
/// assert!("key:with:colon".parse::<AppKey>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppKey(String);

impl AppKey {
    /// The longest app key, in bytes.
    pub const MAX_LEN: usize = 64;
}

impl core::fmt::Debug for AppKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("AppKey").field(&self.0).finish()
    }
}

/// The key's text: `Eq` and `Hash` agree with `str`'s, so a map keyed by `AppKey` is
/// looked up with the received header text, without building an `AppKey`.
impl core::borrow::Borrow<str> for AppKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

validated_name!(AppKey, validate_key);

fn validate_key(s: &str) -> Result<(), InvalidInput> {
    validate_class(s, InputKind::AppKey, AppKey::MAX_LEN, &APP_CHARS)
}

/// An app's id, as in the API path `/apps/<id>/events`.
///
/// # Constraints
/// - 1 to [`AppId::MAX_LEN`] bytes of `A-Z a-z 0-9 _ - .` (so never `/`: `3/../4` is
///   refused).
///
/// ```
/// use channel_auth::AppId;
///
/// let id: AppId = "3".parse()?;
/// assert_eq!(id.as_str(), "3");
/// assert!("3/../4".parse::<AppId>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppId(String);

impl AppId {
    /// The longest app id, in bytes.
    pub const MAX_LEN: usize = 64;
}

impl core::fmt::Debug for AppId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("AppId").field(&self.0).finish()
    }
}

validated_name!(AppId, validate_id);

fn validate_id(s: &str) -> Result<(), InvalidInput> {
    validate_class(s, InputKind::AppId, AppId::MAX_LEN, &APP_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "";
    const COLON: &str = "key:with:colon";
    const QUERY_INJECTION: &str = "key&x=y";
    const NEWLINE: &str = "key\n";
    const PATH_TRAVERSAL: &str = "3/../4";

    #[test]
    fn key_rejections_name_the_rule() {
        const KIND: InputKind = InputKind::AppKey;
        let err = |s: &str| s.parse::<AppKey>().unwrap_err();
        assert_eq!(err(EMPTY), InvalidInput::Empty { kind: KIND });
        assert_eq!(err(COLON), InvalidInput::InvalidChar { kind: KIND, position: 3, found: ':' });
        assert_eq!(err(QUERY_INJECTION), InvalidInput::InvalidChar { kind: KIND, position: 3, found: '&' });
        assert_eq!(err(NEWLINE), InvalidInput::InvalidChar { kind: KIND, position: 3, found: '\n' });
        let too_long = "k".repeat(AppKey::MAX_LEN + 1);
        assert_eq!(err(&too_long), InvalidInput::TooLong { kind: KIND, max: 64, len: 65 });
    }

    #[test]
    fn id_rejections_name_the_rule() {
        const KIND: InputKind = InputKind::AppId;
        let err = |s: &str| s.parse::<AppId>().unwrap_err();
        assert_eq!(err(EMPTY), InvalidInput::Empty { kind: KIND });
        assert_eq!(err(PATH_TRAVERSAL), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '/' });
        assert_eq!(err("3\n"), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '\n' });
        assert_eq!(err("a=b"), InvalidInput::InvalidChar { kind: KIND, position: 1, found: '=' });
    }

    #[test]
    fn debug_shows_the_value() {
        assert_eq!(format!("{:?}", "key".parse::<AppKey>().unwrap()), r#"AppKey("key")"#);
        assert_eq!(format!("{:?}", "3".parse::<AppId>().unwrap()), r#"AppId("3")"#);
    }
}
