// Turning calls into tasks at the call, so that arguments that cannot be sent fail that call.
import { invalidArgValue, withCause } from '../runtime/errors';
import {
  allNumbers,
  bytesMessage,
  columnsOf,
  numberRowsMessage,
  numbersMessage,
  recordColumnsOf,
  TASK_ARGC,
  TASK_ARGS_ON_PORT,
  TASK_BYTES,
  TASK_COLUMNS,
  TASK_HEADER,
  TASK_ITEMS,
  TASK_NUMBER_ROWS,
  TASK_NUMBERS,
  TASK_RECORDS,
  writeTaskHeader,
} from './protocol';
import { PoolCore, Target, Task, WorkerKind } from './core';
import { encodeValue, releaseEncoded } from '../runtime/serialize';
import { revive } from '../runtime/handle-transfer';
import { ExportRef } from '../targets/locate';

let nextTargetId = 1;
const targets = new WeakMap<Function, Target>();

export function targetOf(fn: Function, ref: ExportRef): Target {
  let t = targets.get(fn);
  if (t === undefined) {
    t = { id: nextTargetId++, ref };
    targets.set(fn, t);
  }
  return t;
}

/** Calls encoded for one task: v8 bytes (after room for the task's header), numbers (one argument each, written as float64s
 * into the task itself), or (ThreadPool, shared memory) calls for the worker's port. */
export interface EncodedCalls {
  flags: number;
  body: Buffer | null;
  numbers?: { values: ArrayLike<number>; start: number; end: number };
  portCalls: unknown[][] | undefined;
}

const cannotSend = (m: string): string => `the arguments cannot be sent to the pool's workers: ${m}`;

/** Calls of one argument each (map, imap; apply of one argument): numbers as float64s, byte
 * arrays as their bytes, flat records by field, other values in one encoding of the array. */
export function encodeItems(kind: WorkerKind, items: unknown[], start = 0, end = items.length): EncodedCalls {
  if (allNumbers(items, start, end)) return { flags: TASK_NUMBERS, body: null, numbers: { values: items, start, end }, portCalls: undefined };
  const bytes = bytesMessage(TASK_HEADER, items, start, end);
  if (bytes !== undefined) return { flags: TASK_BYTES, body: bytes, portCalls: undefined };
  const records = recordColumnsOf(items, start, end);
  // Primitives only: no shared memory, nothing to lease; V8 throws on what it cannot copy.
  if (records !== undefined) return { flags: TASK_RECORDS, body: encodeValue(records, 'a Pool argument', 'throw', cannotSend, TASK_HEADER, undefined, 'never')!, portCalls: undefined };
  const chunk = start === 0 && end === items.length ? items : items.slice(start, end);
  const body = serializeOrPort(kind, chunk);
  return body !== undefined
    ? { flags: TASK_ITEMS, body, portCalls: undefined }
    : { flags: TASK_ARGS_ON_PORT, body: null, portCalls: chunk.map((x) => [x]) };
}

/** Calls with argument lists: numbers as float64s, calls of one length by argument position,
 * else the list of calls. Pool: a SharedArrayBuffer is ERR_NOT_SHAREABLE. ThreadPool: calls
 * holding shared memory travel by postMessage, as Thread arguments do. */
export function encodeCalls(kind: WorkerKind, calls: unknown[][]): EncodedCalls {
  if (calls.every((c) => c.length === 1)) return encodeItems(kind, calls.map((c) => c[0]));
  const rows = numberRowsMessage(TASK_HEADER, calls);
  if (rows !== undefined) return { flags: TASK_NUMBER_ROWS, body: rows, portCalls: undefined };
  const columns = calls.length > 1 ? columnsOf(calls) : undefined;
  const body = serializeOrPort(kind, columns ?? calls);
  if (body === undefined) return { flags: TASK_ARGS_ON_PORT, body: null, portCalls: calls };
  if (columns === undefined) return { flags: 0, body, portCalls: undefined };
  body[TASK_ARGC] = columns.length;
  return { flags: TASK_COLUMNS, body, portCalls: undefined };
}

/** `value` encoded, or undefined when only postMessage can carry it. Pool: a SharedArrayBuffer
 * is ERR_NOT_SHAREABLE. ThreadPool: v8 serialization would copy a view of a SharedArrayBuffer
 * (and throw on the buffer itself), so such calls take postMessage, which keeps them shared. */
function serializeOrPort(kind: WorkerKind, value: unknown): Buffer | undefined {
  const body = encodeValue(value, 'a Pool argument', kind === 'process' ? 'throw' : 'report', cannotSend, TASK_HEADER, undefined, 'short');
  if (body !== undefined) return body;
  // postMessage fails later, at dispatch: a trial clone makes such calls fail now.
  let copy: unknown;
  try {
    copy = structuredClone(value);
  } catch (e) {
    throw withCause(invalidArgValue(cannotSend((e as Error).message)), e);
  }
  // The copy took references to the primitives inside; taking them over lets them go.
  revive(copy);
  return undefined;
}

/** Gives back the references a task that will not be sent holds (a call that failed part way). */
export function releaseTask(task: Task): void {
  if ((task.message[8] & (TASK_NUMBERS | TASK_NUMBER_ROWS | TASK_BYTES | TASK_ARGS_ON_PORT)) === 0) releaseEncoded(task.message, TASK_HEADER);
}

/** The task for `calls`; numbers are copied in now (the caller's array may change later). */
export function makeTask(target: Target, flags: number, calls: EncodedCalls, done: (ok: boolean, value: unknown) => void): Task {
  const id = PoolCore.newTaskId();
  const n = calls.numbers;
  const message =
    n !== undefined
      ? writeTaskHeader(numbersMessage(TASK_HEADER, n.values, n.start, n.end), id, target.id, flags | calls.flags)
      : writeTaskHeader(calls.body ?? Buffer.alloc(TASK_HEADER), id, target.id, flags | calls.flags);
  return { id, target, message, portCalls: calls.portCalls, done };
}

/** Python's default map chunksize: about four chunks per worker. */
export function defaultChunksize(items: number, workers: number): number {
  const per = workers * 4;
  return Math.max(1, Math.ceil(items / per));
}
