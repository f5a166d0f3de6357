use super::*;

/// [`percent_decode`] into a string of its own; `None` when the bytes are not UTF-8.
fn decode(raw: &str) -> Option<String> {
    let mut out = Vec::new();
    percent_decode(&mut out, raw)?;
    String::from_utf8(out).ok()
}

#[test]
fn lowercase_agrees_with_to_lowercase() {
    for key in ["abc", "ABC", "aBc_1", "\u{1c5}x", "\u{130}", "\u{212a}ey", "ß", "Σ", "a-b.c"] {
        assert_eq!(lowercase(key), key.to_lowercase(), "{key:?}");
    }
    assert!(matches!(lowercase("already_lower"), Cow::Borrowed(_)));
}

#[test]
fn the_ascii_scan_agrees_with_the_char_scan() {
    let key_rule = |c: char| c == '&' || c == '=' || c.is_whitespace() || c.is_control();
    let value_rule = |c: char| c == '&' || c.is_control();
    for b in 0..=0x7fu8 {
        for s in [format!("{}", char::from(b)), format!("ab{}c", char::from(b)), format!("x{}", char::from(b))] {
            // Never empty here, so only the character rule can refuse.
            assert_eq!(validate_key(&s), refuse_chars(&s, InputKind::ParamKey, key_rule), "key {s:?}");
            assert_eq!(validate_value(&s), refuse_chars(&s, InputKind::ParamValue, value_rule), "value {s:?}");
        }
    }
    // Non-ASCII text takes the char scan: U+0085 is a control, U+00A0 whitespace.
    assert!(validate_value("a\u{85}").is_err() && validate_value("a\u{a0}").is_ok());
    assert!(validate_key("a\u{a0}").is_err() && validate_key("\u{e9}").is_ok());
}

#[test]
fn strict_percent_decoding() {
    assert_eq!(decode("a+b%20c%2Bd%2b").as_deref(), Some("a b c+d+"));
    assert_eq!(decode("%C3%A9").as_deref(), Some("\u{e9}"));
    assert_eq!(decode("\u{e9}").as_deref(), Some("\u{e9}"));
    assert_eq!(decode(""), Some(String::new()));
    for bad in ["%", "%2", "%zz", "%2g", "a%", "%FF", "%C3", "%ED%A0%80"] {
        assert_eq!(decode(bad), None, "{bad:?}");
    }
    // On valid input, the same as form_urlencoded.
    for ok in ["a+b%20c", "%41%62", "x%2By", "%E2%82%AC"] {
        let ours = decode(ok).unwrap();
        let pair = format!("{ok}=");
        let theirs: Vec<_> = form_urlencoded::parse(pair.as_bytes()).collect();
        assert_eq!(theirs[0].0, ours);
    }
}

fn decoded(query: &str) -> Result<Vec<(&str, &str)>, VerifyError> {
    // Leaked: a test helper returning borrows of its own decoding.
    let params = Box::leak(Box::new(decode_query(query)?));
    Ok(params.iter().collect())
}

#[test]
fn query_pieces() {
    assert_eq!(decoded("A=1&&b&c=x=y&").unwrap(), [("a", "1"), ("b", ""), ("c", "x=y")]);
    for bad in ["=1", "a%26b=1", "a=1%262", "a%3Db=1", "a+b=1", "a=%0A", "a=%", "%C3=1", "a=%FF"] {
        assert_eq!(decoded(bad), Err(VerifyError::MalformedQuery), "{bad:?}");
    }
    assert_eq!(decoded("a=1+2").unwrap(), [("a", "1 2")]);
    // Keys lowercase as signed, ASCII in place, the rest as `str::to_lowercase`; values
    // keep their case; escapes decode in keys and values alike.
    assert_eq!(
        decoded("FILTER%5FBY%5FPREFIX=Presence-&\u{130}x=V&%C3%89=%C3%89").unwrap(),
        [("filter_by_prefix", "Presence-"), ("i\u{307}x", "V"), ("\u{e9}", "\u{c9}")]
    );
}

#[test]
fn the_plain_path_agrees_with_the_general_one() {
    // Every printable ASCII byte and a few others, in a key and in a value: the fast
    // path must give what decoding and checking each piece gives.
    for b in 0..=0x7fu8 {
        let c = char::from(b);
        for raw in [format!("k{c}=v"), format!("K=v{c}"), format!("{c}=1"), format!("a=1&{c}"), format!("Ab{c}")] {
            let mut general = Vec::new();
            let mut ok = true;
            for piece in raw.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
                match (decode(k), decode(v)) {
                    (Some(k), Some(v)) if validate_key(&k).is_ok() && validate_value(&v).is_ok() => {
                        general.push((k.to_lowercase(), v));
                    }
                    _ => ok = false,
                }
            }
            match decode_query(&raw) {
                Ok(params) => {
                    assert!(ok, "{raw:?} decoded but the general path refuses it");
                    let got: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
                    assert_eq!(got, general, "{raw:?}");
                }
                Err(_) => assert!(!ok, "{raw:?} refused but the general path decodes it"),
            }
        }
    }
}

