//! Condition: a FIFO list of wait nodes (arena blocks) guarded by a small internal mutex, over
//! a Lock or RLock block that the condition keeps a reference to. Each waiter sleeps on the
//! state word of its own node, so `notify(n)` wakes exactly the first `n` waiters.

use super::arena::{arena, Arena, BlockIndex, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle, LockHandle};
use super::park::{park, Deadline, Interrupt, Parked};
use super::raw_mutex::Guard;
use super::{lock, ring, rlock};
use crate::sys::futex_wake;
use std::sync::atomic::{AtomicU32, Ordering::*};

pub type Condition = Handle<handle::Condition>;
/// One waiter's place in a condition's list.
pub type WaitNode = Handle<handle::WaitNode>;

#[repr(C)]
pub struct CondState {
    pub lock: AtomicU32,
    pub lock_kind: AtomicU32,
    mutex: AtomicU32,
    head: AtomicU32,
    tail: AtomicU32,
}

#[repr(C)]
pub struct WaitNodeState {
    next: AtomicU32,
    prev: AtomicU32,
    pub state: AtomicU32,
}

pub const WAITING: u32 = 0;
pub const NOTIFIED: u32 = 1;
const GONE: u32 = 2;

pub fn new(lock: LockHandle) -> Result<Condition> {
    let a = arena();
    let off = Handle::trusted(a.alloc(Kind::Condition, std::mem::size_of::<CondState>())?);
    a.retain(lock.index());
    let s = state(off);
    s.lock.store(lock.index(), Relaxed);
    s.lock_kind.store(lock.kind() as u32, Release);
    Ok(off)
}

pub(crate) fn drop_condition(a: &Arena, off: Condition) {
    a.release(state(off).lock.load(Acquire));
}

pub fn state(off: Condition) -> &'static CondState {
    // SAFETY: a Condition handle names a Condition block, whose body is a CondState.
    unsafe { off.body::<CondState>() }
}

pub fn node(n: WaitNode) -> &'static WaitNodeState {
    // SAFETY: a WaitNode handle names a WaitNode block (allocated in `begin_wait`).
    unsafe { n.body::<WaitNodeState>() }
}

/// A node of the list, from a link.
fn linked(index: BlockIndex) -> WaitNode {
    Handle::trusted(index)
}

/// The condition's lock.
pub fn lock_of(off: Condition) -> LockHandle {
    let s = state(off);
    LockHandle::trusted(s.lock.load(Acquire), s.lock_kind.load(Acquire))
}

/// Python's `_is_owned`: an RLock must be held by `me`, a Lock by anyone.
pub fn check_owned(off: Condition, me: u32) -> Result<()> {
    match lock_of(off) {
        LockHandle::RLock(l) if rlock::owner(l) != me => Err(Error::NotOwned),
        LockHandle::Lock(l) if !lock::locked(l) => Err(Error::NotHeld),
        _ => Ok(()),
    }
}

/// Enqueues a wait node and releases the lock completely. Returns the node and the RLock
/// recursion level to restore.
pub fn begin_wait(off: Condition, me: u32) -> Result<(WaitNode, u32)> {
    check_owned(off, me)?;
    let n: WaitNode =
        Handle::trusted(arena().alloc(Kind::WaitNode, std::mem::size_of::<WaitNodeState>())?);
    {
        let s = state(off);
        let _g = Guard::new(&s.mutex);
        let tail = s.tail.load(Relaxed);
        node(n).prev.store(tail, Relaxed);
        if tail == 0 {
            s.head.store(n.index(), Relaxed);
        } else {
            node(linked(tail)).next.store(n.index(), Relaxed);
        }
        s.tail.store(n.index(), Relaxed);
    }
    let saved = match lock_of(off) {
        LockHandle::RLock(l) => rlock::release_all(l, me)?,
        LockHandle::Lock(l) => {
            lock::release(l)?;
            1
        }
    };
    Ok((n, saved))
}

fn unlink(s: &CondState, n: WaitNode) {
    let (prev, next) = (node(n).prev.load(Relaxed), node(n).next.load(Relaxed));
    if prev == 0 {
        s.head.store(next, Relaxed);
    } else {
        node(linked(prev)).next.store(next, Relaxed);
    }
    if next == 0 {
        s.tail.store(prev, Relaxed);
    } else {
        node(linked(next)).prev.store(prev, Relaxed);
    }
}

/// Takes node `n` out of the list unless a notify already did. Returns whether it was notified.
pub fn cancel_node(off: Condition, n: WaitNode) -> bool {
    let s = state(off);
    let _g = Guard::new(&s.mutex);
    if node(n).state.load(Acquire) == NOTIFIED {
        return true;
    }
    unlink(s, n);
    node(n).state.store(GONE, Release);
    false
}

/// Sleeps on node `n` until notified (`Ok(true)`) or the deadline (`Ok(false)`).
pub fn park_node(
    off: Condition,
    n: WaitNode,
    deadline: Deadline,
    interrupt: Interrupt,
) -> Result<bool> {
    let st = &node(n).state;
    loop {
        if st.load(Acquire) == NOTIFIED {
            return Ok(true);
        }
        match park(st, WAITING, deadline, interrupt) {
            Parked::Woken | Parked::Slice => {}
            Parked::TimedOut => return Ok(cancel_node(off, n)),
            Parked::Interrupted => {
                abandon(off, n);
                return Err(Error::Interrupted);
            }
        }
    }
}

