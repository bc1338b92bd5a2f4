//! Test support: a JSON tree type and serialiser with random styles, an independent
//! whole-text checker (first failing offset), an independent from-scratch partial
//! parser (the oracle for partial values), and conversions from `PartialJson` views and
//! from simd-json.
#![allow(dead_code)]

use chunkwise_json::{Kind, Options, PartialJson, Value};

/// Deterministic xorshift64* generator.
#[derive(Clone)]
pub struct Xorshift(u64);

impl Xorshift {
    pub fn new(seed: u64) -> Self {
        Xorshift(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }
}

/// A JSON value as the generator made it. Numbers keep their text.
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// Serialises `v` with random whitespace and string escapes drawn from `rng`.
pub fn serialize(v: &J, rng: &mut Xorshift) -> String {
    let mut out = String::new();
    ws(&mut out, rng);
    ser(v, rng, &mut out);
    ws(&mut out, rng);
    out
}

fn ws(out: &mut String, rng: &mut Xorshift) {
    const WS: [&str; 6] = ["", "", "", " ", "\n  ", "\t\r\n "];
    out.push_str(WS[rng.below(WS.len())]);
}

fn ser(v: &J, rng: &mut Xorshift, out: &mut String) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(t) => out.push_str(t),
        J::Str(s) => ser_str(s, rng, out),
        J::Arr(items) => {
            out.push('[');
            ws(out, rng);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    ws(out, rng);
                    out.push(',');
                    ws(out, rng);
                }
                ser(item, rng, out);
            }
            ws(out, rng);
            out.push(']');
        }
        J::Obj(members) => {
            out.push('{');
            ws(out, rng);
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    ws(out, rng);
                    out.push(',');
                    ws(out, rng);
                }
                ser_str(k, rng, out);
                ws(out, rng);
                out.push(':');
                ws(out, rng);
                ser(item, rng, out);
            }
            ws(out, rng);
            out.push('}');
        }
    }
}

fn u_escape(out: &mut String, unit: u16, upper: bool) {
    if upper {
        out.push_str(&format!("\\u{unit:04X}"));
    } else {
        out.push_str(&format!("\\u{unit:04x}"));
    }
}

/// A JSON string literal for `s`, each character written raw, with a short escape or
/// with `\u` (a surrogate pair beyond the BMP) at random, wherever allowed.
pub fn ser_str(s: &str, rng: &mut Xorshift, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '/' => Some("\\/"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            _ => None,
        };
        let must_escape = c == '"' || c == '\\' || (c as u32) < 0x20;
        let pick = rng.below(4);
        if !must_escape && pick < 2 {
            out.push(c);
        } else if short.is_some() && pick < 3 {
            out.push_str(short.unwrap_or_default());
        } else {
            let mut units = [0u16; 2];
            let upper = rng.chance(1, 2);
            for u in c.encode_utf16(&mut units) {
                u_escape(out, *u, upper);
            }
        }
    }
    out.push('"');
}

/// Compact JSON of a string, with the escaping convention of `Value::write_json`.
pub fn compact_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------------
// Whole-text checker: where does a text first stop being a prefix of valid JSON?
// ---------------------------------------------------------------------------------

/// The reference verdict for a whole text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A complete, valid JSON text.
    Valid,
    /// A valid prefix that ends too early.
    End,
    /// The byte at this offset makes it invalid.
    At(usize),
    /// The `[`/`{` at this offset nests deeper than the limit.
    Depth(usize),
}

/// Recursive-descent checker, written independently of the crate's state machine.
pub fn check(text: &str, max_depth: usize) -> Verdict {
    let mut c = Checker {
        b: text.as_bytes(),
        i: 0,
        depth: 0,
        max_depth,
    };
    match c.document() {
        Ok(()) => Verdict::Valid,
        Err(v) => v,
    }
}

struct Checker<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
    max_depth: usize,
}

