//! Deterministic generators of realistic OpenAI-style SSE streams, for tests and
//! benchmarks.
//!
//! Every generator takes a seed and an approximate size in bytes and returns the same
//! [`SseStream`] for the same arguments, on every platform: the only source of
//! randomness is the crate's own [`Rng`] (SplitMix64). The streams follow the field
//! order of real `chat.completion.chunk` objects (id, object, created, model,
//! service_tier, system_fingerprint, choices, usage, obfuscation), carry JSON escapes
//! and literal non-ASCII UTF-8, and end with a usage chunk and `data: [DONE]`.
//!
//! ```
//! use chunkwise_testkit::streams::{openai_text, pieces};
//!
//! let s = openai_text(7, 64 << 10);
//! assert_eq!(s, openai_text(7, 64 << 10)); // reproducible
//! assert!(s.bytes.ends_with(b"data: [DONE]\n\n"));
//! assert_eq!(pieces(&s.bytes, 1460).map(<[u8]>::len).sum::<usize>(), s.bytes.len());
//! ```

use std::fmt::Write as _;

/// A tiny seeded PRNG (SplitMix64): fast, statistically fine for test data, and the
/// same sequence everywhere.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo).saturating_add(1))
    }

    /// `true` with probability `num / den`.
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `len` random ASCII letters and digits appended to `out`.
    pub fn alnum(&mut self, out: &mut String, len: usize) {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for _ in 0..len {
            out.push(char::from(*self.pick(ALNUM)));
        }
    }
}

/// A generated stream and what a correct SSE parser must find in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseStream {
    /// The raw `text/event-stream` bytes.
    pub bytes: Vec<u8>,
    /// Number of events a conforming parser dispatches (the final `[DONE]` included;
    /// comments and blank-line-only blocks are not events).
    pub events: usize,
    /// Sum over those events of their data's length in bytes (several `data` lines
    /// count joined with `\n`, as dispatched).
    pub data_bytes: usize,
}

impl SseStream {
    /// The same stream with every line end written `\r\n` (see [`to_crlf`]); the
    /// events and their data are unchanged.
    pub fn to_crlf(&self) -> SseStream {
        SseStream {
            bytes: to_crlf(&self.bytes),
            events: self.events,
            data_bytes: self.data_bytes,
        }
    }
}

impl AsRef<[u8]> for SseStream {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

/// `bytes` with every `\n` that is not already preceded by `\r` written as `\r\n`.
///
/// The generators never put a raw `\n` inside a field value (JSON escapes it), so on
/// their output this changes line ends only.
pub fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    let mut out = Vec::with_capacity(bytes.len() + newlines);
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// `bytes` cut into consecutive pieces of `size` bytes (the last one shorter), as a
/// socket would deliver them: 1460 for one TCP segment, 16 KiB for a TLS record.
/// A `size` of 0 is taken as 1.
pub fn pieces(bytes: &[u8], size: usize) -> std::slice::Chunks<'_, u8> {
    bytes.chunks(size.max(1))
}

/// A typical OpenAI chat text stream of about `target_bytes` bytes: a role chunk,
/// content chunks of roughly 200-300 bytes each carrying 1-6 characters (now and then
/// `\n`, `\"`, `\\`, `\u00e9` escapes and literal `é`, `日本`, emoji), a finish chunk
/// with `"finish_reason":"stop"`, a usage chunk with `"choices":[]`, and `[DONE]`.
pub fn openai_text(seed: u64, target_bytes: usize) -> SseStream {
    text_stream(seed, target_bytes, false)
}

/// [`openai_text`] with SSE comments between events, as proxies send them:
/// `: OPENROUTER PROCESSING` while the model starts and `: keep-alive` now and then
/// (about one event in three is preceded by one). Comments dispatch no event.
pub fn openai_text_keepalive(seed: u64, target_bytes: usize) -> SseStream {
    text_stream(seed, target_bytes, true)
}

