//! `chunkwise chunks`: the decoder's view of every data event, one JSON line each, with
//! every listed key always present (`null` when absent or null in the input).

use std::io::{self, Write};

use chunkwise::chat::write::{json_minify, json_opt_str, json_opt_u64, json_str, json_u64};
use chunkwise::chat::{ApiError, ChatError, ChatEvent, ChatStream, Chunk, Content};

use crate::args::StreamArgs;
use crate::input::for_each_piece;
use crate::output::Output;

pub fn run(args: &StreamArgs, input: impl io::Read, out: impl Write) -> io::Result<()> {
    let mut out = Output::new(out);
    let mut stream = ChatStream::new();
    for_each_piece(input, args.split, |piece| {
        stream.feed(piece, |event| record(out.buf(), &event));
        out.flush_if_full()
    })?;
    stream.finish(|event| record(out.buf(), &event));
    out.finish()
}

fn record(buf: &mut Vec<u8>, event: &ChatEvent<'_, '_>) {
    match event {
        // A chunk carrying an `error` is reported by the error record that follows.
        ChatEvent::Chunk(chunk) if chunk.error.is_none() => write_chunk(buf, chunk),
        ChatEvent::Done => buf.extend_from_slice(b"{\"done\": true}\n"),
        ChatEvent::Error(ChatError::Api { error, .. }) => write_error(buf, error),
        ChatEvent::Error(ChatError::Decode { error, offset }) => {
            write_invalid(buf, &error.to_string(), *offset)
        }
        ChatEvent::Error(ChatError::Limit(e)) => write_invalid(buf, &e.to_string(), e.offset),
        _ => {}
    }
}

fn write_chunk(buf: &mut Vec<u8>, c: &Chunk<'_>) {
    buf.extend_from_slice(b"{\"id\": ");
    json_opt_str(buf, c.id);
    buf.extend_from_slice(b", \"model\": ");
    json_opt_str(buf, c.model);
    buf.extend_from_slice(b", \"created\": ");
    json_opt_u64(buf, c.created);
    buf.extend_from_slice(b", \"choices\": [");
    for (i, choice) in c.choices.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b", ");
        }
        buf.extend_from_slice(b"{\"index\": ");
        json_u64(buf, choice.index.into());
        let d = &choice.delta;
        buf.extend_from_slice(b", \"delta\": {\"role\": ");
        json_opt_str(buf, d.role);
        buf.extend_from_slice(b", \"content\": ");
        match d.content {
            Some(Content::Text(text)) => json_str(buf, text),
            Some(Content::Parts(parts)) => json_minify(buf, parts.as_str()),
            None => buf.extend_from_slice(b"null"),
        }
        buf.extend_from_slice(b", \"refusal\": ");
        json_opt_str(buf, d.refusal);
        buf.extend_from_slice(b", \"tool_calls\": ");
        if d.tool_calls.is_empty() {
            buf.extend_from_slice(b"null");
        } else {
            buf.push(b'[');
            for (j, call) in d.tool_calls.iter().enumerate() {
                if j > 0 {
                    buf.extend_from_slice(b", ");
                }
                buf.extend_from_slice(b"{\"index\": ");
                json_opt_u64(buf, call.index.map(u64::from));
                buf.extend_from_slice(b", \"id\": ");
                json_opt_str(buf, call.id);
                buf.extend_from_slice(b", \"type\": ");
                json_opt_str(buf, call.kind);
                buf.extend_from_slice(b", \"function\": {\"name\": ");
                json_opt_str(buf, call.function.name);
                buf.extend_from_slice(b", \"arguments\": ");
                json_opt_str(buf, call.function.arguments);
                buf.extend_from_slice(b"}}");
            }
            buf.push(b']');
        }
        buf.extend_from_slice(b"}, \"finish_reason\": ");
        json_opt_str(buf, choice.finish_reason.map(|r| r.as_str()));
        buf.push(b'}');
    }
    buf.extend_from_slice(b"], \"usage\": ");
    match &c.usage {
        None => buf.extend_from_slice(b"null"),
        Some(u) => {
            buf.extend_from_slice(b"{\"prompt_tokens\": ");
            json_opt_u64(buf, u.prompt_tokens);
            buf.extend_from_slice(b", \"completion_tokens\": ");
            json_opt_u64(buf, u.completion_tokens);
            buf.extend_from_slice(b", \"total_tokens\": ");
            json_opt_u64(buf, u.total_tokens);
            buf.extend_from_slice(b", \"prompt_tokens_details\": ");
            match u.prompt_tokens_details {
                None => buf.extend_from_slice(b"null"),
                Some(d) => {
                    buf.extend_from_slice(b"{\"cached_tokens\": ");
                    json_opt_u64(buf, d.cached_tokens);
                    buf.push(b'}');
                }
            }
            buf.extend_from_slice(b", \"completion_tokens_details\": ");
            match u.completion_tokens_details {
                None => buf.extend_from_slice(b"null"),
                Some(d) => {
                    buf.extend_from_slice(b"{\"reasoning_tokens\": ");
                    json_opt_u64(buf, d.reasoning_tokens);
                    buf.push(b'}');
                }
            }
            buf.push(b'}');
        }
    }
    buf.extend_from_slice(b"}\n");
}

fn write_error(buf: &mut Vec<u8>, e: &ApiError<'_>) {
    buf.extend_from_slice(b"{\"error\": {\"message\": ");
    json_opt_str(buf, e.message);
    buf.extend_from_slice(b", \"type\": ");
    json_opt_str(buf, e.kind);
    buf.extend_from_slice(b", \"code\": ");
    match e.code {
        Some(code) => json_minify(buf, code.as_str()),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b"}}\n");
}

fn write_invalid(buf: &mut Vec<u8>, message: &str, offset: u64) {
    buf.extend_from_slice(b"{\"invalid\": ");
    json_str(buf, message);
    buf.extend_from_slice(b", \"offset\": ");
    json_u64(buf, offset);
    buf.extend_from_slice(b"}\n");
}
