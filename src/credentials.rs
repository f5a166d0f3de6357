//! An app's credentials, with the HMAC key set up once, and a keyring of several apps.

use std::collections::HashMap;

use subtle::{Choice, ConditionallySelectable as _};

use crate::error::VerifyError;
use crate::mac::{HEX_TAG_LEN, MacKey};
use crate::names::{AppId, AppKey};
use crate::secret::{AppSecret, EncryptionMasterKey};

/// An app's key and secret (and optionally its encryption master key and app id).
///
/// The HMAC-SHA256 state is keyed once here and cloned for each signature, so signing
/// costs two SHA-256 block compressions for a short message rather than four. `Debug`
/// shows the key and app id only.
///
/// # What is wiped from memory
///
/// Wiped on drop: the [`AppSecret`] given to [`new`](Self::new) (dropped, and so
/// zeroized, as soon as the HMAC key is set up) and the key block built from it; the
/// [`EncryptionMasterKey`], when the credentials are dropped.
///
/// **Not wiped: the HMAC key schedule.** HMAC-SHA256 keeps two SHA-256 states derived
/// from the secret (after one block each of the padded secret XOR `0x36…` and XOR
/// `0x5c…`); they stay in memory as long as the credentials live, and are left as they
/// are when the credentials are dropped, as are the copies made while keying (among
/// them, inside `hmac`, the padded secret XOR `0x5c…`) and each signature's copy of the
/// states, on the stack. The `hmac` 0.12 and `sha2` 0.10 crates this library uses
/// implement no zeroizing for these states, and wiping them from outside would take
/// `unsafe` code, which the crate forbids. Nor are copies left behind by moves wiped:
/// moving credentials by value copies the states and the master key's bytes.
///
/// What that means: the states are not the secret, but they are all it takes to compute
/// every signature the secret computes. Whoever can read this process's memory, while
/// it runs or after the credentials were freed (a core dump, swap, a memory-disclosure
/// bug, a debugger), can forge channel and user authorizations, HTTP API requests and
/// webhooks for the app, and may find the secret itself in stack memory not yet reused.
/// Guard the process's memory as you guard the secret (no core dumps, encrypted or no
/// swap), and rotate the secret when that memory may have leaked: a dropped
/// `Credentials` does not take the key schedule with it.
///
/// ```
/// use channel_auth::{Credentials, EncryptionMasterKey};
///
/// let creds = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?)
///     .with_app_id("3".parse()?) // binds HTTP API verification to /apps/3/
///     .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
/// assert_eq!(creds.key().as_str(), "278d425bdf160c739803");
/// assert_eq!(creds.app_id().map(|id| id.as_str()), Some("3"));
/// let shown = format!("{creds:?}");
/// assert!(!shown.contains("7ad3773142a6692b25b8"));
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    key: AppKey,
    mac: MacKey,
    master_key: Option<EncryptionMasterKey>,
    app_id: Option<AppId>,
}

impl Credentials {
    /// Credentials for the app with this key and secret.
    #[must_use]
    pub fn new(key: AppKey, secret: AppSecret) -> Self {
        // The secret is dropped (and zeroized) here; only the keyed state is kept.
        let mac = MacKey::new(secret.expose());
        Self { key, mac, master_key: None, app_id: None }
    }

    /// Adds the master key needed to authorize `private-encrypted-` channels.
    #[must_use]
    pub fn with_encryption_master_key(mut self, master_key: EncryptionMasterKey) -> Self {
        self.master_key = Some(master_key);
        self
    }

    /// Binds the credentials to one app: a server verifying an API request under these
    /// credentials then refuses a path under `/apps/<another id>`, even with a good
    /// signature (the exact rule: "App binding" on
    /// [`verify_api_request`](crate::api::verify_api_request)).
    #[must_use]
    pub fn with_app_id(mut self, app_id: AppId) -> Self {
        self.app_id = Some(app_id);
        self
    }

    /// The app key.
    #[must_use]
    pub fn key(&self) -> &AppKey {
        &self.key
    }

    /// The app id, when [`with_app_id`](Self::with_app_id) set one.
    #[must_use]
    pub fn app_id(&self) -> Option<&AppId> {
        self.app_id.as_ref()
    }

