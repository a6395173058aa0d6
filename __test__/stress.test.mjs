// Many threads, many operations: nothing lost, nothing duplicated, no deadlock.
import test from 'ava';
import { nt, sharedInts, startWorker, within } from './helpers/util.mjs';

const { Lock, RLock, Condition, Semaphore, Barrier } = nt;

test.serial('4 workers x 20,000 locked non-atomic increments end at exactly 80,000', async (t) => {
  const lock = new Lock();
  const go = new nt.Event();
  const counter = sharedInts(1);
  const ws = Array.from({ length: 4 }, () =>
    startWorker(
      t,
      `
      const lock = nt.Lock.from(workerData.lock);
      const c = flags;
      let spin = 0;
      post({ type: 'ready' });
      nt.Event.from(workerData.go).wait(); // all four start together
      for (let i = 0; i < 20000; i++) {
        lock.acquire();
        const v = c[0];   // plain read-modify-write: only the lock makes it safe
        for (let k = 0; k < 20; k++) spin += Atomics.load(c, 0); // widen the window (unlocked, ~50% are lost)
        c[0] = v + 1;
        lock.release();
      }
      post({ type: 'done' });
      `,
      { lock, flags: counter.buffer, go },
    ),
  );
  await within(Promise.all(ws.map((w) => w.next('ready', 30_000))), 30_000, 'the workers started');
  go.set();
  await within(Promise.all(ws.map((w) => w.next('done', 60_000))), 60_000, 'the workers');
  t.is(counter[0], 80_000);
  t.false(lock.locked());
});

test.serial('RLock: 4 workers x 5,000 nested (depth 2) locked increments, plus the main thread async, exact total', async (t) => {
  const rlock = new RLock();
  const go = new nt.Event();
  const counter = sharedInts(1);
  const ws = Array.from({ length: 4 }, () =>
    startWorker(
      t,
      `
      const r = nt.RLock.from(workerData.r);
      const c = flags;
      post({ type: 'ready' });
      nt.Event.from(workerData.go).wait(); // all four start together
      for (let i = 0; i < 5000; i++) {
        r.acquire();
        r.withLock(() => {
          const v = c[0];
          for (let k = 0; k < 20; k++) Atomics.load(c, 0);
          c[0] = v + 1;
        });
        r.release();
      }
      post({ type: 'done' });
      `,
      { r: rlock, flags: counter.buffer, go },
    ),
  );
  await within(Promise.all(ws.map((w) => w.next('ready', 30_000))), 30_000, 'the workers started');
  go.set();
  for (let i = 0; i < 1000; i++) {
    await within(rlock.acquireAsync(), 30_000, 'main acquireAsync');
    const v = counter[0];
    await null; // a microtask gap while holding the lock
    counter[0] = v + 1;
    rlock.release();
  }
  await within(Promise.all(ws.map((w) => w.next('done', 60_000))), 60_000, 'the workers');
  t.is(counter[0], 21_000);
  t.false(rlock.locked());
});

test.serial('Lock: sync workers and async main-thread acquirers interleave without losing an increment', async (t) => {
  const lock = new Lock();
  const counter = sharedInts(1);
  const ws = Array.from({ length: 2 }, () =>
    startWorker(
      t,
      `
      const lock = nt.Lock.from(workerData.lock);
      for (let i = 0; i < 10000; i++) lock.withLock(() => {
        const v = flags[0];
        for (let k = 0; k < 20; k++) Atomics.load(flags, 0);
        flags[0] = v + 1;
      });
      post({ type: 'done' });
      `,
      { lock, flags: counter.buffer },
    ),
  );
  const tasks = Array.from({ length: 4 }, async () => {
    for (let i = 0; i < 500; i++) {
      t.true(await lock.acquireAsync());
      const v = counter[0];
      await null;
      counter[0] = v + 1;
      lock.release();
    }
  });
  await within(Promise.all(tasks), 60_000, 'the async acquirers');
  await within(Promise.all(ws.map((w) => w.next('done', 60_000))), 60_000, 'the workers');
  t.is(counter[0], 22_000);
  t.false(lock.locked());
});

