//! A reference reader of `chat.completion.chunk` payloads, built on `serde_json`, to
//! check chunkwise-chat's schema-directed decoder against an independent JSON parser.
//!
//! [`reference`] parses the payload with serde_json into a [`Json`] tree that keeps
//! every member of an object in order (repeated names included), then reads the
//! chunk's known members from the tree by the rules chunkwise-chat documents:
//!
//! - `null` and an absent member are the same; unknown members are ignored (serde_json
//!   has already checked that they are valid JSON).
//! - A known member holding a value of another type makes the payload invalid; so does
//!   an integer field holding a negative number, a fraction, an exponent or an integer
//!   too large for it (`u64`, or `u32` for `index`).
//! - A repeated member: every occurrence must be valid, the last one wins (a repeated
//!   `delta` or tool-call `function` that is `null` resets the earlier one).
//! - `delta.content` may be a string or an array of parts; a tool call's
//!   `function.arguments` may be a string or an object; `error` may be an object or a
//!   string (the message).
//! - `[DONE]` with surrounding JSON whitespace is the end marker.
//!
//! The documented divergences of the decoder from serde_json are applied before
//! parsing or reported as [`Verdict::Unsure`]:
//!
//! - A `\u` escape of a lone surrogate decodes to U+FFFD in the decoder, while
//!   serde_json rejects it: [`parse`] first rewrites each lone-surrogate escape as
//!   `\uFFFD` (same length, so offsets are unchanged).
//! - serde_json rejects numbers beyond `f64` (`1e400`), which are valid JSON: such a
//!   payload is [`Verdict::Unsure`].
//!
//! Raw JSON fields (`usage`, `error`, `error.code`, `logprobs`, content parts,
//! object arguments) are compared as parsed trees, not as text.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value that keeps every object member in order, repeated names included.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer without sign, fraction or exponent that fits `u64`.
    Uint(u64),
    /// A negative integer that fits `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object's members in document order.
    Obj(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Uint(n))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Int(n))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(Json::Float(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            members.push((k, v));
        }
        Ok(Json::Obj(members))
    }
}

/// `text` with every `\u` escape of a lone surrogate replaced by `\uFFFD`. Lexical:
/// strings are found by their quotes, escapes by their backslash; text that is not
/// valid JSON anyway may be rewritten arbitrarily (it stays invalid).
pub fn fix_lone_surrogates(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let h = b.get(at..at + 4)?;
        let s = std::str::from_utf8(h).ok()?;
        if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(s, 16).ok()
    };
    let mut out: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        match (in_string, b[i]) {
            (false, b'"') => in_string = true,
            (true, b'"') => in_string = false,
            (true, b'\\') => {
                if b.get(i + 1) == Some(&b'u')
                    && let Some(unit) = hex4(i + 2)
                {
                    let paired = (0xD800..=0xDBFF).contains(&unit)
                        && b.get(i + 6..i + 8) == Some(b"\\u")
                        && hex4(i + 8).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
                    if paired {
                        i += 12;
                        continue;
                    }
                    if (0xD800..=0xDFFF).contains(&unit) {
                        let o = out.get_or_insert_with(|| b.to_vec());
                        o[i + 2..i + 6].copy_from_slice(b"FFFD");
                    }
                    i += 6;
                    continue;
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    match out {
        // Only ASCII hex digits were replaced by ASCII.
        Some(o) => Cow::Owned(String::from_utf8(o).unwrap_or_default()),
        None => Cow::Borrowed(text),
    }
}

/// Parses one JSON text (surrounding whitespace allowed), lone surrogates read as
/// U+FFFD.
pub fn parse(text: &str) -> Result<Json, serde_json::Error> {
    serde_json::from_str(&fix_lone_surrogates(text))
}

/// `function.arguments` as received.
#[derive(Clone, Debug, PartialEq)]
pub enum RefArguments {
    /// A JSON string's value.
    Text(String),
    /// A JSON object (the decoder gives its text, compared here as a tree).
    Object(Json),
}

/// `delta.content`.
#[derive(Clone, Debug, PartialEq)]
pub enum RefContent {
    /// A string.
    Text(String),
    /// An array of parts.
    Parts(Json),
}

/// A tool call's `function` or the legacy `function_call`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefFunction {
    /// `name`.
    pub name: Option<String>,
    /// `arguments`.
    pub arguments: Option<RefArguments>,
}

/// One entry of `delta.tool_calls`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefToolCall {
    /// `index`.
    pub index: Option<u32>,
    /// `id`.
    pub id: Option<String>,
    /// `type`.
    pub kind: Option<String>,
    /// `function`.
    pub function: RefFunction,
}

