//! Condition: a FIFO list of wait nodes (arena blocks) guarded by a small internal mutex, over
//! a Lock or RLock block that the condition keeps a reference to. Each waiter sleeps on the
//! state word of its own node, so `notify(n)` wakes exactly the first `n` live waiters.
//!
//! A node names its waiter (an agent id) and stays linked until that waiter unlinks it, under
//! the mutex, once it has the lock back (notified or timed out) or when it gives up; so a
//! linked node is never a freed block, and a waiter that died before its `wait` returned is
//! still found in the list. `notify` drops the node of a waiter known to be dead instead of
//! notifying it; a scan, once a slice by a live waiter, drops dead waiters' nodes and passes
//! on to the next waiter a notification that a dead one had received. Notified nodes come
//! first in the list, then waiting ones (timed-out ones anywhere): `notify` marks the first
//! waiting nodes, and new ones go to the tail. A waiter keeps the generation of its node: if
//! the node was taken for a dead waiter's and freed, the waiter leaves the list alone.
//!
//! When the mutex is taken over from a process that died holding it, the list is rebuilt from
//! its head (see `repair`; docs/design.md argues why every interrupted step is repaired).

use super::arena::{arena, Arena, BlockIndex, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle, LockHandle};
use super::liveness::{agent_alive, agent_not_known_dead};
use super::park::{park, scan_due, Deadline, Interrupt, Parked};
use super::raw_mutex::Guard;
use super::{lock, ring, rlock};
use crate::layout::condition_word;
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
    /// When the list was last scanned for dead waiters (see `park::scan_due`).
    scanned: AtomicU32,
}

const _: () = assert!(std::mem::offset_of!(CondState, mutex) == condition_word::MUTEX * 4);

#[repr(C)]
pub struct WaitNodeState {
    next: AtomicU32,
    prev: AtomicU32,
    state: AtomicU32,
    /// The waiter's agent id.
    agent: AtomicU32,
    /// The condition whose list the node is in (checked when a list is rebuilt).
    cond: AtomicU32,
}

pub const WAITING: u32 = 0;
pub const NOTIFIED: u32 = 1;
/// The waiter's time ran out; it is taking the lock back.
const TIMED_OUT: u32 = 2;

/// A waiter's node, with the generation it was allocated at: the node is still the waiter's
/// while the block keeps that generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    node: WaitNode,
    gen: u32,
}

impl Place {
    /// Whether the node reads as notified (a hint: `finish` tells for sure).
    pub fn notified(self) -> bool {
        node(self.node).state.load(Acquire) == NOTIFIED
    }

    /// Whether the node is still this waiter's (nobody took it for a dead waiter's).
    fn current(self) -> bool {
        arena().generation(self.node.index()) == self.gen
    }
}

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

fn node(n: WaitNode) -> &'static WaitNodeState {
    // SAFETY: a WaitNode handle names a WaitNode block (allocated in `begin_wait`), whose body
    // is a WaitNodeState. A block freed meanwhile is still mapped memory of the arena, read
    // through atomics only.
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

/// Takes the list's mutex; the list is rebuilt first if its last holder's process died
/// holding it.
fn lock_list(off: Condition) -> Guard<'static> {
    let s = state(off);
    let g = Guard::new(&s.mutex);
    if g.recovered {
        repair(off, s);
    }
    g
}

/// Enqueues a wait node for agent `me` and releases the lock completely. Returns the node and
/// the RLock recursion level to restore.
pub fn begin_wait(off: Condition, me: u32) -> Result<(Place, u32)> {
    check_owned(off, me)?;
    let a = arena();
    let n: WaitNode =
        Handle::trusted(a.alloc(Kind::WaitNode, std::mem::size_of::<WaitNodeState>())?);
    let place = Place {
        node: n,
        gen: a.generation(n.index()),
    };
    node(n).agent.store(me, Relaxed);
    node(n).cond.store(off.index(), Relaxed);
    {
        let s = state(off);
        let _g = lock_list(off);
        let tail = s.tail.load(Relaxed);
        node(n).prev.store(tail, Relaxed);
        if tail == 0 {
            s.head.store(n.index(), Relaxed);
        } else {
            node(linked(tail)).next.store(n.index(), Relaxed);
        }
        s.tail.store(n.index(), Relaxed);
    }
    let released = match lock_of(off) {
        LockHandle::RLock(l) => rlock::release_all(l, me),
        LockHandle::Lock(l) => lock::release(l).map(|()| 1),
    };
    match released {
        Ok(saved) => Ok((place, saved)),
        Err(e) => {
            withdraw(off, place);
            Err(e)
        }
    }
}

