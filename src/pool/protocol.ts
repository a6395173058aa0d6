// The messages between a pool and its workers. Tasks and results are Buffers (the queues'
// fast path): a 16-byte header, then the payload, either float64s (a chunk of numbers, the
// common case of map over numbers: no serializer at all), the bytes of a chunk of Buffers, or an
// encoding of runtime/serialize.ts, written after room left for the header.
//
//   task   (pool -> worker inbox):  u32 taskId, u32 fnId, u8 flags, u8 argc | calls
//   result (worker -> pool):        u32 taskId, u32 workerId, u8 status, u8 flags | value
//
// A worker's inbox also carries `[fnId, ExportRef]` (the target behind fnId, sent before its
// first task for that worker) and `null` (stop after the tasks before it).
import type { ErrorRecord } from '../runtime/error-record';
import { coded } from '../runtime/errors';
import { decodeValue, encodeValue } from '../runtime/serialize';

export const TASK_HEADER = 16;
export const RESULT_HEADER = 16;

/** Task flags. Without ITEMS or NUMBERS the calls are a v8 array of argument arrays. */
export const TASK_SINGLE = 1; // one call whose value is the result (apply), not an array of them
export const TASK_ARGS_ON_PORT = 2; // ThreadPool: the calls could not be serialized (shared memory) and travel on the port
export const TASK_NUMBERS = 4; // each call has one argument, a number: the body is their float64s
export const TASK_ITEMS = 8; // each call has one argument: the body is a v8 array of them
/** Each call has the same number of arguments (byte 9 of the header), all numbers: the body is
 * their float64s, call after call (starmap over [i, 1], apply(add, [a, b])). */
export const TASK_NUMBER_ROWS = 16;
export const TASK_ARGC = 9;
/** Each call has one argument, a byte array (all Buffers, or all plain Uint8Arrays): the body is
 * their bytes (see bytesMessage). */
export const TASK_BYTES = 32;
/** Each call has the same number of arguments (byte 9 of the header): the body is the encoding
 * of one array per argument position (see columnsOf), not of an array per call. */
export const TASK_COLUMNS = 64;
/** Each call has one argument, a flat record: the body is the encoding of the records by field
 * (see recordColumnsOf). */
export const TASK_RECORDS = 128;

/** Result statuses. */
export const RESULT_OK = 0;
export const RESULT_ERROR = 1;
/** The initializer threw: the error follows, and the worker ends. */
export const RESULT_INIT_FAILED = 2;
/** The worker runs (before its initializer): the pool's constructor waits for this. */
export const RESULT_READY = 3;

/** Result flags. */
export const RESULT_VALUE_ON_PORT = 1;
export const RESULT_NUMBERS = 2; // the value is the body's float64s (an array, or its one number if SINGLE)
export const RESULT_SINGLE = 4;
export const RESULT_BYTES = 8; // the value is an array of byte arrays (see bytesMessage)
export const RESULT_RECORDS = 16; // the value is an array of flat records, by field (see recordColumnsOf)

/** A message of `header` bytes (zeroed, for the caller to fill) and the float64s of
 * `values[start, end)`, written in place. */
export function numbersMessage(header: number, values: ArrayLike<number>, start = 0, end = values.length): Buffer {
  const n = end - start;
  const out = Buffer.allocUnsafe(header + n * 8);
  out.fill(0, 0, header);
  const at = out.byteOffset + header;
  if (n === 1) {
    out.writeDoubleLE(values[start], header);
  } else if (at % 8 === 0) {
    const f = new Float64Array(out.buffer, at, n);
    for (let i = 0; i < n; i++) f[i] = values[start + i];
  } else {
    for (let i = 0; i < n; i++) out.writeDoubleLE(values[start + i], header + i * 8);
  }
  return out;
}

export function writeTaskHeader(out: Buffer, taskId: number, fnId: number, flags: number): Buffer {
  out.writeUInt32LE(taskId, 0);
  out.writeUInt32LE(fnId, 4);
  out[8] = flags;
  return out;
}

export function writeResultHeader(out: Buffer, taskId: number, workerId: number, status: number, flags: number): Buffer {
  out.writeUInt32LE(taskId, 0);
  out.writeUInt32LE(workerId, 4);
  out[8] = status;
  out[9] = flags;
  return out;
}

/** A result message with no payload. */
export function emptyResult(taskId: number, workerId: number, status: number, flags: number): Buffer {
  return writeResultHeader(Buffer.alloc(RESULT_HEADER), taskId, workerId, status, flags);
}

