//! Shared benchmark helpers: a counting global allocator, so that each benchmark can
//! report allocations per event next to its throughput.
//!
//! A global allocator must be declared once per binary, so this crate only provides
//! the type; each bench file that wants the counts declares it:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: chunkwise_benches::CountingAlloc = chunkwise_benches::CountingAlloc;
//! ```
//!
//! Without that declaration the counters stay at zero ([`counting_active`] tells).

#![deny(unsafe_code)]

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

pub use counting::CountingAlloc;

static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
/// Bytes currently allocated (allocated minus freed), for memory-per-object figures.
static LIVE: AtomicI64 = AtomicI64::new(0);

#[allow(unsafe_code)]
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};

    use super::{BYTES, CALLS, LIVE, Relaxed};

    /// The system allocator, counting every allocation (`alloc`, `alloc_zeroed` and
    /// `realloc` each count one) and the bytes requested. The counters are relaxed
    /// atomics: a few cycles per allocation, negligible next to the allocation.
    pub struct CountingAlloc;

    // SAFETY: every method forwards its arguments unchanged to `System`, which upholds
    // the `GlobalAlloc` contract; the counting touches no memory the caller sees.
    unsafe impl GlobalAlloc for CountingAlloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            CALLS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size() as u64, Relaxed);
            LIVE.fetch_add(layout.size() as i64, Relaxed);
            // SAFETY: forwarded as is (see above).
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            CALLS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size() as u64, Relaxed);
            LIVE.fetch_add(layout.size() as i64, Relaxed);
            // SAFETY: forwarded as is.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            CALLS.fetch_add(1, Relaxed);
            BYTES.fetch_add(new_size as u64, Relaxed);
            LIVE.fetch_add(new_size as i64 - layout.size() as i64, Relaxed);
            // SAFETY: forwarded as is.
            unsafe { System.realloc(ptr, layout, new_size) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
            // SAFETY: forwarded as is.
            unsafe { System.dealloc(ptr, layout) }
        }
    }
}

/// Allocator activity over some stretch of code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocStats {
    /// Allocator calls (`alloc`, `alloc_zeroed`, `realloc`).
    pub calls: u64,
    /// Bytes requested by those calls.
    pub bytes: u64,
}

impl AllocStats {
    /// Allocator calls per `n` (e.g. per event); 0 when `n` is 0.
    pub fn calls_per(&self, n: usize) -> f64 {
        if n == 0 {
            0.0
        } else {
            self.calls as f64 / n as f64
        }
    }

    /// Bytes requested per `n`; 0 when `n` is 0.
    pub fn bytes_per(&self, n: usize) -> f64 {
        if n == 0 {
            0.0
        } else {
            self.bytes as f64 / n as f64
        }
    }
}

fn now() -> AllocStats {
    AllocStats {
        calls: CALLS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
    }
}

/// Runs `f` and returns its result with the allocator activity it caused (on any
/// thread: keep other threads quiet while measuring).
pub fn count_allocs<R>(f: impl FnOnce() -> R) -> (R, AllocStats) {
    let before = now();
    let r = f();
    let after = now();
    (
        r,
        AllocStats {
            calls: after.calls - before.calls,
            bytes: after.bytes - before.bytes,
        },
    )
}

/// Whether this binary declared [`CountingAlloc`] as its global allocator.
pub fn counting_active() -> bool {
    let (b, stats) = count_allocs(|| std::hint::black_box(Box::new(7u64)));
    drop(b);
    stats.calls > 0
}

/// Heap bytes currently allocated through [`CountingAlloc`] (requested sizes, so
/// without the allocator's own overhead): the difference between two readings is
/// what the code in between kept. Zero unless the binary declared the allocator.
pub fn live_bytes() -> i64 {
    LIVE.load(Relaxed)
}
