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
    // The upper bound: the verifier passes its parameters through a `filter`, whose
    // lower bound is 0, and growing the list would reallocate it several times.
    let (lower, upper) = params.size_hint();
    let count = upper.unwrap_or(lower);
    let mut parts: Vec<&[u8]> = Vec::with_capacity(4 + 4 * count);
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

/// The lowercase hex MD5 of `body`, written into `digits`.
pub(super) fn md5_hex_into<'d>(body: &[u8], digits: &'d mut [u8; 32]) -> &'d str {
    // 16 bytes always fit 32 digits, and hex digits are UTF-8: neither fallback is taken.
    if hex::encode_to_slice(Md5::digest(body), digits).is_err() {
        return "";
    }
    core::str::from_utf8(digits).unwrap_or("")
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

/// A query's parameters, decoded, checked against the signing rules, keys lowercased:
/// every key and value in one string, so decoding a query allocates twice, not once per
/// key and value.
#[derive(Clone, Default)]
pub(super) struct Params {
    /// The decoded keys and values, each key followed by its value.
    text: String,
    /// Per parameter: where its key starts, where the key ends and the value starts,
    /// where the value ends, as byte offsets into `text` (always on char boundaries).
    spans: Vec<(usize, usize, usize)>,
}

/// The parameters still listed, as a map: a removed one (`auth_signature`, whose bytes
/// stay in `text`) is not shown.
impl core::fmt::Debug for Params {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Params {
    fn key(&self, span: &(usize, usize, usize)) -> &str {
        self.text.get(span.0..span.1).unwrap_or_default()
    }

    fn value(&self, span: &(usize, usize, usize)) -> &str {
        self.text.get(span.1..span.2).unwrap_or_default()
    }

    /// Every parameter, `(key, value)`, in the current order.
    pub(super) fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|span| (self.key(span), self.value(span)))
    }

    /// Sorts the parameters by key, bytewise; `true` when no two keys are equal.
    pub(super) fn sort_and_check_unique(&mut self) -> bool {
        let mut spans = core::mem::take(&mut self.spans);
        spans.sort_unstable_by(|a, b| self.key(a).cmp(self.key(b)));
        let unique = !spans.windows(2).any(|pair| matches!(pair, [a, b] if self.key(a) == self.key(b)));
        self.spans = spans;
        unique
    }

    /// The value of `key`, once sorted ([`Params::sort_and_check_unique`]).
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        let index = self.spans.binary_search_by(|span| self.key(span).cmp(key)).ok()?;
        self.spans.get(index).map(|span| self.value(span))
    }

    /// Drops the parameter `key`, if there is one.
    pub(super) fn remove(&mut self, key: &str) {
        let text = &self.text;
        self.spans.retain(|span| text.get(span.0..span.1) != Some(key));
    }
}

/// The query's parameters, decoded, checked against the signing rules, keys lowercased.
pub(super) fn decode_query(query: &str) -> Result<Params, VerifyError> {
    let mut params = Params {
        text: String::with_capacity(query.len()),
        spans: Vec::with_capacity(query.bytes().filter(|b| *b == b'&').count() + 1),
    };
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (raw_key, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let start = params.text.len();
        push_decoded(&mut params.text, raw_key).ok_or(VerifyError::MalformedQuery)?;
        let key = params.text.get(start..).unwrap_or_default();
        if validate_key(key).is_err() {
            return Err(VerifyError::MalformedQuery);
        }
        // Lowercased as signed: in place when ASCII, else as `str::to_lowercase`.
        if let Cow::Owned(lower) = lowercase(key) {
            params.text.truncate(start);
            params.text.push_str(&lower);
        }
        let key_end = params.text.len();
        push_decoded(&mut params.text, raw_value).ok_or(VerifyError::MalformedQuery)?;
        if validate_value(params.text.get(key_end..).unwrap_or_default()).is_err() {
            return Err(VerifyError::MalformedQuery);
        }
        params.spans.push((start, key_end, params.text.len()));
    }
    Ok(params)
}

/// Appends `raw` form-urlencoded-decoded to `out` ([`percent_decode`]); `None` when it
/// does not decode, `out` then unchanged. Text with no `%` or `+` is its own decoding.
fn push_decoded(out: &mut String, raw: &str) -> Option<()> {
    if raw.bytes().any(|b| b == b'%' || b == b'+') {
        out.push_str(&percent_decode(raw)?);
    } else {
        out.push_str(raw);
    }
    Some(())
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

    fn decoded(query: &str) -> Result<Vec<(&str, &str)>, VerifyError> {
        // Leaked: a test helper returning borrows of its own decoding.
        let params = Box::leak(Box::new(decode_query(query)?));
        Ok(params.iter().collect())
    }

    #[test]
    fn query_pieces() {
        assert_eq!(decoded("A=1&&b&c=x=y&").unwrap(), [("a", "1"), ("b", ""), ("c", "x=y")]);
        for bad in ["=1", "a%26b=1", "a=1%262", "a%3Db=1", "a+b=1", "a=%0A", "a=%", "%C3=1", "a=%FF"] {
            assert_eq!(decoded(bad), Err(VerifyError::MalformedQuery), "{bad:?}");
        }
        assert_eq!(decoded("a=1+2").unwrap(), [("a", "1 2")]);
        // Keys lowercase as signed, ASCII in place, the rest as `str::to_lowercase`; values
        // keep their case; escapes decode in keys and values alike.
        assert_eq!(
            decoded("FILTER%5FBY%5FPREFIX=Presence-&\u{130}x=V&%C3%89=%C3%89").unwrap(),
            [("filter_by_prefix", "Presence-"), ("i\u{307}x", "V"), ("\u{e9}", "\u{c9}")]
        );
    }

    #[test]
    fn sorted_params_find_and_drop_keys() {
        let mut params = decode_query("b=2&a=1&c=3").unwrap();
        assert!(params.sort_and_check_unique());
        assert_eq!(params.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "2"), ("c", "3")]);
        assert_eq!((params.get("b"), params.get("d")), (Some("2"), None));
        params.remove("b");
        assert_eq!(params.iter().collect::<Vec<_>>(), [("a", "1"), ("c", "3")]);
        assert_eq!(format!("{params:?}"), r#"{"a": "1", "c": "3"}"#);
        let mut twice = decode_query("a=1&B=2&A=3").unwrap();
        assert!(!twice.sort_and_check_unique());
    }

    #[test]
    fn every_hex_digit_decodes_in_both_cases() {
        assert_eq!(
            percent_decode("%2a%2A%2f%2F%4a%4A%3b%3B%3c%3C%3d%3D%3e%3E%30%39").as_deref(),
            Some("**//JJ;;<<==>>09")
        );
    }
}
