// threading.Condition over a Lock or an RLock (default: a new RLock).
import test from 'ava';
import {
  assertPending,
  assertRejectsOrThrows,
  assertThrowsCode,
  assertTook,
  delay,
  nt,
  PENDING,
  settledWithin,
  sharedInts,
  since,
  startWorker,
  until,
  within,
} from './helpers/util.mjs';

const { Condition, Lock, RLock } = nt;

/** Resolves when the promise settles; its outcome as { value } / { error }. */
const outcome = (p) => p.then((value) => ({ value }), (error) => ({ error }));

test.serial('the default lock is a new RLock: reentrant, owner-checked', (t) => {
  const c = new Condition();
  t.true(c.acquire());
  t.true(c.acquire(false), 'reentrant');
  c.release();
  c.release();
  assertThrowsCode(t, () => c.release(), Error, 'ERR_LOCK_NOT_OWNED');
  const c2 = new Condition(null);
  t.true(c2.acquire());
  t.true(c2.acquire(false), 'null also means a new RLock');
  c2.release();
  c2.release();
});

test.serial('acquire()/release() act on the given Lock or RLock', (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  t.true(c.acquire());
  t.true(lock.locked());
  t.false(c.acquire(false), 'a Lock is not reentrant');
  c.release();
  t.false(lock.locked());
  assertThrowsCode(t, () => c.release(), Error, 'ERR_LOCK_NOT_HELD');
  t.true(lock.acquire());
  t.false(c.acquire(false), 'the condition sees the lock held');
  lock.release();

  const r = new RLock();
  const cr = new Condition(r);
  cr.acquire();
  t.true(r.locked());
  t.true(r.acquire(false), 'same RLock, same owner');
  r.release();
  cr.release();
  t.false(r.locked());
});

test.serial('Condition(x) with x not a Lock/RLock throws TypeError ERR_INVALID_ARG_TYPE', (t) => {
  for (const bad of [{}, 1, 'lock', new nt.Semaphore(), new nt.Event()]) {
    assertThrowsCode(t, () => new Condition(bad), TypeError, 'ERR_INVALID_ARG_TYPE', String(bad));
  }
});

test.serial("Condition.acquire follows its lock's timeout rule", async (t) => {
  const c = new Condition(new Lock());
  assertThrowsCode(t, () => c.acquire(true, -2), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => c.acquire(false, 3), TypeError, 'ERR_INVALID_ARG_VALUE');
  await assertRejectsOrThrows(t, () => c.acquireAsync(-2), RangeError, 'ERR_OUT_OF_RANGE');
  t.true(c.acquire(true, -1));
  const start = performance.now();
  t.false(c.acquire(true, 40));
  assertTook(t, since(start), 40);
  t.false(await within(c.acquireAsync(0), 1000, 'acquireAsync(0)'));
  c.release();
  t.true(await within(c.acquireAsync(-1), 1000, 'acquireAsync(-1) on a free lock'));
  c.release();
  const cr = new Condition(new RLock());
  assertThrowsCode(t, () => cr.acquire(true, -2), RangeError, 'ERR_OUT_OF_RANGE');
});

test.serial('wait/notify/notifyAll/waitAsync with a Lock that is not held: ERR_LOCK_NOT_HELD', async (t) => {
  const c = new Condition(new Lock());
  assertThrowsCode(t, () => c.wait(), Error, 'ERR_LOCK_NOT_HELD', 'wait()');
  assertThrowsCode(t, () => c.wait(10), Error, 'ERR_LOCK_NOT_HELD', 'wait(10)');
  assertThrowsCode(t, () => c.notify(), Error, 'ERR_LOCK_NOT_HELD', 'notify()');
  assertThrowsCode(t, () => c.notifyAll(), Error, 'ERR_LOCK_NOT_HELD', 'notifyAll()');
  assertThrowsCode(t, () => c.waitFor(() => false, 10), Error, 'ERR_LOCK_NOT_HELD', 'waitFor');
  await assertRejectsOrThrows(t, () => c.waitAsync(), Error, 'ERR_LOCK_NOT_HELD', 'waitAsync()');
  await assertRejectsOrThrows(t, () => c.waitForAsync(() => false, 10), Error, 'ERR_LOCK_NOT_HELD', 'waitForAsync');
  t.false(c.lock.locked());
});

