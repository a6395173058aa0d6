// Queue, JoinableQueue, EmptyError, FullError (README "Python -> TypeScript": its rules and the multiprocessing table),
// in one thread, across worker threads and across child processes. Targets live in
// fixtures/queue-targets.mjs; children report through queues. Every wait is bounded, and child
// processes are killed in t.teardown whatever the outcome.
import ava from 'ava';
import { createHash, pbkdf2, randomFillSync } from 'node:crypto';
import {
  assertPending,
  assertRejectsOrThrows,
  assertThrowsCode,
  assertTook,
  delay,
  ended,
  nt,
  recv,
  runNode,
  settledWithin,
  PENDING,
  since,
  startChild,
  startWorker,
  until,
  within,
} from './helpers/util.mjs';
import * as T from './fixtures/queue-targets.mjs';

// Serial: several tests block the main thread on purpose, and timed waits are measured.
const test = ava.serial;
const { Queue, JoinableQueue, EmptyError, FullError, Lock, Barrier } = nt;
const KINDS = ['process', 'thread'];

/** The next item of `q`, blocking this thread (bounded). */
function recvSync(q, what = 'an item', ms = 10_000) {
  try {
    return q.get(true, ms);
  } catch (e) {
    if (e instanceof EmptyError) throw new Error(`${what}: nothing came within ${ms} ms`);
    throw e;
  }
}

/** Every item left, without blocking. */
function drain(q) {
  const items = [];
  while (!q.empty()) items.push(q.get(false));
  return items;
}

const range = (n, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** "At once": a call that must not block returns within this many ms. */
const AT_ONCE = 100;

/** A worker that, after `ms`, puts 'rescue' into `q` (op 'put') or takes one item ('get'):
 * a call on the main thread that blocks by mistake then returns (and fails its assertion)
 * instead of hanging the test. Terminated in t.teardown. */
function rescuer(t, q, op, ms = 3000) {
  startWorker(
    t,
    `const q = nt.Queue.from(workerData.q);
     sleepMs(${ms});
     if (${JSON.stringify(op)} === 'put') q.put('rescue'); else q.get(false);`,
    { q },
  );
}

/** How long a target in a `kind` waits "for ever": a thread cannot be killed, so it waits
 * T.LONG instead (the process case checks the true forever). */
const foreverIn = (kind) => (kind === 'process' ? undefined : T.LONG);

// ---------------------------------------------------------------------------------------------
// Classes, construction, sizes

test('EmptyError and FullError are Error classes with names and codes; the queues throw them', (t) => {
  for (const [C, name, code] of [
    [EmptyError, 'EmptyError', 'ERR_QUEUE_EMPTY'],
    [FullError, 'FullError', 'ERR_QUEUE_FULL'],
  ]) {
    const e = new C();
    t.true(e instanceof Error, `${name} extends Error`);
    t.is(e.name, name);
    t.is(e.code, code);
    t.true(e.message.length > 0, `${name} has a default message`);
    t.is(new C('custom').message, 'custom');
    t.true(typeof e.stack === 'string');
  }
  t.false(new EmptyError() instanceof FullError);
  t.false(new FullError() instanceof EmptyError);
  t.true(new JoinableQueue() instanceof Queue, 'JoinableQueue extends Queue');
  t.false(new Queue() instanceof JoinableQueue);
  for (const n of ['put', 'get', 'putNowait', 'getNowait', 'putAsync', 'getAsync', 'qsize', 'empty', 'full', 'close']) {
    t.is(typeof Queue.prototype[n], 'function', `Queue.prototype.${n}`);
  }
  for (const n of ['taskDone', 'join', 'joinAsync']) t.is(typeof JoinableQueue.prototype[n], 'function', `JoinableQueue.prototype.${n}`);
  t.is(typeof Queue.from, 'function');
  t.is(typeof JoinableQueue.from, 'function');

  const q = new Queue(1);
  const empty = t.throws(() => q.getNowait(), { instanceOf: EmptyError });
  t.is(empty?.code, 'ERR_QUEUE_EMPTY');
  t.is(empty?.name, 'EmptyError');
  q.put(1);
  const full = t.throws(() => q.putNowait(2), { instanceOf: FullError });
  t.is(full?.code, 'ERR_QUEUE_FULL');
  t.is(full?.name, 'FullError');
});

test('constructor: Queue(1.5) -> RangeError ERR_OUT_OF_RANGE, wrong type -> TypeError; <= 0 or omitted is unbounded', (t) => {
  for (const C of [Queue, JoinableQueue]) {
    assertThrowsCode(t, () => new C(1.5), RangeError, 'ERR_OUT_OF_RANGE', `${C.name}(1.5)`);
    assertThrowsCode(t, () => new C(NaN), RangeError, 'ERR_OUT_OF_RANGE', `${C.name}(NaN)`);
    assertThrowsCode(t, () => new C('3'), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}('3')`);
    assertThrowsCode(t, () => new C({}), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}({})`);
    for (const m of [undefined, 0, -0, -1, -1000]) {
      const q = m === undefined ? new C() : new C(m);
      for (let i = 0; i < 2000; i++) q.putNowait(i);
      t.false(q.full(), `${C.name}(${m}) is never full`);
      t.is(q.qsize(), 2000, `${C.name}(${m}) takes 2000 items`);
      t.is(q.getNowait(), 0);
    }
    const b = new C(3);
    t.false(b.full());
    b.put('a');
    b.put('b', false);
    b.putNowait('c');
    t.true(b.full(), `${C.name}(3) with 3 items is full`);
    t.is(b.qsize(), 3);
    t.throws(() => b.putNowait('d'), { instanceOf: FullError });
    t.is(b.qsize(), 3, 'a failed put changes nothing');
  }
});

test('qsize(), empty(), full() and FIFO order in one thread', (t) => {
  const q = new Queue(4);
  t.is(q.qsize(), 0);
  t.true(q.empty());
  t.false(q.full());
  q.put('a');
  t.is(q.qsize(), 1);
  t.false(q.empty());
  q.put('b');
  q.put('c');
  q.put('d');
  t.true(q.full());
  t.deepEqual([q.get(), q.get(false), q.getNowait(), q.get(true, 0)], ['a', 'b', 'c', 'd']);
  t.true(q.empty());
  t.false(q.full());
});

// ---------------------------------------------------------------------------------------------
// Non-blocking, timed and argument rules

test('non-blocking forms: getNowait()/get(false) on empty -> EmptyError, putNowait()/put(x, false) on full -> FullError, at once', (t) => {
  const q = new Queue(2);
  rescuer(t, q, 'put');
  for (const [label, f] of [
    ['getNowait()', () => q.getNowait()],
    ['get(false)', () => q.get(false)],
    ['get(false, 1000): the timeout is ignored when not blocking', () => q.get(false, 1000)],
  ]) {
    const t0 = performance.now();
    t.throws(f, { instanceOf: EmptyError }, label);
    t.true(since(t0) < AT_ONCE, `${label} returned at once`);
  }
  const f = new Queue(2);
  rescuer(t, f, 'get');
  f.put(1);
  f.put(2);
  for (const [label, fn] of [
    ['putNowait(x)', () => f.putNowait(3)],
    ['put(x, false)', () => f.put(3, false)],
    ['put(x, false, 1000)', () => f.put(3, false, 1000)],
  ]) {
    const t0 = performance.now();
    t.throws(fn, { instanceOf: FullError }, label);
    t.true(since(t0) < AT_ONCE, `${label} returned at once`);
  }
  t.is(f.qsize(), 2);
  t.deepEqual([f.getNowait(), f.getNowait()], [1, 2]);
  t.true(q.empty());
});

