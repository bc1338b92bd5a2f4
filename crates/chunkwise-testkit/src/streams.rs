//! Deterministic stream generators (in progress).
