use super::*;
use crate::secret::EncryptionMasterKey;

fn creds() -> Credentials {
    Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([0x61; 32]))
}

fn socket() -> SocketId {
    "1.1".parse().unwrap()
}

fn channel(s: &str) -> ChannelName {
    s.parse().unwrap()
}

#[test]
fn refuses_what_the_protocol_does_not_sign() {
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    assert_eq!(sign_channel_auth(&creds(), &socket(), &channel("news")).err(), Some(AuthError::PublicChannel));
    assert_eq!(
        sign_channel_auth(&creds(), &socket(), &channel("presence-a")).err(),
        Some(AuthError::PresenceNeedsMember)
    );
    for name in ["private-a", "private-encrypted-a", "news"] {
        assert_eq!(
            sign_presence_auth(&creds(), &socket(), &channel(name), &member).err(),
            Some(AuthError::NotPresenceChannel)
        );
    }
    let no_master = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
    assert_eq!(
        sign_channel_auth(&no_master, &socket(), &channel("private-encrypted-a")).err(),
        Some(AuthError::Config(ConfigError::MissingMasterKey))
    );
    let reserved = channel("#server-to-user-u");
    assert_eq!(sign_channel_auth(&creds(), &socket(), &reserved).err(), Some(AuthError::ReservedChannel));
    assert_eq!(sign_presence_auth(&creds(), &socket(), &reserved, &member).err(), Some(AuthError::NotPresenceChannel));
}

#[test]
fn reserved_channels_never_verify() {
    // Even a correct MAC over `<socket>:#server-to-user-u` is refused.
    let reserved = channel("#server-to-user-u");
    let auth = creds().auth_value(&[b"1.1:#server-to-user-u"]);
    assert_eq!(verify_channel_auth(&creds(), &socket(), &reserved, None, &auth), Err(VerifyError::ReservedChannel));
    let auth = creds().auth_value(&[b"1.1:#server-to-user-u:{}"]);
    assert_eq!(
        verify_channel_auth(&creds(), &socket(), &reserved, Some("{}"), &auth),
        Err(VerifyError::ReservedChannel)
    );
}

#[test]
fn php_crypto_vector() {
    // pusher-http-php CryptoTest: 32 x 'a', channel private-encrypted-channel-a.
    let auth = sign_channel_auth(&creds(), &socket(), &channel("private-encrypted-channel-a")).unwrap();
    assert_eq!(auth.shared_secret(), Some("Rp+wpkNpL89qhqco1JkIG31AVXyU8PUVJBr1B2MvdoA="));
    assert!(!format!("{auth:?}").contains("Rp+wpkNpL89qhqco1JkIG31AVXyU8PUVJBr1B2MvdoA="));
    assert_eq!(
        auth.to_json(),
        format!(r#"{{"auth":"{}","shared_secret":"Rp+wpkNpL89qhqco1JkIG31AVXyU8PUVJBr1B2MvdoA="}}"#, auth.auth())
    );
    assert_eq!(serde_json::to_string(&auth).unwrap(), auth.to_json());
}

#[test]
fn verify_round_trip_and_refusals() {
    let member = PresenceMember::new("u".parse().unwrap(), Some(serde_json::json!({"n": 1}))).unwrap();
    let presence = channel("presence-a");
    let signed = sign_presence_auth(&creds(), &socket(), &presence, &member).unwrap();
    let data = signed.channel_data();
    assert_eq!(verify_channel_auth(&creds(), &socket(), &presence, data, signed.auth()), Ok(()));
    assert_eq!(
        verify_channel_auth(&creds(), &socket(), &presence, None, signed.auth()),
        Err(VerifyError::MissingChannelData)
    );
    assert_eq!(
        verify_channel_auth(&creds(), &socket(), &presence, Some(r#"{"user_id":"v"}"#), signed.auth()),
        Err(VerifyError::InvalidSignature)
    );
    let sig = signed.auth().split_once(':').unwrap().1;
    assert_eq!(
        verify_channel_auth(&creds(), &socket(), &presence, data, &format!("other:{sig}")),
        Err(VerifyError::UnknownKey)
    );
    assert_eq!(verify_channel_auth(&creds(), &socket(), &presence, data, sig), Err(VerifyError::MalformedAuth));
    assert_eq!(verify_channel_auth(&creds(), &socket(), &presence, data, ""), Err(VerifyError::MalformedAuth));
    assert_eq!(verify_channel_auth(&creds(), &socket(), &presence, data, "key:"), Err(VerifyError::InvalidSignature));
    assert_eq!(
        verify_channel_auth(&creds(), &socket(), &presence, data, &format!("key:{sig}:")),
        Err(VerifyError::InvalidSignature)
    );
}

/// `to_json` writes `auth` and `shared_secret` unescaped and only escapes
/// `channel_data`: byte for byte what the derived `Serialize` writes, for member data
/// full of what JSON escapes.
#[test]
fn to_json_is_the_derived_serialization() {
    let tricky = serde_json::json!({"q": "\"", "b": "\\", "nl": "\n\r\t\u{0}\u{1f}\u{7f}", "u": "\u{e9}\u{2028}\u{1f600}", "s": "</script>"});
    let member = PresenceMember::new("u-1_.".parse().unwrap(), Some(tricky)).unwrap();
    let bare = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    let long_key = Credentials::new("A-z_0.9".repeat(9).parse().unwrap(), "s".parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([0xff; 32]));
    for creds in [creds(), long_key] {
        let auths = [
            sign_channel_auth(&creds, &socket(), &channel("private-a")).unwrap(),
            sign_channel_auth(&creds, &socket(), &channel("private-encrypted-a")).unwrap(),
            sign_channel_auth(&creds, &socket(), &channel("private-encrypted-;,=@")).unwrap(),
            sign_presence_auth(&creds, &socket(), &channel("presence-a"), &member).unwrap(),
            sign_presence_auth(&creds, &socket(), &channel("presence-a"), &bare).unwrap(),
        ];
        for auth in auths {
            assert_eq!(auth.to_json(), serde_json::to_string(&auth).unwrap());
        }
    }
}

#[test]
fn encrypted_verifies_without_master_key() {
    let name = channel("private-encrypted-a");
    let signed = sign_channel_auth(&creds(), &socket(), &name).unwrap();
    let no_master = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap());
    assert_eq!(verify_channel_auth(&no_master, &socket(), &name, None, signed.auth()), Ok(()));
}

#[test]
fn debug_shows_auth_and_data_but_not_the_shared_secret() {
    let encrypted = sign_channel_auth(&creds(), &socket(), &channel("private-encrypted-a")).unwrap();
    assert_eq!(
        format!("{encrypted:?}"),
        format!(
            r#"ChannelAuth {{ auth: "{}", channel_data: None, shared_secret: Some([redacted]) }}"#,
            encrypted.auth()
        )
    );
    let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
    let presence = sign_presence_auth(&creds(), &socket(), &channel("presence-a"), &member).unwrap();
    assert_eq!(
        format!("{presence:?}"),
        format!(
            r#"ChannelAuth {{ auth: "{}", channel_data: Some("{{\"user_id\":\"u\"}}"), shared_secret: None }}"#,
            presence.auth()
        )
    );
}
