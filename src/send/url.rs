//! Where requests go: a Pusher cluster or a server's own URL.

use crate::error::{InputKind, InvalidInput};

/// `http` or `https`.
///
/// ```
/// use channel_auth::send::Scheme;
///
/// assert_eq!(Scheme::Https.as_str(), "https");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP (a local soketi or sockudo, a proxy on loopback).
    Http,
    /// HTTP over TLS (Pusher's clusters).
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    ///
    /// ```
    /// assert_eq!(channel_auth::send::Scheme::Http.as_str(), "http");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// The HTTP API's address: scheme, host and optional port, nothing else.
///
/// Made from a Pusher cluster name ([`ApiUrl::cluster`]) or from the URL of a
/// Pusher-compatible server ([`ApiUrl::from_url`]: soketi, sockudo, Reverb, a proxy).
/// A URL with user info, a path, a query or a fragment is refused, never trimmed.
///
/// ```
/// use channel_auth::send::ApiUrl;
///
/// assert_eq!(ApiUrl::cluster("eu")?.base_url(), "https://api-eu.pusher.com");
/// assert_eq!(ApiUrl::from_url("http://127.0.0.1:6001")?.base_url(), "http://127.0.0.1:6001");
/// assert!(ApiUrl::from_url("http://user:pw@127.0.0.1:6001").is_err());
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ApiUrl {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
}

impl ApiUrl {
    /// The longest cluster name, in bytes (a DNS label).
    pub const MAX_CLUSTER_LEN: usize = 63;
    /// The longest host, in bytes.
    pub const MAX_HOST_LEN: usize = 253;

    /// Pusher's hosted cluster `name`: `https://api-<name>.pusher.com`.
    ///
    /// # Constraints
    /// 1 to [`ApiUrl::MAX_CLUSTER_LEN`] bytes of `a-z 0-9 -`, not starting or ending
    /// with `-` (e.g. `mt1`, `eu`, `ap3`).
    ///
    /// # Errors
    /// [`InvalidInput`] of kind [`InputKind::Cluster`]: empty, too long, a character
    /// outside the alphabet, or a leading/trailing `-` ([`InvalidInput::Malformed`]).
    ///
    /// ```
    /// use channel_auth::send::ApiUrl;
    /// use channel_auth::{InputKind, InvalidInput};
    ///
    /// assert_eq!(ApiUrl::cluster("mt1")?.host(), "api-mt1.pusher.com");
    /// assert_eq!(
    ///     ApiUrl::cluster("mt1.evil.com").unwrap_err(),
    ///     InvalidInput::InvalidChar { kind: InputKind::Cluster, position: 3, found: '.' }
    /// );
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn cluster(name: &str) -> Result<Self, InvalidInput> {
        let kind = InputKind::Cluster;
        if name.is_empty() {
            return Err(InvalidInput::Empty { kind });
        }
        if name.len() > Self::MAX_CLUSTER_LEN {
            return Err(InvalidInput::TooLong { kind, max: Self::MAX_CLUSTER_LEN, len: name.len() });
        }
        if let Some((position, found)) =
            name.char_indices().find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(InvalidInput::InvalidChar { kind, position, found });
        }
        if name.starts_with('-') {
            return Err(InvalidInput::Malformed { kind, position: 0, expected: "a letter or digit" });
        }
        if name.ends_with('-') {
            return Err(InvalidInput::Malformed { kind, position: name.len() - 1, expected: "a letter or digit" });
        }
        Ok(Self { scheme: Scheme::Https, host: format!("api-{name}.pusher.com"), port: None })
    }

    /// A server's own address: `http://host[:port]` or `https://host[:port]`, with an
    /// optional trailing `/`.
    ///
    /// # Constraints
    /// - the scheme is `http` or `https` (any case);
    /// - the host is a name of `A-Z a-z 0-9 . -` (at most [`ApiUrl::MAX_HOST_LEN`]
    ///   bytes) or a bracketed IPv6 address;
    /// - the port, if given, is a decimal number from 1 to 65535;
    /// - no user info (`user:pw@`), no path but `/`, no query, no fragment.
    ///
    /// # Errors
    /// [`InvalidInput`] of kind [`InputKind::EndpointUrl`] naming the first rule broken:
    /// [`InvalidInput::Malformed`] with what was expected there (`"http:// or
    /// https://"`, `"no user info"`, `"no path"`, `"no query"`, `"no fragment"`,
    /// `"a port from 1 to 65535"`, ...), [`InvalidInput::InvalidChar`] for a character
    /// a host cannot hold, [`InvalidInput::Empty`] / [`InvalidInput::TooLong`].
    ///
    /// ```
    /// use channel_auth::send::ApiUrl;
    /// use channel_auth::{InputKind, InvalidInput};
    ///
    /// let local = ApiUrl::from_url("http://localhost:6001/")?;
    /// assert_eq!((local.host(), local.port()), ("localhost", Some(6001)));
    /// assert_eq!(
    ///     ApiUrl::from_url("https://example.com/apps").unwrap_err(),
    ///     InvalidInput::Malformed { kind: InputKind::EndpointUrl, position: 19, expected: "no path" }
    /// );
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn from_url(url: &str) -> Result<Self, InvalidInput> {
        let kind = InputKind::EndpointUrl;
        if url.is_empty() {
            return Err(InvalidInput::Empty { kind });
        }
        if url.len() > Self::MAX_HOST_LEN + 16 {
            return Err(InvalidInput::TooLong { kind, max: Self::MAX_HOST_LEN + 16, len: url.len() });
        }
        if let Some((position, found)) = url.char_indices().find(|(_, c)| c.is_control() || c.is_whitespace()) {
            return Err(InvalidInput::InvalidChar { kind, position, found });
        }
        let (scheme, start) = if url.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("https://")) {
            (Scheme::Https, 8)
        } else if url.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("http://")) {
            (Scheme::Http, 7)
        } else {
            return Err(InvalidInput::Malformed { kind, position: 0, expected: "http:// or https://" });
        };
        let rest = url.get(start..).unwrap_or_default();
        if let Some(at) = rest.find('#') {
            return Err(InvalidInput::Malformed { kind, position: start + at, expected: "no fragment" });
        }
        if let Some(at) = rest.find('?') {
            return Err(InvalidInput::Malformed { kind, position: start + at, expected: "no query" });
        }
        let (authority, path) = match rest.find('/') {
            Some(at) => (rest.get(..at).unwrap_or_default(), rest.get(at..).unwrap_or_default()),
            None => (rest, ""),
        };
        if !(path.is_empty() || path == "/") {
            return Err(InvalidInput::Malformed { kind, position: start + authority.len(), expected: "no path" });
        }
        if let Some(at) = authority.find('@') {
            return Err(InvalidInput::Malformed { kind, position: start + at, expected: "no user info" });
        }
        let (host, port_text, port_at) = split_host_port(authority, start)?;
        let port = match port_text {
            None => None,
            Some(text) => Some(parse_port(text, port_at)?),
        };
        Ok(Self { scheme, host: host.to_owned(), port })
    }

    /// The scheme.
    ///
    /// ```
    /// use channel_auth::send::{ApiUrl, Scheme};
    /// assert_eq!(ApiUrl::cluster("mt1")?.scheme(), Scheme::Https);
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host (an IPv6 address keeps its brackets).
    ///
    /// ```
    /// use channel_auth::send::ApiUrl;
    /// assert_eq!(ApiUrl::from_url("http://[::1]:6001")?.host(), "[::1]");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, when one was given.
    ///
    /// ```
    /// use channel_auth::send::ApiUrl;
    /// assert_eq!(ApiUrl::cluster("mt1")?.port(), None);
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// `scheme://host[:port]`, without a trailing `/`.
    ///
    /// ```
    /// use channel_auth::send::ApiUrl;
    /// assert_eq!(ApiUrl::from_url("HTTPS://example.com:8443/")?.base_url(), "https://example.com:8443");
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    #[must_use]
    pub fn base_url(&self) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{port}", self.scheme.as_str(), self.host),
            None => format!("{}://{}", self.scheme.as_str(), self.host),
        }
    }
}

