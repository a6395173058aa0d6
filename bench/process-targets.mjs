// Targets that the process benchmarks (bench/process.mjs, bench/queue.mjs,
// bench/pingpong-process.mjs) run in child processes through Process. A child
// imports this module to find its target, so it must do nothing when imported
// but load the package under test.
import { createRequire } from 'node:module';

const nt = createRequire(import.meta.url)(process.env.NATIVE_THREADING_BENCH_MODULE || '../dist/index.js');

/** The trivial target of the start+join latency benchmark. */
export function noop() {}

/**
 * Queue producer. Commands come from `ctl`: [1, n] puts the integers 0..n-1
 * on `q`; [2, n, size] puts n times one Buffer of `size` bytes, whose first
 * and last bytes are 0x5a (the consumer checks length and both ends); [3, n, form] puts n
 * items of a form (queueItem below); [0] ends.
 */
/** Item i of a form: 1 a short string, 2 a small object, 3 a tuple (number and string). */
export function queueItem(form, i) {
  return form === 1 ? `item${i}` : form === 2 ? { k: i, s: 'abc', a: [1, 2] } : [i, 'abc'];
}

/** Item i's number, read back from an item of queueItem(form, i). */
export function queueItemNumber(form, v) {
  return form === 1 ? (typeof v === 'string' ? Number(v.slice(4)) : NaN) : form === 2 ? v?.k : v?.[0];
}

export function producer(q, ctl) {
  for (;;) {
    const [kind, n, size] = ctl.get();
    if (kind === 0) return;
    if (kind === 1) {
      for (let i = 0; i < n; i++) q.put(i);
    } else if (kind === 2) {
      const buf = Buffer.alloc(size, 0x5a);
      for (let i = 0; i < n; i++) q.put(buf);
    } else if (kind === 3) {
      for (let i = 0; i < n; i++) q.put(queueItem(size, i));
    } else {
      throw new Error(`producer: unknown command ${kind}`);
    }
  }
}

/**
 * The B side of the Event ping-pong between two processes (A is the parent,
 * bench/pingpong-process.mjs):
 *   A: repeat { round++; e1.set(); e2.wait(); check B's round; e2.clear() }
 *   B: repeat { e1.wait(); e1.clear(); publish round; e2.set() }
 * `round` is a SharedArray('i', 1) holding B's last published round. `ctl`
 * gives the number of rounds to play next (0 ends). B keeps its round count
 * across commands, as A does.
 */
export function ponger(e1, e2, round, ctl) {
  const r = round.view;
  let pong = 0;
  for (;;) {
    const k = ctl.get();
    if (k === 0) return;
    for (let i = 0; i < k; i++) {
      if (e1.wait() !== true) throw new Error('Event.wait() without timeout returned something other than true');
      e1.clear();
      Atomics.store(r, 0, ++pong);
      e2.set();
    }
  }
}

export { nt };