    /// The encryption master key, when one was added.
    #[must_use]
    pub fn encryption_master_key(&self) -> Option<&EncryptionMasterKey> {
        self.master_key.as_ref()
    }

    /// `<key>:<hex tag of parts>`, the `auth` value of channel and user authorization,
    /// built in one allocation.
    pub(crate) fn auth_value(&self, parts: &[&[u8]]) -> String {
        let key = self.key.as_str();
        let mut out = String::with_capacity(key.len() + 1 + HEX_TAG_LEN);
        out.push_str(key);
        out.push(':');
        self.mac.push_hex_tag(&mut out, parts);
        out
    }

    /// The lowercase hex tag of the concatenation of `parts` (API requests, webhooks).
    pub(crate) fn hex_tag(&self, parts: &[&[u8]]) -> String {
        self.mac.hex_tag(parts)
    }

    /// Appends the lowercase hex tag of the concatenation of `parts` to `out`.
    pub(crate) fn push_hex_tag(&self, out: &mut String, parts: &[&[u8]]) {
        self.mac.push_hex_tag(out, parts);
    }

    /// Whether `received` is the hex tag of `parts` under these credentials, as a
    /// [`Choice`] (see [`Candidates::first_passing`]).
    pub(crate) fn matches_hex(&self, parts: &[&[u8]], received: &str) -> Choice {
        self.mac.matches_hex(parts, received)
    }

    /// Verifies an `auth` value `<key>:<hex>` against the tag of `parts`.
    ///
    /// # Errors
    /// [`VerifyError::MalformedAuth`] without a `:`, [`VerifyError::UnknownKey`] when the
    /// key is not this app's, [`VerifyError::InvalidSignature`] otherwise.
    pub(crate) fn verify_auth_value(&self, parts: &[&[u8]], auth: &str) -> Result<(), VerifyError> {
        let (key, signature) = auth.split_once(':').ok_or(VerifyError::MalformedAuth)?;
        // The key is public: comparing it in variable time reveals nothing.
        if key != self.key.as_str() {
            return Err(VerifyError::UnknownKey);
        }
        self.mac.verify_hex(parts, signature)
    }
}

impl core::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &format_args!("[redacted]"))
            .field("master_key", &self.master_key.as_ref().map(|_| format_args!("[redacted]")))
            .field("app_id", &self.app_id)
            .finish()
    }
}

/// The credentials a server knows, looked up by app key.
///
/// Several entries may share a key, as during a secret rotation: a verifier tries every
/// candidate, and any match verifies.
///
/// An index by key finds a key's candidates with one hash lookup of the received text,
/// so verifying costs the same with 1 or 100,000 apps; entries sharing a key keep the
/// order they were given in.
///
/// ```
/// use channel_auth::{Credentials, Keyring};
///
/// let old = Credentials::new("key".parse()?, "old-secret".parse()?);
/// let new = Credentials::new("key".parse()?, "new-secret".parse()?);
/// let other = Credentials::new("other".parse()?, "s".parse()?);
/// let ring = Keyring::new([old, new, other]);
/// assert_eq!(ring.candidates("key").count(), 2);
/// assert_eq!(ring.candidates("nobody").count(), 0);
/// # Ok::<(), channel_auth::InvalidInput>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    entries: Vec<Credentials>,
    /// For each key, the positions in `entries` of its credentials, ascending.
    index: HashMap<AppKey, Positions>,
}

/// The positions of one key's credentials: inline for the usual single one, so a lookup
/// at scale costs one cache miss fewer (no separate heap list to fetch).
#[derive(Clone, Debug)]
enum Positions {
    One(usize),
    /// Two or more, ascending: a secret rotation, or keys shared across entries.
    Many(Vec<usize>),
}

/// One key's candidates in a [`Keyring`] ([`Keyring::lookup`]).
pub(crate) struct Candidates<'a> {
    keyring: &'a Keyring,
    positions: &'a [usize],
}

