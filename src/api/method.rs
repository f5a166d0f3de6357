//! The HTTP method, as it stands in the string to sign.

use crate::error::{InputKind, InvalidInput};

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

#[cfg(test)]
mod tests {
    use super::*;

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
