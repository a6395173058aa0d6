//! Asynchronous waits. A pending wait is a record in this process's engine, watching one block.
//! Nothing blocks per waiter: one dispatcher thread per process sleeps on the process's bell
//! (see `ring`), rechecks the waiters of the blocks posted to its mailbox, expires deadlines,
//! and hands outcomes to each waiter's `Sink` (the bindings resolve Promises from there).

use super::arena::{arena, BlockIndex};
use super::barrier::{self, Barrier};
use super::condition::{self, Condition, Place};
use super::error::Error;
use super::event::{self, Event};
use super::handle::LockHandle;
use super::liveness;
use super::lock::{self, Lock};
use super::park::{Deadline, SLICE};
use super::queue::{self, Queue};
use super::ring;
use super::rlock::{self, RLock};
use super::semaphore::{self, Semaphore};
use crate::layout::barrier_result;
use crate::sys::futex_wait;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering::*;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, TryLockError};
use std::time::Instant;

/// Where finished waits go: implemented by the bindings for each JavaScript thread.
pub trait Sink: Send + Sync {
    fn deliver(&self, id: u64, outcome: Outcome);
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Value(f64),
    /// Aborted: reject with the reason the caller kept.
    Aborted,
}

/// Barrier outcomes as numbers (see `layout::barrier_result`): an index, `BROKEN`, or
/// `last_index(i)` (run the action).
pub const BROKEN: f64 = barrier_result::BROKEN as f64;
pub fn last_index(i: u32) -> f64 {
    barrier_result::LAST as f64 - i as f64
}

/// The number a barrier arrival or wait settles with.
pub fn barrier_outcome(r: Result<barrier::Arrival, Error>) -> f64 {
    match r {
        Ok(barrier::Arrival::Wait(i)) => i as f64,
        Ok(barrier::Arrival::Last(i)) => last_index(i),
        Err(_) => BROKEN,
    }
}

/// A wait, and the block it is on.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    Lock(Lock),
    RLock {
        lock: RLock,
        me: u32,
    },
    Semaphore(Semaphore),
    /// `seen`: the event's word when the wait began.
    Event {
        event: Event,
        seen: u32,
    },
    /// Waiting for a notify on a wait node.
    CondNode {
        cond: Condition,
        place: Place,
        me: u32,
        saved: u32,
    },
    /// Notified or timed out: taking the condition's lock back. The node stays in the list
    /// until then (`None` once aborted: it was withdrawn).
    CondRelock {
        cond: Condition,
        place: Option<Place>,
        me: u32,
        saved: u32,
    },
    /// Waiting for a draining barrier to refill before arriving.
    BarrierEnter(Barrier),
    /// Arrived at `index` (as the waiter's agent).
    BarrierWait {
        barrier: Barrier,
        index: u32,
    },
    /// A queue's sequence word `word` (queue::NOT_EMPTY...) to differ from `seen`.
    QueueChange {
        queue: Queue,
        word: usize,
        seen: u32,
    },
}

impl Op {
    /// The block whose changes can finish this step (rings of it recheck the waiter).
    fn watched(self) -> BlockIndex {
        match self {
            Op::Lock(l) => l.index(),
            Op::RLock { lock, .. } => lock.index(),
            Op::Semaphore(s) => s.index(),
            Op::Event { event, .. } => event.index(),
            Op::CondNode { cond, .. } => cond.index(),
            Op::CondRelock { cond, .. } => condition::lock_of(cond).index(),
            Op::BarrierEnter(b) | Op::BarrierWait { barrier: b, .. } => b.index(),
            Op::QueueChange { queue, .. } => queue.index(),
        }
    }
}

struct Waiter {
    sink: Arc<dyn Sink>,
    agent: u32,
    op: Op,
    /// `op.watched()`, kept for the index by block.
    block: BlockIndex,
    /// The block the waiter keeps alive until it finishes.
    owner: BlockIndex,
    deadline: Deadline,
    aborted: bool,
}

enum Step {
    Pending,
    Done(Outcome),
    Move(Op),
}

/// A finished wait's outcome, delivered once the engine's lock is released: a sink wakes a
/// JavaScript thread, which may at once want the engine (or a lock the sink takes) itself.
type Delivery = (Arc<dyn Sink>, u64, Outcome);

