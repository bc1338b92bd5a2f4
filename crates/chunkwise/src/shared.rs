//! Owned events for `Bytes` pieces: [`SharedChatStream`] and what it hands out.
//!
//! [`ChatStream`] lends its events to a callback; that is the fastest way, but an
//! async `Stream` or an `Iterator` has to hand out values that outlive the call.
//! [`SharedChatStream`] takes the body as [`Bytes`] pieces (what HTTP clients give)
//! and yields [`SharedChatEvent`]s whose strings are [`Utf8Bytes`]: owned, `Send`,
//! `'static`, and zero-copy slices of the piece they came from. Only strings that
//! never lay in the input are copied: JSON strings with escapes, the data of an event
//! split across pieces (or of several `data` lines), event types and IDs (once per
//! change).
//!
//! The adapters of the `io`, `stream` and `tokio` features are thin loops around it.

use std::collections::VecDeque;
use std::fmt;

use bytes::{Bytes, BytesMut};
use chunkwise_chat::accumulate::{self, ToolCall};
use chunkwise_chat::decode::DecodeError;
use chunkwise_chat::{ApiErrorOf, ChatError, ChatEvent, ChatStream, Completion, SharedChunk};
use chunkwise_sse::{Event, LimitError, Limits, SharedEvent, Utf8Bytes};

/// An [`ApiErrorOf`] whose strings share the input `Bytes`.
pub type SharedApiError = ApiErrorOf<Utf8Bytes>;

/// The owned twin of [`ChatEvent`]: what [`SharedChatStream`] and the adapters hand
/// out, in stream order. `Send + 'static`; strings are [`Utf8Bytes`].
// Boxing the chunk would cost an allocation per event, which is what this type avoids.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum SharedChatEvent {
    /// A decoded chunk (already added to the completion): its deltas are what a client
    /// streams to the screen.
    Chunk(SharedChunk),
    /// A tool call just became complete: arguments whole and parsed (see
    /// [`ToolCall::parsed`]). Comes after the chunk that completed it.
    ToolCall {
        /// The choice it belongs to.
        choice: u32,
        /// The call (a copy of the one in the completion).
        call: ToolCall,
    },
    /// The `[DONE]` end-of-stream marker.
    Done,
    /// Something went wrong with one event; the stream goes on (the error is also
    /// recorded in the completion).
    Error(SharedChatError),
    /// An event of another `event:` type (e.g. a provider's `ping`), handed on as is.
    Other(SharedEvent),
    /// A `retry` field: the reconnection time the server asks for, in milliseconds.
    Retry(u64),
}

/// The owned twin of [`ChatError`]; none of these stops the stream.
#[derive(Clone, Debug, PartialEq)]
pub enum SharedChatError {
    /// The provider reported an error: an `error` member in a chunk, or an
    /// `event: error` event.
    Api {
        /// The error object (an `event: error` whose data has no `error` object gives
        /// an error with only `message`, the data as received, and a `null` `raw`).
        error: SharedApiError,
        /// Stream offset of the event.
        offset: u64,
    },
    /// An event's data is not `[DONE]` nor a chunk the decoder can read.
    Decode {
        /// What was wrong, at which byte of the data.
        error: DecodeError,
        /// Stream offset of the event (of its first `data` line).
        offset: u64,
    },
    /// The SSE layer skipped an event that exceeded a limit.
    Limit(LimitError),
}

impl fmt::Display for SharedChatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SharedChatError::Api { error, offset } => {
                let message = error.message.as_deref().unwrap_or("(no message)");
                write!(f, "provider error at byte {offset}: {message}")
            }
            SharedChatError::Decode { error, offset } => {
                write!(f, "undecodable event at byte {offset}: {error}")
            }
            SharedChatError::Limit(e) => write!(f, "at byte {}: {e}", e.offset),
        }
    }
}

impl std::error::Error for SharedChatError {}

/// A slice fed to the [`ChatStream`] at once ends after at most this many line ends
/// when it has no blank line, so that one call queues a bounded number of events
/// (each line completes at most one). An event of more lines has several `data` lines,
/// which the parser joins in its own buffer anyway.
const MAX_LINES: usize = 64;

