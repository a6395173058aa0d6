// Argument validation shared by every class (README, "Python -> TypeScript": the rules).
import { invalidArgType, invalidArgValue, outOfRange } from './errors';

/** What the native waits take: milliseconds, or -1 for "forever". */
export const FOREVER = -1;

function numberOrForever(t: unknown, name: string): number | undefined {
  if (t === undefined || t === null || t === Infinity) return FOREVER;
  if (typeof t !== 'number') throw invalidArgType(`The "${name}" argument must be of type number`, t);
  if (Number.isNaN(t)) throw outOfRange(`The value of "${name}" is out of range. It must be a number, not NaN`, t);
  return undefined;
}

/** The general rule: nullish/Infinity forever, negative or 0 "do not block". */
export function timeoutMs(t: unknown, name = 'timeout'): number {
  const forever = numberOrForever(t, name);
  if (forever !== undefined) return forever;
  return Math.max(0, t as number);
}

/** Lock/RLock acquire: -1 forever, other negatives are a RangeError (Python's ValueError). */
export function lockTimeoutMs(t: unknown, name = 'timeout'): number {
  const forever = numberOrForever(t, name);
  if (forever !== undefined) return forever;
  const n = t as number;
  if (n === -1) return FOREVER;
  if (n < 0) throw outOfRange(`The value of "${name}" is out of range. It must be -1 or >= 0`, n);
  return n;
}

/** `acquire(blocking, timeout)`: the timeout to wait (0 = just try). */
export function acquireArgs(blocking: unknown, timeout: unknown): number {
  if (blocking !== undefined && typeof blocking !== 'boolean') {
    throw invalidArgType('The "blocking" argument must be of type boolean', blocking);
  }
  const t = lockTimeoutMs(timeout);
  if (blocking === false) {
    if (timeout !== undefined && timeout !== null && timeout !== -1) {
      throw invalidArgValue("can't specify a timeout for a non-blocking call");
    }
    return 0;
  }
  return t;
}

/** `acquire(blocking, timeout)` of a Semaphore: the general timeout rule. */
export function semaphoreAcquireArgs(blocking: unknown, timeout: unknown): number {
  if (blocking !== undefined && typeof blocking !== 'boolean') {
    throw invalidArgType('The "blocking" argument must be of type boolean', blocking);
  }
  const t = timeoutMs(timeout);
  if (blocking === false) {
    if (timeout !== undefined && timeout !== null && timeout !== -1) {
      throw invalidArgValue("can't specify a timeout for a non-blocking call");
    }
    return 0;
  }
  return t;
}

/** An integer count in [min, 2**31 - 1]. */
export function count(n: unknown, name: string, min: number): number {
  if (typeof n !== 'number') throw invalidArgType(`The "${name}" argument must be of type number`, n);
  if (!Number.isInteger(n) || n < min || n > 0x7fffffff) {
    throw outOfRange(`The value of "${name}" is out of range. It must be an integer >= ${min} and <= 2147483647`, n);
  }
  return n;
}

/** The last argument of every `...Async` wait. */
export interface WaitOptions {
  /**
   * Aborting it rejects the wait with the signal's reason and leaves the primitive as if the wait had
   * not happened (nothing acquired, no arrival counted).
   */
  signal?: AbortSignal;
}

/** The `{ signal }` of an async form. */
export function signalOf(options: unknown): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw invalidArgType('The "options" argument must be of type object', options);
  const signal = (options as WaitOptions).signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw invalidArgType('The "options.signal" property must be an AbortSignal', signal);
  return signal;
}
