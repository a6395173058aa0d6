// multiprocessing.Array (SharedArray): a fixed-length array of C numbers in shared memory with
// the lock that guards it.
import test from 'ava';
import { assertThrowsCode, nt, startWorker, within } from './helpers/util.mjs';
import * as targets from './fixtures/shared-targets.mjs';

const { SharedArray, Value, Lock, RLock, Thread } = nt;

const VIEWS = {
  b: Int8Array, B: Uint8Array, h: Int16Array, H: Uint16Array, i: Int32Array, I: Uint32Array,
  l: BigInt64Array, L: BigUint64Array, q: BigInt64Array, Q: BigUint64Array, f: Float32Array, d: Float64Array,
};
const BIG = new Set(['l', 'L', 'q', 'Q']);

test('a size gives zeros; length, typecode and a view of the right type for every typecode', (t) => {
  for (const [code, View] of Object.entries(VIEWS)) {
    const a = new SharedArray(code, 5);
    t.is(a.length, 5);
    t.is(a.typecode, code);
    t.true(a.view instanceof View, code);
    t.is(a.view.length, 5);
    t.is(a.view, a.view, 'the same view each time');
    t.deepEqual(a.toArray(), Array(5).fill(BIG.has(code) ? 0n : 0), code);
  }
  const empty = new SharedArray('d', 0);
  t.is(empty.length, 0);
  t.deepEqual(empty.toArray(), []);
  assertThrowsCode(t, () => empty.get(0), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => empty.get(-1), RangeError, 'ERR_OUT_OF_RANGE');
});

test('a large array made where big queue items were just freed (their pages kept for reuse) reads as zeros', (t) => {
  const q = new nt.Queue();
  for (const size of [3 << 20, 5 << 20, 9 << 20, 17 << 20]) {
    for (let i = 0; i < 4; i++) q.put(Buffer.alloc(size, 0xff));
    for (let i = 0; i < 4; i++) t.is(q.get(true, 5).length, size);
    const a = new SharedArray('B', size);
    const v = a.view;
    let nonzero = -1;
    for (let i = 0; i < v.length; i += 1) {
      if (v[i] !== 0) {
        nonzero = i;
        break;
      }
    }
    t.is(nonzero, -1, `an array of ${size} bytes is all zeros`);
  }
});

test('an initializer: arrays, typed arrays, iterables; bigint codes take bigints', (t) => {
  t.deepEqual(new SharedArray('i', [1, -2, 3]).toArray(), [1, -2, 3]);
  t.deepEqual(new SharedArray('d', new Float64Array([0.5, 1.5])).toArray(), [0.5, 1.5]);
  t.deepEqual(new SharedArray('H', new Set([1, 2, 3])).toArray(), [1, 2, 3]);
  t.deepEqual(new SharedArray('b', { length: 2, 0: 7, 1: 8 }).toArray(), [7, 8]);
  t.deepEqual(new SharedArray('q', [1n, -(2n ** 63n)]).toArray(), [1n, -(2n ** 63n)]);
  t.deepEqual(new SharedArray('B', [256, -1, 300]).toArray(), [0, 255, 44], 'integers wrap as in C');
  t.deepEqual(new SharedArray('f', [0.1]).toArray(), [Math.fround(0.1)]);
  assertThrowsCode(t, () => new SharedArray('q', [1n, 2]), TypeError, 'ERR_INVALID_ARG_TYPE', 'a number in a q array');
  assertThrowsCode(t, () => new SharedArray('i', [1, 2n]), TypeError, 'ERR_INVALID_ARG_TYPE', 'a bigint in an i array');
  assertThrowsCode(t, () => new SharedArray('i', [1, 'x']), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => new SharedArray('i', [1, 1.5]), RangeError, 'ERR_OUT_OF_RANGE');
});

