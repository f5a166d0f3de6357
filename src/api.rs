//! HTTP API request signing and verification.
//!
//! The rules are documented where users read them: the string to sign and the escaping
//! on [`sign_api_request`], the decoding and the app binding on [`verify_api_request`].

use core::time::Duration;
use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest as _, Md5};
use subtle::Choice;

use crate::credentials::{Credentials, Keyring};
use crate::error::{InputKind, InvalidInput, VerifyError};
use crate::names::CHANNEL_CHARS;

/// The only `auth_version` there is.
pub const API_AUTH_VERSION: &str = "1.0";

/// How far `auth_timestamp` may be from the verifier's clock, either way: a request
/// whose timestamp is this far or farther is refused.
pub const API_TIMESTAMP_WINDOW: Duration = Duration::from_secs(600);

/// Parameters the signature owns; a caller's parameter may not use these names, in any
/// case. Sorted.
const RESERVED: [&str; 5] = ["auth_key", "auth_signature", "auth_timestamp", "auth_version", "body_md5"];

/// An HTTP method, as it stands (uppercase) in the string to sign.
///
/// ```
/// use channel_auth::Method;
///
/// assert_eq!(Method::Post.as_str(), "POST");
/// assert_eq!("GET".parse::<Method>()?, Method::Get);
/// assert!("get".parse::<Method>().is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`: channel queries.
    Get,
    /// `POST`: triggering events, terminating connections.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name on the wire: uppercase.
    ///
    /// ```
    /// assert_eq!(channel_auth::Method::Delete.as_str(), "DELETE");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

impl core::fmt::Display for Method {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Method {
    type Err = InvalidInput;

    /// Parses an uppercase method name (HTTP methods are case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "GET" => Ok(Self::Get),
            "POST" => Ok(Self::Post),
            "PUT" => Ok(Self::Put),
            "DELETE" => Ok(Self::Delete),
            _ => Err(InvalidInput::Malformed {
                kind: InputKind::HttpMethod,
                position: 0,
                expected: "GET, POST, PUT or DELETE",
            }),
        }
    }
}

/// A signed query string, ready to put after `?`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use channel_auth::{sign_api_request, Credentials, Method};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let at = UNIX_EPOCH + Duration::from_secs(1234);
/// let query = sign_api_request(&creds, Method::Get, "/apps/3/channels", &[("info", "a b")], b"", at)?;
/// assert!(query.as_str().starts_with("auth_key=key&auth_timestamp=1234&auth_version=1.0&info=a+b&auth_signature="));
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignedQuery {
    query: String,
}

impl SignedQuery {
    /// The query string (without the leading `?`), form-urlencoded.
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// # use channel_auth::{sign_api_request, Credentials, Method};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// let query = sign_api_request(&creds, Method::Get, "/x", &[], b"", UNIX_EPOCH)?;
    /// assert!(query.as_str().contains("&auth_signature="));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.query
    }

    /// The query string, owned.
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// # use channel_auth::{sign_api_request, Credentials, Method};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// let query = sign_api_request(&creds, Method::Get, "/x", &[], b"", UNIX_EPOCH)?.into_string();
    /// assert!(query.starts_with("auth_key=key&"));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn into_string(self) -> String {
        self.query
    }
}

impl AsRef<str> for SignedQuery {
    fn as_ref(&self) -> &str {
        &self.query
    }
}

impl core::fmt::Display for SignedQuery {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.query)
    }
}

