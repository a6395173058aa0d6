//! Value and SharedArray storage: raw bytes in the arena, plus the lock that guards them (kept
//! alive by the block, like a Condition's lock).

use super::arena::{arena, Arena, Kind, Off};
use std::sync::atomic::{AtomicU32, Ordering::*};

#[repr(C)]
pub struct SharedHeader {
    /// The guarding Lock or RLock block, 0 for none.
    pub lock: AtomicU32,
    pub lock_kind: AtomicU32,
    pub byte_length: AtomicU32,
    _pad: AtomicU32,
}
/// The data starts this many bytes into the body (16: aligned for every element type).
pub const DATA: usize = std::mem::size_of::<SharedHeader>();

/// `byte_length` zeroed bytes guarded by `lock` (0 for none).
pub fn new(byte_length: u32, lock: Off, lock_kind: Kind) -> Off {
    let a = arena();
    if lock != 0 {
        a.retain(lock);
    }
    let off = a.alloc(Kind::Shared, DATA + byte_length as usize);
    let h = header(off);
    h.lock.store(lock, Relaxed);
    h.lock_kind.store(lock_kind as u32, Relaxed);
    h.byte_length.store(byte_length, Release);
    off
}

pub fn header(off: Off) -> &'static SharedHeader {
    // SAFETY: callers pass offsets of Shared blocks (checked at the binding edge).
    unsafe { arena().body::<SharedHeader>(off) }
}

/// The first data byte and the length.
pub fn data(off: Off) -> (*mut u8, usize) {
    // SAFETY: the block holds DATA + byte_length bytes of body.
    (
        unsafe { arena().data(off).add(DATA) },
        header(off).byte_length.load(Acquire) as usize,
    )
}

pub(crate) fn drop_shared(a: &Arena, off: Off) {
    let lock = header(off).lock.load(Acquire);
    if lock != 0 {
        a.release(lock);
    }
}
