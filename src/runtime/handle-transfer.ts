// How primitives travel. Each instance carries one own, enumerable accessor property, read by
// the structured-clone algorithm (postMessage, workerData, v8.serialize): every read hands out
// a descriptor of the instance's one lease (made at the first read), which counts the clones
// not yet restored and keeps the primitive alive for them, so the primitive outlives the sender
// until the receiver restores it with `from()`. Reading it any number of times (JSON.stringify,
// console.log, spread) allocates nothing in shared memory.
import { invalidArgType } from './errors';
import { native } from './native';

export const SHARED_KEY = '__nativeThreading';

export interface Shared {
  kind: number;
  /** `[off, gen, lease, leaseGen, sealLow, sealHigh]` (see binding/handles.rs). */
  d: number[];
  /** What a class sends beside the handle (a Barrier: its action's export). */
  x?: unknown;
}

/** Kinds that exist only in JavaScript, for objects whose whole state is one native primitive
 * (see makeShareableOver). Native kinds (Kind in native.ts) are all below 256. */
export const enum JsKind {
  SharedDict = 256,
  SharedList = 257,
}

/** While positive, the accessors describe without leasing (see withoutLeases). */
let trialDepth = 0;

/** Where leases are noted while a serialization runs (see recordLeases). */
let leaseLog: Shared[] | null = null;

/** Notes every lease taken until `stop()`, which returns them: a serialization learns from it
 * whether the value held shared instances, and which leases to give back if it fails. */
export function recordLeases(): { stop(): Shared[] } {
  const outer = leaseLog;
  const log: Shared[] = [];
  leaseLog = log;
  return {
    stop(): Shared[] {
      leaseLog = outer;
      return log;
    },
  };
}

export function makeShareable(obj: object, kind: number, handle: number, extra?: () => unknown): void {
  let lease: number | undefined;
  Object.defineProperty(obj, SHARED_KEY, {
    enumerable: true,
    get: (): Shared => {
      if (trialDepth > 0) return { kind, d: [] };
      lease ??= native.lease(obj, handle);
      const shared: Shared = { kind, d: native.share(lease) };
      if (extra !== undefined) shared.x = extra();
      leaseLog?.push(shared);
      return shared;
    },
  });
}

/** `obj` travels as `kind` (a JsKind) with the descriptor of `inner`, a shareable primitive that
 * holds all of its state: `from()` and revival tell it from `inner`'s own class by the kind, then
 * adopt the primitive with `inner`'s kind. */
export function makeShareableOver(obj: object, kind: JsKind, inner: object): void {
  Object.defineProperty(obj, SHARED_KEY, {
    enumerable: true,
    get: (): Shared => ({ kind, d: (inner as Record<string, Shared>)[SHARED_KEY].d }),
  });
}

/** Runs `fn` with every accessor returning a descriptor that owns nothing: a trial serialization
 * then checks that a value can be cloned without leasing the primitives inside it (a lease that
 * nobody restores keeps its primitive alive until the program ends). */
export function withoutLeases<T>(fn: () => T): T {
  trialDepth++;
  try {
    return fn();
  } finally {
    trialDepth--;
  }
}

/** Whether `value` is a live instance of a shareable class (not a structured clone of one):
 * `from()` can then reject it without reading its accessor, which would lease. */
export function isLiveShareable(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.getOwnPropertyDescriptor(value, SHARED_KEY)?.get !== undefined;
}

/** The descriptor inside `value` (a structured clone of an instance), or undefined. */
export function sharedOf(value: unknown): Shared | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = (value as Record<string, unknown>)[SHARED_KEY];
  if (typeof s !== 'object' || s === null) return undefined;
  const { kind, d, x } = s as Shared;
  return typeof kind === 'number' && Array.isArray(d) ? { kind, d, x } : undefined;
}

/** `Class.from(shared)`: the descriptor for `kinds`, or ERR_INVALID_ARG_TYPE. */
export function expectShared(value: unknown, className: string, ...kinds: number[]): Shared {
  const s = sharedOf(value);
  if (s === undefined || !kinds.includes(s.kind)) {
    throw invalidArgType(`${className}.from() expects a ${className} received through postMessage, workerData or a target's arguments`, value);
  }
  return s;
}

type Reviver = (s: Shared) => object;
const revivers = new Map<number, Reviver>();

export function registerReviver(kind: number, revive: Reviver): void {
  revivers.set(kind, revive);
}

/** Replaces every shared descriptor inside `value` (arrays, plain objects, Maps, Sets) with a
 * working instance. Used on the arguments a Thread, Process or Pool target receives. */
export function revive(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  const s = sharedOf(value);
  if (s !== undefined) {
    const r = revivers.get(s.kind);
    if (r !== undefined) {
      const instance = r(s);
      seen.set(value, instance);
      return instance;
    }
  }
  // Only replaced entries are written back, so holes in sparse arrays stay holes.
  if (Array.isArray(value)) {
    seen.set(value, value);
    value.forEach((v, i) => {
      const r = revive(v, seen);
      if (r !== v) value[i] = r;
    });
  } else if (value instanceof Map) {
    seen.set(value, value);
    for (const [k, v] of value) {
      const r = revive(v, seen);
      if (r !== v) value.set(k, r);
    }
  } else if (value instanceof Set) {
    seen.set(value, value);
    const items = [...value];
    value.clear();
    for (const v of items) value.add(revive(v, seen));
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    seen.set(value, value);
    const rec = value as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const r = revive(rec[k], seen);
      if (r !== rec[k]) rec[k] = r;
    }
  }
  return value;
}

/** Where a constructor takes an existing primitive from instead of creating one: a shared
 * descriptor to adopt, or a handle this thread already holds (one more reference). */
type Source = { shared: Shared } | { handle: number };
let source: Source | undefined;

/** While true, revived descriptors are borrowed, not adopted (see reviveBorrowed). */
let borrowing = false;

/** `revive(value)` for a value read from a SharedDict's or SharedList's state: its descriptors
 * stay there (the state keeps its own reference to each primitive), so each instance takes a
 * reference of its own without counting a clone adopted. */
export function reviveBorrowed<T>(value: T): T {
  const outer = borrowing;
  borrowing = true;
  try {
    return revive(value) as T;
  } finally {
    borrowing = outer;
  }
}

/** Runs `build` (a constructor call) so that it attaches to `src` instead of creating. */
export function buildFrom<T>(src: Source, build: () => T): T {
  source = src;
  try {
    return build();
  } finally {
    source = undefined;
  }
}

/** In a constructor: the handle to attach to, if this construction is a `buildFrom`. */
export function existingHandle(kind: number, owner: object): number | undefined {
  const s = source;
  if (s === undefined) return undefined;
  source = undefined;
  if (!('shared' in s)) return native.retainInto(kind, owner, s.handle);
  return borrowing ? native.borrow(kind, owner, s.shared.d) : native.adopt(kind, owner, s.shared.d);
}
