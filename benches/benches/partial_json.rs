//! The incremental JSON benchmark: tool-call arguments arriving in 1-8-byte fragments,
//! with the partial value wanted after every fragment.
//!
//! Contenders, each fed the same fragments of the same generated arguments (1 KiB,
//! 64 KiB, 1 MiB of JSON: an object of records with strings, escapes, non-ASCII,
//! numbers, literals and nested arrays):
//!
//! - `incremental`: `chunkwise_json::PartialJson::push` per fragment, then `value()`
//!   (the partial value, `O(1)`) and every completion event drained, as an SDK would;
//! - `reparse`: the openai-node approach: append the fragment to a `String`, then parse
//!   the whole accumulated text from scratch with a partial-JSON parser (a plain
//!   recursive one, below) that builds an owned tree, after every fragment. Its cost is
//!   quadratic, so for 64 KiB and 1 MiB it re-parses only after every `k`-th fragment
//!   (evenly spread, so the average prefix length is the same) and its throughput is
//!   scaled to match: criterion's bytes/s for `reparse` is the input rate the full
//!   approach would sustain (time per iteration × `k` ≈ time for all fragments).
//!
//! Before the criterion groups a summary prints ns per input byte of both, their ratio,
//! and the reader's speed on the same text pushed whole (its scanning speed without the
//! per-fragment costs). `cargo bench -p chunkwise-benches --bench partial_json -- --quick` takes about
//! a minute.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chunkwise_json::PartialJson;
use criterion::{BenchmarkId, Criterion, Throughput};

const SEED: u64 = 0x5EED_0002;
const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
const SIZES: &[(&str, usize)] = &[("1KiB", KIB), ("64KiB", 64 * KIB), ("1MiB", MIB)];
/// Re-parse budget per iteration: total bytes re-parsed stays near this.
const REPARSE_BUDGET: usize = 48 * MIB;

/// Deterministic xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Tool-call-like arguments of about `target` bytes.
fn arguments(target: usize, rng: &mut Rng) -> String {
    const WORDS: &[&str] = &[
        "alpha",
        "Zürich",
        "naïve",
        "café",
        "quote\\\"d",
        "line\\nbreak",
        "tab\\t",
        "😀",
        "\\u00e9t\\u00e9",
        "\\ud83d\\ude80",
        "plain",
        "words",
        "of",
        "text",
    ];
    let mut s = String::with_capacity(target + 256);
    s.push_str(r#"{"query": "find matching records", "limit": 100, "items": ["#);
    let mut id = 0u64;
    while s.len() + 2 < target {
        if id > 0 {
            s.push_str(", ");
        }
        let mut desc = String::new();
        for _ in 0..4 + rng.below(12) {
            desc.push_str(WORDS[rng.below(WORDS.len())]);
            desc.push(' ');
        }
        s.push_str(&format!(
            r#"{{"id": {id}, "name": "item-{id}", "price": {}.{:02}, "ratio": -{}.{}e-{}, "active": {}, "note": null, "tags": ["t{}", "t{}"], "description": "{desc}"}}"#,
            rng.below(1000),
            rng.below(100),
            rng.below(10),
            rng.below(1000),
            rng.below(5),
            rng.below(2) == 0,
            rng.below(50),
            rng.below(50),
        ));
        id += 1;
    }
    s.push_str("]}");
    s
}

/// Cuts `text` into fragments of 1-8 bytes (moved forward to char boundaries).
fn fragments<'t>(text: &'t str, rng: &mut Rng) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let mut j = (i + 1 + rng.below(8)).min(text.len());
        while !text.is_char_boundary(j) {
            j += 1;
        }
        out.push(&text[i..j]);
        i = j;
    }
    out
}

// ---------------------------------------------------------------------------------
// The openai-node stand-in: a recursive partial-JSON parser over the whole prefix.
// ---------------------------------------------------------------------------------

/// An owned JSON value, as a from-scratch partial parser returns it.
#[derive(Debug, PartialEq)]
enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<V>),
    Obj(Vec<(String, V)>),
}

/// Parses a prefix of a JSON text: incomplete strings as their prefix, incomplete
/// containers closed, an unfinished member, number or literal left out.
fn reparse(text: &str) -> Option<V> {
    let mut p = Reparser {
        s: text,
        b: text.as_bytes(),
        i: 0,
    };
    p.ws();
    p.value()
}

