//! Adapters for byte streams (feature `stream`): any
//! [`Stream`]`<Item = Result<B, E>>` with `B: Into<Bytes>`, which is what
//! `reqwest::Response::bytes_stream()`, axum's `Body::into_data_stream()` and
//! `http_body_util::BodyExt::into_data_stream()` on a hyper body give.
//!
//! - [`ChatEvents`]: a `Stream` of owned [`SharedChatEvent`]s with the completion at
//!   the end. Event strings are zero-copy slices of the transport's `Bytes`.
//! - [`SseEvents`]: a `Stream` of owned SSE items, for streams that are not chat
//!   completions.
//! - [`ByteStreamExt`]: `.chat_events()` and `.sse_events()` on any such stream.
//!
//! The transport's error type `E` is kept as is: the items are
//! `Result<_, E>`, so `?` works as it did on the byte stream. Malformed events are not
//! errors of the stream: they are [`SharedChatEvent::Error`] events and the stream goes
//! on. After a transport error the adapter keeps polling the transport if you keep
//! polling it (most transports end their stream after an error); when the transport
//! ends, the chat stream is finished and the last events come out.
//!
//! The byte stream must be [`Unpin`] (reqwest's and axum's are); pin others with
//! `Box::pin(stream)`.
//!
//! # Reconnection
//!
//! [`ChatEvents::last_event_id`] and [`ChatEvents::retry`] give the `Last-Event-ID`
//! header value and the wait the server asked for. For a plain SSE stream,
//! [`SseEvents::reconnect`] continues on a new connection's body with the same parser.
//!
//! ```no_run
//! # async fn run() -> Result<(), reqwest::Error> {
//! use chunkwise::SharedChatEvent;
//! use chunkwise::stream::ByteStreamExt;
//! use futures_util::StreamExt;
//!
//! let response = reqwest::Client::new()
//!     .post("http://127.0.0.1:8080/v1/chat/completions")
//!     .body(r#"{"model":"m","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#)
//!     .send()
//!     .await?;
//! let mut events = response.bytes_stream().chat_events();
//! while let Some(event) = events.next().await {
//!     if let SharedChatEvent::Chunk(chunk) = event? {
//!         for choice in &chunk.choices {
//!             print!("{}", choice.delta.content.as_ref().and_then(|c| c.as_text()).unwrap_or(""));
//!         }
//!     }
//! }
//! println!("\nusage: {:?}", events.completion().usage());
//! # Ok(())
//! # }
//! ```

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use chunkwise_chat::Completion;
use chunkwise_chat::accumulate;
use chunkwise_sse::{Limits, Parser, SharedItem};
use futures_core::{FusedStream, Stream};

use crate::shared::{SharedChatEvent, SharedChatStream};

/// `.chat_events()` and `.sse_events()` on every `Stream<Item = Result<B, E>>` with
/// `B: Into<Bytes>`.
pub trait ByteStreamExt: Sized {
    /// The chat events of this byte stream: [`ChatEvents::new`].
    fn chat_events(self) -> ChatEvents<Self> {
        ChatEvents::new(self)
    }

    /// The SSE items of this byte stream: [`SseEvents::new`].
    fn sse_events(self) -> SseEvents<Self> {
        SseEvents::new(self)
    }
}

impl<S, B, E> ByteStreamExt for S
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
{
}

/// A [`Stream`] of the [`SharedChatEvent`]s of a chat-completion byte stream, with the
/// transport's error type `E`. When the byte stream ends, the chat stream is
/// [finished](SharedChatStream::finish) (an event left without its blank line is still
/// read) and [`completion`](ChatEvents::completion) is final.
///
/// ```
/// use bytes::Bytes;
/// use chunkwise::SharedChatEvent;
/// use chunkwise::stream::ChatEvents;
/// use futures_util::{StreamExt, stream};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // What an HTTP client's `bytes_stream()` gives: pieces split anywhere.
/// let body = stream::iter([
///     Ok::<_, std::io::Error>(Bytes::from("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"He")),
///     Ok(Bytes::from("llo\"}}],\"usage\":{\"total_tokens\":9}}\n\ndata: [DONE]\n\n")),
/// ]);
/// let mut events = ChatEvents::new(body);
/// let mut text = String::new();
/// while let Some(event) = events.next().await {
///     match event? {
///         SharedChatEvent::Chunk(chunk) => {
///             for choice in &chunk.choices {
///                 text.push_str(choice.delta.content.as_ref().and_then(|c| c.as_text()).unwrap_or(""));
///             }
///         }
///         SharedChatEvent::Error(error) => eprintln!("skipped: {error}"),
///         _ => {}
///     }
/// }
/// assert_eq!(text, "Hello");
/// assert_eq!(events.completion().usage().and_then(|u| u.total_tokens), Some(9));
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct ChatEvents<S> {
    inner: S,
    stream: SharedChatStream,
}

impl<S> ChatEvents<S> {
    /// Reads `inner` with default limits.
    pub fn new(inner: S) -> ChatEvents<S> {
        ChatEvents::with_stream(inner, SharedChatStream::new())
    }

    /// Reads `inner` with the given SSE and accumulation limits.
    pub fn with_limits(inner: S, sse: Limits, acc: accumulate::Limits) -> ChatEvents<S> {
        ChatEvents::with_stream(inner, SharedChatStream::with_limits(sse, acc))
    }

    /// Reads `inner` into `stream`.
    pub fn with_stream(inner: S, stream: SharedChatStream) -> ChatEvents<S> {
        ChatEvents { inner, stream }
    }

