//! Property tests sharing the fuzz targets' references (`fuzz/`), so the same
//! properties are checked by `cargo test` where cargo-fuzz is absent:
//!
//! - chunk decoding equals the serde_json reference reader
//!   (`chunkwise_testkit::chunk_ref`) on generated chunk-shaped JSON, with wrong types,
//!   repeated members, escapes and unknown members: same fields where it reads a chunk,
//!   an error where it rejects the payload;
//! - a generated chat stream (`chunkwise_testkit::chat_spec`), cut anywhere, gives the
//!   completion the description says;
//! - the accumulator, fed chunks with out-of-order, repeated and huge indexes, missing
//!   ids and finish reasons at random, keeps its limits, its order and its texts.

use arbitrary::{Arbitrary, Unstructured};
use chunkwise_chat::accumulate::{Accumulator, Limits};
use chunkwise_chat::decode::Decoder;
use chunkwise_chat::{
    Choice, Chunk, Content, Delta, FinishReason, FunctionDelta, Payload, ToolCallDelta,
};
use chunkwise_testkit::chat_spec::{ChatSpec, render};
use chunkwise_testkit::chunk_ref::{self, Verdict};
use chunkwise_testkit::streams::Rng;
use proptest::prelude::*;

chunkwise_testkit::chunk_observer!();
chunkwise_testkit::chat_observer!();

// ---------------------------------------------------------------------------------
// Chunk-shaped JSON

/// What a member should hold; the generator sometimes puts something else there.
#[derive(Clone, Copy)]
enum Shape {
    Str,
    Int,
    Obj(&'static [(&'static str, Shape)]),
    Arr(&'static Shape),
    /// `content`: a string or an array of parts.
    Content,
    /// `arguments`: a string or an object.
    Args,
    /// `error`: an object or a string.
    Error,
    Any,
}

use Shape::*;

const FUNCTION: &[(&str, Shape)] = &[("name", Str), ("arguments", Args)];
const CALL: &[(&str, Shape)] = &[
    ("index", Int),
    ("id", Str),
    ("type", Str),
    ("function", Obj(FUNCTION)),
];
const DELTA: &[(&str, Shape)] = &[
    ("role", Str),
    ("content", Content),
    ("refusal", Str),
    ("reasoning_content", Str),
    ("reasoning", Str),
    ("tool_calls", Arr(&Obj(CALL))),
    ("function_call", Obj(FUNCTION)),
];
const LOGPROBS: &[(&str, Shape)] = &[("content", Arr(&Any)), ("refusal", Arr(&Any))];
const CHOICE: &[(&str, Shape)] = &[
    ("index", Int),
    ("delta", Obj(DELTA)),
    ("logprobs", Obj(LOGPROBS)),
    ("finish_reason", Str),
];
const DETAILS: &[(&str, Shape)] = &[
    ("cached_tokens", Int),
    ("audio_tokens", Int),
    ("reasoning_tokens", Int),
];
const USAGE: &[(&str, Shape)] = &[
    ("prompt_tokens", Int),
    ("completion_tokens", Int),
    ("total_tokens", Int),
    ("prompt_tokens_details", Obj(DETAILS)),
    ("completion_tokens_details", Obj(DETAILS)),
];
const ERROR: &[(&str, Shape)] = &[
    ("message", Str),
    ("type", Str),
    ("code", Any),
    ("param", Str),
];
const CHUNK: &[(&str, Shape)] = &[
    ("id", Str),
    ("object", Str),
    ("created", Int),
    ("model", Str),
    ("system_fingerprint", Str),
    ("service_tier", Str),
    ("obfuscation", Str),
    ("choices", Arr(&Obj(CHOICE))),
    ("usage", Obj(USAGE)),
    ("error", Error),
];

struct Gen {
    rng: Rng,
}

impl Gen {
    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    fn ws(&mut self, out: &mut String) {
        const WS: [&str; 6] = ["", "", "", " ", "\n", " \t\r\n"];
        out.push_str(WS[self.below(6) as usize]);
    }

    fn string(&mut self, out: &mut String) {
        const PIECES: [&str; 16] = [
            "a",
            "Hi",
            " ",
            "é",
            "😀",
            "\\n",
            "\\\"",
            "\\\\",
            "\\/",
            "\\u00e9",
            "\\uD83D\\uDE00",
            "\\ud800",
            "\\udc00x",
            "\\u0000",
            "stop",
            "tool_calls",
        ];
        out.push('"');
        for _ in 0..self.below(4) {
            out.push_str(PIECES[self.below(16) as usize]);
        }
        out.push('"');
    }

