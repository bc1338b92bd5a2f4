//! Every rule of the WHATWG "Parsing/Interpreting an event stream" sections and of
//! chunkwise-sse's docs, each with its bytes and the expected items.
//!
//! [`check`] runs a case fed whole, byte by byte, in every split into two pieces and
//! (for short inputs) every split into three, through both the slice path and the
//! `Bytes` path, and also asserts that the independent reference in
//! `chunkwise_testkit::sse_ref` gives the same expected items.

use bytes::Bytes;
use chunkwise_sse::{Item, Limit, LimitError, Limits, Parser, SharedItem};
use chunkwise_testkit::sse_ref::{self, RefItem, RefLimit, RefLimits};

// ---------------------------------------------------------------------------------------
// Harness

fn ref_limits(l: Limits) -> RefLimits {
    RefLimits {
        max_line_len: l.max_line_len,
        max_event_len: l.max_event_len,
        max_buffered: l.max_buffered,
    }
}

fn own_error(e: LimitError, limits: Limits) -> RefItem {
    let (limit, max) = match e.limit {
        Limit::Line => (RefLimit::Line, limits.max_line_len),
        Limit::Event => (RefLimit::Event, limits.max_event_len),
        Limit::Buffered => (RefLimit::Buffered, limits.max_buffered),
    };
    assert_eq!(e.max, max, "LimitError::max must be the configured value");
    RefItem::Error {
        limit,
        offset: e.offset,
    }
}

fn own(item: Item<'_>, limits: Limits) -> RefItem {
    match item {
        Item::Event(ev) => RefItem::event(ev.event, ev.data, ev.id, ev.offset),
        Item::Retry(ms) => RefItem::Retry(ms),
        Item::Error(e) => own_error(e, limits),
    }
}

fn own_shared(item: SharedItem, limits: Limits) -> RefItem {
    match item {
        SharedItem::Event(ev) => RefItem::event(&ev.event, &ev.data, &ev.id, ev.offset),
        SharedItem::Retry(ms) => RefItem::Retry(ms),
        SharedItem::Error(e) => own_error(e, limits),
    }
}

/// What a run ends with: the items, `last_event_id()`, `retry()`, `offset()`.
#[derive(Debug, PartialEq)]
struct Run {
    items: Vec<RefItem>,
    last_event_id: String,
    retry: Option<u64>,
    offset: u64,
}

fn finish(p: &mut Parser, items: Vec<RefItem>, limits: Limits, flush: bool) -> Run {
    let mut items = items;
    if flush {
        let before = p.offset();
        p.flush(|it| items.push(own(it, limits)));
        assert_eq!(p.offset(), before, "flush must not move offset()");
    }
    Run {
        items,
        last_event_id: p.last_event_id().to_owned(),
        retry: p.retry(),
        offset: p.offset(),
    }
}

fn run_slice(limits: Limits, pieces: &[&[u8]], flush: bool) -> Run {
    let mut p = Parser::with_limits(limits);
    let mut items = Vec::new();
    for piece in pieces {
        p.feed(piece, |it| items.push(own(it, limits)));
    }
    finish(&mut p, items, limits, flush)
}

fn run_shared(limits: Limits, pieces: &[&[u8]], flush: bool) -> Run {
    let whole = Bytes::from(pieces.concat());
    let mut p = Parser::with_limits(limits);
    let mut items = Vec::new();
    let mut at = 0;
    for piece in pieces {
        let b = whole.slice(at..at + piece.len());
        at += piece.len();
        items.extend(p.shared_items(b).map(|it| own_shared(it, limits)));
    }
    finish(&mut p, items, limits, flush)
}

fn splits(input: &[u8]) -> Vec<Vec<&[u8]>> {
    let mut all = vec![vec![input], input.chunks(1).collect()];
    for i in 0..=input.len() {
        all.push(vec![&input[..i], &input[i..]]);
    }
    if input.len() <= 24 {
        for i in 1..input.len() {
            for j in i + 1..input.len() {
                all.push(vec![&input[..i], &input[i..j], &input[j..]]);
            }
        }
    }
    all
}

fn show(pieces: &[&[u8]]) -> Vec<String> {
    pieces
        .iter()
        .map(|p| p.escape_ascii().to_string())
        .collect()
}

/// Runs `input` with `limits` and `flush` in every way; all must give `expected`.
/// Returns the whole-feed run for further assertions.
fn check_with(limits: Limits, input: &[u8], flush: bool, expected: &[RefItem]) -> Run {
    let reference = sse_ref::run(input, ref_limits(limits), flush);
    let shown = input.escape_ascii().to_string();
    assert_eq!(reference.items, expected, "reference, input {shown}");
    let whole = run_slice(limits, &[input], flush);
    assert_eq!(whole.items, expected, "parser fed whole, input {shown}");
    assert_eq!(
        whole.last_event_id, reference.last_event_id,
        "last id, {shown}"
    );
    assert_eq!(whole.retry, reference.retry, "retry, {shown}");
    assert_eq!(whole.offset, input.len() as u64, "offset(), {shown}");
    for pieces in splits(input) {
        let s = run_slice(limits, &pieces, flush);
        assert_eq!(s, whole, "slice path, pieces {:?}", show(&pieces));
        let b = run_shared(limits, &pieces, flush);
        assert_eq!(b, whole, "Bytes path, pieces {:?}", show(&pieces));
    }
    whole
}

fn check(input: &[u8], expected: &[RefItem]) -> Run {
    check_with(Limits::DEFAULT, input, false, expected)
}

fn check_flush(input: &[u8], expected: &[RefItem]) -> Run {
    check_with(Limits::DEFAULT, input, true, expected)
}

