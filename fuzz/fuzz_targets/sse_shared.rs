//! SSE framing, the `Bytes` path: `next_shared`/`shared_items` over arbitrary pieces
//! (slices of one buffer, and separate copies) must yield the items of the borrowed
//! slice path on the same pieces; an event's data must be a zero-copy slice of the
//! piece exactly when the slice path's data borrows the piece.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use chunkwise_fuzz::*;
use chunkwise_sse::{Item, Limits, Parser, SharedItem};
use chunkwise_testkit::sse_ref::RefItem;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    limits: Option<(u8, u8, u8)>,
    flush: bool,
    /// Pieces are separate copies rather than slices of one buffer.
    copies: bool,
    cuts: Vec<u16>,
    data: &'a [u8],
}

/// Whether `s` (non-empty) lies in `piece`.
fn inside(piece: &[u8], s: &[u8]) -> Option<bool> {
    if s.is_empty() {
        return None;
    }
    let base = piece.as_ptr() as usize;
    let at = s.as_ptr() as usize;
    Some(at >= base && at + s.len() <= base + piece.len())
}

fuzz_target!(|input: Input<'_>| {
    let limits = input.limits.map_or(Limits::DEFAULT, small_limits);
    let cuts = cut_points(input.data.len(), &input.cuts);
    let pieces = pieces_at(input.data, &cuts);

    // The slice path, noting which events borrow their piece.
    let mut p = Parser::with_limits(limits);
    let mut want: Vec<(RefItem, Option<bool>)> = Vec::new();
    for piece in &pieces {
        let mut rest = *piece;
        while let Some(it) = p.next_item(&mut rest) {
            let borrowed = match it {
                Item::Event(ev) => inside(piece, ev.data.as_bytes()),
                _ => None,
            };
            want.push((own(it, limits), borrowed));
        }
    }
    let want_end = finish(&mut p, Vec::new(), input.flush);

    // The Bytes path.
    let whole = Bytes::copy_from_slice(input.data);
    let mut p = Parser::with_limits(limits);
    let mut got: Vec<(RefItem, Option<bool>)> = Vec::new();
    let mut at = 0;
    for (i, piece) in pieces.iter().enumerate() {
        let piece = if input.copies {
            Bytes::copy_from_slice(piece)
        } else {
            whole.slice(at..at + piece.len())
        };
        at += piece.len();
        let mut push = |it: SharedItem| {
            let item = match it {
                SharedItem::Event(ev) => {
                    let borrowed = inside(&piece, ev.data.as_bytes());
                    (
                        RefItem::event(&ev.event, &ev.data, &ev.id, ev.offset),
                        borrowed,
                    )
                }
                SharedItem::Retry(ms) => (RefItem::Retry(ms), None),
                SharedItem::Error(e) => (own_error(e, limits), None),
            };
            got.push(item);
        };
        // Alternate the two entry points.
        if i % 2 == 0 {
            for it in p.shared_items(piece.clone()) {
                push(it);
            }
        } else {
            let mut rest = piece.clone();
            while let Some(it) = p.next_shared(&mut rest) {
                push(it);
            }
            assert!(rest.is_empty(), "next_shared left input behind");
        }
    }
    let got_end = finish(&mut p, Vec::new(), input.flush);
    assert_eq!(got, want, "Bytes path vs slice path at cuts {cuts:?}");
    assert_eq!(got_end, want_end, "flush and final state");
});
