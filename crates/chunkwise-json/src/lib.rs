//! Incremental JSON: read one JSON text that arrives in fragments (the `arguments` of a
//! streamed tool call, a structured-output answer) and see it while it grows.
//!
//! [`PartialJson`] scans each fragment once, so `n` fragments of total length `L` cost
//! `O(L)`: no re-parsing of the accumulated text on every chunk. After each
//! [`push`](PartialJson::push) it offers:
//!
//! - **the partial value** ([`PartialJson::value`], `O(1)`): a borrowed view of the tree
//!   built so far. Objects show their members and arrays their elements in document
//!   order; the member/element being read is shown too if it is an array/object
//!   (recursively partial), a string (its prefix; see
//!   [`Options::incomplete_strings`]) or a number (only with
//!   [`Options::incomplete_numbers`]; as its longest valid prefix). A literal being
//!   read (`tru`) and a member whose value has not started are not shown.
//!   [`PartialJson::to_json_string`] writes it as valid JSON, closing what is open.
//! - **completion events** ([`PartialJson::events`] or the callback of
//!   [`PartialJson::push_with`]): every value at every depth, the root included,
//!   exactly once, when its last byte arrives (a number: when the byte after it
//!   arrives, or at [`finish`](PartialJson::finish)), with its [`Path`] (`$.items[3]`)
//!   and its value. Completed values never change.
//! - **the first error** ([`PartialJson::error`]) with its byte offset; the text fed is
//!   kept ([`PartialJson::text`]).
//!
//! Fragments are `&str` and may split the text anywhere: inside an escape (`\` | `u00`
//! | `e9`), between the two halves of a surrogate pair, inside a number or a literal.
//! The result never depends on how the text was split.
//!
//! ```
//! use chunkwise_json::PartialJson;
//!
//! let mut args = PartialJson::new();
//! let mut seen = Vec::new();
//! for fragment in [r#"{"location": "Z"#, r#"\u00fc"#, r#"rich", "units": ["c"#, r#"", "f"]}"#] {
//!     args.push(fragment)?;
//!     seen.push(args.to_json_string().unwrap());
//!     for event in args.events() {
//!         if let Some("location") = event.key() {
//!             assert_eq!(event.value().as_str(), Some("Zürich"));
//!         }
//!     }
//! }
//! assert_eq!(seen, [
//!     r#"{"location":"Z"}"#,
//!     r#"{"location":"Zü"}"#,
//!     r#"{"location":"Zürich","units":["c"]}"#,
//!     r#"{"location":"Zürich","units":["c","f"]}"#,
//! ]);
//! args.finish()?;
//! # Ok::<(), chunkwise_json::Error>(())
//! ```
//!
//! # Grammar and error offsets
//!
//! The grammar is RFC 8259 (any value at the root, surrounded by optional whitespace
//! `[ \t\n\r]`), with one addition that every Rust JSON parser makes: a `\u` escape of
//! a UTF-16 surrogate must be a high surrogate (`\uD800`..`\uDBFF`) immediately followed
//! by a `\u` low surrogate (`\uDC00`..`\uDFFF`), since a `String` cannot hold a lone one.
//!
//! The error offset is the **first byte offset at which the text can no longer be a
//! prefix of any valid JSON text**: the smallest `n` such that `text[..=n]` is not a
//! prefix of a valid text (for a multi-byte character this is its first byte). Because
//! JSON is deterministic with one byte of lookahead, that is where a byte-at-a-time
//! parser first rejects a byte: `[1,]` fails at 3 (the `]`), `01` at 1, `"\uDC00"` at 4
//! (`\uDC` can only start a lone low surrogate), `{"a" 1}` at 5, `[1] x` at 4. A text
//! that is a valid prefix but not a whole value (`{"a":`) only fails at
//! [`finish`](PartialJson::finish), with [`ErrorKind::UnexpectedEnd`] at offset
//! `text.len()`. Whole-text parsers may point elsewhere (some report the start of the
//! bad token or the end of the text); this crate's offset never depends on the split.
//! The limits [`Options::max_depth`] (at the `[`/`{` that would nest too deep) and
//! [`Options::max_len`] are errors too, of their own kinds.
//!
//! # Costs
//!
//! `push`: `O(fragment length)` amortised. `value`, `in_progress`, `is_complete`,
//! `text`, `error`: `O(1)`. `events`: `O(1)` plus `O(1)` per event. Walking the value:
//! `O(1)` per member/element visited ([`Value::get`] on an object is `O(members)`, and
//! [`Value::at`] is `O(index)`); [`Value::to_json_string`] is `O(size)`. Memory: the text,
//! plus the decoded content of strings that contain escapes, plus 40 bytes per value.
//! Nothing recurses, so no input can overflow the stack, and no input can make it
//! panic.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod reader;
mod value;

pub use error::{Error, ErrorKind};
pub use reader::{Options, PartialJson};
pub use value::{
    Array, Elements, Event, Events, Kind, Members, Number, Object, Path, Segment, Segments, Value,
};