/// Signs an HTTP API request: the query string to send with it.
///
/// `params` are the request's own query parameters (e.g. `info`, `filter_by_prefix`),
/// unescaped; `body` is the exact body that will be sent (empty for none); `timestamp`
/// is the signing time (pass `SystemTime::now()`).
///
/// # String to sign
///
/// ```text
/// <METHOD>\n<path>\n<k1>=<v1>&<k2>=<v2>&…
/// ```
///
/// - `METHOD` is uppercase ([`Method`]); `path` is the request path as sent, without the
///   query string.
/// - The parameters are every query parameter but `auth_signature`: the caller's, plus
///   `auth_key`, `auth_timestamp` (Unix seconds), `auth_version=1.0` and, when the body
///   is not empty, `body_md5` (lowercase hex MD5 of the body).
/// - Keys are lowercased ([`str::to_lowercase`], full Unicode, as the official libraries'
///   `toLowerCase`/`downcase` do) and sorted bytewise; keys and values stand **unescaped**
///   in the string to sign, joined by `=` and `&`.
///
/// That is unambiguous because of the rules both sides enforce: no key is empty or holds
/// `&`, `=`, whitespace or a control character; no value holds `&` or a control
/// character; no two keys are the same after lowercasing; the path holds no control
/// character (so no `\n`). So `a=1&b=2` can never be passed off as one parameter `a` with
/// the value `1&b=2`: the verifier refuses a value holding `&`, even one sent as `%26`.
///
/// # Escaping
///
/// [`SignedQuery::as_str`] is `application/x-www-form-urlencoded` (the
/// `form_urlencoded` crate): lowercased keys in sorted order, then `auth_signature` last.
/// Letters, digits and `*-._` go as they are, a space goes as `+`, every other byte as
/// `%XX`; a `+` in a value therefore goes as `%2B`. [`verify_api_request`] decodes
/// `+` back to a space.
///
/// # Errors
/// An [`InvalidInput`] naming the rule:
/// - the path: [`InvalidInput::Empty`], [`InvalidInput::Malformed`] when it does not
///   start with `/`, [`InvalidInput::InvalidChar`] for `?`, `#`, whitespace or a control
///   character (kind [`InputKind::ApiPath`]);
/// - a key: [`InvalidInput::Empty`], [`InvalidInput::InvalidChar`] for `&`, `=`,
///   whitespace or a control character, [`InvalidInput::Reserved`] for `auth_key`,
///   `auth_timestamp`, `auth_version`, `auth_signature` or `body_md5` in any case,
///   [`InvalidInput::Duplicate`] for two keys equal after lowercasing (kind
///   [`InputKind::ParamKey`]);
/// - a value: [`InvalidInput::InvalidChar`] for `&` or a control character (CR and LF
///   included; kind [`InputKind::ParamValue`]);
/// - [`InvalidInput::BeforeUnixEpoch`] for a timestamp before 1970.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use channel_auth::{sign_api_request, Credentials, InputKind, InvalidInput, Method};
///
/// // Pusher's documented example (HTTP API reference, app 3).
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
/// let body = br#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
/// let at = UNIX_EPOCH + Duration::from_secs(1353088179);
/// let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, at)?;
/// assert_eq!(
///     query.as_str(),
///     "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0\
///      &body_md5=ec365a775a4cd0599faeb73354201b6f\
///      &auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
/// );
///
/// let err = sign_api_request(&creds, Method::Get, "/x", &[("Auth_Key", "k")], b"", at).unwrap_err();
/// assert_eq!(err, InvalidInput::Reserved { kind: InputKind::ParamKey, name: "auth_key" });
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
pub fn sign_api_request(
    credentials: &Credentials,
    method: Method,
    path: &str,
    params: &[(&str, &str)],
    body: &[u8],
    timestamp: SystemTime,
) -> Result<SignedQuery, InvalidInput> {
    validate_path(path)?;
    let seconds = timestamp
        .duration_since(UNIX_EPOCH)
        .map_err(|_| InvalidInput::BeforeUnixEpoch { kind: InputKind::Timestamp })?
        .as_secs();

    // (lowercased key, value, index in `params`)
    let mut own: Vec<(Cow<'_, str>, &str, usize)> = Vec::with_capacity(params.len());
    for (index, (key, value)) in params.iter().enumerate() {
        validate_key(key)?;
        validate_value(value)?;
        let lower = lowercase(key);
        if let Some(name) = reserved(&lower) {
            return Err(InvalidInput::Reserved { kind: InputKind::ParamKey, name });
        }
        own.push((lower, value, index));
    }
    own.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
    for pair in own.windows(2) {
        if let [a, b] = pair {
            if a.0 == b.0 {
                return Err(InvalidInput::Duplicate { kind: InputKind::ParamKey, first: a.2, second: b.2 });
            }
        }
    }

    let seconds = seconds.to_string();
    let body_md5 = (!body.is_empty()).then(|| md5_hex(body));
    let mut all: Vec<(&str, &str)> = Vec::with_capacity(own.len() + RESERVED.len());
    all.extend(own.iter().map(|(key, value, _)| (key.as_ref(), *value)));
    all.push(("auth_key", credentials.key().as_str()));
    all.push(("auth_timestamp", &seconds));
    all.push(("auth_version", API_AUTH_VERSION));
    if let Some(md5) = &body_md5 {
        all.push(("body_md5", md5));
    }
    // Keys are unique now (reserved names were refused), so the order is total.
    all.sort_unstable_by(|a, b| a.0.cmp(b.0));

    let signature = credentials.hex_tag(&string_to_sign(method, path, all.iter().copied()));

    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in all {
        query.append_pair(key, value);
    }
    query.append_pair("auth_signature", &signature);
    Ok(SignedQuery { query: query.finish() })
}

/// Verifies a signed HTTP API request, as a Pusher-compatible server does, and returns
/// the credentials that signed it.
///
/// `path` is the request path (no query string), `query` the raw query string (no
/// leading `?`), `body` the raw body, `now` the server's clock. Every credential in the
/// keyring with the request's `auth_key` is tried (secret rotation); the first whose
/// signature matches, and whose app binding admits the path, is returned.
///
/// Checks, in order: the path rules; the query decodes and every parameter obeys the
/// signing rules; no duplicate key (after lowercasing); `auth_key`, `auth_timestamp`,
/// `auth_version` and `auth_signature` are present; `auth_version` is `1.0`;
/// `auth_timestamp` is decimal seconds; the key is known; `|now − auth_timestamp|` is
/// under [`API_TIMESTAMP_WINDOW`] (whole seconds, `now` rounded down); `body_md5` is the
/// body's MD5 (required when the body is not empty; an empty body may carry the MD5 of
/// nothing); the signature matches, in constant time; the app binding (below).
///
/// # Decoding
///
/// The query is decoded as `application/x-www-form-urlencoded`, the way
/// [`sign_api_request`] encodes it, but strictly: `+` is a space, `%XX` is the byte `XX`
/// (either case of hex digit), anything else is itself, and empty `&&` pieces are
/// skipped. A `%` not followed by two hex digits, or decoded bytes that are not UTF-8,
/// make the query [`VerifyError::MalformedQuery`] rather than being kept or replaced
/// with U+FFFD, either of which would let two different queries share one signature.
/// The signature is then checked over the decoded parameters, so `%20` and `+` are the
/// same space, and a client that sends a literal `+` meaning plus (rather than `%2B`)
/// fails verification (as it would with Go's `url.ParseQuery`, PHP's `parse_str` or
/// Rack). Every decoded key and value must obey the signing rules, or the query is
/// malformed: that is what stops `a=1%26b%3D2` from reusing the signature of `a=1&b=2`.
///
/// Keys that differ only in case are one key: the verifier refuses `a=1&A=2` as a
/// duplicate, and reads `AUTH_KEY` as `auth_key`, since that is what the signature covers.
///
/// # App binding
///
/// Credentials bound to one app with [`Credentials::with_app_id`] accept a request only
/// when its path is provably inside that app:
///
/// 1. the path is made of the channel-name characters `A-Z a-z 0-9 _ - = @ , . ;` and
///    `/` only (every path of the Pusher HTTP API is), so no percent-escape or `\`;
/// 2. no segment is empty, `.` or `..` (no `//`, no trailing `/`, no traversal);
/// 3. when the first segment is `apps` (ignoring ASCII case and anything from a `;`), the
///    second segment, if any, is exactly the bound id: `/apps/3` and `/apps/3/events` pass
///    for app `3`, while `/apps/4`, `/apps/33/events`, `/apps/3;x/events` and
///    `/APPS/4/events` do not. Paths outside `/apps/` (and `/apps` itself) pass.
///
/// A path that fails is [`VerifyError::WrongApp`], even with a good signature: app A's
/// secret must not reach app B's channels on a multi-tenant server.
///
/// # Errors
/// [`VerifyError::InvalidPath`], [`VerifyError::MalformedQuery`],
/// [`VerifyError::DuplicateParam`], [`VerifyError::MissingParam`],
/// [`VerifyError::UnsupportedVersion`], [`VerifyError::InvalidTimestamp`],
/// [`VerifyError::UnknownKey`], [`VerifyError::TimestampTooOld`],
/// [`VerifyError::TimestampTooNew`], [`VerifyError::BodyMismatch`],
/// [`VerifyError::InvalidSignature`] (a mismatch, or a signature that is not 64
/// lowercase hex digits), [`VerifyError::WrongApp`].
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use channel_auth::{sign_api_request, verify_api_request, Credentials, Keyring, Method, VerifyError};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("3".parse()?);
/// let ring = Keyring::new([creds.clone()]);
/// let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let body = br#"{"name":"e","channels":["c"],"data":"{}"}"#;
/// let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, at)?;
///
/// let signer = verify_api_request(&ring, Method::Post, "/apps/3/events", query.as_str(), body, at)?;
/// assert_eq!(signer.key().as_str(), "key");
/// let later = at + Duration::from_secs(600);
/// assert_eq!(
///     verify_api_request(&ring, Method::Post, "/apps/3/events", query.as_str(), body, later).unwrap_err(),
///     VerifyError::TimestampTooOld,
/// );
/// assert_eq!(
///     verify_api_request(&ring, Method::Post, "/apps/3/events", query.as_str(), b"{}", at).unwrap_err(),
///     VerifyError::BodyMismatch,
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
// Inline: a thin wrapper over `check_api_request`. Inlined, a caller that asks only
// `is_ok()` gets a flag rather than a jump on the outcome (see examples/dudect.rs).
#[inline]
pub fn verify_api_request<'a>(
    keyring: &'a Keyring,
    method: Method,
    path: &str,
    query: &str,
    body: &[u8],
    now: SystemTime,
) -> Result<&'a Credentials, VerifyError> {
    let checked = check_api_request(keyring, method, path, query, body, now)?;
    checked.signer.ok_or(if checked.outside_app { VerifyError::WrongApp } else { VerifyError::InvalidSignature })
}

