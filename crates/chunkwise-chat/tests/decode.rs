//! The chunk decoder on the shapes providers send, field by field.

use chunkwise_chat::decode::{DecodeErrorKind, Decoder};
use chunkwise_chat::{Content, FinishReason, Payload};

fn with_chunk<R>(data: &str, f: impl FnOnce(&chunkwise_chat::Chunk<'_>) -> R) -> R {
    let mut d = Decoder::new();
    match d.decode(data) {
        Ok(Payload::Chunk(c)) => f(&c),
        other => panic!("not a chunk: {other:?}"),
    }
}

fn error_of(data: &str) -> (usize, DecodeErrorKind) {
    let mut d = Decoder::new();
    match d.decode(data) {
        Err(e) => (e.offset, e.kind),
        Ok(p) => panic!("decoded {p:?}"),
    }
}

#[test]
fn openai_text_chunk_borrows_every_string() {
    let data = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1727346168,"model":"gpt-4o","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"a1B2"}"#;
    with_chunk(data, |c| {
        assert_eq!(c.id, Some("chatcmpl-1"));
        assert_eq!(c.object, Some("chat.completion.chunk"));
        assert_eq!(c.created, Some(1727346168));
        assert_eq!(c.model, Some("gpt-4o"));
        assert_eq!(c.service_tier, Some("default"));
        assert_eq!(c.system_fingerprint, Some("fp_1"));
        assert_eq!(c.obfuscation, Some("a1B2"));
        assert_eq!(c.usage, None);
        assert_eq!(c.choices.len(), 1);
        let ch = &c.choices[0];
        assert_eq!(ch.index, 0);
        assert_eq!(ch.delta.content, Some(Content::Text("Hello")));
        assert_eq!(ch.finish_reason, None);
        assert_eq!(ch.logprobs, None);
        // Borrowed: the content points into the input.
        let text = ch.delta.content.unwrap().as_text().unwrap();
        let range = data.as_bytes().as_ptr_range();
        assert!(range.contains(&text.as_ptr()));
    });
}

#[test]
fn escaped_strings_are_decoded() {
    let data = r#"{"choices":[{"delta":{"content":"a\n\"b\"\\ \u00e9\ud83d\ude00 \/"}}]}"#;
    with_chunk(data, |c| {
        assert_eq!(
            c.choices[0].delta.content,
            Some(Content::Text("a\n\"b\"\\ é😀 /"))
        );
    });
    with_chunk(r#"{"id":"\ud800x"}"#, |c| {
        assert_eq!(c.id, Some("\u{FFFD}x"))
    });
    // Escaped keys match too.
    with_chunk(r#"{"\u0069d":"x"}"#, |c| assert_eq!(c.id, Some("x")));
}

#[test]
fn role_finish_and_usage_chunks() {
    with_chunk(
        r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}]}"#,
        |c| {
            let d = &c.choices[0].delta;
            assert_eq!(d.role, Some("assistant"));
            assert_eq!(d.content, Some(Content::Text("")));
            assert_eq!(d.refusal, None);
        },
    );
    with_chunk(
        r#"{"choices":[{"index":1,"delta":{},"finish_reason":"tool_calls"},{"index":2,"delta":{},"finish_reason":"weird"}]}"#,
        |c| {
            assert_eq!(c.choices[0].index, 1);
            assert_eq!(c.choices[0].finish_reason, Some(FinishReason::ToolCalls));
            assert_eq!(
                c.choices[1].finish_reason,
                Some(FinishReason::Other("weird"))
            );
        },
    );
    let usage = r#"{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":null},"completion_tokens_details":{"reasoning_tokens":3,"audio_tokens":0,"accepted_prediction_tokens":1,"rejected_prediction_tokens":2},"queue_time":0.02}"#;
    with_chunk(&format!(r#"{{"choices":[],"usage":{usage}}}"#), |c| {
        assert!(c.choices.is_empty());
        let u = c.usage.unwrap();
        assert_eq!(
            (u.prompt_tokens, u.completion_tokens, u.total_tokens),
            (Some(19), Some(10), Some(29))
        );
        let p = u.prompt_tokens_details.unwrap();
        assert_eq!((p.cached_tokens, p.audio_tokens), (Some(0), None));
        let d = u.completion_tokens_details.unwrap();
        assert_eq!(
            (
                d.reasoning_tokens,
                d.audio_tokens,
                d.accepted_prediction_tokens,
                d.rejected_prediction_tokens
            ),
            (Some(3), Some(0), Some(1), Some(2))
        );
        assert_eq!(u.raw.as_str(), usage);
    });
}

