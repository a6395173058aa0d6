// Python's time.sleep: blocks the calling thread (milliseconds).
import { invalidArgType, outOfRange } from '../runtime/errors';
import { native, Op } from '../runtime/native';
import { timeoutMs } from '../runtime/validate';

export function sleep(ms: number): void {
  if (ms === undefined || ms === null) throw invalidArgType('The "ms" argument must be of type number', ms);
  const t = timeoutMs(ms, 'ms');
  if (t === -1) throw outOfRange('The value of "ms" is out of range. sleep(Infinity) would never return', ms);
  if (t > 0) native.block(Op.Sleep, 0, t);
}
