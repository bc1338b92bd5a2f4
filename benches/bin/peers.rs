//! The peers chunkwise is measured against, shared by the `decode`, `accumulate` and
//! `many_streams` benchmarks and the `async_openai_path` program (each includes this
//! file with `#[path]`; not every user needs every item).
//!
//! - [`aoai`]: what an async-openai user runs today. async-openai frames with
//!   `eventsource_stream::EventStream` over the response's `Bytes` stream, stops at
//!   `[DONE]`, skips `keepalive` events and calls
//!   `serde_json::from_str::<CreateChatCompletionStreamResponse>(&event.data)` on each
//!   event (async-openai 0.41, `client.rs`, `stream_mapped_raw_events`). The structs
//!   here have the same fields, types and serde attributes as async-openai's
//!   `CreateChatCompletionStreamResponse`, `ChatChoiceStream`,
//!   `ChatCompletionStreamResponseDelta`, `ChatCompletionMessageToolCallChunk`,
//!   `FunctionCallStream`, `ChatChoiceLogprobs`, `CompletionUsage` and the enums they
//!   use (written here, not copied; async-openai itself is not a dependency). Left
//!   out, in the peer's favour: async-openai also spawns a tokio task per stream and
//!   sends every chunk through an unbounded channel.
//! - [`Framer`]: a hand-rolled SSE framer on `memchr` (lines ending `\n` or `\r\n`,
//!   `data` fields joined with `\n`, comments and other fields skipped; no BOM, no
//!   lone-CR line ends, no limits), handing out each event's data borrowed from the
//!   piece when it lies there whole, else from its own reused buffer.
//! - [`borrowed`]: serde structs borrowing the event data (`Cow<str>` strings, so only
//!   strings with escapes are copied), decoded with `serde_json` (the "strong
//!   hand-rolled baseline") or with simd-json's serde support from a reused copy of
//!   the data with reused buffers (the "best general decoder").
//! - [`value`]: simd-json into its generic `BorrowedValue`, with reused buffers.
//! - [`Hand`]: the accumulation a user writes: concatenate each choice's content,
//!   join tool calls by index, keep the finish reason and usage; at the end, parse
//!   each call's arguments (as a caller must, to run the tool).

#![allow(dead_code)]

use memchr::memchr;

/// async-openai's chunk types, field for field.
pub mod aoai {
    use serde::Deserialize;

