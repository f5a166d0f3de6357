//! What a policy sees of a request: [`HeaderLookup`] and [`RequestView`].

use std::any::Any;
use std::fmt;

/// Looks a request header up by name, ASCII case-insensitively.
///
/// Implemented for `http` 1.x [`HeaderMap`](::http::HeaderMap), for `()` (no headers),
/// and for arrays and vectors of `(name, value)` pairs. A value that is not visible
/// ASCII (tab allowed) counts as absent, as `http`'s `to_str` does.
///
/// ```
/// use channel_auth::integrations::handler::HeaderLookup;
///
/// let headers = vec![("X-Pusher-Key".to_owned(), "key".to_owned())];
/// assert_eq!(headers.header("x-pusher-key"), Some("key"));
/// assert_eq!([("a", "caf\u{e9}")].header("a"), None);
/// ```
pub trait HeaderLookup: Sync {
    /// The first value of header `name`, if present and visible ASCII.
    fn header(&self, name: &str) -> Option<&str>;
}

impl HeaderLookup for () {
    fn header(&self, _name: &str) -> Option<&str> {
        None
    }
}

impl HeaderLookup for ::http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

fn find_pair<'p, N: AsRef<str> + 'p, V: AsRef<str> + 'p>(
    pairs: impl IntoIterator<Item = &'p (N, V)>,
    name: &str,
) -> Option<&'p str> {
    let value = pairs.into_iter().find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))?.1.as_ref();
    value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)).then_some(value)
}

impl<N: AsRef<str> + Sync, V: AsRef<str> + Sync> HeaderLookup for Vec<(N, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        find_pair(self, name)
    }
}

impl<N: AsRef<str> + Sync, V: AsRef<str> + Sync, const K: usize> HeaderLookup for [(N, V); K] {
    fn header(&self, name: &str) -> Option<&str> {
        find_pair(self, name)
    }
}

/// What a policy sees of a request: its headers and a context slot.
///
/// Framework-agnostic on purpose: actix-web 4 pins `http` 0.2 while axum and Workers use
/// 1.x, so the policy traits take this view rather than one crate's request type. The
/// `http` and `axum` adapters put the request's `http::Extensions` into the context slot.
/// Its `Debug` prints no header value (headers carry cookies and tokens).
///
/// ```
/// use channel_auth::integrations::handler::RequestView;
///
/// #[derive(Clone)]
/// struct Session(&'static str);
///
/// let headers = [("Cookie", "sid=1")];
/// let mut extensions = http::Extensions::new();
/// extensions.insert(Session("ann"));
/// let view = RequestView::new(&headers).with_context(&extensions);
/// assert_eq!(view.header("cookie"), Some("sid=1"));
/// assert_eq!(view.extension::<Session>().map(|s| s.0), Some("ann"));
/// assert!(!format!("{view:?}").contains("sid=1"));
/// ```
#[derive(Clone, Copy)]
pub struct RequestView<'a> {
    headers: &'a dyn HeaderLookup,
    context: Option<&'a (dyn Any + Send + Sync)>,
}

impl<'a> RequestView<'a> {
    /// A view of these headers, with an empty context slot.
    #[must_use]
    pub fn new(headers: &'a dyn HeaderLookup) -> Self {
        Self { headers, context: None }
    }

    /// Puts a value into the context slot (the adapters put `http::Extensions` there).
    #[must_use]
    pub fn with_context(self, context: &'a (dyn Any + Send + Sync)) -> Self {
        Self { context: Some(context), ..self }
    }

    /// The first value of header `name` (case-insensitive), if present and visible ASCII.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.header(name)
    }

    /// The context slot, if it holds a `T`.
    #[must_use]
    pub fn context<T: Any>(&self) -> Option<&'a T> {
        let context: &'a (dyn Any + Send + Sync) = self.context?;
        context.downcast_ref::<T>()
    }

    /// The extension of type `T`, when the context slot holds `http::Extensions` (as the
    /// `http` and `axum` adapters arrange).
    #[must_use]
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&'a T> {
        self.context::<::http::Extensions>()?.get::<T>()
    }
}

impl fmt::Debug for RequestView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestView").field("has_context", &self.context.is_some()).finish_non_exhaustive()
    }
}
