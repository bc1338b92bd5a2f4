//! Harness pieces shared by the `decode`, `accumulate` and `many_streams` benchmarks
//! (included with `#[path]`): the generated streams, their pieces, timing, the
//! summary table, and the contest of `decode` and `accumulate` (summary, criterion
//! groups and `main`).

#![allow(dead_code)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chunkwise_benches::{AllocStats, count_allocs, counting_active};
use chunkwise_testkit::streams::{self, SseStream};
use criterion::{BenchmarkId, Criterion, Throughput};

pub const SEED: u64 = 0x5EED_0001;
pub const KIB: usize = 1 << 10;
pub const MIB: usize = 1 << 20;
/// Piece sizes: one TCP segment's payload, one TLS record, and the whole stream.
pub const PIECES: &[(&str, usize)] = &[("1460", 1460), ("16KiB", 16 * KIB), ("whole", usize::MAX)];

/// The stream sizes: 64 KiB and 4 MiB, and 64 MiB with `CHUNKWISE_BENCH_LARGE=1`.
pub fn sizes() -> Vec<usize> {
    let mut sizes = vec![64 * KIB, 4 * MIB];
    if std::env::var_os("CHUNKWISE_BENCH_LARGE").is_some_and(|v| v != "0") {
        sizes.push(64 * MIB);
    }
    sizes
}

/// Whether criterion was asked to measure (`cargo bench`), not just to run each
/// benchmark once (`cargo test --benches`) or list them.
pub fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// One generated stream.
pub struct Case {
    pub kind: &'static str,
    pub size: String,
    pub stream: SseStream,
    pub whole: Bytes,
}

impl Case {
    pub fn new(kind: &'static str, target: usize) -> Case {
        let stream = generate(kind, SEED, target);
        let size = if target >= MIB {
            format!("{}MiB", target / MIB)
        } else {
            format!("{}KiB", target / KIB)
        };
        Case {
            kind,
            size,
            whole: Bytes::from(stream.bytes.clone()),
            stream,
        }
    }

    pub fn len(&self) -> usize {
        self.stream.bytes.len()
    }

    /// Events dispatched (chunks and `[DONE]`).
    pub fn events(&self) -> usize {
        self.stream.events
    }

    /// The stream cut into pieces of `size` bytes, as slices and as `Bytes` (slices of
    /// one shared buffer, as a network stack hands them out).
    pub fn fed(&self, size: usize) -> Fed<'_> {
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

/// A stream of the given kind: `text`, `crlf`, `keepalive`, `tool_calls`, `multiline`.
pub fn generate(kind: &str, seed: u64, target: usize) -> SseStream {
    match kind {
        "text" => streams::openai_text(seed, target),
        "crlf" => streams::openai_text(seed, target).to_crlf(),
        "keepalive" => streams::openai_text_keepalive(seed, target),
        "tool_calls" => streams::openai_tool_calls(seed, target),
        "multiline" => streams::openai_multiline(seed, target),
        _ => unreachable!("unknown stream kind {kind}"),
    }
}

/// One stream's pieces.
pub struct Fed<'a> {
    pub slices: Vec<&'a [u8]>,
    pub bytes: Vec<Bytes>,
}

