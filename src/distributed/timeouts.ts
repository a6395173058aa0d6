// Timeouts as everywhere in the library: milliseconds; undefined, null or Infinity wait for
// ever (-1 here); a negative number does not block.
import { codedError } from './errors';

export function timeoutMs(timeout: unknown): number {
  if (timeout === undefined || timeout === null || timeout === Infinity) return -1;
  if (typeof timeout !== 'number') throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "timeout" argument must be a number. Received ${typeof timeout}`);
  if (Number.isNaN(timeout)) throw codedError(RangeError, 'ERR_OUT_OF_RANGE', 'The "timeout" argument must not be NaN');
  return timeout < 0 ? 0 : timeout;
}

/** `options.signal`, checked. */
export function signalOf(options: unknown): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw codedError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.signal" property must be an AbortSignal');
  return signal;
}
