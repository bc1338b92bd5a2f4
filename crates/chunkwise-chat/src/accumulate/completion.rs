//! The owned result of accumulation: [`Completion`] and its parts.

use std::fmt;

use chunkwise_json::PartialJson;

use crate::chunk::{CompletionTokensDetails, FinishReason, PromptTokensDetails, Usage};

/// The final chat completion rebuilt from a stream's chunks (owned).
///
/// Obtained from [`Accumulator::completion`](super::Accumulator::completion) (a snapshot
/// at any point of the stream) or [`Accumulator::into_completion`](super::Accumulator::into_completion).
/// Rendered as OpenAI's non-streaming `chat.completion` object by
/// [`write_json`](Completion::write_json).
#[derive(Clone, Debug, Default)]
pub struct Completion {
    pub(super) id: String,
    pub(super) created: Option<u64>,
    pub(super) model: String,
    pub(super) system_fingerprint: String,
    pub(super) service_tier: String,
    pub(super) choices: Vec<Choice>,
    pub(super) usage: OwnedUsage,
    pub(super) has_usage: bool,
    pub(super) errors: Vec<RecordedError>,
    pub(super) errors_dropped: u64,
    pub(super) ignored_fragments: u64,
    pub(super) done: bool,
}

impl Completion {
    /// The stream `id`: the first non-empty one received.
    pub fn id(&self) -> Option<&str> {
        non_empty(&self.id)
    }

    /// `created` (Unix seconds): the first non-zero one received.
    pub fn created(&self) -> Option<u64> {
        self.created
    }

    /// `model`: the first non-empty one received.
    pub fn model(&self) -> Option<&str> {
        non_empty(&self.model)
    }

    /// `system_fingerprint`: the first non-empty one received (vLLM sends it only on the
    /// usage chunk).
    pub fn system_fingerprint(&self) -> Option<&str> {
        non_empty(&self.system_fingerprint)
    }

    /// `service_tier`: the first non-empty one received.
    pub fn service_tier(&self) -> Option<&str> {
        non_empty(&self.service_tier)
    }

    /// The choices, sorted by `index`.
    pub fn choices(&self) -> &[Choice] {
        &self.choices
    }

    /// The choice with this `index`.
    pub fn choice(&self, index: u32) -> Option<&Choice> {
        self.choices
            .binary_search_by_key(&index, |c| c.index)
            .ok()
            .map(|i| &self.choices[i])
    }

    pub(super) fn choice_mut(&mut self, index: u32) -> Option<&mut Choice> {
        let i = self
            .choices
            .binary_search_by_key(&index, |c| c.index)
            .ok()?;
        Some(&mut self.choices[i])
    }

    /// The tool call `key` names.
    pub fn tool_call(&self, key: super::ToolCallKey) -> Option<&ToolCall> {
        self.choice(key.choice)?.tool_call(key.index)
    }

    /// `usage`, from the last chunk that carried a non-null one (`None` if none did).
    pub fn usage(&self) -> Option<&OwnedUsage> {
        self.has_usage.then_some(&self.usage)
    }

    /// Every error met, in order: API errors streamed by the provider, errors reported by
    /// the stream layer ([`Accumulator::push_error`](super::Accumulator::push_error)), and
    /// the accumulator's own (limits, unreadable content parts). At most
    /// [`Limits::max_errors`](super::Limits::max_errors) are kept; see
    /// [`errors_dropped`](Completion::errors_dropped).
    pub fn errors(&self) -> &[RecordedError] {
        &self.errors
    }

    /// How many errors were met after [`Limits::max_errors`](super::Limits::max_errors)
    /// was reached (counted, not kept).
    pub fn errors_dropped(&self) -> u64 {
        self.errors_dropped
    }

    /// How many choice or tool-call fragments were ignored because a limit was reached.
    pub fn ignored_fragments(&self) -> u64 {
        self.ignored_fragments
    }

