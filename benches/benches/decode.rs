//! The decoding benchmark: SSE bytes in, typed chunks out (framing + chunk decoding,
//! no accumulation).
//!
//! Contenders, each handed the same pieces of the same generated stream and made to
//! read every chunk's content and tool-call fragments (their lengths are summed and
//! checked to agree between contenders):
//!
//! - `chunkwise`: `chunkwise_sse::Parser::feed` + `chunkwise_chat::decode::Decoder`
//!   (borrowed `Chunk`s);
//! - `async-openai path`: `eventsource-stream` over a `futures` stream of `Bytes`
//!   pieces + `serde_json` into owned structs shaped exactly like async-openai's
//!   `CreateChatCompletionStreamResponse` (see `bin/peers.rs`);
//! - `memchr + serde_json (borrowed)`: a hand-rolled memchr framer + `serde_json`
//!   into borrowed structs (`Cow<str>`), the strong hand-rolled baseline;
//! - `memchr + simd-json (borrowed)`: the same framer + simd-json's serde support into
//!   the same borrowed structs (reused copy buffer and simd-json buffers): the best
//!   general-purpose decoder;
//! - `memchr + simd-json (value)`: the same framer + `simd_json::to_borrowed_value`
//!   (with reused buffers), read through the generic value.
//!
//! Streams (see `chunkwise_testkit::streams`): typical text, tool-call heavy, the text
//! with CRLF line ends, and text with keep-alive comments; 64 KiB and 4 MiB (set
//! `CHUNKWISE_BENCH_LARGE=1` to add 64 MiB); fed in 1460-byte pieces (one TCP
//! segment), 16 KiB pieces (one TLS record) and whole (text only; the other streams
//! in 1460-byte pieces). Every case is checked; criterion measures all sizes of the
//! text stream and the other streams from 4 MiB up.
//!
//! Before the criterion groups (which report bytes/s), a summary table prints for the
//! 4 MiB streams: MB/s, events/s, allocations per event and the ratio to the
//! async-openai path and to the best general decoder.
//!
//! `cargo bench -p chunkwise-benches --bench decode` takes about two minutes;
//! `-- --quick` about 40 s.

#[path = "../bin/common.rs"]
mod common;
#[path = "../bin/peers.rs"]
mod peers;

use std::convert::Infallible;
use std::hint::black_box;

use bytes::Bytes;
use chunkwise_benches::CountingAlloc;
use chunkwise_chat::decode::Decoder;
use chunkwise_chat::{Content, Payload};
use chunkwise_sse::{Item, Parser};
use common::{Case, Contender as _, Contest, Fed, MIB, pieces_for};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::executor::block_on;
use peers::{Framer, aoai, borrowed, value};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// What a contender read: checked to be the same for all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    /// Events decoded as chunks.
    chunks: usize,
    /// Bytes of content text (unescaped).
    content: usize,
    /// Bytes of tool-call argument fragments (unescaped).
    args: usize,
    /// Tool-call fragments carrying an id.
    ids: usize,
    /// `[DONE]` seen.
    done: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Chunkwise,
    AsyncOpenai,
    SerdeJson,
    SimdBorrowed,
    SimdValue,
}

const CONTENDERS: &[Contender] = &[
    Contender::Chunkwise,
    Contender::AsyncOpenai,
    Contender::SerdeJson,
    Contender::SimdBorrowed,
    Contender::SimdValue,
];

const AOAI: &str = "async-openai path";
const BEST: &str = "memchr + simd-json (borrowed)";

impl common::Contender for Contender {
    type Out = Tally;

    fn name(self) -> &'static str {
        match self {
            Contender::Chunkwise => "chunkwise",
            Contender::AsyncOpenai => AOAI,
            Contender::SerdeJson => "memchr + serde_json (borrowed)",
            Contender::SimdBorrowed => BEST,
            Contender::SimdValue => "memchr + simd-json (value)",
        }
    }

    /// eventsource-stream copies the rest of its buffer for every event it takes out
    /// of it: quadratic in the piece size, seconds per run for a whole 4 MiB stream.
    /// Such runs are timed once in the summary and left out of criterion.
    fn quadratic(self, piece: usize, len: usize) -> bool {
        self == Contender::AsyncOpenai && piece.min(len) > MIB
    }

    fn run(self, fed: &Fed<'_>) -> Tally {
        match self {
            Contender::Chunkwise => chunkwise(&fed.slices),
            Contender::AsyncOpenai => async_openai(&fed.bytes),
            Contender::SerdeJson => serde_json_borrowed(&fed.slices),
            Contender::SimdBorrowed => simd_borrowed(&fed.slices),
            Contender::SimdValue => simd_value(&fed.slices),
        }
    }
}

