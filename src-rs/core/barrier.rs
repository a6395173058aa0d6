//! Barrier, with Python's state machine (filling, draining, resetting, broken) plus one state
//! of ours, `ACTING`, while the last party to arrive runs its JavaScript action without holding
//! the internal mutex. Every change bumps `seq`, the futex word all waiters sleep on.
//!
//! Each arrival index has a word in the barrier's arrivals block: the agent id of the party
//! holding it, 0 when free. So an aborted asynchronous waiter gives its index back, no two
//! parties of a round share one, `count` (the number of words in use) can be recounted, and a
//! party that died is found: its death breaks the round while the round fills or while it runs
//! the action; otherwise (the round is complete, draining or resetting) it is only taken out,
//! so that the round drains and the next one opens. Waiters look for dead parties once a slice
//! (`recover_if_due`), and the last arrival checks the others before it completes a round.

use super::arena::{arena, Arena, BLOCK, BODY};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::liveness::agent_alive;
use super::park::{park, scan_due, Deadline, Interrupt, Parked};
use super::raw_mutex::Guard;
use super::ring;
use crate::layout::{barrier_word, limit};
use crate::sys::futex_wake;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering::*};

const FILLING: i32 = 0;
const DRAINING: i32 = 1;
const ACTING: i32 = 2;
const RESETTING: i32 = -1;
const BROKEN: i32 = -2;

pub type Barrier = Handle<handle::Barrier>;
type Arrivals = Handle<handle::Arrivals>;

/// The arrivals block holds one word per party; this bounds the number of parties.
pub const MAX_PARTIES: u32 = limit::BARRIER_PARTIES;

#[repr(C)]
pub struct BarrierState {
    mutex: AtomicU32,
    seq: AtomicU32,
    pub parties: AtomicU32,
    /// Arrival indexes in use (words of the arrivals block that are not 0).
    count: AtomicU32,
    state: AtomicI32,
    /// The arrivals block: `parties` words, each the agent id holding that index or 0.
    arrivals: AtomicU32,
    /// One past the highest index handed out this round: the free indexes below it were given
    /// back by aborted waiters.
    high: AtomicU32,
    /// The index of the party running the action, plus one (0: none).
    acting: AtomicU32,
    /// The default timeout in milliseconds as f64 bits; negative means none.
    pub timeout: AtomicU64,
    /// When the arrivals were last checked for dead parties (see `park::scan_due`).
    scanned: AtomicU32,
    /// 1 when a waiter's time ran out before it could arrive (the barrier was draining,
    /// resetting or acting): the round it waited for opens broken.
    doomed: AtomicU32,
}
const _: () = assert!(BODY + std::mem::size_of::<BarrierState>() <= BLOCK);
const _: () = assert!(std::mem::offset_of!(BarrierState, mutex) == barrier_word::MUTEX * 4);
const _: () = assert!(std::mem::offset_of!(BarrierState, seq) == barrier_word::SEQ * 4);

pub fn new(parties: u32, default_timeout_ms: f64) -> Result<Barrier> {
    let a = arena();
    let arrivals = a.alloc(super::arena::Kind::Arrivals, parties as usize * 4)?;
    let off = match a.alloc(
        super::arena::Kind::Barrier,
        std::mem::size_of::<BarrierState>(),
    ) {
        Ok(off) => Handle::trusted(off),
        Err(e) => {
            a.release(arrivals);
            return Err(e);
        }
    };
    let s = state(off);
    s.parties.store(parties, Relaxed);
    s.arrivals.store(arrivals, Relaxed);
    s.timeout.store(default_timeout_ms.to_bits(), Release);
    Ok(off)
}

pub(crate) fn drop_barrier(a: &Arena, off: Barrier) {
    a.release(state(off).arrivals.load(Acquire));
}

