//! Credentials from environment variables, as the official libraries' examples name them.
//!
//! Where the variables come from is the caller's choice: [`Credentials::from_env`] reads
//! the process environment, [`Credentials::from_lookup`] any map.
//!
//! ```
//! use std::collections::HashMap;
//! use channel_auth::env::EnvError;
//! use channel_auth::{Credentials, InputKind};
//!
//! let mut vars = HashMap::from([
//!     ("PUSHER_APP_ID", "3"),
//!     ("PUSHER_APP_KEY", "278d425bdf160c739803"),
//!     ("PUSHER_APP_SECRET", "7ad3773142a6692b25b8"),
//! ]);
//! let creds = Credentials::from_lookup(|name| vars.get(name).map(|v| v.to_string()))?;
//! assert_eq!(creds.app_id().map(|id| id.as_str()), Some("3"));
//! assert!(creds.encryption_master_key().is_none());
//!
//! vars.insert("PUSHER_ENCRYPTION_MASTER_KEY_BASE64", "not base64!");
//! let err = Credentials::from_lookup(|name| vars.get(name).map(|v| v.to_string())).unwrap_err();
//! assert_eq!(err.var(), "PUSHER_ENCRYPTION_MASTER_KEY_BASE64");
//! assert!(matches!(err, EnvError::Invalid { source, .. } if source.kind() == InputKind::EncryptionMasterKey));
//! # Ok::<(), EnvError>(())
//! ```

use std::ffi::OsString;

use zeroize::{Zeroize as _, Zeroizing};

use crate::credentials::Credentials;
use crate::error::InvalidInput;
use crate::names::{AppId, AppKey};
use crate::secret::{AppSecret, EncryptionMasterKey};

/// The variable [`Credentials::from_env`] reads the app id from (required).
pub const ENV_APP_ID: &str = "PUSHER_APP_ID";
/// The variable [`Credentials::from_env`] reads the app key from (required).
pub const ENV_APP_KEY: &str = "PUSHER_APP_KEY";
/// The variable [`Credentials::from_env`] reads the app secret from (required).
pub const ENV_APP_SECRET: &str = "PUSHER_APP_SECRET";
/// The variable [`Credentials::from_env`] reads the encryption master key from
/// (optional; canonical padded standard base64 of 32 bytes).
pub const ENV_ENCRYPTION_MASTER_KEY: &str = "PUSHER_ENCRYPTION_MASTER_KEY_BASE64";

/// [`Credentials::from_env`] could not build credentials: which variable, and why.
///
/// The message names the variable; it quotes nothing of a secret (an invalid secret or
/// master key is reported by length or encoding only).
///
/// ```
/// use channel_auth::env::EnvError;
/// use channel_auth::Credentials;
///
/// let err = Credentials::from_lookup(|_| None).unwrap_err();
/// assert_eq!(err, EnvError::Missing { var: "PUSHER_APP_ID" });
/// assert_eq!(err.to_string(), "environment variable PUSHER_APP_ID is not set");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// A required variable is not set.
    #[error("environment variable {var} is not set")]
    Missing {
        /// The variable's name.
        var: &'static str,
    },
    /// The variable is set but is not valid Unicode.
    #[error("environment variable {var} is not valid unicode")]
    NotUnicode {
        /// The variable's name.
        var: &'static str,
    },
    /// The variable's value is not a valid value of its type (an empty value included).
    #[error("environment variable {var}: {source}")]
    Invalid {
        /// The variable's name.
        var: &'static str,
        /// The rule the value broke.
        source: InvalidInput,
    },
}

impl EnvError {
    /// The name of the variable the error is about.
    #[must_use]
    pub const fn var(&self) -> &'static str {
        match self {
            Self::Missing { var } | Self::NotUnicode { var } | Self::Invalid { var, .. } => var,
        }
    }
}