/// What [`check_api_request`] found in a request whose signature it checked.
struct Checked<'a> {
    /// The first credentials that signed the request and whose app binding holds.
    signer: Option<&'a Credentials>,
    /// Whether some credentials signed it but are bound to another app.
    outside_app: bool,
}

/// [`verify_api_request`] up to its outcome: `Err` for a request refused before its
/// signature is checked, otherwise what checking the signature found.
fn check_api_request<'a>(
    keyring: &'a Keyring,
    method: Method,
    path: &str,
    query: &str,
    body: &[u8],
    now: SystemTime,
) -> Result<Checked<'a>, VerifyError> {
    validate_path(path).map_err(|_| VerifyError::InvalidPath)?;
    let mut params = decode_query(query)?;
    params.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if params.windows(2).any(|pair| matches!(pair, [a, b] if a.0 == b.0)) {
        return Err(VerifyError::DuplicateParam);
    }
    let get = |name: &str| {
        params
            .binary_search_by(|(key, _)| key.as_str().cmp(name))
            .ok()
            .and_then(|i| params.get(i))
            .map(|(_, v)| v.as_str())
    };
    let missing = |name: &'static str| VerifyError::MissingParam { name };

    let key = get("auth_key").ok_or(missing("auth_key"))?;
    let timestamp = get("auth_timestamp").ok_or(missing("auth_timestamp"))?;
    let version = get("auth_version").ok_or(missing("auth_version"))?;
    let signature = get("auth_signature").ok_or(missing("auth_signature"))?;
    if version != API_AUTH_VERSION {
        return Err(VerifyError::UnsupportedVersion);
    }
    let timestamp = parse_seconds(timestamp).ok_or(VerifyError::InvalidTimestamp)?;
    if keyring.candidates(key).next().is_none() {
        return Err(VerifyError::UnknownKey);
    }
    check_window(timestamp, now)?;
    match get("body_md5") {
        Some(received) if received != md5_hex(body) => return Err(VerifyError::BodyMismatch),
        None if !body.is_empty() => return Err(missing("body_md5")),
        _ => {}
    }

    let signed = params.iter().filter(|(k, _)| k != "auth_signature").map(|(k, v)| (k.as_str(), v.as_str()));
    let message = string_to_sign(method, path, signed);
    // Every candidate is checked, and its app binding too, whatever the signature
    // comparison said, with no branch on the result: the work done does not depend on
    // which (if any) matched.
    let mut outside_app = Choice::from(0);
    let lookup = keyring.first_passing(key, |credentials| {
        let signed = credentials.matches_hex(&message, signature);
        // The binding depends only on the path and the server's own configuration.
        let inside = Choice::from(u8::from(within_app(credentials, path)));
        outside_app |= signed & !inside;
        signed & inside
    });
    Ok(Checked { signer: lookup, outside_app: bool::from(outside_app) })
}

