// Python's time.sleep: blocks the calling thread (milliseconds).
import { native, Op } from './native';
import { timeoutMs } from './validate';

export function sleep(ms: number): void {
  const t = timeoutMs(ms, 'ms');
  if (t === -1) throw new RangeError('sleep(Infinity) would never return');
  if (t > 0) native.block(Op.Sleep, 0, t);
}
