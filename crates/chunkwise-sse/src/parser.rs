//! The push parser: line splitting, field interpretation and dispatch.
//!
//! [`Parser::advance`] is the one state machine. It consumes input until it has
//! something to hand out and describes it with an [`Out`] that holds no borrow; the
//! public entry points (the slice path here, the `Bytes` path in `shared`, and flush)
//! turn that description into items borrowing the input or the parser's buffers.

use memchr::{memchr, memchr2};

use crate::item::{Event, Item, Limit, LimitError, Limits};
use crate::shared::Utf8Bytes;
use crate::utf8::{lossy_into, lossy_str};

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
/// What [`Parser::flush_next`] feeds: the end of the last line, then a blank line.
const FLUSH: &[u8] = b"\n\n";
/// Buffers larger than this are shrunk back once their event is over, so an idle
/// parser does not keep the memory of the largest event it ever saw.
const RETAIN: usize = 64 << 10;

/// Where the current event's data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Data {
    /// No `data` line yet: nothing is dispatched at the blank line.
    None,
    /// One `data` line whose value is `input[start..end]` of the current `advance` call.
    Input { start: usize, end: usize },
    /// In `Parser::data`, joined with `\n`.
    Owned,
}

/// What `advance` stopped for. Holds no borrow, so it can outlive the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Out {
    Event(Data),
    Retry(u64),
    Error(LimitError),
}

/// A zero-copy, transport-agnostic push parser for `text/event-stream`.
///
/// Feed it byte pieces of any size, split anywhere (mid-line, between `\r` and `\n`,
/// inside a UTF-8 character or the BOM): the items are the same for every split. It
/// follows the WHATWG HTML standard's "Parsing an event stream" and "Interpreting an
/// event stream" rules, never reads or blocks, and allocates nothing per event once
/// its buffers have grown to the stream's needs.
///
/// ```
/// use chunkwise_sse::{Item, Parser};
///
/// let mut parser = Parser::new();
/// let mut input: &[u8] = b"event: note\ndata: hello\ndata: world\n\ndata: [DONE]\n\n";
/// let mut seen = Vec::new();
/// while let Some(item) = parser.next_item(&mut input) {
///     if let Item::Event(ev) = item {
///         seen.push(format!("{}={}", ev.event, ev.data));
///     }
/// }
/// assert_eq!(seen, ["note=hello\nworld", "message=[DONE]"]);
/// ```
#[derive(Debug, Clone)]
pub struct Parser {
    limits: Limits,
    /// Stream offset of the next byte to be fed.
    offset: u64,
    /// Bytes of a leading BOM matched so far; 3 once decided either way.
    bom: u8,
    /// The last piece ended with `\r`: a `\n` starting the next piece belongs to it.
    pending_cr: bool,
    /// In the middle of a line that has at least one byte (kept in `line`, or being
    /// skipped).
    line_open: bool,
    /// Stream offset of the open line's first byte.
    line_start: u64,
    /// The open line's bytes so far (empty while skipping).
    line: Vec<u8>,
    /// A limit was exceeded: ignore lines up to the next blank line.
    skipping: bool,
    data: Data,
    pub(crate) data_buf: Vec<u8>,
    /// The event's data size as counted for the limits: sum of (value length + 1).
    data_len: usize,
    /// Stream offset of the line holding the event's first `data` field.
    pub(crate) data_offset: u64,
    pub(crate) event_type: String,
    /// The last event ID buffer (set by `id` fields).
    pub(crate) id: String,
    /// The last event ID string: `id` as of the last blank line.
    committed_id: String,
    id_dirty: bool,
    retry: Option<u64>,
    /// An event was handed out: its type and data are reset when parsing resumes.
    dispatched: bool,
    /// Lossy UTF-8 decoding of data that is not valid UTF-8.
    scratch: String,
    /// Bytes of [`FLUSH`] already fed by a flush in progress.
    pub(crate) flush_pos: u8,
    /// The `Bytes` path's shared copies of the event type and ID, rebuilt only when
    /// they change, so that handing them out is a reference-count increment.
    pub(crate) shared_type: Utf8Bytes,
    pub(crate) shared_id: Option<Utf8Bytes>,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    /// A parser with the default [`Limits`].
    pub fn new() -> Parser {
        Parser::with_limits(Limits::DEFAULT)
    }

