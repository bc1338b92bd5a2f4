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
    ApiError, Choice, Chunk, CompletionTokensDetails, Content, Delta, FinishReason, FunctionDelta,
    Logprobs, Payload, PromptTokensDetails, RawJson, RawJsonOf, ToolCallDelta, Usage,
};
pub use crate::scan::{DecodeError, DecodeErrorKind};
use crate::scan::{Result, Scanner, kind_of};

/// Scratch buffers larger than this are released once a smaller event comes, so a
/// decoder that once met a huge event does not keep its memory.
const RETAIN: usize = 64 << 10;

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
        if data.len() >= 6 && data.len() <= 16 && data.trim_matches(is_json_ws) == "[DONE]" {
            return Ok(Payload::Done);
        }
        if self.scratch.len() < data.len() {
            self.scratch.resize(data.len(), 0);
        } else if self.scratch.len() > RETAIN && data.len() <= RETAIN {
            self.scratch = vec![0; data.len()];
        }
        let mut c = Chunk::default();
        let p = &self.prefix;
        let hit = !p.bytes.is_empty() && data.as_bytes().get(..p.bytes.len()) == Some(&p.bytes);
        if hit {
            c.id = p.id.get(data);
            c.object = p.object.get(data);
            c.model = p.model.get(data);
            c.system_fingerprint = p.system_fingerprint.get(data);
            c.service_tier = p.service_tier.get(data);
            c.obfuscation = p.obfuscation.get(data);
            c.created = p.created;
            let mut s = Scanner::resume(data, &mut self.scratch, p.at);
            members(&mut s, &mut c, None)?;
            end(&mut s)?;
            return Ok(Payload::Chunk(c));
        }
        let mut s = Scanner::new(data, &mut self.scratch);
        match s.value_start()? {
            b'{' => s.begin_object()?,
            b => return wrong(&s, "(payload)", "an object or [DONE]", b),
        }
        let mut header = Header::default();
        let at = members(&mut s, &mut c, Some(&mut header))?;
        end(&mut s)?;
        remember(&mut self.prefix, data, &header, at);
        Ok(Payload::Chunk(c))
    }

    /// Bytes of heap held by the scratch buffer.
    pub fn heap_bytes(&self) -> usize {
        self.scratch.capacity() + self.prefix.bytes.capacity()
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
            "obfuscation" => c.obfuscation = opt_str(s, "obfuscation")?,
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
            "refusal" => d.refusal = opt_str(s, "choices[].delta.refusal")?,
            "reasoning_content" => {
                d.reasoning_content = opt_str(s, "choices[].delta.reasoning_content")?
            }
            "reasoning" => d.reasoning = opt_str(s, "choices[].delta.reasoning")?,
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
        b'"' => s.string().map(|t| Some(Content::Text(t))),
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
                    if opt_object(s, "choices[].delta.tool_calls[].function")? {
                        call.function =
                            function(s, "choices[].delta.tool_calls[].function.arguments")?;
                    }
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
                    b'"' => Some(s.string()?),
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
