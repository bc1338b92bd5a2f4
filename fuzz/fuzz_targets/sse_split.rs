//! SSE framing: arbitrary bytes cut at arbitrary points. The items (events, retries,
//! limit errors with their offsets), the last event ID, the retry value and the
//! offset must be the same fed whole, fed in pieces (through `next_item` and through
//! `feed`) and as computed by the independent reference `chunkwise_testkit::sse_ref`.
//! With small limits, the parser's heap stays bounded by the limits after every piece.
#![no_main]

use arbitrary::Arbitrary;
use chunkwise_fuzz::*;
use chunkwise_sse::{Limits, Parser};
use chunkwise_testkit::sse_ref;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// Small limits, or the defaults.
    limits: Option<(u8, u8, u8)>,
    flush: bool,
    cuts: Vec<u16>,
    data: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let Input {
        limits,
        flush,
        cuts,
        data,
    } = input;
    let small = limits.is_some();
    let limits = limits.map_or(Limits::DEFAULT, small_limits);
    let bound = heap_bound(limits);
    let heap = |p: &Parser| {
        if small {
            assert!(
                p.heap_bytes() <= bound,
                "heap {} over the bound {bound} for {limits:?}",
                p.heap_bytes()
            );
        }
    };
    let r = sse_ref::run(data, ref_limits(limits), flush);
    let expected: Run = (r.items, r.last_event_id, r.retry, data.len() as u64);
    let whole = run_next_item(limits, &[data], flush, heap);
    assert_eq!(whole, expected, "fed whole vs reference");
    let cuts = cut_points(data.len(), &cuts);
    let pieces = pieces_at(data, &cuts);
    assert_eq!(
        run_next_item(limits, &pieces, flush, heap),
        expected,
        "next_item in pieces at {cuts:?} vs reference"
    );
    assert_eq!(
        run_feed(limits, &pieces, flush, heap),
        expected,
        "feed in pieces at {cuts:?} vs reference"
    );
});
