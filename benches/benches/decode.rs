//! The decoding benchmark: SSE bytes in, typed chunks out (framing + chunk decoding,
//! no accumulation).
//!
//! Contenders, each handed the same pieces of the same generated stream and made to
//! read every chunk's content and tool-call fragments (their lengths are summed and
//! checked to agree between contenders):
//!
//! - `chunkwise`: `chunkwise_sse::Parser::feed` + `chunkwise_chat::decode::Decoder`
//!   (borrowed `Chunk`s);
//! - `async-openai path`: `eventsource-stream` over a `futures` stream of `Bytes`
//!   pieces + `serde_json` into owned structs shaped exactly like async-openai's
//!   `CreateChatCompletionStreamResponse` (see `bin/peers.rs`);
//! - `memchr + serde_json (borrowed)`: a hand-rolled memchr framer + `serde_json`
//!   into borrowed structs (`Cow<str>`), the strong hand-rolled baseline;
//! - `memchr + simd-json (borrowed)`: the same framer + simd-json's serde support into
//!   the same borrowed structs (reused copy buffer and simd-json buffers): the best
//!   general-purpose decoder;
//! - `memchr + simd-json (value)`: the same framer + `simd_json::to_borrowed_value`
//!   (with reused buffers), read through the generic value.
//!
//! Streams (see `chunkwise_testkit::streams`): typical text, tool-call heavy, the text
//! with CRLF line ends, and text with keep-alive comments; 64 KiB and 4 MiB (set
//! `CHUNKWISE_BENCH_LARGE=1` to add 64 MiB); fed in 1460-byte pieces (one TCP
//! segment), 16 KiB pieces (one TLS record) and whole (text only; the other streams
//! in 1460-byte pieces). Every case is checked; criterion measures all sizes of the
//! text stream and the other streams from 4 MiB up.
//!
//! Before the criterion groups (which report bytes/s), a summary table prints for the
//! 4 MiB streams: MB/s, events/s, allocations per event and the ratio to the
//! async-openai path and to the best general decoder.
//!
//! `cargo bench -p chunkwise-benches --bench decode` takes about two minutes;
//! `-- --quick` about 40 s.

#[path = "../bin/common.rs"]
mod common;
#[path = "../bin/peers.rs"]
mod peers;

use std::convert::Infallible;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chunkwise_benches::{CountingAlloc, count_allocs, counting_active};
use chunkwise_chat::decode::Decoder;
use chunkwise_chat::{Content, Payload};
use chunkwise_sse::{Item, Parser};
use common::{Case, Fed, MIB, PIECES, Row, best_time, print_rows};
use criterion::{BenchmarkId, Criterion, Throughput};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::executor::block_on;
use peers::{Framer, aoai, borrowed, value};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// What a contender read: checked to be the same for all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    /// Events decoded as chunks.
    chunks: usize,
    /// Bytes of content text (unescaped).
    content: usize,
    /// Bytes of tool-call argument fragments (unescaped).
    args: usize,
    /// Tool-call fragments carrying an id.
    ids: usize,
    /// `[DONE]` seen.
    done: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Chunkwise,
    AsyncOpenai,
    SerdeJson,
    SimdBorrowed,
    SimdValue,
}

const CONTENDERS: &[Contender] = &[
    Contender::Chunkwise,
    Contender::AsyncOpenai,
    Contender::SerdeJson,
    Contender::SimdBorrowed,
    Contender::SimdValue,
];

const AOAI: &str = "async-openai path";
const BEST: &str = "memchr + simd-json (borrowed)";

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Contender::Chunkwise => "chunkwise",
            Contender::AsyncOpenai => AOAI,
            Contender::SerdeJson => "memchr + serde_json (borrowed)",
            Contender::SimdBorrowed => BEST,
            Contender::SimdValue => "memchr + simd-json (value)",
        }
    }

    /// eventsource-stream copies the rest of its buffer for every event it takes out
    /// of it: quadratic in the piece size, seconds per run for a whole 4 MiB stream.
    /// Such runs are timed once in the summary and left out of criterion.
    fn quadratic(self, piece: usize, len: usize) -> bool {
        self == Contender::AsyncOpenai && piece.min(len) > MIB
    }

    fn run(self, fed: &Fed<'_>) -> Tally {
        match self {
            Contender::Chunkwise => chunkwise(&fed.slices),
            Contender::AsyncOpenai => async_openai(&fed.bytes),
            Contender::SerdeJson => serde_json_borrowed(&fed.slices),
            Contender::SimdBorrowed => simd_borrowed(&fed.slices),
            Contender::SimdValue => simd_value(&fed.slices),
        }
    }
}

