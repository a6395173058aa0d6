//! A tiny futex mutex for the internal bookkeeping of a block (a condition's waiter list, a
//! barrier's counters). It is held for a few instructions only, never across JavaScript.

use crate::sys::{futex_wait, futex_wake};
use std::sync::atomic::{AtomicU32, Ordering::*};

/// States: 0 free, 1 held, 2 held with (possible) sleepers.
pub fn lock(m: &AtomicU32) {
    if m.compare_exchange(0, 1, Acquire, Relaxed).is_ok() {
        return;
    }
    for _ in 0..100 {
        std::hint::spin_loop();
        if m.load(Relaxed) == 0 && m.compare_exchange(0, 1, Acquire, Relaxed).is_ok() {
            return;
        }
    }
    while m.swap(2, Acquire) != 0 {
        futex_wait(m, 2, None);
    }
}

pub fn unlock(m: &AtomicU32) {
    if m.swap(0, Release) == 2 {
        futex_wake(m, 1);
    }
}

/// Holds `m` for the life of the guard.
pub struct Guard<'a>(&'a AtomicU32);

impl<'a> Guard<'a> {
    pub fn new(m: &'a AtomicU32) -> Guard<'a> {
        lock(m);
        Guard(m)
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        unlock(self.0);
    }
}