impl Credentials {
    /// Credentials from the process environment: `PUSHER_APP_ID`, `PUSHER_APP_KEY`,
    /// `PUSHER_APP_SECRET` (all required) and `PUSHER_ENCRYPTION_MASTER_KEY_BASE64`
    /// (optional). The credentials are bound to the app id
    /// ([`Credentials::with_app_id`]).
    ///
    /// A variable that is set but empty is invalid, not absent: nothing is guessed.
    /// [`Credentials::from_lookup`] does the same from any source (a test's map, a
    /// secrets manager) without touching the process environment.
    ///
    /// The copy of each value read here is zeroized once parsed, whether it was
    /// accepted, refused or not Unicode; the process environment keeps its own copy of
    /// the secret and the master key (what is derived from them: see [`Credentials`]).
    ///
    /// # Errors
    /// [`EnvError::Missing`] for a required variable that is not set,
    /// [`EnvError::NotUnicode`] for a value that is not Unicode, [`EnvError::Invalid`]
    /// for a value its type refuses. Each names the variable.
    ///
    /// ```no_run
    /// use channel_auth::Credentials;
    ///
    /// let creds = Credentials::from_env()?; // e.g. PUSHER_APP_ID=3 PUSHER_APP_KEY=… PUSHER_APP_SECRET=…
    /// println!("signing for app key {}", creds.key());
    /// # Ok::<(), channel_auth::env::EnvError>(())
    /// ```
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_vars(|var| unicode(var, std::env::var_os(var)))
    }

    /// [`Credentials::from_env`] reading each variable through `lookup` (which returns
    /// `None` for a variable that is not set) instead of the process environment.
    ///
    /// # Errors
    /// As [`Credentials::from_env`], but never [`EnvError::NotUnicode`]. The module's
    /// example shows both outcomes.
    pub fn from_lookup(mut lookup: impl FnMut(&str) -> Option<String>) -> Result<Self, EnvError> {
        Self::from_vars(|var| Ok(lookup(var)))
    }

    fn from_vars(mut get: impl FnMut(&'static str) -> Result<Option<String>, EnvError>) -> Result<Self, EnvError> {
        let mut required = |var: &'static str| get(var)?.map(Zeroizing::new).ok_or(EnvError::Missing { var });
        let app_id: AppId = required(ENV_APP_ID)?.parse().map_err(invalid(ENV_APP_ID))?;
        let key: AppKey = required(ENV_APP_KEY)?.parse().map_err(invalid(ENV_APP_KEY))?;
        let secret: AppSecret = required(ENV_APP_SECRET)?.as_str().parse().map_err(invalid(ENV_APP_SECRET))?;
        let creds = Self::new(key, secret).with_app_id(app_id);
        Ok(match get(ENV_ENCRYPTION_MASTER_KEY)?.map(Zeroizing::new) {
            Some(b64) => creds.with_encryption_master_key(
                EncryptionMasterKey::from_base64(&b64).map_err(invalid(ENV_ENCRYPTION_MASTER_KEY))?,
            ),
            None => creds,
        })
    }
}

/// The variable's value as a `String`, or [`EnvError::NotUnicode`] with the value's
/// bytes zeroized (`std::env::var` would drop them as they are).
fn unicode(var: &'static str, value: Option<OsString>) -> Result<Option<String>, EnvError> {
    match value.map(OsString::into_string) {
        None => Ok(None),
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(value)) => {
            value.into_encoded_bytes().zeroize();
            Err(EnvError::NotUnicode { var })
        }
    }
}