test('timed get()/put(): EmptyError/FullError after about the timeout; 0 and negative do not block; an available slot returns at once', (t) => {
  const q = new Queue(1);
  rescuer(t, q, 'put');
  let t0 = performance.now();
  t.throws(() => q.get(true, 150), { instanceOf: EmptyError });
  assertTook(t, since(t0), 150, 1000, 'get(true, 150)');
  t0 = performance.now();
  t.throws(() => q.get(undefined, 120), { instanceOf: EmptyError });
  assertTook(t, since(t0), 120, 1000, 'get(undefined, 120)');
  for (const to of [0, -1, -1000]) {
    t0 = performance.now();
    t.throws(() => q.get(true, to), { instanceOf: EmptyError }, `get(true, ${to})`);
    t.true(since(t0) < AT_ONCE, `get(true, ${to}) does not block`);
  }
  const f = new Queue(1);
  rescuer(t, f, 'get');
  f.put('a', true, 150);
  t0 = performance.now();
  t.throws(() => f.put('b', true, 150), { instanceOf: FullError });
  assertTook(t, since(t0), 150, 1000, 'put(x, true, 150)');
  for (const to of [0, -5]) {
    t0 = performance.now();
    t.throws(() => f.put('b', true, to), { instanceOf: FullError }, `put(x, true, ${to})`);
    t.true(since(t0) < AT_ONCE, `put(x, true, ${to}) does not block`);
  }
  t0 = performance.now();
  t.is(f.get(true, 5000), 'a');
  f.put('c', true, 5000);
  t.true(since(t0) < AT_ONCE, 'a timed call that can proceed does not wait');
  t.is(f.get(true, 5000), 'c');
  t.true(q.empty());
});