#[derive(Default)]
pub struct Engine {
    next_id: u64,
    waiters: HashMap<u64, Waiter>,
    by_block: HashMap<BlockIndex, Vec<u64>>,
    deadlines: BTreeSet<(Instant, u64)>,
    ready: Vec<Delivery>,
    /// The dispatcher found no wait pending and sleeps until rung (no sweep, no deadline).
    idle: bool,
}

static ENGINE: Mutex<Option<Engine>> = Mutex::new(None);
/// Whether the dispatcher thread runs (false: the system refused to start it).
static DISPATCHER: OnceLock<bool> = OnceLock::new();

fn engine() -> MutexGuard<'static, Option<Engine>> {
    ENGINE.lock().unwrap_or_else(|e| e.into_inner())
}

fn with_engine<R>(f: impl FnOnce(&mut Engine) -> R) -> R {
    let mut g = engine();
    let e = g.get_or_insert_with(Engine::default);
    let r = f(e);
    let ready = std::mem::take(&mut e.ready);
    drop(g);
    deliver(ready);
    r
}

fn deliver(ready: Vec<Delivery>) {
    for (sink, id, outcome) in ready {
        sink.deliver(id, outcome);
    }
}

pub enum Started {
    Done(f64),
    Pending(u64),
}

/// Starts the dispatcher thread on first use; false when the system refuses a thread (then
/// no asynchronous wait can be delivered, and none is started).
pub fn dispatcher_running() -> bool {
    *DISPATCHER.get_or_init(|| {
        std::thread::Builder::new()
            .name("native-threading-dispatch".into())
            .spawn(dispatch_loop)
            .is_ok()
    })
}

/// Starts an asynchronous wait `op` for thread `agent` (the dispatcher must be running: see
/// `dispatcher_running`).
pub fn start(sink: Arc<dyn Sink>, agent: u32, op: Op, deadline: Deadline) -> Started {
    let block = op.watched();
    arena().retain(block);
    let w = Waiter {
        sink,
        agent,
        op,
        block,
        owner: block,
        deadline,
        aborted: false,
    };
    let (started, idle) = with_engine(|e| {
        let started = e.start(w);
        let idle = matches!(started, Started::Pending(_)) && std::mem::take(&mut e.idle);
        (started, idle)
    });
    if let Started::Pending(_) = started {
        dispatcher_running(); // the binding checked it already; tests start waits directly
        if idle || deadline.is_some() {
            // An idle dispatcher must start its sweeps (a holder may die with nothing rung);
            // a deadline may come before its next wake-up.
            ring::bell(liveness::own_slot());
        }
    }
    started
}

/// Rechecks the waiters on `block` on the calling thread, which just changed it: the outcome
/// goes to its waiter without waking the dispatcher first (one thread wake-up fewer). The
/// ring's recheck hook (`core::start`); rings reach it only through `LocalRings::run_here`,
/// after the changing call returned, so the caller holds no lock of the core. False when
/// another thread holds the engine: then the block is posted to the dispatcher as usual.
pub fn recheck_here(block: BlockIndex) -> bool {
    let mut g = match ENGINE.try_lock() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => return false,
    };
    let ready = match g.as_mut() {
        Some(e) => {
            e.recheck(block);
            std::mem::take(&mut e.ready)
        }
        None => Vec::new(),
    };
    drop(g);
    deliver(ready);
    true
}

pub enum Aborted {
    /// Gone: reject now; the primitive is as if the wait never happened.
    Now,
    /// Still taking a lock back (Condition); the outcome `Aborted` follows.
    Later,
    /// Already finished (its outcome is on its way): nothing to undo.
    TooLate,
}

pub fn abort(id: u64) -> Aborted {
    with_engine(|e| e.abort(id))
}

/// A thread is going away: drop its waits, passing on notifications it had received.
pub fn abandon_agent(agent: u32) {
    with_engine(|e| {
        let ids: Vec<u64> = e
            .waiters
            .iter()
            .filter(|(_, w)| w.agent == agent)
            .map(|(&id, _)| id)
            .collect();
        for id in ids {
            if let Some(w) = e.remove(id) {
                match w.op {
                    Op::CondNode { cond, place, .. }
                    | Op::CondRelock {
                        cond,
                        place: Some(place),
                        ..
                    } => condition::withdraw(cond, place),
                    Op::BarrierWait { barrier, index } => barrier::abandon(barrier, index, agent),
                    _ => {}
                }
                arena().release(w.owner);
            }
        }
    })
}

