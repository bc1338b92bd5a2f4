use simd_json::prelude::*;
use smallvec::SmallVec;

use super::*;
use crate::chunk::{
    self as ck, ApiError, Delta, FinishReason, Logprobs, RawJsonOf, ToolCallDelta, Usage,
};

// ---- helpers -------------------------------------------------------------------------

fn chunk<'a>(choices: impl IntoIterator<Item = ck::Choice<'a>>) -> Chunk<'a> {
    Chunk {
        id: Some("chatcmpl-1"),
        object: Some("chat.completion.chunk"),
        created: Some(1_700_000_000),
        model: Some("gpt-4o"),
        choices: choices.into_iter().collect(),
        ..Default::default()
    }
}

fn choice(index: u32, delta: Delta<'_>) -> ck::Choice<'_> {
    ck::Choice {
        index,
        delta,
        ..Default::default()
    }
}

fn text(index: u32, s: &str) -> ck::Choice<'_> {
    choice(
        index,
        Delta {
            content: Some(Content::Text(s)),
            ..Default::default()
        },
    )
}

fn finish(index: u32, r: FinishReason<'_>) -> ck::Choice<'_> {
    ck::Choice {
        index,
        finish_reason: Some(r),
        ..Default::default()
    }
}

fn tc<'a>(
    index: Option<u32>,
    id: Option<&'a str>,
    name: Option<&'a str>,
    arguments: Option<&'a str>,
) -> ToolCallDelta<'a> {
    ToolCallDelta {
        index,
        id,
        kind: id.map(|_| "function"),
        function: FunctionDelta { name, arguments },
    }
}

fn calls<'a>(index: u32, fragments: impl IntoIterator<Item = ToolCallDelta<'a>>) -> ck::Choice<'a> {
    choice(
        index,
        Delta {
            tool_calls: fragments.into_iter().collect(),
            ..Default::default()
        },
    )
}

fn usage(prompt: u64, completion: u64, raw: &str) -> Usage<'_> {
    Usage {
        prompt_tokens: Some(prompt),
        completion_tokens: Some(completion),
        total_tokens: Some(prompt + completion),
        raw: RawJsonOf(raw),
        ..Default::default()
    }
}

fn json(c: &Completion) -> String {
    let mut out = Vec::new();
    c.write_json(&mut out);
    String::from_utf8(out).unwrap()
}

fn key(choice: u32, index: u32) -> ToolCallKey {
    ToolCallKey { choice, index }
}

fn parsed(call: &ToolCall) -> &simd_json::OwnedValue {
    call.parsed().expect("complete").as_ref().expect("parses")
}

fn encode(v: &simd_json::OwnedValue) -> String {
    v.encode()
}

// ---- stream-level fields ---------------------------------------------------------------

#[test]
fn stream_fields_take_first_non_empty_and_first_non_zero_created() {
    let mut acc = Accumulator::new();
    // Azure opens with an empty id/model and created 0 (prompt filter results).
    acc.push(&Chunk {
        id: Some(""),
        model: Some(""),
        created: Some(0),
        object: Some(""),
        ..Default::default()
    });
    assert_eq!(acc.completion().id(), None);
    assert_eq!(acc.completion().created(), None);
    acc.push(&Chunk {
        id: Some("a"),
        model: Some("m1"),
        created: Some(5),
        service_tier: Some("default"),
        ..Default::default()
    });
    acc.push(&Chunk {
        id: Some("b"),
        model: Some("m2"),
        created: Some(6),
        service_tier: Some("flex"),
        ..Default::default()
    });
    // vLLM: the fingerprint only on the usage chunk.
    acc.push(&Chunk {
        id: Some("c"),
        system_fingerprint: Some("fp_1"),
        usage: Some(usage(1, 2, "{}")),
        ..Default::default()
    });
    acc.push(&Chunk {
        system_fingerprint: Some("fp_2"),
        ..Default::default()
    });
    let c = acc.completion();
    assert_eq!(c.id(), Some("a"));
    assert_eq!(c.model(), Some("m1"));
    assert_eq!(c.created(), Some(5));
    assert_eq!(c.service_tier(), Some("default"));
    assert_eq!(c.system_fingerprint(), Some("fp_1"));
}

#[test]
fn usage_last_non_null_wins_and_is_never_reset() {
    let mut acc = Accumulator::new();
    // Perplexity: cumulative usage on every chunk.
    let mut first = chunk([text(0, "a")]);
    first.usage = Some(usage(
        10,
        1,
        r#"{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11}"#,
    ));
    acc.push(&first);
    let mut second = chunk([text(0, "b")]);
    second.usage = Some(usage(
        10,
        2,
        r#"{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}"#,
    ));
    acc.push(&second);
    // OpenAI's moderation chunk: no usage.
    acc.push(&chunk([text(0, "")]));
    let u = acc.completion().usage().expect("usage kept");
    assert_eq!(u.completion_tokens, Some(2));
    assert_eq!(u.total_tokens, Some(12));
    assert_eq!(
        u.raw,
        r#"{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}"#
    );
    assert_eq!(acc.completion().choices()[0].content(), Some("ab"));
}

#[test]
fn usage_from_final_chunk_without_choices() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "hi")]));
    acc.push(&chunk([finish(0, FinishReason::Stop)]));
    let mut last = chunk([]);
    last.usage = Some(Usage {
        prompt_tokens: Some(3),
        completion_tokens: Some(1),
        total_tokens: Some(4),
        prompt_tokens_details: Some(ck::PromptTokensDetails {
            cached_tokens: Some(0),
            audio_tokens: None,
        }),
        raw: RawJsonOf(
            "{\n  \"prompt_tokens\": 3, \"completion_tokens\": 1,\n  \"total_tokens\": 4,\n  \"prompt_tokens_details\": {\"cached_tokens\": 0}, \"x\": \"a b\"\n}",
        ),
        ..Default::default()
    });
    acc.push(&last);
    acc.push_done();
    let c = acc.into_completion();
    assert_eq!(c.choices().len(), 1);
    assert_eq!(
        c.usage()
            .unwrap()
            .prompt_tokens_details
            .unwrap()
            .cached_tokens,
        Some(0)
    );
    assert!(json(&c).ends_with(
        r#""usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"prompt_tokens_details":{"cached_tokens":0},"x":"a b"}}"#
    ));
}

