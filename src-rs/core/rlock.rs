//! RLock: owner (a process-tree-wide thread id, 0 = free), recursion count, waiter count.
//! JavaScript does the uncontended acquire (CAS owner 0 -> me) and the release that leaves no
//! waiters; this file does the blocking and the waking.

use super::arena::{arena, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::park::{park, Deadline, Interrupt, Parked};
use super::ring;
use crate::layout::{limit, rlock_word};
use crate::sys::futex_wake;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU32, Ordering::*};

pub type RLock = Handle<handle::RLock>;

#[repr(C)]
pub struct RLockState {
    pub owner: AtomicU32,
    pub count: AtomicU32,
    /// Blocked and asynchronous waiters; a releaser wakes only when this is non-zero.
    pub waiters: AtomicU32,
}
const _: () = assert!(offset_of!(RLockState, owner) == rlock_word::OWNER * 4);
const _: () = assert!(offset_of!(RLockState, count) == rlock_word::COUNT * 4);
const _: () = assert!(offset_of!(RLockState, waiters) == rlock_word::WAITERS * 4);

pub fn new() -> Result<RLock> {
    Ok(Handle::trusted(
        arena().alloc(Kind::RLock, std::mem::size_of::<RLockState>())?,
    ))
}

pub fn state(off: RLock) -> &'static RLockState {
    // SAFETY: an RLock handle names an RLock block, whose body is an RLockState.
    unsafe { off.body::<RLockState>() }
}

/// One non-blocking attempt for `me`, recursion included.
pub fn try_acquire(off: RLock, me: u32) -> Result<bool> {
    let s = state(off);
    match s.owner.compare_exchange(0, me, Acquire, Relaxed) {
        Ok(_) => {
            s.count.store(1, Relaxed);
            Ok(true)
        }
        Err(o) if o == me => {
            let c = s.count.load(Relaxed);
            if c == limit::RLOCK_DEPTH {
                return Err(Error::OutOfRange);
            }
            s.count.store(c + 1, Relaxed);
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

/// Takes the free lock for `me` with a given recursion count (a Condition restoring its level).
pub fn try_take(off: RLock, me: u32, count: u32) -> bool {
    let s = state(off);
    if s.owner.compare_exchange(0, me, SeqCst, Relaxed).is_ok() {
        s.count.store(count, Relaxed);
        true
    } else {
        false
    }
}

pub fn acquire(off: RLock, me: u32, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    if try_acquire(off, me)? {
        return Ok(true);
    }
    take(off, me, 1, deadline, interrupt)
}

/// Blocks until the lock is free and takes it for `me` at recursion level `count`.
pub fn take(
    off: RLock,
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
            Parked::Woken | Parked::Slice => {}
            Parked::TimedOut => break Ok(try_take(off, me, count)),
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    s.waiters.fetch_sub(1, SeqCst);
    result
}

pub fn release(off: RLock, me: u32) -> Result<()> {
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
pub fn release_all(off: RLock, me: u32) -> Result<u32> {
    let s = state(off);
    if s.owner.load(Relaxed) != me {
        return Err(Error::NotOwned);
    }
    let c = s.count.swap(0, Relaxed);
    unlock(off);
    Ok(c)
}

/// Frees the lock and wakes one waiter, if any.
pub fn unlock(off: RLock) {
    state(off).owner.store(0, SeqCst);
    wake(off);
}

/// Wakes one waiter after the lock was freed (also the tail of a JavaScript release that saw
/// waiters: it must not store the owner again, since another thread may own it by now).
pub fn wake(off: RLock) {
    if state(off).waiters.load(SeqCst) > 0 {
        futex_wake(&state(off).owner, 1);
    }
    ring::ring(off.index());
}

pub fn owner(off: RLock) -> u32 {
    state(off).owner.load(Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;

    #[test]
    fn recursion_and_ownership() {
        crate::core::start();
        let l = new().unwrap();
        assert!(acquire(l, 7, None, None).unwrap());
        assert!(acquire(l, 7, None, None).unwrap());
        assert_eq!(release(l, 8), Err(Error::NotOwned));
        assert!(!acquire(l, 8, deadline_after_ms(20.0), None).unwrap());
        release(l, 7).unwrap();
        assert_eq!(owner(l), 7);
        release(l, 7).unwrap();
        assert_eq!(owner(l), 0);
        assert_eq!(release(l, 7), Err(Error::NotOwned));
        arena().release(l.index());
    }

    #[test]
    fn release_all_and_retake_restore_the_level() {
        crate::core::start();
        let l = new().unwrap();
        for _ in 0..3 {
            acquire(l, 5, None, None).unwrap();
        }
        assert_eq!(release_all(l, 5).unwrap(), 3);
        assert!(take(l, 5, 3, None, None).unwrap());
        assert_eq!(state(l).count.load(Relaxed), 3);
        arena().release(l.index());
    }

    #[test]
    fn a_waiter_is_woken_by_the_last_release() {
        crate::core::start();
        let l = new().unwrap();
        acquire(l, 1, None, None).unwrap();
        let t = std::thread::spawn(move || acquire(l, 2, None, None).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(20));
        release(l, 1).unwrap();
        assert!(t.join().unwrap());
        assert_eq!(owner(l), 2);
        arena().release(l.index());
    }
}
