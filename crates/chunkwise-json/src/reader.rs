//! The resumable scanner: a byte-at-a-time state machine with an explicit container
//! chain (parent links in a node arena), never recursion.

use crate::error::{Error, ErrorKind};
use crate::value::{Event, Events, Value};

/// "No node".
pub(crate) const NONE: u32 = u32::MAX;

/// Hard ceiling on [`Options::max_len`]: offsets are stored as `u32`.
const LEN_CEILING: usize = (u32::MAX - 1) as usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Null,
    True,
    False,
    Number,
    String,
    Array,
    Object,
}

/// The node is complete: it will never change again.
pub(crate) const COMPLETE: u8 = 1;
/// A string node's content is `decoded[a..b]` (else `text[a..b]`).
pub(crate) const ESCAPED: u8 = 2;
/// A member's key is `decoded[key_a..key_b]` (else `text[key_a..key_b]`).
pub(crate) const KEY_ESCAPED: u8 = 4;

/// One JSON value in the arena (40 bytes).
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// Offset of the value's first byte in the text.
    pub start: u32,
    /// Offset just past the value (complete nodes and numbers; else meaningless).
    pub end: u32,
    /// String: content range. Array/Object: first and last child (`NONE` if none).
    pub a: u32,
    pub b: u32,
    /// Object member: the key's decoded range.
    pub key_a: u32,
    pub key_b: u32,
    /// The enclosing container, `NONE` for the root.
    pub parent: u32,
    /// The next sibling, `NONE` for the last.
    pub next: u32,
    /// Position in the parent (element index or member index).
    pub index: u32,
    pub kind: NodeKind,
    pub flags: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// A value must start here (text start, after `:`, after `,` in an array).
    Value,
    /// After `[`: a value or `]`.
    ArrayFirst,
    /// After `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    Key,
    /// Inside a member name.
    InKey,
    /// After a member name: `:`.
    Colon,
    /// After a value inside a container: `,` or the closer.
    AfterValue,
    /// Inside a string value.
    InString,
    /// Inside a number.
    Number(Num),
    /// Inside `true` / `false` / `null`: which (0, 1, 2) and bytes matched.
    Literal(u8, u8),
    /// The root value is complete: only whitespace may follow.
    Done,
}

/// Number grammar states: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    E,
    ESign,
    Exp,
}

/// String sub-states (shared by keys and values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Str {
    Normal,
    /// After `\`.
    Escape,
    /// In `\uXXXX` after `n` hex digits.
    Hex {
        n: u8,
        acc: u16,
    },
    /// After a high surrogate escape: `\` must follow.
    AfterHigh {
        hi: u16,
    },
    /// After a high surrogate escape and `\`: `u` must follow.
    AfterHighSlash {
        hi: u16,
    },
    /// In the low surrogate's `\uXXXX` after `n` hex digits.
    LowHex {
        n: u8,
        acc: u16,
        hi: u16,
    },
}

const LITERALS: [&[u8]; 3] = [b"true", b"false", b"null"];

/// How a [`PartialJson`] reads and shows its value; build with the setters.
///
/// ```
/// use chunkwise_json::{Options, PartialJson};
///
/// let opts = Options::new().max_depth(16).incomplete_numbers(true);
/// let mut p = PartialJson::with_options(opts);
/// p.push(r#"{"n": 12"#).unwrap();
/// assert_eq!(p.to_json_string().unwrap(), r#"{"n":12}"#);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub(crate) max_depth: usize,
    pub(crate) max_len: usize,
    pub(crate) incomplete_strings: bool,
    pub(crate) incomplete_numbers: bool,
}

impl Options {
    /// The defaults: depth 128, 16 MiB of text, incomplete strings shown, incomplete
    /// numbers hidden.
    pub const fn new() -> Self {
        Options {
            max_depth: 128,
            max_len: 16 << 20,
            incomplete_strings: true,
            incomplete_numbers: false,
        }
    }

