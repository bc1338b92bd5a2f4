//! The read buffer of the `io` and `tokio` adapters: reads land in one reused block
//! and leave it as `Bytes` slices, so events can share them without copies.

use bytes::{Bytes, BytesMut};

/// Default size of a read buffer block.
pub(crate) const DEFAULT_CAPACITY: usize = 16 << 10;

/// Smallest part of a block worth reading into; below it, a fresh block is set up.
const MIN_READ: usize = 1 << 10;

/// A block of initialized bytes that reads fill from the front; each read's bytes are
/// split off as a `Bytes`. When little is left, the block is recycled (in place, if
/// every `Bytes` cut from it has been dropped; else a new one is allocated, and the
/// old one lives as long as its slices).
#[derive(Debug)]
pub(crate) struct ReadBuffer {
    buf: BytesMut,
    capacity: usize,
}

impl ReadBuffer {
    pub(crate) fn new(capacity: usize) -> ReadBuffer {
        ReadBuffer {
            buf: BytesMut::new(),
            capacity: capacity.max(MIN_READ),
        }
    }

    /// Where the next read goes (at least `MIN_READ` bytes, initialized: zeroed once
    /// per block, since reading into uninitialized memory would need `unsafe`).
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self.buf.len() < MIN_READ {
            self.buf.clear();
            self.buf.reserve(self.capacity);
            let cap = self.buf.capacity();
            self.buf.resize(cap, 0);
        }
        &mut self.buf[..]
    }

    /// The first `n` bytes of [`spare`](ReadBuffer::spare), which a read just filled.
    pub(crate) fn take(&mut self, n: usize) -> Bytes {
        // `min`: a faulty reader may claim more than it was given.
        self.buf.split_to(n.min(self.buf.len())).freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_reused_once_its_slices_are_dropped() {
        let mut buf = ReadBuffer::new(4096);
        let first = buf.spare().as_ptr();
        buf.spare()[..4000].fill(b'a');
        let piece = buf.take(4000);
        assert_eq!(piece.as_ptr(), first);
        assert!(piece.iter().all(|&b| b == b'a'));
        drop(piece);
        // 96 bytes left: below MIN_READ, so the block is recycled in place.
        assert_eq!(buf.spare().as_ptr(), first);
        assert!(buf.spare().len() >= 4096);
        let held = buf.take(4096);
        // Still referenced: the next block is a new one.
        assert_ne!(buf.spare().as_ptr(), first);
        assert_eq!(held.as_ptr(), first);
    }

    #[test]
    fn a_reader_claiming_too_much_cannot_make_it_panic() {
        let mut buf = ReadBuffer::new(1024);
        let len = buf.spare().len();
        assert_eq!(buf.take(len + 100).len(), len);
    }
}