test.serial('wait/notify/waitAsync with an RLock that is not held: ERR_LOCK_NOT_OWNED', async (t) => {
  const c = new Condition();
  assertThrowsCode(t, () => c.wait(), Error, 'ERR_LOCK_NOT_OWNED', 'wait()');
  assertThrowsCode(t, () => c.notify(), Error, 'ERR_LOCK_NOT_OWNED', 'notify()');
  assertThrowsCode(t, () => c.notifyAll(), Error, 'ERR_LOCK_NOT_OWNED', 'notifyAll()');
  await assertRejectsOrThrows(t, () => c.waitAsync(10), Error, 'ERR_LOCK_NOT_OWNED', 'waitAsync()');
});

test.serial('a Condition on an RLock owned by another thread: wait/notify throw ERR_LOCK_NOT_OWNED', async (t) => {
  const c = new Condition(new RLock());
  const w = startWorker(
    t,
    `
    const c = nt.Condition.from(workerData.c);
    c.acquire();
    post({ type: 'held' });
    await nextMessage();
    c.release();
    post({ type: 'released' });
    `,
    { c },
  );
  await w.next('held');
  assertThrowsCode(t, () => c.wait(0), Error, 'ERR_LOCK_NOT_OWNED', 'wait(0)');
  assertThrowsCode(t, () => c.wait(), Error, 'ERR_LOCK_NOT_OWNED', 'wait()');
  assertThrowsCode(t, () => c.notify(), Error, 'ERR_LOCK_NOT_OWNED', 'notify()');
  assertThrowsCode(t, () => c.notifyAll(), Error, 'ERR_LOCK_NOT_OWNED', 'notifyAll()');
  await assertRejectsOrThrows(t, () => c.waitAsync(), Error, 'ERR_LOCK_NOT_OWNED', 'waitAsync()');
  assertThrowsCode(t, () => c.release(), Error, 'ERR_LOCK_NOT_OWNED', 'release()');
  w.post('go');
  await w.next('released');
  t.false(c.lock.locked());
});

test.serial('wait(t) returns false after about t ms and holds the lock again (RLock depth restored)', (t) => {
  const r = new RLock();
  const c = new Condition(r);
  c.acquire();
  c.acquire();
  const start = performance.now();
  t.false(c.wait(60));
  assertTook(t, since(start), 60);
  t.true(r.locked());
  c.release();
  t.true(r.locked(), 'the recursion depth 2 was restored');
  c.release();
  t.false(r.locked());
  assertThrowsCode(t, () => c.release(), Error, 'ERR_LOCK_NOT_OWNED');

  const lock = new Lock();
  const cl = new Condition(lock);
  cl.acquire();
  const s2 = performance.now();
  t.false(cl.wait(40));
  assertTook(t, since(s2), 40);
  t.true(lock.locked());
  cl.release();
});

test.serial('wait(0) and wait(negative) return false without blocking, lock still held', (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  c.acquire();
  const start = performance.now();
  t.false(c.wait(0));
  t.false(c.wait(-1));
  t.false(c.wait(-1000));
  t.true(since(start) < 50, `took ${since(start)} ms`);
  t.true(lock.locked());
  c.release();
});

test.serial('waitAsync(t) resolves false after about t ms with the lock held again; waitAsync(0) at once', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  c.acquire();
  let start = performance.now();
  const p = c.waitAsync(60);
  t.false(lock.locked(), 'waitAsync released the lock while waiting');
  t.false(await within(p, 3000, 'waitAsync(60)'));
  assertTook(t, since(start), 60);
  t.true(lock.locked(), 're-acquired');
  start = performance.now();
  t.false(await within(c.waitAsync(0), 1000, 'waitAsync(0)'));
  t.false(await within(c.waitAsync(-5), 1000, 'waitAsync(-5)'));
  t.true(since(start) < 100);
  t.true(lock.locked());
  c.release();
});

test.serial('a notify() before anyone waits is not remembered', async (t) => {
  const c = new Condition(new Lock());
  c.acquire();
  c.notify();
  c.notifyAll();
  const start = performance.now();
  t.false(await within(c.waitAsync(60), 3000, 'waitAsync after a stale notify'));
  assertTook(t, since(start), 60);
  c.release();
});

