//! The query codec: the canonical string to sign, the parameter rules both sides
//! enforce, and the strict form-urlencoded decoding the verifier does.

use std::borrow::Cow;

use md5::{Digest as _, Md5};

use super::Method;
use crate::error::{InputKind, InvalidInput, VerifyError};

/// Parameters the signature owns; a caller's parameter may not use these names, in any
/// case. Sorted.
pub(super) const RESERVED: [&str; 5] = ["auth_key", "auth_signature", "auth_timestamp", "auth_version", "body_md5"];

/// `METHOD\npath\nk=v&k=v…`, params unescaped, in the order given (callers sort), in
/// one buffer sized exactly: one allocation, and one MAC update rather than one per
/// piece (each update costs more than copying its few bytes).
pub(super) fn string_to_sign<'a>(
    method: Method,
    path: &str,
    params: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> Vec<u8> {
    let method = method.as_str().as_bytes();
    let len = params.clone().map(|(key, value)| key.len() + value.len() + 2).sum::<usize>();
    let mut message = Vec::with_capacity(method.len() + path.len() + 2 + len);
    message.extend_from_slice(method);
    message.push(b'\n');
    message.extend_from_slice(path.as_bytes());
    message.push(b'\n');
    for (i, (key, value)) in params.enumerate() {
        if i > 0 {
            message.push(b'&');
        }
        message.extend_from_slice(key.as_bytes());
        message.push(b'=');
        message.extend_from_slice(value.as_bytes());
    }
    message
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

/// [`refuse_chars`] for ASCII text, where a char is a byte: the first byte `forbidden`
/// refuses, scanned without decoding UTF-8. `None` when `s` is not ASCII (then use
/// [`refuse_chars`]); the result is the same as `refuse_chars` with the same rule.
fn refuse_ascii(s: &str, kind: InputKind, forbidden: impl Fn(u8) -> bool) -> Option<Result<(), InvalidInput>> {
    if !s.is_ascii() {
        return None;
    }
    Some(match s.bytes().position(forbidden) {
        Some(position) => {
            let found = s.get(position..).and_then(|rest| rest.chars().next()).unwrap_or_default();
            Err(InvalidInput::InvalidChar { kind, position, found })
        }
        None => Ok(()),
    })
}

/// An ASCII byte that is whitespace or a control character as `char` sees it: every
/// ASCII whitespace (`\t \n \x0b \x0c \r` and space) and control (`0x00..=0x1f`,
/// `0x7f`) is at most `0x20` or is `0x7f`.
fn ascii_space_or_control(b: u8) -> bool {
    b <= 0x20 || b == 0x7f
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
    if let Some(result) = refuse_ascii(key, KIND, |b| b == b'&' || b == b'=' || ascii_space_or_control(b)) {
        return result;
    }
    refuse_chars(key, KIND, |c| c == '&' || c == '=' || c.is_whitespace() || c.is_control())
}

/// A value holds no `&` and no control character.
pub(super) fn validate_value(value: &str) -> Result<(), InvalidInput> {
    const KIND: InputKind = InputKind::ParamValue;
    if let Some(result) = refuse_ascii(value, KIND, |b| b == b'&' || b < 0x20 || b == 0x7f) {
        return result;
    }
    refuse_chars(value, KIND, |c| c == '&' || c.is_control())
}

/// A query's parameters, decoded, checked against the signing rules, keys lowercased:
/// every key and value in one string, so decoding a query allocates twice, not once per
/// key and value.
#[derive(Clone, Default)]
pub(super) struct Params {
    /// The decoded keys and values, each key followed by `=` and its value when the
    /// query gave it one.
    text: String,
    /// Per non-empty piece of the query, where its key and value stand in `text`.
    spans: Vec<Span>,
}

/// Where one parameter stands in [`Params::text`], in 12 bytes: the key is
/// `start..key_end`; the value follows the `=` at `key_end`, up to `end`, and is empty
/// when there is no `=` (then `key_end == end`). Offsets are on char boundaries: `=` is
/// ASCII, and both ends of `text` are boundaries.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    key_end: u32,
    end: u32,
}

