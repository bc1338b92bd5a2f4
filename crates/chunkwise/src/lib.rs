//! chunkwise: the facade over the framing and chat layers (adapters come later).
#![deny(unsafe_code)]

pub use chunkwise_chat as chat;
pub use chunkwise_sse as sse;
