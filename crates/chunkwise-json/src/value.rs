//! Borrowed views of the value being read: [`Value`], [`Array`], [`Object`], [`Number`],
//! [`Path`], and the completion [`Event`]s.

use std::fmt::{self, Write as _};
use std::ops::Range;

use crate::reader::{COMPLETE, Core, ESCAPED, KEY_ESCAPED, NONE, Node, NodeKind};

/// The JSON type of a [`Value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number
    Number,
    /// A string
    String,
    /// An array
    Array,
    /// An object
    Object,
}

/// A value in the tree the reader builds: a cheap `Copy` handle (two references and an
/// index) borrowing the [`PartialJson`](crate::PartialJson).
///
/// A *complete* value never changes again. An incomplete one is on the path from the
/// root to where reading stopped: an array/object shows its complete members/elements
/// plus the one being read (if the [`Options`](crate::Options) show it), a string shows
/// the text decoded so far, a number its longest valid prefix. Accessors cost `O(1)`
/// unless they say otherwise.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    text: &'a str,
    core: &'a Core,
    id: u32,
}

impl<'a> Value<'a> {
    #[inline]
    pub(crate) fn new(text: &'a str, core: &'a Core, id: u32) -> Self {
        Value { text, core, id }
    }

    #[inline]
    fn node(&self) -> &'a Node {
        &self.core.nodes[self.id as usize]
    }

    #[inline]
    fn at_id(&self, id: u32) -> Value<'a> {
        Value::new(self.text, self.core, id)
    }

    /// Whether the options show this node inside its parent.
    #[inline]
    pub(crate) fn visible(&self) -> bool {
        let n = self.node();
        if n.flags & COMPLETE != 0 {
            return true;
        }
        match n.kind {
            NodeKind::Array | NodeKind::Object => true,
            NodeKind::String => self.core.opts.incomplete_strings,
            NodeKind::Number => self.core.opts.incomplete_numbers && !self.number_text().is_empty(),
            NodeKind::Null | NodeKind::True | NodeKind::False => false,
        }
    }

    /// The JSON type.
    pub fn kind(&self) -> Kind {
        match self.node().kind {
            NodeKind::Null => Kind::Null,
            NodeKind::True | NodeKind::False => Kind::Bool,
            NodeKind::Number => Kind::Number,
            NodeKind::String => Kind::String,
            NodeKind::Array => Kind::Array,
            NodeKind::Object => Kind::Object,
        }
    }

    /// True if the value is complete: it will not change as more text arrives.
    #[inline]
    pub fn is_complete(&self) -> bool {
        self.node().flags & COMPLETE != 0
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        self.node().kind == NodeKind::Null
    }

    /// The boolean, for `true` / `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.node().kind {
            NodeKind::True => Some(true),
            NodeKind::False => Some(false),
            _ => None,
        }
    }

    /// The string's content (escapes decoded), or its prefix so far if incomplete.
    /// Borrowed from the text when the string has no escapes, else from the reader's
    /// buffer of decoded strings.
    pub fn as_str(&self) -> Option<&'a str> {
        let n = self.node();
        (n.kind == NodeKind::String).then(|| self.str_range(n.a, n.b, n.flags & ESCAPED != 0))
    }

    fn str_range(&self, a: u32, b: u32, escaped: bool) -> &'a str {
        let src = if escaped {
            self.core.decoded.as_str()
        } else {
            self.text
        };
        src.get(a as usize..b as usize).unwrap_or("")
    }

    fn number_text(&self) -> &'a str {
        let n = self.node();
        let raw = self
            .text
            .get(n.start as usize..n.end as usize)
            .unwrap_or("");
        if n.flags & COMPLETE != 0 {
            raw
        } else {
            // Cut `-`, `.`, `e`, `+` left dangling at the end.
            raw.trim_end_matches(|c: char| !c.is_ascii_digit())
        }
    }

    /// The number (its longest valid prefix if incomplete; `None` if it has no digit
    /// yet).
    pub fn as_number(&self) -> Option<Number<'a>> {
        if self.node().kind != NodeKind::Number {
            return None;
        }
        let text = self.number_text();
        (!text.is_empty()).then_some(Number { text })
    }

    /// The number as `f64` (see [`Number::as_f64`]).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(|n| n.as_f64())
    }

    /// The number as `i64` if it is an integer in range (see [`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(|n| n.as_i64())
    }

    /// The number as `u64` if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(|n| n.as_u64())
    }

    /// The array view.
    pub fn as_array(&self) -> Option<Array<'a>> {
        (self.node().kind == NodeKind::Array).then_some(Array { v: *self })
    }

    /// The object view.
    pub fn as_object(&self) -> Option<Object<'a>> {
        (self.node().kind == NodeKind::Object).then_some(Object { v: *self })
    }

    /// An object's member named `key` (the last one, if the name repeats). `O(members)`.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.as_object()?.get(key)
    }

    /// An array's element `index`. `O(index)`.
    pub fn at(&self, index: usize) -> Option<Value<'a>> {
        self.as_array()?.get(index)
    }

    /// Number of elements/members shown (`None` for scalars).
    #[allow(clippy::len_without_is_empty)] // `Option<usize>`: not a collection itself.
    pub fn len(&self) -> Option<usize> {
        match self.node().kind {
            NodeKind::Array | NodeKind::Object => Some(self.child_count()),
            _ => None,
        }
    }

    fn child_count(&self) -> usize {
        let last = self.node().b;
        if last == NONE {
            return 0;
        }
        let l = self.at_id(last);
        l.node().index as usize + usize::from(l.visible())
    }

    fn first_child(&self) -> Option<Value<'a>> {
        let first = self.node().a;
        (first != NONE)
            .then(|| self.at_id(first))
            .filter(|v| v.visible())
    }

    fn next_sibling(&self) -> Option<Value<'a>> {
        let next = self.node().next;
        (next != NONE)
            .then(|| self.at_id(next))
            .filter(|v| v.visible())
    }

    fn parent(&self) -> Option<Value<'a>> {
        let p = self.node().parent;
        (p != NONE).then(|| self.at_id(p))
    }

    /// The member name, if this value is an object member.
    pub fn key(&self) -> Option<&'a str> {
        let n = self.node();
        let p = self.parent()?;
        (p.node().kind == NodeKind::Object)
            .then(|| self.str_range(n.key_a, n.key_b, n.flags & KEY_ESCAPED != 0))
    }

    /// The position in the enclosing array, if this value is an array element.
    pub fn index(&self) -> Option<usize> {
        let p = self.parent()?;
        (p.node().kind == NodeKind::Array).then_some(self.node().index as usize)
    }

    /// Where the value is. `O(1)`; walking it costs `O(depth)`.
    pub fn path(&self) -> Path<'a> {
        Path { v: *self }
    }

    /// The value's bytes in [`PartialJson::text`](crate::PartialJson::text); for an
    /// incomplete value, from its start to the end of the text so far.
    pub fn span(&self) -> Range<usize> {
        let n = self.node();
        let end = if n.flags & COMPLETE != 0 {
            n.end as usize
        } else {
            self.text.len()
        };
        n.start as usize..end
    }

    /// The value's source text (see [`span`](Self::span)).
    pub fn raw(&self) -> &'a str {
        self.text.get(self.span()).unwrap_or("")
    }

    /// Writes the value as compact JSON. An incomplete value is written as it is shown:
    /// open arrays/objects closed, an incomplete string as its prefix, an incomplete
    /// number as its longest valid prefix, values the options hide left out. The output
    /// is always valid JSON. Non-ASCII is written as UTF-8; `"`, `\` and control
    /// characters are escaped. Cost: `O(size)`, no recursion.
    ///
    /// ```
    /// use chunkwise_json::PartialJson;
    ///
    /// let mut p = PartialJson::new();
    /// p.push(r#"[{"name": "Zoë\"", "tags": ["a", "b"], "n": 1"#).unwrap();
    /// assert_eq!(p.to_json_string().unwrap(), r#"[{"name":"Zoë\"","tags":["a","b"]}]"#);
    /// ```
    pub fn write_json(&self, out: &mut String) {
        let root = *self;
        let mut v = root;
        'enter: loop {
            // Write `v`'s start; descend into its first child if it has one.
            let n = v.node();
            match n.kind {
                NodeKind::Null => out.push_str("null"),
                NodeKind::True => out.push_str("true"),
                NodeKind::False => out.push_str("false"),
                NodeKind::Number => {
                    let t = v.number_text();
                    out.push_str(if t.is_empty() { "null" } else { t });
                }
                NodeKind::String => write_json_str(out, v.as_str().unwrap_or("")),
                NodeKind::Array | NodeKind::Object => {
                    let is_obj = n.kind == NodeKind::Object;
                    out.push(if is_obj { '{' } else { '[' });
                    if let Some(c) = v.first_child() {
                        if is_obj {
                            write_key(out, c);
                        }
                        v = c;
                        continue 'enter;
                    }
                    out.push(if is_obj { '}' } else { ']' });
                }
            }
            // `v` is written: move to its next sibling, closing finished containers.
            loop {
                if v.id == root.id {
                    return;
                }
                let Some(p) = v.parent() else { return };
                if let Some(s) = v.next_sibling() {
                    out.push(',');
                    if p.node().kind == NodeKind::Object {
                        write_key(out, s);
                    }
                    v = s;
                    continue 'enter;
                }
                out.push(if p.node().kind == NodeKind::Object {
                    '}'
                } else {
                    ']'
                });
                v = p;
            }
        }
    }

    /// [`write_json`](Self::write_json) into a new string.
    pub fn to_json_string(&self) -> String {
        let mut s = String::new();
        self.write_json(&mut s);
        s
    }
}