    /// Most arrays/objects open at once (default 128). Opening one more is
    /// [`ErrorKind::DepthLimit`]. Nothing recurses, so any value is safe.
    pub const fn max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Most bytes of text kept (default 16 MiB, at most `u32::MAX - 1`). Memory is about
    /// the text, plus the decoded form of strings that contain escapes, plus 40 bytes
    /// per value. Growing past it is [`ErrorKind::TooLong`].
    pub const fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = if max_len > LEN_CEILING {
            LEN_CEILING
        } else {
            max_len
        };
        self
    }

    /// Show a string cut mid-way as its prefix (default `true`). When `false`, an
    /// incomplete string is left out of its array/object (and a root string is `None`).
    pub const fn incomplete_strings(mut self, show: bool) -> Self {
        self.incomplete_strings = show;
        self
    }

    /// Show a number at the end of the text so far (which may still grow: `12` may
    /// become `123`) as its longest valid prefix (`-1.` shows as `-1`; `-` is left out).
    /// Default `false`: such a number is left out until it is complete.
    pub const fn incomplete_numbers(mut self, show: bool) -> Self {
        self.incomplete_numbers = show;
        self
    }

    /// The configured depth limit.
    pub const fn get_max_depth(&self) -> usize {
        self.max_depth
    }

    /// The configured length limit.
    pub const fn get_max_len(&self) -> usize {
        self.max_len
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

/// Where events go while scanning.
type Emit<'f> = Option<&'f mut dyn FnMut(Event<'_>)>;

/// Everything but the text, so the scanner can borrow the text while mutating this.
#[derive(Clone, Debug)]
pub(crate) struct Core {
    pub nodes: Vec<Node>,
    /// Decoded content of strings and keys that contain escapes, append-only.
    pub decoded: String,
    pub opts: Options,
    /// Innermost open container.
    cur: u32,
    depth: usize,
    state: State,
    /// The string/number/literal being read.
    tail: u32,
    str_state: Str,
    /// The current string's content lives in `decoded` from `s_start` (else in the text).
    s_escaped: bool,
    s_start: u32,
    /// The last member name read, waiting for its value.
    key_a: u32,
    key_b: u32,
    key_escaped: bool,
    /// Completed nodes not yet handed out by `events()`.
    pub events: Vec<u32>,
    pub events_read: usize,
    pub error: Option<Error>,
}

impl Core {
    fn new(opts: Options) -> Self {
        Core {
            nodes: Vec::new(),
            decoded: String::new(),
            opts,
            cur: NONE,
            depth: 0,
            state: State::Value,
            tail: NONE,
            str_state: Str::Normal,
            s_escaped: false,
            s_start: 0,
            key_a: 0,
            key_b: 0,
            key_escaped: false,
            events: Vec::new(),
            events_read: 0,
            error: None,
        }
    }

    fn reset(&mut self) {
        let mut nodes = std::mem::take(&mut self.nodes);
        let mut decoded = std::mem::take(&mut self.decoded);
        let mut events = std::mem::take(&mut self.events);
        nodes.clear();
        decoded.clear();
        events.clear();
        *self = Core {
            nodes,
            decoded,
            events,
            ..Core::new(self.opts)
        };
    }

    /// Deepest incomplete node (the tail if it is being read, else the innermost open
    /// container), `NONE` if none.
    pub(crate) fn deepest_open(&self) -> u32 {
        match self.state {
            State::InString | State::Number(_) | State::Literal(..) => self.tail,
            _ => self.cur,
        }
    }

    fn fail(&self, text: &str, i: usize, expected: &'static str) -> Error {
        // `i` is always a char boundary (errors happen only at ASCII bytes or at the
        // first byte of a character), but never panic over it.
        let found = text
            .get(i..)
            .and_then(|t| t.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        Error {
            kind: ErrorKind::Unexpected { found, expected },
            offset: i,
        }
    }

    /// Scans `text[from..]`, which was just appended. On error, records it.
    fn scan(&mut self, text: &str, from: usize, emit: &mut Emit<'_>) -> Result<(), Error> {
        match self.scan_inner(text, from, emit) {
            Ok(()) => {
                self.sync_tail(text.len());
                Ok(())
            }
            Err(e) => {
                self.sync_tail(e.offset);
                self.error = Some(e);
                Err(e)
            }
        }
    }

    fn scan_inner(&mut self, text: &str, from: usize, emit: &mut Emit<'_>) -> Result<(), Error> {
        let bytes = text.as_bytes();
        let mut i = from;
        while i < bytes.len() {
            match self.state {
                State::InString | State::InKey => i = self.string(text, i, emit)?,
                State::Number(n) => i = self.number(text, i, n, emit)?,
                State::Literal(which, pos) => {
                    let lit = LITERALS[usize::from(which)];
                    let mut pos = usize::from(pos);
                    while i < bytes.len() && pos < lit.len() {
                        if bytes[i] != lit[pos] {
                            let expected = match which {
                                0 => "`true`",
                                1 => "`false`",
                                _ => "`null`",
                            };
                            return Err(self.fail(text, i, expected));
                        }
                        pos += 1;
                        i += 1;
                    }
                    if pos == lit.len() {
                        self.complete(text, self.tail, i, emit);
                    } else {
                        // pos < 5: fits.
                        self.state = State::Literal(which, pos as u8);
                    }
                }
                _ => {
                    let c = bytes[i];
                    if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                        self.structural(text, i, c, emit)?;
                    }
                    i += 1;
                }
            }
        }
        Ok(())
    }

    /// Keeps the tail node's view data current after a scan stopped at `pos`.
    fn sync_tail(&mut self, pos: usize) {
        let (escaped, decoded_len, s_start) = (self.s_escaped, self.decoded.len(), self.s_start);
        match self.state {
            State::InString => {
                let n = &mut self.nodes[self.tail as usize];
                n.a = s_start;
                if escaped {
                    n.b = decoded_len as u32;
                    n.flags |= ESCAPED;
                } else {
                    n.b = pos as u32;
                }
            }
            State::Number(_) => self.nodes[self.tail as usize].end = pos as u32,
            _ => {}
        }
    }

    fn structural(
        &mut self,
        text: &str,
        i: usize,
        c: u8,
        emit: &mut Emit<'_>,
    ) -> Result<(), Error> {
        match self.state {
            State::Value => self.begin_value(text, i, c)?,
            State::ArrayFirst => {
                if c == b']' {
                    self.close(text, i, emit);
                } else {
                    self.begin_value(text, i, c).map_err(|mut e| {
                        if let ErrorKind::Unexpected { expected, .. } = &mut e.kind {
                            *expected = "a value or `]`";
                        }
                        e
                    })?;
                }
            }
            State::ObjectFirst => match c {
                b'"' => self.begin_key(i),
                b'}' => self.close(text, i, emit),
                _ => return Err(self.fail(text, i, "a member name (a string) or `}`")),
            },
            State::Key => {
                if c == b'"' {
                    self.begin_key(i);
                } else {
                    return Err(self.fail(text, i, "a member name (a string)"));
                }
            }
            State::Colon => {
                if c == b':' {
                    self.state = State::Value;
                } else {
                    return Err(self.fail(text, i, "`:`"));
                }
            }
            State::AfterValue => {
                let is_array = self.nodes[self.cur as usize].kind == NodeKind::Array;
                match (c, is_array) {
                    (b',', true) => self.state = State::Value,
                    (b',', false) => self.state = State::Key,
                    (b']', true) | (b'}', false) => self.close(text, i, emit),
                    (_, true) => return Err(self.fail(text, i, "`,` or `]`")),
                    (_, false) => return Err(self.fail(text, i, "`,` or `}`")),
                }
            }
            State::Done => {
                return Err(self.fail(text, i, "nothing but whitespace after the value"));
            }
            // Read by `scan_inner` itself, never passed here.
            State::InKey | State::InString | State::Number(_) | State::Literal(..) => {}
        }
        Ok(())
    }

    fn begin_value(&mut self, text: &str, i: usize, c: u8) -> Result<(), Error> {
        let kind = match c {
            b'{' | b'[' => {
                if self.depth >= self.opts.max_depth {
                    return Err(Error {
                        kind: ErrorKind::DepthLimit {
                            max_depth: self.opts.max_depth,
                        },
                        offset: i,
                    });
                }
                let (kind, state) = if c == b'{' {
                    (NodeKind::Object, State::ObjectFirst)
                } else {
                    (NodeKind::Array, State::ArrayFirst)
                };
                let id = self.new_node(kind, i);
                self.cur = id;
                self.depth += 1;
                self.state = state;
                return Ok(());
            }
            b'"' => {
                self.s_escaped = false;
                self.s_start = (i + 1) as u32;
                self.str_state = Str::Normal;
                self.state = State::InString;
                NodeKind::String
            }
            b'-' | b'0'..=b'9' => {
                self.state = State::Number(match c {
                    b'-' => Num::Minus,
                    b'0' => Num::Zero,
                    _ => Num::Int,
                });
                NodeKind::Number
            }
            b't' => {
                self.state = State::Literal(0, 1);
                NodeKind::True
            }
            b'f' => {
                self.state = State::Literal(1, 1);
                NodeKind::False
            }
            b'n' => {
                self.state = State::Literal(2, 1);
                NodeKind::Null
            }
            _ => return Err(self.fail(text, i, "a value")),
        };
        self.tail = self.new_node(kind, i);
        Ok(())
    }

    fn begin_key(&mut self, i: usize) {
        self.s_escaped = false;
        self.s_start = (i + 1) as u32;
        self.str_state = Str::Normal;
        self.state = State::InKey;
    }

    /// Appends a node under the current container (linking it as the last child).
    fn new_node(&mut self, kind: NodeKind, start: usize) -> u32 {
        // Each node starts at a distinct byte and the text is < u32::MAX bytes.
        let id = self.nodes.len() as u32;
        let parent = self.cur;
        let mut node = Node {
            start: start as u32,
            end: start as u32,
            a: NONE,
            b: NONE,
            key_a: 0,
            key_b: 0,
            parent,
            next: NONE,
            index: 0,
            kind,
            flags: 0,
        };
        if parent != NONE {
            let (p_kind, last) = {
                let p = &self.nodes[parent as usize];
                (p.kind, p.b)
            };
            if last == NONE {
                self.nodes[parent as usize].a = id;
            } else {
                let l = &mut self.nodes[last as usize];
                l.next = id;
                node.index = l.index + 1;
            }
            self.nodes[parent as usize].b = id;
            if p_kind == NodeKind::Object {
                node.key_a = self.key_a;
                node.key_b = self.key_b;
                if self.key_escaped {
                    node.flags |= KEY_ESCAPED;
                }
            }
        }
        self.nodes.push(node);
        id
    }

    /// Marks `id` complete (ending at `end`), emits its event, and moves to the state
    /// after a value.
    fn complete(&mut self, text: &str, id: u32, end: usize, emit: &mut Emit<'_>) {
        let n = &mut self.nodes[id as usize];
        n.flags |= COMPLETE;
        n.end = end as u32;
        self.tail = NONE;
        self.state = if self.cur == NONE {
            State::Done
        } else {
            State::AfterValue
        };
        match emit {
            Some(f) => f(Event::new(Value::new(text, self, id))),
            None => self.events.push(id),
        }
    }

    fn close(&mut self, text: &str, i: usize, emit: &mut Emit<'_>) {
        let id = self.cur;
        self.cur = self.nodes[id as usize].parent;
        self.depth -= 1;
        self.complete(text, id, i + 1, emit);
    }

    fn number(
        &mut self,
        text: &str,
        mut i: usize,
        mut st: Num,
        emit: &mut Emit<'_>,
    ) -> Result<usize, Error> {
        let bytes = text.as_bytes();
        while i < bytes.len() {
            let c = bytes[i];
            st = match (st, c) {
                (Num::Int | Num::Frac | Num::Exp, b'0'..=b'9') => st,
                (Num::Minus, b'0') => Num::Zero,
                (Num::Minus, b'1'..=b'9') => Num::Int,
                (Num::Minus, _) => return Err(self.fail(text, i, "a digit after `-`")),
                (Num::Zero, b'0'..=b'9') => {
                    return Err(self.fail(text, i, "no digit after a leading `0`"));
                }
                (Num::Zero | Num::Int, b'.') => Num::Dot,
                (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Num::E,
                (Num::Dot, b'0'..=b'9') => Num::Frac,
                (Num::Dot, _) => return Err(self.fail(text, i, "a digit after `.`")),
                (Num::E, b'+' | b'-') => Num::ESign,
                (Num::E | Num::ESign, b'0'..=b'9') => Num::Exp,
                (Num::E | Num::ESign, _) => {
                    return Err(self.fail(text, i, "a digit in the exponent"));
                }
                (Num::Zero | Num::Int | Num::Frac | Num::Exp, _) => {
                    // The number ended before `c`, which the caller reads next.
                    self.complete(text, self.tail, i, emit);
                    return Ok(i);
                }
            };
            i += 1;
        }
        self.state = State::Number(st);
        Ok(i)
    }

    fn string(&mut self, text: &str, mut i: usize, emit: &mut Emit<'_>) -> Result<usize, Error> {
        let bytes = text.as_bytes();
        loop {
            if let Str::Normal = self.str_state {
                let run = i;
                i = skip_plain(bytes, i);
                // `run` and `i` sit at ASCII bytes or the end: char boundaries.
                if self.s_escaped && i > run {
                    self.decoded.push_str(&text[run..i]);
                }
                if i == bytes.len() {
                    return Ok(i);
                }
                match bytes[i] {
                    b'"' => {
                        self.end_string(text, i, emit);
                        return Ok(i + 1);
                    }
                    b'\\' => {
                        if !self.s_escaped {
                            let d = self.decoded.len();
                            self.decoded.push_str(&text[self.s_start as usize..i]);
                            self.s_start = d as u32;
                            self.s_escaped = true;
                        }
                        self.str_state = Str::Escape;
                        i += 1;
                    }
                    _ => {
                        return Err(self.fail(
                            text,
                            i,
                            "a character other than U+0000..U+001F (those must be escaped)",
                        ));
                    }
                }
                continue;
            }
            if i == bytes.len() {
                return Ok(i);
            }
            let c = bytes[i];
            match self.str_state {
                Str::Normal => continue, // handled above
                Str::Escape => {
                    let ch = match c {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            self.str_state = Str::Hex { n: 0, acc: 0 };
                            i += 1;
                            continue;
                        }
                        _ => {
                            return Err(self.fail(
                                text,
                                i,
                                "an escape: one of `\"\\/bfnrt` or `u` and four hex digits",
                            ));
                        }
                    };
                    self.decoded.push(ch);
                    self.str_state = Str::Normal;
                }
                Str::Hex { n, acc } => {
                    let Some(d) = hex(c) else {
                        return Err(self.fail(text, i, "a hex digit in a `\\u` escape"));
                    };
                    if n == 1 && acc == 0xD && d >= 0xC {
                        return Err(self.fail(
                            text,
                            i,
                            "not a low surrogate (`\\uDC00`..`\\uDFFF` may only follow a high one)",
                        ));
                    }
                    let acc = acc << 4 | d;
                    self.str_state = if n < 3 {
                        Str::Hex { n: n + 1, acc }
                    } else if (0xD800..0xDC00).contains(&acc) {
                        Str::AfterHigh { hi: acc }
                    } else {
                        // Not a surrogate: always a char.
                        if let Some(ch) = char::from_u32(u32::from(acc)) {
                            self.decoded.push(ch);
                        }
                        Str::Normal
                    };
                }
                Str::AfterHigh { hi } => {
                    if c != b'\\' {
                        return Err(self.fail(
                            text,
                            i,
                            "`\\u` and a low surrogate after a high one",
                        ));
                    }
                    self.str_state = Str::AfterHighSlash { hi };
                }
                Str::AfterHighSlash { hi } => {
                    if c != b'u' {
                        return Err(self.fail(text, i, "`u` and a low surrogate after a high one"));
                    }
                    self.str_state = Str::LowHex { n: 0, acc: 0, hi };
                }
                Str::LowHex { n, acc, hi } => {
                    let ok = match hex(c) {
                        Some(d) if n == 0 => d == 0xD,
                        Some(d) if n == 1 => d >= 0xC,
                        Some(_) => true,
                        None => false,
                    };
                    let Some(d) = hex(c).filter(|_| ok) else {
                        return Err(self.fail(
                            text,
                            i,
                            "a low surrogate (`\\uDC00`..`\\uDFFF`) after a high one",
                        ));
                    };
                    let acc = acc << 4 | d;
                    self.str_state = if n < 3 {
                        Str::LowHex { n: n + 1, acc, hi }
                    } else {
                        let cp =
                            0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(acc) - 0xDC00);
                        if let Some(ch) = char::from_u32(cp) {
                            self.decoded.push(ch);
                        }
                        Str::Normal
                    };
                }
            }
            i += 1;
        }
    }

    fn end_string(&mut self, text: &str, i: usize, emit: &mut Emit<'_>) {
        let (a, b) = if self.s_escaped {
            (self.s_start, self.decoded.len() as u32)
        } else {
            (self.s_start, i as u32)
        };
        if self.state == State::InKey {
            self.key_a = a;
            self.key_b = b;
            self.key_escaped = self.s_escaped;
            self.state = State::Colon;
        } else {
            let n = &mut self.nodes[self.tail as usize];
            n.a = a;
            n.b = b;
            if self.s_escaped {
                n.flags |= ESCAPED;
            }
            self.complete(text, self.tail, i + 1, emit);
        }
    }

    fn finish(&mut self, text: &str, emit: &mut Emit<'_>) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if let State::Number(Num::Zero | Num::Int | Num::Frac | Num::Exp) = self.state {
            self.complete(text, self.tail, text.len(), emit);
        }
        let expected = match self.state {
            State::Done => return Ok(()),
            State::Value => "a value",
            State::ArrayFirst => "a value or `]`",
            State::ObjectFirst => "a member name (a string) or `}`",
            State::Key => "a member name (a string)",
            State::InKey | State::InString => "the rest of a string",
            State::Colon => "`:`",
            State::AfterValue => {
                if self.nodes[self.cur as usize].kind == NodeKind::Array {
                    "`,` or `]`"
                } else {
                    "`,` or `}`"
                }
            }
            State::Number(_) => "a digit",
            State::Literal(..) => "the rest of a literal",
        };
        let e = Error {
            kind: ErrorKind::UnexpectedEnd { expected },
            offset: text.len(),
        };
        self.error = Some(e);
        Err(e)
    }
}

