//! The form bodies pusher-js posts to an auth endpoint, parsed into validated names,
//! and [`RequestError`], what refuses one (see the module docs of `integrations`).

use serde::Deserialize;

use crate::error::InvalidInput;
use crate::names::{ChannelName, SocketId};

/// An auth request was refused: which field, and which rule broke.
///
/// The message is safe to send back to the client (it is what the endpoints put in
/// their refusals' bodies): it names the field and quotes at most one escaped character.
///
/// ```
/// use channel_auth::integrations::{ChannelAuthRequest, RequestError};
///
/// let err = ChannelAuthRequest::from_form(b"socket_id=1.1%3Aprivate-x&channel_name=private-a").unwrap_err();
/// assert!(matches!(err, RequestError::InvalidField { field: "socket_id", .. }));
/// assert_eq!(err.to_string(), "invalid socket_id: socket id has a forbidden character ':' at byte 3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A required field is absent.
    #[error("missing field {field}")]
    MissingField {
        /// The field's name on the wire.
        field: &'static str,
    },
    /// A field was given more than once.
    #[error("field {field} given more than once")]
    DuplicateField {
        /// The field's name on the wire.
        field: &'static str,
    },
    /// A field's value is not a valid name.
    #[error("invalid {field}: {source}")]
    InvalidField {
        /// The field's name on the wire.
        field: &'static str,
        /// The rule the value broke.
        source: InvalidInput,
    },
    /// A batch key that starts with `channel_name` but is not `channel_name[<index>]`.
    #[error("malformed batch key: expected channel_name[<index>]")]
    MalformedChannelKey,
    /// The same `channel_name[<index>]` twice.
    #[error("channel_name[{index}] given more than once")]
    DuplicateIndex {
        /// The repeated index.
        index: usize,
    },
    /// The same channel twice in one batch.
    #[error("channel_name[{index}] repeats an earlier channel")]
    DuplicateChannel {
        /// The index of the repeat.
        index: usize,
    },
    /// A batch without any channel.
    #[error("no channel_name[<index>] in the batch")]
    NoChannels,
    /// A batch with more channels (or a larger index) than allowed.
    #[error("too many channels in the batch: at most {max}")]
    TooManyChannels {
        /// The limit, [`BatchAuthRequest::MAX_CHANNELS`].
        max: usize,
    },
    /// A required header is absent, or not visible ASCII (a webhook's `X-Pusher-Key` or
    /// `X-Pusher-Signature`).
    #[error("missing or non-ASCII header {name}")]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// An auth request whose body is not a form (e.g. JSON): the answer is `415`.
    #[error("unsupported content type: expected {expected}")]
    UnsupportedContentType {
        /// The content type the endpoint takes.
        expected: &'static str,
    },
    /// The body could not be read, or is longer than allowed (read, or declared in
    /// `Content-Length`).
    #[error("body unreadable or longer than {max} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        max: usize,
    },
    /// The body did not arrive within the endpoint's body timeout: the answer is `408`.
    #[error("body not received within {} ms", timeout.as_millis())]
    BodyTimedOut {
        /// The limit ([`Route::body_timeout`](super::handler::Route::body_timeout)).
        timeout: std::time::Duration,
    },
}

const SOCKET_ID: &str = "socket_id";
const CHANNEL_NAME: &str = "channel_name";

/// The `(key, value)` pairs of a form body, as `form_urlencoded::parse` gives them.
///
/// A body with no `%` and no `+` that is UTF-8 (what pusher-js sends for every usual
/// channel name) is its own decoding: its pairs are borrowed straight from it, in one
/// pass, instead of being scanned three times per key and value. Any other body goes
/// through `form_urlencoded::parse`. Both give the same pairs (a test pins it).
fn form_pairs(body: &[u8]) -> FormPairs<'_> {
    // A fold rather than `any`: no early exit, so the compiler vectorizes it, and a
    // body is short.
    let plain = !body.iter().fold(false, |escaped, b| escaped | (*b == b'%') | (*b == b'+'));
    match core::str::from_utf8(body) {
        Ok(text) if plain => FormPairs::Plain(text.split('&')),
        _ => FormPairs::General(form_urlencoded::parse(body)),
    }
}

