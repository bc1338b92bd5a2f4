//! The schema-directed chunk decoder.
//!
//! General-purpose JSON decoders pay a fixed cost per document building a tree or
//! matching every member against a generated visitor. This decoder knows the chunk's
//! shape: it walks the text once, reads the members it knows straight into
//! [`Chunk`], borrowing strings from the input, and validates but skips everything
//! else (providers add members all the time: `x_groq`, `content_filter_results`,
//! `provider`, ...).
//!
//! Rules: `null` and an absent member are the same; unknown members at any depth are
//! skipped (and must still be valid JSON); a known member holding a value of another
//! type is a [`DecodeError`]. Two leniencies where providers differ from OpenAI:
//! `delta.content` may be an array of parts ([`Content::Parts`]), and a tool call's
//! `function.arguments` may be a JSON object instead of a string (it is then given as
//! the object's JSON text). In JSON strings every RFC 8259 escape is decoded,
//! surrogate pairs included; a lone surrogate becomes U+FFFD.

use smallvec::SmallVec;

use crate::chunk::{
    ApiError, Choice, Chunk, ChunkOf, CompletionTokensDetails, Content, Delta, FinishReason,
    FunctionDelta, Logprobs, Payload, PromptTokensDetails, RawJson, RawJsonOf, ToolCallDelta,
    Usage,
};
pub use crate::scan::{DecodeError, DecodeErrorKind};
use crate::scan::{MAX_SLOTS, Result, Scanner, SlotString, kind_of};

/// Scratch buffers larger than this are released once a smaller event comes, so a
/// decoder that once met a huge event does not keep its memory.
const RETAIN: usize = 64 << 10;

/// Templates kept at once (a stream of `n = 2` choices alternates two shapes).
const MAX_TEMPLATES: usize = 3;

/// Events longer than this are not made templates.
const MAX_TEMPLATE_LEN: usize = 8 << 10;

/// Most template builds skipped in a row while the templates built go unused.
const MAX_BACKOFF: u32 = 63;

/// Decodes SSE data payloads of a chat-completion stream.
///
/// It owns a scratch buffer for strings with escapes, reused from event to event, so
/// decoding allocates nothing once the buffer has grown to the events' size.
///
/// It also remembers the leading members of the last chunk (`id`, `object`,
/// `created`, `model`, ... up to `choices`): in a typical stream they repeat byte for
/// byte in every event, so when the next event starts with the same bytes their
/// decoded values are reused and decoding resumes where they end. The result is the
/// same as a full decode, because what a JSON decoder reads from a prefix depends on
/// the prefix's bytes alone (the byte after the prefix is compared too, since it is
/// what ends a number).
///
/// Beyond that, it keeps a few recent events as *templates*: in a typical stream
/// whole events repeat byte for byte except for the strings that carry the stream's
/// payload (`content`, `refusal`, `reasoning`/`reasoning_content`, tool-call and
/// function-call `arguments`, `obfuscation`). An event that equals a template outside
/// those strings, and whose strings in those places are valid JSON strings, decodes to
/// the template's chunk with these strings put in: the same result as a full decode,
/// since replacing one valid string token with another changes nothing else a JSON
/// reader sees. Such an event costs a comparison and a scan of its payload strings.
///
/// ```
/// use chunkwise_chat::{Content, Payload, decode::Decoder};
///
/// let mut decoder = Decoder::new();
/// let data = r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"Hi \"there\""},"finish_reason":null}]}"#;
/// {
///     let Ok(Payload::Chunk(chunk)) = decoder.decode(data) else { panic!() };
///     assert_eq!(chunk.id, Some("c1"));
///     assert_eq!(chunk.choices[0].delta.content, Some(Content::Text("Hi \"there\"")));
/// }
/// // The chunk borrowed the decoder's scratch buffer; the next event reuses it.
/// assert_eq!(decoder.decode("[DONE]"), Ok(Payload::Done));
/// ```
#[derive(Debug, Default, Clone)]
pub struct Decoder {
    scratch: Vec<u8>,
    prefix: Prefix,
    templates: Templates,
}

/// Recent events whose shape the next ones may repeat (see [`Decoder`]).
#[derive(Debug, Default, Clone)]
struct Templates {
    list: Vec<Template>,
    /// The template that matched or was built last: tried first.
    last: usize,
    /// Events decoded, to tell which template was used least recently.
    clock: u64,
    /// Template builds still to skip, and the number to skip after the next build
    /// that replaces an unused template.
    skip: u32,
    backoff: u32,
}

