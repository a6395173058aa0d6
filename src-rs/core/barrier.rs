//! Barrier, with Python's state machine (filling, draining, resetting, broken) plus one state
//! of ours, `ACTING`, while the last thread to arrive runs its JavaScript action without
//! holding the internal mutex. Every change bumps `seq`, the futex word all waiters sleep on.
//! Arrival indexes come from a bitmap so that an aborted asynchronous waiter frees its index
//! and no two waiters of a round share one.

use super::arena::{arena, Arena, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::park::{park, Deadline, Interrupt, Parked};
use super::raw_mutex::Guard;
use super::ring;
use crate::layout::limit;
use crate::sys::futex_wake;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering::*};

const FILLING: i32 = 0;
const DRAINING: i32 = 1;
const ACTING: i32 = 2;
const RESETTING: i32 = -1;
const BROKEN: i32 = -2;

pub type Barrier = Handle<handle::Barrier>;
type Bitmap = Handle<handle::Bitmap>;

/// Bitmaps are one arena block; this bounds the number of parties.
pub const MAX_PARTIES: u32 = limit::BARRIER_PARTIES;

#[repr(C)]
pub struct BarrierState {
    mutex: AtomicU32,
    seq: AtomicU32,
    pub parties: AtomicU32,
    count: AtomicU32,
    state: AtomicI32,
    bitmap: AtomicU32,
    /// Indexes freed by aborted waiters this round; 0 means "next index = count".
    holes: AtomicU32,
    _pad: AtomicU32,
    /// The default timeout in milliseconds as f64 bits; negative means none.
    pub timeout: AtomicU64,
}

pub fn new(parties: u32, default_timeout_ms: f64) -> Result<Barrier> {
    let a = arena();
    let bitmap = a.alloc(Kind::Bitmap, (parties as usize).div_ceil(32) * 4)?;
    let off = match a.alloc(Kind::Barrier, std::mem::size_of::<BarrierState>()) {
        Ok(off) => Handle::trusted(off),
        Err(e) => {
            a.release(bitmap);
            return Err(e);
        }
    };
    let s = state(off);
    s.parties.store(parties, Relaxed);
    s.bitmap.store(bitmap, Relaxed);
    s.timeout.store(default_timeout_ms.to_bits(), Release);
    Ok(off)
}

pub(crate) fn drop_barrier(a: &Arena, off: Barrier) {
    a.release(state(off).bitmap.load(Acquire));
}

pub fn state(off: Barrier) -> &'static BarrierState {
    // SAFETY: a Barrier handle names a Barrier block, whose body is a BarrierState.
    unsafe { off.body::<BarrierState>() }
}

fn bits(s: &BarrierState) -> &'static [AtomicU32] {
    let words = (s.parties.load(Relaxed) as usize).div_ceil(32);
    let bitmap: Bitmap = Handle::trusted(s.bitmap.load(Relaxed));
    // SAFETY: the bitmap block was allocated with `words` u32s of body; atomics only.
    unsafe { std::slice::from_raw_parts(bitmap.body::<AtomicU32>(), words) }
}