test.serial('2 producers / 2 consumers, a Condition-protected ring of 20,000 items: nothing lost, nothing duplicated', async (t) => {
  const PER_PRODUCER = 10_000;
  const TOTAL = 2 * PER_PRODUCER;
  const SIZE = 16;
  const lock = new Lock();
  const notEmpty = new Condition(lock);
  const notFull = new Condition(lock);
  // [0] head, [1] tail, [2] count, [3] consumed, [4..4+SIZE) ring
  const q = sharedInts(4 + SIZE);
  // seen[v] counts how many times item v was consumed
  const seen = sharedInts(TOTAL + 1);
  const producer = (p) =>
    startWorker(
      t,
      `
      const notEmpty = nt.Condition.from(workerData.notEmpty);
      const notFull = nt.Condition.from(workerData.notFull);
      const q = flags;
      for (let i = 1; i <= ${PER_PRODUCER}; i++) {
        const item = ${p} * ${PER_PRODUCER} + i;
        notFull.acquire();
        while (q[2] === ${SIZE}) notFull.wait();
        q[4 + q[1]] = item;
        q[1] = (q[1] + 1) % ${SIZE};
        q[2]++;
        notEmpty.notify();
        notFull.release();
      }
      post({ type: 'done' });
      `,
      { notEmpty, notFull, flags: q.buffer },
    );
  const consumer = () =>
    startWorker(
      t,
      `
      const notEmpty = nt.Condition.from(workerData.notEmpty);
      const notFull = nt.Condition.from(workerData.notFull);
      const q = flags;
      const seen = new Int32Array(workerData.seen);
      let count = 0, sum = 0;
      for (;;) {
        notEmpty.acquire();
        while (q[2] === 0 && q[3] < ${TOTAL}) notEmpty.wait();
        if (q[3] === ${TOTAL}) {
          notEmpty.notifyAll();
          notEmpty.release();
          break;
        }
        const item = q[4 + q[0]];
        q[0] = (q[0] + 1) % ${SIZE};
        q[2]--;
        q[3]++;
        if (q[3] === ${TOTAL}) notEmpty.notifyAll();
        notFull.notify();
        notEmpty.release();
        Atomics.add(seen, item, 1);
        count++;
        sum += item;
      }
      post({ type: 'done', count, sum });
      `,
      { notEmpty, notFull, flags: q.buffer, seen: seen.buffer },
    );
  const ws = [producer(0), producer(1), consumer(), consumer()];
  const results = await within(Promise.all(ws.map((w) => w.next('done', 90_000))), 90_000, 'producers and consumers');
  const consumers = results.slice(2);
  const count = consumers.reduce((a, r) => a + r.count, 0);
  const sum = consumers.reduce((a, r) => a + r.sum, 0);
  t.is(count, TOTAL, 'items consumed');
  t.is(sum, (TOTAL * (TOTAL + 1)) / 2, 'sum of the items');
  let missing = 0;
  let duplicated = 0;
  for (let v = 1; v <= TOTAL; v++) {
    if (seen[v] === 0) missing++;
    if (seen[v] > 1) duplicated++;
  }
  t.is(missing, 0);
  t.is(duplicated, 0);
  t.is(q[2], 0, 'the ring is empty');
  t.false(lock.locked());
  t.log(`consumer split: ${consumers.map((r) => r.count).join(' / ')}`);
});

