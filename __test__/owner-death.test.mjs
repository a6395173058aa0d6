// Holders that die (README: Lock, RLock, Condition, Semaphore, "ownerDied"): a Lock whose
// process ends holding it, and an RLock whose thread or process ends holding it, are taken over
// by the next acquirer, which is told; a Lock held across a thread's normal end is a hand-off; a
// dead Semaphore holder's permit is not returned, and timed calls still end by their deadline.
import test from 'ava';
import * as targets from './fixtures/owner-death-targets.mjs';
import { seeded } from './helpers/seeded-random.mjs';
import { assertThrowsCode, assertTook, delay, nt, since, startChild, startWorker, within } from './helpers/util.mjs';

const { Condition, Event, Lock, RLock, Semaphore, SharedArray, Value } = nt;

/** park::SLICE: a waiter checks its holder at least this often. */
const SLICE = 50;
/** What a waiter may take beyond a slice to see a death on a busy machine. */
const SLACK = 250;
/** A timed call must end by its deadline plus this. */
const DEADLINE_SLACK = 200;

/** Starts `target(...args)` in a child process and waits (bounded) until it sets `held`. */
async function childHolding(t, target, args, held) {
  const p = startChild(t, 'process', target, ...args);
  await within(held.waitAsync(15_000), 16_000, 'the child to take its locks');
  return p;
}

/** SIGKILLs `p` and waits (bounded) until it is gone. */
async function kill(p) {
  p.kill();
  await within(p.joinAsync(), 10_000, 'the killed child to end');
}

/** Runs `fn` and returns [its result, the milliseconds it took]. */
function timed(fn) {
  const start = performance.now();
  const r = fn();
  return [r, since(start)];
}

test.serial('a live holder in another process: timed acquires end by their deadline with false, tries fail at once', async (t) => {
  const lock = new Lock();
  const rlock = new RLock();
  const held = new Event();
  const p = await childHolding(t, targets.holdUntilKilled, [[lock, rlock], held], held);
  for (const l of [lock, rlock]) {
    const name = l.constructor.name;
    let [got, ms] = timed(() => l.acquire(true, 300));
    t.false(got, `${name}: acquire(true, 300)`);
    assertTook(t, ms, 300, DEADLINE_SLACK, `${name}: acquire(true, 300)`);
    [got, ms] = timed(() => l.acquire(false));
    t.false(got, `${name}: acquire(false)`);
    t.true(ms < 50, `${name}: acquire(false) took ${ms} ms`);
    const start = performance.now();
    t.false(await within(l.acquireAsync(300), 2000, `${name}: acquireAsync(300)`));
    assertTook(t, since(start), 300, DEADLINE_SLACK, `${name}: acquireAsync(300)`);
    t.false(await l.acquireAsync(0), `${name}: acquireAsync(0)`);
    t.true(l.locked(), `${name}: locked()`);
    t.false(l.ownerDied, `${name}: ownerDied while its holder lives`);
  }
  await kill(p);
  t.true(lock.locked() && rlock.locked(), 'a dead holder keeps the lock locked() until it is taken over');
});