impl Engine {
    fn start(&mut self, w: Waiter) -> Started {
        self.next_id += 1;
        let id = self.next_id;
        self.watch(id, w);
        match self.advance(id) {
            Some(Outcome::Value(v)) => Started::Done(v),
            Some(Outcome::Aborted) => unreachable!("a new wait is not aborted"),
            None => Started::Pending(id),
        }
    }

    fn watch(&mut self, id: u64, w: Waiter) {
        // Order matters: the process is marked active before the block counts a waiter, and
        // both before the first attempt (see `ring`).
        liveness::own_slot().active.fetch_add(1, SeqCst);
        arena()
            .header_of(w.block)
            .async_waiters
            .fetch_add(1, SeqCst);
        self.by_block.entry(w.block).or_default().push(id);
        if let Some(d) = w.deadline {
            self.deadlines.insert((d, id));
        }
        self.waiters.insert(id, w);
    }

    fn remove(&mut self, id: u64) -> Option<Waiter> {
        let w = self.waiters.remove(&id)?;
        if let Some(ids) = self.by_block.get_mut(&w.block) {
            ids.retain(|&x| x != id);
            if ids.is_empty() {
                self.by_block.remove(&w.block);
            }
        }
        if let Some(d) = w.deadline {
            self.deadlines.remove(&(d, id));
        }
        arena()
            .header_of(w.block)
            .async_waiters
            .fetch_sub(1, SeqCst);
        liveness::own_slot().active.fetch_sub(1, SeqCst);
        Some(w)
    }

    /// Attempts the waiter's step(s); returns its outcome once it is finished (and removed).
    fn advance(&mut self, id: u64) -> Option<Outcome> {
        loop {
            let w = self.waiters.get(&id)?;
            match attempt(w) {
                Step::Pending => return None,
                Step::Done(outcome) => {
                    let w = self.remove(id).expect("present");
                    arena().release(w.owner);
                    return Some(outcome);
                }
                Step::Move(op) => self.rewatch(id, op),
            }
        }
    }

    fn rewatch(&mut self, id: u64, op: Op) {
        let mut w = self.remove(id).expect("present");
        w.op = op;
        w.block = op.watched();
        self.watch(id, w);
    }

    /// Advances `id` and delivers its outcome if it finished.
    fn advance_and_deliver(&mut self, id: u64) {
        let sink = match self.waiters.get(&id) {
            Some(w) => w.sink.clone(),
            None => return,
        };
        if let Some(outcome) = self.advance(id) {
            self.ready.push((sink, id, outcome));
        }
    }

    fn recheck(&mut self, block: BlockIndex) {
        let ids = self.by_block.get(&block).cloned().unwrap_or_default();
        for id in ids {
            self.advance_and_deliver(id);
        }
    }

    /// Every `park::SLICE` while waits are pending: repairs what holders that died left
    /// behind (a lock, a wait list, a barrier round), then rechecks every waiter.
    fn sweep(&mut self) {
        // Once per block: a thousand waiters on one lock need one check of its holder.
        let mut checked = BTreeSet::new();
        for w in self.waiters.values() {
            if checked.insert(w.block) {
                recover_holders(w.op);
            }
        }
        self.recheck_all();
    }

