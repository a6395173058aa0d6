// A project's ES module that uses the installed package (scripts/consumer-test.mjs runs it).
// Thread, Process and Pool targets are exports of this module: the new thread or process
// imports it to find them, and isMainModule() keeps the main code from running there.
import { isMainThread } from 'node:worker_threads';
import { isMainModule, Lock, Pool, Process, Queue, Thread } from 'native-threading';

/** Adds 1 to counter[0], `n` times, holding the lock; counts the threads in counter[1]. */
export function addMany(lock, counter, n) {
  for (let i = 0; i < n; i++) {
    const held = lock.hold();
    try {
      counter[0] = counter[0] + 1;
    } finally {
      held[Symbol.dispose]();
    }
  }
  if (!isMainThread) Atomics.add(counter, 1, 1);
}

/** Puts 10, 20, ... (n of them) and then its own pid. */
export function produce(q, n) {
  for (let i = 1; i <= n; i++) q.put(i * 10);
  q.put({ pid: process.pid });
}

export function square(x) {
  return x * x;
}

if (isMainModule(import.meta)) {
  console.log(`module: ${typeof require === 'undefined' ? 'ES' : 'CommonJS'}`);

  const lock = new Lock();
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const threads = [1, 2, 3, 4].map(() => new Thread({ target: addMany, args: [lock, counter, 2500] }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  console.log(`threads: ${counter[0]} from ${counter[1]} threads`);

  const q = new Queue();
  const p = new Process({ target: produce, args: [q, 3] });
  p.start();
  const items = [q.get(true, 20_000), q.get(true, 20_000), q.get(true, 20_000)];
  const { pid } = q.get(true, 20_000);
  p.join(20_000);
  console.log(`process: ${items.join(' ')}, its own pid: ${pid === p.pid && pid !== process.pid}, exitcode ${p.exitcode}`);

  const pool = new Pool(2);
  console.log(`pool: ${pool.map(square, [1, 2, 3]).join(' ')}`);
  pool.close();
  pool.join();

  console.log(`lock released: ${!lock.locked()}`);
}
