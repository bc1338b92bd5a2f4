//! A gateway's view: 10,000 streams open at once, their pieces arriving interleaved.
//!
//! Each of 10,000 streams is a different generated OpenAI text stream of about 8 KiB
//! (about 25 chunks), cut into 1460-byte pieces. One pass feeds piece 0 of every
//! stream, then piece 1 of every stream, and so on, so that between two pieces of one
//! stream the 9,999 others have been touched: every parser's state and every piece is
//! cold in the cache, as in a proxy multiplexing many connections.
//!
//! Throughput (the whole pass, objects created and dropped included), contenders:
//!
//! - `chunkwise ChatStream`: a new `ChatStream` per stream, fed, finished, read;
//! - `chunkwise ChatStream (pooled)`: the same 10,000 objects reused, `reset` between
//!   passes (what a gateway with a pool of readers does);
//! - `async-openai path + hand` and `memchr + simd-json (borrowed) + hand`: the peers
//!   of `accumulate.rs` (eventsource-stream is fed through a one-slot source stream
//!   and polled until it is pending, as an async task would be);
//! - framing only: `chunkwise sse Parser` and `eventsource-stream`.
//!
//! Then memory per stream object: `size_of` plus the heap it holds (measured with the
//! counting allocator: live bytes after minus before, over 10,000 objects) after
//! construction, in the middle of the stream (idle, waiting for the next piece), and
//! after the stream completed (for chunkwise, after `reset`, which keeps buffers).
//!
//! `cargo bench -p chunkwise-benches --bench many_streams` takes about a minute.

#[path = "../bin/common.rs"]
mod common;
#[path = "../bin/peers.rs"]
mod peers;

use std::cell::RefCell;
use std::convert::Infallible;
use std::hint::black_box;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use chunkwise_benches::{CountingAlloc, count_allocs, counting_active, live_bytes};
use chunkwise_chat::ChatStream;
use chunkwise_sse::{Item, Parser};
use common::{KIB, Row, best_time, print_rows};
use criterion::{Criterion, Throughput};
use eventsource_stream::{Event, EventStream};
use futures::Stream;
use peers::{Framer, Hand, aoai, borrowed};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const STREAMS: usize = 10_000;
const STREAM_BYTES: usize = 8 * KIB;
const PIECE: usize = 1460;

/// The 10,000 streams.
struct Load {
    /// Each stream's pieces (slices of its own buffer).
    pieces: Vec<Vec<Bytes>>,
    rounds: usize,
    bytes: usize,
    events: usize,
    data_bytes: usize,
}

impl Load {
    fn new() -> Load {
        let mut pieces = Vec::with_capacity(STREAMS);
        let (mut bytes, mut events, mut data_bytes) = (0, 0, 0);
        for i in 0..STREAMS {
            let s = common::generate("text", common::SEED + i as u64, STREAM_BYTES);
            bytes += s.bytes.len();
            events += s.events;
            data_bytes += s.data_bytes;
            let whole = Bytes::from(s.bytes);
            let mut list = Vec::new();
            let mut at = 0;
            while at < whole.len() {
                let end = (at + PIECE).min(whole.len());
                list.push(whole.slice(at..end));
                at = end;
            }
            pieces.push(list);
        }
        let rounds = pieces.iter().map(Vec::len).max().unwrap_or(0);
        Load {
            pieces,
            rounds,
            bytes,
            events,
            data_bytes,
        }
    }

    /// Calls `f(stream, piece)` for every piece in the interleaved order, for rounds
    /// `from..to`.
    fn interleave(&self, from: usize, to: usize, mut f: impl FnMut(usize, &Bytes)) {
        for r in from..to {
            for (i, list) in self.pieces.iter().enumerate() {
                if let Some(p) = list.get(r) {
                    f(i, p);
                }
            }
        }
    }
}

/// What a pass read, summed over the streams (checked to agree).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    /// Streams that saw `[DONE]`.
    done: usize,
    /// Bytes of content text accumulated.
    content: usize,
}

fn read_chat(stream: &mut ChatStream, t: &mut Tally) {
    let c = stream.finish(|_| {});
    t.done += usize::from(c.is_done());
    t.content += c
        .choices()
        .iter()
        .map(|ch| ch.content().map_or(0, str::len))
        .sum::<usize>();
}