test.serial('Semaphore(2) admits at most 2 of 4 workers at a time, and every unit comes back', async (t) => {
  const sem = new Semaphore(2);
  // [0] inside now, [1] max inside, [2] entries
  const s = sharedInts(3);
  const ws = Array.from({ length: 4 }, () =>
    startWorker(
      t,
      `
      const sem = nt.Semaphore.from(workerData.sem);
      for (let i = 0; i < 3000; i++) {
        sem.withLock(() => {
          const n = Atomics.add(flags, 0, 1) + 1;
          let m;
          while ((m = Atomics.load(flags, 1)) < n && Atomics.compareExchange(flags, 1, m, n) !== m);
          Atomics.add(flags, 2, 1);
          Atomics.sub(flags, 0, 1);
        });
      }
      post({ type: 'done' });
      `,
      { sem, flags: s.buffer },
    ),
  );
  await within(Promise.all(ws.map((w) => w.next('done', 60_000))), 60_000, 'the workers');
  t.is(s[2], 12_000);
  t.true(s[1] <= 2, `at most 2 inside at once, saw ${s[1]}`);
  t.is(s[0], 0);
  t.true(sem.acquire(false) && sem.acquire(false) && !sem.acquire(false), 'both units are back');
});

test.serial('Barrier: 4 workers x 300 rounds; nobody passes a round before everyone arrived', async (t) => {
  const W = 4;
  const ROUNDS = 300;
  const b = new Barrier(W);
  // [i]: the round worker i has arrived at; [W]: violations; [W + 1]: index collisions
  const s = sharedInts(W + 2);
  const ws = Array.from({ length: W }, (_, i) =>
    startWorker(
      t,
      `
      const b = nt.Barrier.from(workerData.b);
      const idx = new Int32Array(workerData.idx);
      for (let r = 1; r <= ${ROUNDS}; r++) {
        Atomics.store(flags, ${i}, r);
        const k = b.wait(30000);
        if (Atomics.add(idx, (r % 2) * ${W} + k, 1) !== 0) Atomics.add(flags, ${W + 1}, 1);
        for (let j = 0; j < ${W}; j++) if (Atomics.load(flags, j) < r) Atomics.add(flags, ${W}, 1);
        // Clear this round's index slot for round r + 2 once everyone used it (next barrier).
        b.wait(30000);
        Atomics.store(idx, (r % 2) * ${W} + k, 0);
      }
      post({ type: 'done' });
      `,
      { b, flags: s.buffer, idx: new SharedArrayBuffer(4 * 2 * W) },
    ),
  );
  await within(Promise.all(ws.map((w) => w.next('done', 60_000))), 60_000, 'the workers');
  t.is(s[W], 0, 'a worker passed before another arrived');
  t.is(s[W + 1], 0, 'two waiters of one round got the same index');
  t.false(b.broken);
});

test.serial('Event ping-pong between two workers, 20,000 rounds: every set() is seen exactly once, none lost', async (t) => {
  const N = 20_000;
  const ping = new nt.Event();
  const pong = new nt.Event();
  const a = startWorker(
    t,
    `
    const ping = nt.Event.from(workerData.ping), pong = nt.Event.from(workerData.pong);
    let timeouts = 0;
    for (let r = 0; r < ${N}; r++) {
      ping.set();
      if (!pong.wait(2000)) { timeouts++; break; }
      pong.clear();
    }
    post({ type: 'done', timeouts });
    `,
    { ping, pong },
  );
  const b = startWorker(
    t,
    `
    const ping = nt.Event.from(workerData.ping), pong = nt.Event.from(workerData.pong);
    let rounds = 0, timeouts = 0;
    for (let r = 0; r < ${N}; r++) {
      if (!ping.wait(2000)) { timeouts++; break; }
      ping.clear();
      rounds++;
      pong.set();
    }
    post({ type: 'done', rounds, timeouts });
    `,
    { ping, pong },
  );
  const [ra, rb] = await within(Promise.all([a.next('done', 30_000), b.next('done', 30_000)]), 30_000, 'ping-pong');
  // A set() undone by a late native store would let one side run ahead and the other time out.
  t.is(ra.timeouts, 0, 'the pinger never waited in vain');
  t.is(rb.timeouts, 0, 'the ponger never waited in vain');
  t.is(rb.rounds, N);
});