/// A tool-call heavy stream of about `target_bytes` bytes: one completion making
/// several parallel calls (3 for small targets, up to 64 for large ones), each
/// opened by a fragment carrying its index, id, type and name with empty arguments,
/// then argument pieces of 1-8 characters full of escaped quotes
/// (`{\"location\": \"Paris\", ...`); then `"finish_reason":"tool_calls"`, a usage
/// chunk and `[DONE]`. Larger targets get more calls and longer arguments.
pub fn openai_tool_calls(seed: u64, target_bytes: usize) -> SseStream {
    let mut rng = Rng::new(seed);
    let mut w = Writer::new(target_bytes);
    let env = Envelope::new(&mut rng);
    let calls = (3 + target_bytes / (128 << 10)).min(64);
    let tail = 900;

    env.chunk(
        &mut w,
        &mut rng,
        r#"{"role":"assistant","content":null}"#,
        "null",
    );
    let mut delta = String::new();
    let mut escaped = String::new();
    let mut fragments = 0usize;
    for index in 0..calls {
        let name = *rng.pick(TOOL_NAMES);
        delta.clear();
        let _ = write!(delta, r#"{{"tool_calls":[{{"index":{index},"id":"call_"#);
        rng.alnum(&mut delta, 24);
        let _ = write!(
            delta,
            r#"","type":"function","function":{{"name":"{name}","arguments":""}}}}]}}"#
        );
        env.chunk(&mut w, &mut rng, &delta, "null");

        // Arguments until this call's share of the budget is used.
        let budget_end = w.len() + (target_bytes.saturating_sub(w.len() + tail)) / (calls - index);
        let mut args = ToolArgs::new(&mut rng, name);
        loop {
            let more = w.len() < budget_end;
            let Some(piece) = args.next_piece(&mut rng, more) else {
                break;
            };
            escaped.clear();
            json_escape_into(&mut escaped, piece);
            delta.clear();
            let _ = write!(
                delta,
                r#"{{"tool_calls":[{{"index":{index},"function":{{"arguments":"{escaped}"}}}}]}}"#
            );
            env.chunk(&mut w, &mut rng, &delta, "null");
            fragments += 1;
        }
    }
    env.chunk(&mut w, &mut rng, "{}", r#""tool_calls""#);
    env.usage(&mut w, &mut rng, fragments + calls * 12);
    w.done();
    w.finish()
}

/// A stream of large multi-line events: each chunk is pretty-printed JSON (two-space
/// indent, one array element per line, as `serde_json::to_string_pretty` writes it)
/// spread over one `data:` line per JSON line, several KB per event (content chunks
/// with full token logprobs), about `target_bytes` bytes in all, ending with a finish
/// chunk, a usage chunk and `[DONE]`.
pub fn openai_multiline(seed: u64, target_bytes: usize) -> SseStream {
    let mut rng = Rng::new(seed);
    let mut w = Writer::new(target_bytes);
    let env = Envelope::new(&mut rng);
    // The closing chunks' size; events are large, so stop when the next one would
    // overshoot the target by more than half its size.
    let tail = 1800;
    let mut last_event = 0;
    let mut pretty = String::new();

    let role = J::Obj(vec![
        ("role", J::Str("assistant".into())),
        ("content", J::Str(String::new())),
        ("refusal", J::Null),
    ]);
    env.pretty_chunk(&mut w, &mut rng, &mut pretty, role, J::Null, J::Null);
    let mut tokens = 0;
    while w.len() + tail + last_event / 2 < target_bytes {
        let before = w.len();
        let n = rng.range(4, 10);
        let mut content = String::new();
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let token = text_token(&mut rng);
            content.push_str(token.raw);
            let mut top = Vec::with_capacity(3);
            for k in 0..3 {
                let alt = if k == 0 {
                    token.raw
                } else {
                    text_token(&mut rng).raw
                };
                top.push(J::Obj(vec![
                    ("token", J::Str(alt.into())),
                    ("logprob", logprob(&mut rng, k)),
                    ("bytes", utf8_bytes(alt)),
                ]));
            }
            entries.push(J::Obj(vec![
                ("token", J::Str(token.raw.into())),
                ("logprob", logprob(&mut rng, 0)),
                ("bytes", utf8_bytes(token.raw)),
                ("top_logprobs", J::Arr(top)),
            ]));
        }
        tokens += n;
        let delta = J::Obj(vec![("content", J::Str(content))]);
        let logprobs = J::Obj(vec![("content", J::Arr(entries)), ("refusal", J::Null)]);
        env.pretty_chunk(&mut w, &mut rng, &mut pretty, delta, logprobs, J::Null);
        last_event = w.len() - before;
    }
    env.pretty_chunk(
        &mut w,
        &mut rng,
        &mut pretty,
        J::Obj(vec![]),
        J::Null,
        J::Str("stop".into()),
    );
    // The usage chunk, pretty too.
    let (prompt, cached) = prompt_tokens(&mut rng);
    let usage = usage_json(prompt, cached, tokens);
    let mut fields = env.pretty_head();
    fields.push(("choices", J::Arr(vec![])));
    fields.push(("usage", usage));
    fields.push(("obfuscation", J::Str(obfuscation(&mut rng))));
    pretty.clear();
    J::Obj(fields).pretty(&mut pretty, 0);
    w.multiline_event(&pretty);
    w.done();
    w.finish()
}

/// A cheap structural check that `s` is one JSON value: brackets balance outside
/// strings, strings close, escapes are valid (`\u` with four hex digits), strings
/// hold no raw control characters, and nothing but whitespace surrounds the value.
/// It does not check what lies between tokens (`{,,}` passes); it exists to catch a
/// generator writing a broken or truncated chunk.
pub fn json_shape_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut stack: Vec<u8> = Vec::new();
    let mut i = 0;
    let mut seen_value = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ if seen_value && stack.is_empty() => return false, // trailing garbage
            b'{' | b'[' => stack.push(c),
            b'}' | b']' => {
                let open = if c == b'}' { b'{' } else { b'[' };
                if stack.pop() != Some(open) {
                    return false;
                }
                if stack.is_empty() {
                    seen_value = true;
                }
            }
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return false,
                        Some(b'"') => break,
                        Some(b'\\') => {
                            match b.get(i + 1) {
                                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                                    i += 2
                                }
                                Some(b'u') => {
                                    let hex = b.get(i + 2..i + 6);
                                    if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                        return false;
                                    }
                                    i += 6;
                                }
                                _ => return false,
                            }
                            continue;
                        }
                        Some(&c) if c < 0x20 => return false,
                        Some(_) => {}
                    }
                    i += 1;
                }
                if stack.is_empty() {
                    seen_value = true;
                }
            }
            _ => {
                if stack.is_empty() {
                    // A bare scalar at top level: letters, digits, sign, dot.
                    let start = i;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b"+-.".contains(&b[i])) {
                        i += 1;
                    }
                    if i == start {
                        return false;
                    }
                    seen_value = true;
                    continue;
                }
            }
        }
        i += 1;
    }
    seen_value && stack.is_empty()
}

