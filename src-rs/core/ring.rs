//! Waking asynchronous waiters: every process that maps the arena has a mailbox (a slot in the
//! arena's process table). A state change on a block with asynchronous waiters posts the
//! block's index to the mailbox of every process with pending waiters and bumps its bell, a
//! futex word its dispatcher thread sleeps on.

use super::arena::{arena, BlockIndex, ProcSlot};
use crate::sys::futex_wake;
use std::sync::atomic::Ordering::*;
use std::sync::OnceLock;

/// Rechecks this process's asynchronous waiters on a block, on the calling thread; false when
/// it cannot now (the block must then be posted to the dispatcher). Registered at start-up by
/// the engine of asynchronous waits (a higher layer).
pub type RecheckHook = fn(BlockIndex) -> bool;
static RECHECK_HOOK: OnceLock<RecheckHook> = OnceLock::new();

/// Registers the recheck hook (once per process; later calls are ignored).
pub fn set_recheck_hook(hook: RecheckHook) {
    let _ = RECHECK_HOOK.set(hook);
}

/// Call after a state change of block `off` that may satisfy asynchronous waiters.
/// SeqCst pairs with the waiter's registration (`async_waiters` then re-check of the state).
pub fn ring(off: BlockIndex) {
    ring_from(off, false);
}

/// Rings that the calling thread may serve itself (its own process's waiters get their
/// outcome without the dispatcher's wake-up), but only once it holds nothing a waiter's step
/// could wait for. A core function that changes a block records its ring here through
/// `&mut`, so it cannot run it; the caller that made the list runs it with `run_here` after
/// that function returned, when none of the core's internal locks is held. Dropped without
/// `run_here`, it rings the ordinary way (through the dispatcher).
#[must_use = "run_here() once no internal lock is held; dropping it rings through the dispatcher"]
#[derive(Default)]
pub struct LocalRings {
    pending: Option<BlockIndex>,
}

impl LocalRings {
    pub fn new() -> LocalRings {
        LocalRings { pending: None }
    }

    /// Records that block `off` changed (a second block rings the first at once).
    pub fn add(&mut self, off: BlockIndex) {
        if let Some(before) = self.pending.replace(off) {
            if before != off {
                ring(before);
            }
        }
    }

    /// Rings what was recorded, serving this process's waiters on the calling thread when the
    /// engine is free.
    pub fn run_here(mut self) {
        if let Some(off) = self.pending.take() {
            ring_from(off, true);
        }
    }
}

impl Drop for LocalRings {
    fn drop(&mut self) {
        if let Some(off) = self.pending.take() {
            ring(off);
        }
    }
}

fn ring_from(off: BlockIndex, here: bool) {
    let a = arena();
    if a.header_of(off).async_waiters.load(SeqCst) == 0 {
        return;
    }
    let own = if here {
        super::liveness::claim_own_slot()
    } else {
        None
    };
    let recheck = RECHECK_HOOK.get();
    for slot in a.procs_in_use() {
        if slot.pid() != 0 && slot.active.load(SeqCst) > 0 {
            if own.is_some_and(|o| std::ptr::eq(o, slot)) && recheck.is_some_and(|f| f(off)) {
                continue;
            }
            post(slot, off);
        }
    }
}

/// Puts `off` in `slot`'s mailbox (or flags an overflow) and wakes its dispatcher.
pub fn post(slot: &ProcSlot, off: BlockIndex) {
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

/// Empties the mailbox: the dirty indexes, and whether it overflowed (recheck everything).
pub fn drain(slot: &ProcSlot, into: &mut Vec<BlockIndex>) -> bool {
    for e in &slot.dirty {
        let v = e.swap(0, AcqRel);
        if v != 0 {
            into.push(v);
        }
    }
    slot.overflow.swap(0, AcqRel) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::liveness::claim_own_slot;

    #[test]
    fn a_full_process_table_is_a_refusal_not_a_panic() {
        crate::core::start();
        assert!(claim_own_slot().is_some());
        let a = arena();
        let me = crate::sys::pid();
        let taken: Vec<usize> = std::iter::from_fn(|| a.claim_proc_slot(me)).collect();
        assert!(
            a.claim_proc_slot(me).is_none(),
            "every slot is held by a live process"
        );
        assert!(
            claim_own_slot().is_some(),
            "this process keeps the one it has"
        );
        for i in taken {
            a.release_proc_slot(i, me);
        }
        let i = a
            .claim_proc_slot(me)
            .expect("room again once slots are given back");
        a.release_proc_slot(i, me);
    }
}
