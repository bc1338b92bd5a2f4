//! Incremental JSON (`chunkwise_json::PartialJson`). Valid JSON (an arbitrary value
//! written with random whitespace and escapes) cut into fragments: after every
//! fragment the partial value equals an independent from-scratch parse of the text so
//! far and is a prefix of the final value, every complete value has had exactly one
//! event (in document order, checked at the end), and the final value equals the
//! generated one and simd-json's parse of the whole text. Arbitrary text: the reader
//! fails exactly where an independent whole-text checker says the text stops being a
//! prefix of valid JSON (or at the end, or at the depth limit). The generator, the
//! checker and the from-scratch parser are chunkwise-json's own test support
//! (`crates/chunkwise-json/tests/common`), shared by path.
#![no_main]

#[path = "../../crates/chunkwise-json/tests/common/mod.rs"]
mod common;

use arbitrary::Arbitrary;
use chunkwise_json::{ErrorKind, Options, PartialJson};
use common::*;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum A {
    Null,
    Bool(bool),
    Num {
        neg: bool,
        int: u64,
        frac: Option<u32>,
        exp: Option<(bool, i8)>,
    },
    Str(String),
    Arr(Vec<A>),
    Obj(Vec<(String, A)>),
}

fn to_j(a: &A, depth: usize) -> J {
    if depth > 24 {
        return J::Null;
    }
    match a {
        A::Null => J::Null,
        A::Bool(b) => J::Bool(*b),
        A::Num {
            neg,
            int,
            frac,
            exp,
        } => {
            let mut t = if *neg { "-".to_owned() } else { String::new() };
            // Within 64 bits, which is all simd-json (the final check) reads.
            t.push_str(&(int % 1_000_000_000_000_000).to_string());
            if let Some(f) = frac {
                t.push_str(&format!(".{f}"));
            }
            if let Some((upper, e)) = exp {
                t.push(if *upper { 'E' } else { 'e' });
                match e.signum() {
                    -1 => t.push('-'),
                    _ if e % 2 == 0 => t.push('+'),
                    _ => {}
                }
                t.push_str(&e.unsigned_abs().to_string());
            }
            J::Num(t)
        }
        A::Str(s) => J::Str(s.clone()),
        A::Arr(items) => J::Arr(items.iter().map(|a| to_j(a, depth + 1)).collect()),
        A::Obj(m) => J::Obj(
            m.iter()
                .map(|(k, a)| (k.clone(), to_j(a, depth + 1)))
                .collect(),
        ),
    }
}

#[derive(Arbitrary, Debug)]
enum Input {
    Valid { value: A, seed: u64, mask: u8 },
    Text { text: String, seed: u64, depth: u8 },
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
    usize::from(p.complete())
        + match p {
            P::Arr(items, _) => items.iter().map(count_complete).sum(),
            P::Obj(m, _) => m.iter().map(|(_, v)| count_complete(v)).sum(),
            _ => 0,
        }
}

fn repeated_keys(j: &J) -> bool {
    match j {
        J::Arr(items) => items.iter().any(repeated_keys),
        J::Obj(m) => {
            let mut keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
            keys.sort_unstable();
            keys.windows(2).any(|w| w[0] == w[1]) || m.iter().any(|(_, v)| repeated_keys(v))
        }
        _ => false,
    }
}