struct Reparser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Reparser<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    /// `(value, complete)`.
    fn value(&mut self) -> Option<V> {
        self.value_c().map(|(v, _)| v)
    }
    fn value_c(&mut self) -> Option<(V, bool)> {
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        None => return Some((V::Obj(members), false)),
                        Some(b'}') => {
                            self.i += 1;
                            return Some((V::Obj(members), true));
                        }
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let (key, done) = self.string();
                    self.ws();
                    if !done || self.b.get(self.i) != Some(&b':') {
                        return Some((V::Obj(members), false));
                    }
                    self.i += 1;
                    self.ws();
                    match self.value_c() {
                        Some((v, true)) => members.push((key, v)),
                        Some((v @ (V::Str(_) | V::Arr(_) | V::Obj(_)), false)) => {
                            members.push((key, v));
                            return Some((V::Obj(members), false));
                        }
                        _ => return Some((V::Obj(members), false)),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        None => return Some((V::Arr(items), false)),
                        Some(b']') => {
                            self.i += 1;
                            return Some((V::Arr(items), true));
                        }
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    match self.value_c() {
                        Some((v, true)) => items.push(v),
                        Some((v @ (V::Str(_) | V::Arr(_) | V::Obj(_)), false)) => {
                            items.push(v);
                            return Some((V::Arr(items), false));
                        }
                        _ => return Some((V::Arr(items), false)),
                    }
                }
            }
            b'"' => {
                let (s, done) = self.string();
                Some((V::Str(s), done))
            }
            b't' => self.literal("true", V::Bool(true)),
            b'f' => self.literal("false", V::Bool(false)),
            b'n' => self.literal("null", V::Null),
            _ => {
                let start = self.i;
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    self.i += 1;
                }
                let n: f64 = self.s[start..self.i].parse().ok()?;
                Some((V::Num(n), self.i < self.b.len()))
            }
        }
    }
    fn literal(&mut self, lit: &str, v: V) -> Option<(V, bool)> {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            Some((v, true))
        } else {
            self.i = self.b.len();
            None
        }
    }
    fn hex4(&self, at: usize) -> Option<u32> {
        u32::from_str_radix(self.s.get(at..at + 4)?, 16).ok()
    }
    fn string(&mut self) -> (String, bool) {
        self.i += 1;
        let mut out = String::new();
        loop {
            let run = self.i;
            while self.b.get(self.i).is_some_and(|&c| c != b'"' && c != b'\\') {
                self.i += 1;
            }
            out.push_str(&self.s[run..self.i]);
            match self.b.get(self.i) {
                None => return (out, false),
                Some(b'"') => {
                    self.i += 1;
                    return (out, true);
                }
                _ => {}
            }
            let Some(&e) = self.b.get(self.i + 1) else {
                self.i = self.b.len();
                return (out, false);
            };
            let c = match e {
                b'n' => '\n',
                b't' => '\t',
                b'r' => '\r',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'u' => {
                    let Some(hi) = self.hex4(self.i + 2) else {
                        self.i = self.b.len();
                        return (out, false);
                    };
                    if (0xD800..0xDC00).contains(&hi) {
                        let Some(lo) = self.hex4(self.i + 8) else {
                            self.i = self.b.len();
                            return (out, false);
                        };
                        self.i += 6;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            .unwrap_or('\u{FFFD}')
                    } else {
                        char::from_u32(hi).unwrap_or('\u{FFFD}')
                    }
                }
                other => char::from(other),
            };
            out.push(c);
            self.i += if e == b'u' { 6 } else { 2 };
        }
    }
}

// ---------------------------------------------------------------------------------
// The two drivers.
// ---------------------------------------------------------------------------------

/// Pushes every fragment, takes the partial value and drains the events after each.
/// Returns the number of events (checked against the value count).
fn run_incremental(p: &mut PartialJson, frags: &[&str]) -> usize {
    p.reset();
    let mut events = 0;
    for f in frags {
        p.push(f).expect("valid arguments");
        black_box(p.value());
        for e in p.events() {
            black_box(e);
            events += 1;
        }
    }
    p.finish().expect("complete arguments");
    events + p.events().len()
}

/// Appends every fragment; re-parses the accumulated text after every `stride`-th one.
/// Returns the number of re-parses.
fn run_reparse(acc: &mut String, frags: &[&str], stride: usize) -> usize {
    acc.clear();
    let mut parses = 0;
    for (i, f) in frags.iter().enumerate() {
        acc.push_str(f);
        if i % stride == stride - 1 {
            black_box(reparse(acc));
            parses += 1;
        }
    }
    parses
}

struct Case {
    name: &'static str,
    text: String,
    frag_ends: Vec<usize>,
    stride: usize,
}

