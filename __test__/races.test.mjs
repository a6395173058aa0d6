// Races between a JavaScript fast path and the native slow path that follows it: the native
// tail must only wake, never store the state again (another thread may have changed it).
import test from 'ava';
import { nt, sharedInts, startWorker, within } from './helpers/util.mjs';

const { Event, RLock } = nt;

test('Event ping-pong between two workers stays in step (no stale set() after a clear())', async (t) => {
  const rounds = 100_000;
  const e1 = new Event();
  const e2 = new Event();
  const flags = sharedInts(2); // [0]: rounds B has answered, [1]: rounds where A saw no answer
  const a = startWorker(t, `
    const e1 = nt.Event.from(workerData.e1), e2 = nt.Event.from(workerData.e2);
    for (let i = 1; i <= workerData.rounds; i++) {
      e1.set();
      e2.wait();
      e2.clear();
      if (Atomics.load(flags, 0) !== i) Atomics.add(flags, 1, 1);
    }
    post({ type: 'done' });
  `, { e1, e2, flags: flags.buffer, rounds });
  const b = startWorker(t, `
    const e1 = nt.Event.from(workerData.e1), e2 = nt.Event.from(workerData.e2);
    for (let i = 1; i <= workerData.rounds; i++) {
      e1.wait();
      e1.clear();
      Atomics.store(flags, 0, i);
      e2.set();
    }
    post({ type: 'done' });
  `, { e1, e2, flags: flags.buffer, rounds });
  await within(Promise.all([a.next('done', 60_000), b.next('done', 60_000)]), 60_000, 'ping-pong');
  t.is(flags[1], 0, 'a wait() returned without its matching set()');
  t.is(flags[0], rounds);
});

test('RLock: 4 workers x 20,000 increments with contention are exact', async (t) => {
  const lock = new RLock();
  const counter = sharedInts(1);
  const workers = [0, 1, 2, 3].map(() =>
    startWorker(t, `
      const lock = nt.RLock.from(workerData.lock);
      for (let i = 0; i < 20000; i++) {
        lock.acquire();
        lock.acquire(); // recursion on the fast path too
        flags[0] = flags[0] + 1;
        lock.release();
        lock.release();
      }
      post({ type: 'done' });
    `, { lock, flags: counter.buffer }),
  );
  await within(Promise.all(workers.map((w) => w.next('done', 60_000))), 60_000, 'increments');
  t.is(counter[0], 80_000);
  t.false(lock.locked());
});
