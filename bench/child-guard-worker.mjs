// Worker side of ChildGuard (bench/child-guard.mjs). While the main thread is
// blocked in a measurement (an Event.wait() or Queue.get() that only a child
// process can satisfy), this thread checks every 50 ms whether the child is
// still alive and whether the sample's deadline has passed (only while armed,
// that is while the main thread measures). If not, it records
// why in the shared state and unblocks the main thread once: it sets the Event,
// or puts a sentinel on the Queue. Until then it touches nothing, so it costs
// the measurement nothing.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const nt = createRequire(import.meta.url)(process.env.NATIVE_THREADING_BENCH_MODULE || '../dist/index.js');
const { kind } = workerData;
const state = new Int32Array(workerData.state); // [reason (1 child died, 2 deadline passed), armed, child pid]
const deadline = new Float64Array(workerData.deadline); // [Date.now() ms to give up at, 0 none]
const unblock = kind === 'event'
  ? ((e) => () => e.set())(nt.Event.from(workerData.target))
  : ((q) => () => q.put(workerData.sentinel))(nt.Queue.from(workerData.target));

/** 'alive', or why not: the child's state in /proc ('Z' zombie, 'X' dead) or gone. */
function childState() {
  const pid = Atomics.load(state, 2);
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return 'gone';
  }
  const s = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return s === 'Z' || s === 'X' ? `state ${s}` : 'alive';
}

const timer = setInterval(() => {
  // Only while armed: a child that ends after the measurement is not a failure.
  if (Atomics.load(state, 0) !== 0 || Atomics.load(state, 1) !== 1) return;
  let reason = 0;
  if (childState() !== 'alive') reason = 1;
  else if (deadline[0] > 0 && Date.now() > deadline[0]) reason = 2;
  if (reason === 0) return;
  Atomics.store(state, 0, reason);
  try {
    unblock();
  } catch {
    // the main thread will see the reason anyway once its wait ends
  }
  clearInterval(timer);
}, 50);

parentPort.on('message', (msg) => {
  if (msg === 'stop') {
    clearInterval(timer);
    parentPort.close();
  }
});