/// Splits `authority` into host and port text; `offset` is where it starts in the URL.
fn split_host_port(authority: &str, offset: usize) -> Result<(&str, Option<&str>, usize), InvalidInput> {
    let kind = InputKind::EndpointUrl;
    if authority.is_empty() {
        return Err(InvalidInput::Malformed { kind, position: offset, expected: "a host" });
    }
    if authority.starts_with('[') {
        let Some(close) = authority.find(']') else {
            return Err(InvalidInput::Malformed { kind, position: offset + authority.len(), expected: "]" });
        };
        let inner = authority.get(1..close).unwrap_or_default();
        if inner.is_empty() {
            return Err(InvalidInput::Malformed { kind, position: offset + 1, expected: "an IPv6 address" });
        }
        if let Some((position, found)) =
            inner.char_indices().find(|(_, c)| !(c.is_ascii_hexdigit() || *c == ':' || *c == '.'))
        {
            return Err(InvalidInput::InvalidChar { kind, position: offset + 1 + position, found });
        }
        let host = authority.get(..=close).unwrap_or_default();
        let after = authority.get(close + 1..).unwrap_or_default();
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port), offset + close + 2)),
            None if after.is_empty() => Ok((host, None, 0)),
            None => Err(InvalidInput::Malformed { kind, position: offset + close + 1, expected: ": or the end" }),
        };
    }
    let (host, port) = match authority.find(':') {
        Some(colon) => (
            authority.get(..colon).unwrap_or_default(),
            Some((authority.get(colon + 1..).unwrap_or_default(), offset + colon + 1)),
        ),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(InvalidInput::Malformed { kind, position: offset, expected: "a host" });
    }
    if host.len() > ApiUrl::MAX_HOST_LEN {
        return Err(InvalidInput::TooLong { kind, max: ApiUrl::MAX_HOST_LEN, len: host.len() });
    }
    if let Some((position, found)) =
        host.char_indices().find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-'))
    {
        return Err(InvalidInput::InvalidChar { kind, position: offset + position, found });
    }
    Ok(match port {
        Some((text, at)) => (host, Some(text), at),
        None => (host, None, 0),
    })
}

