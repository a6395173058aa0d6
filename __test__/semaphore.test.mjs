// threading.Semaphore and BoundedSemaphore.
import test from 'ava';
import {
  assertPending,
  assertRejectsOrThrows,
  assertThrowsCode,
  assertTook,
  delay,
  nt,
  sharedInts,
  since,
  startWorker,
  until,
  within,
} from './helpers/util.mjs';

const { Semaphore, BoundedSemaphore } = nt;

/** How many acquire(false) succeed now (takes them all). */
function drain(s) {
  let n = 0;
  while (s.acquire(false)) n++;
  return n;
}

test.serial('the default value is 1', (t) => {
  const s = new Semaphore();
  t.true(s.acquire(false));
  t.false(s.acquire(false));
  s.release();
  t.is(drain(s), 1);
  t.is(drain(new Semaphore(undefined)), 1);
});

test.serial('Semaphore(n) admits n acquires; Semaphore(0) none', (t) => {
  t.is(drain(new Semaphore(3)), 3);
  t.is(drain(new Semaphore(0)), 0);
  t.is(drain(new Semaphore(100)), 100);
});

test.serial('release() adds 1, release(n) adds n, above the initial value for a plain Semaphore', (t) => {
  const s = new Semaphore(1);
  s.release();
  t.is(drain(s), 2);
  s.release(5);
  t.is(drain(s), 5);
  s.release(2);
  s.release();
  t.is(drain(s), 3);
});

