//! The accumulator's only parsing: tool-call arguments at completion and array content
//! (both with simd-json, on a reused copy of the text).

use simd_json::BorrowedValue;
use simd_json::prelude::*;

use super::completion::{ArgumentsError, Choice, ParsedArguments};

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
        match value.as_array() {
            Some(parts) => parts.iter().for_each(|p| append_part(choice, p)),
            None => append_part(choice, &value),
        }
        Ok(())
    }
}

fn append_part(choice: &mut Choice, part: &BorrowedValue<'_>) {
    if let Some(text) = part.as_str() {
        return append_text(choice, text);
    }
    match part.get_str("type") {
        Some("text") | None => {
            if let Some(text) = part.get_str("text") {
                append_text(choice, text);
            }
        }
        Some("thinking") => {
            if let Some(t) = part.get("thinking") {
                if let Some(text) = t.as_str() {
                    append_thinking(choice, text);
                } else if let Some(items) = t.as_array() {
                    for item in items {
                        if let Some(text) = item.as_str().or_else(|| item.get_str("text")) {
                            append_thinking(choice, text);
                        }
                    }
                }
            }
        }
        Some(_) => {}
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
