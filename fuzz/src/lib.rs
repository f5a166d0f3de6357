//! Helpers shared by the fuzz targets: independent reference implementations of the
//! grammars and formats (written from the protocol, not from the library's code), and
//! the simple field format the verify targets read.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The field separator of the verify targets' inputs: 0xFF never occurs in UTF-8, so
/// every field can hold any text and the seeds stay readable.
pub const SEP: u8 = 0xff;

/// Splits a target input into its fields.
pub fn fields(data: &[u8]) -> Vec<&[u8]> {
    data.split(|b| *b == SEP).collect()
}

/// A field as text (invalid UTF-8 replaced, so every input reaches the code under test).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `A-Z a-z 0-9 _ - = @ , . ;`: channel names and user ids.
pub const CHANNEL_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-=@,.;";
/// `A-Z a-z 0-9 _ - .`: app keys and app ids.
pub const APP_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.";

/// Whether `s` is 1..=`max` bytes, each in `alphabet`.
pub fn in_alphabet(s: &str, max: usize, alphabet: &[u8]) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| alphabet.contains(&b))
}

/// The socket id grammar: `[0-9]{1,20}` `.` `[0-9]{1,20}`.
pub fn is_socket_id(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.len() <= 20 && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((a, b)) => digits(a) && digits(b),
        None => false,
    }
}

/// The channel name grammar: 1..=200 bytes of the channel alphabet, or the server's own
/// `#server-to-user-<user id>` where `<user id>` is a valid user id (1..=128 bytes of the
/// same alphabet).
pub fn is_channel_name(s: &str) -> bool {
    match s.strip_prefix("#server-to-user-") {
        Some(id) => in_alphabet(id, 128, CHANNEL_ALPHABET),
        None => in_alphabet(s, 200, CHANNEL_ALPHABET),
    }
}

/// The event name grammar: 1..=200 bytes, no code point in U+0000..=U+001F, U+007F or
/// U+0080..=U+009F, and not starting (case-sensitively) with `pusher:` or
/// `pusher_internal:`.
pub fn is_event_name(s: &str) -> bool {
    let control = |c: char| matches!(u32::from(c), 0x00..=0x1f | 0x7f..=0x9f);
    !s.is_empty()
        && s.len() <= 200
        && !s.chars().any(control)
        && !s.starts_with("pusher:")
        && !s.starts_with("pusher_internal:")
}

/// Bayeux segment characters: `A-Z a-z 0-9 - _ ! ~ ( ) $ @`.
pub const FAYE_SEGMENT: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_!~()$@";

/// A Faye channel: at most 1024 bytes, `/` then non-empty segments of the Bayeux charset,
/// `*` or `**` only as the last segment.
pub fn is_faye_channel(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('/') else { return false };
    if s.len() > 1024 {
        return false;
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    segments.iter().enumerate().all(|(i, seg)| {
        (!seg.is_empty() && seg.bytes().all(|b| FAYE_SEGMENT.contains(&b)))
            || (i == last && (*seg == "*" || *seg == "**"))
    })
}

/// A Faye user id: 1..=1024 bytes, no `:`, no C0, DEL or C1 control character
/// (written out as code point ranges, not with `char::is_control`).
pub fn is_faye_user_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 1024
        && s.chars().all(|c| c != ':' && !matches!(u32::from(c), 0x00..=0x1f | 0x7f..=0x9f))
}

/// The design's webhook shape, re-implemented: `{` first, `}` last but for JSON
/// whitespace, a `:` somewhere. `verify_webhook` refuses any other body before its MAC.
pub fn webhook_shaped(body: &[u8]) -> bool {
    let end = body.iter().rposition(|b| !b" \t\r\n".contains(b));
    let trimmed = end.map_or(&[][..], |end| &body[..=end]);
    trimmed.first() == Some(&b'{') && trimmed.last() == Some(&b'}') && body.contains(&b':')
}

/// Lowercase hex HMAC-SHA256(secret, message), computed directly with `hmac`.
pub fn reference_hex(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Maps arbitrary bytes onto `alphabet`, keeping at most `max` and at least one.
pub fn map_to(bytes: &[u8], alphabet: &[u8], max: usize) -> String {
    let mut out: String =
        bytes.iter().take(max).map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()])).collect();
    if out.is_empty() {
        out.push(char::from(alphabet[0]));
    }
    out
}

/// A valid socket id built from arbitrary bytes.
pub fn socket_from(a: &[u8], b: &[u8]) -> String {
    format!("{}.{}", map_to(a, b"0123456789", 20), map_to(b, b"0123456789", 20))
}

/// Cuts `s` to at most `max` bytes, at a character boundary; never empty.
pub fn cut(s: &str, max: usize, fallback: &str) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    if end == 0 { fallback.to_owned() } else { s[..end].to_owned() }
}

/// `<key>:<lowercase hex HMAC-SHA256(secret, message)>`, computed directly with `hmac`.
pub fn reference_auth(key: &str, secret: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    format!("{key}:{}", hex::encode(mac.finalize().into_bytes()))
}

/// base64(SHA-256(channel ‖ master key)).
pub fn reference_shared_secret(channel: &str, master_key: &[u8]) -> String {
    use base64::Engine as _;
    let digest = Sha256::new().chain_update(channel.as_bytes()).chain_update(master_key).finalize();
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// A JSON value from arbitrary input, nesting bounded.
#[derive(Debug, arbitrary::Arbitrary)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (NaN and infinities become `null`).
    Float(f64),
    /// A string: any Unicode, controls included.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object (keys may repeat; the last wins).
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// As a `serde_json::Value`, cut off below `depth` levels.
    pub fn to_value(&self, depth: usize) -> serde_json::Value {
        use serde_json::Value;
        if depth == 0 {
            return Value::Null;
        }
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::from(*i),
            Json::Float(f) => Value::from(*f),
            Json::Str(s) => Value::String(s.clone()),
            Json::Arr(items) => Value::Array(items.iter().map(|j| j.to_value(depth - 1)).collect()),
            Json::Obj(items) => Value::Object(items.iter().map(|(k, j)| (k.clone(), j.to_value(depth - 1))).collect()),
        }
    }
}

/// Whether two secrets are the same HMAC key. RFC 2104 zero-pads a key shorter than the
/// 64-byte block, so `"s"` and `"s\0"` key HMAC identically: that is HMAC, not a bug of
/// the library (both are the operator's own secret), and the oracles must allow it.
/// (A key longer than a block is hashed first; finding another key equal to that hash
/// is out of a fuzzer's reach.)
pub fn hmac_equivalent(a: &str, b: &str) -> bool {
    if a.len() > 64 || b.len() > 64 {
        return a == b;
    }
    a.trim_end_matches('\0') == b.trim_end_matches('\0')
}
