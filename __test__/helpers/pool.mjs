// Shared helpers of the Pool and ThreadPool tests: pools that are always terminated and joined,
// bounded waits for AsyncResults, and the small task inputs the tests use.
import { PENDING, settledWithin, within } from './util.mjs';

/** Long enough for anything that should happen; a lost result fails instead of hanging. */
export const LONG = 10_000;

export const range = (n) => Array.from({ length: n }, (_, i) => i);
export const squares = (xs) => xs.map((x) => x * x);
/** A worker's identity, from a whereAmI/barrierWait/afterInit result. */
export const workerKey = (w) => `${w.pid}:${w.threadId}`;

/** A pool that is terminated and joined (within `joinMs`) in t.teardown, whatever the outcome. */
export function makePool(t, Kind, options, joinMs = LONG) {
  const pool = new Kind(options);
  t.teardown(async () => {
    pool.terminate();
    await within(pool.joinAsync(), joinMs, 'joining the pool in teardown');
  });
  return pool;
}

/** The value of an AsyncResult (or promise), within LONG ms. */
export const settle = (r, what = 'the result') => within(Promise.resolve(r), LONG, what);

/** The error an AsyncResult (or promise) rejects with, within LONG ms; fails if it resolves. */
export async function rejection(t, r, what = 'the result') {
  const s = await settledWithin(Promise.resolve(r), LONG);
  if (s === PENDING) {
    t.fail(`${what}: still pending after ${LONG} ms`);
    return undefined;
  }
  if (!('error' in s)) {
    t.fail(`${what}: expected a rejection, got ${JSON.stringify(s.value)}`);
    return undefined;
  }
  return s.error;
}