#[derive(Debug, Clone)]
struct Template {
    /// The event's data.
    text: String,
    /// Where the payload strings lie in `text`, quotes included, in order.
    slots: SmallVec<[(u32, u32); MAX_SLOTS]>,
    /// The chunk, with each string given by where it comes from.
    shape: ChunkOf<Src>,
    /// `clock` when last built or matched.
    used: u64,
    /// Whether it matched since it was built.
    hit: bool,
}

/// Where a template's string comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Src {
    /// The event's payload string `k`.
    Slot(u8),
    /// The template's text at this range, in the literal text after payload string
    /// `.2 - 1` (`.2 == 0`: before the first), which the event repeats: the string is
    /// taken from the event's own copy, so that every string borrows the event's data.
    Text(u32, u32, u8),
}

impl Templates {
    /// The template `data` repeats, with where its payload strings lie, if any.
    fn find(&self, data: &str) -> Option<(usize, [Found; MAX_SLOTS])> {
        // Positions are kept as `u32`.
        if data.len() > u32::MAX as usize {
            return None;
        }
        let n = self.list.len();
        (0..n)
            .map(|i| (self.last + i) % n)
            .find_map(|i| Some((i, self.list[i].positions(data)?)))
    }

    /// Template `i` matched.
    fn touch(&mut self, i: usize) {
        let t = &mut self.list[i];
        (t.used, t.hit) = (self.clock, true);
        (self.last, self.backoff) = (i, 0);
    }

    /// Whether to build a template from an event of `len` bytes that matched none.
    fn wants(&mut self, len: usize) -> bool {
        if len > MAX_TEMPLATE_LEN {
            return false;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        true
    }

    /// Makes a template of the chunk `c` just decoded from `data`, whose payload strings
    /// are `slots`. Nothing if some other string of `c` is not a slice of `data` (it
    /// was decoded from escapes).
    fn build(&mut self, data: &str, slots: &[SlotString], c: &Chunk<'_>) {
        let base = data.as_ptr() as usize;
        let mut whole = true;
        let shape = c.map(&mut |s: &&str| {
            let value = (s.as_ptr() as usize, s.len());
            if let Some(k) = slots.iter().position(|slot| slot.value == value) {
                return Src::Slot(k as u8);
            }
            let (start, end) = match value.0.checked_sub(base) {
                Some(at) if at + value.1 <= data.len() => (at as u32, (at + value.1) as u32),
                _ => {
                    whole = false;
                    return Src::Text(0, 0, 0);
                }
            };
            // No such string overlaps a payload string (none contains one), but a
            // template must never rest on that.
            if slots.iter().any(|s| s.json.0 < end && start < s.json.1) {
                whole = false;
            }
            let after = slots.iter().take_while(|s| s.json.1 <= start).count();
            Src::Text(start, end, after as u8)
        });
        if !whole {
            return;
        }
        let slots = slots.iter().map(|s| s.json).collect();
        let i = if self.list.len() < MAX_TEMPLATES {
            self.list.push(Template {
                text: String::new(),
                slots,
                shape,
                used: 0,
                hit: false,
            });
            self.list.len() - 1
        } else {
            let (i, old) = (self.list.iter_mut().enumerate())
                .min_by_key(|(_, t)| t.used)
                .expect("MAX_TEMPLATES > 0");
            if !old.hit {
                // Templates go unused: this stream's events differ in more than their
                // payload strings. Build less and less often.
                self.backoff = (self.backoff * 2 + 1).min(MAX_BACKOFF);
                self.skip = self.backoff;
            }
            old.slots = slots;
            old.shape = shape;
            old.hit = false;
            i
        };
        let t = &mut self.list[i];
        t.text.clear();
        t.text.push_str(data);
        t.used = self.clock;
        self.last = i;
    }

    /// Heap bytes held.
    fn heap_bytes(&self) -> usize {
        self.list.capacity() * size_of::<Template>()
            + self.list.iter().map(|t| t.text.capacity()).sum::<usize>()
    }
}

/// Where a payload string lies in the data (quotes included), and whether it has
/// escapes.
#[derive(Clone, Copy, Default)]
struct Found {
    start: u32,
    end: u32,
    escaped: bool,
}

impl Template {
    /// Where the payload strings of `data` lie, if `data` repeats this template: equal
    /// outside them, valid JSON strings in them.
    #[inline]
    fn positions(&self, data: &str) -> Option<[Found; MAX_SLOTS]> {
        let text = self.text.as_bytes();
        let bytes = data.as_bytes();
        let mut found = [Found::default(); MAX_SLOTS];
        let (mut at, mut from) = (0, 0);
        let mut s = Scanner::resume(data, &mut [], 0);
        for (k, &(start, end)) in self.slots.iter().enumerate() {
            let same = text.get(from..start as usize)?;
            if bytes.get(at..at + same.len())? != same {
                return None;
            }
            at += same.len();
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            s.pos = at;
            let escaped = s.skip_string_escaped().ok()?;
            found[k] = Found {
                start: at as u32,
                end: s.pos as u32,
                escaped,
            };
            at = s.pos;
            from = end as usize;
        }
        (bytes.get(at..)? == text.get(from..)?).then_some(found)
    }

