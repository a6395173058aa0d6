//! Queue and JoinableQueue: a FIFO list of item blocks under a small internal mutex. Items are
//! opaque bytes with a tag (how JavaScript encoded the value); each is one arena block, so an
//! item may be anything from a number to a 64 MiB buffer. Waiting is on sequence words that
//! change at every put (`not_empty`), get (`not_full`) and completed join (`all_done`); each
//! is followed by its count of blocked waiters.

use super::arena::{arena, Arena, Kind, Off};
use super::park::{park, Deadline, Interrupt, Parked};
use super::raw_mutex::Guard;
use super::{ring, Error, Result};
use crate::sys::futex_wake;
use std::sync::atomic::{AtomicU32, Ordering::*};

#[repr(C)]
pub struct QueueState {
    mutex: AtomicU32,
    pub count: AtomicU32,
    pub maxsize: AtomicU32,
    pub joinable: AtomicU32,
    pub not_empty: AtomicU32,
    not_empty_waiters: AtomicU32,
    pub not_full: AtomicU32,
    not_full_waiters: AtomicU32,
    pub all_done: AtomicU32,
    all_done_waiters: AtomicU32,
    pub unfinished: AtomicU32,
    head: AtomicU32,
    tail: AtomicU32,
}

/// Body word indexes of the sequence words (JavaScript reads them too).
pub const NOT_EMPTY: u32 = 4;
pub const NOT_FULL: u32 = 6;
pub const ALL_DONE: u32 = 8;

#[repr(C)]
struct ItemHeader {
    next: AtomicU32,
    tag: AtomicU32,
    len_lo: AtomicU32,
    len_hi: AtomicU32,
}
const ITEM_HEADER: usize = std::mem::size_of::<ItemHeader>();

pub fn new(maxsize: u32, joinable: bool) -> Off {
    let off = arena().alloc(Kind::Queue, std::mem::size_of::<QueueState>());
    let s = state(off);
    s.maxsize.store(maxsize, Relaxed);
    s.joinable.store(joinable as u32, Release);
    off
}

pub fn state(off: Off) -> &'static QueueState {
    // SAFETY: callers pass offsets of Queue blocks (checked at the binding edge).
    unsafe { arena().body::<QueueState>(off) }
}

fn item(off: Off) -> &'static ItemHeader {
    // SAFETY: item blocks are Bytes blocks allocated by `new_item`, starting with the header.
    unsafe { arena().body::<ItemHeader>(off) }
}

/// A new item of `len` bytes; fill `data` before `push`.
pub fn new_item(tag: u32, len: usize) -> (Off, &'static mut [u8]) {
    let a = arena();
    let off = a.alloc_uninit(Kind::Bytes, ITEM_HEADER + len);
    let h = item(off);
    h.next.store(0, Relaxed);
    h.tag.store(tag, Relaxed);
    h.len_lo.store(len as u32, Relaxed);
    h.len_hi.store((len as u64 >> 32) as u32, Relaxed);
    // SAFETY: the block has room for the header and `len` bytes, and is ours until pushed.
    let data = unsafe { std::slice::from_raw_parts_mut(a.data(off).add(ITEM_HEADER), len) };
    (off, data)
}

/// An item's tag and bytes (valid until `free_item`).
pub fn item_data(off: Off) -> (u32, &'static [u8]) {
    let h = item(off);
    let len = h.len_lo.load(Relaxed) as usize | (h.len_hi.load(Relaxed) as usize) << 32;
    // SAFETY: written by `new_item` with this length; the block lives until `free_item`.
    (h.tag.load(Relaxed), unsafe {
        std::slice::from_raw_parts(arena().data(off).add(ITEM_HEADER), len)
    })
}

/// Shortens an item to `len` bytes (after writing less than was allocated).
pub fn truncate_item(off: Off, len: usize) {
    let h = item(off);
    h.len_lo.store(len as u32, Relaxed);
    h.len_hi.store((len as u64 >> 32) as u32, Relaxed);
}

pub fn free_item(off: Off) {
    arena().release(off);
}

/// True when a put would find the queue full right now (a hint: checked again under the lock).
pub fn looks_full(q: Off) -> bool {
    let s = state(q);
    let max = s.maxsize.load(Relaxed);
    max > 0 && s.count.load(Relaxed) >= max
}

/// Appends `it`; `Err(it)` back when the queue is full.
pub fn push(q: Off, it: Off) -> std::result::Result<(), Off> {
    let s = state(q);
    {
        let _g = Guard::new(&s.mutex);
        let max = s.maxsize.load(Relaxed);
        if max > 0 && s.count.load(Relaxed) >= max {
            return Err(it);
        }
        let tail = s.tail.load(Relaxed);
        if tail == 0 {
            s.head.store(it, Relaxed);
        } else {
            item(tail).next.store(it, Relaxed);
        }
        s.tail.store(it, Relaxed);
        s.count.fetch_add(1, SeqCst);
        if s.joinable.load(Relaxed) != 0 {
            s.unfinished.fetch_add(1, SeqCst);
        }
    }
    bump(q, &s.not_empty, &s.not_empty_waiters, 1);
    Ok(())
}

