//! The decoded form of one `chat.completion.chunk` (and the other payloads a chat
//! stream carries), borrowing from the event data.
//!
//! Every string borrows the event's data when its JSON form has no escapes, and the
//! decoder's reused scratch buffer otherwise. `null` and an absent member decode the
//! same way (`None`, or an empty list).

use smallvec::SmallVec;

/// What one SSE data payload decodes to.
// Boxing the chunk would cost an allocation per event: the size difference is the point.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Payload<'a> {
    /// A JSON object: a chunk (possibly carrying an [`ApiError`] in [`Chunk::error`]).
    Chunk(Chunk<'a>),
    /// The `[DONE]` end-of-stream marker.
    Done,
}

/// One `chat.completion.chunk`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chunk<'a> {
    /// `id`.
    pub id: Option<&'a str>,
    /// `object` (`"chat.completion.chunk"`; Perplexity ends with `"chat.completion.done"`).
    pub object: Option<&'a str>,
    /// `created`, Unix seconds.
    pub created: Option<u64>,
    /// `model`.
    pub model: Option<&'a str>,
    /// `system_fingerprint`.
    pub system_fingerprint: Option<&'a str>,
    /// `service_tier`.
    pub service_tier: Option<&'a str>,
    /// `obfuscation`: random padding OpenAI adds against length side channels.
    pub obfuscation: Option<&'a str>,
    /// `choices`, in input order (usually one; empty on a usage-only chunk).
    pub choices: SmallVec<[Choice<'a>; 1]>,
    /// `usage`.
    pub usage: Option<Usage<'a>>,
    /// `error`: a provider reporting a failure mid-stream, e.g.
    /// `{"error": {"message": "...", "type": "...", "code": ...}}`. Some providers send
    /// it next to `choices` and `usage`, which are decoded too.
    pub error: Option<ApiError<'a>>,
}

/// One entry of `choices`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choice<'a> {
    /// `index` (0 when absent).
    pub index: u32,
    /// `delta` (empty when absent, as in Azure's asynchronous-filter chunks).
    pub delta: Delta<'a>,
    /// `logprobs`.
    pub logprobs: Option<Logprobs<'a>>,
    /// `finish_reason`.
    pub finish_reason: Option<FinishReason<'a>>,
}

/// `choices[].logprobs`: the log probabilities of this chunk's tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Logprobs<'a> {
    /// `content`: a JSON array of token entries (`token`, `logprob`, `bytes`,
    /// `top_logprobs`), as received.
    pub content: Option<RawJson<'a>>,
    /// `refusal`: a JSON array of token entries for the refusal, as received.
    pub refusal: Option<RawJson<'a>>,
    /// The whole `logprobs` object as received.
    pub raw: RawJson<'a>,
}

/// `choices[].delta`: what this chunk adds to the message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Delta<'a> {
    /// `role` (`"assistant"`; some providers repeat it in every delta).
    pub role: Option<&'a str>,
    /// `content`: a text piece, or (Mistral's thinking models) an array of parts.
    pub content: Option<Content<'a>>,
    /// `refusal`: a piece of the model's refusal message.
    pub refusal: Option<&'a str>,
    /// `reasoning_content` (DeepSeek, Z.ai, xAI, vLLM).
    pub reasoning_content: Option<&'a str>,
    /// `reasoning` (Groq, OpenRouter).
    pub reasoning: Option<&'a str>,
    /// `tool_calls` fragments (empty when absent).
    pub tool_calls: SmallVec<[ToolCallDelta<'a>; 1]>,
    /// The legacy `function_call` fragment.
    pub function_call: Option<FunctionDelta<'a>>,
}