    fn recheck_all(&mut self) {
        let ids: Vec<u64> = self.waiters.keys().copied().collect();
        for id in ids {
            self.advance_and_deliver(id);
        }
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(d, id)) = self.deadlines.iter().next() {
            if d > now {
                break;
            }
            self.deadlines.remove(&(d, id));
            let Some(w) = self.waiters.get_mut(&id) else {
                continue;
            };
            w.deadline = None;
            let (op, agent) = (w.op, w.agent);
            let timed_out = match op {
                Op::Lock(_) | Op::RLock { .. } | Op::Semaphore(_) => Some(Outcome::Value(0.0)),
                // A claim that a dead process left in the way is emptied before the wait gives
                // up, so the caller's last look finds the items behind it.
                Op::QueueChange { queue, .. } => {
                    queue::recover(queue);
                    Some(Outcome::Value(0.0))
                }
                Op::Event { event, seen } => {
                    Some(Outcome::Value(if event::signalled_since(event, seen) {
                        1.0
                    } else {
                        0.0
                    }))
                }
                Op::CondNode {
                    cond,
                    place,
                    me,
                    saved,
                } => {
                    condition::expire(cond, place);
                    self.relock(id, cond, Some(place), me, saved);
                    None
                }
                Op::BarrierWait { barrier, index } => Some(Outcome::Value(
                    if barrier::time_out(barrier, index, agent) {
                        index as f64
                    } else {
                        BROKEN
                    },
                )),
                Op::BarrierEnter(barrier) => Some(Outcome::Value(barrier_outcome(
                    barrier::enter_expired(barrier, agent),
                ))),
                // Taking the lock back has no timeout, as in Python.
                Op::CondRelock { .. } => None,
            };
            match timed_out {
                Some(outcome) => {
                    let w = self.remove(id).expect("present");
                    arena().release(w.owner);
                    self.ready.push((w.sink, id, outcome));
                }
                None => self.advance_and_deliver(id),
            }
        }
    }

    /// A Condition waiter, notified or timed out, goes on to take the condition's lock back.
    fn relock(&mut self, id: u64, cond: Condition, place: Option<Place>, me: u32, saved: u32) {
        self.rewatch(
            id,
            Op::CondRelock {
                cond,
                place,
                me,
                saved,
            },
        );
    }

    fn abort(&mut self, id: u64) -> Aborted {
        let Some(w) = self.waiters.get_mut(&id) else {
            return Aborted::TooLate;
        };
        let (op, agent) = (w.op, w.agent);
        match op {
            Op::CondNode {
                cond,
                place,
                me,
                saved,
            } => {
                // A notification it had received goes to the next waiter.
                condition::withdraw(cond, place);
                self.relock(id, cond, None, me, saved);
                self.waiters.get_mut(&id).expect("present").aborted = true;
                match self.advance(id) {
                    Some(_) => Aborted::Now,
                    None => Aborted::Later,
                }
            }
            Op::CondRelock {
                cond,
                place,
                me,
                saved,
            } => {
                if let Some(place) = place {
                    // A notification this waiter received goes to the next one.
                    condition::withdraw(cond, place);
                }
                w.op = Op::CondRelock {
                    cond,
                    place: None,
                    me,
                    saved,
                };
                w.aborted = true;
                Aborted::Later
            }
            Op::BarrierWait { barrier, index } if !barrier::withdraw(barrier, index, agent) => {
                Aborted::TooLate
            }
            _ => {
                let w = self.remove(id).expect("present");
                arena().release(w.owner);
                Aborted::Now
            }
        }
    }

    fn next_deadline(&self) -> Deadline {
        self.deadlines.iter().next().map(|&(d, _)| d)
    }
}

/// Takes back what a dead holder keeps from the waiter of `op` (see `core::liveness`); the
/// waiter's next attempt then finds it.
fn recover_holders(op: Op) {
    match op {
        Op::QueueChange { queue, .. } => queue::recover(queue),
        Op::Lock(l) => lock::recover_if_dead(l),
        Op::RLock { lock, .. } => rlock::recover_if_dead(lock),
        Op::CondNode { cond, .. } => condition::recover_if_due(cond),
        // Taking a condition's lock back is waiting for that lock (the node is still listed).
        Op::CondRelock { cond, .. } => {
            condition::recover_if_due(cond);
            match condition::lock_of(cond) {
                LockHandle::Lock(l) => lock::recover_if_dead(l),
                LockHandle::RLock(l) => rlock::recover_if_dead(l),
            }
        }
        Op::BarrierEnter(b) | Op::BarrierWait { barrier: b, .. } => barrier::recover_if_due(b),
        _ => {}
    }
}