    /// The chunk of `data`, whose payload strings are `found`
    /// ([`positions`](Template::positions)).
    #[inline(always)]
    fn fill<'a>(&'a self, data: &'a str, scratch: &'a mut [u8], found: &[Found]) -> Chunk<'a> {
        let mut values = [""; MAX_SLOTS];
        let mut s = Scanner::resume(data, scratch, 0);
        for (value, f) in values.iter_mut().zip(&found[..self.slots.len()]) {
            *value = if f.escaped {
                s.pos = f.start as usize;
                // Validated by `positions`: cannot fail.
                s.string().unwrap_or_default()
            } else {
                data.get(f.start as usize + 1..f.end as usize - 1)
                    .unwrap_or_default()
            };
        }
        // Where each literal text starts in `data` minus where it starts in the template.
        let mut shift = [0isize; MAX_SLOTS + 1];
        for (k, (f, slot)) in found.iter().zip(&self.slots).enumerate() {
            shift[k + 1] = f.end as isize - slot.1 as isize;
        }
        self.shape.map(&mut |src: &Src| match *src {
            Src::Slot(k) => values[k as usize],
            Src::Text(start, end, after) => {
                let d = shift[after as usize];
                let range = (start as isize + d) as usize..(end as isize + d) as usize;
                data.get(range).unwrap_or("")
            }
        })
    }
}

/// The leading members of the last chunk, as byte ranges of its data.
#[derive(Debug, Default, Clone)]
struct Prefix {
    /// The data's first `at + 1` bytes (empty: no prefix remembered).
    bytes: Vec<u8>,
    /// Where the members end: decoding resumes here, inside the top-level object.
    at: usize,
    id: Span,
    object: Span,
    model: Span,
    system_fingerprint: Span,
    service_tier: Span,
    obfuscation: Span,
    created: Option<u64>,
}

/// An optional string as a range of the data.
#[derive(Debug, Default, Clone, Copy)]
struct Span(Option<(u32, u32)>);

impl Span {
    /// The range of `s` in `data`, if it lies there.
    fn of(s: Option<&str>, data: &str) -> Option<Span> {
        let Some(s) = s else {
            return Some(Span(None));
        };
        let start = (s.as_ptr() as usize).checked_sub(data.as_ptr() as usize)?;
        let end = start + s.len();
        (end <= data.len()).then_some(Span(Some((start as u32, end as u32))))
    }

    fn get(self, data: &str) -> Option<&str> {
        self.0
            .and_then(|(start, end)| data.get(start as usize..end as usize))
    }
}