/// A `message` event with no id.
fn msg(data: &str, offset: u64) -> RefItem {
    RefItem::event("message", data, "", offset)
}

fn ev(event: &str, data: &str, id: &str, offset: u64) -> RefItem {
    RefItem::event(event, data, id, offset)
}

fn err(limit: RefLimit, offset: u64) -> RefItem {
    RefItem::Error { limit, offset }
}

fn limits(max_line_len: usize, max_event_len: usize, max_buffered: usize) -> Limits {
    Limits {
        max_line_len,
        max_event_len,
        max_buffered,
    }
}

/// Items from feeding explicit pieces (slice path, no flush).
fn pieces(pieces: &[&[u8]]) -> Vec<RefItem> {
    run_slice(Limits::DEFAULT, pieces, false).items
}

// ---------------------------------------------------------------------------------------
// Line ends

#[test]
fn lf_cr_and_crlf_each_end_a_line() {
    check(b"data:a\n\n", &[msg("a", 0)]);
    check(b"data:a\r\r", &[msg("a", 0)]);
    check(b"data:a\r\n\r\n", &[msg("a", 0)]);
    check(b"data:a\ndata:b\rdata:c\r\n\r\n", &[msg("a\nb\nc", 0)]);
    // LF then CR is two line ends (the CR is a blank line); CR CR too.
    check(
        b"data:a\n\rdata:b\r\rdata:c\n\n",
        &[msg("a", 0), msg("b", 8), msg("c", 16)],
    );
    // CR LF is one line end, so this is one event, not two.
    check(b"data:a\r\ndata:b\r\n\r\n", &[msg("a\nb", 0)]);
    // CR LF LF: a line end then a blank line.
    check(b"data:a\r\n\ndata:b\n\r\n", &[msg("a", 0), msg("b", 9)]);
    // Blank lines of every kind between events do nothing.
    check(b"\n\r\r\n\ndata:x\n\n\r\n\r", &[msg("x", 5)]);
}

#[test]
fn a_cr_ending_one_piece_and_a_lf_starting_the_next_are_one_line_end() {
    assert_eq!(pieces(&[b"data:a\r", b"\ndata:b\n\n"]), [msg("a\nb", 0)]);
    assert_eq!(pieces(&[b"data:a\r", b"\n", b"\n"]), [msg("a", 0)]);
    // The CR is a line end on its own when the next piece starts otherwise.
    assert_eq!(pieces(&[b"data:a\r", b"data:b\r", b"\r"]), [msg("a\nb", 0)]);
    assert_eq!(pieces(&[b"data:a\r", b"\r", b"\n"]), [msg("a", 0)]);
    // An empty piece between the CR and the LF changes nothing.
    assert_eq!(
        pieces(&[b"data:a\r", b"", b"\ndata:b\n\n"]),
        [msg("a\nb", 0)]
    );
    // The same through the Bytes path.
    let run = run_shared(
        Limits::DEFAULT,
        &[b"data:a\r", b"", b"\ndata:b\r", b"\n\r", b"\n"],
        false,
    );
    assert_eq!(run.items, [msg("a\nb", 0)]);
}

#[test]
fn the_line_after_a_split_crlf_has_the_right_offset() {
    assert_eq!(
        pieces(&[b"data:a\r", b"\n\r", b"\ndata:b\n\n"]),
        [msg("a", 0), msg("b", 10)]
    );
}

// ---------------------------------------------------------------------------------------
// BOM

#[test]
fn a_leading_bom_is_skipped_and_counted_in_offsets() {
    check(b"\xEF\xBB\xBFdata:x\n\n", &[msg("x", 3)]);
    check(b"\xEF\xBB\xBF\ndata:x\n\n", &[msg("x", 4)]);
    check(b"\xEF\xBB\xBF", &[]);
    check_flush(b"\xEF\xBB\xBFdata:x", &[msg("x", 3)]);
}

#[test]
fn a_bom_split_across_pieces_is_still_a_bom() {
    let want = [msg("x", 3)];
    assert_eq!(pieces(&[b"\xEF", b"\xBB\xBFdata:x\n\n"]), want);
    assert_eq!(pieces(&[b"\xEF\xBB", b"\xBFdata:x\n\n"]), want);
    assert_eq!(pieces(&[b"\xEF", b"\xBB", b"\xBF", b"data:x\n\n"]), want);
    assert_eq!(
        pieces(&[b"", b"\xEF", b"", b"\xBB", b"\xBF", b"data:x\n\n"]),
        want
    );
}

#[test]
fn bom_like_bytes_that_are_not_a_bom_start_the_first_line() {
    // The held bytes become part of the first line's field name: not `data`, ignored.
    check(b"\xEF\xBBdata:x\n\ndata:y\n\n", &[msg("y", 10)]);
    check(b"\xEFdata:x\n\ndata:y\n\n", &[msg("y", 9)]);
    check(b"\xEF\xBB\xBEdata:x\n\n", &[]);
    // A partial BOM then a line end: a one-line stream of garbage.
    check(b"\xEF\xBB\ndata:y\n\n", &[msg("y", 3)]);
    check(b"\xEF\ndata:y\n\n", &[msg("y", 2)]);
    // An undecided partial BOM at the end yields nothing, flushed or not.
    check(b"\xEF\xBB", &[]);
    check_flush(b"\xEF\xBB", &[]);
    // Held bytes that turn out to be data: a field name of BOM prefix + `data`.
    check(b"\xEF:x\n\n", &[]);
}

