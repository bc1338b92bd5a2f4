//! Rendering a [`Completion`] as OpenAI's non-streaming `chat.completion` object.

use super::completion::{Choice, Completion, OwnedUsage};
use crate::write::{json_minify, json_opt_str, json_opt_u64, json_str, json_u64};

impl Completion {
    /// Appends the completion as OpenAI's non-streaming `chat.completion` object: compact
    /// JSON on one line (no newline), keys in this order:
    ///
    /// - `id`, `object` (always `"chat.completion"`), `created`, `model`,
    ///   `system_fingerprint` (`null` when not received);
    /// - `choices`, sorted by `index`, each `{"index", "message", "finish_reason",
    ///   "logprobs"}`:
    ///   - `message`: `role` (`"assistant"` when none was received, as in every
    ///     non-streaming response), `content` and `refusal` (`null` when none arrived),
    ///     `tool_calls` (`null` when none, else `[{"id", "type", "function": {"name",
    ///     "arguments"}}]` in index order: `id` `null` when none was received, `type`
    ///     `"function"` when none was, `name` `""` when none was, `arguments` the text as
    ///     received, even when it does not parse); then, only when received,
    ///     `function_call` `{"name", "arguments"}` (legacy) and `reasoning_content` (the
    ///     reasoning text, as DeepSeek's non-streaming responses carry it);
    ///   - `finish_reason` (`null` when none);
    ///   - `logprobs`: `null`, or `{"content": [...] | null, "refusal": [...] | null}`;
    /// - `usage`: `null` when none arrived, else the object as received, minified (when
    ///   the chunk carried no raw text, from its typed counts);
    /// - `service_tier`, only when received.
    ///
    /// Errors and whether `[DONE]` arrived are not part of this object.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        json_opt_str(out, self.id());
        out.extend_from_slice(b",\"object\":\"chat.completion\",\"created\":");
        json_opt_u64(out, self.created());
        out.extend_from_slice(b",\"model\":");
        json_opt_str(out, self.model());
        out.extend_from_slice(b",\"system_fingerprint\":");
        json_opt_str(out, self.system_fingerprint());
        out.extend_from_slice(b",\"choices\":[");
        for (i, choice) in self.choices().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_choice(out, choice);
        }
        out.extend_from_slice(b"],\"usage\":");
        match self.usage() {
            None => out.extend_from_slice(b"null"),
            Some(u) if !u.raw.trim_ascii().is_empty() => json_minify(out, &u.raw),
            Some(u) => write_usage_counts(out, u),
        }
        if let Some(tier) = self.service_tier() {
            out.extend_from_slice(b",\"service_tier\":");
            json_str(out, tier);
        }
        out.push(b'}');
    }
}

fn write_choice(out: &mut Vec<u8>, c: &Choice) {
    out.extend_from_slice(b"{\"index\":");
    json_u64(out, u64::from(c.index()));
    out.extend_from_slice(b",\"message\":{\"role\":");
    json_str(out, c.role().unwrap_or("assistant"));
    out.extend_from_slice(b",\"content\":");
    json_opt_str(out, c.content());
    out.extend_from_slice(b",\"refusal\":");
    json_opt_str(out, c.refusal());
    out.extend_from_slice(b",\"tool_calls\":");
    if c.tool_calls().len() == 0 {
        out.extend_from_slice(b"null");
    } else {
        out.push(b'[');
        for (i, call) in c.tool_calls().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"id\":");
            json_opt_str(out, call.id());
            out.extend_from_slice(b",\"type\":");
            json_str(out, call.kind().unwrap_or("function"));
            out.extend_from_slice(b",\"function\":{\"name\":");
            json_str(out, call.name());
            out.extend_from_slice(b",\"arguments\":");
            json_str(out, call.arguments());
            out.extend_from_slice(b"}}");
        }
        out.push(b']');
    }
    if let Some(f) = c.function_call() {
        out.extend_from_slice(b",\"function_call\":{\"name\":");
        json_str(out, f.name());
        out.extend_from_slice(b",\"arguments\":");
        json_str(out, f.arguments());
        out.push(b'}');
    }
    if let Some(r) = c.reasoning() {
        out.extend_from_slice(b",\"reasoning_content\":");
        json_str(out, r);
    }
    out.extend_from_slice(b"},\"finish_reason\":");
    json_opt_str(out, c.finish_reason().map(|r| r.as_str()));
    out.extend_from_slice(b",\"logprobs\":");
    match c.logprobs() {
        None => out.extend_from_slice(b"null"),
        Some(lp) => {
            out.extend_from_slice(b"{\"content\":");
            write_opt_raw(out, lp.content());
            out.extend_from_slice(b",\"refusal\":");
            write_opt_raw(out, lp.refusal());
            out.push(b'}');
        }
    }
    out.push(b'}');
}

fn write_opt_raw(out: &mut Vec<u8>, raw: Option<&str>) {
    match raw {
        Some(raw) => json_minify(out, raw),
        None => out.extend_from_slice(b"null"),
    }
}

/// `usage` rebuilt from its typed counts (absent counts left out).
fn write_usage_counts(out: &mut Vec<u8>, u: &OwnedUsage) {
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, k: &str| {
        out.push(if first { b'{' } else { b',' });
        first = false;
        json_str(out, k);
        out.push(b':');
    };
    for (k, v) in [
        ("prompt_tokens", u.prompt_tokens),
        ("completion_tokens", u.completion_tokens),
        ("total_tokens", u.total_tokens),
    ] {
        if let Some(v) = v {
            key(out, k);
            json_u64(out, v);
        }
    }
    if let Some(d) = u.prompt_tokens_details {
        key(out, "prompt_tokens_details");
        write_counts(
            out,
            &[
                ("cached_tokens", d.cached_tokens),
                ("audio_tokens", d.audio_tokens),
            ],
        );
    }
    if let Some(d) = u.completion_tokens_details {
        key(out, "completion_tokens_details");
        write_counts(
            out,
            &[
                ("reasoning_tokens", d.reasoning_tokens),
                ("audio_tokens", d.audio_tokens),
                ("accepted_prediction_tokens", d.accepted_prediction_tokens),
                ("rejected_prediction_tokens", d.rejected_prediction_tokens),
            ],
        );
    }
    if first {
        out.push(b'{');
    }
    out.push(b'}');
}

fn write_counts(out: &mut Vec<u8>, counts: &[(&str, Option<u64>)]) {
    out.push(b'{');
    let mut first = true;
    for &(k, v) in counts {
        if let Some(v) = v {
            if !first {
                out.push(b',');
            }
            first = false;
            json_str(out, k);
            out.push(b':');
            json_u64(out, v);
        }
    }
    out.push(b'}');
}