/// Most bytes of an unfinished event kept aside (see [`SharedChatStream`]); past it they
/// go to the parser, which buffers them within its limits.
const MAX_CARRY: usize = 1 << 20;

/// First size of the carry buffer.
const CARRY_BLOCK: usize = 8 << 10;

/// A [`ChatStream`] for `Bytes` pieces, handing out owned [`SharedChatEvent`]s one at
/// a time: [`push`](SharedChatStream::push) a piece, then take events with
/// [`next_event`](SharedChatStream::next_event) until `None`; at the end of the body,
/// [`finish`](SharedChatStream::finish) and take the last events.
///
/// This is the engine of every adapter; use it directly to read from a transport the
/// adapters do not cover (a channel of `Bytes`, WebSocket frames, ...). The events are
/// the same however the body is split, and the same as [`ChatStream`]'s.
///
/// Memory and copies: a piece is fed to the parser one event at a time, so only a
/// handful of events are ever queued whatever the size of the piece. An event lying
/// whole in a piece has its strings sliced from that piece. The bytes of an event
/// split across pieces are gathered into one buffer block (reused once the events
/// sliced from it are dropped), and its strings are sliced from there. So nothing is
/// allocated per event in steady state, except copies of strings with JSON escapes
/// (and of an event of several `data` lines), and a [`ToolCall`] copy per completed
/// call. A `Utf8Bytes` you keep keeps its whole buffer block alive, as with any
/// `Bytes`. The bytes of an unfinished event wait in that buffer until the event is
/// complete (or the stream finishes), so a `retry` line among them is reported then.
///
/// ```
/// use bytes::Bytes;
/// use chunkwise::{SharedChatEvent, SharedChatStream};
///
/// let mut stream = SharedChatStream::new();
/// let mut text = String::new();
/// for piece in [
///     &b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel"[..],
///     b"lo\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" you\"}}]}\n\n",
///     b"data: [DONE]\n\n",
/// ] {
///     stream.push(Bytes::from_static(piece));
///     while let Some(event) = stream.next_event() {
///         if let SharedChatEvent::Chunk(chunk) = event {
///             let content = chunk.choices[0].delta.content.as_ref();
///             text.push_str(content.and_then(|c| c.as_text()).unwrap_or(""));
///         }
///     }
/// }
/// stream.finish();
/// while let Some(_event) = stream.next_event() {}
/// assert_eq!(text, "Hello you");
/// assert!(stream.completion().is_done());
/// ```
#[derive(Debug, Default)]
pub struct SharedChatStream {
    chat: ChatStream,
    /// The piece being read; `pos` is where its unread part starts.
    piece: Bytes,
    pos: usize,
    /// The bytes of an unfinished event, not fed yet, and how many line ends they hold.
    carry: BytesMut,
    carry_lines: usize,
    /// The last byte taken from the input (`0` before any): tells whether a piece
    /// starts with a blank line.
    last: u8,
    queue: VecDeque<SharedChatEvent>,
    /// Shared copies of the last `Other` event's type and ID, reused while unchanged.
    names: Names,
    finished: bool,
}

/// Owned copies of strings that did not lie in the input, reused while they repeat.
#[derive(Debug, Default)]
struct Names {
    /// The last `Other` event's type and ID.
    event: Utf8Bytes,
    id: Utf8Bytes,
    /// Recent short copies: the decoder may give a chunk's repeated members (`id`,
    /// `model`, ...) from its own memory rather than the event's data, and they are
    /// the same in every chunk.
    recent: [Utf8Bytes; RECENT],
    next: usize,
}

/// Copies kept by [`Names`].
const RECENT: usize = 8;

/// Longest string [`Names`] keeps a copy of.
const RECENT_LEN: usize = 256;

impl Names {
    fn get(slot: &mut Utf8Bytes, s: &str) -> Utf8Bytes {
        if slot.as_str() != s {
            *slot = Utf8Bytes::copy_from_str(s);
        }
        slot.clone()
    }