/// The first index at or after `i` holding `"`, `\\` or a control character (or the
/// length): eight bytes at a time, then one at a time.
#[inline]
fn skip_plain(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        // Bytes < 0x20, `"` and `\`; the lowest flagged byte is always exact.
        let hits = zero(x & (0xe0 * ONES))
            | zero(x ^ (u64::from(b'"') * ONES))
            | zero(x ^ (u64::from(b'\\') * ONES));
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && !matches!(bytes[i], b'"' | b'\\' | 0..=0x1f) {
        i += 1;
    }
    i
}

fn hex(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(u16::from(c - b'0')),
        b'a'..=b'f' => Some(u16::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(c - b'A' + 10)),
        _ => None,
    }
}

/// An incremental JSON reader: feed it the fragments of one JSON text in order, and
/// after each one look at the partial value, the values completed since, or the error.
///
/// Each byte is scanned once, so feeding `n` fragments of total length `L` costs
/// `O(L)` whatever `n` is. Nothing recurses: depth is bounded only by
/// [`Options::max_depth`].
///
/// ```
/// use chunkwise_json::PartialJson;
///
/// let mut p = PartialJson::new();
/// p.push(r#"{"city": "Par"#).unwrap();
/// // The partial value: a string cut mid-way shows as its prefix.
/// assert_eq!(p.to_json_string().unwrap(), r#"{"city":"Par"}"#);
/// let city = p.value().unwrap().get("city").unwrap();
/// assert_eq!((city.as_str(), city.is_complete()), (Some("Par"), false));
///
/// p.push(r#"is", "days": [1, 2"#).unwrap();
/// // Completion events, each value once, in the order they completed.
/// let done: Vec<String> = p.events().map(|e| format!("{} = {}", e.path(), e.value())).collect();
/// assert_eq!(done, [r#"$.city = "Paris""#, "$.days[0] = 1"]);
/// assert_eq!(p.to_json_string().unwrap(), r#"{"city":"Paris","days":[1]}"#);
///
/// p.push("]}").unwrap();
/// assert!(p.is_complete());
/// let done: Vec<String> = p.events().map(|e| e.path().to_string()).collect();
/// assert_eq!(done, ["$.days[1]", "$.days", "$"]);
/// p.finish().unwrap();
/// ```
#[derive(Clone)]
pub struct PartialJson {
    text: String,
    core: Core,
}

