//! The decoded form of one `chat.completion.chunk` (and the other payloads a chat
//! stream carries), borrowing from the event data.
//!
//! Every string borrows the event's data when its JSON form has no escapes, and the
//! decoder's reused scratch buffer otherwise. `null` and an absent member decode the
//! same way (`None`, or an empty list).
//!
//! The types are generic over their string type `S`: the decoder produces them with
//! `&str` ([`Chunk`], [`Choice`], ... are those aliases), and [`ChunkOf::map`] turns
//! them into any other string type, such as [`SharedChunk`] whose strings are
//! [`Utf8Bytes`] sharing the network buffer (owned, `Send`, `'static`).

use bytes::Bytes;
use chunkwise_sse::Utf8Bytes;
use smallvec::SmallVec;

/// A decoded chunk borrowing the event data (and the decoder).
pub type Chunk<'a> = ChunkOf<&'a str>;
/// A chunk whose strings share the input `Bytes`: owned, `Send` and `'static`.
pub type SharedChunk = ChunkOf<Utf8Bytes>;
/// A borrowed [`ChoiceOf`].
pub type Choice<'a> = ChoiceOf<&'a str>;
/// A borrowed [`LogprobsOf`].
pub type Logprobs<'a> = LogprobsOf<&'a str>;
/// A borrowed [`DeltaOf`].
pub type Delta<'a> = DeltaOf<&'a str>;
/// A borrowed [`ContentOf`].
pub type Content<'a> = ContentOf<&'a str>;
/// A borrowed [`ToolCallDeltaOf`].
pub type ToolCallDelta<'a> = ToolCallDeltaOf<&'a str>;
/// A borrowed [`FunctionDeltaOf`].
pub type FunctionDelta<'a> = FunctionDeltaOf<&'a str>;
/// A borrowed [`FinishReasonOf`].
pub type FinishReason<'a> = FinishReasonOf<&'a str>;
/// A borrowed [`UsageOf`].
pub type Usage<'a> = UsageOf<&'a str>;
/// A borrowed [`ApiErrorOf`].
pub type ApiError<'a> = ApiErrorOf<&'a str>;
/// A borrowed [`RawJsonOf`].
pub type RawJson<'a> = RawJsonOf<&'a str>;

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

/// One `chat.completion.chunk`, with strings of type `S`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChunkOf<S> {
    /// `id`.
    pub id: Option<S>,
    /// `object` (`"chat.completion.chunk"`; Perplexity ends with `"chat.completion.done"`).
    pub object: Option<S>,
    /// `created`, Unix seconds.
    pub created: Option<u64>,
    /// `model`.
    pub model: Option<S>,
    /// `system_fingerprint`.
    pub system_fingerprint: Option<S>,
    /// `service_tier`.
    pub service_tier: Option<S>,
    /// `obfuscation`: random padding OpenAI adds against length side channels.
    pub obfuscation: Option<S>,
    /// `choices`, in input order (usually one; empty on a usage-only chunk).
    pub choices: SmallVec<[ChoiceOf<S>; 1]>,
    /// `usage`.
    pub usage: Option<UsageOf<S>>,
    /// `error`: a provider reporting a failure mid-stream, e.g.
    /// `{"error": {"message": "...", "type": "...", "code": ...}}`. Some providers send
    /// it next to `choices` and `usage`, which are decoded too.
    pub error: Option<ApiErrorOf<S>>,
}

/// One entry of `choices`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChoiceOf<S> {
    /// `index` (0 when absent).
    pub index: u32,
    /// `delta` (empty when absent, as in Azure's asynchronous-filter chunks).
    pub delta: DeltaOf<S>,
    /// `logprobs`.
    pub logprobs: Option<LogprobsOf<S>>,
    /// `finish_reason`.
    pub finish_reason: Option<FinishReasonOf<S>>,
}

/// `choices[].logprobs`: the log probabilities of this chunk's tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogprobsOf<S> {
    /// `content`: a JSON array of token entries (`token`, `logprob`, `bytes`,
    /// `top_logprobs`), as received.
    pub content: Option<RawJsonOf<S>>,
    /// `refusal`: a JSON array of token entries for the refusal, as received.
    pub refusal: Option<RawJsonOf<S>>,
    /// The whole `logprobs` object as received.
    pub raw: RawJsonOf<S>,
}

/// `choices[].delta`: what this chunk adds to the message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeltaOf<S> {
    /// `role` (`"assistant"`; some providers repeat it in every delta).
    pub role: Option<S>,
    /// `content`: a text piece, or (Mistral's thinking models) an array of parts.
    pub content: Option<ContentOf<S>>,
    /// `refusal`: a piece of the model's refusal message.
    pub refusal: Option<S>,
    /// `reasoning_content` (DeepSeek, Z.ai, xAI, vLLM).
    pub reasoning_content: Option<S>,
    /// `reasoning` (Groq, OpenRouter).
    pub reasoning: Option<S>,
    /// `tool_calls` fragments (empty when absent).
    pub tool_calls: SmallVec<[ToolCallDeltaOf<S>; 1]>,
    /// The legacy `function_call` fragment.
    pub function_call: Option<FunctionDeltaOf<S>>,
}

