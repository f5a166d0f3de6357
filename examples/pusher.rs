//! A command-line client for the Pusher HTTP API, through `channel_auth::send::Client`.
//!
//! ```text
//! cargo run --example pusher --features reqwest -- [--url URL | --cluster NAME] [--timeout-s N] <command> ...
//!
//!   trigger --event NAME --data DATA [--exclude SOCKET_ID] [--info ATTR[,ATTR]] CHANNEL...
//!   batch --file PATH      # JSON array of {"channel","name","data","socket_id"?,"info"?}
//!   channels [--prefix PREFIX] [--info user_count]
//!   channel CHANNEL [--info user_count,subscription_count,cache]
//!   users CHANNEL
//!   terminate USER_ID
//!   send-to-user USER_ID --event NAME --data DATA
//!   --help (any level)
//! ```
//!
//! Credentials come from `PUSHER_APP_ID`, `PUSHER_APP_KEY`, `PUSHER_APP_SECRET` and,
//! for `private-encrypted-` channels, `PUSHER_ENCRYPTION_MASTER_KEY_BASE64`.
//!
//! On success the parsed response is printed as one line of JSON, exit 0. A server
//! refusal (or no answer) prints its error on stderr, exit 1. Bad arguments, bad names
//! and requests refused before sending print the reason on stderr, exit 2.

use std::process::ExitCode;
use std::time::Duration;

use channel_auth::send::{Api, ApiUrl, BatchEvent, ChannelsQuery, Client, ClientError, Info, TransportError, Trigger};
use channel_auth::{ChannelName, Credentials, EncryptionMasterKey, EventName, SocketId, UserId};

const USAGE: &str = "usage: pusher [--url URL | --cluster NAME] [--timeout-s N] <command> ...

commands:
  trigger --event NAME --data DATA [--exclude SOCKET_ID] [--info ATTR[,ATTR]] CHANNEL...
  batch --file PATH      (a JSON array of {\"channel\",\"name\",\"data\",\"socket_id\"?,\"info\"?})
  channels [--prefix PREFIX] [--info user_count]
  channel CHANNEL [--info user_count,subscription_count,cache]
  users CHANNEL
  terminate USER_ID
  send-to-user USER_ID --event NAME --data DATA

environment: PUSHER_APP_ID, PUSHER_APP_KEY, PUSHER_APP_SECRET,
             PUSHER_ENCRYPTION_MASTER_KEY_BASE64 (for private-encrypted- channels)
exit status: 0 success (the response as one line of JSON on stdout),
             1 refused by the server or no answer, 2 bad arguments or refused before sending";

/// Where to send.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Url(String),
    Cluster(String),
}

/// One command, its arguments validated.
#[derive(Debug, Clone)]
enum Command {
    Trigger(Trigger),
    Batch(Vec<BatchEvent>),
    Channels(ChannelsQuery),
    Channel(ChannelName, Info),
    Users(ChannelName),
    Terminate(UserId),
    SendToUser(UserId, EventName, String),
}

#[derive(Debug)]
struct Run {
    target: Target,
    timeout: Duration,
    command: Command,
}

#[derive(Debug)]
enum Parsed {
    Help,
    Run(Run),
}

/// An argument error: exit 2.
#[derive(Debug, PartialEq, Eq)]
struct Usage(String);

fn usage(message: impl Into<String>) -> Usage {
    Usage(message.into())
}

fn parse_name<T: std::str::FromStr<Err = channel_auth::InvalidInput>>(what: &str, text: &str) -> Result<T, Usage> {
    text.parse().map_err(|e| usage(format!("{what}: {e}")))
}

/// Takes the value of `flag` from `args` at `*i + 1`.
fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, Usage> {
    *i += 1;
    args.get(*i).map(String::as_str).ok_or_else(|| usage(format!("{flag} needs a value")))
}

fn parse_args(args: &[String]) -> Result<Parsed, Usage> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Parsed::Help);
    }
    let mut target = None;
    let mut timeout = Duration::from_secs(10);
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--url" | "--cluster" => {
                if target.is_some() {
                    return Err(usage("give one of --url and --cluster, once"));
                }
                let v = value(args, &mut i, arg)?.to_owned();
                target = Some(if arg == "--url" { Target::Url(v) } else { Target::Cluster(v) });
            }
            "--timeout-s" => {
                let v = value(args, &mut i, arg)?;
                let seconds: u64 =
                    v.parse().map_err(|_| usage(format!("--timeout-s: not a number of seconds: {v:?}")))?;
                if seconds == 0 {
                    return Err(usage("--timeout-s must be at least 1"));
                }
                timeout = Duration::from_secs(seconds);
            }
            flag if flag.starts_with('-') => return Err(usage(format!("unknown option {flag:?}"))),
            _ => break,
        }
        i += 1;
    }
    let target = target.ok_or_else(|| usage("one of --url URL or --cluster NAME is required"))?;
    let Some(name) = args.get(i) else {
        return Err(usage("no command given"));
    };
    let rest = args.get(i + 1..).unwrap_or_default();
    let command = match name.as_str() {
        "trigger" => parse_trigger(rest)?,
        "batch" => parse_batch(rest)?,
        "channels" => parse_channels(rest)?,
        "channel" => parse_channel(rest)?,
        "users" => match rest {
            [channel] => Command::Users(parse_name("channel", channel)?),
            _ => return Err(usage("users takes one CHANNEL")),
        },
        "terminate" => match rest {
            [user] => Command::Terminate(parse_name("user id", user)?),
            _ => return Err(usage("terminate takes one USER_ID")),
        },
        "send-to-user" => parse_send_to_user(rest)?,
        other => return Err(usage(format!("unknown command {other:?}"))),
    };
    Ok(Parsed::Run(Run { target, timeout, command }))
}