// ---- message fields ------------------------------------------------------------------------

#[test]
fn role_repeated_in_every_delta_is_the_role() {
    let mut acc = Accumulator::new();
    for piece in ["Hel", "lo"] {
        acc.push(&chunk([choice(
            0,
            Delta {
                role: Some("assistant"),
                content: Some(Content::Text(piece)),
                ..Default::default()
            },
        )]));
    }
    // A later, different role is ignored too; an empty one does not count.
    acc.push(&chunk([choice(
        0,
        Delta {
            role: Some("tool"),
            ..Default::default()
        },
    )]));
    let c = acc.completion();
    assert_eq!(c.choices()[0].role(), Some("assistant"));
    assert_eq!(c.choices()[0].content(), Some("Hello"));

    let mut acc = Accumulator::new();
    acc.push(&chunk([choice(
        0,
        Delta {
            role: Some(""),
            ..Default::default()
        },
    )]));
    acc.push(&chunk([choice(
        0,
        Delta {
            role: Some("assistant"),
            ..Default::default()
        },
    )]));
    assert_eq!(acc.completion().choices()[0].role(), Some("assistant"));
}

#[test]
fn content_is_none_until_a_content_delta_even_empty() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([choice(
        0,
        Delta {
            role: Some("assistant"),
            ..Default::default()
        },
    )]));
    assert_eq!(acc.completion().choices()[0].content(), None);
    acc.push(&chunk([text(0, "")]));
    assert_eq!(acc.completion().choices()[0].content(), Some(""));
    acc.push(&chunk([text(0, "a"), text(0, "b")]));
    assert_eq!(acc.completion().choices()[0].content(), Some("ab"));
}

#[test]
fn refusal_concatenated_and_none_until_received() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "")]));
    assert_eq!(acc.completion().choices()[0].refusal(), None);
    for piece in ["I can't ", "help with that."] {
        acc.push(&chunk([choice(
            0,
            Delta {
                refusal: Some(piece),
                ..Default::default()
            },
        )]));
    }
    assert_eq!(
        acc.completion().choices()[0].refusal(),
        Some("I can't help with that.")
    );
}

#[test]
fn reasoning_from_both_fields_equal_text_once() {
    let mut acc = Accumulator::new();
    assert!(acc.completion().choices().is_empty());
    acc.push(&chunk([choice(
        0,
        Delta {
            reasoning_content: Some("Let "),
            ..Default::default()
        },
    )]));
    acc.push(&chunk([choice(
        0,
        Delta {
            reasoning: Some("me "),
            ..Default::default()
        },
    )]));
    // Some proxies send both with the same text.
    acc.push(&chunk([choice(
        0,
        Delta {
            reasoning_content: Some("think"),
            reasoning: Some("think"),
            ..Default::default()
        },
    )]));
    // Different texts: both, `reasoning_content` first.
    acc.push(&chunk([choice(
        0,
        Delta {
            reasoning_content: Some("."),
            reasoning: Some("!"),
            ..Default::default()
        },
    )]));
    let ch = &acc.completion().choices()[0];
    assert_eq!(ch.reasoning(), Some("Let me think.!"));
    assert_eq!(ch.content(), None);
}

#[test]
fn content_parts_split_into_text_and_reasoning() {
    let mut acc = Accumulator::new();
    // Mistral's thinking models.
    let parts = r#"[{"type":"thinking","thinking":[{"type":"text","text":"Hmm, "},{"type":"text","text":"2+2."}]}]"#;
    acc.push(&chunk([choice(
        0,
        Delta {
            content: Some(Content::Parts(RawJsonOf(parts))),
            ..Default::default()
        },
    )]));
    // Thinking only: no content yet.
    assert_eq!(acc.completion().choices()[0].content(), None);
    let parts = r#"[ {"type": "thinking", "thinking": "Sure."}, {"type": "text", "text": "It is "}, "4", {"text": "."}, {"type": "image_url", "image_url": {"url": "x"}} ]"#;
    acc.push(&chunk([choice(
        0,
        Delta {
            content: Some(Content::Parts(RawJsonOf(parts))),
            ..Default::default()
        },
    )]));
    acc.push(&chunk([text(0, "\n")]));
    let ch = &acc.completion().choices()[0];
    assert_eq!(ch.reasoning(), Some("Hmm, 2+2.Sure."));
    assert_eq!(ch.content(), Some("It is 4.\n"));
    assert!(acc.completion().errors().is_empty());
}

#[test]
fn unreadable_content_parts_are_an_error_not_a_failure() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "ok")]));
    acc.push(&chunk([choice(
        0,
        Delta {
            content: Some(Content::Parts(RawJsonOf("[{\"type\":\"text\",\"text\":"))),
            ..Default::default()
        },
    )]));
    let c = acc.completion();
    assert_eq!(c.choices()[0].content(), Some("ok"));
    assert!(matches!(
        c.errors(),
        [RecordedError::ContentParts { choice: 0, .. }]
    ));
}

#[test]
fn azure_chunk_without_delta_is_an_empty_delta() {
    let mut acc = Accumulator::new();
    // Asynchronous filter chunks: no delta, empty id/model, created 0.
    acc.push(&Chunk {
        id: Some(""),
        model: Some(""),
        created: Some(0),
        object: Some(""),
        choices: [ck::Choice::default()].into_iter().collect(),
        ..Default::default()
    });
    acc.push(&chunk([text(0, "x")]));
    acc.push(&Chunk {
        id: Some(""),
        choices: [ck::Choice::default()].into_iter().collect(),
        ..Default::default()
    });
    let c = acc.completion();
    assert_eq!(c.id(), Some("chatcmpl-1"));
    assert_eq!(c.created(), Some(1_700_000_000));
    assert_eq!(c.choices().len(), 1);
    assert_eq!(c.choices()[0].content(), Some("x"));
    assert!(c.errors().is_empty());
}