test.serial('a worker blocked in wait() is woken by notify() on the main thread, and returns holding the lock', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  const flags = sharedInts(1);
  const w = startWorker(
    t,
    `
    const c = nt.Condition.from(workerData.c);
    c.acquire();
    post({ type: 'waiting' });
    const r = c.wait();
    Atomics.store(flags, 0, 1);
    const held = c.lock.locked();
    c.release();
    post({ type: 'woken', r, held });
    `,
    { c, flags: flags.buffer },
  );
  await w.next('waiting');
  // The worker released the lock inside wait(): the main thread can take it.
  t.true(c.acquire(true, 5000), 'wait() released the lock');
  await delay(50);
  t.is(Atomics.load(flags, 0), 0, 'not woken without a notify');
  c.notify();
  await delay(80);
  t.is(Atomics.load(flags, 0), 0, 'notified, but wait() returns only once it has the lock back');
  c.release();
  const m = await w.next('woken', 5000);
  t.true(m.r);
  t.true(m.held);
  await until(() => !lock.locked(), 2000, 'lock released by the worker');
});

test.serial('a pending waitAsync() on the main thread is woken by notify() in a worker (default RLock)', async (t) => {
  const c = new Condition();
  c.acquire();
  const p = c.waitAsync();
  const w = startWorker(
    t,
    `
    const c = nt.Condition.from(workerData.c);
    await nextMessage();
    const got = c.acquire(true, 5000);
    c.notify();
    c.release();
    post({ type: 'notified', got });
    `,
    { c },
  );
  await assertPending(t, p, 100);
  w.post('go');
  t.true((await w.next('notified')).got, 'waitAsync released the RLock for the worker');
  t.true(await within(p, 5000, 'waitAsync woken by the worker'));
  t.true(c.lock.locked());
  c.release(); // owned by the main thread again
  t.false(c.lock.locked());
});

test.serial('notify() wakes one waiter, notify(n) n, notifyAll() all; notify(0) none', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  let woken = 0;
  const ps = [];
  for (let i = 0; i < 5; i++) {
    c.acquire();
    ps.push(c.waitAsync().then((r) => (woken++, r)));
  }
  t.false(lock.locked());

  const wake = async (notifyFn, expected) => {
    c.acquire();
    notifyFn();
    c.release();
    for (let i = woken + 1; i <= expected; i++) {
      await until(() => woken >= i, 3000, `waiter ${i}`);
      t.true(lock.locked(), 'a woken waiter holds the lock');
      c.release();
    }
    await delay(60);
    t.is(woken, expected);
    t.false(lock.locked());
  };
  await wake(() => c.notify(0), 0);
  await wake(() => c.notify(), 1);
  await wake(() => c.notify(2), 3);
  await wake(() => c.notifyAll(), 5);
  t.deepEqual(await within(Promise.all(ps), 1000, 'all waiters'), [true, true, true, true, true]);
});

test.serial('notifyAll() wakes a blocked worker and an async waiter on the main thread together', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  const w = startWorker(
    t,
    `
    const c = nt.Condition.from(workerData.c);
    c.acquire();
    post({ type: 'waiting' });
    const r = c.wait(10000);
    c.release();
    post({ type: 'woken', r });
    `,
    { c },
  );
  await w.next('waiting');
  t.true(c.acquire(true, 5000));
  const p = c.waitAsync(10000);
  t.true(c.acquire(true, 5000));
  c.notifyAll();
  c.release();
  // Both were woken; they take the lock back one after the other, in either order.
  t.true(await within(p, 5000, 'the async waiter'));
  c.release();
  t.true((await w.next('woken', 5000)).r);
});

test.serial('an aborted waitAsync re-acquires the lock before rejecting with the reason', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  c.acquire();
  const ac = new AbortController();
  const reason = new Error('abort');
  const p = outcome(c.waitAsync(undefined, { signal: ac.signal }));
  t.false(lock.locked());
  t.true(lock.acquire(false), 'someone else holds the lock when the abort comes');
  ac.abort(reason);
  t.is(await settledWithin(p, 100), PENDING, 'the abort waits for the lock');
  lock.release();
  const r = await within(p, 3000, 'the aborted waitAsync');
  t.is(r.error, reason);
  t.true(lock.locked(), 'the lock is held again when the rejection arrives');
  c.release();
  t.false(lock.locked());
});

