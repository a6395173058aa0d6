// threading.Barrier and BrokenBarrierError.
import test from 'ava';
import { join } from 'node:path';
import {
  assertPending,
  assertRejectsOrThrows,
  assertThrowsCode,
  assertTook,
  delay,
  DIST,
  HELPERS,
  nt,
  runNode,
  sharedInts,
  since,
  startWorker,
  until,
  within,
} from './helpers/util.mjs';

const { Barrier, BrokenBarrierError } = nt;

const outcome = (p) => p.then((value) => ({ value }), (error) => ({ error }));
const sorted = (a) => [...a].sort((x, y) => x - y);

test.serial('BrokenBarrierError is an exported Error subclass', (t) => {
  const e = new BrokenBarrierError();
  t.true(e instanceof Error);
  t.true(e instanceof BrokenBarrierError);
  t.is(e.name, 'BrokenBarrierError');
  t.is(e.code, 'ERR_BROKEN_BARRIER', 'the code listed in the README');
});

test.serial('parties, nWaiting and broken of a new barrier', (t) => {
  const b = new Barrier(3);
  t.is(b.parties, 3);
  t.is(b.nWaiting, 0);
  t.false(b.broken);
});

test.serial('Barrier(1): wait() and waitAsync() return 0 at once and run the action each time', async (t) => {
  let calls = 0;
  const b = new Barrier(1, () => calls++);
  t.is(b.wait(), 0);
  t.is(b.wait(), 0);
  t.is(await within(b.waitAsync(), 1000, 'waitAsync'), 0);
  t.is(calls, 3);
  t.is(b.nWaiting, 0);
  t.false(b.broken);
});

