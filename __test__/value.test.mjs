// multiprocessing.Value: one C number in shared memory with the lock that guards it.
import test from 'ava';
import { assertThrowsCode, nt, sharedInts, startWorker, within } from './helpers/util.mjs';
import * as targets from './fixtures/shared-targets.mjs';

const { Value, SharedArray, Lock, RLock, Thread, Semaphore } = nt;

const ALL = ['b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd'];
const BIG = new Set(['l', 'L', 'q', 'Q']);

test('every typecode: default 0 (0n for l/L/q/Q), initial value, typecode getter', (t) => {
  for (const code of ALL) {
    const big = BIG.has(code);
    const v = new Value(code);
    t.is(v.value, big ? 0n : 0, code);
    t.is(v.typecode, code);
    const w = new Value(code, big ? 100n : 100);
    t.is(w.value, big ? 100n : 100, code);
    w.value = big ? 7n : 7;
    t.is(w.value, big ? 7n : 7, code);
  }
});

test('integers wrap around as in C (ctypes); floats round to their width', (t) => {
  const cases = [
    ['b', 200, -56], ['b', -129, 127], ['B', -1, 255], ['B', 256, 0],
    ['h', 40000, -25536], ['H', -1, 65535], ['i', 2 ** 31, -(2 ** 31)], ['i', 2 ** 32 + 5, 5],
    ['I', -1, 2 ** 32 - 1], ['q', 2n ** 63n, -(2n ** 63n)], ['Q', -1n, 2n ** 64n - 1n],
    ['l', 2n ** 64n + 3n, 3n], ['L', -2n, 2n ** 64n - 2n],
  ];
  for (const [code, input, expected] of cases) {
    t.is(new Value(code, input).value, expected, `${code} ${input} (constructor)`);
    const v = new Value(code);
    v.value = input;
    t.is(v.value, expected, `${code} ${input} (setter)`);
  }
  t.is(new Value('f', 0.1).value, Math.fround(0.1));
  t.is(new Value('d', 0.1).value, 0.1);
  t.true(Number.isNaN(new Value('d', NaN).value), 'floats take NaN');
  t.is(new Value('f', -Infinity).value, -Infinity);
});

test('wrong element type: TypeError ERR_INVALID_ARG_TYPE; non-integer for an integer code: RangeError ERR_OUT_OF_RANGE', (t) => {
  for (const code of ['q', 'Q', 'l', 'L']) {
    assertThrowsCode(t, () => new Value(code, 1), TypeError, 'ERR_INVALID_ARG_TYPE', `number for ${code}`);
  }
  for (const code of ['b', 'i', 'I', 'f', 'd']) {
    assertThrowsCode(t, () => new Value(code, 1n), TypeError, 'ERR_INVALID_ARG_TYPE', `bigint for ${code}`);
  }
  for (const bad of ['1', true, null, {}]) {
    assertThrowsCode(t, () => new Value('i', bad), TypeError, 'ERR_INVALID_ARG_TYPE', String(bad));
  }
  for (const bad of [1.5, NaN, Infinity, -Infinity]) {
    assertThrowsCode(t, () => new Value('i', bad), RangeError, 'ERR_OUT_OF_RANGE', String(bad));
  }
  const v = new Value('i', 3);
  assertThrowsCode(t, () => (v.value = 2.5), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => (v.value = 4n), TypeError, 'ERR_INVALID_ARG_TYPE');
  const q = new Value('q', 3n);
  assertThrowsCode(t, () => (q.value = 4), TypeError, 'ERR_INVALID_ARG_TYPE');
  t.is(v.value, 3, 'a rejected store changes nothing');
  t.is(q.value, 3n);
});

test('bad typecode: a string not in the table -> TypeError ERR_INVALID_ARG_VALUE; not a string -> ERR_INVALID_ARG_TYPE', (t) => {
  for (const bad of ['z', 'u', 'c', '', 'ii', 'I ']) {
    assertThrowsCode(t, () => new Value(bad), TypeError, 'ERR_INVALID_ARG_VALUE', JSON.stringify(bad));
  }
  for (const bad of [undefined, null, 105, {}]) {
    assertThrowsCode(t, () => new Value(bad), TypeError, 'ERR_INVALID_ARG_TYPE', String(bad));
  }
});

