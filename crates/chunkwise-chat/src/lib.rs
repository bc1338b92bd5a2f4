//! Borrowed decoding of OpenAI-style `chat.completion.chunk` streams and accumulation
//! of the final completion.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod accumulate;
mod chunk;
pub mod decode;
pub(crate) mod scan;
pub mod write;

pub use chunk::{
    ApiError, Choice, Chunk, CompletionTokensDetails, Content, Delta, FinishReason, FunctionDelta,
    Logprobs, Payload, PromptTokensDetails, RawJson, ToolCallDelta, Usage,
};