// ---------------------------------------------------------------------------------
// Building blocks.

/// Accumulates the stream and counts what it dispatches.
struct Writer {
    out: Vec<u8>,
    events: usize,
    data_bytes: usize,
}

impl Writer {
    fn new(target: usize) -> Writer {
        Writer {
            out: Vec::with_capacity(target + target / 8 + 4096),
            events: 0,
            data_bytes: 0,
        }
    }

    fn len(&self) -> usize {
        self.out.len()
    }

    /// One event with a single `data` line.
    fn event(&mut self, data: &str) {
        self.out.extend_from_slice(b"data: ");
        self.out.extend_from_slice(data.as_bytes());
        self.out.extend_from_slice(b"\n\n");
        self.events += 1;
        self.data_bytes += data.len();
    }

    /// One event with one `data` line per line of `data` (which must not be empty).
    fn multiline_event(&mut self, data: &str) {
        for line in data.split('\n') {
            self.out.extend_from_slice(b"data: ");
            self.out.extend_from_slice(line.as_bytes());
            self.out.push(b'\n');
        }
        self.out.push(b'\n');
        self.events += 1;
        self.data_bytes += data.len();
    }

    fn comment(&mut self, text: &str) {
        self.out.push(b':');
        self.out.push(b' ');
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\n\n");
    }

    fn done(&mut self) {
        self.event("[DONE]");
    }

    fn finish(self) -> SseStream {
        SseStream {
            bytes: self.out,
            events: self.events,
            data_bytes: self.data_bytes,
        }
    }
}

/// The fields every chunk of one completion shares.
struct Envelope {
    id: String,
    created: u64,
    model: &'static str,
    fingerprint: String,
    /// Scratch for the chunk being written.
    buf: std::cell::RefCell<String>,
}

const MODELS: &[&str] = &[
    "gpt-4.1-nano-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18",
];

impl Envelope {
    fn new(rng: &mut Rng) -> Envelope {
        let mut id = String::from("chatcmpl-");
        rng.alnum(&mut id, 29);
        let mut fingerprint = String::from("fp_");
        for _ in 0..10 {
            fingerprint.push(char::from(*rng.pick(b"0123456789abcdef")));
        }
        Envelope {
            id,
            created: 1_700_000_000 + rng.below(100_000_000) as u64,
            model: MODELS[rng.below(MODELS.len())],
            fingerprint,
            buf: std::cell::RefCell::new(String::with_capacity(512)),
        }
    }

    /// Writes the compact chunk prefix up to and including `"choices":`.
    fn head(&self, s: &mut String) {
        let _ = write!(
            s,
            r#"{{"id":"{}","object":"chat.completion.chunk","created":{},"model":"{}","service_tier":"default","system_fingerprint":"{}","choices":"#,
            self.id, self.created, self.model, self.fingerprint
        );
    }

    /// One compact content chunk: `delta` and `finish` are JSON texts.
    fn chunk(&self, w: &mut Writer, rng: &mut Rng, delta: &str, finish: &str) {
        let mut s = self.buf.borrow_mut();
        s.clear();
        self.head(&mut s);
        let _ = write!(
            s,
            r#"[{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{finish}}}],"usage":null,"obfuscation":""#
        );
        push_obfuscation(rng, &mut s);
        s.push_str("\"}");
        w.event(&s);
    }

