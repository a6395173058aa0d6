// One kill-at-random trial per primitive, for scripts/soak.mjs. A trial starts a child process
// that takes the primitive (holds it, waits on it, or calls it in a tight loop), SIGKILLs it at a
// random moment, and then checks, through the public API only, that the primitive works again
// within its bound. A trial returns when the primitive recovered, and throws a `Hang` (a call
// that did not return by its deadline, or a primitive still unusable when its bound passed) or a
// `Failure` (a wrong result: an item lost or duplicated, an entry gone, a wrong flag).
import { createRequire } from 'node:module';
import * as T from './targets.mjs';
import * as F from '../../__test__/fixtures/queue-faults.mjs';

const nt = createRequire(import.meta.url)('../../dist/index.js');
const { Barrier, BrokenBarrierError, Condition, EmptyError, Event, Lock, Process, Queue, RLock, Semaphore, SharedArray, SharedDict, SharedList } = nt;

export class Hang extends Error {}
export class Failure extends Error {}

/** How long a killed holder's primitive may take to be usable again. */
const BOUND_MS = 2000;
/** How long a child may take to end once it called process.exit() (Node's teardown included). */
const EXIT_MS = 1000;
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a Hang when it has not settled `ms` after now. */
async function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Hang(`${what}: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts `target(...args, ready)` in a daemon child and waits until it set `ready`. */
async function startReady(ctx, target, args) {
  const ready = new Event();
  const p = new Process({ target, args: [...args, ready], daemon: true });
  p.start();
  ctx.children.add(p);
  if (!(await ready.waitAsync(10_000))) throw new Failure('the child did not start within 10 s');
  return p;
}

/** SIGKILLs `p` after a random 0..maxMs. */
async function killAfter(ctx, p, maxMs) {
  await delay(ctx.random() * maxMs);
  p.kill();
  await within(p.joinAsync(), 5000, 'a SIGKILLed child to end');
  ctx.children.delete(p);
}

/** `await fn()` (or fn()), which must return by `deadlineMs` + the slack; its value. */
async function timed(ctx, what, deadlineMs, fn) {
  const t0 = performance.now();
  const v = await within(Promise.resolve().then(fn), deadlineMs + ctx.slackMs + 1000, what);
  const ms = performance.now() - t0;
  ctx.slowest(ms - deadlineMs);
  if (ms > deadlineMs + ctx.slackMs) throw new Hang(`${what} returned after ${ms.toFixed(0)} ms (deadline ${deadlineMs} ms)`);
  return v;
}

/** acquire(true, ms) in half the trials, acquireAsync(ms) in the others; its result, in time. */
function acquire(ctx, lock, ms) {
  const blocking = ctx.trial % 4 < 2;
  return timed(ctx, `${blocking ? 'acquire(true' : 'acquireAsync('}, ${ms})`, ms, () => (blocking ? lock.acquire(true, ms) : lock.acquireAsync(ms)));
}

/** Lock, RLock: killed holding it (an RLock twice), or in a tight acquire/release loop. */
const lockTrial = (make) => async (ctx) => {
  const lock = make();
  const holding = ctx.trial % 2 === 1;
  const p = await startReady(ctx, holding ? T.hold : T.churn, [lock]);
  await killAfter(ctx, p, holding ? 3 : 10);
  if (!(await acquire(ctx, lock, BOUND_MS))) throw new Hang(`a lock a killed process ${holding ? 'held' : 'was churning'} could not be acquired within ${BOUND_MS} ms`);
  if (holding && 'ownerDied' in lock && lock.ownerDied !== true) throw new Failure(`ownerDied is ${lock.ownerDied} after taking over from a killed holder`);
  lock.release();
};

/**
 * Semaphore(1): it has no owner (as in Python), so a unit a killed process held is gone: the
 * acquire must time out, not hang; release() gives the unit back by hand, and it works on.
 */
async function semaphoreTrial(ctx) {
  const sem = new Semaphore(1);
  const holding = ctx.trial % 2 === 1;
  const p = await startReady(ctx, holding ? T.hold : T.churn, [sem]);
  await killAfter(ctx, p, holding ? 3 : 10);
  await acquire(ctx, sem, 200);
  sem.release();
  if (!sem.acquire(false)) throw new Failure('no unit after release()');
  sem.release();
}

/** Condition: killed holding its lock, or killed in wait() (its notification must pass on). */
async function conditionTrial(ctx) {
  const cond = new Condition();
  if (ctx.trial % 2 === 1) {
    const p = await startReady(ctx, T.hold, [cond]);
    await killAfter(ctx, p, 3);
    if (!(await acquire(ctx, cond, BOUND_MS))) throw new Hang(`the lock of a Condition a killed process held could not be acquired within ${BOUND_MS} ms`);
    cond.release();
    return;
  }
  const p = await startReady(ctx, T.condWait, [cond]);
  // The child is in the wait list once its wait() has released the lock.
  if (!(await cond.acquireAsync(BOUND_MS))) throw new Hang('the waiting child kept the lock');
  cond.release();
  await killAfter(ctx, p, 3);
  if (!cond.acquire(true, BOUND_MS)) throw new Hang('the lock could not be acquired after its waiter was killed');
  const woken = cond.waitAsync(BOUND_MS);
  cond.acquire();
  cond.notify(1);
  cond.release();
  const notified = await timed(ctx, 'waitAsync() after notify(1)', BOUND_MS, () => woken);
  cond.release();
  if (!notified) throw new Hang('notify(1) went to the killed waiter: the live one timed out');
}

/**
 * Barrier(2): a party killed while waiting. Then either abort(), reset() and a lone wait(300),
 * which must end (BrokenBarrierError), or a wait that must settle in time; then reset() and a
 * full round.
 */
async function barrierTrial(ctx) {
  const barrier = new Barrier(2);
  const p = await startReady(ctx, T.barrierWait, [barrier]);
  await killAfter(ctx, p, 3);
  if (ctx.trial % 2 === 0) {
    barrier.abort();
    barrier.reset();
    // Blocking, so in a child that can be killed if it never returns.
    const out = new Queue();
    const waiter = new Process({ target: T.loneWait, args: [barrier, 300, out], daemon: true });
    waiter.start();
    ctx.children.add(waiter);
    let r;
    try {
      r = await out.getAsync(300 + ctx.slackMs + 1000);
    } catch (e) {
      if (e instanceof EmptyError) throw new Hang('a lone wait(300) after abort() and reset() did not return');
      throw e;
    }
    ctx.slowest(r.ms - 300);
    if (r.ms > 300 + ctx.slackMs) throw new Hang(`a lone wait(300) after abort() and reset() returned after ${r.ms.toFixed(0)} ms`);
    if (r.error !== 'BrokenBarrierError') throw new Failure(`a lone wait(300) of a 2-party barrier ended with ${r.error}`);
  } else {
    // With the killed party counted, this completes the round; without, the round breaks.
    await timed(ctx, 'waitAsync(2000) after a party was killed', BOUND_MS, () => barrier.waitAsync(BOUND_MS).catch((err) => {
      if (!(err instanceof BrokenBarrierError)) throw new Failure(`waitAsync() rejected with ${err}`);
    }));
  }
  barrier.reset();
  const got = await timed(ctx, 'a full round after reset()', BOUND_MS, () => Promise.all([barrier.waitAsync(BOUND_MS), barrier.waitAsync(BOUND_MS)]));
  if (got.sort().join() !== '0,1') throw new Failure(`a full round after reset() gave indexes ${got}`);
}

/** SharedDict, SharedList: the writer killed mid-call; a child checks every other entry and a new call. */
const sharedTrial = (kind) => async (ctx) => {
  const shared = kind === 'dict' ? new SharedDict() : new SharedList();
  const done = new SharedArray('i', 1);
  const p = await startReady(ctx, T.sharedLoop, [kind, shared, done]);
  await killAfter(ctx, p, 10);
  const n = done.get(0);
  const out = new Queue();
  const checker = new Process({ target: T.checkShared, args: [kind, shared, n, out], daemon: true });
  checker.start();
  ctx.children.add(checker);
  let found;
  try {
    found = await out.getAsync(BOUND_MS);
  } catch (e) {
    if (e instanceof EmptyError) throw new Hang(`calls on a ${kind === 'dict' ? 'SharedDict' : 'SharedList'} did not return within ${BOUND_MS} ms after its writer was killed`);
    throw e;
  } finally {
    if (checker.exitcode === null) checker.kill();
    await within(checker.joinAsync(), 5000, 'the checker to end');
    ctx.children.delete(checker);
  }
  if (found.length > 0) throw new Failure(found.join('; '));
};

/**
 * Queue: puts killed (unbounded: ring and overflow list), gets killed, or a producer and a
 * consumer both killed (bounded by 4, or unbounded); then a drain with get(true, 50), here or
 * (1 trial in 4) in a child that then calls process.exit() with a thread blocked in the queue.
 */
async function queueTrial(ctx) {
  const mode = ['put', 'get', 'pair'][ctx.trial % 3];
  const form = Math.floor(ctx.trial / 3) % 2 ? 'big' : 'num';
  const done = new SharedArray('i', 2);
  let q;
  let expect;
  if (mode === 'put') {
    q = new Queue();
    const p = await startReady(ctx, F.putLoop, [q, done, 0, 1, form]);
    await killAfter(ctx, p, 15);
    const n = done.get(0);
    expect = { p: 1, lo: 0, hi: n, hiMax: n + 1 };
  } else if (mode === 'get') {
    const N = 3000;
    q = new Queue();
    for (let i = 0; i < N; i++) q.put(F.item(form, 1, i));
    const p = await startReady(ctx, F.getLoop, [q, done, 0, F.STRIDE]);
    await killAfter(ctx, p, 4);
    const g = done.get(0);
    if (g < 0) throw new Failure(`the consumer got an item out of order after ${-1 - g}`);
    expect = { p: 1, lo: g, loMax: g + 1, hi: N };
  } else {
    q = new Queue(ctx.trial % 2 ? 4 : 0);
    const consumer = await startReady(ctx, F.getLoop, [q, done, 1, F.STRIDE]);
    const producer = await startReady(ctx, F.putLoop, [q, done, 0, 1, form]);
    const [first, second] = ctx.random() < 0.5 ? [producer, consumer] : [consumer, producer];
    await killAfter(ctx, first, 10);
    await killAfter(ctx, second, 2);
    const [n, g] = [done.get(0), done.get(1)];
    if (g < 0) throw new Failure(`the consumer got an item out of order after ${-1 - g}`);
    expect = { p: 1, lo: g, loMax: g + 1, hi: n, hiMax: n + 1 };
  }
  let report;
  if (ctx.trial % 4 === 3) {
    const out = new Queue();
    const drainer = new Process({ target: F.drainThenExit, args: [q, out, 50], daemon: true });
    drainer.start();
    ctx.children.add(drainer);
    report = await within(out.getAsync(), 10_000, 'the drainer child to report');
    await timed(ctx, 'process.exit() with a thread blocked in the queue', EXIT_MS, () => within(drainer.joinAsync(), 5000, 'process.exit()'));
    ctx.children.delete(drainer);
  } else {
    report = F.drain(q, 50);
  }
  if (report.other) throw new Failure(`the drain failed: ${report.other}`);
  if (!report.emptyAtEnd) throw new Failure('the drain did not end with EmptyError');
  ctx.slowest(report.slowest - 50);
  if (report.slowest > 50 + ctx.slackMs) throw new Hang(`get(true, 50) returned after ${report.slowest.toFixed(0)} ms`);
  const found = F.problems(report.runs, [expect]);
  if (found.length > 0) throw new Failure(`${mode} trial: ${found.join('; ')}`);
}

/** The trial of each primitive, by name. */
export const TRIALS = {
  Lock: lockTrial(() => new Lock()),
  RLock: lockTrial(() => new RLock()),
  Semaphore: semaphoreTrial,
  Condition: conditionTrial,
  Barrier: barrierTrial,
  Queue: queueTrial,
  SharedDict: sharedTrial('dict'),
  SharedList: sharedTrial('list'),
};