impl PartialJson {
    /// A reader with the default [`Options`].
    pub fn new() -> Self {
        PartialJson::with_options(Options::new())
    }

    /// A reader with the given options.
    pub fn with_options(options: Options) -> Self {
        PartialJson {
            text: String::new(),
            core: Core::new(options),
        }
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.core.opts
    }

    /// Feeds the next fragment; completion events are queued for [`events`](Self::events)
    /// (one `u32` per value until read: call `events()`, or use
    /// [`push_with`](Self::push_with), which queues nothing).
    ///
    /// Cost: `O(fragment.len())` amortised. The fragment is appended to
    /// [`text`](Self::text) even when it holds an error (up to
    /// [`Options::max_len`]). After an error, every call returns that same error.
    ///
    /// ```
    /// use chunkwise_json::PartialJson;
    ///
    /// let mut p = PartialJson::new();
    /// p.push(r#"{"a": [1, 2"#).unwrap();
    /// let err = p.push(r#"}"#).unwrap_err();
    /// assert_eq!(err.offset(), 11);
    /// assert_eq!(err.to_string(), "invalid JSON at byte 11: found '}', expected `,` or `]`");
    /// assert_eq!(p.text(), r#"{"a": [1, 2}"#);
    /// assert_eq!(p.error(), Some(&err));
    /// ```
    #[inline]
    pub fn push(&mut self, fragment: &str) -> Result<(), Error> {
        self.push_inner(fragment, None)
    }

