//! A reference interpretation of `text/event-stream`, written line by line from the
//! WHATWG HTML standard's "Parsing an event stream" and "Interpreting an event stream"
//! sections, plus chunkwise's documented choices on top of it (flush, limits, offsets).
//!
//! It works on the whole stream at once, with no state carried between pieces and no
//! attention paid to speed, so that it is easy to check by reading. Tests and fuzz
//! targets compare `chunkwise-sse`'s push parser against it. It deliberately does not
//! depend on `chunkwise-sse`.
//!
//! The rules, in the order the code applies them:
//!
//! 1. A UTF-8 BOM (`EF BB BF`) at the very start is skipped; offsets still count it.
//! 2. Lines end with CRLF, LF or CR. A CR at the very end of the input is a line end.
//!    A final line with no line end is not a line: it is discarded, except that a limit
//!    it already crossed is reported (the parser sees it grow past the limit). Input
//!    that is only a proper prefix of the BOM is undecided and yields nothing.
//! 3. With `flush`, the input is read as if `"\n\n"` were appended.
//! 4. Values are decoded from UTF-8 with U+FFFD replacing each maximal invalid subpart
//!    (`String::from_utf8_lossy`). Because line ends, `:` and the space are ASCII,
//!    decoding each value on its own equals decoding the whole stream first.
//! 5. Blank line: the last event ID string becomes the last event ID buffer; if the
//!    data buffer is empty the event type buffer is cleared and nothing is dispatched;
//!    otherwise the event is dispatched (type `"message"` if the buffer is empty, data
//!    without its final LF), and the data and type buffers are cleared.
//! 6. A line starting with `:` is a comment. Otherwise the field name is everything
//!    before the first `:` and the value everything after it, minus one leading space;
//!    with no `:` the whole line is the name and the value is empty. Names are
//!    case-sensitive: `data` appends value + LF, `event` sets the type, `id` sets the
//!    last event ID buffer unless the value contains NUL, `retry` with a non-empty
//!    all-digit value yields [`RefItem::Retry`] (saturating). Others are ignored.
//! 7. Limits, checked on each line before it is interpreted, with `D` the current
//!    event's data size (sum over its data lines of value length + 1): a line of `L`
//!    bytes crosses the line limit at `L >= max_line_len + 1` and the buffered limit at
//!    `L >= max_buffered - D + 1` (saturating); the smaller threshold wins, a tie is
//!    [`RefLimit::Line`]. A data line that passes both and would make `D` exceed
//!    `max_event_len` is a [`RefLimit::Event`] error. An error drops the event's data
//!    and type and ignores every line up to the next blank line, which ends the skip
//!    without dispatch (it still sets the last event ID string, as every blank line
//!    does).

use std::borrow::Cow;

/// The three size limits, with the same meaning as `chunkwise_sse::Limits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefLimits {
    /// Longest line in bytes, line end excluded.
    pub max_line_len: usize,
    /// Largest event data size: sum over its data lines of value length + 1.
    pub max_event_len: usize,
    /// Most bytes held: the current line plus the current event's data size.
    pub max_buffered: usize,
}

impl RefLimits {
    /// Same numbers as `chunkwise_sse::Limits::DEFAULT`.
    pub const DEFAULT: RefLimits = RefLimits {
        max_line_len: 16 << 20,
        max_event_len: 16 << 20,
        max_buffered: 32 << 20,
    };

    /// No limit at all.
    pub const UNLIMITED: RefLimits = RefLimits {
        max_line_len: usize::MAX,
        max_event_len: usize::MAX,
        max_buffered: usize::MAX,
    };
}

impl Default for RefLimits {
    fn default() -> Self {
        RefLimits::DEFAULT
    }
}

/// Which limit was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefLimit {
    /// `max_line_len`.
    Line,
    /// `max_event_len`.
    Event,
    /// `max_buffered`.
    Buffered,
}

/// One item of the reference output, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefItem {
    /// A dispatched event.
    Event {
        /// Event type, `"message"` by default.
        event: String,
        /// Data lines joined with LF.
        data: String,
        /// The last event ID string at dispatch.
        id: String,
        /// Offset of the first byte of the line holding the first `data` field.
        offset: u64,
    },
    /// A valid `retry` field, in milliseconds.
    Retry(u64),
    /// A limit was exceeded by the line starting at `offset`.
    Error {
        /// The limit.
        limit: RefLimit,
        /// Offset of the first byte of the offending line.
        offset: u64,
    },
}

impl RefItem {
    /// Shorthand for an event.
    pub fn event(event: &str, data: &str, id: &str, offset: u64) -> RefItem {
        RefItem::Event {
            event: event.to_owned(),
            data: data.to_owned(),
            id: id.to_owned(),
            offset,
        }
    }
}

