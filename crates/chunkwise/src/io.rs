//! Adapters for [`std::io::Read`] (feature `io`): a file, a `TcpStream`, a blocking
//! HTTP client's body, standard input.
//!
//! - [`ChatEvents`]: an iterator of owned [`SharedChatEvent`]s (zero-copy slices of a
//!   reused read buffer), with the completion at the end.
//! - [`for_each_event`] / [`for_each_event_with`]: the lending loop, the fastest way:
//!   each [`ChatEvent`] borrows the read buffer for the duration of your callback.
//! - [`SseEvents`]: an iterator of owned SSE items, for streams that are not chat
//!   completions.
//!
//! Reads interrupted by a signal ([`io::ErrorKind::Interrupted`]) are retried; other
//! read errors are handed to you, after which you may stop or keep iterating (the next
//! call reads again).

use std::io::{self, Read};

use bytes::Bytes;
use chunkwise_chat::accumulate;
use chunkwise_chat::{ChatEvent, ChatStream, Completion};
use chunkwise_sse::{Limits, Parser, SharedItem};

use crate::buffer::{DEFAULT_CAPACITY, ReadBuffer};
use crate::shared::{SharedChatEvent, SharedChatStream};

/// Reads a chat-completion stream from `reader` to its end, calling `f` with every
/// event as it is read, and returns the final completion. Events borrow a reused
/// buffer: nothing is allocated per event.
///
/// ```
/// use chunkwise::{ChatEvent, Content};
///
/// let body: &[u8] = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n";
/// let mut shown = String::new();
/// let completion = chunkwise::io::for_each_event(body, |event| {
///     if let ChatEvent::Chunk(chunk) = event {
///         if let Some(Content::Text(text)) = chunk.choices[0].delta.content {
///             shown.push_str(text);
///         }
///     }
/// })?;
/// assert_eq!(shown, "Hi");
/// assert!(completion.is_done());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn for_each_event<R: Read>(
    reader: R,
    f: impl FnMut(ChatEvent<'_, '_>),
) -> io::Result<Completion> {
    let mut stream = ChatStream::new();
    for_each_event_with(&mut stream, reader, f)?;
    Ok(stream.completion().clone())
}

/// [`for_each_event`] with your own [`ChatStream`] (limits, reuse across streams):
/// reads `reader` to its end, feeding `stream`, then [finishes](ChatStream::finish)
/// it; the completion is then `stream.completion()`. On a read error the stream is
/// left as it was (not finished), with what was read so far.
pub fn for_each_event_with<R: Read>(
    stream: &mut ChatStream,
    mut reader: R,
    mut f: impl FnMut(ChatEvent<'_, '_>),
) -> io::Result<()> {
    let mut buf = vec![0; DEFAULT_CAPACITY];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => stream.feed(&buf[..n.min(buf.len())], &mut f),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    stream.finish(&mut f);
    Ok(())
}

/// An iterator of the [`SharedChatEvent`]s of a chat-completion stream read from a
/// [`Read`]er: owned, `Send`, with strings that are zero-copy slices of a reused read
/// buffer. At the end of the input the stream is [finished](SharedChatStream::finish)
/// (an event left without its blank line is still read) and
/// [`completion`](ChatEvents::completion) is final.
///
/// ```
/// use chunkwise::SharedChatEvent;
/// use chunkwise::io::ChatEvents;
///
/// let body: &[u8] = b"id: 7\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n";
/// let mut events = ChatEvents::new(body);
/// let mut texts = Vec::new();
/// for event in &mut events {
///     if let SharedChatEvent::Chunk(chunk) = event? {
///         texts.extend(chunk.choices.iter().filter_map(|c| c.delta.content.clone()));
///     }
/// }
/// assert_eq!(texts[0].as_text(), Some("Hi"));
/// assert!(events.completion().is_done());
/// assert_eq!(events.last_event_id(), "7");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct ChatEvents<R> {
    reader: R,
    buf: ReadBuffer,
    stream: SharedChatStream,
}

impl<R: Read> ChatEvents<R> {
    /// Reads `reader` with default limits and a 16 KiB buffer.
    pub fn new(reader: R) -> ChatEvents<R> {
        ChatEvents::with_stream(reader, SharedChatStream::new())
    }

    /// Reads `reader` with the given SSE and accumulation limits.
    pub fn with_limits(reader: R, sse: Limits, acc: accumulate::Limits) -> ChatEvents<R> {
        ChatEvents::with_stream(reader, SharedChatStream::with_limits(sse, acc))
    }