test.serial('a process killed holding a Lock, an RLock, a Condition, a Value and a SharedArray: each next acquirer takes over and is told', async (t) => {
  const lock = new Lock();
  const rlock = new RLock();
  const cond = new Condition();
  const condOverLock = new Condition(new Lock());
  const value = new Value('i', 7);
  const array = new SharedArray('i', 4);
  const viaTry = new Lock();
  const viaTryAsync = new RLock();
  const all = [lock, rlock, cond, condOverLock, value, array, viaTry, viaTryAsync];
  const held = new Event();
  const p = await childHolding(t, targets.holdUntilKilled, [all, held], held);
  await kill(p);

  // Blocking: within a slice of the wait, well before the deadline.
  let [got, ms] = timed(() => lock.acquire(true, 2000));
  t.true(got, 'Lock.acquire(true, 2000)');
  t.true(ms < SLICE + SLACK, `Lock: took over after ${ms} ms`);
  t.true(lock.ownerDied);
  [got, ms] = timed(() => cond.acquire(true, 2000));
  t.true(got && cond.ownerDied && cond.lock.ownerDied, 'Condition (its RLock)');
  t.true(ms < SLICE + SLACK, `Condition: took over after ${ms} ms`);
  // Only trying: at once.
  [got, ms] = timed(() => viaTry.acquire(false));
  t.true(got && viaTry.ownerDied, 'Lock.acquire(false)');
  t.true(ms < 50, `acquire(false) took ${ms} ms`);
  t.true(await viaTryAsync.acquireAsync(0), 'RLock.acquireAsync(0)');
  t.true(viaTryAsync.ownerDied);
  // Asynchronous: the dispatcher's sweep finds the death.
  const start = performance.now();
  t.true(await within(rlock.acquireAsync(2000), 3000, 'RLock.acquireAsync'));
  t.true(since(start) < SLICE + SLACK, `RLock.acquireAsync took over after ${since(start)} ms`);
  t.true(rlock.ownerDied);
  // No timeout, started once the dispatcher has no wait left: it must begin its sweeps anyway.
  t.true(await within(condOverLock.acquireAsync(), 3000, 'Condition(Lock).acquireAsync'));
  t.true(condOverLock.ownerDied);
  // A Value's and a SharedArray's default lock (an RLock): hold() and withLock() run (in a
  // worker, which the test's end terminates if they hang).
  const w = startWorker(
    t,
    `const v = nt.Value.from(workerData.value);
     const a = nt.SharedArray.from(workerData.array);
     const h = v.hold();
     const valueDied = v.getLock().ownerDied;
     h[Symbol.dispose]();
     const arrayDied = a.withLock(() => a.getLock().ownerDied);
     post({ type: 'done', valueDied, arrayDied });`,
    { value, array },
  );
  const r = await w.next('done', 5000);
  t.true(r.valueDied, 'Value lock, hold()');
  t.true(r.arrayDied, 'SharedArray lock, withLock()');

  // The flag lasts as long as the holding: an RLock's last release ends it.
  t.true(rlock.acquire(false));
  t.true(rlock.ownerDied, 'one level more keeps the flag');
  rlock.release();
  t.true(rlock.ownerDied);
  for (const l of [lock, rlock, cond, condOverLock, viaTry, viaTryAsync]) l.release();
  for (const l of [lock, rlock, cond.lock, condOverLock.lock, viaTry, viaTryAsync, value.getLock(), array.getLock()]) {
    t.false(l.locked(), 'free again');
    t.false(l.ownerDied, 'reset by the release');
  }
  assertThrowsCode(t, () => lock.release(), Error, 'ERR_LOCK_NOT_HELD');
  assertThrowsCode(t, () => rlock.release(), Error, 'ERR_LOCK_NOT_OWNED');
  // Later holdings are ordinary ones.
  t.true(lock.acquire(false) && !lock.ownerDied);
  lock.release();
  t.true(rlock.acquire(false) && !rlock.ownerDied);
  rlock.release();
});

test.serial('a process that exits holding a Lock is a death too; a thread that ends holding one hands it off', async (t) => {
  const exited = new Lock();
  const handedOff = new Lock();
  const held = new Event();
  const p = startChild(t, 'process', targets.holdAndEnd, exited, held);
  await within(p.joinAsync(), 15_000, 'the child to exit');
  t.is(p.exitcode, 0);
  t.true(exited.locked());
  t.true(exited.acquire(true, 2000));
  t.true(exited.ownerDied, 'the process exited holding it');
  exited.release();

  const threadHeld = new Event();
  const th = startChild(t, 'thread', targets.holdAndEnd, handedOff, threadHeld);
  await within(th.joinAsync(), 15_000, 'the thread to end');
  // Several slices: the waiter sees a live process, and leaves the lock to whoever releases it.
  const [got, ms] = timed(() => handedOff.acquire(true, 4 * SLICE));
  t.false(got, 'a Lock held across a thread end is still held');
  assertTook(t, ms, 4 * SLICE, DEADLINE_SLACK);
  t.true(handedOff.locked());
  t.false(handedOff.ownerDied);
  handedOff.release(); // any thread may release a Lock
  t.true(handedOff.acquire(false));
  t.false(handedOff.ownerDied);
  handedOff.release();
});

