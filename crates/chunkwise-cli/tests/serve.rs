//! Loopback round trips: `chunkwise serve` replays every `testdata/` recording over
//! HTTP, `chunkwise chat --url` reads it back, and the output must be exactly what
//! `chunkwise chat FILE` prints for the file, under every server-side chunking.
//!
//! Everything runs on 127.0.0.1 with OS-chosen ports; servers are killed when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{BIN, Server, recordings, stem};

/// A `chunkwise serve` started with OPTIONS on FILES, checked to listen on 127.0.0.1.
fn serve(options: &[&str], files: &[PathBuf]) -> Server {
    let server = Server::start(options, files);
    assert!(
        server.base.starts_with("http://127.0.0.1:"),
        "{}",
        server.base
    );
    server
}

impl Server {
    fn addr(&self) -> &str {
        self.base.strip_prefix("http://").expect("http URL")
    }
}

fn chunkwise(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("chunkwise runs")
}

fn chat_url(base: &str, model: &str, flags: &[&str]) -> Output {
    let url = format!("{base}/v1");
    let mut args = vec!["chat", "--url", &url, "--model", model, "--message", "hi"];
    args.extend_from_slice(flags);
    chunkwise(&args)
}

fn chat_file(file: &Path, flags: &[&str]) -> Output {
    let mut args = vec!["chat"];
    args.extend_from_slice(flags);
    args.push(file.to_str().expect("UTF-8 path"));
    chunkwise(&args)
}

/// The `chat` flags each recording is read with: plain, `--json`, and `--partial` where
/// the recording has tool calls (a `NAME.partial.txt` golden file).
fn modes(file: &Path) -> Vec<&'static [&'static str]> {
    let mut modes: Vec<&[&str]> = vec![&[], &["--json"]];
    if file.with_extension("partial.txt").exists() {
        modes.push(&["--partial"]);
    }
    modes
}

/// Checks that `got` is what `want` was (stdout, stderr and status), or says how not.
fn same(what: &str, got: &Output, want: &Output) -> Option<String> {
    if got.status.code() != want.status.code() {
        return Some(format!(
            "{what}: exit {:?} instead of {:?}: {}",
            got.status.code(),
            want.status.code(),
            String::from_utf8_lossy(&got.stderr)
        ));
    }
    if got.stdout != want.stdout {
        return Some(format!(
            "{what}: stdout differs:\n--- url\n{}\n--- file\n{}",
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&want.stdout)
        ));
    }
    if got.stderr != want.stderr {
        return Some(format!(
            "{what}: stderr differs:\n--- url\n{}\n--- file\n{}",
            String::from_utf8_lossy(&got.stderr),
            String::from_utf8_lossy(&want.stderr)
        ));
    }
    None
}