    /// `async_openai::types::chat::CreateChatCompletionStreamResponse`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct CreateChatCompletionStreamResponse {
        pub id: String,
        pub choices: Vec<ChatChoiceStream>,
        pub created: u32,
        pub model: String,
        pub service_tier: Option<ServiceTier>,
        pub system_fingerprint: Option<String>,
        pub object: String,
        pub usage: Option<CompletionUsage>,
    }

    /// `ChatChoiceStream`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct ChatChoiceStream {
        pub index: u32,
        pub delta: ChatCompletionStreamResponseDelta,
        pub finish_reason: Option<FinishReason>,
        pub logprobs: Option<ChatChoiceLogprobs>,
    }

    /// `ChatCompletionStreamResponseDelta`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct ChatCompletionStreamResponseDelta {
        pub content: Option<String>,
        pub function_call: Option<FunctionCallStream>,
        pub tool_calls: Option<Vec<ChatCompletionMessageToolCallChunk>>,
        pub role: Option<Role>,
        pub refusal: Option<String>,
    }

    /// `ChatCompletionMessageToolCallChunk`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct ChatCompletionMessageToolCallChunk {
        pub index: u32,
        pub id: Option<String>,
        pub r#type: Option<FunctionType>,
        pub function: Option<FunctionCallStream>,
    }

    /// `FunctionCallStream`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct FunctionCallStream {
        pub name: Option<String>,
        pub arguments: Option<String>,
    }

    /// `FunctionType`.
    #[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
    #[serde(rename_all = "lowercase")]
    pub enum FunctionType {
        Function,
    }

    /// `Role`.
    #[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
    #[serde(rename_all = "lowercase")]
    pub enum Role {
        System,
        User,
        Assistant,
        Tool,
        Function,
    }

    /// `FinishReason`.
    #[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
    #[serde(rename_all = "snake_case")]
    pub enum FinishReason {
        Stop,
        Length,
        ToolCalls,
        ContentFilter,
        FunctionCall,
    }

    /// `ServiceTier`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    #[serde(rename_all = "lowercase")]
    pub enum ServiceTier {
        Auto,
        Default,
        Flex,
        Scale,
        Priority,
    }

    /// `ChatChoiceLogprobs`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct ChatChoiceLogprobs {
        pub content: Option<Vec<ChatCompletionTokenLogprob>>,
        pub refusal: Option<Vec<ChatCompletionTokenLogprob>>,
    }

    /// `ChatCompletionTokenLogprob`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct ChatCompletionTokenLogprob {
        pub token: String,
        pub logprob: f32,
        pub bytes: Option<Vec<u8>>,
        pub top_logprobs: Vec<TopLogprobs>,
    }

    /// `TopLogprobs`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct TopLogprobs {
        pub token: String,
        pub logprob: f32,
        pub bytes: Option<Vec<u8>>,
    }

    /// `CompletionUsage`.
    #[derive(Debug, Deserialize, Clone, PartialEq, Default)]
    pub struct CompletionUsage {
        pub prompt_tokens: u32,
        pub completion_tokens: u32,
        pub total_tokens: u32,
        pub prompt_tokens_details: Option<PromptTokensDetails>,
        pub completion_tokens_details: Option<CompletionTokensDetails>,
    }

    /// `PromptTokensDetails`.
    #[derive(Debug, Deserialize, Clone, PartialEq, Default)]
    pub struct PromptTokensDetails {
        pub audio_tokens: Option<u32>,
        pub cached_tokens: Option<u32>,
    }

    /// `CompletionTokensDetails`.
    #[derive(Debug, Deserialize, Clone, PartialEq, Default)]
    pub struct CompletionTokensDetails {
        pub accepted_prediction_tokens: Option<u32>,
        pub audio_tokens: Option<u32>,
        pub reasoning_tokens: Option<u32>,
        pub rejected_prediction_tokens: Option<u32>,
    }

    /// What async-openai's stream does with one event: `None` to skip it, `Some(None)`
    /// at `[DONE]` (the stream ends), else the chunk (or the error it yields).
    pub fn map_event(
        ev: &eventsource_stream::Event,
    ) -> Option<Option<serde_json::Result<CreateChatCompletionStreamResponse>>> {
        if ev.data == "[DONE]" {
            return Some(None);
        }
        if ev.event == "keepalive" {
            return None;
        }
        Some(Some(serde_json::from_str(&ev.data)))
    }
}

/// Serde structs borrowing the event data: what a careful hand-rolled decoder uses.
pub mod borrowed {
    use std::borrow::Cow;

    use serde::Deserialize;