impl Case {
    fn new(name: &'static str, target: usize) -> Case {
        let mut rng = Rng(SEED ^ target as u64);
        let text = arguments(target, &mut rng);
        let frag_ends = fragments(&text, &mut rng)
            .iter()
            .map(|f| f.as_ptr() as usize - text.as_ptr() as usize + f.len())
            .collect::<Vec<_>>();
        let n = frag_ends.len();
        let full_cost = n * text.len() / 2;
        let stride = full_cost.div_ceil(REPARSE_BUDGET).max(1);
        Case {
            name,
            text,
            frag_ends,
            stride,
        }
    }

    fn frags(&self) -> Vec<&str> {
        let mut start = 0;
        self.frag_ends
            .iter()
            .map(|&e| {
                let f = &self.text[start..e];
                start = e;
                f
            })
            .collect()
    }

    /// Bytes of input whose arrival one sampled re-parse iteration stands for.
    fn reparse_bytes(&self) -> u64 {
        let parses = self.frag_ends.len() / self.stride;
        (self.text.len() as f64 * parses as f64 / self.frag_ends.len() as f64) as u64
    }
}

/// Both contenders agree on the final value, and the reader saw every value once.
fn sanity(case: &Case) {
    let frags = case.frags();
    let mut p = PartialJson::new();
    let events = run_incremental(&mut p, &frags);
    let whole = reparse(&case.text).expect("a value");
    let from_reader = reparse(&p.to_json_string().expect("a value")).expect("a value");
    assert_eq!(whole, from_reader, "{}: contenders disagree", case.name);
    fn count(v: &V) -> usize {
        1 + match v {
            V::Arr(items) => items.iter().map(count).sum(),
            V::Obj(m) => m.iter().map(|(_, v)| count(v)).sum(),
            _ => 0,
        }
    }
    assert_eq!(events, count(&whole), "{}: one event per value", case.name);
}

fn time<F: FnMut()>(mut f: F, min: Duration) -> f64 {
    let start = Instant::now();
    let mut runs = 0u32;
    while runs == 0 || start.elapsed() < min {
        f();
        runs += 1;
    }
    start.elapsed().as_secs_f64() / f64::from(runs)
}

fn summary(cases: &[Case]) {
    println!("\npartial_json summary (1-8-byte fragments; partial value after each):");
    println!(
        "{:>6} {:>9} {:>7} {:>13} {:>16} {:>9} {:>10} {:>11}",
        "size",
        "fragments",
        "stride",
        "incr ns/byte",
        "reparse ns/byte",
        "ratio",
        "incr MB/s",
        "whole MB/s"
    );
    for case in cases {
        let frags = case.frags();
        let mut p = PartialJson::new();
        let t_inc = time(
            || {
                black_box(run_incremental(&mut p, &frags));
            },
            Duration::from_millis(300),
        );
        let mut acc = String::new();
        let t_re = time(
            || {
                black_box(run_reparse(&mut acc, &frags, case.stride));
            },
            Duration::from_millis(300),
        ) * case.stride as f64;
        // The same text in one push: the scanning speed without per-fragment costs.
        let t_whole = time(
            || {
                black_box(run_incremental(&mut p, &[case.text.as_str()]));
            },
            Duration::from_millis(300),
        );
        let len = case.text.len() as f64;
        println!(
            "{:>6} {:>9} {:>7} {:>13.2} {:>16.1} {:>8.0}x {:>10.0} {:>11.0}",
            case.name,
            frags.len(),
            case.stride,
            t_inc * 1e9 / len,
            t_re * 1e9 / len,
            t_re / t_inc,
            len / t_inc / 1e6,
            len / t_whole / 1e6,
        );
    }
    println!("(reparse ns/byte: sampled every `stride` fragments, times `stride`)\n");
}

fn main() {
    let cases: Vec<Case> = SIZES.iter().map(|&(n, s)| Case::new(n, s)).collect();
    for case in &cases {
        sanity(case);
    }
    summary(&cases);

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    for case in &cases {
        let frags = case.frags();
        let mut g = c.benchmark_group(format!("partial_json/{}", case.name));
        g.throughput(Throughput::Bytes(case.text.len() as u64));
        let mut p = PartialJson::new();
        g.bench_function(BenchmarkId::new("incremental", case.name), |b| {
            b.iter(|| run_incremental(&mut p, &frags))
        });
        g.throughput(Throughput::Bytes(case.reparse_bytes()));
        let mut acc = String::new();
        let id = if case.stride == 1 {
            BenchmarkId::new("reparse", case.name)
        } else {
            BenchmarkId::new("reparse", format!("{}-every-{}", case.name, case.stride))
        };
        g.bench_function(id, |b| {
            b.iter(|| run_reparse(&mut acc, &frags, case.stride))
        });
        g.finish();
    }
    c.final_summary();
}
