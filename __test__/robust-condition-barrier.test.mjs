// A Condition waiter or a Barrier party that dies (a child process killed with SIGKILL, a
// worker thread terminated or ended) wedges nobody: its notification goes to the next waiter,
// its round breaks (or drains without it), reset() works, and timed waits end by their
// deadline. Children are killed at chosen moments (each reports where it is in shared memory
// first) and at random moments of tight loops, half of those while the child holds the
// primitive's internal mutex (it is stopped at random moments until it is caught holding it).
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delay, DIST, nt, procState, since, startChild, startWorker, until, within } from './helpers/util.mjs';
import { seeded } from './helpers/seeded-random.mjs';
import {
  barrierChurn,
  barrierParty,
  busyAction,
  condChurn,
  condWaiter,
  hangingAction,
} from './fixtures/robust-targets.mjs';

const { Barrier, BrokenBarrierError, Condition, Lock, SharedArray } = nt;
const { memory, native, wordOf } = createRequire(import.meta.url)(DIST.replace(/index\.js$/, 'src/runtime/native.js'));
const { BarrierWord, ConditionWord } = native.layout();

// The random kill moments: set NT_ROBUST_SEED to replay a run (each test logs its seed), and
// NT_ROBUST_TRIALS for more kills at random moments per primitive (a soak).
const SEED = Number(process.env.NT_ROBUST_SEED) || Date.now() % 2 ** 31;
const RANDOM_TRIALS = Number(process.env.NT_ROBUST_TRIALS) || 20;
/** How long a waiter may take to learn of a death: a few 50 ms slices. */
const NOTICE_MS = 1000;
/** Slack for a timed wait's return past its deadline (loaded machines included). */
const SLACK_MS = 150;

const outcome = (p) => p.then((value) => ({ value }), (error) => ({ error }));
const sorted = (a) => [...a].sort((x, y) => x - y);

/** Starts `target(...args)` in a child process; SIGKILLed at teardown if still running. */
const child = (t, target, ...args) => startChild(t, 'process', target, ...args);

/** SIGKILLs `p` and waits (bounded) until it has ended. */
async function kill(p) {
  p.kill();
  await within(p.joinAsync(), 5000, 'the killed child to end');
}

/** The index in `memory` of the internal mutex word of shared instance `x` (its handle is the
 * first number of its descriptor). */
const mutexOf = (x, word) => wordOf(x.__nativeThreading.d[0], word);

/** Whether every thread of process `pid` is stopped. */
function stopped(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] === 'T';
    });
  } catch {
    return false;
  }
}

/** Kills child `p` at a random moment when one of its threads holds the internal mutex at
 * `memory[mutex]`: stops it (SIGSTOP) at random moments until one finds the mutex held, then
 * SIGKILLs it there. Returns how many stops it took. */
async function killHolding(p, mutex, random) {
  for (let stops = 1; stops <= 5000; stops++) {
    process.kill(p.pid, 'SIGSTOP');
    const t0 = performance.now();
    while (!stopped(p.pid)) {
      if (since(t0) > 5000) throw new Error('the child did not stop');
    }
    if (Atomics.load(memory, mutex) !== 0) {
      await kill(p);
      return stops;
    }
    process.kill(p.pid, 'SIGCONT');
    await delay(random() * 3);
  }
  throw new Error('the child was never stopped holding the mutex in 5000 stops');
}

/** Kills the child of a random-moment trial: at any moment (trial % 4 < 2), or while it holds
 * the internal mutex at `memory[mutex]`. Returns the stops that took (0 for any moment). */
async function killAtRandom(p, trial, mutex, random) {
  if (trial % 4 >= 2) return killHolding(p, mutex, random);
  await delay(random() * 30);
  await kill(p);
  return 0;
}

/** `fn()`'s value, or the error it threw, and how long it took. */
function timed(fn) {
  const t0 = performance.now();
  let r;
  try {
    r = { value: fn() };
  } catch (error) {
    r = { error };
  }
  return { ...r, ms: since(t0) };
}

/** The live waiter's `waitAsync` resolves true (notified) soon after `t0`. */
async function assertNotified(t, live, t0, what) {
  t.true(await within(live, 2000, `${what}: the live waiter`), `${what}: the live waiter was notified`);
  t.true(since(t0) < NOTICE_MS, `${what}: woken after ${since(t0).toFixed(0)} ms`);
}