    /// Whether the `[DONE]` marker arrived. A stream cut off without it is incomplete;
    /// everything received before the cut is still here.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// One choice of the completion.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    pub(super) index: u32,
    pub(super) role: String,
    pub(super) content: String,
    pub(super) has_content: bool,
    pub(super) refusal: String,
    pub(super) has_refusal: bool,
    pub(super) reasoning: String,
    pub(super) has_reasoning: bool,
    /// Sorted by index. Boxed so that inserting out of order moves pointers, not calls.
    #[allow(clippy::vec_box)]
    pub(super) tool_calls: Vec<Box<ToolCall>>,
    /// The call the last tool-call fragment of this choice went to.
    pub(super) last_call: Option<u32>,
    pub(super) function_call: FunctionCall,
    pub(super) has_function_call: bool,
    pub(super) finish_reason: Option<OwnedFinishReason>,
    pub(super) logprobs: ChoiceLogprobs,
    pub(super) has_logprobs: bool,
    /// Whether the tool-call limit error was already recorded for this choice.
    pub(super) limit_reported: bool,
    /// The incremental reader of `content`, when the accumulator tracks it.
    pub(super) partial: Reader,
}

impl Choice {
    /// `index`.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// `role`: the first non-empty one received (later ones, repeated or not, are
    /// ignored).
    pub fn role(&self) -> Option<&str> {
        non_empty(&self.role)
    }

    /// `content`: `None` until a content delta (even `""`) arrived, then every piece
    /// concatenated, including the `text` parts of array content.
    pub fn content(&self) -> Option<&str> {
        self.has_content.then_some(self.content.as_str())
    }

    /// `refusal`: `None` until a refusal delta arrived, then every piece concatenated.
    pub fn refusal(&self) -> Option<&str> {
        self.has_refusal.then_some(self.refusal.as_str())
    }

    /// The reasoning text: `reasoning_content`, `reasoning` and the `thinking` parts of
    /// array content, concatenated (`None` until one arrived).
    pub fn reasoning(&self) -> Option<&str> {
        self.has_reasoning.then_some(self.reasoning.as_str())
    }

    /// The tool calls, sorted by index.
    pub fn tool_calls(&self) -> impl ExactSizeIterator<Item = &ToolCall> + DoubleEndedIterator {
        self.tool_calls.iter().map(|b| &**b)
    }

    /// The tool call with this index.
    pub fn tool_call(&self, index: u32) -> Option<&ToolCall> {
        self.tool_calls
            .binary_search_by_key(&index, |c| c.index)
            .ok()
            .map(|i| &*self.tool_calls[i])
    }

    /// The legacy `function_call`, if a fragment of one arrived.
    pub fn function_call(&self) -> Option<&FunctionCall> {
        self.has_function_call.then_some(&self.function_call)
    }

    /// `finish_reason`: the last non-null one received.
    pub fn finish_reason(&self) -> Option<&OwnedFinishReason> {
        self.finish_reason.as_ref()
    }

    /// `logprobs`: `None` until a non-null `logprobs` arrived.
    pub fn logprobs(&self) -> Option<&ChoiceLogprobs> {
        self.has_logprobs.then_some(&self.logprobs)
    }

    /// The content read as one JSON text while it streams (a structured-output answer),
    /// when the accumulator was asked to ([`PartialOptions::content`]): the partial
    /// value so far, the values completed by the last push
    /// ([`PartialJson::pending_events`]), the first error. `None` otherwise.
    ///
    /// [`PartialOptions::content`]: super::PartialOptions::content
    pub fn partial_content(&self) -> Option<&PartialJson> {
        self.partial.json.as_ref()
    }

    #[allow(clippy::vec_box)]
    pub(super) fn reset(&mut self, index: u32, spare_calls: &mut Vec<Box<ToolCall>>) {
        self.index = index;
        self.role.clear();
        self.content.clear();
        self.has_content = false;
        self.refusal.clear();
        self.has_refusal = false;
        self.reasoning.clear();
        self.has_reasoning = false;
        spare_calls.extend(self.tool_calls.drain(..).rev());
        self.last_call = None;
        self.function_call.reset();
        self.has_function_call = false;
        self.finish_reason = None;
        self.logprobs.reset();
        self.has_logprobs = false;
        self.limit_reported = false;
        self.partial.reset();
    }
}

