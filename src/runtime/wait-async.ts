// The Promise form of a native wait, with AbortSignal support.
import { native, Op } from './native';
import { signalOf } from './validate';

/** What an aborted wait resolves with (binding/agent.rs). */
export const ABORTED = -Infinity;

/** Resolves with the wait's result number; an abort rejects with the signal's reason and
 * leaves the primitive as if the wait never happened (a Condition first takes its lock back). */
export function waitAsync(
  op: Op,
  handle: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  word?: number,
  seen?: number,
): Promise<number> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const [id, result] = native.waitAsync(op, handle, timeoutMs, word, seen);
  if (signal === undefined) return result;
  const onAbort = (): void => {
    native.abortWait(id);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return result.then((r) => {
    signal.removeEventListener('abort', onAbort);
    // The reason stays here (any value, not only objects); native code only reports "aborted".
    if (r === ABORTED) throw signal.reason;
    return r;
  });
}

/** The Promise form of "try once, else wait" (acquireAsync, Event.waitAsync): `timeout()`
 * validates the caller's timeout (its rule differs by class), then `options`; errors reject.
 * `tryNow(t)` gets the validated timeout (a lock's try-only call, `t === 0`, also checks in
 * native code whether a holder died). */
export function tryThenWaitAsync(
  timeout: () => number,
  options: unknown,
  tryNow: (t: number) => boolean,
  op: Op,
  handle: number,
): Promise<boolean> {
  try {
    const t = timeout();
    const signal = signalOf(options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (tryNow(t)) return Promise.resolve(true);
    if (t === 0) return Promise.resolve(false);
    return waitAsync(op, handle, t, signal).then((r) => r === 1);
  } catch (e) {
    return Promise.reject(e);
  }
}
