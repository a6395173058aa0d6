// `node keepalive.mjs <case>`: the only thing that keeps this process alive is one pending
// async wait (the worker that wakes it is unref'd). Prints {"result": ..., "ms": ...} once the
// wait settles; if the process exits early, nothing is printed.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const nt = createRequire(import.meta.url)(DIST);
const start = performance.now();
const which = process.argv[2];

/** A worker running `body` with `p` (the restored primitive) after `delay` ms; unref'd. */
function later(body, shared, delay = 200) {
  const w = new Worker(
    `
    const { workerData } = require('node:worker_threads');
    const nt = require(${JSON.stringify(DIST)});
    const p = nt[workerData.cls].from(workerData.p);
    const flag = new Int32Array(workerData.flag);
    ${body.early ?? ''}
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    setTimeout(() => { ${body.late} }, ${delay});
    `,
    { eval: true, workerData: { ...shared, flag: flagBuf } },
  );
  w.unref();
  // Wait (blocking this thread briefly) until the worker ran its early part.
  Atomics.wait(flag, 0, 0, 10_000);
  return w;
}
const flagBuf = new SharedArrayBuffer(4);
const flag = new Int32Array(flagBuf);

function report(p) {
  p.then(
    (result) => console.log(JSON.stringify({ result, ms: performance.now() - start })),
    (e) => console.log(JSON.stringify({ error: String(e), ms: performance.now() - start })),
  );
}

switch (which) {
  case 'event': {
    const e = new nt.Event();
    later({ late: 'p.set()' }, { cls: 'Event', p: e });
    report(e.waitAsync());
    break;
  }
  case 'lock': {
    const l = new nt.Lock();
    l.acquire();
    later({ late: 'p.release()' }, { cls: 'Lock', p: l });
    report(l.acquireAsync());
    break;
  }
  case 'rlock': {
    const r = new nt.RLock();
    later({ early: 'p.acquire()', late: 'p.release()' }, { cls: 'RLock', p: r });
    report(r.acquireAsync());
    break;
  }
  case 'semaphore': {
    const s = new nt.Semaphore(0);
    later({ late: 'p.release()' }, { cls: 'Semaphore', p: s });
    report(s.acquireAsync());
    break;
  }
  case 'condition': {
    const c = new nt.Condition(new nt.Lock());
    later({ late: 'p.acquire(); p.notify(); p.release();' }, { cls: 'Condition', p: c });
    c.acquire();
    report(c.waitAsync().then((r) => (c.release(), r)));
    break;
  }
  case 'barrier': {
    const b = new nt.Barrier(2);
    later({ late: 'p.wait()' }, { cls: 'Barrier', p: b });
    report(b.waitAsync());
    break;
  }
  case 'timed': {
    // No worker at all: a timed wait keeps the process alive until it times out.
    report(new nt.Event().waitAsync(300));
    break;
  }
  case 'aborted': {
    // A wait aborted after 100 ms: rejects, and then nothing keeps the process alive.
    const e = new nt.Event();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('aborted')), 100);
    report(e.waitAsync(undefined, { signal: ac.signal }));
    break;
  }
  case 'worker': {
    // Inside a worker: its only pending thing is a waitAsync; the main thread sets after 200 ms.
    const e = new nt.Event();
    const w = new Worker(
      `
      const { workerData, parentPort } = require('node:worker_threads');
      const nt = require(${JSON.stringify(DIST)});
      const e = nt.Event.from(workerData.e);
      e.waitAsync().then((r) => parentPort.postMessage(r));
      `,
      { eval: true, workerData: { e } },
    );
    const result = new Promise((resolve) => {
      w.on('message', resolve);
      w.on('exit', () => resolve('worker exited before its wait settled'));
    });
    setTimeout(() => e.set(), 200);
    report(result);
    break;
  }
  default:
    throw new Error(`unknown case ${which}`);
}