test('the default lock (lock true, omitted or null) is a new RLock; getLock() returns it each time', (t) => {
  for (const options of [undefined, {}, { lock: true }, { lock: undefined }, { lock: null }, null]) {
    const v = new Value('i', 0, options);
    const l = v.getLock();
    t.true(l instanceof RLock, JSON.stringify(options));
    t.is(v.getLock(), l);
  }
  const a = new Value('i').getLock();
  const b = new Value('i').getLock();
  a.acquire();
  t.false(b.locked(), 'each value gets its own lock');
  a.release();
});

test('a given Lock or RLock is used as is', (t) => {
  const lock = new Lock();
  const v = new Value('d', 1.5, { lock });
  t.is(v.getLock(), lock);
  const w = new Value('i', 0, { lock }); // two values may share one lock
  v.withLock(() => {
    t.true(lock.locked());
    t.false(w.getLock().acquire(false));
  });
  t.false(lock.locked());
  const r = new RLock();
  t.is(new Value('q', 0n, { lock: r }).getLock(), r);
});

test('lock: false has no lock: getLock/hold/withLock/acquire/release throw ERR_NO_LOCK', (t) => {
  const v = new Value('i', 5, { lock: false });
  t.is(v.value, 5);
  v.value = 6;
  t.is(v.value, 6);
  assertThrowsCode(t, () => v.getLock(), Error, 'ERR_NO_LOCK');
  assertThrowsCode(t, () => v.hold(), Error, 'ERR_NO_LOCK');
  assertThrowsCode(t, () => v.withLock(() => 1), Error, 'ERR_NO_LOCK');
  assertThrowsCode(t, () => v.acquire(), Error, 'ERR_NO_LOCK');
  assertThrowsCode(t, () => v.release(), Error, 'ERR_NO_LOCK');
});

test('bad options: TypeError ERR_INVALID_ARG_TYPE, nothing created', (t) => {
  for (const lock of [1, 'yes', {}, new Semaphore(), new nt.Condition()]) {
    assertThrowsCode(t, () => new Value('i', 0, { lock }), TypeError, 'ERR_INVALID_ARG_TYPE', String(lock));
  }
  assertThrowsCode(t, () => new Value('i', 0, 5), TypeError, 'ERR_INVALID_ARG_TYPE');
});

test('hold(), withLock() and acquire()/release() use the lock (Python: with v:, v.acquire())', (t) => {
  const v = new Value('i', 1, { lock: new Lock() });
  const held = v.hold();
  t.true(v.getLock().locked());
  held[Symbol.dispose]();
  held[Symbol.dispose]();
  t.false(v.getLock().locked(), 'disposing releases once');
  t.is(v.withLock(() => v.value + 41), 42, 'withLock returns the result');
  const err = new Error('boom');
  t.is(t.throws(() => v.withLock(() => { throw err; })), err);
  t.false(v.getLock().locked(), 'released when fn throws');
  assertThrowsCode(t, () => v.withLock(5), TypeError, 'ERR_INVALID_ARG_TYPE');
  t.true(v.acquire());
  t.false(v.acquire(false));
  v.release();
  assertThrowsCode(t, () => v.release(), Error, 'ERR_LOCK_NOT_HELD');
  const r = new Value('i'); // RLock: reentrant
  r.withLock(() => r.withLock(() => (r.value = 3)));
  t.is(r.value, 3);
  t.false(r.getLock().locked());
});

test('from(): the same memory and the same lock; an instance is returned as is', (t) => {
  const v = new Value('i', 5);
  t.is(Value.from(v), v);
  const w = Value.from(structuredClone(v));
  t.not(w, v);
  t.true(w instanceof Value);
  t.is(w.typecode, 'i');
  t.is(w.value, 5);
  w.value = 9;
  t.is(v.value, 9);
  const raw = Value.from(structuredClone(new Value('d', 2.5, { lock: false })));
  t.is(raw.value, 2.5);
  assertThrowsCode(t, () => raw.getLock(), Error, 'ERR_NO_LOCK', 'no lock travels');
  const lock = new Lock();
  const l = Value.from(structuredClone(new Value('b', 0, { lock })));
  t.true(l.getLock() instanceof Lock, 'a Lock stays a Lock');
  lock.acquire();
  t.true(l.getLock().locked(), 'the lock travels: the same lock');
  lock.release();
});