fn write_key(out: &mut String, member: Value<'_>) {
    write_json_str(out, member.key().unwrap_or(""));
    out.push(':');
}

/// Appends `s` as a JSON string literal.
pub(crate) fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Compact JSON, as [`Value::write_json`].
impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_complete() {
            write!(f, "{self}")
        } else {
            write!(f, "{self} (incomplete)")
        }
    }
}

/// A JSON number: its text plus conversions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Number<'a> {
    text: &'a str,
}

impl<'a> Number<'a> {
    /// The number's JSON text, e.g. `-1.5e3`.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// True if the text has no fraction and no exponent.
    pub fn is_integer(&self) -> bool {
        !self.text.contains(['.', 'e', 'E'])
    }

    /// The nearest `f64` (infinite if out of range, as `1e400`).
    pub fn as_f64(&self) -> f64 {
        // Every JSON number is valid Rust float syntax.
        self.text.parse().unwrap_or(f64::NAN)
    }

    /// The value as `i64` if the text is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.text.parse().ok()
    }

    /// The value as `u64` if the text is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.text.parse().ok()
    }
}

impl fmt::Display for Number<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

/// An array view.
#[derive(Clone, Copy, Debug)]
pub struct Array<'a> {
    v: Value<'a>,
}

impl<'a> Array<'a> {
    /// Elements shown. `O(1)`.
    pub fn len(&self) -> usize {
        self.v.child_count()
    }

