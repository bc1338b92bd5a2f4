//! Worked cases: splits inside escapes and UTF-8, numbers and literals at the end,
//! events, paths, error offsets, limits, reuse.

mod common;

use chunkwise_json::{ErrorKind, Kind, Options, PartialJson, Segment};

/// Feeds `frags`; returns the partial JSON after each one.
fn states(p: &mut PartialJson, frags: &[&str]) -> Vec<Option<String>> {
    frags
        .iter()
        .map(|f| {
            p.push(f).unwrap();
            p.to_json_string()
        })
        .collect()
}

fn s(x: &str) -> Option<String> {
    Some(x.to_owned())
}

#[test]
fn escape_split_after_backslash() {
    let mut p = PartialJson::new();
    let got = states(&mut p, &[r#"{"a": "x\"#, r#"n"#, r#"y"}"#]);
    assert_eq!(
        got,
        [s(r#"{"a":"x"}"#), s(r#"{"a":"x\n"}"#), s(r#"{"a":"x\ny"}"#)]
    );
    assert!(p.is_complete());
}

#[test]
fn unicode_escape_split_in_three() {
    let mut p = PartialJson::new();
    let got = states(&mut p, &[r#"["caf\"#, r#"u00"#, r#"e9!"]"#]);
    assert_eq!(got, [s(r#"["caf"]"#), s(r#"["caf"]"#), s(r#"["café!"]"#)]);
}

#[test]
fn surrogate_pair_across_three_fragments() {
    let mut p = PartialJson::new();
    let got = states(&mut p, &[r#""a\uD83D"#, r#"\uDE"#, r#"00b""#]);
    // The high half alone shows nothing; the character appears whole.
    assert_eq!(got, [s(r#""a""#), s(r#""a""#), s(r#""a😀b""#)]);
    assert_eq!(p.value().unwrap().as_str(), Some("a😀b"));
}

#[test]
fn surrogate_pair_byte_by_byte_in_a_key() {
    let text = r#"{"\ud83d\ude00k\u00e9": 1}"#;
    let mut p = PartialJson::new();
    for i in 0..text.len() {
        p.push(&text[i..=i]).unwrap();
    }
    let v = p.value().unwrap();
    assert_eq!(v.get("😀ké").and_then(|v| v.as_i64()), Some(1));
    assert_eq!(v.to_json_string(), r#"{"😀ké":1}"#);
}

#[test]
fn utf8_split_at_every_char_boundary() {
    let text = r#"{"ключ": "значение 😀 ü", "k": ["€"]}"#;
    let mut p = PartialJson::new();
    let mut prev = String::new();
    for (i, c) in text.char_indices() {
        p.push(&text[i..i + c.len_utf8()]).unwrap();
        let now = p.to_json_string().unwrap_or_default();
        // Each state holds whole characters and only grows inside the string.
        assert!(now.len() + 4 >= prev.len());
        prev = now;
    }
    p.finish().unwrap();
    let v = p.value().unwrap();
    assert_eq!(v.get("ключ").unwrap().as_str(), Some("значение 😀 ü"));
    // No escapes: the string borrows the text itself.
    let raw = v.get("ключ").unwrap().as_str().unwrap();
    let at = text.find("значение").unwrap();
    assert!(std::ptr::eq(raw.as_ptr(), p.text()[at..].as_ptr()));
}

#[test]
fn incomplete_numbers_hidden_by_default() {
    let mut p = PartialJson::new();
    let got = states(
        &mut p,
        &[
            r#"{"a": -"#,
            "1",
            ".",
            "5",
            "e",
            "-",
            "3",
            ",",
            r#""b": 2}"#,
        ],
    );
    let hidden = s("{}");
    assert_eq!(
        got,
        [
            hidden.clone(),
            hidden.clone(),
            hidden.clone(),
            hidden.clone(),
            hidden.clone(),
            hidden.clone(),
            hidden,
            s(r#"{"a":-1.5e-3}"#),
            s(r#"{"a":-1.5e-3,"b":2}"#),
        ]
    );
}

#[test]
fn incomplete_numbers_shown_as_longest_valid_prefix() {
    let mut p = PartialJson::with_options(Options::new().incomplete_numbers(true));
    let got = states(&mut p, &["[-", "1", ".", "5", "e", "+", "3", "]"]);
    assert_eq!(
        got,
        [
            s("[]"),
            s("[-1]"),
            s("[-1]"),
            s("[-1.5]"),
            s("[-1.5]"),
            s("[-1.5]"),
            s("[-1.5e+3]"),
            s("[-1.5e+3]"),
        ]
    );
    let n = p.value().unwrap().at(0).unwrap().as_number().unwrap();
    assert_eq!(
        (n.as_str(), n.as_f64(), n.as_i64(), n.is_integer()),
        ("-1.5e+3", -1500.0, None, false)
    );
}

#[test]
fn root_number_completes_at_whitespace_or_finish() {
    let mut p = PartialJson::new();
    p.push("12").unwrap();
    assert!(p.value().is_none());
    assert_eq!(p.events().len(), 0);
    p.push("3").unwrap();
    p.finish().unwrap();
    assert_eq!(p.value().unwrap().as_u64(), Some(123));
    let ev: Vec<_> = p
        .events()
        .map(|e| (e.is_root(), e.value().to_json_string()))
        .collect();
    assert_eq!(ev, [(true, "123".to_owned())]);

    let mut p = PartialJson::new();
    p.push("-0 ").unwrap();
    assert!(p.is_complete());
    assert_eq!(p.value().unwrap().as_i64(), Some(0));
}

#[test]
fn literals_hidden_until_complete() {
    let mut p = PartialJson::new();
    let got = states(&mut p, &["[t", "ru", "e, f", "alse, n", "ull]"]);
    assert_eq!(
        got,
        [
            s("[]"),
            s("[]"),
            s("[true]"),
            s("[true,false]"),
            s("[true,false,null]")
        ]
    );
}

#[test]
fn incomplete_strings_can_be_hidden() {
    let mut p = PartialJson::with_options(Options::new().incomplete_strings(false));
    let got = states(&mut p, &[r#"{"a": "he"#, r#"llo", "b": ["x"#, r#"", "y"#]);
    assert_eq!(
        got,
        [
            s("{}"),
            s(r#"{"a":"hello","b":[]}"#),
            s(r#"{"a":"hello","b":["x"]}"#)
        ]
    );
    let mut p = PartialJson::with_options(Options::new().incomplete_strings(false));
    p.push(r#""abc"#).unwrap();
    assert!(p.value().is_none());
    assert!(p.in_progress().is_none());
}

#[test]
fn members_appear_only_once_their_value_starts() {
    let mut p = PartialJson::new();
    let got = states(&mut p, &[r#"{"ci"#, r#"ty""#, " :", " ", r#"""#, "P"]);
    assert_eq!(
        got,
        [
            s("{}"),
            s("{}"),
            s("{}"),
            s("{}"),
            s(r#"{"city":""}"#),
            s(r#"{"city":"P"}"#)
        ]
    );
    p.push(r#"", "nested": {"deep": [[{"#).unwrap();
    assert_eq!(
        p.to_json_string(),
        s(r#"{"city":"P","nested":{"deep":[[{}]]}}"#)
    );
    assert_eq!(
        p.in_progress().unwrap().path().to_string(),
        "$.nested.deep[0][0]"
    );
}

#[test]
fn events_once_each_in_document_order_with_paths() {
    let text = r#"{"city": "Paris", "items": [1, {"a b": [true]}, "x"], "n": null}"#;
    let mut p = PartialJson::new();
    let mut got = Vec::new();
    for f in text.as_bytes().chunks(3) {
        p.push(std::str::from_utf8(f).unwrap()).unwrap();
        got.extend(
            p.events()
                .map(|e| (e.path().to_string(), e.value().to_json_string())),
        );
        // Already read: nothing more.
        assert_eq!(p.events().len(), 0);
    }
    p.finish().unwrap();
    assert_eq!(p.events().len(), 0);
    let want = [
        ("$.city", r#""Paris""#),
        ("$.items[0]", "1"),
        (r#"$.items[1]["a b"][0]"#, "true"),
        (r#"$.items[1]["a b"]"#, "[true]"),
        ("$.items[1]", r#"{"a b":[true]}"#),
        ("$.items[2]", r#""x""#),
        ("$.items", r#"[1,{"a b":[true]},"x"]"#),
        ("$.n", "null"),
        (
            "$",
            r#"{"city":"Paris","items":[1,{"a b":[true]},"x"],"n":null}"#,
        ),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn event_accessors_and_path_segments() {
    let mut p = PartialJson::new();
    let mut seen = Vec::new();
    p.push_with(r#"{"items": [{"id": 7}], "q\"": 1 }"#, |e| {
        let segs: Vec<Segment<'_>> = e.path().segments().collect();
        seen.push((
            format!("{:?}", segs),
            e.key().map(str::to_owned),
            e.index(),
            e.path().depth(),
            e.value().span(),
        ));
    })
    .unwrap();
    assert_eq!(
        seen,
        [
            (
                r#"[Key("items"), Index(0), Key("id")]"#.into(),
                Some("id".into()),
                None,
                3,
                18..19
            ),
            (
                r#"[Key("items"), Index(0)]"#.into(),
                None,
                Some(0),
                2,
                11..20
            ),
            (
                r#"[Key("items")]"#.into(),
                Some("items".into()),
                None,
                1,
                10..21
            ),
            (
                r#"[Key("q\"")]"#.into(),
                Some("q\"".into()),
                None,
                1,
                30..31
            ),
            ("[]".into(), None, None, 0, 0..33),
        ]
    );
    let v = p.value().unwrap();
    let id = v.get("items").unwrap().at(0).unwrap().get("id").unwrap();
    assert!(id.path() == "$.items[0].id");
    assert!(id.path() != "$.items[0].i");
    assert!(id.path() != "$.items[0].idx");
    assert_eq!(id.path().parent().unwrap().to_string(), "$.items[0]");
    let rev: Vec<Segment<'_>> = id.path().segments().rev().collect();
    assert_eq!(
        rev,
        [Segment::Key("id"), Segment::Index(0), Segment::Key("items")]
    );
    assert_eq!(id.path().segments().len(), 3);
    assert_eq!(v.get(r#"q""#).unwrap().path().to_string(), r#"$["q\""]"#);
    assert_eq!(v.get("q\"").unwrap().raw(), "1");
}

#[test]
fn views_and_accessors() {
    let mut p = PartialJson::new();
    p.push(r#"{"a": [1, 2.5, "s", true, null, {}], "a": "dup", "e": "\u0041\n"}"#)
        .unwrap();
    let v = p.value().unwrap();
    assert_eq!(v.kind(), Kind::Object);
    assert_eq!(v.len(), Some(3));
    // Repeated names: all kept in order; `get` gives the last.
    assert_eq!(v.get("a").unwrap().as_str(), Some("dup"));
    let keys: Vec<&str> = v.as_object().unwrap().iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "a", "e"]);
    let arr = v
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap()
        .1
        .as_array()
        .unwrap();
    assert_eq!(arr.len(), 6);
    let kinds: Vec<Kind> = arr.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            Kind::Number,
            Kind::Number,
            Kind::String,
            Kind::Bool,
            Kind::Null,
            Kind::Object
        ]
    );
    assert_eq!(arr.get(1).unwrap().as_f64(), Some(2.5));
    assert_eq!(arr.get(1).unwrap().as_i64(), None);
    assert!(arr.get(4).unwrap().is_null());
    assert_eq!(arr.get(3).unwrap().as_bool(), Some(true));
    assert!(arr.get(6).is_none());
    assert_eq!(v.get("e").unwrap().as_str(), Some("A\n"));
    assert_eq!(v.get("e").unwrap().raw(), r#""\u0041\n""#);
    assert_eq!(format!("{:?}", v.get("e").unwrap()), r#""A\n""#);
    assert!(v.get("zz").is_none());
    assert!(v.at(0).is_none());
    assert_eq!(v.as_str(), None);
}

#[test]
fn debug_marks_incomplete() {
    let mut p = PartialJson::new();
    p.push(r#"["ab"#).unwrap();
    assert_eq!(
        format!("{:?}", p.value().unwrap()),
        r#"["ab"] (incomplete)"#
    );
}

/// (text, offset, kind check) for whole texts fed at once and byte by byte.
#[test]
fn error_offsets() {
    let cases: &[(&str, usize)] = &[
        ("[1,]", 3),
        ("01", 1),
        ("[01]", 2),
        ("-x", 1),
        ("1.e5", 2),
        ("1e", 2), // end
        ("1e+x", 3),
        (r#""\uDC00""#, 4),
        (r#""\uD800""#, 7),
        (r#""\uD800\u0041""#, 9),
        (r#""\uD800\uDB00""#, 10),
        (r#""\x""#, 2),
        ("\"a\u{1}\"", 2),
        (r#"{"a" 1}"#, 5),
        (r#"{"a":1,}"#, 7),
        (r#"{1:2}"#, 1),
        ("[1] x", 4),
        ("[1 2]", 3),
        ("tru ", 3),
        ("nul", 3), // end
        ("", 0),    // end
        ("  ", 2),  // end
        ("é", 0),
        ("[é]", 1),
        ("]", 0),
        (r#"{"a":1]"#, 6),
        (r#"["a"}"#, 4),
    ];
    for &(text, off) in cases {
        for bytewise in [false, true] {
            let mut p = PartialJson::new();
            let mut r = Ok(());
            if bytewise {
                for (i, c) in text.char_indices() {
                    r = p.push(&text[i..i + c.len_utf8()]);
                    if r.is_err() {
                        break;
                    }
                }
            } else {
                r = p.push(text);
            }
            let e = match r {
                Err(e) => e,
                Ok(()) => p.finish().unwrap_err(),
            };
            assert_eq!(e.offset(), off, "{text:?}: {e}");
            assert_eq!(
                common::check(text, 128),
                if off == text.len() && !matches!(e.kind(), ErrorKind::Unexpected { .. }) {
                    common::Verdict::End
                } else {
                    common::Verdict::At(off)
                },
                "{text:?}"
            );
        }
    }
}

#[test]
fn error_is_sticky_and_text_kept() {
    let mut p = PartialJson::new();
    p.push(r#"{"a": 1"#).unwrap();
    let e = p.push(r#" x "b""#).unwrap_err();
    assert_eq!(e.offset(), 8);
    assert!(e.is_syntax());
    assert_eq!(
        e.kind(),
        ErrorKind::Unexpected {
            found: 'x',
            expected: "`,` or `}`"
        }
    );
    assert_eq!(p.push(": 2}").unwrap_err(), e);
    assert_eq!(p.finish().unwrap_err(), e);
    assert_eq!(p.text(), r#"{"a": 1 x "b": 2}"#);
    // The value read before the error stays visible.
    assert_eq!(p.to_json_string(), s(r#"{"a":1}"#));
    assert_eq!(p.error(), Some(&e));
}

#[test]
fn unexpected_end_message() {
    let mut p = PartialJson::new();
    p.push(r#"{"a": [1"#).unwrap();
    let e = p.finish().unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::UnexpectedEnd {
            expected: "`,` or `]`"
        }
    );
    assert_eq!(
        e.to_string(),
        "JSON text ends early at byte 8: expected `,` or `]`"
    );
    // The number was ended by the end of the text.
    assert_eq!(p.to_json_string(), s(r#"{"a":[1]}"#));
}

#[test]
fn depth_limit() {
    let mut p = PartialJson::new();
    let e = p.push(&"[".repeat(200)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DepthLimit { max_depth: 128 });
    assert_eq!(e.offset(), 128);
    assert!(!e.is_syntax());

    let mut p = PartialJson::with_options(Options::new().max_depth(1));
    p.push(r#"{"a": 1, "b": "#).unwrap();
    assert_eq!(p.push("[]").unwrap_err().offset(), 14);

    let mut p = PartialJson::with_options(Options::new().max_depth(0));
    p.push(" 1 ").unwrap();
    assert!(p.is_complete());
}

#[test]
fn very_deep_nesting_without_recursion() {
    // A million levels: no stack overflow when reading, writing, walking or dropping.
    const N: usize = 1_000_000;
    let mut p = PartialJson::with_options(Options::new().max_depth(N));
    p.push(&"[".repeat(N)).unwrap();
    let partial = p.to_json_string().unwrap();
    assert_eq!(partial.len(), 2 * N);
    let deepest = p.in_progress().unwrap();
    assert_eq!(deepest.path().depth(), N - 1);
    p.push(&"]".repeat(N)).unwrap();
    assert!(p.is_complete());
    assert_eq!(p.events().len(), N);
    assert_eq!(p.to_json_string().unwrap(), partial);
    drop(p);
}

#[test]
fn length_limit() {
    let mut p = PartialJson::with_options(Options::new().max_len(10));
    p.push(r#"["abcd","#).unwrap();
    let e = p.push(r#""éé"]"#).unwrap_err();
    // `"` fits (9 bytes); `é` (2 bytes) would cross byte 10: dropped, with the rest.
    assert_eq!(e.kind(), ErrorKind::TooLong { max_len: 10 });
    assert_eq!(p.text(), r#"["abcd",""#);
    assert_eq!(e.offset(), 9);
    assert_eq!(p.to_json_string(), s(r#"["abcd",""]"#));
    assert_eq!(p.push("x").unwrap_err(), e);
    assert_eq!(p.text().len(), 9);
}

#[test]
fn reset_reuses_the_reader() {
    let mut p = PartialJson::new();
    p.push(r#"{"a": [1, 2]"#).unwrap();
    let _ = p.push("x");
    p.reset();
    assert!(p.error().is_none());
    assert!(p.value().is_none());
    assert_eq!(p.text(), "");
    p.push(r#"["ok"]"#).unwrap();
    assert_eq!(p.events().count(), 2);
    assert_eq!(p.to_json_string(), s(r#"["ok"]"#));
}

#[test]
fn write_json_escapes() {
    let mut p = PartialJson::new();
    p.push(r#"["\u0001\b\f\n\r\t\"\\\/ é\u2028"]"#).unwrap();
    assert_eq!(
        p.to_json_string(),
        s("[\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\/ é\u{2028}\"]")
    );
}

#[test]
fn events_survive_unread_pushes() {
    // Events queue up until read.
    let mut p = PartialJson::new();
    p.push("[1,").unwrap();
    p.push("2,").unwrap();
    let n: Vec<String> = p.events().map(|e| e.value().to_json_string()).collect();
    assert_eq!(n, ["1", "2"]);
    // push_with does not queue.
    p.push_with("3]", |_| {}).unwrap();
    assert_eq!(p.events().len(), 0);
}

#[test]
fn every_split_of_a_sample_gives_the_same_answer() {
    let text = r#"{"q": "a\"\u00e9\ud83d\ude00", "n": [-0.5e+2, 0, 10], "t": true}"#;
    let whole = {
        let mut p = PartialJson::new();
        p.push(text).unwrap();
        p.finish().unwrap();
        (
            p.to_json_string(),
            p.events().map(|e| e.path().to_string()).collect::<Vec<_>>(),
        )
    };
    for i in 0..=text.len() {
        for j in i..=text.len() {
            let mut p = PartialJson::new();
            let mut ev = Vec::new();
            for f in [&text[..i], &text[i..j], &text[j..]] {
                p.push_with(f, |e| ev.push(e.path().to_string())).unwrap();
            }
            p.finish().unwrap();
            assert_eq!((p.to_json_string(), ev), whole, "split at {i},{j}");
        }
    }
}
