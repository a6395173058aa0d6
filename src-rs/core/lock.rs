//! Lock: a futex mutex whose word JavaScript also operates on directly for the uncontended path.
//!
//! Word (`layout::lock_bits`): the state in the low two bits (0 free, 1 locked, 2 locked and
//! someone may be waiting), the holder's process tag above them, and `OWNER_DIED`. Any waiter
//! marks the state 2 before sleeping, so the releaser of a contended lock takes the slow path
//! (here) and wakes; an uncontended acquire (CAS 0 -> `tag << 3 | 1`) and release (the
//! reverse) are done in JavaScript.
//!
//! A Lock has no owner (any thread or process may release it), but the word names the process
//! that took it: when that process ends holding it (killed, crashed, exited), a waiter finds
//! the process dead between two slices of its sleep and recovers the lock: the word becomes
//! `OWNER_DIED` alone (free, holder died) and every waiter is woken. The next acquirer takes
//! it keeping the bit, which tells it (`ownerDied` in JavaScript) until it releases. A thread
//! that ends holding the lock is no death: its process still lives (a deliberate hand-off).

use super::arena::{arena, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::liveness;
use super::park::{park, Deadline, Interrupt, Parked};
use super::ring;
use crate::layout::{lock_bits, lock_word};
use crate::sys::futex_wake;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU32, Ordering::*};
use std::time::Instant;

pub type Lock = Handle<handle::Lock>;

const HELD: u32 = lock_bits::HELD;
const LOCKED: u32 = lock_bits::LOCKED;
const CONTENDED: u32 = lock_bits::CONTENDED;
pub const OWNER_DIED: u32 = lock_bits::OWNER_DIED;
const TAG_SHIFT: u32 = lock_bits::TAG_SHIFT;

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

/// This process's tag in place in a word. A process without a tag (its table was full: no
/// JavaScript thread can start then) still excludes its own threads; others take it for dead.
fn me() -> u32 {
    liveness::my_process().unwrap_or(0) << TAG_SHIFT
}

/// The word of this process holding the lock uncontended (what JavaScript writes).
pub fn locked_by_me() -> u32 {
    me() | LOCKED
}

/// One attempt: a free word (recovered or not) becomes held by this process with `mark`
/// (`LOCKED`, or `CONTENDED` for a waiter, whose release must wake the others), keeping
/// `OWNER_DIED`. A held word is marked contended when `mark` is. `Err(word)` when held.
fn attempt(w: &AtomicU32, mark: u32) -> std::result::Result<(), u32> {
    let mine = me() | mark;
    let mut cur = w.load(SeqCst);
    loop {
        let next = match cur & HELD {
            0 => mine | cur & OWNER_DIED,
            LOCKED if mark == CONTENDED => cur ^ LOCKED | CONTENDED,
            _ => return Err(cur),
        };
        match w.compare_exchange(cur, next, SeqCst, SeqCst) {
            Ok(_) if cur & HELD == 0 => return Ok(()),
            Ok(_) => return Err(next),
            Err(now) => cur = now,
        }
    }
}

pub fn try_acquire(off: Lock) -> bool {
    attempt(&state(off).word, LOCKED).is_ok()
}

/// One attempt that marks the word contended, for waiters (the next release must wake the
/// rest).
pub fn try_acquire_contended(off: Lock) -> bool {
    attempt(&state(off).word, CONTENDED).is_ok()
}

/// When the process that holds the lock as `held` (a word read from it) has died, frees the
/// lock as recovered (`OWNER_DIED`) and wakes every waiter. True when it did.
fn recover(off: Lock, held: u32) -> bool {
    let w = &state(off).word;
    if held & HELD == 0 || liveness::process_alive(held >> TAG_SHIFT) {
        return false;
    }
    // The CAS fails if anyone released or took the lock meanwhile (a Lock has no owner).
    if w.compare_exchange(held, OWNER_DIED, SeqCst, Relaxed)
        .is_err()
    {
        return false;
    }
    futex_wake(w, u32::MAX);
    ring::ring(off.index());
    true
}

/// Recovers the lock if its holder's process died (the sweep of asynchronous waiters).
pub fn recover_if_dead(off: Lock) {
    recover(off, state(off).word.load(SeqCst));
}

