// `node --expose-gc lifetime.mjs <local|shared> <count>`: creates and drops `count` Locks (local),
// or sends `count` Locks to a worker that restores and drops them (shared), and prints the RSS
// before and after as JSON.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const nt = createRequire(import.meta.url)(DIST);
const [mode, countArg] = process.argv.slice(2);
const COUNT = Number(countArg);
const BATCH = 1000;

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const tick = () => new Promise(setImmediate);
async function settle() {
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await tick();
  }
}
const rss = () => process.memoryUsage().rss;

async function local(count) {
  for (let b = 0; b < count / BATCH; b++) {
    for (let i = 0; i < BATCH; i++) {
      const l = new nt.Lock();
      if (i === 0) {
        l.acquire();
        l.release();
      }
    }
    await tick(); // let finalizers run
    if (b % 50 === 0) globalThis.gc();
  }
}

let worker;
let acks;
function startWorker() {
  worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads');
    const nt = require(${JSON.stringify(DIST)});
    let n = 0;
    parentPort.on('message', (batch) => {
      let ok = 0;
      for (const shared of batch) {
        const l = nt.Lock.from(shared);
        if (!l.locked()) ok++;
      }
      if (++n % 10 === 0 || batch.length === 0) globalThis.gc();
      parentPort.postMessage(ok);
    });
    `,
    { eval: true },
  );
  acks = [];
  worker.on('message', (n) => acks.shift()(n));
}
async function shared(count) {
  let restored = 0;
  for (let b = 0; b < count / BATCH; b++) {
    const batch = [];
    for (let i = 0; i < BATCH; i++) batch.push(new nt.Lock());
    const ack = new Promise((resolve) => acks.push(resolve));
    worker.postMessage(batch);
    batch.length = 0; // dropped here: only the clones in flight keep the locks alive
    restored += await ack;
    await tick();
    if (b % 20 === 0) globalThis.gc();
  }
  return restored;
}

let restored;
if (mode === 'local') {
  await local(100_000); // warm up: code, arena pages, allocator free lists
  await settle();
  const before = rss();
  await local(COUNT);
  await settle();
  const after = rss();
  console.log(JSON.stringify({ mode, count: COUNT, before, after, deltaMB: (after - before) / 2 ** 20 }));
} else if (mode === 'shared') {
  startWorker();
  restored = await shared(30_000); // warm up, with the worker running
  await settle();
  const before = rss();
  restored = await shared(COUNT);
  await settle();
  await new Promise((resolve) => {
    acks.push(resolve);
    worker.postMessage([]);
  });
  await settle();
  const after = rss();
  await worker.terminate();
  console.log(JSON.stringify({ mode, count: COUNT, restored, before, after, deltaMB: (after - before) / 2 ** 20 }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
