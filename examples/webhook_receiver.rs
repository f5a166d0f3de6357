//! Verifies a webhook and prints its events, one line each.
//!
//! ```text
//! cargo run --example webhook_receiver -- <X-Pusher-Key> <X-Pusher-Signature> [BODY_FILE|-] [--max-age SECONDS | --dangerous-any-age]
//! ```
//!
//! The body is read from `BODY_FILE`, or from stdin when it is absent or `-`, and
//! verified byte for byte. Credentials come from `PUSHER_APP_KEY` and
//! `PUSHER_APP_SECRET`; when those are unset the demo pair from Pusher's documentation is
//! used, and stderr says so. A webhook whose `time_ms` is 600 seconds or more away from
//! the clock is refused, as `WebhookEndpoint` refuses it: a captured webhook must not
//! verify forever. `--max-age SECONDS` sets another window; `--dangerous-any-age`
//! accepts any age (to inspect an old capture, knowing it proves nothing about now).
//!
//! Exit status: 0 verified (events on stdout) or `--help` (the usage on stdout), 1
//! refused (the reason on stderr), 2 bad usage. Untrusted text (user ids, event names,
//! data) is printed escaped, so a webhook cannot forge output lines; a user id is
//! printed the same way for every event kind (`user_id="alice"`, or `user_id=-` when
//! the event has none).
//!
//! Try it with the demo pair, signing a body with the `sign` example:
//!
//! ```text
//! printf '{"time_ms":%s000,"events":[{"name":"channel_occupied","channel":"news"}]}' "$(date +%s)" > /tmp/hook.json
//! SIG=$(cargo run -q --example sign -- webhook /tmp/hook.json)
//! cargo run -q --example webhook_receiver -- 278d425bdf160c739803 "$SIG" /tmp/hook.json
//! ```

use std::io::Read as _;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use channel_auth::webhook::{WebhookError, WebhookEvent, verify_and_parse_webhook};
use channel_auth::{Credentials, Keyring};

/// Pusher's documented example app (auth signatures page): not a real secret.
const DEMO_KEY: &str = "278d425bdf160c739803";
const DEMO_SECRET: &str = "7ad3773142a6692b25b8";

const USAGE: &str = "usage: webhook_receiver <X-Pusher-Key> <X-Pusher-Signature> [BODY_FILE|-] [--max-age SECONDS | --dangerous-any-age]";

/// How far `time_ms` may be from the clock unless `--max-age` says otherwise.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);

type Error = Box<dyn std::error::Error>;

/// Why the run failed: bad usage (exit 2) or a refused webhook (exit 1).
enum Failure {
    Usage(Error),
    Refused(String),
}

impl<E: Into<Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Self::Usage(e.into())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(Failure::Refused(reason)) => {
            eprintln!("refused: {reason}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(e)) => {
            eprintln!("error: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn credentials() -> Result<Credentials, Error> {
    Ok(match (std::env::var("PUSHER_APP_KEY"), std::env::var("PUSHER_APP_SECRET")) {
        (Ok(key), Ok(secret)) => Credentials::new(key.parse()?, secret.parse()?),
        (Err(_), Err(_)) => {
            eprintln!("note: PUSHER_APP_KEY/PUSHER_APP_SECRET unset; using the demo app key {DEMO_KEY}");
            Credentials::new(DEMO_KEY.parse()?, DEMO_SECRET.parse()?)
        }
        _ => return Err("set both PUSHER_APP_KEY and PUSHER_APP_SECRET, or neither".into()),
    })
}

fn read_body(source: Option<&str>) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    match source {
        None | Some("-") => {
            std::io::stdin().read_to_end(&mut body)?;
        }
        Some(path) => body = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?,
    }
    Ok(body)
}

fn run(args: &[String]) -> Result<Vec<String>, Failure> {
    if let [flag] = args
        && (flag == "--help" || flag == "-h")
    {
        return Ok(vec![USAGE.to_owned()]);
    }
    let mut positional = Vec::new();
    let mut max_age = Some(DEFAULT_MAX_AGE);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--max-age" {
            let seconds = it.next().ok_or("--max-age needs a value")?;
            let seconds: u64 = seconds.parse().map_err(|_| format!("--max-age {seconds:?}: expected seconds"))?;
            max_age = Some(Duration::from_secs(seconds));
        } else if arg == "--dangerous-any-age" {
            max_age = None;
        } else {
            positional.push(arg.as_str());
        }
    }
    let (key, signature, source) = match positional.as_slice() {
        [key, signature] => (*key, *signature, None),
        [key, signature, source] => (*key, *signature, Some(*source)),
        _ => return Err(Failure::Usage("expected a key, a signature and optionally a body file".into())),
    };
    let body = read_body(source)?;
    check(&Keyring::new([credentials()?]), key, signature, &body, max_age, SystemTime::now())
}

/// Verifies `body`, refuses it when `max_age` is set and `time_ms` is that far from
/// `now`, and describes its events.
fn check(
    ring: &Keyring,
    key: &str,
    signature: &str,
    body: &[u8],
    max_age: Option<Duration>,
    now: SystemTime,
) -> Result<Vec<String>, Failure> {
    let verified = verify_and_parse_webhook(ring, key, signature, body).map_err(|e| Failure::Refused(reason(&e)))?;
    let webhook = verified.webhook();
    if let Some(window) = max_age {
        webhook.check_freshness(now, window).map_err(|e| Failure::Refused(e.to_string()))?;
    }
    let mut lines = vec![format!("verified: key {} time_ms {}", verified.credentials().key(), webhook.time_ms())];
    lines.extend(webhook.events().iter().map(describe));
    Ok(lines)
}

