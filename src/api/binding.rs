//! The app binding: which paths credentials bound to one app may sign for.

use crate::credentials::Credentials;
use crate::names::CHANNEL_CHARS;

/// Whether the credentials' app binding (if any) admits `path`: see the module docs.
pub(super) fn within_app(credentials: &Credentials, path: &str) -> bool {
    let Some(app) = credentials.app_id() else {
        return true;
    };
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if !rest.bytes().all(|b| b == b'/' || CHANNEL_CHARS.contains(b)) {
        return false;
    }
    if rest.split('/').any(|segment| segment.is_empty() || segment == "." || segment == "..") {
        return false;
    }
    let mut segments = rest.split('/');
    let first = segments.next().unwrap_or_default();
    let is_apps = first.split(';').next().is_some_and(|name| name.eq_ignore_ascii_case("apps"));
    if !is_apps {
        return true;
    }
    segments.next().is_none_or(|id| id == app.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
    }

    #[test]
    fn app_binding_is_exact() {
        let bound = creds().with_app_id("3".parse().unwrap());
        for inside in [
            "/apps/3",
            "/apps/3/events",
            "/apps/3/channels/presence-a/users",
            "/apps",
            "/apps3/events",
            "/other/apps/4",
            "/Apps/3/events",
        ] {
            assert!(within_app(&bound, inside), "{inside}");
        }
        for outside in [
            "/apps/4",
            "/apps/4/events",
            "/apps/33/events",
            "/apps/",
            "/apps//3/events",
            "/apps/3/../4/events",
            "/apps/./4",
            "/APPS/4/events",
            "/apps;x/4/events",
            "/apps/3;x/events",
            "/apps/%34/events",
            "/%61pps/4/events",
            "/apps/3\\..\\4/events",
            "/apps/3/events/",
            "/",
        ] {
            assert!(!within_app(&bound, outside), "{outside}");
        }
        assert!(within_app(&creds(), "/apps/4/events"));
    }
}