    /// A parser with the given limits.
    pub fn with_limits(limits: Limits) -> Parser {
        Parser {
            limits,
            offset: 0,
            bom: 0,
            pending_cr: false,
            line_open: false,
            line_start: 0,
            line: Vec::new(),
            skipping: false,
            data: Data::None,
            data_buf: Vec::new(),
            data_len: 0,
            data_offset: 0,
            event_type: String::new(),
            id: String::new(),
            committed_id: String::new(),
            id_dirty: false,
            retry: None,
            dispatched: false,
            scratch: String::new(),
            flush_pos: 0,
            shared_type: Utf8Bytes::from_static("message"),
            shared_id: None,
        }
    }

    /// The limits this parser enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Parses from the front of `input` until an item is complete, advancing `input`
    /// past what was consumed; `None` once `input` is used up (whatever was not
    /// complete is kept for the next piece).
    ///
    /// The item borrows `input`'s bytes or the parser's buffers, so it must be dropped
    /// before the next call. Call it in a loop until it returns `None`, then feed the
    /// next piece; [`feed`](Parser::feed) does that loop for you.
    pub fn next_item<'s, 'a: 's>(&'s mut self, input: &mut &'a [u8]) -> Option<Item<'s>> {
        self.flush_pos = 0;
        let bytes: &'a [u8] = input;
        let (used, out) = self.advance(bytes);
        *input = &bytes[used..];
        out.map(|out| self.make_item(bytes, 0, out, None))
    }

    /// Feeds one piece and calls `f` with every item it completes, in order.
    ///
    /// ```
    /// use chunkwise_sse::{Item, Parser};
    ///
    /// let mut parser = Parser::new();
    /// let mut data = Vec::new();
    /// for piece in [&b"data: he"[..], b"llo\r", b"\n\r\n"] {
    ///     parser.feed(piece, |item| {
    ///         if let Item::Event(ev) = item {
    ///             data.push(ev.data.to_owned());
    ///         }
    ///     });
    /// }
    /// assert_eq!(data, ["hello"]);
    /// ```
    pub fn feed(&mut self, piece: &[u8], mut f: impl FnMut(Item<'_>)) {
        self.flush_pos = 0;
        // One UTF-8 check for every event lying whole in the piece.
        let checked = Checked::of(piece, !self.line_open && self.bom == 3);
        let mut pos = 0;
        loop {
            let (used, out) = self.advance(&piece[pos..]);
            let Some(out) = out else { break };
            f(self.make_item(piece, pos, out, checked));
            pos += used;
        }
    }

    /// Ends the stream explicitly: the last line counts as complete even without its
    /// line end, and a pending event is dispatched even without its blank line. Call
    /// it in a loop until it returns `None`.
    ///
    /// The standard discards such an unterminated final event, and so does simply
    /// dropping the parser; flush is for callers that want it anyway.
    ///
    /// ```
    /// use chunkwise_sse::{Item, Parser};
    ///
    /// let mut parser = Parser::new();
    /// parser.feed(b"data: [DONE]", |_| unreachable!());
    /// let Some(Item::Event(ev)) = parser.flush_next() else { panic!() };
    /// assert_eq!(ev.data, "[DONE]");
    /// ```
    pub fn flush_next(&mut self) -> Option<Item<'_>> {
        while usize::from(self.flush_pos) < FLUSH.len() {
            let rest = &FLUSH[usize::from(self.flush_pos)..];
            let (used, out) = self.advance(rest);
            // The flush's line ends are not stream bytes: offsets stay as they were.
            self.offset -= used as u64;
            self.flush_pos += used as u8;
            if let Some(out) = out {
                return Some(self.make_item(rest, 0, out, None));
            }
        }
        None
    }