/** The live party's `outcome(waitAsync)` is BrokenBarrierError soon after `t0`. */
async function assertBroken(t, live, t0, what) {
  const r = await within(live, 2000, `${what}: the live party`);
  t.true(r.error instanceof BrokenBarrierError, `${what}: the live party got BrokenBarrierError`);
  t.true(since(t0) < NOTICE_MS, `${what}: broken after ${since(t0).toFixed(0)} ms`);
}

/** A full round of `n` async parties on the main thread passes: the indexes 0 .. n-1. */
async function fullRound(t, b, n, what) {
  const got = await within(Promise.all(Array.from({ length: n }, () => b.waitAsync(5000))), 2000, what);
  t.deepEqual(sorted(got), [...Array(n).keys()], what);
}

/** A child process waits on a new Condition (first in line), then this thread (second, with
 * waitAsync): `{ cond, flags, p, live }`. The lock is free again. */
async function twoInLine(t, mode) {
  const cond = new Condition();
  const flags = new SharedArray('i', 2);
  const p = child(t, condWaiter, cond, flags, mode);
  await until(() => flags.get(0) === 1, 5000, 'the child waits');
  cond.acquire(); // given up by the child's wait once its node is listed
  return { cond, flags, p, live: cond.waitAsync(5000) };
}

test.serial('a Condition waiter killed while waiting does not take notify(1): the next waiter gets it', async (t) => {
  for (let trial = 0; trial < 10; trial++) {
    const mode = trial % 2 ? 'async' : 'sync';
    const what = `trial ${trial} (${mode} waiter killed)`;
    const { cond, flags, p, live } = await twoInLine(t, mode);
    await kill(p);
    cond.acquire();
    cond.notify(1);
    cond.release();
    await assertNotified(t, live, performance.now(), what);
    cond.release();
    t.is(flags.get(1), 0, `${what}: the killed waiter never returned`);
  }
});

test.serial('a notified Condition waiter killed before its wait returned passes the notification to the next waiter', async (t) => {
  for (let trial = 0; trial < 10; trial++) {
    const mode = trial % 2 ? 'async' : 'sync';
    const what = `trial ${trial} (${mode} waiter killed)`;
    const { cond, flags, p, live } = await twoInLine(t, mode);
    cond.acquire();
    cond.notify(1); // to the child, first in line; it cannot return while this thread holds the lock
    await kill(p);
    const t0 = performance.now();
    cond.release();
    await assertNotified(t, live, t0, what);
    cond.release();
    t.is(flags.get(1), 0, `${what}: the killed waiter never returned`);
  }
});

test.serial('a Condition whose waiters are killed at random moments, also inside its internal mutex, keeps working; its timed waits end by their deadline', async (t) => {
  const seed = SEED;
  t.log(`NT_ROBUST_SEED=${seed}`);
  const { random } = seeded(seed);
  let diedHolding = 0;
  const stops = [];
  for (let trial = 0; trial < RANDOM_TRIALS; trial++) {
    const mode = trial % 2 ? 'async' : 'sync';
    const inside = trial % 4 >= 2;
    const what = `trial ${trial} (${mode} loop, killed ${inside ? 'inside the mutex' : 'anywhere'})`;
    const lock = new Lock();
    const cond = new Condition(lock);
    const mutex = mutexOf(cond, ConditionWord.Mutex);
    const flags = new SharedArray('i', 2);
    const p = child(t, condChurn, cond, flags, mode);
    await until(() => flags.get(0) > 0, 5000, 'the child loops');
    const took = await killAtRandom(p, trial, mutex, random);
    if (inside) stops.push(took);
    // A Lock has no owner: anyone may release the one the child died holding.
    if (lock.locked()) {
      diedHolding++;
      lock.release();
    }
    lock.acquire();
    const w = timed(() => cond.wait(50));
    t.is(w.value, false, `${what}: wait(50) timed out`);
    t.true(w.ms >= 48 && w.ms < 50 + SLACK_MS, `${what}: wait(50) took ${w.ms.toFixed(1)} ms`);
    t.is(Atomics.load(memory, mutex), 0, `${what}: the mutex is free again`);
    const live = cond.waitAsync(5000);
    lock.acquire();
    cond.notify();
    lock.release();
    t.true(await within(live, 2000, `${what}: the waiter`), `${what}: notify() woke the waiter`);
    lock.release();
  }
  t.log(`${diedHolding} of ${RANDOM_TRIALS} children died holding the lock; stops to catch one holding the mutex: ${stops.join(', ')}`);
});

