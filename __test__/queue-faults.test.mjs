// Queues whose producers and consumers are SIGKILLed at random moments (tens of trials, each
// bounded in time): what the killed processes had finished with is exactly accounted for (every
// item a put returned from arrives once, in order; at most the one item a killed process had in
// flight is lost), later timed gets return by their deadline, and a process that then calls
// process.exit() with a thread blocked in the queue ends promptly. The soak (`npm run soak`) runs
// the same trials hundreds of times.
import test from 'ava';
import { seeded } from './helpers/seeded-random.mjs';
import { delay, nt, within } from './helpers/util.mjs';
import * as F from './fixtures/queue-faults.mjs';

const { Event, Process, Queue, SharedArray } = nt;

const SEED = Number(process.env.QUEUE_FAULTS_SEED ?? Date.now() % 1e9);
/** A timed call may return this late on a loaded machine (the issue asks for 100 ms when quiet). */
const SLACK_MS = 300;
const GET_TIMEOUT = 50;

/** Starts `target(...args)` in a daemon child process; SIGKILLed in t.teardown. */
function start(t, target, args) {
  const p = new Process({ target, args, daemon: true });
  p.start();
  t.teardown(() => {
    if (p.exitcode === null) p.kill();
  });
  return p;
}

async function kill(p) {
  p.kill();
  await within(p.joinAsync(5000), 6000, 'a killed child to end');
}

/** Starts a loop in a child, lets it run for a random 0..maxMs, then SIGKILLs it. */
async function runThenKill(t, rnd, target, args, maxMs) {
  const started = new Event();
  const p = start(t, target, [...args, started]);
  if (!(await started.waitAsync(10_000))) throw new Error('the child did not start within 10 s');
  await delay(rnd.random() * maxMs);
  return p;
}

/** Drains `q` here (checked) or, in 1 of `exitEvery` trials, in a child that then calls process.exit(). */
async function drainAndCheck(t, q, expect, viaChild) {
  let report;
  if (viaChild) {
    const out = new Queue();
    const p = start(t, F.drainThenExit, [q, out, GET_TIMEOUT]);
    report = await within(out.getAsync(10_000), 11_000, 'the drainer child to report');
    const t0 = performance.now();
    await within(p.joinAsync(), 5000, 'a child calling process.exit() with a thread blocked in the queue to end');
    const exitMs = performance.now() - t0;
    t.is(p.exitcode, 0);
    t.true(exitMs < 3000, `process.exit() took ${exitMs} ms`);
  } else {
    report = F.drain(q, GET_TIMEOUT);
  }
  t.is(report.other, null);
  t.true(report.emptyAtEnd, 'the drain ends with EmptyError');
  t.true(report.slowest < GET_TIMEOUT + SLACK_MS, `get(true, ${GET_TIMEOUT}) took ${report.slowest} ms`);
  const found = F.problems(report.runs, expect);
  t.deepEqual(found, [], `seed ${SEED}`);
  return report.slowest;
}

test.serial('puts killed at random moments: every item whose put returned arrives once, in order; timed gets keep their deadline', async (t) => {
  t.timeout(40_000);
  const rnd = seeded(SEED);
  const done = new SharedArray('i', 1);
  let slowest = 0;
  for (let trial = 0; trial < 16; trial++) {
    const form = trial % 2 ? 'big' : 'num';
    // Unbounded: the ring (1,024 slots) fills within a millisecond, the overflow list takes the rest.
    const q = new Queue();
    done.set(0, 0);
    const p = await runThenKill(t, rnd, F.putLoop, [q, done, 0, 1, form], 15);
    await kill(p);
    const n = done.get(0);
    slowest = Math.max(slowest, await drainAndCheck(t, q, [{ p: 1, lo: 0, hi: n, hiMax: n + 1 }], trial % 4 === 3));
  }
  t.log(`seed ${SEED}; slowest get(true, ${GET_TIMEOUT}): ${slowest.toFixed(1)} ms`);
});

test.serial('gets killed at random moments: every item not taken arrives once, in order, at most the one in flight lost', async (t) => {
  t.timeout(40_000);
  const rnd = seeded(SEED + 1);
  const done = new SharedArray('i', 1);
  const N = 3000;
  for (let trial = 0; trial < 12; trial++) {
    const form = trial % 2 ? 'big' : 'num';
    const q = new Queue();
    for (let i = 0; i < N; i++) q.put(F.item(form, 1, i));
    done.set(0, 0);
    const p = await runThenKill(t, rnd, F.getLoop, [q, done, 0, 1 * F.STRIDE], 4);
    await kill(p);
    const g = done.get(0);
    t.true(g >= 0, `the consumer got an item out of order after ${-1 - g} in order`);
    await drainAndCheck(t, q, [{ p: 1, lo: g, loMax: g + 1, hi: N }], trial % 4 === 3);
  }
});

test.serial('a producer and a consumer on one queue, both killed at random moments (bounded and unbounded): exact accounting', async (t) => {
  t.timeout(40_000);
  const rnd = seeded(SEED + 2);
  const done = new SharedArray('i', 2);
  for (let trial = 0; trial < 12; trial++) {
    const form = trial % 2 ? 'big' : 'num';
    // A small bound keeps both on the ring's slots, and the putter blocking in put().
    const q = new Queue(trial % 3 === 0 ? 0 : 4);
    done.set(0, 0);
    done.set(1, 0);
    const consumer = await runThenKill(t, rnd, F.getLoop, [q, done, 1, 1 * F.STRIDE], 0);
    const producer = await runThenKill(t, rnd, F.putLoop, [q, done, 0, 1, form], 10);
    const [first, second] = rnd.random() < 0.5 ? [producer, consumer] : [consumer, producer];
    await kill(first);
    await delay(rnd.random() * 2);
    await kill(second);
    const [n, g] = [done.get(0), done.get(1)];
    t.true(g >= 0, `the consumer got an item out of order after ${-1 - g} in order`);
    await drainAndCheck(t, q, [{ p: 1, lo: g, loMax: g + 1, hi: n, hiMax: n + 1 }], trial % 4 === 3);
  }
});