test('bad size or initializer: TypeError ERR_INVALID_ARG_TYPE / RangeError ERR_OUT_OF_RANGE', (t) => {
  for (const bad of [undefined, null, '3', 3n, true, () => 1]) {
    assertThrowsCode(t, () => new SharedArray('i', bad), TypeError, 'ERR_INVALID_ARG_TYPE', String(bad));
  }
  for (const bad of [-1, 1.5, NaN, Infinity]) {
    assertThrowsCode(t, () => new SharedArray('i', bad), RangeError, 'ERR_OUT_OF_RANGE', String(bad));
  }
  assertThrowsCode(t, () => new SharedArray('i', 2 ** 30), RangeError, 'ERR_OUT_OF_RANGE', 'above 4 GiB');
  assertThrowsCode(t, () => new SharedArray('z', 3), TypeError, 'ERR_INVALID_ARG_VALUE', 'bad typecode');
  assertThrowsCode(t, () => new SharedArray(3, 3), TypeError, 'ERR_INVALID_ARG_TYPE', 'typecode not a string');
});

test('get/set with negative indexes as in Python; out of range: RangeError ERR_OUT_OF_RANGE', (t) => {
  const a = new SharedArray('i', [10, 20, 30]);
  t.is(a.get(0), 10);
  t.is(a.get(-1), 30);
  t.is(a.get(-3), 10);
  a.set(-1, 33);
  a.set(1, 22);
  t.deepEqual(a.toArray(), [10, 22, 33]);
  for (const i of [3, -4, 100, 1.5, -0.5, NaN, Infinity]) {
    assertThrowsCode(t, () => a.get(i), RangeError, 'ERR_OUT_OF_RANGE', `get(${i})`);
    assertThrowsCode(t, () => a.set(i, 1), RangeError, 'ERR_OUT_OF_RANGE', `set(${i})`);
  }
  for (const i of ['0', 0n, undefined, null]) {
    assertThrowsCode(t, () => a.get(i), TypeError, 'ERR_INVALID_ARG_TYPE', `get(${String(i)})`);
  }
  assertThrowsCode(t, () => a.set(0, 1n), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => a.set(0, 0.5), RangeError, 'ERR_OUT_OF_RANGE');
  a.set(0, 2 ** 31);
  t.is(a.get(0), -(2 ** 31), 'wraps');
  const q = new SharedArray('Q', 2);
  q.set(-1, -1n);
  t.is(q.get(1), 2n ** 64n - 1n);
  assertThrowsCode(t, () => q.set(0, 1), TypeError, 'ERR_INVALID_ARG_TYPE');
  t.is(q.get(0), 0n);
});

test('view is live both ways; toArray() is a copy; iteration', (t) => {
  const a = new SharedArray('d', 3);
  const view = a.view;
  view[1] = 2.5;
  t.is(a.get(1), 2.5);
  a.set(2, 7.25);
  t.is(view[2], 7.25);
  const copy = a.toArray();
  a.set(0, 1);
  t.deepEqual(copy, [0, 2.5, 7.25], 'toArray() does not follow later writes');
  t.deepEqual([...a], [1, 2.5, 7.25]);
  const b = SharedArray.from(structuredClone(a));
  b.view[0] = -1;
  t.is(view[0], -1, 'one memory for every handle');
});

test('locks: default RLock, a given Lock/RLock, lock: false -> ERR_NO_LOCK', (t) => {
  const a = new SharedArray('i', 2);
  t.true(a.getLock() instanceof RLock);
  t.is(a.getLock(), a.getLock());
  t.true(new SharedArray('i', 2, { lock: true }).getLock() instanceof RLock);
  const lock = new Lock();
  const b = new SharedArray('i', 2, { lock });
  t.is(b.getLock(), lock);
  t.is(b.withLock(() => (lock.locked() ? 'held' : 'free')), 'held');
  t.false(lock.locked());
  const h = b.hold();
  t.false(b.acquire(false));
  h[Symbol.dispose]();
  t.false(lock.locked());
  const r = new RLock();
  t.is(new SharedArray('d', [1], { lock: r }).getLock(), r);
  const raw = new SharedArray('i', [1, 2], { lock: false });
  raw.set(0, 5);
  t.deepEqual(raw.toArray(), [5, 2]);
  for (const f of [() => raw.getLock(), () => raw.hold(), () => raw.withLock(() => 1), () => raw.acquire(), () => raw.release()]) {
    assertThrowsCode(t, f, Error, 'ERR_NO_LOCK');
  }
  assertThrowsCode(t, () => new SharedArray('i', 1, { lock: 'no' }), TypeError, 'ERR_INVALID_ARG_TYPE');
});

