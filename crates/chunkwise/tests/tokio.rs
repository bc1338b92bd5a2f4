//! The `AsyncRead` adapters against the FILE mode, on every recording: read from a
//! paced reader giving random amounts, and over a real loopback TCP connection.
#![cfg(feature = "tokio")]

mod common;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use chunkwise::stream::ChatEvents;
use chunkwise::tokio::{ReadStream, chat_events, sse_events};
use chunkwise_testkit::streams::Rng;
use common::*;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

/// Gives `bytes` in reads of random sizes, paced, failing once at `fail_at`.
struct PacedReader {
    bytes: Vec<u8>,
    at: usize,
    pacer: Pacer,
    fail_at: Option<usize>,
}

impl PacedReader {
    fn new(bytes: &[u8], seed: u64) -> PacedReader {
        PacedReader {
            bytes: bytes.to_vec(),
            at: 0,
            pacer: Pacer::new(seed),
            fail_at: None,
        }
    }
}

impl AsyncRead for PacedReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.pacer.poll_ready(cx));
        this.pacer.gave();
        if this.fail_at.is_some_and(|at| at <= this.at) {
            this.fail_at = None;
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        let n = piece_len(this.pacer.rng())
            .min(buf.remaining())
            .min(this.bytes.len() - this.at);
        buf.put_slice(&this.bytes[this.at..this.at + n]);
        this.at += n;
        Poll::Ready(Ok(()))
    }
}

#[test]
fn chat_events_give_the_file_mode_result() {
    block_on(async {
        for (path, bytes) in recordings() {
            let want = file_mode(&bytes);
            for round in 0..3 {
                let reader = PacedReader::new(&bytes, seed(&path, round));
                let mut events = match round {
                    0 => chat_events(reader),
                    // Small blocks: recycled often, events straddle them.
                    _ => ChatEvents::new(ReadStream::with_capacity(reader, 1024 * round as usize)),
                };
                let mut got = Vec::new();
                while let Some(event) = events.next().await {
                    got.push(event.expect("no read error"));
                }
                let got = outcome_of!(got, events);
                assert_same(&path, &format!("round {round}"), &got, &want);
            }
        }
    });
}

#[test]
fn sse_events_give_the_parser_result() {
    block_on(async {
        for (path, bytes) in recordings() {
            let want = sse_file_mode(&bytes);
            let mut items = sse_events(PacedReader::new(&bytes, seed(&path, 5)));
            let mut got = Vec::new();
            while let Some(item) = items.next().await {
                got.push(render_item(&item.expect("no read error")));
            }
            assert_eq!(got, want, "{path:?}");
        }
    });
}

#[test]
fn a_read_error_is_handed_over_and_reading_goes_on() {
    let (path, bytes) = recordings().swap_remove(5);
    let want = file_mode(&bytes);
    block_on(async {
        let mut reader = PacedReader::new(&bytes, 8);
        reader.fail_at = Some(bytes.len() / 3);
        let mut events = chat_events(reader);
        let mut got = Vec::new();
        let mut errors = 0;
        while let Some(event) = events.next().await {
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
    });
}

#[test]
fn a_loopback_tcp_connection_gives_the_file_mode_result() {
    block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        for (i, (path, bytes)) in recordings().into_iter().enumerate().step_by(4) {
            let want = file_mode(&bytes);
            let pieces = random_pieces(&bytes, &mut Rng::new(i as u64));
            let writer = tokio::spawn(async move {
                let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
                socket.set_nodelay(true).unwrap();
                for (k, piece) in pieces.iter().enumerate() {
                    socket.write_all(piece).await.unwrap();
                    if k % 8 == 0 {
                        tokio::time::sleep(std::time::Duration::from_micros(100)).await;
                    }
                }
                socket.shutdown().await.unwrap();
            });
            let (socket, _) = listener.accept().await.unwrap();
            let mut events = chat_events(socket);
            let mut got = Vec::new();
            while let Some(event) = events.next().await {
                got.push(event.expect("no read error"));
            }
            writer.await.unwrap();
            let got = outcome_of!(got, events);
            assert_same(&path, "tcp", &got, &want);
        }
    });
}