impl Span {
    /// The span of `start..key_end` and, after `=`, `key_end + 1..end`; a
    /// [`VerifyError::MalformedQuery`] when an offset does not fit 32 bits (a query, or
    /// its decoding, of 4 GiB or more).
    fn new(start: usize, key_end: usize, end: usize) -> Result<Self, VerifyError> {
        let offset = |at: usize| u32::try_from(at).map_err(|_| VerifyError::MalformedQuery);
        Ok(Self { start: offset(start)?, key_end: offset(key_end)?, end: offset(end)? })
    }

    fn key(self) -> core::ops::Range<usize> {
        widen(self.start)..widen(self.key_end)
    }

    fn value(self) -> core::ops::Range<usize> {
        let end = widen(self.end);
        widen(self.key_end).saturating_add(1).min(end)..end
    }
}

/// A `u32` offset as a `usize`: exact on every target this crate builds for (32 and 64
/// bits); elsewhere `usize::MAX`, which no `get` finds.
fn widen(offset: u32) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

/// The parameters still listed, as a map: a removed one (`auth_signature`, whose bytes
/// stay in `text`) is not shown.
impl core::fmt::Debug for Params {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Params {
    fn key(&self, span: &Span) -> &str {
        self.text.get(span.key()).unwrap_or_default()
    }

    fn value(&self, span: &Span) -> &str {
        self.text.get(span.value()).unwrap_or_default()
    }

    /// Every parameter, `(key, value)`, in the current order.
    pub(super) fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone + '_ {
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

    /// The values of the parameters the signature owns ([`RESERVED`], in its order), in
    /// one pass.
    pub(super) fn reserved(&self) -> [Option<&str>; RESERVED.len()] {
        let mut found = [None; RESERVED.len()];
        for span in &self.spans {
            let key = self.key(span);
            if let Some(slot) = RESERVED.iter().position(|name| *name == key).and_then(|i| found.get_mut(i)) {
                *slot = Some(self.value(span));
            }
        }
        found
    }