/// `choices[].delta`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefDelta {
    /// `role`.
    pub role: Option<String>,
    /// `content`.
    pub content: Option<RefContent>,
    /// `refusal`.
    pub refusal: Option<String>,
    /// `reasoning_content`.
    pub reasoning_content: Option<String>,
    /// `reasoning`.
    pub reasoning: Option<String>,
    /// `tool_calls`.
    pub tool_calls: Vec<RefToolCall>,
    /// `function_call`.
    pub function_call: Option<RefFunction>,
}

/// `choices[].logprobs`.
#[derive(Clone, Debug, PartialEq)]
pub struct RefLogprobs {
    /// `content` (an array).
    pub content: Option<Json>,
    /// `refusal` (an array).
    pub refusal: Option<Json>,
    /// The whole object.
    pub raw: Json,
}

/// One entry of `choices`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefChoice {
    /// `index` (0 when absent).
    pub index: u32,
    /// `delta`.
    pub delta: RefDelta,
    /// `logprobs`.
    pub logprobs: Option<RefLogprobs>,
    /// `finish_reason`, as received.
    pub finish_reason: Option<String>,
}

/// `usage`.
#[derive(Clone, Debug, PartialEq)]
pub struct RefUsage {
    /// `prompt_tokens`.
    pub prompt_tokens: Option<u64>,
    /// `completion_tokens`.
    pub completion_tokens: Option<u64>,
    /// `total_tokens`.
    pub total_tokens: Option<u64>,
    /// `prompt_tokens_details`: `cached_tokens`, `audio_tokens`.
    pub prompt_tokens_details: Option<[Option<u64>; 2]>,
    /// `completion_tokens_details`: `reasoning_tokens`, `audio_tokens`,
    /// `accepted_prediction_tokens`, `rejected_prediction_tokens`.
    pub completion_tokens_details: Option<[Option<u64>; 4]>,
    /// The whole object.
    pub raw: Json,
}

/// `error`.
#[derive(Clone, Debug, PartialEq)]
pub struct RefError {
    /// `message` (or the string, when `error` is a string).
    pub message: Option<String>,
    /// `type`.
    pub kind: Option<String>,
    /// `code`, any JSON value but `null`.
    pub code: Option<Json>,
    /// `param`.
    pub param: Option<String>,
    /// The whole `error` value.
    pub raw: Json,
}

/// One chunk as the reference reads it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefChunk {
    /// `id`.
    pub id: Option<String>,
    /// `object`.
    pub object: Option<String>,
    /// `created`.
    pub created: Option<u64>,
    /// `model`.
    pub model: Option<String>,
    /// `system_fingerprint`.
    pub system_fingerprint: Option<String>,
    /// `service_tier`.
    pub service_tier: Option<String>,
    /// `obfuscation`.
    pub obfuscation: Option<String>,
    /// `choices`.
    pub choices: Vec<RefChoice>,
    /// `usage`.
    pub usage: Option<RefUsage>,
    /// `error`.
    pub error: Option<RefError>,
}

/// What the reference makes of one data payload.
#[allow(clippy::large_enum_variant)] // one per payload
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The `[DONE]` marker.
    Done,
    /// A chunk.
    Chunk(RefChunk),
    /// Not a chunk: invalid JSON, not an object, or a known member of the wrong type.
    Rejected(String),
    /// serde_json rejects it for a reason the decoder need not share (see the module
    /// docs): no verdict.
    Unsure(String),
}