fn chunkwise(load: &Load) -> Tally {
    let mut streams: Vec<ChatStream> = (0..STREAMS).map(|_| ChatStream::new()).collect();
    load.interleave(0, load.rounds, |i, p| {
        streams[i].feed(p, |ev| {
            black_box(ev);
        })
    });
    let mut t = Tally::default();
    for s in &mut streams {
        read_chat(s, &mut t);
    }
    t
}

fn chunkwise_pooled(load: &Load, pool: &mut [ChatStream]) -> Tally {
    for s in pool.iter_mut() {
        s.reset();
    }
    load.interleave(0, load.rounds, |i, p| {
        pool[i].feed(p, |ev| {
            black_box(ev);
        })
    });
    let mut t = Tally::default();
    for s in pool.iter_mut() {
        read_chat(s, &mut t);
    }
    t
}

/// Framing only: (events, data bytes).
fn sse_parsers(load: &Load) -> (usize, usize) {
    let mut parsers: Vec<Parser> = (0..STREAMS).map(|_| Parser::new()).collect();
    let (mut events, mut data) = (0, 0);
    load.interleave(0, load.rounds, |i, p| {
        parsers[i].feed(p, |item| {
            if let Item::Event(ev) = item {
                events += 1;
                data += black_box(ev.data).len();
            }
        })
    });
    (events, data)
}

/// A source stream with one slot: the driver puts a piece in and polls.
#[derive(Clone, Default)]
struct Slot(Rc<RefCell<SlotState>>);

#[derive(Default)]
struct SlotState {
    piece: Option<Bytes>,
    closed: bool,
}

impl Stream for Slot {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut s = self.0.borrow_mut();
        match s.piece.take() {
            Some(p) => Poll::Ready(Some(Ok(p))),
            None if s.closed => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

/// One eventsource-stream reader and its slot.
struct Es {
    slot: Slot,
    events: EventStream<Slot>,
}

impl Es {
    fn new() -> Es {
        let slot = Slot::default();
        Es {
            events: EventStream::new(slot.clone()),
            slot,
        }
    }

    /// Hands `piece` (or the end, for `None`) to the reader and calls `f` with every
    /// event it yields until it waits for more.
    fn feed(&mut self, piece: Option<&Bytes>, mut f: impl FnMut(Event)) {
        {
            let mut s = self.slot.0.borrow_mut();
            match piece {
                Some(p) => s.piece = Some(p.clone()),
                None => s.closed = true,
            }
        }
        let mut cx = Context::from_waker(Waker::noop());
        while let Poll::Ready(Some(ev)) = Pin::new(&mut self.events).poll_next(&mut cx) {
            f(ev.expect("eventsource-stream failed on a valid stream"));
        }
    }
}

fn eventsource(load: &Load) -> (usize, usize) {
    let mut readers: Vec<Es> = (0..STREAMS).map(|_| Es::new()).collect();
    let (mut events, mut data) = (0, 0);
    let mut on = |ev: Event| {
        events += 1;
        data += black_box(ev).data.len();
    };
    load.interleave(0, load.rounds, |i, p| readers[i].feed(Some(p), &mut on));
    for r in &mut readers {
        r.feed(None, &mut on);
    }
    (events, data)
}

fn async_openai(load: &Load) -> Tally {
    let mut readers: Vec<(Es, Hand)> = (0..STREAMS).map(|_| (Es::new(), Hand::default())).collect();
    let on = |hand: &mut Hand, ev: Event| match aoai::map_event(&ev) {
        None => {}
        Some(None) => hand.done = true,
        Some(Some(chunk)) => hand.push_owned(&chunk.expect("serde_json failed")),
    };
    load.interleave(0, load.rounds, |i, p| {
        let (es, hand) = &mut readers[i];
        es.feed(Some(p), |ev| on(hand, ev));
    });
    let mut t = Tally::default();
    for (es, hand) in &mut readers {
        es.feed(None, |ev| on(hand, ev));
        black_box(hand.parse_arguments_serde_json());
        t.done += usize::from(hand.done);
        t.content += hand.choices.iter().map(|c| c.content.len()).sum::<usize>();
    }
    t
}

fn simd_borrowed(load: &Load) -> Tally {
    let mut readers: Vec<(Framer, Hand)> = (0..STREAMS)
        .map(|_| (Framer::new(), Hand::default()))
        .collect();
    // One decoding scratch for all streams: decoding is not interleaved.
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    load.interleave(0, load.rounds, |i, p| {
        let (framer, hand) = &mut readers[i];
        framer.feed(p, |data| {
            if data == b"[DONE]" {
                hand.done = true;
                return;
            }
            let chunk = borrowed::simd(data, &mut buf, &mut buffers).expect("simd-json failed");
            hand.push_borrowed(&chunk);
        });
    });
    let mut t = Tally::default();
    for (_, hand) in &mut readers {
        black_box(hand.parse_arguments_simd(&mut buf, &mut buffers));
        t.done += usize::from(hand.done);
        t.content += hand.choices.iter().map(|c| c.content.len()).sum::<usize>();
    }
    t
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Chunkwise,
    ChunkwisePooled,
    AsyncOpenai,
    SimdBorrowed,
    SseParser,
    EventsourceStream,
}

const CONTENDERS: &[Contender] = &[
    Contender::Chunkwise,
    Contender::ChunkwisePooled,
    Contender::AsyncOpenai,
    Contender::SimdBorrowed,
    Contender::SseParser,
    Contender::EventsourceStream,
];

const AOAI: &str = "async-openai path + hand";
const BEST: &str = "memchr + simd-json (borrowed) + hand";

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Contender::Chunkwise => "chunkwise ChatStream",
            Contender::ChunkwisePooled => "chunkwise ChatStream (pooled)",
            Contender::AsyncOpenai => AOAI,
            Contender::SimdBorrowed => BEST,
            Contender::SseParser => "chunkwise sse Parser (framing)",
            Contender::EventsourceStream => "eventsource-stream (framing)",
        }
    }

    /// Runs one pass; returns a digest to compare.
    fn run(self, load: &Load, pool: &mut [ChatStream]) -> (usize, usize) {
        let t = match self {
            Contender::Chunkwise => chunkwise(load),
            Contender::ChunkwisePooled => chunkwise_pooled(load, pool),
            Contender::AsyncOpenai => async_openai(load),
            Contender::SimdBorrowed => simd_borrowed(load),
            Contender::SseParser => return sse_parsers(load),
            Contender::EventsourceStream => return eventsource(load),
        };
        (t.done, t.content)
    }
}