impl<'a> Candidates<'a> {
    /// Whether no credential has the key.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Runs `check` on every candidate, in order, and selects the first that passed.
    ///
    /// The results are combined as [`Choice`]s, with no branch on any of them: the work
    /// done and the memory touched are the same whichever candidate passed, or if none
    /// did. The answer ([`Passed`]) holds the outcome as a `Choice` and the selected
    /// credentials (the first candidate when none passed), picked with a constant-time
    /// select: nothing here branches on the outcome. The verifiers turn it into their
    /// `Result` ([`Passed::into_option`]) in an inline wrapper, so a caller that asks
    /// only `is_ok()` gets a flag; any other caller branches on an outcome it reveals
    /// anyway.
    #[inline]
    pub(crate) fn first_passing(self, mut check: impl FnMut(&Credentials) -> Choice) -> Passed<'a> {
        let mut passed = Choice::from(0);
        let mut chosen = 0u64;
        // The key is public: choosing the candidates in variable time reveals nothing.
        for (n, &position) in self.positions.iter().enumerate() {
            let Some(credentials) = self.keyring.entries.get(position) else { continue };
            let pass = check(credentials);
            // A `usize` always fits in a `u64` on the targets Rust supports.
            chosen.conditional_assign(&u64::try_from(n).unwrap_or(0), pass & !passed);
            passed |= pass;
        }
        let credentials = usize::try_from(chosen)
            .ok()
            .and_then(|n| self.positions.get(n))
            .and_then(|&position| self.keyring.entries.get(position));
        Passed { passed, credentials }
    }
}

/// What [`Candidates::first_passing`] found: whether a candidate passed, and which.
pub(crate) struct Passed<'a> {
    passed: Choice,
    /// The first candidate that passed; the first candidate when none did; `None` when
    /// there was no candidate.
    credentials: Option<&'a Credentials>,
}

impl<'a> Passed<'a> {
    /// The credentials that passed, if any: where the outcome is revealed.
    #[inline]
    pub(crate) fn into_option(self) -> Option<&'a Credentials> {
        if bool::from(self.passed) { self.credentials } else { None }
    }
}

impl Positions {
    fn push(&mut self, position: usize) {
        match self {
            Self::One(first) => *self = Self::Many(vec![*first, position]),
            Self::Many(all) => all.push(position),
        }
    }

    fn as_slice(&self) -> &[usize] {
        match self {
            Self::One(position) => core::slice::from_ref(position),
            Self::Many(all) => all,
        }
    }
}

impl Keyring {
    /// A keyring holding these credentials, in this order.
    pub fn new(credentials: impl IntoIterator<Item = Credentials>) -> Self {
        let entries: Vec<Credentials> = credentials.into_iter().collect();
        let mut index: HashMap<AppKey, Positions> = HashMap::with_capacity(entries.len());
        for (position, credentials) in entries.iter().enumerate() {
            index
                .entry(credentials.key.clone())
                .and_modify(|positions| positions.push(position))
                .or_insert(Positions::One(position));
        }
        Self { entries, index }
    }

    /// The positions of `key`'s credentials in `entries`, in order (none for an unknown
    /// key). The key is public: looking it up in variable time reveals nothing.
    fn positions(&self, key: &str) -> &[usize] {
        self.index.get(key).map_or(&[], Positions::as_slice)
    }

