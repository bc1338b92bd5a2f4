//! The framing benchmark: SSE bytes in, events out, nothing else.
//!
//! Contenders, each handed the same pieces of the same generated OpenAI-style stream
//! and made to touch every event's data (count and sum of data lengths, checked
//! against what the generator says the stream holds):
//!
//! - `chunkwise/slice`: `chunkwise_sse::Parser::next_item` over `&[u8]` pieces;
//! - `chunkwise/bytes`: `Parser::next_shared` over `Bytes` pieces (owned events);
//! - `eventsource-stream`: its `Eventsource` stream (what reqwest-eventsource,
//!   async-openai and rig use), driven with `futures::executor::block_on`;
//! - `sseer`: its `EventStream`, driven the same way;
//! - ceilings: a `memchr::memmem` count of the blank lines, and a `memcpy`.
//!
//! Streams (see `chunkwise_testkit::streams`): typical text, the same with CRLF line
//! ends, large pretty-printed multi-line events, and text with keep-alive comments; at
//! 64 KiB and 4 MiB (set `CHUNKWISE_BENCH_LARGE=1` to add 64 MiB), fed in 1460-byte
//! pieces (one TCP segment), 16 KiB pieces (one TLS record) and whole.
//!
//! Before the criterion groups (which report bytes/s), a summary table prints for the
//! 4 MiB streams: throughput, events/s and allocations per event of each contender.
//!
//! `cargo bench -p chunkwise-benches --bench framing -- --quick` takes about a minute.

use std::convert::Infallible;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chunkwise_benches::{AllocStats, CountingAlloc, count_allocs, counting_active};
use chunkwise_sse::{Item, Parser, SharedItem};
use chunkwise_testkit::streams::{self, SseStream};
use criterion::{BenchmarkId, Criterion, Throughput};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::executor::block_on;
use memchr::memmem::Finder;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const SEED: u64 = 0x5EED_0001;
const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// Piece sizes: one TCP segment's payload, one TLS record, and the whole stream.
const PIECES: &[(&str, usize)] = &[("1460", 1460), ("16KiB", 16 * KIB), ("whole", usize::MAX)];

/// One stream to frame.
struct Case {
    kind: &'static str,
    size: String,
    stream: SseStream,
    whole: Bytes,
    /// What the memchr ceiling counts: the blank line in this stream's line ends.
    blank: &'static [u8],
}

impl Case {
    fn new(kind: &'static str, target: usize) -> Case {
        let stream = match kind {
            "text" => streams::openai_text(SEED, target),
            "crlf" => streams::openai_text(SEED, target).to_crlf(),
            "multiline" => streams::openai_multiline(SEED, target),
            "keepalive" => streams::openai_text_keepalive(SEED, target),
            "tool_calls" => streams::openai_tool_calls(SEED, target),
            _ => unreachable!("unknown stream kind {kind}"),
        };
        let size = if target >= MIB {
            format!("{}MiB", target / MIB)
        } else {
            format!("{}KiB", target / KIB)
        };
        Case {
            kind,
            size,
            whole: Bytes::from(stream.bytes.clone()),
            blank: if kind == "crlf" { b"\r\n\r\n" } else { b"\n\n" },
            stream,
        }
    }

    fn len(&self) -> usize {
        self.stream.bytes.len()
    }

    /// The stream cut into pieces of `size` bytes, as slices and as `Bytes` (slices of
    /// one shared buffer, as a network stack hands them out).
    fn fed(&self, size: usize) -> Fed<'_> {
        let slices: Vec<&[u8]> = streams::pieces(&self.stream.bytes, size).collect();
        let mut bytes = Vec::with_capacity(slices.len());
        let mut at = 0;
        for s in &slices {
            bytes.push(self.whole.slice(at..at + s.len()));
            at += s.len();
        }
        Fed { slices, bytes }
    }
}

struct Fed<'a> {
    slices: Vec<&'a [u8]>,
    bytes: Vec<Bytes>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    ChunkwiseSlice,
    ChunkwiseBytes,
    EventsourceStream,
    Sseer,
}

const CONTENDERS: &[Contender] = &[
    Contender::ChunkwiseSlice,
    Contender::ChunkwiseBytes,
    Contender::EventsourceStream,
    Contender::Sseer,
];

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Contender::ChunkwiseSlice => "chunkwise/slice",
            Contender::ChunkwiseBytes => "chunkwise/bytes",
            Contender::EventsourceStream => "eventsource-stream",
            Contender::Sseer => "sseer",
        }
    }

    /// eventsource-stream copies the rest of its buffer for every event it takes out
    /// of it: quadratic in the piece size, about a second per run for a whole 4 MiB
    /// stream. Such runs are timed once in the summary and left out of criterion.
    fn quadratic(self, piece: usize, len: usize) -> bool {
        self == Contender::EventsourceStream && piece.min(len) > MIB
    }

    /// Frames the whole stream; returns (events, sum of data lengths).
    fn run(self, fed: &Fed<'_>) -> (usize, usize) {
        match self {
            Contender::ChunkwiseSlice => chunkwise_slice(&fed.slices),
            Contender::ChunkwiseBytes => chunkwise_bytes(&fed.bytes),
            Contender::EventsourceStream => eventsource_stream(&fed.bytes),
            Contender::Sseer => sseer(&fed.bytes),
        }
    }
}