#[test]
fn finish_reason_last_non_null_wins() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([finish(0, FinishReason::Length)]));
    acc.push(&chunk([text(0, "")])); // null finish reason: kept
    assert_eq!(
        acc.completion().choices()[0].finish_reason(),
        Some(&OwnedFinishReason::Length)
    );
    acc.push(&chunk([finish(0, FinishReason::Other("eos"))]));
    acc.push(&chunk([finish(0, FinishReason::Other("eos"))]));
    assert_eq!(
        acc.completion().choices()[0].finish_reason(),
        Some(&OwnedFinishReason::Other("eos".into()))
    );
    acc.push(&chunk([finish(0, FinishReason::Stop)]));
    let r = acc.completion().choices()[0].finish_reason().unwrap();
    assert_eq!(r, &OwnedFinishReason::Stop);
    assert_eq!(r.as_str(), "stop");
}

#[test]
fn perplexity_done_chunk_finish_reason_is_kept() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "The answer")]));
    let mut done = chunk([finish(0, FinishReason::Stop)]);
    done.object = Some("chat.completion.done");
    done.usage = Some(usage(
        5,
        2,
        r#"{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}"#,
    ));
    acc.push(&done);
    let c = acc.into_completion();
    assert_eq!(
        c.choices()[0].finish_reason(),
        Some(&OwnedFinishReason::Stop)
    );
    assert_eq!(c.usage().unwrap().total_tokens, Some(7));
    assert!(!c.is_done());
}

#[test]
fn logprobs_none_until_non_null_then_entries_concatenated() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "a")]));
    assert!(acc.completion().choices()[0].logprobs().is_none());
    let with = |content: Option<&'static str>, refusal: Option<&'static str>| ck::Choice {
        index: 0,
        logprobs: Some(Logprobs {
            content: content.map(RawJsonOf),
            refusal: refusal.map(RawJsonOf),
            raw: RawJsonOf("{}"),
        }),
        ..Default::default()
    };
    acc.push(&chunk([with(None, None)]));
    let lp = acc.completion().choices()[0].logprobs().unwrap();
    assert_eq!((lp.content(), lp.refusal()), (None, None));
    acc.push(&chunk([with(
        Some(r#"[{"token":"a","logprob":-0.1}]"#),
        None,
    )]));
    acc.push(&chunk([with(Some("[]"), None)]));
    acc.push(&chunk([with(
        Some(" [ {\"token\":\"b\",\"logprob\":-0.2} ,\n {\"token\":\"c\",\"logprob\":0} ] "),
        None,
    )]));
    acc.push(&chunk([with(Some("null"), None)]));
    let lp = acc.completion().choices()[0].logprobs().unwrap();
    assert_eq!(
        lp.content(),
        Some(
            r#"[{"token":"a","logprob":-0.1},{"token":"b","logprob":-0.2} ,
 {"token":"c","logprob":0}]"#
        )
    );
    assert_eq!(lp.refusal(), None);
    // An array that starts empty stays an array; a non-array counts as one entry.
    acc.push(&chunk([with(None, Some("[]"))]));
    assert_eq!(
        acc.completion().choices()[0].logprobs().unwrap().refusal(),
        Some("[]")
    );
    acc.push(&chunk([with(None, Some(r#"{"token":"x"}"#))]));
    assert_eq!(
        acc.completion().choices()[0].logprobs().unwrap().refusal(),
        Some(r#"[{"token":"x"}]"#)
    );
    let out = json(acc.completion());
    assert!(
        out.contains(r#""logprobs":{"content":[{"token":"a","logprob":-0.1},{"token":"b","logprob":-0.2},{"token":"c","logprob":0}],"refusal":[{"token":"x"}]}"#),
        "{out}"
    );
}

// ---- choices -----------------------------------------------------------------------------

#[test]
fn interleaved_choices_n2_sorted_by_index() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(1, "B1 ")]));
    acc.push(&chunk([text(0, "A1 ")]));
    acc.push(&chunk([text(1, "B2"), text(0, "A2")]));
    acc.push(&chunk([finish(1, FinishReason::Length)]));
    acc.push(&chunk([finish(0, FinishReason::Stop)]));
    let c = acc.completion();
    let got: Vec<_> = c
        .choices()
        .iter()
        .map(|ch| {
            (
                ch.index(),
                ch.content().unwrap(),
                ch.finish_reason().unwrap().as_str(),
            )
        })
        .collect();
    assert_eq!(got, [(0, "A1 A2", "stop"), (1, "B1 B2", "length")]);
    assert_eq!(c.choice(1).unwrap().content(), Some("B1 B2"));
    assert!(c.choice(2).is_none());
}

#[test]
fn huge_indexes_cost_one_entry() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(4_000_000_000, "far")]));
    acc.push(&chunk([text(7, "near")]));
    acc.push(&chunk([calls(
        7,
        [tc(
            Some(4_000_000_000),
            Some("call_x"),
            Some("f"),
            Some("{}"),
        )],
    )]));
    acc.push(&chunk([calls(
        7,
        [tc(Some(u32::MAX), Some("call_y"), Some("g"), Some("[1]"))],
    )]));
    let c = acc.into_completion();
    let indexes: Vec<_> = c.choices().iter().map(Choice::index).collect();
    assert_eq!(indexes, [7, 4_000_000_000]);
    let ch = c.choice(7).unwrap();
    let calls: Vec<_> = ch.tool_calls().map(|t| (t.index(), t.name())).collect();
    assert_eq!(calls, [(4_000_000_000, "f"), (u32::MAX, "g")]);
    assert_eq!(encode(parsed(ch.tool_call(u32::MAX).unwrap())), "[1]");
}

