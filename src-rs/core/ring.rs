//! Waking asynchronous waiters: every process that maps the arena has a mailbox (a slot in the
//! arena's process table). A state change on a block with asynchronous waiters posts the
//! block's offset to the mailbox of every process with pending waiters and bumps its bell, a
//! futex word its dispatcher thread sleeps on.

use super::arena::{arena, Off, ProcSlot};
use crate::sys::futex_wake;
use std::sync::atomic::Ordering::*;
use std::sync::OnceLock;

static SLOT: OnceLock<usize> = OnceLock::new();

/// This process's slot in the process table, claimed on first use.
pub fn own_slot() -> &'static ProcSlot {
    let i = *SLOT.get_or_init(|| {
        arena()
            .claim_proc_slot(crate::sys::pid())
            .expect("native-threading: too many processes share one arena")
    });
    &arena().procs()[i]
}

/// Gives this process's slot back, if it claimed one (at exit: waits end with the process).
pub fn release_own_slot() {
    if let Some(&i) = SLOT.get() {
        arena().release_proc_slot(i, crate::sys::pid());
    }
}

/// Call after a state change of block `off` that may satisfy asynchronous waiters.
/// SeqCst pairs with the waiter's registration (`async_waiters` then re-check of the state).
pub fn ring(off: Off) {
    ring_from(off, false);
}

/// `ring`, serving this process's own waiters on the calling thread when the engine is free
/// (one thread wake-up fewer than through the dispatcher). Only for callers that hold nothing
/// a waiter's step could wait for: a queue after its change is complete, not a barrier or a
/// condition in the middle of theirs.
pub fn ring_here(off: Off) {
    ring_from(off, true);
}

fn ring_from(off: Off, here: bool) {
    let a = arena();
    if a.header_of(off).async_waiters.load(SeqCst) == 0 {
        return;
    }
    let own = if here {
        SLOT.get().map(|&i| &a.procs()[i])
    } else {
        None
    };
    for slot in a.procs_in_use() {
        if slot.pid.load(Relaxed) != 0 && slot.active.load(SeqCst) > 0 {
            if own.is_some_and(|o| std::ptr::eq(o, slot)) && super::async_wait::recheck_here(off) {
                continue;
            }
            post(slot, off);
        }
    }
}

/// Puts `off` in `slot`'s mailbox (or flags an overflow) and wakes its dispatcher.
pub fn post(slot: &ProcSlot, off: Off) {
    let mut placed = false;
    for e in &slot.dirty {
        let v = e.load(Relaxed);
        if v == off {
            placed = true;
            break;
        }
        if v == 0 && e.compare_exchange(0, off, AcqRel, Relaxed).is_ok() {
            placed = true;
            break;
        }
    }
    if !placed {
        slot.overflow.store(1, Release);
    }
    bell(slot);
}

pub fn bell(slot: &ProcSlot) {
    slot.bell.fetch_add(1, Release);
    futex_wake(&slot.bell, 1);
}

/// Empties the mailbox: the dirty offsets, and whether it overflowed (recheck everything).
pub fn drain(slot: &ProcSlot, into: &mut Vec<Off>) -> bool {
    for e in &slot.dirty {
        let v = e.swap(0, AcqRel);
        if v != 0 {
            into.push(v);
        }
    }
    slot.overflow.swap(0, AcqRel) != 0
}
