//! Property tests: any valid JSON text, serialised any way and cut anywhere, reads to
//! simd-json's value; every partial value equals a from-scratch partial parse of the
//! prefix and is a prefix of the final value; events come once each in document order;
//! invalid texts fail at the offset of an independent whole-text checker.

mod common;

use chunkwise_json::{ErrorKind, Options, PartialJson};
use common::*;
use proptest::prelude::*;

fn num_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,15}"],
        proptest::option::of("[0-9]{1,6}"),
        proptest::option::of(("[eE]", "[+-]?", "[0-9]{1,2}")),
    )
        .prop_map(|(neg, int, frac, exp)| {
            let mut s = String::new();
            if neg {
                s.push('-');
            }
            s.push_str(&int);
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            if let Some((e, sign, d)) = exp {
                s.push_str(&e);
                s.push_str(&sign);
                s.push_str(&d);
            }
            s
        })
}

fn string() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => any::<char>(),
        1 => proptest::char::range('\0', '\u{1f}'),
        1 => proptest::sample::select(vec!['"', '\\', '/', ' ', 'é', '€', '😀', '\u{7f}', '\u{2028}']),
    ];
    proptest::collection::vec(ch, 0..12).prop_map(|v| v.into_iter().collect())
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[a-c]{1,2}",
        1 => "[a-z_][a-z0-9_]{0,6}",
        1 => string(),
    ]
}

fn json() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        num_text().prop_map(J::Num),
        string().prop_map(J::Str),
    ];
    leaf.prop_recursive(6, 80, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(J::Arr),
            proptest::collection::vec((key(), inner), 0..6).prop_map(J::Obj),
        ]
    })
}

/// `partial` is a prefix of `fin`: complete parts equal, incomplete strings/numbers are
/// text prefixes, only the last member/element may be incomplete.
fn is_prefix(partial: &P, fin: &P) -> bool {
    if partial.complete() {
        return partial == fin;
    }
    match (partial, fin) {
        (P::Str(a, _), P::Str(b, _)) | (P::Num(a, _), P::Num(b, _)) => b.starts_with(a.as_str()),
        (P::Arr(a, _), P::Arr(b, _)) => {
            a.len() <= b.len()
                && a.iter()
                    .enumerate()
                    .all(|(i, x)| (i + 1 == a.len() || x.complete()) && is_prefix(x, &b[i]))
        }
        (P::Obj(a, _), P::Obj(b, _)) => {
            a.len() <= b.len()
                && a.iter().enumerate().all(|(i, (k, x))| {
                    *k == b[i].0 && (i + 1 == a.len() || x.complete()) && is_prefix(x, &b[i].1)
                })
        }
        _ => false,
    }
}

fn count_complete(p: &P) -> usize {
    let own = usize::from(p.complete());
    own + match p {
        P::Arr(items, _) => items.iter().map(count_complete).sum(),
        P::Obj(m, _) => m.iter().map(|(_, v)| count_complete(v)).sum(),
        _ => 0,
    }
}