/// The iterator [`form_pairs`] returns.
enum FormPairs<'a> {
    /// A body that is its own decoding.
    Plain(core::str::Split<'a, char>),
    /// Any other body.
    General(form_urlencoded::Parse<'a>),
}

impl<'a> Iterator for FormPairs<'a> {
    type Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Plain(pieces) => loop {
                // As `form_urlencoded`: empty pieces are skipped, a piece without `=` is
                // a key with an empty value.
                let piece = pieces.next()?;
                if !piece.is_empty() {
                    let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
                    return Some((key.into(), value.into()));
                }
            },
            Self::General(parse) => parse.next(),
        }
    }
}

/// Stores a field's value, refusing a second one.
fn set_once<'a>(
    slot: &mut Option<std::borrow::Cow<'a, str>>,
    field: &'static str,
    value: std::borrow::Cow<'a, str>,
) -> Result<(), RequestError> {
    if slot.replace(value).is_some() {
        return Err(RequestError::DuplicateField { field });
    }
    Ok(())
}

fn parse_field<T>(field: &'static str, value: Option<std::borrow::Cow<'_, str>>) -> Result<T, RequestError>
where
    T: for<'s> TryFrom<&'s str, Error = InvalidInput>,
{
    let value = value.ok_or(RequestError::MissingField { field })?;
    T::try_from(value.as_ref()).map_err(|source| RequestError::InvalidField { field, source })
}

/// The body pusher-js posts to a channel authorization endpoint:
/// `socket_id=…&channel_name=…` (`application/x-www-form-urlencoded`).
///
/// ```
/// use channel_auth::integrations::{ChannelAuthRequest, RequestError};
///
/// let req = ChannelAuthRequest::from_form(b"socket_id=1234.1234&channel_name=private-foobar")?;
/// assert_eq!(req.socket_id().as_str(), "1234.1234");
/// assert_eq!(req.channel_name().as_str(), "private-foobar");
///
/// // A field given twice is refused: the value checked is the value signed.
/// let twice = b"socket_id=1.1&channel_name=private-a&channel_name=private-b";
/// assert_eq!(ChannelAuthRequest::from_form(twice), Err(RequestError::DuplicateField { field: "channel_name" }));
/// # Ok::<(), RequestError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
pub struct ChannelAuthRequest {
    socket_id: SocketId,
    channel_name: ChannelName,
}

impl ChannelAuthRequest {
    /// The most bytes of body a channel auth endpoint reads.
    pub const MAX_BODY_LEN: usize = 8 * 1024;

    /// A request for these names (e.g. in tests).
    #[must_use]
    pub fn new(socket_id: SocketId, channel_name: ChannelName) -> Self {
        Self { socket_id, channel_name }
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    ///
    /// # Errors
    /// [`RequestError::MissingField`], [`RequestError::DuplicateField`], or
    /// [`RequestError::InvalidField`] when a value is not a valid [`SocketId`] or
    /// [`ChannelName`].
    pub fn from_form(body: &[u8]) -> Result<Self, RequestError> {
        let (mut socket_id, mut channel_name) = (None, None);
        for (key, value) in form_pairs(body) {
            match key.as_ref() {
                SOCKET_ID => set_once(&mut socket_id, SOCKET_ID, value)?,
                CHANNEL_NAME => set_once(&mut channel_name, CHANNEL_NAME, value)?,
                _ => {}
            }
        }
        Ok(Self {
            socket_id: parse_field(SOCKET_ID, socket_id)?,
            channel_name: parse_field(CHANNEL_NAME, channel_name)?,
        })
    }

    /// The socket to authorize.
    #[must_use]
    pub fn socket_id(&self) -> &SocketId {
        &self.socket_id
    }

    /// The channel the socket wants to join.
    #[must_use]
    pub fn channel_name(&self) -> &ChannelName {
        &self.channel_name
    }
}

/// The body pusher-js posts to a user authentication (sign-in) endpoint: `socket_id=…`.
///
/// ```
/// use channel_auth::integrations::{RequestError, UserAuthRequest};
///
/// let req = UserAuthRequest::from_form(b"socket_id=1234.1234")?;
/// assert_eq!(req.socket_id().as_str(), "1234.1234");
/// assert_eq!(UserAuthRequest::from_form(b""), Err(RequestError::MissingField { field: "socket_id" }));
/// # Ok::<(), RequestError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
pub struct UserAuthRequest {
    socket_id: SocketId,
}

impl UserAuthRequest {
    /// The most bytes of body a user auth endpoint reads.
    pub const MAX_BODY_LEN: usize = 8 * 1024;

