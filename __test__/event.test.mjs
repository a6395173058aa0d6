// threading.Event.
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const { Event } = nt;

test.serial('a new Event is not set; set() sets it, clear() clears it', (t) => {
  const e = new Event();
  t.false(e.isSet());
  e.set();
  t.true(e.isSet());
  e.set();
  t.true(e.isSet(), 'set twice is still set');
  e.clear();
  t.false(e.isSet());
  e.clear();
  t.false(e.isSet());
});

test.serial('wait() returns true at once when set, whatever the timeout', async (t) => {
  const e = new Event();
  e.set();
  const start = performance.now();
  t.true(e.wait());
  t.true(e.wait(0));
  t.true(e.wait(-1));
  t.true(e.wait(1000));
  t.true(e.wait(null));
  t.true(await within(e.waitAsync(), 1000, 'waitAsync on a set event'));
  t.true(await within(e.waitAsync(0), 1000, 'waitAsync(0) on a set event'));
  t.true(await within(e.waitAsync(-3), 1000, 'waitAsync(-3) on a set event'));
  t.true(since(start) < 100);
});

test.serial('wait(t) on a clear event returns false after about t ms; 0 and negative do not block', (t) => {
  const e = new Event();
  const start = performance.now();
  t.false(e.wait(70));
  assertTook(t, since(start), 70);
  const s2 = performance.now();
  t.false(e.wait(0));
  t.false(e.wait(-1));
  t.false(e.wait(-100));
  t.true(since(s2) < 30, `took ${since(s2)} ms`);
});

test.serial('waitAsync(t) resolves false after about t ms; 0 and negative at once', async (t) => {
  const e = new Event();
  let start = performance.now();
  t.false(await within(e.waitAsync(70), 3000, 'waitAsync(70)'));
  assertTook(t, since(start), 70);
  start = performance.now();
  t.false(await within(e.waitAsync(0), 1000, 'waitAsync(0)'));
  t.false(await within(e.waitAsync(-1), 1000, 'waitAsync(-1)'));
  t.true(since(start) < 50);
});

test.serial('waitAsync() with undefined, null or Infinity waits until set()', async (t) => {
  const e = new Event();
  const ps = [e.waitAsync(), e.waitAsync(undefined), e.waitAsync(null), e.waitAsync(Infinity)];
  await assertPending(t, Promise.race(ps), 150);
  e.set();
  t.deepEqual(await within(Promise.all(ps), 2000, 'all waiters'), [true, true, true, true]);
});

test.serial('a waiter woken by set() returns true even if clear() follows at once', async (t) => {
  const e = new Event();
  const p = e.waitAsync(5000);
  await delay(20);
  e.set();
  e.clear();
  t.true(await within(p, 6000, 'waitAsync'));

  const flags = sharedInts(1);
  const w = startWorker(
    t,
    `
    const e = nt.Event.from(workerData.e);
    post({ type: 'waiting' });
    const r = e.wait(2000);
    post({ type: 'done', r });
    `,
    { e, flags: flags.buffer },
  );
  await w.next('waiting');
  await delay(80);
  e.set();
  e.clear();
  t.true((await w.next('done', 8000)).r, 'the blocked worker saw the set (Python: True unless the timeout passes)');
});

test.serial('a worker blocked in wait() is woken by set() on the main thread', async (t) => {
  const e = new Event();
  const flags = sharedInts(1);
  const w = startWorker(
    t,
    `
    const e = nt.Event.from(workerData.e);
    post({ type: 'blocking' });
    const r = e.wait();
    Atomics.store(flags, 0, 1);
    post({ type: 'done', r });
    `,
    { e, flags: flags.buffer },
  );
  await w.next('blocking');
  await delay(150);
  t.is(Atomics.load(flags, 0), 0, 'the worker is blocked until set()');
  e.set();
  t.true((await w.next('done', 5000)).r);
});

test.serial('a pending waitAsync() on the main thread is woken by set() in a worker', async (t) => {
  const e = new Event();
  const p = e.waitAsync();
  const w = startWorker(
    t,
    `
    const e = nt.Event.from(workerData.e);
    await nextMessage();
    e.set();
    post({ type: 'set' });
    `,
    { e },
  );
  await assertPending(t, p, 100);
  w.post('go');
  await w.next('set');
  t.true(await within(p, 5000, 'waitAsync woken by the worker'));
  t.true(e.isSet());
});

