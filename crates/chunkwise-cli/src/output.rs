//! Buffered output: records are appended to one reused buffer and written in large
//! blocks.

use std::io::{self, Write};

const FLUSH_AT: usize = 64 << 10;

pub struct Output<W: Write> {
    buf: Vec<u8>,
    out: W,
}

impl<W: Write> Output<W> {
    pub fn new(out: W) -> Output<W> {
        Output {
            buf: Vec::with_capacity(FLUSH_AT * 2),
            out,
        }
    }

    pub fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Writes the buffer out once it is large.
    pub fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.write_out()?;
        }
        Ok(())
    }

    /// Writes what is buffered and flushes the writer (for output a person watches).
    pub fn flush_now(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.out.flush()
    }

    fn write_out(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.flush_now()
    }
}