    /// Feeds the next fragment, calling `on_event` for each value it completes, in order
    /// (those events are not queued for [`events`](Self::events)).
    ///
    /// ```
    /// use chunkwise_json::PartialJson;
    ///
    /// let mut p = PartialJson::new();
    /// let mut items = Vec::new();
    /// for frag in [r#"{"items": [{"id": 1}, {"i"#, r#"d": 2}]}"#] {
    ///     p.push_with(frag, |ev| {
    ///         // Act on each array element as soon as it is complete.
    ///         if ev.path().parent().is_some_and(|p| p == "$.items") {
    ///             items.push(ev.value().get("id").and_then(|v| v.as_i64()));
    ///         }
    ///     })
    ///     .unwrap();
    /// }
    /// assert_eq!(items, [Some(1), Some(2)]);
    /// ```
    pub fn push_with<F: FnMut(Event<'_>)>(
        &mut self,
        fragment: &str,
        mut on_event: F,
    ) -> Result<(), Error> {
        self.push_inner(fragment, Some(&mut on_event))
    }

    fn push_inner(&mut self, fragment: &str, mut emit: Emit<'_>) -> Result<(), Error> {
        if self.core.events_read == self.core.events.len() {
            self.core.events.clear();
            self.core.events_read = 0;
        }
        if let Some(
            e @ Error {
                kind: ErrorKind::TooLong { .. },
                ..
            },
        ) = self.core.error
        {
            // Bytes were dropped: keep no text after the gap.
            return Err(e);
        }
        let start = self.text.len();
        let room = self.core.opts.max_len.saturating_sub(start);
        let (take, over) = if fragment.len() <= room {
            (fragment, false)
        } else {
            let mut n = room;
            while !fragment.is_char_boundary(n) {
                n -= 1;
            }
            (&fragment[..n], true)
        };
        self.text.push_str(take);
        if let Some(e) = self.core.error {
            return Err(e);
        }
        self.core.scan(&self.text, start, &mut emit)?;
        if over {
            let e = Error {
                kind: ErrorKind::TooLong {
                    max_len: self.core.opts.max_len,
                },
                offset: self.text.len(),
            };
            self.core.error = Some(e);
            return Err(e);
        }
        Ok(())
    }