pub fn state(off: Barrier) -> &'static BarrierState {
    // SAFETY: a Barrier handle names a Barrier block, whose body is a BarrierState.
    unsafe { off.body::<BarrierState>() }
}

fn arrivals(s: &BarrierState) -> &'static [AtomicU32] {
    let parties = s.parties.load(Relaxed) as usize;
    let block: Arrivals = Handle::trusted(s.arrivals.load(Relaxed));
    // SAFETY: the arrivals block was allocated with `parties` u32s of body; atomics only.
    unsafe { std::slice::from_raw_parts(block.body::<AtomicU32>(), parties) }
}

pub fn default_timeout_ms(off: Barrier) -> f64 {
    f64::from_bits(state(off).timeout.load(Acquire))
}

/// Takes the barrier's mutex; the counters are repaired first if its last holder's process
/// died holding it.
fn lock(off: Barrier) -> Guard<'static> {
    let s = state(off);
    let g = Guard::new(&s.mutex);
    if g.recovered {
        repair(off, s);
    }
    g
}

fn broadcast(off: Barrier, s: &BarrierState) {
    s.seq.fetch_add(1, Release);
    futex_wake(&s.seq, u32::MAX);
    ring::ring(off.index());
}

/// What an arrival is.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Arrival {
    /// Wait for the round to be released, then return this index.
    Wait(u32),
    /// The round is complete: run the action, then call `finish_action`.
    Last(u32),
}

/// One attempt of agent `me` to arrive: `None` while the barrier is draining, resetting or
/// acting (wait for `seq` to change), `Err(Error::Broken)` when broken.
pub fn try_arrive(off: Barrier, me: u32) -> Option<Result<Arrival>> {
    let s = state(off);
    let _g = lock(off);
    match s.state.load(Relaxed) {
        DRAINING | RESETTING | ACTING => None,
        BROKEN => Some(Err(Error::Broken)),
        _ => Some(arrive_now(off, s, me)),
    }
}

/// Arrives in a filling round (mutex held).
fn arrive_now(off: Barrier, s: &BarrierState, me: u32) -> Result<Arrival> {
    let parties = s.parties.load(Relaxed);
    // The round would complete: a party that died meanwhile breaks it instead.
    if s.count.load(Relaxed) + 1 == parties && remove_the_dead(s) {
        broadcast(off, s);
        return Err(Error::Broken);
    }
    let Some(index) = take_index(s, me) else {
        // No free index: the counters disagree with the arrivals (they cannot, see `repair`).
        s.state.store(BROKEN, Relaxed);
        broadcast(off, s);
        return Err(Error::Broken);
    };
    let count = s.count.load(Relaxed) + 1;
    s.count.store(count, Relaxed);
    if count == parties {
        s.acting.store(index + 1, Relaxed);
        s.state.store(ACTING, Relaxed);
        Ok(Arrival::Last(index))
    } else {
        Ok(Arrival::Wait(index))
    }
}

/// The next arrival index (the lowest one given back this round, else the next new one),
/// recorded as agent `me`'s.
fn take_index(s: &BarrierState, me: u32) -> Option<u32> {
    let a = arrivals(s);
    let (count, high) = (s.count.load(Relaxed), s.high.load(Relaxed));
    let index = if high == count && (high as usize) < a.len() {
        high
    } else {
        a.iter().position(|w| w.load(Relaxed) == 0)? as u32
    };
    a[index as usize].store(me, Relaxed);
    s.high.store(high.max(index + 1), Relaxed);
    Some(index)
}

/// The round is over and everyone has left: the next one opens (broken if a waiter timed out
/// waiting for it).
fn open(s: &BarrierState) {
    let doomed = s.doomed.swap(0, Relaxed) != 0;
    s.state
        .store(if doomed { BROKEN } else { FILLING }, Relaxed);
    s.high.store(0, Relaxed);
    s.acting.store(0, Relaxed);
}

