//! Accumulation of the final completion (in progress).