    /// The final usage chunk (compact), with `choices` empty.
    fn usage(&self, w: &mut Writer, rng: &mut Rng, completion: usize) {
        let (prompt, cached) = prompt_tokens(rng);
        let mut s = self.buf.borrow_mut();
        s.clear();
        self.head(&mut s);
        s.push_str("[],\"usage\":");
        usage_json(prompt, cached, completion).compact(&mut s);
        s.push_str(",\"obfuscation\":\"");
        push_obfuscation(rng, &mut s);
        s.push_str("\"}");
        w.event(&s);
    }

    fn pretty_head(&self) -> Vec<(&'static str, J)> {
        vec![
            ("id", J::Str(self.id.clone())),
            ("object", J::Str("chat.completion.chunk".into())),
            ("created", J::Int(self.created as i64)),
            ("model", J::Str(self.model.into())),
            ("service_tier", J::Str("default".into())),
            ("system_fingerprint", J::Str(self.fingerprint.clone())),
        ]
    }

    /// One pretty-printed chunk as a multi-line event.
    fn pretty_chunk(
        &self,
        w: &mut Writer,
        rng: &mut Rng,
        pretty: &mut String,
        delta: J,
        logprobs: J,
        finish: J,
    ) {
        let mut fields = self.pretty_head();
        fields.push((
            "choices",
            J::Arr(vec![J::Obj(vec![
                ("index", J::Int(0)),
                ("delta", delta),
                ("logprobs", logprobs),
                ("finish_reason", finish),
            ])]),
        ));
        fields.push(("usage", J::Null));
        fields.push(("obfuscation", J::Str(obfuscation(rng))));
        pretty.clear();
        J::Obj(fields).pretty(pretty, 0);
        w.multiline_event(pretty);
    }
}

fn push_obfuscation(rng: &mut Rng, s: &mut String) {
    let n = rng.range(1, 12);
    rng.alnum(s, n);
}

fn obfuscation(rng: &mut Rng) -> String {
    let mut s = String::new();
    push_obfuscation(rng, &mut s);
    s
}

fn prompt_tokens(rng: &mut Rng) -> (usize, usize) {
    let prompt = rng.range(12, 4000);
    let cached = if prompt >= 1024 && rng.chance(1, 2) {
        (prompt / 128 - rng.below(4)) * 128
    } else {
        0
    };
    (prompt, cached.min(prompt))
}

fn usage_json(prompt: usize, cached: usize, completion: usize) -> J {
    let n = |v: usize| J::Int(v as i64);
    J::Obj(vec![
        ("prompt_tokens", n(prompt)),
        ("completion_tokens", n(completion)),
        ("total_tokens", n(prompt + completion)),
        (
            "prompt_tokens_details",
            J::Obj(vec![("cached_tokens", n(cached)), ("audio_tokens", n(0))]),
        ),
        (
            "completion_tokens_details",
            J::Obj(vec![
                ("reasoning_tokens", n(0)),
                ("audio_tokens", n(0)),
                ("accepted_prediction_tokens", n(0)),
                ("rejected_prediction_tokens", n(0)),
            ]),
        ),
    ])
}

/// A content token: its JSON-escaped form and the text it stands for.
#[derive(Clone, Copy)]
struct Token {
    json: &'static str,
    raw: &'static str,
}

/// Words of at most five letters, so that with a leading space a token has 1-6
/// characters.
const WORDS: &[&str] = &[
    "the", "a", "of", "to", "and", "in", "is", "it", "that", "for", "on", "with", "as", "this",
    "be", "by", "from", "or", "are", "an", "can", "will", "model", "token", "data", "value",
    "parse", "fast", "event", "chunk", "bytes", "line", "each", "when", "which", "JSON", "over",
    "more", "also", "into", "first", "then", "rain", "sunny", "city", "Paris", "Tokyo", "today",
    "light", "wind", "cold", "warm", "you", "I", "we", "they", "here", "there", "some", "code",
    "Rust", "fn", "let", "mut", "use", "ing", "ed", "s", "er", "ly", "tion", "ment",
];

/// Tokens with escapes or non-ASCII characters, mixed in now and then.
const SPECIAL: &[Token] = &[
    Token {
        json: "\\n",
        raw: "\n",
    },
    Token {
        json: "\\n\\n",
        raw: "\n\n",
    },
    Token {
        json: ".\\n",
        raw: ".\n",
    },
    Token {
        json: "\\\"",
        raw: "\"",
    },
    Token {
        json: " \\\"",
        raw: " \"",
    },
    Token {
        json: "\\\\",
        raw: "\\",
    },
    Token {
        json: "\\u00e9",
        raw: "é",
    },
    Token {
        json: "caf\\u00e9",
        raw: "café",
    },
    Token {
        json: "é",
        raw: "é",
    },
    Token {
        json: " été",
        raw: " été",
    },
    Token {
        json: " 日本",
        raw: " 日本",
    },
    Token {
        json: "語",
        raw: "語",
    },
    Token {
        json: " 😀",
        raw: " 😀",
    },
    Token {
        json: "🚀",
        raw: "🚀",
    },
    Token {
        json: " –",
        raw: " –",
    },
    Token {
        json: "**",
        raw: "**",
    },
    Token {
        json: "\\t",
        raw: "\t",
    },
];

