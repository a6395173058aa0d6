//! Semaphore and BoundedSemaphore: a counter that JavaScript decrements with a CAS when it is
//! positive; waiters sleep on the counter word while it is 0.

use super::arena::{arena, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::park::{park, Deadline, Interrupt, Parked};
use super::ring;
use crate::layout::{limit, semaphore_word};
use crate::sys::futex_wake;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU32, Ordering::*};

/// A Semaphore or a BoundedSemaphore.
pub type Semaphore = Handle<handle::Semaphore>;

/// The largest value a semaphore can hold (JavaScript reads it as an Int32).
pub const MAX_VALUE: u32 = limit::SEMAPHORE_VALUE;

#[repr(C)]
pub struct SemState {
    pub value: AtomicU32,
    pub waiters: AtomicU32,
    /// BoundedSemaphore: the initial value, the ceiling of `release`.
    pub initial: AtomicU32,
}
const _: () = assert!(offset_of!(SemState, value) == semaphore_word::VALUE * 4);
const _: () = assert!(offset_of!(SemState, waiters) == semaphore_word::WAITERS * 4);
const _: () = assert!(offset_of!(SemState, initial) == semaphore_word::INITIAL * 4);

pub fn new(value: u32, bounded: bool) -> Result<Semaphore> {
    let kind = if bounded {
        Kind::BoundedSemaphore
    } else {
        Kind::Semaphore
    };
    let off = Handle::trusted(arena().alloc(kind, std::mem::size_of::<SemState>())?);
    let s = state(off);
    s.value.store(value, Relaxed);
    s.initial.store(value, Release);
    Ok(off)
}

pub fn state(off: Semaphore) -> &'static SemState {
    // SAFETY: a Semaphore handle names a Semaphore or BoundedSemaphore block, whose body is a
    // SemState.
    unsafe { off.body::<SemState>() }
}

/// Whether it is a BoundedSemaphore.
pub fn is_bounded(off: Semaphore) -> bool {
    arena().kind_of(off.index()) == Some(Kind::BoundedSemaphore)
}

pub fn try_acquire(off: Semaphore) -> bool {
    let v = &state(off).value;
    let mut cur = v.load(Relaxed);
    while cur > 0 {
        match v.compare_exchange_weak(cur, cur - 1, SeqCst, Relaxed) {
            Ok(_) => return true,
            Err(c) => cur = c,
        }
    }
    false
}

pub fn acquire(off: Semaphore, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    if try_acquire(off) {
        return Ok(true);
    }
    let s = state(off);
    s.waiters.fetch_add(1, SeqCst);
    let result = loop {
        if try_acquire(off) {
            break Ok(true);
        }
        match park(&s.value, 0, deadline, interrupt) {
            Parked::Woken | Parked::Slice => {}
            Parked::TimedOut => break Ok(try_acquire(off)),
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    s.waiters.fetch_sub(1, SeqCst);
    result
}

/// Adds `n` and wakes up to `n` waiters.
pub fn release(off: Semaphore, n: u32) -> Result<()> {
    let s = state(off);
    let bounded = is_bounded(off);
    let ceiling = if bounded {
        s.initial.load(Relaxed)
    } else {
        MAX_VALUE
    };
    let mut cur = s.value.load(Relaxed);
    loop {
        let next = match cur.checked_add(n) {
            Some(v) if v <= ceiling => v,
            _ if bounded => return Err(Error::OverReleased),
            _ => return Err(Error::OutOfRange),
        };
        match s.value.compare_exchange_weak(cur, next, SeqCst, Relaxed) {
            Ok(_) => break,
            Err(c) => cur = c,
        }
    }
    wake(off, n);
    Ok(())
}

/// Wakes after JavaScript raised the counter itself.
pub fn wake(off: Semaphore, n: u32) {
    let s = state(off);
    if s.waiters.load(SeqCst) > 0 {
        futex_wake(&s.value, n);
    }
    ring::ring(off.index());
}

pub fn value(off: Semaphore) -> u32 {
    state(off).value.load(Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;

    #[test]
    fn counts_down_and_times_out_at_zero() {
        crate::core::start();
        let s = new(2, false).unwrap();
        assert!(acquire(s, None, None).unwrap());
        assert!(acquire(s, None, None).unwrap());
        assert!(!acquire(s, deadline_after_ms(20.0), None).unwrap());
        release(s, 3).unwrap();
        assert_eq!(value(s), 3);
        arena().release(s.index());
    }

    #[test]
    fn bounded_refuses_to_exceed_its_initial_value() {
        crate::core::start();
        let s = new(1, true).unwrap();
        assert_eq!(release(s, 1), Err(Error::OverReleased));
        assert!(try_acquire(s));
        release(s, 1).unwrap();
        assert_eq!(value(s), 1);
        arena().release(s.index());
    }

    #[test]
    fn release_wakes_blocked_threads() {
        crate::core::start();
        let s = new(0, false).unwrap();
        let ts: Vec<_> = (0..3)
            .map(|_| std::thread::spawn(move || acquire(s, None, None).unwrap()))
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        release(s, 3).unwrap();
        for t in ts {
            assert!(t.join().unwrap());
        }
        assert_eq!(value(s), 0);
        arena().release(s.index());
    }
}
