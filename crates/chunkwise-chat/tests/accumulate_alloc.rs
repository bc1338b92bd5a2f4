//! The accumulator allocates nothing per chunk in steady state: counted by a global
//! allocator, on this thread only (the test harness runs other tests alongside).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use chunkwise_chat::accumulate::Accumulator;
use chunkwise_chat::{
    Choice, Chunk, Content, Delta, FinishReason, FunctionDelta, ToolCallDelta, Usage,
};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static REALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn bump(counter: &'static std::thread::LocalKey<Cell<u64>>) {
    // `try_with`: the thread-locals may be gone while a thread shuts down.
    if ON.try_with(Cell::get).unwrap_or(false) {
        let _ = counter.try_with(|c| c.set(c.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&REALLOCS);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations, reallocations) made by `f` on this thread.
fn count(f: impl FnOnce()) -> (u64, u64) {
    ALLOCS.with(|c| c.set(0));
    REALLOCS.with(|c| c.set(0));
    ON.with(|on| on.set(true));
    f();
    ON.with(|on| on.set(false));
    (ALLOCS.with(Cell::get), REALLOCS.with(Cell::get))
}

const PIECES: [&str; 4] = ["Hello", ", wor", "ld! ", "é ✓ "];

fn chunk(choice: Choice<'_>) -> Chunk<'_> {
    Chunk {
        id: Some("chatcmpl-1"),
        object: Some("chat.completion.chunk"),
        created: Some(1_700_000_000),
        model: Some("gpt-4o-mini"),
        system_fingerprint: Some("fp_1"),
        choices: [choice].into_iter().collect(),
        ..Default::default()
    }
}

fn text(index: u32, piece: &str) -> Chunk<'_> {
    chunk(Choice {
        index,
        delta: Delta {
            // Some providers repeat the role in every delta.
            role: Some("assistant"),
            content: Some(Content::Text(piece)),
            reasoning_content: Some(""),
            ..Default::default()
        },
        ..Default::default()
    })
}

fn arguments(call: u32, piece: &str) -> Chunk<'_> {
    chunk(Choice {
        delta: Delta {
            tool_calls: [ToolCallDelta {
                index: Some(call),
                function: FunctionDelta {
                    name: None,
                    arguments: Some(piece),
                },
                ..Default::default()
            }]
            .into_iter()
            .collect(),
            ..Default::default()
        },
        ..Default::default()
    })
}

/// A stream of `n` text chunks on two interleaved choices, with a tool call streaming its
/// arguments and cumulative usage on every 100th chunk, no finish reason (parsing the
/// arguments at completion allocates the parsed value).
fn stream(acc: &mut Accumulator, n: usize) {
    let open = ToolCallDelta {
        index: Some(0),
        id: Some("call_1"),
        kind: Some("function"),
        function: FunctionDelta {
            name: Some("lookup"),
            arguments: Some(""),
        },
    };
    acc.push(&chunk(Choice {
        delta: Delta {
            tool_calls: [open].into_iter().collect(),
            ..Default::default()
        },
        ..Default::default()
    }));
    for i in 0..n {
        let piece = PIECES[i % PIECES.len()];
        assert_eq!(acc.push(&text((i % 2) as u32, piece)), 0);
        assert_eq!(acc.push(&arguments(0, "{\"q\":1}")), 0);
        if i % 100 == 0 {
            let mut c = chunk(Choice::default());
            c.usage = Some(Usage {
                prompt_tokens: Some(10),
                completion_tokens: Some(i as u64),
                total_tokens: Some(10 + i as u64),
                ..Default::default()
            });
            acc.push(&c);
        }
    }
}

#[test]
fn reused_accumulator_allocates_nothing_per_chunk() {
    let mut acc = Accumulator::new();
    // Warm-up: one whole stream, finished (parsing included), then forgotten.
    stream(&mut acc, 5_000);
    acc.push(&chunk(Choice {
        finish_reason: Some(FinishReason::Stop),
        ..Default::default()
    }));
    acc.push_done();
    acc.finish();
    let mut out = Vec::new();
    acc.completion().write_json(&mut out);
    let first = out.clone();
    acc.reset();

    let (allocs, reallocs) = count(|| stream(&mut acc, 5_000));
    assert_eq!((allocs, reallocs), (0, 0));

    // The same stream gives the same answer.
    acc.push(&chunk(Choice {
        finish_reason: Some(FinishReason::Stop),
        ..Default::default()
    }));
    acc.push_done();
    acc.finish();
    out.clear();
    let (allocs, reallocs) = count(|| acc.completion().write_json(&mut out));
    assert_eq!(
        (allocs, reallocs),
        (0, 0),
        "writing into a buffer that fits"
    );
    assert_eq!(out, first);
}

#[test]
fn one_stream_only_grows_its_text_buffers() {
    let mut acc = Accumulator::new();
    stream(&mut acc, 100);
    let n = 10_000;
    let (allocs, reallocs) = count(|| {
        for i in 0..n {
            acc.push(&text((i % 2) as u32, PIECES[i % PIECES.len()]));
            acc.push(&arguments(0, "{}"));
        }
    });
    // No allocation per chunk: only the amortised doubling of the three text buffers
    // (two contents, one arguments), a handful of times each.
    assert_eq!(allocs, 0);
    assert!(
        reallocs <= 3 * 10,
        "{reallocs} reallocations for {n} chunks"
    );
    assert!(reallocs > 0, "the buffers did grow");
    let c = acc.completion();
    assert_eq!(c.choices().len(), 2);
    assert_eq!(
        c.choices()[0]
            .tool_calls()
            .next()
            .unwrap()
            .arguments()
            .len(),
        100 * 7 + n * 2
    );
}

/// With incremental reading on: a tool call whose arguments are a growing JSON array,
/// each chunk adding one element, read as it streams.
fn partial_stream(acc: &mut Accumulator, n: usize) -> usize {
    let open = ToolCallDelta {
        index: Some(0),
        id: Some("call_1"),
        kind: Some("function"),
        function: FunctionDelta {
            name: Some("lookup"),
            arguments: Some("{\"items\": ["),
        },
    };
    acc.push(&chunk(Choice {
        delta: Delta {
            tool_calls: [open].into_iter().collect(),
            ..Default::default()
        },
        ..Default::default()
    }));
    let mut completed = 0;
    for i in 0..n {
        let piece = if i % 2 == 0 {
            "{\"q\": \"a\\\"b\"}"
        } else {
            ", "
        };
        acc.push(&arguments(0, piece));
        for key in acc.updated_partials() {
            completed += acc.partial(*key).unwrap().pending_events().len();
        }
    }
    completed
}

#[test]
fn incremental_reading_allocates_nothing_per_chunk_once_reused() {
    use chunkwise_chat::accumulate::PartialOptions;
    let mut acc = Accumulator::new();
    acc.set_partial(Some(PartialOptions::default()));
    let warm = partial_stream(&mut acc, 5_001);
    assert_eq!(warm, 2 * 2_501, "each element and its member, once");
    acc.reset();
    let mut again = 0;
    let (allocs, reallocs) = count(|| again = partial_stream(&mut acc, 5_001));
    assert_eq!((allocs, reallocs), (0, 0));
    assert_eq!(again, warm);
}

#[test]
fn a_reset_chat_stream_reads_the_next_stream_without_allocating() {
    use chunkwise_chat::ChatStream;
    let text = chunkwise_testkit::streams::openai_text(7, 256 << 10);
    let tools = chunkwise_testkit::streams::openai_tool_calls(7, 256 << 10);
    let mut stream = ChatStream::new();
    let read = |stream: &mut ChatStream, bytes: &[u8]| {
        let mut chunks = 0;
        for piece in bytes.chunks(1460) {
            stream.feed(piece, |e| {
                chunks += matches!(e, chunkwise_chat::ChatEvent::Chunk(_)) as usize
            });
        }
        stream.finish(|_| {});
        chunks
    };
    // Warm-up: both kinds of stream once.
    let expected = [
        read(&mut stream, &text.bytes),
        read(&mut stream, &tools.bytes),
    ];
    stream.reset();
    let _ = read(&mut stream, &text.bytes);
    stream.reset();
    let mut got = 0;
    let (allocs, reallocs) = count(|| got = read(&mut stream, &text.bytes));
    assert_eq!(got, expected[0]);
    assert_eq!(
        (allocs, reallocs),
        (0, 0),
        "a whole text stream after reset"
    );
}