test('from(): same memory, length, typecode and lock; wrong input -> TypeError ERR_INVALID_ARG_TYPE', (t) => {
  const lock = new Lock();
  const a = new SharedArray('h', [1, 2, 3], { lock });
  t.is(SharedArray.from(a), a);
  const b = SharedArray.from(structuredClone(a));
  t.true(b instanceof SharedArray);
  t.is(b.length, 3);
  t.is(b.typecode, 'h');
  t.true(b.view instanceof Int16Array);
  t.deepEqual(b.toArray(), [1, 2, 3]);
  lock.acquire();
  t.true(b.getLock().locked(), 'the lock travels');
  t.true(b.getLock() instanceof Lock);
  lock.release();
  const raw = SharedArray.from(structuredClone(new SharedArray('b', 1, { lock: false })));
  assertThrowsCode(t, () => raw.getLock(), Error, 'ERR_NO_LOCK');
  const v = new Value('i', 1);
  for (const bad of [undefined, 5, {}, [], a.view, structuredClone(new RLock()), v, structuredClone(v)]) {
    assertThrowsCode(t, () => SharedArray.from(bad), TypeError, 'ERR_INVALID_ARG_TYPE', String(bad));
  }
});

test.serial('visible across worker_threads through workerData (a large array too); the lock travels', async (t) => {
  const a = new SharedArray('i', [1, 2, 3]);
  const big = new SharedArray('d', 300_000); // 2.4 MB: a large block
  big.set(-1, 0.5);
  a.getLock().acquire();
  const w = startWorker(
    t,
    `
    const a = nt.SharedArray.from(workerData.a);
    const big = nt.SharedArray.from(workerData.big);
    const seen = { type: 'seen', a: a.toArray(), n: big.length, last: big.get(-1), locked: a.getLock().locked(), tryLock: a.getLock().acquire(false) };
    a.view[0] = 100;
    a.set(-1, -3);
    big.view[299_999] = 9.75;
    const go = nextMessage();
    post(seen);
    await go;
    post({ type: 'got', acquired: a.getLock().acquire(true, 5000), a: a.toArray() });
    a.getLock().release();
    `,
    { a, big },
  );
  const seen = await w.next('seen');
  t.deepEqual(seen, { type: 'seen', a: [1, 2, 3], n: 300_000, last: 0.5, locked: true, tryLock: false });
  t.deepEqual(a.toArray(), [100, 2, -3]);
  t.is(big.get(-1), 9.75);
  a.set(1, 50);
  a.getLock().release();
  w.post('go');
  const got = await w.next('got');
  t.true(got.acquired);
  t.deepEqual(got.a, [100, 50, -3]);
});

test.serial('4 Threads x 10,000 locked read-modify-writes: exact counts', async (t) => {
  const a = new SharedArray('i', 5);
  const threads = [1, 2, 3, 4].map((slot) => new Thread({ target: targets.incrementArray, args: [a, slot, 10_000] }));
  for (const th of threads) th.start();
  for (const th of threads) await within(th.joinAsync(), 30_000, 'increment thread');
  t.deepEqual(a.toArray(), [40_000, 10_000, 10_000, 10_000, 10_000]);
});

test('a SharedArray above 1 MiB (kept apart from the small blocks) arrives as a queue item, and so as a target argument, over the same memory', (t) => {
  const big = new nt.SharedArray('B', 3 << 20);
  big.set(-1, 7);
  const q = new nt.Queue();
  q.put({ big });
  const got = q.get().big;
  t.true(got instanceof nt.SharedArray);
  t.is(got.length, 3 << 20);
  t.is(got.get(-1), 7);
  got.set(0, 9);
  t.is(big.get(0), 9);
});