test.serial('an aborted waitAsync on an RLock condition gives the RLock back to its thread at its depth', async (t) => {
  const c = new Condition(new RLock());
  c.acquire();
  c.acquire();
  const ac = new AbortController();
  const p = outcome(c.waitAsync(undefined, { signal: ac.signal }));
  const reason = new Error('why');
  ac.abort(reason);
  const r = await within(p, 3000, 'the aborted waitAsync');
  t.is(r.error, reason);
  c.release();
  t.true(c.lock.locked());
  c.release();
  t.false(c.lock.locked());
});

test.serial('an aborted waitAsync does not consume a notify(1): the next waiter gets it', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  const ac = new AbortController();
  c.acquire();
  const first = outcome(c.waitAsync(undefined, { signal: ac.signal }));
  c.acquire();
  let secondDone = false;
  const second = c.waitAsync().then((v) => ((secondDone = true), v));
  c.acquire();
  let thirdDone = false;
  const third = c.waitAsync().then((v) => ((thirdDone = true), v));

  ac.abort(new Error('first gives up'));
  const r1 = await within(first, 3000, 'the aborted first waiter');
  t.is(r1.error?.message, 'first gives up');
  t.true(lock.locked());
  c.release();

  c.acquire();
  c.notify(1);
  c.release();
  t.true(await within(second, 3000, 'the second waiter gets the notify'));
  t.true(lock.locked());
  c.release();
  await delay(60);
  t.false(thirdDone, 'notify(1) woke only one waiter');
  t.false(lock.locked());
  c.acquire();
  c.notify();
  c.release();
  t.true(await within(third, 3000, 'the third waiter'));
  c.release();
  t.true(secondDone);
});

test.serial('a waiter aborted while the notifier holds the lock does not take the notify(1) meant for others', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  const ac = new AbortController();
  c.acquire();
  const first = outcome(c.waitAsync(undefined, { signal: ac.signal }));
  c.acquire();
  const second = outcome(c.waitAsync(5000));
  c.acquire();
  ac.abort(new Error('first gives up'));
  c.notify(1); // the first waiter already gave up: this one is the second's
  c.release();
  // Both now take the lock back, in either order; each settles holding it: release after each.
  const tagged = [first.then((r) => ['first', r]), second.then((r) => ['second', r])];
  const [name1, res1] = await within(Promise.race(tagged), 6000, 'one of the waiters');
  t.true(lock.locked());
  c.release();
  const other = tagged[name1 === 'first' ? 1 : 0];
  const [, res2] = await within(other, 6000, 'the other waiter');
  t.true(lock.locked());
  c.release();
  const r1 = name1 === 'first' ? res1 : res2;
  const r2 = name1 === 'first' ? res2 : res1;
  t.is(r1.error?.message, 'first gives up');
  t.is(r2.value, true, 'the second waiter got the notify instead of timing out');
  t.false(lock.locked());
});

test.serial('waitFor(predicate, t): returns at once when true, the last value, false on timeout', async (t) => {
  const c = new Condition(new Lock());
  c.acquire();
  let calls = 0;
  t.is(
    c.waitFor(() => (calls++, 'ready')),
    'ready',
    'returns the value of the predicate',
  );
  t.is(calls, 1);
  const start = performance.now();
  t.false(c.waitFor(() => false, 50));
  assertTook(t, since(start), 50);
  t.is(c.waitFor(() => 0, 0), 0, 'waitFor with timeout 0 returns the falsy value');
  t.true(c.lock.locked());
  const s2 = performance.now();
  t.false(await within(c.waitForAsync(() => false, 50), 3000, 'waitForAsync timeout'));
  assertTook(t, since(s2), 50);
  t.is(await within(c.waitForAsync(() => 7), 1000, 'waitForAsync true'), 7);
  t.true(c.lock.locked());
  c.release();
  assertThrowsCode(t, () => new Condition().waitFor('x'), TypeError, 'ERR_INVALID_ARG_TYPE');
  await assertRejectsOrThrows(t, () => new Condition().waitForAsync(42), TypeError, 'ERR_INVALID_ARG_TYPE');
});