fn chunkwise_slice(pieces: &[&[u8]]) -> (usize, usize) {
    let mut parser = Parser::new();
    let (mut events, mut data) = (0, 0);
    for piece in pieces {
        let mut rest: &[u8] = piece;
        while let Some(item) = parser.next_item(&mut rest) {
            if let Item::Event(ev) = item {
                events += 1;
                data += black_box(ev.data).len();
            }
        }
    }
    (events, data)
}

fn chunkwise_bytes(pieces: &[Bytes]) -> (usize, usize) {
    let mut parser = Parser::new();
    let (mut events, mut data) = (0, 0);
    for piece in pieces {
        let mut rest = piece.clone();
        while let Some(item) = parser.next_shared(&mut rest) {
            if let SharedItem::Event(ev) = item {
                events += 1;
                data += black_box(ev).data.len();
            }
        }
    }
    (events, data)
}

fn eventsource_stream(pieces: &[Bytes]) -> (usize, usize) {
    let input = futures::stream::iter(pieces.iter().cloned().map(Ok::<Bytes, Infallible>));
    let mut events_in = input.eventsource();
    block_on(async {
        let (mut events, mut data) = (0, 0);
        while let Some(ev) = events_in.next().await {
            let ev = ev.expect("eventsource-stream failed on a valid stream");
            events += 1;
            data += black_box(ev).data.len();
        }
        (events, data)
    })
}

fn sseer(pieces: &[Bytes]) -> (usize, usize) {
    let input = futures::stream::iter(pieces.iter().cloned().map(Ok::<Bytes, Infallible>));
    let mut events_in = sseer::EventStream::new(input);
    block_on(async {
        let (mut events, mut data) = (0, 0);
        while let Some(ev) = events_in.next().await {
            let ev = ev.expect("sseer failed on a valid stream");
            events += 1;
            data += black_box(ev).data.len();
        }
        (events, data)
    })
}

fn memchr_count(finder: &Finder<'_>, bytes: &[u8]) -> usize {
    finder.find_iter(black_box(bytes)).count()
}

fn memcpy(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(black_box(src));
    black_box(dst);
}

/// Checks that every contender finds exactly the generated events on every split;
/// returns the contenders that do (a wrong answer is reported, not benchmarked).
fn checked_contenders(case: &Case) -> Vec<Contender> {
    let want = (case.stream.events, case.stream.data_bytes);
    let mut ok = Vec::new();
    for &c in CONTENDERS {
        let mut good = true;
        for &(label, size) in PIECES {
            if c.quadratic(size, case.len()) {
                continue;
            }
            let got = c.run(&case.fed(size));
            if got != want {
                eprintln!(
                    "MISMATCH {} on {}/{} pieces {label}: got (events, data bytes) {got:?}, \
                     want {want:?}; left out",
                    c.name(),
                    case.kind,
                    case.size
                );
                good = false;
            }
        }
        if good {
            ok.push(c);
        }
    }
    assert!(
        ok.contains(&Contender::ChunkwiseSlice) && ok.contains(&Contender::ChunkwiseBytes),
        "chunkwise framed {}/{} wrongly",
        case.kind,
        case.size
    );
    ok
}

/// Best time of `f` over repeated runs lasting about `budget` (at least 3 runs).
fn best_time(budget: Duration, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < 3 || start.elapsed() < budget {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
        runs += 1;
    }
    best
}

struct Row {
    name: String,
    /// The piece size label, for contenders fed in pieces.
    label: Option<&'static str>,
    gbps: f64,
    mevents: f64,
    allocs: Option<AllocStats>,
    events: usize,
}

fn print_rows(title: &str, rows: &[Row]) {
    let ceiling = rows.iter().find(|r| r.name == "memchr").map(|r| r.gbps);
    // Each contender is compared with eventsource-stream fed the same pieces (the
    // ceilings with eventsource-stream on 16 KiB pieces).
    let es = |label: Option<&str>| {
        rows.iter()
            .find(|r| {
                r.name.starts_with("eventsource-stream")
                    && r.label == Some(label.unwrap_or("16KiB"))
            })
            .map(|r| r.gbps)
    };
    println!("\n{title}");
    println!(
        "  {:<28} {:>9} {:>11} {:>13} {:>13} {:>9} {:>9}",
        "contender", "GB/s", "Mevents/s", "allocs/event", "alloc B/event", "% memchr", "x es"
    );
    for r in rows {
        let (calls, bytes) = match r.allocs {
            Some(a) => (
                format!("{:.3}", a.calls_per(r.events)),
                format!("{:.1}", a.bytes_per(r.events)),
            ),
            None => ("-".into(), "-".into()),
        };
        let pct = ceiling.map_or("-".into(), |c| format!("{:.0}%", 100.0 * r.gbps / c));
        let x = es(r.label).map_or("-".into(), |e| format!("{:.1}x", r.gbps / e));
        println!(
            "  {:<28} {:>9.3} {:>11.2} {:>13} {:>13} {:>9} {:>9}",
            r.name, r.gbps, r.mevents, calls, bytes, pct, x
        );
    }
}

