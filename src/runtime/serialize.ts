// How values with no fast path cross to another thread or process: one v8 serialization of the
// whole value (a chunk of a Pool's calls, a result, a queue item), which itself finds what
// cannot be copied and what must be revived, so that nothing walks the value in JavaScript:
//
//  - a SharedArrayBuffer (V8 asks for its id) or a view of one (a host object to Node's
//    serializer) stops the serialization: ERR_NOT_SHAREABLE, or for a ThreadPool, which can
//    send it by postMessage, the caller is told so;
//  - a shared instance (Lock, Value, Queue, ...) is seen by its accessor taking a lease as V8
//    reads it (see handle-transfer.ts): the encoding is then marked, and only a marked
//    encoding is revived on the other side.
//
// Plain data (objects and arrays of strings, numbers, booleans and null, which JSON gives back
// exactly) is JSON text instead: V8 writes and parses it faster than it (de)serializes, and a
// v8 serialization of one small value costs microseconds in Node's Serializer objects alone.
//
// An encoding is [prefix bytes for the caller] then either [v8 bytes][1 byte: 1 if marked,
// else 0] (V8 reads its one value and ignores the byte after it), or JSON text; v8 bytes
// start with V8's version tag, 0xFF, JSON text with '{' or '['.
import { DefaultDeserializer, DefaultSerializer } from 'node:v8';
import { coded, invalidArgValue, withCause } from './errors';
import { recordLeases, revive, Shared, SHARED_KEY } from './handle-transfer';

const MARKED = 1;

/** What a value holding a SharedArrayBuffer gets: an error, or (ThreadPool) "send it another way". */
export type OnSharedMemory = 'throw' | 'report';

/** Thrown inside the serializer when shared memory is found and the caller asked to be told. */
const HAS_SHARED_MEMORY = Symbol('shared memory');

function notShareable(what: string): Error {
  return coded(
    TypeError,
    'ERR_NOT_SHAREABLE',
    `${what} contains a SharedArrayBuffer, which cannot be copied to another process: use Value or SharedArray for shared memory`,
  );
}

class Encoder extends DefaultSerializer {
  constructor(
    readonly what: string,
    readonly onShared: OnSharedMemory,
  ) {
    super();
  }

  #sharedMemory(): never {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw this.onShared === 'throw' ? notShareable(this.what) : HAS_SHARED_MEMORY;
  }

  /** Called by V8 for every ArrayBuffer view (Node's serializer treats them as host objects). */
  _writeHostObject(view: NodeJS.ArrayBufferView): void {
    // A view of a SharedArrayBuffer would be copied: the copy would not be shared.
    if (view.buffer instanceof SharedArrayBuffer) this.#sharedMemory();
    writeHostObject.call(this, view);
  }

  /** Called by V8 for a SharedArrayBuffer. */
  _getSharedArrayBufferId(): never {
    this.#sharedMemory();
  }
}

const writeHostObject = (DefaultSerializer.prototype as unknown as { _writeHostObject(v: object): void })._writeHostObject;

/** gives back the leases a serialization that was given up took (nobody will revive them). */
function release(leases: Shared[]): void {
  for (const s of leases) revive({ [SHARED_KEY]: s });
}

/** Beyond this depth a value is left to V8 (the check recurses). */
const JSON_DEPTH = 64;

/** Whether `v` comes back from its JSON text as an equal value, as from v8 serialization:
 * plain objects and dense arrays (once each: JSON would copy a repeated object) holding
 * strings, booleans, null and finite numbers other than -0. Anything else (undefined, Dates,
 * Maps, typed arrays, class instances such as the shared primitives) is left to V8. */
