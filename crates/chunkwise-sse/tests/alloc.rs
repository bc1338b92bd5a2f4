//! Zero allocations per event in steady state, measured with a counting global
//! allocator on a typical OpenAI `chat.completion.chunk` stream fed in 1460-byte
//! pieces (one TCP segment's payload).
//!
//! Allocations are counted per thread, so tests running in parallel do not disturb
//! each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use chunkwise_sse::{Item, Parser, SharedItem};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// only addition is bumping a const-initialized thread-local counter, which neither
// allocates nor panics (`try_with`).
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const EVENTS: usize = 2000;
const PIECE: usize = 1460;

/// A deterministic OpenAI-style stream: `EVENTS` chunks with 1 to 6 characters of
/// content each (some non-ASCII), a final chunk and `[DONE]`.
fn openai_stream() -> Vec<u8> {
    let words = [
        "a", "Hi", " the", "ing", "é", " 😀", "\\n", "Hello", " world", ",", "!", " ça",
    ];
    let mut seed: u32 = 0x2545_F491;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let mut s = Vec::new();
    for i in 0..EVENTS {
        let content = words[next() as usize % words.len()];
        let obfuscation = &"Xk2pQz9aLmN0vB7"[..1 + next() as usize % 14];
        s.extend_from_slice(
            format!(
                "data: {{\"id\":\"chatcmpl-BxQ7v1PzK3kLmN8oQrStUvWxYz012\",\"object\":\"chat.completion.chunk\",\
                 \"created\":{},\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\
                 \"system_fingerprint\":\"fp_34a54ae93c\",\"choices\":[{{\"index\":0,\"delta\":\
                 {{\"content\":\"{content}\"}},\"logprobs\":null,\"finish_reason\":null}}],\
                 \"obfuscation\":\"{obfuscation}\"}}\n\n",
                1_753_000_000 + i / 50
            )
            .as_bytes(),
        );
    }
    s.extend_from_slice(b"data: {\"id\":\"chatcmpl-BxQ7v1PzK3kLmN8oQrStUvWxYz012\",\"object\":\"chat.completion.chunk\",\"created\":1753000040,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"obfuscation\":\"q\"}\n\ndata: [DONE]\n\n");
    s
}

#[test]
fn the_slice_path_allocates_nothing_per_event_in_steady_state() {
    let stream = openai_stream();
    let pieces: Vec<&[u8]> = stream.chunks(PIECE).collect();
    let warm = pieces.len() / 4;
    let mut parser = Parser::new();
    let mut events = 0usize;
    let mut data_bytes = 0usize;
    for piece in &pieces[..warm] {
        parser.feed(piece, |item| {
            assert!(matches!(item, Item::Event(_)));
        });
    }
    let before = allocs();
    for piece in &pieces[warm..] {
        parser.feed(piece, |item| {
            let Item::Event(ev) = item else {
                panic!("only events expected")
            };
            events += 1;
            data_bytes += ev.data.len();
        });
    }
    let allocated = allocs() - before;
    println!("slice path: {events} events, {data_bytes} data bytes, {allocated} allocations");
    assert!(events > 1000, "only {events} events in the measured part");
    assert!(data_bytes > 300 * events);
    assert_eq!(
        allocated, 0,
        "{allocated} allocations for {events} events in steady state"
    );
}

#[test]
fn the_bytes_path_allocates_nothing_for_events_inside_a_piece() {
    let whole = Bytes::from(openai_stream());
    let len = whole.len();
    // All the pieces are cut (and the `Bytes` promoted to shared) before measuring.
    let pieces: Vec<(u64, Bytes)> = (0..len)
        .step_by(PIECE)
        .map(|at| (at as u64, whole.slice(at..len.min(at + PIECE))))
        .collect();
    let warm = pieces.len() / 4;
    let mut parser = Parser::new();
    for (_, piece) in &pieces[..warm] {
        for item in parser.shared_items(piece.clone()) {
            assert!(matches!(item, SharedItem::Event(_)));
        }
    }
    let (mut inside, mut straddling) = (0usize, 0usize);
    let mut straddling_allocs = 0;
    for (start, piece) in &pieces[warm..] {
        let mut rest = piece.clone();
        let range = piece.as_ptr() as usize..piece.as_ptr() as usize + piece.len();
        loop {
            let before = allocs();
            let Some(item) = parser.next_shared(&mut rest) else {
                break;
            };
            let allocated = allocs() - before;
            let SharedItem::Event(ev) = item else {
                panic!("only events expected")
            };
            // Events here have one `data` line and no other field, so the event lies
            // whole inside the piece exactly when its data line starts inside it.
            if ev.offset >= *start {
                inside += 1;
                let at = ev.data.as_bytes().as_ptr() as usize;
                assert!(range.contains(&at), "data of an inside event was copied");
                assert_eq!(allocated, 0, "allocation for the event at {}", ev.offset);
            } else {
                straddling += 1;
                straddling_allocs += allocated;
            }
            drop(ev);
        }
    }
    println!(
        "Bytes path: {inside} inside events, 0 allocations; \
         {straddling} straddling events, {straddling_allocs} allocations"
    );
    assert!(inside > 1000, "only {inside} inside events measured");
    assert!(straddling > 100, "only {straddling} straddling events");
    // A straddling event costs its data copy and nothing more.
    assert!(
        straddling_allocs <= straddling as u64,
        "{straddling_allocs} allocations for {straddling} straddling events"
    );
}

#[test]
fn the_counter_sees_allocations() {
    let before = allocs();
    let v = std::hint::black_box(vec![1u8; 100]);
    assert!(allocs() > before);
    drop(v);
}
