//! User authentication (`pusher:signin`).
//!
//! String to sign: `<socket_id>::user::<user_data>`. A channel name is never empty, so
//! this can never equal a channel authorization's `<socket_id>:<channel>[:<data>]`.

use serde::Serialize;

use crate::credentials::Credentials;
use crate::error::{AuthError, VerifyError};
use crate::json::JsonObject;
use crate::names::{SocketId, UserId};

/// The separator between socket id and user data in the signed bytes.
const USER_SEPARATOR: &[u8] = b"::user::";

/// The `user_data` of a sign-in: the user's id, and optionally `user_info` and a
/// `watchlist` of other users' ids.
///
/// Serialized as compact JSON `{"id":"<id>","user_info":…,"watchlist":[…]}`, absent fields
/// left out.
///
/// ```
/// use channel_auth::UserData;
/// use serde_json::json;
///
/// let data = UserData::new("12345".parse()?)
///     .with_user_info(json!({"name": "Ann"}))
///     .with_watchlist(vec!["7".parse()?, "8".parse()?]);
/// assert_eq!(
///     data.to_json(),
///     r#"{"id":"12345","user_info":{"name":"Ann"},"watchlist":["7","8"]}"#
/// );
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserData {
    id: UserId,
    user_info: Option<serde_json::Value>,
    watchlist: Option<Vec<UserId>>,
}

impl UserData {
    /// User data with just an id.
    #[must_use]
    pub fn new(id: UserId) -> Self {
        Self { id, user_info: None, watchlist: None }
    }

    /// Adds `user_info`, shown to other users.
    #[must_use]
    pub fn with_user_info(mut self, user_info: serde_json::Value) -> Self {
        self.user_info = Some(user_info);
        self
    }

    /// Adds a watchlist: the users whose online status this user is told of.
    #[must_use]
    pub fn with_watchlist(mut self, watchlist: Vec<UserId>) -> Self {
        self.watchlist = Some(watchlist);
        self
    }

    /// The user's id.
    #[must_use]
    pub fn id(&self) -> &UserId {
        &self.id
    }

    /// The compact JSON that is signed and sent as `user_data`.
    #[must_use]
    pub fn to_json(&self) -> String {
        // The bytes of serializing the `Value` object {id, user_info, watchlist}, written
        // directly: no intermediate tree, no clone of `user_info`.
        let mut json = JsonObject::with_capacity(self.json_len_hint()).string("id", self.id.as_str());
        if let Some(info) = &self.user_info {
            json = json.value("user_info", info);
        }
        if let Some(watchlist) = &self.watchlist {
            json = json.strings("watchlist", watchlist.iter().map(UserId::as_str));
        }
        json.finish()
    }

    /// Bytes to reserve for [`to_json`](Self::to_json): exact but for `user_info`, for
    /// which a typical small object's size is guessed.
    fn json_len_hint(&self) -> usize {
        const USER_INFO_GUESS: usize = 128;
        let info = self.user_info.as_ref().map_or(0, |_| r#","user_info":"#.len() + USER_INFO_GUESS);
        let watchlist = self
            .watchlist
            .as_ref()
            .map_or(0, |ids| r#","watchlist":[]"#.len() + ids.iter().map(|id| id.as_str().len() + 3).sum::<usize>());
        r#"{"id":""}"#.len() + self.id.as_str().len() + info + watchlist
    }
}

/// A user sign-in authorization, as the backend returns it: `{"auth":…,"user_data":…}`.
///
/// ```
/// use channel_auth::{sign_user_auth, Credentials, UserData};
///
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
/// let auth = sign_user_auth(&creds, &"1234.1234".parse()?, &UserData::new("12345".parse()?))?;
/// assert_eq!(
///     auth.to_json(),
///     r#"{"auth":"278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba","user_data":"{\"id\":\"12345\"}"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// It has no `==`: check a received sign-in with
/// [`verify_user_auth`](crate::verify_user_auth) only, in constant time.
///
/// ```compile_fail
/// use channel_auth::{sign_user_auth, Credentials, UserData};
///
/// let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
/// let (socket, user) = ("1.1".parse().unwrap(), UserData::new("u".parse().unwrap()));
/// let _ = sign_user_auth(&creds, &socket, &user).unwrap() == sign_user_auth(&creds, &socket, &user).unwrap();
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct UserAuth {
    auth: String,
    user_data: String,
}

impl UserAuth {
    /// The `auth` value, `<key>:<signature>`.
    #[must_use]
    pub fn auth(&self) -> &str {
        &self.auth
    }

    /// The `user_data` JSON that was signed.
    #[must_use]
    pub fn user_data(&self) -> &str {
        &self.user_data
    }

    /// The JSON body a backend returns: `{"auth":"…","user_data":"…"}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        // The derived `Serialize`, straight into one buffer sized ahead: the field names
        // and quotes, and a quarter more for the escaping of user_data's quotes.
        let data = self.user_data.len();
        JsonObject::with_capacity(32 + self.auth.len() + data + data / 4)
            .string("auth", &self.auth)
            .string("user_data", &self.user_data)
            .finish()
    }
}

/// Signs a user in: the response to `pusher:signin`.
///
/// Signs `<socket_id>::user::<user_data>`.
///
/// # Errors
/// None today; the `Result` leaves room for limits the protocol may add.
///
/// ```
/// use channel_auth::{sign_user_auth, Credentials, UserData};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let auth = sign_user_auth(&creds, &"12345.12345".parse()?, &UserData::new("1234".parse()?))?;
/// assert_eq!(auth.auth(), "key:e4c63b82c1e1d0955901f6a29ca51b244155bafda93968bc5664010f5ba54a41");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_user_auth(credentials: &Credentials, socket_id: &SocketId, user: &UserData) -> Result<UserAuth, AuthError> {
    let user_data = user.to_json();
    let auth = credentials.auth_value(&[socket_id.as_str().as_bytes(), USER_SEPARATOR, user_data.as_bytes()]);
    Ok(UserAuth { auth, user_data })
}

