//! `SharedChatStream` (the engine of every adapter) against the FILE mode, on every
//! recording under random cuts, and its zero-copy promises.

mod common;

use bytes::Bytes;
use chunkwise::{SharedChatEvent, SharedChatStream};
use chunkwise_testkit::streams::Rng;
use common::*;

fn run(stream: &mut SharedChatStream, pieces: &[Bytes], rng: &mut Rng) -> Outcome {
    let mut events = Vec::new();
    for piece in pieces {
        stream.push(piece.clone());
        // Now and then push the next piece before taking every event.
        if rng.chance(1, 8) {
            if let Some(event) = stream.next_event() {
                events.push(event);
            }
            continue;
        }
        while let Some(event) = stream.next_event() {
            events.push(event);
        }
    }
    stream.finish();
    while let Some(event) = stream.next_event() {
        events.push(event);
    }
    outcome_of!(events, stream)
}

#[test]
fn every_recording_gives_the_file_mode_result_under_random_cuts() {
    let mut stream = SharedChatStream::new();
    for (path, bytes) in recordings() {
        let want = file_mode(&bytes);
        assert!(!want.events.is_empty(), "{path:?} has events");
        for round in 0..8 {
            let mut rng = Rng::new(seed(&path, round));
            let pieces = random_pieces(&bytes, &mut rng);
            // A reused engine (reset) and a fresh one give the same result.
            stream.reset();
            let got = run(&mut stream, &pieces, &mut rng);
            assert_same(&path, &format!("round {round}"), &got, &want);
        }
        let whole = [Bytes::from(bytes.clone())];
        let got = run(&mut SharedChatStream::new(), &whole, &mut Rng::new(1));
        assert_same(&path, "whole", &got, &want);
        let bytewise: Vec<Bytes> = bytes.iter().map(|&b| Bytes::from(vec![b])).collect();
        let got = run(&mut SharedChatStream::new(), &bytewise, &mut Rng::new(2));
        assert_same(&path, "byte by byte", &got, &want);
    }
}

const EVENT: &str = "data: {\"id\":\"c1\",\"model\":\"gpt\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"}}]}\n\n";

fn content(event: &SharedChatEvent) -> &chunkwise::Utf8Bytes {
    let SharedChatEvent::Chunk(chunk) = event else {
        panic!("a chunk: {event:?}")
    };
    match chunk.choices[0].delta.content.as_ref() {
        Some(chunkwise::chat::ContentOf::Text(text)) => text,
        other => panic!("text content: {other:?}"),
    }
}

#[test]
fn an_event_split_across_pieces_is_gathered_once_and_sliced() {
    let body = EVENT.repeat(3);
    let mid = EVENT.len() + 20;
    let (a, b) = body.as_bytes().split_at(mid);
    let (a, b) = (Bytes::copy_from_slice(a), Bytes::copy_from_slice(b));
    let mut stream = SharedChatStream::new();
    stream.push(a.clone());
    let first = stream.next_event().expect("the first event");
    assert!(a.as_ptr_range().contains(&content(&first).as_ptr()));
    assert!(stream.next_event().is_none());
    stream.push(b.clone());
    let second = stream.next_event().expect("the split event");
    let third = stream.next_event().expect("the last event");
    // The split event was gathered into a buffer of its own.
    assert!(!a.as_ptr_range().contains(&content(&second).as_ptr()));
    assert!(!b.as_ptr_range().contains(&content(&second).as_ptr()));
    assert!(b.as_ptr_range().contains(&content(&third).as_ptr()));
    assert_eq!(content(&second), "word ");
}

#[test]
fn a_huge_piece_is_read_one_event_at_a_time() {
    // 100 000 events in one piece: the queue never holds them all (it would take
    // ~100 MB); each `next_event` reads about one.
    let body = Bytes::from(EVENT.repeat(100_000));
    let mut stream = SharedChatStream::new();
    stream.push(body.clone());
    let mut n = 0;
    while let Some(event) = stream.next_event() {
        assert!(body.as_ptr_range().contains(&content(&event).as_ptr()));
        n += 1;
        if n == 10 {
            // After ten events, most of the piece is still unread.
            assert!(stream.chat().offset() < 20 * EVENT.len() as u64);
        }
    }
    assert_eq!(n, 100_000);
}

#[test]
fn an_endless_line_is_bounded_by_the_parser_limits() {
    // No line end, ever: the carried bytes go to the parser past 1 MiB, whose limits
    // then skip the line; memory stays bounded.
    let limits = chunkwise::Limits {
        max_line_len: 2 << 20,
        max_event_len: 2 << 20,
        max_buffered: 4 << 20,
    };
    let mut stream = SharedChatStream::with_limits(limits, Default::default());
    let piece = Bytes::from(vec![b'a'; 64 << 10]);
    let mut errors = 0;
    for _ in 0..200 {
        stream.push(piece.clone());
        while let Some(event) = stream.next_event() {
            assert!(matches!(event, SharedChatEvent::Error(_)), "{event:?}");
            errors += 1;
        }
        assert!(
            stream
                .chat()
                .accumulator()
                .completion()
                .choices()
                .is_empty()
        );
    }
    assert_eq!(errors, 1, "one limit error for the one over-long line");
}

#[test]
fn pushes_after_finish_are_ignored() {
    let mut stream = SharedChatStream::new();
    stream.push(Bytes::from_static(b"data: [DONE]"));
    assert!(stream.finish().is_done());
    assert!(matches!(stream.next_event(), Some(SharedChatEvent::Done)));
    stream.push(Bytes::from_static(EVENT.as_bytes()));
    assert!(stream.next_event().is_none());
    assert!(stream.is_finished() && stream.is_drained());
}
