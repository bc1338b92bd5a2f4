//! The owned-event path allocates nothing per event in steady state when the events
//! taken are dropped: counted by a global allocator, on this thread only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use chunkwise::{SharedChatEvent, SharedChatStream};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ON.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread, and its result.
fn count<T>(f: impl FnOnce() -> T) -> (u64, T) {
    ALLOCS.with(|c| c.set(0));
    ON.with(|on| on.set(true));
    let out = f();
    ON.with(|on| on.set(false));
    (ALLOCS.with(Cell::get), out)
}

/// A text stream whose strings have no escapes, as most real content chunks.
fn body(events: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..events {
        out.extend_from_slice(
            format!(
                "data: {{\"id\":\"chatcmpl-Az9\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_1\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"word{} \"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n",
                i % 10
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

/// Events read from `pieces` with each event dropped at once; returns how many.
fn read(stream: &mut SharedChatStream, pieces: &[Bytes]) -> usize {
    let mut n = 0;
    let mut text = 0;
    for piece in pieces {
        stream.push(piece.clone());
        while let Some(event) = stream.next_event() {
            if let SharedChatEvent::Chunk(chunk) = &event {
                text += chunk.choices.len();
            }
            n += 1;
        }
    }
    stream.finish();
    while stream.next_event().is_some() {
        n += 1;
    }
    assert!(text > 0);
    n
}

#[test]
fn no_allocation_per_event_in_steady_state() {
    // The counter counts.
    assert_eq!(count(|| Vec::<u8>::with_capacity(10)).0, 1);
    let bytes = Bytes::from(body(2000));
    for size in [usize::MAX, 16 << 10, 1460, 100] {
        let pieces: Vec<Bytes> = (0..bytes.len())
            .step_by(size.min(bytes.len()))
            .map(|at| bytes.slice(at..(at + size).min(bytes.len())))
            .collect();
        let mut stream = SharedChatStream::new();
        // Warm up: buffers grow to the stream's needs.
        read(&mut stream, &pieces);
        stream.reset();
        let (allocs, events) = count(|| read(&mut stream, &pieces));
        assert_eq!(events, 2001);
        println!("pieces of {size} bytes: {allocs} allocations for {events} events");
        assert!(
            allocs <= 4,
            "pieces of {size} bytes: {allocs} allocations for {events} events"
        );
    }
}