#[test]
fn a_bom_not_at_the_start_is_content() {
    // A second BOM is part of the first line: the name is U+FEFF "data", ignored.
    check(b"\xEF\xBB\xBF\xEF\xBB\xBFdata:x\n\n", &[]);
    check(b"\n\xEF\xBB\xBFdata:x\n\n", &[]);
    // Inside a value it is the character U+FEFF.
    check(b"data:\xEF\xBB\xBF\n\n", &[msg("\u{FEFF}", 0)]);
    check(b"data: \xEF\xBB\xBFx\n\n", &[msg("\u{FEFF}x", 0)]);
}

#[test]
fn bom_bytes_held_while_undecided_count_toward_the_first_line_limit() {
    let l = limits(4, 99, 99);
    // "\xEF\xBBdata" is 6 bytes: over a 4-byte line limit, at offset 0.
    check_with(
        l,
        b"\xEF\xBBdata\n\ndata\n\n",
        false,
        &[err(RefLimit::Line, 0), msg("", 8)],
    );
    check_with(l, b"\xEF\xBBab\n\ndata\n\n", false, &[msg("", 6)]);
    // 5 bytes, still unterminated: reported as soon as it crosses.
    check_with(l, b"\xEF\xBBabc", false, &[err(RefLimit::Line, 0)]);
    // With a real BOM the line starts at 3.
    check_with(l, b"\xEF\xBB\xBFabcde\n", false, &[err(RefLimit::Line, 3)]);
}

#[test]
fn an_undecided_partial_bom_is_not_yet_a_line_even_for_the_limits() {
    // "\xEF\xBB" could still become a BOM: no error until the stream says otherwise.
    let l = limits(0, 99, 99);
    check_with(l, b"\xEF", false, &[]);
    check_with(l, b"\xEF\xBB", false, &[]);
    check_with(l, b"\xEF\xBB\xBF", false, &[]);
    // Flushed, or followed by any other byte, it is the start of a (too long) line.
    check_with(l, b"\xEF", true, &[err(RefLimit::Line, 0)]);
    check_with(l, b"\xEF\xBB", true, &[err(RefLimit::Line, 0)]);
    check_with(l, b"\xEFx", false, &[err(RefLimit::Line, 0)]);
    check_with(l, b"\xEF\n", false, &[err(RefLimit::Line, 0)]);
    check_with(limits(1, 99, 99), b"\xEF\xBB", false, &[]);
    check_with(
        limits(1, 99, 99),
        b"\xEF\xBB\r",
        false,
        &[err(RefLimit::Line, 0)],
    );
    check_with(l, b"\xEF\xBB\xBF", true, &[]);
}

// ---------------------------------------------------------------------------------------
// Fields

#[test]
fn comments_are_ignored() {
    check(b":comment\ndata:x\n\n", &[msg("x", 9)]);
    check(b":\n: data:y\n:data:z\ndata:x\n:\n\n", &[msg("x", 19)]);
    // A comment alone does not end or start an event.
    check(b"data:a\n: keep-alive\ndata:b\n\n", &[msg("a\nb", 0)]);
    check(b": only\n\n", &[]);
}

#[test]
fn a_line_without_colon_is_a_name_with_an_empty_value() {
    check(b"data\n\n", &[msg("", 0)]);
    check(b"data\ndata\n\n", &[msg("\n", 0)]);
    check(b"event\ndata:x\n\n", &[msg("x", 6)]);
    check(
        b"id: 1\ndata:a\n\nid\ndata:b\n\n",
        &[ev("message", "a", "1", 6), msg("b", 17)],
    );
    // `retry` with an empty value is not valid.
    check(b"retry\n\n", &[]);
    check(b"whatever\ndata:x\n\n", &[msg("x", 9)]);
}

#[test]
fn exactly_one_leading_space_is_stripped() {
    check(b"data:x\n\n", &[msg("x", 0)]);
    check(b"data: x\n\n", &[msg("x", 0)]);
    check(b"data:  x\n\n", &[msg(" x", 0)]);
    check(b"data: \n\n", &[msg("", 0)]);
    check(b"data:  \n\n", &[msg(" ", 0)]);
    check(b"data:\tx\n\n", &[msg("\tx", 0)]);
    check(b"data: x \n\n", &[msg("x ", 0)]);
    check(b"event:  e\ndata:x\n\n", &[ev(" e", "x", "", 10)]);
    check(b"id:  7\ndata:x\n\n", &[ev("message", "x", " 7", 7)]);
}

#[test]
fn the_value_is_everything_after_the_first_colon() {
    check(b"data: a:b: c\n\n", &[msg("a:b: c", 0)]);
    check(b"data::\n\n", &[msg(":", 0)]);
    check(b"event:a:b\ndata:x\n\n", &[ev("a:b", "x", "", 10)]);
    // The name is everything before it: `data ` is not `data`.
    check(b"data :x\n\n", &[]);
    check(b" data:x\n\n", &[]);
}

#[test]
fn data_lines_are_joined_with_lf() {
    check(b"data:a\ndata:b\ndata:c\n\n", &[msg("a\nb\nc", 0)]);
    check(b"data:\ndata:\n\n", &[msg("\n", 0)]);
    check(b"data:a\ndata:\n\n", &[msg("a\n", 0)]);
    check(b"data:\ndata:a\n\n", &[msg("\na", 0)]);
    // Other fields between data lines.
    check(
        b"data:a\nevent:e\nid:1\n:c\ndata:b\n\n",
        &[ev("e", "a\nb", "1", 0)],
    );
    // The offset is the first data line's, not the event's first line's.
    check(
        b"event:e\nid:1\ndata:a\ndata:b\n\n",
        &[ev("e", "a\nb", "1", 13)],
    );
}

