//! Lock: a futex mutex whose word JavaScript also operates on directly for the uncontended path.
//!
//! Word: 0 unlocked, 1 locked, 2 locked and someone may be waiting (blocked or asynchronous).
//! Any waiter sets 2 before sleeping, so the releaser of a contended lock takes the slow path
//! (here) and wakes; an uncontended release is a CAS 1 -> 0 done in JavaScript.

use super::arena::{arena, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::park::{park, Deadline, Interrupt, Parked};
use super::ring;
use crate::layout::lock_word;
use crate::sys::futex_wake;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU32, Ordering::*};

pub type Lock = Handle<handle::Lock>;

#[repr(C)]
pub struct LockState {
    pub word: AtomicU32,
}
const _: () = assert!(offset_of!(LockState, word) == lock_word::STATE * 4);

pub fn new() -> Result<Lock> {
    Ok(Handle::trusted(
        arena().alloc(Kind::Lock, std::mem::size_of::<LockState>())?,
    ))
}

pub fn state(off: Lock) -> &'static LockState {
    // SAFETY: a Lock handle names a Lock block, whose body is a LockState.
    unsafe { off.body::<LockState>() }
}

pub fn try_acquire(off: Lock) -> bool {
    state(off)
        .word
        .compare_exchange(0, 1, Acquire, Relaxed)
        .is_ok()
}

/// One attempt that leaves the word at 2, for waiters (the next release must wake the rest).
pub fn try_acquire_contended(off: Lock) -> bool {
    state(off).word.swap(2, SeqCst) == 0
}

/// Blocks until acquired (`Ok(true)`), the deadline passes (`Ok(false)`), or interrupted.
pub fn acquire(off: Lock, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    if try_acquire(off) {
        return Ok(true);
    }
    let w = &state(off).word;
    loop {
        if w.swap(2, Acquire) == 0 {
            return Ok(true);
        }
        match park(w, 2, deadline, interrupt) {
            Parked::Woken | Parked::Slice => {}
            Parked::TimedOut => return Ok(w.compare_exchange(0, 2, Acquire, Relaxed).is_ok()),
            Parked::Interrupted => return Err(Error::Interrupted),
        }
    }
}

/// The slow release (the word was not 1): unlock, wake one sleeper, ring async waiters.
pub fn release(off: Lock) -> Result<()> {
    let prev = state(off).word.swap(0, SeqCst);
    if prev == 0 {
        return Err(Error::NotHeld);
    }
    if prev == 2 {
        futex_wake(&state(off).word, 1);
    }
    ring::ring(off.index());
    Ok(())
}

pub fn locked(off: Lock) -> bool {
    state(off).word.load(Acquire) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;
    use std::sync::Arc;

    #[test]
    fn acquire_times_out_while_held_and_release_checks_state() {
        crate::core::start();
        let l = new().unwrap();
        assert!(acquire(l, None, None).unwrap());
        assert!(locked(l));
        let t0 = std::time::Instant::now();
        assert!(!acquire(l, deadline_after_ms(30.0), None).unwrap());
        assert!(t0.elapsed().as_millis() >= 29);
        release(l).unwrap();
        assert_eq!(release(l), Err(Error::NotHeld));
        arena().release(l.index());
    }

    #[test]
    fn mutual_exclusion_across_threads() {
        crate::core::start();
        let l = new().unwrap();
        let counter = Arc::new(AtomicU32::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = counter.clone();
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        acquire(l, None, None).unwrap();
                        let v = c.load(Relaxed);
                        c.store(v + 1, Relaxed);
                        // What JavaScript does: the fast CAS, else the slow release.
                        if state(l)
                            .word
                            .compare_exchange(1, 0, Release, Relaxed)
                            .is_err()
                        {
                            release(l).unwrap();
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(counter.load(Relaxed), 80_000);
        arena().release(l.index());
    }

    #[test]
    fn interrupt_abandons_the_wait() {
        crate::core::start();
        let l = new().unwrap();
        assert!(try_acquire(l));
        let t0 = std::time::Instant::now();
        assert_eq!(
            acquire(l, None, Some(&|| t0.elapsed().as_millis() > 100)),
            Err(Error::Interrupted)
        );
        release(l).unwrap();
        arena().release(l.index());
    }
}
