//! The schema-directed chunk decoder (in progress).