fn attempt(w: &Waiter) -> Step {
    let done = |v: f64| {
        Step::Done(if w.aborted {
            Outcome::Aborted
        } else {
            Outcome::Value(v)
        })
    };
    match w.op {
        Op::Lock(l) if lock::try_acquire_contended(l) => done(1.0),
        Op::RLock { lock, me } if rlock::try_take(lock, me, 1) => done(1.0),
        Op::Semaphore(s) if semaphore::try_acquire(s) => done(1.0),
        Op::Event { event, seen } if event::signalled_since(event, seen) => done(1.0),
        Op::CondNode {
            cond,
            place,
            me,
            saved,
        } if place.notified() => Step::Move(Op::CondRelock {
            cond,
            place: Some(place),
            me,
            saved,
        }),
        Op::CondRelock {
            cond,
            place,
            me,
            saved,
        } if condition::try_reacquire(cond, me, saved) => {
            let notified = place.is_some_and(|p| condition::finish(cond, p));
            done(if notified { 1.0 } else { 0.0 })
        }
        Op::BarrierEnter(barrier) => match barrier::try_arrive(barrier, w.agent) {
            None => Step::Pending,
            Some(Ok(barrier::Arrival::Wait(index))) => {
                Step::Move(Op::BarrierWait { barrier, index })
            }
            Some(r) => done(barrier_outcome(r)),
        },
        Op::QueueChange { queue, word, seen } if queue::changed(queue, word, seen) => done(1.0),
        Op::BarrierWait { barrier, index } => match barrier::try_leave(barrier, index, w.agent) {
            None => Step::Pending,
            Some(true) => done(index as f64),
            Some(false) => done(BROKEN),
        },
        _ => Step::Pending,
    }
}

