//! Signing an HTTP API request: the query string to send.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use super::query::{
    RESERVED, lowercase, md5_hex_into, reserved, string_to_sign, validate_key, validate_path, validate_value,
};
use super::{API_AUTH_VERSION, Method};
use crate::credentials::Credentials;
use crate::error::{InputKind, InvalidInput};
use crate::mac::HEX_TAG_LEN;

/// A signed query string, ready to put after `?`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use channel_auth::api::{sign_api_request, Method};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let at = UNIX_EPOCH + Duration::from_secs(1234);
/// let query = sign_api_request(&creds, Method::Get, "/apps/3/channels", &[("info", "a b")], b"", at)?;
/// assert!(query.as_str().starts_with("auth_key=key&auth_timestamp=1234&auth_version=1.0&info=a+b&auth_signature="));
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
///
/// It carries a signature, so it has no `==`: a server checks a received query with
/// [`verify_api_request`](crate::api::verify_api_request) only.
///
/// ```compile_fail
/// use std::time::UNIX_EPOCH;
/// use channel_auth::api::{sign_api_request, Method};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
/// let sign = || sign_api_request(&creds, Method::Get, "/x", &[], b"", UNIX_EPOCH).unwrap();
/// let _ = sign() == sign();
/// ```
#[derive(Clone, Debug)]
pub struct SignedQuery {
    query: String,
}

impl SignedQuery {
    /// The query string (without the leading `?`), form-urlencoded.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.query
    }

    /// The query string, owned.
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
/// `%XX`; a `+` in a value therefore goes as `%2B`. [`verify_api_request`](crate::api::verify_api_request) decodes
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
/// use channel_auth::api::{sign_api_request, Method};
/// use channel_auth::{Credentials, InputKind, InvalidInput};
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

    // Every parameter, the caller's and ours, in one list: (lowercased key, value, index
    // in `params`; ours after the caller's). The caller's own are validated first.
    let mut seconds_digits = [0u8; 20];
    let seconds = decimal(seconds, &mut seconds_digits);
    let mut md5_digits = [0u8; 32];
    // MD5 only when there is a body: a request without one carries no `body_md5`.
    let body_md5 = (!body.is_empty()).then(|| md5_hex_into(body, &mut md5_digits));
    let mut all: Vec<(Cow<'_, str>, &str, usize)> = Vec::with_capacity(params.len() + RESERVED.len());
    for (index, (key, value)) in params.iter().enumerate() {
        validate_key(key)?;
        validate_value(value)?;
        let lower = lowercase(key);
        if let Some(name) = reserved(&lower) {
            return Err(InvalidInput::Reserved { kind: InputKind::ParamKey, name });
        }
        all.push((lower, value, index));
    }
    let ours = params.len();
    all.push((Cow::Borrowed("auth_key"), credentials.key().as_str(), ours));
    all.push((Cow::Borrowed("auth_timestamp"), seconds, ours + 1));
    all.push((Cow::Borrowed("auth_version"), API_AUTH_VERSION, ours + 2));
    if let Some(md5) = body_md5 {
        all.push((Cow::Borrowed("body_md5"), md5, ours + 3));
    }
    all.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
    // Reserved names were refused, so two equal keys are both the caller's.
    for pair in all.windows(2) {
        if let [a, b] = pair
            && a.0 == b.0
        {
            return Err(InvalidInput::Duplicate { kind: InputKind::ParamKey, first: a.2, second: b.2 });
        }
    }

    // The query's room: every pair unescaped, `&auth_signature=` and the signature.
    // Escaping (a byte to `%XX`) grows it only for text that needs it.
    let estimate = all.iter().map(|(key, value, _)| key.len() + value.len() + 2).sum::<usize>();
    let mut query = form_urlencoded::Serializer::new(String::with_capacity(estimate + 16 + HEX_TAG_LEN));
    for (key, value, _) in &all {
        query.append_pair(key, value);
    }
    let mut query = query.finish();
    query.push_str("&auth_signature=");
    let message = string_to_sign(method, path, all.iter().map(|(key, value, _)| (key.as_ref(), *value)));
    credentials.push_hex_tag(&mut query, &[&message]);
    Ok(SignedQuery { query })
}

/// `n` in decimal, written into `digits` (20 digits hold any `u64`).
fn decimal(mut n: u64, digits: &mut [u8; 20]) -> &str {
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        // `n % 10` is a digit: the cast cannot truncate.
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.get(start..).and_then(|d| core::str::from_utf8(d).ok()).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;

    fn creds() -> Credentials {
        Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    /// The query as text: a `SignedQuery` has no `==` (it carries a signature).
    fn sign(params: &[(&str, &str)]) -> Result<String, InvalidInput> {
        sign_api_request(&creds(), Method::Get, "/apps/3/channels", params, b"", at(1000)).map(SignedQuery::into_string)
    }

    const KEY: InputKind = InputKind::ParamKey;
    const VALUE: InputKind = InputKind::ParamValue;
    const PATH: InputKind = InputKind::ApiPath;

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
            sign_api_request(&creds(), Method::Get, "/", &[], b"", before).err(),
            Some(InvalidInput::BeforeUnixEpoch { kind: InputKind::Timestamp })
        );
        let query = sign_api_request(&creds(), Method::Get, "/", &[], b"", UNIX_EPOCH).unwrap();
        assert!(query.as_str().contains("auth_timestamp=0&"));
    }

    #[test]
    fn keys_are_lowercased_and_sorted() {
        let query = sign(&[("Zeta", "1"), ("alpha", "2"), ("INFO", "3")]).unwrap();
        let keys: Vec<&str> = query.as_str().split('&').map(|p| p.split('=').next().unwrap()).collect();
        assert_eq!(keys, ["alpha", "auth_key", "auth_timestamp", "auth_version", "info", "zeta", "auth_signature"]);
    }

    #[test]
    fn signed_query_text_is_the_same_every_way() {
        let query =
            sign_api_request(&creds(), Method::Get, "/apps/3/channels", &[("info", "a b")], b"", at(1000)).unwrap();
        assert!(query.as_str().starts_with("auth_key=key&"));
        assert_eq!(query.as_ref(), query.as_str());
        assert_eq!(query.to_string(), query.as_str());
        assert_eq!(query.clone().into_string(), query.as_str());
    }
}