/// Blocks until acquired (`Ok(true)`), the deadline passes (`Ok(false)`), or interrupted. A
/// holder found dead (at the end of each slice of the sleep, and at the deadline, so a call
/// that only tries checks too) is taken over.
pub fn acquire(off: Lock, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    let w = &state(off).word;
    let held = match attempt(w, LOCKED) {
        Ok(()) => return Ok(true),
        Err(held) => held,
    };
    if deadline.is_some_and(|d| d <= Instant::now()) {
        recover(off, held);
        return Ok(attempt(w, LOCKED).is_ok());
    }
    loop {
        let held = match attempt(w, CONTENDED) {
            Ok(()) => return Ok(true),
            Err(held) => held,
        };
        match park(w, held, deadline, interrupt) {
            Parked::Woken => {}
            Parked::Slice => {
                recover(off, held);
            }
            Parked::TimedOut => {
                recover(off, held);
                return Ok(attempt(w, CONTENDED).is_ok());
            }
            Parked::Interrupted => return Err(Error::Interrupted),
        }
    }
}

/// The slow release (the word was not this process's uncontended hold): unlock, wake one
/// sleeper, ring async waiters. Any thread or process may release a held lock.
pub fn release(off: Lock) -> Result<()> {
    let w = &state(off).word;
    let mut cur = w.load(SeqCst);
    loop {
        if cur & HELD == 0 {
            return Err(Error::NotHeld);
        }
        match w.compare_exchange(cur, 0, SeqCst, SeqCst) {
            Ok(_) => break,
            Err(now) => cur = now,
        }
    }
    if cur & HELD == CONTENDED {
        futex_wake(w, 1);
    }
    ring::ring(off.index());
    Ok(())
}

/// Whether held (a holder that died counts until the lock is recovered).
pub fn locked(off: Lock) -> bool {
    state(off).word.load(Acquire) & HELD != 0
}

/// Whether the current holding began by taking over from a holder whose process died.
pub fn owner_died(off: Lock) -> bool {
    let w = state(off).word.load(Acquire);
    w & HELD != 0 && w & OWNER_DIED != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::liveness::ChildProcess;
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
                            .compare_exchange(locked_by_me(), 0, Release, Relaxed)
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

    /// A lock word held by a child process, and the child.
    fn held_by_a_child(l: Lock) -> ChildProcess {
        let child = ChildProcess::spawn();
        state(l).word.store(child.tag << TAG_SHIFT | LOCKED, SeqCst);
        assert!(!try_acquire(l));
        child
    }

    #[test]
    fn a_dead_holding_process_is_taken_over_and_the_taker_is_told_until_it_releases() {
        crate::core::start();
        let l = new().unwrap();
        let mut child = held_by_a_child(l);
        // Alive: a try and a short wait both fail, by their deadline.
        assert!(!acquire(l, deadline_after_ms(0.0), None).unwrap());
        let t0 = std::time::Instant::now();
        assert!(!acquire(l, deadline_after_ms(80.0), None).unwrap());
        assert!(t0.elapsed().as_millis() < 500);
        assert!(locked(l) && !owner_died(l));
        child.kill();
        let t0 = std::time::Instant::now();
        assert!(acquire(l, deadline_after_ms(5000.0), None).unwrap());
        assert!(t0.elapsed().as_millis() < 1000);
        assert!(owner_died(l));
        release(l).unwrap();
        assert!(!locked(l) && !owner_died(l));
        assert!(try_acquire(l));
        assert!(!owner_died(l));
        release(l).unwrap();
        arena().release(l.index());
    }

    #[test]
    fn a_try_recovers_a_dead_holder_and_release_of_the_recovered_free_lock_fails() {
        crate::core::start();
        let l = new().unwrap();
        held_by_a_child(l).kill();
        // The recovery by a sweep: free, and marked.
        recover_if_dead(l);
        assert_eq!(state(l).word.load(SeqCst), OWNER_DIED);
        assert!(!locked(l) && !owner_died(l));
        assert_eq!(release(l), Err(Error::NotHeld));
        assert_eq!(state(l).word.load(SeqCst), OWNER_DIED);
        // What JavaScript's fast path tries fails on it; the native try takes it.
        assert!(state(l)
            .word
            .compare_exchange(0, locked_by_me(), SeqCst, Relaxed)
            .is_err());
        assert!(acquire(l, deadline_after_ms(0.0), None).unwrap());
        assert!(owner_died(l));
        release(l).unwrap();
        assert_eq!(state(l).word.load(SeqCst), 0);
        arena().release(l.index());
    }

    #[test]
    fn a_holding_of_this_process_is_never_taken_over() {
        crate::core::start();
        let l = new().unwrap();
        assert!(try_acquire(l));
        assert!(!acquire(l, deadline_after_ms(120.0), None).unwrap());
        recover_if_dead(l);
        assert!(locked(l) && !owner_died(l));
        release(l).unwrap();
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
