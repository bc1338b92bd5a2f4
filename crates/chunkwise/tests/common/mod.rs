//! What the adapter tests share: the recorded streams, the FILE-mode reference (a
//! `ChatStream` fed the whole file, as `chunkwise chat FILE` does), renderings that
//! compare lent and owned events field by field, and seeded random cuts.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use bytes::Bytes;
use chunkwise::chat::ChatError;
use chunkwise::sse::{Item, SharedItem};
use chunkwise::{ChatEvent, ChatStream, Completion, Parser, SharedChatError, SharedChatEvent};
use chunkwise_testkit::streams::Rng;

/// Every `testdata/**/*.sse` file, sorted, with its bytes.
pub fn recordings() -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("testdata is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "sse") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    assert!(files.len() >= 40, "found only {} recordings", files.len());
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("recording is readable");
            (path, bytes)
        })
        .collect()
}

/// Everything a reader of a chat stream can observe.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Each event, rendered with every field.
    pub events: Vec<String>,
    /// The final completion as `chat.completion` JSON.
    pub completion: String,
    /// Recorded errors, `[DONE]` seen, dropped errors, ignored fragments.
    pub status: String,
    pub last_event_id: String,
    pub retry: Option<u64>,
}

fn status(completion: &Completion) -> (String, String) {
    let mut json = Vec::new();
    completion.write_json(&mut json);
    let status = format!(
        "done={} errors={:?} dropped={} ignored={}",
        completion.is_done(),
        completion.errors(),
        completion.errors_dropped(),
        completion.ignored_fragments()
    );
    (String::from_utf8(json).expect("JSON is UTF-8"), status)
}

/// A lent event, rendered. `Debug` of the borrowed and shared chunk types prints the
/// same text for the same content (`Utf8Bytes` debugs as its `str`).
pub fn render(event: &ChatEvent<'_, '_>) -> String {
    match event {
        ChatEvent::Chunk(chunk) => format!("chunk {chunk:?}"),
        ChatEvent::ToolCall { choice, call } => format!("call {choice} {call:?}"),
        ChatEvent::Done => "done".into(),
        ChatEvent::Error(ChatError::Api { error, offset }) => format!("api {error:?} @{offset}"),
        ChatEvent::Error(ChatError::Decode { error, offset }) => {
            format!("decode {error:?} @{offset}")
        }
        ChatEvent::Error(ChatError::Limit(e)) => format!("limit {e:?}"),
        ChatEvent::Other(ev) => format!(
            "other {:?} {:?} {:?} @{}",
            ev.event, ev.data, ev.id, ev.offset
        ),
        ChatEvent::Retry(ms) => format!("retry {ms}"),
        other => panic!("unexpected event {other:?}"),
    }
}

/// An owned event, rendered as [`render`] renders its lent twin.
pub fn render_shared(event: &SharedChatEvent) -> String {
    match event {
        SharedChatEvent::Chunk(chunk) => format!("chunk {chunk:?}"),
        SharedChatEvent::ToolCall { choice, call } => format!("call {choice} {call:?}"),
        SharedChatEvent::Done => "done".into(),
        SharedChatEvent::Error(SharedChatError::Api { error, offset }) => {
            format!("api {error:?} @{offset}")
        }
        SharedChatEvent::Error(SharedChatError::Decode { error, offset }) => {
            format!("decode {error:?} @{offset}")
        }
        SharedChatEvent::Error(SharedChatError::Limit(e)) => format!("limit {e:?}"),
        SharedChatEvent::Other(ev) => format!(
            "other {:?} {:?} {:?} @{}",
            ev.event, ev.data, ev.id, ev.offset
        ),
        SharedChatEvent::Retry(ms) => format!("retry {ms}"),
    }
}

/// The FILE-mode result: the whole file fed to a `ChatStream` at once, then finished.
pub fn file_mode(bytes: &[u8]) -> Outcome {
    let mut stream = ChatStream::new();
    let mut events = Vec::new();
    stream.feed(bytes, |event| events.push(render(&event)));
    stream.finish(|event| events.push(render(&event)));
    let (completion, status) = status(stream.completion());
    Outcome {
        events,
        completion,
        status,
        last_event_id: stream.last_event_id().to_owned(),
        retry: stream.retry(),
    }
}

/// The outcome of an adapter run: its owned events and its end state.
pub fn outcome(
    events: &[SharedChatEvent],
    completion: &Completion,
    last_event_id: &str,
    retry: Option<u64>,
) -> Outcome {
    let (completion, status) = status(completion);
    Outcome {
        events: events.iter().map(render_shared).collect(),
        completion,
        status,
        last_event_id: last_event_id.to_owned(),
        retry,
    }
}

/// [`outcome`] of the events `got` from `events`, anything with `completion()`,
/// `last_event_id()` and `retry()`: each adapter's `ChatEvents`, or a chat stream.
#[allow(unused_macros)]
macro_rules! outcome_of {
    ($got:expr, $events:expr) => {
        $crate::common::outcome(
            &$got,
            $events.completion(),
            $events.last_event_id(),
            $events.retry(),
        )
    };
}
#[allow(unused_imports)]
pub(crate) use outcome_of;

