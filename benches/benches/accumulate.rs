//! The accumulation benchmark: SSE bytes in, the final completion out (framing, chunk
//! decoding and accumulation: the whole job of a client that waits for the answer).
//!
//! Contenders, each handed the same pieces of the same generated stream; their final
//! completions (content per choice, tool calls with id, name and arguments, finish
//! reasons, usage) are checked to be equal before anything is timed:
//!
//! - `chunkwise`: `chunkwise_chat::ChatStream::feed` per piece, `finish`, and the
//!   `Completion` (tool-call arguments parsed with simd-json as each call completes);
//! - `async-openai path + hand`: eventsource-stream + serde_json into async-openai's
//!   owned chunk type (see `decode.rs`), plus the accumulation a user writes by hand:
//!   concatenate content, join tool calls by index, keep finish reason and usage, and
//!   at the end parse each call's arguments with serde_json (to run the tool);
//! - `memchr + serde_json (borrowed) + hand`, `memchr + simd-json (borrowed) + hand`
//!   (the best general decoder) and `memchr + simd-json (value) + hand`: the decoders
//!   of `decode.rs` with the same hand-written accumulation (the simd-json ones parse
//!   the arguments with simd-json).
//!
//! Streams: typical text, tool-call heavy, CRLF, keep-alive; 64 KiB and 4 MiB (and
//! 64 MiB with `CHUNKWISE_BENCH_LARGE=1`); 1460-byte pieces, plus 16 KiB and whole for
//! the text stream. Every case is checked; criterion measures all sizes of the text
//! stream and the other streams from 4 MiB up. A summary table for the 4 MiB streams
//! prints first (MB/s, events/s, allocations per event, ratios to the async-openai
//! path and to the best general decoder), then the criterion groups.
//!
//! `cargo bench -p chunkwise-benches --bench accumulate` takes about two minutes;
//! `-- --quick` about 40 s.

#[path = "../bin/common.rs"]
mod common;
#[path = "../bin/peers.rs"]
mod peers;

use std::convert::Infallible;
use std::hint::black_box;

use bytes::Bytes;
use chunkwise_benches::CountingAlloc;
use chunkwise_chat::{ChatEvent, ChatStream, Completion};
use common::{Case, Contender as _, Contest, Fed, MIB, pieces_for};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::executor::block_on;
use peers::{Framer, Hand, HandCall, HandChoice, aoai, borrowed, value};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

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

const AOAI: &str = "async-openai path + hand";
const BEST: &str = "memchr + simd-json (borrowed) + hand";

/// A finished completion, whoever built it.
enum Done {
    Chunkwise(Box<ChatStream>),
    Hand(Box<Hand>),
}

impl Done {
    /// The completion in one comparable form.
    fn normalized(&self) -> Hand {
        match self {
            Done::Hand(h) => Hand {
                chunks: 0,
                ..(**h).clone()
            },
            Done::Chunkwise(s) => normalize(s.completion()),
        }
    }
}

fn normalize(c: &Completion) -> Hand {
    let mut h = Hand {
        id: c.id().unwrap_or("").into(),
        model: c.model().unwrap_or("").into(),
        done: c.is_done(),
        ..Hand::default()
    };
    for choice in c.choices() {
        let i = choice.index() as usize;
        if h.choices.len() <= i {
            h.choices.resize_with(i + 1, HandChoice::default);
        }
        h.choices[i] = HandChoice {
            content: choice.content().unwrap_or("").into(),
            tool_calls: choice
                .tool_calls()
                .map(|call| HandCall {
                    id: call.id().unwrap_or("").into(),
                    name: call.name().into(),
                    arguments: call.arguments().into(),
                })
                .collect(),
            finish_reason: choice.finish_reason().map(|r| r.as_str().into()),
        };
    }
    if let Some(u) = c.usage() {
        h.usage = Some((
            u.prompt_tokens.unwrap_or(0),
            u.completion_tokens.unwrap_or(0),
            u.total_tokens.unwrap_or(0),
        ));
    }
    h
}

impl common::Contender for Contender {
    type Out = Done;

