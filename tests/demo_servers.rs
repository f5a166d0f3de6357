//! The example servers' shared demo code (issue 19, fix 1): the one demo policy is
//! exact, and the servers refuse to run it with real credentials unless asked, and never
//! sign Faye tokens with the guide's public key for a real app. Properties of the policy
//! over random user ids are in `tests/proptests.rs`.
#![cfg(not(target_family = "wasm"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../examples/common/demo_policy.rs"]
mod demo_policy;
#[allow(dead_code, unreachable_pub, unused_macros, clippy::all)]
#[macro_use]
#[path = "../examples/common/demo_server.rs"]
mod demo_server;

use channel_auth::faye::FayeChannel;
use channel_auth::integrations::handler::{ChannelAuthorizer, Decision, RequestView};
use channel_auth::{ChannelName, SocketId, UserId};
use demo_policy::{DemoPolicy, decide};
use demo_server::{DEMO_POLICY_VAR, Origin, credentials_from, faye_secret_from};

fn user(id: &str) -> UserId {
    id.parse().unwrap()
}

fn channel(name: &str) -> ChannelName {
    name.parse().unwrap()
}

/// The issue's reproductions: each was allowed by `channel.contains(user)`.
#[test]
fn the_demo_policy_is_exact() {
    let denied = [
        ("al", "private-alice-inbox"),
        ("al", "private-alice"),
        ("private-", "private-alice"),
        ("private-encrypted-", "private-encrypted-alice"),
        ("1", "private-user-1000"),
        ("1", "private-1000"),
        ("alice", "private-alice-inbox"),
        ("alice", "private-xalice"),
        ("encrypted-alice", "private-encrypted-alice"),
        ("alice", "news-alice"),
        ("alice", "#server-to-user-alice"),
    ];
    for (who, name) in denied {
        assert_eq!(decide(&user(who), &channel(name)).0, Decision::Deny, "{who} -> {name}");
    }
    for name in ["private-alice", "private-encrypted-alice"] {
        assert_eq!(decide(&user("alice"), &channel(name)).0, Decision::Allow, "{name}");
    }
    let Decision::AllowAsMember(member) = decide(&user("alice"), &channel("presence-anything")).0 else {
        panic!("presence is open to every user, as themselves")
    };
    assert_eq!(member.channel_data(), r#"{"user_id":"alice","user_info":{"name":"alice"}}"#);
}

#[test]
fn the_policy_reads_the_user_from_the_header_only() {
    let policy = DemoPolicy::new(|_| {});
    let socket: SocketId = "1.1".parse().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let ask = |headers: &[(&str, &str)], name: &str| {
        let headers = headers.to_vec();
        runtime.block_on(policy.authorize(&RequestView::new(&headers), &socket, &channel(name)))
    };
    assert_eq!(ask(&[("X-User-Id", "alice")], "private-alice"), Decision::Allow);
    assert_eq!(ask(&[("X-User-Id", "bob")], "private-alice"), Decision::Deny);
    assert_eq!(ask(&[], "private-alice"), Decision::Deny);
    assert_eq!(ask(&[("X-User-Id", "a:b")], "private-a-b"), Decision::Deny, "not a valid user id");
}

#[test]
fn faye_tokens_are_for_the_users_own_chat_channel_only() {
    let allowed =
        |who: &str, name: &str| demo_policy::faye_channel_allowed(&user(who), &name.parse::<FayeChannel>().unwrap());
    assert!(allowed("alice", "/chat/alice"));
    for (who, name) in [("al", "/chat/alice"), ("chat", "/chat/alice"), ("alice", "/chat/alice/x"), ("alice", "/alice")]
    {
        assert!(!allowed(who, name), "{who} -> {name}");
    }
}

fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
}

#[test]
fn real_credentials_need_the_demo_policy_variable() {
    const REAL: [(&str, &str); 2] = [("PUSHER_APP_KEY", "my-key"), ("PUSHER_APP_SECRET", "my-secret")];
    let err = credentials_from(env(&REAL)).unwrap_err().to_string();
    assert!(err.contains("refusing to start") && err.contains(DEMO_POLICY_VAR), "{err}");
    assert!(!err.contains("my-secret"), "the error never shows the secret: {err}");
    let wrong = [REAL[0], REAL[1], (DEMO_POLICY_VAR, "yes")];
    assert!(credentials_from(env(&wrong)).is_err(), "only `1` turns it on");
    let asked = [REAL[0], REAL[1], (DEMO_POLICY_VAR, "1")];
    let (creds, origin) = credentials_from(env(&asked)).unwrap();
    assert_eq!((creds.key().as_str(), origin), ("my-key", Origin::Environment));
    let (creds, origin) = credentials_from(env(&[])).unwrap();
    assert_eq!((creds.key().as_str(), origin), (demo_server::DEMO_KEY, Origin::Demo));
    assert!(credentials_from(env(&REAL[..1])).is_err(), "a key without a secret");
}

#[test]
fn the_faye_guide_key_is_for_the_demo_app_only() {
    assert!(faye_secret_from(env(&[]), Origin::Demo).unwrap().is_some());
    assert!(faye_secret_from(env(&[]), Origin::Environment).unwrap().is_none(), "no Faye route");
    let own = [("FAYE_SECRET", "my faye secret")];
    assert!(faye_secret_from(env(&own), Origin::Environment).unwrap().is_some());
    let empty = [("FAYE_SECRET", "")];
    assert!(faye_secret_from(env(&empty), Origin::Demo).is_err(), "an invalid FAYE_SECRET stops the server");
}
