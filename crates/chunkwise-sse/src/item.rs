//! What the parser hands out: events, reconnection times and limit errors.

use std::fmt;

/// One dispatched event, borrowing either the fed piece or the parser's own buffer.
///
/// An event that lies whole inside the piece given to
/// [`Parser::next_item`](crate::Parser::next_item) borrows that piece; only an event
/// that straddles pieces, has several `data` lines, or contains invalid UTF-8 borrows
/// the parser's reused buffers instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type: the last `event` field's value, or `"message"` when there was
    /// none (or it was empty).
    pub event: &'a str,
    /// The data: every `data` field's value joined with `\n`.
    pub data: &'a str,
    /// The last event ID at dispatch time (`""` if none was ever set).
    pub id: &'a str,
    /// Stream offset of the first byte of the line holding this event's first `data`
    /// field (offsets count every byte fed, a leading BOM included).
    pub offset: u64,
}

/// What [`Parser::next_item`](crate::Parser::next_item) yields, in stream order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A dispatched event.
    Event(Event<'a>),
    /// A valid `retry` field: the reconnection time in milliseconds (saturating at
    /// `u64::MAX`), where the field occurs.
    Retry(u64),
    /// A limit was exceeded: the offending event is skipped up to the next blank line
    /// and the stream goes on.
    Error(LimitError),
}

/// The limits a [`Parser`](crate::Parser) enforces, so that no input makes its memory
/// grow without bound.
///
/// Every limit is a property of the stream's content (never of how it was split into
/// pieces), so the same stream always produces the same errors at the same offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest line, in bytes, not counting its line end. Default 16 MiB.
    pub max_line_len: usize,
    /// Largest event data, in bytes: the sum over its `data` lines of the value's
    /// length plus one (the joining newline). Default 16 MiB.
    pub max_event_len: usize,
    /// Most bytes the parser may hold at once: the current line plus the current
    /// event's data (as counted for `max_event_len`). Default 32 MiB.
    pub max_buffered: usize,
}

impl Limits {
    /// The default limits: 16 MiB lines, 16 MiB events, 32 MiB buffered. Real streams
    /// carry single events of several MiB (base64 images, long tool arguments).
    pub const DEFAULT: Limits = Limits {
        max_line_len: 16 << 20,
        max_event_len: 16 << 20,
        max_buffered: 32 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Which limit was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`Limits::max_line_len`].
    Line,
    /// [`Limits::max_event_len`].
    Event,
    /// [`Limits::max_buffered`].
    Buffered,
}

impl Limit {
    /// The name of the setting, as in [`Limits`].
    pub fn name(self) -> &'static str {
        match self {
            Limit::Line => "max_line_len",
            Limit::Event => "max_event_len",
            Limit::Buffered => "max_buffered",
        }
    }
}

/// A limit was exceeded by the line starting at `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LimitError {
    /// The limit.
    pub limit: Limit,
    /// Its configured value, in bytes.
    pub max: usize,
    /// Stream offset of the first byte of the line that exceeded it.
    pub offset: u64,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.limit {
            Limit::Line => "line longer than",
            Limit::Event => "event data larger than",
            Limit::Buffered => "buffered bytes over",
        };
        write!(
            f,
            "{what} {} ({} bytes); event skipped",
            self.limit.name(),
            self.max
        )
    }
}

impl std::error::Error for LimitError {}