#[test]
fn an_event_without_data_is_not_dispatched_but_resets_the_type() {
    check(b"event: foo\n\ndata:x\n\n", &[msg("x", 12)]);
    check(b"event: foo\n\n", &[]);
    check(b"id: 1\nevent: foo\n\n", &[]);
    // Whereas a dispatched event's type does not carry over either.
    check(
        b"event: foo\ndata:a\n\ndata:b\n\n",
        &[ev("foo", "a", "", 11), msg("b", 19)],
    );
}

#[test]
fn the_event_type_defaults_to_message() {
    check(b"data:x\n\n", &[msg("x", 0)]);
    check(b"event:\ndata:x\n\n", &[msg("x", 7)]);
    check(b"event: a\nevent:\ndata:x\n\n", &[msg("x", 16)]);
    check(b"event: a\nevent: b\ndata:x\n\n", &[ev("b", "x", "", 18)]);
    check(b"data:x\nevent: late\n\n", &[ev("late", "x", "", 0)]);
    // `message` spelled out is the same.
    check(b"event: message\ndata:x\n\n", &[msg("x", 15)]);
}

#[test]
fn names_are_case_sensitive_and_unknown_names_are_ignored() {
    check(b"Data: x\n\n", &[]);
    check(b"DATA:x\n\n", &[]);
    check(b"DATA\n\n", &[]);
    check(b"Event: e\ndata:x\n\n", &[msg("x", 9)]);
    check(b"ID: 1\ndata:x\n\n", &[msg("x", 6)]);
    check(b"Retry: 1\nRETRY:2\n", &[]);
    check(b"foo: bar\ndata:x\nbaz\n\n", &[msg("x", 9)]);
    // Unknown names do not make an event out of nothing.
    check(b"foo: bar\n\n", &[]);
}

// ---------------------------------------------------------------------------------------
// id

#[test]
fn the_id_persists_until_changed() {
    check(
        b"id: 1\ndata:a\n\ndata:b\n\nid: 2\ndata:c\n\n",
        &[
            ev("message", "a", "1", 6),
            ev("message", "b", "1", 14),
            ev("message", "c", "2", 28),
        ],
    );
}

#[test]
fn an_empty_id_resets_it() {
    check(
        b"id: 1\ndata:a\n\nid:\ndata:b\n\n",
        &[ev("message", "a", "1", 6), msg("b", 18)],
    );
    check(
        b"id: 1\ndata:a\n\nid\ndata:b\n\n",
        &[ev("message", "a", "1", 6), msg("b", 17)],
    );
}

#[test]
fn an_id_containing_nul_is_ignored() {
    check(
        b"id: 1\nid: a\0b\ndata:x\n\n",
        &[ev("message", "x", "1", 14)],
    );
    check(b"id:\0\ndata:x\n\n", &[msg("x", 5)]);
}

#[test]
fn the_id_set_anywhere_in_the_event_applies_to_it() {
    check(b"data:x\nid: 5\n\n", &[ev("message", "x", "5", 0)]);
    check(b"id: 4\ndata:x\nid: 5\n\n", &[ev("message", "x", "5", 6)]);
}

#[test]
fn last_event_id_is_committed_at_blank_lines() {
    let mut p = Parser::new();
    p.feed(b"id: 5\n", |_| panic!("no item"));
    assert_eq!(p.last_event_id(), "", "not yet committed");
    p.feed(b"\n", |_| panic!("no item"));
    assert_eq!(
        p.last_event_id(),
        "5",
        "a blank line commits even with no data"
    );
    p.feed(b"id: 6\ndata:x\n", |_| panic!("no item"));
    assert_eq!(p.last_event_id(), "5");
    let mut ids = Vec::new();
    p.feed(b"\n", |it| {
        if let Item::Event(e) = it {
            ids.push(e.id.to_owned());
        }
    });
    assert_eq!(ids, ["6"]);
    assert_eq!(p.last_event_id(), "6");
    p.feed(b"id\n", |_| panic!("no item"));
    assert_eq!(p.last_event_id(), "6");
    p.feed(b"\r", |_| panic!("no item"));
    assert_eq!(p.last_event_id(), "");
    // And the whole-stream view agrees with the reference.
    let run = check(b"id: 9\n\nid: 10\n", &[]);
    assert_eq!(run.last_event_id, "9");
    let run = check_flush(b"id: 9\n\nid: 10", &[]);
    assert_eq!(run.last_event_id, "10");
}

#[test]
fn a_nul_in_data_and_event_is_kept() {
    check(b"event:a\0b\ndata:c\0d\n\n", &[ev("a\0b", "c\0d", "", 10)]);
}

// ---------------------------------------------------------------------------------------
// retry

#[test]
fn retry_takes_only_ascii_digits() {
    check(b"retry: 1000\n", &[RefItem::Retry(1000)]);
    check(b"retry:0\n", &[RefItem::Retry(0)]);
    check(b"retry:007\n", &[RefItem::Retry(7)]);
    for bad in [
        &b"retry: 1a\n"[..],
        b"retry: -1\n",
        b"retry: +1\n",
        b"retry:\n",
        b"retry: \n",
        b"retry:  5\n",
        b"retry: 5 \n",
        b"retry: 1.5\n",
        b"retry: 1_000\n",
        b"retry: \xD9\xA1\n", // ARABIC-INDIC DIGIT ONE: a digit, but not ASCII
        b"retry\n",
    ] {
        let run = check(bad, &[]);
        assert_eq!(run.retry, None);
    }
}

#[test]
fn a_huge_retry_saturates() {
    check(
        b"retry: 18446744073709551615\n",
        &[RefItem::Retry(u64::MAX)],
    );
    check(
        b"retry: 18446744073709551616\n",
        &[RefItem::Retry(u64::MAX)],
    );
    check(
        b"retry: 99999999999999999999999999999999\n",
        &[RefItem::Retry(u64::MAX)],
    );
    check(
        b"retry: 18446744073709551614\n",
        &[RefItem::Retry(u64::MAX - 1)],
    );
}

