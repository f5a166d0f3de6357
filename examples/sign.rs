//! Signs what a backend would return, from the command line.
//!
//! ```text
//! cargo run --example sign -- channel <socket_id> <channel> [--user-id ID] [--user-info JSON]
//! cargo run --example sign -- user <socket_id> <user_id> [--user-info JSON]
//! cargo run --example sign -- api <METHOD> <path> [--body TEXT] [--param KEY=VALUE]... [--timestamp SECONDS]
//! cargo run --example sign -- webhook [BODY_FILE|-]
//! ```
//!
//! `api` prints the signed query string of an HTTP API request (signed now unless
//! `--timestamp` is given), e.g.
//! `sign api POST /apps/3/events --body '{"name":"foo","channels":["project-3"],"data":"{}"}'`.
//! `webhook` prints the `X-Pusher-Signature` of a body read from a file (or stdin), as
//! a Pusher-compatible server would send it; `X-Pusher-Key` is the app key.
//!
//! Credentials come from `PUSHER_APP_KEY` and `PUSHER_APP_SECRET` (and
//! `PUSHER_ENCRYPTION_MASTER_KEY_BASE64` for `private-encrypted-` channels); when those
//! are unset it uses the demo pair from Pusher's documentation and says so on stderr.
//! Hostile arguments exit with status 2 and the reason; `--help` prints the usage on
//! stdout and exits 0.

use std::io::Read as _;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request};
use channel_auth::webhook::sign_webhook;
use channel_auth::{
    AuthError, ChannelKind, ChannelName, ConfigError, Credentials, EncryptionMasterKey, PresenceMember, SocketId,
    UserData, UserId, sign_channel_auth, sign_presence_auth, sign_user_auth,
};

/// Pusher's documented example app (auth signatures page): not a real secret.
const DEMO_KEY: &str = "278d425bdf160c739803";
const DEMO_SECRET: &str = "7ad3773142a6692b25b8";

/// Where the master key for `private-encrypted-` channels is read from.
const MASTER_KEY_VAR: &str = channel_auth::env::ENV_ENCRYPTION_MASTER_KEY;

const USAGE: &str = "usage:
  sign channel <socket_id> <channel> [--user-id ID] [--user-info JSON]
  sign user <socket_id> <user_id> [--user-info JSON]
  sign api <METHOD> <path> [--body TEXT] [--param KEY=VALUE]... [--timestamp SECONDS]
  sign webhook [BODY_FILE|-]";

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn credentials() -> Result<Credentials, Error> {
    let creds = match (std::env::var("PUSHER_APP_KEY"), std::env::var("PUSHER_APP_SECRET")) {
        (Ok(key), Ok(secret)) => Credentials::new(key.parse()?, secret.parse()?),
        (Err(_), Err(_)) => {
            eprintln!("note: PUSHER_APP_KEY/PUSHER_APP_SECRET unset; using the demo app key {DEMO_KEY}");
            Credentials::new(DEMO_KEY.parse()?, DEMO_SECRET.parse()?)
        }
        _ => return Err("set both PUSHER_APP_KEY and PUSHER_APP_SECRET, or neither".into()),
    };
    Ok(match std::env::var(MASTER_KEY_VAR) {
        Ok(b64) => creds.with_encryption_master_key(
            EncryptionMasterKey::from_base64(&b64).map_err(|e| format!("{MASTER_KEY_VAR}: {e}"))?,
        ),
        Err(_) => creds,
    })
}

/// Takes `--name VALUE` pairs after the positional arguments.
fn options<'a>(rest: &'a [String], allowed: &[&str]) -> Result<Vec<(&'a str, &'a str)>, Error> {
    let mut out = Vec::new();
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        if !allowed.contains(&flag.as_str()) {
            return Err(format!("unknown option {flag:?}\n{USAGE}").into());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        out.push((flag.as_str(), value.as_str()));
    }
    Ok(out)
}

fn option<'a>(opts: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    opts.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

fn user_info(opts: &[(&str, &str)]) -> Result<Option<serde_json::Value>, Error> {
    Ok(match option(opts, "--user-info") {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| format!("--user-info is not JSON: {e}"))?),
        None => None,
    })
}