/// The reference verdict for one event's data.
pub fn reference(data: &str) -> Verdict {
    if data.trim_matches([' ', '\t', '\n', '\r']) == "[DONE]" {
        return Verdict::Done;
    }
    let json = match parse(data) {
        Ok(json) => json,
        Err(e) => {
            let message = e.to_string();
            return if message.contains("number out of range") {
                Verdict::Unsure(message)
            } else {
                Verdict::Rejected(message)
            };
        }
    };
    match chunk(&json) {
        Ok(c) => Verdict::Chunk(c),
        Err(e) => Verdict::Rejected(e),
    }
}

type R<T> = Result<T, String>;
type Members = [(String, Json)];

/// Every occurrence of `key` read with `f` (each must be valid); the last one's value.
fn field<T>(obj: &Members, key: &str, mut f: impl FnMut(&Json) -> R<T>) -> R<Option<T>> {
    let mut out = None;
    for (k, v) in obj {
        if k == key {
            out = Some(f(v).map_err(|e| format!("{key}: {e}"))?);
        }
    }
    Ok(out)
}

fn wrong<T>(what: &str, v: &Json) -> R<T> {
    Err(format!("expected {what}, found {v:?}"))
}

fn opt_str(v: &Json) -> R<Option<String>> {
    match v {
        Json::Null => Ok(None),
        Json::Str(s) => Ok(Some(s.clone())),
        _ => wrong("a string or null", v),
    }
}

fn opt_u64(v: &Json) -> R<Option<u64>> {
    match v {
        Json::Null => Ok(None),
        Json::Uint(n) => Ok(Some(*n)),
        _ => wrong("a non-negative integer or null", v),
    }
}

fn opt_u32(v: &Json) -> R<Option<u32>> {
    match opt_u64(v)? {
        Some(n) => u32::try_from(n).map(Some).map_err(|_| format!("{n} > u32")),
        None => Ok(None),
    }
}

fn str_field(obj: &Members, key: &str) -> R<Option<String>> {
    Ok(field(obj, key, opt_str)?.flatten())
}

fn u64_field(obj: &Members, key: &str) -> R<Option<u64>> {
    Ok(field(obj, key, opt_u64)?.flatten())
}

fn opt_array(v: &Json) -> R<Option<Json>> {
    match v {
        Json::Null => Ok(None),
        Json::Arr(_) => Ok(Some(v.clone())),
        _ => wrong("an array or null", v),
    }
}

/// Reads a chunk from a parsed payload.
pub fn chunk(j: &Json) -> R<RefChunk> {
    let Json::Obj(m) = j else {
        return wrong("an object", j);
    };
    Ok(RefChunk {
        id: str_field(m, "id")?,
        object: str_field(m, "object")?,
        created: u64_field(m, "created")?,
        model: str_field(m, "model")?,
        system_fingerprint: str_field(m, "system_fingerprint")?,
        service_tier: str_field(m, "service_tier")?,
        obfuscation: str_field(m, "obfuscation")?,
        choices: field(m, "choices", |v| match v {
            Json::Null => Ok(Vec::new()),
            Json::Arr(items) => items.iter().map(choice).collect(),
            _ => wrong("an array or null", v),
        })?
        .unwrap_or_default(),
        usage: field(m, "usage", usage)?.flatten(),
        error: field(m, "error", error)?.flatten(),
    })
}

fn choice(v: &Json) -> R<RefChoice> {
    let Json::Obj(m) = v else {
        return wrong("an object", v);
    };
    Ok(RefChoice {
        index: field(m, "index", opt_u32)?.flatten().unwrap_or(0),
        delta: field(m, "delta", |v| match v {
            Json::Null => Ok(RefDelta::default()),
            Json::Obj(d) => delta(d),
            _ => wrong("an object or null", v),
        })?
        .unwrap_or_default(),
        logprobs: field(m, "logprobs", |v| match v {
            Json::Null => Ok(None),
            Json::Obj(l) => Ok(Some(RefLogprobs {
                content: field(l, "content", opt_array)?.flatten(),
                refusal: field(l, "refusal", opt_array)?.flatten(),
                raw: v.clone(),
            })),
            _ => wrong("an object or null", v),
        })?
        .flatten(),
        finish_reason: str_field(m, "finish_reason")?,
    })
}