/// The summary table: for each 4 MiB stream and piece size, every contender's
/// throughput, events/s and allocations per event, timed here with `Instant`
/// (best of repeated runs) rather than by criterion.
fn summary(cases: &[(Case, Vec<Contender>)]) {
    println!(
        "framing summary (best of runs of ~0.15 s each; allocation counts from one run; \
         counting allocator active: {})",
        counting_active()
    );
    for (case, contenders) in cases.iter().filter(|(c, _)| c.size == "4MiB") {
        let len = case.len();
        let events = case.stream.events;
        let budget = Duration::from_millis(150);
        let mut rows = Vec::new();
        let finder = Finder::new(case.blank);
        let t = best_time(budget, || {
            black_box(memchr_count(&finder, &case.stream.bytes));
        });
        rows.push(row("memchr", None, len, events, t, None));
        let mut dst = vec![0u8; len];
        let t = best_time(budget, || memcpy(&mut dst, &case.stream.bytes));
        rows.push(row("memcpy", None, len, events, t, None));
        for &(label, size) in PIECES {
            if case.kind != "text" && label != "16KiB" {
                continue;
            }
            let fed = case.fed(size);
            for &c in contenders {
                let t0 = Instant::now();
                let (_, allocs) = count_allocs(|| black_box(c.run(&fed)));
                let t = if c.quadratic(size, len) {
                    // Seconds per run: one run is the measurement.
                    t0.elapsed()
                } else {
                    best_time(budget, || {
                        black_box(c.run(&fed));
                    })
                };
                let name = format!("{} [{label}]", c.name());
                rows.push(row(&name, Some(label), len, events, t, Some(allocs)));
            }
        }
        let title = format!(
            "{}/{}: {} bytes, {} events ({:.0} B/event)",
            case.kind,
            case.size,
            len,
            events,
            len as f64 / events as f64
        );
        print_rows(&title, &rows);
    }
    println!();
}

fn row(
    name: &str,
    label: Option<&'static str>,
    len: usize,
    events: usize,
    t: Duration,
    allocs: Option<AllocStats>,
) -> Row {
    let secs = t.as_secs_f64();
    Row {
        name: name.to_string(),
        label,
        gbps: len as f64 / secs / 1e9,
        mevents: events as f64 / secs / 1e6,
        allocs,
        events,
    }
}

fn bench_case(c: &mut Criterion, case: &Case, contenders: &[Contender]) {
    let mut group = c.benchmark_group(format!("framing/{}/{}", case.kind, case.size));
    group.throughput(Throughput::Bytes(case.len() as u64));
    if case.len() >= 32 * MIB {
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(5));
    }
    let bytes = &case.stream.bytes;
    let finder = Finder::new(case.blank);
    group.bench_function(BenchmarkId::new("memchr", "whole"), |b| {
        b.iter(|| memchr_count(&finder, bytes))
    });
    let mut dst = vec![0u8; bytes.len()];
    group.bench_function(BenchmarkId::new("memcpy", "whole"), |b| {
        b.iter(|| memcpy(&mut dst, bytes))
    });
    for &(label, size) in PIECES {
        let fed = case.fed(size);
        for &con in contenders {
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

/// Events per second for the main case, as criterion measures it.
fn bench_events(c: &mut Criterion, case: &Case, contenders: &[Contender]) {
    let mut group = c.benchmark_group(format!("framing-events/{}/{}", case.kind, case.size));
    group.throughput(Throughput::Elements(case.stream.events as u64));
    let fed = case.fed(16 * KIB);
    for &con in contenders {
        group.bench_function(BenchmarkId::new(con.name(), "16KiB"), |b| {
            b.iter(|| con.run(&fed))
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10)
        .without_plots()
        .configure_from_args();
    let benchmarking = std::env::args().any(|a| a == "--bench");

    let mut sizes = vec![64 * KIB, 4 * MIB];
    if std::env::var_os("CHUNKWISE_BENCH_LARGE").is_some_and(|v| v != "0") {
        sizes.push(64 * MIB);
    }
    let mut cases = Vec::new();
    for kind in ["text", "crlf", "multiline", "keepalive"] {
        for &size in &sizes {
            let case = Case::new(kind, size);
            let contenders = checked_contenders(&case);
            cases.push((case, contenders));
        }
    }
    if benchmarking {
        summary(&cases);
    }
    for (case, contenders) in &cases {
        bench_case(&mut criterion, case, contenders);
        if case.kind == "text" && case.size == "4MiB" {
            bench_events(&mut criterion, case, contenders);
        }
    }
    criterion.final_summary();
}
