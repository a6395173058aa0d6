// The loop a pool's worker runs: a Process target (Pool) or a Thread target (ThreadPool).
// It takes tasks from its own inbox, in order, and puts each result in the pool's result queue.
import type { MessagePort } from 'node:worker_threads';
import { receiveMessageOnPort } from 'node:worker_threads';
import {
  readItems,
  allNumbers,
  bytesMessage,
  decodeBody,
  emptyResult,
  encodeRecord,
  RESULT_ERROR,
  RESULT_INIT_FAILED,
  numbersMessage,
  recordColumnsOf,
  readNumbers,
  RESULT_HEADER,
  RESULT_BYTES,
  RESULT_RECORDS,
  RESULT_NUMBERS,
  RESULT_OK,
  RESULT_READY,
  RESULT_SINGLE,
  RESULT_VALUE_ON_PORT,
  TASK_ARGS_ON_PORT,
  TASK_HEADER,
  TASK_BYTES,
  TASK_RECORDS,
  TASK_COLUMNS,
  TASK_ITEMS,
  TASK_ARGC,
  TASK_NUMBER_ROWS,
  TASK_NUMBERS,
  TASK_SINGLE,
  unsendable,
  writeResultHeader,
} from './protocol';
import { errorRecord } from '../runtime/error-record';
import type { Queue } from '../shared/queue';
import { encodeValue } from '../runtime/serialize';
import { revive } from '../runtime/handle-transfer';
import { actionsLoading } from '../sync/barrier';
import type { ExportRef } from '../targets/locate';
import { load } from '../targets/load';

export interface WorkerSetup {
  workerId: number;
  initializer: ExportRef | null;
  initargs: unknown[];
  /** Tasks to run before ending (Python's maxtasksperchild); 0: no limit. */
  maxTasks: number;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Exported so that a worker can import it as its target. */
export async function poolWorker(inbox: Queue<unknown>, results: Queue<Buffer>, setup: WorkerSetup, port: MessagePort | null): Promise<void> {
  const id = setup.workerId;
  results.put(emptyResult(0, id, RESULT_READY, 0));
  if (setup.initializer !== null) {
    try {
      const init = await load(setup.initializer, 'initializer');
      const r: unknown = init(...setup.initargs);
      if (isThenable(r)) await r;
    } catch (e) {
      results.put(writeResultHeader(encodeRecord(errorRecord(e)), 0, id, RESULT_INIT_FAILED, 0));
      return end();
    }
  }
  const refs = new Map<number, ExportRef>();
  const fns = new Map<number, Function>();
  const failedLoads = new Map<number, unknown>();
  /** Calls that arrived on the port ahead of their task (ThreadPool, shared memory). */
  const early = new Map<number, unknown[][]>();
  let done = 0;
  for (;;) {
    const msg = inbox.get();
    if (msg === null) break;
    if (Array.isArray(msg)) {
      refs.set(msg[0] as number, msg[1] as ExportRef);
      continue;
    }
    const task = msg as Buffer;
    const taskId = task.readUInt32LE(0);
    const fnId = task.readUInt32LE(4);
    const flags = task[8];
    const single = (flags & TASK_SINGLE) !== 0;
    let status = RESULT_OK;
    let value: unknown;
    try {
      let fn = fns.get(fnId);
      if (fn === undefined) {
        // A module that failed to load fails every task of that target alike, and is not
        // evaluated again (a CommonJS module that threw would be).
        if (failedLoads.has(fnId)) throw failedLoads.get(fnId);
        try {
          fn = await load(refs.get(fnId)!, 'target');
        } catch (e) {
          failedLoads.set(fnId, e);
          throw e;
        }
        fns.set(fnId, fn);
      }
      if (flags & (TASK_NUMBERS | TASK_BYTES | TASK_RECORDS | TASK_ITEMS)) {
        // Each call has one argument.
        const items = readItems(task);
        const loadingActions = actionsLoading();
        if (loadingActions) await loadingActions;
        const out = single ? [] : new Array<unknown>(items.length);
        for (let i = 0; i < items.length; i++) {
          let r: unknown = fn(items[i]);
          if (isThenable(r)) r = await r;
          out[i] = r;
        }
        value = single ? out[0] : out;
      } else if (flags & TASK_NUMBER_ROWS) {
        value = await callRows(fn, readNumbers(task, TASK_HEADER), task[TASK_ARGC], single);
      } else if (flags & TASK_COLUMNS) {
        const columns = decodeBody(task, TASK_HEADER) as unknown[][];
        const loadingActions = actionsLoading();
        if (loadingActions) await loadingActions;
        value = await callColumns(fn, columns, single);
      } else {
        const calls = flags & TASK_ARGS_ON_PORT ? fromPort(port!, taskId, early) : (decodeBody(task, TASK_HEADER) as unknown[][]);
        const loadingActions = actionsLoading();
        if (loadingActions) await loadingActions;
        const out = new Array<unknown>(calls.length);
        for (let i = 0; i < calls.length; i++) {
          let r: unknown = fn(...calls[i]);
          if (isThenable(r)) r = await r;
          out[i] = r;
        }
        value = single ? out[0] : out;
      }
    } catch (e) {
      status = RESULT_ERROR;
      value = errorRecord(e);
    }
    results.put(encodeOutcome(taskId, id, status, value, single, port));
    if (++done === setup.maxTasks) break;
  }
  return end();
}

/** Calls given as one array per argument position (see columnsOf). */
async function callColumns(fn: Function, columns: unknown[][], single: boolean): Promise<unknown> {
  const [a, b] = columns;
  const n = a.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    let r: unknown = columns.length === 2 ? fn(a[i], b[i]) : fn(...columns.map((c) => c[i]));
    if (isThenable(r)) r = await r;
    out[i] = r;
  }
  return single ? out[0] : out;
}