    /// A string borrowed from the data when it has no escapes (simd-json always
    /// borrows: it unescapes in place). A newtype, because serde borrows a
    /// `Cow<str>` only when it is the field's type itself, not inside an `Option`.
    #[derive(Debug, Deserialize, Clone, PartialEq)]
    pub struct Str<'a>(#[serde(borrow)] pub Cow<'a, str>);

    impl Str<'_> {
        pub fn as_str(&self) -> &str {
            &self.0
        }
    }

    #[derive(Debug, Deserialize)]
    pub struct Chunk<'a> {
        #[serde(borrow)]
        pub id: Option<Str<'a>>,
        #[serde(borrow)]
        pub object: Option<Str<'a>>,
        pub created: Option<u64>,
        #[serde(borrow)]
        pub model: Option<Str<'a>>,
        #[serde(borrow)]
        pub system_fingerprint: Option<Str<'a>>,
        #[serde(borrow)]
        pub service_tier: Option<Str<'a>>,
        #[serde(borrow, default)]
        pub choices: Vec<Choice<'a>>,
        pub usage: Option<Usage>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Choice<'a> {
        #[serde(default)]
        pub index: u32,
        #[serde(borrow, default)]
        pub delta: Delta<'a>,
        #[serde(borrow)]
        pub finish_reason: Option<Str<'a>>,
    }

    #[derive(Debug, Deserialize, Default)]
    pub struct Delta<'a> {
        #[serde(borrow)]
        pub role: Option<Str<'a>>,
        #[serde(borrow)]
        pub content: Option<Str<'a>>,
        #[serde(borrow)]
        pub refusal: Option<Str<'a>>,
        #[serde(borrow)]
        pub tool_calls: Option<Vec<ToolCall<'a>>>,
    }

    #[derive(Debug, Deserialize)]
    pub struct ToolCall<'a> {
        #[serde(default)]
        pub index: u32,
        #[serde(borrow)]
        pub id: Option<Str<'a>>,
        #[serde(borrow, rename = "type")]
        pub kind: Option<Str<'a>>,
        #[serde(borrow)]
        pub function: Option<Function<'a>>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Function<'a> {
        #[serde(borrow)]
        pub name: Option<Str<'a>>,
        #[serde(borrow)]
        pub arguments: Option<Str<'a>>,
    }

    #[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
    pub struct Usage {
        pub prompt_tokens: u64,
        pub completion_tokens: u64,
        pub total_tokens: u64,
    }

    /// Decodes with serde_json (the data must be UTF-8: checked here).
    pub fn serde_json(data: &[u8]) -> Option<Chunk<'_>> {
        let text = std::str::from_utf8(data).ok()?;
        serde_json::from_str(text).ok()
    }

    /// Decodes with simd-json's serde support: `data` is copied into `buf` (simd-json
    /// parses in place) and its internal buffers are reused.
    pub fn simd<'b>(
        data: &[u8],
        buf: &'b mut Vec<u8>,
        buffers: &mut simd_json::Buffers,
    ) -> Option<Chunk<'b>> {
        buf.clear();
        buf.extend_from_slice(data);
        simd_json::serde::from_slice_with_buffers(buf, buffers).ok()
    }
}

/// simd-json's generic borrowed value.
pub mod value {
    use simd_json::BorrowedValue;

    /// Parses `data` (copied into `buf`, buffers reused) into a `BorrowedValue`.
    pub fn parse<'b>(
        data: &[u8],
        buf: &'b mut Vec<u8>,
        buffers: &mut simd_json::Buffers,
    ) -> Option<BorrowedValue<'b>> {
        buf.clear();
        buf.extend_from_slice(data);
        simd_json::to_borrowed_value_with_buffers(buf, buffers).ok()
    }
}

/// A hand-rolled SSE framer on `memchr` (see the module documentation for what it
/// leaves out).
#[derive(Default)]
pub struct Framer {
    /// A line left open at the end of the last piece.
    line: Vec<u8>,
    /// The event's data when it is not one line lying whole in the current piece.
    data: Vec<u8>,
    /// The event has a `data` field (held in `data`).
    has_data: bool,
}

/// Where the pending event's data is.
#[derive(Clone, Copy)]
enum Pending {
    None,
    /// One `data` line lying whole in the current piece, at this range.
    Piece(usize, usize),
    /// In `Framer::data`.
    Buffer,
}