#[test]
fn retry_is_reported_where_it_occurs_and_remembered() {
    let run = check(
        b"data:a\nretry: 5\ndata:b\n\nretry: x\nretry: 7\n",
        &[RefItem::Retry(5), msg("a\nb", 0), RefItem::Retry(7)],
    );
    assert_eq!(run.retry, Some(7));
    // An invalid retry does not forget the last valid one.
    let run = check(b"retry: 5\nretry: x\n", &[RefItem::Retry(5)]);
    assert_eq!(run.retry, Some(5));
    // A retry in an event that is never dispatched is still reported.
    check(b"data:a\nretry: 5\n", &[RefItem::Retry(5)]);
}

// ---------------------------------------------------------------------------------------
// End of stream and flush

#[test]
fn a_final_event_without_its_blank_line_is_discarded() {
    check(b"data: x\n", &[]);
    check(b"data: x", &[]);
    check(b"data: x\r", &[]);
    check(b"data:a\n\ndata: x\n", &[msg("a", 0)]);
    check(b"data:a\r\rdata: x\r", &[msg("a", 0)]);
}

#[test]
fn flush_dispatches_the_final_event() {
    check_flush(b"data: x", &[msg("x", 0)]);
    check_flush(b"data: x\n", &[msg("x", 0)]);
    check_flush(b"data: x\r", &[msg("x", 0)]);
    check_flush(b"data: x\r\n", &[msg("x", 0)]);
    check_flush(b"data:a\ndata: x", &[msg("a\nx", 0)]);
    check_flush(b"event:e\nid:1\ndata:x", &[ev("e", "x", "1", 13)]);
    // Nothing pending: nothing.
    check_flush(b"", &[]);
    check_flush(b"data:a\n\n", &[msg("a", 0)]);
    check_flush(b"event: e\n", &[]);
    check_flush(b"data", &[msg("", 0)]);
    // The final line's field still counts.
    check_flush(b"retry: 5", &[RefItem::Retry(5)]);
    check_flush(b"data:a\nretry: 5", &[RefItem::Retry(5), msg("a", 0)]);
    // An unterminated comment is just a comment.
    check_flush(b"data:a\n:c", &[msg("a", 0)]);
}

#[test]
fn flush_next_hands_out_items_one_at_a_time() {
    let mut p = Parser::new();
    p.feed(b"data:a\nretry:9", |_| panic!("no item yet"));
    let Some(Item::Retry(9)) = p.flush_next() else {
        panic!("retry first")
    };
    let Some(Item::Event(e)) = p.flush_next() else {
        panic!("then the event")
    };
    assert_eq!((e.data, e.offset), ("a", 0));
    assert!(p.flush_next().is_none());
    assert!(p.flush_next().is_none(), "flush is idempotent");
    assert_eq!(p.offset(), 14);
}

#[test]
fn the_stream_goes_on_after_a_flush() {
    let mut p = Parser::new();
    let mut got = Vec::new();
    p.feed(b"data:a", |_| panic!());
    p.flush(|it| got.push(own(it, Limits::DEFAULT)));
    p.feed(b"data:b\n\n", |it| got.push(own(it, Limits::DEFAULT)));
    assert_eq!(got, [msg("a", 0), msg("b", 6)]);
}

#[test]
fn a_flush_after_a_lone_cr_does_not_make_an_extra_blank_line() {
    // "\r" + flushed "\n" is one line end, then "\n" dispatches; the items are the same
    // as for "data:a\r\n\n" — and a following piece starting with "\n" after a flush
    // must not be glued to the CR a second time.
    let mut p = Parser::new();
    let mut got = Vec::new();
    p.feed(b"data:a\r", |_| panic!());
    p.flush(|it| got.push(own(it, Limits::DEFAULT)));
    p.feed(b"\ndata:b\n\n", |it| got.push(own(it, Limits::DEFAULT)));
    assert_eq!(got, [msg("a", 0), msg("b", 8)]);
}

// ---------------------------------------------------------------------------------------
// UTF-8

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    check(b"data: a\xFFb\n\n", &[msg("a\u{FFFD}b", 0)]);
    check(b"event: \xC3\ndata:x\n\n", &[ev("\u{FFFD}", "x", "", 9)]);
    check(
        b"id: \xE2\x82\ndata:x\n\n",
        &[ev("message", "x", "\u{FFFD}", 7)],
    );
    // One U+FFFD per maximal subpart: ED A0 80 (a surrogate) is three.
    check(
        b"data:\xED\xA0\x80\n\n",
        &[msg("\u{FFFD}\u{FFFD}\u{FFFD}", 0)],
    );
    // A truncated 4-byte sequence then a valid character.
    check(b"data:\xF0\x9F\x98x\n\n", &[msg("\u{FFFD}x", 0)]);
    // A sequence cut by a line end: each line gets its own U+FFFD.
    check(
        b"data:\xE2\x82\n\xACx\n\ndata:\xE2\n\n",
        &[msg("\u{FFFD}", 0), msg("\u{FFFD}", 12)],
    );
    // Valid multi-byte characters survive every split.
    check(
        b"event:\xC3\xA9\ndata: \xF0\x9F\x98\x80\xE2\x82\xAC\n\n",
        &[ev("é", "😀€", "", 9)],
    );
    // Several data lines, one of them invalid.
    check(b"data:ok\ndata:\xFF\n\n", &[msg("ok\n\u{FFFD}", 0)]);
}

