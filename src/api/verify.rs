//! Verifying a signed HTTP API request, as a Pusher-compatible server does.

use std::time::{SystemTime, UNIX_EPOCH};

use subtle::Choice;

use super::binding::within_app;
use super::query::{Params, decode_query, lowercase, md5_hex_into, string_to_sign, validate_path};
use super::{API_AUTH_VERSION, API_TIMESTAMP_WINDOW, Method};
use crate::credentials::{Credentials, Keyring, Passed};
use crate::error::VerifyError;
use crate::mac::VerifiedTag;

/// Verifies a signed HTTP API request, as a Pusher-compatible server does, and returns
/// what it verified: the credentials that signed it and the parameters as signed
/// ([`VerifiedApiRequest`]).
///
/// **Handlers read the request's parameters only from the returned value**, never from
/// their own parse of the raw query: the signature covers keys lowercased and values
/// decoded, so a replayed request may spell a signed key `FILTER_BY_PREFIX` or
/// `filter%5Fby%5Fprefix` and still verify, and a case-sensitive re-parse would then
/// miss the signed value.
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
/// [`sign_api_request`](crate::api::sign_api_request) encodes it, but strictly: `+` is a space, `%XX` is the byte `XX`
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
/// The memory it takes is linear in the query: decoding holds at most 8 bytes of heap
/// per query byte (plus 16), the string to sign at most 3 more (plus the path), however
/// the query is made (400 KiB of `&` takes 400 KiB). A query of 4 GiB or more, or one
/// that decodes to 4 GiB or more, is [`VerifyError::MalformedQuery`].
///
/// Keys that differ only in case are one key: the verifier refuses `a=1&A=2` as a
/// duplicate, and reads `AUTH_KEY` as `auth_key`, since that is what the signature covers.
/// A key need not be sent lowercase, even to bound credentials: the signature covers
/// the lowercased key, clients send keys as their callers spelled them, and the
/// verified value answers with the canonical key; refusing would break such clients
/// and protect only handlers that ignore the verified value, which the rule above
/// already forbids.
///
/// # App binding
///
/// Credentials bound to one app with [`Credentials::with_app_id`] accept a request only
/// when its path is inside that app under every normalization a server in front might
/// do (percent-decoding, `\` as `/`, stripping `;` path parameters, merging `//`,
/// resolving `.` and `..`, dropping trailing dots, ignoring case). It refuses rather
/// than normalizes:
///
/// 1. the path is `/` and the channel-name characters `A-Z a-z 0-9 _ - = @ , . ;` only
///    (every path of the Pusher HTTP API is), so no percent-escape and no `\`;
/// 2. no segment is empty or made of dots only (no `//`, trailing `/`, `.`, `..`, `...`);
/// 3. the first two segments hold no `;`; in a later segment (a channel name may hold
///    `;`) what stands before the first `;` obeys rule 2 too, so `..;` is refused;
/// 4. when the first segment is `apps` (ignoring ASCII case and trailing dots), the
///    second segment, if any, is exactly the bound id and does not end with `.`: for app
///    `3`, `/apps/3` and `/apps/3/events` pass, while `/apps/4`, `/apps/33/events`,
///    `/apps/3;x/events`, `/apps/3/..;/4/events`, `/;/apps/4/events`, `/apps./4` and
///    `/APPS/4/events` do not. Paths outside `/apps/` (and `/apps` itself) name no app
///    and pass.
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
/// use channel_auth::api::{sign_api_request, verify_api_request, Method};
/// use channel_auth::{Credentials, Keyring, VerifyError};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("3".parse()?);
/// let ring = Keyring::new([creds.clone()]);
/// let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let body = br#"{"name":"e","channels":["c"],"data":"{}"}"#;
/// let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, at)?;
///
/// let verified = verify_api_request(&ring, Method::Post, "/apps/3/events", query.as_str(), body, at)?;
/// assert_eq!(verified.credentials().key().as_str(), "key");
/// assert_eq!(verified.get("auth_timestamp"), Some("1700000000"));
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
) -> Result<VerifiedApiRequest<'a>, VerifyError> {
    let checked = check_api_request(keyring, method, path, query, body, now)?;
    let credentials = checked.signer.into_option().ok_or(if checked.outside_app {
        VerifyError::WrongApp
    } else {
        VerifyError::InvalidSignature
    })?;
    // A signature that verified is 64 lowercase hex digits: `None` cannot happen, and
    // would be refused like any signature that does not verify.
    let signature = checked.signature.ok_or(VerifyError::InvalidSignature)?;
    Ok(VerifiedApiRequest { credentials, params: checked.params, signature })
}

/// What [`verify_api_request`] verified: the credentials that signed the request and
/// its parameters exactly as signed.
///
/// The parameters are the canonical ones the signature covers: keys lowercased, keys
/// and values percent-decoded (`+` a space), sorted bytewise by key, `auth_signature`
/// left out (the `auth_*` and `body_md5` parameters are there). Read the request's
/// parameters from here only (see [`verify_api_request`]).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use channel_auth::api::{sign_api_request, verify_api_request, Method};
/// use channel_auth::{Credentials, Keyring};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let query = sign_api_request(&creds, Method::Get, "/apps/3/channels", &[("filter_by_prefix", "presence-")], b"", at)?;
/// // A replay that changes the key's case and encoding still verifies...
/// let replayed = query.as_str().replace("filter_by_prefix", "FILTER%5FBY%5FPREFIX");
/// let ring = Keyring::new([creds]);
/// let verified = verify_api_request(&ring, Method::Get, "/apps/3/channels", &replayed, b"", at)?;
/// // ...and the handler still reads the signed value, under the canonical key.
/// assert_eq!(verified.get("filter_by_prefix"), Some("presence-"));
/// assert_eq!(verified.get("FILTER_BY_PREFIX"), Some("presence-"));
/// let keys: Vec<&str> = verified.params().map(|(k, _)| k).collect();
/// assert_eq!(keys, ["auth_key", "auth_timestamp", "auth_version", "filter_by_prefix"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct VerifiedApiRequest<'a> {
    credentials: &'a Credentials,
    /// Sorted by key, keys unique, `auth_signature` removed.
    params: Params,
    /// The signature that verified, for the replay key (its `Debug` is redacted).
    signature: VerifiedTag,
}