/// An incremental JSON reader of a text the accumulator builds (when asked for one).
#[derive(Clone, Debug, Default)]
pub(crate) struct Reader {
    pub(super) json: Option<PartialJson>,
    /// Listed in the accumulator's updated readers since the last push.
    pub(super) listed: bool,
}

impl Reader {
    fn reset(&mut self) {
        self.listed = false;
        if let Some(json) = &mut self.json {
            json.reset();
        }
    }
}

/// The parsed arguments of a call: the JSON value, or why there is none.
pub type ParsedArguments = Result<simd_json::OwnedValue, ArgumentsError>;

/// One tool call, joined from its fragments.
#[derive(Clone, Debug, Default)]
pub struct ToolCall {
    pub(super) index: u32,
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) arguments: String,
    pub(super) parsed: Option<ParsedArguments>,
    /// Arguments arrived after a completion: only the finish reason or the end of the
    /// stream completes the call again.
    pub(super) reopened: bool,
    /// A finish reason completed the call: only the end of the stream completes it again.
    pub(super) settled: bool,
    /// The incremental reader of `arguments`, when the accumulator tracks it.
    pub(super) partial: Reader,
}

impl ToolCall {
    /// The call's `index` (for a fragment without one, the index the accumulator gave it).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// `id`: the first non-empty one received.
    pub fn id(&self) -> Option<&str> {
        non_empty(&self.id)
    }

    /// `type`: the first non-empty one received (`None` if none was).
    pub fn kind(&self) -> Option<&str> {
        non_empty(&self.kind)
    }

    /// `function.name`, joined from its pieces (`""` if none arrived).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `function.arguments`, every piece concatenated in order.
    pub fn arguments(&self) -> &str {
        &self.arguments
    }

    /// The arguments parsed at the call's completion; `None` while the call is incomplete.
    pub fn parsed(&self) -> Option<&ParsedArguments> {
        self.parsed.as_ref()
    }

    /// Whether the call is complete (its arguments are parsed).
    pub fn is_complete(&self) -> bool {
        self.parsed.is_some()
    }

    /// The arguments read incrementally while they stream, when the accumulator was asked
    /// to ([`PartialOptions::tool_arguments`]): the partial value so far
    /// ([`PartialJson::value`]), the values completed by the last push
    /// ([`PartialJson::pending_events`]), the first error. `None` otherwise.
    ///
    /// [`PartialOptions::tool_arguments`]: super::PartialOptions::tool_arguments
    pub fn partial_arguments(&self) -> Option<&PartialJson> {
        self.partial.json.as_ref()
    }

    pub(super) fn reset(&mut self, index: u32) {
        self.index = index;
        self.id.clear();
        self.kind.clear();
        self.name.clear();
        self.arguments.clear();
        self.parsed = None;
        self.reopened = false;
        self.settled = false;
        self.partial.reset();
    }
}

/// The legacy `function_call` of a choice, joined from its fragments.
#[derive(Clone, Debug, Default)]
pub struct FunctionCall {
    pub(super) name: String,
    pub(super) arguments: String,
    pub(super) parsed: Option<ParsedArguments>,
    pub(super) settled: bool,
}

impl FunctionCall {
    /// `name`, joined from its pieces (`""` if none arrived).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `arguments`, every piece concatenated in order.
    pub fn arguments(&self) -> &str {
        &self.arguments
    }

    /// The arguments parsed when the choice finished (or at the end of the stream);
    /// `None` before.
    pub fn parsed(&self) -> Option<&ParsedArguments> {
        self.parsed.as_ref()
    }

    fn reset(&mut self) {
        self.name.clear();
        self.arguments.clear();
        self.parsed = None;
        self.settled = false;
    }
}

/// Why a call's arguments have no parsed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgumentsError {
    /// The arguments are empty or only whitespace. OpenAI sends `{}` for a call without
    /// arguments; some providers send nothing, which callers may read as `{}`.
    Empty,
    /// The arguments are not valid JSON (cut off, or malformed by the model).
    Invalid {
        /// The parser's message.
        message: String,
        /// The byte offset in the arguments where the parser stopped.
        offset: usize,
    },
}

