#![doc = include_str!("../../../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub use chunkwise_chat as chat;
pub use chunkwise_sse as sse;

pub use chunkwise_chat::{ChatError, ChatEvent, ChatStream, Chunk, Completion, Content};
pub use chunkwise_sse::{Event, Item, Limits, Parser};