fn run(args: &[String]) -> Result<String, Error> {
    match args {
        [flag] if flag == "--help" || flag == "-h" || flag == "help" => Ok(USAGE.to_owned()),
        [cmd, socket_id, channel, rest @ ..] if cmd == "channel" => {
            let socket_id: SocketId = socket_id.parse()?;
            let channel: ChannelName = channel.parse()?;
            let opts = options(rest, &["--user-id", "--user-info"])?;
            let creds = credentials()?;
            if channel.kind() == ChannelKind::Presence {
                let user_id: UserId = option(&opts, "--user-id").ok_or("presence channels need --user-id")?.parse()?;
                let member = PresenceMember::new(user_id, user_info(&opts)?)?;
                Ok(sign_presence_auth(&creds, &socket_id, &channel, &member)?.to_json())
            } else {
                match sign_channel_auth(&creds, &socket_id, &channel) {
                    Ok(auth) => Ok(auth.to_json()),
                    Err(AuthError::Config(ConfigError::MissingMasterKey)) => Err(format!(
                        "private-encrypted channels need an encryption master key: set {MASTER_KEY_VAR} \
                         (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)"
                    )
                    .into()),
                    Err(e) => Err(e.into()),
                }
            }
        }
        [cmd, socket_id, user_id, rest @ ..] if cmd == "user" => {
            let socket_id: SocketId = socket_id.parse()?;
            let user_id: UserId = user_id.parse()?;
            let opts = options(rest, &["--user-info"])?;
            let mut data = UserData::new(user_id);
            if let Some(info) = user_info(&opts)? {
                data = data.with_user_info(info);
            }
            Ok(sign_user_auth(&credentials()?, &socket_id, &data)?.to_json())
        }
        [cmd, method, path, rest @ ..] if cmd == "api" => {
            let method: Method = method.parse()?;
            let opts = options(rest, &["--body", "--param", "--timestamp"])?;
            let params = opts
                .iter()
                .filter(|(flag, _)| *flag == "--param")
                .map(|(_, pair)| pair.split_once('=').ok_or_else(|| format!("--param {pair:?}: expected KEY=VALUE")))
                .collect::<Result<Vec<(&str, &str)>, String>>()?;
            let body = option(&opts, "--body").unwrap_or("");
            let timestamp = match option(&opts, "--timestamp") {
                Some(seconds) => {
                    let seconds: u64 =
                        seconds.parse().map_err(|_| format!("--timestamp {seconds:?}: expected seconds"))?;
                    UNIX_EPOCH + Duration::from_secs(seconds)
                }
                None => SystemTime::now(),
            };
            let query = sign_api_request(&credentials()?, method, path, &params, body.as_bytes(), timestamp)?;
            Ok(query.into_string())
        }
        [cmd, rest @ ..] if cmd == "webhook" && rest.len() <= 1 => {
            let mut body = Vec::new();
            match rest.first().map(String::as_str) {
                None | Some("-") => {
                    std::io::stdin().read_to_end(&mut body)?;
                }
                Some(path) => body = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?,
            }
            Ok(sign_webhook(&credentials()?, &body).signature().to_owned())
        }
        _ => Err(USAGE.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str]) -> Result<String, Error> {
        run(&args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn help_is_a_success_with_the_usage() {
        for flag in ["--help", "-h", "help"] {
            assert_eq!(run_with(&[flag]).unwrap(), USAGE, "{flag}");
        }
    }

    #[test]
    fn bad_usage_is_an_error_with_the_usage() {
        for args in [&[][..], &["--version"], &["channel", "1.1"]] {
            assert!(run_with(args).unwrap_err().to_string().contains("usage:"), "{args:?}");
        }
    }

    #[test]
    fn encrypted_channel_without_master_key_names_the_variable() {
        // Only when the process has no master key set (the test cannot unset it safely).
        if std::env::var_os(MASTER_KEY_VAR).is_some() {
            return;
        }
        let err = run_with(&["channel", "1234.1234", "private-encrypted-foo"]).unwrap_err().to_string();
        assert!(err.contains("PUSHER_ENCRYPTION_MASTER_KEY_BASE64"), "{err}");
    }
}