#[test]
fn sorted_params_find_and_drop_keys() {
    let mut params = decode_query("b=2&a=1&c=3").unwrap();
    assert!(params.sort_and_check_unique());
    assert_eq!(params.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "2"), ("c", "3")]);
    assert_eq!((params.get("b"), params.get("d")), (Some("2"), None));
    params.remove("b");
    assert_eq!(params.iter().collect::<Vec<_>>(), [("a", "1"), ("c", "3")]);
    assert_eq!(format!("{params:?}"), r#"{"a": "1", "c": "3"}"#);
    let mut twice = decode_query("a=1&B=2&A=3").unwrap();
    assert!(!twice.sort_and_check_unique());
    // Already in order, and a duplicate that is already adjacent.
    assert!(decode_query("a=1&b=2").unwrap().sort_and_check_unique());
    assert!(!decode_query("a=1&a=1").unwrap().sort_and_check_unique());
    let mut signed = decode_query("auth_version=1.0&body_md5=m&AUTH_KEY=k&x=1&auth_signature=s").unwrap();
    assert!(signed.sort_and_check_unique());
    assert_eq!(signed.reserved(), [Some("k"), Some("s"), None, Some("1.0"), Some("m")]);
}

#[test]
fn every_hex_digit_decodes_in_both_cases() {
    assert_eq!(decode("%2a%2A%2f%2F%4a%4A%3b%3B%3c%3C%3d%3D%3e%3E%30%39").as_deref(), Some("**//JJ;;<<==>>09"));
}

#[test]
fn room_for_exactly_the_non_empty_pieces() {
    for query in ["", "&", "&&&", "a", "a&", "&a", "&&a&&b=1&&", "a=1&b=2", "%41&&%42=%43&", "a=b+c&&d", "=&a"] {
        let pieces = query.split('&').filter(|piece| !piece.is_empty()).count();
        match decode_query(query) {
            Ok(params) => {
                assert_eq!(params.spans.len(), pieces, "{query:?}");
                assert_eq!(params.spans.capacity(), pieces, "{query:?}");
            }
            Err(_) => assert_eq!(query, "=&a", "{query:?} refused"),
        }
    }
    // 400 KiB of `&`: nothing to list, and no room reserved for it.
    let params = decode_query(&"&".repeat(400 * 1024)).unwrap();
    assert_eq!((params.spans.len(), params.spans.capacity()), (0, 0));
}

#[test]
fn both_paths_agree_on_plain_queries() {
    let queries = [
        "a=1&B=2&&c&d=&e=x=y&",
        "auth_key=k&auth_timestamp=1&auth_version=1.0&auth_signature=s&Info=user_count",
        "&&&",
        "A",
        "a=&=&b",
        "a b=1",
        "k=v w&K=V",
    ];
    for query in queries {
        let pieces = query.split('&').filter(|piece| !piece.is_empty()).count();
        let pairs = |params: Params| params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect::<Vec<_>>();
        let plain = decode_plain(query, pieces).map(pairs);
        let general = decode_general(query, pieces).map(pairs);
        assert_eq!(plain, general, "{query:?}");
    }
}

/// Offsets are 32 bits: a span past 4 GiB is a malformed query, never a wrapped one.
#[test]
#[cfg(target_pointer_width = "64")]
fn offsets_past_32_bits_are_malformed() {
    let past = 1usize << 32;
    assert!(Span::new(0, 1, 2).is_ok());
    assert!(Span::new(0, 1, usize::try_from(u32::MAX).unwrap()).is_ok());
    for (start, key_end, end) in [(0, 1, past), (0, past, past), (past, past, past)] {
        assert_eq!(Span::new(start, key_end, end).unwrap_err(), VerifyError::MalformedQuery);
    }
}

/// The bound of `decode_query` counts on lowercasing lengthening a key by at most
/// half: true of every character (`İ`, 2 bytes, gives 3), and of the one that
/// depends on context (`Σ`, 2 bytes, gives `σ` or `ς`, 2).
#[test]
fn lowercasing_lengthens_by_at_most_half() {
    let mut worst = (0, 1);
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        let lower: usize = c.to_lowercase().map(char::len_utf8).sum();
        assert!(2 * lower <= 3 * c.len_utf8(), "{c:?}");
        if lower * worst.1 > worst.0 * c.len_utf8() {
            worst = (lower, c.len_utf8());
        }
    }
    assert_eq!(worst, (3, 2));
    assert_eq!("\u{3a3}\u{3a3}".to_lowercase().len(), 4);
}