impl Checker<'_> {
    fn peek(&self) -> Result<u8, Verdict> {
        self.b.get(self.i).copied().ok_or(Verdict::End)
    }
    fn bad(&self) -> Verdict {
        Verdict::At(self.i)
    }
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn document(&mut self) -> Result<(), Verdict> {
        self.ws();
        self.value()?;
        self.ws();
        if self.i < self.b.len() {
            return Err(self.bad());
        }
        Ok(())
    }
    fn value(&mut self) -> Result<(), Verdict> {
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string(),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => Err(self.bad()),
        }
    }
    fn literal(&mut self, lit: &[u8]) -> Result<(), Verdict> {
        for &l in lit {
            if self.peek()? != l {
                return Err(self.bad());
            }
            self.i += 1;
        }
        Ok(())
    }
    fn digits(&mut self) -> Result<(), Verdict> {
        // At least one digit required; more are optional (EOF ends them).
        if !self.peek()?.is_ascii_digit() {
            return Err(self.bad());
        }
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        Ok(())
    }
    fn number(&mut self) -> Result<(), Verdict> {
        if self.peek()? == b'-' {
            self.i += 1;
        }
        if self.peek()? == b'0' {
            self.i += 1;
        } else {
            self.digits()?;
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            self.digits()?;
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek()?, b'+' | b'-') {
                self.i += 1;
            }
            self.digits()?;
        }
        Ok(())
    }
    fn hex(&mut self) -> Result<u32, Verdict> {
        let d = match self.peek()? {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'a'..=b'f' => c - b'a' + 10,
            c @ b'A'..=b'F' => c - b'A' + 10,
            _ => return Err(self.bad()),
        };
        Ok(u32::from(d))
    }
    fn string(&mut self) -> Result<(), Verdict> {
        self.i += 1;
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            self.i += 1;
                            let mut cp = 0;
                            for k in 0..4 {
                                let d = self.hex()?;
                                if k == 1 && cp == 0xD && d >= 0xC {
                                    return Err(self.bad()); // lone low surrogate
                                }
                                cp = cp << 4 | d;
                                self.i += 1;
                            }
                            if (0xD800..0xDC00).contains(&cp) {
                                if self.peek()? != b'\\' {
                                    return Err(self.bad());
                                }
                                self.i += 1;
                                if self.peek()? != b'u' {
                                    return Err(self.bad());
                                }
                                self.i += 1;
                                for k in 0..4 {
                                    let d = self.hex()?;
                                    if (k == 0 && d != 0xD) || (k == 1 && d < 0xC) {
                                        return Err(self.bad());
                                    }
                                    self.i += 1;
                                }
                            }
                        }
                        _ => return Err(self.bad()),
                    }
                }
                0..=0x1f => return Err(self.bad()),
                _ => self.i += 1,
            }
        }
    }
    fn enter(&mut self) -> Result<(), Verdict> {
        if self.depth >= self.max_depth {
            return Err(Verdict::Depth(self.i));
        }
        self.depth += 1;
        self.i += 1;
        Ok(())
    }
    fn array(&mut self) -> Result<(), Verdict> {
        self.enter()?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.ws();
            self.value()?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(self.bad()),
            }
        }
    }
    fn object(&mut self) -> Result<(), Verdict> {
        self.enter()?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return Err(self.bad());
            }
            self.string()?;
            self.ws();
            if self.peek()? != b':' {
                return Err(self.bad());
            }
            self.i += 1;
            self.ws();
            self.value()?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(self.bad()),
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Oracle for partial values: parse a prefix of a valid text from scratch.
// ---------------------------------------------------------------------------------

/// A partial value with completeness flags, as the crate should show it.
#[derive(Clone, Debug, PartialEq)]
pub enum P {
    Null,
    Bool(bool),
    Num(String, bool),
    Str(String, bool),
    Arr(Vec<P>, bool),
    Obj(Vec<(String, P)>, bool),
}

