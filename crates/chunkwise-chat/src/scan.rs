//! Validating JSON scanning primitives for the schema-directed decoder.
//!
//! The scanner walks a JSON text held as `&str` (so already valid UTF-8), checks it
//! against RFC 8259 as it goes, and never builds a tree: the decoder asks for the
//! value it expects at each position and skips (while still validating) everything
//! else. Strings without escapes are returned as slices of the input; escaped ones
//! are decoded into a scratch slice the caller provides, sized to the input, which
//! the scanner splits as it fills so the returned `&str`s stay valid for `'a`.

use std::fmt;

/// Deepest nesting of arrays and objects accepted, as in serde_json (whose default
/// limit rejects the 128th level).
pub(crate) const MAX_DEPTH: u32 = 127;

/// Why a payload could not be decoded, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the event data where the problem was found.
    pub offset: usize,
    /// What went wrong.
    pub kind: DecodeErrorKind,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at byte {} of the event data)",
            self.kind, self.offset
        )
    }
}

impl std::error::Error for DecodeError {}

/// The kinds of [`DecodeError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// Not JSON: what was expected at the offset.
    Syntax(&'static str),
    /// The text ended inside a value.
    Eof,
    /// Nesting deeper than 127 levels (serde_json's limit).
    TooDeep,
    /// A known member holds a value of another type.
    WrongType {
        /// The member's path, e.g. `choices[].delta.content`.
        field: &'static str,
        /// What the member may hold.
        expected: &'static str,
        /// What it held.
        found: &'static str,
    },
    /// An integer too large for its field.
    OutOfRange {
        /// The member's path.
        field: &'static str,
    },
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeErrorKind::Syntax(what) => write!(f, "invalid JSON: expected {what}"),
            DecodeErrorKind::Eof => f.write_str("invalid JSON: unexpected end of data"),
            DecodeErrorKind::TooDeep => {
                write!(f, "invalid JSON: nested deeper than {MAX_DEPTH} levels")
            }
            DecodeErrorKind::WrongType {
                field,
                expected,
                found,
            } => write!(f, "`{field}`: expected {expected}, found {found}"),
            DecodeErrorKind::OutOfRange { field } => write!(f, "`{field}`: integer out of range"),
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, DecodeError>;

/// The kind of JSON value starting with byte `b`, for error messages.
pub(crate) fn kind_of(b: u8) -> &'static str {
    match b {
        b'"' => "a string",
        b'{' => "an object",
        b'[' => "an array",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// A mask whose lowest set bit marks the first byte of `w` (little-endian) that is
/// `"`, `\` or a control character (< 0x20). Higher bits may be spurious.
#[inline(always)]
fn specials(w: u64) -> u64 {
    let quote = w ^ (LO * u64::from(b'"'));
    let backslash = w ^ (LO * u64::from(b'\\'));
    let zero = |v: u64| v.wrapping_sub(LO) & !v;
    (zero(quote) | zero(backslash) | w.wrapping_sub(LO * 0x20) & !w) & HI
}

/// Position of the first `"`, `\` or control character in `bytes` at or after `at`.
#[inline(always)]
fn find_special(bytes: &[u8], mut at: usize) -> Option<usize> {
    while let Some(word) = bytes.get(at..at + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let m = specials(w);
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// Whether `text` is exactly one valid JSON value, with optional surrounding
/// whitespace.
pub(crate) fn is_valid_json(text: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let mut s = Scanner::new(text, &mut []);
    s.skip_ws();
    s.skip_value().is_ok() && {
        s.skip_ws();
        s.at_end()
    }
}

/// Most strings a [`Scanner`] records with [`Scanner::slot`].
pub(crate) const MAX_SLOTS: usize = 6;

/// A string recorded by [`Scanner::slot`]: where its JSON form lies in the text (the
/// quotes included), and its decoded value's address and length (in the text, or in
/// the scratch for a string with escapes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SlotString {
    pub(crate) json: (u32, u32),
    pub(crate) value: (usize, usize),
}

/// A cursor over a JSON text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pub(crate) pos: usize,
    /// Where escaped strings are decoded; at least as long as the rest of the text
    /// when escapes must be decoded (a decoded string is never longer than its JSON
    /// form).
    free: &'a mut [u8],
    /// Nesting levels still allowed.
    depth: u32,
    /// Number of strings decoded into the scratch (not borrowed) so far.
    pub(crate) escaped: u32,
    /// The strings read by [`slot`](Scanner::slot), when recording; `None` when there
    /// were more than [`MAX_SLOTS`].
    pub(crate) slots: Option<smallvec::SmallVec<[SlotString; MAX_SLOTS]>>,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str, scratch: &'a mut [u8]) -> Scanner<'a> {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            free: scratch,
            depth: MAX_DEPTH,
            escaped: 0,
            slots: None,
        }
    }

    /// A scanner resuming inside the top-level object at `pos`, as after a member.
    pub(crate) fn resume(text: &'a str, scratch: &'a mut [u8], pos: usize) -> Scanner<'a> {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos,
            free: scratch,
            depth: MAX_DEPTH - 1,
            escaped: 0,
            slots: None,
        }
    }

    /// Starts recording the strings read by [`slot`](Scanner::slot).
    pub(crate) fn record_slots(&mut self) {
        self.slots = Some(smallvec::SmallVec::new());
    }

    #[inline(always)]
    pub(crate) fn err<T>(&self, kind: DecodeErrorKind) -> Result<T> {
        Err(DecodeError {
            offset: self.pos,
            kind,
        })
    }

    #[inline(always)]
    pub(crate) fn syntax<T>(&self, what: &'static str) -> Result<T> {
        if self.pos >= self.bytes.len() {
            self.err(DecodeErrorKind::Eof)
        } else {
            self.err(DecodeErrorKind::Syntax(what))
        }
    }

    #[inline(always)]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The text of `start..end`, two positions at value boundaries.
    pub(crate) fn text_between(&self, start: usize, end: usize) -> &'a str {
        &self.text[start..end]
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    #[inline(always)]
    pub(crate) fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if b > b' ' || !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return;
            }
            self.pos += 1;
        }
    }

    /// Consumes `b` (after whitespace) or fails with `what`.
    #[inline(always)]
    pub(crate) fn expect(&mut self, b: u8, what: &'static str) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            self.syntax(what)
        }
    }

    /// The first byte of the next value (after whitespace), without consuming it.
    #[inline(always)]
    pub(crate) fn value_start(&mut self) -> Result<u8> {
        self.skip_ws();
        match self.peek() {
            Some(b) => Ok(b),
            None => self.err(DecodeErrorKind::Eof),
        }
    }

    /// Consumes the literal `lit` (`null`, `true`, `false`).
    #[inline(always)]
    pub(crate) fn literal(&mut self, lit: &'static [u8]) -> Result<()> {
        match self.bytes.get(self.pos..self.pos + lit.len()) {
            Some(got) if got == lit => {
                self.pos += lit.len();
                Ok(())
            }
            _ => {
                // Point at the first byte that differs.
                let same = self.bytes[self.pos..]
                    .iter()
                    .zip(lit)
                    .take_while(|(a, b)| a == b)
                    .count();
                self.pos += same;
                self.syntax("a JSON value")
            }
        }
    }

    /// If the next value is `null`, consumes it and returns true.
    #[inline(always)]
    pub(crate) fn null(&mut self) -> Result<bool> {
        if self.value_start()? == b'n' {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Enters an array or object (consuming its opening byte).
    #[inline(always)]
    fn enter(&mut self) -> Result<()> {
        if self.depth == 0 {
            return self.err(DecodeErrorKind::TooDeep);
        }
        self.depth -= 1;
        self.pos += 1;
        Ok(())
    }

    /// Consumes `{`, the next value being known to be an object.
    #[inline(always)]
    pub(crate) fn begin_object(&mut self) -> Result<()> {
        self.enter()
    }

    /// Consumes `[`, the next value being known to be an array.
    #[inline(always)]
    pub(crate) fn begin_array(&mut self) -> Result<()> {
        self.enter()
    }

    /// Moves to the next member's key (its opening quote): `false` at the object's end,
    /// which is consumed. `first` tracks whether a member was read already.
    #[inline(always)]
    fn member_start(&mut self, first: &mut bool) -> Result<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                self.depth += 1;
                return Ok(false);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.skip_ws();
            }
            _ if !*first => return self.syntax("',' or '}'"),
            _ => {}
        }
        *first = false;
        if self.peek() != Some(b'"') {
            return self.syntax("a string key");
        }
        Ok(true)
    }

    /// The next member's key, with the cursor left on its value; `None` at the
    /// object's end. `first` tracks whether a member was read already.
    #[inline(always)]
    pub(crate) fn next_key(&mut self, first: &mut bool) -> Result<Option<&'a str>> {
        if !self.member_start(first)? {
            return Ok(None);
        }
        let key = self.string()?;
        self.expect(b':', "':'")?;
        Ok(Some(key))
    }

    /// Whether the array has a next element (cursor left on it); `false` at its end.
    #[inline(always)]
    pub(crate) fn next_element(&mut self, first: &mut bool) -> Result<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                self.depth += 1;
                return Ok(false);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.skip_ws();
            }
            _ if !*first => return self.syntax("',' or ']'"),
            _ => {}
        }
        *first = false;
        Ok(true)
    }

    /// A string (the cursor on its opening quote): borrowed from the text when it has
    /// no escapes, else decoded into the scratch slice.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<&'a str> {
        let start = self.pos + 1;
        let Some(end) = find_special(self.bytes, start) else {
            self.pos = self.bytes.len();
            return self.err(DecodeErrorKind::Eof);
        };
        if self.bytes[end] == b'"' {
            self.pos = end + 1;
            return Ok(&self.text[start..end]);
        }
        self.pos = end;
        self.escaped_string(start)
    }

    /// The slow path of [`string`](Scanner::string): the cursor is on the first `\`
    /// or control character of the string that started at `start`.
    #[cold]
    fn escaped_string(&mut self, start: usize) -> Result<&'a str> {
        self.escaped += 1;
        let free = std::mem::take(&mut self.free);
        let mut n = 0;
        let mut from = start;
        // The caller sizes the scratch so this cannot fail; a short scratch would be
        // reported as an error, never a panic.
        let mut short = false;
        let mut push = |free: &mut [u8], n: &mut usize, bytes: &[u8]| {
            match free.get_mut(*n..*n + bytes.len()) {
                Some(dst) => dst.copy_from_slice(bytes),
                None => short = true,
            }
            *n += bytes.len();
        };
        loop {
            let at = self.pos;
            match self.bytes.get(at) {
                Some(b'"') => {
                    push(free, &mut n, &self.bytes[from..at]);
                    self.pos = at + 1;
                    break;
                }
                Some(b'\\') => {
                    push(free, &mut n, &self.bytes[from..at]);
                    let mut utf8 = [0; 4];
                    let decoded = self.escape(&mut utf8)?;
                    push(free, &mut n, decoded);
                    from = self.pos;
                }
                Some(_) => {
                    self.free = free;
                    return self.syntax("a string without control characters");
                }
                None => {
                    self.free = free;
                    return self.err(DecodeErrorKind::Eof);
                }
            }
            match find_special(self.bytes, self.pos) {
                Some(next) => self.pos = next,
                None => {
                    self.free = free;
                    self.pos = self.bytes.len();
                    return self.err(DecodeErrorKind::Eof);
                }
            }
        }
        if short {
            self.free = free;
            return self.syntax("a string shorter than the scratch buffer");
        }
        let (out, rest) = free.split_at_mut(n);
        self.free = rest;
        match std::str::from_utf8(out) {
            Ok(s) => Ok(s),
            // Unreachable: the copied runs end at ASCII bytes of a `str` and escapes
            // are encoded from `char`s; kept as an error rather than a panic.
            Err(_) => self.syntax("a string"),
        }
    }

    /// Decodes the escape at the cursor (on its `\`), advancing past it. A `\u`
    /// escape that is a lone surrogate decodes to U+FFFD.
    fn escape<'b>(&mut self, utf8: &'b mut [u8; 4]) -> Result<&'b [u8]> {
        self.pos += 1;
        let simple = match self.peek() {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                let c = match unit {
                    0xD800..=0xDBFF => {
                        let rest = &self.bytes[self.pos..];
                        if rest.starts_with(b"\\u") {
                            let save = self.pos;
                            self.pos += 2;
                            let low = self.hex4()?;
                            if (0xDC00..=0xDFFF).contains(&low) {
                                let cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                                char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER)
                            } else {
                                // A high surrogate not followed by a low one: the
                                // next escape is decoded on its own.
                                self.pos = save;
                                char::REPLACEMENT_CHARACTER
                            }
                        } else {
                            char::REPLACEMENT_CHARACTER
                        }
                    }
                    _ => char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER),
                };
                return Ok(c.encode_utf8(utf8).as_bytes());
            }
            _ => return self.syntax("an escape: one of \" \\ / b f n r t u"),
        };
        self.pos += 1;
        utf8[0] = simple;
        Ok(&utf8[..1])
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut v = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(b) => (b as char).to_digit(16),
                None => return self.err(DecodeErrorKind::Eof),
            };
            let Some(d) = d else {
                return self.syntax("four hex digits");
            };
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    /// A string whose value varies from chunk to chunk (content text, arguments...):
    /// like [`string`](Scanner::string), and recorded when recording.
    #[inline(always)]
    pub(crate) fn slot(&mut self) -> Result<&'a str> {
        let start = self.pos;
        let value = self.string()?;
        if let Some(slots) = &mut self.slots {
            if slots.len() < MAX_SLOTS {
                slots.push(SlotString {
                    json: (start as u32, self.pos as u32),
                    value: (value.as_ptr() as usize, value.len()),
                });
            } else {
                self.slots = None;
            }
        }
        Ok(value)
    }

    /// [`skip_string`](Scanner::skip_string), telling whether the string has escapes.
    #[inline(always)]
    pub(crate) fn skip_string_escaped(&mut self) -> Result<bool> {
        if let Some(end) = find_special(self.bytes, self.pos + 1)
            && self.bytes[end] == b'"'
        {
            self.pos = end + 1;
            return Ok(false);
        }
        self.skip_string().map(|()| true)
    }

    /// Validates a string without decoding it (the cursor on its opening quote).
    pub(crate) fn skip_string(&mut self) -> Result<()> {
        self.pos += 1;
        loop {
            let Some(at) = find_special(self.bytes, self.pos) else {
                self.pos = self.bytes.len();
                return self.err(DecodeErrorKind::Eof);
            };
            self.pos = at;
            match self.bytes[at] {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    let mut utf8 = [0; 4];
                    self.escape(&mut utf8)?;
                }
                _ => return self.syntax("a string without control characters"),
            }
        }
    }

    /// Validates a number (the cursor on its first byte). Returns its value when it
    /// is a non-negative integer without fraction or exponent: `Some(Ok(n))`, or
    /// `Some(Err(()))` when that integer does not fit in `u64`; `None` for any other
    /// number.
    pub(crate) fn number(&mut self) -> Result<Option<std::result::Result<u64, ()>>> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return self.syntax("a digit"),
        }
        let int_end = self.pos;
        let mut integer = !negative;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digits()?;
        }
        if !integer {
            return Ok(None);
        }
        let mut n: u64 = 0;
        for &d in &self.bytes[int_start..int_end] {
            match n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
            {
                Some(v) => n = v,
                None => return Ok(Some(Err(()))),
            }
        }
        Ok(Some(Ok(n)))
    }

    fn digits(&mut self) -> Result<()> {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        if self.pos == start {
            return self.syntax("a digit");
        }
        Ok(())
    }

    /// Validates any value at the cursor (after whitespace) and moves past it.
    pub(crate) fn skip_value(&mut self) -> Result<()> {
        match self.value_start()? {
            b'"' => self.skip_string(),
            b'{' => {
                self.begin_object()?;
                let mut first = true;
                while self.next_skipped_key(&mut first)? {
                    self.skip_value()?;
                }
                Ok(())
            }
            b'[' => {
                self.begin_array()?;
                let mut first = true;
                while self.next_element(&mut first)? {
                    self.skip_value()?;
                }
                Ok(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            _ => self.syntax("a JSON value"),
        }
    }

    /// Like [`next_key`](Scanner::next_key) but validates the key without decoding it.
    fn next_skipped_key(&mut self, first: &mut bool) -> Result<bool> {
        if !self.member_start(first)? {
            return Ok(false);
        }
        self.skip_string()?;
        self.expect(b':', "':'")?;
        Ok(true)
    }

    /// Validates the value at the cursor and returns its text.
    pub(crate) fn raw_value(&mut self) -> Result<&'a str> {
        self.skip_ws();
        let start = self.pos;
        self.skip_value()?;
        Ok(&self.text[start..self.pos])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> Result<String> {
        let mut scratch = vec![0; json.len()];
        let mut s = Scanner::new(json, &mut scratch);
        s.string().map(str::to_owned)
    }

    #[test]
    fn strings_borrow_or_decode_every_escape() {
        assert_eq!(
            decode(r#""plain text, long enough to use words""#).unwrap(),
            "plain text, long enough to use words"
        );
        assert_eq!(
            decode(r#""q\"b\\s\/b\bf\fn\nr\rt\tu\u00e9\u65e5""#).unwrap(),
            "q\"b\\s/b\u{8}f\u{c}n\nr\rt\tué日"
        );
        assert_eq!(decode(r#""\ud83d\ude00!""#).unwrap(), "😀!");
        assert_eq!(decode(r#""\ud83d""#).unwrap(), "\u{FFFD}");
        assert_eq!(decode(r#""\ude00x""#).unwrap(), "\u{FFFD}x");
        assert_eq!(decode(r#""\ud83d\u0041""#).unwrap(), "\u{FFFD}A");
        assert_eq!(decode(r#""\ud83d\ud83d\ude00""#).unwrap(), "\u{FFFD}😀");
        assert_eq!(decode("\"é日本😀\"").unwrap(), "é日本😀");
    }

    #[test]
    fn string_errors_point_at_the_offending_byte() {
        assert_eq!(decode("\"ab\u{1}\"").unwrap_err().offset, 3);
        assert_eq!(decode(r#""a\x""#).unwrap_err().offset, 3);
        assert_eq!(decode(r#""a\u12g4""#).unwrap_err().offset, 6);
        assert_eq!(decode(r#""abc"#).unwrap_err().kind, DecodeErrorKind::Eof);
        assert_eq!(decode(r#""abc\"#).unwrap_err().kind, DecodeErrorKind::Eof);
        assert_eq!(
            decode(r#""abc\u12"#).unwrap_err().kind,
            DecodeErrorKind::Eof
        );
    }

    #[test]
    fn specials_finds_the_first_special_byte_in_every_position() {
        for pos in 0..20 {
            for special in [b'"', b'\\', 0x00, 0x1f] {
                let mut bytes = vec![b'a'; 20];
                bytes[pos] = special;
                // Bytes around the special one that must not be flagged.
                if pos + 1 < 20 {
                    bytes[pos + 1] = 0xff;
                }
                assert_eq!(find_special(&bytes, 0), Some(pos), "{special} at {pos}");
            }
        }
        assert_eq!(find_special("ééé日本 ~\u{7f}".as_bytes(), 0), None);
    }

    #[test]
    fn validation_accepts_json_and_rejects_the_rest() {
        for ok in [
            "0",
            "-0",
            "1.5e+10",
            "-12.5E-3",
            "true",
            "false",
            "null",
            "\"\"",
            "[]",
            "{}",
            " [1, {\"a\": [null, \"x\"]}, -2] ",
            "{\"a\":{\"b\":{}}}",
        ] {
            assert!(is_valid_json(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "+1",
            "tru",
            "nul",
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{\"a\":1,}",
            "{a:1}",
            "[1 2]",
            "{\"a\":1 \"b\":2}",
            "\"\t\"",
            "[",
            "{",
            "1 2",
            "\u{a0}1",
        ] {
            assert!(!is_valid_json(bad.as_bytes()), "{bad:?}");
        }
    }

    #[test]
    fn nesting_is_limited_like_serde_json() {
        let ok = "[".repeat(127) + &"]".repeat(127);
        assert!(is_valid_json(ok.as_bytes()));
        let deep = "[".repeat(128) + &"]".repeat(128);
        assert!(!is_valid_json(deep.as_bytes()));
    }

    #[test]
    fn numbers_report_u64_values_only_for_plain_non_negative_integers() {
        let num = |t: &str| {
            let mut s = Scanner::new(t, &mut []);
            s.number().unwrap()
        };
        assert_eq!(num("0"), Some(Ok(0)));
        assert_eq!(num("18446744073709551615"), Some(Ok(u64::MAX)));
        assert_eq!(num("18446744073709551616"), Some(Err(())));
        assert_eq!(num("-0"), None);
        assert_eq!(num("1.0"), None);
        assert_eq!(num("1e3"), None);
    }
}
