//! Value and SharedArray storage: raw bytes in the arena, plus the lock that guards them (kept
//! alive by the block, like a Condition's lock).

use super::arena::{arena, Arena, Kind};
use super::error::Result;
use super::handle::{self, Handle, LockHandle};
use std::sync::atomic::{AtomicU32, Ordering::*};

pub type Shared = Handle<handle::Shared>;

#[repr(C)]
pub struct SharedHeader {
    /// The guarding Lock or RLock block, 0 for none.
    pub lock: AtomicU32,
    pub lock_kind: AtomicU32,
    pub byte_length: AtomicU32,
    /// What the bytes are (the JavaScript layer's element type and class), written once at
    /// creation: outside the data, so the data's owner cannot change it.
    pub format: AtomicU32,
}
/// The data starts this many bytes into the body (16: aligned for every element type).
pub const DATA: usize = std::mem::size_of::<SharedHeader>();

/// `byte_length` zeroed bytes of `format`, guarded by `lock`, if any.
pub fn new(byte_length: u32, format: u32, lock: Option<LockHandle>) -> Result<Shared> {
    let a = arena();
    let off = Handle::trusted(a.alloc(Kind::Shared, DATA + byte_length as usize)?);
    if let Some(l) = lock {
        a.retain(l.index());
    }
    let h = header(off);
    h.lock.store(lock.map_or(0, LockHandle::index), Relaxed);
    h.lock_kind
        .store(lock.map_or(Kind::Free, LockHandle::kind) as u32, Relaxed);
    h.format.store(format, Relaxed);
    h.byte_length.store(byte_length, Release);
    Ok(off)
}

pub fn header(off: Shared) -> &'static SharedHeader {
    // SAFETY: a Shared handle names a Shared block, whose body starts with a SharedHeader.
    unsafe { off.body::<SharedHeader>() }
}

/// The guarding lock, if any.
pub fn lock_of(off: Shared) -> Option<LockHandle> {
    let h = header(off);
    let lock = h.lock.load(Acquire);
    (lock != 0).then(|| LockHandle::trusted(lock, h.lock_kind.load(Acquire)))
}

pub fn format(off: Shared) -> u32 {
    header(off).format.load(Acquire)
}

/// The first data byte and the length.
pub fn data(off: Shared) -> (*mut u8, usize) {
    // SAFETY: the block holds DATA + byte_length bytes of body.
    (
        unsafe { arena().data(off.index()).add(DATA) },
        header(off).byte_length.load(Acquire) as usize,
    )
}

pub(crate) fn drop_shared(a: &Arena, off: Shared) {
    let lock = header(off).lock.load(Acquire);
    if lock != 0 {
        a.release(lock);
    }
}