    /// True if no element is shown.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `index`. `O(index)`.
    pub fn get(&self, index: usize) -> Option<Value<'a>> {
        self.iter().nth(index)
    }

    /// The elements in order.
    pub fn iter(&self) -> Elements<'a> {
        Elements {
            next: self.v.first_child(),
        }
    }

    /// The array as a value.
    pub fn as_value(&self) -> Value<'a> {
        self.v
    }
}

impl<'a> IntoIterator for Array<'a> {
    type Item = Value<'a>;
    type IntoIter = Elements<'a>;
    fn into_iter(self) -> Elements<'a> {
        self.iter()
    }
}

/// Iterator over an [`Array`]'s elements.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    next: Option<Value<'a>>,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;
    fn next(&mut self) -> Option<Value<'a>> {
        let v = self.next?;
        self.next = v.next_sibling();
        Some(v)
    }
}

/// An object view; members keep their document order (repeated names included).
#[derive(Clone, Copy, Debug)]
pub struct Object<'a> {
    v: Value<'a>,
}

impl<'a> Object<'a> {
    /// Members shown. `O(1)`.
    pub fn len(&self) -> usize {
        self.v.child_count()
    }

    /// True if no member is shown.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The member named `key` (the last one, if the name repeats). `O(members)`.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
            .last()
    }

    /// The members `(name, value)` in document order.
    pub fn iter(&self) -> Members<'a> {
        Members {
            next: self.v.first_child(),
        }
    }

    /// The object as a value.
    pub fn as_value(&self) -> Value<'a> {
        self.v
    }
}

impl<'a> IntoIterator for Object<'a> {
    type Item = (&'a str, Value<'a>);
    type IntoIter = Members<'a>;
    fn into_iter(self) -> Members<'a> {
        self.iter()
    }
}

/// Iterator over an [`Object`]'s members.
#[derive(Clone, Debug)]
pub struct Members<'a> {
    next: Option<Value<'a>>,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, Value<'a>);
    fn next(&mut self) -> Option<(&'a str, Value<'a>)> {
        let v = self.next?;
        self.next = v.next_sibling();
        Some((v.key().unwrap_or(""), v))
    }
}

/// One step of a [`Path`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment<'a> {
    /// An object member's name.
    Key(&'a str),
    /// An array element's position.
    Index(usize),
}

impl fmt::Display for Segment<'_> {
    /// `.name` for names like identifiers (`[A-Za-z_][A-Za-z0-9_]*`), else `["name"]`
    /// (a JSON string); `[3]` for indices.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Segment::Index(i) => write!(f, "[{i}]"),
            Segment::Key(k) => {
                let ident = k
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                    && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if ident {
                    write!(f, ".{k}")
                } else {
                    let mut s = String::with_capacity(k.len() + 4);
                    write_json_str(&mut s, k);
                    write!(f, "[{s}]")
                }
            }
        }
    }
}

/// Where a value sits: the names and indices leading to it from the root. Displays as
/// `$`, `$.items[3]`, `$["a b"].c`; compares with such a string without allocating.
#[derive(Clone, Copy)]
pub struct Path<'a> {
    v: Value<'a>,
}