pub fn default_timeout_ms(off: Barrier) -> f64 {
    f64::from_bits(state(off).timeout.load(Acquire))
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

/// One attempt to arrive: `None` while the barrier is draining, resetting or acting (wait for
/// `seq` to change), `Err(Error::Broken)` when broken.
pub fn try_arrive(off: Barrier) -> Option<Result<Arrival>> {
    let s = state(off);
    let _g = Guard::new(&s.mutex);
    match s.state.load(Relaxed) {
        DRAINING | RESETTING | ACTING => None,
        BROKEN => Some(Err(Error::Broken)),
        _ => {
            let index = take_index(s);
            let count = s.count.fetch_add(1, Relaxed) + 1;
            if count == s.parties.load(Relaxed) {
                s.state.store(ACTING, Relaxed);
                Some(Ok(Arrival::Last(index)))
            } else {
                Some(Ok(Arrival::Wait(index)))
            }
        }
    }
}

fn take_index(s: &BarrierState) -> u32 {
    let bits = bits(s);
    let index = if s.holes.load(Relaxed) == 0 {
        s.count.load(Relaxed)
    } else {
        s.holes.fetch_sub(1, Relaxed);
        let (w, word) = bits
            .iter()
            .enumerate()
            .find(|(_, w)| w.load(Relaxed) != u32::MAX)
            .expect("a free index");
        w as u32 * 32 + (!word.load(Relaxed)).trailing_zeros()
    };
    bits[index as usize / 32].fetch_or(1 << (index % 32), Relaxed);
    index
}

/// Blocks while the barrier drains or resets, then arrives (`Err(Error::Broken)` when
/// broken).
pub fn arrive(off: Barrier, interrupt: Interrupt) -> Result<Arrival> {
    let s = state(off);
    loop {
        let seen = s.seq.load(Acquire);
        if let Some(r) = try_arrive(off) {
            return r;
        }
        if park(&s.seq, seen, None, interrupt) == Parked::Interrupted {
            return Err(Error::Interrupted);
        }
    }
}

/// After the last arrival ran its action: release the round (`ok`) or break the barrier.
/// Returns false when the barrier was broken meanwhile (abort, a waiter's timeout).
pub fn finish_action(off: Barrier, ok: bool) -> bool {
    let s = state(off);
    let _g = Guard::new(&s.mutex);
    let released = s.state.load(Relaxed) == ACTING && ok;
    if s.state.load(Relaxed) == ACTING {
        s.state.store(if ok { DRAINING } else { BROKEN }, Relaxed);
    }
    exit(s);
    broadcast(off, s);
    released
}

/// A waiter leaves: the last one out of a draining or resetting round opens the next.
fn exit(s: &BarrierState) {
    let count = s.count.fetch_sub(1, Relaxed) - 1;
    if count == 0 && matches!(s.state.load(Relaxed), DRAINING | RESETTING) {
        s.state.store(FILLING, Relaxed);
        s.holes.store(0, Relaxed);
        for w in bits(s) {
            w.store(0, Relaxed);
        }
    }
}

/// The outcome for an arrived waiter, if the round is over: `Some(true)` released,
/// `Some(false)` broken. Leaves the barrier (as Python's `_exit`).
pub fn try_leave(off: Barrier) -> Option<bool> {
    let s = state(off);
    let _g = Guard::new(&s.mutex);
    let st = s.state.load(Relaxed);
    if st == FILLING || st == ACTING {
        return None;
    }
    exit(s);
    broadcast(off, s);
    Some(st == DRAINING)
}

/// A waiter whose time ran out breaks the barrier (Python) and leaves.
pub fn time_out(off: Barrier) -> bool {
    let s = state(off);
    {
        let _g = Guard::new(&s.mutex);
        if s.state.load(Relaxed) == FILLING || s.state.load(Relaxed) == ACTING {
            s.state.store(BROKEN, Relaxed);
        }
    }
    try_leave(off).expect("the round is over")
}

/// An asynchronous waiter that is aborted while the round is still filling leaves it as if it
/// never came: its index is freed, `nWaiting` drops, the barrier stays whole. Returns false
/// when the round is already over (the waiter must then take its outcome).
pub fn withdraw(off: Barrier, index: u32) -> bool {
    let s = state(off);
    let _g = Guard::new(&s.mutex);
    if s.state.load(Relaxed) != FILLING {
        return false;
    }
    bits(s)[index as usize / 32].fetch_and(!(1 << (index % 32)), Relaxed);
    s.holes.fetch_add(1, Relaxed);
    s.count.fetch_sub(1, Relaxed);
    true
}

/// Blocks until the round is released (`Ok(())`), broken (`Err(Error::Broken)`), or the
/// deadline passes (which breaks it).
pub fn wait_released(off: Barrier, deadline: Deadline, interrupt: Interrupt) -> Result<()> {
    let s = state(off);
    let released = |yes: bool| if yes { Ok(()) } else { Err(Error::Broken) };
    loop {
        let seen = s.seq.load(Acquire);
        if let Some(yes) = try_leave(off) {
            return released(yes);
        }
        match park(&s.seq, seen, deadline, interrupt) {
            Parked::Woken | Parked::Slice => {}
            Parked::TimedOut => return released(time_out(off)),
            Parked::Interrupted => {
                // The thread is ending: break the round so nobody waits for it forever.
                time_out(off);
                return Err(Error::Interrupted);
            }
        }
    }
}

pub fn abort(off: Barrier) {
    let s = state(off);
    let _g = Guard::new(&s.mutex);
    s.state.store(BROKEN, Relaxed);
    broadcast(off, s);
}

pub fn reset(off: Barrier) {
    let s = state(off);
    let _g = Guard::new(&s.mutex);
    if s.count.load(Relaxed) > 0 {
        match s.state.load(Relaxed) {
            FILLING | BROKEN | ACTING => s.state.store(RESETTING, Relaxed),
            _ => {}
        }
    } else {
        s.state.store(FILLING, Relaxed);
    }
    broadcast(off, s);
}

pub fn n_waiting(off: Barrier) -> u32 {
    let s = state(off);
    let _g = Guard::new(&s.mutex);
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
    use crate::core::park::deadline_after_ms;

    fn wait(b: Barrier, deadline: Deadline) -> Result<u32> {
        match arrive(b, None)? {
            Arrival::Last(i) => {
                assert!(finish_action(b, true));
                Ok(i)
            }
            Arrival::Wait(i) => wait_released(b, deadline, None).map(|_| i),
        }
    }

    #[test]
    fn three_parties_get_distinct_indexes_over_rounds() {
        crate::core::start();
        let b = new(3, -1.0).unwrap();
        for _ in 0..3 {
            let ts: Vec<_> = (0..3)
                .map(|_| std::thread::spawn(move || wait(b, None).unwrap()))
                .collect();
            let mut idx: Vec<u32> = ts.into_iter().map(|t| t.join().unwrap()).collect();
            idx.sort();
            assert_eq!(idx, vec![0, 1, 2]);
        }
        assert_eq!(n_waiting(b), 0);
        arena().release(b.index());
    }

    #[test]
    fn timeout_breaks_and_reset_repairs() {
        crate::core::start();
        let b = new(2, -1.0).unwrap();
        assert_eq!(wait(b, deadline_after_ms(10.0)), Err(Error::Broken));
        assert!(broken(b));
        assert_eq!(wait(b, None), Err(Error::Broken));
        reset(b);
        assert!(!broken(b));
        let t = std::thread::spawn(move || wait(b, None));
        assert!(wait(b, None).is_ok());
        assert!(t.join().unwrap().is_ok());
        arena().release(b.index());
    }

    #[test]
    fn withdrawn_index_is_reused() {
        crate::core::start();
        let b = new(3, -1.0).unwrap();
        assert_eq!(try_arrive(b), Some(Ok(Arrival::Wait(0))));
        assert_eq!(try_arrive(b), Some(Ok(Arrival::Wait(1))));
        assert!(withdraw(b, 0));
        assert_eq!(n_waiting(b), 1);
        assert_eq!(try_arrive(b), Some(Ok(Arrival::Wait(0))));
        assert_eq!(try_arrive(b), Some(Ok(Arrival::Last(2))));
        assert!(finish_action(b, true));
        assert_eq!(try_leave(b), Some(true));
        assert_eq!(try_leave(b), Some(true));
        assert_eq!(n_waiting(b), 0);
        assert_eq!(try_arrive(b), Some(Ok(Arrival::Wait(0))));
        abort(b);
        assert_eq!(try_leave(b), Some(false));
        arena().release(b.index());
    }

    #[test]
    fn failed_action_breaks_the_round() {
        crate::core::start();
        let b = new(2, -1.0).unwrap();
        // The last arrival's action fails: it reports no release, the other waiter is broken.
        fn arrive_with_failing_action(b: Barrier) -> Result<()> {
            match arrive(b, None).unwrap() {
                Arrival::Wait(_) => wait_released(b, None, None),
                Arrival::Last(_) => {
                    assert!(!finish_action(b, false));
                    Ok(())
                }
            }
        }
        let t = std::thread::spawn(move || arrive_with_failing_action(b));
        let me = arrive_with_failing_action(b);
        let them = t.join().unwrap();
        assert!(me.is_err() || them.is_err());
        assert!(broken(b));
        arena().release(b.index());
    }
}
