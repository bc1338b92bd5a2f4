//! `chunkwise events`: the SSE layer's view of a stream, one JSON record per line.

use std::io::{self, Write};

use chunkwise::chat::write::{json_str, json_u64};
use chunkwise::sse::{Item, Parser};

use crate::args::StreamArgs;
use crate::input::for_each_piece;
use crate::output::Output;

pub fn run(args: &StreamArgs, input: impl io::Read, out: impl Write) -> io::Result<()> {
    let mut out = Output::new(out);
    let mut parser = Parser::new();
    for_each_piece(input, args.split, |piece| {
        parser.feed(piece, |item| record(out.buf(), &item));
        out.flush_if_full()
    })?;
    out.finish()
}

/// Appends one record line for `item`.
pub fn record(buf: &mut Vec<u8>, item: &Item<'_>) {
    match *item {
        Item::Event(ev) => {
            buf.extend_from_slice(b"{\"type\": ");
            json_str(buf, ev.event);
            buf.extend_from_slice(b", \"data\": ");
            json_str(buf, ev.data);
            buf.extend_from_slice(b", \"id\": ");
            json_str(buf, ev.id);
            buf.extend_from_slice(b"}\n");
        }
        Item::Retry(ms) => {
            buf.extend_from_slice(b"{\"retry\": ");
            json_u64(buf, ms);
            buf.extend_from_slice(b"}\n");
        }
        Item::Error(e) => {
            buf.extend_from_slice(b"{\"error\": ");
            json_str(buf, &e.to_string());
            buf.extend_from_slice(b", \"offset\": ");
            json_u64(buf, e.offset);
            buf.extend_from_slice(b"}\n");
        }
    }
}