const PUNCT: &[&str] = &[".", ",", ":", ";", "!", "?", "(", ")", "-", "'s", "1", "42"];

/// A random content token (the JSON form equals the raw text for plain words).
fn text_token(rng: &mut Rng) -> Token {
    match rng.below(20) {
        0..=1 => *rng.pick(SPECIAL),
        2..=4 => {
            let p = *rng.pick(PUNCT);
            Token { json: p, raw: p }
        }
        5..=7 => {
            let w = *rng.pick(WORDS);
            Token { json: w, raw: w }
        }
        _ => {
            let w = *rng.pick(SPACED_WORDS);
            Token { json: w, raw: w }
        }
    }
}

/// [`WORDS`] with a leading space (built by hand: no allocation per token).
const SPACED_WORDS: &[&str] = &[
    " the", " a", " of", " to", " and", " in", " is", " it", " that", " for", " on", " with",
    " as", " this", " be", " by", " from", " or", " are", " an", " can", " will", " model",
    " token", " data", " value", " parse", " fast", " event", " chunk", " bytes", " line", " each",
    " when", " which", " JSON", " over", " more", " also", " into", " first", " then", " rain",
    " sunny", " city", " Paris", " Tokyo", " today", " light", " wind", " cold", " warm", " you",
    " I", " we", " they", " here", " there", " some", " code", " Rust",
];

