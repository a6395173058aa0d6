// Serialization checks shared by queues, processes and pools: v8.serialize with the error
// codes of this package, and the walk that finds SharedArrayBuffers (which cannot be copied to
// another process) before anything is sent.
import { serialize } from 'node:v8';
import { coded, invalidArgValue, withCause } from './errors';
import { SHARED_KEY } from './handle-transfer';

/** The encoded form of a value with no fast path; fails before the queue is touched. */
export function serializeItem(item: unknown): Buffer {
  assertNoSharedMemory(item, 'a queue item');
  try {
    return serialize(item);
  } catch (e) {
    throw withCause(invalidArgValue(`the item cannot be put in a queue: ${(e as Error).message} (items must be structured-cloneable)`), e);
  }
}

/** SharedArrayBuffers cannot be copied to another process: point to Value/SharedArray. */
export function assertNoSharedMemory(value: unknown, what: string, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const sab = value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer);
  if (sab) {
    throw coded(
      TypeError,
      'ERR_NOT_SHAREABLE',
      `${what} contains a SharedArrayBuffer, which cannot be copied to another process: use Value or SharedArray for shared memory`,
    );
  }
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
