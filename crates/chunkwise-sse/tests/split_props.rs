//! Property tests: for generated streams (from an event-stream grammar, and raw bytes)
//! and any partition into pieces, the parser's items fed in pieces equal its items fed
//! whole, equal the independent reference in `chunkwise_testkit::sse_ref`, and the
//! `Bytes` path equals the slice path — with default and with small limits, with and
//! without flush.

use bytes::Bytes;
use chunkwise_sse::{Item, Limit, LimitError, Limits, Parser, SharedItem};
use chunkwise_testkit::sse_ref::{self, RefItem, RefLimit, RefLimits};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

// ---------------------------------------------------------------------------------------
// Running the parser

fn own_error(e: LimitError, limits: Limits) -> RefItem {
    let (limit, max) = match e.limit {
        Limit::Line => (RefLimit::Line, limits.max_line_len),
        Limit::Event => (RefLimit::Event, limits.max_event_len),
        Limit::Buffered => (RefLimit::Buffered, limits.max_buffered),
    };
    assert_eq!(e.max, max);
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

/// Items, `last_event_id()`, `retry()` and `offset()` at the end of a run.
type Run = (Vec<RefItem>, String, Option<u64>, u64);

fn finish(p: &mut Parser, mut items: Vec<RefItem>, limits: Limits, flush: bool) -> Run {
    if flush {
        p.flush(|it| items.push(own(it, limits)));
    }
    (items, p.last_event_id().to_owned(), p.retry(), p.offset())
}

fn run_slice(limits: Limits, pieces: &[&[u8]], flush: bool) -> Run {
    let mut p = Parser::with_limits(limits);
    let mut items = Vec::new();
    for piece in pieces {
        let mut rest = *piece;
        while let Some(it) = p.next_item(&mut rest) {
            items.push(own(it, limits));
        }
        assert!(rest.is_empty());
    }
    finish(&mut p, items, limits, flush)
}

/// The callback path, which checks UTF-8 once per piece rather than per event.
fn run_feed(limits: Limits, pieces: &[&[u8]], flush: bool) -> Run {
    let mut p = Parser::with_limits(limits);
    let mut items = Vec::new();
    for piece in pieces {
        p.feed(piece, |it| items.push(own(it, limits)));
    }
    finish(&mut p, items, limits, flush)
}

fn run_shared(limits: Limits, whole: &Bytes, cuts: &[usize], flush: bool) -> Run {
    let mut p = Parser::with_limits(limits);
    let mut items = Vec::new();
    let mut at = 0;
    for &cut in cuts.iter().chain([&whole.len()]) {
        items.extend(
            p.shared_items(whole.slice(at..cut))
                .map(|it| own_shared(it, limits)),
        );
        at = cut;
    }
    finish(&mut p, items, limits, flush)
}

fn ref_limits(l: Limits) -> RefLimits {
    RefLimits {
        max_line_len: l.max_line_len,
        max_event_len: l.max_event_len,
        max_buffered: l.max_buffered,
    }
}

/// Sorted cut positions in `0..=len` (repeats allowed: empty pieces are fed too).
fn cut_points(len: usize, cuts: &[Index]) -> Vec<usize> {
    let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

fn pieces_at<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut at = 0;
    for &cut in cuts {
        pieces.push(&input[at..cut]);
        at = cut;
    }
    pieces.push(&input[at..]);
    pieces
}

/// The whole property for one input.
fn check(input: &[u8], limits: Limits, flush: bool, cuts: &[Index]) -> Result<(), TestCaseError> {
    let expected = sse_ref::run(input, ref_limits(limits), flush);
    let expected: Run = (
        expected.items,
        expected.last_event_id,
        expected.retry,
        input.len() as u64,
    );
    let whole = run_slice(limits, &[input], flush);
    prop_assert_eq!(&whole, &expected, "fed whole vs reference");
    let cuts = cut_points(input.len(), cuts);
    let pieces = pieces_at(input, &cuts);
    prop_assert_eq!(
        &run_slice(limits, &pieces, flush),
        &expected,
        "fed in pieces {:?}",
        &cuts
    );
    prop_assert_eq!(
        &run_feed(limits, &pieces, flush),
        &expected,
        "fed with feed() in pieces {:?}",
        &cuts
    );
    prop_assert_eq!(
        &run_feed(limits, &[input], flush),
        &expected,
        "feed() whole"
    );
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    prop_assert_eq!(
        &run_slice(limits, &bytes, flush),
        &expected,
        "fed byte by byte"
    );
    let shared = Bytes::copy_from_slice(input);
    prop_assert_eq!(
        &run_shared(limits, &shared, &cuts, flush),
        &expected,
        "Bytes path in pieces {:?}",
        &cuts
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Generators

fn atom() -> impl Strategy<Value = &'static [u8]> {
    select(vec![
        &b"a"[..],
        b"bc",
        b"hello",
        b" ",
        b"  ",
        b":",
        b"\0",
        b"\t",
        b"\xFF",
        b"\xC3",
        b"\xE2\x82",
        b"\xF0\x9F\x98",
        b"\xED\xA0\x80",
        "é".as_bytes(),
        "😀".as_bytes(),
        b"\xEF\xBB\xBF",
        b"{\"k\":1}",
        b"0",
        b"42",
        b"-1",
        b"data",
    ])
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        10 => vec(atom(), 0..6).prop_map(|v| v.concat()),
        1 => (0usize..300).prop_map(|n| vec![b'x'; n]),
    ]
}

fn retry_value() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        (0u64..100_000).prop_map(|n| n.to_string().into_bytes()),
        any::<u64>().prop_map(|n| n.to_string().into_bytes()),
        select(vec![
            &b"99999999999999999999999"[..],
            b"18446744073709551616",
            b"007",
            b"1a",
            b"-1",
            b" 5",
            b"5 ",
            b"",
            b"\xD9\xA1",
        ])
        .prop_map(|v| v.to_vec()),
    ]
    .boxed()
}

