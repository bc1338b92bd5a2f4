//! Shared helpers of the fuzz targets: cutting inputs into pieces, running the SSE
//! parser through each of its entry points, and the chunk/chat observers shared with
//! chunkwise-chat's property tests (see `chunkwise_testkit`).

use chunkwise_sse::{Item, Limit, LimitError, Limits, Parser};
use chunkwise_testkit::sse_ref::{RefItem, RefLimit, RefLimits};

chunkwise_testkit::chunk_observer!();
chunkwise_testkit::chat_observer!();

/// The decoder's chunk in the reference's terms (see `chunkwise_testkit::chunk_ref`).
pub fn observe(
    data: &str,
    chunk: &chunkwise_chat::Chunk<'_>,
) -> Result<chunkwise_testkit::chunk_ref::RefChunk, String> {
    observe_chunk(data, chunk)
}

/// Feeds `pieces` to a `ChatStream` and checks everything against `r`.
pub fn check_chat(r: &chunkwise_testkit::chat_spec::Rendered, pieces: &[&[u8]]) {
    if let Err(e) = check_chat_stream(r, pieces) {
        panic!("{e}\nstream: {:?}", String::from_utf8_lossy(&r.bytes));
    }
}

/// Sorted cut positions in `0..=len` from arbitrary numbers (repeats give empty
/// pieces).
pub fn cut_points(len: usize, raw: &[u16]) -> Vec<usize> {
    let mut cuts: Vec<usize> = raw.iter().map(|&c| usize::from(c) % (len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

/// `input` cut at `cuts` (sorted).
pub fn pieces_at<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut at = 0;
    for &cut in cuts {
        pieces.push(&input[at..cut]);
        at = cut;
    }
    pieces.push(&input[at..]);
    pieces
}

/// Small limits from three arbitrary bytes.
pub fn small_limits((line, event, buffered): (u8, u8, u8)) -> Limits {
    Limits {
        max_line_len: usize::from(line),
        max_event_len: usize::from(event),
        max_buffered: usize::from(buffered),
    }
}

/// The reference's limits for `l`.
pub fn ref_limits(l: Limits) -> RefLimits {
    RefLimits {
        max_line_len: l.max_line_len,
        max_event_len: l.max_event_len,
        max_buffered: l.max_buffered,
    }
}

/// A bound on the parser's heap under small limits: every buffer holds at most a line,
/// an event's data or their lossy decoding (U+FFFD is 3 bytes for 1), and grows by
/// doubling.
pub fn heap_bound(l: Limits) -> usize {
    2 * (3 * l.max_line_len * 4 + 3 * l.max_event_len * 2 + 2 * l.max_buffered) + 1024
}

/// An item in the reference's terms (checking the error's `max`).
pub fn own(item: Item<'_>, limits: Limits) -> RefItem {
    match item {
        Item::Event(ev) => RefItem::event(ev.event, ev.data, ev.id, ev.offset),
        Item::Retry(ms) => RefItem::Retry(ms),
        Item::Error(e) => own_error(e, limits),
    }
}

/// A limit error in the reference's terms.
pub fn own_error(e: LimitError, limits: Limits) -> RefItem {
    let (limit, max) = match e.limit {
        Limit::Line => (RefLimit::Line, limits.max_line_len),
        Limit::Event => (RefLimit::Event, limits.max_event_len),
        Limit::Buffered => (RefLimit::Buffered, limits.max_buffered),
    };
    assert_eq!(e.max, max, "LimitError::max");
    RefItem::Error {
        limit,
        offset: e.offset,
    }
}

/// Items, `last_event_id()`, `retry()` and `offset()` at the end of a run.
pub type Run = (Vec<RefItem>, String, Option<u64>, u64);

/// The end of a run: flush if asked, then the parser's state.
pub fn finish(p: &mut Parser, mut items: Vec<RefItem>, flush: bool) -> Run {
    let limits = p.limits();
    if flush {
        p.flush(|it| items.push(own(it, limits)));
    }
    (items, p.last_event_id().to_owned(), p.retry(), p.offset())
}

/// Runs the lending `next_item` over `pieces`, calling `check` after every call.
pub fn run_next_item(
    limits: Limits,
    pieces: &[&[u8]],
    flush: bool,
    mut check: impl FnMut(&Parser),
) -> Run {
    let mut p = Parser::with_limits(limits);
    let mut items = Vec::new();
    for piece in pieces {
        let mut rest = *piece;
        while let Some(it) = p.next_item(&mut rest) {
            items.push(own(it, limits));
        }
        assert!(rest.is_empty(), "next_item left input behind");
        check(&p);
    }
    finish(&mut p, items, flush)
}

/// Runs the callback `feed` over `pieces`, calling `check` after every piece.
pub fn run_feed(
    limits: Limits,
    pieces: &[&[u8]],
    flush: bool,
    mut check: impl FnMut(&Parser),
) -> Run {
    let mut p = Parser::with_limits(limits);
    let mut items = Vec::new();
    for piece in pieces {
        p.feed(piece, |it| items.push(own(it, limits)));
        check(&p);
    }
    finish(&mut p, items, flush)
}
