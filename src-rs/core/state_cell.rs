//! The state of a SharedDict or SharedList: one serialized value that every call reads whole
//! and a call that changes it replaces whole, so that a holder killed at any instruction
//! leaves the old value or the new one, never half of either.
//!
//! A cell's body (`layout::state_cell_word`): `holder`, the agent id of the thread in a call
//! (0: none); `waiters`, the blocked ones; `state`, the current **state block**; `format`,
//! what the value is (the JavaScript class), written once at creation. A state block is a
//! byte payload (`bytes`) written before it is published and never changed after: the count
//! of the references it holds (one to each shared primitive stored in the value), those
//! references, then the value's bytes.
//!
//! A call enters (takes `holder`), reads the current state without consuming anything, and,
//! if it changed the value, commits: it writes a new state block, publishes it with one
//! atomic swap of `state` (the commit point), leaves, and frees the old block (which gives
//! its references back). A holder that dies (its thread ended, its process was killed) wakes
//! nobody: a waiter checks it between the slices of its sleep and takes `holder` over once it
//! is gone. A death before the swap leaves the old state, after it the new one; a block the
//! dead holder had made and not yet published, or replaced and not yet freed, stays allocated
//! with the primitives it holds (a leak of one state), never freed twice.

use super::arena::{arena, BlockIndex, Kind};
use super::bytes::{self, Bytes};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::liveness;
use super::park::{park, Interrupt, Parked};
use crate::layout::state_cell_word;
use crate::sys::futex_wake;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU32, Ordering::*};

pub type StateCell = Handle<handle::StateCell>;

#[repr(C)]
struct CellBody {
    holder: AtomicU32,
    waiters: AtomicU32,
    state: AtomicU32,
    format: AtomicU32,
}
const _: () = assert!(offset_of!(CellBody, holder) == state_cell_word::HOLDER * 4);
const _: () = assert!(offset_of!(CellBody, waiters) == state_cell_word::WAITERS * 4);
const _: () = assert!(offset_of!(CellBody, state) == state_cell_word::STATE * 4);
const _: () = assert!(offset_of!(CellBody, format) == state_cell_word::FORMAT * 4);

fn body(c: StateCell) -> &'static CellBody {
    // SAFETY: a StateCell handle names a StateCell block, whose body is a CellBody.
    unsafe { c.body::<CellBody>() }
}

const WORD: usize = 4;

/// A state block holding `value` and the references `refs`, which it takes over (they are
/// released if the block cannot be made).
fn new_state(value: &[u8], refs: &[BlockIndex]) -> Result<Bytes> {
    let head = WORD * (1 + refs.len());
    let Some((block, data)) = bytes::new(0, head + value.len()) else {
        release_all(refs);
        return Err(Error::NoMemory);
    };
    data[..WORD].copy_from_slice(&(refs.len() as u32).to_le_bytes());
    for (slot, r) in data[WORD..head].chunks_exact_mut(WORD).zip(refs) {
        slot.copy_from_slice(&r.to_le_bytes());
    }
    data[head..].copy_from_slice(value);
    Ok(block)
}

/// A state block's references and value.
fn parts(block: Bytes) -> (impl Iterator<Item = BlockIndex>, &'static [u8]) {
    let (_, data) = bytes::read(block);
    let word = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or_default());
    let head = WORD * (1 + word(&data[..WORD]) as usize);
    (data[WORD..head].chunks_exact(WORD).map(word), &data[head..])
}

/// Frees a state block that nobody can reach any more, and gives back its references.
fn free_state(block: Bytes) {
    let a = arena();
    for r in parts(block).0 {
        a.release(r);
    }
    a.release(block.index());
}

fn release_all(refs: &[BlockIndex]) {
    for &r in refs {
        arena().release(r);
    }
}

/// A new cell of `format` holding `value`, which owns `refs` (taken over whatever happens).
pub fn new(format: u32, value: &[u8], refs: &[BlockIndex]) -> Result<StateCell> {
    let state = new_state(value, refs)?;
    let cell = match arena().alloc(Kind::StateCell, std::mem::size_of::<CellBody>()) {
        Ok(c) => Handle::trusted(c),
        Err(e) => {
            free_state(state);
            return Err(e);
        }
    };
    let b = body(cell);
    b.format.store(format, Relaxed);
    b.state.store(state.index(), Release);
    Ok(cell)
}

pub fn format(c: StateCell) -> u32 {
    body(c).format.load(Acquire)
}

