//! The `std::io::Read` adapters against the FILE mode, on every recording, read by a
//! reader that returns random amounts, is interrupted now and then and pauses.
#![cfg(feature = "io")]

mod common;

use std::io::{self, Read};
use std::time::Duration;

use chunkwise::io::{ChatEvents, SseEvents, for_each_event, for_each_event_with};
use chunkwise::{ChatStream, SharedChatEvent};
use chunkwise_testkit::streams::Rng;
use common::*;

/// Gives `bytes` in reads of random sizes, with `Interrupted` errors and short pauses
/// between some of them.
struct Trickle<'a> {
    bytes: &'a [u8],
    rng: Rng,
    /// Fail with this error once, at this offset.
    fail_at: Option<(usize, io::ErrorKind)>,
}

impl<'a> Trickle<'a> {
    fn new(bytes: &'a [u8], seed: u64) -> Trickle<'a> {
        Trickle {
            bytes,
            rng: Rng::new(seed),
            fail_at: None,
        }
    }
    fn at(&self) -> usize {
        self.bytes.as_ptr() as usize
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((at, kind)) = self.fail_at
            && at <= self.at()
        {
            self.fail_at = None;
            return Err(io::Error::new(kind, "injected"));
        }
        if self.rng.chance(1, 10) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        if self.rng.chance(1, 200) {
            std::thread::sleep(Duration::from_micros(200));
        }
        let n = piece_len(&mut self.rng)
            .min(buf.len())
            .min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

#[test]
fn chat_events_give_the_file_mode_result() {
    for (path, bytes) in recordings() {
        let want = file_mode(&bytes);
        for round in 0..4 {
            let reader = Trickle::new(&bytes, seed(&path, round));
            // Small blocks too, so that blocks are recycled and events straddle them.
            let capacity = [1024, 4096, 16 << 10, 1 << 20][round as usize];
            let mut events = ChatEvents::new(reader).buffer_capacity(capacity);
            let got: Vec<SharedChatEvent> = (&mut events)
                .collect::<io::Result<_>>()
                .expect("no read error");
            let got = outcome_of!(got, events);
            assert_same(&path, &format!("round {round}"), &got, &want);
            assert!(events.next().is_none(), "stays ended");
        }
    }
}

#[test]
fn the_lending_loop_gives_the_file_mode_result() {
    let mut stream = ChatStream::new();
    for (path, bytes) in recordings() {
        let want = file_mode(&bytes);
        let mut events = Vec::new();
        let completion = for_each_event(Trickle::new(&bytes, seed(&path, 9)), |event| {
            events.push(render(&event))
        })
        .expect("no read error");
        assert_eq!(events, want.events, "{path:?}");
        let mut json = Vec::new();
        completion.write_json(&mut json);
        assert_eq!(
            String::from_utf8(json).unwrap(),
            want.completion,
            "{path:?}"
        );

        // With a reused stream.
        stream.reset();
        let mut again = Vec::new();
        for_each_event_with(
            &mut stream,
            Trickle::new(&bytes, seed(&path, 10)),
            |event| again.push(render(&event)),
        )
        .expect("no read error");
        assert_eq!(again, want.events, "{path:?} reused");
        assert_eq!(stream.last_event_id(), want.last_event_id);
    }
}

#[test]
fn sse_events_give_the_parser_result() {
    for (path, bytes) in recordings() {
        let want = sse_file_mode(&bytes);
        let mut items = SseEvents::new(Trickle::new(&bytes, seed(&path, 3)));
        let got: Vec<String> = (&mut items)
            .map(|item| render_item(&item.expect("no read error")))
            .collect();
        assert_eq!(got, want, "{path:?}");
    }
}

#[test]
fn a_read_error_is_handed_over_and_reading_can_go_on() {
    let (path, bytes) = recordings().swap_remove(0);
    let want = file_mode(&bytes);
    let mut reader = Trickle::new(&bytes, 5);
    reader.fail_at = Some((
        reader.at() + bytes.len() / 2,
        io::ErrorKind::ConnectionReset,
    ));
    let mut events = ChatEvents::new(reader);
    let mut got = Vec::new();
    let mut errors = 0;
    for event in &mut events {
        match event {
            Ok(event) => got.push(event),
            Err(e) => {
                assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
                errors += 1;
            }
        }
    }
    assert_eq!(errors, 1);
    let got = outcome_of!(got, events);
    assert_same(&path, "after an error", &got, &want);
}

#[test]
fn the_lending_loop_stops_at_a_read_error_leaving_the_stream_readable() {
    let body = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"cho";
    let mut reader = Trickle::new(body, 1);
    reader.fail_at = Some((reader.at() + body.len(), io::ErrorKind::TimedOut));
    let mut stream = ChatStream::new();
    let err = for_each_event_with(&mut stream, reader, |_| {}).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert_eq!(stream.completion().choices()[0].content(), Some("a"));
    assert!(!stream.completion().is_done());
}