// ---------------------------------------------------------------------------------------
// Limits

#[test]
fn a_line_at_the_limit_passes_and_one_byte_more_fails() {
    let l = limits(8, 1 << 20, 1 << 20);
    check_with(l, b"data:123\n\n", false, &[msg("123", 0)]);
    check_with(l, b"data:1234\n\n", false, &[err(RefLimit::Line, 0)]);
    // Any line counts, comments and unknown fields included.
    check_with(
        l,
        b":23456789\ndata:x\n\n",
        false,
        &[err(RefLimit::Line, 0)],
    );
    check_with(
        l,
        b"event:789\n\ndata:x\n\n",
        false,
        &[err(RefLimit::Line, 0), msg("x", 11)],
    );
    // The line end does not count.
    check_with(l, b"data:123\r\n\r\n", false, &[msg("123", 0)]);
}

#[test]
fn an_error_skips_to_the_next_blank_line_and_the_stream_goes_on() {
    let l = limits(8, 1 << 20, 1 << 20);
    let s = b"data:a\n\ndata:b\ndata:123456\ndata:c\nid:7\nretry:1\n\nid:2\ndata:d\n\n";
    check_with(
        l,
        s,
        false,
        &[
            msg("a", 0),
            err(RefLimit::Line, 15),
            ev("message", "d", "2", 53),
        ],
    );
}

#[test]
fn lines_before_the_error_keep_their_effects() {
    let l = limits(8, 1 << 20, 1 << 20);
    // The retry was emitted and the id set before the long line.
    let run = check_with(
        l,
        b"id:1\nretry:5\ndata:123456\n\ndata:x\n\n",
        false,
        &[
            RefItem::Retry(5),
            err(RefLimit::Line, 13),
            ev("message", "x", "1", 26),
        ],
    );
    assert_eq!(run.last_event_id, "1");
    assert_eq!(run.retry, Some(5));
    // The event type set before the error is dropped.
    check_with(
        l,
        b"event:e\ndata:123456\n\ndata:x\n\n",
        false,
        &[err(RefLimit::Line, 8), msg("x", 21)],
    );
}

#[test]
fn the_blank_line_ending_a_skip_dispatches_nothing_but_commits_the_id() {
    let l = limits(8, 1 << 20, 1 << 20);
    let run = check_with(
        l,
        b"id:3\ndata:a\ndata:123456\n\n",
        false,
        &[err(RefLimit::Line, 12)],
    );
    assert_eq!(run.last_event_id, "3");
}

#[test]
fn an_unterminated_line_is_reported_as_soon_as_it_crosses_the_limit() {
    let l = limits(8, 1 << 20, 1 << 20);
    check_with(l, b"data:1234", false, &[err(RefLimit::Line, 0)]);
    check_with(
        l,
        b"data:a\n\ndata:123456789",
        false,
        &[msg("a", 0), err(RefLimit::Line, 8)],
    );
    check_with(l, b"data:123", false, &[]);
    // With flush too, reported once.
    check_with(l, b"data:1234", true, &[err(RefLimit::Line, 0)]);
    check_with(l, b"data:a\ndata:1234", true, &[err(RefLimit::Line, 7)]);
    // A line of max_line_len exactly, flushed, is fine.
    check_with(l, b"data:123", true, &[msg("123", 0)]);
}

#[test]
fn a_zero_line_limit_fails_every_non_blank_line() {
    let l = limits(0, 1 << 20, 1 << 20);
    check_with(l, b"\n\r\n\r", false, &[]);
    check_with(
        l,
        b"data\n\n:\n\n",
        false,
        &[err(RefLimit::Line, 0), err(RefLimit::Line, 6)],
    );
}

#[test]
fn the_event_limit_counts_values_plus_one() {
    let l = limits(1 << 20, 8, 1 << 20);
    // 4 + 4 = 8: fits.
    check_with(l, b"data:abc\ndata:def\n\n", false, &[msg("abc\ndef", 0)]);
    // 4 + 4 + 1 = 9: the third (empty) data line fails, at its offset.
    check_with(
        l,
        b"data:abc\ndata:def\ndata\n\ndata:ok\n\n",
        false,
        &[err(RefLimit::Event, 18), msg("ok", 24)],
    );
    // A single 8-byte value is 9 with its newline.
    check_with(l, b"data:12345678\n\n", false, &[err(RefLimit::Event, 0)]);
    check_with(l, b"data:1234567\n\n", false, &[msg("1234567", 0)]);
    // Non-data lines do not count toward it.
    check_with(
        l,
        b"event:12345678\nid:12345678\ndata:1234567\n\n",
        false,
        &[ev("12345678", "1234567", "12345678", 27)],
    );
    // A zero event limit fails every data line, `data` alone included.
    check_with(
        limits(99, 0, 99),
        b"data\n\nevent:x\n\n",
        false,
        &[err(RefLimit::Event, 0)],
    );
}

#[test]
fn the_buffered_limit_counts_the_line_plus_the_event_so_far() {
    let l = limits(1 << 20, 1 << 20, 12);
    // D = 7 after "data:abcdef"; a 5-byte line stays under 12 - 7 + 1 = 6.
    check_with(l, b"data:abcdef\ndata:\n\n", false, &[msg("abcdef\n", 0)]);
    // D = 7; a 6-byte line reaches 12 - 7 + 1 = 6.
    check_with(
        l,
        b"data:abcdef\ndata:x\n\n",
        false,
        &[err(RefLimit::Buffered, 12)],
    );
    // Any kind of line counts.
    check_with(
        l,
        b"data:abcdef\n:45678\n\n",
        false,
        &[err(RefLimit::Buffered, 12)],
    );
    // A first line of 13 bytes.
    check_with(
        l,
        b"data:12345678\n\ndata:x\n\n",
        false,
        &[err(RefLimit::Buffered, 0), msg("x", 15)],
    );
    // 12 bytes is fine on its own.
    check_with(l, b"data:1234567\n\n", false, &[msg("1234567", 0)]);
    // The count starts again after each event.
    check_with(
        l,
        b"data:abcdef\n\ndata:abcdef\n\n",
        false,
        &[msg("abcdef", 0), msg("abcdef", 13)],
    );
}