#[test]
fn choice_limit_ignores_new_choices_with_one_error() {
    let mut acc = Accumulator::with_limits(Limits {
        max_choices: 2,
        ..Limits::default()
    });
    assert_eq!(acc.limits().max_choices, 2);
    acc.push(&chunk([text(0, "a"), text(5, "b")]));
    acc.push(&chunk([text(9, "c"), text(0, "d"), text(10, "e")]));
    acc.push(&chunk([text(9, "f")]));
    let c = acc.completion();
    assert_eq!(c.choices().len(), 2);
    assert_eq!(c.choice(0).unwrap().content(), Some("ad"));
    assert_eq!(c.ignored_fragments(), 3);
    assert_eq!(
        c.errors(),
        [RecordedError::Limit {
            kind: LimitKind::Choices,
            choice: 9,
            index: 9
        }]
    );
}

// ---- tool calls --------------------------------------------------------------------------

#[test]
fn tool_call_joined_and_completed_on_finish_reason() {
    let mut acc = Accumulator::new();
    assert_eq!(
        acc.push(&chunk([calls(
            0,
            [tc(Some(0), Some("call_1"), Some("get_"), Some(""))]
        )])),
        0
    );
    acc.push(&chunk([calls(
        0,
        [tc(Some(0), None, Some("weather"), None)],
    )]));
    for piece in ["{\"ci", "ty\": \"Pa", "ris\"}"] {
        assert_eq!(
            acc.push(&chunk([calls(0, [tc(Some(0), None, None, Some(piece))])])),
            0
        );
        assert!(acc.completed_calls().is_empty());
    }
    assert!(
        !acc.completion().choices()[0]
            .tool_call(0)
            .unwrap()
            .is_complete()
    );
    assert_eq!(acc.push(&chunk([finish(0, FinishReason::ToolCalls)])), 1);
    assert_eq!(acc.completed_calls(), [key(0, 0)]);
    let call = acc.completion().tool_call(key(0, 0)).unwrap();
    assert_eq!(call.id(), Some("call_1"));
    assert_eq!(call.kind(), Some("function"));
    assert_eq!(call.name(), "get_weather");
    assert_eq!(call.arguments(), "{\"city\": \"Paris\"}");
    assert_eq!(parsed(call).get_str("city"), Some("Paris"));
    // A repeated finish reason completes nothing again; the next push clears the list.
    assert_eq!(acc.push(&chunk([finish(0, FinishReason::ToolCalls)])), 0);
    assert!(acc.completed_calls().is_empty());
    assert_eq!(acc.finish(), 0);
}

#[test]
fn repeated_id_and_name_are_not_doubled() {
    let mut acc = Accumulator::new();
    // Providers repeating id, type and name in every fragment.
    for piece in ["{\"a\":", "1}"] {
        acc.push(&chunk([calls(
            0,
            [tc(Some(0), Some("call_9"), Some("lookup"), Some(piece))],
        )]));
    }
    // A different later id and an empty one are ignored; so is an empty name.
    acc.push(&chunk([calls(
        0,
        [ToolCallDelta {
            index: Some(0),
            id: Some("call_other"),
            kind: Some("custom"),
            function: FunctionDelta {
                name: Some(""),
                arguments: None,
            },
        }],
    )]));
    acc.push(&chunk([calls(0, [tc(Some(0), Some(""), None, None)])]));
    acc.finish();
    let call = acc.completion().tool_call(key(0, 0)).unwrap();
    assert_eq!(call.id(), Some("call_9"));
    assert_eq!(call.kind(), Some("function"));
    assert_eq!(call.name(), "lookup");
    assert_eq!(encode(parsed(call)), r#"{"a":1}"#);
}

#[test]
fn tool_calls_without_index_anthropic_style() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "Let me check.")]));
    acc.push(&chunk([calls(
        0,
        [tc(None, Some("toolu_1"), Some("a"), Some(""))],
    )]));
    acc.push(&chunk([calls(
        0,
        [tc(None, None, None, Some("{\"x\":1}"))],
    )]));
    // A new id: a new call, completing the previous one.
    assert_eq!(
        acc.push(&chunk([calls(
            0,
            [tc(None, Some("toolu_2"), Some("b"), Some("{\"y\":"))]
        )])),
        1
    );
    assert_eq!(acc.completed_calls(), [key(0, 0)]);
    acc.push(&chunk([calls(0, [tc(None, None, None, Some("2}"))])]));
    // The id of an existing call: that call (a no-op fragment here).
    assert_eq!(
        acc.push(&chunk([calls(
            0,
            [tc(None, Some("toolu_1"), None, Some(""))]
        )])),
        1
    );
    assert_eq!(acc.completed_calls(), [key(0, 1)]);
    acc.push(&chunk([finish(0, FinishReason::ToolCalls)]));
    let c = acc.into_completion();
    let got: Vec<_> = c.choices()[0]
        .tool_calls()
        .map(|t| (t.index(), t.id().unwrap(), t.name(), encode(parsed(t))))
        .collect();
    assert_eq!(
        got,
        [
            (0, "toolu_1", "a", r#"{"x":1}"#.to_owned()),
            (1, "toolu_2", "b", r#"{"y":2}"#.to_owned())
        ]
    );
}

#[test]
fn tool_call_without_index_or_id_first_is_call_zero() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([calls(0, [tc(None, None, Some("f"), Some("{}"))])]));
    acc.push(&chunk([calls(0, [tc(None, Some("id_late"), None, None)])]));
    let c = acc.into_completion();
    let ch = &c.choices()[0];
    // The id is new, so it opened call 1 (ids are how index-less calls are told apart).
    assert_eq!(ch.tool_calls().len(), 2);
    assert_eq!(ch.tool_call(0).unwrap().name(), "f");
    assert_eq!(ch.tool_call(1).unwrap().id(), Some("id_late"));
}

