//! The shared-memory layout that JavaScript and Rust both read and write: block kinds, wait
//! operations, the words of each primitive's block, queue item tags, barrier results and
//! limits. This file is the one definition. The core and the binding use these constants;
//! `scripts/write-layout.mjs` writes `src/runtime/layout.ts` from this file at build time (one
//! `const enum` per group, so the JavaScript fast paths keep literal constants); the binding's
//! `layout()` hands [`TABLE`] to JavaScript, where a test compares it with the generated file.
//!
//! Format the generator reads: `pub mod rust_name as TsName { RUST_NAME as TsName: type =
//! literal; }`, with `///` comments carried over. Word constants are indexes of 32-bit words
//! in a block's body unless their group says otherwise.

macro_rules! table {
    ($(
        $(#[$group_doc:meta])*
        pub mod $group:ident as $ts_group:ident {
            $( $(#[$doc:meta])* $name:ident as $ts_name:ident : $ty:ty = $value:expr; )*
        }
    )*) => {
        $(
            $(#[$group_doc])*
            pub mod $group {
                $( $(#[$doc])* pub const $name: $ty = $value; )*
            }
        )*
        /// Every group and constant by its TypeScript name, as JavaScript numbers.
        pub const TABLE: &[(&str, &[(&str, f64)])] = &[
            $( (stringify!($ts_group), &[ $( (stringify!($ts_name), $group::$name as f64), )* ]), )*
        ];
    };
}

table! {
    /// Block kinds: the low byte of a block header's `meta` word.
    pub mod kind as Kind {
        FREE as Free: u8 = 0;
        LOCK as Lock: u8 = 1;
        R_LOCK as RLock: u8 = 2;
        CONDITION as Condition: u8 = 3;
        SEMAPHORE as Semaphore: u8 = 4;
        BOUNDED_SEMAPHORE as BoundedSemaphore: u8 = 5;
        EVENT as Event: u8 = 6;
        BARRIER as Barrier: u8 = 7;
        /// A reference to a block in transit between threads or processes.
        LEASE as Lease: u8 = 8;
        /// One Condition waiter.
        WAIT_NODE as WaitNode: u8 = 9;
        /// A Barrier's arrivals: the agent id holding each arrival index.
        ARRIVALS as Arrivals: u8 = 10;
        /// Opaque bytes: a length and data (queue items, process payloads, a queue's ring).
        BYTES as Bytes: u8 = 11;
        QUEUE as Queue: u8 = 12;
        /// Value and SharedArray storage.
        SHARED as Shared: u8 = 13;
        /// The state of a SharedDict or SharedList: a lock and the current state block.
        STATE_CELL as StateCell: u8 = 14;
    }

    /// Blocks: a handle is a block index; block `h` starts at byte `h * BYTES`.
    pub mod block as Block {
        BYTES as Bytes: usize = 64;
        /// 32-bit words per block: block `h` starts at word `h * WORDS`.
        WORDS as Words: usize = 16;
        /// 32-bit words from a block's start to its body (the block header: `rc`, `meta`,
        /// `async_waiters`).
        BODY_WORD as BodyWord: usize = 4;
        /// The block header's count of asynchronous waiters (a word index from the block's
        /// start, not from its body).
        ASYNC_WAITERS_WORD as AsyncWaitersWord: usize = 3;
    }

    /// The operations of `block()` and `waitAsync()`.
    pub mod op as Op {
        LOCK as Lock: u32 = 0;
        R_LOCK as RLock: u32 = 1;
        SEMAPHORE as Semaphore: u32 = 2;
        EVENT as Event: u32 = 3;
        CONDITION as Condition: u32 = 4;
        BARRIER as Barrier: u32 = 5;
        SLEEP as Sleep: u32 = 6;
        /// A queue's sequence word (argument 3) to change from the value seen (argument 4).
        QUEUE_CHANGE as QueueChange: u32 = 7;
    }

    /// Lock: one word, `tag << TAG_SHIFT | OWNER_DIED? | state` (see `LockBits`).
    pub mod lock_word as LockWord {
        STATE as State: usize = 0;
    }

    /// The bits of a Lock's word. The state (`word & HELD`): 0 free, `LOCKED`, or `CONTENDED`
    /// (locked and someone may be waiting). Above it, while held, the holder's process tag
    /// (`core/liveness.rs`). `OWNER_DIED`: the holding began by taking over from a process
    /// that died holding the lock (until it is released); alone, the lock is free and was
    /// recovered from a dead holder (the next acquirer is told).
    pub mod lock_bits as LockBits {
        HELD as Held: u32 = 3;
        LOCKED as Locked: u32 = 1;
        CONTENDED as Contended: u32 = 2;
        OWNER_DIED as OwnerDied: u32 = 4;
        TAG_SHIFT as TagShift: u32 = 3;
    }

    /// RLock: the owner's agent id (0 free, `RLockBits::OWNER_DIED` free after its owner
    /// died), the recursion count (written by the owner only; its top bit is
    /// `RLockBits::COUNT_OWNER_DIED`), and the count of blocked and asynchronous waiters.
    pub mod rlock_word as RLockWord {
        OWNER as Owner: usize = 0;
        COUNT as Count: usize = 1;
        WAITERS as Waiters: usize = 2;
    }

    /// RLock values besides agent ids and counts.
    pub mod rlock_bits as RLockBits {
        /// The owner word of a free RLock whose owner died holding it: never an agent id
        /// (their low 14 bits, the agent's slot, are never 0). The next acquirer takes it from
        /// this state.
        OWNER_DIED as OwnerDied: u32 = 0x4000;
        /// Set in the count while the holding began by taking over from a dead owner (the
        /// count reads negative in JavaScript, so the owner's releases go native).
        COUNT_OWNER_DIED as CountOwnerDied: u32 = 0x8000_0000;
    }

    /// Semaphore and BoundedSemaphore.
    pub mod semaphore_word as SemaphoreWord {
        VALUE as Value: usize = 0;
        WAITERS as Waiters: usize = 1;
        /// BoundedSemaphore: the initial value, the ceiling of `release`.
        INITIAL as Initial: usize = 2;
    }

    /// Event: bit 0 of `STATE` is the flag, the bits above it count `set()`s.
    pub mod event_word as EventWord {
        STATE as State: usize = 0;
        WAITERS as Waiters: usize = 1;
    }

    /// Queue and JoinableQueue. `NOT_EMPTY`, `NOT_FULL` and `ALL_DONE` are sequence words; the
    /// word after each counts its blocked waiters.
    pub mod queue_word as QueueWord {
        MAXSIZE as Maxsize: usize = 0;
        JOINABLE as Joinable: usize = 1;
        /// Slots in the ring (a power of two).
        CAPACITY as Capacity: usize = 2;
        /// The ring's block: `CAPACITY` slots of 64 bytes.
        RING as Ring: usize = 3;
        NOT_EMPTY as NotEmpty: usize = 4;
        NOT_FULL as NotFull: usize = 6;
        ALL_DONE as AllDone: usize = 8;
        UNFINISHED as Unfinished: usize = 10;
        /// Items in the overflow list (an unbounded queue whose ring is full).
        OVERFLOW_COUNT as OverflowCount: usize = 11;
        /// The ring's tail counter (its own cache line).
        TAIL as Tail: usize = 12;
        /// The ring's head counter (its own cache line).
        HEAD as Head: usize = 28;
        OVERFLOW_MUTEX as OverflowMutex: usize = 44;
        OVERFLOW_HEAD as OverflowHead: usize = 45;
        OVERFLOW_TAIL as OverflowTail: usize = 46;
        /// 1 while a waiter on `NOT_EMPTY` is about to sleep or sleeping and nobody woke it.
        ARMED_NOT_EMPTY as ArmedNotEmpty: usize = 48;
        /// The same for `NOT_FULL`.
        ARMED_NOT_FULL as ArmedNotFull: usize = 49;
        /// Words in a queue's body.
        WORDS as Words: usize = 52;
    }

    /// A SharedDict's or SharedList's state cell: the agent id of the thread in a call (0
    /// none), the count of blocked waiters, the current state (a Bytes block) and the format
    /// given at creation (which class the state belongs to).
    pub mod state_cell_word as StateCellWord {
        HOLDER as Holder: usize = 0;
        WAITERS as Waiters: usize = 1;
        STATE as State: usize = 2;
        FORMAT as Format: usize = 3;
    }

    /// Condition: the internal mutex of its waiter list (the rest of its body is the core's).
    pub mod condition_word as ConditionWord {
        MUTEX as Mutex: usize = 2;
    }

    /// Barrier: the internal mutex of its counters, and the sequence word its waiters sleep on
    /// (the rest of its body is the core's).
    pub mod barrier_word as BarrierWord {
        MUTEX as Mutex: usize = 0;
        SEQ as Seq: usize = 1;
    }

    /// How a queue item's bytes encode its JavaScript value.
    pub mod queue_tag as QueueTag {
        /// 8 bytes, a little-endian f64.
        NUMBER as Number: u32 = 1;
        /// UTF-8.
        STRING as String: u32 = 2;
        BUFFER as Buffer: u32 = 3;
        UINT8_ARRAY as Uint8Array: u32 = 4;
        /// `v8.serialize` output, handed back to JavaScript as `[buffer]` to deserialize.
        V8 as V8: u32 = 5;
        /// One byte: 0 undefined, 1 null, 2 false, 3 true.
        SIMPLE as Simple: u32 = 6;
        /// JSON text of plain data (UTF-8), handed back to JavaScript as `[string]` to parse.
        JSON as Json: u32 = 7;
    }

    /// What a barrier wait returns besides an arrival index: `BROKEN`, or, for the last
    /// arrival (which runs the action), `LAST - index`.
    pub mod barrier_result as BarrierResult {
        BROKEN as Broken: i32 = -1;
        LAST as Last: i32 = -2;
    }

    /// Limits of counts that JavaScript reads as Int32.
    pub mod limit as Limit {
        SEMAPHORE_VALUE as SemaphoreValue: u32 = 0x7fff_ffff;
        RLOCK_DEPTH as RLockDepth: u32 = 0x7fff_ffff;
        /// A barrier's arrivals (a word per party) are one block: this bounds its parties.
        BARRIER_PARTIES as BarrierParties: u32 = 0x0080_0000;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_group_once_by_its_typescript_name() {
        let mut names: Vec<&str> = TABLE.iter().map(|(g, _)| *g).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
        let kinds = TABLE.iter().find(|(g, _)| *g == "Kind").unwrap().1;
        assert!(kinds.contains(&("RLock", kind::R_LOCK as f64)));
    }
}