    /// A request for this socket (e.g. in tests).
    #[must_use]
    pub fn new(socket_id: SocketId) -> Self {
        Self { socket_id }
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    ///
    /// # Errors
    /// [`RequestError::MissingField`], [`RequestError::DuplicateField`], or
    /// [`RequestError::InvalidField`] when the value is not a valid [`SocketId`].
    pub fn from_form(body: &[u8]) -> Result<Self, RequestError> {
        let mut socket_id = None;
        for (key, value) in form_pairs(body) {
            if key == SOCKET_ID {
                set_once(&mut socket_id, SOCKET_ID, value)?;
            }
        }
        Ok(Self { socket_id: parse_field(SOCKET_ID, socket_id)? })
    }

    /// The socket that signs in.
    #[must_use]
    pub fn socket_id(&self) -> &SocketId {
        &self.socket_id
    }
}

/// The body the `pusher-js-auth` plugin posts to authorize several channels at once.
///
/// The body starts with `&`, and the brackets are not percent-encoded:
/// `&socket_id=123.456&channel_name[0]=private-a&channel_name[1]=presence-b`. Channels
/// are kept in index order. Indices must be distinct decimal numbers below
/// [`Self::MAX_CHANNELS`], and no channel may appear twice (the answer is a JSON object
/// keyed by channel name).
///
/// ```
/// use channel_auth::integrations::{BatchAuthRequest, RequestError};
///
/// let req = BatchAuthRequest::from_form(b"&socket_id=123.456&channel_name[1]=presence-b&channel_name[0]=private-a")?;
/// assert_eq!(req.socket_id().as_str(), "123.456");
/// let names: Vec<&str> = req.channel_names().iter().map(|c| c.as_str()).collect();
/// assert_eq!(names, ["private-a", "presence-b"]);
///
/// let bad_key = b"&socket_id=1.1&channel_name[x]=private-a";
/// assert_eq!(BatchAuthRequest::from_form(bad_key), Err(RequestError::MalformedChannelKey));
/// # Ok::<(), RequestError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BatchAuthRequest {
    socket_id: SocketId,
    channel_names: Vec<ChannelName>,
}

impl BatchAuthRequest {
    /// The most channels one batch may hold.
    pub const MAX_CHANNELS: usize = 100;
    /// The most bytes of body a batch auth endpoint reads.
    pub const MAX_BODY_LEN: usize = 64 * 1024;