fn invalid(var: &'static str) -> impl FnOnce(InvalidInput) -> EnvError {
    move |source| EnvError::Invalid { var, source }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::error::InputKind;

    const MASTER_B64: &str = "zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=";
    const SECRET: &str = "7ad3773142a6692b25b8";

    fn full() -> HashMap<&'static str, String> {
        HashMap::from([
            (ENV_APP_ID, "3".to_owned()),
            (ENV_APP_KEY, "278d425bdf160c739803".to_owned()),
            (ENV_APP_SECRET, SECRET.to_owned()),
            (ENV_ENCRYPTION_MASTER_KEY, MASTER_B64.to_owned()),
        ])
    }

    fn load(vars: &HashMap<&'static str, String>) -> Result<Credentials, EnvError> {
        Credentials::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn reads_every_variable() {
        let creds = load(&full()).unwrap();
        assert_eq!(creds.key().as_str(), "278d425bdf160c739803");
        assert_eq!(creds.app_id().map(AppId::as_str), Some("3"));
        assert!(creds.encryption_master_key().is_some());
        // The secret is the one given: the known answer of Pusher's documentation.
        let auth = crate::sign_channel_auth(&creds, &"1234.1234".parse().unwrap(), &"private-foobar".parse().unwrap());
        assert_eq!(
            auth.unwrap().auth(),
            "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
        );
    }

    #[test]
    fn values_that_are_not_unicode_are_refused() {
        assert_eq!(unicode(ENV_APP_SECRET, None), Ok(None));
        assert_eq!(unicode(ENV_APP_SECRET, Some("s".into())), Ok(Some("s".to_owned())));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt as _;
            let value = OsString::from_vec(b"secret\xff".to_vec());
            assert_eq!(unicode(ENV_APP_SECRET, Some(value)), Err(EnvError::NotUnicode { var: ENV_APP_SECRET }));
        }
    }

    #[test]
    fn master_key_is_optional() {
        let mut vars = full();
        vars.remove(ENV_ENCRYPTION_MASTER_KEY);
        assert!(load(&vars).unwrap().encryption_master_key().is_none());
    }

    #[test]
    fn each_missing_required_variable_is_named() {
        for var in [ENV_APP_ID, ENV_APP_KEY, ENV_APP_SECRET] {
            let mut vars = full();
            vars.remove(var);
            let err = load(&vars).unwrap_err();
            assert_eq!(err, EnvError::Missing { var });
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    #[test]
    fn each_invalid_variable_is_named_with_its_rule() {
        let cases: [(&str, &str, InputKind); 4] = [
            (ENV_APP_ID, "3/4", InputKind::AppId),
            (ENV_APP_KEY, "key:x", InputKind::AppKey),
            (ENV_APP_SECRET, "", InputKind::AppSecret),
            (ENV_ENCRYPTION_MASTER_KEY, "YWFh", InputKind::EncryptionMasterKey),
        ];
        for (var, value, kind) in cases {
            let mut vars = full();
            vars.insert(var, value.to_owned());
            let err = load(&vars).unwrap_err();
            assert_eq!(err.var(), var);
            assert!(matches!(&err, EnvError::Invalid { source, .. } if source.kind() == kind), "{err:?}");
            assert!(err.to_string().starts_with(&format!("environment variable {var}: ")), "{err}");
        }
    }

    #[test]
    fn empty_optional_master_key_is_an_error_not_absent() {
        let mut vars = full();
        vars.insert(ENV_ENCRYPTION_MASTER_KEY, String::new());
        assert_eq!(load(&vars).unwrap_err().var(), ENV_ENCRYPTION_MASTER_KEY);
    }

    #[test]
    fn errors_quote_no_secret() {
        let long_secret = "s".repeat(2000);
        let mut vars = full();
        vars.insert(ENV_APP_SECRET, long_secret.clone());
        let err = load(&vars).unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("ssss"), "{shown}");
        }
        let mut vars = full();
        vars.insert(ENV_ENCRYPTION_MASTER_KEY, format!("{MASTER_B64}x"));
        let err = load(&vars).unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(&MASTER_B64[..8]), "{shown}");
        }
    }

    #[test]
    fn looks_up_exactly_the_documented_names() {
        let mut asked = Vec::new();
        let vars = full();
        load_recording(&vars, &mut asked).unwrap();
        assert_eq!(asked, [ENV_APP_ID, ENV_APP_KEY, ENV_APP_SECRET, ENV_ENCRYPTION_MASTER_KEY]);
        assert_eq!(
            [ENV_APP_ID, ENV_APP_KEY, ENV_APP_SECRET, ENV_ENCRYPTION_MASTER_KEY],
            ["PUSHER_APP_ID", "PUSHER_APP_KEY", "PUSHER_APP_SECRET", "PUSHER_ENCRYPTION_MASTER_KEY_BASE64"]
        );
    }

    fn load_recording(vars: &HashMap<&'static str, String>, asked: &mut Vec<String>) -> Result<Credentials, EnvError> {
        Credentials::from_lookup(|name| {
            asked.push(name.to_owned());
            vars.get(name).cloned()
        })
    }
}
