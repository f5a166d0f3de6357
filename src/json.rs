//! The one writer of the JSON objects this crate answers with (channel and user
//! authorizations, user data, Faye grants): straight into one `String` sized by the
//! caller, with no intermediate `serde_json::Value` and no step that can fail.
//!
//! The bytes are serde_json's: keys and string values are escaped exactly as
//! `serde_json::to_string` escapes a string (`"`, `\`, the short forms `\b \f \n \r \t`,
//! every other control character below U+0020 as `\u00XX`, nothing else), values that
//! are already JSON (`user_info`) are written by serde_json itself, and the fields come
//! in the order they are added. The tests hold each `to_json` to the derived `Serialize`
//! or to the `Value` object of the same fields.

use core::fmt::Write as _;

/// A JSON object being written, fields in the order they are added.
pub(crate) struct JsonObject {
    out: String,
}

impl JsonObject {
    /// An empty object in a buffer of `capacity` bytes (a good guess keeps `to_json` at
    /// one allocation).
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity);
        out.push('{');
        Self { out }
    }

    /// Adds `"key":"value"`, the value escaped.
    pub(crate) fn string(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_string(&mut self.out, value);
        self
    }

    /// Adds `"key":<value>`, the value serialized by serde_json.
    pub(crate) fn value(mut self, key: &str, value: &serde_json::Value) -> Self {
        self.key(key);
        // `Value`'s `Display` is serde_json's compact writer; writing into a `String`
        // cannot fail, so the `fmt::Result` is always `Ok`.
        let _ = write!(self.out, "{value}");
        self
    }

    /// Adds `"key":["a","b",…]`, each string escaped.
    pub(crate) fn strings<'a>(mut self, key: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        self.key(key);
        self.out.push('[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_string(&mut self.out, value);
        }
        self.out.push(']');
        self
    }

    /// Closes the object.
    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }

    fn key(&mut self, key: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        push_string(&mut self.out, key);
        self.out.push(':');
    }
}

/// Pushes `s` as a JSON string, escaped as serde_json escapes it.
pub(crate) fn push_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let short = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both ends are character boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        if short.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        push_string(&mut out, s);
        out
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for c in (0..=0x7f_u32).chain([0x80, 0xe9, 0x2028, 0x2029, 0xfeff, 0x1f600]).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("a{c}"), format!("{c}b"), format!("x{c}{c}y")] {
                assert_eq!(quoted(&s), serde_json::to_string(&s).unwrap_or_default(), "{s:?}");
            }
        }
        let mixed = "say \"hi\"\\\n\u{1}é</script>\u{7f}";
        assert_eq!(quoted(mixed), serde_json::to_string(mixed).unwrap_or_default());
        assert_eq!(quoted(""), r#""""#);
    }

    #[test]
    fn an_object_is_the_value_objects_serialization() {
        let info = serde_json::json!({"b": [1, "\u{1}"], "a": null, "q": "\""});
        let written = JsonObject::with_capacity(0)
            .string("id", "u\"1")
            .value("user_info", &info)
            .strings("watchlist", ["v", "w\n"])
            .strings("empty", [])
            .finish();
        let expected = serde_json::json!({"id": "u\"1", "user_info": info, "watchlist": ["v", "w\n"], "empty": []});
        // serde_json's map is sorted by key unless `preserve_order` is on: compare the
        // parsed objects, and the bytes of a field at a time.
        assert_eq!(serde_json::from_str::<serde_json::Value>(&written).ok(), Some(expected));
        assert!(written.starts_with(r#"{"id":"u\"1","user_info":{"a":null,"b":[1,"\u0001"],"q":"\""},"#));
        assert!(written.ends_with(r#""watchlist":["v","w\n"],"empty":[]}"#));
        assert_eq!(JsonObject::with_capacity(0).finish(), "{}");
    }
}