impl Framer {
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Feeds a piece; calls `f` with the data of every event it completes.
    pub fn feed(&mut self, piece: &[u8], mut f: impl FnMut(&[u8])) {
        let mut pending = if self.has_data {
            Pending::Buffer
        } else {
            Pending::None
        };
        let mut pos = 0;
        if !self.line.is_empty() {
            let Some(nl) = memchr(b'\n', piece) else {
                self.line.extend_from_slice(piece);
                return;
            };
            self.line.extend_from_slice(&piece[..nl]);
            let line = std::mem::take(&mut self.line);
            let text = line.strip_suffix(b"\r").unwrap_or(&line);
            pending = self.line_in_buffer(text, pending, &mut f);
            self.line = line;
            self.line.clear();
            pos = nl + 1;
        }
        while let Some(i) = memchr(b'\n', &piece[pos..]) {
            let end = pos + i;
            let stop = if end > pos && piece[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            let text = &piece[pos..stop];
            if text.is_empty() {
                match pending {
                    Pending::Piece(a, b) => f(&piece[a..b]),
                    Pending::Buffer => {
                        f(&self.data);
                        self.data.clear();
                        self.has_data = false;
                    }
                    Pending::None => {}
                }
                pending = Pending::None;
            } else if let Some(value) = data_value(text) {
                let at = pos + (text.len() - value.len());
                pending = match pending {
                    Pending::None => Pending::Piece(at, stop),
                    Pending::Piece(a, b) => {
                        self.data.extend_from_slice(&piece[a..b]);
                        self.data.push(b'\n');
                        self.data.extend_from_slice(value);
                        self.has_data = true;
                        Pending::Buffer
                    }
                    Pending::Buffer => {
                        self.data.push(b'\n');
                        self.data.extend_from_slice(value);
                        Pending::Buffer
                    }
                };
            }
            pos = end + 1;
        }
        if let Pending::Piece(a, b) = pending {
            self.data.extend_from_slice(&piece[a..b]);
            self.has_data = true;
        }
        self.line.extend_from_slice(&piece[pos..]);
    }

    /// A whole line that was carried over from the last piece.
    fn line_in_buffer(
        &mut self,
        text: &[u8],
        pending: Pending,
        f: &mut impl FnMut(&[u8]),
    ) -> Pending {
        if text.is_empty() {
            if self.has_data {
                f(&self.data);
                self.data.clear();
                self.has_data = false;
            }
            return Pending::None;
        }
        if let Some(value) = data_value(text) {
            if self.has_data {
                self.data.push(b'\n');
            }
            self.data.extend_from_slice(value);
            self.has_data = true;
            return Pending::Buffer;
        }
        pending
    }

    /// Bytes held in buffers (their capacities).
    pub fn heap_bytes(&self) -> usize {
        self.line.capacity() + self.data.capacity()
    }
}

/// The value of a `data` field line (`data:value`, one leading space removed), or
/// `None` for another field or a comment.
#[inline]
fn data_value(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"data")?;
    match rest {
        [] => Some(rest),
        [b':', b' ', value @ ..] | [b':', value @ ..] => Some(value),
        _ => None,
    }
}

/// One call, as the hand-written accumulation keeps it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HandCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// One choice, as the hand-written accumulation keeps it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HandChoice {
    pub content: String,
    pub tool_calls: Vec<HandCall>,
    pub finish_reason: Option<String>,
}

/// The accumulation a user writes by hand.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hand {
    pub id: String,
    pub model: String,
    pub choices: Vec<HandChoice>,
    /// (prompt, completion, total) tokens.
    pub usage: Option<(u64, u64, u64)>,
    pub done: bool,
    /// Events decoded as chunks.
    pub chunks: usize,
}

impl Hand {
    pub fn first(&mut self, id: Option<&str>, model: Option<&str>) {
        if self.id.is_empty()
            && let Some(id) = id
        {
            self.id.push_str(id);
        }
        if self.model.is_empty()
            && let Some(model) = model
        {
            self.model.push_str(model);
        }
    }

    pub fn choice(&mut self, index: u32) -> &mut HandChoice {
        let i = index as usize;
        if self.choices.len() <= i {
            self.choices.resize_with(i + 1, HandChoice::default);
        }
        &mut self.choices[i]
    }

    /// Adds one tool-call fragment.
    pub fn call(
        &mut self,
        choice: u32,
        index: u32,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
    ) {
        let calls = &mut self.choice(choice).tool_calls;
        let i = index as usize;
        if calls.len() <= i {
            calls.resize_with(i + 1, HandCall::default);
        }
        let call = &mut calls[i];
        if let Some(id) = id {
            call.id.push_str(id);
        }
        if let Some(name) = name {
            call.name.push_str(name);
        }
        if let Some(arguments) = arguments {
            call.arguments.push_str(arguments);
        }
    }

    /// Adds a chunk of the async-openai path.
    pub fn push_owned(&mut self, c: &aoai::CreateChatCompletionStreamResponse) {
        self.chunks += 1;
        self.first(Some(c.id.as_str()), Some(c.model.as_str()));
        for ch in &c.choices {
            let choice = self.choice(ch.index);
            if let Some(text) = &ch.delta.content {
                choice.content.push_str(text);
            }
            if let Some(reason) = ch.finish_reason {
                choice.finish_reason = Some(finish_name(reason).to_owned());
            }
            for tc in ch.delta.tool_calls.iter().flatten() {
                let f = tc.function.as_ref();
                self.call(
                    ch.index,
                    tc.index,
                    tc.id.as_deref(),
                    f.and_then(|f| f.name.as_deref()),
                    f.and_then(|f| f.arguments.as_deref()),
                );
            }
        }
        if let Some(u) = &c.usage {
            self.usage = Some((
                u.prompt_tokens.into(),
                u.completion_tokens.into(),
                u.total_tokens.into(),
            ));
        }
    }

