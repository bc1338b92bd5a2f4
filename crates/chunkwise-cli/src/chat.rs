//! `chunkwise chat`: the main job. Without `--json`, what a person reads: the answer
//! as it streams, each tool call with its parsed arguments as it completes, then the
//! finish reason, usage and anything that went wrong. With `--partial`, also each
//! value inside tool-call arguments as soon as it is complete (one line each). With
//! `--json`, the final completion as OpenAI's non-streaming `chat.completion` object.

use std::io::{self, Write};

use chunkwise::chat::accumulate::ParsedArguments;
use chunkwise::chat::accumulate::{Choice, PartialKey, PartialOptions, PartialTarget, ToolCall};
use chunkwise::chat::chunkwise_json::PartialJson;
use chunkwise::chat::simd_json::prelude::Writable;
use chunkwise::chat::{ChatEvent, ChatStream, Completion, PartKind};

use crate::args::StreamArgs;
use crate::input::for_each_piece;
use crate::output::Output;

pub fn run(args: &StreamArgs, input: impl io::Read, out: impl Write) -> io::Result<()> {
    let mut chat = Chat::new(args.has("--json"), out);
    if args.has("--partial") {
        chat.partial();
    }
    for_each_piece(input, args.split, |piece| chat.feed(piece))?;
    chat.finish()
}

/// Renders a chat stream fed piece by piece, whatever delivers the pieces (a file cut
/// per `--split`, or an HTTP body for `chat --url`), so both print the same.
pub struct Chat<W: Write> {
    out: Output<W>,
    stream: ChatStream,
    /// `--json`: nothing per event, the final completion at the end.
    json: bool,
    live: Live,
}

impl<W: Write> Chat<W> {
    pub fn new(json: bool, out: W) -> Chat<W> {
        Chat {
            out: Output::new(out),
            stream: ChatStream::new(),
            json,
            live: Live {
                section: Section::Start,
                at_line_start: true,
            },
        }
    }

    /// Also shows the values inside tool-call arguments as they complete (not with
    /// `--json`).
    pub fn partial(&mut self) {
        if !self.json {
            self.stream.set_partial(Some(PartialOptions::default()));
        }
    }

    /// Reads one piece of the stream; what it completes is shown at once.
    pub fn feed(&mut self, piece: &[u8]) -> io::Result<()> {
        if self.json {
            self.stream.feed(piece, |_| {});
            return Ok(());
        }
        let Chat {
            out, stream, live, ..
        } = self;
        let before = out.buf().len();
        stream.feed(piece, |event| show(live, out.buf(), event));
        // Show the text as it arrives.
        if out.buf().len() != before {
            out.flush_now()?;
        }
        Ok(())
    }

    /// Ends the stream: the summary (or the final completion with `--json`).
    pub fn finish(self) -> io::Result<()> {
        let Chat {
            mut out,
            mut stream,
            json,
            mut live,
        } = self;
        if json {
            let completion = stream.finish(|_| {});
            completion.write_json(out.buf());
            out.buf().push(b'\n');
            warn(completion);
        } else {
            let completion = stream.finish(|event| show(&mut live, out.buf(), event));
            live.end_line(out.buf());
            summary(out.buf(), completion);
        }
        out.finish()
    }
}

/// Notes on stderr for a script reading the JSON from stdout.
fn warn(completion: &Completion) {
    for e in completion.errors() {
        eprintln!("chunkwise: {e}");
    }
    if !completion.is_done() {
        eprintln!("chunkwise: the stream ended without [DONE]: the completion may be cut short");
    }
}

/// What choice 0's live output is showing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Start,
    Reasoning,
    Answer,
    Refusal,
}

struct Live {
    section: Section,
    /// The last byte written to the live text, to end it with a newline.
    at_line_start: bool,
}

impl Live {
    fn text(&mut self, buf: &mut Vec<u8>, section: Section, text: &str) {
        if text.is_empty() {
            return;
        }
        if section != self.section {
            let header: &[u8] = match section {
                Section::Reasoning => b"[reasoning]\n",
                Section::Refusal => b"[refusal]\n",
                // An answer after reasoning or refusal text gets its own header.
                _ if self.section == Section::Start => b"",
                _ => b"[answer]\n",
            };
            if !self.at_line_start {
                buf.push(b'\n');
            }
            buf.extend_from_slice(header);
            self.section = section;
        }
        buf.extend_from_slice(text.as_bytes());
        self.at_line_start = text.ends_with('\n');
    }

    fn end_line(&mut self, buf: &mut Vec<u8>) {
        if !self.at_line_start {
            buf.push(b'\n');
            self.at_line_start = true;
        }
    }
}