impl fmt::Display for ArgumentsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgumentsError::Empty => f.write_str("empty arguments"),
            ArgumentsError::Invalid { message, offset } => {
                write!(f, "invalid JSON arguments at byte {offset}: {message}")
            }
        }
    }
}

impl std::error::Error for ArgumentsError {}

/// The `logprobs` of a choice: the entries of every chunk, concatenated.
#[derive(Clone, Debug, Default)]
pub struct ChoiceLogprobs {
    pub(super) content: String,
    pub(super) has_content: bool,
    pub(super) refusal: String,
    pub(super) has_refusal: bool,
}

impl ChoiceLogprobs {
    /// `content`: a JSON array text holding every entry received, or `None` while every
    /// `content` received was null.
    pub fn content(&self) -> Option<&str> {
        self.has_content.then_some(self.content.as_str())
    }

    /// `refusal`: a JSON array text holding every entry received, or `None` while every
    /// `refusal` received was null.
    pub fn refusal(&self) -> Option<&str> {
        self.has_refusal.then_some(self.refusal.as_str())
    }

    fn reset(&mut self) {
        self.content.clear();
        self.has_content = false;
        self.refusal.clear();
        self.has_refusal = false;
    }
}

/// A `finish_reason`, owned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OwnedFinishReason {
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
    Other(String),
}

impl OwnedFinishReason {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            OwnedFinishReason::Stop => "stop",
            OwnedFinishReason::Length => "length",
            OwnedFinishReason::ToolCalls => "tool_calls",
            OwnedFinishReason::ContentFilter => "content_filter",
            OwnedFinishReason::FunctionCall => "function_call",
            OwnedFinishReason::Other(s) => s,
        }
    }

    /// Whether this is the same reason as `r`.
    pub fn is(&self, r: &FinishReason<'_>) -> bool {
        self.as_str() == r.as_str()
    }
}

impl From<&FinishReason<'_>> for OwnedFinishReason {
    fn from(r: &FinishReason<'_>) -> Self {
        match *r {
            FinishReason::Stop => OwnedFinishReason::Stop,
            FinishReason::Length => OwnedFinishReason::Length,
            FinishReason::ToolCalls => OwnedFinishReason::ToolCalls,
            FinishReason::ContentFilter => OwnedFinishReason::ContentFilter,
            FinishReason::FunctionCall => OwnedFinishReason::FunctionCall,
            FinishReason::Other(s) => OwnedFinishReason::Other(s.to_owned()),
        }
    }
}

/// `usage`, owned: the typed counts and the object's JSON text as received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedUsage {
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
    /// The whole `usage` object as received, provider extras included (empty only when
    /// the chunk was built without it).
    pub raw: String,
}

impl OwnedUsage {
    pub(super) fn reset(&mut self) {
        self.prompt_tokens = None;
        self.completion_tokens = None;
        self.total_tokens = None;
        self.prompt_tokens_details = None;
        self.completion_tokens_details = None;
        self.raw.clear();
    }

    /// Overwrites `self` with `u`, reusing the text buffer.
    pub(super) fn set(&mut self, u: &Usage<'_>) {
        self.prompt_tokens = u.prompt_tokens;
        self.completion_tokens = u.completion_tokens;
        self.total_tokens = u.total_tokens;
        self.prompt_tokens_details = u.prompt_tokens_details;
        self.completion_tokens_details = u.completion_tokens_details;
        self.raw.clear();
        self.raw.push_str(u.raw.as_str());
    }
}

/// An `error` object streamed by the provider, owned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedApiError {
    /// `message`.
    pub message: Option<String>,
    /// `type`.
    pub kind: Option<String>,
    /// `code`, as JSON text (a string such as `"tool_use_failed"` with its quotes, or a
    /// number such as `400`).
    pub code: Option<String>,
    /// `param`.
    pub param: Option<String>,
    /// The whole `error` value as received.
    pub raw: String,
}

/// Where an error reported by the stream layer comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamErrorKind {
    /// A data payload that could not be decoded as a chunk.
    Decode,
    /// The SSE framing (e.g. a line or event over its size limit).
    Sse,
    /// Anything else (e.g. the transport failing).
    Other,
}