    /// `s` as a slice of `anchor` when it lies there, else a recent copy of the same
    /// text, else a new copy.
    fn shared(&mut self, anchor: &Bytes, s: &str) -> Utf8Bytes {
        let range = anchor.as_ptr_range();
        if range.contains(&s.as_ptr()) || s.is_empty() {
            return Utf8Bytes::slice_of(anchor, s);
        }
        if s.len() > RECENT_LEN {
            return Utf8Bytes::copy_from_str(s);
        }
        if let Some(hit) = self.recent.iter().find(|r| r.as_str() == s) {
            return hit.clone();
        }
        let copy = Utf8Bytes::copy_from_str(s);
        self.recent[self.next] = copy.clone();
        self.next = (self.next + 1) % RECENT;
        copy
    }
}

impl SharedChatStream {
    /// A stream reader with default limits.
    pub fn new() -> SharedChatStream {
        SharedChatStream::default()
    }

    /// A stream reader with the given SSE and accumulation limits.
    pub fn with_limits(sse: Limits, acc: accumulate::Limits) -> SharedChatStream {
        SharedChatStream {
            chat: ChatStream::with_limits(sse, acc),
            ..SharedChatStream::default()
        }
    }

    /// Adds the next piece of the body. Take the events it completes with
    /// [`next_event`](SharedChatStream::next_event) before pushing another (if you do
    /// not, the rest of the previous piece is read at once and its events queued).
    /// Ignored after [`finish`](SharedChatStream::finish).
    pub fn push(&mut self, piece: Bytes) {
        if self.finished {
            return;
        }
        while self.pos < self.piece.len() {
            self.step();
        }
        self.piece = piece;
        self.pos = 0;
    }

    /// The next event, or `None` when the pieces pushed so far hold no more (push the
    /// next piece, or finish).
    pub fn next_event(&mut self) -> Option<SharedChatEvent> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            if self.pos >= self.piece.len() {
                // Drop the piece now, so that a reader's buffer can be reused.
                self.piece = Bytes::new();
                self.pos = 0;
                return None;
            }
            self.step();
        }
    }

    /// Ends the stream (the body is over): reads what is left, dispatches an event left
    /// without its blank line, completes the remaining tool calls (their events are
    /// queued: keep calling [`next_event`](SharedChatStream::next_event)), and returns
    /// the completion. Calling it again does nothing more.
    pub fn finish(&mut self) -> &Completion {
        if !self.finished {
            while self.pos < self.piece.len() {
                self.step();
            }
            self.feed_carry();
            self.finished = true;
            let SharedChatStream {
                chat, queue, names, ..
            } = self;
            let anchor = Bytes::new();
            chat.finish(|event| enqueue(queue, names, &anchor, event));
        }
        self.chat.completion()
    }

    /// Whether [`finish`](SharedChatStream::finish) was called.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether every event of the pieces pushed so far has been taken.
    pub fn is_drained(&self) -> bool {
        self.queue.is_empty() && self.pos >= self.piece.len()
    }

    /// The completion so far (final after [`finish`](SharedChatStream::finish)).
    pub fn completion(&self) -> &Completion {
        self.chat.completion()
    }

    /// The underlying [`ChatStream`] (for its accumulator and offsets).
    pub fn chat(&self) -> &ChatStream {
        &self.chat
    }

    /// The last event ID as of the last event boundary read, `""` if none: send it as
    /// `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> &str {
        self.chat.last_event_id()
    }

    /// The reconnection time the server asked for (`retry` field), in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.chat.retry()
    }

    /// Forgets the stream to read another one, keeping the buffers.
    pub fn reset(&mut self) {
        self.chat.reset();
        self.piece = Bytes::new();
        self.pos = 0;
        self.carry.clear();
        self.carry_lines = 0;
        self.last = 0;
        self.queue.clear();
        self.finished = false;
    }

    /// Reads some of `piece[pos..]` (at least one byte): up to and including the next
    /// blank line, or [`MAX_LINES`] line ends; a rest holding neither is carried over.
    fn step(&mut self) {
        let rest = &self.piece[self.pos..];
        let max_lines = MAX_LINES.saturating_sub(self.carry_lines).max(1);
        match scan(self.last, rest, max_lines) {
            Cut::At(k) => {
                self.last = rest[k - 1];
                if self.carry.is_empty() {
                    let (start, end) = (self.pos, self.pos + k);
                    self.pos = end;
                    self.feed(start, end);
                } else {
                    self.carry.extend_from_slice(&rest[..k]);
                    self.pos += k;
                    self.feed_carry();
                }
            }
            Cut::Open { lines } => {
                self.last = rest[rest.len() - 1];
                let (start, end) = (self.pos, self.piece.len());
                self.pos = end;
                if self.carry.len() + rest.len() > MAX_CARRY {
                    self.feed_carry();
                    self.feed(start, end);
                } else {
                    if self.carry.is_empty() {
                        self.carry.reserve(CARRY_BLOCK.max(end - start));
                    }
                    self.carry.extend_from_slice(&self.piece[start..end]);
                    self.carry_lines += lines;
                }
            }
        }
    }

    /// Feeds the carried bytes as one `Bytes`, so the events in it slice that.
    fn feed_carry(&mut self) {
        if self.carry.is_empty() {
            return;
        }
        let carried = self.carry.split().freeze();
        self.carry_lines = 0;
        let SharedChatStream {
            chat, queue, names, ..
        } = self;
        chat.feed(&carried, |event| enqueue(queue, names, &carried, event));
    }

    /// Feeds `piece[start..end]` and queues its events.
    fn feed(&mut self, start: usize, end: usize) {
        let SharedChatStream {
            chat,
            piece,
            queue,
            names,
            ..
        } = self;
        chat.feed(&piece[start..end], |event| {
            enqueue(queue, names, piece, event)
        });
    }
}

