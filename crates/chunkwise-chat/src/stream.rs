//! [`ChatStream`]: byte pieces in, typed chat events out, the final completion at the
//! end. One object for the whole job: SSE framing, chunk decoding and accumulation.

use chunkwise_sse::{Event, Item, LimitError, Limits, Parser};

use chunkwise_json::PartialJson;

use crate::accumulate::{
    self, Accumulator, Completion, PartialKey, PartialOptions, StreamErrorKind, ToolCall,
};
use crate::chunk::{ApiError, Chunk, Payload};
use crate::decode::{DecodeError, Decoder};

/// What a [`ChatStream`] hands out, in stream order. `'e` is the borrow of the
/// stream's state, `'a` that of the data the chunk's strings point into.
#[derive(Debug)]
pub enum ChatEvent<'e, 'a> {
    /// A decoded chunk (already added to the completion). Its deltas are what a client
    /// streams to the screen.
    Chunk(&'e Chunk<'a>),
    /// A tool call just became complete: its arguments are whole and parsed (see
    /// [`ToolCall::parsed`]). Comes after the chunk that completed it.
    ToolCall {
        /// The choice it belongs to.
        choice: u32,
        /// The call.
        call: &'e ToolCall,
    },
    /// Tool-call arguments or content being read incrementally as JSON (only with
    /// [`ChatStream::set_partial`]) got more text or completed values: the values this
    /// event completed are `json.pending_events()`, each reported once; `json.value()`
    /// is the partial value so far. Comes after the chunk (or the end of the stream)
    /// that caused it, before any [`ChatEvent::ToolCall`] it completed.
    Partial {
        /// Which choice and which text.
        key: PartialKey,
        /// The reader.
        json: &'e PartialJson,
    },
    /// The `[DONE]` end-of-stream marker.
    Done,
    /// Something went wrong with one event; the stream goes on (the error is also
    /// recorded in the completion).
    Error(ChatError<'e, 'a>),
    /// An event of another `event:` type (e.g. a provider's `ping`), handed on as is.
    Other(Event<'a>),
    /// A `retry` field: the reconnection time the server asks for, in milliseconds.
    Retry(u64),
}

/// Errors met while reading a chat stream; none of them stops it.
#[derive(Debug)]
pub enum ChatError<'e, 'a> {
    /// The provider reported an error: an `error` member in a chunk, or an
    /// `event: error` event.
    Api {
        /// The error object (an `event: error` whose data has no `error` object gives
        /// an error with only `raw`, the data as received).
        error: &'e ApiError<'a>,
        /// Stream offset of the event.
        offset: u64,
    },
    /// An event's data is not `[DONE]` nor a chunk this decoder can read.
    Decode {
        /// What was wrong, at which byte of the data.
        error: DecodeError,
        /// Stream offset of the event (of its first `data` line).
        offset: u64,
    },
    /// The SSE layer skipped an event that exceeded a limit.
    Limit(LimitError),
}

/// Reads a chat-completion stream: feed it byte pieces as they arrive, split anywhere.
///
/// ```
/// use chunkwise_chat::{ChatEvent, ChatStream, Content};
///
/// let body = concat!(
///     "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n",
///     "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n",
///     "data: [DONE]\n\n",
/// );
/// let mut stream = ChatStream::new();
/// let mut shown = String::new();
/// for piece in body.as_bytes().chunks(7) {
///     stream.feed(piece, |event| {
///         if let ChatEvent::Chunk(chunk) = event {
///             for choice in &chunk.choices {
///                 if let Some(Content::Text(text)) = choice.delta.content {
///                     shown.push_str(text); // stream it to the screen
///                 }
///             }
///         }
///     });
/// }
/// let completion = stream.finish(|_| {});
/// assert_eq!(shown, "Hello");
/// assert_eq!(completion.choices()[0].content(), Some("Hello"));
/// assert!(completion.is_done());
/// ```
#[derive(Debug, Default)]
pub struct ChatStream {
    sse: Parser,
    decoder: Decoder,
    acc: Accumulator,
}

impl ChatStream {
    /// A stream reader with default limits.
    pub fn new() -> ChatStream {
        ChatStream::default()
    }

    /// A stream reader with the given SSE and accumulation limits.
    pub fn with_limits(sse: Limits, acc: accumulate::Limits) -> ChatStream {
        ChatStream {
            sse: Parser::with_limits(sse),
            decoder: Decoder::new(),
            acc: Accumulator::with_limits(acc),
        }
    }

    /// Also reads tool-call arguments and/or content incrementally as JSON, reported by
    /// [`ChatEvent::Partial`] events (see [`Accumulator::set_partial`]; off by default).
    ///
    /// ```
    /// use chunkwise_chat::accumulate::PartialOptions;
    /// use chunkwise_chat::{ChatEvent, ChatStream};
    ///
    /// let body = concat!(
    ///     "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"add\",\"arguments\":\"{\\\"a\\\": 1, \"}}]}}]}\n\n",
    ///     "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"b\\\": 2}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
    /// );
    /// let mut stream = ChatStream::new();
    /// stream.set_partial(Some(PartialOptions::default()));
    /// let mut seen = Vec::new();
    /// stream.feed(body.as_bytes(), |event| match event {
    ///     ChatEvent::Partial { json, .. } => {
    ///         seen.extend(json.pending_events().map(|e| format!("{} = {}", e.path(), e.value())))
    ///     }
    ///     ChatEvent::ToolCall { call, .. } => seen.push(format!("call {} complete", call.name())),
    ///     _ => {}
    /// });
    /// assert_eq!(seen, ["$.a = 1", "$.b = 2", r#"$ = {"a":1,"b":2}"#, "call add complete"]);
    /// ```
    pub fn set_partial(&mut self, options: Option<PartialOptions>) {
        self.acc.set_partial(options);
    }