#[test]
fn tool_calls_starting_at_index_one() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "Checking.")]));
    acc.push(&chunk([calls(
        0,
        [tc(Some(1), Some("toolu_1"), Some("get_time"), Some(""))],
    )]));
    acc.push(&chunk([calls(0, [tc(Some(1), None, None, Some("{}"))])]));
    acc.push(&chunk([finish(0, FinishReason::ToolCalls)]));
    acc.push_done();
    let c = acc.into_completion();
    assert_eq!(c.choices()[0].tool_calls().len(), 1);
    assert_eq!(
        json(&c),
        concat!(
            r#"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","#,
            r#""system_fingerprint":null,"choices":[{"index":0,"message":{"role":"assistant","#,
            r#""content":"Checking.","refusal":null,"tool_calls":[{"id":"toolu_1","type":"function","#,
            r#""function":{"name":"get_time","arguments":"{}"}}]},"finish_reason":"tool_calls","#,
            r#""logprobs":null}],"usage":null}"#
        )
    );
}

#[test]
fn later_call_index_completes_previous_call() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([calls(
        0,
        [tc(Some(0), Some("c0"), Some("f"), Some("{\"a\":1}"))],
    )]));
    // Two fragments in one delta: call 1 opens (completing 0), then call 2 (completing 1).
    let n = acc.push(&chunk([calls(
        0,
        [
            tc(Some(1), Some("c1"), Some("g"), Some("{}")),
            tc(Some(2), Some("c2"), Some("h"), Some("{\"b\"")),
        ],
    )]));
    assert_eq!(n, 2);
    assert_eq!(acc.completed_calls(), [key(0, 0), key(0, 1)]);
    assert!(acc.completion().tool_call(key(0, 1)).unwrap().is_complete());
    acc.push(&chunk([calls(0, [tc(Some(2), None, None, Some(":2}"))])]));
    // End of stream completes the last call.
    assert_eq!(acc.finish(), 1);
    assert_eq!(acc.completed_calls(), [key(0, 2)]);
    assert_eq!(
        encode(parsed(acc.completion().tool_call(key(0, 2)).unwrap())),
        r#"{"b":2}"#
    );
}

#[test]
fn interleaved_tool_calls_reopen_and_complete_at_finish() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([calls(
        0,
        [tc(Some(0), Some("c0"), Some("f"), Some("{\"a\":"))],
    )]));
    // Call 1 arrives: call 0 completes, with arguments that do not parse yet.
    assert_eq!(
        acc.push(&chunk([calls(
            0,
            [tc(Some(1), Some("c1"), Some("g"), Some("[1,"))]
        )])),
        1
    );
    let c0 = acc.completion().tool_call(key(0, 0)).unwrap();
    assert!(matches!(
        c0.parsed(),
        Some(Err(ArgumentsError::Invalid { .. }))
    ));
    // More arguments for call 0: it is open again; call 1 completes.
    assert_eq!(
        acc.push(&chunk([calls(0, [tc(Some(0), None, None, Some("1}"))])])),
        1
    );
    assert_eq!(acc.completed_calls(), [key(0, 1)]);
    assert!(!acc.completion().tool_call(key(0, 0)).unwrap().is_complete());
    // Switching away from a re-opened call no longer completes it.
    assert_eq!(
        acc.push(&chunk([calls(0, [tc(Some(1), None, None, Some("2]"))])])),
        0
    );
    assert_eq!(
        acc.push(&chunk([calls(0, [tc(Some(0), None, None, Some(""))])])),
        0
    );
    // The finish reason completes both.
    assert_eq!(acc.push(&chunk([finish(0, FinishReason::ToolCalls)])), 2);
    assert_eq!(acc.completed_calls(), [key(0, 0), key(0, 1)]);
    let c = acc.completion();
    assert_eq!(
        encode(parsed(c.tool_call(key(0, 0)).unwrap())),
        r#"{"a":1}"#
    );
    assert_eq!(encode(parsed(c.tool_call(key(0, 1)).unwrap())), "[1,2]");
}

#[test]
fn call_reopened_after_finish_reason_completes_only_at_end() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([calls(
        0,
        [tc(Some(0), Some("c0"), Some("f"), Some("{"))],
    )]));
    assert_eq!(acc.push(&chunk([finish(0, FinishReason::ToolCalls)])), 1);
    acc.push(&chunk([calls(0, [tc(Some(0), None, None, Some("}"))])]));
    assert_eq!(acc.push(&chunk([finish(0, FinishReason::ToolCalls)])), 0);
    assert!(!acc.completion().tool_call(key(0, 0)).unwrap().is_complete());
    assert_eq!(acc.finish(), 1);
    assert_eq!(
        encode(parsed(acc.completion().tool_call(key(0, 0)).unwrap())),
        "{}"
    );
}