fn parse_trigger(args: &[String]) -> Result<Command, Usage> {
    let (mut event, mut data, mut exclude, mut info) = (None, None, None, Info::new());
    let mut channels = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--event" => event = Some(parse_name::<EventName>("event name", value(args, &mut i, arg)?)?),
            "--data" => data = Some(value(args, &mut i, arg)?.to_owned()),
            "--exclude" => exclude = Some(parse_name::<SocketId>("socket id", value(args, &mut i, arg)?)?),
            "--info" => info = parse_name("--info", value(args, &mut i, arg)?)?,
            flag if flag.starts_with('-') => return Err(usage(format!("trigger: unknown option {flag:?}"))),
            channel => channels.push(parse_name::<ChannelName>("channel", channel)?),
        }
        i += 1;
    }
    let event = event.ok_or_else(|| usage("trigger needs --event NAME"))?;
    let data = data.ok_or_else(|| usage("trigger needs --data DATA"))?;
    if channels.is_empty() {
        return Err(usage("trigger needs at least one CHANNEL"));
    }
    let mut trigger = Trigger::new(event, data, channels).with_info(info);
    if let Some(socket) = exclude {
        trigger = trigger.exclude(socket);
    }
    Ok(Command::Trigger(trigger))
}

fn parse_batch(args: &[String]) -> Result<Command, Usage> {
    let path = match args {
        [flag, path] if flag == "--file" => path,
        _ => return Err(usage("batch takes --file PATH")),
    };
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("--file {path:?}: {e}")))?;
    Ok(Command::Batch(batch_from_json(&text)?))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchItem {
    channel: String,
    name: String,
    data: serde_json::Value,
    #[serde(default)]
    socket_id: Option<String>,
    #[serde(default)]
    info: Option<String>,
}

fn batch_from_json(text: &str) -> Result<Vec<BatchEvent>, Usage> {
    let items: Vec<BatchItem> = serde_json::from_str(text)
        .map_err(|e| usage(format!("batch file: expected a JSON array of {{\"channel\",\"name\",\"data\"}}: {e}")))?;
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let at = |what: &str| format!("batch event {index}: {what}");
            let data = match item.data {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            let mut event =
                BatchEvent::new(parse_name(&at("channel"), &item.channel)?, parse_name(&at("name"), &item.name)?, data);
            if let Some(socket) = item.socket_id {
                event = event.exclude(parse_name(&at("socket_id"), &socket)?);
            }
            if let Some(info) = item.info {
                event = event.with_info(parse_name(&at("info"), &info)?);
            }
            Ok(event)
        })
        .collect()
}

