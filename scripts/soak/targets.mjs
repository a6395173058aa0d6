// What the soak's child processes run (scripts/soak.mjs): each takes a primitive, says so on
// `ready` (an Event), and is then SIGKILLed by the parent at a random moment: while holding it,
// while waiting on it, or in a tight loop of calls. `checkShared` runs the checks of SharedDict
// and SharedList, whose calls have no timeout, in a child the parent can kill if they hang.
import { createRequire } from 'node:module';
const nt = createRequire(import.meta.url)('../../dist/index.js');

/** Blocks this thread for ever (until killed). */
function forever() {
  new nt.Event().wait();
}

/** Acquires `lock` (a Lock, RLock, Semaphore or Condition; an RLock twice) and is killed holding it. */
export function hold(lock, ready) {
  lock.acquire();
  if (lock instanceof nt.RLock) lock.acquire();
  ready.set();
  forever();
}

/** Acquires and releases `lock` in a tight loop until killed. */
export function churn(lock, ready) {
  ready.set();
  for (;;) {
    lock.acquire();
    lock.release();
  }
}

/** Waits on `cond` (it is in the wait list once the parent can take the lock) until killed. */
export function condWait(cond, ready) {
  cond.acquire();
  ready.set();
  cond.wait();
}

/** Arrives at `barrier` and is killed waiting for the others. */
export function barrierWait(barrier, ready) {
  ready.set();
  try {
    barrier.wait();
  } catch {
    // broken: wait to be killed
  }
  forever();
}

/** A lone barrier.wait(ms) (a blocking call that must end by its deadline); reports { error, ms } to `out`. */
export function loneWait(barrier, ms, out) {
  const t0 = performance.now();
  let error = null;
  try {
    barrier.wait(ms);
  } catch (e) {
    error = e instanceof nt.BrokenBarrierError ? 'BrokenBarrierError' : String(e);
  }
  out.put({ error, ms: performance.now() - t0 });
}

/** Sets keys k0, k1, ... of `dict` (or appends 0, 1, ... to `list`); `done[0]` counts the calls that returned. */
export function sharedLoop(kind, shared, done, ready) {
  const view = done.view;
  ready.set();
  for (let i = 0; ; i++) {
    if (kind === 'dict') shared.set(`k${i}`, i);
    else shared.append(i);
    Atomics.store(view, 0, i + 1);
  }
}

/**
 * Checks a SharedDict or SharedList after its writer was killed having finished `n` calls: every
 * entry of a finished call is there, at most the call in flight added one more, and a new call
 * works. Reports a list of problems to `out`.
 */
export function checkShared(kind, shared, n, out) {
  const problems = [];
  if (kind === 'dict') {
    const size = shared.size;
    if (size !== n && size !== n + 1) problems.push(`size ${size} after ${n} set() calls returned`);
    for (let i = 0; i < n; i++) {
      if (shared.get(`k${i}`) !== i) {
        problems.push(`k${i} is ${shared.get(`k${i}`)}`);
        break;
      }
    }
    shared.set('after', 1);
    if (shared.get('after') !== 1) problems.push('a set() after the kill did not stick');
  } else {
    const length = shared.length;
    if (length !== n && length !== n + 1) problems.push(`length ${length} after ${n} append() calls returned`);
    const items = shared.toArray();
    for (let i = 0; i < n; i++) {
      if (items[i] !== i) {
        problems.push(`item ${i} is ${items[i]}`);
        break;
      }
    }
    shared.append('after');
    if (shared.get(-1) !== 'after') problems.push('an append() after the kill did not stick');
  }
  out.put(problems);
}

/** Spins on the CPU until killed: the competitor of the throughput soak. */
export function spin() {
  let x = 0;
  for (;;) x = (x + 1) | 0;
}

/** Puts the numbers 0..n-1 on `q`, then one `null` per consumer. */
export function produce(q, n, consumers) {
  for (let i = 0; i < n; i++) q.put(i);
  for (let c = 0; c < consumers; c++) q.put(null);
}

/**
 * Gets from `q` until a `null`, with a timeout of `stallMs` per get. After every item it swaps
 * the monotonic clock into `last[0]` (shared by all consumers), so the gap it sees is the time
 * since ANY consumer last got an item (the first item of all has no gap). Reports { items,
 * longestMs, stalls (gets that timed out once items flowed), ascending (this consumer saw the
 * numbers rise) } to `out`.
 */
export function consume(q, last, stallMs, out) {
  const clock = last.view;
  let items = 0;
  let longest = 0n;
  let stalls = 0;
  let prevItem = -1;
  let ascending = true;
  for (;;) {
    let v;
    try {
      v = q.get(true, stallMs);
    } catch (e) {
      if (!(e instanceof nt.EmptyError)) throw e;
      if (Atomics.load(clock, 0) !== 0n) stalls++;
      continue;
    }
    const now = process.hrtime.bigint();
    const prev = Atomics.exchange(clock, 0, now);
    if (prev !== 0n && now - prev > longest) longest = now - prev;
    if (v === null) break;
    if (v <= prevItem) ascending = false;
    prevItem = v;
    items++;
  }
  out.put({ items, longestMs: Number(longest) / 1e6, stalls, ascending });
}
