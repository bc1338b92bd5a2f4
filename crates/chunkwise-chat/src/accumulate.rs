//! Accumulation of the final completion: [`Accumulator`] rebuilds, from a stream's
//! decoded chunks, the [`Completion`] a non-streaming request would have returned, the
//! way the official OpenAI SDKs' stream helpers do, and stays right where they go wrong
//! on other providers' streams.
//!
//! # Rules
//!
//! Stream level:
//! - `id`, `model`, `service_tier`, `system_fingerprint`: the first non-empty value (Azure
//!   opens with an empty `id` and `model`; vLLM sends `system_fingerprint` only on the usage
//!   chunk); `created`: the first non-zero value.
//! - `usage`: from the last chunk that carries a non-null one (Perplexity sends cumulative
//!   usage on every chunk, OpenAI on a final chunk with `"choices": []`); a later chunk
//!   without usage (OpenAI's moderation chunk) never resets it. Typed counts and the raw
//!   JSON text are both kept.
//! - Every chunk counts, whatever its `object` (Perplexity's final
//!   `chat.completion.done` carries the finish reason).
//! - Errors: every `error` object, every error the stream layer reports
//!   ([`Accumulator::push_error`]), and the accumulator's own (limits, unreadable content
//!   parts), up to [`Limits::max_errors`] (more are counted).
//! - `[DONE]`: [`Accumulator::push_done`]. A stream that ends without it is incomplete
//!   ([`Completion::is_done`] is `false`), with everything received kept.
//!
//! Per choice (by `index`; choices of `n > 1` arrive interleaved; a choice without `delta`
//! is an empty delta):
//! - `role`: the first non-empty one; a role repeated in every delta is still the role.
//! - `content`: `None` until a content delta (even `""`) arrives, then concatenated. An
//!   array of parts (Mistral's thinking models) adds its `text` parts (`{"type":"text",
//!   "text":...}`, or a part without `type` that has `text`, or a bare string) to the
//!   content and its `thinking` parts (`{"type":"thinking","thinking":[{"type":"text",
//!   "text":...}]}`, or `"thinking"` as a string) to the reasoning; other parts are
//!   ignored. Such an array makes `content` non-`None` only if it has a text part.
//! - `refusal`: `None` until received, then concatenated.
//! - reasoning: `reasoning_content` and `reasoning` both append to one text; a delta
//!   carrying both with the same text appends it once.
//! - `finish_reason`: the last non-null one.
//! - `logprobs`: `None` until a non-null `logprobs` arrives; then the entries of its
//!   `content` and `refusal` arrays are concatenated into one array each (an array that
//!   stays null stays null; a non-array value counts as one entry).
//!
//! Tool calls, per choice:
//! - A fragment with `index` goes to that call. Without `index` (Anthropic's
//!   OpenAI-compatible endpoint): to the call with the same non-empty `id`; a new
//!   non-empty `id` opens a new call at the largest index so far + 1 (or 0); no `id` goes
//!   to the call this choice's previous fragment went to (or call 0).
//! - `id` and `type`: the first non-empty value (later ones, repeated or different, are
//!   ignored). `function.name`: each piece appended, unless empty or equal to the whole
//!   name so far (a repeated name is not doubled). `function.arguments`: appended.
//! - A call is complete when its choice gets a finish reason, when this choice's next
//!   fragment is for another call, or at [`Accumulator::finish`]. Its arguments are then
//!   parsed with simd-json into a value, or an [`ArgumentsError`] for that call alone
//!   ([`ArgumentsError::Empty`] for empty arguments). Callers see each completion in
//!   [`Accumulator::completed_calls`].
//! - Arguments arriving for a complete call (providers interleaving calls) make it
//!   incomplete again. To bound the parsing work on any input, such a re-opened call is
//!   completed again only by a finish reason of its choice, and a call that arguments
//!   re-open after a finish reason completed it, only by [`Accumulator::finish`]. A
//!   fragment that adds no arguments never re-opens a call.
//! - The legacy `delta.function_call`: name and arguments accumulated per choice by the
//!   same rules, parsed when the choice finishes (or at [`Accumulator::finish`]).
//!
//! Limits ([`Limits`]): choices and tool calls are kept in vectors sorted by index, so an
//! index of 4 billion costs one entry; past [`Limits::max_choices`] choices or
//! [`Limits::max_tool_calls`] calls in a choice, a fragment for a new one is ignored
//! (counted in [`Completion::ignored_fragments`], with a [`RecordedError::Limit`] the
//! first time). No input sequence panics.
//!
//! Memory: after the first chunks, pushing a text chunk allocates nothing except the
//! amortised growth of the text buffers; [`Accumulator::reset`] keeps every buffer for
//! the next stream, so a reused accumulator reaches zero allocations per chunk.
//!
//! # Example
//!
//! ```
//! use chunkwise_chat::accumulate::{Accumulator, ToolCallKey};
//! use simd_json::prelude::*;
//! use chunkwise_chat::{Choice, Chunk, Content, Delta, FinishReason, FunctionDelta, ToolCallDelta};
//!
//! fn chunk<'a>(delta: Delta<'a>, finish: Option<FinishReason<'a>>) -> Chunk<'a> {
//!     Chunk {
//!         id: Some("chatcmpl-1"),
//!         model: Some("gpt-4o"),
//!         created: Some(1_700_000_000),
//!         choices: [Choice { index: 0, delta, finish_reason: finish, ..Default::default() }]
//!             .into_iter()
//!             .collect(),
//!         ..Default::default()
//!     }
//! }
//! let call = |id, name, arguments| ToolCallDelta {
//!     index: Some(0),
//!     id,
//!     kind: id.map(|_| "function"),
//!     function: FunctionDelta { name, arguments: Some(arguments) },
//! };
//!
//! let mut acc = Accumulator::new();
//! acc.push(&chunk(Delta { role: Some("assistant"), content: Some(Content::Text("On it.")), ..Default::default() }, None));
//! for fragment in [call(Some("call_1"), Some("get_weather"), ""), call(None, None, "{\"city\":"), call(None, None, "\"Paris\"}")] {
//!     let completed = acc.push(&chunk(Delta { tool_calls: [fragment].into_iter().collect(), ..Default::default() }, None));
//!     assert_eq!(completed, 0);
//! }
//! assert_eq!(acc.push(&chunk(Delta::default(), Some(FinishReason::ToolCalls))), 1);
//! assert_eq!(acc.completed_calls(), [ToolCallKey { choice: 0, index: 0 }]);
//! let done = acc.completion().tool_call(acc.completed_calls()[0]).unwrap();
//! assert_eq!(done.name(), "get_weather");
//! let arguments = done.parsed().unwrap().as_ref().unwrap(); // a simd_json::OwnedValue
//! assert_eq!(arguments.get_str("city"), Some("Paris"));
//! acc.push_done();
//!
//! let completion = acc.into_completion();
//! assert!(completion.is_done());
//! let mut json = Vec::new();
//! completion.write_json(&mut json);
//! assert_eq!(
//!     String::from_utf8(json).unwrap(),
//!     concat!(
//!         r#"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","#,
//!         r#""system_fingerprint":null,"choices":[{"index":0,"message":{"role":"assistant","#,
//!         r#""content":"On it.","refusal":null,"tool_calls":[{"id":"call_1","type":"function","#,
//!         r#""function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"#,
//!         r#""finish_reason":"tool_calls","logprobs":null}],"usage":null}"#,
//!     )
//! );
//! ```

