//! [`Api`]: every operation of the HTTP API built as a signed `http::Request`; sending
//! it is the caller's (sans-IO).

use std::borrow::Cow;
use std::time::SystemTime;

use super::error::Operation;
use super::event::{BatchBody, EventBody, EventCore, Target};
use super::query::is_cache_channel;
use super::request::{ApiRequest, Unsigned};
use super::response::{
    BatchResponse, ChannelResponse, ChannelsResponse, TerminateResponse, TriggerResponse, UsersResponse,
};
use super::{BatchEvent, ChannelsQuery, Info, Limits, Trigger};
use crate::api::{Method, sign_api_request};
use crate::credentials::Credentials;
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
use crate::encryption::encrypt_payload;
use crate::encryption::encrypt_payload_with_rng;
use crate::encryption::rand_core::CryptoRngCore;
use crate::error::{AuthError, ConfigError};
use crate::names::{AppId, ChannelKind, ChannelName, EventName, UserId};
use crate::send::error::SendError;
use crate::send::url::ApiUrl;

/// The HTTP API of one app: credentials (with an app id), where to send, and limits.
/// Every method builds a signed `http::Request<Vec<u8>>` and sends nothing.
///
/// `Debug` redacts the secret and the master key.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use channel_auth::send::{Api, ApiUrl, Trigger};
/// use channel_auth::Credentials;
///
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?)
///     .with_app_id("3".parse()?);
/// let api = Api::new(creds, ApiUrl::cluster("mt1")?)?;
/// let trigger = Trigger::new("foo".parse()?, r#"{"some":"data"}"#, ["project-3".parse()?]);
/// let request = api.trigger(&trigger, UNIX_EPOCH + Duration::from_secs(1353088179))?;
/// assert_eq!(request.http().method(), "POST");
/// assert_eq!(request.http().uri().path(), "/apps/3/events");
/// assert_eq!(request.http().body(), br#"{"name":"foo","data":"{\"some\":\"data\"}","channels":["project-3"]}"#);
/// assert!(!format!("{api:?}").contains("7ad3773142a6692b25b8"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Api {
    credentials: Credentials,
    app_id: AppId,
    url: ApiUrl,
    limits: Limits,
}

/// Encrypts `data` for one `private-encrypted-` channel.
trait Encrypt: FnMut(&ChannelName, &[u8]) -> Result<String, AuthError> {}
impl<F: FnMut(&ChannelName, &[u8]) -> Result<String, AuthError>> Encrypt for F {}

