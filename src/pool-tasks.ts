// Turning calls into tasks at the call, so that arguments that cannot be sent fail that call.
import { deserialize, serialize } from 'node:v8';
import { invalidArgValue } from './errors';
import { encodeTask, TASK_ARGS_ON_PORT } from './pool-protocol';
import { PoolCore, Target, Task, WorkerKind } from './pool-core';
import { assertNoSharedMemory } from './queue';
import { revive } from './share';
import { ExportRef } from './target';

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

/** Calls encoded for one task. */
export interface EncodedCalls {
  body: Buffer | null;
  portCalls: unknown[][] | undefined;
}

function hasSharedMemory(value: unknown): boolean {
  try {
    assertNoSharedMemory(value, '');
    return false;
  } catch {
    return true;
  }
}

function cannotSend(e: unknown): Error {
  const err = invalidArgValue(`the arguments cannot be sent to the pool's workers: ${(e as Error).message}`);
  (err as Error & { cause: unknown }).cause = e;
  return err;
}

/** Pool: v8 serialization (a SharedArrayBuffer is ERR_NOT_SHAREABLE). ThreadPool: the same,
 * or, for calls holding shared memory, postMessage, as Thread arguments travel. */
export function encodeCalls(kind: WorkerKind, calls: unknown[][]): EncodedCalls {
  if (kind === 'process') assertNoSharedMemory(calls, 'a Pool argument');
  try {
    return { body: serialize(calls), portCalls: undefined };
  } catch (e) {
    if (kind === 'process' || !hasSharedMemory(calls)) throw cannotSend(e);
  }
  let copy: unknown;
  try {
    copy = structuredClone(calls);
  } catch (e) {
    throw cannotSend(e);
  }
  // The copy took references to the primitives inside; taking them over lets them go.
  revive(copy);
  return { body: null, portCalls: calls };
}

/** Gives back the references an encoded task holds (a call that failed part way). */
export function releaseCalls(encoded: EncodedCalls): void {
  if (encoded.body !== null) revive(deserialize(encoded.body));
}

export function makeTask(target: Target, flags: number, calls: EncodedCalls, done: (ok: boolean, value: unknown) => void): Task {
  const id = PoolCore.newTaskId();
  const message = encodeTask(id, target.id, flags | (calls.portCalls !== undefined ? TASK_ARGS_ON_PORT : 0), calls.body);
  return { id, target, message, portCalls: calls.portCalls, done };
}

/** Python's default map chunksize: about four chunks per worker. */
export function defaultChunksize(items: number, workers: number): number {
  const per = workers * 4;
  return Math.max(1, Math.ceil(items / per));
}