#[test]
fn when_several_limits_are_crossed_the_smaller_threshold_wins_and_a_tie_is_line() {
    // D = 2 after "data:a"; next line of 11 bytes.
    let s = b"data:a\nevent:abcde\n\n";
    check_with(limits(99, 99, 12), s, false, &[err(RefLimit::Buffered, 7)]);
    check_with(limits(10, 99, 12), s, false, &[err(RefLimit::Line, 7)]);
    check_with(limits(9, 99, 12), s, false, &[err(RefLimit::Line, 7)]);
    check_with(limits(10, 99, 13), s, false, &[err(RefLimit::Line, 7)]);
    check_with(limits(11, 99, 13), s, false, &[ev("abcde", "a", "", 0)]);
    // A data line over the line limit and the event limit: Line (checked first).
    check_with(
        limits(8, 4, 99),
        b"data:12345\n\n",
        false,
        &[err(RefLimit::Line, 0)],
    );
    // Under the line and buffered limits but over the event limit: Event.
    check_with(
        limits(99, 4, 99),
        b"data:12345\n\n",
        false,
        &[err(RefLimit::Event, 0)],
    );
}

#[test]
fn limit_errors_carry_the_setting_and_display_it() {
    let mut p = Parser::with_limits(limits(4, 99, 99));
    let mut input: &[u8] = b"data:x\n\n";
    let Some(Item::Error(e)) = p.next_item(&mut input) else {
        panic!("error expected")
    };
    assert_eq!(
        e,
        LimitError {
            limit: Limit::Line,
            max: 4,
            offset: 0
        }
    );
    assert_eq!(
        e.to_string(),
        "line longer than max_line_len (4 bytes); event skipped"
    );
    assert_eq!(Limit::Event.name(), "max_event_len");
    assert_eq!(Limit::Buffered.name(), "max_buffered");
    assert_eq!(p.limits(), limits(4, 99, 99));
    assert_eq!(Limits::default(), Limits::DEFAULT);
    assert_eq!(Limits::DEFAULT, limits(16 << 20, 16 << 20, 32 << 20));
}

/// Regression: a single huge `id` or `event` line used to keep its memory (twice, for
/// the id) for the parser's whole life, even after short values replaced it.
#[test]
fn huge_ids_and_event_types_do_not_keep_their_memory_once_replaced() {
    let big = vec![b'x'; 1 << 20];
    let mut s = Vec::new();
    for name in [&b"id: "[..], b"event: ", b"data: "] {
        s.extend_from_slice(name);
        s.extend_from_slice(&big);
        s.push(b'\n');
    }
    s.extend_from_slice(b"\nid: 1\ndata: y\n\n");
    for piece in [s.len(), 1460] {
        let mut p = Parser::new();
        let mut got = Vec::new();
        for c in s.chunks(piece) {
            p.feed(c, |it| got.push(own(it, Limits::DEFAULT)));
        }
        assert_eq!(got, sse_ref::reference(&s, RefLimits::DEFAULT, false));
        assert_eq!(got.len(), 2);
        assert_eq!(p.last_event_id(), "1");
        assert!(p.heap_bytes() < 1 << 10, "{} bytes held", p.heap_bytes());
    }
}

