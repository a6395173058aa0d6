// Types of the native addon (src-rs/binding). Not part of the public API: the classes in
// src/ wrap it. Handles are block indexes in the shared arena.

declare module 'native-threading/binding' {
  export interface NativeInit {
    /** The shared arena's small-block region, seen as one ArrayBuffer. */
    memory: ArrayBuffer;
    /** This thread's owner id (RLock owners), unique across threads and processes. */
    agent: number;
    /** This process's tag (the holder a Lock word records), unique among live processes. */
    process: number;
    pid: number;
  }

  export interface NativeBinding {
    init(isWorker: boolean): NativeInit;
    /** The shared-memory layout table (src-rs/layout.rs): `{ [group]: { [name]: value } }`,
     * the groups and names of src/runtime/layout.ts. */
    layout(): Record<string, Record<string, number>>;
    /** A new primitive; `owner` holds its reference (released when `owner` is collected). */
    create(kind: number, owner: object, a?: number, b?: number | boolean, c?: number): number;
    /** The lease every clone of `owner` (holding `handle`) carries; `owner` holds it. */
    lease(owner: object, handle: number): number;
    /** `[off, gen, lease, leaseGen, sealLow, sealHigh]`: one more clone; the lease keeps the primitive until it
     * is adopted. */
    share(lease: number): number[];
    adopt(kind: number, owner: object, descriptor: unknown): number;
    /** As `adopt`, for a descriptor that stays in a SharedDict's or SharedList's state (which
     * holds its own reference): counts no clone adopted. */
    borrow(kind: number, owner: object, descriptor: unknown): number;
    retainInto(kind: number, owner: object, handle: number): number;
    refs(handle: number): number;

    lockRelease(handle: number): void;
    rlockRelease(handle: number): void;
    rlockWake(handle: number): void;
    semRelease(handle: number, n: number): void;
    eventWake(handle: number): void;
    condLock(handle: number): [lock: number, isRLock: number];
    condNotify(handle: number, n: number): void;
    barrierFinish(handle: number, actionSucceeded: boolean): boolean;
    barrierAbort(handle: number): void;
    barrierReset(handle: number): void;
    barrierInfo(handle: number): [parties: number, nWaiting: number, broken: number, timeoutMs: number];

    /** An ArrayBuffer over a Shared block's data (Value, SharedArray); holds a reference. */
    sharedView(handle: number): ArrayBuffer;
    /** The format word given to `create` for a Value's or SharedArray's block. */
    sharedFormat(handle: number): number;
    /** `[lockHandle, isRLock]` of a Shared block, `[0, 0]` without a lock. */
    sharedLock(handle: number): [lock: number, isRLock: number];

    /** A state cell (`kind` StateCell): `value` holding the primitives of `descriptors` (the
     * float64s of `share` descriptors, as bytes). */
    create(kind: number, owner: object, format: number, value: Uint8Array, descriptors: Uint8Array): number;
    /** Blocks until this thread holds the state; a copy of its value. */
    stateEnter(handle: number): Buffer;
    /** Replaces the held state's value and leaves; nothing changed (still held) if it throws. */
    stateCommit(handle: number, value: Uint8Array, descriptors: Uint8Array): void;
    /** The tail of a JavaScript leave that saw waiters. */
    stateWake(handle: number): void;
    /** The format given at creation. */
    stateFormat(handle: number): number;

    /** 0 queued, 1 full (nothing changed). Tags: 1 number, 2 string, 3 Buffer, 4 Uint8Array,
     * 5 v8.serialize bytes, 6 simple (0 undefined, 1 null, 2 false, 3 true). */
    queuePut(handle: number, tag: number, value: unknown): number;
    /** The next item, `empty` when there is none; v8 items come back as `[Buffer]`. */
    queueGet<E>(handle: number, empty: E): unknown;
    queueTaskDone(handle: number): void;

    /** `[arenaFd, parentDeathFd]` for a child's descriptors 3 and 4. */
    processFds(): [arenaFd: number, deathFd: number];
    /** In a child: end this process (SIGKILL) when `fd` reaches end-of-file. */
    watchParent(fd: number): void;
    pidfdOpen(pid: number): number;
    /** Exit code, -signal when killed, null while running. */
    processExitCode(pidfd: number): number | null;
    processWait(pidfd: number, timeoutMs: number): number | null;
    closeFd(fd: number): void;
    /** At exit: give this process's mailbox slot in the arena back. */
    releaseProcessSlot(): void;
    /** The next N of `Process-N`, process-wide. */
    processNumber(): number;
    /** Records a child started by any thread of this process. */
    childStarted(pid: number, name: string): void;
    /** `[pid, name][]` of this process's children that are still running. */
    liveChildren(): Array<[pid: number, name: string]>;
    /** A copy of `bytes` in shared memory, owned by the descriptor until bytesTake. */
    bytesShare(bytes: Uint8Array): number[];
    bytesTake(descriptor: unknown): Buffer;

    /** Blocks this thread; `timeoutMs` < 0 waits forever. */
    block(op: number, handle: number, timeoutMs: number, word?: number, seen?: number): number;
    waitAsync(op: number, handle: number, timeoutMs: number, word?: number, seen?: number): [id: number, result: Promise<number>];
    /** Aborts wait `id`: its promise resolves with -Infinity. False when already decided. */
    abortWait(id: number): boolean;

    threadRegister(name: string, daemon: boolean, kind: number): number;
    threadStarted(id: number, ident: number, nativeId: number): void;
    threadUpdate(id: number, name: string, daemon: boolean): void;
    threadUnregister(id: number): void;
    /** When the calling thread ends (however): drop record `id`, set the Event `doneEvent`. */
    threadAtExit(id: number, doneEvent: number): void;
    threadNumber(): number;
    threadList(): Array<[id: number, name: string, ident: number, nativeId: number, daemon: boolean, kind: number]>;
    currentIdent(): [ident: number, nativeId: number];
  }
}
