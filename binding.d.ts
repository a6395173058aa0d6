// Types of the native addon (src-rs/binding). Not part of the public API: the classes in
// src/ wrap it. Handles are block indexes in the shared arena.

declare module 'native-threading/binding' {
  export interface NativeInit {
    /** The shared arena's small-block region, seen as one ArrayBuffer. */
    memory: ArrayBuffer;
    /** This thread's owner id (RLock owners), unique across threads and processes. */
    agent: number;
    pid: number;
    /** Byte offset of a block's body from its start. */
    body: number;
    /** Bytes per block index: block `h` starts at byte `h * block`. */
    block: number;
  }

  export interface NativeBinding {
    init(isWorker: boolean): NativeInit;
    /** A new primitive; `owner` holds its reference (released when `owner` is collected). */
    create(kind: number, owner: object, a?: number, b?: number): number;
    /** `[off, gen, lease, leaseGen]`: owns one reference until adopted. */
    share(handle: number): number[];
    adopt(kind: number, owner: object, descriptor: unknown): number;
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

    /** Blocks this thread; `timeoutMs` < 0 waits forever. */
    block(op: number, handle: number, timeoutMs: number): number;
    waitAsync(op: number, handle: number, timeoutMs: number): [id: number, result: Promise<number>];
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