    /// Drops the parameter `key`, if there is one.
    pub(super) fn remove(&mut self, key: &str) {
        let text = &self.text;
        self.spans.retain(|span| text.get(span.key()) != Some(key));
    }
}

/// The query's parameters, decoded, checked against the signing rules, keys lowercased.
///
/// # Memory
///
/// Linear in the query, with a small constant: for a query of `n` bytes, at most
/// `8n + 16` bytes of heap at once. The parameter list holds 12 bytes ([`Span`]) per
/// non-empty piece, counted before it is allocated, so empty pieces (`&&`) cost nothing
/// and there are at most `(n + 1) / 2` pieces (each is a byte and a `&`): at most
/// `6n + 6`. The text is one buffer:
/// - plain queries ([`decode_plain`]): a copy of the query, `n` bytes; in all `7n + 6`;
/// - the others: room for `n` bytes (decoding never lengthens a piece), except that
///   lowercasing a non-ASCII key can lengthen it by half (`İ`, 2 bytes, gives `i̇`, 3;
///   no character does worse: a test checks them all), so the buffer may double once,
///   to `2n`; and `str::to_lowercase`'s own copy of one key of `k` decoded bytes takes
///   at most `2k`. A key of `k` bytes leaves at most `(n - k) / 2 + 1` other pieces, so
///   the list and that copy together take at most `6n + 12`; in all `8n + 12`.
///
/// (It used to hold 32 bytes per piece, empty ones included: 13 MiB for 400 KiB of
/// `&`.) A query of 4 GiB or more, or one whose decoding is, is
/// [`VerifyError::MalformedQuery`]: the spans' offsets are 32 bits.
pub(super) fn decode_query(query: &str) -> Result<Params, VerifyError> {
    if u32::try_from(query.len()).is_err() {
        return Err(VerifyError::MalformedQuery);
    }
    // One pass: whether every byte is plain, and how many non-empty pieces there are (a
    // byte other than `&` at the start or after a `&` begins one).
    let (plain, pieces, _) = query.bytes().fold((true, 0usize, true), |(plain, pieces, after_separator), b| {
        let separator = b == b'&';
        (plain & is_plain(b), pieces + usize::from(after_separator & !separator), separator)
    });
    if plain {
        decode_plain(query, pieces)
    } else {
        decode_general(query, pieces)
    }
}

/// [`decode_query`] for any query, with room for `pieces` parameters: each piece is
/// decoded straight into the text, its key and value checked, its key lowercased.
fn decode_general(query: &str, pieces: usize) -> Result<Params, VerifyError> {
    const MALFORMED: VerifyError = VerifyError::MalformedQuery;
    let mut text = Vec::with_capacity(query.len());
    let mut spans = Vec::with_capacity(pieces);
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (raw_key, raw_value) = match piece.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (piece, None),
        };
        let start = text.len();
        percent_decode(&mut text, raw_key).ok_or(MALFORMED)?;
        let key = text_from(&text, start)?;
        if validate_key(key).is_err() {
            return Err(MALFORMED);
        }
        // Lowercased as signed: ASCII in place, anything else as `str::to_lowercase`.
        if key.is_ascii() {
            if let Some(key) = text.get_mut(start..) {
                key.make_ascii_lowercase();
            }
        } else if let Cow::Owned(lower) = lowercase(key) {
            text.truncate(start);
            text.extend_from_slice(lower.as_bytes());
        }
        let key_end = text.len();
        if let Some(raw_value) = raw_value {
            text.push(b'=');
            percent_decode(&mut text, raw_value).ok_or(MALFORMED)?;
            if validate_value(text_from(&text, key_end + 1)?).is_err() {
                return Err(MALFORMED);
            }
        }
        spans.push(Span::new(start, key_end, text.len())?);
    }
    // Every key and value was checked to be UTF-8, and `=` is ASCII: this cannot fail.
    let text = String::from_utf8(text).map_err(|_| MALFORMED)?;
    Ok(Params { text, spans })
}

/// `text` from `start` on, which must be UTF-8.
fn text_from(text: &[u8], start: usize) -> Result<&str, VerifyError> {
    text.get(start..).and_then(|bytes| core::str::from_utf8(bytes).ok()).ok_or(VerifyError::MalformedQuery)
}

/// A byte that decodes to itself and that no rule refuses in a value: printable ASCII,
/// space included, but `%` and `+`. (`&` and `=` are separators here.)
fn is_plain(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b'%' && b != b'+'
}

/// [`decode_query`] for a query of [`is_plain`] bytes only (every official library's
/// output), with room for `pieces` parameters: the query is its own decoding, so it is
/// copied once and each key lowercased in place. What is left of the rules: a value
/// cannot hold `&` (the separator) nor a control character (not plain); a key cannot
/// hold `&`, `=` (the first one ends it) nor a control character, so it must only be
/// non-empty and without a space, the one whitespace character among plain bytes.
fn decode_plain(query: &str, pieces: usize) -> Result<Params, VerifyError> {
    let mut params = Params { text: query.to_owned(), spans: Vec::with_capacity(pieces) };
    let mut start = 0;
    for piece in query.as_bytes().split(|b| *b == b'&') {
        let end = start + piece.len();
        if !piece.is_empty() {
            let key_end = start + piece.iter().position(|b| *b == b'=').unwrap_or(piece.len());
            let key = params.text.get_mut(start..key_end).ok_or(VerifyError::MalformedQuery)?;
            if key.is_empty() || key.bytes().any(|b| b == b' ') {
                return Err(VerifyError::MalformedQuery);
            }
            key.make_ascii_lowercase();
            params.spans.push(Span::new(start, key_end, end)?);
        }
        start = end + 1;
    }
    Ok(params)
}