fn chunkwise(pieces: &[&[u8]]) -> Tally {
    let mut parser = Parser::new();
    let mut decoder = Decoder::new();
    let mut t = Tally::default();
    for piece in pieces {
        parser.feed(piece, |item| {
            let Item::Event(ev) = item else { return };
            if ev.event != "message" {
                return;
            }
            match decoder.decode(ev.data) {
                Ok(Payload::Chunk(chunk)) => {
                    let chunk = black_box(&chunk);
                    t.chunks += 1;
                    for choice in &chunk.choices {
                        if let Some(Content::Text(text)) = choice.delta.content {
                            t.content += text.len();
                        }
                        for call in &choice.delta.tool_calls {
                            t.ids += usize::from(call.id.is_some());
                            t.args += call.function.arguments.map_or(0, str::len);
                        }
                    }
                }
                Ok(Payload::Done) => t.done = true,
                Err(e) => panic!("chunkwise failed to decode a chunk: {e}"),
            }
        });
    }
    t
}

fn async_openai(pieces: &[Bytes]) -> Tally {
    let input = futures::stream::iter(pieces.iter().cloned().map(Ok::<Bytes, Infallible>));
    let mut events = input.eventsource();
    block_on(async {
        let mut t = Tally::default();
        while let Some(ev) = events.next().await {
            let ev = ev.expect("eventsource-stream failed on a valid stream");
            let chunk = match aoai::map_event(&ev) {
                None => continue,
                Some(None) => {
                    t.done = true;
                    break;
                }
                Some(Some(chunk)) => chunk.expect("serde_json failed on a valid chunk"),
            };
            let chunk = black_box(chunk);
            t.chunks += 1;
            for choice in &chunk.choices {
                t.content += choice.delta.content.as_ref().map_or(0, String::len);
                for call in choice.delta.tool_calls.iter().flatten() {
                    t.ids += usize::from(call.id.is_some());
                    t.args += call
                        .function
                        .as_ref()
                        .and_then(|f| f.arguments.as_ref())
                        .map_or(0, String::len);
                }
            }
        }
        t
    })
}

fn tally_borrowed(t: &mut Tally, chunk: &borrowed::Chunk<'_>) {
    t.chunks += 1;
    for choice in &chunk.choices {
        t.content += choice.delta.content.as_ref().map_or(0, |s| s.0.len());
        for call in choice.delta.tool_calls.iter().flatten() {
            t.ids += usize::from(call.id.is_some());
            t.args += call
                .function
                .as_ref()
                .and_then(|f| f.arguments.as_ref())
                .map_or(0, |s| s.0.len());
        }
    }
}

fn serde_json_borrowed(pieces: &[&[u8]]) -> Tally {
    let mut framer = Framer::new();
    let mut t = Tally::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                t.done = true;
                return;
            }
            let chunk = borrowed::serde_json(data).expect("serde_json failed on a valid chunk");
            tally_borrowed(&mut t, black_box(&chunk));
        });
    }
    t
}

fn simd_borrowed(pieces: &[&[u8]]) -> Tally {
    let mut framer = Framer::new();
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    let mut t = Tally::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                t.done = true;
                return;
            }
            let chunk = borrowed::simd(data, &mut buf, &mut buffers)
                .expect("simd-json failed on a valid chunk");
            tally_borrowed(&mut t, black_box(&chunk));
        });
    }
    t
}

fn simd_value(pieces: &[&[u8]]) -> Tally {
    use simd_json::prelude::*;
    let mut framer = Framer::new();
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    let mut t = Tally::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                t.done = true;
                return;
            }
            let chunk =
                value::parse(data, &mut buf, &mut buffers).expect("simd-json failed on a chunk");
            let chunk = black_box(&chunk);
            t.chunks += 1;
            for choice in chunk.get_array("choices").into_iter().flatten() {
                let Some(delta) = choice.get("delta") else {
                    continue;
                };
                t.content += delta.get_str("content").map_or(0, str::len);
                for call in delta.get_array("tool_calls").into_iter().flatten() {
                    t.ids += usize::from(call.get_str("id").is_some());
                    t.args += call
                        .get("function")
                        .and_then(|f| f.get_str("arguments"))
                        .map_or(0, str::len);
                }
            }
        });
    }
    t
}

/// The piece sizes a stream kind is fed in.
/// Checks that every contender reads the same on every split (chunkwise's reading,
/// fed whole, is the reference, and must have decoded every event).
fn check(case: &Case) {
    let want = chunkwise(&[&case.stream.bytes[..]]);
    assert_eq!(
        want.chunks + 1,
        case.events(),
        "{}/{}",
        case.kind,
        case.size
    );
    assert!(want.done && want.content + want.args > 0);
    for &c in CONTENDERS {
        for &(label, size) in pieces_for(case.kind) {
            if c.quadratic(size, case.len()) {
                continue;
            }
            let got = c.run(&case.fed(size));
            assert_eq!(
                got,
                want,
                "{} on {}/{} pieces {label}",
                c.name(),
                case.kind,
                case.size
            );
        }
    }
}

fn main() {
    Contest {
        name: "decode",
        contenders: CONTENDERS,
        reference: AOAI,
        best: BEST,
        check,
    }
    .main();
}