fn check(load: &Load, pool: &mut [ChatStream]) {
    let want = chunkwise(load);
    assert_eq!(want.done, STREAMS);
    assert!(want.content > STREAMS * 20);
    for &c in CONTENDERS {
        let got = c.run(load, pool);
        let expect = match c {
            Contender::SseParser | Contender::EventsourceStream => (load.events, load.data_bytes),
            _ => (want.done, want.content),
        };
        assert_eq!(got, expect, "{}", c.name());
    }
}

fn summary(load: &Load, pool: &mut [ChatStream]) {
    println!(
        "many_streams summary: {STREAMS} streams of ~{} KiB ({} bytes, {} events in all, \
         {:.0} B/event) in interleaved {PIECE}-byte pieces; best of runs of ~1 s; \
         allocation counts from one run; counting allocator active: {}",
        STREAM_BYTES / KIB,
        load.bytes,
        load.events,
        load.bytes as f64 / load.events as f64,
        counting_active()
    );
    let mut rows = Vec::new();
    for &c in CONTENDERS {
        let (_, allocs) = count_allocs(|| black_box(c.run(load, pool)));
        let t = best_time(Duration::from_secs(1), || {
            black_box(c.run(load, pool));
        });
        rows.push(Row {
            name: c.name().into(),
            label: "1460",
            secs: t.as_secs_f64(),
            bytes: load.bytes,
            events: load.events,
            allocs,
        });
    }
    print_rows("many_streams throughput", &rows, AOAI, BEST);
    memory(load);
    println!();
}

/// Heap bytes per object that `f` leaves allocated, over `STREAMS` objects.
fn kept_per(f: impl FnOnce()) -> f64 {
    let before = live_bytes();
    f();
    (live_bytes() - before) as f64 / STREAMS as f64
}