fn valid(j: &J, seed: u64, mask: u8) {
    let mut rng = Xorshift::new(seed);
    let text = serialize(j, &mut rng);
    let frags = cut(&text, &mut rng);
    let (strings, numbers) = (mask & 1 == 0, mask & 2 != 0);
    let opts = Options::new()
        .incomplete_strings(strings)
        .incomplete_numbers(numbers);
    let fin = P::from_j(j);
    let mut p = PartialJson::with_options(opts);
    let mut events: Vec<(String, String)> = Vec::new();
    let mut fed = 0;
    for f in &frags {
        if mask & 4 != 0 {
            p.push_with(f, |e| {
                assert!(e.value().is_complete());
                events.push((e.path().to_string(), e.value().to_json_string()));
            })
            .unwrap();
        } else {
            p.push(f).unwrap();
            events.extend(
                p.events()
                    .map(|e| (e.path().to_string(), e.value().to_json_string())),
            );
        }
        fed += f.len();
        assert_eq!(p.text(), &text[..fed]);
        let got = p.value().map(view);
        let want = oracle(&text[..fed], strings, numbers, Follow::More);
        assert_eq!(got, want, "after {:?}", &text[..fed]);
        assert_eq!(p.to_json_string(), want.as_ref().map(P::to_json));
        match &got {
            Some(g) => {
                assert!(is_prefix(g, &fin), "{g:?} not a prefix of {fin:?}");
                assert_eq!(
                    count_complete(g),
                    events.len(),
                    "one event per complete value"
                );
                assert!(simd_parse(&g.to_json()).is_ok(), "partial JSON is JSON");
            }
            None => assert!(events.is_empty()),
        }
    }
    p.finish().unwrap();
    events.extend(
        p.events()
            .map(|e| (e.path().to_string(), e.value().to_json_string())),
    );
    assert!(p.is_complete() && p.error().is_none());
    assert_eq!(p.value().map(view), Some(fin));
    assert_eq!(events, post_order(j), "events in document order");
    if repeated_keys(j) {
        // simd-json keeps repeated keys in small objects but not in large ones.
    } else if let Ok(simd) = simd_parse(&text) {
        assert_eq!(p.value().map(canon_view), Some(canon_simd(&simd)));
    } else {
        // simd-json rejects only integers beyond 64 bits (and deep nesting).
        assert!(text.contains(|c: char| c.is_ascii_digit()), "{text:?}");
    }
}

fn arbitrary_text(text: &str, seed: u64, depth: u8) {
    let mut rng = Xorshift::new(seed);
    let max_depth = if depth % 5 == 4 {
        128
    } else {
        usize::from(depth % 5)
    };
    let opts = Options::new().max_depth(max_depth);
    let verdict = check(text, max_depth);
    let frags = cut(text, &mut rng);
    let (p, result) = feed(&frags, opts);
    match verdict {
        Verdict::Valid => {
            assert_eq!(result, Ok(()));
            assert!(p.is_complete());
            assert_eq!(p.value().map(view), oracle(text, true, false, Follow::End));
        }
        Verdict::End => {
            let e = result.unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::UnexpectedEnd { .. }), "{e:?}");
            assert_eq!(e.offset(), text.len());
            assert_eq!(p.value().map(view), oracle(text, true, false, Follow::End));
        }
        Verdict::At(n) => {
            let e = result.unwrap_err();
            let found = text[n..].chars().next().unwrap();
            assert!(
                matches!(e.kind(), ErrorKind::Unexpected { found: f, .. } if f == found),
                "{e:?} in {text:?}"
            );
            assert_eq!(e.offset(), n, "{e} in {text:?}");
            assert_eq!(
                p.value().map(view),
                oracle(&text[..n], true, false, Follow::Bad(text.as_bytes()[n]))
            );
        }
        Verdict::Depth(n) => {
            let e = result.unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::DepthLimit { .. }), "{e:?}");
            assert_eq!(e.offset(), n);
        }
    }
    if let Err(e) = result {
        assert_eq!(p.error(), Some(&e));
        assert!(text.starts_with(p.text()));
    }
    if max_depth >= 128 && verdict != Verdict::Valid {
        assert!(simd_parse(text).is_err(), "simd-json accepts {text:?}");
    }
}

fuzz_target!(|input: Input| match input {
    Input::Valid { value, seed, mask } => valid(&to_j(&value, 0), seed, mask),
    Input::Text { text, seed, depth } => arbitrary_text(&text, seed, depth),
});