/// SSE items of the whole file fed to a `Parser` at once (no flush: a final event
/// without its blank line is discarded, as the standard says).
pub fn sse_file_mode(bytes: &[u8]) -> Vec<String> {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed(bytes, |item| {
        items.push(match item {
            Item::Event(ev) => format!(
                "event {:?} {:?} {:?} @{}",
                ev.event, ev.data, ev.id, ev.offset
            ),
            Item::Retry(ms) => format!("retry {ms}"),
            Item::Error(e) => format!("error {e:?}"),
        })
    });
    items
}

/// An owned SSE item, rendered as [`sse_file_mode`] renders its lent twin.
pub fn render_item(item: &SharedItem) -> String {
    match item {
        SharedItem::Event(ev) => format!(
            "event {:?} {:?} {:?} @{}",
            ev.event, ev.data, ev.id, ev.offset
        ),
        SharedItem::Retry(ms) => format!("retry {ms}"),
        SharedItem::Error(e) => format!("error {e:?}"),
    }
}

/// A random piece size: mostly small (a few bytes, cutting inside lines, `\r\n` pairs
/// and UTF-8 characters), sometimes a TCP segment, sometimes several KiB.
pub fn piece_len(rng: &mut Rng) -> usize {
    match rng.below(10) {
        0..=5 => rng.range(1, 16),
        6..=7 => rng.range(17, 400),
        8 => rng.range(1000, 1500),
        _ => rng.range(2000, 9000),
    }
}

/// `bytes` cut at random into non-empty pieces, as one `Bytes` block (so events lying
/// whole in a piece can be checked to share it).
pub fn random_pieces(bytes: &[u8], rng: &mut Rng) -> Vec<Bytes> {
    let all = Bytes::copy_from_slice(bytes);
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < all.len() {
        let end = (at + piece_len(rng)).min(all.len());
        pieces.push(all.slice(at..end));
        at = end;
    }
    pieces
}

/// A seed per file, so that each file gets different cuts and a failure names them.
pub fn seed(path: &Path, round: u64) -> u64 {
    path.to_string_lossy()
        .bytes()
        .fold(round.wrapping_mul(0x9E37_79B9), |h, b| {
            h.wrapping_mul(31).wrapping_add(u64::from(b))
        })
}

/// Asserts two outcomes are equal, with a readable message naming the file.
pub fn assert_same(path: &Path, what: &str, got: &Outcome, want: &Outcome) {
    if got == want {
        return;
    }
    for (i, (g, w)) in got.events.iter().zip(&want.events).enumerate() {
        assert_eq!(g, w, "{path:?} {what}: event {i} differs");
    }
    assert_eq!(
        got.events.len(),
        want.events.len(),
        "{path:?} {what}: event count"
    );
    assert_eq!(got, want, "{path:?} {what}");
}

/// Paces an async source: before some items it returns `Pending` a few times (waking
/// itself at once), before others it sleeps on a tokio timer (woken by the runtime).
pub struct Pacer {
    rng: Rng,
    spins: usize,
    sleep: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl Pacer {
    pub fn new(seed: u64) -> Pacer {
        Pacer {
            rng: Rng::new(seed),
            spins: 0,
            sleep: None,
        }
    }

    /// `Ready` when the next item may be given.
    pub fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        use std::future::Future;
        use std::task::Poll;
        if let Some(sleep) = &mut self.sleep {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sleep = None;
        }
        if self.spins > 0 {
            self.spins -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(())
    }

    /// An item was given: decide the pause before the next.
    pub fn gave(&mut self) {
        match self.rng.below(20) {
            0 => {
                let pause = std::time::Duration::from_micros(200);
                self.sleep = Some(Box::pin(tokio::time::sleep(pause)));
            }
            1..=6 => self.spins = self.rng.range(1, 3),
            _ => {}
        }
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }
}

/// A byte stream as an HTTP client gives it: the items one by one, paced.
pub struct Paced<T> {
    pub items: std::collections::VecDeque<T>,
    pacer: Pacer,
    /// Polls after the end (must stay 0 for a fused consumer).
    pub polled_after_end: usize,
}

impl<T> Paced<T> {
    pub fn new(items: impl IntoIterator<Item = T>, seed: u64) -> Paced<T> {
        Paced {
            items: items.into_iter().collect(),
            pacer: Pacer::new(seed),
            polled_after_end: 0,
        }
    }
}

impl<T: Unpin> futures_util::Stream for Paced<T> {
    type Item = T;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        let this = self.get_mut();
        if this.items.is_empty() {
            this.polled_after_end += 1;
            return std::task::Poll::Ready(None);
        }
        std::task::ready!(this.pacer.poll_ready(cx));
        this.pacer.gave();
        std::task::Poll::Ready(this.items.pop_front())
    }
}

/// Runs `f` on a current-thread tokio runtime with timers, failing after 60 s
/// instead of hanging (a lost wake-up would hang).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(60), f)
                .await
                .expect("finished within 60 s: no lost wake-up")
        })
}