fn parse_channels(args: &[String]) -> Result<Command, Usage> {
    let mut query = ChannelsQuery::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--prefix" => query = query.filter_by_prefix(parse_name("--prefix", value(args, &mut i, arg)?)?),
            "--info" => match value(args, &mut i, arg)? {
                "user_count" => query = query.with_user_count(),
                other => return Err(usage(format!("channels --info takes user_count, not {other:?}"))),
            },
            other => return Err(usage(format!("channels: unexpected argument {other:?}"))),
        }
        i += 1;
    }
    Ok(Command::Channels(query))
}

fn parse_channel(args: &[String]) -> Result<Command, Usage> {
    let (mut channel, mut info) = (None, Info::new());
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--info" => info = parse_name("--info", value(args, &mut i, arg)?)?,
            flag if flag.starts_with('-') => return Err(usage(format!("channel: unknown option {flag:?}"))),
            name if channel.is_none() => channel = Some(parse_name::<ChannelName>("channel", name)?),
            other => return Err(usage(format!("channel takes one CHANNEL, got another: {other:?}"))),
        }
        i += 1;
    }
    Ok(Command::Channel(channel.ok_or_else(|| usage("channel needs a CHANNEL"))?, info))
}

fn parse_send_to_user(args: &[String]) -> Result<Command, Usage> {
    let (mut user, mut event, mut data) = (None, None, None);
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--event" => event = Some(parse_name::<EventName>("event name", value(args, &mut i, arg)?)?),
            "--data" => data = Some(value(args, &mut i, arg)?.to_owned()),
            flag if flag.starts_with('-') => return Err(usage(format!("send-to-user: unknown option {flag:?}"))),
            id if user.is_none() => user = Some(parse_name::<UserId>("user id", id)?),
            other => return Err(usage(format!("send-to-user takes one USER_ID, got another: {other:?}"))),
        }
        i += 1;
    }
    Ok(Command::SendToUser(
        user.ok_or_else(|| usage("send-to-user needs a USER_ID"))?,
        event.ok_or_else(|| usage("send-to-user needs --event NAME"))?,
        data.ok_or_else(|| usage("send-to-user needs --data DATA"))?,
    ))
}

/// Credentials from the environment (`get` reads one variable), each error naming its
/// variable.
fn credentials_from(get: impl Fn(&str) -> Option<String>) -> Result<Credentials, Usage> {
    let need = |name: &str| get(name).ok_or_else(|| usage(format!("{name} is not set")));
    let id = need("PUSHER_APP_ID")?;
    let key = need("PUSHER_APP_KEY")?;
    let secret = need("PUSHER_APP_SECRET")?;
    let mut creds = Credentials::new(
        key.parse().map_err(|e| usage(format!("PUSHER_APP_KEY: {e}")))?,
        secret.parse().map_err(|e| usage(format!("PUSHER_APP_SECRET: {e}")))?,
    )
    .with_app_id(id.parse().map_err(|e| usage(format!("PUSHER_APP_ID: {e}")))?);
    if let Some(master) = get("PUSHER_ENCRYPTION_MASTER_KEY_BASE64") {
        let master = EncryptionMasterKey::from_base64(master.trim())
            .map_err(|e| usage(format!("PUSHER_ENCRYPTION_MASTER_KEY_BASE64: {e}")))?;
        creds = creds.with_encryption_master_key(master);
    }
    Ok(creds)
}

/// The outcome of a run: what to print and the exit status.
enum Outcome {
    Ok(String),
    Refused(String),
    Bad(String),
}