impl Decoder {
    /// A new decoder.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes one event's data: `[DONE]` (surrounding whitespace allowed), or a JSON
    /// object read as a chunk.
    pub fn decode<'a>(
        &'a mut self,
        data: &'a str,
    ) -> std::result::Result<Payload<'a>, DecodeError> {
        // A chunk starts with `{`: only other data can be `[DONE]`.
        if data.as_bytes().first() != Some(&b'{') && data.trim_matches(is_json_ws) == "[DONE]" {
            return Ok(Payload::Done);
        }
        if self.scratch.len() < data.len() {
            self.scratch.resize(data.len(), 0);
        } else if self.scratch.len() > RETAIN && data.len() <= RETAIN {
            self.scratch = vec![0; data.len()];
        }
        self.templates.clock += 1;
        if let Some((i, found)) = self.templates.find(data) {
            self.templates.touch(i);
            let template = &self.templates.list[i];
            return Ok(Payload::Chunk(template.fill(
                data,
                &mut self.scratch,
                &found,
            )));
        }
        let build = self.templates.wants(data.len());
        let mut c = Chunk::default();
        let p = &self.prefix;
        let hit = !p.bytes.is_empty() && data.as_bytes().get(..p.bytes.len()) == Some(&p.bytes);
        let mut s;
        if hit {
            c.id = p.id.get(data);
            c.object = p.object.get(data);
            c.model = p.model.get(data);
            c.system_fingerprint = p.system_fingerprint.get(data);
            c.service_tier = p.service_tier.get(data);
            c.obfuscation = p.obfuscation.get(data);
            c.created = p.created;
            s = Scanner::resume(data, &mut self.scratch, p.at);
            if build {
                s.record_slots();
            }
            members(&mut s, &mut c, None)?;
            end(&mut s)?;
        } else {
            s = Scanner::new(data, &mut self.scratch);
            if build {
                s.record_slots();
            }
            match s.value_start()? {
                b'{' => s.begin_object()?,
                b => return wrong(&s, "(payload)", "an object or [DONE]", b),
            }
            let mut header = Header::default();
            let at = members(&mut s, &mut c, Some(&mut header))?;
            end(&mut s)?;
            remember(&mut self.prefix, data, &header, at);
        }
        if let Some(slots) = &s.slots {
            self.templates.build(data, slots, &c);
        }
        Ok(Payload::Chunk(c))
    }

    /// Bytes of heap held by the scratch buffer.
    pub fn heap_bytes(&self) -> usize {
        self.scratch.capacity() + self.prefix.bytes.capacity() + self.templates.heap_bytes()
    }
}

/// Only whitespace may follow the chunk.
fn end(s: &mut Scanner<'_>) -> Result<()> {
    s.skip_ws();
    if s.at_end() {
        Ok(())
    } else {
        s.syntax("the end of the data")
    }
}

/// The chunk members a [`Prefix`] can hold.
#[derive(Clone, Copy, Default)]
struct Header<'a> {
    id: Option<&'a str>,
    object: Option<&'a str>,
    created: Option<u64>,
    model: Option<&'a str>,
    system_fingerprint: Option<&'a str>,
    service_tier: Option<&'a str>,
    obfuscation: Option<&'a str>,
}

impl<'a> Header<'a> {
    fn of(c: &Chunk<'a>) -> Header<'a> {
        Header {
            id: c.id,
            object: c.object,
            created: c.created,
            model: c.model,
            system_fingerprint: c.system_fingerprint,
            service_tier: c.service_tier,
            obfuscation: c.obfuscation,
        }
    }
}

/// Remembers the leading members `c` of the chunk just decoded from `data`, which end
/// at `at` (0: none can be remembered).
fn remember(p: &mut Prefix, data: &str, c: &Header<'_>, at: usize) {
    let spans = (|| {
        Some([
            Span::of(c.id, data)?,
            Span::of(c.object, data)?,
            Span::of(c.model, data)?,
            Span::of(c.system_fingerprint, data)?,
            Span::of(c.service_tier, data)?,
            Span::of(c.obfuscation, data)?,
        ])
    })();
    p.bytes.clear();
    // `at + 1`: the byte that ended the last member is part of what must match.
    let (Some(spans), Some(bytes)) = (spans, data.as_bytes().get(..at + 1)) else {
        return;
    };
    if at == 0 {
        return;
    }
    p.bytes.extend_from_slice(bytes);
    p.at = at;
    [
        p.id,
        p.object,
        p.model,
        p.system_fingerprint,
        p.service_tier,
        p.obfuscation,
    ] = spans;
    p.created = c.created;
}

fn is_json_ws(c: char) -> bool {
    matches!(c, ' ' | '\n' | '\r' | '\t')
}

/// The error for a known member whose value starts with byte `b` of the wrong type.
#[cold]
fn wrong<T>(s: &Scanner<'_>, field: &'static str, expected: &'static str, b: u8) -> Result<T> {
    match b {
        b'"' | b'{' | b'[' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9' => {
            s.err(DecodeErrorKind::WrongType {
                field,
                expected,
                found: kind_of(b),
            })
        }
        _ => s.syntax("a JSON value"),
    }
}

