//! A description of a chat-completion stream ([`ChatSpec`]), its rendering to SSE bytes
//! ([`render`]) and the completion an accumulator must rebuild from those bytes
//! ([`Expected`]), for structured fuzzing and property tests of `ChatStream`.
//!
//! The description covers what real streams carry: several choices interleaved,
//! content pieces, refusals, reasoning (`reasoning_content`, `reasoning`, thinking
//! parts of array content), tool calls with argument fragments (with or without
//! `index`, sparse and huge indexes, arguments as a JSON object), finish reasons
//! (repeated), usage chunks, API errors in their four forms, comments, `retry` and
//! `id` lines, events of other types, undecodable payloads, `[DONE]` anywhere, LF/CR/CRLF
//! line ends, a BOM, JSON whitespace that spreads a payload over several `data` lines,
//! and every string escaping style. With the `arbitrary` feature every type derives
//! `Arbitrary`, so a fuzzer (or proptest through `arbitrary::Unstructured`) can
//! generate descriptions.
//!
//! The expected completion follows the accumulator's documented rules, applied to the
//! events in stream order: first non-empty `id`/`model`/`system_fingerprint`/
//! `service_tier`, first non-zero `created`, last non-null usage, per choice the first
//! non-empty role, concatenated content/refusal/reasoning (present once any piece
//! arrived), tool calls sorted by index with the first non-empty id and type, the name
//! and the concatenated arguments, the last finish reason; errors in order; `[DONE]`.
//! The rendering is chosen so that every rule applies unambiguously (one tool call
//! at a time per choice, unique ids for index-less calls, names sent whole).

#[cfg(feature = "arbitrary")]
use arbitrary::Arbitrary;

/// Most choices, steps per choice and extras rendered (the rest is ignored).
const MAX_CHOICES: usize = 4;
const MAX_STEPS: usize = 24;
const MAX_EXTRAS: usize = 24;
const MAX_JSON_DEPTH: usize = 12;

/// A whole stream.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug, Default)]
pub struct ChatSpec {
    /// `id` of every chunk (but error chunks).
    pub id: String,
    /// `model` of every chunk.
    pub model: String,
    /// `created` of every chunk.
    pub created: u32,
    /// `service_tier` of every chunk, when set.
    pub service_tier: Option<String>,
    /// `system_fingerprint`, sent only on usage chunks (as vLLM does).
    pub fingerprint: Option<String>,
    /// The first chunk has an empty `id` and `model` and `created` 0 (as Azure's).
    pub empty_first_header: bool,
    /// The choices (their indexes are made distinct).
    pub choices: Vec<ChoiceSpec>,
    /// Which choice sends next, while these last (then round robin).
    pub order: Vec<u8>,
    /// Other events, each inserted at its position (modulo the length so far).
    pub extras: Vec<(u8, Extra)>,
    /// Ends with `data: [DONE]`.
    pub done: bool,
    /// How it is written.
    pub style: Style,
}

/// How the stream is written.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug, Default)]
pub struct Style {
    /// A UTF-8 BOM first.
    pub bom: bool,
    /// Line ends, cycled: 0 LF, 1 CR, 2 CRLF (empty: LF).
    pub line_ends: Vec<u8>,
    /// JSON whitespace: 0 none, 1 spaces, 2 newlines (several `data` lines), 3 mixed.
    pub ws: u8,
    /// String escapes: 0 minimal, 1 non-ASCII as `\u`, 2 everything as `\u`, 3 mixed.
    pub escapes: u8,
    /// `data:` without the optional space (when the value does not start with one).
    pub no_space: bool,
    /// 0: ends with a blank line; 1: without the final blank line; 2: nor the last
    /// line end (the reader's `finish` dispatches the last event anyway).
    pub ending: u8,
    /// Explicit `null`s (`finish_reason`, `logprobs`, `usage`, `content`) and an
    /// unknown member, as real providers send.
    pub nulls: bool,
}

/// One choice.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug, Default)]
pub struct ChoiceSpec {
    /// Wanted `index` (bumped until distinct from the earlier choices').
    pub index: u32,
    /// A first delta with this `role`.
    pub role: Option<String>,
    /// Deltas, in order.
    pub steps: Vec<Step>,
    /// Tool calls without `index` (Anthropic's compatible endpoint): each opens with
    /// a unique `id`.
    pub index_less: bool,
    /// The finish reason, in a last chunk.
    pub finish: Option<Finish>,
    /// The finish chunk is sent this many extra times (`% 3`).
    pub finish_repeats: u8,
}

/// One delta (or, for a tool call, one delta per fragment).
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug)]
pub enum Step {
    /// `delta.content` as a string.
    Content(String),
    /// `delta.content` as an array of parts.
    Parts(Vec<Part>),
    /// `delta.refusal`.
    Refusal(String),
    /// `delta.reasoning_content`.
    ReasoningContent(String),
    /// `delta.reasoning`.
    Reasoning(String),
    /// A tool call, sent as consecutive fragments.
    Call(ToolSpec),
}

/// One part of array content.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug)]
pub enum Part {
    /// `{"type":"text","text":...}`.
    Text(String),
    /// A bare string.
    Bare(String),
    /// `{"text":...}`.
    Untyped(String),
    /// `{"type":"thinking","thinking":[{"type":"text","text":...}, ...]}`.
    Thinking(Vec<String>),
    /// `{"type":"thinking","thinking":...}`.
    ThinkingText(String),
    /// `{"type":"image_url","image_url":{"url":...}}` (ignored).
    Other(String),
}