/// Appends `raw` form-urlencoded-decoded to `out`, strictly: `+` is a space, `%XX` a
/// byte; `None` for a `%` without two hex digits after it (`out` then holds part of the
/// decoding, for the caller to drop). Whether the bytes are UTF-8 is the caller's check.
/// Text with no `%` or `+` is its own decoding, copied whole.
fn percent_decode(out: &mut Vec<u8>, raw: &str) -> Option<()> {
    fn hex_value(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        out.extend_from_slice(raw.as_bytes());
        return Some(());
    }
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
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`percent_decode`] into a string of its own; `None` when the bytes are not UTF-8.
    fn decode(raw: &str) -> Option<String> {
        let mut out = Vec::new();
        percent_decode(&mut out, raw)?;
        String::from_utf8(out).ok()
    }

    #[test]
    fn lowercase_agrees_with_to_lowercase() {
        for key in ["abc", "ABC", "aBc_1", "\u{1c5}x", "\u{130}", "\u{212a}ey", "ß", "Σ", "a-b.c"] {
            assert_eq!(lowercase(key), key.to_lowercase(), "{key:?}");
        }
        assert!(matches!(lowercase("already_lower"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_ascii_scan_agrees_with_the_char_scan() {
        let key_rule = |c: char| c == '&' || c == '=' || c.is_whitespace() || c.is_control();
        let value_rule = |c: char| c == '&' || c.is_control();
        for b in 0..=0x7fu8 {
            for s in [format!("{}", char::from(b)), format!("ab{}c", char::from(b)), format!("x{}", char::from(b))] {
                // Never empty here, so only the character rule can refuse.
                assert_eq!(validate_key(&s), refuse_chars(&s, InputKind::ParamKey, key_rule), "key {s:?}");
                assert_eq!(validate_value(&s), refuse_chars(&s, InputKind::ParamValue, value_rule), "value {s:?}");
            }
        }
        // Non-ASCII text takes the char scan: U+0085 is a control, U+00A0 whitespace.
        assert!(validate_value("a\u{85}").is_err() && validate_value("a\u{a0}").is_ok());
        assert!(validate_key("a\u{a0}").is_err() && validate_key("\u{e9}").is_ok());
    }

    #[test]
    fn strict_percent_decoding() {
        assert_eq!(decode("a+b%20c%2Bd%2b").as_deref(), Some("a b c+d+"));
        assert_eq!(decode("%C3%A9").as_deref(), Some("\u{e9}"));
        assert_eq!(decode("\u{e9}").as_deref(), Some("\u{e9}"));
        assert_eq!(decode(""), Some(String::new()));
        for bad in ["%", "%2", "%zz", "%2g", "a%", "%FF", "%C3", "%ED%A0%80"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
        // On valid input, the same as form_urlencoded.
        for ok in ["a+b%20c", "%41%62", "x%2By", "%E2%82%AC"] {
            let ours = decode(ok).unwrap();
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
    fn the_plain_path_agrees_with_the_general_one() {
        // Every printable ASCII byte and a few others, in a key and in a value: the fast
        // path must give what decoding and checking each piece gives.
        for b in 0..=0x7fu8 {
            let c = char::from(b);
            for raw in [format!("k{c}=v"), format!("K=v{c}"), format!("{c}=1"), format!("a=1&{c}"), format!("Ab{c}")] {
                let mut general = Vec::new();
                let mut ok = true;
                for piece in raw.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
                    match (decode(k), decode(v)) {
                        (Some(k), Some(v)) if validate_key(&k).is_ok() && validate_value(&v).is_ok() => {
                            general.push((k.to_lowercase(), v));
                        }
                        _ => ok = false,
                    }
                }
                match decode_query(&raw) {
                    Ok(params) => {
                        assert!(ok, "{raw:?} decoded but the general path refuses it");
                        let got: Vec<(String, String)> =
                            params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
                        assert_eq!(got, general, "{raw:?}");
                    }
                    Err(_) => assert!(!ok, "{raw:?} refused but the general path decodes it"),
                }
            }
        }
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
        // Already in order, and a duplicate that is already adjacent.
        assert!(decode_query("a=1&b=2").unwrap().sort_and_check_unique());
        assert!(!decode_query("a=1&a=1").unwrap().sort_and_check_unique());
        let mut signed = decode_query("auth_version=1.0&body_md5=m&AUTH_KEY=k&x=1&auth_signature=s").unwrap();
        assert!(signed.sort_and_check_unique());
        assert_eq!(signed.reserved(), [Some("k"), Some("s"), None, Some("1.0"), Some("m")]);
    }

    #[test]
    fn every_hex_digit_decodes_in_both_cases() {
        assert_eq!(decode("%2a%2A%2f%2F%4a%4A%3b%3B%3c%3C%3d%3D%3e%3E%30%39").as_deref(), Some("**//JJ;;<<==>>09"));
    }

    #[test]
    fn room_for_exactly_the_non_empty_pieces() {
        for query in ["", "&", "&&&", "a", "a&", "&a", "&&a&&b=1&&", "a=1&b=2", "%41&&%42=%43&", "a=b+c&&d", "=&a"] {
            let pieces = query.split('&').filter(|piece| !piece.is_empty()).count();
            match decode_query(query) {
                Ok(params) => {
                    assert_eq!(params.spans.len(), pieces, "{query:?}");
                    assert_eq!(params.spans.capacity(), pieces, "{query:?}");
                }
                Err(_) => assert_eq!(query, "=&a", "{query:?} refused"),
            }
        }
        // 400 KiB of `&`: nothing to list, and no room reserved for it.
        let params = decode_query(&"&".repeat(400 * 1024)).unwrap();
        assert_eq!((params.spans.len(), params.spans.capacity()), (0, 0));
    }

    #[test]
    fn both_paths_agree_on_plain_queries() {
        let queries = [
            "a=1&B=2&&c&d=&e=x=y&",
            "auth_key=k&auth_timestamp=1&auth_version=1.0&auth_signature=s&Info=user_count",
            "&&&",
            "A",
            "a=&=&b",
            "a b=1",
            "k=v w&K=V",
        ];
        for query in queries {
            let pieces = query.split('&').filter(|piece| !piece.is_empty()).count();
            let pairs = |params: Params| params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect::<Vec<_>>();
            let plain = decode_plain(query, pieces).map(pairs);
            let general = decode_general(query, pieces).map(pairs);
            assert_eq!(plain, general, "{query:?}");
        }
    }

    /// Offsets are 32 bits: a span past 4 GiB is a malformed query, never a wrapped one.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn offsets_past_32_bits_are_malformed() {
        let past = 1usize << 32;
        assert!(Span::new(0, 1, 2).is_ok());
        assert!(Span::new(0, 1, usize::try_from(u32::MAX).unwrap()).is_ok());
        for (start, key_end, end) in [(0, 1, past), (0, past, past), (past, past, past)] {
            assert_eq!(Span::new(start, key_end, end).unwrap_err(), VerifyError::MalformedQuery);
        }
    }

    /// The bound of `decode_query` counts on lowercasing lengthening a key by at most
    /// half: true of every character (`İ`, 2 bytes, gives 3), and of the one that
    /// depends on context (`Σ`, 2 bytes, gives `σ` or `ς`, 2).
    #[test]
    fn lowercasing_lengthens_by_at_most_half() {
        let mut worst = (0, 1);
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let lower: usize = c.to_lowercase().map(char::len_utf8).sum();
            assert!(2 * lower <= 3 * c.len_utf8(), "{c:?}");
            if lower * worst.1 > worst.0 * c.len_utf8() {
                worst = (lower, c.len_utf8());
            }
        }
        assert_eq!(worst, (3, 2));
        assert_eq!("\u{3a3}\u{3a3}".to_lowercase().len(), 4);
    }
}
