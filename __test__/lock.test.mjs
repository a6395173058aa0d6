// threading.Lock (README, "Python -> TypeScript": its rules and the threading table).
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

const { Lock } = nt;

test.serial('a new Lock is unlocked; acquire() takes it, release() frees it', (t) => {
  const lock = new Lock();
  t.false(lock.locked());
  t.true(lock.acquire());
  t.true(lock.locked());
  lock.release();
  t.false(lock.locked());
  t.true(lock.acquire(true));
  t.true(lock.locked());
  lock.release();
});

test.serial('acquire(false) does not block: true on a free lock, false on a held one', (t) => {
  const lock = new Lock();
  t.true(lock.acquire(false));
  const start = performance.now();
  t.false(lock.acquire(false));
  t.false(lock.acquire(false, -1));
  t.false(lock.acquire(false, undefined));
  t.false(lock.acquire(false, null));
  t.true(since(start) < 50);
  t.true(lock.locked());
  lock.release();
  t.false(lock.locked());
});

test.serial('a Lock is not reentrant: the owner itself cannot take it twice', (t) => {
  const lock = new Lock();
  lock.acquire();
  t.false(lock.acquire(false));
  t.false(lock.acquire(true, 10));
  lock.release();
});

test.serial('release() of an unlocked Lock throws an Error with code ERR_LOCK_NOT_HELD', (t) => {
  const lock = new Lock();
  const e = assertThrowsCode(t, () => lock.release(), Error, 'ERR_LOCK_NOT_HELD');
  t.true(e instanceof Error);
  lock.acquire();
  lock.release();
  assertThrowsCode(t, () => lock.release(), Error, 'ERR_LOCK_NOT_HELD', 'second release');
  t.false(lock.locked());
});

test.serial('acquire(true, t) on a held lock returns false after about t ms', (t) => {
  const lock = new Lock();
  lock.acquire();
  for (const timeout of [30, 100]) {
    const start = performance.now();
    t.false(lock.acquire(true, timeout));
    assertTook(t, since(start), timeout);
  }
  // Without `blocking`: acquire(undefined, t) is acquire(true, t).
  const start = performance.now();
  t.false(lock.acquire(undefined, 30));
  assertTook(t, since(start), 30);
  t.true(lock.locked());
  lock.release();
});

test.serial('acquire(true, 0) on a held lock does not block; on a free lock it takes it', (t) => {
  const lock = new Lock();
  t.true(lock.acquire(true, 0));
  const start = performance.now();
  t.false(lock.acquire(true, 0));
  t.true(since(start) < 20, `took ${since(start)} ms`);
  lock.release();
});

test.serial('acquireAsync() resolves true at once on a free lock and takes it', async (t) => {
  const lock = new Lock();
  const p = lock.acquireAsync();
  t.true(p instanceof Promise);
  t.true(await within(p, 1000, 'acquireAsync on a free lock'));
  t.true(lock.locked());
  lock.release();
});

test.serial('acquireAsync() on a held lock waits for release() and then holds the lock', async (t) => {
  const lock = new Lock();
  lock.acquire();
  const p = lock.acquireAsync();
  await assertPending(t, p, 100);
  lock.release();
  t.true(await within(p, 2000, 'acquireAsync after release'));
  t.true(lock.locked(), 'the async waiter now holds the lock');
  lock.release();
  t.false(lock.locked());
});

test.serial('acquireAsync(-1), acquireAsync(null), acquireAsync(Infinity) wait forever', async (t) => {
  const lock = new Lock();
  lock.acquire();
  let got = 0;
  const ps = [-1, null, Infinity, undefined].map((timeout) => lock.acquireAsync(timeout).then((r) => (got++, r)));
  await assertPending(t, Promise.race(ps), 150, 'every forever wait');
  for (let i = 1; i <= ps.length; i++) {
    lock.release();
    await until(() => got >= i, 2000, `waiter ${i} after release`);
    t.true(lock.locked());
  }
  t.deepEqual(await within(Promise.all(ps), 2000, 'all waiters'), [true, true, true, true]);
  lock.release();
  t.false(lock.locked());
});

test.serial('acquireAsync(t) on a held lock resolves false after about t ms; acquireAsync(0) at once', async (t) => {
  const lock = new Lock();
  lock.acquire();
  let start = performance.now();
  t.false(await within(lock.acquireAsync(60), 3000, 'acquireAsync(60)'));
  assertTook(t, since(start), 60);
  start = performance.now();
  t.false(await within(lock.acquireAsync(0), 1000, 'acquireAsync(0)'));
  t.true(since(start) < 50);
  t.true(lock.locked());
  lock.release();
  t.false(lock.locked(), 'timed-out waiters did not take the lock later');
  await delay(20);
  t.false(lock.locked());
});

test.serial('one release() lets exactly one async waiter in', async (t) => {
  const lock = new Lock();
  lock.acquire();
  let got = 0;
  const ps = Array.from({ length: 5 }, () => lock.acquireAsync().then((r) => (got++, r)));
  await delay(30);
  t.is(got, 0);
  for (let i = 1; i <= 5; i++) {
    lock.release();
    await within(
      (async () => {
        while (got < i) await delay(1);
      })(),
      2000,
      `waiter ${i}`,
    );
    await delay(20);
    t.is(got, i, 'one release, one waiter');
  }
  await Promise.all(ps);
  lock.release();
});

