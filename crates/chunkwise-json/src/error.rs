//! The error a [`PartialJson`](crate::PartialJson) reports, with its byte offset.

use std::fmt;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The character at the offset can never continue the text into valid JSON
    /// (`expected` says what could have).
    Unexpected {
        /// The offending character.
        found: char,
        /// What the grammar allowed at that point, for people (e.g. "`,` or `]`").
        expected: &'static str,
    },
    /// [`finish`](crate::PartialJson::finish) was called while the value was not complete;
    /// the offset is the length of the text.
    UnexpectedEnd {
        /// What the grammar still needed, for people.
        expected: &'static str,
    },
    /// An array or object opened at the offset would nest deeper than
    /// [`Options::max_depth`](crate::Options::max_depth).
    DepthLimit {
        /// The configured limit.
        max_depth: usize,
    },
    /// The text would grow past [`Options::max_len`](crate::Options::max_len); the offset
    /// is the length of the kept text (bytes past the limit are dropped).
    TooLong {
        /// The configured limit, in bytes.
        max_len: usize,
    },
}

/// The first point at which the accumulated text can no longer be (the start of) a
/// valid JSON text, or a limit was exceeded.
///
/// `offset` is a byte offset into [`PartialJson::text`](crate::PartialJson::text). For a
/// bad character it is the offset of that character's first byte: the smallest `n`
/// such that `text[..=n]` is not a prefix of any valid JSON text. For
/// [`ErrorKind::UnexpectedEnd`] it is the text's length. See the crate docs for the
/// exact grammar (RFC 8259, with `\u` surrogate escapes required to pair up).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    pub(crate) kind: ErrorKind,
    pub(crate) offset: usize,
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Byte offset into the accumulated text where it went wrong.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// True for a syntax error or unexpected end (false for a limit).
    pub fn is_syntax(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Unexpected { .. } | ErrorKind::UnexpectedEnd { .. }
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.offset;
        match self.kind {
            ErrorKind::Unexpected { found, expected } => write!(
                f,
                "invalid JSON at byte {at}: found {found:?}, expected {expected}"
            ),
            ErrorKind::UnexpectedEnd { expected } => {
                write!(f, "JSON text ends early at byte {at}: expected {expected}")
            }
            ErrorKind::DepthLimit { max_depth } => write!(
                f,
                "JSON nests deeper than the limit of {max_depth} at byte {at}"
            ),
            ErrorKind::TooLong { max_len } => {
                write!(f, "JSON text longer than the limit of {max_len} bytes")
            }
        }
    }
}

impl std::error::Error for Error {}