fn reason(e: &WebhookError) -> String {
    match e {
        WebhookError::Verify(v) => format!("signature: {v}"),
        other => format!("body: {other}"),
    }
}

/// One line per event; strings from the body are `{:?}`-escaped.
fn describe(event: &WebhookEvent) -> String {
    match event {
        WebhookEvent::ChannelOccupied { channel, .. } => format!("channel_occupied channel={channel}"),
        WebhookEvent::ChannelVacated { channel, .. } => format!("channel_vacated channel={channel}"),
        WebhookEvent::MemberAdded { channel, user_id, .. } => {
            format!("member_added channel={channel} user_id={}", user(Some(user_id)))
        }
        WebhookEvent::MemberRemoved { channel, user_id, .. } => {
            format!("member_removed channel={channel} user_id={}", user(Some(user_id)))
        }
        WebhookEvent::ClientEvent { channel, event, data, socket_id, user_id, .. } => format!(
            "client_event channel={channel} event={event:?} socket_id={socket_id} user_id={} data={data:?}",
            user(user_id.as_ref())
        ),
        WebhookEvent::CacheMiss { channel, .. } => format!("cache_miss channel={channel}"),
        WebhookEvent::SubscriptionCount { channel, subscription_count, .. } => {
            format!("subscription_count channel={channel} subscription_count={subscription_count}")
        }
        WebhookEvent::Unknown { name, raw, .. } => format!("unknown name={name:?} raw={raw}"),
        other => format!("other name={:?}", other.name()),
    }
}

/// A user id as every line prints it: escaped and quoted, or `-` when there is none.
fn user(id: Option<&String>) -> String {
    id.map_or_else(|| "-".to_owned(), |id| format!("{id:?}"))
}

#[cfg(test)]
mod tests {
    use channel_auth::webhook::sign_webhook;

    use super::*;

    const BODY: &str = r#"{"time_ms":1,"events":[
        {"name":"member_added","channel":"presence-a","user_id":"alice"},
        {"name":"member_removed","channel":"presence-a","user_id":"alice"},
        {"name":"client_event","channel":"presence-a","event":"client-x","data":"{}","socket_id":"1.1","user_id":"alice"},
        {"name":"client_event","channel":"private-a","event":"client-x","data":"{}","socket_id":"1.1"},
        {"name":"member_added","channel":"presence-a","user_id":"eve\nverified: forged"}]}"#;

    fn events() -> Vec<String> {
        let creds = Credentials::new(DEMO_KEY.parse().unwrap(), DEMO_SECRET.parse().unwrap());
        let signed = sign_webhook(&creds, BODY.as_bytes());
        let ring = Keyring::new([creds]);
        let verified = verify_and_parse_webhook(&ring, DEMO_KEY, signed.signature(), BODY.as_bytes()).unwrap();
        verified.webhook().events().iter().map(describe).collect()
    }

    #[test]
    fn user_ids_print_one_way_for_every_event_kind() {
        let lines = events();
        assert_eq!(lines[0], r#"member_added channel=presence-a user_id="alice""#);
        assert_eq!(lines[1], r#"member_removed channel=presence-a user_id="alice""#);
        assert_eq!(
            lines[2],
            r#"client_event channel=presence-a event="client-x" socket_id=1.1 user_id="alice" data="{}""#
        );
        assert_eq!(lines[3], r#"client_event channel=private-a event="client-x" socket_id=1.1 user_id=- data="{}""#);
    }

    #[test]
    fn a_user_id_cannot_forge_a_line() {
        let lines = events();
        assert_eq!(lines[4], r#"member_added channel=presence-a user_id="eve\nverified: forged""#);
        assert!(lines.iter().all(|line| !line.contains('\n')));
    }

    /// Issue 19, fix 3: fresh by default; accepting any age is spelled out.
    #[test]
    fn a_stale_webhook_is_refused_unless_any_age_is_asked_for() {
        let creds = Credentials::new(DEMO_KEY.parse().unwrap(), DEMO_SECRET.parse().unwrap());
        let signature = sign_webhook(&creds, BODY.as_bytes()).signature().to_owned();
        let ring = Keyring::new([creds]);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let verdict = |max_age| check(&ring, DEMO_KEY, &signature, BODY.as_bytes(), max_age, now);
        let Err(Failure::Refused(reason)) = verdict(Some(DEFAULT_MAX_AGE)) else { panic!("a 1970 webhook verified") };
        assert_eq!(reason, "timestamp is too old");
        assert!(matches!(verdict(Some(Duration::from_secs(60))), Err(Failure::Refused(_))));
        let lines = verdict(None).ok().unwrap();
        assert_eq!(lines[0], "verified: key 278d425bdf160c739803 time_ms 1");
        // And the flags: the default window, --max-age, --dangerous-any-age.
        let parse = |extra: &[&str]| {
            let mut args = vec![DEMO_KEY.to_owned(), signature.clone(), "/nonexistent/body.json".to_owned()];
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            args
        };
        assert!(matches!(run(&parse(&["--max-age"])), Err(Failure::Usage(_))));
        assert!(matches!(run(&parse(&["--max-age", "x"])), Err(Failure::Usage(_))));
    }

    #[test]
    fn help_is_a_success_with_the_usage() {
        for flag in ["--help", "-h"] {
            let Ok(lines) = run(&[flag.to_owned()]) else { panic!("{flag} failed") };
            assert_eq!(lines, [USAGE]);
        }
    }
}
