//! UTF-8 decoding with replacement, as the standard's "UTF-8 decode" does.
//!
//! Line ends, `:` and the space after it are ASCII, and an ASCII byte always ends an
//! incomplete UTF-8 sequence, so decoding each value on its own gives exactly what
//! decoding the whole stream first would: invalid sequences become U+FFFD, one per
//! maximal invalid subpart.
//!
//! Valid data is checked with `simdutf8` (SIMD, already in the dependency tree through
//! simd-json): on ~300-byte events it is several times faster than `str::from_utf8`,
//! which otherwise dominates the framing cost.

/// `bytes` as `&str`: borrowed when valid, else decoded with replacement into `buf`.
#[inline]
pub(crate) fn lossy_str<'a>(bytes: &'a [u8], buf: &'a mut String) -> &'a str {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => {
            buf.clear();
            push_lossy(buf, bytes);
            buf
        }
    }
}

/// Replaces `dst`'s contents with `bytes` decoded with replacement.
#[inline]
pub(crate) fn lossy_into(dst: &mut String, bytes: &[u8]) {
    dst.clear();
    match std::str::from_utf8(bytes) {
        Ok(s) => dst.push_str(s),
        Err(_) => push_lossy(dst, bytes),
    }
}

fn push_lossy(dst: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        dst.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            dst.push(char::REPLACEMENT_CHARACTER);
        }
    }
}

/// `bytes` decoded with replacement, as an owned string.
pub(crate) fn lossy_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    push_lossy(&mut s, bytes);
    s
}