#[test]
fn every_recording_streams_over_http_as_from_the_file() {
    let files = recordings();
    let expected: Vec<Vec<Output>> = files
        .iter()
        .map(|f| modes(f).iter().map(|m| chat_file(f, m)).collect())
        .collect();
    assert!(expected.iter().flatten().all(|o| o.status.success()));
    assert!(expected.iter().filter(|e| e.len() == 3).count() >= 5);
    // Small recordings also go through a server that pauses between pieces.
    let small: Vec<PathBuf> = files
        .iter()
        .filter(|f| std::fs::metadata(f).expect("metadata").len() < 4000)
        .cloned()
        .collect();
    assert!(small.len() >= 16, "only {} small recordings", small.len());
    let setups: [(&[&str], &[PathBuf]); 6] = [
        (&[], &files),
        (&["--chunking", "1"], &files),
        (&["--chunking", "7"], &files),
        (&["--chunking", "random:11"], &files),
        (&["--chunking=random:3", "--delay-ms", "1"], &small[..8]),
        (&["--chunking", "64", "--delay-ms=2"], &small[8..16]),
    ];
    // Start every server first: they load their files in parallel.
    let servers: Vec<(String, Server)> = setups
        .iter()
        .map(|(options, files)| (options.join(" "), serve(options, files)))
        .collect();
    // One client thread per server (the machine's cores share the work).
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = setups
            .iter()
            .zip(&servers)
            .map(|((_, served), (options, server))| {
                let (files, expected) = (&files, &expected);
                scope.spawn(move || {
                    let (mut runs, mut failures) = (0, Vec::new());
                    for file in served.iter() {
                        let i = files.iter().position(|f| f == file).expect("known file");
                        for (flags, want) in modes(file).iter().zip(&expected[i]) {
                            let got = chat_url(&server.base, stem(file), flags);
                            runs += 1;
                            let what = format!(
                                "serve {options}: chat --url {} --model {}",
                                flags.join(" "),
                                stem(file)
                            );
                            failures.extend(same(&what, &got, want));
                        }
                    }
                    (runs, failures)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("client thread"))
            .collect()
    });
    let runs: usize = results.iter().map(|r| r.0).sum();
    let failures: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    assert!(runs >= 4 * 2 * 40, "{runs} runs");
    assert!(
        failures.is_empty(),
        "{} of {runs} runs differ from FILE mode:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A minimal HTTP/1.1 exchange over a fresh connection (`Connection: close`).
struct Reply {
    status: u16,
    head: String,
    /// The body, de-chunked.
    body: Vec<u8>,
    /// The sizes of the chunks of a chunked body.
    chunks: Vec<usize>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn http(addr: &str, method: &str, path: &str, body: &str) -> Reply {
    let mut conn = TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        conn,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("request sent");
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("response read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8(raw[..split].to_vec()).expect("ASCII head");
    let mut rest = &raw[split + 4..];
    let status = head[9..12].parse().expect("status code");
    let mut reply = Reply {
        status,
        head,
        body: Vec::new(),
        chunks: Vec::new(),
    };
    if reply.header("transfer-encoding") == Some("chunked") {
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").expect("size");
            let size = usize::from_str_radix(
                std::str::from_utf8(&rest[..line_end]).expect("hex size"),
                16,
            )
            .expect("hex size");
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            reply.body.extend_from_slice(&rest[..size]);
            reply.chunks.push(size);
            assert_eq!(&rest[size..size + 2], b"\r\n");
            rest = &rest[size + 2..];
        }
    } else {
        let length: usize = reply
            .header("content-length")
            .expect("content-length")
            .parse()
            .expect("length");
        assert_eq!(rest.len(), length);
        reply.body = rest.to_vec();
    }
    reply
}

#[test]
fn without_stream_the_answer_is_the_final_completion() {
    let files = recordings();
    let server = serve(&[], &files);
    for file in &files {
        let body = format!(
            "{{\"model\": \"{}\", \"messages\": [{{\"role\": \"user\", \"content\": \"hi\"}}]}}",
            stem(file)
        );
        let reply = http(server.addr(), "POST", "/v1/chat/completions", &body);
        assert_eq!(reply.status, 200, "{file:?}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(reply.header("x-chunkwise-recording"), Some(stem(file)));
        let want = chat_file(file, &["--json"]);
        assert_eq!(
            String::from_utf8_lossy(&reply.body),
            String::from_utf8_lossy(&want.stdout),
            "{file:?}"
        );
    }
}

#[test]
fn streams_are_the_recording_byte_for_byte_in_the_pieces_asked_for() {
    let files = recordings();
    let file = files
        .iter()
        .find(|f| stem(f) == "plain-text")
        .expect("plain-text.sse");
    let recorded = std::fs::read(file).expect("recording");
    let request = r#"{"model": "plain-text", "stream": true, "messages": []}"#;
    for (options, sizes) in [
        (&["--chunking", "7"][..], vec![7; recorded.len() / 7]),
        (&["--chunking", "whole"], vec![recorded.len()]),
        (&[], vec![recorded.len()]),
    ] {
        let server = serve(options, std::slice::from_ref(file));
        for path in ["/v1/chat/completions", "/chat/completions"] {
            let reply = http(server.addr(), "POST", path, request);
            assert_eq!(reply.status, 200);
            assert_eq!(
                reply.header("content-type"),
                Some("text/event-stream; charset=utf-8")
            );
            assert_eq!(reply.body, recorded, "{options:?}");
            assert_eq!(reply.chunks[..sizes.len()], sizes[..], "{options:?}");
            assert!(reply.chunks.len() <= sizes.len() + 1);
        }
    }
    // random:SEED gives pieces of 1 to 64 bytes; a delay spaces them out.
    let server = serve(
        &["--chunking", "random:9", "--delay-ms", "2"],
        std::slice::from_ref(file),
    );
    let start = Instant::now();
    let reply = http(server.addr(), "POST", "/v1/chat/completions", request);
    let took = start.elapsed();
    assert_eq!(reply.body, recorded);
    assert!(reply.chunks.iter().all(|&n| (1..=64).contains(&n)));
    assert!(reply.chunks.len() > recorded.len() / 64);
    let pauses = reply.chunks.len() as u32 - 1;
    assert!(
        took >= Duration::from_millis(2) * pauses,
        "{pauses} pauses of 2 ms took {took:?}"
    );
}

#[test]
fn recordings_are_picked_by_model_else_in_turn() {
    let files = recordings();
    let picked: Vec<PathBuf> = ["refusal", "plain-text", "bom"]
        .iter()
        .map(|s| files.iter().find(|f| stem(f) == *s).expect("file").clone())
        .collect();
    let server = serve(&[], &picked);
    let served = |body: &str| {
        let reply = http(server.addr(), "POST", "/v1/chat/completions", body);
        assert_eq!(reply.status, 200, "{body}");
        reply
            .header("x-chunkwise-recording")
            .expect("recording header")
            .to_owned()
    };
    assert_eq!(served(r#"{"model": "bom"}"#), "bom");
    // No model, an unknown one, or null: the next in turn.
    let turns: Vec<String> = [
        r#"{}"#,
        r#"{"model": "gpt-4o"}"#,
        r#"{"model": "refusal.sse", "stream": false}"#,
        r#"{"stream": null}"#,
    ]
    .iter()
    .map(|b| served(b))
    .collect();
    assert_eq!(turns, ["refusal", "plain-text", "bom", "refusal"]);
    assert_eq!(served(r#"{"model": "plain-text"}"#), "plain-text");

    let models = http(server.addr(), "GET", "/v1/models", "");
    assert_eq!(models.status, 200);
    let text = String::from_utf8(models.body).expect("UTF-8");
    assert!(text.starts_with("{\"object\": \"list\""), "{text}");
    for name in [
        "\"id\": \"refusal\"",
        "\"id\": \"plain-text\"",
        "\"id\": \"bom\"",
    ] {
        assert!(text.contains(name), "{text}");
    }
}

#[test]
fn bad_requests_get_openai_shaped_errors() {
    let files = recordings();
    let server = serve(&[], &files[..1]);
    for (method, path, body, status, code) in [
        ("POST", "/v1/completions", "{}", 404, "unknown_url"),
        ("GET", "/", "", 404, "unknown_url"),
        ("GET", "/v1/chat/completions", "", 405, "method_not_allowed"),
        (
            "POST",
            "/v1/chat/completions",
            "{\"model\": ",
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/chat/completions",
            "[1]",
            400,
            "invalid_request",
        ),
        ("POST", "/v1/chat/completions", "", 400, "invalid_request"),
        (
            "POST",
            "/v1/chat/completions",
            r#"{"stream": "yes"}"#,
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/v1/chat/completions",
            r#"{"model": 4}"#,
            400,
            "invalid_request",
        ),
    ] {
        let reply = http(server.addr(), method, path, body);
        assert_eq!(reply.status, status, "{method} {path} {body}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let text = String::from_utf8(reply.body).expect("UTF-8");
        assert!(
            text.starts_with("{\"error\": {\"message\": \"")
                && text.contains("\"type\": \"invalid_request_error\", \"param\": null")
                && text.contains(&format!("\"code\": \"{code}\"")),
            "{method} {path} {body}: {text}"
        );
    }
    // Too large a body: refused on its content-length, before it is sent (so the
    // connection closes cleanly, with nothing left unread).
    let mut conn = TcpStream::connect(server.addr()).expect("connect");
    write!(
        conn,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        5 << 20
    )
    .expect("head");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.200}");
    assert!(
        answer.contains("\"code\": \"request_too_large\""),
        "{answer}"
    );
}

#[test]
fn chat_url_reports_http_failures_with_status_1() {
    let files = recordings();
    let server = serve(&[], &files[..1]);
    // An error status: the body's message.
    let out = chunkwise(&[
        "chat",
        "--url",
        &format!("{}/v2", server.base),
        "--model",
        "m",
        "--message",
        "hi",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("answered 404 Not Found: unknown URL POST /v2/chat/completions"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // A JSON answer where a stream was expected (a --body without "stream": true).
    let dir = std::env::temp_dir().join(format!("chunkwise-serve-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let body = dir.join("body.json");
    std::fs::write(&body, r#"{"model": "x", "messages": []}"#).expect("body written");
    let url = format!("{}/v1/chat/completions", server.base);
    let out = chunkwise(&["chat", "--url", &url, "--body", body.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("answered JSON, not an event stream"), "{err}");
    // --body is sent as is: with "stream": true it streams.
    std::fs::write(&body, r#"{"model": "x", "stream": true}"#).expect("body written");
    let out = chunkwise(&["chat", "--url", &url, "--body", body.to_str().unwrap()]);
    assert_eq!(same("--body", &out, &chat_file(&files[0], &[])), None);
    // A missing --body file is an input error.
    let missing = dir.join("missing.json");
    let out = chunkwise(&["chat", "--url", &url, "--body", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    std::fs::remove_dir_all(&dir).expect("temp dir removed");
    // Nobody listening.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let out = chunkwise(&[
        "chat",
        "--url",
        &format!("http://{closed}/v1"),
        "--model",
        "m",
        "--message",
        "hi",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
}

/// A one-shot server in the test: checks the request `chat --url` sends, then answers
/// with a stream that breaks off mid-event (no chunked terminator).
#[test]
fn chat_url_sends_an_openai_request_and_reports_a_broken_stream() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let peer = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        conn.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut request = Vec::new();
        let mut buf = [0; 4096];
        // Read the head and the body (its length from the head).
        let total = loop {
            let n = conn.read(&mut buf).expect("request");
            assert!(n > 0, "request cut short");
            request.extend_from_slice(&buf[..n]);
            if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .expect("content-length")
                    .parse()
                    .expect("length");
                if request.len() >= end + 4 + length {
                    break end + 4 + length;
                }
            }
        };
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n\
                    data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\n\ndata: {\"cho";
        write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n",
            body.len()
        )
        .expect("reply");
        drop(conn);
        String::from_utf8(request[..total].to_vec()).expect("UTF-8 request")
    });
    let out = Command::new(BIN)
        .args([
            "chat",
            "--url",
            &format!("http://{addr}/v1/"),
            "--model",
            "gpt-x",
            "--message",
            "Say \"hi\"\n",
        ])
        .env("OPENAI_API_KEY", "sk-test-123")
        .stdin(Stdio::null())
        .output()
        .expect("chunkwise runs");
    let request = peer.join().expect("peer thread");
    let (head, body) = request.split_once("\r\n\r\n").expect("head");
    assert!(
        head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"),
        "{head}"
    );
    let head = head.to_ascii_lowercase();
    for line in [
        "authorization: bearer sk-test-123",
        "content-type: application/json",
        "accept: text/event-stream",
    ] {
        assert!(head.contains(line), "{line} not in {head}");
    }
    assert_eq!(
        body,
        r#"{"model": "gpt-x", "messages": [{"role": "user", "content": "Say \"hi\"\n"}], "stream": true, "stream_options": {"include_usage": true}}"#
    );
    // What arrived is shown, then the break is reported.
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("Hello\n"), "{stdout}");
    assert!(
        stdout.contains("incomplete: the stream ended without [DONE]"),
        "{stdout}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broke off"), "{err}");
}

#[test]
fn serve_rejects_what_it_cannot_serve() {
    let files = recordings();
    let out = chunkwise(&["serve"]);
    assert_eq!(out.status.code(), Some(2));
    let out = chunkwise(&["serve", "--chunking", "0", files[0].to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let f = files[0].to_str().unwrap();
    let out = chunkwise(&["serve", f, f]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two recordings are named"));
    let out = chunkwise(&["serve", "/nonexistent/x.sse"]);
    assert_eq!(out.status.code(), Some(1));
    let out = chunkwise(&["serve", "--addr", "not-an-address", f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"));
    // chat --url usage errors.
    for args in [
        &["chat", "--url", "http://x", "--model", "m"][..],
        &["chat", "--url", "http://x", "--body", "b", "--message", "m"],
        &[
            "chat",
            "--url",
            "http://x",
            "--model",
            "m",
            "--message",
            "m",
            "--split",
            "3",
        ],
        &[
            "chat",
            "--url",
            "http://x",
            "--model",
            "m",
            "--message",
            "m",
            f,
        ],
    ] {
        assert_eq!(chunkwise(args).status.code(), Some(2), "{args:?}");
    }
}