#[test]
fn a_big_event_over_many_pieces_is_limited_like_a_whole_one() {
    let l = limits(1000, 3000, 3500);
    let mut s = Vec::new();
    for _ in 0..5 {
        s.extend_from_slice(b"data:");
        s.extend(std::iter::repeat_n(b'x', 900));
        s.push(b'\n');
    }
    s.extend_from_slice(b"\ndata:after\n\n");
    let expected = sse_ref::reference(&s, ref_limits(l), false);
    // 906 * 3 = 2718, then 3624 > 3000: Event? Buffered comes first: 3500 - 2718 + 1
    // = 783 <= 905 bytes of line.
    assert_eq!(
        expected,
        [err(RefLimit::Buffered, 3 * 906), msg("after", 5 * 906 + 1)]
    );
    for size in [1, 7, 100, 905, 906, 907, 4000] {
        let pieces: Vec<&[u8]> = s.chunks(size).collect();
        assert_eq!(
            run_slice(l, &pieces, false).items,
            expected,
            "pieces of {size}"
        );
        assert_eq!(
            run_shared(l, &pieces, false).items,
            expected,
            "pieces of {size}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// reset, offsets, API paths

#[test]
fn reset_keeps_the_last_id_and_retry_and_forgets_the_rest() {
    let mut p = Parser::new();
    p.feed(
        b"id: 7\nretry: 300\n\nid: 8\nevent: e\ndata: partial\nda",
        |_| {},
    );
    assert_eq!(
        (p.last_event_id(), p.retry(), p.offset()),
        ("7", Some(300), 49)
    );
    p.reset();
    assert_eq!(
        (p.last_event_id(), p.retry(), p.offset()),
        ("7", Some(300), 0)
    );
    let mut got = Vec::new();
    // A new BOM is expected again; the uncommitted id 8 and type e are gone.
    p.feed(b"\xEF\xBB\xBFta: x\ndata: y\n\n", |it| {
        got.push(own(it, Limits::DEFAULT))
    });
    assert_eq!(got, [ev("message", "y", "7", 9)]);
    // The kept id can still be replaced.
    p.feed(b"id\n\n", |_| {});
    assert_eq!(p.last_event_id(), "");
    // Limits survive a reset.
    let mut p = Parser::with_limits(limits(3, 4, 5));
    p.reset();
    assert_eq!(p.limits(), limits(3, 4, 5));
}

#[test]
fn reset_in_the_middle_of_a_skip_or_a_split_crlf() {
    let l = limits(4, 99, 99);
    let mut p = Parser::with_limits(l);
    let mut got = Vec::new();
    p.feed(b"data:xxx\ndata:y", |it| got.push(own(it, l)));
    assert_eq!(got, [err(RefLimit::Line, 0)]);
    p.reset();
    got.clear();
    p.feed(b"data\n\n", |it| got.push(own(it, l)));
    assert_eq!(got, [msg("", 0)], "the skip is forgotten");
    let mut p = Parser::new();
    p.feed(b"data:a\r", |_| {});
    p.reset();
    got.clear();
    p.feed(b"\ndata:b\n\n", |it| got.push(own(it, l)));
    assert_eq!(
        got,
        [msg("b", 1)],
        "the LF after a reset is a line end of its own"
    );
}

#[test]
fn offset_counts_every_byte_fed() {
    let mut p = Parser::new();
    assert_eq!(p.offset(), 0);
    let mut input: &[u8] = b"\xEF\xBB\xBFdata:a\n\ndata:b\n\nda";
    let mut seen = Vec::new();
    while let Some(item) = p.next_item(&mut input) {
        seen.push((own(item, Limits::DEFAULT), input.len()));
        // Items are handed out as soon as their blank line is read.
    }
    assert_eq!(seen, [(msg("a", 3), 10), (msg("b", 11), 2)]);
    assert!(input.is_empty());
    assert_eq!(p.offset(), 21);
    p.feed(b"", |_| panic!());
    assert_eq!(p.offset(), 21);
    p.flush(|_| panic!("\"da\" is no field"));
    assert_eq!(p.offset(), 21);
}

#[test]
fn next_item_returns_none_only_when_the_input_is_used_up() {
    let mut p = Parser::new();
    let mut input: &[u8] = b"data:a\n\nretry:1\nretry:2\n: c\n";
    let mut n = 0;
    while let Some(_item) = p.next_item(&mut input) {
        n += 1;
    }
    assert_eq!(n, 3);
    assert!(input.is_empty());
    let mut empty: &[u8] = b"";
    assert!(p.next_item(&mut empty).is_none());
}

#[test]
fn the_slice_path_borrows_the_input_when_the_event_lies_inside_it() {
    let input = b"data: hello\n\n".to_vec();
    let mut p = Parser::new();
    let mut rest: &[u8] = &input;
    let Some(Item::Event(e)) = p.next_item(&mut rest) else {
        panic!()
    };
    assert_eq!(e.data, "hello");
    assert_eq!(e.data.as_ptr(), input[6..].as_ptr());
}

#[test]
fn the_bytes_path_shares_the_input_when_the_event_lies_inside_the_piece() {
    let whole = Bytes::from_static(
        b"id: 1\nevent: e\ndata: {\"a\":1}\n\ndata: one\ndata: two\n\ndata: spl",
    );
    let mut p = Parser::new();
    let items: Vec<SharedItem> = p.shared_items(whole.clone()).collect();
    let [SharedItem::Event(first), SharedItem::Event(second)] = &items[..] else {
        panic!("{items:?}")
    };
    assert_eq!(first.data, "{\"a\":1}");
    assert_eq!(
        first.data.as_bytes().as_ptr(),
        whole[21..].as_ptr(),
        "zero-copy"
    );
    assert_eq!((&*first.event, &*first.id, first.offset), ("e", "1", 15));
    // Two data lines cannot be a slice of the input; the value is still right.
    assert_eq!(second.data, "one\ntwo");
    // An event that straddles pieces is right too.
    let next = Bytes::from_static(b"it\n\n");
    let items: Vec<SharedItem> = p.shared_items(next).collect();
    let [SharedItem::Event(third)] = &items[..] else {
        panic!("{items:?}")
    };
    assert_eq!((&*third.data, third.offset), ("split", 51));
    // Invalid UTF-8 inside a piece is decoded, not shared.
    let mut p = Parser::new();
    let items: Vec<SharedItem> = p
        .shared_items(Bytes::from_static(b"data: a\xFF\n\n"))
        .collect();
    let [SharedItem::Event(e)] = &items[..] else {
        panic!()
    };
    assert_eq!(e.data, "a\u{FFFD}");
}

#[test]
fn next_shared_advances_the_bytes() {
    let mut p = Parser::new();
    let mut b = Bytes::from_static(b"retry: 5\ndata: x\n\nda");
    assert_eq!(p.next_shared(&mut b), Some(SharedItem::Retry(5)));
    assert_eq!(&b[..], b"data: x\n\nda");
    let Some(SharedItem::Event(e)) = p.next_shared(&mut b) else {
        panic!()
    };
    assert_eq!(
        (&*e.data, &*e.event, &*e.id, e.offset),
        ("x", "message", "", 9)
    );
    assert_eq!(&b[..], b"da");
    assert_eq!(p.next_shared(&mut b), None);
    assert!(b.is_empty());
}

#[test]
fn the_feed_example_of_the_crate_docs() {
    check(
        b"data: {\"a\":1}\r\n\r\nid: 7\ndata: [DONE]\n\n",
        &[msg("{\"a\":1}", 0), ev("message", "[DONE]", "7", 23)],
    );
}