fn dispatch_loop() {
    let slot = liveness::own_slot();
    let mut dirty = Vec::new();
    let mut next_sweep = Instant::now() + SLICE;
    loop {
        let seen = slot.bell.load(Acquire);
        dirty.clear();
        let overflow = ring::drain(slot, &mut dirty);
        let now = Instant::now();
        let sweep = now >= next_sweep;
        if sweep {
            next_sweep = now + SLICE;
        }
        let (next, pending) = with_engine(|e| {
            if sweep {
                e.sweep();
            } else if overflow {
                e.recheck_all();
            } else {
                for &b in &dirty {
                    e.recheck(b);
                }
            }
            e.expire(Instant::now());
            e.idle = e.waiters.is_empty();
            (e.next_deadline(), !e.idle)
        });
        // While waits are pending, wake at least once a slice for the sweep.
        let wake_at = match (next, pending) {
            (Some(d), true) => Some(d.min(next_sweep)),
            (None, true) => Some(next_sweep),
            (d, false) => d,
        };
        let timeout = wake_at.map(|d| d.saturating_duration_since(Instant::now()));
        if timeout != Some(std::time::Duration::ZERO) {
            futex_wait(&slot.bell, seen, timeout);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;
    use std::sync::mpsc;

    struct Chan(Mutex<mpsc::Sender<(u64, Outcome)>>);
    impl Sink for Chan {
        fn deliver(&self, id: u64, outcome: Outcome) {
            self.0.lock().unwrap().send((id, outcome)).unwrap();
        }
    }
    fn sink() -> (Arc<dyn Sink>, mpsc::Receiver<(u64, Outcome)>) {
        let (tx, rx) = mpsc::channel();
        (Arc::new(Chan(Mutex::new(tx))), rx)
    }
    const SECOND: std::time::Duration = std::time::Duration::from_secs(5);

    fn pending(s: Started) -> u64 {
        match s {
            Started::Pending(id) => id,
            Started::Done(v) => panic!("finished at once with {v}"),
        }
    }

    #[test]
    fn many_event_waiters_resolve_on_one_set() {
        crate::core::start();
        let (s, rx) = sink();
        let e = event::new().unwrap();
        let ids: Vec<u64> = (0..1000)
            .map(|_| {
                pending(start(
                    s.clone(),
                    1,
                    Op::Event {
                        event: e,
                        seen: event::word(e),
                    },
                    None,
                ))
            })
            .collect();
        event::set(e);
        let mut got: Vec<u64> = (0..1000)
            .map(|_| rx.recv_timeout(SECOND).unwrap())
            .map(|(id, o)| {
                assert_eq!(o, Outcome::Value(1.0));
                id
            })
            .collect();
        got.sort();
        assert_eq!(got, ids);
        arena().release(e.index());
    }

    #[test]
    fn lock_waiter_gets_the_lock_on_release_and_times_out_otherwise() {
        crate::core::start();
        let (s, rx) = sink();
        let l = lock::new().unwrap();
        assert!(lock::try_acquire(l));
        let id = pending(start(s.clone(), 1, Op::Lock(l), None));
        let late = pending(start(s.clone(), 2, Op::Lock(l), deadline_after_ms(30.0)));
        // A fast JS-style release cannot succeed: the waiter marked the word contended.
        assert!(lock::state(l)
            .word
            .compare_exchange(lock::locked_by_me(), 0, SeqCst, Relaxed)
            .is_err());
        lock::release(l).unwrap();
        assert_eq!(rx.recv_timeout(SECOND).unwrap(), (id, Outcome::Value(1.0)));
        assert_eq!(
            rx.recv_timeout(SECOND).unwrap(),
            (late, Outcome::Value(0.0))
        );
        assert!(lock::locked(l));
        lock::release(l).unwrap();
        arena().release(l.index());
    }

    #[test]
    fn aborted_lock_wait_is_gone() {
        crate::core::start();
        let (s, rx) = sink();
        let l = lock::new().unwrap();
        assert!(lock::try_acquire(l));
        let id = pending(start(s, 1, Op::Lock(l), None));
        assert!(matches!(abort(id), Aborted::Now));
        lock::release(l).unwrap();
        assert!(!lock::locked(l));
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(50))
            .is_err());
        assert!(matches!(abort(id), Aborted::TooLate));
        arena().release(l.index());
    }

    #[test]
    fn condition_async_wait_relocks_and_abort_forwards_the_notify() {
        crate::core::start();
        let (s, rx) = sink();
        let l = lock::new().unwrap();
        let c = condition::new(crate::core::handle::LockHandle::Lock(l)).unwrap();
        // Two async waiters, then a notify(1) that reaches the first; it aborts: the second
        // must get the notification instead.
        let mut ids = vec![];
        let agents = [
            liveness::new_agent().unwrap(),
            liveness::new_agent().unwrap(),
        ];
        for me in agents {
            assert!(lock::acquire(l, None, None).unwrap());
            let (place, saved) = condition::begin_wait(c, me).unwrap();
            ids.push(pending(start(
                s.clone(),
                me,
                Op::CondNode {
                    cond: c,
                    place,
                    me,
                    saved,
                },
                None,
            )));
        }
        lock::acquire(l, None, None).unwrap();
        condition::notify(c, agents[0], 1).unwrap();
        assert!(matches!(abort(ids[0]), Aborted::Later));
        lock::release(l).unwrap();
        let first = rx.recv_timeout(SECOND).unwrap();
        let second_needs_lock = first.0 == ids[0];
        if second_needs_lock {
            assert_eq!(first.1, Outcome::Aborted);
            lock::release(l).unwrap();
            assert_eq!(
                rx.recv_timeout(SECOND).unwrap(),
                (ids[1], Outcome::Value(1.0))
            );
        } else {
            assert_eq!(first, (ids[1], Outcome::Value(1.0)));
            lock::release(l).unwrap();
            assert_eq!(rx.recv_timeout(SECOND).unwrap(), (ids[0], Outcome::Aborted));
        }
        lock::release(l).unwrap();
        arena().release(c.index());
        arena().release(l.index());
        agents.into_iter().for_each(liveness::end_agent);
    }

    #[test]
    fn barrier_async_arrivals_release_together() {
        crate::core::start();
        let (s, rx) = sink();
        let me = liveness::new_agent().unwrap();
        let b = barrier::new(3, -1.0).unwrap();
        let mut ids = vec![];
        for _ in 0..2 {
            ids.push(pending(start(s.clone(), me, Op::BarrierEnter(b), None)));
        }
        match start(s.clone(), me, Op::BarrierEnter(b), None) {
            Started::Done(v) => assert_eq!(v, last_index(2)),
            Started::Pending(_) => panic!("the third arrival is last"),
        }
        assert!(barrier::finish_action(b, me, true));
        let mut idx: Vec<f64> = (0..2)
            .map(|_| match rx.recv_timeout(SECOND).unwrap().1 {
                Outcome::Value(v) => v,
                o => panic!("{o:?}"),
            })
            .collect();
        idx.sort_by(f64::total_cmp);
        assert_eq!(idx, vec![0.0, 1.0]);
        arena().release(b.index());
        liveness::end_agent(me);
    }
}
