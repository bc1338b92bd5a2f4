#![doc = include_str!("../../../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod shared;

#[cfg(any(feature = "io", feature = "tokio"))]
mod buffer;

#[cfg(feature = "io")]
pub mod io;

#[cfg(feature = "stream")]
pub mod stream;

#[cfg(feature = "tokio")]
pub mod tokio;

pub use chunkwise_chat as chat;
pub use chunkwise_sse as sse;

pub use chunkwise_chat::{
    ChatError, ChatEvent, ChatStream, Chunk, Completion, Content, SharedChunk, Utf8Bytes,
};
pub use chunkwise_sse::{Event, Item, Limits, Parser, SharedEvent, SharedItem};
pub use shared::{SharedApiError, SharedChatError, SharedChatEvent, SharedChatStream};

/// The `bytes` crate, whose `Bytes` the adapters take and hand out.
pub use bytes;
