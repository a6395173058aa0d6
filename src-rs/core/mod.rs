//! The shared-memory core: primitives whose state lives in the arena, usable from any thread of
//! any process that maps it. Nothing here knows about N-API.

pub mod arena;
pub mod async_wait;
pub mod barrier;
pub mod bytes;
pub mod condition;
pub mod event;
pub mod lock;
pub mod park;
pub mod queue;
pub mod raw_mutex;
pub mod ring;
pub mod rlock;
pub mod semaphore;
pub mod shared;

use arena::{Arena, Kind, Off};

/// Misuse and outcomes the bindings turn into JavaScript errors.
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
}

pub type Result<T> = std::result::Result<T, Error>;

/// Frees what a block owns when its last reference goes.
pub(crate) fn drop_block(arena: &Arena, off: Off, kind: Kind) {
    match kind {
        Kind::Lease => arena::drop_lease(arena, off),
        Kind::Condition => condition::drop_condition(arena, off),
        Kind::Barrier => barrier::drop_barrier(arena, off),
        Kind::Queue => queue::drop_queue(arena, off),
        Kind::Shared => shared::drop_shared(arena, off),
        _ => {}
    }
}
