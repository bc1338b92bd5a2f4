//! A streaming LLM gateway in front of an OpenAI-compatible API, reading the stream
//! it relays with chunkwise: tokens go to the client the moment they arrive, and the
//! gateway still learns every delta, tool call and the final usage (for billing,
//! quotas or logs) without buffering the response or parsing it twice.
//!
//! Self-contained, loopback only, and it exits by itself:
//!
//! 1. a fake upstream on `127.0.0.1:0` replays a recording from `testdata/` as
//!    `text/event-stream`, in small pieces with pauses, as a model would stream;
//! 2. the gateway (axum) answers `POST /v1/chat/completions` by calling the upstream
//!    with reqwest, forwarding each piece of the upstream body unchanged, and reading
//!    it on the way with [`SharedChatStream`] (the pieces are `Bytes`: reading them
//!    costs a reference count, never a copy of the body);
//! 3. a client calls the gateway and reads the answer with the `stream` adapter
//!    (`bytes_stream().chat_events()`), printing the text as it arrives.
//!
//! ```text
//! cargo run -p chunkwise --example axum_proxy [-- testdata/openai/plain-text.sse]
//! ```
//!
//! `cargo test -p chunkwise --example axum_proxy` runs it on several recordings and
//! checks that the client got every byte of the recording and that the gateway and
//! the client reached the completion the FILE mode gives.

use std::convert::Infallible;
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chunkwise::stream::ByteStreamExt;
use chunkwise::{SharedChatError, SharedChatEvent, SharedChatStream};
use futures_util::{StreamExt, stream};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

type BoxError = Box<dyn Error + Send + Sync>;

/// What the gateway saw of one relayed stream (what it would log or bill).
#[derive(Debug, Default)]
struct Relayed {
    pieces: usize,
    bytes: usize,
    content_deltas: usize,
    tool_calls: Vec<String>,
    /// The final completion, as `chat.completion` JSON.
    completion: String,
    usage: Option<String>,
    client_left: bool,
}

/// What a run of the whole setup produced.
#[derive(Debug)]
struct Outcome {
    /// The bytes the client received.
    received: Vec<u8>,
    /// The client's final completion, as `chat.completion` JSON.
    client_completion: String,
    gateway: Relayed,
}

fn main() -> Result<(), BoxError> {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| testdata("openai/text-then-tool-call.sse"));
    let recording = Bytes::from(std::fs::read(&path)?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(run(recording, true))?;
    let finish_reason = outcome
        .client_completion
        .split("\"finish_reason\":")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or("none");
    println!(
        "[client] received {} bytes; finish reason: {finish_reason}; same completion as the gateway: {}",
        outcome.received.len(),
        outcome.client_completion == outcome.gateway.completion,
    );
    Ok(())
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

/// Starts the upstream and the gateway, makes one client call through the gateway,
/// shuts both servers down and returns what everyone saw.
async fn run(recording: Bytes, verbose: bool) -> Result<Outcome, BoxError> {
    // 1. The fake upstream.
    let upstream = TcpListener::bind("127.0.0.1:0").await?;
    let upstream_url = format!("http://{}/v1/chat/completions", upstream.local_addr()?);
    let app = Router::new()
        .route("/v1/chat/completions", post(replay))
        .with_state(recording);
    let (stop_upstream, upstream_task) = serve(upstream, app);

    // 2. The gateway.
    let (log, mut logged) = mpsc::unbounded_channel();
    let gateway = TcpListener::bind("127.0.0.1:0").await?;
    let gateway_url = format!("http://{}/v1/chat/completions", gateway.local_addr()?);
    let state = Gateway {
        http: http_client(),
        upstream: upstream_url,
        log,
        verbose,
    };
    let app = Router::new()
        .route("/v1/chat/completions", post(proxy))
        .with_state(state);
    let (stop_gateway, gateway_task) = serve(gateway, app);

    // 3. The client.
    let client = call(&gateway_url, verbose).await;

    let _ = stop_gateway.send(());
    let _ = stop_upstream.send(());
    gateway_task.await??;
    upstream_task.await??;
    let (received, client_completion) = client?;
    let gateway = logged.recv().await.ok_or("the gateway logged nothing")?;
    Ok(Outcome {
        received,
        client_completion,
        gateway,
    })
}

/// A reqwest client. Plain HTTP needs no TLS, but in a build of the whole workspace
/// reqwest also gets the CLI's features (rustls without a crypto provider), and then
/// refuses to build a client until a provider is installed: install ring's.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

type ServerTask = tokio::task::JoinHandle<Result<(), std::io::Error>>;

/// Serves `app` on `listener` until the sender is used (or dropped).
fn serve(listener: TcpListener, app: Router) -> (oneshot::Sender<()>, ServerTask) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    (stop, task)
}