/// One tool call.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug, Default)]
pub struct ToolSpec {
    /// Wanted `index` (with indexes; bumped until distinct in the choice). Values
    /// near `u32::MAX` are as welcome as small ones.
    pub index: u32,
    /// `id` (made unique when the calls have no index).
    pub id: String,
    /// `function.name`, sent whole in the first fragment.
    pub name: String,
    /// The arguments.
    pub args: Args,
    /// The `id` is repeated in every fragment.
    pub repeat_id: bool,
}

/// Tool-call arguments.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug)]
pub enum Args {
    /// Any text, in these fragments.
    Fragments(Vec<String>),
    /// A JSON value's text cut at these byte positions.
    Json(JsonSpec, Vec<u16>),
    /// A JSON object sent as an object, not as a string.
    Object(Vec<(String, JsonSpec)>),
}

impl Default for Args {
    fn default() -> Self {
        Args::Fragments(Vec::new())
    }
}

/// A JSON value.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug)]
pub enum JsonSpec {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number with a fraction.
    Float(i32, u16),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<JsonSpec>),
    /// An object.
    Obj(Vec<(String, JsonSpec)>),
}

/// A finish reason.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug)]
pub enum Finish {
    /// `stop`.
    Stop,
    /// `length`.
    Length,
    /// `tool_calls`.
    ToolCalls,
    /// `content_filter`.
    ContentFilter,
    /// `function_call`.
    FunctionCall,
    /// Anything.
    Other(String),
}

impl Finish {
    fn wire(&self) -> &str {
        match self {
            Finish::Stop => "stop",
            Finish::Length => "length",
            Finish::ToolCalls => "tool_calls",
            Finish::ContentFilter => "content_filter",
            Finish::FunctionCall => "function_call",
            Finish::Other(s) => s,
        }
    }
}

/// An event (or line) besides the choices' chunks.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug)]
pub enum Extra {
    /// `: text`.
    Comment(String),
    /// `retry: n`.
    Retry(u32),
    /// `id: text`.
    EventId(String),
    /// `event: ping` with this data.
    Ping(String),
    /// A `message` event whose data cannot decode (`}` then the text).
    Garbage(String),
    /// A usage chunk (`"choices": []`).
    Usage(UsageSpec),
    /// An API error.
    Error(ErrorSpec, ErrorForm),
    /// `data: [DONE]`, possibly mid-stream.
    Done,
}

/// Token counts.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug, Default)]
pub struct UsageSpec {
    /// `prompt_tokens`.
    pub prompt: Option<u64>,
    /// `completion_tokens`.
    pub completion: Option<u64>,
    /// `total_tokens`.
    pub total: Option<u64>,
    /// An extra member (`queue_time`-like) with this value.
    pub extra: Option<JsonSpec>,
}

/// An error object.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Debug, Default)]
pub struct ErrorSpec {
    /// `message`.
    pub message: Option<String>,
    /// `type`.
    pub kind: Option<String>,
    /// `code`: a number or a string.
    pub code: Option<Result<u16, String>>,
    /// `param`.
    pub param: Option<String>,
}

/// How an API error is sent.
#[cfg_attr(feature = "arbitrary", derive(Arbitrary))]
#[derive(Clone, Copy, Debug)]
pub enum ErrorForm {
    /// `data: {"error": {...}}`.
    Chunk,
    /// `event: error` and `data: {"error": {...}}`.
    ErrorEvent,
    /// `data: {"error": "message"}` (the message, or `""`).
    Bare,
    /// `event: error` and the message as plain text (`x` first, so it is no JSON).
    Text,
}

// ---------------------------------------------------------------------------------
// The expected outcome

/// The completion (and stream state) a reader must end with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expected {
    /// `id`.
    pub id: Option<String>,
    /// `model`.
    pub model: Option<String>,
    /// `created`.
    pub created: Option<u64>,
    /// `system_fingerprint`.
    pub system_fingerprint: Option<String>,
    /// `service_tier`.
    pub service_tier: Option<String>,
    /// The choices, sorted by index.
    pub choices: Vec<ExpectedChoice>,
    /// The last usage.
    pub usage: Option<ExpectedUsage>,
    /// Every error, in order.
    pub errors: Vec<ExpectedError>,
    /// `[DONE]` arrived.
    pub done: bool,
    /// The SSE last event ID.
    pub last_event_id: String,
    /// The SSE reconnection time.
    pub retry: Option<u64>,
}

/// One choice of [`Expected`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExpectedChoice {
    /// `index`.
    pub index: u32,
    /// `role`.
    pub role: Option<String>,
    /// `content`.
    pub content: Option<String>,
    /// `refusal`.
    pub refusal: Option<String>,
    /// The reasoning text.
    pub reasoning: Option<String>,
    /// The tool calls, sorted by index.
    pub tool_calls: Vec<ExpectedCall>,
    /// `finish_reason` (wire string).
    pub finish_reason: Option<String>,
}

