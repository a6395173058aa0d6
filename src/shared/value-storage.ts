// What Value and SharedArray have in common: their memory (a Shared block of the arena), its
// format, the lock that travels with it, and the revival of either class from one kind of
// descriptor.
//
// Block layout. The native block stores the lock (kept alive by the block), the byte length and
// a format word given at creation (MAGIC | flags | typecode id), so that any thread or process
// that holds the handle knows what the bytes are without being told; its data (16-byte aligned,
// zeroed at creation) is the elements and nothing else: the ArrayBuffer a user can reach
// (`arr.view.buffer`) covers exactly them, so no user write can change what the block says it is.
//
// The typecode therefore does not travel in the structured-clone descriptor (`{ kind, d }`, the
// same as every primitive's): `from()` and the Thread-argument reviver read it from the block.
import { coded, invalidArgType } from '../runtime/errors';
import { Lock } from '../sync/lock';
import { Kind, native } from '../runtime/native';
import { RLock } from '../sync/rlock';
import { registerReviver } from '../runtime/handle-transfer';
import { invalidInstanceArg } from '../runtime/receiver';
import { SharedTypedArray, TYPECODES, TypeInfo } from './typecode';

const MAGIC = 0x4e540000; // 'NT' in the high half
const MAGIC_MASK = 0xffff0000;
const ARRAY_FLAG = 0x100;
const ID_MASK = 0xff;
/** The native block's byte length is a u32. */
export const MAX_BYTES = 0xffffffff;

/** `{ lock }` of the constructors: `true`/omitted/null a new RLock, `false` none, or the given lock. */
export interface SharedOptions {
  lock?: boolean | Lock | RLock | null;
}

export interface SharedData {
  handle: number;
  info: TypeInfo;
  length: number;
  view: SharedTypedArray;
  /** The lock given to the constructor (undefined: look it up in the block when asked). */
  lock: Lock | RLock | null | undefined;
}

/** The lock to create the block with (validated before anything is allocated). */
export function lockOption(options: unknown): boolean | Lock | RLock {
  if (options === undefined || options === null) return true;
  if (typeof options !== 'object') throw invalidArgType('The "options" argument must be of type object', options);
  const lock = (options as SharedOptions).lock;
  if (lock === undefined || lock === null || lock === true) return true;
  if (lock === false || lock instanceof Lock || lock instanceof RLock) return lock;
  throw invalidInstanceArg('The "options.lock" property must be a boolean, a Lock or an RLock', lock, ['Lock', 'RLock']);
}

/** A new block for `length` elements of `info`, owned by `owner`. */
export function createData(owner: object, info: TypeInfo, length: number, array: boolean, lockOpt: boolean | Lock | RLock): SharedData {
  const lock = lockOpt === true ? new RLock() : lockOpt === false ? null : lockOpt;
  const lockHandle = lock === null ? 0 : lock instanceof Lock ? Lock.handleOf(lock) : RLock.handleOf(lock);
  const format = MAGIC | (array ? ARRAY_FLAG : 0) | info.id;
  const handle = native.create(Kind.Shared, owner, length * info.bytes, lockHandle, format >>> 0);
  return { handle, info, length, view: info.view(native.sharedView(handle), 0, length), lock };
}

/** Whether block `handle` holds a SharedArray (true), a Value (false), or neither (undefined). */
function headerOf(handle: number): { buffer: ArrayBuffer; array: boolean; info: TypeInfo; length: number } | undefined {
  const word = native.sharedFormat(handle);
  const info = TYPECODES[word & ID_MASK];
  if ((word & MAGIC_MASK) >>> 0 !== MAGIC || info === undefined) return undefined;
  const buffer = native.sharedView(handle);
  return { buffer, array: (word & ARRAY_FLAG) !== 0, info, length: buffer.byteLength / info.bytes };
}

/** The data of an existing block (a `from()` or a revival); `className` names what it must be. */
export function openData(handle: number, array: boolean, className: string): SharedData {
  const h = headerOf(handle);
  if (h === undefined || h.array !== array) {
    const got = h === undefined ? 'another shared object' : h.array ? 'a SharedArray' : 'a Value';
    throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', `${className}.from() expects a ${className} received through postMessage, workerData or a target's arguments. Received ${got}`);
  }
  return { handle, info: h.info, length: h.length, view: h.info.view(h.buffer, 0, h.length), lock: undefined };
}

/** The lock of `data` (looked up once in the block, then cached in `data`). */
export function lockOf(data: SharedData): Lock | RLock | null {
  if (data.lock === undefined) {
    const [l, isRLock] = native.sharedLock(data.handle);
    data.lock = l === 0 ? null : isRLock ? RLock.fromHandle(l) : Lock.fromHandle(l);
  }
  return data.lock;
}

/** `getLock()`: the lock, or ERR_NO_LOCK for an instance created with `{ lock: false }`. */
export function requireLock(data: SharedData, className: string): Lock | RLock {
  const lock = lockOf(data);
  if (lock === null) {
    throw coded(Error, 'ERR_NO_LOCK', `this ${className} was created with { lock: false } and has no lock (Python's Raw${className === 'SharedArray' ? 'Array' : 'Value'})`);
  }
  return lock;
}

/** Instances of this thread: which class each is (so `from()` of the wrong one needs no lease). */
export const brands = new WeakMap<object, 'Value' | 'SharedArray'>();

type Builder = (handle: number) => object;
const builders: { value?: Builder; array?: Builder } = {};

/** Each class registers how to build itself over a handle; one reviver serves both. */
export function registerSharedClass(array: boolean, build: Builder): void {
  builders[array ? 'array' : 'value'] = build;
}

registerReviver(Kind.Shared, (shared) => {
  // Adopt first (the descriptor owns a reference until then), read the header, then build the
  // right class over one more reference; the holder's reference goes when it is collected.
  const holder = {};
  const handle = native.adopt(Kind.Shared, holder, shared.d);
  const h = headerOf(handle);
  const build = h === undefined ? undefined : builders[h.array ? 'array' : 'value'];
  if (build === undefined) throw invalidArgType('not a shared Value or SharedArray', shared);
  return build(handle);
});
