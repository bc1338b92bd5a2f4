//! Inputs found by the fuzz targets (`fuzz/`), kept as plain tests so that `cargo test`
//! guards them without cargo-fuzz.

use chunkwise_chat::Payload;
use chunkwise_chat::decode::Decoder;

/// fuzz target `chunk_decode`: `[DONE]` with more than ten bytes of surrounding
/// whitespace was read as JSON (and rejected), though the documentation allows any
/// surrounding whitespace (the check only looked at payloads of at most 16 bytes).
#[test]
fn done_with_long_whitespace() {
    let mut d = Decoder::new();
    assert_eq!(d.decode("\t\t\t\t\t\t\t\t\t\t\t[DONE]"), Ok(Payload::Done));
    let padded = format!("{}[DONE]{}", " ".repeat(1000), "\r\n".repeat(500));
    assert_eq!(d.decode(&padded), Ok(Payload::Done));
    assert!(d.decode("[DONE]x").is_err());
    assert!(d.decode(" [DONE ] ").is_err());
}

/// A repeated `function` member of a tool call that is `null` must replace the first
/// (last one wins, as for every other member), not leave it in place.
#[test]
fn repeated_tool_call_function_null_replaces_the_first() {
    let function = |data: &str| {
        let mut d = Decoder::new();
        let Ok(Payload::Chunk(c)) = d.decode(data) else {
            panic!("{data}")
        };
        let f = c.choices[0].delta.tool_calls[0].function;
        (f.name.map(str::to_owned), f.arguments.map(str::to_owned))
    };
    let first_then_null =
        r#"{"choices":[{"delta":{"tool_calls":[{"function":{"name":"a"},"function":null}]}}]}"#;
    assert_eq!(function(first_then_null), (None, None));
    let null_then_second =
        r#"{"choices":[{"delta":{"tool_calls":[{"function":null,"function":{"name":"b"}}]}}]}"#;
    assert_eq!(function(null_then_second), (Some("b".to_owned()), None));
}

/// fuzz target `accumulator`: in one chunk, call A, then call B (which completes A),
/// then more arguments for A (which re-open it). `completed_calls` listed A although it
/// was no longer complete (and `ChatStream` would have reported it as a complete
/// `ToolCall` with no parsed arguments).
#[test]
fn a_call_reopened_in_the_same_chunk_is_not_reported_complete() {
    use chunkwise_chat::accumulate::{Accumulator, ToolCallKey};
    use chunkwise_chat::{Choice, Chunk, Delta, FunctionDelta, ToolCallDelta};

    let fragment = |index, arguments| ToolCallDelta {
        index: Some(index),
        function: FunctionDelta {
            name: None,
            arguments: Some(arguments),
        },
        ..ToolCallDelta::default()
    };
    let delta = Delta {
        tool_calls: [fragment(4, "{"), fragment(9, "{}"), fragment(4, "}")]
            .into_iter()
            .collect(),
        ..Delta::default()
    };
    let chunk = Chunk {
        choices: [Choice {
            delta,
            ..Choice::default()
        }]
        .into_iter()
        .collect(),
        ..Chunk::default()
    };
    let mut acc = Accumulator::new();
    // Going back to A completes B; A is not complete.
    assert_eq!(acc.push(&chunk), 1);
    assert_eq!(
        acc.completed_calls(),
        [ToolCallKey {
            choice: 0,
            index: 9
        }]
    );
    let call = acc.completion().tool_call(ToolCallKey {
        choice: 0,
        index: 4,
    });
    assert!(!call.unwrap().is_complete());
    // The end of the stream completes A.
    assert_eq!(acc.finish(), 1);
    assert_eq!(
        acc.completed_calls(),
        [ToolCallKey {
            choice: 0,
            index: 4
        }]
    );
    for key in acc.completed_calls() {
        assert!(acc.completion().tool_call(*key).unwrap().is_complete());
    }
    assert_eq!(
        acc.completion()
            .tool_call(ToolCallKey {
                choice: 0,
                index: 4
            })
            .unwrap()
            .arguments(),
        "{}"
    );
}
