//! Blocking in the kernel with a deadline, in bounded slices: between two, a caller notices
//! that its thread is being terminated (a thread parked in a futex sees no JavaScript
//! termination request on its own), and checks that whoever it waits for still lives (a holder
//! killed with SIGKILL wakes nobody).

use crate::sys::{futex_wait, FutexWait};
use std::sync::atomic::AtomicU32;
use std::time::{Duration, Instant};

/// How long one futex wait lasts at most before the interrupt check runs again.
pub const SLICE: Duration = Duration::from_millis(50);

/// Called between slices; `true` means "give up, this thread is ending". `None` for a
/// thread that cannot be terminated from outside (a process's main thread).
pub type Interrupt<'a> = Option<&'a dyn Fn() -> bool>;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Parked {
    /// Woken, or the word changed: re-check the condition.
    Woken,
    /// A slice passed with the word unchanged: re-check the condition, and whether the
    /// holder waited for still lives.
    Slice,
    TimedOut,
    Interrupted,
}

/// Whether the caller should look for holders that died now: true for one caller per slice of
/// the wall clock among all the threads and processes that share `ticket` (a word of the block
/// they wait on), so a wait list or a barrier round is scanned about once a slice however many
/// wait on it. The wall clock is the one clock all processes read alike; a jump of it costs at
/// most one scan more or one fewer.
pub fn scan_due(ticket: &AtomicU32) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_millis() / SLICE.as_millis()) as u32);
    let last = ticket.load(std::sync::atomic::Ordering::Relaxed);
    last != now
        && ticket
            .compare_exchange(
                last,
                now,
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
            )
            .is_ok()
}

/// A point in time to give up at; `None` waits forever.
pub type Deadline = Option<Instant>;

/// Milliseconds from now (negative: forever) to a deadline.
pub fn deadline_after_ms(ms: f64) -> Deadline {
    if ms < 0.0 || !ms.is_finite() {
        return None;
    }
    // A timeout too long for a Duration or an Instant (from about 1e22 ms; centuries in
    // practice) is a wait for ever.
    let d = Duration::try_from_secs_f64(ms / 1000.0).ok()?;
    Instant::now().checked_add(d)
}

/// Before sleeping, a waiter yields its CPU this many times, looking again after each: when
/// the thread or process that will wake it is runnable on the same CPU (a ping-pong), it runs
/// at once and the sleep, and the wake system call behind it, are often not needed.
const YIELDS: usize = 2;

/// Waits while `*word == expected`, until woken, the deadline passes, or `interrupt` says so.
pub fn park(word: &AtomicU32, expected: u32, deadline: Deadline, interrupt: Interrupt) -> Parked {
    for _ in 0..YIELDS {
        std::thread::yield_now();
        if word.load(std::sync::atomic::Ordering::Acquire) != expected {
            return Parked::Woken;
        }
    }
    let slice_end = Instant::now() + SLICE;
    loop {
        let now = Instant::now();
        let until = deadline.map_or(slice_end, |d| d.min(slice_end));
        if deadline.is_some_and(|d| d <= now) {
            return Parked::TimedOut;
        }
        if until <= now {
            return if interrupt.is_some_and(|f| f()) {
                Parked::Interrupted
            } else {
                Parked::Slice
            };
        }
        if futex_wait(word, expected, Some(until - now)) == FutexWait::Woken {
            return Parked::Woken;
        }
        if word.load(std::sync::atomic::Ordering::Acquire) != expected {
            return Parked::Woken;
        }
    }
}