fn delta(m: &Members) -> R<RefDelta> {
    Ok(RefDelta {
        role: str_field(m, "role")?,
        content: field(m, "content", |v| match v {
            Json::Null => Ok(None),
            Json::Str(s) => Ok(Some(RefContent::Text(s.clone()))),
            Json::Arr(_) => Ok(Some(RefContent::Parts(v.clone()))),
            _ => wrong("a string, an array or null", v),
        })?
        .flatten(),
        refusal: str_field(m, "refusal")?,
        reasoning_content: str_field(m, "reasoning_content")?,
        reasoning: str_field(m, "reasoning")?,
        tool_calls: field(m, "tool_calls", |v| match v {
            Json::Null => Ok(Vec::new()),
            Json::Arr(items) => items.iter().map(tool_call).collect(),
            _ => wrong("an array or null", v),
        })?
        .unwrap_or_default(),
        function_call: field(m, "function_call", |v| match v {
            Json::Null => Ok(None),
            Json::Obj(f) => function(f).map(Some),
            _ => wrong("an object or null", v),
        })?
        .flatten(),
    })
}

fn tool_call(v: &Json) -> R<RefToolCall> {
    let Json::Obj(m) = v else {
        return wrong("an object", v);
    };
    Ok(RefToolCall {
        index: field(m, "index", opt_u32)?.flatten(),
        id: str_field(m, "id")?,
        kind: str_field(m, "type")?,
        function: field(m, "function", |v| match v {
            Json::Null => Ok(RefFunction::default()),
            Json::Obj(f) => function(f),
            _ => wrong("an object or null", v),
        })?
        .unwrap_or_default(),
    })
}

fn function(m: &Members) -> R<RefFunction> {
    Ok(RefFunction {
        name: str_field(m, "name")?,
        arguments: field(m, "arguments", |v| match v {
            Json::Null => Ok(None),
            Json::Str(s) => Ok(Some(RefArguments::Text(s.clone()))),
            Json::Obj(_) => Ok(Some(RefArguments::Object(v.clone()))),
            _ => wrong("a string, an object or null", v),
        })?
        .flatten(),
    })
}

fn usage(v: &Json) -> R<Option<RefUsage>> {
    let m = match v {
        Json::Null => return Ok(None),
        Json::Obj(m) => m,
        _ => return wrong("an object or null", v),
    };
    let details = |key: &str, names: &[&str]| -> R<Option<Vec<Option<u64>>>> {
        Ok(field(m, key, |v| match v {
            Json::Null => Ok(None),
            Json::Obj(d) => names
                .iter()
                .map(|n| u64_field(d, n))
                .collect::<R<Vec<_>>>()
                .map(Some),
            _ => wrong("an object or null", v),
        })?
        .flatten())
    };
    let prompt = details("prompt_tokens_details", &["cached_tokens", "audio_tokens"])?;
    let completion = details(
        "completion_tokens_details",
        &[
            "reasoning_tokens",
            "audio_tokens",
            "accepted_prediction_tokens",
            "rejected_prediction_tokens",
        ],
    )?;
    Ok(Some(RefUsage {
        prompt_tokens: u64_field(m, "prompt_tokens")?,
        completion_tokens: u64_field(m, "completion_tokens")?,
        total_tokens: u64_field(m, "total_tokens")?,
        prompt_tokens_details: prompt.map(|d| [d[0], d[1]]),
        completion_tokens_details: completion.map(|d| [d[0], d[1], d[2], d[3]]),
        raw: v.clone(),
    }))
}

