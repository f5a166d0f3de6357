//! The [`Route`] trait every route implements, the checks the endpoints share, and
//! the three auth endpoints: [`ChannelAuthEndpoint`], [`BatchAuthEndpoint`],
//! [`UserAuthEndpoint`].

use std::future::Future;
use std::time::Duration;

use super::trace::{Record, RouteName};
use super::{
    Answer, ChannelAuthorizer, DEFAULT_BODY_TIMEOUT, Decision, FORM_CONTENT_TYPE, Refusal, RequestView,
    UserAuthenticator,
};
use crate::channel::{ChannelAuth, sign_channel_auth, sign_presence_auth};
use crate::credentials::Credentials;
use crate::error::{AuthError, ConfigError};
use crate::integrations::{BatchAuthRequest, ChannelAuthRequest, RequestError, UserAuthRequest};
use crate::names::{ChannelKind, ChannelName, SocketId};
use crate::user::sign_user_auth;

/// One route: plain data in ([`RequestView`] and body bytes), an [`Answer`] out.
///
/// Every adapter has the same shape: [`refuse_early`](Route::refuse_early) on the
/// headers, read at most [`max_body_len`](Route::max_body_len) bytes of body within
/// [`body_timeout`](Route::body_timeout) ([`Answer::request_error`] with
/// [`RequestError::BodyTooLarge`] or [`RequestError::BodyTimedOut`] past them), then
/// [`answer`](Route::answer). `answer` repeats the early checks and the length check
/// itself, so calling it alone is safe; the time bound is the adapter's to keep, since
/// only it reads the body.
///
/// ```
/// use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, RequestView, Route};
/// use channel_auth::{ChannelName, Credentials, SocketId};
///
/// let deny_all = |_: &RequestView<'_>, _: &SocketId, _: &ChannelName| Decision::Deny;
/// let endpoint = ChannelAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), deny_all);
/// let form = [("content-type", "application/x-www-form-urlencoded; charset=UTF-8")];
/// let view = RequestView::new(&form);
/// assert!(endpoint.refuse_early(&view).is_none());
/// let too_long = vec![b'a'; endpoint.max_body_len() + 1];
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// assert_eq!(runtime.block_on(endpoint.answer(&view, &too_long)).status(), 413);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Route: Send + Sync + 'static {
    /// The most bytes of body this endpoint reads.
    fn max_body_len(&self) -> usize;

    /// How long the body may take to arrive, from when the adapter first waits for it;
    /// [`DEFAULT_BODY_TIMEOUT`] unless the endpoint was built with another.
    fn body_timeout(&self) -> Duration;

    /// The refusal that needs no body, if any: a wrong content type, a missing webhook
    /// header, or a `Content-Length` over [`max_body_len`](Route::max_body_len).
    fn refuse_early(&self, request: &RequestView<'_>) -> Option<Answer>;

    /// Answers one request.
    fn answer(&self, request: &RequestView<'_>, body: &[u8]) -> impl Future<Output = Answer> + Send;
}

/// `Some(415)` unless the content type is `application/x-www-form-urlencoded`, then
/// `Some(413)` for a declared length over `max`.
fn refuse_non_form(request: &RequestView<'_>, max: usize) -> Option<Answer> {
    let essence = request.header("content-type").and_then(|v| v.split(';').next()).map(str::trim);
    match essence {
        Some(t) if t.eq_ignore_ascii_case(FORM_CONTENT_TYPE) => refuse_declared_len(request, max),
        _ => Some(Answer::request_error(RequestError::UnsupportedContentType { expected: FORM_CONTENT_TYPE })),
    }
}

/// `Some(413)` when the request's `Content-Length` says more than `max` bytes: refused
/// before a byte of the body is read. (An unparsable value is the server's to refuse;
/// the bytes read are counted against `max` anyway.)
pub(super) fn refuse_declared_len(request: &RequestView<'_>, max: usize) -> Option<Answer> {
    let declared = request.header("content-length")?.trim();
    if declared.is_empty() || !declared.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits that do not even fit a usize are over any limit.
    let fits = declared.parse::<usize>().is_ok_and(|len| len <= max);
    (!fits).then(|| Answer::request_error(RequestError::BodyTooLarge { max }))
}

/// The early checks and the length check every `answer` starts with.
pub(super) fn precheck<E: Route>(endpoint: &E, request: &RequestView<'_>, body: &[u8]) -> Option<Answer> {
    endpoint.refuse_early(request).or_else(|| {
        let max = endpoint.max_body_len();
        (body.len() > max).then(|| Answer::request_error(RequestError::BodyTooLarge { max }))
    })
}

/// The three form endpoints' shared shape: the struct (credentials, policy, body
/// timeout), `new` and `with_body_timeout`, and a [`Route`] that refuses what is not a
/// form of at most `$form::MAX_BODY_LEN` bytes, parses `$form`, and hands it to the
/// endpoint's own `decide`, with the `tracing` feature's [`Record`] of the answer as
/// `$route`. Written once here so the three cannot drift apart.
macro_rules! form_endpoint {
    ($(#[$doc:meta])* $name:ident<$policy:ident: $bound:ident> { $field:ident }, $form:ty, $route:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<$policy> {
            credentials: Credentials,
            pub(super) $field: $policy,
            body_timeout: Duration,
        }

        impl<$policy: $bound> $name<$policy> {
            /// The endpoint for these credentials and this policy.
            pub fn new(credentials: Credentials, $field: $policy) -> Self {
                Self { credentials, $field, body_timeout: DEFAULT_BODY_TIMEOUT }
            }

            /// The same endpoint, letting the body take at most `timeout` to arrive (default
            /// [`DEFAULT_BODY_TIMEOUT`]).
            #[must_use]
            pub fn with_body_timeout(self, timeout: Duration) -> Self {
                Self { body_timeout: timeout, ..self }
            }
        }

        impl<$policy: $bound> Route for $name<$policy> {
            fn max_body_len(&self) -> usize {
                <$form>::MAX_BODY_LEN
            }

            fn body_timeout(&self) -> Duration {
                self.body_timeout
            }

            fn refuse_early(&self, request: &RequestView<'_>) -> Option<Answer> {
                refuse_non_form(request, self.max_body_len())
            }

            async fn answer(&self, request: &RequestView<'_>, body: &[u8]) -> Answer {
                let mut record = Record::start(RouteName::$route);
                let answer = match precheck(self, request, body) {
                    Some(answer) => answer,
                    None => match <$form>::from_form(body) {
                        Ok(form) => self.decide(request, &form, &mut record).await,
                        Err(e) => Answer::request_error(e),
                    },
                };
                record.answered(answer)
            }
        }
    };
}

/// Asks the authorizer about one channel (if it can be authorized at all), then signs.
async fn decide_and_sign<A: ChannelAuthorizer>(
    credentials: &Credentials,
    authorizer: &A,
    request: &RequestView<'_>,
    socket_id: &SocketId,
    channel: &ChannelName,
) -> Result<ChannelAuth, (u16, Refusal)> {
    match channel.kind() {
        ChannelKind::Public => return Err((400, Refusal::Auth(AuthError::PublicChannel))),
        ChannelKind::ServerToUser => return Err((400, Refusal::Auth(AuthError::ReservedChannel))),
        // Said before the policy is asked: whatever it decides, nothing can be signed.
        ChannelKind::PrivateEncrypted if credentials.encryption_master_key().is_none() => {
            return Err((500, Refusal::Config(ConfigError::MissingMasterKey)));
        }
        _ => {}
    }
    let misfit = |e| (500, Refusal::Auth(e));
    match authorizer.authorize(request, socket_id, channel).await {
        Decision::Deny => Err((403, Refusal::Denied)),
        Decision::Allow => sign_channel_auth(credentials, socket_id, channel).map_err(misfit),
        Decision::AllowAsMember(member) => sign_presence_auth(credentials, socket_id, channel, &member).map_err(misfit),
    }
}

form_endpoint! {
    /// pusher-js channel authorization: a `socket_id`, `channel_name` form (at most
    /// [`ChannelAuthRequest::MAX_BODY_LEN`] bytes), answered with [`ChannelAuth::to_json`]
    /// when the policy allows; the statuses are [the handler's](super#statuses).
    ///
    /// ```
    /// use std::collections::{HashMap, HashSet};
    /// use channel_auth::integrations::handler::{ChannelAuthEndpoint, Decision, RequestView, Route};
    /// use channel_auth::{ChannelName, Credentials, PresenceMember, SocketId, UserId};
    ///
    /// // Who may join which presence room, as the application's own data has it.
    /// let rooms: HashMap<ChannelName, HashSet<UserId>> =
    ///     HashMap::from([("presence-team".parse()?, HashSet::from(["ann".parse()?]))]);
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// // DEMO ONLY: the user is whoever `X-User-Id` names; a real app reads its session.
    /// let endpoint = ChannelAuthEndpoint::new(creds, move |request: &RequestView<'_>, _: &SocketId, channel: &ChannelName| {
    ///     let Some(user) = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok()) else {
    ///         return Decision::Deny;
    ///     };
    ///     match rooms.get(channel) {
    ///         Some(members) if members.contains(&user) => {
    ///             PresenceMember::new(user, None).map_or(Decision::Deny, Decision::AllowAsMember)
    ///         }
    ///         _ => Decision::Deny,
    ///     }
    /// });
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// let ask = |user: &str| {
    ///     let headers = [("content-type", "application/x-www-form-urlencoded"), ("x-user-id", user)];
    ///     runtime.block_on(endpoint.answer(&RequestView::new(&headers), b"socket_id=1.1&channel_name=presence-team"))
    /// };
    /// let ann = ask("ann");
    /// assert_eq!(ann.status(), 200);
    /// assert!(ann.body().contains(r#""channel_data":"{\"user_id\":\"ann\"}""#));
    /// assert_eq!(ask("bob").status(), 403);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ChannelAuthEndpoint<A: ChannelAuthorizer> { authorizer },
    ChannelAuthRequest,
    ChannelAuth
}

impl<A: ChannelAuthorizer> ChannelAuthEndpoint<A> {
    /// Asks the policy about the form's channel, and signs what it allows.
    async fn decide(&self, request: &RequestView<'_>, form: &ChannelAuthRequest, record: &mut Record) -> Answer {
        record.channel(form.channel_name());
        match decide_and_sign(&self.credentials, &self.authorizer, request, form.socket_id(), form.channel_name()).await
        {
            Ok(auth) => Answer::ok(auth.to_json()),
            Err((status, refusal)) => Answer::refuse(status, refusal),
        }
    }
}

form_endpoint! {
    /// Batch channel authorization in the `pusher-js-auth` wire format
    /// ([`BatchAuthRequest`]): the policy is asked about each channel, and the answer is a
    /// JSON object keyed by channel with each one's status ([the handler's
    /// statuses](super#statuses)). A hostile body is `400` for the whole batch, nothing
    /// signed.
    ///
    /// ```
    /// use channel_auth::integrations::handler::{BatchAuthEndpoint, Decision, RequestView, Route};
    /// use channel_auth::{ChannelName, Credentials, SocketId, UserId};
    ///
    /// /// The `X-User-Id` user's own `private-<id>` channel, nothing else. DEMO ONLY: a real
    /// /// app reads its session.
    /// fn own_channel(request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
    ///     let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
    ///     if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
    /// }
    ///
    /// let endpoint = BatchAuthEndpoint::new(Credentials::new("key".parse()?, "secret".parse()?), own_channel);
    /// let form = [("content-type", "application/x-www-form-urlencoded"), ("x-user-id", "a")];
    /// let body = b"&socket_id=1.1&channel_name[0]=private-a&channel_name[1]=private-b&channel_name[2]=news";
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// let answer = runtime.block_on(endpoint.answer(&RequestView::new(&form), body));
    /// let json: serde_json::Value = serde_json::from_str(answer.body())?;
    /// assert_eq!(json["private-a"]["status"], 200);
    /// assert_eq!(json["private-b"]["status"], 403);
    /// assert_eq!(json["news"]["status"], 400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    BatchAuthEndpoint<A: ChannelAuthorizer> { authorizer },
    BatchAuthRequest,
    BatchAuth
}

impl<A: ChannelAuthorizer> BatchAuthEndpoint<A> {
    /// Asks the policy about each of the form's channels, and signs what it allows.
    /// With the `tracing` feature, each channel's decision is an event of its own.
    async fn decide(&self, request: &RequestView<'_>, form: &BatchAuthRequest, record: &mut Record) -> Answer {
        record.channels(form.channel_names().len());
        let mut out = serde_json::Map::new();
        for channel in form.channel_names() {
            let mut one = Record::start(RouteName::BatchAuth);
            one.channel(channel);
            let entry =
                match decide_and_sign(&self.credentials, &self.authorizer, request, form.socket_id(), channel).await {
                    Ok(auth) => {
                        one.channel_decided(200, None);
                        serde_json::json!({ "status": 200, "data": auth })
                    }
                    Err((status, refusal)) => {
                        one.channel_decided(status, Some(&refusal));
                        serde_json::json!({ "status": status })
                    }
                };
            out.insert(channel.as_str().to_owned(), entry);
        }
        Answer::ok(serde_json::Value::Object(out).to_string())
    }
}

form_endpoint! {
    /// pusher-js user authentication (`pusher.signin()`; a `socket_id` form of at most
    /// [`UserAuthRequest::MAX_BODY_LEN`] bytes), answered with
    /// [`UserAuth::to_json`](crate::UserAuth::to_json) when the authenticator returns the
    /// user's data, `403` when it returns `None` ([the handler's statuses](super#statuses)).
    ///
    /// ```
    /// use channel_auth::integrations::handler::{RequestView, Route, UserAuthEndpoint};
    /// use channel_auth::{Credentials, SocketId, UserData, UserId};
    ///
    /// /// What the application's session middleware put in the request's extensions.
    /// #[derive(Clone)]
    /// struct Session(UserId);
    ///
    /// let endpoint = UserAuthEndpoint::new(
    ///     Credentials::new("key".parse()?, "secret".parse()?),
    ///     |request: &RequestView<'_>, _: &SocketId| request.extension::<Session>().map(|s| UserData::new(s.0.clone())),
    /// );
    /// let form = [("content-type", "application/x-www-form-urlencoded")];
    /// let mut signed_in = http::Extensions::new();
    /// signed_in.insert(Session("ann".parse()?));
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// let answer = runtime.block_on(endpoint.answer(&RequestView::new(&form).with_context(&signed_in), b"socket_id=1.1"));
    /// assert_eq!(answer.status(), 200);
    /// assert_eq!(runtime.block_on(endpoint.answer(&RequestView::new(&form), b"socket_id=1.1")).status(), 403);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    UserAuthEndpoint<U: UserAuthenticator> { authenticator },
    UserAuthRequest,
    UserAuth
}

impl<U: UserAuthenticator> UserAuthEndpoint<U> {
    /// Asks the policy who the user is, and signs the sign-in it vouches for.
    async fn decide(&self, request: &RequestView<'_>, form: &UserAuthRequest, _: &mut Record) -> Answer {
        let Some(user) = self.authenticator.authenticate(request, form.socket_id()).await else {
            return Answer::refuse(403, Refusal::Denied);
        };
        match sign_user_auth(&self.credentials, form.socket_id(), &user) {
            Ok(auth) => Answer::ok(auth.to_json()),
            Err(e) => Answer::refuse(500, Refusal::Auth(e)),
        }
    }
}