/// The live view of one event: choice 0's text as it streams, tool calls as they
/// complete.
fn show(live: &mut Live, buf: &mut Vec<u8>, event: ChatEvent<'_, '_>) {
    match event {
        ChatEvent::Chunk(chunk) => {
            for choice in chunk.choices.iter().filter(|c| c.index == 0) {
                let d = &choice.delta;
                for reasoning in [d.reasoning_content, d.reasoning].into_iter().flatten() {
                    live.text(buf, Section::Reasoning, reasoning);
                    if d.reasoning_content == d.reasoning {
                        break;
                    }
                }
                if let Some(content) = d.content {
                    // Unreadable parts are reported in the summary.
                    let _ = content.for_each_text(|kind, text| {
                        let section = match kind {
                            PartKind::Text => Section::Answer,
                            PartKind::Thinking => Section::Reasoning,
                        };
                        live.text(buf, section, text);
                    });
                }
                if let Some(refusal) = d.refusal {
                    live.text(buf, Section::Refusal, refusal);
                }
            }
        }
        ChatEvent::ToolCall { choice, call } => {
            live.end_line(buf);
            tool_call(buf, choice, call);
        }
        ChatEvent::Partial { key, json } => partial(live, buf, key, json),
        _ => {}
    }
}

/// `--partial`: one line per value completed inside a tool call's arguments, except the
/// whole arguments (the tool call's own line shows them).
fn partial(live: &mut Live, buf: &mut Vec<u8>, key: PartialKey, json: &PartialJson) {
    let PartialTarget::ToolArguments(index) = key.target else {
        return;
    };
    for event in json.pending_events().filter(|e| !e.is_root()) {
        live.end_line(buf);
        if key.choice != 0 {
            buf.extend_from_slice(format!("choice {} ", key.choice).as_bytes());
        }
        let line = format!(
            "tool call {index} argument {} = {}\n",
            event.path(),
            event.value()
        );
        buf.extend_from_slice(line.as_bytes());
    }
}

fn tool_call(buf: &mut Vec<u8>, choice: u32, call: &ToolCall) {
    if choice != 0 {
        buf.extend_from_slice(format!("choice {choice} ").as_bytes());
    }
    let id = call
        .id()
        .map(|id| format!(" (id {id})"))
        .unwrap_or_default();
    buf.extend_from_slice(format!("tool call {}: {}{id}\n", call.index(), call.name()).as_bytes());
    arguments(buf, call.parsed(), call.arguments());
}

/// The arguments as parsed (compact JSON), or why they could not be.
fn arguments(buf: &mut Vec<u8>, parsed: Option<&ParsedArguments>, raw: &str) {
    match parsed {
        Some(Ok(value)) => {
            buf.extend_from_slice(b"  arguments: ");
            buf.extend_from_slice(value.encode().as_bytes());
            buf.push(b'\n');
        }
        Some(Err(e)) => buf.extend_from_slice(format!("  arguments ({e}): {raw}\n").as_bytes()),
        None => buf.extend_from_slice(format!("  arguments (incomplete): {raw}\n").as_bytes()),
    }
}

fn summary(buf: &mut Vec<u8>, completion: &Completion) {
    let many = completion.choices().len() > 1;
    for choice in completion.choices() {
        if choice.index() != 0 {
            other_choice(buf, choice);
        }
        if let Some(f) = choice.function_call() {
            buf.extend_from_slice(format!("function call: {}\n", f.name()).as_bytes());
            arguments(buf, f.parsed(), f.arguments());
        }
        let reason = choice.finish_reason().map_or("none", |r| r.as_str());
        let line = if many {
            format!("choice {} finish_reason: {reason}\n", choice.index())
        } else {
            format!("finish_reason: {reason}\n")
        };
        buf.extend_from_slice(line.as_bytes());
    }
    if let Some(u) = completion.usage() {
        let mut line = String::from("usage:");
        let mut count = |name: &str, n: Option<u64>| {
            if let Some(n) = n {
                line.push_str(&format!(" {name}={n}"));
            }
        };
        count("prompt_tokens", u.prompt_tokens);
        count("completion_tokens", u.completion_tokens);
        count("total_tokens", u.total_tokens);
        if let Some(d) = u.prompt_tokens_details {
            count("cached_tokens", d.cached_tokens);
        }
        if let Some(d) = u.completion_tokens_details {
            count("reasoning_tokens", d.reasoning_tokens);
        }
        line.push('\n');
        buf.extend_from_slice(line.as_bytes());
    }
    for e in completion.errors() {
        buf.extend_from_slice(format!("error: {e}\n").as_bytes());
    }
    if !completion.is_done() {
        buf.extend_from_slice(b"incomplete: the stream ended without [DONE]\n");
    }
}

/// Choices other than 0 are not streamed live (they arrive interleaved): shown whole.
fn other_choice(buf: &mut Vec<u8>, choice: &Choice) {
    buf.extend_from_slice(format!("--- choice {} ---\n", choice.index()).as_bytes());
    let mut live = Live {
        section: Section::Start,
        at_line_start: true,
    };
    live.text(buf, Section::Reasoning, choice.reasoning().unwrap_or(""));
    live.text(buf, Section::Answer, choice.content().unwrap_or(""));
    live.text(buf, Section::Refusal, choice.refusal().unwrap_or(""));
    live.end_line(buf);
}