test.serial('constructor and release() validation', (t) => {
  assertThrowsCode(t, () => new Semaphore(-1), RangeError, 'ERR_OUT_OF_RANGE', 'Semaphore(-1)');
  assertThrowsCode(t, () => new Semaphore(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'Semaphore(1.5)');
  assertThrowsCode(t, () => new Semaphore(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'Semaphore(NaN)');
  assertThrowsCode(t, () => new Semaphore('2'), TypeError, 'ERR_INVALID_ARG_TYPE', "Semaphore('2')");
  assertThrowsCode(t, () => new BoundedSemaphore(-1), RangeError, 'ERR_OUT_OF_RANGE', 'BoundedSemaphore(-1)');
  assertThrowsCode(t, () => new BoundedSemaphore(2.5), RangeError, 'ERR_OUT_OF_RANGE', 'BoundedSemaphore(2.5)');
  const s = new Semaphore(0);
  assertThrowsCode(t, () => s.release(0), RangeError, 'ERR_OUT_OF_RANGE', 'release(0)');
  assertThrowsCode(t, () => s.release(-1), RangeError, 'ERR_OUT_OF_RANGE', 'release(-1)');
  assertThrowsCode(t, () => s.release(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'release(1.5)');
  assertThrowsCode(t, () => s.release('1'), TypeError, 'ERR_INVALID_ARG_TYPE', "release('1')");
  t.is(drain(s), 0, 'the failed releases added nothing');
});

test.serial('acquire(true, t) on an empty semaphore returns false after about t ms', (t) => {
  const s = new Semaphore(0);
  const start = performance.now();
  t.false(s.acquire(true, 60));
  assertTook(t, since(start), 60);
  const s2 = performance.now();
  t.false(s.acquire(undefined, 30));
  assertTook(t, since(s2), 30);
});

test.serial('acquire(true, 0) and acquire(true, negative) do not block (the general timeout rule)', (t) => {
  const s = new Semaphore(0);
  const start = performance.now();
  t.false(s.acquire(true, 0));
  t.false(s.acquire(true, -1));
  t.false(s.acquire(true, -5));
  t.true(since(start) < 50, `took ${since(start)} ms`);
  s.release();
  t.true(s.acquire(true, -5), 'a negative timeout still takes an available unit');
});

test.serial('acquire(false, t) with a timeout is TypeError ERR_INVALID_ARG_VALUE; acquire(false, -1/undefined/null) is allowed', (t) => {
  const s = new Semaphore(1);
  assertThrowsCode(t, () => s.acquire(false, 5), TypeError, 'ERR_INVALID_ARG_VALUE', 'acquire(false, 5)');
  assertThrowsCode(t, () => s.acquire(false, 0), TypeError, 'ERR_INVALID_ARG_VALUE', 'acquire(false, 0)');
  t.is(drain(s), 1, 'the failed calls took nothing');
  s.release();
  t.true(s.acquire(false, undefined));
  s.release();
  t.true(s.acquire(false, null));
  s.release();
  // README, "Error codes" (ERR_INVALID_ARG_VALUE): a timeout given to a non-blocking acquire(false, t); -1, undefined and null are no timeout.
  t.notThrows(() => t.true(s.acquire(false, -1)), 'acquire(false, -1) is a plain non-blocking acquire');
});

test.serial('acquire timeout validation: NaN RangeError, non-number TypeError, bad blocking TypeError', async (t) => {
  const s = new Semaphore(1);
  assertThrowsCode(t, () => s.acquire(true, NaN), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => s.acquire(true, '1'), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => s.acquire('yes'), TypeError, 'ERR_INVALID_ARG_TYPE');
  await assertRejectsOrThrows(t, () => s.acquireAsync(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  await assertRejectsOrThrows(t, () => s.acquireAsync({}), TypeError, 'ERR_INVALID_ARG_TYPE');
  t.is(drain(s), 1, 'validation came before taking the free unit');
});

test.serial('acquireAsync(): at once when available, else waits for release(); acquireAsync(t) false after t', async (t) => {
  const s = new Semaphore(1);
  t.true(await within(s.acquireAsync(), 1000, 'acquireAsync when available'));
  t.is(drain(s), 0);
  const p = s.acquireAsync();
  await assertPending(t, p, 80);
  s.release();
  t.true(await within(p, 2000, 'acquireAsync after release'));
  t.is(drain(s), 0, 'the waiter took the released unit');
  let start = performance.now();
  t.false(await within(s.acquireAsync(60), 3000, 'acquireAsync(60)'));
  assertTook(t, since(start), 60);
  start = performance.now();
  t.false(await within(s.acquireAsync(0), 1000, 'acquireAsync(0)'));
  t.false(await within(s.acquireAsync(-10), 1000, 'acquireAsync(-10)'));
  t.true(since(start) < 50);
  await assertPending(t, s.acquireAsync(null).then((v) => (s.release(), v)), 100, 'acquireAsync(null)');
  s.release(); // lets the null waiter through, which gives it back
  await delay(30);
  t.is(drain(s), 1);
});

test.serial('release(n) wakes up to n async waiters, and only n', async (t) => {
  const s = new Semaphore(0);
  let got = 0;
  const ps = Array.from({ length: 5 }, () => s.acquireAsync().then((v) => (got++, v)));
  await delay(30);
  t.is(got, 0);
  s.release(2);
  await until(() => got >= 2, 3000, 'two waiters');
  await delay(50);
  t.is(got, 2);
  s.release(3);
  t.deepEqual(await within(Promise.all(ps), 3000, 'all five'), [true, true, true, true, true]);
  t.is(drain(s), 0);
});

test.serial('an aborted acquireAsync rejects with the reason and does not take a unit', async (t) => {
  const s = new Semaphore(0);
  const ac = new AbortController();
  const reason = new Error('enough');
  const p = s.acquireAsync(undefined, { signal: ac.signal });
  const other = s.acquireAsync();
  await delay(20);
  ac.abort(reason);
  t.is(await within(p.then(() => 'resolved', (e) => e), 2000, 'aborted'), reason);
  s.release();
  t.true(await within(other, 2000, 'the other waiter'));
  s.release();
  await delay(30);
  t.is(drain(s), 1, 'the aborted waiter took nothing');
  const ready = new Semaphore(1);
  const r2 = new Error('already');
  t.is(await within(ready.acquireAsync(undefined, { signal: AbortSignal.abort(r2) }).catch((e) => e), 1000), r2);
  t.is(drain(ready), 1, 'an already-aborted signal takes nothing either');
});

test.serial('a worker blocked in acquire() is woken by release() on the main thread', async (t) => {
  const s = new Semaphore(0);
  const flags = sharedInts(1);
  const w = startWorker(
    t,
    `
    const s = nt.Semaphore.from(workerData.s);
    post({ type: 'blocking' });
    const r = s.acquire();
    Atomics.store(flags, 0, 1);
    post({ type: 'acquired', r });
    `,
    { s, flags: flags.buffer },
  );
  await w.next('blocking');
  await delay(120);
  t.is(Atomics.load(flags, 0), 0, 'still blocked on an empty semaphore');
  s.release();
  t.true((await w.next('acquired', 5000)).r);
  t.is(drain(s), 0, 'the worker took the unit');
});

test.serial('a pending acquireAsync() on the main thread is woken by release() in a worker', async (t) => {
  const s = new Semaphore(0);
  const p = s.acquireAsync();
  const w = startWorker(
    t,
    `
    const s = nt.Semaphore.from(workerData.s);
    await nextMessage();
    s.release();
    post({ type: 'released' });
    `,
    { s },
  );
  await assertPending(t, p, 100);
  w.post('go');
  await w.next('released');
  t.true(await within(p, 5000, 'acquireAsync woken by the worker'));
  t.is(drain(s), 0);
});

test.serial('BoundedSemaphore: release above the initial value throws ERR_SEMAPHORE_OVER_RELEASED and changes nothing', (t) => {
  const b = new BoundedSemaphore(2);
  t.true(b instanceof Semaphore, 'BoundedSemaphore extends Semaphore');
  assertThrowsCode(t, () => b.release(), Error, 'ERR_SEMAPHORE_OVER_RELEASED', 'release at the bound');
  t.true(b.acquire(false));
  assertThrowsCode(t, () => b.release(2), Error, 'ERR_SEMAPHORE_OVER_RELEASED', 'release(2) with one unit out');
  t.is(drain(b), 1, 'the failed release(2) added nothing');
  b.release(2);
  t.is(drain(b), 2);
  b.release();
  b.release();
  assertThrowsCode(t, () => b.release(), Error, 'ERR_SEMAPHORE_OVER_RELEASED');
  const d = new BoundedSemaphore();
  assertThrowsCode(t, () => d.release(), Error, 'ERR_SEMAPHORE_OVER_RELEASED', 'default bound 1');
});

test.serial('BoundedSemaphore over-release from a worker is detected too, and from() keeps it bounded', async (t) => {
  const b = new BoundedSemaphore(1);
  b.acquire();
  const w = startWorker(
    t,
    `
    const b = nt.BoundedSemaphore.from(workerData.b);
    const isBounded = b instanceof nt.BoundedSemaphore;
    b.release();
    let code;
    try { b.release(); } catch (e) { code = e.code; }
    post({ type: 'done', isBounded, code });
    `,
    { b },
  );
  const m = await w.next('done');
  t.true(m.isBounded);
  t.is(m.code, 'ERR_SEMAPHORE_OVER_RELEASED');
  t.is(drain(b), 1);
});

test.serial('hold() and withLock() take one unit and give it back (also when fn throws)', (t) => {
  const s = new Semaphore(2);
  const d = s.hold();
  t.true(s.acquire(false));
  t.false(s.acquire(false), 'hold() took one of the two units');
  s.release();
  d[Symbol.dispose]();
  t.is(drain(s), 2);
  s.release(2);
  t.is(
    s.withLock(() => drain(s)),
    1,
  );
  // drain() took the second unit inside; withLock gave back its own.
  t.is(drain(s), 1);
  s.release(2);
  const b = new BoundedSemaphore(1);
  const boom = new Error('boom');
  t.is(
    t.throws(() =>
      b.withLock(() => {
        throw boom;
      }),
    ),
    boom,
  );
  t.is(drain(b), 1, 'given back after the throw');
});

test.serial('Semaphore.from() over postMessage, nested in an object, shares the count', async (t) => {
  const s = new Semaphore(0);
  const w = startWorker(
    t,
    `
    const msg = await nextMessage();
    const s = nt.Semaphore.from(msg.a.b);
    s.release(3);
    post({ type: 'done', isSemaphore: s instanceof nt.Semaphore });
    `,
  );
  w.post({ a: { b: s } });
  t.true((await w.next('done')).isSemaphore);
  t.is(drain(s), 3);
});
