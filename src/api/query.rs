//! The query codec: the canonical string to sign, the parameter rules both sides
//! enforce, and the strict form-urlencoded decoding the verifier does.

use std::borrow::Cow;

use md5::{Digest as _, Md5};

use super::Method;
use crate::error::{InputKind, InvalidInput, VerifyError};

/// Parameters the signature owns; a caller's parameter may not use these names, in any
/// case. Sorted.
pub(super) const RESERVED: [&str; 5] = ["auth_key", "auth_signature", "auth_timestamp", "auth_version", "body_md5"];

/// `METHOD\npath\nk=v&k=v…` as parts for the MAC: params unescaped, in the order given
/// (callers sort), never concatenated into a temporary string.
pub(super) fn string_to_sign<'a>(
    method: Method,
    path: &'a str,
    params: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<&'a [u8]> {
    let (lower, _) = params.size_hint();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(4 + 4 * lower);
    parts.extend([method.as_str().as_bytes(), b"\n", path.as_bytes(), b"\n"]);
    for (i, (key, value)) in params.enumerate() {
        if i > 0 {
            parts.push(b"&");
        }
        parts.extend([key.as_bytes(), b"=", value.as_bytes()]);
    }
    parts
}

/// `key` as `str::to_lowercase` gives it, borrowed when that cannot change it: ASCII
/// with no uppercase letter. (Non-ASCII always goes through `to_lowercase`, which also
/// changes titlecase letters such as `ǅ` that `char::is_uppercase` does not flag.)
pub(super) fn lowercase(key: &str) -> Cow<'_, str> {
    if key.is_ascii() && !key.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(key.to_lowercase())
    }
}

pub(super) fn md5_hex(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

pub(super) fn reserved(lower_key: &str) -> Option<&'static str> {
    RESERVED.iter().find(|name| **name == lower_key).copied()
}

/// The first character of `s` that `forbidden` refuses, as an `InvalidChar` of `kind`.
pub(super) fn refuse_chars(s: &str, kind: InputKind, forbidden: impl Fn(char) -> bool) -> Result<(), InvalidInput> {
    match s.char_indices().find(|(_, c)| forbidden(*c)) {
        Some((position, found)) => Err(InvalidInput::InvalidChar { kind, position, found }),
        None => Ok(()),
    }
}

/// A path starts with `/` and holds no `?`, `#`, whitespace or control character.
pub(super) fn validate_path(path: &str) -> Result<(), InvalidInput> {
    const KIND: InputKind = InputKind::ApiPath;
    if path.is_empty() {
        return Err(InvalidInput::Empty { kind: KIND });
    }
    if !path.starts_with('/') {
        return Err(InvalidInput::Malformed { kind: KIND, position: 0, expected: "'/'" });
    }
    refuse_chars(path, KIND, |c| c == '?' || c == '#' || c.is_whitespace() || c.is_control())
}

/// A key is not empty and holds no `&`, `=`, whitespace or control character.
pub(super) fn validate_key(key: &str) -> Result<(), InvalidInput> {
    const KIND: InputKind = InputKind::ParamKey;
    if key.is_empty() {
        return Err(InvalidInput::Empty { kind: KIND });
    }
    refuse_chars(key, KIND, |c| c == '&' || c == '=' || c.is_whitespace() || c.is_control())
}

/// A value holds no `&` and no control character.
pub(super) fn validate_value(value: &str) -> Result<(), InvalidInput> {
    refuse_chars(value, InputKind::ParamValue, |c| c == '&' || c.is_control())
}

/// The query's parameters, decoded, checked against the signing rules, keys lowercased.
pub(super) fn decode_query(query: &str) -> Result<Vec<(String, String)>, VerifyError> {
    let mut out = Vec::new();
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (raw_key, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let key = percent_decode(raw_key).ok_or(VerifyError::MalformedQuery)?;
        let value = percent_decode(raw_value).ok_or(VerifyError::MalformedQuery)?;
        if validate_key(&key).is_err() || validate_value(&value).is_err() {
            return Err(VerifyError::MalformedQuery);
        }
        out.push((key.to_lowercase(), value));
    }
    Ok(out)
}

/// Form-urlencoded decoding, strict: `+` is a space, `%XX` a byte; `None` for a `%`
/// without two hex digits after it, or bytes that are not UTF-8.
pub(super) fn percent_decode(raw: &str) -> Option<String> {
    fn hex_value(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(hex_value)?;
                let lo = bytes.next().and_then(hex_value)?;
                out.push((hi << 4) | lo);
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_agrees_with_to_lowercase() {
        for key in ["abc", "ABC", "aBc_1", "\u{1c5}x", "\u{130}", "\u{212a}ey", "ß", "Σ", "a-b.c"] {
            assert_eq!(lowercase(key), key.to_lowercase(), "{key:?}");
        }
        assert!(matches!(lowercase("already_lower"), Cow::Borrowed(_)));
    }

    #[test]
    fn strict_percent_decoding() {
        assert_eq!(percent_decode("a+b%20c%2Bd%2b").as_deref(), Some("a b c+d+"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("\u{e9}"));
        assert_eq!(percent_decode("\u{e9}").as_deref(), Some("\u{e9}"));
        assert_eq!(percent_decode(""), Some(String::new()));
        for bad in ["%", "%2", "%zz", "%2g", "a%", "%FF", "%C3", "%ED%A0%80"] {
            assert_eq!(percent_decode(bad), None, "{bad:?}");
        }
        // On valid input, the same as form_urlencoded.
        for ok in ["a+b%20c", "%41%62", "x%2By", "%E2%82%AC"] {
            let ours = percent_decode(ok).unwrap();
            let pair = format!("{ok}=");
            let theirs: Vec<_> = form_urlencoded::parse(pair.as_bytes()).collect();
            assert_eq!(theirs[0].0, ours);
        }
    }

    #[test]
    fn query_pieces() {
        assert_eq!(
            decode_query("A=1&&b&c=x=y&").unwrap(),
            [("a".to_owned(), "1".to_owned()), ("b".to_owned(), String::new()), ("c".to_owned(), "x=y".to_owned())]
        );
        for bad in ["=1", "a%26b=1", "a=1%262", "a%3Db=1", "a+b=1", "a=%0A", "a=%"] {
            assert_eq!(decode_query(bad), Err(VerifyError::MalformedQuery), "{bad:?}");
        }
        assert_eq!(decode_query("a=1+2").unwrap(), [("a".to_owned(), "1 2".to_owned())]);
    }

    #[test]
    fn every_hex_digit_decodes_in_both_cases() {
        assert_eq!(
            percent_decode("%2a%2A%2f%2F%4a%4A%3b%3B%3c%3C%3d%3D%3e%3E%30%39").as_deref(),
            Some("**//JJ;;<<==>>09")
        );
    }
}