/** An error record as a result's payload (after room for the header). */
export function encodeRecord(record: ErrorRecord): Buffer {
  return encodeValue(record, "a Pool task's error", 'throw', (m) => m, RESULT_HEADER)!;
}

/** The encoded payload after a header, with shared objects inside revived. */
export function decodeBody(buf: Buffer, header: number): unknown {
  return decodeValue(buf, header);
}

/** The float64s after a header (a view when aligned, else a copy). */
export function readNumbers(buf: Buffer, header: number): Float64Array {
  const n = (buf.length - header) / 8;
  const at = buf.byteOffset + header;
  if (at % 8 === 0) return new Float64Array(buf.buffer, at, n);
  const copy = new Float64Array(n);
  new Uint8Array(copy.buffer).set(buf.subarray(header));
  return copy;
}

/** Calls of `argc` number arguments each (see TASK_NUMBER_ROWS), or undefined when they are not:
 * their float64s after `header` bytes (zeroed, for the caller to fill), argc in the header. */
export function numberRowsMessage(header: number, calls: unknown[][]): Buffer | undefined {
  const argc = calls[0]?.length ?? 0;
  if (argc < 2 || argc > 255) return undefined;
  const out = Buffer.allocUnsafe(header + calls.length * argc * 8);
  const at = out.byteOffset + header;
  // Buffers from the pool start 8-aligned; a copy is made only when one does not.
  const f = at % 8 === 0 ? new Float64Array(out.buffer, at, calls.length * argc) : new Float64Array(calls.length * argc);
  let j = 0;
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    if (c.length !== argc) return undefined;
    for (let k = 0; k < argc; k++) {
      const x = c[k];
      if (typeof x !== 'number') return undefined;
      f[j++] = x;
    }
  }
  if (f.buffer !== out.buffer) out.set(new Uint8Array(f.buffer), header);
  out.fill(0, 0, header);
  out[TASK_ARGC] = argc;
  return out;
}

const BYTES_BUFFER = 0;
const BYTES_UINT8ARRAY = 1;

/** How `v` travels as bytes: BYTES_BUFFER, BYTES_UINT8ARRAY, or -1 when it does not (another
 * type, or a view of shared memory, which the serializer must see). */
function bytesKindOf(v: unknown): number {
  if (!(v instanceof Uint8Array) || v.buffer instanceof SharedArrayBuffer) return -1;
  if (Buffer.isBuffer(v)) return BYTES_BUFFER;
  return v.constructor === Uint8Array ? BYTES_UINT8ARRAY : -1;
}

/**
 * `values[start, end)` as their bytes after `header` zeroed bytes, when they are all Buffers or
 * all plain Uint8Arrays (else undefined): u32 kind, u32 count, a u32 length per value, then the
 * bytes one after another. A value given twice arrives as two copies (v8 would make it one).
 */
export function bytesMessage(header: number, values: ArrayLike<unknown>, start = 0, end = values.length): Buffer | undefined {
  const n = end - start;
  if (n === 0) return undefined;
  const kind = bytesKindOf(values[start]);
  if (kind < 0) return undefined;
  let total = 0;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (bytesKindOf(v) !== kind) return undefined;
    total += (v as Uint8Array).length;
  }
  let at = header + 8 + n * 4;
  const out = Buffer.allocUnsafe(at + total);
  out.fill(0, 0, header);
  out.writeUInt32LE(kind, header);
  out.writeUInt32LE(n, header + 4);
  for (let i = 0; i < n; i++) {
    const v = values[start + i] as Uint8Array;
    out.writeUInt32LE(v.length, header + 8 + i * 4);
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/** The byte arrays of a bytesMessage: views of `buf` (as v8 deserialization gives them). */
export function readBytes(buf: Buffer, header: number): Uint8Array[] {
  const kind = buf.readUInt32LE(header);
  const n = buf.readUInt32LE(header + 4);
  const out = new Array<Uint8Array>(n);
  let at = buf.byteOffset + header + 8 + n * 4;
  for (let i = 0; i < n; i++) {
    const len = buf.readUInt32LE(header + 8 + i * 4);
    out[i] = kind === BYTES_BUFFER ? Buffer.from(buf.buffer, at, len) : new Uint8Array(buf.buffer, at, len);
    at += len;
  }
  return out;
}

/**
 * Calls of the same number of arguments (2 to 255) as one array per argument position, or
 * undefined: `[[a0, a1, ...], [b0, b1, ...]]` for calls `(a0, b0), (a1, b1), ...`. One array
 * object per position instead of one per call is what serializing and deserializing cost.
 */
export function columnsOf(calls: unknown[][]): unknown[][] | undefined {
  const argc = calls[0]?.length ?? 0;
  if (argc < 2 || argc > 255) return undefined;
  const columns: unknown[][] = [];
  for (let k = 0; k < argc; k++) columns.push([]);
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    if (c.length !== argc) return undefined;
    // push, not an index: the arrays stay packed, which V8 serializes densely.
    for (let k = 0; k < argc; k++) columns[k].push(c[k]);
  }
  return columns;
}

