//! The `Bytes` path: owned, `Send + 'static` items that still share the input's memory.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::{Buf, Bytes};

use crate::item::LimitError;
use crate::parser::{Data, Out, Parser, event_type};
use crate::utf8::lossy_string;

/// A `Bytes` known to hold valid UTF-8: an owned, cheaply clonable `str` that can
/// share the memory of the network buffer it came from.
#[derive(Clone, Default)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Wraps a static string (no allocation).
    pub const fn from_static(s: &'static str) -> Utf8Bytes {
        Utf8Bytes(Bytes::from_static(s.as_bytes()))
    }

    /// Copies `s` into a new buffer.
    pub fn copy_from_str(s: &str) -> Utf8Bytes {
        Utf8Bytes(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// `s` as a `Utf8Bytes`: a zero-copy slice of `anchor` when `s` lies inside
    /// `anchor`'s bytes (as a string borrowed from a parsed piece does), else a copy.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use chunkwise_sse::Utf8Bytes;
    ///
    /// let piece = Bytes::from_static(b"data: hi\n\n");
    /// let inside = std::str::from_utf8(&piece[6..8]).unwrap();
    /// let shared = Utf8Bytes::slice_of(&piece, inside);
    /// assert_eq!(shared, "hi");
    /// assert_eq!(shared.as_bytes().as_ptr(), piece[6..].as_ptr()); // no copy
    /// ```
    pub fn slice_of(anchor: &Bytes, s: &str) -> Utf8Bytes {
        let base = anchor.as_ptr() as usize;
        let start = s.as_ptr() as usize;
        if !s.is_empty() && start >= base && start + s.len() <= base + anchor.len() {
            let at = start - base;
            Utf8Bytes(anchor.slice(at..at + s.len()))
        } else {
            Utf8Bytes::copy_from_str(s)
        }
    }

    /// Checks `bytes` and wraps them, or gives them back if they are not UTF-8.
    pub fn try_from_bytes(bytes: Bytes) -> Result<Utf8Bytes, Bytes> {
        match std::str::from_utf8(&bytes) {
            Ok(_) => Ok(Utf8Bytes(bytes)),
            Err(_) => Err(bytes),
        }
    }

    /// The string.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor either checks the bytes with `str::from_utf8`
        // (`try_from_bytes`, `from_utf8_lossy_bytes`) or takes them from a `str`
        // (`from_static`, `copy_from_str`, `slice_of` slices exactly the bytes of the
        // given `&str`, `From<String>`), and the bytes are immutable afterwards.
        // Checking again on every access would cost a second UTF-8 pass per field on
        // the hot path (`benches/benches/utf8bytes.rs` measures it); the tests in this
        // module cover each constructor.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Unwraps the bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// `bytes` as a `Utf8Bytes`, zero-copy when they are valid UTF-8, else decoded
    /// with U+FFFD replacement into a new buffer.
    pub fn from_utf8_lossy_bytes(bytes: Bytes) -> Utf8Bytes {
        match std::str::from_utf8(&bytes) {
            Ok(_) => Utf8Bytes(bytes),
            Err(_) => Utf8Bytes::from(lossy_string(&bytes)),
        }
    }
}

impl From<String> for Utf8Bytes {
    fn from(s: String) -> Utf8Bytes {
        Utf8Bytes(Bytes::from(s.into_bytes()))
    }
}

impl From<&'static str> for Utf8Bytes {
    fn from(s: &'static str) -> Utf8Bytes {
        Utf8Bytes::from_static(s)
    }
}

impl From<Utf8Bytes> for Bytes {
    fn from(s: Utf8Bytes) -> Bytes {
        s.0
    }
}

impl Deref for Utf8Bytes {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Utf8Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<str> for Utf8Bytes {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Utf8Bytes {
    fn eq(&self, other: &Utf8Bytes) -> bool {
        self.0 == other.0
    }
}

impl Eq for Utf8Bytes {}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for Utf8Bytes {
    fn partial_cmp(&self, other: &Utf8Bytes) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Utf8Bytes {
    fn cmp(&self, other: &Utf8Bytes) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Utf8Bytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

/// An [`Event`](crate::Event) whose strings are [`Utf8Bytes`]: owned, `Send`,
/// `'static`, and sharing the input's memory whenever the borrowed event would have
/// borrowed the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedEvent {
    /// The event type (`"message"` by default).
    pub event: Utf8Bytes,
    /// The data.
    pub data: Utf8Bytes,
    /// The last event ID at dispatch time.
    pub id: Utf8Bytes,
    /// Stream offset of the line holding the first `data` field.
    pub offset: u64,
}

/// An [`Item`](crate::Item) of the `Bytes` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedItem {
    /// A dispatched event.
    Event(SharedEvent),
    /// A valid `retry` field, in milliseconds.
    Retry(u64),
    /// A limit was exceeded; the event was skipped.
    Error(LimitError),
}

impl Parser {
    /// The `Bytes` twin of [`next_item`](Parser::next_item): parses from the front of
    /// `input`, advancing it, and returns an owned item whose data is a zero-copy
    /// slice of `input` when the event lay whole inside it.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use chunkwise_sse::{Parser, SharedItem};
    ///
    /// let mut parser = Parser::new();
    /// let mut piece = Bytes::from_static(b"data: {\"a\":1}\n\n");
    /// let Some(SharedItem::Event(ev)) = parser.next_shared(&mut piece) else { panic!() };
    /// assert_eq!(ev.data, "{\"a\":1}");
    /// assert!(piece.is_empty());
    /// ```
    pub fn next_shared(&mut self, input: &mut Bytes) -> Option<SharedItem> {
        self.flush_pos = 0;
        let (used, out) = self.advance(input);
        let item = out.map(|out| self.make_shared(input, out));
        input.advance(used);
        item
    }