    /// Parses a `pusher-js-auth` body.
    ///
    /// # Errors
    /// [`RequestError::MissingField`] without `socket_id`, [`RequestError::NoChannels`],
    /// [`RequestError::MalformedChannelKey`], [`RequestError::DuplicateIndex`],
    /// [`RequestError::DuplicateChannel`], [`RequestError::TooManyChannels`],
    /// [`RequestError::DuplicateField`] for a second `socket_id`, or
    /// [`RequestError::InvalidField`] for an invalid name.
    pub fn from_form(body: &[u8]) -> Result<Self, RequestError> {
        let mut socket_id = None;
        let mut indexed: Vec<(usize, ChannelName)> = Vec::new();
        for (key, value) in form_pairs(body) {
            if key == SOCKET_ID {
                set_once(&mut socket_id, SOCKET_ID, value)?;
            } else if let Some(rest) = key.strip_prefix(CHANNEL_NAME) {
                let index = batch_index(rest)?;
                if indexed.iter().any(|(i, _)| *i == index) {
                    return Err(RequestError::DuplicateIndex { index });
                }
                let name = ChannelName::try_from(value.as_ref())
                    .map_err(|source| RequestError::InvalidField { field: CHANNEL_NAME, source })?;
                indexed.push((index, name));
            }
        }
        let socket_id = parse_field(SOCKET_ID, socket_id)?;
        if indexed.is_empty() {
            return Err(RequestError::NoChannels);
        }
        indexed.sort_by_key(|(i, _)| *i);
        let mut channel_names: Vec<ChannelName> = Vec::with_capacity(indexed.len());
        for (index, name) in indexed {
            if channel_names.contains(&name) {
                return Err(RequestError::DuplicateChannel { index });
            }
            channel_names.push(name);
        }
        Ok(Self { socket_id, channel_names })
    }

    /// The socket to authorize.
    #[must_use]
    pub fn socket_id(&self) -> &SocketId {
        &self.socket_id
    }