/// [`verify_api_request`] at the system clock's `now`.
///
/// Not compiled for `wasm32-unknown-unknown`, where `SystemTime::now()` panics: there,
/// pass the host's clock (e.g. a Worker's `Date.now()`) to [`verify_api_request`].
///
/// # Errors
/// As [`verify_api_request`].
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::{sign_api_request, verify_api_request_now, Credentials, Keyring, Method};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let query = sign_api_request(&creds, Method::Get, "/apps/3/channels", &[], b"", SystemTime::now())?;
/// let ring = Keyring::new([creds]);
/// verify_api_request_now(&ring, Method::Get, "/apps/3/channels", query.as_str(), b"")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub fn verify_api_request_now<'a>(
    keyring: &'a Keyring,
    method: Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Result<&'a Credentials, VerifyError> {
    verify_api_request(keyring, method, path, query, body, SystemTime::now())
}

/// `METHOD\npath\nk=v&k=v…` as parts for the MAC: params unescaped, in the order given
/// (callers sort), never concatenated into a temporary string.
fn string_to_sign<'a>(
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
fn lowercase(key: &str) -> Cow<'_, str> {
    if key.is_ascii() && !key.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(key.to_lowercase())
    }
}

fn md5_hex(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

fn reserved(lower_key: &str) -> Option<&'static str> {
    RESERVED.iter().find(|name| **name == lower_key).copied()
}