    /// Every credential whose key is `key` (the text as received; no match for text
    /// that is not a valid key). The credentials borrow from the keyring only, not from
    /// `key`, so a verifier can return them after the request is gone.
    ///
    /// ```
    /// # use channel_auth::{Credentials, Keyring};
    /// let ring = Keyring::new([Credentials::new("key".parse()?, "s".parse()?)]);
    /// assert_eq!(ring.candidates("key").next().map(|c| c.key().as_str()), Some("key"));
    /// # Ok::<(), channel_auth::InvalidInput>(())
    /// ```
    pub fn candidates<'a, 'k>(&'a self, key: &'k str) -> impl Iterator<Item = &'a Credentials> + use<'a, 'k> {
        self.positions(key).iter().filter_map(|&position| self.entries.get(position))
    }

    /// [`Candidates::first_passing`] for `key` (the tests' shorthand).
    #[cfg(test)]
    pub(crate) fn first_passing(&self, key: &str, check: impl FnMut(&Credentials) -> Choice) -> Option<&Credentials> {
        self.lookup(key).first_passing(check).into_option()
    }

    /// The candidates for `key`, looked up once: a verifier asks whether there are any
    /// (an unknown key is refused before other checks), then runs
    /// [`Candidates::first_passing`], with one hash of the key rather than two.
    #[inline]
    pub(crate) fn lookup(&self, key: &str) -> Candidates<'_> {
        Candidates { keyring: self, positions: self.positions(key) }
    }

    /// How many credentials the keyring holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the keyring holds no credentials.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(key: &str, secret: &str) -> Credentials {
        Credentials::new(key.parse().unwrap(), secret.parse().unwrap())
    }

    #[test]
    fn app_id_is_kept() {
        assert_eq!(creds("k", "s").app_id(), None);
        let bound = creds("k", "s").with_app_id("3".parse().unwrap());
        assert_eq!(bound.app_id().map(AppId::as_str), Some("3"));
    }

    #[test]
    fn keyring_finds_every_credential_with_the_key_and_no_other() {
        let ring = Keyring::new([creds("a", "old"), creds("b", "s"), creds("a", "new")]);
        assert_eq!((ring.len(), ring.is_empty()), (3, false));
        let found: Vec<&Credentials> = ring.candidates("a").collect();
        assert_eq!(found.len(), 2);
        // In order, both secrets kept: the one that signs is the one that verifies.
        let message: &[&[u8]] = &[b"m"];
        for (found, secret) in found.iter().zip(["old", "new"]) {
            assert_eq!(found.key().as_str(), "a");
            assert_eq!(found.auth_value(message), creds("a", secret).auth_value(message));
        }
        assert_eq!(ring.candidates("b").count(), 1);
        assert_eq!(ring.candidates("c").count(), 0);
        assert_eq!(ring.candidates("").count(), 0);
        assert_eq!(ring.candidates("A").count(), 0);
        let empty = Keyring::new([]);
        assert!(empty.first_passing("a", |_| Choice::from(1)).is_none());
        assert_eq!((empty.len(), empty.is_empty()), (0, true));
        assert_eq!(Keyring::new([creds("a", "s")]).len(), 1);
    }

    #[test]
    fn first_passing_checks_every_candidate_and_returns_the_first_that_passed() {
        // Told apart by secret: the signature each one makes of the same message.
        let ring = Keyring::new([creds("a", "s0"), creds("b", "s1"), creds("a", "s2"), creds("a", "s3")]);
        let message: &[&[u8]] = &[b"m"];
        let secret_of = |found: Option<&Credentials>| {
            found.map(|c| {
                ["s0", "s1", "s2", "s3"]
                    .into_iter()
                    .find(|s| c.auth_value(message) == creds("a", s).auth_value(message))
            })
        };
        for (passing, want) in [
            (vec![false, false, false], None),
            (vec![true, false, false], Some("s0")),
            (vec![false, true, false], Some("s2")),
            (vec![false, false, true], Some("s3")),
            (vec![false, true, true], Some("s2")),
            (vec![true, true, true], Some("s0")),
        ] {
            let mut calls = 0;
            let found = ring.first_passing("a", |_| {
                let pass = passing.get(calls).copied().unwrap_or(false);
                calls += 1;
                Choice::from(u8::from(pass))
            });
            // Every candidate with the key is checked, whichever passed; no other is.
            assert_eq!(calls, 3, "{passing:?}");
            assert_eq!(secret_of(found), want.map(Some), "{passing:?}");
        }
        let mut calls = 0;
        assert!(
            ring.first_passing("c", |_| {
                calls += 1;
                Choice::from(1)
            })
            .is_none()
        );
        assert_eq!(calls, 0);
        let only_b = ring.first_passing("b", |_| Choice::from(1));
        assert_eq!(only_b.map(|c| c.key().as_str()), Some("b"));
    }

    #[test]
    fn matches_hex_accepts_only_the_tag_itself() {
        let c = creds("a", "s");
        let message: &[&[u8]] = &[b"to", b"sign"];
        let tag = c.hex_tag(message);
        assert!(bool::from(c.matches_hex(message, &tag)));
        assert!(bool::from(c.matches_hex(&[b"tosign"], &tag)));
        assert!(!bool::from(c.matches_hex(&[b"tosigN"], &tag)));
        assert!(!bool::from(c.matches_hex(message, &tag.to_uppercase())));
        assert!(!bool::from(c.matches_hex(message, &tag[1..])));
        assert!(!bool::from(creds("a", "t").matches_hex(message, &tag)));
    }
}