impl<'a> VerifiedApiRequest<'a> {
    /// The credentials whose secret signed the request.
    #[must_use]
    pub fn credentials(&self) -> &'a Credentials {
        self.credentials
    }

    /// The signed value of the parameter `key`; `key` is lowercased first (as
    /// [`str::to_lowercase`]), so any spelling finds the one parameter the signature
    /// covers.
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use channel_auth::api::{sign_api_request, verify_api_request_now, Method};
    /// # use channel_auth::{Credentials, Keyring};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// # let query = sign_api_request(&creds, Method::Get, "/x", &[("Info", "user_count")], b"", SystemTime::now())?;
    /// # let ring = Keyring::new([creds]);
    /// let verified = verify_api_request_now(&ring, Method::Get, "/x", query.as_str(), b"")?;
    /// assert_eq!(verified.get("info"), Some("user_count"));
    /// assert_eq!(verified.get("auth_signature"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(&lowercase(key))
    }

    /// Every signed parameter, `(key, value)`, sorted by key (`auth_signature` left out).
    pub fn params(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.params.iter()
    }

    /// The signature that verified, as bytes (for [`ReplayKey`](crate::replay::ReplayKey)).
    pub(crate) fn signature(&self) -> &VerifiedTag {
        &self.signature
    }
}

/// What [`check_api_request`] found in a request whose signature it checked.
struct Checked<'a> {
    /// The first credentials that signed the request and whose app binding holds.
    signer: Passed<'a>,
    /// Whether some credentials signed it but are bound to another app.
    outside_app: bool,
    /// The parameters as signed: sorted, lowercased keys, `auth_signature` removed.
    params: Params,
    /// `auth_signature` decoded, when it is 64 lowercase hex digits.
    signature: Option<VerifiedTag>,
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
    if !params.sort_and_check_unique() {
        return Err(VerifyError::DuplicateParam);
    }
    let missing = |name: &'static str| VerifyError::MissingParam { name };
    // In the order of `RESERVED`.
    let [key, signature, timestamp, version, body_md5] = params.reserved();
    let key = key.ok_or(missing("auth_key"))?;
    let timestamp = timestamp.ok_or(missing("auth_timestamp"))?;
    let version = version.ok_or(missing("auth_version"))?;
    let signature = signature.ok_or(missing("auth_signature"))?;
    if version != API_AUTH_VERSION {
        return Err(VerifyError::UnsupportedVersion);
    }
    let timestamp = parse_seconds(timestamp).ok_or(VerifyError::InvalidTimestamp)?;
    let candidates = keyring.lookup(key);
    if candidates.is_empty() {
        return Err(VerifyError::UnknownKey);
    }
    check_window(timestamp, now)?;
    let mut md5_digits = [0u8; 32];
    match body_md5 {
        // Public values both: compared in variable time.
        Some(received) if received != md5_hex_into(body, &mut md5_digits) => return Err(VerifyError::BodyMismatch),
        None if !body.is_empty() => return Err(missing("body_md5")),
        _ => {}
    }

    let signed = params.iter().filter(|(k, _)| *k != "auth_signature");
    let message = string_to_sign(method, path, signed);
    // Every candidate is checked, and its app binding too, whatever the signature
    // comparison said, with no branch on the result: the work done does not depend on
    // which (if any) matched.
    let mut outside_app = Choice::from(0);
    let lookup = candidates.first_passing(|credentials| {
        let signed = credentials.matches_hex(&[&message], signature);
        // The binding depends only on the path and the server's own configuration.
        let inside = Choice::from(u8::from(within_app(credentials, path)));
        outside_app |= signed & !inside;
        signed & inside
    });
    drop(message);
    let signature = VerifiedTag::decode(signature);
    params.remove("auth_signature");
    Ok(Checked { signer: lookup, outside_app: bool::from(outside_app), params, signature })
}

/// [`verify_api_request`] at the system clock's `now`: read the parameters from the
/// returned [`VerifiedApiRequest`] only.
///
/// Not compiled for `wasm32-unknown-unknown`, where `SystemTime::now()` panics: there,
/// pass the host's clock (e.g. a Worker's `Date.now()`) to [`verify_api_request`].
///
/// # Errors
/// As [`verify_api_request`].
///
/// ```
/// use std::time::SystemTime;
/// use channel_auth::api::{sign_api_request, verify_api_request_now, Method};
/// use channel_auth::{Credentials, Keyring};
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
) -> Result<VerifiedApiRequest<'a>, VerifyError> {
    verify_api_request(keyring, method, path, query, body, SystemTime::now())
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

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
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
    fn seconds_are_at_most_twenty_digits_even_with_leading_zeros() {
        assert_eq!(parse_seconds("00000000000000000001"), Some(1));
        assert_eq!(parse_seconds("000000000000000000001"), None);
    }
}
