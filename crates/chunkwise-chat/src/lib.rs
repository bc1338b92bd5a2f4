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
    ApiError, ApiErrorOf, Choice, ChoiceOf, Chunk, ChunkOf, CompletionTokensDetails, Content,
    ContentOf, Delta, DeltaOf, FinishReason, FinishReasonOf, FunctionDelta, FunctionDeltaOf,
    Logprobs, LogprobsOf, PartKind, Payload, PromptTokensDetails, RawJson, RawJsonOf, SharedChunk,
    ToolCallDelta, ToolCallDeltaOf, Usage, UsageOf,
};
/// The incremental JSON reader behind [`Accumulator::set_partial`].
pub use chunkwise_json;
pub use chunkwise_sse::Utf8Bytes;
/// The JSON library tool-call arguments are parsed with ([`simd_json::OwnedValue`]).
pub use simd_json;
pub use stream::{ChatError, ChatEvent, ChatStream};