    /// Declares the end of the text. A number at the very end of the root (`42`) only
    /// completes here, since until now it could have grown. Errors with
    /// [`ErrorKind::UnexpectedEnd`] if the value is not complete. Events go to the queue.
    ///
    /// ```
    /// use chunkwise_json::PartialJson;
    ///
    /// let mut p = PartialJson::new();
    /// p.push("42").unwrap();
    /// assert!(!p.is_complete());
    /// p.finish().unwrap();
    /// assert_eq!(p.value().and_then(|v| v.as_i64()), Some(42));
    ///
    /// let mut p = PartialJson::new();
    /// p.push(r#"{"a": tr"#).unwrap();
    /// assert_eq!(p.finish().unwrap_err().offset(), 8);
    /// ```
    pub fn finish(&mut self) -> Result<(), Error> {
        self.core.finish(&self.text, &mut None)
    }

    /// [`finish`](Self::finish), calling `on_event` for the values it completes.
    pub fn finish_with<F: FnMut(Event<'_>)>(&mut self, mut on_event: F) -> Result<(), Error> {
        self.core.finish(&self.text, &mut Some(&mut on_event))
    }

    /// The values completed since the last call (or since the start), each exactly once,
    /// in the order they completed: a value's members/elements before the value itself,
    /// the root last. Cost: `O(1)` plus `O(1)` per event; no allocation.
    #[inline]
    pub fn events(&mut self) -> Events<'_> {
        let ids = self.core.events_read..self.core.events.len();
        self.core.events_read = ids.end;
        Events::new(&self.text, &self.core, ids)
    }

    /// The values completed and not yet read, like [`events`](Self::events) but through a
    /// shared borrow and without marking them read: they stay pending until
    /// [`events`](Self::events) or [`discard_events`](Self::discard_events). This lets an
    /// owner (say, an accumulator holding one reader per tool call) hand out `&PartialJson`
    /// and mark the events read itself afterwards.
    ///
    /// ```
    /// use chunkwise_json::PartialJson;
    ///
    /// let mut p = PartialJson::new();
    /// p.push(r#"[1, 2, "#).unwrap();
    /// let reader: &PartialJson = &p;
    /// assert_eq!(reader.pending_events().len(), 2);
    /// assert_eq!(reader.pending_events().len(), 2); // still pending
    /// p.discard_events();
    /// assert_eq!(p.pending_events().len(), 0);
    /// ```
    #[inline]
    pub fn pending_events(&self) -> Events<'_> {
        Events::new(
            &self.text,
            &self.core,
            self.core.events_read..self.core.events.len(),
        )
    }

    /// Marks every pending event read (see [`pending_events`](Self::pending_events)).
    #[inline]
    pub fn discard_events(&mut self) {
        self.core.events_read = self.core.events.len();
    }

    /// The value so far: `None` before it starts (or while the root is a string or number
    /// hidden by the [`Options`]). Cost: `O(1)`; the [`Value`] borrows the reader.
    #[inline]
    pub fn value(&self) -> Option<Value<'_>> {
        let v = Value::new(&self.text, &self.core, 0);
        (!self.core.nodes.is_empty() && v.visible()).then_some(v)
    }

    /// The deepest value still being read that [`value`](Self::value) shows (the growing
    /// string, or the innermost open array/object), `None` if there is none. Cost:
    /// `O(1)` or, when the value being read is hidden by the [`Options`], `O(1)` more.
    ///
    /// ```
    /// use chunkwise_json::PartialJson;
    ///
    /// let mut p = PartialJson::new();
    /// p.push(r#"{"answer": "It is 4"#).unwrap();
    /// let open = p.in_progress().unwrap();
    /// assert_eq!(open.path().to_string(), "$.answer");
    /// assert_eq!(open.as_str(), Some("It is 4"));
    /// ```
    pub fn in_progress(&self) -> Option<Value<'_>> {
        let mut id = self.core.deepest_open();
        while id != NONE {
            let v = Value::new(&self.text, &self.core, id);
            if v.visible() {
                return Some(v);
            }
            id = self.core.nodes[id as usize].parent;
        }
        None
    }

    /// The partial value as JSON text (valid even mid-way: open containers are closed;
    /// see [`Value::write_json`]). `None` before the value starts. Cost: `O(size of the
    /// value so far)`.
    pub fn to_json_string(&self) -> Option<String> {
        self.value().map(|v| v.to_json_string())
    }

    /// True once the root value is complete (nothing but whitespace may follow).
    #[inline]
    pub fn is_complete(&self) -> bool {
        self.core
            .nodes
            .first()
            .is_some_and(|n| n.flags & COMPLETE != 0)
    }

    /// Everything fed so far, including any text after an error; after
    /// [`ErrorKind::TooLong`], the text up to the limit (a fragment that would cross it
    /// is cut at the last character that fits, and later ones are dropped).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The error, if the text went wrong.
    pub fn error(&self) -> Option<&Error> {
        self.core.error.as_ref()
    }

    /// Forgets the text and value to read a new one, keeping the options and the
    /// allocated memory.
    pub fn reset(&mut self) {
        self.text.clear();
        self.core.reset();
    }
}

