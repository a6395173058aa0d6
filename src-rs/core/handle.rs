//! Typed handles. A `Handle<Lock>` is the index of a block that is known to be a Lock: either
//! the core made it (allocated it, or read it from a block that stores it), or
//! [`Handle::check`], the one checked constructor, found a live block of that kind at an index
//! that came from outside (the binding edge). Every function of a primitive takes its handle
//! type, so none of them has to trust that a caller checked an offset.

use super::arena::{arena, Arena, BlockIndex, Kind};
use std::fmt;
use std::marker::PhantomData;

/// What a handle's type promises about its block.
pub trait BlockKind {
    /// Whether a block of `kind` is one of these.
    fn accepts(kind: Kind) -> bool;
    /// Whether such a block may lie past the part of the arena JavaScript sees.
    const ANYWHERE: bool = false;
}

/// The index of a block of kind `K`.
pub struct Handle<K> {
    index: BlockIndex,
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Handle<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Handle<K> {}
impl<K> PartialEq for Handle<K> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}
impl<K> Eq for Handle<K> {}
impl<K> fmt::Debug for Handle<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({})", self.index)
    }
}

impl<K: BlockKind> Handle<K> {
    /// The one checked constructor: `index` must name a live block of a kind `K` accepts,
    /// inside the part of the arena its kind lives in. For indexes that come from outside the
    /// core (JavaScript, another process).
    pub fn check(index: BlockIndex) -> Option<Handle<K>> {
        let a = arena();
        let placed = a.is_block_start(index) && (K::ANYWHERE || Arena::is_visible_block(index));
        (placed && a.refs(index) > 0 && a.kind_of(index).is_some_and(K::accepts))
            .then_some(Handle::trusted(index))
    }
}

impl<K> Handle<K> {
    /// A handle for a block whose kind the core knows: it allocated the block, or read the
    /// index from a block that stores it. Not for indexes from outside (see `check`).
    pub(in crate::core) fn trusted(index: BlockIndex) -> Handle<K> {
        Handle {
            index,
            kind: PhantomData,
        }
    }

    pub fn index(self) -> BlockIndex {
        self.index
    }

    /// The block's body viewed as `T`.
    ///
    /// # Safety
    /// `T` must be the body type of `K`'s blocks (`repr(C)`, atomics only, within the size
    /// the block was allocated with).
    pub(in crate::core) unsafe fn body<T>(self) -> &'static T {
        // SAFETY: the handle names a block of kind K, whose body the caller says is a T.
        unsafe { arena().body::<T>(self.index) }
    }
}

macro_rules! kinds {
    ($( $(#[$doc:meta])* $name:ident: $($kind:ident)|+ $(, anywhere: $anywhere:expr)?; )*) => {
        $(
            $(#[$doc])*
            pub enum $name {}
            impl BlockKind for $name {
                fn accepts(kind: Kind) -> bool {
                    matches!(kind, $(Kind::$kind)|+)
                }
                $(const ANYWHERE: bool = $anywhere;)?
            }
        )*
    };
}

kinds! {
    Lock: Lock;
    RLock: RLock;
    /// A Semaphore or a BoundedSemaphore.
    Semaphore: Semaphore | BoundedSemaphore;
    Event: Event;
    Condition: Condition;
    Barrier: Barrier;
    Queue: Queue;
    /// Value and SharedArray storage (large ones live past the part JavaScript sees).
    Shared: Shared, anywhere: true;
    /// A SharedDict's or SharedList's state.
    StateCell: StateCell;
    WaitNode: WaitNode;
    /// A Barrier's arrivals (large ones live past the part JavaScript sees).
    Arrivals: Arrivals, anywhere: true;
    Bytes: Bytes, anywhere: true;
    Lease: Lease;
    /// What an instance of a JavaScript class holds, and so can send to another thread or
    /// process.
    Shareable: Lock | RLock | Condition | Semaphore | BoundedSemaphore | Event | Barrier | Queue
        | Shared | StateCell, anywhere: true;
    /// Any live block.
    AnyBlock: Lock | RLock | Condition | Semaphore | BoundedSemaphore | Event | Barrier
        | Lease | WaitNode | Arrivals | Bytes | Queue | Shared | StateCell, anywhere: true;
}

/// The lock a Condition or a shared Value uses: a Lock or an RLock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockHandle {
    Lock(Handle<Lock>),
    RLock(Handle<RLock>),
}

impl LockHandle {
    /// A live Lock or RLock at `index` (see [`Handle::check`]).
    pub fn check(index: BlockIndex) -> Option<LockHandle> {
        Handle::check(index)
            .map(LockHandle::Lock)
            .or_else(|| Handle::check(index).map(LockHandle::RLock))
    }

    pub fn index(self) -> BlockIndex {
        match self {
            LockHandle::Lock(h) => h.index(),
            LockHandle::RLock(h) => h.index(),
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            LockHandle::Lock(_) => Kind::Lock,
            LockHandle::RLock(_) => Kind::RLock,
        }
    }

    /// The lock stored in a block as its index and kind (the core wrote both).
    pub(in crate::core) fn trusted(index: BlockIndex, kind: u32) -> LockHandle {
        if kind == Kind::RLock as u32 {
            LockHandle::RLock(Handle::trusted(index))
        } else {
            LockHandle::Lock(Handle::trusted(index))
        }
    }
}
