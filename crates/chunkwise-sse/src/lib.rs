//! A zero-copy, transport-agnostic push parser for `text/event-stream`
//! (Server-Sent Events), the framing layer of chunkwise.
//!
//! Feed byte pieces as they come off a socket or a file; the parser finds line and
//! event boundaries with `memchr`, follows every rule of the WHATWG HTML standard's
//! event-stream parsing, and hands out [`Event`]s that borrow the piece you fed (or,
//! only for an event that straddles pieces or has several `data` lines, its own
//! reused buffer). It never reads, never blocks and holds no runtime, so it fits sync
//! and async code alike.
//!
//! - **Same answer on every split**: any stream fed whole, byte by byte or in random
//!   pieces yields the same items (a `\r` ending one piece and the `\n` starting the
//!   next are one line end; a BOM may be split too).
//! - **Bounded**: [`Limits`] cap line, event and buffered sizes; past a limit the
//!   parser reports a [`LimitError`] with the offending line's byte offset, skips that
//!   event and goes on.
//! - **Three ways in**: the lending [`Parser::next_item`] (in the style of
//!   `csv-core`), the callback [`Parser::feed`], and the `Bytes` path
//!   [`Parser::next_shared`] whose [`SharedEvent`]s are owned, `Send` and still
//!   zero-copy.
//!
//! ```
//! use chunkwise_sse::{Item, Parser};
//!
//! let mut parser = Parser::new();
//! let mut events = Vec::new();
//! // Network reads split anywhere, even between `\r` and `\n`.
//! for piece in [&b"data: {\"a\""[..], b":1}\r", b"\n\r\nid: 7\ndata: [DONE]\n\n"] {
//!     parser.feed(piece, |item| {
//!         if let Item::Event(ev) = item {
//!             events.push((ev.data.to_owned(), ev.id.to_owned()));
//!         }
//!     });
//! }
//! assert_eq!(events, [("{\"a\":1}".into(), "".into()), ("[DONE]".into(), "7".into())]);
//! assert_eq!(parser.last_event_id(), "7");
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod item;
mod parser;
#[allow(unsafe_code)]
mod shared;
mod utf8;

pub use item::{Event, Item, Limit, LimitError, Limits};
pub use parser::Parser;
pub use shared::{SharedEvent, SharedItem, SharedItems, Utf8Bytes};