/// Best time of `f` over repeated runs lasting about `budget` (at least 3 runs).
pub fn best_time(budget: Duration, mut f: impl FnMut()) -> Duration {
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

/// One line of a summary table.
pub struct Row {
    pub name: String,
    /// The piece size label.
    pub label: &'static str,
    pub secs: f64,
    pub bytes: usize,
    pub events: usize,
    pub allocs: AllocStats,
}

impl Row {
    pub fn mbps(&self) -> f64 {
        self.bytes as f64 / self.secs / 1e6
    }

    pub fn mevents(&self) -> f64 {
        self.events as f64 / self.secs / 1e6
    }
}

/// Prints a summary table. Each row's ratios compare it with the rows named
/// `reference` and `best` fed the same pieces.
pub fn print_rows(title: &str, rows: &[Row], reference: &str, best: &str) {
    let find = |name: &str, label: &str| {
        rows.iter()
            .find(|r| r.name == name && r.label == label)
            .map(Row::mbps)
    };
    println!("\n{title}");
    println!(
        "  {:<38} {:>6} {:>9} {:>10} {:>13} {:>13} {:>8} {:>8}",
        "contender",
        "pieces",
        "MB/s",
        "Mevents/s",
        "allocs/event",
        "alloc B/event",
        "x aoai",
        "x best"
    );
    for r in rows {
        let ratio =
            |base: Option<f64>| base.map_or("-".into(), |b| format!("{:.2}x", r.mbps() / b));
        println!(
            "  {:<38} {:>6} {:>9.1} {:>10.3} {:>13.3} {:>13.1} {:>8} {:>8}",
            r.name,
            r.label,
            r.mbps(),
            r.mevents(),
            r.allocs.calls_per(r.events),
            r.allocs.bytes_per(r.events),
            ratio(find(reference, r.label)),
            ratio(find(best, r.label)),
        );
    }
}

/// One way of reading a stream fed in pieces, in the `decode` and `accumulate` contests.
pub trait Contender: Copy + 'static {
    /// What a run gives (kept from being optimized away).
    type Out;

    fn name(self) -> &'static str;

    /// Whether a run on pieces of `piece` bytes of a `len`-byte stream is quadratic:
    /// such runs are timed once in the summary and left out of criterion.
    fn quadratic(self, piece: usize, len: usize) -> bool;

    fn run(self, fed: &Fed<'_>) -> Self::Out;
}

/// The piece sizes a stream kind is read in: all of them for `text`, 1460 for the rest.
pub fn pieces_for(kind: &str) -> impl Iterator<Item = &'static (&'static str, usize)> {
    let all = kind == "text";
    PIECES
        .iter()
        .filter(move |(label, _)| all || *label == "1460")
}

/// A benchmark of contenders on the generated streams: `decode` or `accumulate`.
pub struct Contest<C: Contender> {
    /// The benchmark's name, heading its summary and its criterion groups.
    pub name: &'static str,
    pub contenders: &'static [C],
    /// The names of the rows the summary's ratios compare with.
    pub reference: &'static str,
    pub best: &'static str,
    /// Checks that every contender reads `case` right, before anything is timed.
    pub check: fn(&Case),
}

impl<C: Contender> Contest<C> {
    /// The summary tables (4 MiB streams), then criterion.
    pub fn main(&self) {
        let mut criterion = Criterion::default()
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_millis(800))
            .sample_size(10)
            .without_plots()
            .configure_from_args();
        let mut cases = Vec::new();
        for kind in ["text", "tool_calls", "crlf", "keepalive"] {
            for size in sizes() {
                let case = Case::new(kind, size);
                (self.check)(&case);
                cases.push(case);
            }
        }
        if benchmarking() {
            self.summary(&cases);
        }
        // Criterion measures every size of the text stream and the larger sizes of the
        // others (the summary and the checks cover them all), to keep the run short.
        for case in cases
            .iter()
            .filter(|c| c.kind == "text" || c.size != "64KiB")
        {
            self.bench_case(&mut criterion, case);
        }
        criterion.final_summary();
    }

    fn summary(&self, cases: &[Case]) {
        println!(
            "{} summary (best of runs of ~0.15 s each; allocation counts from one run; \
             counting allocator active: {})",
            self.name,
            counting_active()
        );
        for case in cases.iter().filter(|c| c.size == "4MiB") {
            let mut rows = Vec::new();
            for &(label, size) in pieces_for(case.kind) {
                let fed = case.fed(size);
                for &c in self.contenders {
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
                "{} {}/{}: {} bytes, {} events ({:.0} B/event)",
                self.name,
                case.kind,
                case.size,
                case.len(),
                case.events(),
                case.len() as f64 / case.events() as f64
            );
            print_rows(&title, &rows, self.reference, self.best);
        }
        println!();
    }

    fn bench_case(&self, c: &mut Criterion, case: &Case) {
        let mut group = c.benchmark_group(format!("{}/{}/{}", self.name, case.kind, case.size));
        group.throughput(Throughput::Bytes(case.len() as u64));
        if case.len() >= 32 * MIB {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(5));
        }
        for &(label, size) in pieces_for(case.kind) {
            let fed = case.fed(size);
            for &con in self.contenders {
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
}