/// Takes the first item, if any.
pub fn pop(q: Off) -> Option<Off> {
    let s = state(q);
    let it = {
        let _g = Guard::new(&s.mutex);
        let head = s.head.load(Relaxed);
        if head == 0 {
            return None;
        }
        let next = item(head).next.load(Relaxed);
        s.head.store(next, Relaxed);
        if next == 0 {
            s.tail.store(0, Relaxed);
        }
        s.count.fetch_sub(1, SeqCst);
        head
    };
    bump(q, &s.not_full, &s.not_full_waiters, 1);
    Some(it)
}

/// Changes a sequence word and wakes up to `n` of its blocked waiters and the async ones.
fn bump(q: Off, seq: &AtomicU32, waiters: &AtomicU32, n: u32) {
    seq.fetch_add(1, SeqCst);
    if waiters.load(SeqCst) > 0 {
        futex_wake(seq, n);
    }
    ring::ring(q);
}

/// JoinableQueue.task_done(): one fewer unfinished item; the last wakes every join().
pub fn task_done(q: Off) -> std::result::Result<(), TooManyTaskDone> {
    let s = state(q);
    let prev = s
        .unfinished
        .fetch_update(SeqCst, SeqCst, |u| u.checked_sub(1))
        .map_err(|_| TooManyTaskDone)?;
    if prev == 1 {
        bump(q, &s.all_done, &s.all_done_waiters, u32::MAX);
    }
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub struct TooManyTaskDone;

/// The sequence word `word` (NOT_EMPTY, NOT_FULL, ALL_DONE) and its waiter count.
pub fn seq_word(q: Off, word: u32) -> Option<(&'static AtomicU32, &'static AtomicU32)> {
    let s = state(q);
    match word {
        NOT_EMPTY => Some((&s.not_empty, &s.not_empty_waiters)),
        NOT_FULL => Some((&s.not_full, &s.not_full_waiters)),
        ALL_DONE => Some((&s.all_done, &s.all_done_waiters)),
        _ => None,
    }
}

/// Blocks until sequence word `word` differs from `seen` (true) or the deadline (false).
pub fn wait_change(
    q: Off,
    word: u32,
    seen: u32,
    deadline: Deadline,
    interrupt: Interrupt,
) -> Result<bool> {
    let (seq, waiters) = seq_word(q, word).ok_or(Error::OutOfRange)?;
    waiters.fetch_add(1, SeqCst);
    let result = loop {
        if seq.load(SeqCst) != seen {
            break Ok(true);
        }
        match park(seq, seen, deadline, interrupt) {
            Parked::Woken => {}
            Parked::TimedOut => break Ok(seq.load(SeqCst) != seen),
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    waiters.fetch_sub(1, SeqCst);
    result
}

/// Frees the items still queued when the queue itself goes.
pub(crate) fn drop_queue(a: &Arena, q: Off) {
    let mut it = state(q).head.load(Acquire);
    while it != 0 {
        let next = item(it).next.load(Relaxed);
        a.release(it);
        it = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::{deadline_after_ms, never};

    fn put(q: Off, v: u8) -> bool {
        let (it, data) = new_item(1, 3);
        data.copy_from_slice(&[v; 3]);
        match push(q, it) {
            Ok(()) => true,
            Err(it) => {
                free_item(it);
                false
            }
        }
    }

    fn get(q: Off) -> Option<u8> {
        pop(q).map(|it| {
            let (tag, data) = item_data(it);
            assert_eq!(tag, 1);
            let v = data[0];
            free_item(it);
            v
        })
    }

    #[test]
    fn fifo_with_a_bound() {
        let q = new(2, false);
        assert!(put(q, 1) && put(q, 2));
        assert!(looks_full(q));
        assert!(!put(q, 3));
        assert_eq!(get(q), Some(1));
        assert!(put(q, 3));
        assert_eq!((get(q), get(q), get(q)), (Some(2), Some(3), None));
        arena().release(q);
    }

    #[test]
    fn a_blocked_getter_is_woken_by_a_put() {
        let q = new(0, false);
        let seen = state(q).not_empty.load(SeqCst);
        let t = std::thread::spawn(move || {
            wait_change(q, NOT_EMPTY, seen, deadline_after_ms(5000.0), &never).unwrap()
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(put(q, 9));
        assert!(t.join().unwrap());
        assert_eq!(get(q), Some(9));
        arena().release(q);
    }

    #[test]
    fn task_done_counts_down_to_join() {
        let q = new(0, true);
        assert!(put(q, 1) && put(q, 2));
        assert_eq!(state(q).unfinished.load(SeqCst), 2);
        let seen = state(q).all_done.load(SeqCst);
        task_done(q).unwrap();
        assert_eq!(state(q).all_done.load(SeqCst), seen);
        task_done(q).unwrap();
        assert_ne!(state(q).all_done.load(SeqCst), seen);
        assert_eq!(task_done(q), Err(TooManyTaskDone));
        // Items left in the queue are freed with it.
        arena().release(q);
    }
}
