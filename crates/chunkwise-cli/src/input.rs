//! Reading the input and cutting it into the pieces `--split` asks for.
//!
//! The input is streamed through one reused buffer (the whole file is read at once
//! only for `--split whole`, which asks for exactly that), so memory stays flat on
//! inputs of any size.

use std::io::{self, Read};

use crate::args::Split;

/// SplitMix64: a tiny, well-known seeded generator (Steele, Lea, Flood 2014).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The sizes of consecutive pieces under a [`Split`] (`usize::MAX` for `whole`): what
/// `--split` cuts an input into and what `serve --chunking` cuts a reply into.
#[derive(Clone, Debug)]
pub enum PieceSizes {
    Whole,
    Fixed(usize),
    Random(SplitMix64),
}

impl PieceSizes {
    pub fn new(split: Split) -> PieceSizes {
        match split {
            Split::Whole => PieceSizes::Whole,
            Split::Fixed(n) => PieceSizes::Fixed(n),
            Split::Random(seed) => PieceSizes::Random(SplitMix64(seed)),
        }
    }

    /// The size of the next piece (at least 1).
    pub fn next_size(&mut self) -> usize {
        match self {
            PieceSizes::Whole => usize::MAX,
            PieceSizes::Fixed(n) => *n,
            PieceSizes::Random(rng) => 1 + (rng.next() % 64) as usize,
        }
    }
}

const READ_SIZE: usize = 64 << 10;

/// Reads `src` to the end, calling `feed` with consecutive pieces cut per `split`.
pub fn for_each_piece(
    mut src: impl Read,
    split: Split,
    mut feed: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    if split == Split::Whole {
        let mut all = Vec::new();
        src.read_to_end(&mut all)?;
        return feed(&all);
    }
    let mut sizes = PieceSizes::new(split);
    // `buf[start..end]` is read but not yet fed; `buf[end..]` is free space.
    let mut buf: Vec<u8> = vec![0; READ_SIZE];
    let (mut start, mut end) = (0, 0);
    let mut eof = false;
    loop {
        let want = sizes.next_size();
        // Fill until a whole piece is buffered or the input ends.
        while end - start < want && !eof {
            if end == buf.len() {
                // Make room: slide the unread bytes to the front, then grow if a
                // piece needs more (doubling, so growth is amortised).
                buf.copy_within(start..end, 0);
                (start, end) = (0, end - start);
                if end == buf.len() {
                    let grown = buf.len().saturating_mul(2);
                    buf.resize(grown, 0);
                }
            }
            match src.read(&mut buf[end..]) {
                Ok(0) => eof = true,
                Ok(n) => end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if end == start {
            return Ok(());
        }
        let take = want.min(end - start);
        feed(&buf[start..start + take])?;
        start += take;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most `max` bytes per read.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn pieces(data: &[u8], split: Split, max_read: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for_each_piece(Trickle(data, max_read), split, |p| {
            out.push(p.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn pieces_have_the_requested_sizes_whatever_the_reads() {
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        for max_read in [1, 7, 4096, 1 << 20] {
            let fixed = pieces(&data, Split::Fixed(1460), max_read);
            assert!(fixed[..fixed.len() - 1].iter().all(|p| p.len() == 1460));
            assert_eq!(fixed.concat(), data);
            let random = pieces(&data, Split::Random(42), max_read);
            assert!(random.iter().all(|p| (1..=64).contains(&p.len())));
            assert_eq!(random.concat(), data);
            let again = pieces(&data, Split::Random(42), 3);
            assert_eq!(random, again, "random:SEED is reproducible");
            assert_eq!(pieces(&data, Split::Whole, max_read), vec![data.clone()]);
            assert_eq!(
                pieces(&data, Split::Fixed(1 << 30), max_read),
                vec![data.clone()]
            );
        }
        assert!(pieces(b"", Split::Fixed(3), 5).is_empty());
    }
}
