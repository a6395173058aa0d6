//! The core's outcomes that are not the normal result of a call: misuse, and the states the
//! bindings report (a broken barrier, a thread being terminated).

/// Misuse and outcomes the bindings turn into JavaScript errors or result codes.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Error {
    /// Lock released while unlocked, or a Condition used without holding its Lock.
    NotHeld,
    /// RLock released (or its Condition used) by a thread that does not own it.
    NotOwned,
    /// BoundedSemaphore released above its initial value.
    OverReleased,
    /// A count would leave its range (semaphore value, recursion depth).
    OutOfRange,
    /// The calling thread is being terminated; the wait was abandoned.
    Interrupted,
    /// The barrier is broken (aborted, or a waiter timed out or failed its action).
    Broken,
    /// JoinableQueue.task_done() called more times than items were put.
    TooManyTaskDone,
    /// The part of the arena the block belongs in has no room left (or the process table is
    /// full); freeing blocks makes room again.
    NoMemory,
    /// A thread entered a SharedDict's or SharedList's state while already in a call on it
    /// (a getter of a value being stored called it again).
    Reentered,
}

pub type Result<T> = std::result::Result<T, Error>;