/// Verifies a user sign-in, as a Pusher-compatible server does, over the raw
/// `user_data` string as received (never re-serialized).
///
/// # Errors
/// [`VerifyError::MalformedAuth`], [`VerifyError::UnknownKey`] or
/// [`VerifyError::InvalidSignature`].
///
/// ```
/// use channel_auth::{verify_user_auth, Credentials};
///
/// let creds = Credentials::new("key".parse()?, "secret".parse()?);
/// let auth = "key:e4c63b82c1e1d0955901f6a29ca51b244155bafda93968bc5664010f5ba54a41";
/// verify_user_auth(&creds, &"12345.12345".parse()?, r#"{"id":"1234"}"#, auth)?;
/// assert!(verify_user_auth(&creds, &"12345.12345".parse()?, r#"{"id":"1235"}"#, auth).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_user_auth(
    credentials: &Credentials,
    socket_id: &SocketId,
    user_data: &str,
    auth: &str,
) -> Result<(), VerifyError> {
    credentials.verify_auth_value(&[socket_id.as_str().as_bytes(), USER_SEPARATOR, user_data.as_bytes()], auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pusher's documented user authentication example (V3).
    #[test]
    fn to_json_is_the_documented_response() {
        let creds = Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap());
        let signed =
            sign_user_auth(&creds, &"1234.1234".parse().unwrap(), &UserData::new("12345".parse().unwrap())).unwrap();
        assert_eq!(
            signed.to_json(),
            r#"{"auth":"278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba","user_data":"{\"id\":\"12345\"}"}"#
        );
        assert_eq!(serde_json::to_string(&signed).unwrap(), signed.to_json());
    }

    #[test]
    fn to_json_is_the_value_objects_serialization() {
        let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
        let user = UserData::new("u".parse().unwrap()).with_user_info(serde_json::json!({"n": "a\"b\\c\u{1}é"}));
        let auth = sign_user_auth(&creds, &"1.1".parse().unwrap(), &user).unwrap();
        assert_eq!(auth.to_json(), serde_json::to_string(&auth).unwrap());
        assert_eq!(auth.user_data(), via_value(&user));
    }

    /// The `Value` object of the same fields, serialized: what `to_json` must equal.
    fn via_value(user: &UserData) -> String {
        let mut map = serde_json::Map::new();
        map.insert("id".to_owned(), user.id.as_str().into());
        if let Some(info) = &user.user_info {
            map.insert("user_info".to_owned(), info.clone());
        }
        if let Some(watchlist) = &user.watchlist {
            map.insert("watchlist".to_owned(), watchlist.iter().map(UserId::as_str).collect());
        }
        // Alphabetical and insertion order agree (id, user_info, watchlist).
        serde_json::Value::Object(map).to_string()
    }

    #[test]
    fn user_data_is_the_value_objects_serialization() {
        let full = UserData::new("u".parse().unwrap())
            .with_user_info(serde_json::json!({"b": [1, "\u{1}"], "a": null}))
            .with_watchlist(vec!["v".parse().unwrap(), "w".parse().unwrap()]);
        let empty_list = UserData::new("u".parse().unwrap()).with_watchlist(vec![]);
        for user in [full, empty_list, UserData::new("u".parse().unwrap())] {
            assert_eq!(user.to_json(), via_value(&user));
        }
        assert_eq!(UserData::new("u".parse().unwrap()).to_json(), r#"{"id":"u"}"#);
    }

    /// The capacity hint is exact (a byte over with a watchlist) without `user_info`, and
    /// adds a fixed guess for it.
    #[test]
    fn length_hint_is_exact_but_for_user_info() {
        let bare = UserData::new("user-1".parse().unwrap());
        assert_eq!(bare.json_len_hint(), bare.to_json().len());
        let watching = bare.clone().with_watchlist(vec!["a".parse().unwrap(), "bcd".parse().unwrap()]);
        // One byte over with a watchlist: every id is counted with a comma.
        assert_eq!(watching.json_len_hint(), watching.to_json().len() + 1);
        let with_info = watching.clone().with_user_info(serde_json::json!(1));
        assert_eq!(with_info.json_len_hint(), watching.json_len_hint() + r#","user_info":"#.len() + 128);
    }
}