/** Calls of `argc` number arguments each, read from their float64s. */
async function callRows(fn: Function, f: Float64Array, argc: number, single: boolean): Promise<unknown> {
  const n = f.length / argc;
  const out = new Array<unknown>(n);
  for (let i = 0, j = 0; i < n; i++, j += argc) {
    let r: unknown = argc === 2 ? fn(f[j], f[j + 1]) : argc === 3 ? fn(f[j], f[j + 1], f[j + 2]) : fn(...f.subarray(j, j + argc));
    if (isThenable(r)) r = await r;
    out[i] = r;
  }
  return single ? out[0] : out;
}

/** @internal A task's outcome as its result message (exported for the codec benchmark). */
export function encodeOutcome(taskId: number, id: number, status: number, value: unknown, single: boolean, port: MessagePort | null): Buffer {
  const singleFlag = single ? RESULT_SINGLE : 0;
  if (status === RESULT_OK) {
    if (single ? typeof value === 'number' : Array.isArray(value) && allNumbers(value)) {
      const numbers = numbersMessage(RESULT_HEADER, single ? [value as number] : (value as number[]));
      return writeResultHeader(numbers, taskId, id, status, RESULT_NUMBERS | singleFlag);
    }
    const bytes = single ? undefined : bytesMessage(RESULT_HEADER, value as unknown[]);
    if (bytes !== undefined) return writeResultHeader(bytes, taskId, id, status, RESULT_BYTES);
    const records = single ? undefined : recordColumnsOf(value as unknown[]);
    if (records !== undefined) {
      try {
        const body = encodeValue(records, "a Pool task's result", 'throw', (m) => m, RESULT_HEADER, undefined, 'never')!;
        return writeResultHeader(body, taskId, id, status, RESULT_RECORDS);
      } catch {
        // A value V8 cannot copy (a function, a symbol): the general path reports it.
      }
    }
  }
  try {
    // Shared memory: v8 serialization would copy a view of it. A ThreadPool result keeps it
    // shared through postMessage; a Pool result cannot carry it (ERR_NOT_SHAREABLE).
    const body = encodeValue(value, "a Pool task's result", port === null ? 'throw' : 'report', (m) => m, RESULT_HEADER);
    if (body === undefined) {
      port!.postMessage([taskId, value]);
      return emptyResult(taskId, id, status, RESULT_VALUE_ON_PORT | singleFlag);
    }
    return writeResultHeader(body, taskId, id, status, singleFlag);
  } catch (e) {
    const err = (e as { code?: string }).code === 'ERR_NOT_SHAREABLE' ? e : unsendable(e);
    return writeResultHeader(encodeRecord(errorRecord(err)), taskId, id, RESULT_ERROR, singleFlag);
  }
}

function fromPort(port: MessagePort, taskId: number, early: Map<number, unknown[][]>): unknown[][] {
  for (;;) {
    const kept = early.get(taskId);
    if (kept !== undefined) {
      early.delete(taskId);
      return kept;
    }
    const m = receiveMessageOnPort(port);
    if (m === undefined) throw new Error(`the arguments of task ${taskId} did not arrive`);
    const [id, calls] = m.message as [number, unknown[][]];
    early.set(id, revive(calls) as unknown[][]);
  }
}

/** A worker ends as soon as its loop does (Python's workers call os._exit): timers or
 * handles a task left behind do not keep it, and so the pool's join(), waiting. */
function end(): never {
  process.exit(0);
}