/// Whether `n` is in the list (a list rebuilt after a holder died may have left it out).
fn is_linked(s: &CondState, n: WaitNode) -> bool {
    match node(n).prev.load(Relaxed) {
        0 => s.head.load(Relaxed) == n.index(),
        prev => node(linked(prev)).next.load(Relaxed) == n.index(),
    }
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

/// Takes a dead waiter's node out of the list and frees it (its waiter will never do it).
fn drop_node(s: &CondState, n: WaitNode) {
    unlink(s, n);
    arena().release(n.index());
}

/// Marks the first `n` live waiting nodes notified and wakes them, dropping the nodes of dead
/// waiters met on the way. Returns whether it notified anyone.
fn notify_first(s: &CondState, mut n: u32) -> bool {
    let mut any = false;
    let mut cur = s.head.load(Relaxed);
    while n > 0 && cur != 0 {
        let w = linked(cur);
        let nd = node(w);
        cur = nd.next.load(Relaxed);
        if nd.state.load(Relaxed) != WAITING {
            continue;
        }
        // Memory reads only: a death not found yet is found by the next scan, which passes
        // the notification on.
        if !agent_not_known_dead(nd.agent.load(Relaxed)) {
            drop_node(s, w);
            continue;
        }
        nd.state.store(NOTIFIED, Release);
        futex_wake(&nd.state, 1);
        any = true;
        n -= 1;
    }
    any
}

/// Drops the nodes of dead waiters (waiting, timed out, or notified and taking the lock back);
/// a notification one had received goes to the first live waiting node first (the next in
/// line: notified nodes come before waiting ones) (so a holder killed in between leaves one notification too many at worst,
/// never one too few). Returns whether anyone was notified.
fn drop_the_dead(s: &CondState) -> bool {
    let mut any = false;
    let mut cur = s.head.load(Relaxed);
    while cur != 0 {
        let w = linked(cur);
        let nd = node(w);
        if agent_alive(nd.agent.load(Relaxed)) {
            cur = nd.next.load(Relaxed);
            continue;
        }
        if nd.state.load(Relaxed) == NOTIFIED {
            any |= notify_first(s, 1);
        }
        // Read after the notify, which may have dropped nodes behind this one.
        cur = nd.next.load(Relaxed);
        drop_node(s, w);
    }
    any
}

/// The mutex was taken over from a process that died holding it, maybe in the middle of
/// linking, unlinking or notifying. Rebuilds the list by walking it forward from the head:
/// each index must be a WaitNode block of this condition not seen before (else the list ends
/// there), `prev` links and `tail` are set from the walk; then dead waiters' nodes go.
fn repair(off: Condition, s: &CondState) {
    let mut seen = std::collections::HashSet::new();
    let (mut prev, mut cur) = (0, s.head.load(Relaxed));
    while cur != 0 {
        let Some(w) = Handle::<handle::WaitNode>::check(cur)
            .filter(|&w| node(w).cond.load(Relaxed) == off.index() && seen.insert(cur))
        else {
            break;
        };
        node(w).prev.store(prev, Relaxed);
        if prev == 0 {
            s.head.store(cur, Relaxed);
        } else {
            node(linked(prev)).next.store(cur, Relaxed);
        }
        prev = cur;
        cur = node(w).next.load(Relaxed);
    }
    if prev == 0 {
        s.head.store(0, Relaxed);
    } else {
        node(linked(prev)).next.store(0, Relaxed);
    }
    s.tail.store(prev, Relaxed);
    drop_the_dead(s);
    ring::ring(off.index());
}

/// Takes the waiter's node out of the list. `Some(notified)`, or `None` when the node was
/// taken for a dead waiter's (and freed) meanwhile.
fn leave(s: &CondState, place: Place) -> Option<bool> {
    if !place.current() {
        return None;
    }
    let notified = node(place.node).state.load(Acquire) == NOTIFIED;
    if is_linked(s, place.node) {
        unlink(s, place.node);
    }
    Some(notified)
}

/// The waiter's time ran out: unless it was notified meanwhile, its node stops waiting (no
/// notify picks it any more). It stays in the list until the waiter has the lock back.
pub fn expire(off: Condition, place: Place) {
    let _g = lock_list(off);
    if place.current() {
        let _ = node(place.node)
            .state
            .compare_exchange(WAITING, TIMED_OUT, Relaxed, Relaxed);
    }
}

/// The waiter has the lock back: its node leaves the list and is freed. Returns whether it
/// was notified.
pub fn finish(off: Condition, place: Place) -> bool {
    let left = {
        let _g = lock_list(off);
        leave(state(off), place)
    };
    if left.is_some() {
        arena().release(place.node.index());
    }
    left == Some(true)
}

/// A waiter gives up without returning to its caller (aborted, its thread ending): its node
/// leaves the list and is freed, and a notification it received goes on to the next waiter,
/// so none is lost.
pub fn withdraw(off: Condition, place: Place) {
    let s = state(off);
    let (left, passed) = {
        let _g = lock_list(off);
        // Passed on before the node leaves: see `drop_the_dead`.
        let passed = place.current() && place.notified() && notify_first(s, 1);
        (leave(s, place), passed)
    };
    if left.is_some() {
        arena().release(place.node.index());
    }
    if passed {
        ring::ring(off.index());
    }
}

/// Once a slice (among all waiters of the condition): drops the nodes of waiters that died
/// and passes on the notifications they had received.
pub fn recover_if_due(off: Condition) {
    let s = state(off);
    if !scan_due(&s.scanned) {
        return;
    }
    let passed = {
        let _g = lock_list(off);
        drop_the_dead(s)
    };
    if passed {
        ring::ring(off.index());
    }
}

/// Sleeps on the waiter's node until it is notified or the deadline passes (then `expire`).
pub fn park_node(
    off: Condition,
    place: Place,
    deadline: Deadline,
    interrupt: Interrupt,
) -> Result<()> {
    let st = &node(place.node).state;
    while place.current() && st.load(Acquire) == WAITING {
        match park(st, WAITING, deadline, interrupt) {
            Parked::Woken => {}
            Parked::Slice => recover_if_due(off),
            Parked::TimedOut => expire(off, place),
            Parked::Interrupted => {
                withdraw(off, place);
                return Err(Error::Interrupted);
            }
        }
    }
    Ok(())
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

/// Python's `wait`: true when notified, false when the deadline passed. The waiter's node
/// stays in the list until it has the lock back, so that a notification it received is passed
/// on if it dies or gives up before it returns.
pub fn wait(off: Condition, me: u32, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    let (place, saved) = begin_wait(off, me)?;
    park_node(off, place, deadline, interrupt)?;
    if let Err(e) = reacquire(off, me, saved, interrupt) {
        withdraw(off, place);
        return Err(e);
    }
    Ok(finish(off, place))
}

pub fn notify(off: Condition, me: u32, n: u32) -> Result<()> {
    check_owned(off, me)?;
    notify_unchecked(off, n);
    Ok(())
}

/// Wakes the first `n` live waiters in FIFO order.
pub fn notify_unchecked(off: Condition, n: u32) {
    let s = state(off);
    {
        let _g = lock_list(off);
        notify_first(s, n);
    }
    ring::ring(off.index());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::liveness::{end_agent, new_agent};
    use crate::core::park::deadline_after_ms;
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    fn lock_condition() -> (lock::Lock, Condition) {
        let l = lock::new().unwrap();
        let c = new(LockHandle::Lock(l)).unwrap();
        (l, c)
    }

    fn free(c: Condition, l: lock::Lock) {
        arena().release(c.index());
        arena().release(l.index());
    }

    /// The waiter nodes of `c`, head first, with their states.
    fn list(c: Condition) -> Vec<(BlockIndex, u32)> {
        let _g = lock_list(c);
        let mut out = vec![];
        let mut cur = state(c).head.load(Relaxed);
        while cur != 0 {
            out.push((cur, node(linked(cur)).state.load(Relaxed)));
            cur = node(linked(cur)).next.load(Relaxed);
        }
        out
    }

    /// A waiter of agent `me` that never sleeps (as if its thread had stopped right after
    /// `begin_wait`); the lock is taken and given back.
    fn enqueue(l: lock::Lock, c: Condition, me: u32) -> Place {
        assert!(lock::acquire(l, None, None).unwrap());
        begin_wait(c, me).unwrap().0
    }

    /// A waiter thread: waits up to `ms`, returns whether it was notified.
    fn waiter(l: lock::Lock, c: Condition, ms: f64) -> std::thread::JoinHandle<bool> {
        std::thread::spawn(move || {
            let me = new_agent().unwrap();
            lock::acquire(l, None, None).unwrap();
            let ok = wait(c, me, deadline_after_ms(ms), None).unwrap();
            lock::release(l).unwrap();
            end_agent(me);
            ok
        })
    }

    fn until(what: &str, f: impl Fn() -> bool) {
        let t0 = std::time::Instant::now();
        while !f() {
            assert!(t0.elapsed().as_secs() < 5, "{what}");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    #[test]
    fn wait_needs_the_lock_and_times_out() {
        crate::core::start();
        let me = new_agent().unwrap();
        let (l, c) = lock_condition();
        assert_eq!(wait(c, me, None, None), Err(Error::NotHeld));
        assert!(lock::try_acquire(l));
        assert!(!wait(c, me, deadline_after_ms(20.0), None).unwrap());
        assert!(lock::locked(l));
        assert!(list(c).is_empty(), "the node left the list");
        lock::release(l).unwrap();
        free(c, l);
        end_agent(me);
    }

    #[test]
    fn rlock_condition_checks_the_owner() {
        crate::core::start();
        let (me, other) = (new_agent().unwrap(), new_agent().unwrap());
        let l = rlock::new().unwrap();
        let c = new(LockHandle::RLock(l)).unwrap();
        arena().release(l.index());
        rlock::acquire(l, me, None, None).unwrap();
        assert_eq!(notify(c, other, 1), Err(Error::NotOwned));
        notify(c, me, 1).unwrap();
        rlock::release(l, me).unwrap();
        arena().release(c.index());
        end_agent(me);
        end_agent(other);
    }

    #[test]
    fn notify_wakes_exactly_n_in_order() {
        crate::core::start();
        let me = new_agent().unwrap();
        let (l, c) = lock_condition();
        let ts: Vec<_> = (0..3)
            .map(|i| {
                let t = waiter(l, c, 2000.0);
                until("the waiter is in line", || list(c).len() == i + 1);
                t
            })
            .collect();
        lock::acquire(l, None, None).unwrap();
        notify(c, me, 2).unwrap();
        lock::release(l).unwrap();
        let results: Vec<bool> = ts.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(results, vec![true, true, false]);
        free(c, l);
        end_agent(me);
    }

    #[test]
    fn producer_consumer_loses_nothing() {
        crate::core::start();
        let me = new_agent().unwrap();
        let (l, c) = lock_condition();
        let items = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let total = Arc::new(AtomicU64::new(0));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (items, total) = (items.clone(), total.clone());
                std::thread::spawn(move || {
                    let me = new_agent().unwrap();
                    let mut got = 0u64;
                    loop {
                        lock::acquire(l, None, None).unwrap();
                        let item = loop {
                            if let Some(v) = items.lock().unwrap().pop_front() {
                                break v;
                            }
                            wait(c, me, None, None).unwrap();
                        };
                        lock::release(l).unwrap();
                        if item == u64::MAX {
                            break;
                        }
                        got += item;
                    }
                    total.fetch_add(got, SeqCst);
                    end_agent(me);
                })
            })
            .collect();
        for v in (1..=20_000u64).chain([u64::MAX, u64::MAX]) {
            lock::acquire(l, None, None).unwrap();
            items.lock().unwrap().push_back(v);
            notify(c, me, 1).unwrap();
            lock::release(l).unwrap();
        }
        for t in consumers {
            t.join().unwrap();
        }
        assert_eq!(total.load(SeqCst), 20_000 * 20_001 / 2);
        assert!(list(c).is_empty());
        free(c, l);
        end_agent(me);
    }

    #[test]
    fn notify_skips_and_frees_a_dead_waiters_node() {
        crate::core::start();
        let me = new_agent().unwrap();
        let (l, c) = lock_condition();
        let dead = new_agent().unwrap();
        let ghost = enqueue(l, c, dead);
        end_agent(dead);
        let live = waiter(l, c, 5000.0);
        until("the live waiter is in line", || list(c).len() == 2);
        lock::acquire(l, None, None).unwrap();
        notify(c, me, 1).unwrap();
        lock::release(l).unwrap();
        assert!(live.join().unwrap(), "the live waiter got the notify(1)");
        assert!(!ghost.current(), "the dead waiter's node was freed");
        assert!(list(c).is_empty());
        free(c, l);
        end_agent(me);
    }

    #[test]
    fn a_dead_waiters_notification_passes_to_the_next_waiter() {
        crate::core::start();
        let me = new_agent().unwrap();
        let (l, c) = lock_condition();
        let doomed = new_agent().unwrap();
        let ghost = enqueue(l, c, doomed);
        lock::acquire(l, None, None).unwrap();
        notify(c, me, 1).unwrap();
        lock::release(l).unwrap();
        assert!(ghost.notified());
        // Notified, then its thread ends before it could take the notification.
        end_agent(doomed);
        let t0 = std::time::Instant::now();
        let live = waiter(l, c, 5000.0);
        assert!(live.join().unwrap(), "the live waiter got the notification");
        assert!(t0.elapsed().as_millis() < 1000, "within a few slices");
        assert!(!ghost.current());
        free(c, l);
        end_agent(me);
    }

    #[test]
    fn a_timed_out_waiter_taking_the_lock_back_is_not_notified() {
        crate::core::start();
        let me = new_agent().unwrap();
        let (l, c) = lock_condition();
        let late = enqueue(l, c, me);
        let next = enqueue(l, c, me);
        expire(c, late);
        lock::acquire(l, None, None).unwrap();
        notify(c, me, 1).unwrap();
        lock::release(l).unwrap();
        assert!(!late.notified() && next.notified());
        assert!(!finish(c, late));
        assert!(finish(c, next));
        // A notified waiter that gives up while taking the lock back passes the notification on.
        let quitter = enqueue(l, c, me);
        let heir = enqueue(l, c, me);
        lock::acquire(l, None, None).unwrap();
        notify(c, me, 1).unwrap();
        lock::release(l).unwrap();
        expire(c, quitter);
        assert!(
            quitter.notified(),
            "notified before its time ran out: it stays notified"
        );
        withdraw(c, quitter);
        assert!(finish(c, heir));
        assert!(list(c).is_empty());
        free(c, l);
        end_agent(me);
    }

    #[test]
    fn a_live_waiter_whose_node_was_taken_for_dead_leaves_the_list_alone() {
        crate::core::start();
        let me = new_agent().unwrap();
        let (l, c) = lock_condition();
        let a = new_agent().unwrap();
        let place = enqueue(l, c, a);
        let other = enqueue(l, c, me);
        // Taken for dead (as while its process exits), its node is dropped and freed...
        {
            let _g = lock_list(c);
            drop_node(state(c), place.node);
        }
        // ... and reused by another waiter.
        let reused = enqueue(l, c, me);
        assert!(!place.current());
        assert!(!finish(c, place), "not notified, nothing touched");
        withdraw(c, place);
        assert_eq!(list(c).len(), 2);
        assert!(!finish(c, other));
        assert!(!finish(c, reused));
        assert!(list(c).is_empty());
        free(c, l);
        end_agent(a);
        end_agent(me);
    }

    /// A process that is dead (killed, not yet reaped) and its tag.
    /// Holds the list's mutex as the dead process `tag` would have.
    fn held_by(c: Condition, tag: u32) {
        state(c)
            .mutex
            .store(crate::core::raw_mutex::held_by(tag), SeqCst);
    }

    #[test]
    fn a_list_left_half_changed_by_a_killed_holder_is_rebuilt() {
        crate::core::start();
        let me = new_agent().unwrap();
        let tag = crate::core::liveness::dead_process_tag();
        let (l, c) = lock_condition();
        let s = state(c);
        let places: Vec<Place> = (0..5).map(|_| enqueue(l, c, me)).collect();
        let [a, b, _d, e, f] = [0, 1, 2, 3, 4].map(|i| places[i].node);
        let dead = new_agent().unwrap();
        let ghost = enqueue(l, c, dead);
        // A dead waiter's node that was notified...
        node(ghost.node).state.store(NOTIFIED, SeqCst);
        end_agent(dead);
        // ... whose linking was cut short: linked from the old tail, `tail` not yet moved...
        s.tail.store(f.index(), SeqCst);
        // ... and a node whose waiter was in the middle of unlinking it: `b.next` skips `d`,
        // `e.prev` still names `d`.
        node(b).next.store(e.index(), SeqCst);
        held_by(c, tag);
        let rebuilt = list(c);
        let order: Vec<BlockIndex> = rebuilt.iter().map(|&(i, _)| i).collect();
        assert_eq!(order, vec![a.index(), b.index(), e.index(), f.index()]);
        assert_eq!(
            rebuilt[0].1, NOTIFIED,
            "the dead waiter's notification went to the first live waiter"
        );
        assert_eq!(s.tail.load(SeqCst), f.index());
        assert_eq!(node(e).prev.load(SeqCst), b.index());
        assert!(!ghost.current(), "the dead waiter's node is freed");
        // The list works on: every waiter leaves it, `d` (already out) included.
        assert!(finish(c, places[0]));
        for p in [places[1], places[3], places[4]] {
            assert!(!finish(c, p));
        }
        assert!(!finish(c, places[2]), "d was out of the list already");
        assert!(list(c).is_empty());
        assert_eq!(s.tail.load(SeqCst), 0);
        free(c, l);
        end_agent(me);
    }

    #[test]
    fn a_rebuild_stops_at_a_link_that_is_not_a_node_of_this_list_and_at_a_cycle() {
        crate::core::start();
        let me = new_agent().unwrap();
        let tag = crate::core::liveness::dead_process_tag();
        let (l, c) = lock_condition();
        let (l2, c2) = lock_condition();
        let a = enqueue(l, c, me);
        let b = enqueue(l, c, me);
        let other = enqueue(l2, c2, me);
        node(b.node).next.store(other.node.index(), SeqCst);
        held_by(c, tag);
        assert_eq!(
            list(c).len(),
            2,
            "the other condition's node is not followed"
        );
        assert_eq!(list(c2).len(), 1);
        node(b.node).next.store(a.node.index(), SeqCst);
        held_by(c, tag);
        assert_eq!(list(c).len(), 2, "a cycle is cut");
        node(b.node).next.store(12345, SeqCst);
        held_by(c, tag);
        assert_eq!(
            list(c).len(),
            2,
            "an index that is no block start is not followed"
        );
        for (cond, p) in [(c, a), (c, b), (c2, other)] {
            finish(cond, p);
        }
        assert!(list(c).is_empty() && list(c2).is_empty());
        free(c, l);
        free(c2, l2);
        end_agent(me);
    }
}