#[inline(always)]
fn opt_str<'a>(s: &mut Scanner<'a>, field: &'static str) -> Result<Option<&'a str>> {
    match s.value_start()? {
        b'"' => s.string().map(Some),
        b'n' => s.literal(b"null").map(|()| None),
        b => wrong(s, field, "a string or null", b),
    }
}

/// [`opt_str`] for a string that varies from chunk to chunk (see [`Template`]).
#[inline(always)]
fn opt_slot<'a>(s: &mut Scanner<'a>, field: &'static str) -> Result<Option<&'a str>> {
    match s.value_start()? {
        b'"' => s.slot().map(Some),
        b'n' => s.literal(b"null").map(|()| None),
        b => wrong(s, field, "a string or null", b),
    }
}

#[inline(always)]
fn opt_u64(s: &mut Scanner<'_>, field: &'static str) -> Result<Option<u64>> {
    match s.value_start()? {
        b'0'..=b'9' | b'-' => {
            let start = s.pos;
            match s.number()? {
                Some(Ok(n)) => Ok(Some(n)),
                Some(Err(())) => {
                    s.pos = start;
                    s.err(DecodeErrorKind::OutOfRange { field })
                }
                None => {
                    s.pos = start;
                    s.err(DecodeErrorKind::WrongType {
                        field,
                        expected: "a non-negative integer or null",
                        found: "a number with a sign, fraction or exponent",
                    })
                }
            }
        }
        b'n' => s.literal(b"null").map(|()| None),
        b => wrong(s, field, "a non-negative integer or null", b),
    }
}

#[inline(always)]
fn opt_u32(s: &mut Scanner<'_>, field: &'static str) -> Result<Option<u32>> {
    let start = s.pos;
    match opt_u64(s, field)? {
        Some(n) => match u32::try_from(n) {
            Ok(n) => Ok(Some(n)),
            Err(_) => {
                s.pos = start;
                s.skip_ws();
                s.err(DecodeErrorKind::OutOfRange { field })
            }
        },
        None => Ok(None),
    }
}

/// If the next value is an object, consumes its `{` and returns true; if `null`,
/// consumes it and returns false; else a wrong-type error.
#[inline(always)]
fn opt_object(s: &mut Scanner<'_>, field: &'static str) -> Result<bool> {
    match s.value_start()? {
        b'{' => s.begin_object().map(|()| true),
        b'n' => s.literal(b"null").map(|()| false),
        b => wrong(s, field, "an object or null", b),
    }
}

/// Like [`opt_object`] for arrays.
#[inline(always)]
fn opt_array(s: &mut Scanner<'_>, field: &'static str) -> Result<bool> {
    match s.value_start()? {
        b'[' => s.begin_array().map(|()| true),
        b'n' => s.literal(b"null").map(|()| false),
        b => wrong(s, field, "an array or null", b),
    }
}

/// An array's raw text, or `None` for `null`.
fn opt_raw_array<'a>(s: &mut Scanner<'a>, field: &'static str) -> Result<Option<RawJson<'a>>> {
    match s.value_start()? {
        b'[' => s.raw_value().map(|raw| Some(RawJsonOf(raw))),
        b'n' => s.literal(b"null").map(|()| None),
        b => wrong(s, field, "an array or null", b),
    }
}