#[test]
fn tool_call_fragments() {
    with_chunk(
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}},{"index":1,"function":{"arguments":"{\"city\":"}}]}}]}"#,
        |c| {
            let calls = &c.choices[0].delta.tool_calls;
            assert_eq!(calls.len(), 2);
            assert_eq!(calls[0].index, Some(0));
            assert_eq!(calls[0].id, Some("call_1"));
            assert_eq!(calls[0].kind, Some("function"));
            assert_eq!(calls[0].function.name, Some("get_weather"));
            assert_eq!(calls[0].function.arguments, Some(""));
            assert_eq!(calls[1].index, Some(1));
            assert_eq!(calls[1].id, None);
            assert_eq!(calls[1].function.arguments, Some("{\"city\":"));
        },
    );
    // No index (Mistral), arguments sent as an object (some servers).
    with_chunk(
        r#"{"choices":[{"delta":{"tool_calls":[{"id":"x","function":{"name":"f","arguments":{"a": [1, 2]}}}]}}]}"#,
        |c| {
            let call = c.choices[0].delta.tool_calls[0];
            assert_eq!(call.index, None);
            assert_eq!(call.function.arguments, Some(r#"{"a": [1, 2]}"#));
        },
    );
    with_chunk(
        r#"{"choices":[{"delta":{"function_call":{"name":"f","arguments":"{}"}}}]}"#,
        |c| {
            let f = c.choices[0].delta.function_call.unwrap();
            assert_eq!((f.name, f.arguments), (Some("f"), Some("{}")));
        },
    );
}

#[test]
fn content_parts_reasoning_logprobs_and_errors() {
    with_chunk(
        r#"{"choices":[{"delta":{"content":[{"type":"text","text":"hi"}]}}]}"#,
        |c| {
            assert_eq!(
                c.choices[0].delta.content.map(|c| matches!(c, Content::Parts(p) if p.as_str() == r#"[{"type":"text","text":"hi"}]"#)),
                Some(true)
            );
        },
    );
    with_chunk(
        r#"{"choices":[{"delta":{"reasoning_content":"think","reasoning":"more"}}]}"#,
        |c| {
            assert_eq!(c.choices[0].delta.reasoning_content, Some("think"));
            assert_eq!(c.choices[0].delta.reasoning, Some("more"));
        },
    );
    with_chunk(
        r#"{"choices":[{"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.1,"bytes":[97],"top_logprobs":[]}],"refusal":null}}]}"#,
        |c| {
            let l = c.choices[0].logprobs.unwrap();
            assert_eq!(
                l.content.unwrap().as_str(),
                r#"[{"token":"a","logprob":-0.1,"bytes":[97],"top_logprobs":[]}]"#
            );
            assert_eq!(l.refusal, None);
        },
    );
    with_chunk(
        r#"{"error":{"message":"overloaded","type":"server_error","code":529,"param":null}}"#,
        |c| {
            let e = c.error.unwrap();
            assert_eq!(e.message, Some("overloaded"));
            assert_eq!(e.kind, Some("server_error"));
            assert_eq!(e.code.unwrap().as_str(), "529");
            assert_eq!(e.param, None);
        },
    );
    with_chunk(r#"{"error":"rate limited"}"#, |c| {
        assert_eq!(c.error.unwrap().message, Some("rate limited"));
    });
}

#[test]
fn null_absent_unknown_and_whitespace() {
    let pretty = "{\n  \"id\" : \"x\",\n  \"x_groq\": {\"id\": \"req_1\", \"usage\": {\"queue_time\": 1e-3}},\n  \"choices\" : [ {\n \"delta\" : null, \"content_filter_results\": {\"hate\": {\"filtered\": false}} } ] ,\n \"provider\": [true, false, null, -1.5E+3, \"s\"]\n}\n";
    with_chunk(pretty, |c| {
        assert_eq!(c.id, Some("x"));
        assert_eq!(c.choices.len(), 1);
        assert_eq!(c.choices[0].delta, Default::default());
    });
    with_chunk(
        r#"{"id":null,"model":null,"created":null,"choices":null,"usage":null,"error":null}"#,
        |c| assert_eq!(*c, Default::default()),
    );
}

#[test]
fn done_marker() {
    let mut d = Decoder::new();
    assert_eq!(d.decode("[DONE]"), Ok(Payload::Done));
    assert_eq!(d.decode(" [DONE]\n"), Ok(Payload::Done));
    assert!(d.decode("[DONE]x").is_err());
}

#[test]
fn wrong_types_and_invalid_json_are_errors_with_offsets() {
    let wrong = |data: &str, field: &str| {
        let (_, kind) = error_of(data);
        match kind {
            DecodeErrorKind::WrongType { field: f, .. } => assert_eq!(f, field, "{data}"),
            other => panic!("{data}: {other:?}"),
        }
    };
    wrong(r#"{"id":5}"#, "id");
    wrong(r#"{"created":"1"}"#, "created");
    wrong(r#"{"created":1.0}"#, "created");
    wrong(r#"{"created":-1}"#, "created");
    wrong(r#"{"choices":{}}"#, "choices");
    wrong(r#"{"choices":[null]}"#, "choices[]");
    wrong(r#"{"choices":[{"index":"0"}]}"#, "choices[].index");
    wrong(
        r#"{"choices":[{"delta":{"content":5}}]}"#,
        "choices[].delta.content",
    );
    wrong(
        r#"{"choices":[{"delta":{"tool_calls":{}}}]}"#,
        "choices[].delta.tool_calls",
    );
    wrong(r#"{"usage":{"total_tokens":true}}"#, "usage.total_tokens");
    wrong("[1]", "(payload)");
    assert_eq!(
        error_of(r#"{"choices":[{"index":4294967296}]}"#),
        (
            21,
            DecodeErrorKind::OutOfRange {
                field: "choices[].index"
            }
        )
    );
    assert_eq!(
        error_of(r#"{"created":99999999999999999999}"#),
        (11, DecodeErrorKind::OutOfRange { field: "created" })
    );
    assert_eq!(
        error_of(r#"{"id":"x",}"#),
        (10, DecodeErrorKind::Syntax("a string key"))
    );
    assert_eq!(
        error_of(r#"{"id":"x"} x"#),
        (11, DecodeErrorKind::Syntax("the end of the data"))
    );
    assert_eq!(error_of(r#"{"x":[1,2}"#).0, 9);
    assert_eq!(error_of(r#"{"id":"x""#), (9, DecodeErrorKind::Eof));
    assert_eq!(error_of(""), (0, DecodeErrorKind::Eof));
    assert_eq!(error_of(r#"{"x":tru}"#).0, 8);
    let deep = format!(r#"{{"x":{}{}}}"#, "[".repeat(130), "]".repeat(130));
    assert_eq!(error_of(&deep).1, DecodeErrorKind::TooDeep);
}

#[test]
fn duplicate_members_last_wins() {
    with_chunk(
        r#"{"id":"a","id":"b","choices":[{"index":3}],"choices":[]}"#,
        |c| {
            assert_eq!(c.id, Some("b"));
            assert!(c.choices.is_empty());
        },
    );
}

#[test]
fn decoder_is_reusable_after_errors_and_huge_events() {
    let mut d = Decoder::new();
    assert!(d.decode("{").is_err());
    let big = format!(
        r#"{{"choices":[{{"delta":{{"content":"{}\n"}}}}]}}"#,
        "x".repeat(1 << 20)
    );
    let big = big.replace("\n", "\\n");
    match d.decode(&big) {
        Ok(Payload::Chunk(c)) => {
            assert_eq!(
                c.choices[0].delta.content.unwrap().as_text().unwrap().len(),
                (1 << 20) + 1
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(d.heap_bytes() >= 1 << 20);
    assert!(matches!(d.decode(r#"{"id":"\n"}"#), Ok(Payload::Chunk(_))));
    assert!(
        d.heap_bytes() < 1 << 20,
        "scratch released after a small event"
    );
}

/// The decoder reuses the leading members of the previous chunk when the next one
/// starts with the same bytes; whatever the next event is, the result must equal a
/// fresh decoder's.
#[test]
fn prefix_reuse_equals_fresh_decoding_for_every_mutation() {
    let bases = [
        r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1727346168,"model":"gpt-4o","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"a1B2"}"#,
        r#"{"created":17,"x_extra":[1,{"a":null}],"id":"i","choices":[],"usage":{"total_tokens":3},"model":"m"}"#,
        r#"{ "id" : "a\"b", "model":"m","choices":[{"delta":{"content":"x"}}]}"#,
        r#"{"model":"m","created":5}"#,
        r#"{"id":"c","choices":[{"index":1,"delta":{"reasoning_content":"r\u00e9","refusal":"no","tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}},{"index":1,"function":{"arguments":""}}]}}],"obfuscation":"o"}"#,
        r#"{"choices":[{"delta":{"content":"","function_call":{"name":"f","arguments":"x\\"}},"finish_reason":"stop"}]}"#,
    ];
    let fresh = |data: &str| format!("{:?}", Decoder::new().decode(data));
    for base in bases {
        let mut variants: Vec<String> = Vec::new();
        let bytes = base.as_bytes();
        for i in 0..bytes.len() {
            for b in [b'0', b'9', b'"', b',', b'}', b' ', b'x', b'\\'] {
                let mut v = bytes.to_vec();
                v[i] = b;
                variants.extend(String::from_utf8(v).ok());
            }
            variants.push(base[..i].to_string());
            let mut inserted = base[..i].to_string();
            inserted.push('7');
            inserted.push_str(&base[i..]);
            variants.push(inserted);
        }
        for v in &variants {
            let mut warm = Decoder::new();
            let _ = warm.decode(base);
            assert_eq!(
                format!("{:?}", warm.decode(v)),
                fresh(v),
                "after {base}\nthen {v}"
            );
        }
    }
}

#[test]
fn repeated_delta_replaces_the_first() {
    with_chunk(
        r#"{"choices":[{"delta":{"content":"a","role":"assistant"},"delta":{"refusal":"r"}}]}"#,
        |c| {
            let d = &c.choices[0].delta;
            assert_eq!((d.content, d.role, d.refusal), (None, None, Some("r")));
        },
    );
}

#[test]
fn to_shared_slices_the_anchor_and_copies_only_decoded_strings() {
    use chunkwise_chat::{ContentOf, FinishReasonOf, SharedChunk};
    let anchor = bytes::Bytes::from_static(
        br#"{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"a\"b","tool_calls":[{"index":1,"id":"t","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3}}"#,
    );
    let text = std::str::from_utf8(&anchor).unwrap();
    let mut d = Decoder::new();
    let Ok(Payload::Chunk(c)) = d.decode(text) else {
        panic!()
    };
    let shared: SharedChunk = c.to_shared(&anchor);
    let range = anchor.as_ptr_range();
    let inside = |s: &str| range.contains(&s.as_ptr());
    let id = shared.id.as_ref().unwrap();
    assert_eq!(id.as_str(), "c1");
    assert!(
        inside(id.as_str()),
        "an unescaped string is a slice of the anchor"
    );
    let choice = &shared.choices[0];
    let Some(ContentOf::Text(content)) = &choice.delta.content else {
        panic!()
    };
    assert_eq!(content.as_str(), "a\"b");
    assert!(!inside(content.as_str()), "a decoded string is a copy");
    let call = &choice.delta.tool_calls[0];
    assert_eq!(call.index, Some(1));
    assert_eq!(call.function.arguments.as_ref().unwrap().as_str(), "{}");
    assert!(matches!(
        choice.finish_reason,
        Some(FinishReasonOf::ToolCalls)
    ));
    assert_eq!(shared.usage.as_ref().unwrap().prompt_tokens, Some(3));
    // 'static and Send: it can leave the decoder and cross threads.
    let handle = std::thread::spawn(move || shared.model.map(|m| m.as_str().len()));
    assert_eq!(handle.join().unwrap(), Some(1));
}

mod templates {
    //! A warm decoder (holding templates of earlier events) decodes every event exactly
    //! as a fresh one: events that repeat a template except in their payload strings,
    //! and events that almost do.

    use super::*;
    use proptest::prelude::*;

    const SHAPES: [&str; 5] = [
        r#"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":@},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":@}"#,
        r#"{"id":"c1","choices":[{"index":1,"delta":{"content":@},"finish_reason":null}],"obfuscation":@}"#,
        r#"{"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":@}}]}}]}"#,
        r#"{"id":"c1","choices":[{"index":0,"delta":{"reasoning_content":@,"reasoning":@,"refusal":@}}]}"#,
        r#"{"id":"c1","choices":[{"index":0,"delta":{"content":@,"content":@}}],"x":"\u00e9"}"#,
    ];

    /// A JSON string token, or a near miss (`null`, a number, a broken string).
    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => "[a-z \u{e9}\u{1F600}]{0,6}".prop_map(|t| format!("\"{t}\"")),
            4 => proptest::collection::vec(
                prop_oneof![
                    Just("\\\"".to_string()),
                    Just("\\\\".to_string()),
                    Just("\\n".to_string()),
                    Just("\\u00e9".to_string()),
                    Just("\\ud83d\\ude00".to_string()),
                    Just("\\ud83d".to_string()),
                    Just("x".to_string()),
                ],
                0..4,
            )
            .prop_map(|parts| format!("\"{}\"", parts.concat())),
            1 => Just("null".to_string()),
            1 => Just("7".to_string()),
            1 => Just("\"\\x\"".to_string()),
            1 => Just("\"a".to_string()),
            1 => Just("\"\n\"".to_string()),
            1 => Just("\"\\u12\"".to_string()),
        ]
    }

    fn event() -> impl Strategy<Value = String> {
        (0..SHAPES.len(), proptest::collection::vec(token(), 3)).prop_map(|(shape, tokens)| {
            let mut out = String::new();
            for (i, part) in SHAPES[shape].split('@').enumerate() {
                if i > 0 {
                    out.push_str(&tokens[i - 1]);
                }
                out.push_str(part);
            }
            out
        })
    }

    proptest! {
        #[test]
        fn a_warm_decoder_decodes_like_a_fresh_one(events in proptest::collection::vec(event(), 1..40)) {
            let mut warm = Decoder::new();
            for e in &events {
                let fresh = format!("{:?}", Decoder::new().decode(e));
                prop_assert_eq!(format!("{:?}", warm.decode(e)), fresh, "{}", e);
            }
        }
    }
}