fn error(v: &Json) -> R<Option<RefError>> {
    match v {
        Json::Null => Ok(None),
        Json::Str(s) => Ok(Some(RefError {
            message: Some(s.clone()),
            kind: None,
            code: None,
            param: None,
            raw: v.clone(),
        })),
        Json::Obj(m) => Ok(Some(RefError {
            message: str_field(m, "message")?,
            kind: str_field(m, "type")?,
            code: field(m, "code", |v| Ok((*v != Json::Null).then(|| v.clone())))?.flatten(),
            param: str_field(m, "param")?,
            raw: v.clone(),
        })),
        _ => wrong("an object, a string or null", v),
    }
}

/// The decoder gives `function.arguments` as text whether they came as a string or as
/// an object (then its JSON text). Where `reference` read an object and `observed`
/// holds text that parses to that object, `observed` is made to say object too, so the
/// two compare equal exactly when the decoder got the arguments right.
pub fn match_arguments(observed: &mut RefChunk, reference: &RefChunk) {
    fn one(o: &mut RefFunction, r: &RefFunction) {
        if let (Some(RefArguments::Text(text)), Some(RefArguments::Object(want))) =
            (&o.arguments, &r.arguments)
            && parse(text).as_ref().ok() == Some(want)
        {
            o.arguments = Some(RefArguments::Object(want.clone()));
        }
    }
    for (o, r) in observed.choices.iter_mut().zip(&reference.choices) {
        for (o, r) in o.delta.tool_calls.iter_mut().zip(&r.delta.tool_calls) {
            one(&mut o.function, &r.function);
        }
        if let (Some(o), Some(r)) = (&mut o.delta.function_call, &r.delta.function_call) {
            one(o, r);
        }
    }
}

