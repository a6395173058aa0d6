// Generated from src-rs/layout.rs by scripts/write-layout.mjs (`npm run build` runs it):
// do not edit. The shared-memory layout, one definition for Rust and TypeScript.

/** Block kinds: the low byte of a block header's `meta` word. */
export const enum Kind {
  Free = 0,
  Lock = 1,
  RLock = 2,
  Condition = 3,
  Semaphore = 4,
  BoundedSemaphore = 5,
  Event = 6,
  Barrier = 7,
  /** A reference to a block in transit between threads or processes. */
  Lease = 8,
  /** One Condition waiter. */
  WaitNode = 9,
  /** A Barrier's arrivals: the agent id holding each arrival index. */
  Arrivals = 10,
  /** Opaque bytes: a length and data (queue items, process payloads, a queue's ring). */
  Bytes = 11,
  Queue = 12,
  /** Value and SharedArray storage. */
  Shared = 13,
  /** The state of a SharedDict or SharedList: a lock and the current state block. */
  StateCell = 14,
}

/** Blocks: a handle is a block index; block `h` starts at byte `h * BYTES`. */
export const enum Block {
  Bytes = 64,
  /** 32-bit words per block: block `h` starts at word `h * WORDS`. */
  Words = 16,
  /**
   * 32-bit words from a block's start to its body (the block header: `rc`, `meta`,
   * `async_waiters`).
   */
  BodyWord = 4,
  /**
   * The block header's count of asynchronous waiters (a word index from the block's
   * start, not from its body).
   */
  AsyncWaitersWord = 3,
}

/** The operations of `block()` and `waitAsync()`. */
export const enum Op {
  Lock = 0,
  RLock = 1,
  Semaphore = 2,
  Event = 3,
  Condition = 4,
  Barrier = 5,
  Sleep = 6,
  /** A queue's sequence word (argument 3) to change from the value seen (argument 4). */
  QueueChange = 7,
}

/** Lock: one word, `tag << TAG_SHIFT | OWNER_DIED? | state` (see `LockBits`). */
export const enum LockWord {
  State = 0,
}

/**
 * The bits of a Lock's word. The state (`word & HELD`): 0 free, `LOCKED`, or `CONTENDED`
 * (locked and someone may be waiting). Above it, while held, the holder's process tag
 * (`core/liveness.rs`). `OWNER_DIED`: the holding began by taking over from a process
 * that died holding the lock (until it is released); alone, the lock is free and was
 * recovered from a dead holder (the next acquirer is told).
 */
export const enum LockBits {
  Held = 3,
  Locked = 1,
  Contended = 2,
  OwnerDied = 4,
  TagShift = 3,
}

/**
 * RLock: the owner's agent id (0 free, `RLockBits::OWNER_DIED` free after its owner
 * died), the recursion count (written by the owner only; its top bit is
 * `RLockBits::COUNT_OWNER_DIED`), and the count of blocked and asynchronous waiters.
 */
export const enum RLockWord {
  Owner = 0,
  Count = 1,
  Waiters = 2,
}

/** RLock values besides agent ids and counts. */
export const enum RLockBits {
  /**
   * The owner word of a free RLock whose owner died holding it: never an agent id
   * (their low 14 bits, the agent's slot, are never 0). The next acquirer takes it from
   * this state.
   */
  OwnerDied = 16384,
  /**
   * Set in the count while the holding began by taking over from a dead owner (the
   * count reads negative in JavaScript, so the owner's releases go native).
   */
  CountOwnerDied = 2147483648,
}

/** Semaphore and BoundedSemaphore. */
export const enum SemaphoreWord {
  Value = 0,
  Waiters = 1,
  /** BoundedSemaphore: the initial value, the ceiling of `release`. */
  Initial = 2,
}

/** Event: bit 0 of `STATE` is the flag, the bits above it count `set()`s. */
export const enum EventWord {
  State = 0,
  Waiters = 1,
}

/**
 * Queue and JoinableQueue. `NOT_EMPTY`, `NOT_FULL` and `ALL_DONE` are sequence words; the
 * word after each counts its blocked waiters.
 */
export const enum QueueWord {
  Maxsize = 0,
  Joinable = 1,
  /** Slots in the ring (a power of two). */
  Capacity = 2,
  /** The ring's block: `CAPACITY` slots of 64 bytes. */
  Ring = 3,
  NotEmpty = 4,
  NotFull = 6,
  AllDone = 8,
  Unfinished = 10,
  /** Items in the overflow list (an unbounded queue whose ring is full). */
  OverflowCount = 11,
  /** The ring's tail counter (its own cache line). */
  Tail = 12,
  /** The ring's head counter (its own cache line). */
  Head = 28,
  OverflowMutex = 44,
  OverflowHead = 45,
  OverflowTail = 46,
  /** 1 while a waiter on `NOT_EMPTY` is about to sleep or sleeping and nobody woke it. */
  ArmedNotEmpty = 48,
  /** The same for `NOT_FULL`. */
  ArmedNotFull = 49,
  /** Words in a queue's body. */
  Words = 52,
}

/**
 * A SharedDict's or SharedList's state cell: the agent id of the thread in a call (0
 * none), the count of blocked waiters, the current state (a Bytes block) and the format
 * given at creation (which class the state belongs to).
 */
export const enum StateCellWord {
  Holder = 0,
  Waiters = 1,
  State = 2,
  Format = 3,
}

/** Condition: the internal mutex of its waiter list (the rest of its body is the core's). */
export const enum ConditionWord {
  Mutex = 2,
}

/**
 * Barrier: the internal mutex of its counters, and the sequence word its waiters sleep on
 * (the rest of its body is the core's).
 */
export const enum BarrierWord {
  Mutex = 0,
  Seq = 1,
}

/** How a queue item's bytes encode its JavaScript value. */
export const enum QueueTag {
  /** 8 bytes, a little-endian f64. */
  Number = 1,
  /** UTF-8. */
  String = 2,
  Buffer = 3,
  Uint8Array = 4,
  /** `v8.serialize` output, handed back to JavaScript as `[buffer]` to deserialize. */
  V8 = 5,
  /** One byte: 0 undefined, 1 null, 2 false, 3 true. */
  Simple = 6,
  /** JSON text of plain data (UTF-8), handed back to JavaScript as `[string]` to parse. */
  Json = 7,
}

/**
 * What a barrier wait returns besides an arrival index: `BROKEN`, or, for the last
 * arrival (which runs the action), `LAST - index`.
 */
export const enum BarrierResult {
  Broken = -1,
  Last = -2,
}

/** Limits of counts that JavaScript reads as Int32. */
export const enum Limit {
  SemaphoreValue = 2147483647,
  RLockDepth = 2147483647,
  /** A barrier's arrivals (a word per party) are one block: this bounds its parties. */
  BarrierParties = 8388608,
}
