// Python's time.sleep: blocks the calling thread (milliseconds).
import { invalidArgType, outOfRange } from '../runtime/errors';
import { native, Op } from '../runtime/native';
import { timeoutMs } from '../runtime/validate';

/**
 * Python's `time.sleep(secs)`, in milliseconds: blocks the calling thread (not only its event
 * loop) for `ms` ms; 0 or negative returns at once.
 * @throws `ERR_INVALID_ARG_TYPE` when `ms` is missing or not a number; `ERR_OUT_OF_RANGE` for NaN
 * or Infinity.
 */
export function sleep(ms: number): void {
  if (ms === undefined || ms === null) throw invalidArgType('The "ms" argument must be of type number', ms);
  const t = timeoutMs(ms, 'ms');
  if (t === -1) throw outOfRange('The value of "ms" is out of range. sleep(Infinity) would never return', ms);
  if (t > 0) native.block(Op.Sleep, 0, t);
}