mod completion;
mod json;
mod parse;
#[cfg(test)]
mod partial_tests;
#[cfg(test)]
mod tests;

use std::fmt;

use chunkwise_json::PartialJson;

use completion::Reader;
pub use completion::{
    ArgumentsError, Choice, ChoiceLogprobs, Completion, FunctionCall, LimitKind, OwnedApiError,
    OwnedFinishReason, OwnedUsage, ParsedArguments, RecordedError, StreamErrorKind, ToolCall,
};

use crate::chunk::{self, Chunk, Content, FunctionDelta, Payload, ToolCallDelta};
use parse::Parser;

/// Bounds on what one stream may make the accumulator keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Distinct choice indexes kept per stream (default 1024).
    pub max_choices: usize,
    /// Distinct tool calls kept per choice (default 1024).
    pub max_tool_calls: usize,
    /// Errors kept per stream (default 1024); later ones are only counted.
    pub max_errors: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_choices: 1024,
            max_tool_calls: 1024,
            max_errors: 1024,
        }
    }
}

/// Names one tool call: the choice index and the call index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ToolCallKey {
    /// The choice `index`.
    pub choice: u32,
    /// The tool call `index`.
    pub index: u32,
}

/// Which texts the accumulator also reads incrementally as JSON while they stream (see
/// [`Accumulator::set_partial`]). Off by default: without it the accumulator does no
/// such work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartialOptions {
    /// Read every tool call's `function.arguments` (default `true`).
    pub tool_arguments: bool,
    /// Read every choice's `content` (a structured-output answer; default `false`).
    pub content: bool,
    /// How the readers show incomplete values and their limits.
    pub json: chunkwise_json::Options,
}