    /// The completion so far (final once the stream has ended).
    pub fn completion(&self) -> &Completion {
        self.stream.completion()
    }

    /// The last event ID read, for `Last-Event-ID` on reconnection (`""` if none).
    pub fn last_event_id(&self) -> &str {
        self.stream.last_event_id()
    }

    /// The reconnection time the server asked for, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.stream.retry()
    }

    /// The engine. [`finish`](SharedChatStream::finish) it to end the stream early
    /// (e.g. after a transport error you will not retry): the events that produces are
    /// still yielded, then the stream ends without polling the transport again.
    pub fn stream_mut(&mut self) -> &mut SharedChatStream {
        &mut self.stream
    }

    /// The byte stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The byte stream and the engine.
    pub fn into_parts(self) -> (S, SharedChatStream) {
        (self.inner, self.stream)
    }
}

impl<S, B, E> Stream for ChatEvents<S>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: Into<Bytes>,
{
    type Item = Result<SharedChatEvent, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.stream.next_event() {
                return Poll::Ready(Some(Ok(event)));
            }
            if this.stream.is_finished() {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                Some(Ok(piece)) => this.stream.push(piece.into()),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {
                    this.stream.finish();
                }
            }
        }
    }
}

impl<S, B, E> FusedStream for ChatEvents<S>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: Into<Bytes>,
{
    fn is_terminated(&self) -> bool {
        // Finished with nothing queued: `next_event` on a finished, drained stream
        // only ever returns `None`.
        self.stream.is_finished() && self.stream.is_drained()
    }
}

/// A [`Stream`] of the owned SSE items ([`SharedItem`]) of any `text/event-stream`
/// byte stream, with the transport's error type `E`. Event data are zero-copy slices
/// of the transport's `Bytes` whenever the event lies whole in one of them. As the
/// standard says, a final event without its blank line is discarded.
///
/// ```
/// use bytes::Bytes;
/// use chunkwise::sse::SharedItem;
/// use chunkwise::stream::ByteStreamExt;
/// use futures_util::{StreamExt, stream};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let body = stream::iter([Ok::<_, std::io::Error>("id: 1\ndata: a\n\nda"), Ok("ta: b\n\n")]);
/// let mut items = body.sse_events();
/// let mut data = Vec::new();
/// while let Some(item) = items.next().await {
///     if let SharedItem::Event(event) = item? {
///         data.push(event.data);
///     }
/// }
/// assert_eq!(data, ["a", "b"]);
/// assert_eq!(items.last_event_id(), "1");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct SseEvents<S> {
    inner: S,
    parser: Parser,
    piece: Bytes,
    ended: bool,
}

impl<S> SseEvents<S> {
    /// Reads `inner` with a default [`Parser`].
    pub fn new(inner: S) -> SseEvents<S> {
        SseEvents::with_parser(inner, Parser::new())
    }

    /// Reads `inner` with `parser` (custom limits, or a [reset](Parser::reset) parser
    /// that remembers a previous connection's last event ID).
    pub fn with_parser(inner: S, parser: Parser) -> SseEvents<S> {
        SseEvents {
            inner,
            parser,
            piece: Bytes::new(),
            ended: false,
        }
    }

    /// The last event ID read, for `Last-Event-ID` on reconnection (`""` if none).
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The reconnection time from the last `retry` field, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.parser.retry()
    }

    /// Goes on with a new connection's body (requested with
    /// [`last_event_id`](SseEvents::last_event_id) as `Last-Event-ID`): forgets the
    /// old body's partial event and unread bytes, keeps the last event ID and retry
    /// value, as an `EventSource` does.
    ///
    /// ```
    /// use chunkwise::sse::SharedItem;
    /// use chunkwise::stream::SseEvents;
    /// use futures_util::{StreamExt, stream};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let first = stream::iter(vec![Ok::<_, std::io::Error>("id: 41\ndata: a\n\ndata: cut")]);
    /// let mut items = SseEvents::new(first);
    /// while items.next().await.is_some() {}
    /// assert_eq!(items.last_event_id(), "41"); // send as `Last-Event-ID`
    /// items.reconnect(stream::iter(vec![Ok("data: b\n\n")]));
    /// let Some(Ok(SharedItem::Event(event))) = items.next().await else { panic!() };
    /// assert_eq!((event.data.as_str(), event.id.as_str()), ("b", "41"));
    /// # });
    /// ```
    pub fn reconnect(&mut self, inner: S) {
        self.inner = inner;
        self.parser.reset();
        self.piece = Bytes::new();
        self.ended = false;
    }

    /// The parser.
    pub fn parser(&self) -> &Parser {
        &self.parser
    }

    /// The byte stream and the parser.
    pub fn into_parts(self) -> (S, Parser) {
        (self.inner, self.parser)
    }
}

impl<S, B, E> Stream for SseEvents<S>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: Into<Bytes>,
{
    type Item = Result<SharedItem, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.parser.next_shared(&mut this.piece) {
                return Poll::Ready(Some(Ok(item)));
            }
            this.piece = Bytes::new();
            if this.ended {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                Some(Ok(piece)) => this.piece = piece.into(),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => this.ended = true,
            }
        }
    }
}

impl<S, B, E> FusedStream for SseEvents<S>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: Into<Bytes>,
{
    fn is_terminated(&self) -> bool {
        self.ended && self.piece.is_empty()
    }
}