/// Reads the top-level object's members into `c`. With `header`, the object's `{` was
/// just consumed: the leading members a [`Prefix`] can hold (those before the first
/// `choices`, `usage` or `error`, whose strings were borrowed from the data) are
/// copied to `header`, and where they end is returned (0 if there are none). Without,
/// the scanner resumes after a member.
fn members<'a>(
    s: &mut Scanner<'a>,
    c: &mut Chunk<'a>,
    mut header: Option<&mut Header<'a>>,
) -> Result<usize> {
    let mut prefix_end = 0;
    let mut first = header.is_some();
    while let Some(key) = s.next_key(&mut first)? {
        let escaped = s.escaped;
        if let Some(h) = header.as_deref_mut() {
            *h = Header::of(c);
        }
        match key {
            "id" => c.id = opt_str(s, "id")?,
            "object" => c.object = opt_str(s, "object")?,
            "created" => c.created = opt_u64(s, "created")?,
            "model" => c.model = opt_str(s, "model")?,
            "system_fingerprint" => c.system_fingerprint = opt_str(s, "system_fingerprint")?,
            "service_tier" => c.service_tier = opt_str(s, "service_tier")?,
            "obfuscation" => c.obfuscation = opt_slot(s, "obfuscation")?,
            "choices" => {
                header = None;
                choices(s, &mut c.choices)?
            }
            "usage" => {
                header = None;
                c.usage = usage(s)?
            }
            "error" => {
                header = None;
                c.error = error(s)?
            }
            _ => s.skip_value()?,
        }
        if header.is_some() {
            if s.escaped != escaped {
                header = None;
            } else {
                prefix_end = s.pos;
            }
        }
    }
    if let Some(h) = header {
        *h = Header::of(c);
    }
    Ok(prefix_end)
}

fn choices<'a>(s: &mut Scanner<'a>, out: &mut SmallVec<[Choice<'a>; 1]>) -> Result<()> {
    out.clear();
    if !opt_array(s, "choices")? {
        return Ok(());
    }
    let mut first = true;
    while s.next_element(&mut first)? {
        out.push(Choice::default());
        if let Some(c) = out.last_mut() {
            choice(s, c)?;
        }
    }
    Ok(())
}

fn choice<'a>(s: &mut Scanner<'a>, c: &mut Choice<'a>) -> Result<()> {
    match s.value_start()? {
        b'{' => s.begin_object()?,
        b => return wrong(s, "choices[]", "an object", b),
    }
    let mut first = true;
    let mut seen_delta = false;
    while let Some(key) = s.next_key(&mut first)? {
        match key {
            "index" => c.index = opt_u32(s, "choices[].index")?.unwrap_or(0),
            "delta" => {
                // A repeated member replaces the first, as in any JSON reader.
                if std::mem::replace(&mut seen_delta, true) {
                    c.delta = Delta::default();
                }
                delta(s, &mut c.delta)?
            }
            "logprobs" => c.logprobs = logprobs(s)?,
            "finish_reason" => {
                c.finish_reason =
                    opt_str(s, "choices[].finish_reason")?.map(FinishReason::from_wire)
            }
            _ => s.skip_value()?,
        }
    }
    Ok(())
}

/// Reads `delta` into `d`, which is empty.
fn delta<'a>(s: &mut Scanner<'a>, d: &mut Delta<'a>) -> Result<()> {
    if !opt_object(s, "choices[].delta")? {
        return Ok(());
    }
    let mut first = true;
    while let Some(key) = s.next_key(&mut first)? {
        match key {
            "content" => d.content = content(s)?,
            "role" => d.role = opt_str(s, "choices[].delta.role")?,
            "refusal" => d.refusal = opt_slot(s, "choices[].delta.refusal")?,
            "reasoning_content" => {
                d.reasoning_content = opt_slot(s, "choices[].delta.reasoning_content")?
            }
            "reasoning" => d.reasoning = opt_slot(s, "choices[].delta.reasoning")?,
            "tool_calls" => tool_calls(s, &mut d.tool_calls)?,
            "function_call" => {
                d.function_call = if opt_object(s, "choices[].delta.function_call")? {
                    Some(function(s, "choices[].delta.function_call.arguments")?)
                } else {
                    None
                }
            }
            _ => s.skip_value()?,
        }
    }
    Ok(())
}

fn content<'a>(s: &mut Scanner<'a>) -> Result<Option<Content<'a>>> {
    match s.value_start()? {
        b'"' => s.slot().map(|t| Some(Content::Text(t))),
        b'[' => s
            .raw_value()
            .map(|raw| Some(Content::Parts(RawJsonOf(raw)))),
        b'n' => s.literal(b"null").map(|()| None),
        b => wrong(
            s,
            "choices[].delta.content",
            "a string, an array or null",
            b,
        ),
    }
}