/// Blocks until the thread of agent `me` holds the cell; takes it over from a holder that
/// ended. `Reentered` when `me` holds it already, `Interrupted` when the thread is being
/// terminated.
pub fn enter(c: StateCell, me: u32, interrupt: Interrupt) -> Result<()> {
    let b = body(c);
    match b.holder.compare_exchange(0, me, Acquire, Relaxed) {
        Ok(_) => return Ok(()),
        Err(h) if h == me => return Err(Error::Reentered),
        Err(_) => {}
    }
    b.waiters.fetch_add(1, SeqCst);
    let entered = loop {
        let h = b.holder.load(SeqCst);
        if h == 0 {
            if b.holder.compare_exchange(0, me, SeqCst, Relaxed).is_ok() {
                break Ok(());
            }
            continue;
        }
        match park(&b.holder, h, None, interrupt) {
            Parked::Woken | Parked::TimedOut => {}
            // The state is whole at every instant, so a dead holder's cell is simply taken.
            Parked::Slice => {
                if !liveness::agent_alive(h)
                    && b.holder.compare_exchange(h, me, SeqCst, Relaxed).is_ok()
                {
                    break Ok(());
                }
            }
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    b.waiters.fetch_sub(1, SeqCst);
    entered
}

/// The current value (for the holder: valid until it commits or leaves).
pub fn value(c: StateCell) -> &'static [u8] {
    parts(Handle::trusted(body(c).state.load(Acquire))).1
}

/// Replaces the value with `value`, which owns `refs` (taken over whatever happens), and
/// leaves. `NotOwned` (nothing changed) when `me` does not hold the cell; `NoMemory` (nothing
/// changed, the cell still held) when the new state block cannot be made.
pub fn commit(c: StateCell, me: u32, value: &[u8], refs: &[BlockIndex]) -> Result<()> {
    let b = body(c);
    if b.holder.load(Relaxed) != me {
        release_all(refs);
        return Err(Error::NotOwned);
    }
    let new = new_state(value, refs)?;
    let old: Bytes = Handle::trusted(b.state.swap(new.index(), AcqRel));
    unlock(c);
    // Nobody can reach the old block any more: freed outside the cell.
    free_state(old);
    Ok(())
}

/// Leaves without changing the value. `NotOwned` when `me` does not hold the cell.
pub fn leave(c: StateCell, me: u32) -> Result<()> {
    if body(c).holder.load(Relaxed) != me {
        return Err(Error::NotOwned);
    }
    unlock(c);
    Ok(())
}

fn unlock(c: StateCell) {
    body(c).holder.store(0, SeqCst);
    wake(c);
}

/// Wakes one waiter after the cell was freed (also the tail of a JavaScript leave that saw
/// waiters: it must not store `holder` again, since another thread may hold the cell by now).
pub fn wake(c: StateCell) {
    let b = body(c);
    if b.waiters.load(SeqCst) > 0 {
        futex_wake(&b.holder, 1);
    }
}

/// The cell's last reference went: its state goes with it.
pub(crate) fn drop_state_cell(c: StateCell) {
    let state = body(c).state.swap(0, AcqRel);
    if state != 0 {
        free_state(Handle::trusted(state));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::liveness::{end_agent, new_agent};

    fn new_lock() -> BlockIndex {
        arena().alloc(Kind::Lock, 4).unwrap()
    }

    #[test]
    fn a_commit_replaces_the_value_and_moves_the_references() {
        crate::core::start();
        let a = arena();
        let (x, y) = (new_lock(), new_lock());
        a.retain(x);
        let c = new(7, b"first", &[x]).unwrap();
        assert_eq!((format(c), value(c)), (7, &b"first"[..]));
        assert_eq!(a.refs(x), 2, "the state holds one reference");
        let me = new_agent().unwrap();
        enter(c, me, None).unwrap();
        assert_eq!(enter(c, me, None), Err(Error::Reentered));
        a.retain(y);
        commit(c, me, b"second", &[y]).unwrap();
        assert_eq!(value(c), b"second");
        assert_eq!(
            (a.refs(x), a.refs(y)),
            (1, 2),
            "the old state gave its reference back"
        );
        assert_eq!(leave(c, me), Err(Error::NotOwned));
        a.release(c.index());
        assert_eq!(a.refs(y), 1, "the cell's state went with it");
        a.release(x);
        a.release(y);
        end_agent(me);
    }

    #[test]
    fn a_cell_held_by_an_ended_thread_is_taken_over_with_its_last_committed_value() {
        crate::core::start();
        let c = new(0, b"kept", &[]).unwrap();
        let dead = new_agent().unwrap();
        enter(c, dead, None).unwrap();
        end_agent(dead);
        let me = new_agent().unwrap();
        let t0 = std::time::Instant::now();
        enter(c, me, None).unwrap();
        assert!(t0.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(value(c), b"kept");
        leave(c, me).unwrap();
        arena().release(c.index());
        end_agent(me);
    }

    #[test]
    fn threads_exclude_each_other() {
        crate::core::start();
        let c = new(0, &0u64.to_le_bytes(), &[]).unwrap();
        let ts: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    let me = new_agent().unwrap();
                    for _ in 0..2_000 {
                        enter(c, me, None).unwrap();
                        let n = u64::from_le_bytes(value(c).try_into().unwrap());
                        commit(c, me, &(n + 1).to_le_bytes(), &[]).unwrap();
                    }
                    end_agent(me);
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(value(c), 8_000u64.to_le_bytes());
        arena().release(c.index());
    }
}
