//! `chunkwise serve`: an OpenAI-compatible replay server, so any LLM client can be tested
//! offline against real wire formats.
//!
//! - `POST /v1/chat/completions` (or `/chat/completions`) with `"stream": true` answers
//!   `text/event-stream` with a recorded stream, byte for byte, written in pieces cut
//!   per `--chunking` (same syntax as `--split`) with `--delay-ms` between pieces.
//! - Without `"stream": true` it answers the recording's final completion as a
//!   non-streaming `chat.completion` object (what `chunkwise chat --json FILE` prints).
//! - Which recording: the one whose file stem (name without `.sse`) equals the request's
//!   `model`; otherwise the next one in turn (round-robin over the FILEs in the order
//!   given). The answer names it in an `x-chunkwise-recording` header.
//! - `GET /v1/models` (or `/models`) lists the recordings as models.
//! - Anything else: an error body in OpenAI's shape (`{"error": {"message", "type",
//!   "param", "code"}}`) with status 400, 404, 405 or 413.
//!
//! The first line on stdout is `listening on http://ADDR`, with the port the system
//! chose for `--addr 127.0.0.1:0` (the default). One line per request goes to stderr.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use chunkwise::ChatStream;
use chunkwise::chat::simd_json::{self, BorrowedValue, prelude::*};
use chunkwise::chat::write::json_str;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::time::{Instant, Sleep};

use crate::Failure;
use crate::args::{ServeArgs, Split, UsageError};
use crate::input::PieceSizes;

/// The largest request body read (chat requests with long histories fit easily).
const MAX_REQUEST: usize = 4 << 20;

/// One recorded stream and its final completion.
struct Recording {
    /// The file stem: the `model` that asks for it.
    name: String,
    sse: Bytes,
    completion: Bytes,
}

struct Server {
    recordings: Vec<Recording>,
    /// Round-robin position for requests that name no recording.
    next: AtomicUsize,
    chunking: Split,
    delay: Duration,
}

pub fn run(args: &ServeArgs) -> Result<(), Failure> {
    let mut recordings: Vec<Recording> = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let sse = std::fs::read(file).map_err(|e| Failure::Input(file.clone(), e))?;
        let name = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if recordings.iter().any(|r| r.name == name) {
            return Err(Failure::Usage(UsageError(format!(
                "two recordings are named {name:?}: a model name must pick one"
            ))));
        }
        let mut stream = ChatStream::new();
        stream.feed(&sse, |_| {});
        let mut completion = Vec::new();
        stream.finish(|_| {}).write_json(&mut completion);
        completion.push(b'\n');
        recordings.push(Recording {
            name,
            sse: Bytes::from(sse),
            completion: Bytes::from(completion),
        });
    }
    let server = Arc::new(Server {
        recordings,
        next: AtomicUsize::new(0),
        chunking: args.chunking,
        delay: Duration::from_millis(args.delay_ms),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(server, &args.addr))
}

async fn serve(server: Arc<Server>, addr: &str) -> Result<(), Failure> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::Other(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::Other(format!("cannot listen on {addr}: {e}")))?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")
            .and_then(|()| out.flush())
            .map_err(Failure::Output)?;
    }
    loop {
        let (conn, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                eprintln!("chunkwise serve: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let server = server.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let server = server.clone();
                async move { Ok::<_, Infallible>(handle(&server, req, peer).await) }
            });
            // A client that goes away mid-stream ends its connection: nothing to report.
            // One that sends no request head within 30 s is dropped.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(conn), service)
                .await;
        });
    }
}

async fn handle(server: &Server, req: Request<Incoming>, peer: SocketAddr) -> Response<Reply> {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let response = match path.as_str() {
        "/v1/chat/completions" | "/chat/completions" if method == Method::POST => {
            chat(server, req).await
        }
        "/v1/models" | "/models" if method == Method::GET => models(server),
        "/v1/chat/completions" | "/chat/completions" | "/v1/models" | "/models" => error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{method} is not allowed on {path}"),
        ),
        _ => error(
            StatusCode::NOT_FOUND,
            &format!(
                "unknown URL {method} {path}: chunkwise serve answers POST /v1/chat/completions and GET /v1/models"
            ),
        ),
    };
    let served = response
        .headers()
        .get(RECORDING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    eprintln!(
        "chunkwise serve: {peer} {method} {path} -> {} {served}",
        response.status().as_u16()
    );
    response
}

/// The header naming the recording served.
const RECORDING: &str = "x-chunkwise-recording";

