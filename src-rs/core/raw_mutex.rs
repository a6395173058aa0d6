//! A tiny futex mutex for the internal bookkeeping of a block (a condition's waiter list, a
//! barrier's counters, a queue's overflow list). It is held for a few instructions only, never
//! across JavaScript, so only the death of the holder's whole process (a kill, a crash, an
//! exit while another of its threads held it) can leave it held: its word names the holder's
//! process, and a waiter that finds that process dead takes the mutex over and is told so,
//! to repair what the dead holder may have left half done.
//!
//! Word: 0 free; else the holder's process tag shifted left by two, bit 1 set (held), and
//! bit 0 set when a waiter may be sleeping.

use super::liveness;
use super::park::{park, Parked};
use crate::sys::futex_wake;
use std::sync::atomic::{AtomicU32, Ordering::*};

const CONTENDED: u32 = 1;
const HELD: u32 = 2;

/// Takes `m`; true when it was taken over from a holder whose process died.
pub fn lock(m: &AtomicU32) -> bool {
    // A process without a tag (its table was full) still excludes its own threads; it cannot
    // be told from a dead one by others, so it is treated as dead by them.
    let held = liveness::my_process().unwrap_or(0) << 2 | HELD;
    if m.compare_exchange(0, held, Acquire, Relaxed).is_ok() {
        return false;
    }
    for _ in 0..100 {
        std::hint::spin_loop();
        if m.load(Relaxed) == 0 && m.compare_exchange(0, held, Acquire, Relaxed).is_ok() {
            return false;
        }
    }
    loop {
        let v = m.load(Relaxed);
        if v == 0 {
            if m.compare_exchange(0, held | CONTENDED, Acquire, Relaxed)
                .is_ok()
            {
                return false;
            }
            continue;
        }
        if v & CONTENDED == 0
            && m.compare_exchange(v, v | CONTENDED, Relaxed, Relaxed)
                .is_err()
        {
            continue;
        }
        if park(m, v | CONTENDED, None, None) == Parked::Slice
            && !liveness::process_alive(v >> 2)
            && m.compare_exchange(v | CONTENDED, held | CONTENDED, Acquire, Relaxed)
                .is_ok()
        {
            return true;
        }
    }
}

pub fn unlock(m: &AtomicU32) {
    if m.swap(0, Release) & CONTENDED != 0 {
        futex_wake(m, 1);
    }
}

/// Holds `m` for the life of the guard.
pub struct Guard<'a> {
    m: &'a AtomicU32,
    /// The previous holder's process died holding `m`: what it guards may be half changed.
    pub recovered: bool,
}

impl<'a> Guard<'a> {
    pub fn new(m: &'a AtomicU32) -> Guard<'a> {
        let recovered = lock(m);
        Guard { m, recovered }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        unlock(self.m);
    }
}

/// For tests: the word of a mutex held by process `tag`.
#[cfg(test)]
pub fn held_by(tag: u32) -> u32 {
    tag << 2 | HELD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutex_held_by_a_dead_process_is_taken_over_and_reported() {
        crate::core::start();
        let mut child = crate::core::liveness::ChildProcess::spawn();
        let m = AtomicU32::new(held_by(child.tag));
        child.kill();
        let t0 = std::time::Instant::now();
        let g = Guard::new(&m);
        assert!(g.recovered);
        assert!(t0.elapsed().as_millis() < 1000);
        drop(g);
        assert_eq!(m.load(Relaxed), 0);
        assert!(!Guard::new(&m).recovered);
    }

    #[test]
    fn threads_of_one_process_exclude_each_other() {
        crate::core::start();
        static M: AtomicU32 = AtomicU32::new(0);
        static N: AtomicU32 = AtomicU32::new(0);
        let ts: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    for _ in 0..20_000 {
                        let g = Guard::new(&M);
                        assert!(!g.recovered);
                        N.store(N.load(Relaxed) + 1, Relaxed);
                    }
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(N.load(Relaxed), 80_000);
    }
}
