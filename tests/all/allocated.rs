//! Bytes allocated by the current thread, counted by this test binary's
//! global allocator: a test can bound what one call allocates without
//! timing it or reading the process's memory, which other tests share.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    // `const` and `Drop`-free, so the allocator can use it without allocating.
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting each thread's requested bytes.
pub struct Counting;

fn count(bytes: usize) {
    // `try_with`: a thread's last frees run after its locals are gone.
    let _ = ALLOCATED.try_with(|a| a.set(a.get().saturating_add(bytes as u64)));
}

// SAFETY: every call is forwarded to `System` unchanged; counting allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Bytes this thread has asked the allocator for so far (frees not subtracted).
pub fn by_this_thread() -> u64 {
    ALLOCATED.with(Cell::get)
}
