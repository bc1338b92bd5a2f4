//! `chunkwise`: the command-line face of the chunkwise engine.
//!
//! Subcommands (their output formats are contracts; see the README):
//! - `chunkwise chat [--json] [--partial] [--split SPEC] [FILE|-]`: the answer as it
//!   streams, tool calls (with `--partial`, their arguments' values as they complete),
//!   finish reason and usage; or the final `chat.completion` JSON.
//! - `chunkwise chunks [--split SPEC] [FILE|-]`: each decoded chunk as a JSON line.
//! - `chunkwise events [--split SPEC] [FILE|-]`: the SSE events of a stream.
//! - `chunkwise chat --url URL (--model M --message TEXT | --body FILE) [--json]
//!   [--partial]`: the same `chat` output for a live stream from an OpenAI-compatible
//!   endpoint.
//! - `chunkwise serve [--addr ADDR] [--chunking SPEC] [--delay-ms N] FILE...`: an
//!   OpenAI-compatible server replaying recorded streams (see `serve.rs`).

use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;

mod args;
mod chat;
mod chunks;
mod events;
mod input;
mod output;
mod serve;
mod url;

use args::{UrlArgs, UsageError, parse_serve_args, parse_stream_args, parse_url_args};

const USAGE: &str = "\
usage: chunkwise <command> [options] [FILE|-]

commands:
  chat [--json] [--partial] [--split SPEC] [FILE|-]
                                   print the answer as it streams, then tool calls,
                                   finish reason and usage; with --partial, also each
                                   value inside tool-call arguments as it completes
                                   (\"tool call I argument PATH = JSON\"); with --json,
                                   the final completion as a chat.completion JSON object
  chunks [--split SPEC] [FILE|-]   print each decoded chunk as a JSON line
                                   ({\"done\": true}, {\"error\"}, {\"invalid\", \"offset\"})
  events [--split SPEC] [FILE|-]   print each SSE event as a JSON line
                                   ({\"type\", \"data\", \"id\"}, {\"retry\"}, {\"error\", \"offset\"})
  chat --url URL (--model M --message TEXT | --body FILE) [--json] [--partial]
                                   the same for a live stream from an OpenAI-compatible
                                   endpoint: URL is the API base (https://api.openai.com/v1;
                                   /chat/completions is appended unless present); sends
                                   one user message with stream and include_usage, or
                                   the --body JSON file as is; API key from OPENAI_API_KEY
  serve [--addr ADDR] [--chunking SPEC] [--delay-ms N] FILE...
                                   an OpenAI-compatible server replaying recorded streams:
                                   POST /v1/chat/completions with \"stream\": true gets the
                                   recording whose file name (without .sse) is the
                                   request's model, else the next one in turn, written in
                                   pieces per SPEC with N ms between them; without it,
                                   the final completion (as chat --json prints); GET
                                   /v1/models lists them. ADDR defaults to 127.0.0.1:0
                                   (any free port); the first line printed is
                                   \"listening on http://ADDR\"

SPEC (how the input is cut into pieces before parsing; output is the same for all):
  whole        one piece (default)
  N            pieces of N bytes
  random:SEED  pieces of 1 to 64 bytes, sizes from SplitMix64 seeded with SEED

FILE is read from standard input when it is - or absent.

exit status: 0 done (also for a stream that reports errors), 1 input, output or
HTTP failure (an error status from --url, a broken connection), 2 usage error.
";

pub(crate) enum Failure {
    Usage(UsageError),
    Input(String, io::Error),
    Output(io::Error),
    /// Anything else that stops a command (HTTP errors, a port in use): exit 1.
    Other(String),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            eprintln!("chunkwise: {e} (try chunkwise --help)");
            ExitCode::from(2)
        }
        Err(Failure::Input(name, e)) => {
            eprintln!("chunkwise: cannot read {name}: {e}");
            ExitCode::from(1)
        }
        // A closed pipe (`chunkwise events f | head`) is not worth a message.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("chunkwise: cannot write output: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Other(message)) => {
            eprintln!("chunkwise: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure::Usage(UsageError("missing command".into())));
    };
    match command.as_str() {
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        "chat" if UrlArgs::wanted(rest) => url::run(&parse_url_args(rest).map_err(Failure::Usage)?),
        "chat" => {
            let a = parse_stream_args(rest, &["--json", "--partial"]).map_err(Failure::Usage)?;
            with_input(&a.file, |input| chat::run(&a, input, io::stdout().lock()))
        }
        "chunks" => {
            let a = parse_stream_args(rest, &[]).map_err(Failure::Usage)?;
            with_input(&a.file, |input| chunks::run(&a, input, io::stdout().lock()))
        }
        "events" => {
            let a = parse_stream_args(rest, &[]).map_err(Failure::Usage)?;
            with_input(&a.file, |input| events::run(&a, input, io::stdout().lock()))
        }
        "serve" => serve::run(&parse_serve_args(rest).map_err(Failure::Usage)?),
        other => Err(Failure::Usage(UsageError(format!(
            "unknown command {other:?}"
        )))),
    }
}

/// Opens the input (a file, or standard input) and runs `f` on it, telling input
/// errors (exit 1) from output errors.
fn with_input(
    file: &Option<String>,
    f: impl FnOnce(&mut dyn io::Read) -> io::Result<()>,
) -> Result<(), Failure> {
    let name = file.as_deref().unwrap_or("standard input").to_owned();
    let mut reader: Box<dyn io::Read> = match file {
        Some(path) => Box::new(File::open(path).map_err(|e| Failure::Input(name.clone(), e))?),
        None => Box::new(io::stdin().lock()),
    };
    let mut tracked = Tracked {
        inner: &mut *reader,
        failed: false,
    };
    match f(&mut tracked) {
        Ok(()) => Ok(()),
        Err(e) if tracked.failed => Err(Failure::Input(name, e)),
        Err(e) => Err(Failure::Output(e)),
    }
    .and_then(|()| io::stdout().flush().map_err(Failure::Output))
}

/// A reader that remembers whether it failed, so an error can be blamed on the input.
struct Tracked<'a> {
    inner: &'a mut dyn io::Read,
    failed: bool,
}

impl io::Read for Tracked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            self.failed = e.kind() != io::ErrorKind::Interrupted;
        })
    }
}