/// `delta.content`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content<'a> {
    /// A string: the usual case.
    Text(&'a str),
    /// An array of content parts, as received, e.g.
    /// `[{"type":"thinking","thinking":[{"type":"text","text":"..."}]},{"type":"text","text":"..."}]`.
    Parts(RawJson<'a>),
}

impl<'a> Content<'a> {
    /// The text, if this is a string.
    pub fn as_text(&self) -> Option<&'a str> {
        match *self {
            Content::Text(s) => Some(s),
            Content::Parts(_) => None,
        }
    }

    /// Calls `f` with each piece of text in this content, in order: the string itself,
    /// or for an array of parts, each `text` part (`{"type":"text","text":...}`, a part
    /// without `type` that has `text`, or a bare string) as [`PartKind::Text`] and each
    /// `thinking` part's text (`{"type":"thinking","thinking":[{"type":"text","text":
    /// ...}]}` or `"thinking"` as a string) as [`PartKind::Thinking`]; other parts are
    /// skipped. Parts are parsed with simd-json (this allocates; arrays of parts are
    /// rare). `Err` if they do not parse.
    ///
    /// ```
    /// use chunkwise_chat::{Content, PartKind, RawJson};
    ///
    /// let raw = r#"[{"type":"thinking","thinking":[{"type":"text","text":"hmm"}]},{"type":"text","text":"4"}]"#;
    /// let mut seen = Vec::new();
    /// Content::Parts(RawJson::new(raw).unwrap())
    ///     .for_each_text(|kind, text| seen.push((kind, text.to_owned())))
    ///     .unwrap();
    /// assert_eq!(seen, [(PartKind::Thinking, "hmm".into()), (PartKind::Text, "4".into())]);
    /// ```
    pub fn for_each_text(&self, mut f: impl FnMut(PartKind, &str)) -> Result<(), String> {
        match *self {
            Content::Text(s) => {
                f(PartKind::Text, s);
                Ok(())
            }
            Content::Parts(raw) => {
                let mut copy = raw.as_str().as_bytes().to_vec();
                let value = simd_json::to_borrowed_value(&mut copy).map_err(|e| e.to_string())?;
                walk_parts(&value, &mut f);
                Ok(())
            }
        }
    }
}

/// What a piece of content text is, in an array of content parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartKind {
    /// Answer text.
    Text,
    /// Reasoning ("thinking") text.
    Thinking,
}

/// Walks a parsed array of content parts (or a single part) per
/// [`Content::for_each_text`].
pub(crate) fn walk_parts(value: &simd_json::BorrowedValue<'_>, f: &mut impl FnMut(PartKind, &str)) {
    use simd_json::prelude::*;
    let mut part = |part: &simd_json::BorrowedValue<'_>| {
        if let Some(text) = part.as_str() {
            return f(PartKind::Text, text);
        }
        match part.get_str("type") {
            Some("text") | None => {
                if let Some(text) = part.get_str("text") {
                    f(PartKind::Text, text);
                }
            }
            Some("thinking") => match part.get("thinking") {
                Some(t) if t.as_str().is_some() => f(PartKind::Thinking, t.as_str().unwrap_or("")),
                Some(t) => {
                    for item in t.as_array().into_iter().flatten() {
                        if let Some(text) = item.as_str().or_else(|| item.get_str("text")) {
                            f(PartKind::Thinking, text);
                        }
                    }
                }
                None => {}
            },
            Some(_) => {}
        }
    };
    match value.as_array() {
        Some(parts) => parts.iter().for_each(&mut part),
        None => part(value),
    }
}

/// One fragment of a tool call in `delta.tool_calls`.
///
/// The first fragment of a call usually carries `index`, `id`, `type` and
/// `function.name` with empty arguments; later ones carry `index` and a piece of
/// `function.arguments`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ToolCallDelta<'a> {
    /// `index`: which call this fragment belongs to (some providers omit it).
    pub index: Option<u32>,
    /// `id`.
    pub id: Option<&'a str>,
    /// `type` (`"function"`).
    pub kind: Option<&'a str>,
    /// `function`.
    pub function: FunctionDelta<'a>,
}