    /// Feeds one piece of the response body and calls `f` with every event it
    /// completes.
    pub fn feed(&mut self, piece: &[u8], mut f: impl FnMut(ChatEvent<'_, '_>)) {
        let ChatStream { sse, decoder, acc } = self;
        sse.feed(piece, |item| handle(decoder, acc, item, &mut f));
    }

    /// Ends the stream: dispatches an event left without its blank line (a stream that
    /// ends `data: [DONE]\n` still counts as done; one cut inside an event reports
    /// that event as an error), completes the remaining tool calls, and returns the
    /// completion.
    pub fn finish(&mut self, mut f: impl FnMut(ChatEvent<'_, '_>)) -> &Completion {
        let ChatStream { sse, decoder, acc } = self;
        sse.flush(|item| handle(decoder, acc, item, &mut f));
        acc.finish();
        after_push(acc, &mut f);
        acc.completion()
    }

    /// The completion so far.
    pub fn completion(&self) -> &Completion {
        self.acc.completion()
    }

    /// The accumulator, for its finer-grained queries.
    pub fn accumulator(&self) -> &Accumulator {
        &self.acc
    }

    /// The last event ID (for `Last-Event-ID` on reconnection), `""` if none.
    pub fn last_event_id(&self) -> &str {
        self.sse.last_event_id()
    }

    /// The reconnection time the server asked for, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.sse.retry()
    }

    /// Bytes fed so far.
    pub fn offset(&self) -> u64 {
        self.sse.offset()
    }

    /// Continues the same stream over a new connection (after sending `Last-Event-ID`:
    /// [`last_event_id`](ChatStream::last_event_id)): forgets the partial line and event
    /// of the connection that broke, keeps the last event ID, the retry value and the
    /// completion so far. Offsets count from zero again.
    ///
    /// ```
    /// use chunkwise_chat::ChatStream;
    ///
    /// let mut stream = ChatStream::new();
    /// stream.feed(b"id: 7\ndata: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\ndata: {\"cho", |_| {});
    /// // The connection drops; reconnect with `Last-Event-ID: 7`, and the server resumes.
    /// assert_eq!(stream.last_event_id(), "7");
    /// stream.reconnect();
    /// stream.feed(b"data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n", |_| {});
    /// assert_eq!(stream.completion().choices()[0].content(), Some("Hello"));
    /// ```
    pub fn reconnect(&mut self) {
        self.sse.reset();
    }

    /// Forgets the stream to read another one, keeping every buffer (no allocation
    /// for the next stream of similar size).
    pub fn reset(&mut self) {
        self.sse.clear();
        self.acc.reset();
    }
}

fn handle(
    decoder: &mut Decoder,
    acc: &mut Accumulator,
    item: Item<'_>,
    f: &mut impl FnMut(ChatEvent<'_, '_>),
) {
    match item {
        Item::Event(ev) => {
            let error_event = ev.event == "error";
            if ev.event != "message" && !error_event {
                return f(ChatEvent::Other(ev));
            }
            // Matched by reference: a chunk is large, and is not moved out.
            match &decoder.decode(ev.data) {
                Ok(Payload::Chunk(chunk)) if !error_event || chunk.error.is_some() => {
                    acc.push(chunk);
                    f(ChatEvent::Chunk(chunk));
                    if let Some(error) = &chunk.error {
                        f(ChatEvent::Error(ChatError::Api {
                            error,
                            offset: ev.offset,
                        }));
                    }
                    after_push(acc, f);
                }
                Ok(Payload::Done) => {
                    acc.push_done();
                    f(ChatEvent::Done);
                }
                Err(error) if !error_event => {
                    acc.push_error(StreamErrorKind::Decode, &error.to_string(), ev.offset);
                    f(ChatEvent::Error(ChatError::Decode {
                        error: *error,
                        offset: ev.offset,
                    }));
                }
                // An `event: error` whose data is not an error object.
                _ => {
                    let error = ApiError::from_raw(ev.data);
                    acc.push_api_error(&error);
                    f(ChatEvent::Error(ChatError::Api {
                        error: &error,
                        offset: ev.offset,
                    }));
                }
            }
        }
        Item::Retry(ms) => f(ChatEvent::Retry(ms)),
        Item::Error(e) => {
            acc.push_error(StreamErrorKind::Sse, &e.to_string(), e.offset);
            f(ChatEvent::Error(ChatError::Limit(e)));
        }
    }
}

/// The events of what the last push did besides the chunk itself: readers updated, calls
/// completed.
#[inline]
fn after_push(acc: &Accumulator, f: &mut impl FnMut(ChatEvent<'_, '_>)) {
    for &key in acc.updated_partials() {
        if let Some(json) = acc.partial(key) {
            f(ChatEvent::Partial { key, json });
        }
    }
    for key in acc.completed_calls() {
        if let Some(call) = acc.completion().tool_call(*key) {
            f(ChatEvent::ToolCall {
                choice: key.choice,
                call,
            });
        }
    }
}
