// `node terminate.mjs`: for each kind of blocking call without a timeout, a worker blocks in it
// and is ended with worker.terminate(). Prints one JSON line per case, then a summary line, and
// must then exit by itself (nothing left keeps it alive).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const nt = createRequire(import.meta.url)(DIST);

const lock = new nt.Lock();
lock.acquire();
const rlock = new nt.RLock();
rlock.acquire();
const sem = new nt.Semaphore(0);
const ev = new nt.Event();
const cond = new nt.Condition(new nt.Lock());
const barrier = new nt.Barrier(2);

const cases = [
  ['Lock.acquire()', 'lock', 'p.acquire()'],
  ['Lock.acquire(true, -1)', 'lock', 'p.acquire(true, -1)'],
  ['RLock.acquire()', 'rlock', 'p.acquire()'],
  ['Semaphore.acquire()', 'sem', 'p.acquire()'],
  ['Event.wait()', 'ev', 'p.wait()'],
  ['Condition.wait()', 'cond', 'p.wait()', 'p.acquire();'],
  ['Barrier.wait()', 'barrier', 'p.wait()'],
  ['Event.waitAsync() (async, keeps the worker alive)', 'ev', 'p.waitAsync().then(() => Atomics.store(flag, 0, 2))'],
];
const classes = { lock: 'Lock', rlock: 'RLock', sem: 'Semaphore', ev: 'Event', cond: 'Condition', barrier: 'Barrier' };
const shared = { lock, rlock, sem, ev, cond, barrier };

const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const results = [];
for (const [name, key, call, before = ''] of cases) {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(
    `
    const { workerData, parentPort } = require('node:worker_threads');
    const nt = require(${JSON.stringify(DIST)});
    const p = nt.${classes[key]}.from(workerData.p);
    const flag = new Int32Array(workerData.flag);
    ${before}
    parentPort.postMessage('blocking');
    const r = ${call};
    if (!(r instanceof Promise)) Atomics.store(flag, 0, 1); // the call returned (it must not)
    `,
    { eval: true, workerData: { p: shared[key], flag: flag.buffer } },
  );
  let exitCode;
  w.on('error', (e) => results.push({ name, error: String(e) }));
  await new Promise((resolve) => w.once('message', resolve));
  await delay(150);
  const blocked = Atomics.load(flag, 0) === 0;
  const start = performance.now();
  exitCode = await w.terminate();
  const ms = performance.now() - start;
  const r = { name, blocked, ms, exitCode, returned: Atomics.load(flag, 0) };
  results.push(r);
  console.log(JSON.stringify(r));
}

// The primitives are as the terminated waiters found them.
const after = {
  lockStillHeld: lock.locked(),
  rlockStillMine: (() => {
    try {
      rlock.release();
      return !rlock.locked();
    } catch {
      return false;
    }
  })(),
  lockFreeAfterRelease: (lock.release(), lock.acquire(false) && (lock.release(), true)),
  semaphoreUnitNotTaken: (sem.release(), sem.acquire(false)),
  conditionLockFree: cond.acquire(false) && (cond.release(), true),
  eventNotSet: !ev.isSet(),
  // Not part of the contract; reported for information.
  barrier: { nWaiting: barrier.nWaiting, broken: barrier.broken },
};
console.log(JSON.stringify({ summary: true, results, after }));
// No process.exit(): the process must end by itself.