impl Default for PartialOptions {
    fn default() -> Self {
        PartialOptions {
            tool_arguments: true,
            content: false,
            json: chunkwise_json::Options::new(),
        }
    }
}

/// What an incremental JSON reader reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartialTarget {
    /// The arguments of the tool call with this index.
    ToolArguments(u32),
    /// The content.
    Content,
}

/// Names one incremental JSON reader: the choice index and what it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialKey {
    /// The choice `index`.
    pub choice: u32,
    /// The text it reads.
    pub target: PartialTarget,
}

/// Rebuilds the final completion from a stream's chunks (see the [module
/// documentation](self) for the rules).
#[derive(Default)]
pub struct Accumulator {
    completion: Completion,
    limits: Limits,
    choice_limit_reported: bool,
    spare_choices: Vec<Choice>,
    #[allow(clippy::vec_box)] // pooled boxes, see `Choice::tool_calls`
    spare_calls: Vec<Box<ToolCall>>,
    work: Work,
}

/// What one `push*`/`finish` call does besides updating the completion.
#[derive(Default)]
struct Work {
    parser: Parser,
    /// Calls completed by the last `push*`/`finish` call.
    completed: Vec<ToolCallKey>,
    partial: Option<PartialOptions>,
    /// Readers that read text or completed values in the last `push*`/`finish` call.
    updated: Vec<PartialKey>,
}

impl Reader {
    /// Gives a reused call or choice a reader with these options (or none).
    fn configure(&mut self, options: Option<chunkwise_json::Options>) {
        match (options, self.json.as_mut()) {
            (Some(o), Some(r)) if *r.options() == o => r.reset(),
            (Some(o), _) => self.json = Some(PartialJson::with_options(o)),
            (None, _) => self.json = None,
        }
    }

    /// Reads the next piece of the text, if there is a reader, and lists it as updated.
    fn push(&mut self, text: &str, key: PartialKey, work: &mut Work) {
        if let Some(json) = &mut self.json {
            // An error stays in the reader, for the caller to see.
            let _ = json.push(text);
            self.list(key, work);
        }
    }

    /// Declares the end of the text (a number at its end completes only then; an
    /// incomplete text becomes an error), and lists the reader if that completed values.
    fn finish(&mut self, key: PartialKey, work: &mut Work) {
        if let Some(json) = &mut self.json
            && !json.text().is_empty()
            && json.error().is_none()
        {
            let _ = json.finish();
            if json.pending_events().len() > 0 {
                self.list(key, work);
            }
        }
    }