/// The first character of `s` that `forbidden` refuses, as an `InvalidChar` of `kind`.
fn refuse_chars(s: &str, kind: InputKind, forbidden: impl Fn(char) -> bool) -> Result<(), InvalidInput> {
    match s.char_indices().find(|(_, c)| forbidden(*c)) {
        Some((position, found)) => Err(InvalidInput::InvalidChar { kind, position, found }),
        None => Ok(()),
    }
}

/// A path starts with `/` and holds no `?`, `#`, whitespace or control character.
fn validate_path(path: &str) -> Result<(), InvalidInput> {
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
fn validate_key(key: &str) -> Result<(), InvalidInput> {
    const KIND: InputKind = InputKind::ParamKey;
    if key.is_empty() {
        return Err(InvalidInput::Empty { kind: KIND });
    }
    refuse_chars(key, KIND, |c| c == '&' || c == '=' || c.is_whitespace() || c.is_control())
}

/// A value holds no `&` and no control character.
fn validate_value(value: &str) -> Result<(), InvalidInput> {
    refuse_chars(value, InputKind::ParamValue, |c| c == '&' || c.is_control())
}

/// Decimal seconds: 1 to 20 ASCII digits that fit a `u64` (no sign, no space).
fn parse_seconds(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `|now − timestamp| < API_TIMESTAMP_WINDOW`, in whole seconds, saturating.
fn check_window(timestamp: u64, now: SystemTime) -> Result<(), VerifyError> {
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let window = API_TIMESTAMP_WINDOW.as_secs();
    if now.saturating_sub(timestamp) >= window {
        Err(VerifyError::TimestampTooOld)
    } else if timestamp.saturating_sub(now) >= window {
        Err(VerifyError::TimestampTooNew)
    } else {
        Ok(())
    }
}

/// The query's parameters, decoded, checked against the signing rules, keys lowercased.
fn decode_query(query: &str) -> Result<Vec<(String, String)>, VerifyError> {
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
fn percent_decode(raw: &str) -> Option<String> {
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

/// Whether the credentials' app binding (if any) admits `path`: see the module docs.
fn within_app(credentials: &Credentials, path: &str) -> bool {
    let Some(app) = credentials.app_id() else {
        return true;
    };
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if !rest.bytes().all(|b| b == b'/' || CHANNEL_CHARS.contains(b)) {
        return false;
    }
    if rest.split('/').any(|segment| segment.is_empty() || segment == "." || segment == "..") {
        return false;
    }
    let mut segments = rest.split('/');
    let first = segments.next().unwrap_or_default();
    let is_apps = first.split(';').next().is_some_and(|name| name.eq_ignore_ascii_case("apps"));
    if !is_apps {
        return true;
    }
    segments.next().is_none_or(|id| id == app.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn sign(params: &[(&str, &str)]) -> Result<SignedQuery, InvalidInput> {
        sign_api_request(&creds(), Method::Get, "/apps/3/channels", params, b"", at(1000))
    }

    const KEY: InputKind = InputKind::ParamKey;
    const VALUE: InputKind = InputKind::ParamValue;
    const PATH: InputKind = InputKind::ApiPath;

    #[test]
    fn methods_round_trip() {
        for method in [Method::Get, Method::Post, Method::Put, Method::Delete] {
            assert_eq!(method.as_str().parse::<Method>(), Ok(method));
            assert_eq!(method.to_string(), method.as_str());
        }
        let unknown =
            InvalidInput::Malformed { kind: InputKind::HttpMethod, position: 0, expected: "GET, POST, PUT or DELETE" };
        for bad in ["get", "Post", "PATCH", "", "GET ", "GET\n"] {
            assert_eq!(bad.parse::<Method>(), Err(unknown.clone()), "{bad:?}");
        }
    }

    #[test]
    fn reserved_keys_are_refused_in_any_case() {
        for (key, name) in [
            ("auth_key", "auth_key"),
            ("AUTH_KEY", "auth_key"),
            ("Auth_Timestamp", "auth_timestamp"),
            ("auth_VERSION", "auth_version"),
            ("auth_signature", "auth_signature"),
            ("Body_MD5", "body_md5"),
            // KELVIN SIGN lowercases to 'k': the check runs on the lowercased key.
            ("auth_\u{212a}ey", "auth_key"),
        ] {
            assert_eq!(sign(&[(key, "x")]), Err(InvalidInput::Reserved { kind: KEY, name }), "{key:?}");
        }
        assert!(sign(&[("auth_keys", "x"), ("auth", "x"), ("body_md", "x")]).is_ok());
    }

    #[test]
    fn key_rules() {
        assert_eq!(sign(&[("", "x")]), Err(InvalidInput::Empty { kind: KEY }));
        for (key, position, found) in [
            ("a&b", 1, '&'),
            ("a=b", 1, '='),
            ("a b", 1, ' '),
            ("a\tb", 1, '\t'),
            ("ab\n", 2, '\n'),
            ("\r", 0, '\r'),
            ("a\0", 1, '\0'),
            ("a\u{7f}", 1, '\u{7f}'),
            ("a\u{85}", 1, '\u{85}'),
            ("a\u{a0}", 1, '\u{a0}'),
            ("\u{e9}\u{2028}", 2, '\u{2028}'),
        ] {
            assert_eq!(sign(&[(key, "x")]), Err(InvalidInput::InvalidChar { kind: KEY, position, found }), "{key:?}");
        }
        assert!(sign(&[("a.b-c_d[]~%+#?", "x"), ("\u{e9}", "y")]).is_ok());
    }

    #[test]
    fn value_rules() {
        for (value, position, found) in [
            ("a&b", 1, '&'),
            ("a\nb", 1, '\n'),
            ("a\r", 1, '\r'),
            ("\0", 0, '\0'),
            ("x\u{1b}", 1, '\u{1b}'),
            ("\u{e9}\u{9f}", 2, '\u{9f}'),
        ] {
            assert_eq!(
                sign(&[("k", value)]),
                Err(InvalidInput::InvalidChar { kind: VALUE, position, found }),
                "{value:?}"
            );
        }
        let ok = sign(&[("k", "a=b c+d%e/f?g#h\u{e9}")]).unwrap();
        assert!(ok.as_str().contains("&k=a%3Db+c%2Bd%25e%2Ff%3Fg%23h%C3%A9&"), "{ok}");
        assert!(sign(&[("k", "")]).unwrap().as_str().contains("&k=&"));
    }

    #[test]
    fn duplicate_keys_are_refused_after_lowercasing() {
        let dup = |first, second| Err(InvalidInput::Duplicate { kind: KEY, first, second });
        assert_eq!(sign(&[("a", "1"), ("a", "2")]), dup(0, 1));
        assert_eq!(sign(&[("b", "1"), ("A", "1"), ("c", "1"), ("a", "2")]), dup(1, 3));
        assert_eq!(sign(&[("\u{c9}", "1"), ("\u{e9}", "2")]), dup(0, 1));
    }

    #[test]
    fn path_rules() {
        let path = |p: &str| sign_api_request(&creds(), Method::Get, p, &[], b"", at(1)).map(|_| ());
        assert_eq!(path(""), Err(InvalidInput::Empty { kind: PATH }));
        for bad in ["apps/3", " /apps", "?x", "http://host/apps"] {
            assert_eq!(path(bad), Err(InvalidInput::Malformed { kind: PATH, position: 0, expected: "'/'" }));
        }
        for (bad, position, found) in [
            ("/apps?x=1", 5, '?'),
            ("/apps#x", 5, '#'),
            ("/a b", 2, ' '),
            ("/a\n", 2, '\n'),
            ("/a\r\nPOST", 2, '\r'),
            ("/a\t", 2, '\t'),
            ("/\0", 1, '\0'),
            ("/\u{3000}", 1, '\u{3000}'),
        ] {
            assert_eq!(path(bad), Err(InvalidInput::InvalidChar { kind: PATH, position, found }), "{bad:?}");
        }
        assert_eq!(path("/"), Ok(()));
        assert_eq!(path("/apps/3/channels/presence-a;b=c@d,e.f"), Ok(()));
    }

    #[test]
    fn timestamps_before_the_epoch_are_refused() {
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(
            sign_api_request(&creds(), Method::Get, "/", &[], b"", before),
            Err(InvalidInput::BeforeUnixEpoch { kind: InputKind::Timestamp })
        );
        let query = sign_api_request(&creds(), Method::Get, "/", &[], b"", UNIX_EPOCH).unwrap();
        assert!(query.as_str().contains("auth_timestamp=0&"));
    }

    #[test]
    fn lowercase_agrees_with_to_lowercase() {
        for key in ["abc", "ABC", "aBc_1", "\u{1c5}x", "\u{130}", "\u{212a}ey", "ß", "Σ", "a-b.c"] {
            assert_eq!(lowercase(key), key.to_lowercase(), "{key:?}");
        }
        assert!(matches!(lowercase("already_lower"), Cow::Borrowed(_)));
    }

    #[test]
    fn keys_are_lowercased_and_sorted() {
        let query = sign(&[("Zeta", "1"), ("alpha", "2"), ("INFO", "3")]).unwrap();
        let keys: Vec<&str> = query.as_str().split('&').map(|p| p.split('=').next().unwrap()).collect();
        assert_eq!(keys, ["alpha", "auth_key", "auth_timestamp", "auth_version", "info", "zeta", "auth_signature"]);
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
    fn window_is_two_sided_and_saturating() {
        let now = at(10_000);
        assert_eq!(check_window(10_000 - 599, now), Ok(()));
        assert_eq!(check_window(10_000 - 600, now), Err(VerifyError::TimestampTooOld));
        assert_eq!(check_window(10_000 + 599, now), Ok(()));
        assert_eq!(check_window(10_000 + 600, now), Err(VerifyError::TimestampTooNew));
        assert_eq!(check_window(0, now), Err(VerifyError::TimestampTooOld));
        assert_eq!(check_window(u64::MAX, now), Err(VerifyError::TimestampTooNew));
        assert_eq!(check_window(0, UNIX_EPOCH - Duration::from_secs(5)), Ok(()));
        // `now` is rounded down to whole seconds.
        assert_eq!(check_window(10_600, now + Duration::from_millis(999)), Err(VerifyError::TimestampTooNew));
        assert_eq!(check_window(9_400, now + Duration::from_millis(999)), Err(VerifyError::TimestampTooOld));
    }

    #[test]
    fn seconds_are_plain_digits() {
        assert_eq!(parse_seconds("0"), Some(0));
        assert_eq!(parse_seconds("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "+1", "-1", " 1", "1 ", "1.0", "1e3", "18446744073709551616", "0x10", "\u{661}"] {
            assert_eq!(parse_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn app_binding_is_exact() {
        let bound = creds().with_app_id("3".parse().unwrap());
        for inside in [
            "/apps/3",
            "/apps/3/events",
            "/apps/3/channels/presence-a/users",
            "/apps",
            "/apps3/events",
            "/other/apps/4",
            "/Apps/3/events",
        ] {
            assert!(within_app(&bound, inside), "{inside}");
        }
        for outside in [
            "/apps/4",
            "/apps/4/events",
            "/apps/33/events",
            "/apps/",
            "/apps//3/events",
            "/apps/3/../4/events",
            "/apps/./4",
            "/APPS/4/events",
            "/apps;x/4/events",
            "/apps/3;x/events",
            "/apps/%34/events",
            "/%61pps/4/events",
            "/apps/3\\..\\4/events",
            "/apps/3/events/",
            "/",
        ] {
            assert!(!within_app(&bound, outside), "{outside}");
        }
        assert!(within_app(&creds(), "/apps/4/events"));
    }

    #[test]
    fn every_hex_digit_decodes_in_both_cases() {
        assert_eq!(
            percent_decode("%2a%2A%2f%2F%4a%4A%3b%3B%3c%3C%3d%3D%3e%3E%30%39").as_deref(),
            Some("**//JJ;;<<==>>09")
        );
    }

    #[test]
    fn seconds_are_at_most_twenty_digits_even_with_leading_zeros() {
        assert_eq!(parse_seconds("00000000000000000001"), Some(1));
        assert_eq!(parse_seconds("000000000000000000001"), None);
    }

    #[test]
    fn signed_query_text_is_the_same_every_way() {
        let query = sign(&[("info", "a b")]).unwrap();
        assert!(query.as_str().starts_with("auth_key=key&"));
        assert_eq!(query.as_ref(), query.as_str());
        assert_eq!(query.to_string(), query.as_str());
        assert_eq!(query.clone().into_string(), query.as_str());
    }
}
