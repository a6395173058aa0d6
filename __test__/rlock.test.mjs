// threading.RLock: reentrant, owned by a (process, thread).
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
  within,
} from './helpers/util.mjs';

const { RLock } = nt;

test.serial('an RLock is reentrant: the owner acquires it again; it is free after as many releases', (t) => {
  const r = new RLock();
  t.false(r.locked());
  t.true(r.acquire());
  t.true(r.acquire());
  t.true(r.acquire(false));
  t.true(r.acquire(true, 0));
  t.true(r.locked());
  r.release();
  r.release();
  r.release();
  t.true(r.locked(), 'one level still held');
  r.release();
  t.false(r.locked());
});

test.serial('release() of an RLock that is not held throws ERR_LOCK_NOT_OWNED', (t) => {
  const r = new RLock();
  assertThrowsCode(t, () => r.release(), Error, 'ERR_LOCK_NOT_OWNED');
  r.acquire();
  r.release();
  assertThrowsCode(t, () => r.release(), Error, 'ERR_LOCK_NOT_OWNED', 'one release too many');
  t.false(r.locked());
});

test.serial('locked() is true while any thread holds it (Python 3.14), and others cannot take it', async (t) => {
  const r = new RLock();
  const w = startWorker(
    t,
    `
    const r = nt.RLock.from(workerData.r);
    r.acquire();
    r.acquire();
    post({ type: 'held' });
    await nextMessage();
    r.release();
    post({ type: 'half', locked: r.locked() });
    await nextMessage();
    r.release();
    post({ type: 'free', locked: r.locked() });
    `,
    { r },
  );
  await w.next('held');
  t.true(r.locked(), 'held by the worker');
  t.false(r.acquire(false), 'the main thread is not the owner');
  let start = performance.now();
  t.false(r.acquire(true, 50));
  assertTook(t, since(start), 50);
  start = performance.now();
  t.false(await within(r.acquireAsync(50), 3000, 'acquireAsync(50)'));
  assertTook(t, since(start), 50);
  w.post('release once');
  t.true((await w.next('half')).locked);
  t.true(r.locked());
  t.false(r.acquire(false));
  w.post('release again');
  t.false((await w.next('free')).locked);
  t.false(r.locked());
  t.true(r.acquire(false));
  r.release();
});

test.serial("a worker cannot release the main thread's RLock (ERR_LOCK_NOT_OWNED)", async (t) => {
  const r = new RLock();
  r.acquire();
  const w = startWorker(
    t,
    `
    const r = nt.RLock.from(workerData.r);
    let code, name;
    try { r.release(); } catch (e) { code = e.code; name = e.constructor.name; }
    post({ type: 'done', code, name, locked: r.locked() });
    `,
    { r },
  );
  const m = await w.next('done');
  t.is(m.code, 'ERR_LOCK_NOT_OWNED');
  t.is(m.name, 'Error');
  t.true(m.locked);
  t.true(r.locked(), 'still held by the main thread');
  r.release();
  t.false(r.locked());
});

test.serial("the main thread cannot release a worker's RLock (ERR_LOCK_NOT_OWNED)", async (t) => {
  const r = new RLock();
  const w = startWorker(
    t,
    `
    const r = nt.RLock.from(workerData.r);
    r.acquire();
    post({ type: 'held' });
    await nextMessage();
    r.release();
    post({ type: 'released', locked: r.locked() });
    `,
    { r },
  );
  await w.next('held');
  assertThrowsCode(t, () => r.release(), Error, 'ERR_LOCK_NOT_OWNED');
  t.true(r.locked());
  w.post('go');
  t.false((await w.next('released')).locked);
});

test.serial('a worker blocked in acquire() is woken by release() on the main thread', async (t) => {
  const r = new RLock();
  const flags = sharedInts(1);
  r.acquire();
  r.acquire();
  const w = startWorker(
    t,
    `
    const r = nt.RLock.from(workerData.r);
    post({ type: 'blocking' });
    const got = r.acquire();
    Atomics.store(flags, 0, 1);
    post({ type: 'acquired', got });
    await nextMessage();
    r.release();
    post({ type: 'released' });
    `,
    { r, flags: flags.buffer },
  );
  await w.next('blocking');
  await delay(100);
  t.is(Atomics.load(flags, 0), 0, 'blocked while the main thread holds it');
  r.release();
  await delay(100);
  t.is(Atomics.load(flags, 0), 0, 'still blocked: one recursion level is left');
  r.release();
  t.true((await w.next('acquired', 5000)).got);
  t.true(r.locked());
  assertThrowsCode(t, () => r.release(), Error, 'ERR_LOCK_NOT_OWNED', 'now owned by the worker');
  t.false(r.acquire(false));
  w.post('go');
  await w.next('released');
  t.false(r.locked());
});