    /// Lists the reader among the updated ones, once per `push*`/`finish` call.
    fn list(&mut self, key: PartialKey, work: &mut Work) {
        if !self.listed {
            self.listed = true;
            work.updated.push(key);
        }
    }

    /// Marks its events read and unlists it.
    fn unlist(&mut self) {
        self.listed = false;
        if let Some(json) = &mut self.json {
            json.discard_events();
        }
    }
}

impl fmt::Debug for Accumulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accumulator")
            .field("completion", &self.completion)
            .field("limits", &self.limits)
            .field("completed", &self.work.completed)
            .field("partial", &self.work.partial)
            .finish_non_exhaustive()
    }
}

impl Accumulator {
    /// An accumulator with the default [`Limits`]. Allocates nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// An accumulator with these limits.
    pub fn with_limits(limits: Limits) -> Self {
        Accumulator {
            limits,
            ..Self::default()
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Adds one chunk. Returns how many tool calls it completed (listed in
    /// [`completed_calls`](Accumulator::completed_calls)).
    pub fn push(&mut self, chunk: &Chunk<'_>) -> usize {
        self.begin();
        let c = &mut self.completion;
        first_non_empty(&mut c.id, chunk.id);
        first_non_empty(&mut c.model, chunk.model);
        first_non_empty(&mut c.system_fingerprint, chunk.system_fingerprint);
        first_non_empty(&mut c.service_tier, chunk.service_tier);
        if c.created.is_none() {
            c.created = chunk.created.filter(|&t| t != 0);
        }
        if let Some(u) = &chunk.usage {
            c.usage.set(u);
            c.has_usage = true;
        }
        if let Some(e) = &chunk.error {
            self.record(RecordedError::Api(owned_api_error(e)));
        }
        for choice in &chunk.choices {
            self.push_choice(choice);
        }
        self.work.completed.len()
    }

    /// Adds a decoded payload: a chunk ([`push`](Accumulator::push)) or `[DONE]`
    /// ([`push_done`](Accumulator::push_done)). Returns how many tool calls it completed.
    pub fn push_payload(&mut self, payload: &Payload<'_>) -> usize {
        match payload {
            Payload::Chunk(chunk) => self.push(chunk),
            Payload::Done => {
                self.begin();
                self.push_done();
                0
            }
        }
    }

    /// Records that the `[DONE]` marker arrived.
    pub fn push_done(&mut self) {
        self.completion.done = true;
    }

    /// Whether the `[DONE]` marker arrived.
    pub fn is_done(&self) -> bool {
        self.completion.done
    }

    /// Records an error object the provider sent outside a chunk (e.g. the data of an
    /// `event: error` event).
    pub fn push_api_error(&mut self, error: &chunk::ApiError<'_>) {
        self.record(RecordedError::Api(owned_api_error(error)));
    }

    /// Records an error met by the stream layer (a payload that does not decode, an SSE
    /// limit, a transport failure) at byte `offset` of the stream.
    pub fn push_error(&mut self, kind: StreamErrorKind, message: &str, offset: u64) {
        self.record(RecordedError::Stream {
            kind,
            message: message.to_owned(),
            offset,
        });
    }

    /// Ends the stream: completes every call still incomplete (including legacy function
    /// calls) and returns how many tool calls it completed (listed in
    /// [`completed_calls`](Accumulator::completed_calls)). Whether the stream is complete
    /// is [`is_done`](Accumulator::is_done). Chunks pushed afterwards are still
    /// accumulated.
    pub fn finish(&mut self) -> usize {
        self.begin();
        let Accumulator {
            completion, work, ..
        } = self;
        for choice in &mut completion.choices {
            complete_choice(choice, work, true);
        }
        self.work.completed.len()
    }

    /// The tool calls completed by the last [`push`](Accumulator::push),
    /// [`push_payload`](Accumulator::push_payload) or [`finish`](Accumulator::finish), in
    /// completion order (look them up with [`Completion::tool_call`]).
    pub fn completed_calls(&self) -> &[ToolCallKey] {
        &self.work.completed
    }

    /// Also reads tool-call arguments and/or content incrementally as JSON while they
    /// stream (`None`: stop; the default). Applies to the calls and choices that open
    /// after this call.
    ///
    /// Each reader is a [`PartialJson`], reached with [`partial`](Accumulator::partial),
    /// [`ToolCall::partial_arguments`] or [`Choice::partial_content`]. After each
    /// [`push`](Accumulator::push) (and [`finish`](Accumulator::finish), which completes
    /// a number at the end of the text), [`updated_partials`](Accumulator::updated_partials)
    /// lists the readers that read text or completed values, and each one's
    /// [`PartialJson::pending_events`] are the values that push completed: every value
    /// of the text is reported exactly once. The next push marks them read. Cost: one
    /// scan of each fragment (linear in the text, whatever the number of fragments),
    /// and a second copy of the text.
    ///
    /// ```
    /// use chunkwise_chat::accumulate::{Accumulator, PartialOptions, PartialTarget};
    /// use chunkwise_chat::{Choice, Chunk, Delta, FunctionDelta, ToolCallDelta};
    ///
    /// let mut acc = Accumulator::new();
    /// acc.set_partial(Some(PartialOptions::default()));
    /// let mut seen = Vec::new();
    /// for arguments in [r#"{"city": "Par"#, r#"is", "days": [1, "#, r#"2]}"#] {
    ///     let call = ToolCallDelta {
    ///         index: Some(0),
    ///         function: FunctionDelta { name: Some("forecast"), arguments: Some(arguments) },
    ///         ..Default::default()
    ///     };
    ///     let delta = Delta { tool_calls: [call].into_iter().collect(), ..Default::default() };
    ///     let choice = Choice { index: 0, delta, ..Default::default() };
    ///     acc.push(&Chunk { choices: [choice].into_iter().collect(), ..Default::default() });
    ///     for key in acc.updated_partials() {
    ///         assert_eq!(key.target, PartialTarget::ToolArguments(0));
    ///         let reader = acc.partial(*key).unwrap();
    ///         for event in reader.pending_events() {
    ///             seen.push(format!("{} = {}", event.path(), event.value()));
    ///         }
    ///         seen.push(format!("so far {}", reader.to_json_string().unwrap()));
    ///     }
    /// }
    /// assert_eq!(seen, [
    ///     r#"so far {"city":"Par"}"#,
    ///     r#"$.city = "Paris""#,
    ///     r#"$.days[0] = 1"#,
    ///     r#"so far {"city":"Paris","days":[1]}"#,
    ///     r#"$.days[1] = 2"#,
    ///     r#"$.days = [1,2]"#,
    ///     r#"$ = {"city":"Paris","days":[1,2]}"#,
    ///     r#"so far {"city":"Paris","days":[1,2]}"#,
    /// ]);
    /// ```
    pub fn set_partial(&mut self, options: Option<PartialOptions>) {
        self.work.partial = options;
    }

    /// The incremental reading in force (see [`set_partial`](Accumulator::set_partial)).
    pub fn partial_options(&self) -> Option<PartialOptions> {
        self.work.partial
    }

    /// The readers that read text or completed values in the last
    /// [`push`](Accumulator::push), [`push_payload`](Accumulator::push_payload) or
    /// [`finish`](Accumulator::finish), in the order they were first updated.
    pub fn updated_partials(&self) -> &[PartialKey] {
        &self.work.updated
    }

    /// The incremental reader named by `key`, if there is one.
    pub fn partial(&self, key: PartialKey) -> Option<&PartialJson> {
        let choice = self.completion.choice(key.choice)?;
        match key.target {
            PartialTarget::Content => choice.partial_content(),
            PartialTarget::ToolArguments(index) => choice.tool_call(index)?.partial_arguments(),
        }
    }

    /// Starts a `push*`/`finish` call: forgets the previous one's completed calls, and
    /// marks its readers' events read.
    fn begin(&mut self) {
        let Work {
            completed, updated, ..
        } = &mut self.work;
        completed.clear();
        for key in updated.drain(..) {
            let Some(choice) = self.completion.choice_mut(key.choice) else {
                continue;
            };
            let reader = match key.target {
                PartialTarget::Content => &mut choice.partial,
                PartialTarget::ToolArguments(index) => {
                    match choice.tool_calls.binary_search_by_key(&index, |c| c.index) {
                        Ok(pos) => &mut choice.tool_calls[pos].partial,
                        Err(_) => continue,
                    }
                }
            };
            reader.unlist();
        }
    }

    /// The completion so far (calls not yet complete have no parsed arguments).
    pub fn completion(&self) -> &Completion {
        &self.completion
    }

    /// Ends the stream ([`finish`](Accumulator::finish)) and returns the completion.
    pub fn into_completion(mut self) -> Completion {
        self.finish();
        self.completion
    }

    /// Forgets the stream, keeping the limits and every buffer for the next one.
    pub fn reset(&mut self) {
        self.begin();
        let Accumulator {
            completion: c,
            choice_limit_reported,
            spare_choices,
            spare_calls,
            ..
        } = self;
        *choice_limit_reported = false;
        // Reversed, so that the next stream's first choice gets this one's first buffers.
        for mut choice in c.choices.drain(..).rev() {
            choice.reset(0, spare_calls);
            spare_choices.push(choice);
        }
        c.id.clear();
        c.created = None;
        c.model.clear();
        c.system_fingerprint.clear();
        c.service_tier.clear();
        c.usage.reset();
        c.has_usage = false;
        c.errors.clear();
        c.errors_dropped = 0;
        c.ignored_fragments = 0;
        c.done = false;
    }

    fn record(&mut self, e: RecordedError) {
        record(&mut self.completion, self.limits.max_errors, e);
    }

    fn push_choice(&mut self, ch: &chunk::Choice<'_>) {
        let Some(pos) = self.choice_slot(ch.index) else {
            return;
        };
        let Accumulator {
            completion,
            limits,
            spare_calls,
            work,
            ..
        } = self;
        let choice = &mut completion.choices[pos];
        let d = &ch.delta;
        first_non_empty(&mut choice.role, d.role);
        let content_before = choice.content.len();
        match d.content {
            Some(Content::Text(t)) => {
                choice.has_content = true;
                choice.content.push_str(t);
            }
            Some(Content::Parts(raw)) => {
                if let Err(message) = work.parser.append_parts(choice, raw.as_str()) {
                    let e = RecordedError::ContentParts {
                        choice: ch.index,
                        message,
                    };
                    record(completion, limits.max_errors, e);
                }
            }
            None => {}
        }
        let choice = &mut completion.choices[pos];
        if choice.content.len() > content_before {
            let key = PartialKey {
                choice: choice.index,
                target: PartialTarget::Content,
            };
            choice
                .partial
                .push(&choice.content[content_before..], key, work);
        }
        match (d.reasoning_content, d.reasoning) {
            (Some(a), Some(b)) if a == b => append_reasoning(choice, a),
            (a, b) => {
                for r in [a, b].into_iter().flatten() {
                    append_reasoning(choice, r);
                }
            }
        }
        if let Some(r) = d.refusal {
            choice.has_refusal = true;
            choice.refusal.push_str(r);
        }
        for fragment in &d.tool_calls {
            let choice = &mut completion.choices[pos];
            let pushed =
                push_tool_fragment(choice, fragment, limits.max_tool_calls, spare_calls, work);
            if let Err(index) = pushed {
                completion.ignored_fragments += 1;
                if !choice.limit_reported {
                    choice.limit_reported = true;
                    let e = RecordedError::Limit {
                        kind: LimitKind::ToolCalls,
                        choice: ch.index,
                        index,
                    };
                    record(completion, limits.max_errors, e);
                }
            }
        }
        let choice = &mut completion.choices[pos];
        if let Some(f) = &d.function_call {
            push_function_fragment(choice, f);
        }
        if let Some(lp) = &ch.logprobs {
            let l = &mut choice.logprobs;
            choice.has_logprobs = true;
            if let Some(raw) = lp.content {
                append_array(&mut l.content, &mut l.has_content, raw.as_str());
            }
            if let Some(raw) = lp.refusal {
                append_array(&mut l.refusal, &mut l.has_refusal, raw.as_str());
            }
        }
        if let Some(r) = &ch.finish_reason {
            match &mut choice.finish_reason {
                Some(current) if current.is(r) => {}
                slot => *slot = Some(r.into()),
            }
            complete_choice(choice, work, false);
        }
    }

    /// The position of the choice `index`, inserted if new; `None` past the limit.
    fn choice_slot(&mut self, index: u32) -> Option<usize> {
        let choices = &mut self.completion.choices;
        match choices.binary_search_by_key(&index, |c| c.index) {
            Ok(pos) => Some(pos),
            Err(pos) => {
                if choices.len() >= self.limits.max_choices {
                    self.completion.ignored_fragments += 1;
                    if !self.choice_limit_reported {
                        self.choice_limit_reported = true;
                        self.record(RecordedError::Limit {
                            kind: LimitKind::Choices,
                            choice: index,
                            index,
                        });
                    }
                    return None;
                }
                let mut choice = self.spare_choices.pop().unwrap_or_default();
                choice.reset(index, &mut self.spare_calls);
                let content = self.work.partial.filter(|p| p.content);
                choice.partial.configure(content.map(|p| p.json));
                choices.insert(pos, choice);
                Some(pos)
            }
        }
    }
}

fn record(c: &mut Completion, max_errors: usize, e: RecordedError) {
    if c.errors.len() < max_errors {
        c.errors.push(e);
    } else {
        c.errors_dropped += 1;
    }
}

/// Sets `slot` to `value` if `slot` is still empty.
fn first_non_empty(slot: &mut String, value: Option<&str>) {
    if slot.is_empty()
        && let Some(v) = value
    {
        slot.push_str(v);
    }
}

/// Appends a name piece unless it is empty or repeats the whole name so far.
fn append_name(name: &mut String, piece: Option<&str>) {
    if let Some(p) = piece
        && !p.is_empty()
        && p != name
    {
        name.push_str(p);
    }
}

fn append_reasoning(choice: &mut Choice, text: &str) {
    choice.has_reasoning = true;
    choice.reasoning.push_str(text);
}

/// Appends the entries of the JSON array `raw` to the array text `dst`.
fn append_array(dst: &mut String, has: &mut bool, raw: &str) {
    let t = raw.trim_ascii();
    if t == "null" {
        return;
    }
    let inner = match t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) => inner.trim_ascii(),
        None => t,
    };
    if !*has {
        *has = true;
        dst.clear();
        dst.push('[');
    } else if inner.is_empty() {
        return;
    } else {
        dst.pop(); // the closing bracket
        if dst.len() > 1 {
            dst.push(',');
        }
    }
    dst.push_str(inner);
    dst.push(']');
}

fn push_function_fragment(choice: &mut Choice, f: &FunctionDelta<'_>) {
    choice.has_function_call = true;
    let call = &mut choice.function_call;
    append_name(&mut call.name, f.name);
    if let Some(a) = f.arguments
        && !a.is_empty()
    {
        call.parsed = None;
        call.arguments.push_str(a);
    }
}

/// Adds one tool-call fragment to `choice`. `Err(index)`: ignored, past the limit.
#[allow(clippy::vec_box)]
fn push_tool_fragment(
    choice: &mut Choice,
    fragment: &ToolCallDelta<'_>,
    max_calls: usize,
    spare: &mut Vec<Box<ToolCall>>,
    work: &mut Work,
) -> Result<(), u32> {
    let id = fragment.id.filter(|id| !id.is_empty());
    let index = match (fragment.index, id) {
        (Some(index), _) => index,
        (None, Some(id)) => match choice.tool_calls.iter().find(|c| c.id == id) {
            Some(call) => call.index,
            None => match choice.tool_calls.last() {
                // No index is left after u32::MAX: treated as the limit.
                Some(last) => last.index.checked_add(1).ok_or(u32::MAX)?,
                None => 0,
            },
        },
        (None, None) => choice.last_call.unwrap_or(0),
    };
    let pos = match choice.tool_calls.binary_search_by_key(&index, |c| c.index) {
        Ok(pos) => pos,
        Err(pos) => {
            if choice.tool_calls.len() >= max_calls {
                return Err(index);
            }
            let mut call = spare.pop().unwrap_or_default();
            call.reset(index);
            let arguments = work.partial.filter(|p| p.tool_arguments);
            call.partial.configure(arguments.map(|p| p.json));
            choice.tool_calls.insert(pos, call);
            pos
        }
    };
    if let Some(previous) = choice.last_call
        && previous != index
        && let Ok(p) = choice
            .tool_calls
            .binary_search_by_key(&previous, |c| c.index)
    {
        let call = &mut choice.tool_calls[p];
        if !call.is_complete() && !call.reopened {
            complete_call(call, choice.index, work);
        }
    }
    choice.last_call = Some(index);
    let call = &mut choice.tool_calls[pos];
    first_non_empty(&mut call.id, id);
    first_non_empty(&mut call.kind, fragment.kind);
    append_name(&mut call.name, fragment.function.name);
    if let Some(a) = fragment.function.arguments
        && !a.is_empty()
    {
        if call.is_complete() {
            call.parsed = None;
            call.reopened = true;
            // Completed earlier in this push: no longer complete, so not reported.
            let key = ToolCallKey {
                choice: choice.index,
                index,
            };
            work.completed.retain(|k| *k != key);
        }
        call.arguments.push_str(a);
        let key = PartialKey {
            choice: choice.index,
            target: PartialTarget::ToolArguments(index),
        };
        call.partial.push(a, key, work);
    }
    Ok(())
}

/// Completes the incomplete calls of `choice`: on a finish reason (`at_end` false), those
/// not already completed once by a finish reason; at the end of the stream, all.
fn complete_choice(choice: &mut Choice, work: &mut Work, at_end: bool) {
    for call in &mut choice.tool_calls {
        if !call.is_complete() && (at_end || !call.settled) {
            call.settled = true;
            complete_call(call, choice.index, work);
        }
        // The choice's end ends every text, also of calls completed earlier because the
        // next fragment was for another call (those could have been re-opened).
        let key = PartialKey {
            choice: choice.index,
            target: PartialTarget::ToolArguments(call.index),
        };
        call.partial.finish(key, work);
    }
    let f = &mut choice.function_call;
    if choice.has_function_call && f.parsed.is_none() && (at_end || !f.settled) {
        f.settled = true;
        f.parsed = Some(work.parser.parse_arguments(&f.arguments));
    }
    let key = PartialKey {
        choice: choice.index,
        target: PartialTarget::Content,
    };
    choice.partial.finish(key, work);
}

fn complete_call(call: &mut ToolCall, choice: u32, work: &mut Work) {
    call.parsed = Some(work.parser.parse_arguments(&call.arguments));
    work.completed.push(ToolCallKey {
        choice,
        index: call.index,
    });
}

fn owned_api_error(e: &chunk::ApiError<'_>) -> OwnedApiError {
    OwnedApiError {
        message: e.message.map(str::to_owned),
        kind: e.kind.map(str::to_owned),
        code: e.code.map(|c| c.as_str().to_owned()),
        param: e.param.map(str::to_owned),
        raw: e.raw.as_str().to_owned(),
    }
}