test.serial('an aborted waitForAsync rejects with the reason, holding the lock again', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  c.acquire();
  const ac = new AbortController();
  const reason = new Error('stop');
  let calls = 0;
  const p = outcome(c.waitForAsync(() => (calls++, false), undefined, { signal: ac.signal }));
  await delay(30);
  t.false(lock.locked(), 'waiting, the lock is free');
  ac.abort(reason);
  const r = await within(p, 3000, 'the aborted waitForAsync');
  t.is(r.error, reason);
  t.true(lock.locked());
  t.is(calls, 1, 'the predicate was not called again after the abort');
  c.release();
});

test.serial('waitFor in a worker and waitForAsync on the main thread wait for a shared predicate', async (t) => {
  const c = new Condition();
  const state = sharedInts(2);
  const w = startWorker(
    t,
    `
    const c = nt.Condition.from(workerData.c);
    c.acquire();
    post({ type: 'waiting' });
    const r = c.waitFor(() => flags[0] >= 3 && flags[0], 10000);
    flags[1] = 1;
    c.notifyAll();
    c.release();
    post({ type: 'done', r });
    `,
    { c, flags: state.buffer },
  );
  await w.next('waiting');
  for (let i = 1; i <= 3; i++) {
    await delay(20);
    t.true(c.acquire(true, 5000));
    state[0] = i;
    c.notify();
    c.release();
  }
  t.is((await w.next('done', 5000)).r, 3, 'the last value of the predicate');
  c.acquire();
  t.true(await within(c.waitForAsync(() => state[1] === 1, 5000), 5000, 'waitForAsync'));
  c.release();
});

test.serial('notify(n) validation: RangeError for negative or fractional n, TypeError for a non-number, before the lock check', (t) => {
  const c = new Condition(new Lock());
  assertThrowsCode(t, () => c.notify(-1), RangeError, 'ERR_OUT_OF_RANGE', 'notify(-1) without the lock');
  assertThrowsCode(t, () => c.notify(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'notify(1.5)');
  assertThrowsCode(t, () => c.notify(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'notify(NaN)');
  assertThrowsCode(t, () => c.notify('1'), TypeError, 'ERR_INVALID_ARG_TYPE', "notify('1')");
  c.acquire();
  assertThrowsCode(t, () => c.notify(-1), RangeError, 'ERR_OUT_OF_RANGE', 'notify(-1) with the lock');
  c.notify(0);
  c.release();
});

test.serial('wait validation happens before the lock check', async (t) => {
  const c = new Condition(new Lock());
  assertThrowsCode(t, () => c.wait(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => c.wait('1'), TypeError, 'ERR_INVALID_ARG_TYPE');
  await assertRejectsOrThrows(t, () => c.waitAsync(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  await assertRejectsOrThrows(t, () => c.waitAsync(undefined, { signal: 'no' }), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => c.waitFor(() => false, NaN), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => new Condition().wait(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'RLock condition');
});

test.serial('from(): the lock travels with the condition (postMessage, nested in objects)', async (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  const w = startWorker(
    t,
    `
    const msg = await nextMessage();
    const c = nt.Condition.from(msg.deep.list[1]);
    c.acquire();
    post({ type: 'held', isCondition: c instanceof nt.Condition });
    await nextMessage();
    c.release();
    post({ type: 'released' });
    `,
  );
  w.post({ deep: { list: [0, c] } });
  t.true((await w.next('held')).isCondition);
  t.true(lock.locked(), "the worker's Condition.from() acquired the main thread's lock");
  w.post('go');
  await w.next('released');
  t.false(lock.locked());
});

test.serial('hold() and withLock() hold the condition lock; withLock releases when fn throws', (t) => {
  const lock = new Lock();
  const c = new Condition(lock);
  const d = c.hold();
  t.true(lock.locked());
  t.false(c.wait(0), 'wait works while held through hold()');
  d[Symbol.dispose]();
  t.false(lock.locked());
  t.is(
    c.withLock(() => {
      c.notify();
      return lock.locked();
    }),
    true,
  );
  t.false(lock.locked());
  const boom = new Error('boom');
  t.is(
    t.throws(() =>
      c.withLock(() => {
        throw boom;
      }),
    ),
    boom,
  );
  t.false(lock.locked());
});
