//! Accumulator robustness: arbitrary sequences of chunk-like inputs (out-of-order and
//! huge tool-call and choice indexes, fragments without index or id, repeated finish
//! reasons, API and stream errors, `[DONE]` mid-stream, `finish` and `reset` at any
//! point, small limits, incremental JSON reading on or off) never panic, keep the
//! memory bounded by what was fed (an index of 4 billion costs one entry, not 4
//! billion: a counting allocator checks it), and keep the rules: per choice the first
//! non-empty role, the concatenated content/refusal/reasoning and the last finish
//! reason; for choices whose fragments all carry an index, each call's concatenated
//! arguments; limits on choices, calls and errors; completed calls that are complete.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use arbitrary::Arbitrary;
use chunkwise_chat::accumulate::{Accumulator, Limits, PartialOptions};
use chunkwise_chat::{
    ApiError, Choice, Chunk, Content, Delta, FinishReason, FunctionDelta, Logprobs, RawJson,
    ToolCallDelta, Usage,
};
use libfuzzer_sys::fuzz_target;

/// Counts the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter
// is updated on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// An index: small, near `u32::MAX`, or any.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Idx {
    Small(u8),
    Huge(u8),
    Any(u32),
}

impl Idx {
    fn get(self) -> u32 {
        match self {
            Idx::Small(n) => u32::from(n % 8),
            Idx::Huge(n) => u32::MAX - u32::from(n % 8),
            Idx::Any(n) => n,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Fragment {
    index: Option<Idx>,
    id: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Arbitrary, Debug)]
struct ChoiceIn {
    index: Idx,
    role: Option<String>,
    content: Option<String>,
    /// Array content (used when it is valid JSON).
    parts: Option<String>,
    refusal: Option<String>,
    reasoning_content: Option<String>,
    reasoning: Option<String>,
    tools: Vec<Fragment>,
    function_call: Option<(Option<String>, Option<String>)>,
    /// `logprobs.content` (used when it is valid JSON).
    logprobs: Option<String>,
    finish: Option<String>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Chunk {
        id: Option<String>,
        model: Option<String>,
        created: Option<u64>,
        choices: Vec<ChoiceIn>,
        usage: Option<(Option<u64>, Option<u64>)>,
        error: Option<String>,
    },
    Done,
    StreamError(String, u64),
    ApiError(String),
    Finish,
    Reset,
}

#[derive(Arbitrary, Debug)]
struct Input {
    limits: Option<(u8, u8, u8)>,
    partial: bool,
    ops: Vec<Op>,
}

/// What the rules say about one choice.
#[derive(Default, Debug)]
struct Model {
    role: Option<String>,
    content: Option<String>,
    refusal: Option<String>,
    reasoning: Option<String>,
    finish: Option<String>,
    /// Array content arrived: content and reasoning are not modelled.
    parts: bool,
    /// Every fragment so far had an index: calls are modelled.
    indexed: bool,
    calls: BTreeMap<u32, String>,
}

fn append(slot: &mut Option<String>, t: &str) {
    slot.get_or_insert_with(String::new).push_str(t);
}

fn check(acc: &Accumulator, models: &BTreeMap<u32, Model>, limits: Limits) {
    let c = acc.completion();
    assert!(c.choices().len() <= limits.max_choices);
    assert!(c.errors().len() <= limits.max_errors);
    assert!(c.errors_dropped() == 0 || c.errors().len() == limits.max_errors);
    let indexes: Vec<u32> = c.choices().iter().map(|ch| ch.index()).collect();
    assert!(indexes.windows(2).all(|w| w[0] < w[1]), "choices sorted");
    assert_eq!(indexes, models.keys().copied().collect::<Vec<_>>());
    for ch in c.choices() {
        let m = &models[&ch.index()];
        assert_eq!(ch.role(), m.role.as_deref(), "role of {}", ch.index());
        assert_eq!(ch.refusal(), m.refusal.as_deref());
        assert_eq!(ch.finish_reason().map(|f| f.as_str()), m.finish.as_deref());
        if !m.parts {
            assert_eq!(ch.content(), m.content.as_deref());
            assert_eq!(ch.reasoning(), m.reasoning.as_deref());
        }
        assert!(ch.tool_calls().len() <= limits.max_tool_calls);
        let calls: Vec<u32> = ch.tool_calls().map(|t| t.index()).collect();
        assert!(calls.windows(2).all(|w| w[0] < w[1]), "calls sorted");
        if m.indexed {
            let got: BTreeMap<u32, String> = ch
                .tool_calls()
                .map(|t| (t.index(), t.arguments().to_owned()))
                .collect();
            assert_eq!(&got, &m.calls, "arguments of choice {}", ch.index());
        }
    }
    for key in acc.completed_calls() {
        let call = c.tool_call(*key).expect("a completed call exists");
        assert!(call.is_complete());
    }
}

fuzz_target!(|input: Input| {
    let limits = input
        .limits
        .map_or_else(Limits::default, |(c, t, e)| Limits {
            max_choices: usize::from(c % 16),
            max_tool_calls: usize::from(t % 16),
            max_errors: usize::from(e % 16),
        });
    let start = LIVE.load(Ordering::Relaxed);
    let mut acc = Accumulator::with_limits(limits);
    if input.partial {
        acc.set_partial(Some(PartialOptions {
            tool_arguments: true,
            content: true,
            ..PartialOptions::default()
        }));
    }
    let mut models: BTreeMap<u32, Model> = BTreeMap::new();
    // What was fed, for the memory bound.
    let mut fed_bytes = 0usize;
    let mut fed_items = 0usize;
    for op in &input.ops {
        match op {
            Op::Chunk {
                id,
                model,
                created,
                choices,
                usage,
                error,
            } => {
                let usage_raw = usage.map(|(prompt, completion)| {
                    let n = |n: Option<u64>| n.map_or("null".to_owned(), |n| n.to_string());
                    format!(
                        "{{\"prompt_tokens\":{},\"completion_tokens\":{}}}",
                        n(prompt),
                        n(completion)
                    )
                });
                let mut chunk = Chunk {
                    id: id.as_deref(),
                    model: model.as_deref(),
                    created: *created,
                    ..Chunk::default()
                };
                for ch in choices {
                    let tool_calls = ch
                        .tools
                        .iter()
                        .map(|f| ToolCallDelta {
                            index: f.index.map(Idx::get),
                            id: f.id.as_deref(),
                            kind: f.kind.as_deref(),
                            function: FunctionDelta {
                                name: f.name.as_deref(),
                                arguments: f.arguments.as_deref(),
                            },
                        })
                        .collect();
                    let parts = ch.parts.as_deref().and_then(RawJson::new);
                    let content = match (ch.content.as_deref(), parts) {
                        (_, Some(p)) => Some(Content::Parts(p)),
                        (Some(t), None) => Some(Content::Text(t)),
                        (None, None) => None,
                    };
                    let logprobs =
                        ch.logprobs
                            .as_deref()
                            .and_then(RawJson::new)
                            .map(|raw| Logprobs {
                                content: Some(raw),
                                refusal: None,
                                raw,
                            });
                    chunk.choices.push(Choice {
                        index: ch.index.get(),
                        delta: Delta {
                            role: ch.role.as_deref(),
                            content,
                            refusal: ch.refusal.as_deref(),
                            reasoning_content: ch.reasoning_content.as_deref(),
                            reasoning: ch.reasoning.as_deref(),
                            tool_calls,
                            function_call: ch.function_call.as_ref().map(|(n, a)| FunctionDelta {
                                name: n.as_deref(),
                                arguments: a.as_deref(),
                            }),
                        },
                        logprobs,
                        finish_reason: ch.finish.as_deref().map(FinishReason::from_wire),
                    });
                    // The model.
                    fed_items += 1 + ch.tools.len();
                    let texts = [&ch.role, &ch.content, &ch.parts, &ch.refusal]
                        .into_iter()
                        .chain([&ch.reasoning_content, &ch.reasoning, &ch.logprobs])
                        .flatten()
                        .map(String::len)
                        .sum::<usize>();
                    fed_bytes += texts
                        + ch.tools
                            .iter()
                            .map(|f| {
                                [&f.id, &f.kind, &f.name, &f.arguments]
                                    .into_iter()
                                    .flatten()
                                    .map(String::len)
                                    .sum::<usize>()
                            })
                            .sum::<usize>();
                    let index = ch.index.get();
                    if !models.contains_key(&index) {
                        if models.len() >= limits.max_choices {
                            continue;
                        }
                        models.insert(
                            index,
                            Model {
                                indexed: true,
                                ..Model::default()
                            },
                        );
                    }
                    let Some(m) = models.get_mut(&index) else {
                        continue;
                    };
                    if let Some(r) = ch.role.as_deref()
                        && m.role.is_none()
                        && !r.is_empty()
                    {
                        m.role = Some(r.to_owned());
                    }
                    match (parts, ch.content.as_deref()) {
                        (Some(_), _) => m.parts = true,
                        (None, Some(t)) => append(&mut m.content, t),
                        (None, None) => {}
                    }
                    match (ch.reasoning_content.as_deref(), ch.reasoning.as_deref()) {
                        (Some(a), Some(b)) if a == b => append(&mut m.reasoning, a),
                        (a, b) => {
                            for r in [a, b].into_iter().flatten() {
                                append(&mut m.reasoning, r);
                            }
                        }
                    }
                    if let Some(r) = ch.refusal.as_deref() {
                        append(&mut m.refusal, r);
                    }
                    for f in &ch.tools {
                        match f.index {
                            Some(i) if m.indexed => {
                                let i = i.get();
                                if !m.calls.contains_key(&i)
                                    && m.calls.len() >= limits.max_tool_calls
                                {
                                    continue;
                                }
                                m.calls
                                    .entry(i)
                                    .or_default()
                                    .push_str(f.arguments.as_deref().unwrap_or(""));
                            }
                            _ => m.indexed = false,
                        }
                    }
                    if let Some(f) = &ch.finish {
                        m.finish = Some(f.clone());
                    }
                }
                if let (Some((prompt, completion)), Some(raw)) = (usage, &usage_raw) {
                    chunk.usage = Some(Usage {
                        prompt_tokens: *prompt,
                        completion_tokens: *completion,
                        raw: RawJson::new(raw).expect("valid usage JSON"),
                        ..Usage::default()
                    });
                }
                if let Some(e) = error {
                    fed_bytes += e.len();
                    chunk.error = Some(ApiError::from_raw(e));
                }
                let completed = acc.push(&chunk);
                assert_eq!(completed, acc.completed_calls().len());
            }
            Op::Done => acc.push_done(),
            Op::StreamError(message, offset) => {
                fed_bytes += message.len();
                acc.push_error(
                    chunkwise_chat::accumulate::StreamErrorKind::Other,
                    message,
                    *offset,
                );
            }
            Op::ApiError(message) => {
                fed_bytes += message.len();
                acc.push_api_error(&ApiError::from_raw(message));
            }
            Op::Finish => {
                let completed = acc.finish();
                assert_eq!(completed, acc.completed_calls().len());
            }
            Op::Reset => {
                acc.reset();
                models.clear();
            }
        }
        fed_items += 1;
        check(&acc, &models, limits);
        // Memory: what was fed, a few times over (doubling buffers, a second copy for
        // incremental reading, parse buffers), plus a bounded cost per item fed.
        let live = LIVE.load(Ordering::Relaxed).saturating_sub(start);
        let bound = 64 * fed_bytes + 4096 * fed_items + (1 << 20);
        assert!(
            live <= bound,
            "{live} bytes live after {fed_items} items of {fed_bytes} bytes (bound {bound})"
        );
    }
    if matches!(input.ops.last(), Some(Op::Done)) {
        assert!(acc.is_done());
    }
});