/// One line, without its line end.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let name = select(vec![
        "data", "data", "data", "data", "event", "event", "id", "id", "retry", "foo", "Data",
        "DATA", "data ", " data", "", "retr", "ids",
    ]);
    let sep = select(vec![":", ": ", ": ", ":  ", "", ":\t"]);
    prop_oneof![
        8 => (name, sep, value())
            .prop_map(|(n, s, v)| [n.as_bytes(), s.as_bytes(), &v].concat()),
        2 => (select(vec!["retry:", "retry: ", "retry:  "]), retry_value())
            .prop_map(|(n, v)| [n.as_bytes(), &v].concat()),
        1 => value().prop_map(|v| [&b":"[..], &v].concat()),
        4 => Just(Vec::new()),
    ]
}

fn line_end() -> impl Strategy<Value = &'static [u8]> {
    select(vec![&b"\n"[..], b"\n", b"\r", b"\r\n", b"\r\n"])
}

/// A stream from the grammar: optional (partial) BOM, lines with every kind of line
/// end, and possibly a final line without one.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let bom = select(vec![
        &b""[..],
        b"",
        b"",
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF",
        b"\xEF",
        b"\xEF\xBB",
    ]);
    let tail = prop_oneof![Just(Vec::new()), line()];
    (bom, vec((line(), line_end()), 0..24), tail).prop_map(|(bom, lines, tail)| {
        let mut s = bom.to_vec();
        for (line, end) in lines {
            s.extend_from_slice(&line);
            s.extend_from_slice(end);
        }
        s.extend_from_slice(&tail);
        s
    })
}

/// Bytes drawn mostly from the characters that matter to the syntax.
fn syntax_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => select(b"\r\n:  datevnirymx\0".to_vec()),
        1 => select(b"\xEF\xBB\xBF\xFF\xC3\xA9\xE2\x82".to_vec()),
        1 => any::<u8>(),
    ];
    vec(byte, 0..200)
}

fn small_limits() -> impl Strategy<Value = Limits> {
    (0usize..64, 0usize..64, 0usize..96).prop_map(|(l, e, b)| Limits {
        max_line_len: l,
        max_event_len: e,
        max_buffered: b,
    })
}

fn any_limits() -> impl Strategy<Value = Limits> {
    prop_oneof![Just(Limits::DEFAULT), small_limits()]
}

fn cuts() -> impl Strategy<Value = Vec<Index>> {
    vec(any::<Index>(), 0..12)
}

// ---------------------------------------------------------------------------------------
// Properties

proptest! {
    #[test]
    fn grammar_streams_default_limits(s in stream(), flush: bool, cuts in cuts()) {
        check(&s, Limits::DEFAULT, flush, &cuts)?;
    }

    #[test]
    fn grammar_streams_small_limits(
        s in stream(),
        limits in small_limits(),
        flush: bool,
        cuts in cuts(),
    ) {
        check(&s, limits, flush, &cuts)?;
    }

    #[test]
    fn syntax_byte_soup(s in syntax_bytes(), limits in any_limits(), flush: bool, cuts in cuts()) {
        check(&s, limits, flush, &cuts)?;
    }

    /// Very short streams, where the edge cases (partial BOM, lone CR, zero limits) are.
    #[test]
    fn tiny_streams(
        s in vec(select(b"\r\n:d\xEF\xBB\xBF".to_vec()), 0..5),
        limits in small_limits().prop_map(|l| Limits {
            max_line_len: l.max_line_len % 4,
            max_event_len: l.max_event_len % 4,
            max_buffered: l.max_buffered % 6,
        }),
        flush: bool,
        cuts in cuts(),
    ) {
        check(&s, limits, flush, &cuts)?;
    }

    #[test]
    fn arbitrary_bytes(s in vec(any::<u8>(), 0..300), limits in any_limits(), flush: bool, cuts in cuts()) {
        check(&s, limits, flush, &cuts)?;
    }

    /// The claim the reference and the parser rely on: decoding each line on its own
    /// gives what decoding the whole stream and then splitting it gives.
    #[test]
    fn decoding_lines_alone_equals_decoding_the_stream(s in syntax_bytes()) {
        let decoded = String::from_utf8_lossy(&s);
        let (raw_lines, raw_rest) = sse_ref::split_lines(&s);
        let (dec_lines, dec_rest) = sse_ref::split_lines(decoded.as_bytes());
        let raw: Vec<String> = raw_lines
            .iter()
            .chain(&raw_rest)
            .map(|(_, l)| String::from_utf8_lossy(l).into_owned())
            .collect();
        let dec: Vec<&[u8]> = dec_lines.iter().chain(&dec_rest).map(|(_, l)| *l).collect();
        let raw: Vec<&[u8]> = raw.iter().map(|l| l.as_bytes()).collect();
        prop_assert_eq!(raw, dec);
    }
}