    /// The channels, in index order, none twice.
    #[must_use]
    pub fn channel_names(&self) -> &[ChannelName] {
        &self.channel_names
    }
}

/// `[<decimal index>]` after `channel_name`, the index below the batch limit.
fn batch_index(rest: &str) -> Result<usize, RequestError> {
    let digits = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')).ok_or(RequestError::MalformedChannelKey)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RequestError::MalformedChannelKey);
    }
    let max = BatchAuthRequest::MAX_CHANNELS;
    // Any run of digits that does not fit, or is past the limit, is too many channels.
    match digits.parse::<usize>() {
        Ok(index) if index < max => Ok(index),
        _ => Err(RequestError::TooManyChannels { max }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::InputKind;

    const HOSTILE_SOCKET: &[u8] = b"socket_id=1.1%3Aprivate-x&channel_name=private-a";
    const NEWLINE_CHANNEL: &[u8] = b"socket_id=1.1&channel_name=private-a%0Aprivate-b";
    const TWO_SOCKETS: &[u8] = b"socket_id=1.1&socket_id=2.2&channel_name=private-a";

    #[test]
    fn channel_request_refusals() {
        assert!(matches!(
            ChannelAuthRequest::from_form(HOSTILE_SOCKET),
            Err(RequestError::InvalidField { field: "socket_id", source }) if source.kind() == InputKind::SocketId
        ));
        assert!(matches!(
            ChannelAuthRequest::from_form(NEWLINE_CHANNEL),
            Err(RequestError::InvalidField { field: "channel_name", .. })
        ));
        assert_eq!(
            ChannelAuthRequest::from_form(TWO_SOCKETS),
            Err(RequestError::DuplicateField { field: "socket_id" })
        );
        assert_eq!(
            ChannelAuthRequest::from_form(b"socket_id=1.1"),
            Err(RequestError::MissingField { field: "channel_name" })
        );
        assert!(ChannelAuthRequest::from_form(b"\xff\xfe=1").is_err());
    }

    #[test]
    fn extra_fields_are_ignored_and_serde_agrees() {
        let body = b"socket_id=1.1&channel_name=private-a&extra=1";
        let ours = ChannelAuthRequest::from_form(body).unwrap();
        let serde: ChannelAuthRequest =
            serde_json::from_str(r#"{"socket_id":"1.1","channel_name":"private-a","extra":1}"#).unwrap();
        assert_eq!(ours, serde);
        assert!(
            serde_json::from_str::<ChannelAuthRequest>(r#"{"socket_id":"1.1:x","channel_name":"private-a"}"#).is_err()
        );
        assert!(serde_json::from_str::<UserAuthRequest>(r#"{"socket_id":"1.1\n"}"#).is_err());
    }

    /// The plain fast path gives the pairs `form_urlencoded::parse` gives, for every
    /// body it takes: every ASCII byte but `%` and `+`, in every position, with the
    /// separators around it.
    #[test]
    fn plain_forms_parse_as_form_urlencoded_does() {
        let mut bodies: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"&".to_vec(),
            b"&&a".to_vec(),
            b"a".to_vec(),
            b"a=".to_vec(),
            b"=a".to_vec(),
            b"a==b&=&c".to_vec(),
            b"&socket_id=1.1&channel_name[0]=private-a&".to_vec(),
            "k=caf\u{e9}&\u{e9}=v".as_bytes().to_vec(),
        ];
        for b in (0..=0x7f_u8).filter(|b| *b != b'%' && *b != b'+') {
            for template in [&b"X"[..], b"aX", b"Xa=b", b"a=Xb", b"a=b&X", b"X&X=X"] {
                bodies.push(template.iter().map(|t| if *t == b'X' { b } else { *t }).collect());
            }
        }
        for body in &bodies {
            assert!(matches!(form_pairs(body), FormPairs::Plain(_)), "{body:?}");
            let ours: Vec<_> = form_pairs(body).collect();
            let theirs: Vec<_> = form_urlencoded::parse(body).collect();
            assert_eq!(ours, theirs, "{body:?}");
        }
        for general in [&b"a=%41"[..], b"a+b=c", b"\xff=1"] {
            assert!(matches!(form_pairs(general), FormPairs::General(_)));
        }
    }

    #[test]
    fn batch_wire_format() {
        let req =
            BatchAuthRequest::from_form(b"&socket_id=123.456&channel_name[0]=private-a&channel_name[1]=presence-b&x=y")
                .unwrap();
        assert_eq!(req.socket_id().as_str(), "123.456");
        assert_eq!(req.channel_names().len(), 2);
        // Percent-encoded brackets are the same key.
        assert!(BatchAuthRequest::from_form(b"socket_id=1.1&channel_name%5B0%5D=private-a").is_ok());
    }

    #[test]
    fn batch_refusals() {
        let cases: &[(&[u8], RequestError)] = &[
            (b"&channel_name[0]=private-a", RequestError::MissingField { field: "socket_id" }),
            (b"&socket_id=1.1", RequestError::NoChannels),
            (b"&socket_id=1.1&channel_name=private-a", RequestError::MalformedChannelKey),
            (b"&socket_id=1.1&channel_name[]=private-a", RequestError::MalformedChannelKey),
            (b"&socket_id=1.1&channel_name[-1]=private-a", RequestError::MalformedChannelKey),
            (b"&socket_id=1.1&channel_name[0]x=private-a", RequestError::MalformedChannelKey),
            (b"&socket_id=1.1&channel_name[100]=private-a", RequestError::TooManyChannels { max: 100 }),
            (
                b"&socket_id=1.1&channel_name[99999999999999999999999]=private-a",
                RequestError::TooManyChannels { max: 100 },
            ),
            (
                b"&socket_id=1.1&channel_name[0]=private-a&channel_name[0]=private-b",
                RequestError::DuplicateIndex { index: 0 },
            ),
            (
                b"&socket_id=1.1&channel_name[0]=private-a&channel_name[1]=private-a",
                RequestError::DuplicateChannel { index: 1 },
            ),
            (
                b"&socket_id=1.1&socket_id=1.2&channel_name[0]=private-a",
                RequestError::DuplicateField { field: "socket_id" },
            ),
        ];
        for (body, want) in cases {
            assert_eq!(BatchAuthRequest::from_form(body).as_ref(), Err(want), "{}", String::from_utf8_lossy(body));
        }
        assert!(matches!(
            BatchAuthRequest::from_form(b"&socket_id=1.1&channel_name[0]=private-a%3Ab"),
            Err(RequestError::InvalidField { field: "channel_name", .. })
        ));
    }
}
