//! Test support for chunkwise: small, obviously-correct reference implementations
//! written separately from the engine, and deterministic stream generators. Shared by
//! the crates' tests, the fuzz targets and the benchmarks.

pub mod chat_spec;
#[cfg(feature = "chunk-ref")]
pub mod chunk_ref;
pub mod sse_ref;
pub mod streams;