/// `function` of a tool-call fragment, or the legacy `delta.function_call`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunctionDelta<'a> {
    /// `name` (or a piece of it).
    pub name: Option<&'a str>,
    /// A piece of `arguments`: a JSON text split anywhere.
    pub arguments: Option<&'a str>,
}

/// `finish_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FinishReason<'a> {
    /// `"stop"`.
    Stop,
    /// `"length"`.
    Length,
    /// `"tool_calls"`.
    ToolCalls,
    /// `"content_filter"`.
    ContentFilter,
    /// `"function_call"` (legacy).
    FunctionCall,
    /// Anything else, as received.
    Other(&'a str),
}

impl<'a> FinishReason<'a> {
    /// The reason for a received string.
    pub fn from_wire(s: &'a str) -> FinishReason<'a> {
        match s {
            "stop" => FinishReason::Stop,
            "length" => FinishReason::Length,
            "tool_calls" => FinishReason::ToolCalls,
            "content_filter" => FinishReason::ContentFilter,
            "function_call" => FinishReason::FunctionCall,
            other => FinishReason::Other(other),
        }
    }

    /// The wire string.
    pub fn as_str(&self) -> &'a str {
        match *self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::FunctionCall => "function_call",
            FinishReason::Other(s) => s,
        }
    }
}

/// `usage`: token counts. Counts absent or `null` in the input are `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage<'a> {
    /// `prompt_tokens`.
    pub prompt_tokens: Option<u64>,
    /// `completion_tokens`.
    pub completion_tokens: Option<u64>,
    /// `total_tokens`.
    pub total_tokens: Option<u64>,
    /// `prompt_tokens_details`.
    pub prompt_tokens_details: Option<PromptTokensDetails>,
    /// `completion_tokens_details`.
    pub completion_tokens_details: Option<CompletionTokensDetails>,
    /// The whole `usage` object as received, provider extras included
    /// (`queue_time`, `cost`, `prompt_cache_hit_tokens`, ...).
    pub raw: RawJson<'a>,
}

/// `usage.prompt_tokens_details`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PromptTokensDetails {
    /// `cached_tokens`.
    pub cached_tokens: Option<u64>,
    /// `audio_tokens`.
    pub audio_tokens: Option<u64>,
}

/// `usage.completion_tokens_details`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompletionTokensDetails {
    /// `reasoning_tokens`.
    pub reasoning_tokens: Option<u64>,
    /// `audio_tokens`.
    pub audio_tokens: Option<u64>,
    /// `accepted_prediction_tokens`.
    pub accepted_prediction_tokens: Option<u64>,
    /// `rejected_prediction_tokens`.
    pub rejected_prediction_tokens: Option<u64>,
}

/// An `error` object a provider streams when it fails midway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApiError<'a> {
    /// `message`.
    pub message: Option<&'a str>,
    /// `type`.
    pub kind: Option<&'a str>,
    /// `code`, as received (a string such as `"tool_use_failed"` or a number such as `400`).
    pub code: Option<RawJson<'a>>,
    /// `param`.
    pub param: Option<&'a str>,
    /// The whole `error` value as received (`null` when the error did not come as
    /// JSON).
    pub raw: RawJson<'a>,
}

impl<'a> ApiError<'a> {
    /// An error known only by its text (e.g. an `event: error` whose data is not an
    /// error object): `message` is the text, `raw` is `null`.
    pub fn from_raw(text: &'a str) -> ApiError<'a> {
        ApiError {
            message: Some(text),
            raw: RawJson("null"),
            ..ApiError::default()
        }
    }
}

/// A JSON value's text exactly as received (already checked to be valid JSON).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RawJson<'a>(pub(crate) &'a str);

impl<'a> RawJson<'a> {
    /// `text` if it is exactly one valid JSON value (surrounding whitespace allowed).
    pub fn new(text: &'a str) -> Option<RawJson<'a>> {
        crate::scan::is_valid_json(text.as_bytes()).then_some(RawJson(text))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}
