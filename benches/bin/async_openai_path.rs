//! The async-openai path as a program, for timing whole processes against
//! `chunkwise chat --json --split 1460 FILE` (e.g. with hyperfine):
//!
//! ```text
//! cargo build --release -p chunkwise-benches --example async_openai_path
//! target/release/examples/async_openai_path [--split N] FILE > completion.json
//! ```
//!
//! It reads FILE in pieces of N bytes (default 1460), each handed on as a new `Bytes`
//! (as an HTTP client yields body chunks), frames them with `eventsource-stream`,
//! decodes each event with `serde_json` into async-openai's chunk type (the structs
//! in `peers.rs`), accumulates by hand (content concatenated, tool calls joined by
//! index), parses each call's arguments with serde_json, and writes the final
//! completion as one JSON object in the shape of `chat.completion`.

mod peers;

use std::convert::Infallible;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::executor::block_on;
use peers::{Hand, aoai};
use serde::Serialize;

#[derive(Serialize)]
struct Completion<'a> {
    id: &'a str,
    object: &'static str,
    model: &'a str,
    choices: Vec<Choice<'a>>,
    usage: Option<Usage>,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: usize,
    message: Message<'a>,
    finish_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCall<'a>>,
}

#[derive(Serialize)]
struct ToolCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: Function<'a>,
}

#[derive(Serialize)]
struct Function<'a> {
    name: &'a str,
    arguments: &'a str,
}

#[derive(Serialize)]
struct Usage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
}

fn usage() -> ExitCode {
    eprintln!("usage: async_openai_path [--split N] FILE");
    ExitCode::from(2)
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (split, path) = match args.as_slice() {
        [flag, n, path] if flag == "--split" => match n.parse::<usize>() {
            Ok(n) if n > 0 => (n, path),
            _ => return usage(),
        },
        [path] => (1460, path),
        _ => return usage(),
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("async_openai_path: {path}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut buf = vec![0u8; split];
    let pieces = std::iter::from_fn(move || match read_full(&mut file, &mut buf) {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(Ok::<Bytes, Infallible>(Bytes::copy_from_slice(&buf[..n]))),
    });
    let mut events = futures::stream::iter(pieces).eventsource();
    let mut hand = Hand::default();
    block_on(async {
        while let Some(ev) = events.next().await {
            let Ok(ev) = ev else {
                eprintln!("async_openai_path: the stream is not valid SSE");
                break;
            };
            match aoai::map_event(&ev) {
                None => {}
                Some(None) => {
                    hand.done = true;
                    break;
                }
                Some(Some(Ok(chunk))) => hand.push_owned(&chunk),
                Some(Some(Err(e))) => eprintln!("async_openai_path: skipped a chunk: {e}"),
            }
        }
    });
    let parsed = hand.parse_arguments_serde_json();
    let calls = hand
        .choices
        .iter()
        .map(|c| c.tool_calls.len())
        .sum::<usize>();
    if parsed < calls {
        eprintln!(
            "async_openai_path: {} tool calls with invalid arguments",
            calls - parsed
        );
    }
    let completion = Completion {
        id: &hand.id,
        object: "chat.completion",
        model: &hand.model,
        choices: hand
            .choices
            .iter()
            .enumerate()
            .map(|(index, c)| Choice {
                index,
                message: Message {
                    role: "assistant",
                    content: (!c.content.is_empty()).then_some(c.content.as_str()),
                    tool_calls: c
                        .tool_calls
                        .iter()
                        .map(|t| ToolCall {
                            id: &t.id,
                            kind: "function",
                            function: Function {
                                name: &t.name,
                                arguments: &t.arguments,
                            },
                        })
                        .collect(),
                },
                finish_reason: c.finish_reason.as_deref(),
            })
            .collect(),
        usage: hand.usage.map(|(p, c, t)| Usage {
            prompt_tokens: p,
            completion_tokens: c,
            total_tokens: t,
        }),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let written = serde_json::to_writer(&mut out, &completion)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    if !hand.done {
        eprintln!("async_openai_path: the stream ended without [DONE]");
    }
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("async_openai_path: {e}");
            ExitCode::from(1)
        }
    }
}