fn chunkwise(pieces: &[&[u8]]) -> Tally {
    let mut parser = Parser::new();
    let mut decoder = Decoder::new();
    let mut t = Tally::default();
    for piece in pieces {
        parser.feed(piece, |item| {
            let Item::Event(ev) = item else { return };
            if ev.event != "message" {
                return;
            }
            match decoder.decode(ev.data) {
                Ok(Payload::Chunk(chunk)) => {
                    let chunk = black_box(&chunk);
                    t.chunks += 1;
                    for choice in &chunk.choices {
                        if let Some(Content::Text(text)) = choice.delta.content {
                            t.content += text.len();
                        }
                        for call in &choice.delta.tool_calls {
                            t.ids += usize::from(call.id.is_some());
                            t.args += call.function.arguments.map_or(0, str::len);
                        }
                    }
                }
                Ok(Payload::Done) => t.done = true,
                Err(e) => panic!("chunkwise failed to decode a chunk: {e}"),
            }
        });
    }
    t
}

fn async_openai(pieces: &[Bytes]) -> Tally {
    let input = futures::stream::iter(pieces.iter().cloned().map(Ok::<Bytes, Infallible>));
    let mut events = input.eventsource();
    block_on(async {
        let mut t = Tally::default();
        while let Some(ev) = events.next().await {
            let ev = ev.expect("eventsource-stream failed on a valid stream");
            let chunk = match aoai::map_event(&ev) {
                None => continue,
                Some(None) => {
                    t.done = true;
                    break;
                }
                Some(Some(chunk)) => chunk.expect("serde_json failed on a valid chunk"),
            };
            let chunk = black_box(chunk);
            t.chunks += 1;
            for choice in &chunk.choices {
                t.content += choice.delta.content.as_ref().map_or(0, String::len);
                for call in choice.delta.tool_calls.iter().flatten() {
                    t.ids += usize::from(call.id.is_some());
                    t.args += call
                        .function
                        .as_ref()
                        .and_then(|f| f.arguments.as_ref())
                        .map_or(0, String::len);
                }
            }
        }
        t
    })
}

fn tally_borrowed(t: &mut Tally, chunk: &borrowed::Chunk<'_>) {
    t.chunks += 1;
    for choice in &chunk.choices {
        t.content += choice.delta.content.as_ref().map_or(0, |s| s.0.len());
        for call in choice.delta.tool_calls.iter().flatten() {
            t.ids += usize::from(call.id.is_some());
            t.args += call
                .function
                .as_ref()
                .and_then(|f| f.arguments.as_ref())
                .map_or(0, |s| s.0.len());
        }
    }
}

fn serde_json_borrowed(pieces: &[&[u8]]) -> Tally {
    let mut framer = Framer::new();
    let mut t = Tally::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                t.done = true;
                return;
            }
            let chunk = borrowed::serde_json(data).expect("serde_json failed on a valid chunk");
            tally_borrowed(&mut t, black_box(&chunk));
        });
    }
    t
}

fn simd_borrowed(pieces: &[&[u8]]) -> Tally {
    let mut framer = Framer::new();
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    let mut t = Tally::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                t.done = true;
                return;
            }
            let chunk = borrowed::simd(data, &mut buf, &mut buffers)
                .expect("simd-json failed on a valid chunk");
            tally_borrowed(&mut t, black_box(&chunk));
        });
    }
    t
}