test('from() of anything else: TypeError ERR_INVALID_ARG_TYPE (a SharedArray included)', (t) => {
  const arr = new SharedArray('i', 1);
  for (const bad of [undefined, null, 5, {}, { __nativeThreading: {} }, structuredClone(new Lock()), arr, structuredClone(arr)]) {
    assertThrowsCode(t, () => Value.from(bad), TypeError, 'ERR_INVALID_ARG_TYPE', String(bad));
  }
});

test.serial('visible across worker_threads through workerData; the lock travels', async (t) => {
  const v = new Value('i', 1);
  const q = new Value('Q', 2n ** 64n - 1n, { lock: false });
  v.getLock().acquire(); // held by this thread while the worker looks
  const w = startWorker(
    t,
    `
    const v = nt.Value.from(workerData.v);
    const q = nt.Value.from(workerData.q);
    const seen = { type: 'seen', value: v.value, q: q.value, locked: v.getLock().locked(), tryLock: v.getLock().acquire(false) };
    v.value = 123;
    q.value = 5n;
    const go = nextMessage();
    post(seen);
    await go;
    post({ type: 'got', acquired: v.getLock().acquire(true, 5000), value: v.value });
    v.getLock().release();
    `,
    { v, q },
  );
  const seen = await w.next('seen');
  t.deepEqual(seen, { type: 'seen', value: 1, q: 2n ** 64n - 1n, locked: true, tryLock: false });
  t.is(v.value, 123);
  t.is(q.value, 5n);
  v.value = 77;
  v.getLock().release();
  w.post('go');
  const got = await w.next('got');
  t.true(got.acquired);
  t.is(got.value, 77);
});

test.serial('4 workers x 10,000 withLock(() => v.value++) increments are exact (default RLock, as Thread args)', async (t) => {
  const v = new Value('i', 0);
  const threads = Array.from({ length: 4 }, () => new Thread({ target: targets.increment, args: [v, 10_000] }));
  for (const th of threads) th.start();
  for (const th of threads) await within(th.joinAsync(), 30_000, 'increment thread');
  t.is(v.value, 40_000);
});

test.serial('4 workers x 10,000 locked increments through workerData with a custom Lock and a bigint value', async (t) => {
  const v = new Value('q', 0n, { lock: new Lock() });
  const workers = Array.from({ length: 4 }, () =>
    startWorker(
      t,
      `
      const v = nt.Value.from(workerData.v);
      for (let i = 0; i < 10000; i++) v.withLock(() => v.value++);
      post({ type: 'done', lock: v.getLock().constructor.name });
      `,
      { v },
    ),
  );
  for (const w of workers) t.is((await w.next('done', 30_000)).lock, 'Lock');
  t.is(v.value, 40_000n);
});

test.serial('Thread args: Value and SharedArray revive as themselves (also nested), lock included', async (t) => {
  const out = sharedInts(13);
  const v = new Value('i', 5);
  const arr = new SharedArray('h', [1, 2, 3]);
  const raw = new Value('q', -5n, { lock: false });
  const nested = { box: [v], map: new Map([['a', arr]]) };
  v.getLock().acquire();
  try {
    const th = new Thread({ target: targets.inspect, args: [out, v, arr, nested, raw] });
    th.start();
    await within(th.joinAsync(), 20_000, 'inspect thread');
  } finally {
    v.getLock().release();
  }
  t.deepEqual([...out], [1, 1, 5, 3, 3, 1, 1, 0, 1, 1, 1, 1, 1]);
  t.is(v.value, 7);
  t.is(raw.value, -1n, 'the thread wrote 2n**64n - 1n: wrapped');
  t.deepEqual(arr.toArray(), [42, -3, 3]);
});

test.serial('Process args: a Value and a SharedArray work across processes, lock included', async (t) => {
  const v = new Value('i', 0);
  const arr = new SharedArray('i', 3);
  const procs = [
    new nt.Process({ target: targets.increment, args: [v, 5_000] }),
    new nt.Process({ target: targets.increment, args: [v, 5_000] }),
    new nt.Process({ target: targets.incrementArray, args: [arr, 1, 5_000] }),
    new nt.Process({ target: targets.incrementArray, args: [arr, 2, 5_000] }),
  ];
  for (const p of procs) p.start();
  for (const p of procs) await within(p.joinAsync(), 30_000, 'child process');
  t.deepEqual(procs.map((p) => p.exitcode), [0, 0, 0, 0]);
  t.is(v.value, 10_000);
  t.deepEqual(arr.toArray(), [10_000, 5_000, 5_000]);
});