/// Converts a lent event into an owned one: strings lying in `anchor` become slices of
/// it, others are copies (see [`Names::shared`]).
fn enqueue(
    queue: &mut VecDeque<SharedChatEvent>,
    names: &mut Names,
    anchor: &Bytes,
    event: ChatEvent<'_, '_>,
) {
    let shared = match event {
        ChatEvent::Chunk(chunk) => {
            SharedChatEvent::Chunk(chunk.map(&mut |s: &&str| names.shared(anchor, s)))
        }
        ChatEvent::ToolCall { choice, call } => SharedChatEvent::ToolCall {
            choice,
            call: call.clone(),
        },
        ChatEvent::Done => SharedChatEvent::Done,
        ChatEvent::Error(error) => SharedChatEvent::Error(match error {
            ChatError::Api { error, offset } => SharedChatError::Api {
                error: error.map(&mut |s: &&str| names.shared(anchor, s)),
                offset,
            },
            ChatError::Decode { error, offset } => SharedChatError::Decode { error, offset },
            ChatError::Limit(e) => SharedChatError::Limit(e),
        }),
        ChatEvent::Other(Event {
            event,
            data,
            id,
            offset,
        }) => SharedChatEvent::Other(SharedEvent {
            event: Names::get(&mut names.event, event),
            data: Utf8Bytes::slice_of(anchor, data),
            id: Names::get(&mut names.id, id),
            offset,
        }),
        ChatEvent::Retry(ms) => SharedChatEvent::Retry(ms),
        // Incremental JSON readers (`ChatStream::set_partial`) are lent state with no
        // owned form; they are off here.
        #[allow(unreachable_patterns)]
        _ => return,
    };
    queue.push_back(shared);
}

/// Where [`scan`] cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    /// Just after a blank line, or after the line end that reached the line count.
    At(usize),
    /// Neither: the bytes end inside an event, after this many line ends.
    Open { lines: usize },
}