    /// Reads `reader` into `stream` (which may hold a previous stream's buffers, or
    /// custom limits).
    pub fn with_stream(reader: R, stream: SharedChatStream) -> ChatEvents<R> {
        ChatEvents {
            reader,
            buf: ReadBuffer::new(DEFAULT_CAPACITY),
            stream,
        }
    }

    /// Sets the size of the read buffer's blocks (default 16 KiB, at least 1 KiB).
    pub fn buffer_capacity(mut self, capacity: usize) -> ChatEvents<R> {
        self.buf = ReadBuffer::new(capacity);
        self
    }
}

impl<R> ChatEvents<R> {
    /// The completion so far (final once the iterator has returned `None`).
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

    /// The engine (for [`finish`](SharedChatStream::finish) after a read error you
    /// will not retry).
    pub fn stream_mut(&mut self) -> &mut SharedChatStream {
        &mut self.stream
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The engine, whose completion is the stream's.
    pub fn into_stream(self) -> SharedChatStream {
        self.stream
    }
}

impl<R: Read> Iterator for ChatEvents<R> {
    type Item = io::Result<SharedChatEvent>;

    fn next(&mut self) -> Option<io::Result<SharedChatEvent>> {
        loop {
            if let Some(event) = self.stream.next_event() {
                return Some(Ok(event));
            }
            if self.stream.is_finished() {
                return None;
            }
            match read(&mut self.reader, &mut self.buf) {
                Ok(Some(piece)) => self.stream.push(piece),
                Ok(None) => {
                    self.stream.finish();
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// An iterator of the owned SSE items ([`SharedItem`]) of any `text/event-stream` read
/// from a [`Read`]er; event data are zero-copy slices of a reused read buffer. As the
/// standard says, a final event without its blank line is discarded.
///
/// ```
/// use chunkwise::io::SseEvents;
/// use chunkwise::sse::SharedItem;
///
/// let body: &[u8] = b"event: ping\ndata: 1\n\nretry: 500\nid: 9\ndata: 2\n\n";
/// let mut items = SseEvents::new(body);
/// let mut data = Vec::new();
/// for item in &mut items {
///     if let SharedItem::Event(event) = item? {
///         data.push(event.data);
///     }
/// }
/// assert_eq!(data, ["1", "2"]);
/// assert_eq!((items.last_event_id(), items.retry()), ("9", Some(500)));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct SseEvents<R> {
    reader: R,
    buf: ReadBuffer,
    parser: Parser,
    piece: Bytes,
    ended: bool,
}

impl<R: Read> SseEvents<R> {
    /// Reads `reader` with a default [`Parser`] and a 16 KiB buffer.
    pub fn new(reader: R) -> SseEvents<R> {
        SseEvents::with_parser(reader, Parser::new())
    }

    /// Reads `reader` with `parser` (custom limits, or a [reset](Parser::reset) parser
    /// that remembers the last event ID of a previous connection).
    pub fn with_parser(reader: R, parser: Parser) -> SseEvents<R> {
        SseEvents {
            reader,
            buf: ReadBuffer::new(DEFAULT_CAPACITY),
            parser,
            piece: Bytes::new(),
            ended: false,
        }
    }
}

impl<R> SseEvents<R> {
    /// The last event ID read, for `Last-Event-ID` on reconnection (`""` if none).
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The reconnection time from the last `retry` field, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.parser.retry()
    }

    /// The parser. To reconnect, [`reset`](Parser::reset) it (it keeps the last event
    /// ID and retry) and pass it to [`SseEvents::with_parser`] with the new reader.
    pub fn into_parser(self) -> Parser {
        self.parser
    }
}

impl<R: Read> Iterator for SseEvents<R> {
    type Item = io::Result<SharedItem>;

    fn next(&mut self) -> Option<io::Result<SharedItem>> {
        loop {
            if let Some(item) = self.parser.next_shared(&mut self.piece) {
                return Some(Ok(item));
            }
            // Drop the used piece so that the read buffer can be recycled.
            self.piece = Bytes::new();
            if self.ended {
                return None;
            }
            match read(&mut self.reader, &mut self.buf) {
                Ok(Some(piece)) => self.piece = piece,
                Ok(None) => self.ended = true,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// One read: `Some(piece)`, or `None` at the end of the input. Retries interrupted
/// reads.
fn read<R: Read>(reader: &mut R, buf: &mut ReadBuffer) -> io::Result<Option<Bytes>> {
    loop {
        match reader.read(buf.spare()) {
            Ok(0) => return Ok(None),
            Ok(n) => return Ok(Some(buf.take(n))),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