#[test]
fn invalid_arguments_fail_only_their_call() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([calls(
        0,
        [
            tc(
                Some(0),
                Some("c0"),
                Some("good"),
                Some("{\"q\": [1, 2.5, \"\\u00e9\"]}"),
            ),
            tc(Some(1), Some("c1"), Some("bad"), Some("{\"q\": tru")),
            tc(Some(2), Some("c2"), Some("empty"), Some("")),
            tc(Some(3), Some("c3"), Some("blank"), Some(" \n")),
        ],
    )]));
    assert_eq!(acc.push(&chunk([finish(0, FinishReason::ToolCalls)])), 1);
    acc.push(&chunk([calls(
        1,
        [tc(Some(0), Some("d0"), Some("also_good"), Some("{}"))],
    )]));
    let c = acc.into_completion();
    let ch = c.choice(0).unwrap();
    assert_eq!(
        encode(parsed(ch.tool_call(0).unwrap())),
        r#"{"q":[1,2.5,"é"]}"#
    );
    match ch.tool_call(1).unwrap().parsed() {
        Some(Err(e @ ArgumentsError::Invalid { .. })) => {
            assert!(
                e.to_string().starts_with("invalid JSON arguments at byte"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ch.tool_call(2).unwrap().parsed(),
        Some(&Err(ArgumentsError::Empty))
    );
    assert_eq!(
        ch.tool_call(3).unwrap().parsed(),
        Some(&Err(ArgumentsError::Empty))
    );
    assert_eq!(ArgumentsError::Empty.to_string(), "empty arguments");
    // The other choice's call was completed by `into_completion`.
    assert_eq!(
        encode(parsed(c.choice(1).unwrap().tool_call(0).unwrap())),
        "{}"
    );
    assert!(c.errors().is_empty());
    // The JSON keeps the arguments text as received.
    assert!(json(&c).contains(r#""function":{"name":"bad","arguments":"{\"q\": tru"}"#));
}

#[test]
fn deeply_nested_arguments_are_an_error_not_a_crash() {
    let mut acc = Accumulator::new();
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    acc.push(&chunk([calls(
        0,
        [tc(Some(0), Some("c"), Some("f"), Some(&deep))],
    )]));
    acc.finish();
    let call = acc.completion().tool_call(key(0, 0)).unwrap();
    assert!(matches!(
        call.parsed(),
        Some(Err(ArgumentsError::Invalid { .. }))
    ));
}

#[test]
fn tool_call_limit_per_choice() {
    let mut acc = Accumulator::with_limits(Limits {
        max_tool_calls: 2,
        ..Limits::default()
    });
    acc.push(&chunk([calls(
        0,
        [
            tc(Some(0), Some("a"), Some("f"), Some("{}")),
            tc(Some(1), Some("b"), Some("f"), Some("{}")),
            tc(Some(2), Some("c"), Some("f"), Some("{}")),
        ],
    )]));
    acc.push(&chunk([calls(0, [tc(Some(3), None, None, Some("{}"))])]));
    acc.push(&chunk([calls(0, [tc(Some(1), None, None, Some(" "))])]));
    acc.push(&chunk([calls(
        1,
        [
            tc(Some(5), Some("d"), Some("f"), Some("{}")),
            tc(Some(6), Some("e"), Some("f"), Some("{}")),
            tc(Some(7), Some("f"), Some("f"), Some("{}")),
        ],
    )]));
    let c = acc.into_completion();
    assert_eq!(c.choice(0).unwrap().tool_calls().len(), 2);
    assert_eq!(
        c.choice(0).unwrap().tool_call(1).unwrap().arguments(),
        "{} "
    );
    assert_eq!(c.choice(1).unwrap().tool_calls().len(), 2);
    assert_eq!(c.ignored_fragments(), 3);
    assert_eq!(
        c.errors(),
        [
            RecordedError::Limit {
                kind: LimitKind::ToolCalls,
                choice: 0,
                index: 2
            },
            RecordedError::Limit {
                kind: LimitKind::ToolCalls,
                choice: 1,
                index: 7
            }
        ]
    );
}

#[test]
fn no_index_left_after_u32_max_is_a_limit() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([calls(
        0,
        [tc(Some(u32::MAX), Some("a"), Some("f"), Some("{}"))],
    )]));
    acc.push(&chunk([calls(
        0,
        [tc(None, Some("b"), Some("g"), Some("{}"))],
    )]));
    let c = acc.completion();
    assert_eq!(c.choices()[0].tool_calls().len(), 1);
    assert_eq!(c.ignored_fragments(), 1);
    assert!(matches!(
        c.errors(),
        [RecordedError::Limit {
            kind: LimitKind::ToolCalls,
            ..
        }]
    ));
}

#[test]
fn legacy_function_call() {
    let mut acc = Accumulator::new();
    let f = |name, arguments| {
        choice(
            0,
            Delta {
                function_call: Some(FunctionDelta { name, arguments }),
                ..Default::default()
            },
        )
    };
    acc.push(&chunk([f(Some("get_"), Some(""))]));
    acc.push(&chunk([f(Some("time"), Some("{\"tz\":"))]));
    acc.push(&chunk([f(Some("get_time"), Some("\"UTC\"}"))]));
    assert_eq!(
        acc.completion().choices()[0]
            .function_call()
            .unwrap()
            .parsed(),
        None
    );
    acc.push(&chunk([finish(0, FinishReason::FunctionCall)]));
    let c = acc.into_completion();
    let fc = c.choices()[0].function_call().unwrap();
    assert_eq!(fc.name(), "get_time");
    assert_eq!(fc.arguments(), "{\"tz\":\"UTC\"}");
    assert_eq!(
        fc.parsed().unwrap().as_ref().unwrap().get_str("tz"),
        Some("UTC")
    );
    assert!(json(&c).contains(
        r#""tool_calls":null,"function_call":{"name":"get_time","arguments":"{\"tz\":\"UTC\"}"}},"finish_reason":"function_call""#
    ));
}

// ---- errors and end of stream ------------------------------------------------------------

#[test]
fn every_error_is_recorded_in_order() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "partial")]));
    acc.push_error(StreamErrorKind::Decode, "expected ':'", 120);
    let mut failed = chunk([finish(0, FinishReason::Other("error"))]);
    failed.error = Some(ApiError {
        message: Some("Overloaded"),
        kind: Some("overloaded_error"),
        code: Some(RawJsonOf("529")),
        param: None,
        raw: RawJsonOf(r#"{"message":"Overloaded","type":"overloaded_error","code":529}"#),
    });
    failed.usage = Some(usage(1, 1, r#"{"prompt_tokens":1}"#));
    acc.push(&failed);
    acc.push_error(StreamErrorKind::Sse, "line too long", 9000);
    let c = acc.into_completion();
    assert_eq!(
        c.errors(),
        [
            RecordedError::Stream {
                kind: StreamErrorKind::Decode,
                message: "expected ':'".into(),
                offset: 120
            },
            RecordedError::Api(OwnedApiError {
                message: Some("Overloaded".into()),
                kind: Some("overloaded_error".into()),
                code: Some("529".into()),
                param: None,
                raw: r#"{"message":"Overloaded","type":"overloaded_error","code":529}"#.into(),
            }),
            RecordedError::Stream {
                kind: StreamErrorKind::Sse,
                message: "line too long".into(),
                offset: 9000
            },
        ]
    );
    // What arrived before and with the error is kept.
    assert_eq!(c.choices()[0].content(), Some("partial"));
    assert_eq!(c.choices()[0].finish_reason().unwrap().as_str(), "error");
    assert!(c.usage().is_some());
    assert!(!c.is_done());
}

#[test]
fn errors_past_the_limit_are_counted() {
    let mut acc = Accumulator::with_limits(Limits {
        max_errors: 2,
        ..Limits::default()
    });
    for i in 0..5 {
        acc.push_error(StreamErrorKind::Other, "x", i);
    }
    assert_eq!(acc.completion().errors().len(), 2);
    assert_eq!(acc.completion().errors_dropped(), 3);
}

#[test]
fn done_marker_and_incomplete_stream() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "cut o")]));
    acc.push(&chunk([calls(
        0,
        [tc(Some(0), Some("c"), Some("f"), Some("{\"a\""))],
    )]));
    assert!(!acc.is_done());
    // The stream is cut off: finishing keeps everything and parses what it can.
    assert_eq!(acc.finish(), 1);
    assert_eq!(acc.completed_calls(), [key(0, 0)]);
    let c = acc.completion();
    assert!(!c.is_done());
    assert_eq!(c.choices()[0].content(), Some("cut o"));
    assert!(matches!(
        c.tool_call(key(0, 0)).unwrap().parsed(),
        Some(Err(ArgumentsError::Invalid { .. }))
    ));

    let mut acc = Accumulator::new();
    acc.push(&chunk([text(0, "x")]));
    assert_eq!(acc.push_payload(&Payload::Done), 0);
    assert!(acc.is_done());
    assert_eq!(acc.push_payload(&Payload::Chunk(chunk([text(0, "y")]))), 0);
    assert!(acc.into_completion().is_done());
}