test.serial('one set() wakes blocked waiters in several workers and async waiters together', async (t) => {
  const e = new Event();
  const flags = sharedInts(3);
  const ws = [0, 1, 2].map((i) =>
    startWorker(
      t,
      `
      const e = nt.Event.from(workerData.e);
      post({ type: 'blocking' });
      const r = e.wait(20000);
      Atomics.store(flags, ${i}, 1);
      post({ type: 'done', r });
      `,
      { e, flags: flags.buffer },
    ),
  );
  const ps = Array.from({ length: 10 }, () => e.waitAsync());
  for (const w of ws) await w.next('blocking');
  await delay(100);
  t.deepEqual([...flags], [0, 0, 0]);
  e.set();
  for (const w of ws) t.true((await w.next('done', 5000)).r);
  t.deepEqual(await within(Promise.all(ps), 5000, 'async waiters'), Array(10).fill(true));
});

test.serial('10,000 pending waitAsync() do not occupy the libuv pool: fs.readFile completes, one set() resolves all', async (t) => {
  const file = join(tmpdir(), `native-threading-test-${process.pid}.txt`);
  await writeFile(file, 'hello');
  t.teardown(() => import('node:fs').then((fs) => fs.rmSync(file, { force: true })));
  const e = new Event();
  let resolved = 0;
  const ps = [];
  for (let i = 0; i < 10_000; i++) ps.push(e.waitAsync().then((v) => (resolved++, v)));
  // With a thread-pool thread per waiter the 4 pool threads would all be busy and this would hang.
  const reads = await within(
    Promise.all(Array.from({ length: 8 }, () => readFile(file, 'utf8'))),
    5000,
    'fs.readFile while 10,000 waits are pending',
  );
  t.deepEqual(reads, Array(8).fill('hello'));
  await delay(20);
  t.is(resolved, 0, 'all 10,000 are still pending');
  const start = performance.now();
  e.set();
  const results = await within(Promise.all(ps), 10_000, '10,000 waiters after set()');
  t.is(results.length, 10_000);
  t.true(results.every((v) => v === true));
  t.is(resolved, 10_000);
  t.log(`10,000 waiters resolved in ${since(start).toFixed(1)} ms`);
});

test.serial('an aborted waitAsync rejects with the reason; the Event and its other waiters are unaffected', async (t) => {
  const e = new Event();
  const ac = new AbortController();
  const reason = new Error('no more');
  const p = e.waitAsync(undefined, { signal: ac.signal });
  const other = e.waitAsync();
  await delay(20);
  ac.abort(reason);
  t.is(await within(p.then(() => 'resolved', (x) => x), 2000, 'the aborted wait'), reason);
  t.false(e.isSet());
  await assertPending(t, other, 50, 'the other waiter');
  e.set();
  t.true(await within(other, 2000, 'the other waiter'));
  // Already aborted: rejects even when the event is set.
  const r2 = new Error('pre');
  t.is(await within(e.waitAsync(undefined, { signal: AbortSignal.abort(r2) }).catch((x) => x), 1000), r2);
  t.true(e.isSet());
});

test.serial('wait/waitAsync validation happens even when the event is set', async (t) => {
  const e = new Event();
  e.set();
  assertThrowsCode(t, () => e.wait(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => e.wait('10'), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => e.wait(true), TypeError, 'ERR_INVALID_ARG_TYPE');
  await assertRejectsOrThrows(t, () => e.waitAsync(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  await assertRejectsOrThrows(t, () => e.waitAsync('1'), TypeError, 'ERR_INVALID_ARG_TYPE');
  await assertRejectsOrThrows(t, () => e.waitAsync(1, 'options'), TypeError, 'ERR_INVALID_ARG_TYPE');
  await assertRejectsOrThrows(t, () => e.waitAsync(1, { signal: {} }), TypeError, 'ERR_INVALID_ARG_TYPE');
});

test.serial('Event.from() over postMessage: a clear() in the worker is seen on the main thread', async (t) => {
  const e = new Event();
  e.set();
  const w = startWorker(
    t,
    `
    const msg = await nextMessage();
    const e = nt.Event.from(msg.events[0]);
    const was = e.isSet();
    e.clear();
    post({ type: 'done', was, isEvent: e instanceof nt.Event });
    `,
  );
  w.post({ events: [e] });
  const m = await w.next('done');
  t.true(m.was);
  t.true(m.isEvent);
  t.false(e.isSet());
});