fn opts_for(mask: u8) -> (Options, bool, bool) {
    let strings = mask & 1 == 0;
    let numbers = mask & 2 != 0;
    (
        Options::new()
            .incomplete_strings(strings)
            .incomplete_numbers(numbers),
        strings,
        numbers,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn valid_text_any_split(j in json(), seed in any::<u64>(), mask in 0u8..4) {
        let mut rng = Xorshift::new(seed);
        let text = serialize(&j, &mut rng);
        let frags = cut(&text, &mut rng);
        let (opts, strings, numbers) = opts_for(mask);
        let use_callback = rng.chance(1, 2);
        let fin = P::from_j(&j);

        let mut p = PartialJson::with_options(opts);
        let mut events: Vec<(String, String)> = Vec::new();
        let mut fed = 0;
        for f in &frags {
            if use_callback {
                p.push_with(f, |e| {
                    assert!(e.value().is_complete());
                    events.push((e.path().to_string(), e.value().to_json_string()));
                }).unwrap();
            } else {
                p.push(f).unwrap();
                events.extend(p.events().map(|e| (e.path().to_string(), e.value().to_json_string())));
            }
            fed += f.len();
            prop_assert_eq!(p.text(), &text[..fed]);
            let got = p.value().map(view);
            let want = oracle(&text[..fed], strings, numbers, Follow::More);
            prop_assert_eq!(&got, &want, "after {:?}", &text[..fed]);
            prop_assert_eq!(p.to_json_string(), want.as_ref().map(P::to_json));
            if let Some(g) = &got {
                prop_assert!(is_prefix(g, &fin), "{:?} not a prefix of {:?}", g, fin);
                // Every complete value has had its event, no more.
                prop_assert_eq!(count_complete(g), events.len());
                // The partial JSON is valid JSON.
                prop_assert!(simd_parse(&g.to_json()).is_ok());
            } else {
                prop_assert!(events.is_empty());
            }
        }
        p.finish().unwrap();
        events.extend(p.events().map(|e| (e.path().to_string(), e.value().to_json_string())));
        prop_assert!(p.is_complete());
        prop_assert!(p.error().is_none());
        prop_assert_eq!(p.value().map(view), Some(fin.clone()));
        prop_assert_eq!(events, post_order(&j));
        let simd = simd_parse(&text).expect("simd-json parses the generated text");
        prop_assert_eq!(p.value().map(canon_view), Some(canon_simd(&simd)));
    }

    #[test]
    fn invalid_text_fails_at_first_bad_byte(j in json(), seed in any::<u64>(), mask in 0u8..4) {
        let mut rng = Xorshift::new(seed);
        let mut text = serialize(&j, &mut rng);
        for _ in 0..1 + rng.below(2) {
            mutate(&mut text, &mut rng);
        }
        let (opts, strings, numbers) = opts_for(mask);
        compare_with_checker(&text, &mut rng, opts, strings, numbers)?;
    }

    #[test]
    fn arbitrary_text_fails_at_first_bad_byte(
        chars in proptest::collection::vec(proptest::sample::select(ALPHABET.to_vec()), 0..40),
        seed in any::<u64>(),
        depth in 0usize..5,
    ) {
        let text: String = chars.into_iter().collect();
        let mut rng = Xorshift::new(seed);
        let opts = Options::new().max_depth(if depth == 4 { 128 } else { depth });
        compare_with_checker(&text, &mut rng, opts, true, false)?;
    }
}

const ALPHABET: &[char] = &[
    '{', '}', '[', ']', '"', ':', ',', ' ', '\n', '0', '1', '9', '-', '+', '.', 'e', 'E', 't', 'r',
    'u', 'f', 'a', 'l', 's', 'n', '\\', 'u', 'd', 'D', '8', 'c', 'C', 'x', 'é', '\u{1}', '/', 'b',
];

const INSERTS: &[&str] = &[
    "\\",
    "\\u",
    "\\uD800",
    "\\udc00",
    "\\ud83d\\u0041",
    "\\ud83d\\ude00",
    ",",
    "]",
    "}",
    "[",
    "{",
    "01",
    "-",
    "1.",
    "1e",
    "1e+",
    "tru",
    "\u{1}",
    "é",
    " ",
    ":",
    "\"",
    "\\x",
    "nul",
    "0",
];

fn mutate(text: &mut String, rng: &mut Xorshift) {
    let mut at = rng.below(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    match rng.below(5) {
        0 => text.truncate(at),
        1 => text.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
        2 | 3 => {
            if at < text.len() {
                text.remove(at);
            }
            if rng.chance(1, 2) {
                text.insert(at, ALPHABET[rng.below(ALPHABET.len())]);
            }
        }
        _ => text.insert_str(at, INSERTS[rng.below(INSERTS.len())]),
    }
}

fn compare_with_checker(
    text: &str,
    rng: &mut Xorshift,
    opts: Options,
    strings: bool,
    numbers: bool,
) -> Result<(), TestCaseError> {
    let verdict = check(text, opts.get_max_depth());
    let frags = cut(text, rng);
    let (p, result) = feed(&frags, opts);
    match verdict {
        Verdict::Valid => {
            prop_assert_eq!(result, Ok(()));
            prop_assert!(p.is_complete());
            prop_assert_eq!(
                p.value().map(view),
                oracle(text, strings, numbers, Follow::End)
            );
        }
        Verdict::End => {
            let e = result.unwrap_err();
            prop_assert!(
                matches!(e.kind(), ErrorKind::UnexpectedEnd { .. }),
                "{:?}",
                e
            );
            prop_assert_eq!(e.offset(), text.len());
            prop_assert!(!p.is_complete());
            prop_assert_eq!(
                p.value().map(view),
                oracle(text, strings, numbers, Follow::End)
            );
        }
        Verdict::At(n) => {
            let e = result.unwrap_err();
            let found = text[n..].chars().next().unwrap();
            prop_assert!(
                matches!(e.kind(), ErrorKind::Unexpected { found: f, .. } if f == found),
                "{:?} in {:?}",
                e,
                text
            );
            prop_assert_eq!(e.offset(), n, "{} in {:?}", e, text);
            // The value read up to the error is the partial value of the valid prefix.
            prop_assert_eq!(
                p.value().map(view),
                oracle(
                    &text[..n],
                    strings,
                    numbers,
                    Follow::Bad(text.as_bytes()[n])
                )
            );
        }
        Verdict::Depth(n) => {
            let e = result.unwrap_err();
            prop_assert!(matches!(e.kind(), ErrorKind::DepthLimit { .. }), "{:?}", e);
            prop_assert_eq!(e.offset(), n);
        }
    }
    if let Err(e) = result {
        prop_assert_eq!(p.error(), Some(&e));
        // The text is kept whole (up to the point of failure, every fragment fed).
        prop_assert!(text.starts_with(p.text()));
        prop_assert!(p.text().len() > e.offset() || e.offset() == text.len());
    }
    // simd-json agrees on validity (it also rejects integers beyond 64 bits, which the
    // grammar allows, so only check the direction it must agree on, plus no-number texts).
    if opts.get_max_depth() >= 128 {
        let simd = simd_parse(text);
        if verdict != Verdict::Valid {
            prop_assert!(simd.is_err(), "simd-json accepts {:?}", text);
        } else if !text.contains(|c: char| c.is_ascii_digit()) {
            prop_assert!(simd.is_ok(), "simd-json rejects {:?}: {:?}", text, simd);
        } else if let Ok(v) = simd {
            prop_assert_eq!(p.value().map(canon_view), Some(canon_simd(&v)));
        }
    }
    Ok(())
}