/// One tool call of [`Expected`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExpectedCall {
    /// `index`.
    pub index: u32,
    /// `id`.
    pub id: Option<String>,
    /// `type`.
    pub kind: Option<String>,
    /// `function.name`.
    pub name: String,
    /// `function.arguments`.
    pub arguments: String,
}

/// The usage of [`Expected`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExpectedUsage {
    /// `prompt_tokens`.
    pub prompt: Option<u64>,
    /// `completion_tokens`.
    pub completion: Option<u64>,
    /// `total_tokens`.
    pub total: Option<u64>,
    /// The object's text as sent.
    pub raw: String,
}

/// One error of [`Expected`].
#[derive(Clone, Debug, PartialEq)]
pub enum ExpectedError {
    /// An API error.
    Api {
        /// `message`.
        message: Option<String>,
        /// `type`.
        kind: Option<String>,
        /// `code`'s JSON text.
        code: Option<String>,
        /// `param`.
        param: Option<String>,
        /// The error value's text (`null` for a plain-text `event: error`).
        raw: String,
    },
    /// An undecodable payload, in the event whose first `data` line starts at this
    /// stream offset.
    Decode {
        /// The offset.
        offset: u64,
    },
    /// Anything else (never expected).
    Other(String),
}

/// A rendered stream and what reading it must give.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The SSE bytes.
    pub bytes: Vec<u8>,
    /// The outcome.
    pub expected: Expected,
    /// How many events decode to a chunk.
    pub chunk_events: usize,
}

// ---------------------------------------------------------------------------------
// JSON writing

/// A JSON value to write; `Pre` is text written already (a raw member whose exact
/// text the expectation needs).
enum V {
    Null,
    Num(String),
    Bool(bool),
    Str(String),
    Arr(Vec<V>),
    Obj(Vec<(String, V)>),
    Pre(String),
}

fn s(text: &str) -> V {
    V::Str(text.to_owned())
}

fn obj(members: Vec<(&str, V)>) -> V {
    V::Obj(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

struct Writer {
    ws: u8,
    escapes: u8,
    n: usize,
}

impl Writer {
    fn tick(&mut self) -> usize {
        self.n = self.n.wrapping_add(1);
        self.n
    }

    fn ws(&mut self, out: &mut String) {
        let style = if self.ws % 4 == 3 {
            (self.tick() % 3) as u8
        } else {
            self.ws % 4
        };
        match style {
            1 => out.push(' '),
            2 => out.push_str(if self.tick().is_multiple_of(2) {
                "\n"
            } else {
                "\n\t "
            }),
            _ => {}
        }
    }

    fn write(&mut self, v: &V, out: &mut String) {
        match v {
            V::Null => out.push_str("null"),
            V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            V::Num(n) | V::Pre(n) => out.push_str(n),
            V::Str(text) => self.string(text, out),
            V::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.write(item, out);
                }
                self.ws(out);
                out.push(']');
            }
            V::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.string(k, out);
                    self.ws(out);
                    out.push(':');
                    self.ws(out);
                    self.write(v, out);
                }
                self.ws(out);
                out.push('}');
            }
        }
    }

    fn text(&mut self, v: &V) -> String {
        let mut out = String::new();
        self.write(v, &mut out);
        out
    }

    fn string(&mut self, text: &str, out: &mut String) {
        out.push('"');
        for c in text.chars() {
            let style = if self.escapes % 4 == 3 {
                (self.tick() % 4) as u8
            } else {
                self.escapes % 4
            };
            let upper = self.tick().is_multiple_of(2);
            let u = |out: &mut String, c: char| {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    if upper {
                        out.push_str(&format!("\\u{unit:04X}"));
                    } else {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            };
            match c {
                _ if style == 2 => u(out, c),
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '/' if style == 3 => out.push_str("\\/"),
                _ if (c as u32) < 0x20 => u(out, c),
                _ if !c.is_ascii() && style == 1 => u(out, c),
                _ => out.push(c),
            }
        }
        out.push('"');
    }
}

