//! `Utf8Bytes::as_str` as shipped (no check: the one `unsafe` block of chunkwise-sse,
//! in `crates/chunkwise-sse/src/shared.rs`) against checking the bytes again with
//! `std::str::from_utf8` on every access, which is what a safe `as_str` would do.
//!
//! The strings are what a chat stream's shared events and chunks hand out: the
//! fields of a real `chat.completion.chunk` (`id`, `model`, `system_fingerprint`,
//! `obfuscation`, a content piece of 1-6 characters, sometimes non-ASCII) and whole
//! event data of about 300 bytes, all slices of one `Bytes` as the `Bytes` path
//! produces them. Each access reads the string's last byte, so that neither variant
//! can be reduced to the length alone.
//!
//! `cargo bench -p chunkwise-benches --bench utf8bytes` takes about ten seconds.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use chunkwise_sse::Utf8Bytes;
use chunkwise_testkit::streams;
use criterion::{BenchmarkId, Criterion, Throughput};

/// The strings of `events` chunks of a generated stream, as `Utf8Bytes` slices of one
/// buffer: per chunk its data and the string fields a client reads.
fn strings(events: usize) -> (Vec<Utf8Bytes>, Vec<Utf8Bytes>) {
    let stream = streams::openai_text(7, 256 << 10);
    let whole = Bytes::from(stream.bytes);
    let text = std::str::from_utf8(&whole).expect("generated streams are UTF-8");
    let mut fields = Vec::new();
    let mut datas = Vec::new();
    for line in text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .take(events)
    {
        datas.push(Utf8Bytes::slice_of(&whole, line));
        for key in [
            "\"id\":\"",
            "\"model\":\"",
            "\"system_fingerprint\":\"",
            "\"content\":\"",
            "\"obfuscation\":\"",
        ] {
            let Some(at) = line.find(key) else { continue };
            let value = &line[at + key.len()..];
            // The raw value up to its closing quote (escapes are rare and harmless
            // here: this is about the bytes, not their JSON meaning).
            let end = value.find('"').unwrap_or(value.len());
            fields.push(Utf8Bytes::slice_of(&whole, &value[..end]));
        }
    }
    (fields, datas)
}

#[inline(never)]
fn unchecked(strings: &[Utf8Bytes]) -> u64 {
    let mut sum = 0u64;
    for s in strings {
        let s: &str = black_box(s).as_str();
        sum += u64::from(s.as_bytes().last().copied().unwrap_or(0));
    }
    sum
}

#[inline(never)]
fn checked(strings: &[Utf8Bytes]) -> u64 {
    let mut sum = 0u64;
    for s in strings {
        let s: &str = std::str::from_utf8(black_box(s).as_bytes()).expect("checked at birth");
        sum += u64::from(s.as_bytes().last().copied().unwrap_or(0));
    }
    sum
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .without_plots()
        .configure_from_args();
    let (fields, datas) = strings(1000);
    assert_eq!(unchecked(&fields), checked(&fields));
    assert_eq!(unchecked(&datas), checked(&datas));
    for (name, set) in [("fields", &fields), ("event-data", &datas)] {
        let bytes: usize = set.iter().map(|s| s.len()).sum();
        println!(
            "utf8bytes/{name}: {} strings, {:.1} bytes on average (criterion's elements/s = \
             accesses/s)",
            set.len(),
            bytes as f64 / set.len() as f64
        );
        let mut group = c.benchmark_group(format!("utf8bytes/{name}"));
        // Elements: string accesses.
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_function(BenchmarkId::new("as_str (unchecked)", bytes), |b| {
            b.iter(|| unchecked(set))
        });
        group.bench_function(BenchmarkId::new("from_utf8 (checked)", bytes), |b| {
            b.iter(|| checked(set))
        });
        group.finish();
    }
    c.final_summary();
}
