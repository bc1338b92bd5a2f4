//! Borrowed decoding of OpenAI-style `chat.completion.chunk` streams and accumulation
//! of the final completion.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod accumulate;
mod chunk;
pub mod decode;
pub(crate) mod scan;
mod stream;
pub mod write;

pub use accumulate::{Accumulator, Completion};
pub use chunk::{
    ApiError, Choice, Chunk, CompletionTokensDetails, Content, Delta, FinishReason, FunctionDelta,
    Logprobs, PartKind, Payload, PromptTokensDetails, RawJson, ToolCallDelta, Usage,
};
/// The JSON library tool-call arguments are parsed with ([`simd_json::OwnedValue`]).
pub use simd_json;
pub use stream::{ChatError, ChatEvent, ChatStream};
