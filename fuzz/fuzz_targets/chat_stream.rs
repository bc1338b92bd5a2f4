//! Structured chat streams: an arbitrary `ChatSpec` (choices, content, refusal,
//! reasoning, tool calls with argument fragments, usage, API errors, comments, garbage
//! events, line ends, BOM; see `chunkwise_testkit::chat_spec`) rendered to SSE bytes
//! and cut at arbitrary points, fed to `ChatStream`: the final completion, the errors,
//! the last event ID, the retry value, the chunk events and the completed tool calls
//! must be what the description says, fed in pieces, whole, and byte by byte.
#![no_main]

use chunkwise_fuzz::*;
use chunkwise_testkit::chat_spec::{ChatSpec, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (ChatSpec, Vec<u16>, bool)| {
    let (spec, cuts, bytewise) = input;
    let r = render(&spec);
    let cuts = cut_points(r.bytes.len(), &cuts);
    check_chat(&r, &pieces_at(&r.bytes, &cuts));
    check_chat(&r, &[&r.bytes]);
    if bytewise && r.bytes.len() <= 4096 {
        let bytes: Vec<&[u8]> = r.bytes.chunks(1).collect();
        check_chat(&r, &bytes);
    }
});