#[test]
fn reset_forgets_the_stream_and_reuses_buffers() {
    let stream = |acc: &mut Accumulator| {
        let mut first = chunk([text(0, "a"), text(1, "b")]);
        first.system_fingerprint = Some("fp");
        first.error = Some(ApiError::default());
        acc.push(&first);
        acc.push(&chunk([calls(
            0,
            [tc(Some(0), Some("c"), Some("f"), Some("{}"))],
        )]));
        acc.push(&chunk([
            finish(0, FinishReason::ToolCalls),
            finish(1, FinishReason::Stop),
        ]));
        acc.push_done();
    };
    let mut fresh = Accumulator::new();
    stream(&mut fresh);
    let mut reused = Accumulator::with_limits(Limits {
        max_choices: 1,
        ..Limits::default()
    });
    reused.push(&chunk([text(3, "other"), text(4, "ignored")]));
    reused.push(&chunk([calls(
        3,
        [tc(Some(0), Some("z"), Some("g"), Some("[]"))],
    )]));
    reused.push(&Chunk {
        usage: Some(usage(1, 1, "{}")),
        service_tier: Some("flex"),
        ..Default::default()
    });
    reused.reset();
    assert_eq!(reused.completion(), &Completion::default());
    assert!(reused.completed_calls().is_empty());
    // The limits stay.
    reused.push(&chunk([text(0, "a"), text(1, "b")]));
    assert_eq!(reused.completion().choices().len(), 1);
    reused.reset();
    let mut reused = Accumulator::with_limits(Limits::default());
    stream(&mut reused);
    assert_eq!(reused.completion(), fresh.completion());
    reused.reset();
    stream(&mut reused);
    assert_eq!(reused.completion(), fresh.completion());
    assert_eq!(json(reused.completion()), json(fresh.completion()));
    assert!(format!("{reused:?}").starts_with("Accumulator {"));
}

// ---- JSON output ---------------------------------------------------------------------------

#[test]
fn json_of_an_empty_stream() {
    let acc = Accumulator::new();
    assert_eq!(
        json(acc.completion()),
        r#"{"id":null,"object":"chat.completion","created":null,"model":null,"system_fingerprint":null,"choices":[],"usage":null}"#
    );
}

#[test]
fn json_of_a_full_stream() {
    let mut acc = Accumulator::new();
    let mut first = chunk([
        choice(
            1,
            Delta {
                role: Some("assistant"),
                content: Some(Content::Text("Line \"1\"\n")),
                ..Default::default()
            },
        ),
        choice(
            0,
            Delta {
                role: Some("assistant"),
                reasoning_content: Some("Thinking…"),
                ..Default::default()
            },
        ),
    ]);
    first.system_fingerprint = Some("fp_abc");
    first.service_tier = Some("default");
    acc.push(&first);
    acc.push(&chunk([calls(
        0,
        [ToolCallDelta {
            index: Some(0),
            id: None,
            kind: None,
            function: FunctionDelta {
                name: None,
                arguments: Some("{\"k\": \"v\"}"),
            },
        }],
    )]));
    acc.push(&chunk([choice(
        1,
        Delta {
            refusal: Some("no"),
            ..Default::default()
        },
    )]));
    acc.push(&chunk([ck::Choice {
        index: 1,
        logprobs: Some(Logprobs {
            content: Some(RawJsonOf(
                r#"[{"token":"Line","logprob":-0.5,"bytes":[76],"top_logprobs":[]}]"#,
            )),
            refusal: None,
            raw: RawJsonOf("{}"),
        }),
        ..Default::default()
    }]));
    acc.push(&chunk([
        finish(0, FinishReason::ToolCalls),
        finish(1, FinishReason::ContentFilter),
    ]));
    let mut last = chunk([]);
    last.usage = Some(Usage {
        prompt_tokens: Some(9),
        completion_tokens: Some(12),
        total_tokens: Some(21),
        completion_tokens_details: Some(ck::CompletionTokensDetails {
            reasoning_tokens: Some(4),
            ..Default::default()
        }),
        // No raw text (a chunk built by hand): rendered from the typed counts.
        raw: RawJsonOf(""),
        ..Default::default()
    });
    acc.push(&last);
    acc.push_done();
    let c = acc.into_completion();
    assert_eq!(
        json(&c),
        concat!(
            r#"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","#,
            r#""system_fingerprint":"fp_abc","choices":["#,
            r#"{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"#,
            r#""tool_calls":[{"id":null,"type":"function","function":{"name":"","arguments":"{\"k\": \"v\"}"}}],"#,
            r#""reasoning_content":"Thinking…"},"finish_reason":"tool_calls","logprobs":null},"#,
            r#"{"index":1,"message":{"role":"assistant","content":"Line \"1\"\n","refusal":"no","#,
            r#""tool_calls":null},"finish_reason":"content_filter","#,
            r#""logprobs":{"content":[{"token":"Line","logprob":-0.5,"bytes":[76],"top_logprobs":[]}],"refusal":null}}],"#,
            r#""usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"#,
            r#""completion_tokens_details":{"reasoning_tokens":4}},"service_tier":"default"}"#
        )
    );
    // The output is one line of valid JSON.
    let mut bytes = json(&c).into_bytes();
    assert!(!bytes.contains(&b'\n'));
    assert!(simd_json::to_owned_value(&mut bytes).is_ok());
}