/// Frees arrival `index` (mutex held) and opens the next round if it was the last of a
/// draining or resetting one.
fn free_index(s: &BarrierState, index: u32) {
    arrivals(s)[index as usize].store(0, Relaxed);
    let count = s.count.load(Relaxed).saturating_sub(1);
    s.count.store(count, Relaxed);
    if count == 0 && matches!(s.state.load(Relaxed), DRAINING | RESETTING) {
        open(s);
    }
}

/// Whether agent `me` still holds arrival `index` (nobody took it out as dead).
fn holds(s: &BarrierState, index: u32, me: u32) -> bool {
    arrivals(s)
        .get(index as usize)
        .is_some_and(|w| w.load(Relaxed) == me)
}

/// Agent `me` leaves the round it arrived in at `index` (Python's `_exit`). Nothing when it
/// was taken out as dead meanwhile.
fn leave(s: &BarrierState, index: u32, me: u32) {
    if holds(s, index, me) {
        free_index(s, index);
    }
}

/// Takes out the parties that died (mutex held): a death while the round fills, or of the
/// party running the action, breaks the round. Returns whether any was found.
fn remove_the_dead(s: &BarrierState) -> bool {
    let a = arrivals(s);
    let high = (s.high.load(Relaxed) as usize).min(a.len());
    let mut last = (0, true);
    let mut found = false;
    for (i, w) in a[..high].iter().enumerate() {
        let id = w.load(Relaxed);
        if id == 0 {
            continue;
        }
        let alive = if id == last.0 {
            last.1
        } else {
            agent_alive(id)
        };
        last = (id, alive);
        if !alive {
            take_out(s, i as u32);
            found = true;
        }
    }
    found
}

/// Takes out the party at `index`, which is gone for good (mutex held): a filling round, or
/// one whose action it runs, is broken; a complete round drains without it.
fn take_out(s: &BarrierState, index: u32) {
    match s.state.load(Relaxed) {
        FILLING => s.state.store(BROKEN, Relaxed),
        ACTING if s.acting.load(Relaxed) == index + 1 => {
            s.state.store(BROKEN, Relaxed);
            s.acting.store(0, Relaxed);
        }
        _ => {}
    }
    free_index(s, index);
}

/// The mutex was taken over from a process that died holding it, maybe in the middle of an
/// arrival, a departure or the opening of a round. The arrivals are the truth: `count` and
/// `high` are recounted from them, the dead holder's parties are taken out (breaking a
/// filling round), and a round with nobody left opens.
fn repair(off: Barrier, s: &BarrierState) {
    let a = arrivals(s);
    let in_use = a.iter().filter(|w| w.load(Relaxed) != 0).count() as u32;
    let high = a
        .iter()
        .rposition(|w| w.load(Relaxed) != 0)
        .map_or(0, |i| i + 1);
    s.count.store(in_use, Relaxed);
    s.high.store(high as u32, Relaxed);
    // The party running the action still holds its index, or the round cannot be released.
    let acting = s.acting.load(Relaxed) as usize;
    let actor_arrived = acting != 0 && a.get(acting - 1).is_some_and(|w| w.load(Relaxed) != 0);
    match s.state.load(Relaxed) {
        ACTING if !actor_arrived => s.state.store(BROKEN, Relaxed),
        FILLING | DRAINING | ACTING | RESETTING | BROKEN => {}
        _ => s.state.store(BROKEN, Relaxed),
    }
    remove_the_dead(s);
    let count = s.count.load(Relaxed);
    match s.state.load(Relaxed) {
        DRAINING | RESETTING if count == 0 => open(s),
        FILLING if count >= s.parties.load(Relaxed) => s.state.store(BROKEN, Relaxed),
        _ => {}
    }
    broadcast(off, s);
}

/// Once a slice (among all waiters of the barrier): takes out the parties that died.
pub fn recover_if_due(off: Barrier) {
    let s = state(off);
    if scan_due(&s.scanned) {
        let _g = lock(off);
        if remove_the_dead(s) {
            broadcast(off, s);
        }
    }
}

