//! The accumulator's only parsing: tool-call arguments at completion and array content
//! (both with simd-json, on a reused copy of the text).

use super::completion::{ArgumentsError, Choice, ParsedArguments};
use crate::chunk::PartKind;

/// A reused copy buffer and simd-json's reused parse buffers (created on first use).
#[derive(Default)]
pub(super) struct Parser {
    scratch: Vec<u8>,
    buffers: Option<simd_json::Buffers>,
}

impl Parser {
    /// Parses a call's complete arguments.
    pub(super) fn parse_arguments(&mut self, arguments: &str) -> ParsedArguments {
        if arguments.trim_ascii().is_empty() {
            return Err(ArgumentsError::Empty);
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(arguments.as_bytes());
        let buffers = self.buffers.get_or_insert_with(simd_json::Buffers::default);
        simd_json::owned::to_value_with_buffers(&mut self.scratch, buffers).map_err(|e| {
            ArgumentsError::Invalid {
                message: e.to_string(),
                offset: e.index(),
            }
        })
    }

    /// Adds an array of content parts to `choice`: text parts to the content, thinking
    /// parts to the reasoning. `Err`: the text does not parse (nothing is added).
    pub(super) fn append_parts(&mut self, choice: &mut Choice, raw: &str) -> Result<(), String> {
        self.scratch.clear();
        self.scratch.extend_from_slice(raw.as_bytes());
        let buffers = self.buffers.get_or_insert_with(simd_json::Buffers::default);
        let value = simd_json::borrowed::to_value_with_buffers(&mut self.scratch, buffers)
            .map_err(|e| e.to_string())?;
        crate::chunk::walk_parts(&value, &mut |kind, text| match kind {
            PartKind::Text => append_text(choice, text),
            PartKind::Thinking => append_thinking(choice, text),
        });
        Ok(())
    }
}

fn append_text(choice: &mut Choice, text: &str) {
    choice.has_content = true;
    choice.content.push_str(text);
}

fn append_thinking(choice: &mut Choice, text: &str) {
    choice.has_reasoning = true;
    choice.reasoning.push_str(text);
}
