// The Promise form of a native wait, with AbortSignal support.
import { native, Op } from './native';

/** Resolves with the wait's result number; an abort rejects with the signal's reason and
 * leaves the primitive as if the wait never happened (a Condition first takes its lock back). */
export function waitAsync(op: Op, handle: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<number> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const [id, result] = native.waitAsync(op, handle, timeoutMs);
  if (signal === undefined) return result;
  const onAbort = (): void => {
    native.abortWait(id, signal.reason);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return result.finally(() => signal.removeEventListener('abort', onAbort));
}