async fn chat(server: &Server, req: Request<Incoming>) -> Response<Reply> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is larger than {MAX_REQUEST} bytes"),
        )
    };
    // A content-length over the limit is refused before reading; a chunked body is cut
    // off at the limit.
    if req.body().size_hint().lower() > MAX_REQUEST as u64 {
        return too_large();
    }
    let mut body = match Limited::new(req.into_body(), MAX_REQUEST).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the request: {e}"),
            );
        }
    };
    let (stream, model) = match read_request(&mut body) {
        Ok(request) => request,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    let recording = match model
        .as_deref()
        .and_then(|m| server.recordings.iter().find(|r| r.name == m))
    {
        Some(r) => r,
        None => {
            let i = server.next.fetch_add(1, Ordering::Relaxed) % server.recordings.len();
            &server.recordings[i]
        }
    };
    let mut response = if stream {
        let mut r = Response::new(Reply::stream(
            recording.sse.clone(),
            server.chunking,
            server.delay,
        ));
        let h = r.headers_mut();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream; charset=utf-8"),
        );
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        r
    } else {
        json_response(StatusCode::OK, recording.completion.clone())
    };
    if let Ok(name) = HeaderValue::from_str(&recording.name) {
        response.headers_mut().insert(RECORDING, name);
    }
    response
}

/// The request's `stream` flag and `model`, or why the request is not one.
fn read_request(body: &mut [u8]) -> Result<(bool, Option<String>), String> {
    let value = simd_json::to_borrowed_value(body)
        .map_err(|e| format!("the request body is not valid JSON: {e}"))?;
    let Some(object) = value.as_object() else {
        return Err("the request body must be a JSON object".into());
    };
    let stream = match object.get("stream") {
        None | Some(BorrowedValue::Static(StaticNode::Null)) => false,
        Some(v) => v
            .as_bool()
            .ok_or("\"stream\" must be true or false".to_owned())?,
    };
    let model = match object.get("model") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .ok_or("\"model\" must be a string".to_owned())?
                .to_owned(),
        ),
    };
    Ok((stream, model))
}

/// `GET /v1/models`: the recordings, as OpenAI lists models.
fn models(server: &Server) -> Response<Reply> {
    let mut body = b"{\"object\": \"list\", \"data\": [".to_vec();
    for (i, r) in server.recordings.iter().enumerate() {
        if i > 0 {
            body.extend_from_slice(b", ");
        }
        body.extend_from_slice(b"{\"id\": ");
        json_str(&mut body, &r.name);
        body.extend_from_slice(
            b", \"object\": \"model\", \"created\": 0, \"owned_by\": \"chunkwise\"}",
        );
    }
    body.extend_from_slice(b"]}\n");
    json_response(StatusCode::OK, body.into())
}

/// An error in OpenAI's shape.
fn error(status: StatusCode, message: &str) -> Response<Reply> {
    let mut body = b"{\"error\": {\"message\": ".to_vec();
    json_str(&mut body, message);
    body.extend_from_slice(b", \"type\": \"invalid_request_error\", \"param\": null, \"code\": ");
    json_str(
        &mut body,
        match status {
            StatusCode::NOT_FOUND => "unknown_url",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "request_too_large",
            _ => "invalid_request",
        },
    );
    body.extend_from_slice(b"}}\n");
    json_response(status, body.into())
}

fn json_response(status: StatusCode, body: Bytes) -> Response<Reply> {
    let mut r = Response::new(Reply::sized(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// A response body written in pieces, with a pause between them.
struct Reply {
    rest: Bytes,
    sizes: PieceSizes,
    /// JSON bodies are sent with a `content-length`, streams with chunked encoding
    /// (as LLM APIs send them), each piece a chunk.
    sized: bool,
    delay: Duration,
    /// The pause before the next piece, when one is due.
    pause: Option<Pin<Box<Sleep>>>,
}

impl Reply {
    /// A stream, cut per `chunking`, with `delay` between pieces.
    fn stream(body: Bytes, chunking: Split, delay: Duration) -> Reply {
        Reply {
            rest: body,
            sizes: PieceSizes::new(chunking),
            sized: false,
            delay,
            pause: None,
        }
    }

    /// A whole body of known length.
    fn sized(body: Bytes) -> Reply {
        Reply {
            sized: true,
            ..Reply::stream(body, Split::Whole, Duration::ZERO)
        }
    }
}

impl Body for Reply {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.rest.is_empty() {
            return Poll::Ready(None);
        }
        if let Some(pause) = &mut this.pause
            && pause.as_mut().poll(cx).is_pending()
        {
            return Poll::Pending;
        }
        let n = this.sizes.next_size().min(this.rest.len());
        let piece = this.rest.split_to(n);
        if !this.rest.is_empty() && !this.delay.is_zero() {
            let due = Instant::now() + this.delay;
            match &mut this.pause {
                Some(pause) => pause.as_mut().reset(due),
                None => this.pause = Some(Box::pin(tokio::time::sleep_until(due))),
            }
        } else {
            this.pause = None;
        }
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        if self.sized {
            SizeHint::with_exact(self.rest.len() as u64)
        } else {
            SizeHint::default()
        }
    }
}