fn json_value(j: &JsonSpec, depth: usize) -> V {
    if depth >= MAX_JSON_DEPTH {
        return V::Null;
    }
    match j {
        JsonSpec::Null => V::Null,
        JsonSpec::Bool(b) => V::Bool(*b),
        JsonSpec::Int(i) => V::Num(i.to_string()),
        JsonSpec::Float(i, f) => V::Num(format!("{i}.{f}")),
        JsonSpec::Str(t) => s(t),
        JsonSpec::Arr(items) => V::Arr(items.iter().map(|j| json_value(j, depth + 1)).collect()),
        JsonSpec::Obj(m) => V::Obj(
            m.iter()
                .map(|(k, j)| (k.clone(), json_value(j, depth + 1)))
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------------------------
// Events

/// What one event does to the expected outcome.
#[allow(clippy::large_enum_variant)] // a handful per stream
enum Effect {
    None,
    Retry(u64),
    EventId(String),
    Chunk {
        header: bool,
        fingerprint: bool,
        choice: Option<(u32, Delta)>,
        usage: Option<ExpectedUsage>,
        error: Option<ExpectedError>,
    },
    ApiText(String),
    Garbage,
    Done,
}

enum Delta {
    Role(String),
    Content(String),
    Parts {
        text: Option<String>,
        thinking: Option<String>,
    },
    Refusal(String),
    Reasoning(String),
    /// A tool call's fragment: the call's index, its id (first fragment), its name
    /// (first fragment), an arguments piece.
    Call {
        index: u32,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
    Finish(String),
}

/// One SSE event: its lines (name, value) or a standalone line (no blank line after).
struct Event {
    lines: Vec<(&'static str, String)>,
    standalone: bool,
    effect: Effect,
}

fn sanitize(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

struct Builder<'s> {
    spec: &'s ChatSpec,
    w: Writer,
    first_header: bool,
}

impl Builder<'_> {
    fn header(&mut self, members: &mut Vec<(&'static str, V)>) {
        let empty = self.spec.empty_first_header && std::mem::take(&mut self.first_header);
        let (id, model, created) = if empty {
            ("", "", 0)
        } else {
            (
                self.spec.id.as_str(),
                self.spec.model.as_str(),
                self.spec.created,
            )
        };
        members.push(("id", s(id)));
        members.push(("object", s("chat.completion.chunk")));
        members.push(("created", V::Num(created.to_string())));
        members.push(("model", s(model)));
        if let Some(tier) = &self.spec.service_tier {
            members.push(("service_tier", s(tier)));
        }
    }

    fn data_event(&mut self, event: Option<&'static str>, v: &V, effect: Effect) -> Event {
        let text = self.w.text(v);
        let mut lines = Vec::new();
        if let Some(e) = event {
            lines.push(("event", e.to_owned()));
        }
        for line in text.split('\n') {
            lines.push(("data", line.to_owned()));
        }
        Event {
            lines,
            standalone: false,
            effect,
        }
    }

    fn choice_event(&mut self, index: u32, delta: Vec<(&'static str, V)>, effect: Delta) -> Event {
        let nulls = self.spec.style.nulls;
        let mut delta_members = delta;
        let mut choice = vec![("index", V::Num(index.to_string()))];
        let finish = match &effect {
            Delta::Finish(f) => Some(f.clone()),
            _ => None,
        };
        if nulls && !delta_members.iter().any(|(k, _)| *k == "content") {
            delta_members.push(("content", V::Null));
        }
        choice.push(("delta", obj(delta_members)));
        if nulls {
            choice.push(("logprobs", V::Null));
        }
        match finish {
            Some(f) => choice.push(("finish_reason", s(&f))),
            None if nulls => choice.push(("finish_reason", V::Null)),
            None => {}
        }
        let mut members = Vec::new();
        self.header(&mut members);
        members.push(("choices", V::Arr(vec![obj(choice)])));
        if nulls {
            members.push(("usage", V::Null));
            members.push(("x_provider", obj(vec![("id", s("x"))])));
        }
        let effect = Effect::Chunk {
            header: true,
            fingerprint: false,
            choice: Some((index, effect)),
            usage: None,
            error: None,
        };
        self.data_event(None, &obj(members), effect)
    }

    fn choice_events(&mut self, index: u32, c: &ChoiceSpec) -> Vec<Event> {
        let mut out = Vec::new();
        if let Some(role) = &c.role {
            out.push(self.choice_event(index, vec![("role", s(role))], Delta::Role(role.clone())));
        }
        let mut used: Vec<u32> = Vec::new();
        for step in c.steps.iter().take(MAX_STEPS) {
            match step {
                Step::Content(t) => out.push(self.choice_event(
                    index,
                    vec![("content", s(t))],
                    Delta::Content(t.clone()),
                )),
                Step::Refusal(t) => out.push(self.choice_event(
                    index,
                    vec![("refusal", s(t))],
                    Delta::Refusal(t.clone()),
                )),
                Step::ReasoningContent(t) => out.push(self.choice_event(
                    index,
                    vec![("reasoning_content", s(t))],
                    Delta::Reasoning(t.clone()),
                )),
                Step::Reasoning(t) => out.push(self.choice_event(
                    index,
                    vec![("reasoning", s(t))],
                    Delta::Reasoning(t.clone()),
                )),
                Step::Parts(parts) => {
                    let (v, text, thinking) = render_parts(parts);
                    out.push(self.choice_event(
                        index,
                        vec![("content", v)],
                        Delta::Parts { text, thinking },
                    ))
                }
                Step::Call(t) => {
                    let call_index = if c.index_less {
                        used.len() as u32
                    } else {
                        let mut i = t.index;
                        while used.contains(&i) {
                            i = i.wrapping_add(1);
                        }
                        i
                    };
                    let id = if c.index_less {
                        format!("call{}_{}", used.len(), t.id)
                    } else {
                        t.id.clone()
                    };
                    used.push(call_index);
                    self.call_events(index, call_index, &id, t, c.index_less, &mut out);
                }
            }
        }
        if let Some(f) = &c.finish {
            for _ in 0..1 + c.finish_repeats % 3 {
                out.push(self.choice_event(index, Vec::new(), Delta::Finish(f.wire().to_owned())));
            }
        }
        out
    }

    fn call_events(
        &mut self,
        choice: u32,
        index: u32,
        id: &str,
        t: &ToolSpec,
        index_less: bool,
        out: &mut Vec<Event>,
    ) {
        // The arguments: pieces of a string, or one object sent as such.
        let (pieces, object): (Vec<String>, Option<V>) = match &t.args {
            Args::Fragments(f) => (f.iter().take(MAX_STEPS).cloned().collect(), None),
            Args::Json(j, cuts) => {
                let text = Writer {
                    ws: self.spec.style.ws % 2,
                    escapes: self.spec.style.escapes,
                    n: 0,
                }
                .text(&json_value(j, 0));
                (cut_at(&text, cuts), None)
            }
            Args::Object(m) => {
                let v = V::Obj(
                    m.iter()
                        .map(|(k, j)| (k.clone(), json_value(j, 1)))
                        .collect(),
                );
                let text = self.w.text(&v);
                (vec![text.clone()], Some(V::Pre(text)))
            }
        };
        let fragments = pieces.len().max(1);
        for (i, piece) in (0..fragments).map(|i| (i, pieces.get(i).cloned().unwrap_or_default())) {
            let first = i == 0;
            let mut call = Vec::new();
            if !index_less {
                call.push(("index", V::Num(index.to_string())));
            }
            if first || t.repeat_id {
                call.push(("id", s(id)));
            }
            if first {
                call.push(("type", s("function")));
            }
            let mut function = Vec::new();
            if first {
                function.push(("name", s(&t.name)));
            }
            let args = match &object {
                Some(pre) if first => V::Pre(match pre {
                    V::Pre(text) => text.clone(),
                    _ => String::new(),
                }),
                _ => s(&piece),
            };
            function.push(("arguments", args));
            call.push(("function", obj(function)));
            let delta = Delta::Call {
                index,
                id: (first || t.repeat_id).then(|| id.to_owned()),
                name: first.then(|| t.name.clone()),
                arguments: piece,
            };
            out.push(self.choice_event(
                choice,
                vec![("tool_calls", V::Arr(vec![obj(call)]))],
                delta,
            ));
        }
    }

    fn extra(&mut self, e: &Extra) -> Event {
        let standalone = |name: &'static str, value: String, effect: Effect| Event {
            lines: vec![(name, value)],
            standalone: true,
            effect,
        };
        match e {
            Extra::Comment(t) => standalone("", sanitize(t), Effect::None),
            Extra::Retry(n) => standalone("retry", n.to_string(), Effect::Retry(u64::from(*n))),
            Extra::EventId(t) => {
                let t = sanitize(t);
                standalone("id", t.clone(), Effect::EventId(t))
            }
            Extra::Ping(t) => Event {
                lines: vec![("event", "ping".to_owned()), ("data", sanitize(t))],
                standalone: false,
                effect: Effect::None,
            },
            Extra::Garbage(t) => Event {
                lines: vec![("data", format!("}}{}", sanitize(t)))],
                standalone: false,
                effect: Effect::Garbage,
            },
            Extra::Done => Event {
                lines: vec![("data", "[DONE]".to_owned())],
                standalone: false,
                effect: Effect::Done,
            },
            Extra::Usage(u) => {
                let num = |n: Option<u64>| n.map_or(V::Null, |n| V::Num(n.to_string()));
                let mut members = vec![
                    ("prompt_tokens", num(u.prompt)),
                    ("completion_tokens", num(u.completion)),
                    ("total_tokens", num(u.total)),
                ];
                if let Some(extra) = &u.extra {
                    members.push(("queue_time", json_value(extra, 1)));
                }
                let raw = self.w.text(&obj(members));
                let mut chunk = Vec::new();
                self.header(&mut chunk);
                if let Some(f) = &self.spec.fingerprint {
                    chunk.push(("system_fingerprint", s(f)));
                }
                chunk.push(("choices", V::Arr(Vec::new())));
                chunk.push(("usage", V::Pre(raw.clone())));
                let effect = Effect::Chunk {
                    header: true,
                    fingerprint: true,
                    choice: None,
                    usage: Some(ExpectedUsage {
                        prompt: u.prompt,
                        completion: u.completion,
                        total: u.total,
                        raw,
                    }),
                    error: None,
                };
                self.data_event(None, &obj(chunk), effect)
            }
            Extra::Error(e, form) => {
                if let ErrorForm::Text = form {
                    let text = format!("x{}", sanitize(e.message.as_deref().unwrap_or("")));
                    return Event {
                        lines: vec![("event", "error".to_owned()), ("data", text.clone())],
                        standalone: false,
                        effect: Effect::ApiText(text),
                    };
                }
                let expected;
                let value = if let ErrorForm::Bare = form {
                    let message = e.message.clone().unwrap_or_default();
                    let raw = self.w.text(&s(&message));
                    expected = ExpectedError::Api {
                        message: Some(message),
                        kind: None,
                        code: None,
                        param: None,
                        raw: raw.clone(),
                    };
                    V::Pre(raw)
                } else {
                    let code = e.code.as_ref().map(|c| match c {
                        Ok(n) => n.to_string(),
                        Err(t) => self.w.text(&s(t)),
                    });
                    let opt = |t: &Option<String>| t.as_deref().map_or(V::Null, s);
                    let mut members = vec![
                        ("message", opt(&e.message)),
                        ("type", opt(&e.kind)),
                        ("param", opt(&e.param)),
                    ];
                    members.push(("code", code.clone().map_or(V::Null, V::Pre)));
                    let raw = self.w.text(&obj(members));
                    expected = ExpectedError::Api {
                        message: e.message.clone(),
                        kind: e.kind.clone(),
                        code,
                        param: e.param.clone(),
                        raw: raw.clone(),
                    };
                    V::Pre(raw)
                };
                let event = matches!(form, ErrorForm::ErrorEvent).then_some("error");
                let effect = Effect::Chunk {
                    header: false,
                    fingerprint: false,
                    choice: None,
                    usage: None,
                    error: Some(expected),
                };
                self.data_event(event, &obj(vec![("error", value)]), effect)
            }
        }
    }
}

/// The parts array, its text and its thinking text (`None`: no such part).
fn render_parts(parts: &[Part]) -> (V, Option<String>, Option<String>) {
    let mut text: Option<String> = None;
    let mut thinking: Option<String> = None;
    let add = |slot: &mut Option<String>, t: &str| slot.get_or_insert_with(String::new).push_str(t);
    let mut items = Vec::new();
    for p in parts.iter().take(MAX_STEPS) {
        items.push(match p {
            Part::Text(t) => {
                add(&mut text, t);
                obj(vec![("type", s("text")), ("text", s(t))])
            }
            Part::Bare(t) => {
                add(&mut text, t);
                s(t)
            }
            Part::Untyped(t) => {
                add(&mut text, t);
                obj(vec![("text", s(t))])
            }
            Part::Thinking(ts) => {
                let mut list = Vec::new();
                for t in ts.iter().take(MAX_STEPS) {
                    add(&mut thinking, t);
                    list.push(obj(vec![("type", s("text")), ("text", s(t))]));
                }
                obj(vec![("type", s("thinking")), ("thinking", V::Arr(list))])
            }
            Part::ThinkingText(t) => {
                add(&mut thinking, t);
                obj(vec![("type", s("thinking")), ("thinking", s(t))])
            }
            Part::Other(t) => obj(vec![
                ("type", s("image_url")),
                ("image_url", obj(vec![("url", s(t))])),
            ]),
        });
    }
    (V::Arr(items), text, thinking)
}

/// `text` cut at these byte positions (moved back to character boundaries).
fn cut_at(text: &str, cuts: &[u16]) -> Vec<String> {
    let mut at: Vec<usize> = cuts
        .iter()
        .take(MAX_STEPS)
        .map(|&c| {
            let mut i = usize::from(c) % (text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        })
        .collect();
    at.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for i in at.into_iter().chain([text.len()]) {
        out.push(text[from..i].to_owned());
        from = i;
    }
    out
}

/// Renders `spec` to SSE bytes and computes what reading them must give.
pub fn render(spec: &ChatSpec) -> Rendered {
    let mut b = Builder {
        spec,
        w: Writer {
            ws: spec.style.ws,
            escapes: spec.style.escapes,
            n: 0,
        },
        first_header: true,
    };
    // Each choice's events, with distinct indexes.
    let mut queues: Vec<std::collections::VecDeque<Event>> = Vec::new();
    let mut indexes: Vec<u32> = Vec::new();
    for c in spec.choices.iter().take(MAX_CHOICES) {
        let mut index = c.index;
        while indexes.contains(&index) {
            index = index.wrapping_add(1);
        }
        indexes.push(index);
        queues.push(b.choice_events(index, c).into());
    }
    // Interleave them.
    let mut events = Vec::new();
    let mut order = spec.order.iter();
    let mut next = 0;
    while queues.iter().any(|q| !q.is_empty()) {
        let pick = match order.next() {
            Some(&o) => usize::from(o) % queues.len(),
            None => next % queues.len(),
        };
        next += 1;
        if let Some(e) = queues[pick].pop_front() {
            events.push(e);
        }
    }
    for (at, extra) in spec.extras.iter().take(MAX_EXTRAS) {
        let e = b.extra(extra);
        events.insert(usize::from(*at) % (events.len() + 1), e);
    }
    if spec.done {
        events.push(b.extra(&Extra::Done));
    }
    // Lines.
    let mut lines: Vec<(&'static str, String, usize)> = Vec::new(); // (name, value, event)
    for (i, e) in events.iter().enumerate() {
        for (name, value) in &e.lines {
            lines.push((name, value.clone(), i));
        }
        if !e.standalone {
            lines.push(("", String::new(), usize::MAX));
        }
    }
    let ending = spec.style.ending % 3;
    let mut last_end = true;
    if ending >= 1 && lines.last().is_some_and(|l| l.2 == usize::MAX) {
        lines.pop();
    }
    if ending == 2 && !lines.is_empty() {
        last_end = false;
    }
    // Bytes, and the first data line of each event.
    let mut bytes = Vec::new();
    if spec.style.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut data_offset = vec![None; events.len()];
    let ends = &spec.style.line_ends;
    let mut prev_cr = false;
    let count = lines.len();
    for (n, (name, value, event)) in lines.into_iter().enumerate() {
        if name == "data" && event < events.len() && data_offset[event].is_none() {
            data_offset[event] = Some(bytes.len() as u64);
        }
        let blank = event == usize::MAX;
        if !blank {
            bytes.extend_from_slice(name.as_bytes());
            bytes.push(b':');
            if name.is_empty() || !spec.style.no_space || value.starts_with(' ') {
                bytes.push(b' ');
            }
            bytes.extend_from_slice(value.as_bytes());
        }
        if n + 1 == count && !last_end {
            break;
        }
        let mut end: &[u8] = match ends.get(n % ends.len().max(1)).map(|e| e % 3) {
            Some(1) => b"\r",
            Some(2) => b"\r\n",
            _ => b"\n",
        };
        // A CR then an empty line ended by LF would read as one CRLF.
        if prev_cr && blank && end == b"\n" {
            end = b"\r\n";
        }
        prev_cr = end == b"\r";
        bytes.extend_from_slice(end);
    }
    // The expected outcome, event by event.
    let mut x = Expected::default();
    let mut chunk_events = 0;
    let mut seen_header = false;
    for (i, e) in events.into_iter().enumerate() {
        match e.effect {
            Effect::None => {}
            Effect::Retry(n) => x.retry = Some(n),
            Effect::EventId(id) => {
                if !id.contains('\0') {
                    x.last_event_id = id;
                }
            }
            Effect::Done => x.done = true,
            Effect::Garbage => x.errors.push(ExpectedError::Decode {
                offset: data_offset[i].unwrap_or(0),
            }),
            Effect::ApiText(text) => x.errors.push(ExpectedError::Api {
                message: Some(text),
                kind: None,
                code: None,
                param: None,
                raw: "null".to_owned(),
            }),
            Effect::Chunk {
                header,
                fingerprint,
                choice,
                usage,
                error,
            } => {
                chunk_events += 1;
                // Azure's empty first header sets nothing.
                let empty =
                    header && spec.empty_first_header && !std::mem::replace(&mut seen_header, true);
                let ids = header && !empty;
                apply_chunk(
                    &mut x,
                    spec,
                    (header, ids, fingerprint),
                    choice,
                    usage,
                    error,
                );
            }
        }
    }
    Rendered {
        bytes,
        expected: x,
        chunk_events,
    }
}

fn first_non_empty(slot: &mut Option<String>, value: &str) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value.to_owned());
    }
}

fn apply_chunk(
    x: &mut Expected,
    spec: &ChatSpec,
    // A header; with id/model/created (not Azure's empty first one); with a fingerprint.
    (header, ids, fingerprint): (bool, bool, bool),
    choice: Option<(u32, Delta)>,
    usage: Option<ExpectedUsage>,
    error: Option<ExpectedError>,
) {
    if ids {
        first_non_empty(&mut x.id, &spec.id);
        first_non_empty(&mut x.model, &spec.model);
        if x.created.is_none() && spec.created != 0 {
            x.created = Some(u64::from(spec.created));
        }
    }
    if header {
        if let Some(tier) = &spec.service_tier {
            first_non_empty(&mut x.service_tier, tier);
        }
        if fingerprint && let Some(f) = &spec.fingerprint {
            first_non_empty(&mut x.system_fingerprint, f);
        }
    }
    if let Some(u) = usage {
        x.usage = Some(u);
    }
    if let Some(e) = error {
        x.errors.push(e);
    }
    let Some((index, delta)) = choice else {
        return;
    };
    let pos = match x.choices.binary_search_by_key(&index, |c| c.index) {
        Ok(pos) => pos,
        Err(pos) => {
            x.choices.insert(
                pos,
                ExpectedChoice {
                    index,
                    ..ExpectedChoice::default()
                },
            );
            pos
        }
    };
    let c = &mut x.choices[pos];
    let append =
        |slot: &mut Option<String>, t: &str| slot.get_or_insert_with(String::new).push_str(t);
    match delta {
        Delta::Role(r) => first_non_empty(&mut c.role, &r),
        Delta::Content(t) => append(&mut c.content, &t),
        Delta::Parts { text, thinking } => {
            if let Some(t) = text {
                append(&mut c.content, &t);
            }
            if let Some(t) = thinking {
                append(&mut c.reasoning, &t);
            }
        }
        Delta::Refusal(t) => append(&mut c.refusal, &t),
        Delta::Reasoning(t) => append(&mut c.reasoning, &t),
        Delta::Finish(f) => c.finish_reason = Some(f),
        Delta::Call {
            index,
            id,
            name,
            arguments,
        } => {
            let pos = match c.tool_calls.binary_search_by_key(&index, |t| t.index) {
                Ok(pos) => pos,
                Err(pos) => {
                    c.tool_calls.insert(
                        pos,
                        ExpectedCall {
                            index,
                            ..ExpectedCall::default()
                        },
                    );
                    pos
                }
            };
            let call = &mut c.tool_calls[pos];
            if let Some(id) = id {
                first_non_empty(&mut call.id, &id);
            }
            if let Some(name) = name {
                first_non_empty(&mut call.kind, "function");
                call.name.push_str(&name);
            }
            call.arguments.push_str(&arguments);
        }
    }
}

/// Defines, in the calling crate (which must depend on `chunkwise_chat`),
/// `fn check_chat_stream(r: &Rendered, pieces: &[&[u8]]) -> Result<(), String>`: feeds
/// the pieces to a `ChatStream` and checks the final completion, the stream state and
/// the events against [`Rendered`]: the completion equals [`Expected`], every tool call
/// is reported complete exactly once with its whole arguments, and each call's parsed
/// arguments are simd-json's parse of its arguments. A macro so that the fuzz crate and
/// chunkwise-chat's own tests share it without a dependency cycle.
#[macro_export]
macro_rules! chat_observer {
    () => {
        fn check_chat_stream(
            r: &$crate::chat_spec::Rendered,
            pieces: &[&[u8]],
        ) -> ::std::result::Result<(), ::std::string::String> {
            use ::chunkwise_chat::accumulate::{ArgumentsError, RecordedError, StreamErrorKind};
            use ::chunkwise_chat::{ChatEvent, ChatStream};
            use $crate::chat_spec::*;

            let mut stream = ChatStream::new();
            let mut completed: Vec<(u32, u32, String)> = Vec::new();
            let mut chunks = 0;
            let mut on_event = |e: ChatEvent<'_, '_>| match e {
                ChatEvent::Chunk(_) => chunks += 1,
                ChatEvent::ToolCall { choice, call } => {
                    completed.push((choice, call.index(), call.arguments().to_owned()))
                }
                _ => {}
            };
            for piece in pieces {
                stream.feed(piece, &mut on_event);
            }
            let c = stream.finish(&mut on_event).clone();
            let own = |s: Option<&str>| s.map(str::to_owned);
            let mut choices = Vec::new();
            for ch in c.choices() {
                let mut tool_calls = Vec::new();
                for t in ch.tool_calls() {
                    let args = t.arguments();
                    let want = if args.trim_ascii().is_empty() {
                        Err(ArgumentsError::Empty)
                    } else {
                        let mut copy = args.as_bytes().to_vec();
                        ::chunkwise_chat::simd_json::to_owned_value(&mut copy).map_err(|e| {
                            ArgumentsError::Invalid {
                                message: e.to_string(),
                                offset: e.index(),
                            }
                        })
                    };
                    // simd-json keeps repeated object keys, which its equality does not
                    // handle: compare canonical texts.
                    fn canon(v: &::chunkwise_chat::simd_json::OwnedValue) -> String {
                        use ::chunkwise_chat::simd_json::OwnedValue as O;
                        match v {
                            O::Static(s) => format!("{s:?}"),
                            O::String(s) => format!("{s:?}"),
                            O::Array(a) => {
                                let items: Vec<String> = a.iter().map(canon).collect();
                                format!("[{}]", items.join(","))
                            }
                            O::Object(m) => {
                                let mut items: Vec<String> = m
                                    .iter()
                                    .map(|(k, v)| format!("{k:?}:{}", canon(v)))
                                    .collect();
                                items.sort();
                                format!("{{{}}}", items.join(","))
                            }
                        }
                    }
                    let same = match (t.parsed(), &want) {
                        (Some(Ok(a)), Ok(b)) => canon(a) == canon(b),
                        (Some(Err(a)), Err(b)) => a == b,
                        _ => false,
                    };
                    if !same {
                        return Err(format!(
                            "call {}/{}: parsed {:?}, want {:?}",
                            ch.index(),
                            t.index(),
                            t.parsed(),
                            want
                        ));
                    }
                    tool_calls.push(ExpectedCall {
                        index: t.index(),
                        id: own(t.id()),
                        kind: own(t.kind()),
                        name: t.name().to_owned(),
                        arguments: args.to_owned(),
                    });
                }
                choices.push(ExpectedChoice {
                    index: ch.index(),
                    role: own(ch.role()),
                    content: own(ch.content()),
                    refusal: own(ch.refusal()),
                    reasoning: own(ch.reasoning()),
                    tool_calls,
                    finish_reason: ch.finish_reason().map(|f| f.as_str().to_owned()),
                });
            }
            let errors = c
                .errors()
                .iter()
                .map(|e| match e {
                    RecordedError::Api(a) => ExpectedError::Api {
                        message: a.message.clone(),
                        kind: a.kind.clone(),
                        code: a.code.clone(),
                        param: a.param.clone(),
                        raw: a.raw.clone(),
                    },
                    RecordedError::Stream {
                        kind: StreamErrorKind::Decode,
                        offset,
                        ..
                    } => ExpectedError::Decode { offset: *offset },
                    other => ExpectedError::Other(format!("{other:?}")),
                })
                .collect();
            let got = Expected {
                id: own(c.id()),
                model: own(c.model()),
                created: c.created(),
                system_fingerprint: own(c.system_fingerprint()),
                service_tier: own(c.service_tier()),
                choices,
                usage: c.usage().map(|u| ExpectedUsage {
                    prompt: u.prompt_tokens,
                    completion: u.completion_tokens,
                    total: u.total_tokens,
                    raw: u.raw.clone(),
                }),
                errors,
                done: c.is_done(),
                last_event_id: stream.last_event_id().to_owned(),
                retry: stream.retry(),
            };
            if got != r.expected {
                return Err(format!(
                    "completion differs\n got: {got:#?}\nwant: {:#?}",
                    r.expected
                ));
            }
            if chunks != r.chunk_events {
                return Err(format!("{chunks} chunk events, want {}", r.chunk_events));
            }
            // Every call completed exactly once, with its whole arguments.
            let mut want: Vec<(u32, u32, String)> = r
                .expected
                .choices
                .iter()
                .flat_map(|ch| {
                    ch.tool_calls
                        .iter()
                        .map(move |t| (ch.index, t.index, t.arguments.clone()))
                })
                .collect();
            want.sort();
            completed.sort();
            if completed != want {
                return Err(format!("completed calls {completed:?}, want {want:?}"));
            }
            Ok(())
        }
    };
}