/**
 * `values[start, end)` by field, when there are at least two and each is a flat record: a plain
 * object with the same keys in the same order, none `__proto__`, every value a primitive.
 * `[keys, [a.k0, b.k0, ...], [a.k1, b.k1, ...], ...]`, or undefined. One array per field
 * instead of one object per record is what serializing and deserializing cost (a value that
 * is no object cannot refer to another, so nothing is lost but the identity of a record given
 * twice, which arrives as two copies).
 */
export function recordColumnsOf(values: ArrayLike<unknown>, start = 0, end = values.length): unknown[] | undefined {
  if (end - start < 2) return undefined;
  const first = values[start];
  if (typeof first !== 'object' || first === null || Object.getPrototypeOf(first) !== Object.prototype) return undefined;
  const keys = Object.keys(first);
  const m = keys.length;
  if (m === 0 || keys.includes('__proto__')) return undefined;
  const columns: unknown[][] = [];
  for (let j = 0; j < m; j++) columns.push([]);
  for (let i = start; i < end; i++) {
    const r = values[i];
    if (typeof r !== 'object' || r === null || Object.getPrototypeOf(r) !== Object.prototype) return undefined;
    const own = Object.keys(r);
    if (own.length !== m) return undefined;
    for (let j = 0; j < m; j++) {
      if (own[j] !== keys[j]) return undefined;
      const v: unknown = (r as Record<string, unknown>)[keys[j]];
      if (typeof v === 'object' && v !== null) return undefined;
      columns[j].push(v);
    }
  }
  return [keys, ...columns];
}

/** The records of a recordColumnsOf encoding, rebuilt field by field in key order. */
export function recordsFromColumns(byField: unknown[]): Record<string, unknown>[] {
  const keys = byField[0] as string[];
  const n = (byField[1] as unknown[]).length;
  const out = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const r: Record<string, unknown> = {};
    for (let j = 0; j < keys.length; j++) r[keys[j]] = (byField[j + 1] as unknown[])[i];
    out[i] = r;
  }
  return out;
}

/** The arguments of a task whose calls have one argument each (TASK_NUMBERS, TASK_BYTES,
 * TASK_RECORDS or TASK_ITEMS). */
export function readItems(task: Buffer): ArrayLike<unknown> {
  const flags = task[8];
  if (flags & TASK_NUMBERS) return readNumbers(task, TASK_HEADER);
  if (flags & TASK_BYTES) return readBytes(task, TASK_HEADER);
  if (flags & TASK_RECORDS) return recordsFromColumns(decodeBody(task, TASK_HEADER) as unknown[]);
  return decodeBody(task, TASK_HEADER) as unknown[];
}

/** The value of a result message that did not come by port. */
export function readResult(m: Buffer): unknown {
  const flags = m[9];
  if (flags & RESULT_BYTES) return readBytes(m, RESULT_HEADER);
  if (flags & RESULT_RECORDS) return recordsFromColumns(decodeBody(m, RESULT_HEADER) as unknown[]);
  // A chunk's numbers stay a Float64Array: its consumers (map, imap) only index it.
  if (flags & RESULT_NUMBERS) return flags & RESULT_SINGLE ? m.readDoubleLE(RESULT_HEADER) : readNumbers(m, RESULT_HEADER);
  return decodeBody(m, RESULT_HEADER);
}

/** Whether every element of `values[start, end)` is a number (then they travel as float64s). */
export function allNumbers(values: ArrayLike<unknown>, start = 0, end = values.length): values is ArrayLike<number> {
  for (let i = start; i < end; i++) if (typeof values[i] !== 'number') return false;
  return true;
}

/** A value a worker cannot send back (Python's MaybeEncodingError). */
export function unsendable(e: unknown): Error {
  return coded(TypeError, 'ERR_INVALID_RETURN_VALUE', `the task's result cannot be sent to the pool: ${(e as Error).message}`);
}
