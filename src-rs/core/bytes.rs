//! Byte payloads in their own arena block: a header (link, tag, length) and the bytes. Used for
//! queue items that do not fit in a ring slot, and for process start-up payloads.

use super::arena::{arena, Kind};
use super::handle::{self, Handle};
use std::sync::atomic::{AtomicU32, Ordering::*};

pub type Bytes = Handle<handle::Bytes>;

#[repr(C)]
struct Header {
    /// Link in a list of payloads (a queue's overflow list).
    next: AtomicU32,
    tag: AtomicU32,
    len_lo: AtomicU32,
    len_hi: AtomicU32,
}
const HEADER: usize = std::mem::size_of::<Header>();

fn header(off: Bytes) -> &'static Header {
    // SAFETY: a Bytes handle names a Bytes block, allocated by `new` with this header first.
    unsafe { off.body::<Header>() }
}

/// A new payload of `len` bytes, to be filled before anyone else sees it; None when the
/// arena is exhausted.
pub fn new(tag: u32, len: usize) -> Option<(Bytes, &'static mut [u8])> {
    let a = arena();
    let off = Handle::trusted(a.alloc_payload(Kind::Bytes, HEADER + len)?);
    let h = header(off);
    h.next.store(0, Relaxed);
    h.tag.store(tag, Relaxed);
    set_len(off, len);
    // SAFETY: the block has room for the header and `len` bytes, and is ours until published.
    let data = unsafe { std::slice::from_raw_parts_mut(a.data(off.index()).add(HEADER), len) };
    Some((off, data))
}

/// Shortens a payload to `len` bytes (after writing less than was allocated).
pub fn set_len(off: Bytes, len: usize) {
    let h = header(off);
    h.len_lo.store(len as u32, Relaxed);
    h.len_hi.store((len as u64 >> 32) as u32, Relaxed);
}

/// A payload's tag and bytes (valid until the block is released).
pub fn read(off: Bytes) -> (u32, &'static [u8]) {
    let h = header(off);
    let len = h.len_lo.load(Relaxed) as usize | (h.len_hi.load(Relaxed) as usize) << 32;
    // SAFETY: written by `new` with this length; the block lives until released.
    (h.tag.load(Relaxed), unsafe {
        std::slice::from_raw_parts(arena().data(off.index()).add(HEADER), len)
    })
}

pub fn next(off: Bytes) -> &'static AtomicU32 {
    &header(off).next
}
