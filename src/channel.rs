//! Channel authorization: `private-`, `presence-` and `private-encrypted-` channels.
//!
//! Strings to sign (no valid [`SocketId`] or [`ChannelName`] contains `:`, so each is
//! unambiguous):
//!
//! | channel | signed bytes |
//! |---|---|
//! | `private-*`, `private-encrypted-*` | `<socket_id>:<channel>` |
//! | `presence-*` | `<socket_id>:<channel>:<channel_data>` |

use serde::Serialize;

use crate::credentials::Credentials;
use crate::error::{AuthError, ConfigError, InputKind, InvalidInput, VerifyError};
use crate::json::JsonObject;
use crate::names::{ChannelKind, ChannelName, SocketId, UserId};

/// A presence channel member: the `channel_data` signed into a presence authorization,
/// serialized once, when the member is made.
///
/// `channel_data` is the compact JSON `{"user_id":"<id>","user_info":<info>}`
/// (`user_info` left out when `None`), at most [`PresenceMember::MAX_CHANNEL_DATA_LEN`]
/// bytes. The id is always a JSON string, as protocol 7 requires.
///
/// ```
/// use channel_auth::PresenceMember;
/// use serde_json::json;
///
/// let member = PresenceMember::new("10".parse()?, Some(json!({"name": "Mr. Pusher"})))?;
/// assert_eq!(member.channel_data(), r#"{"user_id":"10","user_info":{"name":"Mr. Pusher"}}"#);
/// let bare = PresenceMember::new("10".parse()?, None)?;
/// assert_eq!(bare.channel_data(), r#"{"user_id":"10"}"#);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresenceMember {
    user_id: UserId,
    channel_data: String,
}

impl PresenceMember {
    /// The most bytes of `channel_data` the protocol accepts.
    pub const MAX_CHANNEL_DATA_LEN: usize = 1024;

    /// A member with this id and optional `user_info`.
    ///
    /// # Errors
    /// [`InvalidInput::TooLong`] (kind [`InputKind::ChannelData`]) when the serialized
    /// `channel_data` would exceed [`Self::MAX_CHANNEL_DATA_LEN`] bytes.
    ///
    /// ```
    /// use channel_auth::{InputKind, InvalidInput, PresenceMember};
    ///
    /// let big = serde_json::Value::String("x".repeat(2000));
    /// let err = PresenceMember::new("u".parse()?, Some(big)).unwrap_err();
    /// assert!(matches!(err, InvalidInput::TooLong { kind: InputKind::ChannelData, max: 1024, .. }));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn new(user_id: UserId, user_info: Option<serde_json::Value>) -> Result<Self, InvalidInput> {
        // Written directly, in one buffer, rather than through a `Value` object: the same
        // bytes. A user id is of the channel alphabet, which JSON never escapes; the
        // `user_info` is serde_json's compact form.
        let mut channel_data = String::with_capacity(Self::MAX_CHANNEL_DATA_LEN.min(128));
        channel_data.push_str(r#"{"user_id":""#);
        channel_data.push_str(user_id.as_str());
        channel_data.push('"');
        if let Some(info) = &user_info {
            channel_data.push_str(r#","user_info":"#);
            push_json(&mut channel_data, info);
        }
        channel_data.push('}');
        if channel_data.len() > Self::MAX_CHANNEL_DATA_LEN {
            return Err(InvalidInput::TooLong {
                kind: InputKind::ChannelData,
                max: Self::MAX_CHANNEL_DATA_LEN,
                len: channel_data.len(),
            });
        }
        Ok(Self { user_id, channel_data })
    }

    /// The member's user id.
    #[must_use]
    pub fn user_id(&self) -> &UserId {
        &self.user_id
    }

    /// The serialized `channel_data`, exactly as it is signed and sent.
    #[must_use]
    pub fn channel_data(&self) -> &str {
        &self.channel_data
    }
}

/// Appends `value`'s compact JSON to `out`, without an intermediate `String`.
fn push_json(out: &mut String, value: &serde_json::Value) {
    use core::fmt::Write as _;
    let start = out.len();
    // Writing to a `String` cannot fail, nor can serializing a `Value`. Were it ever to,
    // the partial text is replaced by `to_string`, which is what this used before.
    if write!(out, "{value}").is_err() {
        out.truncate(start);
        out.push_str(&value.to_string());
    }
}

/// A channel authorization, as the backend returns it to the client.
///
/// `to_json()` and `Serialize` give exactly what the official libraries send:
/// `{"auth":"<key>:<64 lowercase hex>"}`, then `channel_data` (presence) and
/// `shared_secret` (encrypted) when present. `Debug` redacts the shared secret.
///
/// ```
/// use channel_auth::{sign_channel_auth, Credentials};
///
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
/// let auth = sign_channel_auth(&creds, &"1234.1234".parse()?, &"private-foobar".parse()?)?;
/// assert_eq!(
///     auth.to_json(),
///     r#"{"auth":"278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// It has no `==`: check a received authorization with
/// [`verify_channel_auth`](crate::verify_channel_auth) only, in constant time (tests
/// compare `.auth()` strings).
///
/// ```compile_fail
/// use channel_auth::{sign_channel_auth, Credentials};
///
/// let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
/// let (socket, channel) = ("1.1".parse().unwrap(), "private-a".parse().unwrap());
/// let _ = sign_channel_auth(&creds, &socket, &channel).unwrap() == sign_channel_auth(&creds, &socket, &channel).unwrap();
/// ```
#[derive(Clone, Serialize)]
pub struct ChannelAuth {
    auth: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shared_secret: Option<String>,
}

impl ChannelAuth {
    /// The `auth` value, `<key>:<signature>`.
    #[must_use]
    pub fn auth(&self) -> &str {
        &self.auth
    }