fn memory(load: &Load) {
    let half = load.rounds / 2;
    println!(
        "\nmemory per stream object ({STREAMS} objects; heap measured by the counting allocator)"
    );
    println!(
        "  {:<34} {:>8} {:>12} {:>16} {:>18}",
        "object", "size_of", "heap at new", "heap mid-stream", "heap after stream"
    );
    let line = |name: &str, size: usize, new: f64, mid: f64, end: f64, end_note: &str| {
        println!(
            "  {name:<34} {size:>8} {new:>12.1} {mid:>16.1} {:>18}",
            format!("{end:.1}{end_note}")
        );
    };

    // chunkwise ChatStream.
    let mut v: Vec<ChatStream> = Vec::with_capacity(STREAMS);
    let new = kept_per(|| v.extend((0..STREAMS).map(|_| ChatStream::new())));
    let mid = kept_per(|| load.interleave(0, half, |i, p| v[i].feed(p, |_| {})));
    let end = kept_per(|| {
        load.interleave(half, load.rounds, |i, p| v[i].feed(p, |_| {}));
        for s in &mut v {
            s.finish(|_| {});
            s.reset();
        }
    });
    line(
        "chunkwise ChatStream",
        size_of::<ChatStream>(),
        new,
        new + mid,
        new + mid + end,
        " (reset)",
    );
    drop(v);

    // chunkwise sse Parser.
    let mut v: Vec<Parser> = Vec::with_capacity(STREAMS);
    let new = kept_per(|| v.extend((0..STREAMS).map(|_| Parser::new())));
    let mid = kept_per(|| load.interleave(0, half, |i, p| v[i].feed(p, |_| {})));
    let end = kept_per(|| {
        load.interleave(half, load.rounds, |i, p| v[i].feed(p, |_| {}));
        for s in &mut v {
            s.reset();
        }
    });
    line(
        "chunkwise sse Parser",
        size_of::<Parser>(),
        new,
        new + mid,
        new + mid + end,
        " (reset)",
    );
    drop(v);

    // eventsource-stream: the slots are made first, so that only the reader's own
    // memory is counted.
    let mut slots: Vec<Slot> = (0..STREAMS).map(|_| Slot::default()).collect();
    let mut v: Vec<Es> = Vec::with_capacity(STREAMS);
    let new = kept_per(|| {
        v.extend(slots.drain(..).map(|slot| Es {
            events: EventStream::new(slot.clone()),
            slot,
        }))
    });
    let mid = kept_per(|| load.interleave(0, half, |i, p| v[i].feed(Some(p), drop)));
    let end = kept_per(|| {
        load.interleave(half, load.rounds, |i, p| v[i].feed(Some(p), drop));
        for s in &mut v {
            s.feed(None, drop);
        }
    });
    line(
        "eventsource-stream EventStream",
        size_of::<EventStream<Slot>>(),
        new,
        new + mid,
        new + mid + end,
        " (ended)",
    );
    drop(v);
    drop(slots);

    // The hand-rolled memchr framer, for scale.
    let mut v: Vec<Framer> = Vec::with_capacity(STREAMS);
    let new = kept_per(|| v.extend((0..STREAMS).map(|_| Framer::new())));
    let mid = kept_per(|| load.interleave(0, half, |i, p| v[i].feed(p, |_| {})));
    let end = kept_per(|| load.interleave(half, load.rounds, |i, p| v[i].feed(p, |_| {})));
    line(
        "memchr framer (hand-rolled)",
        size_of::<Framer>(),
        new,
        new + mid,
        new + mid + end,
        " (ended)",
    );
    println!(
        "  (ChatStream's heap mid-stream and after includes the accumulated answer so far; \
         the Parser's is only partial lines and events)"
    );
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10)
        .without_plots()
        .configure_from_args();
    let load = Load::new();
    let mut pool: Vec<ChatStream> = (0..STREAMS).map(|_| ChatStream::new()).collect();
    check(&load, &mut pool);
    if common::benchmarking() {
        summary(&load, &mut pool);
    }
    let mut group =
        criterion.benchmark_group(format!("many_streams/{STREAMS}x{}KiB", STREAM_BYTES / KIB));
    group.throughput(Throughput::Bytes(load.bytes as u64));
    for &c in CONTENDERS {
        group.bench_function(c.name(), |b| b.iter(|| c.run(&load, &mut pool)));
    }
    group.finish();
    criterion.final_summary();
}