test.serial('a Barrier party killed while the round fills breaks it; after reset() (and abort()) a full round passes and a short one times out by its deadline', async (t) => {
  for (let trial = 0; trial < 10; trial++) {
    const mode = trial % 2 ? 'async' : 'sync';
    const abortFirst = trial % 4 >= 2;
    const what = `trial ${trial} (${mode} party killed${abortFirst ? ', then abort()' : ''})`;
    const b = new Barrier(3);
    const flags = new SharedArray('i', 3);
    const p = child(t, barrierParty, b, flags, mode, false);
    await until(() => b.nWaiting === 1, 5000, 'the child arrives');
    if (abortFirst) {
      await kill(p);
      b.abort();
    } else {
      const live = outcome(b.waitAsync(5000));
      await until(() => b.nWaiting === 2, 5000, 'the live party arrives');
      await kill(p);
      await assertBroken(t, live, performance.now(), what);
    }
    b.reset();
    t.false(b.broken, what);
    t.is(b.nWaiting, 0, `${what}: the dead party is not counted`);
    const short = timed(() => b.wait(200));
    t.true(short.error instanceof BrokenBarrierError, `${what}: too few parties: BrokenBarrierError`);
    t.true(short.ms >= 198 && short.ms < 200 + SLACK_MS, `${what}: wait(200) took ${short.ms.toFixed(1)} ms`);
    b.reset();
    await fullRound(t, b, 3, `${what}: a full round after reset()`);
    t.is(flags.get(1), 0, `${what}: the killed party never returned`);
  }
});

test.serial('a Barrier party killed while it runs the action breaks the round; reset() works', async (t) => {
  for (let trial = 0; trial < 6; trial++) {
    const mode = trial % 2 ? 'async' : 'sync';
    const what = `trial ${trial} (${mode} party killed in its action)`;
    const b = new Barrier(2, hangingAction);
    const flags = new SharedArray('i', 3);
    const live = outcome(b.waitAsync(5000));
    await until(() => b.nWaiting === 1, 5000, 'the live party arrives');
    const p = child(t, barrierParty, b, flags, mode, true);
    await until(() => flags.get(2) === 1, 5000, 'the child runs the action');
    t.false(b.broken, what);
    await kill(p);
    await assertBroken(t, live, performance.now(), what);
    b.reset();
    await fullRound(t, b, 2, `${what}: a full round after reset()`);
  }
});

test.serial('a Barrier party killed after its round was released, before it left, does not hold the next round closed', async (t) => {
  for (let trial = 0; trial < 6; trial++) {
    const mode = trial % 2 ? 'async' : 'sync';
    const what = `trial ${trial} (${mode} party)`;
    const b = new Barrier(2);
    const flags = new SharedArray('i', 3);
    const p = child(t, barrierParty, b, flags, mode, false);
    await until(() => b.nWaiting === 1, 5000, 'the child arrives');
    // Stopped, it cannot leave the round this thread is about to release.
    process.kill(p.pid, 'SIGSTOP');
    await until(() => procState(p.pid) === 'T', 5000, 'the child to stop');
    t.is(b.wait(1000), 1, `${what}: the round is released`);
    await kill(p);
    const t0 = performance.now();
    await fullRound(t, b, 2, `${what}: the next round`);
    t.true(since(t0) < NOTICE_MS, `${what}: the next round opened after ${since(t0).toFixed(0)} ms`);
    t.is(flags.get(1), 0, `${what}: the killed party never returned`);
  }
});

test.serial('a Barrier whose party is killed at random moments, also inside its internal mutex: timed waits end by their deadline, reset() makes it usable at once', async (t) => {
  const seed = SEED + 1;
  t.log(`NT_ROBUST_SEED=${seed - 1}`);
  const { random } = seeded(seed);
  const outcomes = { passed: 0, broken: 0 };
  const stops = [];
  for (let trial = 0; trial < RANDOM_TRIALS; trial++) {
    const mode = trial % 2 ? 'async' : 'sync';
    const inside = trial % 4 >= 2;
    const what = `trial ${trial} (${mode} loop, killed ${inside ? 'inside the mutex' : 'anywhere'})`;
    const b = new Barrier(1, busyAction);
    const mutex = mutexOf(b, BarrierWord.Mutex);
    const flags = new SharedArray('i', 1);
    const p = child(t, barrierChurn, b, flags, mode);
    await until(() => flags.get(0) > 0, 5000, 'the child loops');
    const took = await killAtRandom(p, trial, mutex, random);
    if (inside) stops.push(took);
    const w = timed(() => b.wait(300));
    t.true(w.value === 0 || w.error instanceof BrokenBarrierError, `${what}: ${w.error ?? w.value}`);
    t.true(w.ms < 300 + SLACK_MS, `${what}: wait(300) took ${w.ms.toFixed(1)} ms`);
    t.is(Atomics.load(memory, mutex), 0, `${what}: the mutex is free again`);
    outcomes[w.error ? 'broken' : 'passed']++;
    b.reset();
    const after = timed(() => b.wait(1000));
    t.is(after.value, 0, `${what}: a wait after reset() passes`);
    t.true(after.ms < SLACK_MS, `${what}: at once (${after.ms.toFixed(1)} ms)`);
  }
  t.log(`first wait after the kill: ${outcomes.passed} passed, ${outcomes.broken} broken (the child died running the action); stops to catch one holding the mutex: ${stops.join(', ')}`);
});

