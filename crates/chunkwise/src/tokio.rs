//! Adapters for [`tokio::io::AsyncRead`] (feature `tokio`): a
//! `TcpStream`, a child process's stdout, a `tokio::fs::File`, a decompressor.
//!
//! [`ReadStream`] turns the reader into a `Stream` of `io::Result<Bytes>` read into a
//! reused buffer; [`chat_events`] and [`sse_events`] put the [`stream`](crate::stream)
//! adapters on top, so you get the same [`ChatEvents`] and [`SseEvents`] as for an HTTP
//! client's byte stream, with `E = std::io::Error`. Only tokio's `AsyncRead` trait is
//! used: no tokio feature is required.
//!
//! ```
//! use chunkwise::SharedChatEvent;
//! use futures_util::StreamExt;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! // Any `AsyncRead + Unpin`: here a byte slice.
//! let body: &[u8] = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
//! let mut events = chunkwise::tokio::chat_events(body);
//! let mut kinds = Vec::new();
//! while let Some(event) = events.next().await {
//!     kinds.push(match event? {
//!         SharedChatEvent::Chunk(_) => "chunk",
//!         SharedChatEvent::Done => "done",
//!         _ => "other",
//!     });
//! }
//! assert_eq!(kinds, ["chunk", "done"]);
//! assert_eq!(events.completion().choices()[0].content(), Some("Hi"));
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use ::tokio::io::{AsyncRead, ReadBuf};
use bytes::Bytes;
use futures_core::{FusedStream, Stream};

use crate::buffer::{DEFAULT_CAPACITY, ReadBuffer};
use crate::stream::{ChatEvents, SseEvents};

/// The chat events read from `reader`: [`ChatEvents`] over a [`ReadStream`].
pub fn chat_events<R: AsyncRead + Unpin>(reader: R) -> ChatEvents<ReadStream<R>> {
    ChatEvents::new(ReadStream::new(reader))
}

/// The SSE items read from `reader`: [`SseEvents`] over a [`ReadStream`].
pub fn sse_events<R: AsyncRead + Unpin>(reader: R) -> SseEvents<ReadStream<R>> {
    SseEvents::new(ReadStream::new(reader))
}

/// A [`Stream`] of the bytes read from an [`AsyncRead`], each read a `Bytes` slice of a
/// reused buffer block (recycled in place once every slice of it has been dropped).
/// Ends at the reader's end of file; a read error is yielded and the next poll reads
/// again.
///
/// It plays the part of `tokio_util::io::ReaderStream` without the dependency, and
/// reads into a block that stays allocated across reads.
#[derive(Debug)]
pub struct ReadStream<R> {
    reader: R,
    buf: ReadBuffer,
    ended: bool,
}

impl<R> ReadStream<R> {
    /// Reads `reader` into 16 KiB blocks.
    pub fn new(reader: R) -> ReadStream<R> {
        ReadStream::with_capacity(reader, DEFAULT_CAPACITY)
    }

    /// Reads `reader` into blocks of `capacity` bytes (at least 1 KiB).
    pub fn with_capacity(reader: R, capacity: usize) -> ReadStream<R> {
        ReadStream {
            reader,
            buf: ReadBuffer::new(capacity),
            ended: false,
        }
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncRead + Unpin> Stream for ReadStream<R> {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let mut read = ReadBuf::new(this.buf.spare());
        if let Err(e) = ready!(Pin::new(&mut this.reader).poll_read(cx, &mut read)) {
            return Poll::Ready(Some(Err(e)));
        }
        let n = read.filled().len();
        if n == 0 {
            this.ended = true;
            return Poll::Ready(None);
        }
        Poll::Ready(Some(Ok(this.buf.take(n))))
    }
}

impl<R: AsyncRead + Unpin> FusedStream for ReadStream<R> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}