/// Defines, in the calling crate (which must depend on `chunkwise_chat`),
/// `fn observe_chunk(data: &str, chunk: &chunkwise_chat::Chunk<'_>) -> Result<RefChunk, String>`:
/// the decoder's chunk in the reference's terms, raw JSON fields parsed with [`parse`],
/// arguments as text (see [`match_arguments`]). A macro so that the fuzz crate and
/// chunkwise-chat's own tests share it without a dependency cycle.
#[macro_export]
macro_rules! chunk_observer {
    () => {
        fn observe_chunk(
            data: &str,
            c: &::chunkwise_chat::Chunk<'_>,
        ) -> ::std::result::Result<$crate::chunk_ref::RefChunk, ::std::string::String> {
            use $crate::chunk_ref::*;
            let _ = data;
            let raw = |r: &str| -> ::std::result::Result<Json, String> {
                parse(r).map_err(|e| format!("raw JSON {r:?} does not parse: {e}"))
            };
            let own = |s: &&str| (*s).to_owned();
            // Arguments are observed as text; `match_arguments` relates them to an object.
            let function = |f: &::chunkwise_chat::FunctionDelta<'_>| -> ::std::result::Result<RefFunction, String> {
                Ok(RefFunction {
                    name: f.name.as_ref().map(own),
                    arguments: f.arguments.map(|a| RefArguments::Text(a.to_owned())),
                })
            };
            let mut choices = Vec::new();
            for ch in &c.choices {
                let d = &ch.delta;
                let mut tool_calls = Vec::new();
                for t in &d.tool_calls {
                    tool_calls.push(RefToolCall {
                        index: t.index,
                        id: t.id.as_ref().map(own),
                        kind: t.kind.as_ref().map(own),
                        function: function(&t.function)?,
                    });
                }
                let content = match d.content {
                    None => None,
                    Some(::chunkwise_chat::Content::Text(t)) => Some(RefContent::Text(t.to_owned())),
                    Some(::chunkwise_chat::Content::Parts(p)) => {
                        Some(RefContent::Parts(raw(p.as_str())?))
                    }
                };
                let logprobs = match &ch.logprobs {
                    None => None,
                    Some(l) => Some(RefLogprobs {
                        content: l.content.map(|r| raw(r.as_str())).transpose()?,
                        refusal: l.refusal.map(|r| raw(r.as_str())).transpose()?,
                        raw: raw(l.raw.as_str())?,
                    }),
                };
                choices.push(RefChoice {
                    index: ch.index,
                    delta: RefDelta {
                        role: d.role.as_ref().map(own),
                        content,
                        refusal: d.refusal.as_ref().map(own),
                        reasoning_content: d.reasoning_content.as_ref().map(own),
                        reasoning: d.reasoning.as_ref().map(own),
                        tool_calls,
                        function_call: d.function_call.as_ref().map(function).transpose()?,
                    },
                    logprobs,
                    finish_reason: ch.finish_reason.map(|r| r.as_str().to_owned()),
                });
            }
            let usage = match &c.usage {
                None => None,
                Some(u) => Some(RefUsage {
                    prompt_tokens: u.prompt_tokens,
                    completion_tokens: u.completion_tokens,
                    total_tokens: u.total_tokens,
                    prompt_tokens_details: u
                        .prompt_tokens_details
                        .map(|d| [d.cached_tokens, d.audio_tokens]),
                    completion_tokens_details: u.completion_tokens_details.map(|d| {
                        [
                            d.reasoning_tokens,
                            d.audio_tokens,
                            d.accepted_prediction_tokens,
                            d.rejected_prediction_tokens,
                        ]
                    }),
                    raw: raw(u.raw.as_str())?,
                }),
            };
            let error = match &c.error {
                None => None,
                Some(e) => Some(RefError {
                    message: e.message.as_ref().map(own),
                    kind: e.kind.as_ref().map(own),
                    code: e.code.map(|r| raw(r.as_str())).transpose()?,
                    param: e.param.as_ref().map(own),
                    raw: raw(e.raw.as_str())?,
                }),
            };
            Ok(RefChunk {
                id: c.id.as_ref().map(own),
                object: c.object.as_ref().map(own),
                created: c.created,
                model: c.model.as_ref().map(own),
                system_fingerprint: c.system_fingerprint.as_ref().map(own),
                service_tier: c.service_tier.as_ref().map(own),
                obfuscation: c.obfuscation.as_ref().map(own),
                choices,
                usage,
                error,
            })
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_escapes() {
        assert_eq!(fix_lone_surrogates(r#""\ud800x""#), r#""\uFFFDx""#);
        assert_eq!(
            fix_lone_surrogates(r#"["\ud83d\ude00", "\udc00\ud800\u0041"]"#),
            r#"["\ud83d\ude00", "\uFFFD\uFFFD\u0041"]"#
        );
        assert_eq!(fix_lone_surrogates(r#""\\ud800""#), r#""\\ud800""#);
        assert_eq!(
            parse(r#""\ud800\ud83d\ude00""#).unwrap(),
            Json::Str("\u{FFFD}😀".into())
        );
    }

    #[test]
    fn repeated_members_are_kept_and_read_last_wins() {
        let j = parse(r#"{"id":"a","id":"b"}"#).unwrap();
        assert_eq!(
            j,
            Json::Obj(vec![
                ("id".into(), Json::Str("a".into())),
                ("id".into(), Json::Str("b".into()))
            ])
        );
        let Verdict::Chunk(c) = reference(r#"{"id":"a","id":"b"}"#) else {
            panic!()
        };
        assert_eq!(c.id.as_deref(), Some("b"));
        // Every occurrence must have the right type.
        assert!(matches!(
            reference(r#"{"id":1,"id":"b"}"#),
            Verdict::Rejected(_)
        ));
    }

    #[test]
    fn numbers_and_divergences() {
        assert!(matches!(
            reference(r#"{"created":-0}"#),
            Verdict::Rejected(_)
        ));
        assert!(matches!(
            reference(r#"{"created":1.0}"#),
            Verdict::Rejected(_)
        ));
        assert!(matches!(
            reference(r#"{"created":18446744073709551616}"#),
            Verdict::Rejected(_)
        ));
        assert!(matches!(
            reference(r#"{"choices":[{"index":4294967296}]}"#),
            Verdict::Rejected(_)
        ));
        assert!(matches!(reference(r#"{"x":1e400}"#), Verdict::Unsure(_)));
        assert_eq!(reference(" [DONE]\n"), Verdict::Done);
    }
}
