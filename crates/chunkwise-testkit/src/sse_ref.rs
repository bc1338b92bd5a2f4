//! Reference SSE interpretation (in progress).