/// A waiter gives up without returning to its caller: a notification it received goes on to
/// the next waiter, so none is lost. Frees the node.
pub fn abandon(off: Condition, n: WaitNode) {
    if cancel_node(off, n) {
        notify_unchecked(off, 1);
    }
    arena().release(n.index());
}

/// Takes the lock back at the saved level (no timeout, as in Python).
pub fn reacquire(off: Condition, me: u32, saved: u32, interrupt: Interrupt) -> Result<()> {
    let ok = match lock_of(off) {
        LockHandle::RLock(l) => rlock::take(l, me, saved, None, interrupt)?,
        LockHandle::Lock(l) => lock::acquire(l, None, interrupt)?,
    };
    debug_assert!(ok);
    Ok(())
}

/// Try to take the lock back without blocking (asynchronous waiters).
pub fn try_reacquire(off: Condition, me: u32, saved: u32) -> bool {
    match lock_of(off) {
        LockHandle::RLock(l) => rlock::try_take(l, me, saved),
        LockHandle::Lock(l) => lock::try_acquire_contended(l),
    }
}

pub fn wait(off: Condition, me: u32, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    let (n, saved) = begin_wait(off, me)?;
    let notified = park_node(off, n, deadline, interrupt)?;
    arena().release(n.index());
    reacquire(off, me, saved, interrupt)?;
    Ok(notified)
}

pub fn notify(off: Condition, me: u32, n: u32) -> Result<()> {
    check_owned(off, me)?;
    notify_unchecked(off, n);
    Ok(())
}

/// Wakes the first `n` waiters in FIFO order.
pub fn notify_unchecked(off: Condition, mut n: u32) {
    let s = state(off);
    {
        let _g = Guard::new(&s.mutex);
        while n > 0 {
            let h = s.head.load(Relaxed);
            if h == 0 {
                break;
            }
            let h = linked(h);
            unlink(s, h);
            // After this store the waiter may free its node; the wake below only uses the
            // address as a key (the arena stays mapped), so a late wake is at worst spurious.
            node(h).state.store(NOTIFIED, Release);
            futex_wake(&node(h).state, 1);
            n -= 1;
        }
    }
    ring::ring(off.index());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    #[test]
    fn wait_needs_the_lock_and_times_out() {
        crate::core::start();
        let l = lock::new().unwrap();
        let c = new(LockHandle::Lock(l)).unwrap();
        arena().release(l.index()); // the condition keeps it alive
        assert_eq!(wait(c, 1, None, None), Err(Error::NotHeld));
        assert!(lock::try_acquire(l));
        assert!(!wait(c, 1, deadline_after_ms(20.0), None).unwrap());
        assert!(lock::locked(l));
        lock::release(l).unwrap();
        arena().release(c.index());
    }

    #[test]
    fn rlock_condition_checks_the_owner() {
        crate::core::start();
        let l = rlock::new().unwrap();
        let c = new(LockHandle::RLock(l)).unwrap();
        arena().release(l.index());
        rlock::acquire(l, 3, None, None).unwrap();
        assert_eq!(notify(c, 4, 1), Err(Error::NotOwned));
        notify(c, 3, 1).unwrap();
        rlock::release(l, 3).unwrap();
        arena().release(c.index());
    }

    #[test]
    fn notify_wakes_exactly_n_in_order() {
        crate::core::start();
        let l = lock::new().unwrap();
        let c = new(LockHandle::Lock(l)).unwrap();
        let woken = Arc::new(AtomicU64::new(0));
        let ts: Vec<_> = (0..3u32)
            .map(|i| {
                let w = woken.clone();
                let t = std::thread::spawn(move || {
                    lock::acquire(l, None, None).unwrap();
                    let ok = wait(c, 10 + i, deadline_after_ms(2000.0), None).unwrap();
                    if ok {
                        w.fetch_add(1, SeqCst);
                    }
                    lock::release(l).unwrap();
                    ok
                });
                std::thread::sleep(std::time::Duration::from_millis(30));
                t
            })
            .collect();
        lock::acquire(l, None, None).unwrap();
        notify(c, 0, 2).unwrap();
        lock::release(l).unwrap();
        let results: Vec<bool> = ts.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(results, vec![true, true, false]);
        assert_eq!(woken.load(SeqCst), 2);
        arena().release(c.index());
        arena().release(l.index());
    }

    #[test]
    fn producer_consumer_loses_nothing() {
        crate::core::start();
        let l = lock::new().unwrap();
        let c = new(LockHandle::Lock(l)).unwrap();
        let items = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let total = Arc::new(AtomicU64::new(0));
        let consumers: Vec<_> = (0..2)
            .map(|i| {
                let (items, total) = (items.clone(), total.clone());
                std::thread::spawn(move || {
                    let mut got = 0u64;
                    loop {
                        lock::acquire(l, None, None).unwrap();
                        let item = loop {
                            if let Some(v) = items.lock().unwrap().pop_front() {
                                break v;
                            }
                            wait(c, 100 + i, None, None).unwrap();
                        };
                        lock::release(l).unwrap();
                        if item == u64::MAX {
                            break;
                        }
                        got += item;
                    }
                    total.fetch_add(got, SeqCst);
                })
            })
            .collect();
        for v in (1..=20_000u64).chain([u64::MAX, u64::MAX]) {
            lock::acquire(l, None, None).unwrap();
            items.lock().unwrap().push_back(v);
            notify(c, 0, 1).unwrap();
            lock::release(l).unwrap();
        }
        for t in consumers {
            t.join().unwrap();
        }
        assert_eq!(total.load(SeqCst), 20_000 * 20_001 / 2);
        arena().release(c.index());
        arena().release(l.index());
    }
}