test.serial('a pending acquireAsync() on the main thread is woken by release() in a worker', async (t) => {
  const r = new RLock();
  const w = startWorker(
    t,
    `
    const r = nt.RLock.from(workerData.r);
    r.acquire();
    post({ type: 'held' });
    await nextMessage();
    r.release();
    post({ type: 'released' });
    `,
    { r },
  );
  await w.next('held');
  const p = r.acquireAsync();
  await assertPending(t, p, 100);
  w.post('go');
  await w.next('released');
  t.true(await within(p, 5000, 'acquireAsync woken by the worker'));
  t.true(r.locked());
  // The main thread is now the owner: it can release it (and re-enter it).
  t.true(r.acquire(false));
  r.release();
  r.release();
  t.false(r.locked());
});

test.serial('acquireAsync() by the owner re-enters at once', async (t) => {
  const r = new RLock();
  r.acquire();
  t.true(await within(r.acquireAsync(), 1000, 'reentrant acquireAsync'));
  r.release();
  t.true(r.locked());
  r.release();
  t.false(r.locked());
});

test.serial('acquireAsync(0) on an RLock held elsewhere resolves false at once', async (t) => {
  const r = new RLock();
  const w = startWorker(
    t,
    `
    const r = nt.RLock.from(workerData.r);
    r.acquire();
    post({ type: 'held' });
    await nextMessage();
    r.release();
    post({ type: 'released' });
    `,
    { r },
  );
  await w.next('held');
  const start = performance.now();
  t.false(await within(r.acquireAsync(0), 1000, 'acquireAsync(0)'));
  t.true(since(start) < 50);
  w.post('go');
  await w.next('released');
  t.false(r.locked());
});

test.serial('an aborted acquireAsync rejects with the reason and leaves the RLock as if never called', async (t) => {
  const r = new RLock();
  const w = startWorker(
    t,
    `
    const r = nt.RLock.from(workerData.r);
    r.acquire();
    post({ type: 'held' });
    await nextMessage();
    r.release();
    post({ type: 'released', locked: r.locked() });
    `,
    { r },
  );
  await w.next('held');
  const ac = new AbortController();
  const reason = new Error('give up');
  const p = r.acquireAsync(undefined, { signal: ac.signal });
  await assertPending(t, p, 50);
  ac.abort(reason);
  t.is(await within(p.then(() => 'resolved', (e) => e), 2000, 'the aborted wait'), reason);
  w.post('go');
  const m = await w.next('released');
  t.false(m.locked, 'the aborted waiter did not take the lock');
  await delay(30);
  t.false(r.locked());
  assertThrowsCode(t, () => r.release(), Error, 'ERR_LOCK_NOT_OWNED', 'the main thread does not own it');
});

test.serial('hold() and withLock() (nested, reentrant) release on dispose and on throw', (t) => {
  const r = new RLock();
  const d = r.hold();
  t.true(r.locked());
  const v = r.withLock(() => r.withLock(() => 'inner'));
  t.is(v, 'inner');
  t.true(r.locked(), 'the hold() level is still held');
  d[Symbol.dispose]();
  t.false(r.locked());
  const boom = new Error('boom');
  t.is(
    t.throws(() =>
      r.withLock(() => {
        throw boom;
      }),
    ),
    boom,
  );
  t.false(r.locked());
  assertThrowsCode(t, () => r.release(), Error, 'ERR_LOCK_NOT_OWNED');
});

test.serial('RLock acquire validation: -1 forever, other negatives RangeError, bad types TypeError', async (t) => {
  const r = new RLock();
  assertThrowsCode(t, () => r.acquire(true, -2), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => r.acquire(true, -0.5), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => r.acquire(true, NaN), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => r.acquire(true, '5'), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => r.acquire(false, 5), TypeError, 'ERR_INVALID_ARG_VALUE');
  await assertRejectsOrThrows(t, () => r.acquireAsync(-3), RangeError, 'ERR_OUT_OF_RANGE');
  await assertRejectsOrThrows(t, () => r.acquireAsync(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  await assertRejectsOrThrows(t, () => r.acquireAsync('1'), TypeError, 'ERR_INVALID_ARG_TYPE');
  t.false(r.locked(), 'nothing was acquired by the failed calls');
  t.true(r.acquire(true, -1));
  r.release();
  t.false(r.locked());
});