fn tool_calls<'a>(s: &mut Scanner<'a>, out: &mut SmallVec<[ToolCallDelta<'a>; 1]>) -> Result<()> {
    out.clear();
    if !opt_array(s, "choices[].delta.tool_calls")? {
        return Ok(());
    }
    let mut first = true;
    while s.next_element(&mut first)? {
        match s.value_start()? {
            b'{' => s.begin_object()?,
            b => return wrong(s, "choices[].delta.tool_calls[]", "an object", b),
        }
        out.push(ToolCallDelta::default());
        let Some(call) = out.last_mut() else {
            break;
        };
        let mut first_member = true;
        while let Some(key) = s.next_key(&mut first_member)? {
            match key {
                "index" => call.index = opt_u32(s, "choices[].delta.tool_calls[].index")?,
                "id" => call.id = opt_str(s, "choices[].delta.tool_calls[].id")?,
                "type" => call.kind = opt_str(s, "choices[].delta.tool_calls[].type")?,
                "function" => {
                    // A repeated member replaces the first, even with `null`.
                    call.function = if opt_object(s, "choices[].delta.tool_calls[].function")? {
                        function(s, "choices[].delta.tool_calls[].function.arguments")?
                    } else {
                        FunctionDelta::default()
                    };
                }
                _ => s.skip_value()?,
            }
        }
    }
    Ok(())
}

/// The members of a `function` object whose `{` was consumed.
fn function<'a>(s: &mut Scanner<'a>, arguments_field: &'static str) -> Result<FunctionDelta<'a>> {
    let mut f = FunctionDelta::default();
    let mut first = true;
    while let Some(key) = s.next_key(&mut first)? {
        match key {
            "name" => f.name = opt_str(s, "function.name")?,
            "arguments" => {
                f.arguments = match s.value_start()? {
                    b'"' => Some(s.slot()?),
                    // Some servers send the arguments as an object: its text is
                    // the JSON the caller would have parsed.
                    b'{' => Some(s.raw_value()?),
                    b'n' => s.literal(b"null").map(|()| None)?,
                    b => return wrong(s, arguments_field, "a string, an object or null", b),
                }
            }
            _ => s.skip_value()?,
        }
    }
    Ok(f)
}

fn logprobs<'a>(s: &mut Scanner<'a>) -> Result<Option<Logprobs<'a>>> {
    s.skip_ws();
    let start = s.pos;
    if !opt_object(s, "choices[].logprobs")? {
        return Ok(None);
    }
    let mut l = Logprobs::default();
    let mut first = true;
    while let Some(key) = s.next_key(&mut first)? {
        match key {
            "content" => l.content = opt_raw_array(s, "choices[].logprobs.content")?,
            "refusal" => l.refusal = opt_raw_array(s, "choices[].logprobs.refusal")?,
            _ => s.skip_value()?,
        }
    }
    l.raw = RawJsonOf(s.text_between(start, s.pos));
    Ok(Some(l))
}

fn usage<'a>(s: &mut Scanner<'a>) -> Result<Option<Usage<'a>>> {
    s.skip_ws();
    let start = s.pos;
    if !opt_object(s, "usage")? {
        return Ok(None);
    }
    let mut u = Usage::default();
    let mut first = true;
    while let Some(key) = s.next_key(&mut first)? {
        match key {
            "prompt_tokens" => u.prompt_tokens = opt_u64(s, "usage.prompt_tokens")?,
            "completion_tokens" => u.completion_tokens = opt_u64(s, "usage.completion_tokens")?,
            "total_tokens" => u.total_tokens = opt_u64(s, "usage.total_tokens")?,
            "prompt_tokens_details" => {
                u.prompt_tokens_details = if opt_object(s, "usage.prompt_tokens_details")? {
                    let mut d = PromptTokensDetails::default();
                    let mut first = true;
                    while let Some(key) = s.next_key(&mut first)? {
                        match key {
                            "cached_tokens" => {
                                d.cached_tokens =
                                    opt_u64(s, "usage.prompt_tokens_details.cached_tokens")?
                            }
                            "audio_tokens" => {
                                d.audio_tokens =
                                    opt_u64(s, "usage.prompt_tokens_details.audio_tokens")?
                            }
                            _ => s.skip_value()?,
                        }
                    }
                    Some(d)
                } else {
                    None
                }
            }
            "completion_tokens_details" => {
                u.completion_tokens_details = if opt_object(s, "usage.completion_tokens_details")? {
                    let mut d = CompletionTokensDetails::default();
                    let mut first = true;
                    while let Some(key) = s.next_key(&mut first)? {
                        const F: &str = "usage.completion_tokens_details";
                        match key {
                            "reasoning_tokens" => {
                                d.reasoning_tokens = opt_u64(s, F)?;
                            }
                            "audio_tokens" => d.audio_tokens = opt_u64(s, F)?,
                            "accepted_prediction_tokens" => {
                                d.accepted_prediction_tokens = opt_u64(s, F)?;
                            }
                            "rejected_prediction_tokens" => {
                                d.rejected_prediction_tokens = opt_u64(s, F)?;
                            }
                            _ => s.skip_value()?,
                        }
                    }
                    Some(d)
                } else {
                    None
                }
            }
            _ => s.skip_value()?,
        }
    }
    u.raw = RawJsonOf(s.text_between(start, s.pos));
    Ok(Some(u))
}