impl Default for PartialJson {
    fn default() -> Self {
        PartialJson::new()
    }
}

impl std::fmt::Debug for PartialJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartialJson")
            .field("len", &self.text.len())
            .field("values", &self.core.nodes.len())
            .field("complete", &self.is_complete())
            .field("error", &self.core.error)
            .field("partial", &self.to_json_string())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::skip_plain;

    #[test]
    fn node_is_40_bytes() {
        assert_eq!(std::mem::size_of::<super::Node>(), 40);
    }

    #[test]
    fn skip_plain_matches_bytewise_scan() {
        let naive = |b: &[u8], i: usize| {
            (i..b.len())
                .find(|&k| matches!(b[k], b'"' | b'\\' | 0..=0x1f))
                .unwrap_or(b.len())
        };
        // Every stop byte, and near-misses, at every position of runs up to 24 bytes,
        // after a prefix of plain ASCII or non-ASCII bytes.
        let specials = [
            b'"', b'\\', 0, 0x1f, 0x20, 0x21, b'#', b'[', b']', 0x7f, 0x80, 0xa2, 0xdc, 0xff,
        ];
        for len in 0..24 {
            for fill in [b'a', 0xc3, 0x9f] {
                for pos in 0..len {
                    for &s in &specials {
                        for &t in &specials {
                            let mut b = vec![fill; len];
                            b[pos] = s;
                            if pos + 3 < len {
                                b[pos + 3] = t;
                            }
                            for start in 0..=len.min(9) {
                                assert_eq!(
                                    skip_plain(&b, start),
                                    naive(&b, start),
                                    "{b:?} from {start}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