/// `delta.content`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentOf<S> {
    /// A string: the usual case.
    Text(S),
    /// An array of content parts, as received, e.g.
    /// `[{"type":"thinking","thinking":[{"type":"text","text":"..."}]},{"type":"text","text":"..."}]`.
    Parts(RawJsonOf<S>),
}

impl<'a> ContentOf<&'a str> {
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
        match self {
            ContentOf::Text(s) => {
                f(PartKind::Text, s);
                Ok(())
            }
            ContentOf::Parts(raw) => {
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
pub struct ToolCallDeltaOf<S> {
    /// `index`: which call this fragment belongs to (some providers omit it).
    pub index: Option<u32>,
    /// `id`.
    pub id: Option<S>,
    /// `type` (`"function"`).
    pub kind: Option<S>,
    /// `function`.
    pub function: FunctionDeltaOf<S>,
}

/// `function` of a tool-call fragment, or the legacy `delta.function_call`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunctionDeltaOf<S> {
    /// `name` (or a piece of it).
    pub name: Option<S>,
    /// A piece of `arguments`: a JSON text split anywhere.
    pub arguments: Option<S>,
}

/// `finish_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FinishReasonOf<S> {
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
    Other(S),
}

impl<'a> FinishReasonOf<&'a str> {
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
pub struct UsageOf<S> {
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
    pub raw: RawJsonOf<S>,
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
pub struct ApiErrorOf<S> {
    /// `message`.
    pub message: Option<S>,
    /// `type`.
    pub kind: Option<S>,
    /// `code`, as received (a string such as `"tool_use_failed"` or a number such as `400`).
    pub code: Option<RawJsonOf<S>>,
    /// `param`.
    pub param: Option<S>,
    /// The whole `error` value as received (`null` when the error did not come as
    /// JSON).
    pub raw: RawJsonOf<S>,
}

impl<'a> ApiErrorOf<&'a str> {
    /// An error known only by its text (e.g. an `event: error` whose data is not an
    /// error object): `message` is the text, `raw` is `null`.
    pub fn from_raw(text: &'a str) -> ApiError<'a> {
        ApiError {
            message: Some(text),
            raw: RawJsonOf("null"),
            ..ApiError::default()
        }
    }
}

/// A JSON value's text exactly as received (already checked to be valid JSON).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RawJsonOf<S>(pub(crate) S);

impl<'a> RawJsonOf<&'a str> {
    /// `text` if it is exactly one valid JSON value (surrounding whitespace allowed).
    pub fn new(text: &'a str) -> Option<RawJson<'a>> {
        crate::scan::is_valid_json(text.as_bytes()).then_some(RawJsonOf(text))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

// Conversions between string types.

impl<S> ChunkOf<S> {
    /// The same chunk with every string converted by `f` (in field order).
    ///
    /// ```
    /// use chunkwise_chat::{ChunkOf, Payload, decode::Decoder};
    ///
    /// let mut decoder = Decoder::new();
    /// let Ok(Payload::Chunk(chunk)) = decoder.decode(r#"{"id":"c","model":"m"}"#) else { panic!() };
    /// let owned: ChunkOf<String> = chunk.map(&mut |s: &&str| s.to_string());
    /// assert_eq!(owned.model.as_deref(), Some("m"));
    /// ```
    #[inline(always)]
    pub fn map<T>(&self, f: &mut impl FnMut(&S) -> T) -> ChunkOf<T> {
        ChunkOf {
            id: self.id.as_ref().map(&mut *f),
            object: self.object.as_ref().map(&mut *f),
            created: self.created,
            model: self.model.as_ref().map(&mut *f),
            system_fingerprint: self.system_fingerprint.as_ref().map(&mut *f),
            service_tier: self.service_tier.as_ref().map(&mut *f),
            obfuscation: self.obfuscation.as_ref().map(&mut *f),
            choices: map_each(&self.choices, |c| c.map(f)),
            usage: self.usage.as_ref().map(|u| u.map(f)),
            error: self.error.as_ref().map(|e| e.map(f)),
        }
    }
}

impl ChunkOf<&str> {
    /// This chunk with owned, `Send`, `'static` strings: zero-copy slices of `anchor`
    /// for the strings that borrow it (the data of an event read from that `Bytes`),
    /// copies for the others (strings decoded from escapes).
    pub fn to_shared(&self, anchor: &Bytes) -> SharedChunk {
        self.map(&mut |s: &&str| Utf8Bytes::slice_of(anchor, s))
    }
}

impl<S> ChoiceOf<S> {
    /// See [`ChunkOf::map`].
    #[inline(always)]
    pub fn map<T>(&self, f: &mut impl FnMut(&S) -> T) -> ChoiceOf<T> {
        ChoiceOf {
            index: self.index,
            delta: self.delta.map(f),
            logprobs: self.logprobs.as_ref().map(|l| LogprobsOf {
                content: l.content.as_ref().map(|r| r.map(f)),
                refusal: l.refusal.as_ref().map(|r| r.map(f)),
                raw: l.raw.map(f),
            }),
            finish_reason: self.finish_reason.as_ref().map(|r| r.map(f)),
        }
    }
}

impl<S> DeltaOf<S> {
    /// See [`ChunkOf::map`].
    #[inline(always)]
    pub fn map<T>(&self, f: &mut impl FnMut(&S) -> T) -> DeltaOf<T> {
        DeltaOf {
            role: self.role.as_ref().map(&mut *f),
            content: self.content.as_ref().map(|c| match c {
                ContentOf::Text(s) => ContentOf::Text(f(s)),
                ContentOf::Parts(r) => ContentOf::Parts(r.map(f)),
            }),
            refusal: self.refusal.as_ref().map(&mut *f),
            reasoning_content: self.reasoning_content.as_ref().map(&mut *f),
            reasoning: self.reasoning.as_ref().map(&mut *f),
            tool_calls: map_each(&self.tool_calls, |t| ToolCallDeltaOf {
                index: t.index,
                id: t.id.as_ref().map(&mut *f),
                kind: t.kind.as_ref().map(&mut *f),
                function: t.function.map(f),
            }),
            function_call: self.function_call.as_ref().map(|c| c.map(f)),
        }
    }
}

impl<S> FunctionDeltaOf<S> {
    /// See [`ChunkOf::map`].
    #[inline(always)]
    pub fn map<T>(&self, f: &mut impl FnMut(&S) -> T) -> FunctionDeltaOf<T> {
        FunctionDeltaOf {
            name: self.name.as_ref().map(&mut *f),
            arguments: self.arguments.as_ref().map(&mut *f),
        }
    }
}

impl<S> FinishReasonOf<S> {
    /// See [`ChunkOf::map`].
    #[inline(always)]
    pub fn map<T>(&self, f: &mut impl FnMut(&S) -> T) -> FinishReasonOf<T> {
        match self {
            FinishReasonOf::Stop => FinishReasonOf::Stop,
            FinishReasonOf::Length => FinishReasonOf::Length,
            FinishReasonOf::ToolCalls => FinishReasonOf::ToolCalls,
            FinishReasonOf::ContentFilter => FinishReasonOf::ContentFilter,
            FinishReasonOf::FunctionCall => FinishReasonOf::FunctionCall,
            FinishReasonOf::Other(s) => FinishReasonOf::Other(f(s)),
        }
    }
}

impl<S> UsageOf<S> {
    /// See [`ChunkOf::map`].
    #[inline(always)]
    pub fn map<T>(&self, f: &mut impl FnMut(&S) -> T) -> UsageOf<T> {
        UsageOf {
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            total_tokens: self.total_tokens,
            prompt_tokens_details: self.prompt_tokens_details,
            completion_tokens_details: self.completion_tokens_details,
            raw: self.raw.map(f),
        }
    }
}

impl<S> ApiErrorOf<S> {
    /// See [`ChunkOf::map`].
    #[inline(always)]
    pub fn map<T>(&self, f: &mut impl FnMut(&S) -> T) -> ApiErrorOf<T> {
        ApiErrorOf {
            message: self.message.as_ref().map(&mut *f),
            kind: self.kind.as_ref().map(&mut *f),
            code: self.code.as_ref().map(|c| c.map(f)),
            param: self.param.as_ref().map(&mut *f),
            raw: self.raw.map(f),
        }
    }
}

impl<S> RawJsonOf<S> {
    /// See [`ChunkOf::map`]: `f` must keep the JSON text as it is.
    #[inline(always)]
    pub fn map<T>(&self, f: &mut impl FnMut(&S) -> T) -> RawJsonOf<T> {
        RawJsonOf(f(&self.0))
    }
}

impl RawJsonOf<Utf8Bytes> {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FinishReasonOf<Utf8Bytes> {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            FinishReasonOf::Other(s) => s,
            known => known.map(&mut |_| "").as_str(),
        }
    }
}

impl ContentOf<Utf8Bytes> {
    /// The text, if this is a string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ContentOf::Text(s) => Some(s),
            ContentOf::Parts(_) => None,
        }
    }
}

/// `items` mapped by `f` (a loop of pushes: cheaper than `collect` for the usual one
/// item, which stays inline).
#[inline(always)]
fn map_each<A, B, const N: usize>(
    items: &SmallVec<[A; N]>,
    mut f: impl FnMut(&A) -> B,
) -> SmallVec<[B; N]> {
    let mut out = SmallVec::new();
    for item in items {
        out.push(f(item));
    }
    out
}