fn error<'a>(s: &mut Scanner<'a>) -> Result<Option<ApiError<'a>>> {
    s.skip_ws();
    let start = s.pos;
    match s.value_start()? {
        b'{' => s.begin_object()?,
        b'n' => return s.literal(b"null").map(|()| None),
        // Some providers send a bare message: `{"error": "rate limited"}`.
        b'"' => {
            let message = s.string()?;
            return Ok(Some(ApiError {
                message: Some(message),
                raw: RawJsonOf(s.text_between(start, s.pos)),
                ..ApiError::default()
            }));
        }
        b => return wrong(s, "error", "an object, a string or null", b),
    }
    let mut e = ApiError::default();
    let mut first = true;
    while let Some(key) = s.next_key(&mut first)? {
        match key {
            "message" => e.message = opt_str(s, "error.message")?,
            "type" => e.kind = opt_str(s, "error.type")?,
            "param" => e.param = opt_str(s, "error.param")?,
            "code" => {
                e.code = if s.null()? {
                    None
                } else {
                    Some(RawJsonOf(s.raw_value()?))
                }
            }
            _ => s.skip_value()?,
        }
    }
    e.raw = RawJsonOf(s.text_between(start, s.pos));
    Ok(Some(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(d: &Decoder) -> usize {
        d.templates.list.iter().filter(|t| t.hit).count()
    }

    #[test]
    fn a_typical_stream_decodes_from_templates() {
        let events = [
            r#"{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":"Hel"}}],"obfuscation":"ab"}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":"lo \"x\""}}],"obfuscation":"a"}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":"!"}}],"obfuscation":"abc"}"#,
        ];
        let mut d = Decoder::new();
        let mut contents = Vec::new();
        for e in events {
            let Ok(Payload::Chunk(c)) = d.decode(e) else {
                panic!("{e}")
            };
            contents.push(format!("{:?}", c.choices[0].delta.content));
            // Every string borrows the event (templated ones too), none the template.
            let inside = |s: &str| e.as_bytes().as_ptr_range().contains(&s.as_ptr());
            assert!(inside(c.id.unwrap()), "{e}");
            if let Some(o) = c.obfuscation {
                assert!(inside(o), "{e}");
            }
        }
        assert_eq!(
            contents,
            [
                r#"Some(Text(""))"#,
                r#"Some(Text("Hel"))"#,
                r#"Some(Text("lo \"x\""))"#,
                r#"Some(Text("!"))"#
            ]
        );
        assert_eq!(d.templates.list.len(), 2, "one per shape");
        assert_eq!(hits(&d), 1, "the content shape matched twice");
    }

    #[test]
    fn unused_templates_back_off() {
        let mut d = Decoder::new();
        // `created` changes in every event: no event repeats another's shape.
        for i in 0..1000 {
            let e = format!(r#"{{"created":{i},"choices":[{{"delta":{{"content":"x"}}}}]}}"#);
            assert!(d.decode(&e).is_ok());
        }
        assert_eq!(hits(&d), 0);
        assert!(
            d.templates.backoff == MAX_BACKOFF,
            "{}",
            d.templates.backoff
        );
        // A stream that repeats itself again gets templates soon.
        for _ in 0..2 * MAX_BACKOFF as usize + 4 {
            let _ = d.decode(r#"{"choices":[{"delta":{"content":"y"}}]}"#);
        }
        assert_eq!(hits(&d), 1);
        assert_eq!(d.templates.backoff, 0);
    }
}