test.serial('a killed holder wakes waiters in other processes and threads: one takes over (told), the others get the lock after it', async (t) => {
  for (const Kind of [Lock, RLock]) {
    const lock = new Kind();
    const held = new Event();
    const ready = new Event();
    const out = new SharedArray('i', 2);
    const holder = await childHolding(t, targets.holdUntilKilled, [[lock], held], held);
    const waiter = startChild(t, 'process', targets.acquireAndReport, lock, 10_000, 100, out, ready);
    await within(ready.waitAsync(15_000), 16_000, 'the waiting child');
    const mine = lock.acquireAsync(10_000);
    const worker = startWorker(
      t,
      `const l = nt.${Kind.name}.from(workerData.lock);
       post({ type: 'waiting' });
       const got = l.acquire(true, 10000);
       post({ type: 'got', got, died: l.ownerDied });
       if (got) { sleepMs(50); l.release(); }`,
      { lock },
    );
    await worker.next('waiting');
    await delay(20);
    await kill(holder);
    t.true(await within(mine, 15_000, `${Kind.name}: the async waiter`), `${Kind.name}: async waiter acquired`);
    const diedHere = lock.ownerDied;
    await delay(50);
    lock.release();
    const w = await worker.next('got', 15_000);
    t.true(w.got, `${Kind.name}: blocked worker acquired`);
    await within(waiter.joinAsync(), 15_000, 'the waiting child to end');
    t.is(out.get(0), 1, `${Kind.name}: the waiting child acquired`);
    const told = [diedHere, w.died, out.get(1) === 1].filter(Boolean).length;
    t.is(told, 1, `${Kind.name}: exactly the one that took over is told (async ${diedHere}, worker ${w.died}, child ${out.get(1)})`);
    t.true(await within(lock.acquireAsync(5000), 6000));
    t.false(lock.ownerDied);
    lock.release();
  }
});

test.serial('an RLock (also a Value lock) whose thread returns or is terminated while holding it is taken over', async (t) => {
  const rlock = new RLock();
  const value = new Value('d', 1.5);
  const held = new Event();
  const th = startChild(t, 'thread', targets.holdAndEnd, [rlock, value], held);
  await within(th.joinAsync(), 15_000, 'the thread to end');
  t.true(rlock.locked(), 'locked() until taken over');
  const [got, ms] = timed(() => rlock.acquire(true, 2000));
  t.true(got);
  t.true(ms < SLICE + SLACK, `took over after ${ms} ms`);
  t.true(rlock.ownerDied);
  rlock.release();
  t.true(await within(value.getLock().acquireAsync(2000), 3000));
  t.true(value.getLock().ownerDied);
  value.release();
  t.false(value.getLock().locked());

  const terminated = new RLock();
  const w = startWorker(
    t,
    `const l = nt.RLock.from(workerData.l);
     l.acquire(); l.acquire();
     post({ type: 'held' });
     for (;;) sleepMs(1000);`,
    { l: terminated },
  );
  await w.next('held');
  const pending = terminated.acquireAsync(5000);
  await w.terminate();
  t.true(await within(pending, 6000, 'the async waiter'));
  t.true(terminated.ownerDied);
  terminated.release();
  t.false(terminated.locked());
});

test.serial('Condition.wait(): a notifier that dies holding the lock (process killed, thread ended) leaves it to the waiter, which is told', async (t) => {
  // Asynchronous waiter, notifier process killed holding the condition's RLock.
  const cond = new Condition();
  const held = new Event();
  t.true(cond.acquire(false));
  const p = startChild(t, 'process', targets.notifyAndHoldUntilKilled, cond, held);
  const waiting = cond.waitAsync(15_000);
  await within(held.waitAsync(15_000), 16_000, 'the notifier');
  await kill(p);
  t.true(await within(waiting, 5000, 'waitAsync'), 'notified');
  t.true(cond.ownerDied);
  cond.release();
  t.false(cond.lock.locked());

  // Blocking waiter in a worker; the notifier is a thread that ends holding the RLock.
  const rcond = new Condition(new RLock());
  const w = startWorker(
    t,
    `const c = nt.Condition.from(workerData.c);
     c.acquire();
     post({ type: 'waiting' });
     const notified = c.wait(10000);
     post({ type: 'woke', notified, died: c.ownerDied });
     c.release();`,
    { c: rcond },
  );
  await w.next('waiting');
  const notifierHeld = new Event();
  t.true(rcond.acquire(true, 10_000), "the worker's wait releases the lock");
  rcond.release();
  const th = startChild(t, 'thread', targets.notifyAndEnd, rcond, notifierHeld);
  await within(th.joinAsync(), 15_000, 'the notifying thread to end');
  const r = await w.next('woke', 10_000);
  t.true(r.notified);
  t.true(r.died, 'the waiter took the RLock over from the ended thread');
});

test.serial('Semaphore: a killed holder returns no permit (no owner, as in Python), and timed acquires still end by their deadline', async (t) => {
  const sem = new Semaphore(1);
  const held = new Event();
  const p = await childHolding(t, targets.holdUntilKilled, [[sem], held], held);
  await kill(p);
  const [got, ms] = timed(() => sem.acquire(true, 300));
  t.false(got);
  assertTook(t, ms, 300, DEADLINE_SLACK, 'acquire(true, 300)');
  t.false(sem.acquire(false));
  const start = performance.now();
  t.false(await within(sem.acquireAsync(300), 2000));
  assertTook(t, since(start), 300, DEADLINE_SLACK, 'acquireAsync(300)');
  sem.release(); // anyone may give the permit back
  t.true(sem.acquire(false));
});

