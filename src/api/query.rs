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
    if plain { decode_plain(query, pieces) } else { decode_general(query, pieces) }
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
mod tests;