/// Which [`Limits`](super::Limits) entry was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitKind {
    /// [`Limits::max_choices`](super::Limits::max_choices).
    Choices,
    /// [`Limits::max_tool_calls`](super::Limits::max_tool_calls).
    ToolCalls,
}

/// One error met while accumulating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordedError {
    /// An `error` object in a chunk.
    Api(OwnedApiError),
    /// An error reported by the stream layer through
    /// [`Accumulator::push_error`](super::Accumulator::push_error).
    Stream {
        /// Where it comes from.
        kind: StreamErrorKind,
        /// What happened.
        message: String,
        /// The byte offset in the stream where it happened.
        offset: u64,
    },
    /// A limit was reached: the first fragment ignored (for [`LimitKind::Choices`], once
    /// per stream; for [`LimitKind::ToolCalls`], once per choice). Every ignored fragment
    /// is counted in [`Completion::ignored_fragments`].
    Limit {
        /// Which limit.
        kind: LimitKind,
        /// The choice index of the ignored fragment.
        choice: u32,
        /// The tool-call index of the ignored fragment (equal to `choice` for
        /// [`LimitKind::Choices`]).
        index: u32,
    },
    /// A `content` array whose parts could not be read (kept out of the text).
    ContentParts {
        /// The choice index.
        choice: u32,
        /// Why.
        message: String,
    },
}

impl fmt::Display for RecordedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordedError::Api(e) => {
                f.write_str("the provider reported an error")?;
                if let Some(kind) = &e.kind {
                    write!(f, " ({kind})")?;
                }
                if let Some(code) = &e.code {
                    write!(f, " code {code}")?;
                }
                match &e.message {
                    Some(message) => write!(f, ": {message}"),
                    None => write!(f, ": {}", e.raw),
                }
            }
            RecordedError::Stream {
                message, offset, ..
            } => write!(f, "{message} (event at byte {offset})"),
            RecordedError::Limit {
                kind: LimitKind::Choices,
                choice,
                ..
            } => write!(f, "too many choices: choice {choice} ignored"),
            RecordedError::Limit {
                kind: LimitKind::ToolCalls,
                choice,
                index,
            } => write!(
                f,
                "too many tool calls in choice {choice}: call {index} ignored"
            ),
            RecordedError::ContentParts { choice, message } => {
                write!(f, "unreadable content parts in choice {choice}: {message}")
            }
        }
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

// Equality compares what the accessors show, not the bookkeeping behind them (buffers
// kept for reuse, which call the next index-less fragment goes to).

impl PartialEq for Completion {
    fn eq(&self, o: &Self) -> bool {
        self.id() == o.id()
            && self.created() == o.created()
            && self.model() == o.model()
            && self.system_fingerprint() == o.system_fingerprint()
            && self.service_tier() == o.service_tier()
            && self.choices() == o.choices()
            && self.usage() == o.usage()
            && self.errors() == o.errors()
            && self.errors_dropped() == o.errors_dropped()
            && self.ignored_fragments() == o.ignored_fragments()
            && self.is_done() == o.is_done()
    }
}

impl PartialEq for Choice {
    fn eq(&self, o: &Self) -> bool {
        self.index() == o.index()
            && self.role() == o.role()
            && self.content() == o.content()
            && self.refusal() == o.refusal()
            && self.reasoning() == o.reasoning()
            && self.tool_calls().eq(o.tool_calls())
            && self.function_call() == o.function_call()
            && self.finish_reason() == o.finish_reason()
            && self.logprobs() == o.logprobs()
    }
}

impl PartialEq for ToolCall {
    fn eq(&self, o: &Self) -> bool {
        self.index() == o.index()
            && self.id() == o.id()
            && self.kind() == o.kind()
            && self.name() == o.name()
            && self.arguments() == o.arguments()
            && self.parsed() == o.parsed()
    }
}

impl PartialEq for FunctionCall {
    fn eq(&self, o: &Self) -> bool {
        self.name() == o.name() && self.arguments() == o.arguments() && self.parsed() == o.parsed()
    }
}

impl PartialEq for ChoiceLogprobs {
    fn eq(&self, o: &Self) -> bool {
        self.content() == o.content() && self.refusal() == o.refusal()
    }
}