const threadEnds = [
  ['sync', 'terminate'],
  ['async', 'terminate'],
  ['async', 'exit'],
];
const ending = `parentPort.on('message', (m) => { if (m === 'exit') process.exit(0); });`;

/** Ends worker `w` as `end` says: terminate(), or its own process.exit(). */
async function endWorker(w, end) {
  if (end === 'exit') {
    w.post('exit');
    await within(w.exited, 5000, 'the worker to exit');
  } else {
    await within(w.terminate(), 5000, 'the worker to terminate');
  }
}

test.serial('a notified Condition waiter whose worker thread is terminated or ends before its wait returned passes the notification on', async (t) => {
  for (let trial = 0; trial < 9; trial++) {
    const [mode, end] = threadEnds[trial % 3];
    const what = `trial ${trial} (${mode} waiter, ${end})`;
    const cond = new Condition();
    const w = startWorker(
      t,
      `${ending}
      const cond = nt.Condition.from(workerData.cond);
      cond.acquire();
      post({ type: 'in-line' });
      if (workerData.mode === 'async') cond.waitAsync(60000).then(() => post({ type: 'returned' }));
      else { cond.wait(60000); post({ type: 'returned' }); }`,
      { cond, mode },
    );
    await w.next('in-line');
    cond.acquire();
    const live = cond.waitAsync(5000);
    cond.acquire();
    cond.notify(1); // to the worker, first in line
    await endWorker(w, end);
    const t0 = performance.now();
    cond.release();
    await assertNotified(t, live, t0, what);
    cond.release();
  }
});

test.serial('a Barrier party whose worker thread is terminated or ends while the round fills breaks it; reset() works', async (t) => {
  for (let trial = 0; trial < 9; trial++) {
    const [mode, end] = threadEnds[trial % 3];
    const what = `trial ${trial} (${mode} party, ${end})`;
    const b = new Barrier(3);
    const w = startWorker(
      t,
      `${ending}
      const b = nt.Barrier.from(workerData.b);
      if (workerData.mode === 'async') b.waitAsync(60000).catch(() => {});
      else b.wait(60000);`,
      { b, mode },
    );
    await until(() => b.nWaiting === 1, 5000, 'the worker arrives');
    const live = outcome(b.waitAsync(5000));
    await until(() => b.nWaiting === 2, 5000, 'the live party arrives');
    await endWorker(w, end);
    await assertBroken(t, live, performance.now(), what);
    b.reset();
    await fullRound(t, b, 3, `${what}: a full round after reset()`);
  }
});

test.serial('a Barrier wait that times out while the round it waits for cannot open yet returns by its deadline and breaks that round, not the one in progress', async (t) => {
  const b = new Barrier(2, hangingAction);
  const flags = new SharedArray('i', 3);
  const first = b.waitAsync(5000);
  await until(() => b.nWaiting === 1, 5000, 'the first party arrives');
  const p = child(t, barrierParty, b, flags, 'sync', true);
  await until(() => flags.get(2) === 1, 5000, 'the child runs the action');
  // The round is complete and acting: a third wait cannot arrive before its deadline.
  const late = timed(() => b.wait(100));
  t.true(late.error instanceof BrokenBarrierError, 'BrokenBarrierError');
  t.true(late.ms >= 98 && late.ms < 100 + SLACK_MS, `wait(100) took ${late.ms.toFixed(1)} ms`);
  t.false(b.broken, 'the acting round is left alone');
  flags.set(2, 2); // the action ends
  t.is(await within(first, 2000, 'the first party'), 0, 'the round in progress is released');
  await until(() => flags.get(1) === 1, 5000, 'the child returns');
  await within(p.joinAsync(), 5000, 'the child to end');
  t.is(p.exitcode, 0);
  t.true(b.broken, 'the round the late wait was waiting for opened broken');
  b.reset();
  await fullRound(t, b, 2, 'a full round after reset()');
});