/// Finds where to cut `buf`: just after its first blank line (a line end right after
/// another), or after its `max_lines`-th line end. `prev` is the byte before `buf`
/// (`0` if none), so that a blank line at its start is seen. A `\r\n` counts as one
/// line end and is not split when both bytes are in `buf`.
///
/// Any cut gives the same events (the parser is split-invariant); these keep each
/// event whole in one slice, so its strings can be slices of the input.
fn scan(prev: u8, buf: &[u8], max_lines: usize) -> Cut {
    let is_eol = |b: u8| b == b'\n' || b == b'\r';
    // The byte before `at` ended a line / was a `\r` (whose `\n` may follow).
    let mut after_eol = is_eol(prev);
    let mut after_cr = prev == b'\r';
    let mut lines = 0;
    let mut at = 0;
    while let Some(i) = memchr::memchr2(b'\n', b'\r', &buf[at..]) {
        let end = at + i;
        if i > 0 {
            after_eol = false;
            after_cr = false;
        }
        let b = buf[end];
        at = end + 1;
        if after_cr && b == b'\n' {
            // The second half of a `\r\n`.
            after_cr = false;
            continue;
        }
        let crlf = b == b'\r' && buf.get(at) == Some(&b'\n');
        let cut = if crlf { at + 1 } else { at };
        if after_eol {
            return Cut::At(cut);
        }
        lines += 1;
        if lines >= max_lines {
            return Cut::At(cut);
        }
        after_eol = true;
        after_cr = b == b'\r';
    }
    Cut::Open { lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_after_blank_lines_in_every_line_end_style() {
        let cut = |buf: &[u8]| scan(0, buf, MAX_LINES);
        assert_eq!(cut(b"data: a\n\ndata: b\n\n"), Cut::At(9));
        assert_eq!(cut(b"data: a\r\n\r\ndata: b"), Cut::At(11));
        assert_eq!(cut(b"data: a\r\rdata: b"), Cut::At(9));
        assert_eq!(cut(b"data: a\n\rdata: b"), Cut::At(9));
        assert_eq!(cut(b"data: a\r\n\rdata: b"), Cut::At(10));
        assert_eq!(cut(b"data: a\ndata: b"), Cut::Open { lines: 1 });
        assert_eq!(cut(b"data: a\r\ndata: b\r\n"), Cut::Open { lines: 2 });
        assert_eq!(cut(b"data: a"), Cut::Open { lines: 0 });
        assert_eq!(cut(b""), Cut::Open { lines: 0 });
        assert_eq!(cut(b"\n"), Cut::Open { lines: 1 });
        assert_eq!(cut(b"\n\n"), Cut::At(2));
    }

    #[test]
    fn a_blank_line_at_the_start_is_seen_from_the_byte_before() {
        assert_eq!(scan(b'\n', b"\ndata: b\n\n", MAX_LINES), Cut::At(1));
        assert_eq!(scan(b'\r', b"\r\ndata: b", MAX_LINES), Cut::At(2));
        // `\r` then `\n`: one line end split between pieces, not a blank line.
        assert_eq!(scan(b'\r', b"\ndata: b\n\n", MAX_LINES), Cut::At(10));
        assert_eq!(scan(b'\r', b"\n\r\n", MAX_LINES), Cut::At(3));
        assert_eq!(scan(b'a', b"\ndata: b\n\n", MAX_LINES), Cut::At(10));
    }

    #[test]
    fn cuts_are_bounded_by_the_line_count() {
        let many = b"retry: 1\n".repeat(1000);
        assert_eq!(scan(0, &many, MAX_LINES), Cut::At(9 * MAX_LINES));
        assert_eq!(scan(0, b"a\r\nb\r\nc", 2), Cut::At(6));
    }

    #[test]
    fn events_share_the_pushed_bytes() {
        let piece = Bytes::from_static(
            b"data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n",
        );
        let mut stream = SharedChatStream::new();
        stream.push(piece.clone());
        let Some(SharedChatEvent::Chunk(chunk)) = stream.next_event() else {
            panic!("a chunk")
        };
        let content = chunk.choices[0].delta.content.as_ref().unwrap();
        let text = content.as_text().unwrap();
        let range = piece.as_ptr_range();
        assert_eq!(text, "hi");
        assert!(range.contains(&text.as_ptr()));
        assert!(range.contains(&chunk.model.as_ref().unwrap().as_ptr()));
        assert!(stream.next_event().is_none());
    }

    #[test]
    fn carried_bytes_stay_bounded_on_an_endless_line() {
        let mut stream = SharedChatStream::new();
        let piece = Bytes::from(vec![b'a'; 60 << 10]);
        for _ in 0..100 {
            stream.push(piece.clone());
            while stream.next_event().is_some() {}
            assert!(stream.carry.len() <= MAX_CARRY);
        }
    }

    #[test]
    fn events_are_send_and_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<SharedChatEvent>();
        check::<SharedChatStream>();
    }
}
