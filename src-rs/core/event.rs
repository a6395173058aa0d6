//! Event: a flag word (0 clear, 1 set) and a count of waiters; waiters sleep on the flag.

use super::arena::{arena, Kind, Off};
use super::park::{park, Deadline, Interrupt, Parked};
use super::{ring, Error, Result};
use crate::sys::futex_wake;
use std::sync::atomic::{AtomicU32, Ordering::*};

#[repr(C)]
pub struct EventState {
    pub flag: AtomicU32,
    pub waiters: AtomicU32,
}

pub fn new() -> Off {
    arena().alloc(Kind::Event, std::mem::size_of::<EventState>())
}

pub fn state(off: Off) -> &'static EventState {
    // SAFETY: callers pass offsets of Event blocks (checked at the binding edge).
    unsafe { arena().body::<EventState>(off) }
}

pub fn is_set(off: Off) -> bool {
    state(off).flag.load(SeqCst) != 0
}

pub fn set(off: Off) {
    let s = state(off);
    s.flag.store(1, SeqCst);
    wake(off);
}

/// Wakes everyone after the flag was set (JavaScript sets it and calls this when it saw
/// waiters).
pub fn wake(off: Off) {
    let s = state(off);
    if s.waiters.load(SeqCst) > 0 {
        futex_wake(&s.flag, u32::MAX);
    }
    ring::ring(off);
}

pub fn clear(off: Off) {
    state(off).flag.store(0, SeqCst);
}

/// True once set; false when the deadline passes first (Python returns the flag).
pub fn wait(off: Off, deadline: Deadline, interrupt: Interrupt) -> Result<bool> {
    let s = state(off);
    if s.flag.load(SeqCst) != 0 {
        return Ok(true);
    }
    s.waiters.fetch_add(1, SeqCst);
    let result = loop {
        if s.flag.load(SeqCst) != 0 {
            break Ok(true);
        }
        match park(&s.flag, 0, deadline, interrupt) {
            Parked::Woken => {}
            Parked::TimedOut => break Ok(s.flag.load(SeqCst) != 0),
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    s.waiters.fetch_sub(1, SeqCst);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::{deadline_after_ms, never};

    #[test]
    fn wait_times_out_then_set_wakes_all() {
        let e = new();
        assert!(!wait(e, deadline_after_ms(10.0), &never).unwrap());
        let ts: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(move || wait(e, None, &never).unwrap()))
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        set(e);
        for t in ts {
            assert!(t.join().unwrap());
        }
        clear(e);
        assert!(!is_set(e));
        arena().release(e);
    }
}