impl Api {
    /// The API of the app `credentials` are bound to
    /// ([`Credentials::with_app_id`]), at `url`, with [`Limits::default`].
    ///
    /// # Errors
    /// [`SendError::Config`] ([`ConfigError::MissingAppId`](crate::ConfigError::MissingAppId))
    /// when the credentials carry no app id.
    ///
    /// ```
    /// use channel_auth::send::{Api, ApiUrl, SendError};
    /// use channel_auth::{ConfigError, Credentials};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// let missing = Api::new(creds.clone(), ApiUrl::cluster("eu")?).unwrap_err();
    /// assert_eq!(missing, SendError::Config(ConfigError::MissingAppId));
    /// let api = Api::new(creds.with_app_id("42".parse()?), ApiUrl::cluster("eu")?)?;
    /// assert_eq!(api.app_id().as_str(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(credentials: Credentials, url: ApiUrl) -> Result<Self, SendError> {
        let app_id = credentials.app_id().cloned().ok_or(ConfigError::MissingAppId)?;
        Ok(Self { credentials, app_id, url, limits: Limits::default() })
    }

    /// The same API with other limits.
    ///
    /// ```
    /// use channel_auth::send::{Api, ApiUrl, Limits};
    /// use channel_auth::Credentials;
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::cluster("eu")?)?.with_limits(Limits::default().with_max_batch(50));
    /// assert_eq!(api.limits().max_batch(), 50);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits checked before building.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The app id requests are sent for.
    #[must_use]
    pub fn app_id(&self) -> &AppId {
        &self.app_id
    }

    /// Where requests go.
    #[must_use]
    pub fn endpoint(&self) -> &ApiUrl {
        &self.url
    }

    /// The credentials requests are signed with.
    #[must_use]
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// `POST /apps/<id>/events`: `{"name","data","channels","socket_id"?,"info"?}`, as the
    /// official libraries send it, signed at `now`.
    ///
    /// A `private-encrypted-` channel is triggered alone, its `data` encrypted under that
    /// channel's key with a fresh nonce from the OS (not on `wasm32-unknown-unknown`:
    /// there, use [`Api::trigger_with_rng`]).
    ///
    /// # Errors
    /// [`SendError`]: [`SendError::NoChannels`], [`SendError::TooManyChannels`],
    /// [`SendError::ServerToUserChannel`], [`SendError::EncryptedAmongSeveral`],
    /// [`SendError::Config`] (no master key for an encrypted channel),
    /// [`SendError::InfoNotApplicable`] (`user_count`
    /// with a channel that is not `presence-`), [`SendError::DataTooLong`] (measured on
    /// what is sent), [`SendError::Invalid`] for a time before 1970.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::send::{Api, ApiUrl, SendError, Trigger};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::from_url("http://127.0.0.1:6001")?)?;
    /// let both = Trigger::new("ev".parse()?, "x", ["private-encrypted-a".parse()?, "b".parse()?]);
    /// assert_eq!(
    ///     api.trigger(&both, SystemTime::now()).unwrap_err(),
    ///     SendError::EncryptedAmongSeveral { channel: "private-encrypted-a".parse()? }
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub fn trigger(&self, trigger: &Trigger, now: SystemTime) -> Result<ApiRequest<TriggerResponse>, SendError> {
        self.build_trigger(trigger, now, &mut |channel: &ChannelName, data: &[u8]| {
            encrypt_payload(&self.credentials, channel, data)
        })
    }

    /// [`Api::trigger`] with the nonce for an encrypted channel drawn from `rng` instead
    /// of the OS: for targets without an OS random source (`wasm32-unknown-unknown`),
    /// where the caller has one. `rng` must be a cryptographically secure generator
    /// (`rand_core` 0.6's `CryptoRngCore`, re-exported as
    /// [`channel_auth::encryption::rand_core`](crate::encryption::rand_core)).
    ///
    /// # Errors
    /// As [`Api::trigger`].
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::encryption::{rand_core::{impls, CryptoRng, Error, RngCore}};
    ///
    /// // A stand-in for the platform's CSPRNG (e.g. one over `crypto.getRandomValues`).
    /// struct Platform(u8);
    /// impl RngCore for Platform {
    ///     fn next_u32(&mut self) -> u32 { impls::next_u32_via_fill(self) }
    ///     fn next_u64(&mut self) -> u64 { impls::next_u64_via_fill(self) }
    ///     fn fill_bytes(&mut self, dest: &mut [u8]) {
    ///         for b in dest { self.0 = self.0.wrapping_add(1); *b = self.0; }
    ///     }
    ///     fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
    ///         self.fill_bytes(dest);
    ///         Ok(())
    ///     }
    /// }
    /// impl CryptoRng for Platform {}
    /// use channel_auth::encryption::decrypt_payload;
    /// use channel_auth::send::{Api, ApiUrl, Trigger};
    /// use channel_auth::{Credentials, EncryptionMasterKey};
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?)
    ///     .with_app_id("1".parse()?)
    ///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
    /// let api = Api::new(creds.clone(), ApiUrl::cluster("eu")?)?;
    /// let channel = "private-encrypted-a".parse()?;
    /// let trigger = Trigger::new("ev".parse()?, "secret text", [channel]);
    /// let request = api.trigger_with_rng(&trigger, SystemTime::now(), &mut Platform(0))?;
    /// let body: serde_json::Value = serde_json::from_slice(request.http().body())?;
    /// let data = body["data"].as_str().unwrap_or_default();
    /// assert_eq!(decrypt_payload(&creds, &"private-encrypted-a".parse()?, data)?, b"secret text");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trigger_with_rng(
        &self,
        trigger: &Trigger,
        now: SystemTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<ApiRequest<TriggerResponse>, SendError> {
        self.build_trigger(trigger, now, &mut |channel: &ChannelName, data: &[u8]| {
            encrypt_payload_with_rng(&self.credentials, channel, data, rng)
        })
    }

    fn build_trigger(
        &self,
        trigger: &Trigger,
        now: SystemTime,
        encrypt: &mut impl Encrypt,
    ) -> Result<ApiRequest<TriggerResponse>, SendError> {
        let channels = trigger.channels();
        if channels.is_empty() {
            return Err(SendError::NoChannels);
        }
        if channels.len() > self.limits.max_channels {
            return Err(SendError::TooManyChannels { max: self.limits.max_channels, len: channels.len() });
        }
        for channel in channels {
            check_not_server_to_user(channel)?;
            if channels.len() > 1 && channel.kind() == ChannelKind::PrivateEncrypted {
                return Err(SendError::EncryptedAmongSeveral { channel: channel.clone() });
            }
            check_event_info(trigger.core.info, channel)?;
        }
        let data = match channels {
            [only] => self.data_for(only, &trigger.core.data, encrypt)?,
            _ => {
                self.check_len(&trigger.core.data)?;
                Cow::Borrowed(trigger.core.data.as_str())
            }
        };
        let body = EventBody { core: &trigger.core, data, target: Target::Channels(channels) };
        let body = serde_json::to_vec(&body).map_err(|_| SendError::Body)?;
        self.post(Operation::Trigger, &format!("/apps/{}/events", self.app_id.as_str()), body, now)
    }

    /// `POST /apps/<id>/batch_events`: `{"batch":[{"channel","name","data","socket_id"?,
    /// "info"?}]}`, signed at `now`. Each `private-encrypted-` event is encrypted under
    /// its own channel's key, with a fresh nonce from the OS.
    ///
    /// # Errors
    /// [`SendError::EmptyBatch`], [`SendError::BatchTooLarge`], and for one event
    /// [`SendError::InBatch`] wrapping what [`Api::trigger`] would refuse for it.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::send::{Api, ApiUrl, BatchEvent, SendError};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
    /// let events: Vec<_> = (0..11).map(|i| BatchEvent::new("a".parse().unwrap(), "ev".parse().unwrap(), i.to_string())).collect();
    /// assert_eq!(api.trigger_batch(&events, SystemTime::now()).unwrap_err(), SendError::BatchTooLarge { max: 10, len: 11 });
    /// assert!(api.trigger_batch(&events[..10], SystemTime::now()).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub fn trigger_batch(
        &self,
        events: &[BatchEvent],
        now: SystemTime,
    ) -> Result<ApiRequest<BatchResponse>, SendError> {
        self.build_batch(events, now, &mut |channel: &ChannelName, data: &[u8]| {
            encrypt_payload(&self.credentials, channel, data)
        })
    }

    /// [`Api::trigger_batch`] with nonces drawn from `rng` (see [`Api::trigger_with_rng`],
    /// whose example shows such a source).
    ///
    /// # Errors
    /// As [`Api::trigger_batch`].
    pub fn trigger_batch_with_rng(
        &self,
        events: &[BatchEvent],
        now: SystemTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<ApiRequest<BatchResponse>, SendError> {
        self.build_batch(events, now, &mut |channel: &ChannelName, data: &[u8]| {
            encrypt_payload_with_rng(&self.credentials, channel, data, rng)
        })
    }

    fn build_batch(
        &self,
        events: &[BatchEvent],
        now: SystemTime,
        encrypt: &mut impl Encrypt,
    ) -> Result<ApiRequest<BatchResponse>, SendError> {
        if events.is_empty() {
            return Err(SendError::EmptyBatch);
        }
        if events.len() > self.limits.max_batch {
            return Err(SendError::BatchTooLarge { max: self.limits.max_batch, len: events.len() });
        }
        let mut batch = Vec::with_capacity(events.len());
        for (index, event) in events.iter().enumerate() {
            let item = self
                .batch_item(event, encrypt)
                .map_err(|source| SendError::InBatch { index, source: Box::new(source) })?;
            batch.push(item);
        }
        let body = serde_json::to_vec(&BatchBody { batch }).map_err(|_| SendError::Body)?;
        self.post(Operation::TriggerBatch, &format!("/apps/{}/batch_events", self.app_id.as_str()), body, now)
    }

    fn batch_item<'e>(&self, event: &'e BatchEvent, encrypt: &mut impl Encrypt) -> Result<EventBody<'e>, SendError> {
        check_not_server_to_user(&event.channel)?;
        check_event_info(event.core.info, &event.channel)?;
        let data = self.data_for(&event.channel, &event.core.data, encrypt)?;
        Ok(EventBody { core: &event.core, data, target: Target::Channel(&event.channel) })
    }

    /// `GET /apps/<id>/channels[?filter_by_prefix=…&info=user_count]`, signed at `now`.
    ///
    /// # Errors
    /// [`SendError::InfoNotApplicable`] for `user_count` without a prefix that starts
    /// with `presence-`.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use channel_auth::send::{Api, ApiUrl, ChannelsQuery};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::from_url("http://127.0.0.1:6001")?)?;
    /// let query = ChannelsQuery::new().filter_by_prefix("presence-".parse()?).with_user_count();
    /// let request = api.channels(&query, UNIX_EPOCH + Duration::from_secs(1_700_000_000))?;
    /// assert_eq!(request.http().uri().path(), "/apps/1/channels");
    /// assert!(request.http().uri().query().unwrap_or("").starts_with("auth_key=key&"));
    /// assert!(request.http().uri().query().unwrap_or("").contains("&filter_by_prefix=presence-&info=user_count&"));
    /// assert!(request.http().body().is_empty());
    ///
    /// assert!(api.channels(&ChannelsQuery::new().with_user_count(), UNIX_EPOCH).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn channels(&self, query: &ChannelsQuery, now: SystemTime) -> Result<ApiRequest<ChannelsResponse>, SendError> {
        let mut params: Vec<(&'static str, &str)> = Vec::with_capacity(2);
        if let Some(prefix) = &query.prefix {
            params.push(("filter_by_prefix", prefix.as_str()));
        }
        if query.user_count {
            if !query.prefix.as_ref().is_some_and(|p| p.as_str().starts_with("presence-")) {
                return Err(SendError::InfoNotApplicable { attribute: "user_count", channel: query.prefix.clone() });
            }
            params.push(("info", "user_count"));
        }
        self.get(Operation::Channels, &format!("/apps/{}/channels", self.app_id.as_str()), &params, now)
    }

    /// `GET /apps/<id>/channels/<channel>[?info=…]`, signed at `now`.
    ///
    /// # Errors
    /// [`SendError::InfoNotApplicable`] for `user_count` on a channel that is not
    /// `presence-`; [`SendError::ServerToUserChannel`].
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::send::{Api, ApiUrl, Info, SendError};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
    /// let request = api.channel(&"presence-a".parse()?, Info::new().with_user_count(), SystemTime::now())?;
    /// assert_eq!(request.http().uri().path(), "/apps/1/channels/presence-a");
    /// assert!(matches!(
    ///     api.channel(&"private-a".parse()?, Info::new().with_user_count(), SystemTime::now()),
    ///     Err(SendError::InfoNotApplicable { attribute: "user_count", .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn channel(
        &self,
        channel: &ChannelName,
        info: Info,
        now: SystemTime,
    ) -> Result<ApiRequest<ChannelResponse>, SendError> {
        check_not_server_to_user(channel)?;
        check_info(info, channel)?;
        let params: Vec<(&'static str, &str)> = info.as_param().map(|v| ("info", v)).into_iter().collect();
        self.get(
            Operation::Channel,
            &format!("/apps/{}/channels/{}", self.app_id.as_str(), segment(channel.as_str())),
            &params,
            now,
        )
    }

    /// `GET /apps/<id>/channels/<presence channel>/users`, signed at `now`.
    ///
    /// # Errors
    /// [`SendError::NotPresenceChannel`] for any other channel.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::send::{Api, ApiUrl, SendError};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
    /// assert_eq!(api.users(&"presence-a".parse()?, SystemTime::now())?.http().uri().path(), "/apps/1/channels/presence-a/users");
    /// assert_eq!(
    ///     api.users(&"news".parse()?, SystemTime::now()).unwrap_err(),
    ///     SendError::NotPresenceChannel { channel: "news".parse()? }
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn users(&self, channel: &ChannelName, now: SystemTime) -> Result<ApiRequest<UsersResponse>, SendError> {
        if channel.kind() != ChannelKind::Presence {
            return Err(SendError::NotPresenceChannel { channel: channel.clone() });
        }
        self.get(
            Operation::Users,
            &format!("/apps/{}/channels/{}/users", self.app_id.as_str(), segment(channel.as_str())),
            &[],
            now,
        )
    }

    /// `POST /apps/<id>/users/<user>/terminate_connections` with body `{}`, signed at
    /// `now`.
    ///
    /// # Errors
    /// [`SendError::Invalid`] for a time before 1970.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::send::{Api, ApiUrl};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
    /// let request = api.terminate_user_connections(&"alice".parse()?, SystemTime::now())?;
    /// assert_eq!(request.http().uri().path(), "/apps/1/users/alice/terminate_connections");
    /// assert_eq!(request.http().body(), b"{}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn terminate_user_connections(
        &self,
        user: &UserId,
        now: SystemTime,
    ) -> Result<ApiRequest<TerminateResponse>, SendError> {
        self.post(
            Operation::TerminateUserConnections,
            &format!("/apps/{}/users/{}/terminate_connections", self.app_id.as_str(), segment(user.as_str())),
            b"{}".to_vec(),
            now,
        )
    }

    /// An event to every connection signed in as `user`: a trigger on
    /// `#server-to-user-<user>` (the only way this crate publishes to such a channel).
    ///
    /// # Errors
    /// [`SendError::DataTooLong`]; [`SendError::Invalid`] for a time before 1970.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use channel_auth::send::{Api, ApiUrl};
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::new("key".parse()?, "secret".parse()?).with_app_id("1".parse()?);
    /// let api = Api::new(creds, ApiUrl::cluster("eu")?)?;
    /// let request = api.send_to_user(&"alice".parse()?, &"hello".parse()?, "hi", SystemTime::now())?;
    /// assert_eq!(request.http().body(), br##"{"name":"hello","data":"hi","channels":["#server-to-user-alice"]}"##);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_to_user(
        &self,
        user: &UserId,
        event: &EventName,
        data: impl Into<String>,
        now: SystemTime,
    ) -> Result<ApiRequest<TriggerResponse>, SendError> {
        let data = data.into();
        self.check_len(&data)?;
        let channel: ChannelName = format!("#server-to-user-{}", user.as_str()).parse()?;
        let core = EventCore::new(event.clone(), data);
        let body = EventBody {
            core: &core,
            data: Cow::Borrowed(&core.data),
            target: Target::Channels(core::slice::from_ref(&channel)),
        };
        let body = serde_json::to_vec(&body).map_err(|_| SendError::Body)?;
        self.post(Operation::SendToUser, &format!("/apps/{}/events", self.app_id.as_str()), body, now)
    }

    /// The `data` to send on `channel`: encrypted for a `private-encrypted-` channel,
    /// then checked against the limit.
    /// The `data` sent to `channel`: encrypted for a `private-encrypted-` one, else
    /// `data` itself (borrowed, not copied).
    fn data_for<'d>(
        &self,
        channel: &ChannelName,
        data: &'d str,
        encrypt: &mut impl Encrypt,
    ) -> Result<Cow<'d, str>, SendError> {
        let sent = if channel.kind() == ChannelKind::PrivateEncrypted {
            if self.credentials.encryption_master_key().is_none() {
                return Err(ConfigError::MissingMasterKey.into());
            }
            Cow::Owned(encrypt(channel, data.as_bytes()).map_err(SendError::Encryption)?)
        } else {
            Cow::Borrowed(data)
        };
        self.check_len(&sent)?;
        Ok(sent)
    }

    fn check_len(&self, data: &str) -> Result<(), SendError> {
        if data.len() > self.limits.max_data_len {
            return Err(SendError::DataTooLong { max: self.limits.max_data_len, len: data.len() });
        }
        Ok(())
    }

    fn post<R>(
        &self,
        operation: Operation,
        path: &str,
        body: Vec<u8>,
        now: SystemTime,
    ) -> Result<ApiRequest<R>, SendError> {
        let unsigned = Unsigned { post: true, path: path.to_owned(), params: Vec::new() };
        self.sign(operation, unsigned, body, now)
    }

    fn get<R>(
        &self,
        operation: Operation,
        path: &str,
        params: &[(&'static str, &str)],
        now: SystemTime,
    ) -> Result<ApiRequest<R>, SendError> {
        let params = params.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let unsigned = Unsigned { post: false, path: path.to_owned(), params };
        self.sign(operation, unsigned, Vec::new(), now)
    }

    /// Signs `unsigned` with `body` at `now`: every request, and each retry again.
    pub(super) fn sign<R>(
        &self,
        operation: Operation,
        unsigned: Unsigned,
        body: Vec<u8>,
        now: SystemTime,
    ) -> Result<ApiRequest<R>, SendError> {
        let params: Vec<(&str, &str)> = unsigned.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (method, http_method) =
            if unsigned.post { (Method::Post, http::Method::POST) } else { (Method::Get, http::Method::GET) };
        let query = sign_api_request(&self.credentials, method, &unsigned.path, &params, &body, now)?;
        let mut builder = http::Request::builder().method(http_method).uri(format!(
            "{}{}?{}",
            self.url.base_url(),
            unsigned.path,
            query.as_str()
        ));
        if unsigned.post {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = builder.body(body).map_err(|_| SendError::Request)?;
        Ok(ApiRequest::new(request, operation, unsigned))
    }
}

fn check_not_server_to_user(channel: &ChannelName) -> Result<(), SendError> {
    if channel.kind() == ChannelKind::ServerToUser {
        return Err(SendError::ServerToUserChannel { channel: channel.clone() });
    }
    Ok(())
}

/// `info` for a channel an event is published to: `user_count` only for presence
/// channels; `cache` never (it is one channel's query, [`Api::channel`]).
fn check_event_info(info: Info, channel: &ChannelName) -> Result<(), SendError> {
    if info.cache {
        return Err(SendError::InfoNotApplicable { attribute: "cache", channel: Some(channel.clone()) });
    }
    check_info(info, channel)
}

/// `info` for one channel: `user_count` only for presence channels, `cache` only for
/// cache channels.
fn check_info(info: Info, channel: &ChannelName) -> Result<(), SendError> {
    if info.user_count && channel.kind() != ChannelKind::Presence {
        return Err(SendError::InfoNotApplicable { attribute: "user_count", channel: Some(channel.clone()) });
    }
    if info.cache && !is_cache_channel(channel) {
        return Err(SendError::InfoNotApplicable { attribute: "cache", channel: Some(channel.clone()) });
    }
    Ok(())
}

/// A channel or user name as one segment of the request path. Names made only of dots
/// (`.`, `..`: valid names) are percent-encoded, or a client that normalizes dot segments
/// would send another path than the one signed; every other name is its own text.
fn segment(name: &str) -> Cow<'_, str> {
    if !name.is_empty() && name.bytes().all(|b| b == b'.') {
        Cow::Owned("%2E".repeat(name.len()))
    } else {
        Cow::Borrowed(name)
    }
}