fn parse_port(text: &str, position: usize) -> Result<u16, InvalidInput> {
    let bad = InvalidInput::Malformed { kind: InputKind::EndpointUrl, position, expected: "a port from 1 to 65535" };
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    match text.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: InputKind = InputKind::EndpointUrl;

    #[test]
    fn urls_that_are_accepted() {
        for (url, base) in [
            ("http://127.0.0.1:6001", "http://127.0.0.1:6001"),
            ("http://127.0.0.1:6001/", "http://127.0.0.1:6001"),
            ("https://api-mt1.pusher.com", "https://api-mt1.pusher.com"),
            ("HTTP://Example.com", "http://Example.com"),
            ("http://[::1]:80", "http://[::1]:80"),
            ("http://[::1]", "http://[::1]"),
            ("http://h:65535", "http://h:65535"),
        ] {
            assert_eq!(ApiUrl::from_url(url).unwrap().base_url(), base, "{url}");
        }
    }

    #[test]
    fn urls_that_are_refused_name_the_rule() {
        let m = |position, expected| InvalidInput::Malformed { kind: KIND, position, expected };
        let err = |s: &str| ApiUrl::from_url(s).unwrap_err();
        assert_eq!(err(""), InvalidInput::Empty { kind: KIND });
        assert_eq!(err("ftp://h"), m(0, "http:// or https://"));
        assert_eq!(err("h:80"), m(0, "http:// or https://"));
        assert_eq!(err("http://u:p@h"), m(10, "no user info"));
        assert_eq!(err("http://h/x"), m(8, "no path"));
        assert_eq!(err("http://h//"), m(8, "no path"));
        assert_eq!(err("http://h?a=1"), m(8, "no query"));
        assert_eq!(err("http://h/?"), m(9, "no query"));
        assert_eq!(err("http://h#f"), m(8, "no fragment"));
        assert_eq!(err("http://h:0"), m(9, "a port from 1 to 65535"));
        assert_eq!(err("http://h:65536"), m(9, "a port from 1 to 65535"));
        assert_eq!(err("http://h:"), m(9, "a port from 1 to 65535"));
        assert_eq!(err("http://h:+80"), m(9, "a port from 1 to 65535"));
        assert_eq!(err("http://h:80:80"), m(9, "a port from 1 to 65535"));
        assert_eq!(err("http://"), m(7, "a host"));
        assert_eq!(err("http://:80"), m(7, "a host"));
        assert_eq!(err("http://[::1"), m(11, "]"));
        assert_eq!(err("http://[]"), m(8, "an IPv6 address"));
        assert_eq!(err("http://[::1]x"), m(12, ": or the end"));
        assert_eq!(err("http://h_x"), InvalidInput::InvalidChar { kind: KIND, position: 8, found: '_' });
        assert_eq!(err("http://h x"), InvalidInput::InvalidChar { kind: KIND, position: 8, found: ' ' });
        assert_eq!(err("http://h\n"), InvalidInput::InvalidChar { kind: KIND, position: 8, found: '\n' });
        assert_eq!(err("http://hé"), InvalidInput::InvalidChar { kind: KIND, position: 8, found: 'é' });
        assert!(matches!(err(&format!("http://{}", "a".repeat(300))), InvalidInput::TooLong { .. }));
    }

    #[test]
    fn clusters() {
        let kind = InputKind::Cluster;
        assert_eq!(ApiUrl::cluster("ap3").unwrap().base_url(), "https://api-ap3.pusher.com");
        assert_eq!(ApiUrl::cluster("").unwrap_err(), InvalidInput::Empty { kind });
        assert_eq!(ApiUrl::cluster("a/b").unwrap_err(), InvalidInput::InvalidChar { kind, position: 1, found: '/' });
        assert_eq!(ApiUrl::cluster("EU").unwrap_err(), InvalidInput::InvalidChar { kind, position: 0, found: 'E' });
        assert_eq!(
            ApiUrl::cluster("-eu").unwrap_err(),
            InvalidInput::Malformed { kind, position: 0, expected: "a letter or digit" }
        );
        assert_eq!(
            ApiUrl::cluster("eu-").unwrap_err(),
            InvalidInput::Malformed { kind, position: 2, expected: "a letter or digit" }
        );
        assert_eq!(ApiUrl::cluster(&"a".repeat(64)).unwrap_err(), InvalidInput::TooLong { kind, max: 63, len: 64 });
    }
}