    /// [`flush_next`](Parser::flush_next) in a loop, calling `f` with each item.
    pub fn flush(&mut self, mut f: impl FnMut(Item<'_>)) {
        while let Some(item) = self.flush_next() {
            f(item);
        }
    }

    /// The last event ID as of the last dispatch point (blank line): what a client
    /// sends as `Last-Event-ID` when it reconnects. `""` if none.
    pub fn last_event_id(&self) -> &str {
        &self.committed_id
    }

    /// The reconnection time from the last valid `retry` field, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// Number of bytes fed so far: the stream offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes of heap this parser holds in its buffers (their capacities).
    pub fn heap_bytes(&self) -> usize {
        self.line.capacity()
            + self.data_buf.capacity()
            + self.event_type.capacity()
            + self.id.capacity()
            + self.committed_id.capacity()
            + self.scratch.capacity()
    }

    /// Starts a new stream (a reconnection): forgets the partial line and event,
    /// expects a possible BOM again and counts offsets from zero, but keeps the last
    /// event ID and retry value, as an `EventSource` does.
    /// Keeps the buffers (up to 64 KiB each), so that the next stream allocates nothing.
    pub fn reset(&mut self) {
        self.restart(true);
    }

    /// Starts an unrelated stream: like [`reset`](Parser::reset), but also forgets the
    /// last event ID and retry value. Keeps the buffers (up to 64 KiB each).
    ///
    /// ```
    /// use chunkwise_sse::Parser;
    ///
    /// let mut p = Parser::new();
    /// p.feed(b"id: 1\nretry: 10\ndata: x\n\ndata: cut", |_| {});
    /// p.reset();
    /// assert_eq!((p.last_event_id(), p.retry()), ("1", Some(10)));
    /// p.clear();
    /// assert_eq!((p.last_event_id(), p.retry(), p.offset()), ("", None, 0));
    /// ```
    pub fn clear(&mut self) {
        self.restart(false);
    }

    fn restart(&mut self, keep_id: bool) {
        /// Buffers larger than this are dropped rather than kept for the next stream.
        const KEEP: usize = 64 << 10;
        fn keep_vec(v: &mut Vec<u8>) -> Vec<u8> {
            let mut v = std::mem::take(v);
            v.clear();
            if v.capacity() > KEEP { Vec::new() } else { v }
        }
        fn keep_string(s: &mut String) -> String {
            let mut s = std::mem::take(s);
            s.clear();
            if s.capacity() > KEEP {
                String::new()
            } else {
                s
            }
        }
        let (line, data_buf) = (keep_vec(&mut self.line), keep_vec(&mut self.data_buf));
        let (event_type, scratch) = (
            keep_string(&mut self.event_type),
            keep_string(&mut self.scratch),
        );
        let mut id = keep_string(&mut self.id);
        let committed = std::mem::take(&mut self.committed_id);
        let retry = self.retry;
        *self = Parser::with_limits(self.limits);
        (self.line, self.data_buf, self.event_type, self.scratch) =
            (line, data_buf, event_type, scratch);
        if keep_id {
            id.push_str(&committed);
            self.committed_id = committed;
            self.retry = retry;
        }
        self.id = id;
    }

    /// Builds the item `out` describes. The `advance` call that produced `out` was
    /// given `input[at..]`; `checked` is a part of `input` known to be UTF-8.
    #[inline(always)]
    pub(crate) fn make_item<'s>(
        &'s mut self,
        input: &'s [u8],
        at: usize,
        out: Out,
        checked: Option<Checked<'s>>,
    ) -> Item<'s> {
        match out {
            Out::Retry(ms) => Item::Retry(ms),
            Out::Error(e) => Item::Error(e),
            Out::Event(data) => {
                let data = match data {
                    Data::Input { start, end } => {
                        let (start, end) = (at + start, at + end);
                        match checked.and_then(|c| c.get(start, end)) {
                            Some(s) => s,
                            None => lossy_str(&input[start..end], &mut self.scratch),
                        }
                    }
                    _ => lossy_str(&self.data_buf, &mut self.scratch),
                };
                Item::Event(Event {
                    event: event_type(&self.event_type),
                    data,
                    id: &self.id,
                    offset: self.data_offset,
                })
            }
        }
    }

    /// Consumes from `input` until an item is complete or `input` is used up.
    /// Returns the number of bytes consumed and the item, if any.
    #[inline(always)]
    pub(crate) fn advance(&mut self, input: &[u8]) -> (usize, Option<Out>) {
        if self.dispatched {
            self.dispatched = false;
            self.end_event();
        }
        let len = input.len();
        let mut pos = 0;
        if self.pending_cr && len > 0 {
            self.pending_cr = false;
            pos = usize::from(input[0] == b'\n');
        }
        if self.bom < 3 {
            let out;
            (pos, out) = self.skip_bom(input, pos);
            if out.is_some() {
                return self.stop(input, pos, out);
            }
        }
        if self.line_open && pos < len {
            // Finish the line carried over from earlier pieces.
            let Some(i) = memchr2(b'\n', b'\r', &input[pos..]) else {
                let out = self.extend_line(&input[pos..]);
                return self.stop(input, len, out);
            };
            let end = pos + i;
            let mut out = self.extend_line(&input[pos..end]);
            pos = self.line_end(input, end);
            self.line_open = false;
            if out.is_none() && !self.skipping {
                let line = std::mem::take(&mut self.line);
                out = self.process_line(input, &line, None, self.line_start);
                self.line = line;
            }
            self.line.clear();
            if out.is_some() {
                return self.stop(input, pos, out);
            }
        }
        while pos < len {
            let start = pos;
            let end = match input[pos] {
                b'\n' | b'\r' => pos,
                _ => match memchr2(b'\n', b'\r', &input[pos + 1..]) {
                    Some(i) => pos + 1 + i,
                    None => {
                        // A partial line: keep it for the next piece.
                        self.line_open = true;
                        self.line_start = self.offset + start as u64;
                        let out = self.extend_line(&input[start..]);
                        return self.stop(input, len, out);
                    }
                },
            };
            pos = self.line_end(input, end);
            let line_offset = self.offset + start as u64;
            let out = self.process_line(input, &input[start..end], Some(start), line_offset);
            if out.is_some() {
                return self.stop(input, pos, out);
            }
        }
        self.stop(input, len, None)
    }

    /// Ends an `advance` call after `used` bytes. Data still borrowed from `input` is
    /// copied into the parser unless it is being handed out right now.
    #[inline(always)]
    fn stop(&mut self, input: &[u8], used: usize, out: Option<Out>) -> (usize, Option<Out>) {
        if let Data::Input { start, end } = self.data
            && !matches!(out, Some(Out::Event(_)))
        {
            self.data_buf.clear();
            self.data_buf.extend_from_slice(&input[start..end]);
            self.data = Data::Owned;
        }
        self.offset += used as u64;
        (used, out)
    }

    /// Matches a leading BOM byte by byte (it may be split across pieces). Returns the
    /// position after the bytes consumed, and a limit error if the bytes it held turn
    /// out to start an over-long first line.
    fn skip_bom(&mut self, input: &[u8], mut pos: usize) -> (usize, Option<Out>) {
        while self.bom < 3 && pos < input.len() {
            if input[pos] != BOM[usize::from(self.bom)] {
                // Not a BOM: the bytes matched so far start the first line.
                let held = usize::from(self.bom);
                self.bom = 3;
                if held > 0 {
                    self.line_open = true;
                    self.line_start = 0;
                    return (pos, self.extend_line(&BOM[..held]));
                }
                break;
            }
            self.bom += 1;
            pos += 1;
        }
        (pos, None)
    }

    /// The position after the line end at `end` (`\n`, `\r` or `\r\n`). A `\r` that
    /// ends the input may be the first half of a `\r\n` split across pieces.
    #[inline]
    fn line_end(&mut self, input: &[u8], end: usize) -> usize {
        let next = end + 1;
        if input[end] == b'\r' {
            match input.get(next) {
                Some(b'\n') => return next + 1,
                None => self.pending_cr = true,
                Some(_) => {}
            }
        }
        next
    }

    /// Appends to the open line, enforcing the limits as it grows.
    fn extend_line(&mut self, bytes: &[u8]) -> Option<Out> {
        if self.skipping {
            return None;
        }
        let len = self.line.len() + bytes.len();
        if let Some(limit) = self.line_limit(len) {
            self.line.clear();
            return Some(self.fail(limit, self.line_start));
        }
        self.line.extend_from_slice(bytes);
        None
    }

    /// The first limit a line crosses as it grows to `len` bytes, if any.
    #[inline]
    fn line_limit(&self, len: usize) -> Option<Limit> {
        let line_at = self.limits.max_line_len.saturating_add(1);
        let buffered_at = self
            .limits
            .max_buffered
            .saturating_sub(self.data_len)
            .saturating_add(1);
        if len >= line_at.min(buffered_at) {
            Some(if line_at <= buffered_at {
                Limit::Line
            } else {
                Limit::Buffered
            })
        } else {
            None
        }
    }

    /// Reports `limit`, drops the current event and skips to the next blank line.
    fn fail(&mut self, limit: Limit, offset: u64) -> Out {
        self.end_event();
        self.skipping = true;
        let max = match limit {
            Limit::Line => self.limits.max_line_len,
            Limit::Event => self.limits.max_event_len,
            Limit::Buffered => self.limits.max_buffered,
        };
        Out::Error(LimitError { limit, max, offset })
    }

    /// Forgets the current event's type and data (after dispatch, a blank line, or an
    /// error), shrinking buffers a huge event left oversized.
    fn end_event(&mut self) {
        self.data = Data::None;
        self.data_len = 0;
        self.event_type.clear();
        if self.data_buf.capacity() > RETAIN {
            self.data_buf = Vec::new();
        }
        if self.line.capacity() > RETAIN {
            self.line = Vec::new();
        }
        if self.scratch.capacity() > RETAIN {
            self.scratch = String::new();
        }
        if self.event_type.capacity() > RETAIN {
            self.event_type = String::new();
        }
    }

    /// Interprets one complete line. `at` is its position in `input` when it lies
    /// there (so a data value can be borrowed), `None` when it was carried over.
    #[inline(always)]
    fn process_line(
        &mut self,
        input: &[u8],
        line: &[u8],
        at: Option<usize>,
        offset: u64,
    ) -> Option<Out> {
        if self.skipping {
            if line.is_empty() {
                self.skipping = false;
                self.commit_id();
                self.end_event();
            }
            return None;
        }
        if line.is_empty() {
            self.commit_id();
            if self.data == Data::None {
                self.event_type.clear();
                return None;
            }
            self.dispatched = true;
            return Some(Out::Event(self.data));
        }
        if let Some(limit) = self.line_limit(line.len()) {
            return Some(self.fail(limit, offset));
        }
        let (name, value) = if let Some(value) = line.strip_prefix(b"data:") {
            (&b"data"[..], value)
        } else if line[0] == b':' {
            return None; // a comment
        } else {
            match memchr(b':', line) {
                Some(colon) => (&line[..colon], &line[colon + 1..]),
                None => (line, &b""[..]),
            }
        };
        let value = value.strip_prefix(b" ").unwrap_or(value);
        match name {
            b"data" => self.push_data(input, line, value, at, offset),
            b"event" => {
                lossy_into(&mut self.event_type, value);
                None
            }
            b"id" => {
                if memchr(0, value).is_none() {
                    if self.id.capacity() > RETAIN {
                        // Do not keep the memory of a huge ID it replaces.
                        self.id = String::new();
                    }
                    lossy_into(&mut self.id, value);
                    self.id_dirty = true;
                    self.shared_id = None;
                }
                None
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let ms = value.iter().fold(0u64, |n, d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                self.retry = Some(ms);
                Some(Out::Retry(ms))
            }
            _ => None,
        }
    }

    #[inline(always)]
    fn push_data(
        &mut self,
        input: &[u8],
        line: &[u8],
        value: &[u8],
        at: Option<usize>,
        offset: u64,
    ) -> Option<Out> {
        let grown = self.data_len.saturating_add(value.len() + 1);
        if grown > self.limits.max_event_len {
            return Some(self.fail(Limit::Event, offset));
        }
        self.data_len = grown;
        match (self.data, at) {
            (Data::None, Some(at)) => {
                let start = at + (line.len() - value.len());
                self.data = Data::Input {
                    start,
                    end: start + value.len(),
                };
                self.data_offset = offset;
            }
            (Data::None, None) => {
                self.data_buf.clear();
                self.data_buf.extend_from_slice(value);
                self.data = Data::Owned;
                self.data_offset = offset;
            }
            (Data::Input { start, end }, _) => {
                self.data_buf.clear();
                self.data_buf.extend_from_slice(&input[start..end]);
                self.data_buf.push(b'\n');
                self.data_buf.extend_from_slice(value);
                self.data = Data::Owned;
            }
            (Data::Owned, _) => {
                self.data_buf.push(b'\n');
                self.data_buf.extend_from_slice(value);
            }
        }
        None
    }

    /// A blank line makes the last event ID buffer the last event ID string.
    #[inline]
    fn commit_id(&mut self) {
        if self.id_dirty {
            self.id_dirty = false;
            if self.committed_id.capacity() > RETAIN {
                self.committed_id = String::new();
            }
            self.committed_id.clone_from(&self.id);
        }
    }
}

