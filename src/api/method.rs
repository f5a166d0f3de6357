//! The HTTP method, as it stands in the string to sign, and its conversions to and
//! from the `http` crate's (1.x), the request type most Rust web frameworks and
//! clients share.

use crate::error::{InputKind, InvalidInput};

/// An HTTP method, as it stands (uppercase) in the string to sign.
///
/// ```
/// use channel_auth::api::Method;
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

impl TryFrom<&http::Method> for Method {
    type Error = InvalidInput;

    /// The method of an `http` request, for [`verify_api_request`](crate::api::verify_api_request).
    ///
    /// # Errors
    /// [`InvalidInput::Malformed`] (kind [`InputKind::HttpMethod`]) for a method the
    /// HTTP API does not use (anything but `GET`, `POST`, `PUT`, `DELETE`).
    ///
    /// ```
    /// use channel_auth::api::Method;
    /// use channel_auth::InputKind;
    ///
    /// let request = http::Request::post("/apps/3/events").body(())?;
    /// assert_eq!(Method::try_from(request.method())?, Method::Post);
    /// let err = Method::try_from(&http::Method::PATCH).unwrap_err();
    /// assert_eq!(err.kind(), InputKind::HttpMethod);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn try_from(method: &http::Method) -> Result<Self, Self::Error> {
        if method == http::Method::GET {
            Ok(Self::Get)
        } else if method == http::Method::POST {
            Ok(Self::Post)
        } else if method == http::Method::PUT {
            Ok(Self::Put)
        } else if method == http::Method::DELETE {
            Ok(Self::Delete)
        } else {
            Err(InvalidInput::Malformed {
                kind: InputKind::HttpMethod,
                position: 0,
                expected: "GET, POST, PUT or DELETE",
            })
        }
    }
}

impl TryFrom<http::Method> for Method {
    type Error = InvalidInput;

    /// As `TryFrom<&http::Method>`.
    ///
    /// # Errors
    /// [`InvalidInput::Malformed`] for a method other than `GET`, `POST`, `PUT`, `DELETE`.
    ///
    /// ```
    /// use channel_auth::api::Method;
    ///
    /// assert_eq!(Method::try_from(http::Method::GET)?, Method::Get);
    /// assert!(Method::try_from(http::Method::OPTIONS).is_err());
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    fn try_from(method: http::Method) -> Result<Self, Self::Error> {
        Self::try_from(&method)
    }
}

impl From<Method> for http::Method {
    /// The `http` method with the same name.
    ///
    /// ```
    /// assert_eq!(http::Method::from(channel_auth::api::Method::Delete), http::Method::DELETE);
    /// ```
    fn from(method: Method) -> Self {
        match method {
            Method::Get => Self::GET,
            Method::Post => Self::POST,
            Method::Put => Self::PUT,
            Method::Delete => Self::DELETE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSED: [http::Method; 5] =
        [http::Method::HEAD, http::Method::PATCH, http::Method::OPTIONS, http::Method::CONNECT, http::Method::TRACE];

    #[test]
    fn every_method_round_trips_through_http() {
        for method in [Method::Get, Method::Post, Method::Put, Method::Delete] {
            let theirs = http::Method::from(method);
            assert_eq!(theirs.as_str(), method.as_str());
            assert_eq!(Method::try_from(&theirs), Ok(method));
            assert_eq!(Method::try_from(theirs), Ok(method));
        }
    }

    #[test]
    fn other_methods_are_refused_with_the_method_kind() {
        let expected =
            InvalidInput::Malformed { kind: InputKind::HttpMethod, position: 0, expected: "GET, POST, PUT or DELETE" };
        for method in REFUSED {
            assert_eq!(Method::try_from(&method), Err(expected.clone()), "{method}");
        }
        // Extension methods too, including a lowercase spelling of a known one (HTTP
        // methods are case-sensitive: `get` is not `GET`).
        for name in ["get", "Post", "PURGE"] {
            let method = http::Method::from_bytes(name.as_bytes()).unwrap();
            assert_eq!(Method::try_from(method), Err(expected.clone()), "{name}");
        }
    }

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
}
