//! Incremental reading of tool-call arguments and content ([`Accumulator::set_partial`]).

use simd_json::prelude::*;

use super::*;
use crate::chunk::{self as ck, Delta, FinishReason};

fn chunk<'a>(choices: impl IntoIterator<Item = ck::Choice<'a>>) -> Chunk<'a> {
    Chunk {
        choices: choices.into_iter().collect(),
        ..Default::default()
    }
}

fn args<'a>(choice: u32, call: u32, id: Option<&'a str>, arguments: &'a str) -> ck::Choice<'a> {
    let fragment = ToolCallDelta {
        index: Some(call),
        id,
        kind: id.map(|_| "function"),
        function: FunctionDelta {
            name: id.map(|_| "f"),
            arguments: Some(arguments),
        },
    };
    ck::Choice {
        index: choice,
        delta: Delta {
            tool_calls: [fragment].into_iter().collect(),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn content(choice: u32, text: &str) -> ck::Choice<'_> {
    ck::Choice {
        index: choice,
        delta: Delta {
            content: Some(Content::Text(text)),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn finish(choice: u32) -> ck::Choice<'static> {
    ck::Choice {
        index: choice,
        finish_reason: Some(FinishReason::ToolCalls),
        ..Default::default()
    }
}

/// Every event the accumulator reports after each push, as `key: path = value` lines.
fn drain(acc: &Accumulator, out: &mut Vec<String>) {
    for &key in acc.updated_partials() {
        let reader = acc.partial(key).expect("an updated reader exists");
        for e in reader.pending_events() {
            out.push(format!("{key:?}: {} = {}", e.path(), e.value()));
        }
    }
}

const ARGS: &str = r#"{"city": "Z\u00fcrich", "days": [1, 2.5, {"hot": true}], "note": "a \"b\""}"#;

/// The events for ARGS cut at the given points, with a finish reason at the end.
fn events_for(cuts: &[usize]) -> Vec<String> {
    let mut acc = Accumulator::new();
    acc.set_partial(Some(PartialOptions::default()));
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain([&ARGS.len()]) {
        let id = (start == 0).then_some("call_1");
        acc.push(&chunk([args(0, 0, id, &ARGS[start..end])]));
        drain(&acc, &mut out);
        start = end;
    }
    acc.push(&chunk([finish(0)]));
    drain(&acc, &mut out);
    out
}

#[test]
fn events_are_the_same_on_every_cut_and_each_value_is_reported_once() {
    let whole = events_for(&[]);
    let key = "PartialKey { choice: 0, target: ToolArguments(0) }";
    assert_eq!(
        whole,
        [
            format!(r#"{key}: $.city = "Zürich""#),
            format!("{key}: $.days[0] = 1"),
            format!("{key}: $.days[1] = 2.5"),
            format!("{key}: $.days[2].hot = true"),
            format!(r#"{key}: $.days[2] = {{"hot":true}}"#),
            format!(r#"{key}: $.days = [1,2.5,{{"hot":true}}]"#),
            format!(r#"{key}: $.note = "a \"b\"""#),
            format!(
                r#"{key}: $ = {{"city":"Zürich","days":[1,2.5,{{"hot":true}}],"note":"a \"b\""}}"#
            ),
        ]
    );
    for i in 0..=ARGS.len() {
        assert_eq!(events_for(&[i]), whole, "cut at {i}");
    }
    let bytes: Vec<usize> = (1..ARGS.len()).collect();
    assert_eq!(events_for(&bytes), whole, "byte by byte");
}

#[test]
fn the_partial_value_grows_and_ends_equal_to_the_parsed_arguments() {
    let mut acc = Accumulator::new();
    acc.set_partial(Some(PartialOptions::default()));
    let mut shown = Vec::new();
    for (i, piece) in [r#"{"city": "Zü"#, r#"rich", "days": [1, "#, r#"2]}"#]
        .into_iter()
        .enumerate()
    {
        acc.push(&chunk([args(0, 0, (i == 0).then_some("c"), piece)]));
        let reader = acc.completion().choices()[0]
            .tool_call(0)
            .unwrap()
            .partial_arguments()
            .unwrap();
        shown.push(reader.to_json_string().unwrap());
    }
    assert_eq!(
        shown,
        [
            r#"{"city":"Zü"}"#,
            r#"{"city":"Zürich","days":[1]}"#,
            r#"{"city":"Zürich","days":[1,2]}"#,
        ]
    );
    acc.push(&chunk([finish(0)]));
    let call = acc.completion().choices()[0].tool_call(0).unwrap();
    let parsed = call.parsed().unwrap().as_ref().unwrap();
    assert_eq!(parsed.get_str("city"), Some("Zürich"));
    let reader = call.partial_arguments().unwrap();
    assert!(reader.is_complete() && reader.error().is_none());
    assert_eq!(reader.text(), call.arguments());
}

#[test]
fn a_number_at_the_root_completes_at_the_finish_reason_or_the_end() {
    for at_end in [false, true] {
        let mut acc = Accumulator::new();
        acc.set_partial(Some(PartialOptions::default()));
        acc.push(&chunk([args(0, 0, Some("c"), "4")]));
        acc.push(&chunk([args(0, 0, None, "2")]));
        let mut out = Vec::new();
        drain(&acc, &mut out);
        assert!(out.is_empty(), "a number may still grow: {out:?}");
        if at_end {
            acc.finish();
        } else {
            acc.push(&chunk([finish(0)]));
        }
        drain(&acc, &mut out);
        assert_eq!(
            out,
            ["PartialKey { choice: 0, target: ToolArguments(0) }: $ = 42"]
        );
    }
}

#[test]
fn interleaved_calls_keep_reading_and_cut_arguments_end_in_an_error() {
    let mut acc = Accumulator::new();
    acc.set_partial(Some(PartialOptions::default()));
    acc.push(&chunk([args(0, 0, Some("a"), r#"{"x": "#)]));
    // A fragment for call 1 completes call 0 by the accumulator's rule, but its
    // reader is not ended: call 0's next fragment is read on.
    acc.push(&chunk([args(0, 1, Some("b"), r#"[1"#)]));
    acc.push(&chunk([args(0, 0, None, r#"7}"#)]));
    let mut out = Vec::new();
    drain(&acc, &mut out);
    assert_eq!(
        out,
        [
            "PartialKey { choice: 0, target: ToolArguments(0) }: $.x = 7",
            r#"PartialKey { choice: 0, target: ToolArguments(0) }: $ = {"x":7}"#,
        ]
    );
    acc.push(&chunk([finish(0)]));
    let choice = &acc.completion().choices()[0];
    let cut = choice.tool_call(1).unwrap().partial_arguments().unwrap();
    let e = cut
        .error()
        .expect("cut-off arguments are an error at the end");
    assert_eq!(
        (e.kind(), e.offset()),
        (
            chunkwise_json::ErrorKind::UnexpectedEnd {
                expected: "`,` or `]`"
            },
            2
        )
    );
    assert!(
        choice
            .tool_call(0)
            .unwrap()
            .partial_arguments()
            .unwrap()
            .error()
            .is_none()
    );
}

#[test]
fn content_is_read_only_when_asked_and_per_choice() {
    let options = PartialOptions {
        tool_arguments: false,
        content: true,
        ..PartialOptions::default()
    };
    let mut acc = Accumulator::new();
    acc.set_partial(Some(options));
    acc.push(&chunk([content(0, r#"{"answer": [1"#), content(1, "[tr")]));
    acc.push(&chunk([content(1, "ue]"), args(1, 0, Some("c"), "{}")]));
    let mut out = Vec::new();
    drain(&acc, &mut out);
    assert_eq!(
        out,
        [
            "PartialKey { choice: 1, target: Content }: $[0] = true",
            "PartialKey { choice: 1, target: Content }: $ = [true]",
        ]
    );
    let choice = acc.completion().choice(1).unwrap();
    assert!(
        choice.tool_call(0).unwrap().partial_arguments().is_none(),
        "arguments not asked for"
    );
    assert_eq!(
        acc.completion()
            .choice(0)
            .unwrap()
            .partial_content()
            .unwrap()
            .to_json_string()
            .unwrap(),
        r#"{"answer":[]}"#
    );
}

#[test]
fn off_by_default_and_off_again_for_what_opens_after() {
    let mut acc = Accumulator::new();
    acc.push(&chunk([args(0, 0, Some("c"), "{}")]));
    assert!(acc.updated_partials().is_empty());
    assert!(
        acc.completion().choices()[0]
            .tool_call(0)
            .unwrap()
            .partial_arguments()
            .is_none()
    );
    acc.set_partial(Some(PartialOptions::default()));
    acc.push(&chunk([args(0, 1, Some("d"), "[]")]));
    assert_eq!(acc.updated_partials().len(), 1);
    acc.set_partial(None);
    acc.push(&chunk([args(0, 2, Some("e"), "[]")]));
    assert!(acc.updated_partials().is_empty());
    let choice = &acc.completion().choices()[0];
    assert!(choice.tool_call(1).unwrap().partial_arguments().is_some());
    assert!(choice.tool_call(2).unwrap().partial_arguments().is_none());
}

#[test]
fn reset_reuses_readers_and_reports_nothing_stale() {
    let mut acc = Accumulator::new();
    acc.set_partial(Some(PartialOptions::default()));
    acc.push(&chunk([args(0, 0, Some("c"), r#"{"a": 1, "b": [tr"#)]));
    acc.reset();
    assert!(acc.updated_partials().is_empty());
    acc.push(&chunk([args(0, 0, Some("c"), r#"[2]"#)]));
    let mut out = Vec::new();
    drain(&acc, &mut out);
    assert_eq!(
        out,
        [
            "PartialKey { choice: 0, target: ToolArguments(0) }: $[0] = 2",
            "PartialKey { choice: 0, target: ToolArguments(0) }: $ = [2]",
        ]
    );
}

#[test]
fn arguments_after_the_end_never_panic() {
    let mut acc = Accumulator::new();
    acc.set_partial(Some(PartialOptions::default()));
    acc.push(&chunk([args(0, 0, Some("c"), "1")]));
    acc.push(&chunk([finish(0)]));
    acc.push(&chunk([args(0, 0, None, "2")])); // re-opens the call
    acc.push(&chunk([finish(0)]));
    acc.finish();
    let call = acc.completion().choices()[0].tool_call(0).unwrap();
    assert_eq!(call.arguments(), "12");
    assert!(call.partial_arguments().unwrap().error().is_some());
}