/// Blocks while the barrier drains, resets or acts, then arrives as agent `me`
/// (`Err(Error::Broken)` when broken). A deadline that passes first is `enter_expired`.
pub fn arrive(off: Barrier, me: u32, deadline: Deadline, interrupt: Interrupt) -> Result<Arrival> {
    let s = state(off);
    loop {
        let seen = s.seq.load(Acquire);
        if let Some(r) = try_arrive(off, me) {
            return r;
        }
        match park(&s.seq, seen, deadline, interrupt) {
            Parked::Woken => {}
            Parked::Slice => recover_if_due(off),
            Parked::TimedOut => return enter_expired(off, me),
            Parked::Interrupted => return Err(Error::Interrupted),
        }
    }
}

/// A wait's time ran out before it could arrive. As a wait that times out in a round breaks
/// that round (Python), this one breaks the round it was waiting for: at once when the barrier
/// is filling by now (unless this arrival completes the round), else when that round opens
/// (the round draining or acting now is left alone). `Err(Error::Broken)`, or the last
/// arrival.
pub fn enter_expired(off: Barrier, me: u32) -> Result<Arrival> {
    let s = state(off);
    let _g = lock(off);
    match s.state.load(Relaxed) {
        BROKEN => Err(Error::Broken),
        FILLING => match arrive_now(off, s, me)? {
            Arrival::Last(i) => Ok(Arrival::Last(i)),
            Arrival::Wait(i) => {
                s.state.store(BROKEN, Relaxed);
                leave(s, i, me);
                broadcast(off, s);
                Err(Error::Broken)
            }
        },
        _ => {
            s.doomed.store(1, Relaxed);
            Err(Error::Broken)
        }
    }
}

/// After the last arrival (agent `me`) ran its action: release the round (`ok`) or break it.
/// Returns false when the round was broken meanwhile (abort, reset, a waiter's timeout, or
/// this party taken for dead).
pub fn finish_action(off: Barrier, me: u32, ok: bool) -> bool {
    let s = state(off);
    let _g = lock(off);
    let acting = s.acting.swap(0, Relaxed);
    let mine = acting != 0 && holds(s, acting - 1, me);
    let released = s.state.load(Relaxed) == ACTING && mine && ok;
    if s.state.load(Relaxed) == ACTING {
        s.state
            .store(if released { DRAINING } else { BROKEN }, Relaxed);
    }
    if mine {
        leave(s, acting - 1, me);
    }
    broadcast(off, s);
    released
}

/// The outcome for agent `me`, arrived at `index`, if the round is over: `Some(true)`
/// released, `Some(false)` broken (or taken out as dead). Leaves the barrier (as Python's
/// `_exit`).
pub fn try_leave(off: Barrier, index: u32, me: u32) -> Option<bool> {
    let s = state(off);
    let _g = lock(off);
    if !holds(s, index, me) {
        return Some(false);
    }
    let st = s.state.load(Relaxed);
    if st == FILLING || st == ACTING {
        return None;
    }
    leave(s, index, me);
    broadcast(off, s);
    Some(st == DRAINING)
}

/// A waiter whose time ran out breaks the round (Python) and leaves. True when the round was
/// released all the same (just before).
pub fn time_out(off: Barrier, index: u32, me: u32) -> bool {
    let s = state(off);
    let _g = lock(off);
    if matches!(s.state.load(Relaxed), FILLING | ACTING) {
        s.state.store(BROKEN, Relaxed);
    }
    let released = s.state.load(Relaxed) == DRAINING && holds(s, index, me);
    leave(s, index, me);
    broadcast(off, s);
    released
}