fn simd_value(pieces: &[&[u8]]) -> Tally {
    use simd_json::prelude::*;
    let mut framer = Framer::new();
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    let mut t = Tally::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                t.done = true;
                return;
            }
            let chunk =
                value::parse(data, &mut buf, &mut buffers).expect("simd-json failed on a chunk");
            let chunk = black_box(&chunk);
            t.chunks += 1;
            for choice in chunk.get_array("choices").into_iter().flatten() {
                let Some(delta) = choice.get("delta") else {
                    continue;
                };
                t.content += delta.get_str("content").map_or(0, str::len);
                for call in delta.get_array("tool_calls").into_iter().flatten() {
                    t.ids += usize::from(call.get_str("id").is_some());
                    t.args += call
                        .get("function")
                        .and_then(|f| f.get_str("arguments"))
                        .map_or(0, str::len);
                }
            }
        });
    }
    t
}

/// The piece sizes a stream kind is fed in.
fn pieces_for(kind: &str) -> impl Iterator<Item = &'static (&'static str, usize)> {
    let all = kind == "text";
    PIECES
        .iter()
        .filter(move |(label, _)| all || *label == "1460")
}

/// Checks that every contender reads the same on every split (chunkwise's reading,
/// fed whole, is the reference, and must have decoded every event).
fn check(case: &Case) {
    let want = chunkwise(&[&case.stream.bytes[..]]);
    assert_eq!(
        want.chunks + 1,
        case.events(),
        "{}/{}",
        case.kind,
        case.size
    );
    assert!(want.done && want.content + want.args > 0);
    for &c in CONTENDERS {
        for &(label, size) in pieces_for(case.kind) {
            if c.quadratic(size, case.len()) {
                continue;
            }
            let got = c.run(&case.fed(size));
            assert_eq!(
                got,
                want,
                "{} on {}/{} pieces {label}",
                c.name(),
                case.kind,
                case.size
            );
        }
    }
}

fn summary(cases: &[Case]) {
    println!(
        "decode summary (best of runs of ~0.15 s each; allocation counts from one run; \
         counting allocator active: {})",
        counting_active()
    );
    for case in cases.iter().filter(|c| c.size == "4MiB") {
        let mut rows = Vec::new();
        for &(label, size) in pieces_for(case.kind) {
            let fed = case.fed(size);
            for &c in CONTENDERS {
                let t0 = Instant::now();
                let (_, allocs) = count_allocs(|| black_box(c.run(&fed)));
                let t = if c.quadratic(size, case.len()) {
                    t0.elapsed()
                } else {
                    best_time(Duration::from_millis(150), || {
                        black_box(c.run(&fed));
                    })
                };
                rows.push(Row {
                    name: c.name().into(),
                    label,
                    secs: t.as_secs_f64(),
                    bytes: case.len(),
                    events: case.events(),
                    allocs,
                });
            }
        }
        let title = format!(
            "decode {}/{}: {} bytes, {} events ({:.0} B/event)",
            case.kind,
            case.size,
            case.len(),
            case.events(),
            case.len() as f64 / case.events() as f64
        );
        print_rows(&title, &rows, AOAI, BEST);
    }
    println!();
}

fn bench_case(c: &mut Criterion, case: &Case) {
    let mut group = c.benchmark_group(format!("decode/{}/{}", case.kind, case.size));
    group.throughput(Throughput::Bytes(case.len() as u64));
    if case.len() >= 32 * MIB {
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(5));
    }
    for &(label, size) in pieces_for(case.kind) {
        let fed = case.fed(size);
        for &con in CONTENDERS {
            if con.quadratic(size, case.len()) {
                continue;
            }
            group.bench_function(BenchmarkId::new(con.name(), label), |b| {
                b.iter(|| con.run(&fed))
            });
        }
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(800))
        .sample_size(10)
        .without_plots()
        .configure_from_args();
    let mut cases = Vec::new();
    for kind in ["text", "tool_calls", "crlf", "keepalive"] {
        for size in common::sizes() {
            let case = Case::new(kind, size);
            check(&case);
            cases.push(case);
        }
    }
    if common::benchmarking() {
        summary(&cases);
    }
    // Criterion measures every size of the text stream and the larger sizes of the
    // others (the summary and the checks cover them all), to keep the run short.
    for case in cases
        .iter()
        .filter(|c| c.kind == "text" || c.size != "64KiB")
    {
        bench_case(&mut criterion, case);
    }
    criterion.final_summary();
}