test.serial('constructor validation', (t) => {
  assertThrowsCode(t, () => new Barrier(0), RangeError, 'ERR_OUT_OF_RANGE', 'Barrier(0)');
  assertThrowsCode(t, () => new Barrier(-2), RangeError, 'ERR_OUT_OF_RANGE', 'Barrier(-2)');
  assertThrowsCode(t, () => new Barrier(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'Barrier(1.5)');
  assertThrowsCode(t, () => new Barrier(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'Barrier(NaN)');
  assertThrowsCode(t, () => new Barrier('2'), TypeError, 'ERR_INVALID_ARG_TYPE', "Barrier('2')");
  assertThrowsCode(t, () => new Barrier(), TypeError, 'ERR_INVALID_ARG_TYPE', 'Barrier()');
  assertThrowsCode(t, () => new Barrier(2, 'action'), TypeError, 'ERR_INVALID_ARG_TYPE', 'a non-function action');
  assertThrowsCode(t, () => new Barrier(2, undefined, NaN), RangeError, 'ERR_OUT_OF_RANGE', 'timeout NaN');
  assertThrowsCode(t, () => new Barrier(2, undefined, '5'), TypeError, 'ERR_INVALID_ARG_TYPE', "timeout '5'");
  t.notThrows(() => new Barrier(2, null, null));
});

test.serial('wait/waitAsync validation happens before arriving', async (t) => {
  let calls = 0;
  const b = new Barrier(1, () => calls++);
  assertThrowsCode(t, () => b.wait(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => b.wait('1'), TypeError, 'ERR_INVALID_ARG_TYPE');
  await assertRejectsOrThrows(t, () => b.waitAsync(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  await assertRejectsOrThrows(t, () => b.waitAsync(1, { signal: 1 }), TypeError, 'ERR_INVALID_ARG_TYPE');
  t.is(calls, 0, 'no round happened');
  const b2 = new Barrier(2);
  assertThrowsCode(t, () => b2.wait(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  t.is(b2.nWaiting, 0);
  t.false(b2.broken);
});

test.serial('async waiters: nWaiting counts them; each of a round gets a different index; the action runs before any is released', async (t) => {
  let resolved = 0;
  let resolvedWhenActing = -1;
  let actions = 0;
  const b = new Barrier(3, () => {
    actions++;
    resolvedWhenActing = resolved;
  });
  const p1 = b.waitAsync().then((i) => (resolved++, i));
  t.is(b.nWaiting, 1);
  const p2 = b.waitAsync().then((i) => (resolved++, i));
  t.is(b.nWaiting, 2);
  await assertPending(t, Promise.race([p1, p2]), 60);
  const p3 = b.waitAsync().then((i) => (resolved++, i));
  const idx = await within(Promise.all([p1, p2, p3]), 3000, 'the round');
  t.deepEqual(sorted(idx), [0, 1, 2]);
  t.is(actions, 1);
  t.is(resolvedWhenActing, 0, 'nobody was released before the action ran');
  t.is(b.nWaiting, 0);
  t.false(b.broken);
  // The barrier is reusable.
  const idx2 = await within(Promise.all([b.waitAsync(), b.waitAsync(), b.waitAsync()]), 3000, 'round 2');
  t.deepEqual(sorted(idx2), [0, 1, 2]);
  t.is(actions, 2);
});

test.serial('workers and the main thread: distinct indexes per round, one action per round, run before anyone is released', async (t) => {
  const ROUNDS = 3;
  const W = 3;
  const b = new Barrier(W + 1, () => {
    nt.sleep(30);
    Atomics.add(shared, 0, 1);
  });
  // shared[0]: actions run; shared[1 + r * 4 + i]: the action count seen by waiter i after round r.
  const shared = sharedInts(1 + ROUNDS * (W + 1));
  const ws = Array.from({ length: W }, (_, i) =>
    startWorker(
      t,
      `
      const b = nt.Barrier.from(workerData.b, () => { sleepMs(30); Atomics.add(flags, 0, 1); });
      const idx = [];
      for (let r = 0; r < ${ROUNDS}; r++) {
        idx.push(b.wait(10000));
        flags[1 + r * ${W + 1} + ${i + 1}] = Atomics.load(flags, 0);
      }
      post({ type: 'done', idx });
      `,
      { b, flags: shared.buffer },
    ),
  );
  const mine = [];
  for (let r = 0; r < ROUNDS; r++) {
    mine.push(await within(b.waitAsync(10000), 15000, `round ${r}`));
    shared[1 + r * (W + 1)] = Atomics.load(shared, 0);
  }
  const all = [mine];
  for (const w of ws) all.push((await w.next('done', 15000)).idx);
  for (let r = 0; r < ROUNDS; r++) {
    t.deepEqual(sorted(all.map((idx) => idx[r])), [0, 1, 2, 3], `round ${r}: one index each`);
    for (let i = 0; i <= W; i++) {
      const seen = shared[1 + r * (W + 1) + i];
      // Waiter i returned after round r's action (round r + 1 cannot complete without it).
      t.is(seen, r + 1, `round ${r}, waiter ${i} saw ${seen} actions`);
    }
  }
  t.is(Atomics.load(shared, 0), ROUNDS, 'exactly one action per round');
});

test.serial("the last thread runs ITS action: a handle restored without one, of a barrier whose action is not exported, runs none", async (t) => {
  let mainActions = 0;
  const b = new Barrier(2, () => mainActions++);
  const flags = sharedInts(1);
  const p = b.waitAsync(10000);
  const w = startWorker(
    t,
    `
    const b = nt.Barrier.from(workerData.b);
    const i = b.wait(10000);
    post({ type: 'done', i });
    `,
    { b, flags: flags.buffer },
  );
  const i = (await w.next('done', 10000)).i;
  const j = await within(p, 10000, 'main waiter');
  t.deepEqual(sorted([i, j]), [0, 1]);
  t.is(mainActions, 0, "the worker arrived last and its handle has no action; the main thread's does not run");
  t.false(b.broken);
});

test.serial('a worker blocked in wait() is released by the main thread arriving, and vice versa', async (t) => {
  const b = new Barrier(2);
  const flags = sharedInts(1);
  const w = startWorker(
    t,
    `
    const b = nt.Barrier.from(workerData.b);
    post({ type: 'blocking' });
    const i = b.wait();
    Atomics.store(flags, 0, 1);
    post({ type: 'passed', i });
    await nextMessage();
    post({ type: 'arriving' });
    post({ type: 'passed2', i: b.wait() });
    `,
    { b, flags: flags.buffer },
  );
  await w.next('blocking');
  await until(() => b.nWaiting === 1, 5000, 'the worker arrived');
  await delay(80);
  t.is(Atomics.load(flags, 0), 0, 'the worker is blocked');
  const mine = await within(b.waitAsync(), 5000, 'main arrival');
  const theirs = (await w.next('passed')).i;
  t.deepEqual(sorted([mine, theirs]), [0, 1]);
  const p = b.waitAsync();
  await assertPending(t, p, 80);
  w.post('go');
  const i2 = (await w.next('passed2', 5000)).i;
  t.deepEqual(sorted([await within(p, 5000, 'main async waiter'), i2]), [0, 1]);
});

test.serial('abort(): waiters get BrokenBarrierError, later waits too; reset() repairs', async (t) => {
  const b = new Barrier(3);
  const w = startWorker(
    t,
    `
    const b = nt.Barrier.from(workerData.b);
    post({ type: 'waiting' });
    let name;
    try { b.wait(); name = 'passed'; } catch (e) { name = e.name + (e instanceof nt.BrokenBarrierError ? ':instance' : ''); }
    post({ type: 'done', name });
    `,
    { b },
  );
  await w.next('waiting');
  const p = outcome(b.waitAsync());
  await until(() => b.nWaiting === 2, 5000, 'two waiting');
  b.abort();
  t.true(b.broken);
  t.is((await w.next('done', 5000)).name, 'BrokenBarrierError:instance');
  const r = await within(p, 5000, 'async waiter');
  t.true(r.error instanceof BrokenBarrierError);
  t.throws(() => b.wait(), { instanceOf: BrokenBarrierError }, 'a later wait() fails at once');
  const r2 = await within(outcome(b.waitAsync()), 1000, 'a later waitAsync');
  t.true(r2.error instanceof BrokenBarrierError);
  b.reset();
  t.false(b.broken);
  t.is(b.nWaiting, 0);
  const idx = await within(Promise.all([b.waitAsync(), b.waitAsync(), b.waitAsync()]), 3000, 'a round after reset');
  t.deepEqual(sorted(idx), [0, 1, 2]);
});

test.serial('reset() while threads wait: they get BrokenBarrierError, the barrier is usable again', async (t) => {
  const b = new Barrier(3);
  const p1 = outcome(b.waitAsync());
  const p2 = outcome(b.waitAsync());
  t.is(b.nWaiting, 2);
  b.reset();
  const [r1, r2] = await within(Promise.all([p1, p2]), 3000, 'waiters after reset');
  t.true(r1.error instanceof BrokenBarrierError);
  t.true(r2.error instanceof BrokenBarrierError);
  t.false(b.broken);
  t.is(b.nWaiting, 0);
  const idx = await within(Promise.all([b.waitAsync(), b.waitAsync(), b.waitAsync()]), 3000, 'a round after reset');
  t.deepEqual(sorted(idx), [0, 1, 2]);
});

test.serial('a wait() that times out breaks the barrier (as in Python)', async (t) => {
  const b = new Barrier(3);
  const other = outcome(b.waitAsync());
  const start = performance.now();
  t.throws(() => b.wait(60), { instanceOf: BrokenBarrierError });
  assertTook(t, since(start), 60);
  t.true(b.broken);
  const r = await within(other, 3000, 'the other waiter');
  t.true(r.error instanceof BrokenBarrierError, 'the other waiter sees the break');
  b.reset();
  t.false(b.broken);
});

test.serial('a waitAsync() that times out breaks the barrier; wait(0) and negative time out at once', async (t) => {
  const b = new Barrier(2);
  let start = performance.now();
  const r = await within(outcome(b.waitAsync(60)), 3000, 'waitAsync(60)');
  t.true(r.error instanceof BrokenBarrierError);
  assertTook(t, since(start), 60);
  t.true(b.broken);
  b.reset();
  start = performance.now();
  t.throws(() => b.wait(0), { instanceOf: BrokenBarrierError });
  t.true(b.broken);
  b.reset();
  t.throws(() => b.wait(-5), { instanceOf: BrokenBarrierError });
  b.reset();
  const r2 = await within(outcome(b.waitAsync(0)), 1000, 'waitAsync(0)');
  t.true(r2.error instanceof BrokenBarrierError);
  t.true(since(start) < 200);
  b.reset();
});

test.serial("the constructor's timeout is the default of wait() and waitAsync(); undefined uses it", async (t) => {
  const b = new Barrier(2, undefined, 60);
  let start = performance.now();
  t.throws(() => b.wait(), { instanceOf: BrokenBarrierError });
  assertTook(t, since(start), 60, 1000, 'wait()');
  b.reset();
  start = performance.now();
  t.throws(() => b.wait(undefined), { instanceOf: BrokenBarrierError });
  assertTook(t, since(start), 60, 1000, 'wait(undefined)');
  b.reset();
  start = performance.now();
  const r = await within(outcome(b.waitAsync()), 3000, 'waitAsync()');
  t.true(r.error instanceof BrokenBarrierError);
  assertTook(t, since(start), 60, 1000, 'waitAsync()');
  b.reset();
  // An explicit timeout overrides it.
  const b2 = new Barrier(2, undefined, 10_000);
  start = performance.now();
  t.throws(() => b2.wait(40), { instanceOf: BrokenBarrierError });
  assertTook(t, since(start), 40, 1000, 'wait(40)');
});

test.serial('wait(null) and waitAsync(null) wait forever despite a default timeout', async (t) => {
  const b = new Barrier(2, undefined, 50);
  const p = b.waitAsync(null);
  await assertPending(t, p, 200, 'waitAsync(null)');
  t.false(b.broken);
  const w = startWorker(
    t,
    `
    const b = nt.Barrier.from(workerData.b);
    post({ type: 'done', i: b.wait(null) });
    `,
    { b },
  );
  const i = (await w.next('done', 5000)).i;
  t.deepEqual(sorted([i, await within(p, 3000, 'waitAsync(null)')]), [0, 1]);

  const flags = sharedInts(1);
  const w2 = startWorker(
    t,
    `
    const b = nt.Barrier.from(workerData.b);
    post({ type: 'blocking' });
    const i = b.wait(null);
    Atomics.store(flags, 0, 1);
    post({ type: 'done', i });
    `,
    { b, flags: flags.buffer },
  );
  await w2.next('blocking');
  await delay(200);
  t.is(Atomics.load(flags, 0), 0, 'the worker still waits after 4 default timeouts');
  t.false(b.broken);
  const mine = await within(b.waitAsync(), 3000, 'main arrival');
  t.deepEqual(sorted([mine, (await w2.next('done', 5000)).i]), [0, 1]);
});

test.serial('the default timeout travels with from()', async (t) => {
  const b = new Barrier(2, undefined, 60);
  const w = startWorker(
    t,
    `
    const b = nt.Barrier.from(workerData.b);
    const start = performance.now();
    let name;
    try { b.wait(); } catch (e) { name = e.name; }
    post({ type: 'done', name, ms: performance.now() - start, parties: b.parties });
    `,
    { b },
  );
  const m = await w.next('done', 5000);
  t.is(m.name, 'BrokenBarrierError');
  t.is(m.parties, 2);
  assertTook(t, m.ms, 60);
  t.true(b.broken);
});

test.serial("an action that throws breaks the barrier: that thread gets the action's error, the others BrokenBarrierError", async (t) => {
  const boom = new Error('boom');
  const b = new Barrier(2, () => {
    throw boom;
  });
  const w = startWorker(
    t,
    `
    const b = nt.Barrier.from(workerData.b);
    let name;
    try { b.wait(10000); name = 'passed'; } catch (e) { name = e.name; }
    post({ type: 'done', name });
    `,
    { b },
  );
  await until(() => b.nWaiting === 1, 5000, 'the worker arrived');
  const e = t.throws(() => b.wait(5000));
  t.is(e, boom, "the last thread gets its action's error itself");
  t.is((await w.next('done', 5000)).name, 'BrokenBarrierError');
  t.true(b.broken);
  b.reset();

  // Async: the last waiter runs the action.
  const first = outcome(b.waitAsync());
  const last = outcome(b.waitAsync());
  const [r1, r2] = await within(Promise.all([first, last]), 3000, 'async round');
  t.true(r1.error instanceof BrokenBarrierError);
  t.is(r2.error, boom);
  t.true(b.broken);
});

test.serial('an aborted waitAsync lowers nWaiting without breaking the barrier', async (t) => {
  const b = new Barrier(3);
  const ac = new AbortController();
  const reason = new Error('leave');
  const p1 = outcome(b.waitAsync(undefined, { signal: ac.signal }));
  const p2 = b.waitAsync();
  t.is(b.nWaiting, 2);
  ac.abort(reason);
  t.is((await within(p1, 3000, 'aborted waiter')).error, reason);
  t.is(b.nWaiting, 1);
  t.false(b.broken);
  const p3 = b.waitAsync();
  t.is(b.nWaiting, 2);
  await assertPending(t, Promise.race([p2, p3]), 60, 'the round is not complete without the aborted party');
  const p4 = b.waitAsync();
  t.deepEqual(sorted(await within(Promise.all([p2, p3, p4]), 3000, 'the round')), [0, 1, 2]);
  t.false(b.broken);
  // An already-aborted signal does not arrive at all.
  const r = new Error('pre');
  t.is((await within(outcome(b.waitAsync(undefined, { signal: AbortSignal.abort(r) })), 1000)).error, r);
  t.is(b.nWaiting, 0);
});

test.serial('Barrier.from(): parties and state are shared; from(other) throws TypeError', async (t) => {
  const b = new Barrier(4);
  const w = startWorker(
    t,
    `
    const msg = await nextMessage();
    const b = nt.Barrier.from(msg.nested.b);
    post({ type: 'info', parties: b.parties, nWaiting: b.nWaiting, isBarrier: b instanceof nt.Barrier });
    b.abort();
    post({ type: 'aborted' });
    `,
  );
  const p = outcome(b.waitAsync());
  w.post({ nested: { b } });
  const m = await w.next('info');
  t.is(m.parties, 4);
  t.is(m.nWaiting, 1);
  t.true(m.isBarrier);
  await w.next('aborted');
  t.true((await within(p, 3000, 'waiter')).error instanceof BrokenBarrierError);
  t.true(b.broken);
  assertThrowsCode(t, () => Barrier.from({}), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => Barrier.from(structuredClone(new nt.Event())), TypeError, 'ERR_INVALID_ARG_TYPE');
});

test.serial('an exported action travels with the barrier: 4 parties in threads and processes, each restoring it without an action; it runs once per round, in whichever arrives last', async (t) => {
  const fixture = await import('./fixtures/barrier-action.mjs');
  const ROUNDS = 20;
  const trips = new nt.Value('i', 0);
  globalThis.trips = trips;
  const b = fixture.makeBarrier(4);
  const pool = new nt.ThreadPool(2);
  const procs = new nt.Pool(1);
  t.teardown(() => {
    pool.terminate();
    procs.terminate();
  });
  // Two threads and one process restore the barrier from their arguments (no action of their
  // own); this thread's handle has the action too.
  const runs = [
    pool.applyAsync(fixture.party, [b, trips, ROUNDS]),
    pool.applyAsync(fixture.party, [b, trips, ROUNDS]),
    procs.applyAsync(fixture.party, [b, trips, ROUNDS]),
  ];
  const mine = [];
  for (let r = 0; r < ROUNDS; r++) mine.push(await b.waitAsync(10_000));
  const all = [mine, ...(await within(Promise.all(runs), 30_000, 'the parties'))];
  for (let r = 0; r < ROUNDS; r++) t.deepEqual(sorted(all.map((p) => p[r])), [0, 1, 2, 3], `round ${r}: one index each`);
  t.is(trips.value, ROUNDS, 'exactly one action per round, whoever arrived last');
});

test.serial('a barrier made in a thread with an exported action runs it here when restored with from(shared)', async (t) => {
  const fixture = await import('./fixtures/barrier-action.mjs');
  const trips = new nt.Value('i', 0);
  globalThis.trips = trips;
  const pool = new nt.ThreadPool(1);
  t.teardown(() => pool.terminate());
  const made = await pool.applyAsync(fixture.makeBarrier, [1]);
  const b = Barrier.from(made);
  b.wait(1000);
  b.wait(1000);
  t.is(trips.value, 2, 'Barrier(1): this thread is the last to arrive each time, and runs the travelled action');
  const own = Barrier.from(b, () => {});
  own.wait(1000);
  t.is(trips.value, 2, 'from(shared, action) keeps its own action');
});

test.serial('a non-exported action cannot travel: restoring the barrier in a thread or a process emits WARN_BARRIER_ACTION_NOT_EXPORTED there, naming the action', async (t) => {
  const script = `
    const { Barrier, Thread, Process } = require(${JSON.stringify(DIST)});
    const { threadWait } = require(${JSON.stringify(join(HELPERS, '..', 'fixtures', 'barrier-parties.cjs'))});
    const b = new Barrier(2, function localAction() {});
    for (const Kind of [Thread, Process]) {
      const w = new Kind({ target: threadWait, args: [b] });
      w.start();
      b.wait(10000);
      w.join(10000);
    }
  `;
  const r = await runNode(['-e', script], { t });
  t.is(r.code, 0, r.stderr);
  const warnings = r.stderr.match(/\[WARN_BARRIER_ACTION_NOT_EXPORTED\][^\n]*localAction/g) ?? [];
  t.is(warnings.length, 2, r.stderr);
});