    fn name(self) -> &'static str {
        match self {
            Contender::Chunkwise => "chunkwise",
            Contender::AsyncOpenai => AOAI,
            Contender::SerdeJson => "memchr + serde_json (borrowed) + hand",
            Contender::SimdBorrowed => BEST,
            Contender::SimdValue => "memchr + simd-json (value) + hand",
        }
    }

    /// See `decode.rs`: eventsource-stream is quadratic in the piece size.
    fn quadratic(self, piece: usize, len: usize) -> bool {
        self == Contender::AsyncOpenai && piece.min(len) > MIB
    }

    fn run(self, fed: &Fed<'_>) -> Done {
        match self {
            Contender::Chunkwise => Done::Chunkwise(chunkwise(&fed.slices)),
            Contender::AsyncOpenai => Done::Hand(async_openai(&fed.bytes)),
            Contender::SerdeJson => Done::Hand(serde_json_borrowed(&fed.slices)),
            Contender::SimdBorrowed => Done::Hand(simd_borrowed(&fed.slices)),
            Contender::SimdValue => Done::Hand(simd_value(&fed.slices)),
        }
    }
}

fn chunkwise(pieces: &[&[u8]]) -> Box<ChatStream> {
    let mut stream = Box::new(ChatStream::new());
    for piece in pieces {
        stream.feed(piece, |event| {
            if let ChatEvent::Error(e) = event {
                panic!("chunkwise reported an error on a valid stream: {e:?}");
            }
        });
    }
    black_box(stream.finish(|_| {}));
    stream
}

fn async_openai(pieces: &[Bytes]) -> Box<Hand> {
    let input = futures::stream::iter(pieces.iter().cloned().map(Ok::<Bytes, Infallible>));
    let mut events = input.eventsource();
    let mut hand = Box::<Hand>::default();
    block_on(async {
        while let Some(ev) = events.next().await {
            let ev = ev.expect("eventsource-stream failed on a valid stream");
            match aoai::map_event(&ev) {
                None => continue,
                Some(None) => {
                    hand.done = true;
                    break;
                }
                Some(Some(chunk)) => {
                    hand.push_owned(&chunk.expect("serde_json failed on a valid chunk"))
                }
            }
        }
    });
    black_box(hand.parse_arguments_serde_json());
    hand
}

fn serde_json_borrowed(pieces: &[&[u8]]) -> Box<Hand> {
    let mut framer = Framer::new();
    let mut hand = Box::<Hand>::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                hand.done = true;
                return;
            }
            hand.push_borrowed(&borrowed::serde_json(data).expect("serde_json failed"));
        });
    }
    black_box(hand.parse_arguments_serde_json());
    hand
}

fn simd_borrowed(pieces: &[&[u8]]) -> Box<Hand> {
    let mut framer = Framer::new();
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    let mut hand = Box::<Hand>::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                hand.done = true;
                return;
            }
            let chunk = borrowed::simd(data, &mut buf, &mut buffers).expect("simd-json failed");
            hand.push_borrowed(&chunk);
        });
    }
    black_box(hand.parse_arguments_simd(&mut buf, &mut buffers));
    hand
}

fn simd_value(pieces: &[&[u8]]) -> Box<Hand> {
    let mut framer = Framer::new();
    let mut buf = Vec::new();
    let mut buffers = simd_json::Buffers::default();
    let mut hand = Box::<Hand>::default();
    for piece in pieces {
        framer.feed(piece, |data| {
            if data == b"[DONE]" {
                hand.done = true;
                return;
            }
            let chunk = value::parse(data, &mut buf, &mut buffers).expect("simd-json failed");
            hand.push_value(&chunk);
        });
    }
    black_box(hand.parse_arguments_simd(&mut buf, &mut buffers));
    hand
}

/// Checks that every contender builds the same completion on every split as
/// chunkwise fed whole, and that it is a real one.
fn check(case: &Case) {
    let want = normalize(chunkwise(&[&case.stream.bytes[..]]).completion());
    assert!(
        want.done && want.usage.is_some(),
        "{}/{}",
        case.kind,
        case.size
    );
    let calls: Vec<&HandCall> = want.choices.iter().flat_map(|c| &c.tool_calls).collect();
    if case.kind == "tool_calls" {
        assert!(calls.len() >= 3 && calls.iter().all(|c| c.arguments.len() > 10));
    } else {
        assert!(calls.is_empty() && want.choices[0].content.len() > case.len() / 400);
    }
    for &c in CONTENDERS {
        for &(label, size) in pieces_for(case.kind) {
            if c.quadratic(size, case.len()) {
                continue;
            }
            let got = c.run(&case.fed(size)).normalized();
            assert!(
                got == want,
                "{} on {}/{} pieces {label}: a different completion",
                c.name(),
                case.kind,
                case.size
            );
        }
    }
}

fn main() {
    Contest {
        name: "accumulate",
        contenders: CONTENDERS,
        reference: AOAI,
        best: BEST,
        check,
    }
    .main();
}