impl P {
    pub fn complete(&self) -> bool {
        match self {
            P::Null | P::Bool(_) => true,
            P::Num(_, c) | P::Str(_, c) | P::Arr(_, c) | P::Obj(_, c) => *c,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }

    fn write(&self, out: &mut String) {
        match self {
            P::Null => out.push_str("null"),
            P::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            P::Num(t, _) => out.push_str(t),
            P::Str(s, _) => compact_str(s, out),
            P::Arr(items, _) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            P::Obj(members, _) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    compact_str(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The complete value of a generated tree.
    pub fn from_j(j: &J) -> P {
        match j {
            J::Null => P::Null,
            J::Bool(b) => P::Bool(*b),
            J::Num(t) => P::Num(t.clone(), true),
            J::Str(s) => P::Str(s.clone(), true),
            J::Arr(items) => P::Arr(items.iter().map(P::from_j).collect(), true),
            J::Obj(m) => P::Obj(
                m.iter().map(|(k, v)| (k.clone(), P::from_j(v))).collect(),
                true,
            ),
        }
    }
}

/// What comes after the prefix given to [`oracle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// Unknown yet (more text may come).
    More,
    /// Nothing: the text ended (after `finish`).
    End,
    /// This byte, which makes the text invalid.
    Bad(u8),
}

/// What `PartialJson` (with `opts`) should show after reading `prefix`, a prefix of a
/// valid JSON text, from scratch.
pub fn oracle(prefix: &str, strings: bool, numbers: bool, follow: Follow) -> Option<P> {
    let mut o = Oracle {
        b: prefix.as_bytes(),
        s: prefix,
        i: 0,
        strings,
        numbers,
        follow,
    };
    o.ws();
    if o.i == o.b.len() {
        return None;
    }
    o.value().filter(|p| o.shown(p))
}

struct Oracle<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
    strings: bool,
    numbers: bool,
    follow: Follow,
}

impl Oracle<'_> {
    fn eof(&self) -> bool {
        self.i >= self.b.len()
    }
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn shown(&self, p: &P) -> bool {
        match p {
            P::Str(_, false) => self.strings,
            P::Num(t, false) => self.numbers && !t.is_empty(),
            _ => true,
        }
    }
    /// A value starting at `self.i` (not at EOF). `None`: an incomplete literal.
    fn value(&mut self) -> Option<P> {
        match self.b[self.i] {
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                loop {
                    self.ws();
                    if self.eof() {
                        return Some(P::Obj(members, false));
                    }
                    match self.b[self.i] {
                        b'}' => {
                            self.i += 1;
                            return Some(P::Obj(members, true));
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let (key, done) = self.string();
                    self.ws();
                    if !done || self.eof() {
                        return Some(P::Obj(members, false));
                    }
                    self.i += 1; // ':'
                    self.ws();
                    if self.eof() {
                        return Some(P::Obj(members, false));
                    }
                    let v = self.value();
                    let complete = v.as_ref().is_some_and(P::complete);
                    if let Some(v) = v.filter(|v| self.shown(v)) {
                        members.push((key, v));
                    }
                    if !complete {
                        return Some(P::Obj(members, false));
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.eof() {
                        return Some(P::Arr(items, false));
                    }
                    match self.b[self.i] {
                        b']' => {
                            self.i += 1;
                            return Some(P::Arr(items, true));
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let v = self.value();
                    let complete = v.as_ref().is_some_and(P::complete);
                    if let Some(v) = v.filter(|v| self.shown(v)) {
                        items.push(v);
                    }
                    if !complete {
                        return Some(P::Arr(items, false));
                    }
                }
            }
            b'"' => {
                let (s, done) = self.string();
                Some(P::Str(s, done))
            }
            b't' | b'f' | b'n' => {
                let (lit, p) = match self.b[self.i] {
                    b't' => ("true", P::Bool(true)),
                    b'f' => ("false", P::Bool(false)),
                    _ => ("null", P::Null),
                };
                if self.b.len() - self.i >= lit.len() {
                    self.i += lit.len();
                    Some(p)
                } else {
                    self.i = self.b.len();
                    None
                }
            }
            _ => {
                let start = self.i;
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    self.i += 1;
                }
                let text = &self.s[start..self.i];
                // A number at the end is complete if the text ended, or if the bad byte
                // after it ended it (rather than failing inside it: `-x`, `1.x`, `01`).
                let ended = match self.follow {
                    Follow::More => false,
                    Follow::End => text.ends_with(|d: char| d.is_ascii_digit()),
                    Follow::Bad(c) => {
                        let zero = text == "0" || text == "-0";
                        text.ends_with(|d: char| d.is_ascii_digit())
                            && !(zero && c.is_ascii_digit())
                    }
                };
                if self.eof() && !ended {
                    let t = text.trim_end_matches(|c: char| !c.is_ascii_digit());
                    Some(P::Num(t.to_owned(), false))
                } else {
                    Some(P::Num(text.to_owned(), true))
                }
            }
        }
    }
    /// A string at `self.i` (the opening quote): its decoded content so far and whether
    /// it is complete. Escapes cut by the end of the prefix are left out.
    fn string(&mut self) -> (String, bool) {
        self.i += 1;
        let mut out = String::new();
        loop {
            if self.eof() {
                return (out, false);
            }
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return (out, true);
                }
                b'\\' => {
                    let Some(&e) = self.b.get(self.i + 1) else {
                        self.i = self.b.len();
                        return (out, false);
                    };
                    let short = match e {
                        b'b' => Some('\u{8}'),
                        b'f' => Some('\u{c}'),
                        b'n' => Some('\n'),
                        b'r' => Some('\r'),
                        b't' => Some('\t'),
                        b'u' => None,
                        other => Some(char::from(other)),
                    };
                    if let Some(c) = short {
                        out.push(c);
                        self.i += 2;
                        continue;
                    }
                    let Some(u1) = self.s.get(self.i + 2..self.i + 6) else {
                        self.i = self.b.len();
                        return (out, false);
                    };
                    let u1 = u32::from_str_radix(u1, 16).unwrap_or(0);
                    if (0xD800..0xDC00).contains(&u1) {
                        let Some(u2) = self.s.get(self.i + 8..self.i + 12) else {
                            self.i = self.b.len();
                            return (out, false);
                        };
                        let u2 = u32::from_str_radix(u2, 16).unwrap_or(0);
                        let cp = 0x10000 + ((u1 - 0xD800) << 10) + (u2 - 0xDC00);
                        out.push(char::from_u32(cp).unwrap_or('?'));
                        self.i += 12;
                    } else {
                        out.push(char::from_u32(u1).unwrap_or('?'));
                        self.i += 6;
                    }
                }
                _ => {
                    let c = self.s[self.i..].chars().next().unwrap_or('?');
                    out.push(c);
                    self.i += c.len_utf8();
                }
            }
        }
    }
}

/// The crate's view, as a `P` (recursive; tests only).
pub fn view(v: Value<'_>) -> P {
    let c = v.is_complete();
    match v.kind() {
        Kind::Null => P::Null,
        Kind::Bool => P::Bool(v.as_bool().unwrap_or_default()),
        Kind::Number => P::Num(
            v.as_number()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            c,
        ),
        Kind::String => P::Str(v.as_str().unwrap_or_default().to_owned(), c),
        Kind::Array => P::Arr(
            v.as_array()
                .map(|a| a.iter().map(view).collect())
                .unwrap_or_default(),
            c,
        ),
        Kind::Object => P::Obj(
            v.as_object()
                .map(|o| o.iter().map(|(k, v)| (k.to_owned(), view(v))).collect())
                .unwrap_or_default(),
            c,
        ),
    }
}

/// Completed-values in post-order (the order events must come in): (path, compact JSON).
pub fn post_order(j: &J) -> Vec<(String, String)> {
    fn walk(j: &J, path: &mut String, out: &mut Vec<(String, String)>) {
        let len = path.len();
        match j {
            J::Arr(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push_str(&format!("[{i}]"));
                    walk(v, path, out);
                    path.truncate(len);
                }
            }
            J::Obj(m) => {
                for (k, v) in m {
                    path.push_str(&segment(k));
                    walk(v, path, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
        out.push((path.clone(), P::from_j(j).to_json()));
    }
    let mut out = Vec::new();
    walk(j, &mut "$".to_owned(), &mut out);
    out
}

/// Path step for a key, as the crate displays it.
pub fn segment(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        format!(".{k}")
    } else {
        let mut s = String::new();
        compact_str(k, &mut s);
        format!("[{s}]")
    }
}

/// A canonical form for comparing with simd-json: members sorted by name, numbers as
/// f64 (and exact integers where they fit).
#[derive(Clone, Debug, PartialEq)]
pub enum Canon {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Arr(Vec<Canon>),
    Obj(Vec<(String, Canon)>),
}

/// Members sorted by name, stably (simd-json keeps repeated names too).
fn canon_obj(mut members: Vec<(String, Canon)>) -> Canon {
    members.sort_by(|a, b| a.0.cmp(&b.0));
    Canon::Obj(members)
}

fn canon_num(text: &str) -> Canon {
    let is_int = !text.contains(['.', 'e', 'E']);
    match text.parse::<i128>() {
        Ok(i) if is_int && (i64::try_from(i).is_ok() || u64::try_from(i).is_ok()) => Canon::Int(i),
        _ => Canon::Float(text.parse().unwrap_or(f64::NAN)),
    }
}

pub fn canon_view(v: Value<'_>) -> Canon {
    match v.kind() {
        Kind::Null => Canon::Null,
        Kind::Bool => Canon::Bool(v.as_bool().unwrap_or_default()),
        Kind::Number => canon_num(v.as_number().map(|n| n.as_str()).unwrap_or("")),
        Kind::String => Canon::Str(v.as_str().unwrap_or_default().to_owned()),
        Kind::Array => Canon::Arr(
            v.as_array()
                .map(|a| a.iter().map(canon_view).collect())
                .unwrap_or_default(),
        ),
        Kind::Object => canon_obj(
            v.as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.to_owned(), canon_view(v)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
    }
}

pub fn canon_simd(v: &simd_json::OwnedValue) -> Canon {
    use simd_json::{OwnedValue as O, StaticNode as S};
    match v {
        O::Static(S::Null) => Canon::Null,
        O::Static(S::Bool(b)) => Canon::Bool(*b),
        O::Static(S::I64(i)) => Canon::Int(i128::from(*i)),
        O::Static(S::U64(u)) => Canon::Int(i128::from(*u)),
        O::Static(S::F64(f)) => Canon::Float(*f),
        O::String(s) => Canon::Str(s.clone()),
        O::Array(items) => Canon::Arr(items.iter().map(canon_simd).collect()),
        O::Object(m) => canon_obj(m.iter().map(|(k, v)| (k.clone(), canon_simd(v))).collect()),
    }
}

/// simd-json's parse of the whole text.
pub fn simd_parse(text: &str) -> Result<simd_json::OwnedValue, simd_json::Error> {
    let mut bytes = text.as_bytes().to_vec();
    simd_json::to_owned_value(&mut bytes)
}

/// Cuts `text` into fragments at char boundaries: sizes drawn from `rng` in one of
/// several regimes (every char, 1-8 bytes, larger pieces, whole).
pub fn cut<'t>(text: &'t str, rng: &mut Xorshift) -> Vec<&'t str> {
    let regime = rng.below(4);
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let want = match regime {
            0 => 1,
            1 => 1 + rng.below(8),
            2 => 1 + rng.below(40),
            _ => text.len(),
        };
        let mut j = (i + want).min(text.len());
        while !text.is_char_boundary(j) {
            j += 1;
        }
        out.push(&text[i..j]);
        // Sometimes an empty fragment too.
        if rng.chance(1, 20) {
            out.push("");
        }
        i = j;
    }
    out
}

/// Feeds all fragments (stopping at the first error) then finishes; returns the reader
/// and its result.
pub fn feed(frags: &[&str], opts: Options) -> (PartialJson, Result<(), chunkwise_json::Error>) {
    let mut p = PartialJson::with_options(opts);
    for f in frags {
        if let Err(e) = p.push(f) {
            return (p, Err(e));
        }
    }
    let r = p.finish();
    (p, r)
}