test.serial('an aborted acquireAsync rejects with the reason and leaves the lock as if never called', async (t) => {
  const lock = new Lock();
  lock.acquire();
  const ac = new AbortController();
  const reason = new Error('stop waiting');
  const p = lock.acquireAsync(undefined, { signal: ac.signal });
  const other = lock.acquireAsync();
  await assertPending(t, p, 50);
  ac.abort(reason);
  const err = await within(p.then(() => 'resolved', (e) => e), 2000, 'the aborted wait');
  t.is(err, reason, 'rejects with the signal reason itself');
  t.true(lock.locked(), 'still held by its holder');
  lock.release();
  t.true(await within(other, 2000, 'the other waiter'), 'the other waiter gets the lock');
  lock.release();
  t.false(lock.locked(), 'the aborted waiter never took it');
  await delay(30);
  t.false(lock.locked());
});

test.serial('an aborted acquireAsync without a reason rejects with an AbortError', async (t) => {
  const lock = new Lock();
  lock.acquire();
  const ac = new AbortController();
  const p = lock.acquireAsync(1000, { signal: ac.signal });
  ac.abort();
  const err = await within(p.then(() => 'resolved', (e) => e), 2000, 'the aborted wait');
  t.is(err, ac.signal.reason);
  t.is(err?.name, 'AbortError');
  lock.release();
  t.false(lock.locked());
});

test.serial('acquireAsync with an already-aborted signal rejects and does not take a free lock', async (t) => {
  const lock = new Lock();
  const reason = new Error('already');
  const p = lock.acquireAsync(undefined, { signal: AbortSignal.abort(reason) });
  const err = await within(p.then(() => 'resolved', (e) => e), 1000, 'already aborted');
  t.is(err, reason);
  t.false(lock.locked(), 'the lock stays free');
});

test.serial('hold() acquires and returns a Disposable that releases', (t) => {
  const lock = new Lock();
  const d = lock.hold();
  t.true(lock.locked());
  t.is(typeof d[Symbol.dispose], 'function');
  d[Symbol.dispose]();
  t.false(lock.locked());
});

test.serial('withLock(fn) runs fn holding the lock and returns its result; releases when fn throws', (t) => {
  const lock = new Lock();
  let inside;
  t.is(
    lock.withLock(() => {
      inside = lock.locked();
      return 42;
    }),
    42,
  );
  t.true(inside);
  t.false(lock.locked());
  const boom = new Error('boom');
  const e = t.throws(() =>
    lock.withLock(() => {
      throw boom;
    }),
  );
  t.is(e, boom);
  t.false(lock.locked(), 'released although fn threw');
});

test.serial('a worker blocked in acquire() is woken by release() on the main thread', async (t) => {
  const lock = new Lock();
  const flags = sharedInts(1);
  lock.acquire();
  const w = startWorker(
    t,
    `
    const lock = nt.Lock.from(workerData.lock);
    post({ type: 'blocking' });
    const r = lock.acquire();
    Atomics.store(flags, 0, 1);
    post({ type: 'acquired', r, locked: lock.locked() });
    lock.release();
    post({ type: 'released' });
    `,
    { lock, flags: flags.buffer },
  );
  await w.next('blocking');
  await delay(150);
  t.is(Atomics.load(flags, 0), 0, 'the worker is still blocked while the main thread holds the lock');
  lock.release();
  const m = await w.next('acquired', 5000);
  t.true(m.r);
  t.true(m.locked);
  await w.next('released');
  t.false(lock.locked());
});

test.serial('a worker blocked in acquire(true, t) times out with false after about t ms', async (t) => {
  const lock = new Lock();
  lock.acquire();
  const w = startWorker(
    t,
    `
    const lock = nt.Lock.from(workerData.lock);
    const start = performance.now();
    const r = lock.acquire(true, 80);
    post({ type: 'done', r, ms: performance.now() - start });
    `,
    { lock },
  );
  const m = await w.next('done');
  t.false(m.r);
  assertTook(t, m.ms, 80);
  lock.release();
});

test.serial('a pending acquireAsync() on the main thread is woken by release() in a worker', async (t) => {
  const lock = new Lock();
  lock.acquire();
  const p = lock.acquireAsync();
  const w = startWorker(
    t,
    `
    const lock = nt.Lock.from(workerData.lock);
    await nextMessage();
    lock.release(); // any thread may release a Lock
    post({ type: 'released' });
    `,
    { lock },
  );
  await assertPending(t, p, 100);
  w.post('go');
  await w.next('released');
  t.true(await within(p, 5000, 'acquireAsync woken by the worker'));
  t.true(lock.locked());
  lock.release();
});

test.serial('any thread may release: a worker releases a Lock the main thread acquired', async (t) => {
  const lock = new Lock();
  lock.acquire();
  const w = startWorker(
    t,
    `
    const lock = nt.Lock.from(workerData.lock);
    const was = lock.locked();
    lock.release();
    let code;
    try { lock.release(); } catch (e) { code = e.code; }
    post({ type: 'done', was, code });
    `,
    { lock },
  );
  const m = await w.next('done');
  t.true(m.was);
  t.is(m.code, 'ERR_LOCK_NOT_HELD', 'a worker releasing an unlocked Lock gets ERR_LOCK_NOT_HELD');
  t.false(lock.locked());
});

test.serial('acquire validation errors (details in conventions.test.mjs)', async (t) => {
  const lock = new Lock();
  assertThrowsCode(t, () => lock.acquire(true, -2), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => lock.acquire(false, 5), TypeError, 'ERR_INVALID_ARG_VALUE');
  await assertRejectsOrThrows(t, () => lock.acquireAsync(-5), RangeError, 'ERR_OUT_OF_RANGE', 'acquireAsync(-5)');
  t.false(lock.locked());
});
