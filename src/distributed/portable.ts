// What may go to another machine: anything v8 serialization takes, except the library's shared
// objects (locks, queues, Values ...), which are handles to memory of this machine, and
// SharedArrayBuffers. v8 would copy those silently (as empty objects, or as plain copies), so
// they are looked for first.
import { serialize } from 'node:v8';
import * as nt from '../../index';
import { coded } from '../runtime/errors';

const SHARED: ReadonlyArray<Function> = [
  nt.Lock,
  nt.RLock,
  nt.Condition,
  nt.Semaphore,
  nt.Event,
  nt.Barrier,
  nt.Queue,
  nt.Value,
  nt.SharedArray,
  nt.SharedDict,
  nt.SharedList,
  nt.Manager,
];

/** The bytes of `value` for a job; TypeError ERR_NOT_SHAREABLE or ERR_INVALID_ARG_VALUE when
 * it cannot go to another machine. `what` names it in the message. */
export function serializePortable(value: unknown, what: string): Buffer {
  findLocal(value, what, new Set());
  try {
    return serialize(value);
  } catch (e) {
    throw Object.assign(coded(TypeError, 'ERR_INVALID_ARG_VALUE', `${what} cannot be serialized: ${(e as Error).message}`), { cause: e });
  }
}

function findLocal(value: unknown, what: string, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer)) {
    throw coded(TypeError, 'ERR_NOT_SHAREABLE', `${what} holds a SharedArrayBuffer, which cannot go to another machine`);
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  for (const C of SHARED) {
    if (value instanceof C) {
      throw coded(
        TypeError,
        'ERR_NOT_SHAREABLE',
        `${what} holds a ${C.name}: shared objects live in this machine's memory and cannot go to a distributed pool's workers`,
      );
    }
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      findLocal(k, what, seen);
      findLocal(v, what, seen);
    }
  } else if (value instanceof Set) {
    for (const v of value) findLocal(v, what, seen);
  } else if (Array.isArray(value)) {
    for (const v of value) findLocal(v, what, seen);
  } else {
    for (const v of Object.values(value)) findLocal(v, what, seen);
  }
}