/// Blocks agent `me`, arrived at `index`, until the round is released (`Ok(())`), broken
/// (`Err(Error::Broken)`), or the deadline passes (which breaks it).
pub fn wait_released(
    off: Barrier,
    index: u32,
    me: u32,
    deadline: Deadline,
    interrupt: Interrupt,
) -> Result<()> {
    let s = state(off);
    let released = |yes: bool| if yes { Ok(()) } else { Err(Error::Broken) };
    loop {
        let seen = s.seq.load(Acquire);
        if let Some(yes) = try_leave(off, index, me) {
            return released(yes);
        }
        match park(&s.seq, seen, deadline, interrupt) {
            Parked::Woken => {}
            Parked::Slice => recover_if_due(off),
            Parked::TimedOut => return released(time_out(off, index, me)),
            Parked::Interrupted => {
                // The thread is ending: break the round so nobody waits for it forever.
                time_out(off, index, me);
                return Err(Error::Interrupted);
            }
        }
    }
}

/// An asynchronous waiter that is aborted while the round is still filling leaves it as if it
/// never came: its index is freed, `nWaiting` drops, the barrier stays whole. Returns false
/// when the round is already over (the waiter must then take its outcome).
pub fn withdraw(off: Barrier, index: u32, me: u32) -> bool {
    let s = state(off);
    let _g = lock(off);
    if s.state.load(Relaxed) != FILLING {
        return false;
    }
    leave(s, index, me);
    true
}

/// The thread of an asynchronous waiter is ending: it is taken out as a party that died is
/// (a filling round breaks, as it does for a blocked waiter whose thread is terminated).
pub fn abandon(off: Barrier, index: u32, me: u32) {
    let s = state(off);
    let _g = lock(off);
    if holds(s, index, me) {
        take_out(s, index);
    }
    broadcast(off, s);
}

pub fn abort(off: Barrier) {
    let s = state(off);
    let _g = lock(off);
    s.state.store(BROKEN, Relaxed);
    broadcast(off, s);
}

/// Python's `reset()`. Parties that died are taken out first, so that they do not hold the
/// next round closed.
pub fn reset(off: Barrier) {
    let s = state(off);
    let _g = lock(off);
    s.doomed.store(0, Relaxed);
    remove_the_dead(s);
    if s.count.load(Relaxed) > 0 {
        match s.state.load(Relaxed) {
            FILLING | BROKEN | ACTING => s.state.store(RESETTING, Relaxed),
            _ => {}
        }
    } else {
        open(s);
    }
    broadcast(off, s);
}

pub fn n_waiting(off: Barrier) -> u32 {
    let s = state(off);
    let _g = lock(off);
    match s.state.load(Relaxed) {
        FILLING => s.count.load(Relaxed),
        _ => 0,
    }
}