/** Whether `l` (a lock or a Condition) is held. */
const isLocked = (l) => (l instanceof Condition ? l.lock : l).locked();

/** Kills each child at a random moment of its toggling and checks every lock it used. */
async function faultTrials(t, kind, make, { children, perChild, seed }) {
  const { random } = seeded(seed);
  t.log(`${kind}: seed ${seed}`);
  let trials = 0;
  let diedHolding = 0;
  await Promise.all(
    Array.from({ length: children }, async (_, c) => {
      const locks = Array.from({ length: perChild }, (_, i) => make(i));
      const ready = new Event();
      const p = startChild(t, 'process', targets.toggleUntilKilled, locks, seed + c, ready);
      await within(ready.waitAsync(20_000), 21_000, `${kind} child ${c} to start`);
      await delay(random() * 40);
      await kill(p);
      const states = locks.map(isLocked);
      await Promise.all(
        locks.map(async (l, i) => {
          const how = ['try', 'block', 'async'][i % 3];
          const start = performance.now();
          let got;
          if (how === 'try') got = l.acquire(false);
          else if (how === 'block') got = l.acquire(true, 2000);
          else got = await within(l.acquireAsync(2000), 3000, `${kind} acquireAsync`);
          const ms = since(start);
          t.true(got, `${kind} child ${c} lock ${i} (${how}, held: ${states[i]}): acquired`);
          t.true(ms < 1000, `${kind} child ${c} lock ${i} (${how}): took ${ms} ms`);
          t.is(l.ownerDied, states[i], `${kind} child ${c} lock ${i} (${how}): ownerDied iff the child died holding it`);
          l.release();
          t.false(isLocked(l) || l.ownerDied);
          trials++;
          if (states[i]) diedHolding++;
        }),
      );
    }),
  );
  t.log(`${kind}: ${trials} trials, ${diedHolding} with the child dead holding the lock`);
  t.true(diedHolding > 0 && diedHolding < trials, 'both cases came up');
}

const FAULT_SEED = Number(process.env.OWNER_DEATH_SEED ?? Date.now() % 100_000);

test.serial('fault injection: Lock holders killed at random moments (30 trials)', async (t) => {
  await faultTrials(t, 'Lock', () => new Lock(), { children: 3, perChild: 10, seed: FAULT_SEED });
});

test.serial('fault injection: RLock holders killed at random moments, recursion included (30 trials)', async (t) => {
  await faultTrials(t, 'RLock', () => new RLock(), { children: 3, perChild: 10, seed: FAULT_SEED + 100 });
});

test.serial('fault injection: Condition holders (over an RLock or a Lock) killed at random moments (30 trials)', async (t) => {
  await faultTrials(t, 'Condition', (i) => (i % 2 ? new Condition() : new Condition(new Lock())), {
    children: 3,
    perChild: 10,
    seed: FAULT_SEED + 200,
  });
});

test.serial('fault injection: RLock-owning threads terminated at random moments (30 trials)', async (t) => {
  const { random } = seeded(FAULT_SEED + 300);
  t.log(`seed ${FAULT_SEED + 300}`);
  const fixture = new URL('./fixtures/owner-death-targets.mjs', import.meta.url).href;
  let diedHolding = 0;
  for (let c = 0; c < 3; c++) {
    const locks = Array.from({ length: 10 }, (_, i) => (i % 2 ? new RLock() : new Condition()));
    const ready = new Event();
    const w = startWorker(
      t,
      `const { toggleUntilKilled } = await import(workerData.fixture);
       const locks = workerData.locks.map((l, i) => (i % 2 ? nt.RLock.from(l) : nt.Condition.from(l)));
       toggleUntilKilled(locks, workerData.seed, nt.Event.from(workerData.ready));`,
      { fixture, locks, seed: FAULT_SEED + c, ready },
    );
    await within(ready.waitAsync(10_000), 11_000, 'the worker to start');
    await delay(random() * 40);
    await within(w.terminate(), 10_000, 'terminate()');
    const states = locks.map(isLocked);
    for (const [i, l] of locks.entries()) {
      const got = i % 2 ? l.acquire(true, 2000) : await within(l.acquireAsync(2000), 3000);
      t.true(got, `worker ${c} lock ${i}: acquired`);
      t.is(l.ownerDied, states[i], `worker ${c} lock ${i}: ownerDied iff the thread ended holding it`);
      l.release();
      if (states[i]) diedHolding++;
    }
  }
  t.true(diedHolding > 0 && diedHolding < 30, `both cases came up (${diedHolding} of 30 held)`);
});