    /// The presence `channel_data` that was signed, for presence channels.
    #[must_use]
    pub fn channel_data(&self) -> Option<&str> {
        self.channel_data.as_deref()
    }

    /// The channel's shared secret (base64), for `private-encrypted-` channels.
    #[must_use]
    pub fn shared_secret(&self) -> Option<&str> {
        self.shared_secret.as_deref()
    }

    /// The JSON body a backend returns: `{"auth":…}`, then `channel_data` and
    /// `shared_secret` when present.
    ///
    /// ```
    /// # use channel_auth::{sign_presence_auth, Credentials, PresenceMember};
    /// # let creds = Credentials::new("key".parse()?, "secret".parse()?);
    /// let member = PresenceMember::new("7".parse()?, None)?;
    /// let auth = sign_presence_auth(&creds, &"1.1".parse()?, &"presence-a".parse()?, &member)?;
    /// let json = auth.to_json();
    /// assert!(json.starts_with(r#"{"auth":"key:"#));
    /// assert!(json.ends_with(r#","channel_data":"{\"user_id\":\"7\"}"}"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        // What the derived `Serialize` writes (fields in declaration order, absent ones
        // skipped), into one buffer sized ahead (a quarter more for the escaping of
        // channel_data's quotes). A test pins the bytes to the derive's.
        let data = self.channel_data.as_deref().map_or(0, str::len);
        let secret = self.shared_secret.as_deref().map_or(0, str::len);
        let mut json =
            JsonObject::with_capacity(64 + self.auth.len() + data + data / 4 + secret).string("auth", &self.auth);
        if let Some(data) = &self.channel_data {
            json = json.string("channel_data", data);
        }
        if let Some(secret) = &self.shared_secret {
            json = json.string("shared_secret", secret);
        }
        json.finish()
    }
}

impl core::fmt::Debug for ChannelAuth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChannelAuth")
            .field("auth", &self.auth)
            .field("channel_data", &self.channel_data)
            .field("shared_secret", &self.shared_secret.as_ref().map(|_| format_args!("[redacted]")))
            .finish()
    }
}

/// Authorizes a socket to subscribe to a `private-` or `private-encrypted-` channel.
///
/// Signs `<socket_id>:<channel>`. For `private-encrypted-` channels the result also
/// carries the channel's `shared_secret`, base64(SHA-256(channel ‖ master key)), which
/// needs [`Credentials::with_encryption_master_key`].
///
/// Decide *whether* the user may join before calling this: the signature is the
/// permission.
///
/// # Errors
/// [`AuthError::PublicChannel`] for a public channel, [`AuthError::PresenceNeedsMember`]
/// for a `presence-` channel (use [`sign_presence_auth`]), [`AuthError::Config`]
/// ([`ConfigError::MissingMasterKey`](crate::ConfigError::MissingMasterKey)) for an encrypted channel without a master key, [`AuthError::ReservedChannel`] for a
/// `#server-to-user-` channel.
///
/// ```
/// use channel_auth::{sign_channel_auth, AuthError, ConfigError, Credentials};
///
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
/// let auth = sign_channel_auth(&creds, &"1234.1234".parse()?, &"private-foobar".parse()?)?;
/// assert_eq!(auth.auth(), "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
/// assert_eq!(
///     sign_channel_auth(&creds, &"1.1".parse()?, &"private-encrypted-x".parse()?).err(),
///     Some(AuthError::Config(ConfigError::MissingMasterKey)),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_channel_auth(
    credentials: &Credentials,
    socket_id: &SocketId,
    channel: &ChannelName,
) -> Result<ChannelAuth, AuthError> {
    let shared_secret = match channel.kind() {
        ChannelKind::Private => None,
        ChannelKind::PrivateEncrypted => {
            let master_key = credentials.encryption_master_key().ok_or(ConfigError::MissingMasterKey)?;
            Some(crate::encryption::shared_secret(channel, master_key))
        }
        ChannelKind::Presence => return Err(AuthError::PresenceNeedsMember),
        ChannelKind::ServerToUser => return Err(AuthError::ReservedChannel),
        ChannelKind::Public => return Err(AuthError::PublicChannel),
    };
    let auth = credentials.auth_value(&[socket_id.as_str().as_bytes(), b":", channel.as_str().as_bytes()]);
    Ok(ChannelAuth { auth, channel_data: None, shared_secret })
}