#[test]
fn json_usage_without_any_count() {
    let mut acc = Accumulator::new();
    acc.push(&Chunk {
        usage: Some(Usage::default()),
        ..Default::default()
    });
    assert!(json(acc.completion()).ends_with(r#""choices":[],"usage":{}}"#));
}

#[test]
fn json_minify_keeps_strings_and_escapes() {
    let mut out = Vec::new();
    crate::write::json_minify(
        &mut out,
        " { \"a b\" : \"c\\\\\" , \"d\\\"\\t e\" :\t[ 1 ,\r\n2 ] } ",
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"a b":"c\\","d\"\t e":[1,2]}"#
    );
}

// ---- no panic, same answer -------------------------------------------------------------

mod props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Step {
        Text(u32, String),
        Tool(
            u32,
            Option<u32>,
            Option<String>,
            Option<String>,
            Option<String>,
        ),
        Finish(u32, bool),
        Done,
        Finish2,
    }

    fn index() -> impl Strategy<Value = u32> {
        prop_oneof![0u32..3, Just(u32::MAX), Just(4_000_000_000)]
    }

    fn step() -> impl Strategy<Value = Step> {
        let s = || proptest::option::of("[a-c{}\\[\\]:,\"0-9 ]{0,4}");
        prop_oneof![
            (index(), "[a-z]{0,3}").prop_map(|(i, t)| Step::Text(i, t)),
            (index(), proptest::option::of(index()), s(), s(), s())
                .prop_map(|(c, i, id, n, a)| Step::Tool(c, i, id, n, a)),
            (index(), any::<bool>()).prop_map(|(i, b)| Step::Finish(i, b)),
            Just(Step::Done),
            Just(Step::Finish2),
        ]
    }

    fn drive(acc: &mut Accumulator, steps: &[Step]) {
        for st in steps {
            match st {
                Step::Text(i, t) => {
                    acc.push(&chunk([text(*i, t)]));
                }
                Step::Tool(c, i, id, n, a) => {
                    acc.push(&chunk([calls(
                        *c,
                        [tc(*i, id.as_deref(), n.as_deref(), a.as_deref())],
                    )]));
                }
                Step::Finish(i, stop) => {
                    let r = if *stop {
                        FinishReason::Stop
                    } else {
                        FinishReason::ToolCalls
                    };
                    acc.push(&chunk([finish(*i, r)]));
                }
                Step::Done => acc.push_done(),
                Step::Finish2 => {
                    acc.finish();
                }
            }
        }
    }

    fn run(steps: &[Step], limits: Limits) -> Accumulator {
        let mut acc = Accumulator::with_limits(limits);
        drive(&mut acc, steps);
        acc
    }

    proptest! {
        #[test]
        fn any_sequence_keeps_the_invariants(
            steps in proptest::collection::vec(step(), 0..60),
            max in 1usize..4,
        ) {
            let limits = Limits { max_choices: max, max_tool_calls: max, max_errors: 4 };
            let mut acc = run(&steps, limits);
            acc.finish();
            let c = acc.completion();
            prop_assert!(c.choices().len() <= max);
            prop_assert!(c.choices().windows(2).all(|w| w[0].index() < w[1].index()));
            for ch in c.choices() {
                let idx: Vec<u32> = ch.tool_calls().map(ToolCall::index).collect();
                prop_assert!(idx.len() <= max);
                prop_assert!(idx.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(ch.tool_calls().all(ToolCall::is_complete));
            }
            // Arguments with an explicit index: the concatenation of that call's pieces.
            for ch in c.choices() {
                for call in ch.tool_calls() {
                    let expected: String = steps.iter().filter_map(|s| match s {
                        Step::Tool(ci, Some(i), _, _, a)
                            if *ci == ch.index() && *i == call.index() => a.clone(),
                        _ => None,
                    }).collect();
                    let all_indexed = steps.iter().all(|s| !matches!(s, Step::Tool(_, None, ..)));
                    if all_indexed {
                        prop_assert_eq!(call.arguments(), expected.as_str());
                    }
                }
            }
            let mut out = Vec::new();
            c.write_json(&mut out);
            prop_assert!(simd_json::to_owned_value(&mut out).is_ok());
            prop_assert_eq!(c.errors().len() as u64 + c.errors_dropped() > 0, c.ignored_fragments() > 0);
        }

        #[test]
        fn reset_then_replay_is_the_same(
            before in proptest::collection::vec(step(), 0..40),
            steps in proptest::collection::vec(step(), 0..40),
        ) {
            let limits = Limits { max_choices: 2, max_tool_calls: 2, max_errors: 3 };
            let fresh = run(&steps, limits);
            let mut reused = run(&before, limits);
            reused.reset();
            drive(&mut reused, &steps);
            prop_assert_eq!(reused.completion(), fresh.completion());
        }
    }
}

#[test]
fn chunk_smallvec_helpers_do_not_allocate_for_one_choice() {
    // The alloc test relies on one-choice chunks and one-fragment deltas staying inline.
    let c = chunk([text(0, "x")]);
    assert!(!c.choices.spilled());
    let t: SmallVec<[ToolCallDelta<'_>; 1]> = [tc(Some(0), None, None, None)].into_iter().collect();
    assert!(!t.spilled());
}

#[test]
fn accumulator_and_completion_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Accumulator>();
    check::<Completion>();
    check::<RecordedError>();
}