pub fn broken(off: Barrier) -> bool {
    state(off).state.load(Acquire) == BROKEN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::liveness::{end_agent, new_agent};
    use crate::core::park::deadline_after_ms;
    use std::time::{Duration, Instant};

    /// A whole wait of agent `me`, as the binding does it (the action does nothing).
    fn wait(b: Barrier, me: u32, deadline: Deadline) -> Result<u32> {
        match arrive(b, me, deadline, None)? {
            Arrival::Last(i) => {
                if finish_action(b, me, true) {
                    Ok(i)
                } else {
                    Err(Error::Broken)
                }
            }
            Arrival::Wait(i) => wait_released(b, i, me, deadline, None).map(|_| i),
        }
    }

    /// `wait` on a thread of its own, as a new agent.
    fn party(b: Barrier, ms: f64) -> std::thread::JoinHandle<Result<u32>> {
        std::thread::spawn(move || {
            let me = new_agent().unwrap();
            let r = wait(b, me, deadline_after_ms(ms));
            end_agent(me);
            r
        })
    }

    fn count(b: Barrier) -> u32 {
        state(b).count.load(SeqCst)
    }

    fn until(what: &str, f: impl Fn() -> bool) {
        let t0 = Instant::now();
        while !f() {
            assert!(t0.elapsed().as_secs() < 5, "{what}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn three_parties_get_distinct_indexes_over_rounds() {
        crate::core::start();
        let b = new(3, -1.0).unwrap();
        for _ in 0..3 {
            let ts: Vec<_> = (0..3).map(|_| party(b, -1.0)).collect();
            let mut idx: Vec<u32> = ts.into_iter().map(|t| t.join().unwrap().unwrap()).collect();
            idx.sort();
            assert_eq!(idx, vec![0, 1, 2]);
        }
        assert_eq!(n_waiting(b), 0);
        assert_eq!(count(b), 0);
        arena().release(b.index());
    }

    #[test]
    fn timeout_breaks_and_reset_repairs() {
        crate::core::start();
        let me = new_agent().unwrap();
        let b = new(2, -1.0).unwrap();
        assert_eq!(wait(b, me, deadline_after_ms(10.0)), Err(Error::Broken));
        assert!(broken(b));
        assert_eq!(wait(b, me, None), Err(Error::Broken));
        reset(b);
        assert!(!broken(b));
        let t = party(b, -1.0);
        assert!(wait(b, me, None).is_ok());
        assert!(t.join().unwrap().is_ok());
        arena().release(b.index());
        end_agent(me);
    }

    #[test]
    fn withdrawn_index_is_reused() {
        crate::core::start();
        let (x, y) = (new_agent().unwrap(), new_agent().unwrap());
        let b = new(3, -1.0).unwrap();
        assert_eq!(try_arrive(b, x), Some(Ok(Arrival::Wait(0))));
        assert_eq!(try_arrive(b, y), Some(Ok(Arrival::Wait(1))));
        assert!(withdraw(b, 0, x));
        assert_eq!(n_waiting(b), 1);
        assert_eq!(try_arrive(b, x), Some(Ok(Arrival::Wait(0))));
        assert_eq!(try_arrive(b, x), Some(Ok(Arrival::Last(2))));
        assert!(finish_action(b, x, true));
        assert_eq!(try_leave(b, 0, x), Some(true));
        assert_eq!(try_leave(b, 1, y), Some(true));
        assert_eq!(n_waiting(b), 0);
        assert_eq!(try_arrive(b, y), Some(Ok(Arrival::Wait(0))));
        abort(b);
        assert_eq!(try_leave(b, 0, y), Some(false));
        arena().release(b.index());
        end_agent(x);
        end_agent(y);
    }

    #[test]
    fn failed_action_breaks_the_round() {
        crate::core::start();
        let b = new(2, -1.0).unwrap();
        // The last arrival's action fails: it reports no release, the other waiter is broken.
        fn arrive_with_failing_action(b: Barrier) -> Result<()> {
            let me = new_agent().unwrap();
            let r = match arrive(b, me, None, None).unwrap() {
                Arrival::Wait(i) => wait_released(b, i, me, None, None),
                Arrival::Last(_) => {
                    assert!(!finish_action(b, me, false));
                    Ok(())
                }
            };
            end_agent(me);
            r
        }
        let t = std::thread::spawn(move || arrive_with_failing_action(b));
        let me = arrive_with_failing_action(b);
        let them = t.join().unwrap();
        assert!(me.is_err() || them.is_err());
        assert!(broken(b));
        arena().release(b.index());
    }

    #[test]
    fn a_party_that_died_while_the_round_fills_breaks_it() {
        crate::core::start();
        let b = new(3, -1.0).unwrap();
        let dead = new_agent().unwrap();
        assert_eq!(try_arrive(b, dead), Some(Ok(Arrival::Wait(0))));
        let waiting = party(b, 10_000.0);
        until("the live party arrived", || count(b) == 2);
        let t0 = Instant::now();
        end_agent(dead);
        assert_eq!(waiting.join().unwrap(), Err(Error::Broken));
        assert!(t0.elapsed() < Duration::from_secs(1), "found within slices");
        assert!(broken(b));
        assert_eq!(
            count(b),
            0,
            "the dead party was taken out, the live one left"
        );
        // reset() then works: a full set of live parties passes.
        reset(b);
        let ts: Vec<_> = (0..3).map(|_| party(b, 5000.0)).collect();
        for t in ts {
            assert!(t.join().unwrap().is_ok());
        }
        arena().release(b.index());
    }

    #[test]
    fn the_last_arrival_does_not_complete_a_round_with_a_dead_party() {
        crate::core::start();
        let me = new_agent().unwrap();
        let b = new(2, -1.0).unwrap();
        let dead = new_agent().unwrap();
        assert_eq!(try_arrive(b, dead), Some(Ok(Arrival::Wait(0))));
        end_agent(dead);
        assert_eq!(try_arrive(b, me), Some(Err(Error::Broken)));
        assert!(broken(b));
        assert_eq!(count(b), 0);
        arena().release(b.index());
        end_agent(me);
    }

    #[test]
    fn a_dead_actor_breaks_the_round_and_a_dead_waiter_of_a_complete_round_does_not() {
        crate::core::start();
        let me = new_agent().unwrap();
        let b = new(2, -1.0).unwrap();
        let actor = new_agent().unwrap();
        assert_eq!(try_arrive(b, me), Some(Ok(Arrival::Wait(0))));
        assert_eq!(try_arrive(b, actor), Some(Ok(Arrival::Last(1))));
        end_agent(actor);
        let t0 = Instant::now();
        assert_eq!(
            wait_released(b, 0, me, deadline_after_ms(5000.0), None),
            Err(Error::Broken)
        );
        assert!(t0.elapsed() < Duration::from_secs(1));
        assert_eq!(count(b), 0);
        reset(b);
        // A waiter dies after the round completed: the round is released all the same.
        let waiter = new_agent().unwrap();
        assert_eq!(try_arrive(b, waiter), Some(Ok(Arrival::Wait(0))));
        assert_eq!(try_arrive(b, me), Some(Ok(Arrival::Last(1))));
        end_agent(waiter);
        recover_now(b);
        assert!(!broken(b));
        assert!(finish_action(b, me, true));
        assert_eq!(count(b), 0, "the round drained without the dead waiter");
        assert_eq!(
            try_arrive(b, me),
            Some(Ok(Arrival::Wait(0))),
            "the next round opened"
        );
        arena().release(b.index());
        end_agent(me);
    }

    /// Runs the dead-party scan now, whatever the ticket says.
    fn recover_now(b: Barrier) {
        state(b).scanned.store(0, SeqCst);
        recover_if_due(b);
    }

    #[test]
    fn a_dead_party_of_a_draining_round_does_not_keep_the_next_one_closed() {
        crate::core::start();
        let me = new_agent().unwrap();
        let b = new(2, -1.0).unwrap();
        let dead = new_agent().unwrap();
        assert_eq!(try_arrive(b, dead), Some(Ok(Arrival::Wait(0))));
        assert_eq!(try_arrive(b, me), Some(Ok(Arrival::Last(1))));
        assert!(finish_action(b, me, true));
        end_agent(dead); // released, but it never leaves
        let next = party(b, 5000.0);
        let t0 = Instant::now();
        assert_eq!(wait(b, me, deadline_after_ms(5000.0)).map(|_| ()), Ok(()));
        assert!(next.join().unwrap().is_ok());
        assert!(t0.elapsed() < Duration::from_secs(1));
        arena().release(b.index());
        end_agent(me);
    }

    #[test]
    fn abort_and_reset_with_a_dead_party_then_timed_waits_end_by_their_deadline() {
        crate::core::start();
        let me = new_agent().unwrap();
        let b = new(3, -1.0).unwrap();
        let dead = new_agent().unwrap();
        assert_eq!(try_arrive(b, dead), Some(Ok(Arrival::Wait(0))));
        end_agent(dead);
        abort(b);
        reset(b);
        assert!(!broken(b));
        let t0 = Instant::now();
        assert_eq!(wait(b, me, deadline_after_ms(200.0)), Err(Error::Broken));
        let took = t0.elapsed();
        assert!(
            took >= Duration::from_millis(195) && took < Duration::from_millis(400),
            "{took:?}"
        );
        reset(b);
        let ts: Vec<_> = (0..3).map(|_| party(b, 5000.0)).collect();
        for t in ts {
            assert!(t.join().unwrap().is_ok());
        }
        arena().release(b.index());
        end_agent(me);
    }

    #[test]
    fn a_wait_that_times_out_before_it_can_arrive_breaks_the_round_it_waited_for() {
        crate::core::start();
        let (me, other, actor) = (
            new_agent().unwrap(),
            new_agent().unwrap(),
            new_agent().unwrap(),
        );
        let b = new(2, -1.0).unwrap();
        assert_eq!(try_arrive(b, other), Some(Ok(Arrival::Wait(0))));
        assert_eq!(try_arrive(b, actor), Some(Ok(Arrival::Last(1))));
        // The action runs: a third wait cannot arrive, and its time runs out.
        let t0 = Instant::now();
        assert_eq!(
            arrive(b, me, deadline_after_ms(30.0), None),
            Err(Error::Broken)
        );
        assert!(t0.elapsed() < Duration::from_millis(200));
        assert!(!broken(b), "the round that is acting is left alone");
        assert!(finish_action(b, actor, true));
        assert_eq!(try_leave(b, 0, other), Some(true));
        assert!(broken(b), "the next round opened broken");
        reset(b);
        assert!(!broken(b));
        arena().release(b.index());
        for a in [me, other, actor] {
            end_agent(a);
        }
    }

    #[test]
    fn counters_left_half_changed_by_a_killed_holder_are_recounted() {
        crate::core::start();
        let me = new_agent().unwrap();
        let tag = crate::core::liveness::dead_process_tag();
        let b = new(3, -1.0).unwrap();
        let s = state(b);
        assert_eq!(try_arrive(b, me), Some(Ok(Arrival::Wait(0))));
        // Killed in the middle of an arrival: its index recorded, `count` not yet raised.
        arrivals(s)[1].store(me, SeqCst);
        s.mutex.store(crate::core::raw_mutex::held_by(tag), SeqCst);
        assert_eq!(n_waiting(b), 2, "recounted from the arrivals");
        assert_eq!(s.high.load(SeqCst), 2);
        assert_eq!(try_arrive(b, me), Some(Ok(Arrival::Last(2))));
        assert!(finish_action(b, me, true));
        assert_eq!(try_leave(b, 0, me), Some(true));
        assert_eq!(try_leave(b, 1, me), Some(true));
        assert_eq!(count(b), 0);
        // Killed while leaving a draining round: index freed, `count` not yet lowered.
        let ts: Vec<_> = (0..2).map(|_| party(b, 5000.0)).collect();
        until("two parties wait", || n_waiting(b) == 2);
        assert_eq!(try_arrive(b, me), Some(Ok(Arrival::Last(2))));
        assert!(finish_action(b, me, true));
        for t in ts {
            assert!(t.join().unwrap().is_ok());
        }
        assert_eq!(try_arrive(b, me), Some(Ok(Arrival::Wait(0))));
        assert!(withdraw(b, 0, me));
        s.count.store(1, SeqCst);
        s.state.store(DRAINING, SeqCst);
        s.mutex.store(crate::core::raw_mutex::held_by(tag), SeqCst);
        assert!(!broken(b));
        assert_eq!(
            try_arrive(b, me),
            Some(Ok(Arrival::Wait(0))),
            "the round opened"
        );
        arena().release(b.index());
        end_agent(me);
    }
}