fn outcome<T: serde::Serialize>(result: Result<T, ClientError<TransportError>>) -> Outcome {
    match result {
        Ok(response) => match serde_json::to_string(&response) {
            Ok(json) => Outcome::Ok(json),
            Err(e) => Outcome::Refused(format!("cannot print the response: {e}")),
        },
        Err(ClientError::Send(e)) => Outcome::Bad(e.to_string()),
        Err(ClientError::Api(e)) => Outcome::Refused(e.to_string()),
        Err(e) => Outcome::Refused(e.to_string()),
    }
}

async fn run(run: Run, creds: Credentials) -> Outcome {
    let endpoint = match &run.target {
        Target::Url(url) => ApiUrl::from_url(url).map_err(|e| format!("--url: {e}")),
        Target::Cluster(name) => ApiUrl::cluster(name).map_err(|e| format!("--cluster: {e}")),
    };
    let endpoint = match endpoint {
        Ok(endpoint) => endpoint,
        Err(e) => return Outcome::Bad(e),
    };
    let api = match Api::new(creds, endpoint) {
        Ok(api) => api,
        Err(e) => return Outcome::Bad(e.to_string()),
    };
    let client = match Client::new(api) {
        Ok(client) => client.with_timeout(run.timeout),
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    match run.command {
        Command::Trigger(trigger) => outcome(client.trigger(&trigger).await),
        Command::Batch(events) => outcome(client.trigger_batch(&events).await),
        Command::Channels(query) => outcome(client.channels(&query).await),
        Command::Channel(channel, info) => outcome(client.channel(&channel, info).await),
        Command::Users(channel) => outcome(client.users(&channel).await),
        Command::Terminate(user) => outcome(client.terminate_user_connections(&user).await),
        Command::SendToUser(user, event, data) => outcome(client.send_to_user(&user, &event, data).await),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = parse_args(&args).and_then(|parsed| match parsed {
        Parsed::Help => Ok(None),
        Parsed::Run(run) => Ok(Some((run, credentials_from(|name| std::env::var(name).ok())?))),
    });
    let (run_args, creds) = match parsed {
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Some(pair)) => pair,
        Err(Usage(message)) => {
            eprintln!("pusher: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("pusher: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(run_args, creds)) {
        Outcome::Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Outcome::Refused(message) => {
            eprintln!("pusher: {message}");
            ExitCode::from(1)
        }
        Outcome::Bad(message) => {
            eprintln!("pusher: {message}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| (*a).to_owned()).collect()
    }

    fn run_of(s: &[&str]) -> Run {
        match parse_args(&args(s)).unwrap() {
            Parsed::Run(run) => run,
            Parsed::Help => panic!("help"),
        }
    }

    fn err_of(s: &[&str]) -> String {
        parse_args(&args(s)).unwrap_err().0
    }

    #[test]
    fn help_at_any_level() {
        assert!(matches!(parse_args(&args(&["--help"])).unwrap(), Parsed::Help));
        assert!(matches!(parse_args(&args(&["--url", "http://x", "trigger", "--help"])).unwrap(), Parsed::Help));
    }

    #[test]
    fn trigger_parses() {
        let run = run_of(&[
            "--url",
            "http://127.0.0.1:7201",
            "--timeout-s",
            "3",
            "trigger",
            "--event",
            "ev",
            "--data",
            "hi",
            "--exclude",
            "1.2",
            "--info",
            "subscription_count",
            "a",
            "b",
        ]);
        assert_eq!(run.target, Target::Url("http://127.0.0.1:7201".into()));
        assert_eq!(run.timeout, Duration::from_secs(3));
        let Command::Trigger(t) = run.command else { panic!() };
        assert_eq!(t.channels().iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!((t.name().as_str(), t.data()), ("ev", "hi"));
        assert_eq!(t.excluded().unwrap().as_str(), "1.2");
        assert!(t.info().subscription_count());
    }

    #[test]
    fn bad_arguments_say_why() {
        assert!(err_of(&["trigger"]).contains("--url"));
        assert!(err_of(&["--url", "x", "--cluster", "y", "users", "presence-a"]).contains("once"));
        assert!(err_of(&["--cluster", "eu"]).contains("no command"));
        assert!(err_of(&["--cluster", "eu", "trigger", "--data", "d", "a"]).contains("--event"));
        assert!(
            err_of(&["--cluster", "eu", "trigger", "--event", "pusher:x", "--data", "d", "a"]).contains("event name")
        );
        assert!(err_of(&["--cluster", "eu", "trigger", "--event", "e", "--data", "d"]).contains("CHANNEL"));
        assert!(err_of(&["--cluster", "eu", "trigger", "--event", "e", "--data", "d", "a b"]).contains("channel"));
        assert!(err_of(&["--cluster", "eu", "users"]).contains("CHANNEL"));
        assert!(err_of(&["--cluster", "eu", "terminate", "a:b"]).contains("user id"));
        assert!(err_of(&["--cluster", "eu", "channels", "--info", "subscription_count"]).contains("user_count"));
        assert!(err_of(&["--cluster", "eu", "--timeout-s", "x", "users", "presence-a"]).contains("timeout"));
        assert!(err_of(&["--cluster", "eu", "nope"]).contains("unknown command"));
    }

    #[test]
    fn other_commands_parse() {
        assert!(matches!(run_of(&["--cluster", "eu", "users", "presence-a"]).command, Command::Users(_)));
        assert!(matches!(run_of(&["--cluster", "eu", "terminate", "alice"]).command, Command::Terminate(_)));
        let Command::Channels(q) =
            run_of(&["--cluster", "eu", "channels", "--prefix", "presence-", "--info", "user_count"]).command
        else {
            panic!()
        };
        assert!(q.user_count() && q.prefix().unwrap().as_str() == "presence-");
        let Command::Channel(c, info) =
            run_of(&["--cluster", "eu", "channel", "presence-a", "--info", "user_count,subscription_count"]).command
        else {
            panic!()
        };
        assert!(c.as_str() == "presence-a" && info.user_count() && info.subscription_count());
        let Command::SendToUser(u, e, d) =
            run_of(&["--cluster", "eu", "send-to-user", "alice", "--event", "ev", "--data", "x"]).command
        else {
            panic!()
        };
        assert_eq!((u.as_str(), e.as_str(), d.as_str()), ("alice", "ev", "x"));
    }

    #[test]
    fn batch_file_json() {
        let events = batch_from_json(
            r#"[{"channel":"a","name":"e","data":"d"},{"channel":"presence-b","name":"e","data":{"k":1},"socket_id":"1.1","info":"user_count"}]"#,
        )
        .unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].data(), r#"{"k":1}"#);
        assert!(events[1].info().user_count());
        assert!(
            batch_from_json(r#"[{"channel":"a b","name":"e","data":"d"}]"#).unwrap_err().0.contains("batch event 0")
        );
        assert!(batch_from_json(r#"{"channel":"a"}"#).is_err());
    }

    #[test]
    fn credentials_name_their_variable() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
        };
        assert!(credentials_from(env(&[])).unwrap_err().0.contains("PUSHER_APP_ID"));
        assert!(credentials_from(env(&[("PUSHER_APP_ID", "1")])).unwrap_err().0.contains("PUSHER_APP_KEY"));
        let base = [("PUSHER_APP_ID", "1"), ("PUSHER_APP_KEY", "k"), ("PUSHER_APP_SECRET", "s")];
        assert!(
            credentials_from(env(&[("PUSHER_APP_ID", "1"), ("PUSHER_APP_KEY", "k")]))
                .unwrap_err()
                .0
                .contains("PUSHER_APP_SECRET")
        );
        assert!(
            credentials_from(env(&[
                ("PUSHER_APP_ID", "1"),
                ("PUSHER_APP_KEY", "k"),
                ("PUSHER_APP_SECRET", "s"),
                ("PUSHER_ENCRYPTION_MASTER_KEY_BASE64", "short")
            ]))
            .unwrap_err()
            .0
            .contains("PUSHER_ENCRYPTION_MASTER_KEY_BASE64")
        );
        let _ = base;
        assert!(
            credentials_from(env(&[("PUSHER_APP_ID", "1"), ("PUSHER_APP_KEY", "k"), ("PUSHER_APP_SECRET", "s")]))
                .is_ok()
        );
    }
}