/// Everything the reference computes for a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefOutcome {
    /// The items, in stream order.
    pub items: Vec<RefItem>,
    /// The last event ID string after the stream (set at blank lines).
    pub last_event_id: String,
    /// The last valid `retry` value.
    pub retry: Option<u64>,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The items of `input` (see the module docs for the rules).
pub fn reference(input: &[u8], limits: RefLimits, flush: bool) -> Vec<RefItem> {
    run(input, limits, flush).items
}

/// A line and the stream offset of its first byte.
pub type Line<'a> = (u64, &'a [u8]);

/// The stream `input` split into lines: every complete line, and the unterminated rest
/// if there is one. Offsets count the BOM.
pub fn split_lines(input: &[u8]) -> (Vec<Line<'_>>, Option<Line<'_>>) {
    let mut pos = if input.starts_with(BOM) { BOM.len() } else { 0 };
    let mut lines = Vec::new();
    loop {
        let Some(i) = input[pos..].iter().position(|&b| b == b'\r' || b == b'\n') else {
            let rest = (pos < input.len()).then(|| (pos as u64, &input[pos..]));
            return (lines, rest);
        };
        let end = pos + i;
        lines.push((pos as u64, &input[pos..end]));
        pos = if input[end] == b'\r' && input.get(end + 1) == Some(&b'\n') {
            end + 2
        } else {
            end + 1
        };
    }
}

/// The full reference outcome of `input`.
pub fn run(input: &[u8], limits: RefLimits, flush: bool) -> RefOutcome {
    let mut state = State {
        limits,
        out: Vec::new(),
        data: String::new(),
        data_size: 0,
        data_offset: 0,
        event_type: String::new(),
        id_buffer: String::new(),
        last_event_id: String::new(),
        retry: None,
        skipping: false,
    };
    let undecided_bom = !input.is_empty() && input.len() < BOM.len() && BOM.starts_with(input);
    if undecided_bom && !flush {
        return state.finish();
    }
    let mut stream = input.to_vec();
    if flush {
        stream.extend_from_slice(b"\n\n");
    }
    let (lines, rest) = split_lines(&stream);
    for (offset, line) in lines {
        state.line(offset, line);
    }
    if let Some((offset, partial)) = rest {
        // Not a line; but the parser has already seen it grow past a limit.
        if !state.skipping
            && let Some(limit) = state.crossed(partial.len())
        {
            state.fail(limit, offset);
        }
    }
    state.finish()
}

struct State {
    limits: RefLimits,
    out: Vec<RefItem>,
    data: String,
    data_size: usize,
    data_offset: u64,
    event_type: String,
    id_buffer: String,
    last_event_id: String,
    retry: Option<u64>,
    skipping: bool,
}

fn decode(bytes: &[u8]) -> String {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(s) => s.to_owned(),
        Cow::Owned(s) => s,
    }
}

impl State {
    fn finish(self) -> RefOutcome {
        RefOutcome {
            items: self.out,
            last_event_id: self.last_event_id,
            retry: self.retry,
        }
    }

    /// The limit a line of `len` bytes crosses, if any.
    fn crossed(&self, len: usize) -> Option<Limit> {
        let line_at = self.limits.max_line_len.saturating_add(1);
        let buffered_at = self
            .limits
            .max_buffered
            .saturating_sub(self.data_size)
            .saturating_add(1);
        if len >= line_at && line_at <= buffered_at {
            Some(RefLimit::Line)
        } else if len >= buffered_at {
            Some(RefLimit::Buffered)
        } else {
            None
        }
    }

    fn fail(&mut self, limit: Limit, offset: u64) {
        self.out.push(RefItem::Error { limit, offset });
        self.data.clear();
        self.data_size = 0;
        self.event_type.clear();
        self.skipping = true;
    }

