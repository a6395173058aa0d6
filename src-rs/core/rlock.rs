//! RLock: owner (a process-tree-wide thread id, 0 = free), recursion count, waiter count.
//! JavaScript does the uncontended acquire (CAS owner 0 -> me) and the release that leaves no
//! waiters; this file does the blocking and the waking.

use super::arena::{arena, Kind, Off};
use super::park::{park, Deadline, Interrupt, Parked};
use super::{ring, Error, Result};
use crate::sys::futex_wake;
use std::sync::atomic::{AtomicU32, Ordering::*};

#[repr(C)]
pub struct RLockState {
    pub owner: AtomicU32,
    pub count: AtomicU32,
    /// Blocked and asynchronous waiters; a releaser wakes only when this is non-zero.
    pub waiters: AtomicU32,
}

pub fn new() -> Off {
    arena().alloc(Kind::RLock, std::mem::size_of::<RLockState>())
}

pub fn state(off: Off) -> &'static RLockState {
    // SAFETY: callers pass offsets of RLock blocks (checked at the binding edge).
    unsafe { arena().body::<RLockState>(off) }
}

/// One non-blocking attempt for `me`, recursion included.
pub fn try_acquire(off: Off, me: u32) -> Result<bool> {
    let s = state(off);
    match s.owner.compare_exchange(0, me, Acquire, Relaxed) {
        Ok(_) => {
            s.count.store(1, Relaxed);
            Ok(true)
        }
        Err(o) if o == me => {
            let c = s.count.load(Relaxed);
            if c == i32::MAX as u32 {
                return Err(Error::OutOfRange);
            }
            s.count.store(c + 1, Relaxed);
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

/// Takes the free lock for `me` with a given recursion count (a Condition restoring its level).
pub fn try_take(off: Off, me: u32, count: u32) -> bool {
    let s = state(off);
    if s.owner.compare_exchange(0, me, SeqCst, Relaxed).is_ok() {
        s.count.store(count, Relaxed);
        true
    } else {
        false
    }
}

pub fn acquire(off: Off, me: u32, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    if try_acquire(off, me)? {
        return Ok(true);
    }
    take(off, me, 1, deadline, interrupt)
}

/// Blocks until the lock is free and takes it for `me` at recursion level `count`.
pub fn take(
    off: Off,
    me: u32,
    count: u32,
    deadline: Deadline,
    interrupt: Interrupt,
) -> Result<bool> {
    let s = state(off);
    s.waiters.fetch_add(1, SeqCst);
    let result = loop {
        let o = s.owner.load(SeqCst);
        if o == 0 && try_take(off, me, count) {
            break Ok(true);
        }
        if o == 0 {
            continue;
        }
        match park(&s.owner, o, deadline, interrupt) {
            Parked::Woken => {}
            Parked::TimedOut => break Ok(try_take(off, me, count)),
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    s.waiters.fetch_sub(1, SeqCst);
    result
}

pub fn release(off: Off, me: u32) -> Result<()> {
    let s = state(off);
    if s.owner.load(Relaxed) != me {
        return Err(Error::NotOwned);
    }
    let c = s.count.load(Relaxed) - 1;
    s.count.store(c, Relaxed);
    if c == 0 {
        unlock(off);
    }
    Ok(())
}

/// Releases every level held by `me` and returns how many there were (Condition.wait).
pub fn release_all(off: Off, me: u32) -> Result<u32> {
    let s = state(off);
    if s.owner.load(Relaxed) != me {
        return Err(Error::NotOwned);
    }
    let c = s.count.swap(0, Relaxed);
    unlock(off);
    Ok(c)
}

/// Frees the lock and wakes one waiter, if any.
pub fn unlock(off: Off) {
    state(off).owner.store(0, SeqCst);
    wake(off);
}

/// Wakes one waiter after the lock was freed (also the tail of a JavaScript release that saw
/// waiters: it must not store the owner again, since another thread may own it by now).
pub fn wake(off: Off) {
    if state(off).waiters.load(SeqCst) > 0 {
        futex_wake(&state(off).owner, 1);
    }
    ring::ring(off);
}

pub fn owner(off: Off) -> u32 {
    state(off).owner.load(Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;

    #[test]
    fn recursion_and_ownership() {
        let l = new();
        assert!(acquire(l, 7, None, None).unwrap());
        assert!(acquire(l, 7, None, None).unwrap());
        assert_eq!(release(l, 8), Err(Error::NotOwned));
        assert!(!acquire(l, 8, deadline_after_ms(20.0), None).unwrap());
        release(l, 7).unwrap();
        assert_eq!(owner(l), 7);
        release(l, 7).unwrap();
        assert_eq!(owner(l), 0);
        assert_eq!(release(l, 7), Err(Error::NotOwned));
        arena().release(l);
    }

    #[test]
    fn release_all_and_retake_restore_the_level() {
        let l = new();
        for _ in 0..3 {
            acquire(l, 5, None, None).unwrap();
        }
        assert_eq!(release_all(l, 5).unwrap(), 3);
        assert!(take(l, 5, 3, None, None).unwrap());
        assert_eq!(state(l).count.load(Relaxed), 3);
        arena().release(l);
    }

    #[test]
    fn a_waiter_is_woken_by_the_last_release() {
        let l = new();
        acquire(l, 1, None, None).unwrap();
        let t = std::thread::spawn(move || acquire(l, 2, None, None).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(20));
        release(l, 1).unwrap();
        assert!(t.join().unwrap());
        assert_eq!(owner(l), 2);
        arena().release(l);
    }
}
