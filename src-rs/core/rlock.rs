//! RLock: owner (a process-tree-wide thread id, 0 = free), recursion count, waiter count.
//! JavaScript does the uncontended acquire (CAS owner 0 -> me) and the release that leaves no
//! waiters; this file does the blocking and the waking.
//!
//! An owner that ends holding the lock (its thread ended, or its process died) is found dead
//! by a waiter between two slices of its sleep: the waiter recovers the lock (owner
//! `OWNER_DIED`: free, owner died) and wakes every waiter. The next acquirer takes it from
//! that state here (JavaScript's CAS from 0 fails) and its count carries `COUNT_OWNER_DIED`,
//! which tells it (`ownerDied` in JavaScript) until the holding ends, and sends each of its
//! releases here.

use super::arena::{arena, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::liveness;
use super::park::{park, Deadline, Interrupt, Parked};
use super::ring;
use crate::layout::{limit, rlock_bits, rlock_word};
use crate::sys::futex_wake;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU32, Ordering::*};
use std::time::Instant;

pub type RLock = Handle<handle::RLock>;

/// The owner word of a free lock recovered from a dead owner.
pub const OWNER_DIED: u32 = rlock_bits::OWNER_DIED;
const _: () = assert!(OWNER_DIED & ((1 << crate::core::arena::AGENT_SLOT_BITS) - 1) == 0);
/// The count's flag of a holding that began by taking over from a dead owner.
const COUNT_OWNER_DIED: u32 = rlock_bits::COUNT_OWNER_DIED;
const LEVELS: u32 = !COUNT_OWNER_DIED;

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
    if s.owner.load(Relaxed) == me {
        let c = s.count.load(Relaxed);
        if c & LEVELS == limit::RLOCK_DEPTH {
            return Err(Error::OutOfRange);
        }
        s.count.store(c + 1, Relaxed);
        return Ok(true);
    }
    Ok(try_take(off, me, 1))
}

/// Takes the free lock for `me` with a given recursion count (a Condition restoring its
/// level); from a dead owner, the count carries `COUNT_OWNER_DIED`.
pub fn try_take(off: RLock, me: u32, count: u32) -> bool {
    let s = state(off);
    for free in [0, OWNER_DIED] {
        if s.owner.compare_exchange(free, me, SeqCst, Relaxed).is_ok() {
            let died = if free == OWNER_DIED {
                COUNT_OWNER_DIED
            } else {
                0
            };
            s.count.store(count | died, Relaxed);
            return true;
        }
    }
    false
}

/// When `owner` (read from the lock) is a thread that ended (or whose process died), frees
/// the lock as recovered (`OWNER_DIED`) and wakes every waiter. True when it did.
fn recover(off: RLock, owner: u32) -> bool {
    let s = state(off);
    if owner == 0 || owner == OWNER_DIED || liveness::agent_alive(owner) {
        return false;
    }
    // A dead owner changes nothing any more: only another recovery can beat this CAS.
    if s.owner
        .compare_exchange(owner, OWNER_DIED, SeqCst, Relaxed)
        .is_err()
    {
        return false;
    }
    futex_wake(&s.owner, u32::MAX);
    ring::ring(off.index());
    true
}

/// Recovers the lock if its owner died (the sweep of asynchronous waiters).
pub fn recover_if_dead(off: RLock) {
    recover(off, owner(off));
}

pub fn acquire(off: RLock, me: u32, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    if try_acquire(off, me)? {
        return Ok(true);
    }
    take(off, me, 1, deadline, interrupt)
}

