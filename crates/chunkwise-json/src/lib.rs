//! Incremental JSON reader (in progress).