    /// Iterates over the items `input` completes (see [`next_shared`](Parser::next_shared)).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use chunkwise_sse::{Parser, SharedItem};
    ///
    /// let mut parser = Parser::new();
    /// let mut got = Vec::new();
    /// for piece in ["data: a\n", "\ndata: b\n\n"] {
    ///     for item in parser.shared_items(Bytes::from(piece)) {
    ///         if let SharedItem::Event(ev) = item {
    ///             got.push(ev.data);
    ///         }
    ///     }
    /// }
    /// assert_eq!(got, ["a", "b"]);
    /// ```
    pub fn shared_items(&mut self, input: Bytes) -> SharedItems<'_> {
        SharedItems {
            parser: self,
            input,
        }
    }

    fn make_shared(&mut self, input: &Bytes, out: Out) -> SharedItem {
        match out {
            Out::Retry(ms) => SharedItem::Retry(ms),
            Out::Error(e) => SharedItem::Error(e),
            Out::Event(data) => {
                let data = match data {
                    Data::Input { start, end } => {
                        Utf8Bytes::from_utf8_lossy_bytes(input.slice(start..end))
                    }
                    _ => match std::str::from_utf8(&self.data_buf) {
                        Ok(s) => Utf8Bytes::copy_from_str(s),
                        Err(_) => Utf8Bytes::from(lossy_string(&self.data_buf)),
                    },
                };
                let ty = event_type(&self.event_type);
                if self.shared_type != *ty {
                    self.shared_type = Utf8Bytes::copy_from_str(ty);
                }
                let id = self
                    .shared_id
                    .get_or_insert_with(|| Utf8Bytes::copy_from_str(&self.id))
                    .clone();
                SharedItem::Event(SharedEvent {
                    event: self.shared_type.clone(),
                    data,
                    id,
                    offset: self.data_offset,
                })
            }
        }
    }
}

/// Iterator returned by [`Parser::shared_items`].
#[derive(Debug)]
pub struct SharedItems<'p> {
    parser: &'p mut Parser,
    input: Bytes,
}

impl Iterator for SharedItems<'_> {
    type Item = SharedItem;

    fn next(&mut self) -> Option<SharedItem> {
        self.parser.next_shared(&mut self.input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constructor_yields_the_string_it_was_given() {
        let piece = Bytes::from_static("data: é ok\n".as_bytes());
        let inner = std::str::from_utf8(&piece[6..11]).unwrap();
        assert_eq!(Utf8Bytes::slice_of(&piece, inner), "é ok");
        assert_eq!(Utf8Bytes::slice_of(&piece, "elsewhere"), "elsewhere");
        assert_eq!(Utf8Bytes::slice_of(&piece, ""), "");
        assert_eq!(Utf8Bytes::from_static("static"), "static");
        assert_eq!(Utf8Bytes::copy_from_str("copied"), "copied");
        assert_eq!(Utf8Bytes::from(String::from("owned")), "owned");
        assert_eq!(
            Utf8Bytes::try_from_bytes(Bytes::from_static(b"ok")).unwrap(),
            "ok"
        );
        assert!(Utf8Bytes::try_from_bytes(Bytes::from_static(b"\xff")).is_err());
        assert_eq!(
            Utf8Bytes::from_utf8_lossy_bytes(Bytes::from_static(b"a\xffb\xe2\x82")),
            "a\u{FFFD}b\u{FFFD}"
        );
    }

    #[test]
    fn slice_of_shares_memory_only_for_strings_inside_the_anchor() {
        let piece = Bytes::from(b"0123456789".to_vec());
        let s = std::str::from_utf8(&piece[2..5]).unwrap();
        let inside = Utf8Bytes::slice_of(&piece, s);
        assert_eq!(inside.as_bytes().as_ptr(), piece[2..].as_ptr());
        let other = String::from("234");
        let outside = Utf8Bytes::slice_of(&piece, &other);
        assert_ne!(outside.as_bytes().as_ptr(), other.as_ptr());
        assert_eq!(outside, "234");
    }

    #[test]
    fn hashing_and_ordering_follow_str() {
        use std::collections::HashSet;
        let mut set = HashSet::new();
        set.insert(Utf8Bytes::from_static("a"));
        assert!(set.contains("a"));
        assert!(Utf8Bytes::from_static("a") < Utf8Bytes::from_static("b"));
    }
}