/// Blocks until the lock is free and takes it for `me` at recursion level `count`. An owner
/// found dead (at the end of each slice of the sleep, and at the deadline, so a call that
/// only tries checks too) is taken over.
pub fn take(
    off: RLock,
    me: u32,
    count: u32,
    deadline: Deadline,
    interrupt: Interrupt,
) -> Result<bool> {
    let s = state(off);
    if deadline.is_some_and(|d| d <= Instant::now()) {
        recover(off, owner(off));
        return Ok(try_take(off, me, count));
    }
    s.waiters.fetch_add(1, SeqCst);
    let result = loop {
        let o = s.owner.load(SeqCst);
        if o == 0 || o == OWNER_DIED {
            if try_take(off, me, count) {
                break Ok(true);
            }
            continue;
        }
        match park(&s.owner, o, deadline, interrupt) {
            Parked::Woken => {}
            Parked::Slice => {
                recover(off, o);
            }
            Parked::TimedOut => {
                recover(off, o);
                break Ok(try_take(off, me, count));
            }
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
    let c = s.count.load(Relaxed);
    let levels = (c & LEVELS).saturating_sub(1);
    if levels == 0 {
        s.count.store(0, Relaxed);
        unlock(off);
    } else {
        s.count.store(c & COUNT_OWNER_DIED | levels, Relaxed);
    }
    Ok(())
}

/// Releases every level held by `me` and returns how many there were (Condition.wait). The
/// holding ends: whether it began from a dead owner is forgotten.
pub fn release_all(off: RLock, me: u32) -> Result<u32> {
    let s = state(off);
    if s.owner.load(Relaxed) != me {
        return Err(Error::NotOwned);
    }
    let c = s.count.swap(0, Relaxed) & LEVELS;
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

/// The owner's agent id; 0 or `OWNER_DIED` when free.
pub fn owner(off: RLock) -> u32 {
    state(off).owner.load(Acquire)
}

/// Whether the current holding began by taking over from an owner that died.
pub fn owner_died(off: RLock) -> bool {
    let o = owner(off);
    o != 0 && o != OWNER_DIED && state(off).count.load(Relaxed) & COUNT_OWNER_DIED != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::liveness::{end_agent, new_agent};
    use crate::core::park::deadline_after_ms;

    #[test]
    fn recursion_and_ownership() {
        crate::core::start();
        let l = new().unwrap();
        let (a, b) = (new_agent().unwrap(), new_agent().unwrap());
        assert!(acquire(l, a, None, None).unwrap());
        assert!(acquire(l, a, None, None).unwrap());
        assert_eq!(release(l, b), Err(Error::NotOwned));
        assert!(!acquire(l, b, deadline_after_ms(20.0), None).unwrap());
        assert!(!acquire(l, b, deadline_after_ms(0.0), None).unwrap());
        release(l, a).unwrap();
        assert_eq!(owner(l), a);
        release(l, a).unwrap();
        assert_eq!(owner(l), 0);
        assert_eq!(release(l, a), Err(Error::NotOwned));
        arena().release(l.index());
        end_agent(a);
        end_agent(b);
    }

    #[test]
    fn release_all_and_retake_restore_the_level() {
        crate::core::start();
        let l = new().unwrap();
        let a = new_agent().unwrap();
        for _ in 0..3 {
            acquire(l, a, None, None).unwrap();
        }
        assert_eq!(release_all(l, a).unwrap(), 3);
        assert!(take(l, a, 3, None, None).unwrap());
        assert_eq!(state(l).count.load(Relaxed), 3);
        arena().release(l.index());
        end_agent(a);
    }

    #[test]
    fn a_waiter_is_woken_by_the_last_release() {
        crate::core::start();
        let l = new().unwrap();
        let (a, b) = (new_agent().unwrap(), new_agent().unwrap());
        acquire(l, a, None, None).unwrap();
        let t = std::thread::spawn(move || acquire(l, b, None, None).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(20));
        release(l, a).unwrap();
        assert!(t.join().unwrap());
        assert_eq!(owner(l), b);
        assert!(!owner_died(l));
        arena().release(l.index());
        end_agent(a);
        end_agent(b);
    }

    #[test]
    fn an_owner_that_ended_is_taken_over_and_the_taker_is_told_until_it_releases() {
        crate::core::start();
        let l = new().unwrap();
        let (dead, b) = (new_agent().unwrap(), new_agent().unwrap());
        acquire(l, dead, None, None).unwrap();
        acquire(l, dead, None, None).unwrap();
        end_agent(dead);
        // A try (deadline now) checks the owner too.
        let t0 = std::time::Instant::now();
        assert!(acquire(l, b, deadline_after_ms(0.0), None).unwrap());
        assert!(t0.elapsed().as_millis() < 50);
        assert!(owner_died(l));
        assert_eq!(state(l).count.load(Relaxed) & LEVELS, 1);
        // Recursion keeps the flag; the last release clears it.
        acquire(l, b, None, None).unwrap();
        assert!(owner_died(l));
        release(l, b).unwrap();
        assert!(owner_died(l));
        release(l, b).unwrap();
        assert_eq!(owner(l), 0);
        assert!(!owner_died(l));
        acquire(l, b, None, None).unwrap();
        assert!(!owner_died(l));
        release(l, b).unwrap();
        arena().release(l.index());
        end_agent(b);
    }

    #[test]
    fn a_blocked_waiter_recovers_within_a_slice_and_a_condition_level_survives() {
        crate::core::start();
        let l = new().unwrap();
        let (dead, b) = (new_agent().unwrap(), new_agent().unwrap());
        acquire(l, dead, None, None).unwrap();
        let t = std::thread::spawn(move || {
            let t0 = std::time::Instant::now();
            let got = take(l, b, 4, deadline_after_ms(5000.0), None).unwrap();
            (got, t0.elapsed())
        });
        std::thread::sleep(std::time::Duration::from_millis(10));
        end_agent(dead);
        let (got, took) = t.join().unwrap();
        assert!(got);
        assert!(took.as_millis() < 1000, "took {took:?}");
        assert!(owner_died(l));
        // Condition.wait releases every level (the holding ends) and takes them back.
        assert_eq!(release_all(l, b).unwrap(), 4);
        assert!(!owner_died(l));
        assert!(take(l, b, 4, None, None).unwrap());
        assert_eq!(state(l).count.load(Relaxed), 4);
        arena().release(l.index());
        end_agent(b);
    }
}