/// Authorizes a socket to subscribe to a `presence-` channel as `member`.
///
/// Signs `<socket_id>:<channel>:<channel_data>`, with the member's compact
/// `channel_data`.
///
/// # Errors
/// [`AuthError::NotPresenceChannel`] for any channel that is not `presence-`.
///
/// ```
/// use channel_auth::{sign_presence_auth, Credentials, PresenceMember};
/// use serde_json::json;
///
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
/// let member = PresenceMember::new("10".parse()?, Some(json!({"name": "Mr. Pusher"})))?;
/// let auth = sign_presence_auth(&creds, &"1234.1234".parse()?, &"presence-foobar".parse()?, &member)?;
/// assert_eq!(
///     auth.auth(),
///     "278d425bdf160c739803:48dac51d2d7569e1e9c0f48c227d4b26f238fa68e5c0bb04222c966909c4f7c4"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_presence_auth(
    credentials: &Credentials,
    socket_id: &SocketId,
    channel: &ChannelName,
    member: &PresenceMember,
) -> Result<ChannelAuth, AuthError> {
    if channel.kind() != ChannelKind::Presence {
        return Err(AuthError::NotPresenceChannel);
    }
    let channel_data = member.channel_data();
    let auth = credentials.auth_value(&[
        socket_id.as_str().as_bytes(),
        b":",
        channel.as_str().as_bytes(),
        b":",
        channel_data.as_bytes(),
    ]);
    Ok(ChannelAuth { auth, channel_data: Some(channel_data.to_owned()), shared_secret: None })
}

/// Verifies a channel authorization, as a Pusher-compatible server does.
///
/// `auth` is `<key>:<hex>`; `channel_data` is verified as received, never
/// re-serialized. As Pusher's own service does, `:<channel_data>` is signed whenever
/// data is given, for any channel kind; a `presence-` channel without data is refused.
/// Verifying a `private-encrypted-` channel needs no master key: the shared secret is
/// not part of the signature.
///
/// Compare signatures only through this function: it decodes the received hex and
/// compares in constant time.
///
/// # Errors
/// [`VerifyError::ReservedChannel`] for a `#server-to-user-` channel, whatever the
/// signature; [`VerifyError::MissingChannelData`], [`VerifyError::MalformedAuth`],
/// [`VerifyError::UnknownKey`] (not this app's key) or [`VerifyError::InvalidSignature`].
///
/// ```
/// use channel_auth::{verify_channel_auth, Credentials, VerifyError};
///
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
/// let auth = "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";
/// verify_channel_auth(&creds, &"1234.1234".parse()?, &"private-foobar".parse()?, None, auth)?;
/// assert_eq!(
///     verify_channel_auth(&creds, &"1234.1234".parse()?, &"private-other".parse()?, None, auth),
///     Err(VerifyError::InvalidSignature),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_channel_auth(
    credentials: &Credentials,
    socket_id: &SocketId,
    channel: &ChannelName,
    channel_data: Option<&str>,
    auth: &str,
) -> Result<(), VerifyError> {
    if channel.kind() == ChannelKind::ServerToUser {
        return Err(VerifyError::ReservedChannel);
    }
    let socket = socket_id.as_str().as_bytes();
    let name = channel.as_str().as_bytes();
    match channel_data {
        Some(data) => credentials.verify_auth_value(&[socket, b":", name, b":", data.as_bytes()], auth),
        None if channel.kind() == ChannelKind::Presence => Err(VerifyError::MissingChannelData),
        None => credentials.verify_auth_value(&[socket, b":", name], auth),
    }
}

#[cfg(test)]
mod tests;
