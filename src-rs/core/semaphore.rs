//! Semaphore and BoundedSemaphore: a counter that JavaScript decrements with a CAS when it is
//! positive; waiters sleep on the counter word while it is 0.

use super::arena::{arena, Kind, Off};
use super::park::{park, Deadline, Interrupt, Parked};
use super::{ring, Error, Result};
use crate::sys::futex_wake;
use std::sync::atomic::{AtomicU32, Ordering::*};

/// The largest value a semaphore can hold (JavaScript reads it as an Int32).
pub const MAX_VALUE: u32 = i32::MAX as u32;

#[repr(C)]
pub struct SemState {
    pub value: AtomicU32,
    pub waiters: AtomicU32,
    /// BoundedSemaphore: the initial value, the ceiling of `release`.
    pub initial: AtomicU32,
}

pub fn new(value: u32, bounded: bool) -> Off {
    let kind = if bounded {
        Kind::BoundedSemaphore
    } else {
        Kind::Semaphore
    };
    let off = arena().alloc(kind, std::mem::size_of::<SemState>());
    let s = state(off);
    s.value.store(value, Relaxed);
    s.initial.store(value, Release);
    off
}

pub fn state(off: Off) -> &'static SemState {
    // SAFETY: callers pass offsets of (Bounded)Semaphore blocks (checked at the binding edge).
    unsafe { arena().body::<SemState>(off) }
}

pub fn try_acquire(off: Off) -> bool {
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

pub fn acquire(off: Off, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
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
            Parked::Woken => {}
            Parked::TimedOut => break Ok(try_acquire(off)),
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    s.waiters.fetch_sub(1, SeqCst);
    result
}

/// Adds `n` and wakes up to `n` waiters.
pub fn release(off: Off, n: u32, bounded: bool) -> Result<()> {
    let s = state(off);
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
pub fn wake(off: Off, n: u32) {
    let s = state(off);
    if s.waiters.load(SeqCst) > 0 {
        futex_wake(&s.value, n);
    }
    ring::ring(off);
}

pub fn value(off: Off) -> u32 {
    state(off).value.load(Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;

    #[test]
    fn counts_down_and_times_out_at_zero() {
        let s = new(2, false);
        assert!(acquire(s, None, None).unwrap());
        assert!(acquire(s, None, None).unwrap());
        assert!(!acquire(s, deadline_after_ms(20.0), None).unwrap());
        release(s, 3, false).unwrap();
        assert_eq!(value(s), 3);
        arena().release(s);
    }

    #[test]
    fn bounded_refuses_to_exceed_its_initial_value() {
        let s = new(1, true);
        assert_eq!(release(s, 1, true), Err(Error::OverReleased));
        assert!(try_acquire(s));
        release(s, 1, true).unwrap();
        assert_eq!(value(s), 1);
        arena().release(s);
    }

    #[test]
    fn release_wakes_blocked_threads() {
        let s = new(0, false);
        let ts: Vec<_> = (0..3)
            .map(|_| std::thread::spawn(move || acquire(s, None, None).unwrap()))
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        release(s, 3, false).unwrap();
        for t in ts {
            assert!(t.join().unwrap());
        }
        assert_eq!(value(s), 0);
        arena().release(s);
    }
}