    fn line(&mut self, offset: u64, line: &[u8]) {
        if self.skipping {
            if line.is_empty() {
                self.skipping = false;
                self.last_event_id = self.id_buffer.clone();
            }
            return;
        }
        if line.is_empty() {
            self.dispatch();
            return;
        }
        if let Some(limit) = self.crossed(line.len()) {
            self.fail(limit, offset);
            return;
        }
        if line[0] == b':' {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                let size = self.data_size.saturating_add(value.len() + 1);
                if size > self.limits.max_event_len {
                    self.fail(RefLimit::Event, offset);
                    return;
                }
                if self.data.is_empty() {
                    self.data_offset = offset;
                }
                self.data_size = size;
                self.data.push_str(&decode(value));
                self.data.push('\n');
            }
            b"event" => self.event_type = decode(value),
            // An id containing NUL is ignored.
            b"id" if !value.contains(&0) => self.id_buffer = decode(value),
            // Only a non-empty, all-ASCII-digit retry is valid.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let mut ms: u64 = 0;
                for d in value {
                    ms = ms.saturating_mul(10).saturating_add(u64::from(d - b'0'));
                }
                self.retry = Some(ms);
                self.out.push(RefItem::Retry(ms));
            }
            _ => {}
        }
    }

    /// "Dispatch the event", steps 1 to 7.
    fn dispatch(&mut self) {
        self.last_event_id = self.id_buffer.clone();
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        let event = if self.event_type.is_empty() {
            "message".to_owned()
        } else {
            std::mem::take(&mut self.event_type)
        };
        self.out.push(RefItem::Event {
            event,
            data,
            id: self.last_event_id.clone(),
            offset: self.data_offset,
        });
        self.data_size = 0;
        self.event_type.clear();
    }
}

type Limit = RefLimit;

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str, id: &str, offset: u64) -> RefItem {
        RefItem::event(event, data, id, offset)
    }

    #[test]
    fn standard_examples() {
        let s = b"data: first\n\ndata: second, it\ndata: has two lines.\n\n";
        assert_eq!(
            reference(s, RefLimits::DEFAULT, false),
            [
                ev("message", "first", "", 0),
                ev("message", "second, it\nhas two lines.", "", 13)
            ]
        );
        // The standard's example: `data` twice fires "\n"; a final event without its
        // blank line is discarded.
        let s = b"data\n\ndata\ndata\n\ndata:";
        assert_eq!(
            reference(s, RefLimits::DEFAULT, false),
            [ev("message", "", "", 0), ev("message", "\n", "", 6)]
        );
        assert_eq!(
            reference(s, RefLimits::DEFAULT, true).last(),
            Some(&ev("message", "", "", 17))
        );
    }

    #[test]
    fn line_ends_bom_and_ids() {
        let s = b"\xEF\xBB\xBFid: 1\r\nevent: e\rdata:x\n\r\nid\n\n";
        let out = run(s, RefLimits::DEFAULT, false);
        assert_eq!(out.items, [ev("e", "x", "1", 19)]);
        assert_eq!(out.last_event_id, "");
        assert_eq!(reference(b"\xEF\xBB", RefLimits::DEFAULT, false), []);
        assert_eq!(
            reference(b"\xEF\xBB\n\xEF\xBB\xBFdata\n\n", RefLimits::DEFAULT, false),
            []
        );
    }

    #[test]
    fn limits() {
        let lim = |max_line_len, max_event_len, max_buffered| RefLimits {
            max_line_len,
            max_event_len,
            max_buffered,
        };
        let err = |limit, offset| RefItem::Error { limit, offset };
        // A 9-byte line over an 8-byte limit; skipped to the blank line.
        assert_eq!(
            reference(b"data:1234\ndata:x\n\ndata:y\n\n", lim(8, 99, 99), false),
            [err(RefLimit::Line, 0), ev("message", "y", "", 18)]
        );
        // Event data 4 + 4 + 4 > 10.
        assert_eq!(
            reference(b"data:abc\ndata:abc\ndata:abc\n\n", lim(99, 10, 99), false),
            [err(RefLimit::Event, 18)]
        );
        // D = 2, so an 11-byte line reaches 12 - 2 + 1; with max_line_len 10 it is a tie.
        let s = b"data:a\nevent:abcde\n\n";
        assert_eq!(
            reference(s, lim(99, 99, 12), false),
            [err(RefLimit::Buffered, 7)]
        );
        assert_eq!(
            reference(s, lim(10, 99, 12), false),
            [err(RefLimit::Line, 7)]
        );
        assert_eq!(
            reference(s, lim(99, 99, 13), false),
            [ev("abcde", "a", "", 0)]
        );
        // An unterminated line already past a limit is reported.
        assert_eq!(
            reference(b"data:1234", lim(8, 99, 99), false),
            [err(RefLimit::Line, 0)]
        );
        assert_eq!(reference(b"data:123", lim(8, 99, 99), false), []);
    }

    #[test]
    fn decoding_values_alone_equals_decoding_the_stream() {
        let s: &[u8] = b"data: a\xE2\x82\ndata:\xF0\x9F\x98\rid:\xFF\xFE x\r\n";
        let whole = String::from_utf8_lossy(s);
        let (lines, _) = split_lines(s);
        let per_line: Vec<String> = lines.iter().map(|(_, l)| decode(l)).collect();
        let from_whole: Vec<&str> = whole
            .split(['\n', '\r'])
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(per_line, from_whole);
    }
}