impl<'a> Path<'a> {
    /// The last step (`None` at the root). `O(1)`.
    pub fn last(&self) -> Option<Segment<'a>> {
        self.v
            .key()
            .map(Segment::Key)
            .or_else(|| self.v.index().map(Segment::Index))
    }

    /// The path of the enclosing array/object (`None` at the root). `O(1)`.
    pub fn parent(&self) -> Option<Path<'a>> {
        self.v.parent().map(|v| Path { v })
    }

    /// True for the root, `$`.
    pub fn is_root(&self) -> bool {
        self.v.node().parent == NONE
    }

    /// Number of steps. `O(depth)`.
    pub fn depth(&self) -> usize {
        let mut d = 0;
        let mut p = self.parent();
        while let Some(q) = p {
            d += 1;
            p = q.parent();
        }
        d
    }

    /// The steps from the root down. `O(depth²)` in all, no allocation (paths are short).
    pub fn segments(&self) -> Segments<'a> {
        Segments {
            leaf: *self,
            front: 0,
            back: self.depth(),
        }
    }

    /// The value at this path.
    pub fn value(&self) -> Value<'a> {
        self.v
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('$')?;
        for s in self.segments() {
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({self})")
    }
}

impl PartialEq<str> for Path<'_> {
    fn eq(&self, other: &str) -> bool {
        /// Consumes `rest` while the display output matches it.
        struct Cmp<'s> {
            rest: &'s str,
        }
        impl fmt::Write for Cmp<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                match self.rest.strip_prefix(s) {
                    Some(r) => {
                        self.rest = r;
                        Ok(())
                    }
                    None => Err(fmt::Error),
                }
            }
        }
        let mut c = Cmp { rest: other };
        write!(c, "{self}").is_ok() && c.rest.is_empty()
    }
}

impl PartialEq<&str> for Path<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq for Path<'_> {
    fn eq(&self, other: &Path<'_>) -> bool {
        self.depth() == other.depth() && self.segments().eq(other.segments())
    }
}

/// Iterator over a [`Path`]'s steps, root first.
#[derive(Clone, Debug)]
pub struct Segments<'a> {
    leaf: Path<'a>,
    /// Steps `front..back` (counted from the root) remain.
    front: usize,
    back: usize,
}

impl<'a> Segments<'a> {
    /// Step `k` from the root: the last step of the ancestor `back_total - k - 1` levels up.
    fn step(&self, k: usize) -> Option<Segment<'a>> {
        let total = self.leaf.depth();
        let mut p = self.leaf;
        for _ in 0..total.checked_sub(k + 1)? {
            p = p.parent()?;
        }
        p.last()
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;
    fn next(&mut self) -> Option<Segment<'a>> {
        if self.front >= self.back {
            return None;
        }
        let s = self.step(self.front);
        self.front += 1;
        s
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Segments<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.step(self.back)
    }
}

impl ExactSizeIterator for Segments<'_> {}

/// A value just completed: it is whole and will never change. Every value (at every
/// depth, the root included) completes exactly once, in text order of its last byte:
/// members/elements before their container.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    value: Value<'a>,
}

impl<'a> Event<'a> {
    #[inline]
    pub(crate) fn new(value: Value<'a>) -> Self {
        Event { value }
    }

    /// The completed value.
    pub fn value(&self) -> Value<'a> {
        self.value
    }

    /// Where it is (`$`, `$.city`, `$.items[3]`).
    pub fn path(&self) -> Path<'a> {
        self.value.path()
    }

    /// Its member name, if it is an object member.
    pub fn key(&self) -> Option<&'a str> {
        self.value.key()
    }

    /// Its position, if it is an array element.
    pub fn index(&self) -> Option<usize> {
        self.value.index()
    }

    /// True when the root value completed: the whole JSON text is read.
    pub fn is_root(&self) -> bool {
        self.path().is_root()
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Event({} = {})", self.path(), self.value)
    }
}

/// The queued events, from [`PartialJson::events`](crate::PartialJson::events).
#[derive(Clone)]
pub struct Events<'a> {
    text: &'a str,
    core: &'a Core,
    ids: Range<usize>,
}

impl<'a> Events<'a> {
    #[inline]
    pub(crate) fn new(text: &'a str, core: &'a Core, ids: Range<usize>) -> Self {
        Events { text, core, ids }
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Event<'a>;
    #[inline]
    fn next(&mut self) -> Option<Event<'a>> {
        let i = self.ids.next()?;
        let id = *self.core.events.get(i)?;
        Some(Event::new(Value::new(self.text, self.core, id)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ids.size_hint()
    }
}

impl ExactSizeIterator for Events<'_> {}

impl fmt::Debug for Events<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
