//! Event: one word, bit 0 the flag and the bits above it a count of `set()`s, plus a count of
//! blocked waiters. Waiters sleep on the word; a `set()` always changes it (the count goes up),
//! so a waiter woken by a `set()` returns true even if a `clear()` follows at once (Python's
//! `wait()` returns True once notified).

use super::arena::{arena, Kind};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::park::{park, Deadline, Interrupt, Parked};
use super::ring;
use crate::layout::event_word;
use crate::sys::futex_wake;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU32, Ordering::*};

pub type Event = Handle<handle::Event>;

#[repr(C)]
pub struct EventState {
    pub word: AtomicU32,
    pub waiters: AtomicU32,
}
const _: () = assert!(offset_of!(EventState, word) == event_word::STATE * 4);
const _: () = assert!(offset_of!(EventState, waiters) == event_word::WAITERS * 4);

pub fn new() -> Result<Event> {
    Ok(Handle::trusted(
        arena().alloc(Kind::Event, std::mem::size_of::<EventState>())?,
    ))
}

pub fn state(off: Event) -> &'static EventState {
    // SAFETY: an Event handle names an Event block, whose body is an EventState.
    unsafe { off.body::<EventState>() }
}

pub fn word(off: Event) -> u32 {
    state(off).word.load(SeqCst)
}

/// Whether a waiter that saw `seen` should return: the flag is up, or a `set()` happened.
pub fn signalled_since(off: Event, seen: u32) -> bool {
    let w = word(off);
    w & 1 != 0 || w >> 1 != seen >> 1
}

pub fn set(off: Event) {
    // One CAS raises the flag and counts the set(), so no waiter can see one without the other.
    let raised = state(off)
        .word
        .fetch_update(SeqCst, SeqCst, |w| (w & 1 == 0).then(|| w.wrapping_add(3)));
    if raised.is_ok() {
        wake(off);
    }
}

/// Wakes everyone after a `set()` (JavaScript sets the word and calls this when it saw
/// waiters; this must not touch the word, which may have been cleared since).
pub fn wake(off: Event) {
    let s = state(off);
    if s.waiters.load(SeqCst) > 0 {
        futex_wake(&s.word, u32::MAX);
    }
    ring::ring(off.index());
}

pub fn clear(off: Event) {
    state(off).word.fetch_and(!1, SeqCst);
}

/// True once set (or set meanwhile); false when the deadline passes first.
pub fn wait(off: Event, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    let s = state(off);
    let seen = s.word.load(SeqCst);
    if seen & 1 != 0 {
        return Ok(true);
    }
    s.waiters.fetch_add(1, SeqCst);
    let result = loop {
        if signalled_since(off, seen) {
            break Ok(true);
        }
        match park(&s.word, seen, deadline, interrupt) {
            Parked::Woken | Parked::Slice => {}
            Parked::TimedOut => break Ok(signalled_since(off, seen)),
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    s.waiters.fetch_sub(1, SeqCst);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;

    #[test]
    fn wait_times_out_then_set_wakes_all() {
        crate::core::start();
        let e = new().unwrap();
        assert!(!wait(e, deadline_after_ms(10.0), None).unwrap());
        let ts: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(move || wait(e, None, None).unwrap()))
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        set(e);
        for t in ts {
            assert!(t.join().unwrap());
        }
        clear(e);
        assert_eq!(word(e) & 1, 0, "cleared");
        arena().release(e.index());
    }

    #[test]
    fn a_set_followed_by_clear_still_wakes_the_waiter() {
        crate::core::start();
        let e = new().unwrap();
        let t = std::thread::spawn(move || wait(e, deadline_after_ms(5000.0), None).unwrap());
        while state(e).waiters.load(SeqCst) == 0 {
            std::thread::yield_now();
        }
        set(e);
        clear(e);
        assert!(t.join().unwrap());
        arena().release(e.index());
    }
}