    fn number(&mut self, out: &mut String) {
        self.number_in(12, out);
    }

    /// One of the first `n` numbers of the list (the first five fit a `u32`).
    fn number_in(&mut self, n: u64, out: &mut String) {
        const NUMS: [&str; 12] = [
            "0",
            "7",
            "42",
            "1700000000",
            "4294967295",
            "4294967296",
            "18446744073709551615",
            "18446744073709551616",
            "-1",
            "-0",
            "1.5",
            "2e3",
        ];
        out.push_str(NUMS[self.below(n) as usize]);
    }

    fn any(&mut self, depth: u32, out: &mut String) {
        match self.below(if depth > 3 { 5 } else { 7 }) {
            0 => out.push_str("null"),
            1 => out.push_str(if self.below(2) == 0 { "true" } else { "false" }),
            2 => self.number(out),
            3 | 4 => self.string(out),
            5 => {
                out.push('[');
                for i in 0..self.below(3) {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.any(depth + 1, out);
                }
                out.push(']');
            }
            _ => {
                out.push('{');
                for i in 0..self.below(3) {
                    if i > 0 {
                        out.push(',');
                    }
                    self.string(out);
                    out.push(':');
                    self.any(depth + 1, out);
                }
                out.push('}');
            }
        }
    }

    fn value(&mut self, shape: Shape, depth: u32, out: &mut String) {
        self.ws(out);
        // Now and then null, or a value of any type.
        match self.below(48) {
            0..=3 => return out.push_str("null"),
            4 => return self.any(depth, out),
            _ => {}
        }
        match shape {
            Str => self.string(out),
            // Mostly a valid count or index.
            Int if self.below(4) != 0 => self.number_in(5, out),
            Int => self.number(out),
            Any => self.any(depth, out),
            Content if self.below(4) == 0 => {
                out.push_str(r#"[{"type":"text","text":"#);
                self.string(out);
                out.push_str(r#"},{"type":"thinking","thinking":[]}]"#);
            }
            Content => self.string(out),
            Args if self.below(4) == 0 => self.value(Obj(&[("city", Str), ("n", Int)]), depth, out),
            Args => self.string(out),
            Error if self.below(3) == 0 => self.string(out),
            Error => self.value(Obj(ERROR), depth, out),
            Arr(item) => {
                out.push('[');
                for i in 0..self.below(3) {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(*item, depth + 1, out);
                }
                self.ws(out);
                out.push(']');
            }
            Obj(members) => {
                out.push('{');
                let n = self.below(members.len() as u64 + 2);
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    // Half the time a member holding an object or array, so that
                    // deep members (tool-call functions) come often enough.
                    let nested: Vec<usize> = (0..members.len())
                        .filter(|&i| matches!(members[i].1, Obj(_) | Arr(_)))
                        .collect();
                    let pick = if !nested.is_empty() && self.below(2) == 0 {
                        nested[self.below(nested.len() as u64) as usize]
                    } else {
                        self.below(members.len() as u64 + 1) as usize
                    };
                    match members.get(pick) {
                        Some((key, shape)) => {
                            out.push('"');
                            out.push_str(key);
                            out.push_str("\":");
                            self.value(*shape, depth + 1, out);
                        }
                        None => {
                            out.push_str("\"x_extra\":");
                            self.any(depth + 1, out);
                        }
                    }
                }
                self.ws(out);
                out.push('}');
            }
        }
    }
}

fn check_decode(decoder: &mut Decoder, data: &str) -> Result<(), TestCaseError> {
    let got = decoder.decode(data);
    match (got, chunk_ref::reference(data)) {
        (Ok(Payload::Done), Verdict::Done) | (Err(_), Verdict::Rejected(_)) => {}
        (_, Verdict::Unsure(_)) => {}
        (Ok(Payload::Chunk(c)), Verdict::Chunk(r)) => {
            let mut c = observe_chunk(data, &c).map_err(TestCaseError::fail)?;
            chunk_ref::match_arguments(&mut c, &r);
            prop_assert_eq!(c, r, "data {:?}", data);
        }
        (got, want) => prop_assert!(
            false,
            "decoded {:?}, reference {:?}, data {:?}",
            got,
            want,
            data
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Decoding equals the serde_json reference, fresh and after other payloads (the
    /// decoder's prefix and template reuse).
    #[test]
    fn decode_matches_serde_json_reference(seed in any::<u64>()) {
        let mut g = Gen { rng: Rng::new(seed) };
        let mut decoder = Decoder::new();
        let mut previous = String::new();
        for _ in 0..4 {
            let mut data = String::new();
            // Sometimes the previous payload with one string changed, as in a stream.
            if !previous.is_empty() && g.below(2) == 0 {
                data = previous.replacen("\"a\"", "\"b\\n\"", 1);
            } else {
                g.value(Obj(CHUNK), 0, &mut data);
            }
            check_decode(&mut decoder, &data)?;
            check_decode(&mut Decoder::new(), &data)?;
            previous = data;
        }
    }
}

// ---------------------------------------------------------------------------------
// Chat streams

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A described stream, rendered and cut anywhere, reads back to its description.
    #[test]
    fn chat_stream_reads_back_its_description(
        bytes in proptest::collection::vec(any::<u8>(), 0..1500),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..8),
    ) {
        let Ok(spec) = ChatSpec::arbitrary(&mut Unstructured::new(&bytes)) else {
            return Ok(());
        };
        let r = render(&spec);
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(r.bytes.len() + 1)).collect();
        at.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for cut in at.into_iter().chain([r.bytes.len()]) {
            pieces.push(&r.bytes[from..cut]);
            from = cut;
        }
        if let Err(e) = check_chat_stream(&r, &pieces) {
            prop_assert!(false, "{}\nstream {:?}", e, String::from_utf8_lossy(&r.bytes));
        }
    }
}

// ---------------------------------------------------------------------------------
// Accumulator robustness

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn accumulator_keeps_limits_order_and_texts(seed in any::<u64>(), small in any::<bool>()) {
        let mut g = Gen { rng: Rng::new(seed) };
        let limits = if small {
            Limits { max_choices: 3, max_tool_calls: 2, max_errors: 2 }
        } else {
            Limits::default()
        };
        let mut acc = Accumulator::with_limits(limits);
        let index = |g: &mut Gen| match g.below(3) {
            0 => g.below(4) as u32,
            1 => u32::MAX - g.below(3) as u32,
            _ => g.rng.next_u64() as u32,
        };
        let texts = ["", "a", "bc", "{\"x\":", "1}", "é"];
        // Content per choice index, as the rules say (for choices that were kept).
        let mut content: std::collections::BTreeMap<u32, String> = Default::default();
        for _ in 0..g.below(24) {
            if g.below(10) == 0 {
                acc.push_done();
                continue;
            }
            let choice_index = index(&mut g);
            let text = texts[g.below(6) as usize];
            let calls: Vec<ToolCallDelta<'_>> = (0..g.below(3))
                .map(|_| ToolCallDelta {
                    index: (g.below(3) != 0).then(|| index(&mut g)),
                    id: (g.below(2) == 0).then_some(texts[g.below(6) as usize]),
                    kind: None,
                    function: FunctionDelta {
                        name: (g.below(3) == 0).then_some("f"),
                        arguments: Some(texts[g.below(6) as usize]),
                    },
                })
                .collect();
            let finish = (g.below(4) == 0).then_some(FinishReason::Stop);
            let chunk = Chunk {
                choices: [Choice {
                    index: choice_index,
                    delta: Delta {
                        content: Some(Content::Text(text)),
                        tool_calls: calls.into_iter().collect(),
                        ..Delta::default()
                    },
                    finish_reason: finish,
                    ..Choice::default()
                }]
                .into_iter()
                .collect(),
                ..Chunk::default()
            };
            let kept = content.contains_key(&choice_index) || content.len() < limits.max_choices;
            if kept {
                content.entry(choice_index).or_default().push_str(text);
            }
            let completed = acc.push(&chunk);
            prop_assert_eq!(completed, acc.completed_calls().len());
            for key in acc.completed_calls() {
                prop_assert!(acc.completion().tool_call(*key).is_some_and(|c| c.is_complete()));
            }
        }
        acc.finish();
        let c = acc.completion();
        prop_assert!(c.choices().len() <= limits.max_choices);
        prop_assert!(c.errors().len() <= limits.max_errors);
        let indexes: Vec<u32> = c.choices().iter().map(|ch| ch.index()).collect();
        prop_assert_eq!(indexes, content.keys().copied().collect::<Vec<_>>());
        for ch in c.choices() {
            prop_assert_eq!(ch.content(), Some(content[&ch.index()].as_str()));
            prop_assert!(ch.tool_calls().len() <= limits.max_tool_calls);
            let calls: Vec<u32> = ch.tool_calls().map(|t| t.index()).collect();
            prop_assert!(calls.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(ch.tool_calls().all(|t| t.is_complete()));
        }
    }
}