fn text_stream(seed: u64, target_bytes: usize, keepalive: bool) -> SseStream {
    let mut rng = Rng::new(seed);
    let mut w = Writer::new(target_bytes);
    let env = Envelope::new(&mut rng);
    let tail = 880;
    if keepalive {
        w.comment("OPENROUTER PROCESSING");
        w.comment("OPENROUTER PROCESSING");
    }
    env.chunk(
        &mut w,
        &mut rng,
        r#"{"role":"assistant","content":"","refusal":null}"#,
        "null",
    );
    let mut delta = String::with_capacity(64);
    let mut tokens = 0;
    while w.len() + tail < target_bytes {
        if keepalive && rng.chance(1, 3) {
            w.comment(if rng.chance(1, 4) {
                "OPENROUTER PROCESSING"
            } else {
                "keep-alive"
            });
        }
        delta.clear();
        delta.push_str(r#"{"content":""#);
        delta.push_str(text_token(&mut rng).json);
        delta.push_str("\"}");
        env.chunk(&mut w, &mut rng, &delta, "null");
        tokens += 1;
    }
    env.chunk(&mut w, &mut rng, "{}", r#""stop""#);
    env.usage(&mut w, &mut rng, tokens);
    w.done();
    w.finish()
}

const TOOL_NAMES: &[&str] = &[
    "get_weather",
    "search_flights",
    "lookup_stock_price",
    "create_calendar_event",
    "run_sql_query",
];

const CITIES: &[&str] = &[
    "Paris, France",
    "Tokyo, Japan",
    "Zürich, Switzerland",
    "São Paulo, Brazil",
    "Edinburgh, UK",
    "Kraków, Poland",
    "東京",
    "New York, NY",
];

/// The raw (unescaped) text of one call's arguments, handed out in pieces of 1-8
/// characters: an object with a few short fields, then an `entries` array that grows
/// while the budget lasts, then the closing brackets.
struct ToolArgs {
    raw: String,
    pos: usize,
    in_entries: bool,
    closed: bool,
}

impl ToolArgs {
    fn new(rng: &mut Rng, name: &str) -> ToolArgs {
        let mut raw = String::new();
        let city = rng.pick(CITIES);
        match name {
            "get_weather" => {
                let unit = rng.pick(&["celsius", "fahrenheit"]);
                let _ = write!(
                    raw,
                    r#"{{"location": "{city}", "unit": "{unit}", "days": {}"#,
                    rng.range(1, 14)
                );
            }
            "search_flights" => {
                let to = rng.pick(CITIES);
                let _ = write!(
                    raw,
                    r#"{{"from": "{city}", "to": "{to}", "date": "2025-0{}-1{}", "passengers": {}"#,
                    rng.range(1, 9),
                    rng.range(0, 9),
                    rng.range(1, 6)
                );
            }
            _ => {
                let _ = write!(
                    raw,
                    r#"{{"query": "SELECT \"name\" FROM t WHERE city = '{city}'", "limit": {}"#,
                    rng.range(1, 500)
                );
            }
        }
        ToolArgs {
            raw,
            pos: 0,
            in_entries: false,
            closed: false,
        }
    }

    /// Appends one entry of the `entries` array to the raw text.
    fn grow(&mut self, rng: &mut Rng) {
        if !self.in_entries {
            self.raw.push_str(r#", "entries": ["#);
            self.in_entries = true;
        } else {
            self.raw.push_str(", ");
        }
        let city = rng.pick(CITIES);
        let quote = rng.pick(&[
            r#"say \"bonjour\" twice"#,
            r#"path C:\\temp\\out"#,
            r#"line one\nline two"#,
            r#"the \"best\" café"#,
            "plain note",
        ]);
        let _ = write!(
            self.raw,
            r#"{{"city": "{city}", "note": "{quote}", "temp": {}.{}, "ok": {}}}"#,
            rng.range(0, 40),
            rng.below(10),
            rng.chance(1, 2)
        );
    }

    /// The next piece: while `more` is true the text keeps growing; once it is false
    /// the object is closed and the rest handed out. `None` at the end.
    fn next_piece(&mut self, rng: &mut Rng, more: bool) -> Option<&str> {
        let want = rng.range(1, 8);
        // Make sure `want` characters (at most 4 bytes each) are available.
        while self.raw.len() - self.pos < want * 4 && !self.closed {
            if more {
                self.grow(rng);
            } else {
                self.raw.push_str(if self.in_entries { "]}" } else { "}" });
                self.closed = true;
            }
        }
        let rest = &self.raw[self.pos..];
        if rest.is_empty() {
            return None;
        }
        let end = rest.char_indices().nth(want).map_or(rest.len(), |(i, _)| i);
        self.pos += end;
        Some(&rest[..end])
    }
}

/// Appends `raw` as the inside of a JSON string (quotes, backslashes and control
/// characters escaped; non-ASCII kept literal, as OpenAI does).
fn json_escape_into(out: &mut String, raw: &str) {
    for c in raw.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn logprob(rng: &mut Rng, rank: usize) -> J {
    let whole = rng.below(2 + rank * 3);
    J::Num(format!("-{whole}.{:06}", rng.below(1_000_000)))
}

fn utf8_bytes(s: &str) -> J {
    J::Arr(s.bytes().map(|b| J::Int(i64::from(b))).collect())
}

/// A minimal JSON value, for the pretty-printed stream.
enum J {
    Null,
    Int(i64),
    /// A number already written out.
    Num(String),
    /// A string (raw text, escaped when written).
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl J {
    fn compact(&self, out: &mut String) {
        match self {
            J::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.compact(out);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "\"{k}\":");
                    v.compact(out);
                }
                out.push('}');
            }
            scalar => scalar.scalar(out),
        }
    }

    /// Writes the value the way `serde_json::to_string_pretty` does.
    fn pretty(&self, out: &mut String, indent: usize) {
        match self {
            J::Arr(items) if items.is_empty() => out.push_str("[]"),
            J::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            J::Arr(items) => {
                out.push_str("[\n");
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    pad(out, indent + 1);
                    v.pretty(out, indent + 1);
                }
                out.push('\n');
                pad(out, indent);
                out.push(']');
            }
            J::Obj(fields) => {
                out.push_str("{\n");
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    pad(out, indent + 1);
                    let _ = write!(out, "\"{k}\": ");
                    v.pretty(out, indent + 1);
                }
                out.push('\n');
                pad(out, indent);
                out.push('}');
            }
            scalar => scalar.scalar(out),
        }
    }

    fn scalar(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Int(n) => {
                let _ = write!(out, "{n}");
            }
            J::Num(s) => out.push_str(s),
            J::Str(s) => {
                out.push('"');
                json_escape_into(out, s);
                out.push('"');
            }
            J::Arr(_) | J::Obj(_) => self.compact(out),
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deliberately naive event splitter, independent of chunkwise-sse: works for
    /// the generators' output only (no `\r` alone, no BOM, `data: ` with the space).
    /// Returns each dispatched event's data.
    fn naive_events(bytes: &[u8]) -> Vec<String> {
        let text = std::str::from_utf8(bytes).expect("generated streams are UTF-8");
        let text = text.replace("\r\n", "\n");
        assert!(!text.contains('\r'), "a lone CR in generated output");
        assert!(
            text.ends_with("\n\n"),
            "stream does not end with a blank line"
        );
        let mut events = Vec::new();
        for block in text[..text.len() - 2].split("\n\n") {
            let mut data: Vec<&str> = Vec::new();
            for line in block.split('\n') {
                if let Some(v) = line.strip_prefix("data: ") {
                    data.push(v);
                } else {
                    assert!(line.starts_with(": "), "unexpected line {line:?}");
                }
            }
            if !data.is_empty() {
                events.push(data.join("\n"));
            }
        }
        events
    }

    type Gen = fn(u64, usize) -> SseStream;
    const GENERATORS: &[(&str, Gen)] = &[
        ("text", openai_text),
        ("keepalive", openai_text_keepalive),
        ("tool_calls", openai_tool_calls),
        ("multiline", openai_multiline),
    ];

    /// Checks everything a generated stream promises, returning its events' data.
    fn check(name: &str, s: &SseStream) -> Vec<String> {
        let events = naive_events(&s.bytes);
        assert_eq!(events.len(), s.events, "{name}: event count");
        assert_eq!(
            events.iter().map(String::len).sum::<usize>(),
            s.data_bytes,
            "{name}: data bytes"
        );
        let (last, chunks) = events.split_last().unwrap();
        assert_eq!(last, "[DONE]", "{name}");
        for (i, data) in chunks.iter().enumerate() {
            assert!(json_shape_ok(data), "{name}: event {i} is not JSON: {data}");
        }
        events
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(42);
        assert_eq!(a, (0..8).map(|_| r.next_u64()).collect::<Vec<_>>());
        assert_ne!(a[0], Rng::new(43).next_u64());
        // Known first output of SplitMix64 for seed 0.
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let mut seen = [false; 6];
        for _ in 0..1000 {
            let v = r.range(3, 8);
            assert!((3..=8).contains(&v));
            seen[v - 3] = true;
        }
        assert!(
            seen.iter().all(|&s| s),
            "range never hit some values: {seen:?}"
        );
        assert_eq!(r.below(0), 0);
        assert_eq!(r.range(5, 2), 5);
    }

    #[test]
    fn streams_are_reproducible_and_seed_dependent() {
        for &(name, generate) in GENERATORS {
            let a = generate(1, 100_000);
            assert_eq!(a, generate(1, 100_000), "{name}");
            assert_ne!(a.bytes, generate(2, 100_000).bytes, "{name}");
        }
    }

    #[test]
    fn sizes_are_within_ten_percent_of_the_target() {
        for &(name, generate) in GENERATORS {
            for target in [64 << 10, 1 << 20, 4 << 20] {
                let s = generate(target as u64, target);
                let ratio = s.bytes.len() as f64 / target as f64;
                assert!(
                    (0.9..=1.1).contains(&ratio),
                    "{name} at {target}: {} bytes",
                    s.bytes.len()
                );
            }
        }
    }

    #[test]
    fn every_event_is_json_and_the_counts_are_right() {
        for &(name, generate) in GENERATORS {
            for seed in 0..4 {
                let s = generate(seed, 200_000);
                check(name, &s);
                check(name, &s.to_crlf());
            }
        }
    }

    #[test]
    fn text_stream_has_the_openai_shape() {
        let s = openai_text(5, 256 << 10);
        let events = check("text", &s);
        let n = events.len();
        assert!(events[0].contains(r#""delta":{"role":"assistant","content":"","refusal":null}"#));
        assert!(events[0].starts_with(r#"{"id":"chatcmpl-"#));
        for data in &events[..n - 1] {
            // Field order of real chunks.
            let keys = [
                "\"id\":",
                "\"object\":\"chat.completion.chunk\"",
                "\"created\":",
                "\"model\":",
                "\"service_tier\":\"default\"",
                "\"system_fingerprint\":\"fp_",
                "\"choices\":",
                "\"usage\":",
                "\"obfuscation\":\"",
            ];
            let at: Vec<usize> = keys.iter().map(|k| data.find(k).expect(k)).collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "field order in {data}");
        }
        let content: Vec<&String> = events[1..n - 3].iter().collect();
        for data in &content {
            assert!(data.contains(r#""logprobs":null,"finish_reason":null}],"usage":null,"#));
            let len = data.len() + 8;
            assert!((200..=360).contains(&len), "chunk of {len} bytes: {data}");
        }
        let all = content.iter().map(|s| s.as_str()).collect::<String>();
        for special in ["\\n", "\\\"", "\\\\", "\\u00e9", "é", "日本", "😀"] {
            assert!(all.contains(special), "no {special} in the content");
        }
        assert!(events[n - 3].contains(r#""delta":{},"logprobs":null,"finish_reason":"stop"}"#));
        let usage = &events[n - 2];
        assert!(usage.contains(r#""choices":[],"usage":{"prompt_tokens":"#));
        assert!(usage.contains(r#""prompt_tokens_details":{"cached_tokens":"#));
        assert!(usage.contains(r#""completion_tokens_details":{"reasoning_tokens":0,"#));
        // completion_tokens counts the content chunks.
        assert!(usage.contains(&format!("\"completion_tokens\":{},", content.len())));
    }

    #[test]
    fn tool_call_stream_has_parallel_calls_with_escaped_arguments() {
        for (target, calls) in [(64usize << 10, 3usize), (4 << 20, 35)] {
            let s = openai_tool_calls(9, target);
            let events = check("tool_calls", &s);
            let n = events.len();
            assert!(events[0].contains(r#""delta":{"role":"assistant","content":null}"#));
            let mut args = vec![String::new(); calls];
            let mut opened = 0;
            for data in &events[1..n - 3] {
                let index_at = data.find(r#"{"tool_calls":[{"index":"#).expect(data) + 24;
                let digits: String = data[index_at..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let index: usize = digits.parse().unwrap();
                if data.contains(r#""type":"function""#) {
                    assert_eq!(index, opened, "calls open in order");
                    assert!(data.contains(r#"","arguments":""}}]}"#));
                    assert!(data.contains(r#""id":"call_"#));
                    opened += 1;
                } else {
                    assert_eq!(index + 1, opened, "fragment for the open call");
                    let piece = data
                        .split_once(r#""arguments":""#)
                        .unwrap()
                        .1
                        .split_once(r#""}}]},"logprobs""#)
                        .unwrap()
                        .0;
                    args[index].push_str(piece);
                }
            }
            assert_eq!(opened, calls);
            for a in &args {
                assert!(a.starts_with("{\\\""), "{a}");
                assert!(a.contains("\\\": \\\""), "escaped quotes: {a}");
                // Unescaping the arguments string gives a JSON object.
                let raw = a.replace("\\\\", "\u{1}").replace("\\\"", "\"");
                let raw = raw.replace('\u{1}', "\\");
                assert!(json_shape_ok(&raw), "arguments are not JSON: {raw}");
            }
            assert!(events[n - 3].contains(r#""finish_reason":"tool_calls"}"#));
            assert!(events[n - 2].contains(r#""choices":[],"usage":{"#));
        }
    }

    #[test]
    fn multiline_events_are_large_and_pretty() {
        let s = openai_multiline(3, 1 << 20);
        let events = check("multiline", &s);
        let n = events.len();
        let sizes: Vec<usize> = events[1..n - 3].iter().map(String::len).collect();
        let avg = sizes.iter().sum::<usize>() / sizes.len();
        assert!((2000..=12000).contains(&avg), "average event {avg} bytes");
        for data in &events[..n - 1] {
            assert!(data.lines().count() > 15, "{data}");
            assert!(data.starts_with("{\n  \"id\": \"chatcmpl-"));
        }
        assert!(events[n - 3].contains("\"finish_reason\": \"stop\""));
        assert!(events[n - 2].contains("\"choices\": [],\n  \"usage\": {"));
    }

    #[test]
    fn keepalive_stream_has_comments_between_events() {
        let s = openai_text_keepalive(4, 128 << 10);
        check("keepalive", &s);
        let text = std::str::from_utf8(&s.bytes).unwrap();
        assert!(text.starts_with(": OPENROUTER PROCESSING\n\n"));
        let keepalives = text.matches("\n\n: keep-alive\n\n").count();
        assert!(
            keepalives * 6 > s.events,
            "{keepalives} comments, {} events",
            s.events
        );
    }

    #[test]
    fn crlf_changes_line_ends_only() {
        assert_eq!(to_crlf(b"a\nb\r\n\n"), b"a\r\nb\r\n\r\n");
        let s = openai_text(1, 64 << 10);
        let c = s.to_crlf();
        let lf = s.bytes.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(c.bytes.len(), s.bytes.len() + lf);
        assert_eq!(
            c.bytes.iter().filter(|&&b| b == b'\r').count(),
            lf,
            "one CR per LF"
        );
        assert_eq!(naive_events(&c.bytes), naive_events(&s.bytes));
    }

    #[test]
    fn pieces_cover_the_input_in_order() {
        let s = openai_text(2, 64 << 10);
        for size in [0, 1, 1460, 16 << 10, 1 << 30] {
            let parts: Vec<&[u8]> = pieces(&s.bytes, size).collect();
            assert!(parts.iter().all(|p| p.len() <= size.max(1)));
            assert!(
                parts[..parts.len() - 1]
                    .iter()
                    .all(|p| p.len() == size.max(1))
            );
            assert_eq!(parts.concat(), s.bytes);
        }
    }

    #[test]
    fn json_shape_check_rejects_broken_json() {
        for ok in [
            r#"{"a":[1,{"b":"x\"y\\"}]}"#,
            "[]",
            "\"s\\u00e9\"",
            "null",
            "-1.5",
        ] {
            assert!(json_shape_ok(ok), "{ok}");
        }
        for bad in [
            r#"{"a":1"#,
            r#"{"a":1}}"#,
            r#"{"a":"x}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u00g0"}"#,
            "{\"a\":\"\n\"}",
            "{} {}",
            "[}",
            "",
        ] {
            assert!(!json_shape_ok(bad), "{bad}");
        }
    }
}