    /// Adds a borrowed chunk.
    pub fn push_borrowed(&mut self, c: &borrowed::Chunk<'_>) {
        self.chunks += 1;
        self.first(
            c.id.as_ref().map(|s| s.as_str()),
            c.model.as_ref().map(|s| s.as_str()),
        );
        for ch in &c.choices {
            let choice = self.choice(ch.index);
            if let Some(text) = &ch.delta.content {
                choice.content.push_str(text.as_str());
            }
            if let Some(reason) = &ch.finish_reason {
                choice.finish_reason = Some(reason.as_str().to_owned());
            }
            for tc in ch.delta.tool_calls.iter().flatten() {
                let f = tc.function.as_ref();
                self.call(
                    ch.index,
                    tc.index,
                    tc.id.as_ref().map(|s| s.as_str()),
                    f.and_then(|f| f.name.as_ref()).map(|s| s.as_str()),
                    f.and_then(|f| f.arguments.as_ref()).map(|s| s.as_str()),
                );
            }
        }
        if let Some(u) = c.usage {
            self.usage = Some((u.prompt_tokens, u.completion_tokens, u.total_tokens));
        }
    }

    /// Adds a chunk parsed into a simd-json value.
    pub fn push_value(&mut self, c: &simd_json::BorrowedValue<'_>) {
        use simd_json::prelude::*;
        self.chunks += 1;
        self.first(c.get_str("id"), c.get_str("model"));
        for ch in c.get_array("choices").into_iter().flatten() {
            let index = ch.get_u32("index").unwrap_or(0);
            let choice = self.choice(index);
            if let Some(reason) = ch.get_str("finish_reason") {
                choice.finish_reason = Some(reason.to_owned());
            }
            let Some(delta) = ch.get("delta") else {
                continue;
            };
            if let Some(text) = delta.get_str("content") {
                choice.content.push_str(text);
            }
            for tc in delta.get_array("tool_calls").into_iter().flatten() {
                let f = tc.get("function");
                self.call(
                    index,
                    tc.get_u32("index").unwrap_or(0),
                    tc.get_str("id"),
                    f.and_then(|f| f.get_str("name")),
                    f.and_then(|f| f.get_str("arguments")),
                );
            }
        }
        if let Some(u) = c.get("usage").filter(|u| u.is_object()) {
            self.usage = Some((
                u.get_u64("prompt_tokens").unwrap_or(0),
                u.get_u64("completion_tokens").unwrap_or(0),
                u.get_u64("total_tokens").unwrap_or(0),
            ));
        }
    }

    /// Parses every call's arguments with serde_json, as a caller must before running
    /// the tool; returns how many parsed.
    pub fn parse_arguments_serde_json(&self) -> usize {
        let mut ok = 0;
        for call in self.choices.iter().flat_map(|c| &c.tool_calls) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&call.arguments) {
                std::hint::black_box(v);
                ok += 1;
            }
        }
        ok
    }

    /// The same with simd-json (into an owned value, from a copy of the text).
    pub fn parse_arguments_simd(
        &self,
        buf: &mut Vec<u8>,
        buffers: &mut simd_json::Buffers,
    ) -> usize {
        let mut ok = 0;
        for call in self.choices.iter().flat_map(|c| &c.tool_calls) {
            buf.clear();
            buf.extend_from_slice(call.arguments.as_bytes());
            if let Ok(v) = simd_json::to_owned_value_with_buffers(buf, buffers) {
                std::hint::black_box(v);
                ok += 1;
            }
        }
        ok
    }
}

/// The wire name of a finish reason.
pub fn finish_name(r: aoai::FinishReason) -> &'static str {
    match r {
        aoai::FinishReason::Stop => "stop",
        aoai::FinishReason::Length => "length",
        aoai::FinishReason::ToolCalls => "tool_calls",
        aoai::FinishReason::ContentFilter => "content_filter",
        aoai::FinishReason::FunctionCall => "function_call",
    }
}