function jsonExact(v: unknown, seen: Set<object>, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (depth > JSON_DEPTH || seen.has(v)) return false;
      seen.add(v);
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype || Object.keys(v).length !== v.length) return false;
        for (let i = 0; i < v.length; i++) if (!jsonExact(v[i], seen, depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return false;
      for (const k in v) {
        if (!Object.hasOwn(v, k) || !jsonExact((v as Record<string, unknown>)[k], seen, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Which values may be encoded as JSON text: plain data where it is likely the faster encoding
 * ('plain'); the same but no long array ('short', a Pool caller's chunks: see encodeValue); none
 * ('never', when the caller tried JSON already).
 */
export type JsonUse = 'plain' | 'short' | 'never';

/** Whether JSON is likely the faster encoding: for objects, short arrays (a tuple: the cost of
 * Node's Serializer objects dominates) and, for 'plain', arrays of objects; long arrays of
 * strings or numbers alone V8 copies faster than JSON escapes and parses them. */
function jsonWorthwhile(value: unknown, use: JsonUse): boolean {
  if (use === 'never' || typeof value !== 'object' || value === null) return false;
  if (!Array.isArray(value) || value.length <= SHORT_ARRAY) return true;
  const first: unknown = value[0];
  return use === 'plain' && typeof first === 'object' && first !== null;
}

const SHORT_ARRAY = 16;

/** The JSON text of `value` when `use` allows it, JSON is its faster encoding and gives it
 * back exactly. */
export function jsonText(value: unknown, use: JsonUse = 'plain'): string | undefined {
  return jsonWorthwhile(value, use) && jsonExact(value, new Set(), 0) ? JSON.stringify(value) : undefined;
}

/** The first byte of every v8 encoding (its version tag); JSON text starts with '{' or '['. */
const V8_VERSION_TAG = 0xff;

/**
 * `value` encoded after `prefix` zeroed bytes, or undefined when it holds shared memory and
 * `onShared` is 'report'. A value that cannot be serialized is ERR_INVALID_ARG_VALUE with
 * `cannot(message)` as its message; shared memory with 'throw' is ERR_NOT_SHAREABLE naming `what`.
 * Nothing stays leased when it throws. The descriptors of the leases it took (one per shared
 * instance inside) are added to `leases` when given.
 *
 * `json` 'short': a long array (a Pool's chunk of calls, which the caller encodes on its one
 * thread while workers wait) always takes V8's serializer, which finds what JSON cannot carry
 * as it writes, instead of a walk in JavaScript before JSON.stringify, which cost the caller
 * as much again; decoding it costs more, but in the workers, in parallel.
 */
export function encodeValue(
  value: unknown,
  what: string,
  onShared: OnSharedMemory,
  cannot: (m: string) => string,
  prefix = 0,
  leases?: Shared[],
  json: JsonUse = 'plain',
): Buffer | undefined {
  const text = jsonText(value, json);
  if (text !== undefined) {
    const out = Buffer.allocUnsafe(prefix + Buffer.byteLength(text));
    out.fill(0, 0, prefix);
    out.write(text, prefix);
    return out;
  }
  const ser = new Encoder(what, onShared);
  if (prefix > 0) ser.writeRawBytes(Buffer.alloc(prefix));
  ser.writeHeader();
  const recording = recordLeases();
  let ok = false;
  try {
    ser.writeValue(value);
    ok = true;
  } catch (e) {
    if (e === HAS_SHARED_MEMORY) return undefined;
    if ((e as { code?: unknown })?.code === 'ERR_NOT_SHAREABLE') throw e;
    throw withCause(invalidArgValue(cannot((e as Error).message)), e);
  } finally {
    const taken = recording.stop();
    if (!ok) release(taken);
    else {
      ser.writeRawBytes(taken.length > 0 ? MARKED_BYTE : UNMARKED_BYTE);
      leases?.push(...taken);
    }
  }
  return ser.releaseBuffer();
}

const MARKED_BYTE = Buffer.from([MARKED]);
const UNMARKED_BYTE = Buffer.from([0]);

/** The value of an encoding (from `offset`), with its shared instances revived if it has any. */
export function decodeValue(buf: Buffer, offset = 0): unknown {
  const { value, marked } = decodeUnrevived(buf, offset);
  return marked ? revive(value) : value;
}

/** The value of an encoding (from `offset`) as it was read, shared instances left as their
 * descriptors, and whether it holds any (`marked`). */
export function decodeUnrevived(buf: Buffer, offset = 0): { value: unknown; marked: boolean } {
  if (buf[offset] !== V8_VERSION_TAG) return { value: JSON.parse(buf.toString('utf8', offset)), marked: false };
  const des = new DefaultDeserializer(offset === 0 ? buf : buf.subarray(offset));
  des.readHeader();
  return { value: des.readValue(), marked: holdsShared(buf, offset) };
}

/** Whether an encoding (from `offset`) holds shared instances. */
export function holdsShared(buf: Buffer, offset = 0): boolean {
  return buf[offset] === V8_VERSION_TAG && buf[buf.length - 1] === MARKED;
}

/** Gives back the leases an encoding holds, when it will not be sent after all. */
export function releaseEncoded(buf: Buffer, offset = 0): void {
  if (holdsShared(buf, offset)) decodeValue(buf, offset);
}

/** The encoded form of a queue item with no fast path: JSON text for plain data (the queue
 * copies it as a string), else v8 bytes; fails before the queue is touched. */
export function serializeItem(item: unknown): string | Buffer {
  return jsonText(item) ?? encodeValue(item, 'a queue item', 'throw', (m) => `the item cannot be put in a queue: ${m} (items must be structured-cloneable)`, 0, undefined, 'never')!;
}

/** A queue item's value (see serializeItem). */
export function deserializeItem(encoded: string | Buffer): unknown {
  return typeof encoded === 'string' ? JSON.parse(encoded) : decodeValue(encoded);
}

/** SharedArrayBuffers cannot be copied to another process: point to Value/SharedArray. A walk in
 * JavaScript, for the few values sent once (a Process's arguments, a Pool's initargs). */
export function assertNoSharedMemory(value: unknown, what: string, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const sab = value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer);
  if (sab) throw notShareable(what);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  // Not Object.values(): reading a shared instance's SHARED_KEY accessor takes a reference.
  const children =
    value instanceof Map
      ? [...value.keys(), ...value.values()]
      : value instanceof Set
        ? [...value]
        : Object.keys(value)
            .filter((k) => k !== SHARED_KEY)
            .map((k) => (value as Record<string, unknown>)[k]);
  for (const v of children) assertNoSharedMemory(v, what, seen);
}

/** Whether `value` holds a SharedArrayBuffer or a view of one, anywhere inside. */
export function hasSharedMemory(value: unknown): boolean {
  try {
    assertNoSharedMemory(value, '');
    return false;
  } catch {
    return true;
  }
}