test('timeout and block arguments: NaN -> RangeError, wrong types -> TypeError, before anything happens', async (t) => {
  const q = new Queue();
  q.put('keep');
  assertThrowsCode(t, () => q.get(true, NaN), RangeError, 'ERR_OUT_OF_RANGE', 'get(true, NaN)');
  assertThrowsCode(t, () => q.get(undefined, NaN), RangeError, 'ERR_OUT_OF_RANGE', 'get(undefined, NaN)');
  assertThrowsCode(t, () => q.get(true, '5'), TypeError, 'ERR_INVALID_ARG_TYPE', "get(true, '5')");
  assertThrowsCode(t, () => q.get('yes'), TypeError, 'ERR_INVALID_ARG_TYPE', "get('yes')");
  assertThrowsCode(t, () => q.get(1), TypeError, 'ERR_INVALID_ARG_TYPE', 'get(1)');
  assertThrowsCode(t, () => q.put('x', true, NaN), RangeError, 'ERR_OUT_OF_RANGE', 'put(x, true, NaN)');
  assertThrowsCode(t, () => q.put('x', true, 'soon'), TypeError, 'ERR_INVALID_ARG_TYPE', "put(x, true, 'soon')");
  assertThrowsCode(t, () => q.put('x', 'yes'), TypeError, 'ERR_INVALID_ARG_TYPE', "put(x, 'yes')");
  assertThrowsCode(t, () => q.put('x', 0), TypeError, 'ERR_INVALID_ARG_TYPE', 'put(x, 0)');
  await assertRejectsOrThrows(t, () => q.getAsync(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'getAsync(NaN)');
  await assertRejectsOrThrows(t, () => q.getAsync('1'), TypeError, 'ERR_INVALID_ARG_TYPE', "getAsync('1')");
  await assertRejectsOrThrows(t, () => q.putAsync('x', NaN), RangeError, 'ERR_OUT_OF_RANGE', 'putAsync(x, NaN)');
  await assertRejectsOrThrows(t, () => q.putAsync('x', '1'), TypeError, 'ERR_INVALID_ARG_TYPE', "putAsync(x, '1')");
  await assertRejectsOrThrows(t, () => q.getAsync(undefined, 5), TypeError, 'ERR_INVALID_ARG_TYPE', 'getAsync(undefined, 5)');
  await assertRejectsOrThrows(t, () => q.getAsync(undefined, { signal: 'no' }), TypeError, 'ERR_INVALID_ARG_TYPE', 'getAsync with a bad signal');
  await assertRejectsOrThrows(t, () => q.putAsync('x', undefined, { signal: {} }), TypeError, 'ERR_INVALID_ARG_TYPE', 'putAsync with a bad signal');
  t.is(q.qsize(), 1, 'no call took or added an item');
  t.is(q.get(false), 'keep');
});

test('arguments are validated also when the call would not block: get(false, NaN) and put(x, false, NaN) throw', (t) => {
  // README, "Python -> TypeScript" (timeouts): "Arguments are checked before anything else happens", so also when the call would not block.
  const q = new Queue();
  q.put('keep');
  assertThrowsCode(t, () => q.get(false, NaN), RangeError, 'ERR_OUT_OF_RANGE', 'get(false, NaN) with an item available');
  assertThrowsCode(t, () => q.get(false, 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', "get(false, 'x') with an item available");
  t.is(q.qsize(), 1, 'the invalid get(false, ...) calls took nothing');
  assertThrowsCode(t, () => q.put('new', false, NaN), RangeError, 'ERR_OUT_OF_RANGE', 'put(x, false, NaN) with room');
  assertThrowsCode(t, () => q.put('new', false, 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', "put(x, false, 'x') with room");
  t.is(q.qsize(), 1, 'the invalid put(x, false, ...) calls added nothing');
  const empty = new Queue();
  assertThrowsCode(t, () => empty.get(false, NaN), RangeError, 'ERR_OUT_OF_RANGE', 'get(false, NaN) on an empty queue');
});

test('undefined, null and Infinity wait for ever: blocking in a child process, async here', async (t) => {
  const q = new Queue();
  const out = new Queue();
  const full = new Queue(1);
  full.put('occupant');
  const fullOut = new Queue();
  const getters = [undefined, null, Infinity].map((to) => startChild(t, 'process', T.getReport, q, out, true, to));
  const putter = startChild(t, 'process', T.putReport, full, fullOut, 'waiting', undefined, null);
  for (let i = 0; i < 3; i++) t.is(await recv(out, 'ready'), 'ready');
  t.is(await recv(fullOut, 'ready'), 'ready');
  const pending = [undefined, null, Infinity].map((to) => q.getAsync(to));
  await delay(300);
  t.true(out.empty(), 'the blocked get()s still wait');
  t.true(fullOut.empty(), 'the blocked put() still waits');
  for (const p of pending) await assertPending(t, p, 1, 'getAsync');
  for (let i = 0; i < 6; i++) q.put(i);
  const got = [];
  for (let i = 0; i < 3; i++) {
    const r = await recv(out, 'a child result');
    t.true(r.ok, JSON.stringify(r));
    got.push(r.v);
  }
  for (const p of pending) got.push(await within(p, 5000, 'getAsync'));
  t.deepEqual(got.sort(), range(6), 'each item went to exactly one waiter');
  t.is(full.get(false), 'occupant');
  const r = await recv(fullOut, 'the put result');
  t.true(r.ok, JSON.stringify(r));
  t.is(await recv(full), 'waiting');
  for (const c of [...getters, putter]) await ended(t, c);
});

// ---------------------------------------------------------------------------------------------
// Across threads and processes: blocking forms

const blockedGet = ava.macro({
  async exec(t, kind) {
    const q = new Queue();
    const out = new Queue();
    const c = startChild(t, kind, T.getReport, q, out, true, foreverIn(kind));
    t.is(await recv(out, 'ready'), 'ready');
    await delay(150);
    t.true(out.empty(), `the ${kind} is still blocked in get()`);
    q.put({ hello: kind });
    const r = await recv(out, 'the result');
    t.true(r.ok, JSON.stringify(r));
    t.deepEqual(r.v, { hello: kind });
    t.true(r.ms >= 140, `the get() waited ${r.ms} ms`);
    t.true(q.empty());
    await ended(t, c);
  },
  title: (_, kind) => `a get() blocked in a ${kind} is released by a put() here`,
});
for (const kind of KINDS) test(blockedGet, kind);

const getHere = ava.macro({
  async exec(t, kind) {
    const q = new Queue();
    // Before start(): start() may return after the child's sleep has begun.
    const t0 = performance.now();
    const c = startChild(t, kind, T.putAfter, q, `from the ${kind}`, 300);
    t.is(recvSync(q, 'the put from the child'), `from the ${kind}`);
    t.true(since(t0) >= 280, `get() returned after ${since(t0)} ms, before the put`);
    await ended(t, c);
  },
  title: (_, kind) => `a get() blocked here (main thread) is released by a put() in a ${kind}`,
});
for (const kind of KINDS) test(getHere, kind);

const backPressure = ava.macro({
  async exec(t, kind) {
    const q = new Queue(2);
    const progress = new Queue();
    const c = startChild(t, kind, T.putSeq, q, range(6, 1), progress);
    await until(() => progress.qsize() === 2, 10_000, 'two puts');
    await delay(200);
    t.is(progress.qsize(), 2, `the ${kind}'s third put() is blocked`);
    t.is(q.qsize(), 2);
    t.true(q.full());
    t.is(q.get(true, 5000), 1);
    await until(() => progress.qsize() === 3, 5000, 'the blocked put to be released by a get');
    await until(() => q.full(), 5000, 'the queue full again');
    await delay(100);
    t.is(progress.qsize(), 3, 'the fourth put() blocks again');
    const rest = [];
    for (let i = 0; i < 5; i++) rest.push(q.get(true, 5000));
    t.deepEqual(rest, [2, 3, 4, 5, 6], 'FIFO across the blocked puts');
    await ended(t, c);
    t.deepEqual(drain(progress), range(6));
  },
  title: (_, kind) => `maxsize back-pressure: a put() blocked in a ${kind} is released by a get() here`,
});
for (const kind of KINDS) test(backPressure, kind);

const putHere = ava.macro({
  async exec(t, kind) {
    const q = new Queue(1);
    const out = new Queue();
    q.put('a');
    // Taken before the child starts: its get() comes at least 300 ms after this.
    const t0 = performance.now();
    const c = startChild(t, kind, T.getSeq, q, out, 1, 300);
    q.put('b', true, 10_000);
    t.true(since(t0) >= 299, `put() returned after ${since(t0)} ms, before the child's get`);
    t.is(recvSync(out), 'a');
    t.is(q.get(false), 'b');
    await ended(t, c);
  },
  title: (_, kind) => `a put() blocked here on a full queue is released by a get() in a ${kind}`,
});
for (const kind of KINDS) test(putHere, kind);

const timedThere = ava.macro({
  async exec(t, kind) {
    const empty = new Queue();
    const full = new Queue(1);
    full.put('x');
    const out1 = new Queue();
    const out2 = new Queue();
    const out3 = new Queue();
    startChild(t, kind, T.getReport, empty, out1, true, 150);
    startChild(t, kind, T.putReport, full, out2, 'y', true, 150);
    startChild(t, kind, T.nowaitReport, empty, full, out3);
    t.is(await recv(out1), 'ready');
    t.is(await recv(out2), 'ready');
    const g = await recv(out1);
    t.like(g, { ok: false, isEmpty: true, isError: true, name: 'EmptyError', code: 'ERR_QUEUE_EMPTY' });
    t.true(g.ms >= 148 && g.ms < 1150, `get(true, 150) there took ${g.ms} ms`);
    const p = await recv(out2);
    t.like(p, { ok: false, isFull: true, isError: true, name: 'FullError', code: 'ERR_QUEUE_FULL' });
    t.true(p.ms >= 148 && p.ms < 1150, `put(x, true, 150) there took ${p.ms} ms`);
    const n = await recv(out3);
    t.like(n.getNowait, { ok: false, isEmpty: true, code: 'ERR_QUEUE_EMPTY' });
    t.like(n.putNowait, { ok: false, isFull: true, code: 'ERR_QUEUE_FULL' });
    t.true(n.getNowait.ms < AT_ONCE && n.putNowait.ms < AT_ONCE, 'the non-blocking forms returned at once');
    t.deepEqual(n.sizes, { emptyQsize: 0, empty: true, fullQsize: 1, full: true });
    t.is(full.get(false), 'x', 'the failed puts there added nothing');
    t.true(full.empty());
  },
  title: (_, kind) => `in a ${kind}: timed get()/put() throw EmptyError/FullError after the timeout, getNowait()/putNowait() at once`,
});
for (const kind of KINDS) test(timedThere, kind);

const sizesThere = ava.macro({
  async exec(t, kind) {
    const q = new Queue(3);
    const out = new Queue();
    q.put('one');
    q.put(2);
    q.put({ three: 3 });
    startChild(t, kind, T.inspectQueue, q, out);
    const info = await recv(out);
    t.deepEqual(info, { isQueue: true, isJoinable: false, qsize: 3, empty: false, full: true, items: ['one', 2, { three: 3 }] });
    t.is(q.qsize(), 0, 'the child took every item');
    t.true(q.empty());
    t.false(q.full());
  },
  title: (_, kind) => `qsize(), empty(), full() and FIFO order are the same in a ${kind}`,
});
for (const kind of KINDS) test(sizesThere, kind);

// ---------------------------------------------------------------------------------------------
// Async forms

const asyncInterop = ava.macro({
  async exec(t, kind) {
    // A pending getAsync() here is woken by a put() there.
    const q = new Queue();
    const p = q.getAsync();
    await assertPending(t, p, 50, 'getAsync on an empty queue');
    const c1 = startChild(t, kind, T.putAfter, q, 'x', 50);
    t.is(await within(p, 10_000, 'getAsync'), 'x');

    // A get() blocked there is woken by putAsync() here.
    const q2 = new Queue();
    const out2 = new Queue();
    const c2 = startChild(t, kind, T.getReport, q2, out2, true, foreverIn(kind));
    t.is(await recv(out2), 'ready');
    await delay(50);
    await within(q2.putAsync('y'), 5000, 'putAsync');
    t.like(await recv(out2), { ok: true, v: 'y' });

    // A pending putAsync() here (full queue) is woken by a get() there.
    const full = new Queue(1);
    full.put('a');
    const pp = full.putAsync('b');
    await assertPending(t, pp, 50, 'putAsync on a full queue');
    const out3 = new Queue();
    const c3 = startChild(t, kind, T.getSeq, full, out3, 1, 0);
    await within(pp, 10_000, 'putAsync');
    t.is(await recv(out3), 'a');
    t.is(full.get(false), 'b');

    // A put() blocked there is woken by getAsync() here.
    const full2 = new Queue(1);
    full2.put('c');
    const out4 = new Queue();
    const c4 = startChild(t, kind, T.putReport, full2, out4, 'd', true, foreverIn(kind));
    t.is(await recv(out4), 'ready');
    await delay(50);
    t.true(out4.empty(), 'the put() there is blocked');
    t.is(await within(full2.getAsync(1000), 5000, 'getAsync'), 'c');
    t.like(await recv(out4), { ok: true });
    t.is(full2.get(false), 'd');

    // The async forms there, woken by blocking calls here.
    const q5 = new Queue();
    const out5 = new Queue();
    startChild(t, kind, T.asyncReport, q5, out5, 'get', undefined, foreverIn(kind));
    t.is(await recv(out5), 'ready');
    await delay(50);
    q5.put('z', true, 1000);
    t.like(await recv(out5), { ok: true, v: 'z' });
    const full6 = new Queue(1);
    full6.put('e');
    const out6 = new Queue();
    startChild(t, kind, T.asyncReport, full6, out6, 'put', 'f', 10_000);
    t.is(await recv(out6), 'ready');
    await delay(50);
    t.true(out6.empty(), 'the putAsync() there waits');
    t.is(full6.get(true, 1000), 'e');
    t.like(await recv(out6), { ok: true });
    t.is(full6.get(true, 1000), 'f');
    // Timed async forms there.
    const out7 = new Queue();
    startChild(t, kind, T.asyncReport, new Queue(), out7, 'get', undefined, 100);
    t.is(await recv(out7), 'ready');
    const r7 = await recv(out7);
    t.like(r7, { ok: false, isEmpty: true, code: 'ERR_QUEUE_EMPTY' });
    t.true(r7.ms >= 98, `getAsync(100) there took ${r7.ms} ms`);
    for (const c of [c1, c2, c3, c4]) await ended(t, c);
  },
  title: (_, kind) => `async and blocking forms interoperate with a ${kind}: getAsync/putAsync here and there`,
});
for (const kind of KINDS) test(asyncInterop, kind);

test('getAsync()/putAsync() with a timeout reject with EmptyError/FullError after about the timeout; 0 and negative do not wait', async (t) => {
  const q = new Queue(1);
  let t0 = performance.now();
  const e = await t.throwsAsync(within(q.getAsync(150), 2000, 'getAsync(150)'), { instanceOf: EmptyError });
  t.is(e?.code, 'ERR_QUEUE_EMPTY');
  assertTook(t, since(t0), 150, 1000, 'getAsync(150)');
  for (const to of [0, -1]) {
    t0 = performance.now();
    await t.throwsAsync(within(q.getAsync(to), 2000, `getAsync(${to})`), { instanceOf: EmptyError }, `getAsync(${to})`);
    t.true(since(t0) < AT_ONCE, `getAsync(${to}) does not wait`);
  }
  await within(q.putAsync('a', 0), 1000, 'putAsync(x, 0) with room');
  t0 = performance.now();
  const f = await t.throwsAsync(within(q.putAsync('b', 150), 2000, 'putAsync(x, 150)'), { instanceOf: FullError });
  t.is(f?.code, 'ERR_QUEUE_FULL');
  assertTook(t, since(t0), 150, 1000, 'putAsync(x, 150)');
  for (const to of [0, -1]) {
    t0 = performance.now();
    await t.throwsAsync(within(q.putAsync('b', to), 2000, `putAsync(x, ${to})`), { instanceOf: FullError }, `putAsync(x, ${to})`);
    t.true(since(t0) < AT_ONCE, `putAsync(x, ${to}) does not wait`);
  }
  t.is(q.qsize(), 1);
  t.is(await within(q.getAsync(0), 1000, 'getAsync(0)'), 'a', 'getAsync(0) takes an available item');
});

test('pending getAsync()/putAsync() block neither the event loop nor libuv thread-pool threads', async (t) => {
  const empty = new Queue();
  const full = new Queue(1);
  full.put('x');
  const gets = range(8).map(() => empty.getAsync(5000));
  const puts = range(8).map((i) => full.putAsync(i, 5000));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  await delay(100);
  clearInterval(timer);
  t.true(ticks >= 5, `the event loop ran ${ticks} ticks while 16 waits were pending`);
  // The default thread pool has 4 threads: 16 waits holding one each would starve pbkdf2.
  const t0 = performance.now();
  await within(
    Promise.all(range(4).map(() => new Promise((res, rej) => pbkdf2('p', 's', 1, 32, 'sha256', (err, k) => (err ? rej(err) : res(k)))))),
    3000,
    'pbkdf2 on the libuv thread pool',
  );
  t.true(since(t0) < 1000, `thread-pool work took ${since(t0)} ms`);
  for (const i of range(8)) empty.put(i);
  t.deepEqual((await within(Promise.all(gets), 5000, 'gets')).sort(), range(8));
  const seen = [];
  for (let i = 0; i < 9; i++) seen.push(await within(full.getAsync(5000), 5000, 'drain full'));
  await within(Promise.all(puts), 5000, 'puts');
  t.deepEqual(seen.slice(1).sort(), range(8));
  t.is(seen[0], 'x');
});

test('an aborted getAsync() rejects with the signal\'s reason and consumes nothing; an aborted putAsync() puts nothing', async (t) => {
  const q = new Queue();
  // Pending, then aborted: the reason is passed through as is (an Error or any value).
  for (const reason of [new Error('stop'), 'plain string reason', 42]) {
    const ac = new AbortController();
    const p = q.getAsync(undefined, { signal: ac.signal });
    await assertPending(t, p, 30, 'getAsync');
    ac.abort(reason);
    const s = await settledWithin(p, 2000);
    t.not(s, PENDING, 'the aborted getAsync settled');
    t.is(s.error, reason, 'rejects with the signal\'s reason');
    q.put('after abort');
    await delay(30);
    t.is(q.qsize(), 1, 'the item put after the abort is still there');
    t.is(q.get(false), 'after abort');
  }
  // Already aborted, with an item available: rejects and the item stays.
  q.put('available');
  const ac = new AbortController();
  ac.abort('already');
  await t.throwsAsync(
    () => q.getAsync(undefined, { signal: ac.signal }).catch((r) => Promise.reject(new Error(String(r)))),
    { message: 'already' },
  );
  t.is(q.qsize(), 1);
  t.is(q.get(false), 'available');
  // The default reason is an AbortError.
  const ac2 = new AbortController();
  const p2 = q.getAsync(1000, { signal: ac2.signal });
  ac2.abort();
  const s2 = await settledWithin(p2, 2000);
  t.is(s2.error?.name, 'AbortError');
  // putAsync on a full queue, aborted: nothing is put.
  const full = new Queue(1);
  full.put('occupant');
  const ac3 = new AbortController();
  const pp = full.putAsync('never', undefined, { signal: ac3.signal });
  await assertPending(t, pp, 30, 'putAsync');
  const reason = new Error('no room');
  ac3.abort(reason);
  t.is((await settledWithin(pp, 2000)).error, reason);
  t.is(full.get(false), 'occupant');
  await delay(30);
  t.true(full.empty(), 'the aborted putAsync() put nothing once room appeared');
  const ac4 = new AbortController();
  ac4.abort('pre');
  t.is((await settledWithin(full.putAsync('never', undefined, { signal: ac4.signal }), 1000)).error, 'pre');
  t.true(full.empty(), 'an already aborted putAsync() puts nothing even with room');
});

test('aborts racing with puts from a child process: each item goes to exactly one resolved getAsync() or stays queued', async (t) => {
  const q = new Queue();
  const N = 400;
  const c = startChild(t, 'process', T.putSlowly, q, N);
  const reason = new Error('race');
  const got = [];
  const others = [];
  let aborted = 0;
  const t0 = performance.now();
  for (let round = 0; c.exitcode === null || !q.empty(); round++) {
    if (since(t0) > 15_000) break;
    const ac = new AbortController();
    const p = q.getAsync(5000, { signal: ac.signal });
    const mode = round % 3;
    if (mode === 1) await Promise.resolve();
    else if (mode === 2) await new Promise((r) => setImmediate(r));
    ac.abort(reason);
    const s = await settledWithin(p, 6000);
    if (s === PENDING) others.push('pending after abort');
    else if ('value' in s) got.push(s.value);
    else if (s.error === reason) {
      aborted++;
      // Rejected: the item (if any came) is still there for the next get.
    } else others.push(String(s.error));
  }
  await ended(t, c);
  const resolved = got.length;
  got.push(...drain(q));
  t.deepEqual(others, [], 'every getAsync either resolved with an item or rejected with the reason');
  t.true(aborted > 0, 'some waits were aborted');
  t.log(`${resolved} items to resolved getAsync() calls, ${aborted} aborted waits`);
  t.is(got.length, N, `${got.length} items received for ${N} put (${aborted} aborted waits)`);
  t.deepEqual([...got].sort((a, b) => a - b), range(N), 'no item lost or duplicated');
});

test('a pending getAsync()/putAsync() keeps the program alive until it settles; an aborted one does not', async (t) => {
  const [get, put, timeout, abort, join] = await Promise.all(
    ['get', 'put', 'timeout', 'abort', 'join'].map((m) => runNode(['__test__/fixtures/queue-alive.mjs', m], { timeout: 15_000 })),
  );
  t.is(get.code, 0, get.stderr);
  t.is(get.stdout.trim(), 'got woken', 'getAsync resolved before the program ended');
  t.is(put.code, 0, put.stderr);
  t.is(put.stdout.trim(), 'put done first', 'putAsync resolved before the program ended');
  t.is(timeout.code, 0, timeout.stderr);
  t.is(timeout.stdout.trim(), 'EmptyError true', 'getAsync(300) kept it alive until its timeout');
  t.is(join.code, 0, join.stderr);
  t.is(join.stdout.trim(), 'joined item', 'joinAsync resolved before the program ended');
  t.is(abort.code, 0, abort.stderr);
  t.is(abort.stdout.trim(), 'aborted bye');
  t.false(abort.killed);
  t.true(abort.ms < 5000, `the aborted program ended after ${abort.ms} ms`);
});

test('a pending getAsync() keeps a worker alive until a put() from here wakes it', async (t) => {
  const q = new Queue();
  const w = startWorker(
    t,
    `const q = nt.Queue.from(workerData.q);
     q.getAsync().then((v) => post({ type: 'got', v }));`,
    { q },
  );
  await delay(300);
  q.put('for the worker');
  t.like(await w.next('got'), { v: 'for the worker' });
});

// ---------------------------------------------------------------------------------------------
// close()

test('close(): put/putNowait/putAsync on that handle -> ERR_QUEUE_CLOSED; other handles still put; items already put stay gettable everywhere', async (t) => {
  const q = new Queue();
  q.put('before-1');
  q.put('before-2');
  q.put('before-3');
  q.close();
  t.notThrows(() => q.close(), 'close() twice is fine');
  assertThrowsCode(t, () => q.put('x'), Error, 'ERR_QUEUE_CLOSED', 'put');
  assertThrowsCode(t, () => q.putNowait('x'), Error, 'ERR_QUEUE_CLOSED', 'putNowait');
  assertThrowsCode(t, () => q.put('x', false), Error, 'ERR_QUEUE_CLOSED', 'put(x, false)');
  assertThrowsCode(t, () => q.put('x', true, 100), Error, 'ERR_QUEUE_CLOSED', 'put(x, true, 100)');
  await assertRejectsOrThrows(t, () => q.putAsync('x'), Error, 'ERR_QUEUE_CLOSED', 'putAsync');
  t.is(q.qsize(), 3, 'nothing was put through the closed handle');
  t.is(q.get(false), 'before-1', 'the closed handle still gets');

  // A child process's handle is open: it gets an item put before close() and puts its own.
  const out = new Queue();
  const c1 = startChild(t, 'process', T.getSeq, q, out, 1, 0);
  t.is(await recv(out), 'before-2');
  const out2 = new Queue();
  const c2 = startChild(t, 'process', T.putOnOwnHandle, q, out2, 'from a child');
  t.like(await recv(out2), { ok: true });
  // So is a worker's (Queue.from of a workerData clone).
  const w = startWorker(
    t,
    `const q = nt.Queue.from(workerData.q);
     q.put('from a worker');
     post({ type: 'done' });`,
    { q },
  );
  await w.next('done');
  t.deepEqual(drain(q), ['before-3', 'from a child', 'from a worker'], 'items put before and after close(), in order');
  for (const c of [c1, c2]) await ended(t, c);

  // close() in a child closes only the child's handle.
  const q2 = new Queue();
  const out3 = new Queue();
  const c3 = startChild(t, 'process', T.closeInChild, q2, out3);
  q2.put('still open here');
  const r = await recv(out3);
  t.deepEqual(r.codes, ['ERR_QUEUE_CLOSED', 'ERR_QUEUE_CLOSED', 'ERR_QUEUE_CLOSED', 'ERR_QUEUE_CLOSED'], 'put forms on the closed handle there');
  t.is(r.got, 'still open here', 'the closed handle there still gets');
  await ended(t, c3);
  q2.put('more');
  t.is(q2.get(false), 'more', 'this handle was not closed by the child');
  t.true(q2.empty(), 'the child put nothing through its closed handle');

  // JoinableQueue too.
  const jq = new JoinableQueue();
  jq.put(1);
  jq.close();
  assertThrowsCode(t, () => jq.put(2), Error, 'ERR_QUEUE_CLOSED', 'JoinableQueue put after close');
  t.is(jq.get(false), 1);
  jq.taskDone();
  await within(jq.joinAsync(), 1000, 'joinAsync');
});

// ---------------------------------------------------------------------------------------------
// JoinableQueue

test('JoinableQueue: taskDone() more times than items -> ERR_TASK_DONE_TOO_MANY; join()/joinAsync() return at once when nothing is unfinished', async (t) => {
  const jq = new JoinableQueue();
  assertThrowsCode(t, () => jq.taskDone(), Error, 'ERR_TASK_DONE_TOO_MANY', 'taskDone on a fresh queue');
  await within(jq.joinAsync(), 1000, 'joinAsync on a fresh queue');
  jq.put('a');
  jq.put('b');
  const joined = jq.joinAsync();
  t.is(jq.get(false), 'a');
  t.is(jq.get(false), 'b');
  await assertPending(t, joined, 50, 'joinAsync with two items gotten but not done');
  jq.taskDone();
  await assertPending(t, joined, 50, 'joinAsync with one item not done');
  jq.taskDone();
  await within(joined, 2000, 'joinAsync after the last taskDone');
  assertThrowsCode(t, () => jq.taskDone(), Error, 'ERR_TASK_DONE_TOO_MANY', 'a third taskDone for two items');
  // Checked after joinAsync says nothing is unfinished, so this cannot hang.
  const t0 = performance.now();
  jq.join();
  t.true(since(t0) < AT_ONCE, 'join() returns at once');
  // The too-many call changed nothing: one more item needs exactly one taskDone.
  jq.put('c');
  const j2 = jq.joinAsync();
  await assertPending(t, j2, 30, 'joinAsync with a new item');
  jq.get(false);
  jq.taskDone();
  await within(j2, 2000, 'joinAsync');
  assertThrowsCode(t, () => jq.taskDone(), Error, 'ERR_TASK_DONE_TOO_MANY');
});

const joinAcross = ava.macro({
  async exec(t, kind) {
    const jq = new JoinableQueue(2);
    const out = new Queue();
    const go = new Queue();
    const c = startChild(t, kind, T.taskWorker, jq, out, 4, go);
    for (const i of range(4)) jq.put(i, true, 10_000);
    const joined = jq.joinAsync();
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await recv(out));
    t.deepEqual(seen, range(4));
    t.true(jq.empty());
    await assertPending(t, joined, 100, `joinAsync while the ${kind} has not marked the last item done`);
    go.put('go');
    await within(joined, 10_000, 'joinAsync after the last taskDone there');
    t.is(await recv(out), 'all done');
    await ended(t, c);
  },
  title: (_, kind) => `JoinableQueue: joinAsync() here waits until a ${kind} has called taskDone() for every item`,
});
for (const kind of KINDS) test(joinAcross, kind);

test('JoinableQueue: join() blocked in child processes and a worker thread, and joinAsync() here, are all released by the last taskDone() here', async (t) => {
  const jq = new JoinableQueue();
  jq.put('a');
  jq.put('b');
  // If the test fails midway, finish the items so that every join() (the thread's too) returns.
  t.teardown(() => {
    for (let i = 0; i < 2; i++) {
      try {
        jq.taskDone();
      } catch {
        break;
      }
    }
  });
  const outs = [new Queue(), new Queue(), new Queue()];
  const children = [startChild(t, 'process', T.joiner, jq, outs[0]), startChild(t, 'process', T.joiner, jq, outs[1]), startChild(t, 'thread', T.joiner, jq, outs[2])];
  const w = startWorker(
    t,
    `const jq = nt.JoinableQueue.from(workerData.jq);
     post({ type: 'joining', joinable: jq instanceof nt.JoinableQueue });
     jq.join();
     post({ type: 'joined' });`,
    { jq },
  );
  t.like(await w.next('joining'), { joinable: true });
  for (const o of outs) t.is(await recv(o), 'joining');
  const here = jq.joinAsync();
  await delay(200);
  for (const o of outs) t.true(o.empty(), 'join() still blocked');
  await assertPending(t, here, 1, 'joinAsync');
  t.is(jq.get(false), 'a');
  jq.taskDone();
  await delay(100);
  for (const o of outs) t.true(o.empty(), 'join() still blocked with one item unfinished');
  t.is(jq.get(false), 'b');
  jq.taskDone();
  for (const o of outs) t.is(await recv(o, 'joined'), 'joined');
  await w.next('joined');
  await within(here, 5000, 'joinAsync');
  for (const c of children) await ended(t, c);
});

test('JoinableQueue: taskDone() in a child process counts against the items put here; too many there -> ERR_TASK_DONE_TOO_MANY', async (t) => {
  const jq = new JoinableQueue();
  jq.put(1);
  jq.put(2);
  const out = new Queue();
  const c = startChild(t, 'process', T.taskDoneN, jq, out, 3);
  t.deepEqual(await recv(out), ['ok', 'ok', 'ERR_TASK_DONE_TOO_MANY']);
  await ended(t, c);
  await within(jq.joinAsync(), 1000, 'joinAsync: all items done in the child');
  assertThrowsCode(t, () => jq.taskDone(), Error, 'ERR_TASK_DONE_TOO_MANY', 'here too');
  t.is(jq.qsize(), 2, 'taskDone() does not take items');
});

// ---------------------------------------------------------------------------------------------
// Sharing

const nestedArgs = ava.macro({
  async exec(t, kind) {
    const a = new Queue();
    const b = new JoinableQueue();
    const out = new Queue();
    a.put('for the child');
    const c = startChild(t, kind, T.nestedQueues, { box: [a], map: new Map([['b', b]]) }, out);
    t.deepEqual(await recv(out), { a: true, b: true, fromA: 'for the child' });
    t.is(await recv(b), 'from the child');
    await ended(t, c);
  },
  title: (_, kind) => `Queue and JoinableQueue nested in ${kind} arguments arrive as working instances of their class`,
});
for (const kind of KINDS) test(nestedArgs, kind);

test('Queue.from()/JoinableQueue.from() restore queues sent through workerData and postMessage', async (t) => {
  const q = new Queue(2);
  const jq = new JoinableQueue();
  const w = startWorker(
    t,
    `const q = nt.Queue.from(workerData.q);
     post({ type: 'restored', isQueue: q instanceof nt.Queue, joinable: q instanceof nt.JoinableQueue, full: q.full(), qsize: q.qsize() });
     const { reply, jq } = await nextMessage();
     const r = nt.Queue.from(reply);
     const j = nt.JoinableQueue.from(jq);
     for (;;) {
       const v = q.get(true, 10000);
       if (v === 'stop') break;
       r.put(v * 2, true, 10000);
       j.put(v);
     }
     post({ type: 'done', joinable: j instanceof nt.JoinableQueue });`,
    { q },
  );
  q.put(1);
  q.put(2);
  t.like(await w.next('restored'), { isQueue: true, joinable: false, full: true, qsize: 2 });
  const reply = new Queue();
  w.post({ reply, jq });
  q.put(3, true, 5000);
  q.put('stop', true, 5000);
  t.like(await w.next('done'), { joinable: true });
  t.deepEqual(drain(reply), [2, 4, 6]);
  t.deepEqual(drain(jq), [1, 2, 3]);
  const j = jq.joinAsync();
  await assertPending(t, j, 30, 'joinAsync: the worker put three items');
  for (let i = 0; i < 3; i++) jq.taskDone();
  await within(j, 2000, 'joinAsync');
  // A JoinableQueue restored through Queue.from is still a JoinableQueue.
  t.true(Queue.from(structuredClone(jq)) instanceof JoinableQueue);
  t.true(JoinableQueue.from(structuredClone(jq)) instanceof JoinableQueue);
  const clone = structuredClone(q);
  const again = Queue.from(clone);
  again.put('same queue');
  t.is(q.get(false), 'same queue');
  const twice = Queue.from(clone);
  twice.put('from() of the same clone twice');
  t.is(again.get(false), 'from() of the same clone twice');
});

test('from() of something else throws TypeError ERR_INVALID_ARG_TYPE', (t) => {
  for (const [label, v] of [
    ['{}', {}],
    ['null', null],
    ['undefined', undefined],
    ['42', 42],
    ["'queue'", 'queue'],
    ['a Lock clone', structuredClone(new Lock())],
  ]) {
    assertThrowsCode(t, () => Queue.from(v), TypeError, 'ERR_INVALID_ARG_TYPE', `Queue.from(${label})`);
    assertThrowsCode(t, () => JoinableQueue.from(v), TypeError, 'ERR_INVALID_ARG_TYPE', `JoinableQueue.from(${label})`);
  }
  assertThrowsCode(t, () => JoinableQueue.from(structuredClone(new Queue())), TypeError, 'ERR_INVALID_ARG_TYPE', 'JoinableQueue.from(a plain Queue clone)');
});

// ---------------------------------------------------------------------------------------------
// Items

function items() {
  const ab = new ArrayBuffer(8);
  new Uint8Array(ab).set([1, 2, 3, 4, 5, 6, 7, 8]);
  const circular = { name: 'circular' };
  circular.self = circular;
  const shared = { s: 1 };
  return [
    ['integer', 42],
    ['float', 3.25],
    ['NaN', NaN],
    ['-0', -0],
    ['+0', 0],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
    ['Number.MIN_VALUE', Number.MIN_VALUE],
    ['string', 'hello'],
    ['empty string', ''],
    ['emoji', '😀👍🏽 family: 👨‍👩‍👧'],
    ['non-ASCII', 'é ß 中文 ﬁ'],
    ['NUL inside a string', 'a\0b\0'],
    ['long string', `${'x'.repeat(200_000)}é`],
    ['lone surrogates (structured clone keeps them)', 'a\uD800b\uDC00'],
    ['true', true],
    ['false', false],
    ['null', null],
    ['undefined', undefined],
    ['object', { a: 1, b: 'two', c: [3, { d: null }], e: undefined, f: -0, g: NaN }],
    ['empty object', {}],
    ['array', [1, 'a', null, undefined, [2, [3]]]],
    ['sparse array (a hole)', [1, , 3]],
    ['empty array', []],
    ['Map', new Map([[1, 'a'], ['k', { v: 2 }], [{ key: true }, [1]]])],
    ['Set', new Set([1, 'a', 3n, null])],
    ['Date', new Date(1_700_000_000_123)],
    ['invalid Date', new Date(NaN)],
    ['RegExp', /a+b\d/giu],
    ['BigInt', 123_456_789_012_345_678_901_234_567_890n],
    ['negative BigInt', -5n],
    ['0n', 0n],
    ['Int8Array', Int8Array.of(-1, 2, 127)],
    ['Uint8ClampedArray', Uint8ClampedArray.of(0, 255)],
    ['Int16Array', Int16Array.of(-300, 300)],
    ['Uint16Array', Uint16Array.of(65535)],
    ['Int32Array', Int32Array.of(-(2 ** 31), 2 ** 31 - 1)],
    ['Uint32Array', Uint32Array.of(2 ** 32 - 1)],
    ['Float32Array', Float32Array.of(1.5, -0, NaN)],
    ['Float64Array', Float64Array.of(NaN, -0, 1e300)],
    ['BigInt64Array', BigInt64Array.of(-1n, 2n ** 62n)],
    ['BigUint64Array', BigUint64Array.of(2n ** 64n - 1n)],
    ['DataView', new DataView(ab, 1, 4)],
    ['ArrayBuffer', ab.slice(0)],
    ['typed array view with an offset', new Uint16Array(ab, 2, 2)],
    ['Buffer', Buffer.from('héllo wörld')],
    ['empty Buffer', Buffer.alloc(0)],
    ['Buffer slice of a pooled buffer', Buffer.from('0123456789').subarray(3, 7)],
    ['Uint8Array', Uint8Array.of(1, 2, 255, 0)],
    ['empty Uint8Array', new Uint8Array(0)],
    ['Uint8Array view with an offset', new Uint8Array(ab, 2, 3)],
    ['objects holding a Buffer and a Uint8Array', { b: Buffer.from('in'), u: Uint8Array.of(9) }],
    ['boxed primitives', [Object(5), Object('s'), Object(false), Object(7n)]],
    ['Error', new RangeError('out of range on purpose')],
    ['circular object', circular],
    ['shared references', { a: shared, b: shared }],
    ['deep nesting', JSON.parse(`${'['.repeat(100)}1${']'.repeat(100)}`)],
  ];
}

/** Checks `got` (and the description `desc` made where it arrived) against `item`. */
function checkItem(t, label, item, got, desc) {
  const want = T.describe(item);
  if (desc !== undefined) t.is(desc, want, `${label}: as seen where it arrived`);
  t.is(T.describe(got), want, `${label}: as received back`);
  t.deepEqual(got, item, `${label}: deepEqual`);
}

test('items of every structured-clone kind keep their type and value in one thread (put/get, putNowait/getNowait, putAsync/getAsync)', async (t) => {
  const q = new Queue();
  for (const [label, item] of items()) {
    q.put(item);
    checkItem(t, `${label} (put/get)`, item, q.get(false));
    q.putNowait(item);
    checkItem(t, `${label} (putNowait/getNowait)`, item, q.getNowait());
    await q.putAsync(item);
    checkItem(t, `${label} (putAsync/getAsync)`, item, await q.getAsync(0));
  }
  t.true(q.empty());
});

const itemsAcross = ava.macro({
  async exec(t, kind) {
    const list = items();
    const q = new Queue(8);
    const out = new Queue();
    const c = startChild(t, kind, T.echoN, q, out, list.length);
    // Bounded queue: the puts wait for the child, the gets here for its echoes.
    const sender = (async () => {
      for (const [, item] of list) await q.putAsync(item, 10_000);
    })();
    for (const [label, item] of list) {
      const desc = await recv(out, `the description of ${label}`);
      const got = await recv(out, `the echo of ${label}`);
      checkItem(t, label, item, got, desc);
    }
    await within(sender, 10_000, 'the sender');
    await ended(t, c);
  },
  title: (_, kind) => `items of every structured-clone kind keep their type and value through a ${kind} and back`,
});
for (const kind of KINDS) test(itemsAcross, kind);

const primitivesInItems = ava.macro({
  async exec(t, kind) {
    const q = new Queue();
    const out = new Queue();
    const lock = new Lock();
    const reply = new Queue();
    const c = startChild(t, kind, T.primitivesInItem, q, out);
    q.put({ lock, reply, n: 7 });
    t.deepEqual(await recv(out), { lockClass: 'Lock', acquired: true, n: 7 }, 'the Lock arrived working and free');
    t.true(lock.locked(), `the ${kind} holds the same Lock`);
    lock.release();
    t.is(await recv(reply), 'via the queue inside the item');
    const { ev } = await recv(out);
    t.is(ev.constructor.name, 'Event', 'an Event created there arrives here as an Event');
    ev.set();
    t.deepEqual(await recv(out), { evSet: true }, 'set() here woke the wait there');
    await ended(t, c);
  },
  title: (_, kind) => `primitives inside an item (Lock, Queue, Event) arrive working, to and from a ${kind}`,
});
for (const kind of KINDS) test(primitivesInItems, kind);

test('a 64 MiB Buffer goes to a child process and back intact (hashed on both sides)', async (t) => {
  const big = Buffer.allocUnsafe(64 * 1024 * 1024);
  randomFillSync(big);
  const hash = createHash('sha256').update(big).digest('hex');
  const q = new Queue();
  const out = new Queue();
  q.put(big);
  t.is(q.qsize(), 1);
  const c = startChild(t, 'process', T.hashEcho, q, out);
  t.deepEqual(await recv(out, 'the hash from the child', 20_000), { isBuffer: true, length: big.length, hash });
  const back = await recv(out, 'the buffer back', 20_000);
  t.true(Buffer.isBuffer(back), 'still a Buffer');
  t.is(back.length, big.length);
  t.is(createHash('sha256').update(back).digest('hex'), hash, 'same content');
  await ended(t, c);
});

test('a value that cannot be cloned fails at put() with a clear error and leaves the queue unchanged', async (t) => {
  const q = new Queue(5);
  q.put('first');
  q.put('second');
  const bad = [
    ['a function', () => 1],
    ['an object with a method', { a: 1, f() {} }],
    ['a function deep inside', { deep: [new Map([['k', () => 0]])] }],
    ['a symbol', Symbol('s')],
    ['a WeakMap', new WeakMap()],
    ['a Promise', Promise.resolve(1)],
  ];
  for (const [label, value] of bad) {
    for (const [form, f] of [
      ['put', () => q.put(value)],
      ['put(x, false)', () => q.put(value, false)],
      ['put(x, true, 100)', () => q.put(value, true, 100)],
      ['putNowait', () => q.putNowait(value)],
    ]) {
      const t0 = performance.now();
      const e = t.throws(f, undefined, `${form} of ${label}`);
      t.true(e instanceof Error, `${form} of ${label}: an Error`);
      t.false(e instanceof FullError || e instanceof EmptyError, `${form} of ${label}: not Full/Empty`);
      t.regex(String(e?.message), /clone|serializ/i, `${form} of ${label}: the message says why (${e?.message})`);
      t.true(since(t0) < AT_ONCE, `${form} of ${label} failed at once`);
    }
    const e = await t.throwsAsync(async () => q.putAsync(value), undefined, `putAsync of ${label}`);
    t.regex(String(e?.message), /clone|serializ/i, `putAsync of ${label}`);
    t.is(q.qsize(), 2, `after ${label}: qsize unchanged`);
  }
  // Nothing half-put is visible anywhere: a child gets the previous item next.
  const out = new Queue();
  const c = startChild(t, 'process', T.getSeq, q, out, 1, 0);
  t.is(await recv(out), 'first');
  await ended(t, c);
  t.is(q.get(false), 'second');
  t.true(q.empty());
});

test('a SharedArrayBuffer item (or one inside an item) -> TypeError ERR_NOT_SHAREABLE; the queue is unchanged', async (t) => {
  const q = new Queue();
  q.put('keep');
  const sab = new SharedArrayBuffer(16);
  for (const [label, value] of [
    ['a SharedArrayBuffer', sab],
    ['an Int32Array over one', new Int32Array(sab)],
    ['a Uint8Array over one', new Uint8Array(sab)],
    ['one inside an object', { nested: [sab] }],
    ['one inside a Map', new Map([['k', new Float64Array(sab)]])],
  ]) {
    for (const [form, f] of [
      ['put', () => q.put(value)],
      ['putNowait', () => q.putNowait(value)],
    ]) {
      const e = assertThrowsCode(t, f, TypeError, 'ERR_NOT_SHAREABLE', `${form} of ${label}`);
      t.regex(String(e?.message), /SharedArray|Value/, `${form} of ${label}: the message points to SharedArray/Value`);
    }
    await assertRejectsOrThrows(t, () => q.putAsync(value), TypeError, 'ERR_NOT_SHAREABLE', `putAsync of ${label}`);
  }
  t.is(q.qsize(), 1);
  t.is(q.get(false), 'keep');
});

// ---------------------------------------------------------------------------------------------
// Many producers and consumers

/** Merges consumer reports: every id seen exactly once, each producer's order kept. */
function checkReports(t, reports, total, what) {
  const counts = new Uint8Array(total);
  let count = 0;
  let sum = 0;
  for (const [name, r] of reports) {
    t.is(r.bad, 0, `${what}: ${name} got no foreign items`);
    t.is(r.outOfOrder, 0, `${what}: ${name} saw each producer's items in order`);
    t.true(r.counts instanceof Uint8Array && r.counts.length === total, `${what}: ${name} counts`);
    for (let i = 0; i < total; i++) counts[i] += r.counts[i];
    count += r.count;
    sum += r.sum;
  }
  t.is(count, total, `${what}: items consumed`);
  t.is(sum, (total * (total - 1)) / 2, `${what}: sum of ids`);
  const missing = [];
  const duplicated = [];
  for (let i = 0; i < total; i++) {
    if (counts[i] === 0) missing.push(i);
    else if (counts[i] > 1) duplicated.push(i);
  }
  t.deepEqual(missing.slice(0, 20), [], `${what}: lost items (first 20 of ${missing.length})`);
  t.deepEqual(duplicated.slice(0, 20), [], `${what}: duplicated items (first 20 of ${duplicated.length})`);
}

test('2 producer processes x 10,000 items into Queue(100); 2 consumer processes and the main thread (blocking get) take each exactly once', async (t) => {
  const N = 10_000;
  const PRODUCERS = 2;
  const CONSUMERS = 3; // two processes and this thread
  const total = N * PRODUCERS;
  const q = new Queue(100);
  const results = new Queue();
  const barrier = new Barrier(PRODUCERS);
  // The consumer processes join in once this thread has taken an item: on a busy machine they
  // could otherwise take them all before this thread's first get() returns.
  const go = new nt.Event();
  const t0 = performance.now();
  const consumers = [0, 1].map(() => startChild(t, 'process', T.consumeAfter, go, q, results, total, N));
  const producers = range(PRODUCERS).map((id) => startChild(t, 'process', T.produce, q, id, N, barrier, CONSUMERS));
  let maxSeen = 0;
  const mine = T.consumeLoop((timeout) => {
    maxSeen = Math.max(maxSeen, q.qsize());
    const item = q.get(true, timeout);
    go.set();
    return item;
  }, total, N);
  const reports = [['main thread', mine]];
  for (let i = 0; i < 2; i++) reports.push([`consumer process ${i + 1}`, recvSync(results, 'a consumer report', 20_000)]);
  checkReports(t, reports, total, '3 consumers');
  t.true(maxSeen <= 100, `qsize() never above maxsize (saw ${maxSeen})`);
  t.true(mine.count > 0, 'the main thread consumed some items');
  for (const c of [...producers, ...consumers]) await ended(t, c);
  t.true(q.empty());
  t.log(`${total} items in ${since(t0).toFixed(0)} ms; main thread took ${mine.count}`);
});

test('mixed: a producer process and a producer thread put objects into JoinableQueue(50); a consumer process, a consumer thread and getAsync() here; joinAsync() after all taskDone()', async (t) => {
  const N = 5000;
  const total = 2 * N;
  const jq = new JoinableQueue(50);
  const results = new Queue();
  const barrier = new Barrier(2);
  const consumers = [startChild(t, 'process', T.consumeDone, jq, results, total, N), startChild(t, 'thread', T.consumeDone, jq, results, total, N)];
  // Object items (the v8.serialize path) this time.
  const producers = [startChild(t, 'process', T.produce, jq, 0, N, barrier, 3, true), startChild(t, 'thread', T.produce, jq, 1, N, barrier, 3, true)];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const queue = [];
  const mine = await (async () => {
    for (;;) {
      const v = await jq.getAsync(T.LONG);
      queue.push(v);
      jq.taskDone();
      if (v === null) break;
    }
    return T.consumeLoop(() => queue.shift(), total, N);
  })();
  clearInterval(timer);
  const reports = [['async gets here', mine]];
  for (let i = 0; i < 2; i++) reports.push([`consumer ${i + 1}`, await recv(results, 'a consumer report', 20_000)]);
  checkReports(t, reports, total, 'mixed consumers');
  await within(jq.joinAsync(), 10_000, 'joinAsync after every item (and sentinel) was marked done');
  assertThrowsCode(t, () => jq.taskDone(), Error, 'ERR_TASK_DONE_TOO_MANY');
  for (const c of [...producers, ...consumers]) await ended(t, c);
  t.true(ticks > 0, 'the event loop kept running');
});

test('a deep backlog of 64 KiB items (more than the first GiB of shared memory holds) stays queued and arrives intact', (t) => {
  const q = new Queue();
  const item = Buffer.alloc(65536, 7);
  const n = 9000; // 9000 x 128 KiB blocks: more than 1 GiB
  for (let i = 0; i < n; i++) {
    item.writeUInt32LE(i, 0);
    q.put(item);
  }
  t.is(q.qsize(), n);
  for (let i = 0; i < n; i++) {
    const got = q.get(false);
    if (got.length !== 65536 || got.readUInt32LE(0) !== i || got[65535] !== 7) {
      t.fail(`item ${i} came back wrong`);
      return;
    }
  }
  t.true(q.empty());
});