/// The part of a piece from its first line start to its last line end, when it is
/// valid UTF-8. Every event lying whole in the piece has its data there, starting
/// and ending next to ASCII bytes (line ends, `:`, space), so it can be sliced out
/// of this `str` without another check.
#[derive(Clone, Copy)]
pub(crate) struct Checked<'a> {
    start: usize,
    text: &'a str,
}

impl<'a> Checked<'a> {
    #[inline]
    /// `at_line_start`: the piece starts a line (else its first line start is after
    /// its first line end).
    pub(crate) fn of(piece: &'a [u8], at_line_start: bool) -> Option<Checked<'a>> {
        let last = memchr::memrchr2(b'\n', b'\r', piece)?;
        let first = if at_line_start {
            0
        } else {
            memchr2(b'\n', b'\r', piece)?
        };
        let text = simdutf8::basic::from_utf8(&piece[first..=last]).ok()?;
        Some(Checked { start: first, text })
    }

    /// `piece[start..end]` as `str`, if it lies in the checked part.
    #[inline(always)]
    pub(crate) fn get(self, start: usize, end: usize) -> Option<&'a str> {
        self.text
            .get(start.checked_sub(self.start)?..end.checked_sub(self.start)?)
    }
}

pub(crate) fn event_type(buf: &str) -> &str {
    if buf.is_empty() { "message" } else { buf }
}