/// The fake upstream: the recording as `text/event-stream`, in pieces of 1 to 97
/// bytes with a 2 ms pause between them.
async fn replay(State(recording): State<Bytes>) -> Response {
    let pieces = stream::unfold((recording, 0), |(recording, at)| async move {
        if at >= recording.len() {
            return None;
        }
        if at > 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let end = (at + 1 + (at * 7919) % 97).min(recording.len());
        let piece = recording.slice(at..end);
        Some((Ok::<_, Infallible>(piece), (recording, end)))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(pieces),
    )
        .into_response()
}

#[derive(Clone)]
struct Gateway {
    http: reqwest::Client,
    upstream: String,
    log: mpsc::UnboundedSender<Relayed>,
    verbose: bool,
}

/// The gateway's route: calls the upstream with the client's request and streams the
/// answer back as it arrives.
async fn proxy(State(gateway): State<Gateway>, request: Bytes) -> Response {
    let upstream = gateway
        .http
        .post(&gateway.upstream)
        .header(header::CONTENT_TYPE, "application/json")
        .body(request)
        .send()
        .await;
    let upstream = match upstream {
        Ok(response) if response.status().is_success() => response,
        Ok(response) => {
            let status = response.status();
            return (StatusCode::BAD_GATEWAY, format!("upstream: {status}")).into_response();
        }
        Err(e) => return (StatusCode::BAD_GATEWAY, format!("upstream: {e}")).into_response(),
    };
    // A bounded channel: the upstream is read only as fast as the client takes it.
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    tokio::spawn(relay(upstream, tx, gateway.log, gateway.verbose));
    let body = stream::unfold(rx, |mut rx| async move {
        let piece = rx.recv().await?;
        Some((Ok::<_, Infallible>(piece), rx))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(body),
    )
        .into_response()
}

/// Forwards every piece of the upstream body to the client unchanged, reading it with
/// chunkwise on the way; logs what it saw when the upstream ends.
async fn relay(
    upstream: reqwest::Response,
    tx: mpsc::Sender<Bytes>,
    log: mpsc::UnboundedSender<Relayed>,
    verbose: bool,
) {
    let mut pieces = upstream.bytes_stream();
    let mut chat = SharedChatStream::new();
    let mut seen = Relayed::default();
    while let Some(piece) = pieces.next().await {
        let piece = match piece {
            Ok(piece) => piece,
            Err(e) => {
                eprintln!("[gateway] upstream failed: {e}");
                break;
            }
        };
        seen.pieces += 1;
        seen.bytes += piece.len();
        chat.push(piece.clone()); // a reference count, not a copy
        while let Some(event) = chat.next_event() {
            look(&mut seen, &event, verbose);
        }
        // Forward it. If the client has gone, keep reading: the usage comes last.
        if !seen.client_left && tx.send(piece).await.is_err() {
            seen.client_left = true;
        }
    }
    let completion = chat.finish();
    let mut json = Vec::new();
    completion.write_json(&mut json);
    seen.completion = String::from_utf8_lossy(&json).into_owned();
    seen.usage = completion.usage().map(|usage| usage.raw.clone());
    while let Some(event) = chat.next_event() {
        look(&mut seen, &event, verbose);
    }
    if verbose {
        eprintln!(
            "[gateway] relayed {} bytes in {} pieces: {} content deltas, tool calls {:?}, done: {}, usage: {}",
            seen.bytes,
            seen.pieces,
            seen.content_deltas,
            seen.tool_calls,
            chat.completion().is_done(),
            seen.usage.as_deref().unwrap_or("none"),
        );
    }
    let _ = log.send(seen);
    // `tx` is dropped here: the client's body ends after the log line.
}

/// What the gateway notes of one event.
fn look(seen: &mut Relayed, event: &SharedChatEvent, verbose: bool) {
    match event {
        SharedChatEvent::Chunk(chunk) => {
            let deltas = chunk.choices.iter().filter(|c| c.delta.content.is_some());
            seen.content_deltas += deltas.count();
        }
        SharedChatEvent::ToolCall { call, .. } => seen.tool_calls.push(call.name().to_owned()),
        SharedChatEvent::Error(SharedChatError::Api { error, .. }) if verbose => {
            eprintln!("[gateway] the provider reported: {:?}", error.message);
        }
        SharedChatEvent::Error(error) if verbose => eprintln!("[gateway] {error}"),
        _ => {}
    }
}

/// The client: one streaming call through the gateway, read with the `stream`
/// adapter. Returns the bytes received and the final completion's JSON.
async fn call(url: &str, verbose: bool) -> Result<(Vec<u8>, String), BoxError> {
    let response = http_client()
        .post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .body(
            r#"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#,
        )
        .send()
        .await?
        .error_for_status()?;
    let mut received = Vec::new();
    let body = response.bytes_stream().inspect(|piece| {
        if let Ok(piece) = piece {
            received.extend_from_slice(piece);
        }
    });
    let mut events = body.chat_events();
    let mut out = std::io::stdout();
    while let Some(event) = events.next().await {
        match event? {
            SharedChatEvent::Chunk(chunk) if verbose => {
                for choice in &chunk.choices {
                    if let Some(text) = choice.delta.content.as_ref().and_then(|c| c.as_text()) {
                        print!("{text}");
                        out.flush()?;
                    }
                }
            }
            SharedChatEvent::ToolCall { call, .. } if verbose => {
                println!("\n[client] tool call {}({})", call.name(), call.arguments());
            }
            SharedChatEvent::Done if verbose => println!("\n[client] [DONE]"),
            SharedChatEvent::Error(error) if verbose => eprintln!("[client] {error}"),
            _ => {}
        }
    }
    let mut json = Vec::new();
    events.completion().write_json(&mut json);
    drop(events);
    Ok((received, String::from_utf8_lossy(&json).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The completion the FILE mode gives (`chunkwise chat --json FILE`).
    fn file_mode(bytes: &[u8]) -> String {
        let mut stream = chunkwise::ChatStream::new();
        stream.feed(bytes, |_| {});
        let mut json = Vec::new();
        stream.finish(|_| {}).write_json(&mut json);
        String::from_utf8(json).unwrap()
    }

    #[test]
    fn the_gateway_relays_every_byte_and_everyone_reads_the_same_completion() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for name in [
            "openai/text-then-tool-call.sse",
            "openai/include-usage.sse",
            "openai/error-midstream.sse",
            "ollama/tool-call-crlf.sse",
            "framing/bom.sse",
        ] {
            let bytes = std::fs::read(testdata(name)).unwrap();
            let outcome = runtime
                .block_on(run(Bytes::from(bytes.clone()), false))
                .unwrap();
            let want = file_mode(&bytes);
            assert_eq!(outcome.received, bytes, "{name}: every byte relayed");
            assert_eq!(outcome.client_completion, want, "{name}: client");
            assert_eq!(outcome.gateway.completion, want, "{name}: gateway");
            assert_eq!(outcome.gateway.bytes, bytes.len(), "{name}");
            assert!(outcome.gateway.pieces > 1, "{name}: streamed in pieces");
            assert!(!outcome.gateway.client_left, "{name}");
        }
    }
}
