// Pool (child processes), ThreadPool (worker threads), AsyncResult and TimeoutError (README,
// "Python -> TypeScript": its rules and the Pool rows of the multiprocessing table; "Exit
// behaviour": Pools). Both kinds run through one
// table of cases where they behave alike. Targets live in fixtures/pool-targets.mjs (ES module)
// and fixtures/pool-targets.cjs (CommonJS). Worker deaths, terminate() and the end of the
// program are in pool-faults.test.mjs. Every wait is bounded (tasks wait with timeouts, awaits
// run within()), and every pool is terminated and joined in t.teardown.
import ava from 'ava';
import { createRequire } from 'node:module';
import { threadId } from 'node:worker_threads';
import {
  assertRejectsOrThrows,
  assertThrowsCode,
  assertTook,
  nt,
  PENDING,
  recv,
  settledWithin,
  since,
  startWorker,
  until,
  within,
} from './helpers/util.mjs';
import { LONG, makePool, range, rejection, settle, squares, workerKey } from './helpers/pool.mjs';
import * as T from './fixtures/pool-targets.mjs';

const require = createRequire(import.meta.url);
const C = require('./fixtures/pool-targets.cjs');
// Serial: many tests block the main thread on purpose, some count processes and threads, and
// timed waits are measured.
const test = ava.serial;
const {
  Pool, ThreadPool, AsyncResult, TimeoutError, cpuCount, activeChildren, activeCount,
  Lock, RLock, Event, Queue, Value, SharedArray, SharedDict, Manager, Barrier,
} = nt;
const KINDS = [Pool, ThreadPool];

/** What a synchronous call threw (undefined, and a failed assertion, if it did not throw). */
function thrown(t, fn, what = 'the call') {
  try {
    fn();
  } catch (e) {
    return e;
  }
  t.fail(`${what} did not throw`);
  return undefined;
}

function pidExists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code !== 'ESRCH';
  }
}

/** Every worker of a pool of `n`, found by making `n` tasks wait at one barrier. */
function allWorkers(pool, n) {
  const b = new Barrier(n);
  return pool.map(T.barrierWait, Array(n).fill(b), 1);
}

/** Asserts that the workers of a joined pool have ended: processes reaped, threads gone. */
async function assertWorkersEnded(t, Kind, workers, threadsBefore) {
  if (Kind === Pool) {
    await until(() => workers.every((w) => !pidExists(w.pid)), 5000, 'the worker processes to be reaped').catch((e) => t.fail(e.message));
    t.true(workers.every((w) => !pidExists(w.pid)), 'every worker process is gone (reaped)');
  } else {
    t.is(activeCount(), threadsBefore, 'activeCount() is back to what it was before the pool');
  }
}

// ---------------------------------------------------------------------------------------------
// Results

for (const Kind of KINDS) {
  const K = Kind.name;

  test(`${K}: apply blocks for the value; args default to none, kwargs arrive as one last argument; values travel as structured clones`, (t) => {
    const pool = makePool(t, Kind, 2);
    t.true(pool instanceof Pool, 'ThreadPool extends Pool');
    t.is(pool.apply(T.square, [7]), 49);
    t.deepEqual(pool.apply(T.echoArgs), { args: [], count: 0 }, 'no args: no arguments');
    t.deepEqual(pool.apply(T.echoArgs, [1, 'two']), { args: [1, 'two'], count: 2 });
    t.deepEqual(pool.apply(T.echoArgs, [1, 'two'], { k: 3, nested: { a: [1] } }), { args: [1, 'two', { k: 3, nested: { a: [1] } }], count: 3 });
    t.deepEqual(pool.apply(T.echoArgs, [], { only: true }), { args: [{ only: true }], count: 1 });
    t.deepEqual(pool.apply(T.echoArgs, [1], undefined), { args: [1], count: 1 }, 'kwargs undefined: no extra argument');
    t.is(pool.apply(T.asyncDouble, [21]), 42, 'a task that returns a promise: its value');
    t.is(pool.apply(C.square, [9]), 81, 'a CommonJS target');
    const value = { map: new Map([['k', [1, 2]]]), set: new Set(['x']), date: new Date(5), big: 2n ** 65n, bytes: new Uint8Array([1, 2]), u: undefined, nested: { a: [1, null] } };
    value.self = value;
    const back = pool.apply(T.identity, [value]);
    t.is(back.self, back, 'a cycle survives');
    t.deepEqual(back, value);
  });

  test(`${K}: applyAsync returns an AsyncResult: await, get, getAsync, wait, ready, successful`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const r = pool.applyAsync(T.square, [6]);
    t.true(r instanceof AsyncResult);
    t.is(typeof r.then, 'function', 'an AsyncResult is PromiseLike');
    t.is(await settle(r), 36, 'await r');
    t.true(r.ready());
    t.true(r.successful());
    t.is(r.get(), 36);
    t.is(r.get(0), 36, 'get(0) of a ready result');
    t.is(r.get(null), 36);
    t.is(r.get(Infinity), 36);
    t.is(await settle(r.getAsync()), 36);
    t.is(await settle(r.getAsync(0)), 36);
    t.is(r.wait(), undefined);
    t.is(await settle(r), 36, 'awaited again');
    t.deepEqual(pool.applyAsync(T.echoArgs, [1], { k: 2 }).get(LONG), { args: [1, { k: 2 }], count: 2 }, 'kwargs');
    t.is(await settle(pool.applyAsync(T.asyncDouble, [4])), 8);
    t.is(await settle(pool.applyAsync(C.square, [3])), 9, 'a CommonJS target');

    const f = pool.applyAsync(T.throwRangeError, ['bad']);
    const e = await rejection(t, f);
    t.true(e instanceof RangeError);
    t.is(e.message, 'bad');
    t.true(f.ready());
    t.false(f.successful());
    t.throws(() => f.get(), { instanceOf: RangeError, message: 'bad' }, 'get() rethrows the task\'s error');
    await t.throwsAsync(settle(f.getAsync()), { instanceOf: RangeError, message: 'bad' });
    t.is(f.wait(0), undefined, 'wait() of a failed result does not throw');
  });

  test(`${K}: map, mapAsync, starmap, starmapAsync keep input order whatever the chunksize; an empty iterable gives []`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const xs = range(37);
    t.deepEqual(pool.map(T.square, xs), squares(xs), 'default chunksize');
    for (const c of [1, 3, 7, 37, 100]) t.deepEqual(pool.map(T.square, xs, c), squares(xs), `chunksize ${c}`);
    t.deepEqual(await settle(pool.mapAsync(T.square, xs)), squares(xs));
    t.deepEqual(await settle(pool.mapAsync(T.square, xs, 5)), squares(xs));
    t.deepEqual(pool.mapAsync(T.square, xs, 4).get(LONG), squares(xs));
    t.deepEqual(pool.map(T.square, new Set([1, 2, 3])), [1, 4, 9], 'any iterable');
    t.deepEqual(
      pool.map(T.square, (function* () {
        yield 4;
        yield 5;
      })()),
      [16, 25],
      'a generator',
    );
    t.deepEqual(pool.map(T.asyncDouble, [1, 2, 3]), [2, 4, 6], 'tasks that return promises');
    t.deepEqual(pool.map(C.square, [2, 3], 1), [4, 9], 'a CommonJS target');

    const pairs = xs.map((x) => [x, 100 * x]);
    const sums = xs.map((x) => 101 * x);
    t.deepEqual(pool.starmap(T.add, pairs), sums);
    t.deepEqual(pool.starmap(T.add, pairs, 4), sums);
    t.deepEqual(await settle(pool.starmapAsync(T.add, pairs)), sums);
    t.deepEqual(await settle(pool.starmapAsync(T.add, pairs, 9)), sums);
    t.deepEqual(pool.starmap(T.echoArgs, [[], [1], [1, 2, 3]]), [{ args: [], count: 0 }, { args: [1], count: 1 }, { args: [1, 2, 3], count: 3 }], 'each item is the argument list');
    t.deepEqual(pool.starmap(T.add, [new Set([1, 2])]), [3], 'an item may be any iterable of arguments');

    t.deepEqual(pool.map(T.square, []), []);
    t.deepEqual(pool.map(T.square, [], 3), []);
    t.deepEqual(pool.starmap(T.add, []), []);
    t.deepEqual(await settle(pool.mapAsync(T.square, [])), []);
    t.deepEqual(await settle(pool.starmapAsync(T.add, [], 3)), []);
    const empty = pool.mapAsync(T.square, new Set());
    t.true(empty.ready(), 'an empty map is ready at once');
    t.true(empty.successful());
    t.deepEqual(empty.get(0), []);
  });

  test(`${K}: a chunk runs in one worker (map and imap)`, (t) => {
    const pool = makePool(t, Kind, 2);
    const where = pool.map(T.whereAmI, range(10), 5).map(workerKey);
    t.is(new Set(where.slice(0, 5)).size, 1, 'items 0..4 ran in one worker');
    t.is(new Set(where.slice(5)).size, 1, 'items 5..9 ran in one worker');
    const it = [...pool.imap(T.whereAmI, range(6), 3)].map(workerKey);
    t.is(new Set(it.slice(0, 3)).size, 1);
    t.is(new Set(it.slice(3)).size, 1);
  });

  test(`${K}: a failing item fails the whole map with its error; the pool goes on`, async (t) => {
    const pool = makePool(t, Kind, 2);
    t.throws(() => pool.map(T.squareOrThrow, [1, -2, 3]), { instanceOf: RangeError, message: 'negative: -2' });
    t.throws(() => pool.map(T.squareOrThrow, range(20).map((x) => x - 10), 5), { instanceOf: RangeError, message: /^negative: / });
    const e = await rejection(t, pool.mapAsync(T.squareOrThrow, [1, 2, -3], 1));
    t.true(e instanceof RangeError);
    t.is(e?.message, 'negative: -3');
    t.throws(() => pool.starmap(T.squareOrThrow, [[1], [-4]]), { instanceOf: RangeError, message: 'negative: -4' });
    t.true((await rejection(t, pool.starmapAsync(T.squareOrThrow, [[-5]]))) instanceof RangeError);
    t.deepEqual(pool.map(T.square, [2, 3]), [4, 9]);
  });

  // -------------------------------------------------------------------------------------------
  // imap

  test(`${K}: imap and imapUnordered, iterated with for...of, next() and for await; chunksizes; empty input`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const xs = range(23);
    const it = pool.imap(T.square, xs);
    t.is(typeof it[Symbol.iterator], 'function');
    t.is(typeof it[Symbol.asyncIterator], 'function');
    t.deepEqual([...it], squares(xs), 'for...of (spread), default chunksize 1');
    t.deepEqual([...pool.imap(T.square, xs, 4)], squares(xs), 'chunksize 4');
    const out = [];
    for (const v of pool.imap(T.square, xs, 30)) out.push(v);
    t.deepEqual(out, squares(xs), 'chunksize above the length');

    const collect = async (iterable) => {
      const got = [];
      for await (const v of iterable) got.push(v);
      return got;
    };
    t.deepEqual(await within(collect(pool.imap(T.square, xs, 2)), LONG, 'for await over imap'), squares(xs));
    t.deepEqual(await within(collect(pool.imap(T.asyncDouble, [1, 2])), LONG), [2, 4]);

    const sorted = (a) => [...a].sort((x, y) => x - y);
    t.deepEqual(sorted(pool.imapUnordered(T.square, xs)), squares(xs));
    t.deepEqual(sorted(pool.imapUnordered(T.square, xs, 5)), squares(xs));
    t.deepEqual(sorted(await within(collect(pool.imapUnordered(T.square, xs, 3)), LONG, 'for await over imapUnordered')), squares(xs));

    const manual = pool.imap(T.square, [3, 4]);
    t.deepEqual(manual.next(), { done: false, value: 9 });
    t.deepEqual(manual.next(LONG), { done: false, value: 16 });
    t.true(manual.next().done);
    t.true(manual.next(0).done, 'still done');

    t.deepEqual([...pool.imap(T.square, [])], []);
    t.deepEqual([...pool.imapUnordered(T.square, [], 3)], []);
    t.deepEqual(await within(collect(pool.imap(T.square, [])), LONG), []);
    t.deepEqual(await within(collect(pool.imapUnordered(T.square, new Set())), LONG), []);
  });

  test(`${K}: imap yields in input order even when a later item finishes first; imapUnordered in completion order`, async (t) => {
    {
      const pool = makePool(t, Kind, 2);
      const release = new Event();
      const done = new Queue();
      const it = pool.imap(T.gate, [0, 1].map((i) => ({ i, release, done })));
      t.is(await recv(done, 'item 1 finished'), 1);
      const t0 = performance.now();
      t.throws(() => it.next(200), { instanceOf: TimeoutError }, 'item 1 is done but item 0 is not: imap gives nothing yet');
      assertTook(t, since(t0), 200, 2000, 'next(200)');
      release.set();
      t.deepEqual(it.next(LONG), { done: false, value: 0 });
      t.deepEqual(it.next(LONG), { done: false, value: 1 });
      t.true(it.next(LONG).done);
    }
    {
      const pool = makePool(t, Kind, 2);
      const release = new Event();
      const done = new Queue();
      const it = pool.imapUnordered(T.gate, [0, 1].map((i) => ({ i, release, done })));
      t.is(await recv(done, 'item 1 finished'), 1);
      t.deepEqual(it.next(LONG), { done: false, value: 1 }, 'imapUnordered gives the item that finished first');
      t.throws(() => it.next(100), { instanceOf: TimeoutError }, 'item 0 is still running');
      release.set();
      t.deepEqual(it.next(LONG), { done: false, value: 0 });
      t.true(it.next(LONG).done);
    }
  });

  test(`${K}: imap reads its input lazily: an infinite generator works with a break`, async (t) => {
    function* naturals() {
      for (let i = 0; ; i++) yield i;
    }
    {
      const pool = makePool(t, Kind, 2);
      const got = [];
      for (const v of pool.imap(T.square, naturals())) {
        got.push(v);
        if (got.length === 10) break;
      }
      t.deepEqual(got, squares(range(10)));
      // Leaving the loop stopped the input (the generator was closed): the pool goes idle,
      // so close() + join() return, and a later call runs.
      t.deepEqual(pool.map(T.square, [5, 6]), [25, 36], 'the pool still serves other calls');
      pool.close();
      await within(pool.joinAsync(), LONG, 'close() + joinAsync() after a loop left early');
    }
    {
      const pool = makePool(t, Kind, 2);
      const got = [];
      await within(
        (async () => {
          for await (const v of pool.imapUnordered(T.square, naturals(), 3)) {
            got.push(v);
            if (got.length === 12) break;
          }
        })(),
        LONG,
        'for await over an infinite imapUnordered',
      );
      t.is(new Set(got).size, 12, 'distinct results');
      t.true(got.every((v) => Number.isInteger(Math.sqrt(v))), 'each a square');
    }
  });

  test(`${K}: an imap item that fails throws at its place, and iteration goes on; an input that throws ends it there`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const it = pool.imap(T.squareOrThrow, [1, -2, 3]);
    t.deepEqual(it.next(LONG), { done: false, value: 1 });
    t.throws(() => it.next(LONG), { instanceOf: RangeError, message: 'negative: -2' });
    t.deepEqual(it.next(LONG), { done: false, value: 9 });
    t.true(it.next(LONG).done);

    const un = [...(function* () {
      const u = pool.imapUnordered(T.squareOrThrow, [-1]);
      try {
        yield u.next(LONG);
      } catch (e) {
        yield e;
      }
    })()];
    t.true(un[0] instanceof RangeError, 'imapUnordered throws the item\'s error too');

    await t.throwsAsync(
      within(
        (async () => {
          for await (const v of pool.imap(T.squareOrThrow, [1, -7])) void v;
        })(),
        LONG,
      ),
      { instanceOf: RangeError, message: 'negative: -7' },
      'for await rejects with the item\'s error',
    );

    function* broken() {
      yield 1;
      yield 2;
      throw new Error('input broke');
    }
    const b = pool.imap(T.square, broken());
    t.deepEqual(b.next(LONG), { done: false, value: 1 });
    t.deepEqual(b.next(LONG), { done: false, value: 4 });
    t.throws(() => b.next(LONG), { message: 'input broke' });
    t.true(b.next(LONG).done);
  });

  // -------------------------------------------------------------------------------------------
  // Callbacks

  test(`${K}: callbacks run on the caller's thread, before ready() is true and before get() or await hand the value back`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const order = [];
    const r = pool.applyAsync(T.square, [5], undefined, (v) => order.push({ v, thread: threadId, ready: r.ready() }), () => order.push('error callback'));
    t.deepEqual(order, [], 'not called during applyAsync');
    const v = await settle(r);
    order.push('await');
    t.is(v, 25);
    t.deepEqual(order, [{ v: 25, thread: threadId, ready: false }, 'await']);

    const seen = [];
    const r2 = pool.applyAsync(T.slowEcho, ['x', 30], undefined, (x) => seen.push(x));
    t.is(r2.get(LONG), 'x');
    t.deepEqual(seen, ['x'], 'the callback ran before get() returned');

    const errors = [];
    const oks = [];
    const r3 = pool.applyAsync(T.throwTypeError, ['cb'], undefined, (x) => oks.push(x), (e) => errors.push({ e, ready: r3.ready(), thread: threadId }));
    const e = await rejection(t, r3);
    t.deepEqual(oks, []);
    t.is(errors.length, 1, 'errorCallback ran once');
    t.true(errors[0]?.e instanceof TypeError, 'errorCallback gets the error');
    t.is(errors[0]?.e.code, 'E_TASK_TYPE');
    t.is(errors[0]?.e.message, 'cb');
    t.is(errors[0]?.e.message, e?.message);
    t.false(errors[0]?.ready, 'errorCallback runs before ready()');
    t.is(errors[0]?.thread, threadId);

    const arrays = [];
    const m = pool.mapAsync(T.square, [1, 2, 3], 1, (a) => arrays.push(['map', a, m.ready()]));
    t.deepEqual(m.get(LONG), [1, 4, 9]);
    const s = pool.starmapAsync(T.add, [[1, 2], [3, 4]], undefined, (a) => arrays.push(['starmap', a, s.ready()]));
    await settle(s);
    t.deepEqual(arrays, [['map', [1, 4, 9], false], ['starmap', [3, 7], false]], 'map callbacks get the whole list');

    const mapErrors = [];
    const mf = pool.mapAsync(T.squareOrThrow, [1, -1, -2], 1, () => mapErrors.push('callback'), (err) => mapErrors.push(err));
    await rejection(t, mf);
    t.is(mapErrors.length, 1, 'one errorCallback call for a failed map');
    t.true(mapErrors[0] instanceof RangeError);
    t.is(pool.applyAsync(T.square, [2], undefined, null, null).get(LONG), 4, 'null callbacks are no callbacks');
  });

  // -------------------------------------------------------------------------------------------
  // Errors

  test(`${K}: a task's error reaches the caller with its class when built in, its name, message, code, own properties and the worker's stack`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const cases = [
      { fn: T.throwTypeError, arg: 'tt', Ctor: TypeError, name: 'TypeError', props: { code: 'E_TASK_TYPE', extra: 42 }, frame: 'throwTypeError', file: 'pool-targets.mjs' },
      { fn: T.throwRangeError, arg: 'rr', Ctor: RangeError, name: 'RangeError', props: {}, frame: 'throwRangeError', file: 'pool-targets.mjs' },
      { fn: T.rejectAsync, arg: 'ra', Ctor: SyntaxError, name: 'SyntaxError', props: { code: 'E_ASYNC' }, frame: 'rejectAsync', file: 'pool-targets.mjs' },
      { fn: T.throwCustomError, arg: 'cc', Ctor: Error, name: 'ThirdPartyError', props: { code: 'E_THIRD_PARTY', detail: { n: 1, list: [1, 2] } }, frame: 'throwCustomError', file: 'pool-targets.mjs' },
      { fn: C.throwCjs, arg: 'cj', Ctor: TypeError, name: 'TypeError', props: { code: 'E_CJS' }, frame: 'throwCjs', file: 'pool-targets.cjs' },
    ];
    for (const c of cases) {
      const check = (e, how) => {
        const what = `${c.fn.name} (${how})`;
        t.true(e instanceof c.Ctor, `${what}: ${e?.constructor?.name}`);
        if (c.Ctor === Error) t.is(Object.getPrototypeOf(e), Error.prototype, `${what}: a class that is not built in arrives as an Error`);
        t.is(e?.name, c.name, `${what}: name`);
        t.is(e?.message, c.arg, `${what}: message`);
        for (const [k, v] of Object.entries(c.props)) t.deepEqual(e?.[k], v, `${what}: property ${k}`);
        t.deepEqual(Object.keys(e ?? {}).sort(), Object.keys(c.props).sort(), `${what}: own enumerable properties`);
        t.true(String(e?.stack).includes(c.frame), `${what}: the stack names the task's frame: ${e?.stack}`);
        t.true(String(e?.stack).includes(c.file), `${what}: the stack names the task's file`);
      };
      check(thrown(t, () => pool.apply(c.fn, [c.arg])), 'apply');
      check(await rejection(t, pool.applyAsync(c.fn, [c.arg])), 'await applyAsync');
      check(thrown(t, () => pool.map(c.fn, [c.arg])), 'map');
      check(thrown(t, () => pool.imap(c.fn, [c.arg]).next(LONG)), 'imap');
    }
  });

  test(`${K}: a thrown value that is not an Error arrives as the thrown value`, async (t) => {
    const pool = makePool(t, Kind, 1);
    for (const v of [42, 'a string', { a: 1, b: [2] }, null, undefined, [1, 2]]) {
      t.deepEqual(thrown(t, () => pool.apply(T.throwValue, [v])), v, `apply: ${JSON.stringify(v)}`);
      const s = await settledWithin(Promise.resolve(pool.applyAsync(T.throwValue, [v])), LONG);
      t.true(s !== PENDING && 'error' in s, 'the AsyncResult rejects');
      t.deepEqual(s.error, v, `applyAsync: ${JSON.stringify(v)}`);
    }
  });

  test(`${K}: arguments that cannot be sent fail that call only, at the call, with TypeError ERR_INVALID_ARG_VALUE`, (t) => {
    const pool = makePool(t, Kind, 2);
    for (const bad of [() => 1, Symbol('s'), { nested: [function f() {}] }]) {
      const what = typeof bad === 'symbol' ? 'a symbol' : typeof bad === 'function' ? 'a function' : 'a nested function';
      assertThrowsCode(t, () => pool.apply(T.identity, [bad]), TypeError, 'ERR_INVALID_ARG_VALUE', `apply, ${what}`);
      assertThrowsCode(t, () => pool.applyAsync(T.identity, [bad]), TypeError, 'ERR_INVALID_ARG_VALUE', `applyAsync, ${what}`);
      assertThrowsCode(t, () => pool.applyAsync(T.echoArgs, [1], { bad }), TypeError, 'ERR_INVALID_ARG_VALUE', `kwargs, ${what}`);
      assertThrowsCode(t, () => pool.map(T.identity, [1, bad, 3]), TypeError, 'ERR_INVALID_ARG_VALUE', `map, ${what}`);
      assertThrowsCode(t, () => pool.mapAsync(T.identity, [1, 2, 3, bad], 1), TypeError, 'ERR_INVALID_ARG_VALUE', `mapAsync, ${what}`);
      assertThrowsCode(t, () => pool.starmap(T.add, [[1, 2], [1, bad]]), TypeError, 'ERR_INVALID_ARG_VALUE', `starmap, ${what}`);
      assertThrowsCode(t, () => pool.starmapAsync(T.add, [[1, bad]]), TypeError, 'ERR_INVALID_ARG_VALUE', `starmapAsync, ${what}`);
    }
    // imap reads its input as it goes: the item fails at its place.
    const it = pool.imap(T.identity, [1, () => 1, 3]);
    t.deepEqual(it.next(LONG), { done: false, value: 1 });
    const e = thrown(t, () => it.next(LONG));
    t.true(e instanceof TypeError);
    t.is(e?.code, 'ERR_INVALID_ARG_VALUE');
    t.deepEqual(it.next(LONG), { done: false, value: 3 });
    t.true(it.next(LONG).done);
    t.is(pool.apply(T.square, [3]), 9, 'the pool goes on');
    t.deepEqual(pool.map(T.square, [1, 2], 1), [1, 4]);
  });

  test(`${K}: a result that cannot be sent back fails that task with TypeError ERR_INVALID_RETURN_VALUE`, async (t) => {
    const pool = makePool(t, Kind, 1);
    const before = pool.apply(T.whereAmI);
    assertThrowsCode(t, () => pool.apply(T.returnFunction), TypeError, 'ERR_INVALID_RETURN_VALUE', 'apply');
    const e = await rejection(t, pool.applyAsync(T.returnFunction));
    t.true(e instanceof TypeError);
    t.is(e?.code, 'ERR_INVALID_RETURN_VALUE');
    assertThrowsCode(t, () => pool.map(T.returnFunction, [1, 2]), TypeError, 'ERR_INVALID_RETURN_VALUE', 'map');
    t.deepEqual(pool.apply(T.whereAmI), before, 'the same worker goes on');
    t.is(pool.apply(T.square, [4]), 16);
  });

  // -------------------------------------------------------------------------------------------
  // Sharing

  test(`${K}: shared objects inside arguments arrive working: Lock, RLock, Event, Queue, Value, SharedArray, a Manager's Queue and dict`, async (t) => {
    const manager = new Manager();
    t.teardown(() => manager.shutdown());
    const shared = {
      lock: new Lock(),
      rlock: new RLock(),
      ev: new Event(),
      q: new Queue(),
      mq: manager.Queue(),
      arr: new SharedArray('i', 8),
      dict: manager.dict(),
      value: new Value('i', 0),
      counter: new Value('i', 0, { lock: false }),
    };
    t.true(shared.dict instanceof SharedDict);
    const pool = makePool(t, Kind, 2);
    const N = 300;
    const out = pool.starmap(T.useShared, range(6).map((i) => [shared, i, N]), 1);
    t.true(out.every((o) => o.classes.every(Boolean)), `every object arrived as an instance of its class: ${JSON.stringify(out)}`);
    const last = await settle(pool.applyAsync(T.useShared, [shared, 6, N]));
    t.true(last.classes.every(Boolean));
    t.is(shared.value.value, 7 * N, 'increments under the Value\'s own lock: exact');
    t.is(shared.counter.value, 7 * N, 'increments under the shared Lock: exact');
    t.true(shared.ev.isSet());
    const got = [];
    for (let i = 0; i < 7; i++) got.push(await recv(shared.q));
    t.deepEqual(got.sort((a, b) => a - b), range(7));
    const mgot = [];
    for (let i = 0; i < 7; i++) mgot.push(await recv(shared.mq));
    t.deepEqual(mgot.sort((a, b) => a - b), range(7).map((i) => i * 10));
    t.deepEqual(shared.arr.toArray(), [...squares(range(7)), 0]);
    t.deepEqual(shared.dict.toObject(), Object.fromEntries(range(7).map((i) => [`k${i}`, i])));
  });

  test(`${K}: initializer runs once in each worker before its tasks; initargs may hold a Lock and Values`, (t) => {
    const inits = new Value('i', 0);
    const tasks = new Value('i', 0, { lock: false });
    const lock = new Lock();
    const pool = makePool(t, Kind, { processes: 2, initializer: T.init, initargs: ['tagged', inits, tasks, lock] });
    const out = pool.map(T.afterInit, range(12), 1);
    t.deepEqual(out.map((o) => o.x), range(12));
    t.true(out.every((o) => o.runs === 1 && o.tag === 'tagged'), `every task saw one initializer run: ${JSON.stringify(out.map((o) => o.runs))}`);
    const both = allWorkers(pool, 2);
    t.is(new Set(both.map(workerKey)).size, 2);
    pool.close();
    pool.join();
    t.is(inits.value, 2, 'the initializer ran once in each of the 2 workers');
    t.is(tasks.value, 12, 'the Lock and Value of initargs work in the tasks');
  });

  test(`${K}: maxTasksPerChild: a fresh worker after that many tasks, the initializer running in each`, (t) => {
    const inits = new Value('i', 0);
    const tasks = new Value('i', 0);
    const lock = new Lock();
    {
      const pool = makePool(t, Kind, { processes: 1, maxTasksPerChild: 2, initializer: T.init, initargs: ['m', inits, tasks, lock] });
      const out = pool.map(T.afterInit, range(6), 1);
      const keys = out.map(workerKey);
      t.is(keys[0], keys[1]);
      t.is(keys[2], keys[3]);
      t.is(keys[4], keys[5]);
      t.is(new Set(keys).size, 3, `three workers for six tasks: ${keys}`);
      t.true(out.every((o) => o.runs === 1), 'each fresh worker ran the initializer once');
      const more = [0, 1, 2, 3].map((x) => pool.applyAsync(T.afterInit, [x]).get(LONG)).map(workerKey);
      t.is(more[0], more[1]);
      t.is(more[2], more[3]);
      t.is(new Set([...keys, ...more]).size, 5, 'applyAsync tasks count too');
      // (terminate() right after a replacement is tested in pool-faults.test.mjs)
      pool.close();
      pool.join();
    }
    {
      const pool = makePool(t, Kind, { processes: 2, maxTasksPerChild: 1 });
      const keys = pool.map(T.whereAmI, range(6), 1).map(workerKey);
      t.is(new Set(keys).size, 6, 'one task each');
      pool.close();
      pool.join();
    }
  });

  test(`${K}: the default size is cpuCount(): that many tasks run at once`, (t) => {
    const n = cpuCount();
    const childrenBefore = activeChildren().length;
    const pool = makePool(t, Kind);
    const out = allWorkers(pool, n);
    t.deepEqual(out.map((o) => o.index).sort((a, b) => a - b), range(n), 'all met at the barrier');
    t.is(new Set(out.map(workerKey)).size, n);
    const many = pool.map(T.whereAmI, range(4 * n), 1).map(workerKey);
    t.true(new Set(many).size <= n, 'no more workers than that');
    if (Kind === Pool) t.is(activeChildren().length - childrenBefore, n, 'cpuCount() worker processes');
  });

  // -------------------------------------------------------------------------------------------
  // Validation

  test(`${K}: bad sizes and options: RangeError ERR_OUT_OF_RANGE, TypeError ERR_INVALID_ARG_TYPE; no worker starts`, (t) => {
    const children = activeChildren().length;
    const threads = activeCount();
    for (const bad of [0, 1.5, -1, NaN, Infinity, { processes: 0 }, { processes: -2 }, { processes: 2.5 }, { maxTasksPerChild: 0 }, { maxTasksPerChild: 1.5 }, { maxTasksPerChild: -1 }]) {
      assertThrowsCode(t, () => new Kind(bad), RangeError, 'ERR_OUT_OF_RANGE', `new ${K}(${JSON.stringify(bad)})`);
    }
    for (const bad of ['2', true, { processes: '2' }, { initializer: 'init' }, { initializer: 5 }, { initargs: 'x' }, { initargs: 5 }, { maxTasksPerChild: '2' }]) {
      assertThrowsCode(t, () => new Kind(bad), TypeError, 'ERR_INVALID_ARG_TYPE', `new ${K}(${JSON.stringify(bad)})`);
    }
    t.is(activeChildren().length, children, 'no child process started');
    t.is(activeCount(), threads, 'no thread started');
  });

  test(`${K}: bad arguments of the methods throw at the call: TypeError ERR_INVALID_ARG_TYPE, RangeError ERR_OUT_OF_RANGE`, async (t) => {
    const pool = makePool(t, Kind, 1);
    const typeErrors = {
      'apply(non-function)': () => pool.apply('square', [1]),
      'apply(fn, non-array args)': () => pool.apply(T.square, 5),
      'apply(fn, args, non-object kwargs)': () => pool.apply(T.square, [1], 5),
      'applyAsync(non-function)': () => pool.applyAsync(null),
      'applyAsync(..., non-function callback)': () => pool.applyAsync(T.square, [1], undefined, 'cb'),
      'applyAsync(..., non-function errorCallback)': () => pool.applyAsync(T.square, [1], undefined, undefined, {}),
      'map(fn, number)': () => pool.map(T.square, 5),
      'map(fn, null)': () => pool.map(T.square, null),
      'map(fn, [], string chunksize)': () => pool.map(T.square, [1], '2'),
      'mapAsync(non-function)': () => pool.mapAsync({}, [1]),
      'mapAsync(..., non-function callback)': () => pool.mapAsync(T.square, [1], 1, 5),
      'starmap(fn, a non-iterable item)': () => pool.starmap(T.add, [1, 2]),
      'starmapAsync(fn, undefined)': () => pool.starmapAsync(T.add, undefined),
      'imap(fn, number)': () => pool.imap(T.square, 5),
      'imap(non-function)': () => pool.imap(5, [1]),
      'imapUnordered(fn, {})': () => pool.imapUnordered(T.square, {}),
    };
    for (const [what, fn] of Object.entries(typeErrors)) assertThrowsCode(t, fn, TypeError, 'ERR_INVALID_ARG_TYPE', what);
    const rangeErrors = {
      'map chunksize 0': () => pool.map(T.square, [1], 0),
      'mapAsync chunksize 1.5': () => pool.mapAsync(T.square, [1], 1.5),
      'starmap chunksize -1': () => pool.starmap(T.add, [[1, 2]], -1),
      'imap chunksize 0': () => pool.imap(T.square, [1], 0),
      'imapUnordered chunksize NaN': () => pool.imapUnordered(T.square, [1], NaN),
    };
    for (const [what, fn] of Object.entries(rangeErrors)) assertThrowsCode(t, fn, RangeError, 'ERR_OUT_OF_RANGE', what);

    const r = pool.applyAsync(T.square, [3]);
    t.is(r.get(LONG), 9);
    assertThrowsCode(t, () => r.get(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'get(NaN)');
    assertThrowsCode(t, () => r.get('1'), TypeError, 'ERR_INVALID_ARG_TYPE', "get('1')");
    assertThrowsCode(t, () => r.wait(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'wait(NaN)');
    await assertRejectsOrThrows(t, () => r.getAsync(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'getAsync(NaN)');
    await assertRejectsOrThrows(t, () => r.getAsync('1'), TypeError, 'ERR_INVALID_ARG_TYPE', "getAsync('1')");
    const it = pool.imap(T.square, [1]);
    assertThrowsCode(t, () => it.next(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'imap next(NaN)');
    t.deepEqual(it.next(LONG), { done: false, value: 1 });
    t.is(pool.apply(T.square, [5]), 25, 'the pool goes on');
  });

  test(`${K}: a target that is not exported throws ERR_TARGET_NOT_EXPORTED at the call, before anything runs (CommonJS and ES modules)`, (t) => {
    const pool = makePool(t, Kind, 1);
    let pulled = 0;
    const input = () =>
      (function* () {
        pulled++;
        yield 1;
      })();
    const fns = { 'CommonJS, module level': C.hidden.fn, 'CommonJS, closure': C.makeLocal(), 'ES module, module level': T.hidden.fn, 'ES module, closure': T.makeLocal() };
    for (const [what, fn] of Object.entries(fns)) {
      const calls = {
        apply: () => pool.apply(fn, [1]),
        applyAsync: () => pool.applyAsync(fn, [1]),
        map: () => pool.map(fn, input()),
        mapAsync: () => pool.mapAsync(fn, input()),
        starmap: () => pool.starmap(fn, [[1]]),
        starmapAsync: () => pool.starmapAsync(fn, [[1]]),
        imap: () => pool.imap(fn, input()),
        imapUnordered: () => pool.imapUnordered(fn, input()),
      };
      for (const [call, fnCall] of Object.entries(calls)) {
        const e = assertThrowsCode(t, fnCall, Error, 'ERR_TARGET_NOT_EXPORTED', `${what}: ${call}`);
        if (call === 'apply') t.regex(String(e?.message), /export/, `${what}: the message says what to export: ${e?.message}`);
      }
    }
    function localToThisFile(x) {
      return x;
    }
    assertThrowsCode(t, () => pool.apply(localToThisFile, [1]), Error, 'ERR_TARGET_NOT_EXPORTED', 'a function of the calling test module');
    assertThrowsCode(t, () => pool.applyAsync((x) => x, [1]), Error, 'ERR_TARGET_NOT_EXPORTED', 'an arrow function');
    t.is(pulled, 0, 'the input was not read');
    t.is(pool.apply(T.square, [2]), 4, 'the pool goes on');
    pool.close();
    pool.join();
  });

  test(`${K}: an initializer that is not exported throws ERR_TARGET_NOT_EXPORTED at the constructor; no worker starts`, (t) => {
    const children = activeChildren().length;
    const threads = activeCount();
    for (const initializer of [C.hidden.fn, T.hidden.fn, T.makeLocal()]) {
      assertThrowsCode(t, () => new Kind({ processes: 1, initializer }), Error, 'ERR_TARGET_NOT_EXPORTED', initializer.name);
    }
    t.is(activeChildren().length, children);
    t.is(activeCount(), threads);
  });

  // -------------------------------------------------------------------------------------------
  // close, terminate, join

  test(`${K}: join() before close() or terminate() throws ERR_POOL_RUNNING; after them apply*/map*/imap* throw ERR_POOL_NOT_RUNNING at once`, async (t) => {
    for (const end of ['close', 'terminate']) {
      const pool = makePool(t, Kind, 1);
      t.is(pool.apply(T.square, [2]), 4);
      assertThrowsCode(t, () => pool.join(), Error, 'ERR_POOL_RUNNING', 'join() of a running pool');
      const j = pool.joinAsync();
      t.true(j instanceof Promise, 'joinAsync returns a promise');
      const je = await rejection(t, j);
      t.is(je?.code, 'ERR_POOL_RUNNING', 'joinAsync() of a running pool rejects');
      pool[end]();
      const calls = {
        apply: () => pool.apply(T.square, [1]),
        applyAsync: () => pool.applyAsync(T.square, [1]),
        map: () => pool.map(T.square, [1]),
        mapAsync: () => pool.mapAsync(T.square, [1]),
        starmap: () => pool.starmap(T.add, [[1, 2]]),
        starmapAsync: () => pool.starmapAsync(T.add, [[1, 2]]),
        imap: () => pool.imap(T.square, [1]),
        imapUnordered: () => pool.imapUnordered(T.square, [1]),
        'map of nothing': () => pool.map(T.square, []),
      };
      for (const [what, fn] of Object.entries(calls)) assertThrowsCode(t, fn, Error, 'ERR_POOL_NOT_RUNNING', `${what} after ${end}()`);
      // Arguments are validated before state checks (Conventions).
      assertThrowsCode(t, () => pool.apply('square', [1]), TypeError, 'ERR_INVALID_ARG_TYPE', `apply(non-function) after ${end}()`);
      assertThrowsCode(t, () => pool.map(T.square, [1], 0), RangeError, 'ERR_OUT_OF_RANGE', `map chunksize 0 after ${end}()`);
      t.notThrows(() => pool[end](), `${end}() twice`);
      t.notThrows(() => pool.terminate(), `terminate() after ${end}()`);
      t.notThrows(() => pool.close(), `close() after ${end}() and terminate()`);
      pool.join();
      t.notThrows(() => pool.join(), 'join() twice');
      await within(pool.joinAsync(), LONG, 'joinAsync() after join()');
    }
  });

  test(`${K}: close() lets submitted work finish; join() waits for it and for the workers`, async (t) => {
    const threads = activeCount();
    const pool = makePool(t, Kind, 2);
    const workers = allWorkers(pool, 2);
    const rs = range(4).map((i) => pool.applyAsync(T.slowEcho, [i, 40]));
    const m = pool.mapAsync(T.square, range(10), 1);
    const it = pool.imap(T.square, range(5));
    pool.close();
    pool.join();
    t.true(rs.every((r) => r.ready()), 'every applyAsync is ready after join()');
    t.deepEqual(rs.map((r) => r.get(0)), range(4));
    t.true(m.ready());
    t.deepEqual(m.get(0), squares(range(10)));
    t.deepEqual([...it], squares(range(5)), 'imap submitted before close() completes');
    await assertWorkersEnded(t, Kind, workers, threads);
  });

  test(`${K}: close() then joinAsync() resolves once the work is done and the workers have ended`, async (t) => {
    const threads = activeCount();
    const pool = makePool(t, Kind, 2);
    const workers = allWorkers(pool, 2);
    const rs = range(4).map((i) => pool.applyAsync(T.slowEcho, [i, 40]));
    const it = pool.imapUnordered(T.square, range(5), 2);
    pool.close();
    await within(pool.joinAsync(), LONG, 'joinAsync()');
    t.true(rs.every((r) => r.ready()));
    t.deepEqual(await settle(Promise.all(rs)), range(4));
    t.deepEqual([...it].sort((a, b) => a - b), squares(range(5)));
    await assertWorkersEnded(t, Kind, workers, threads);
  });

  test(`${K}: terminate() ends the workers at once: unfinished results fail with ERR_POOL_TERMINATED; the workers are reaped`, async (t) => {
    const threads = activeCount();
    const pool = makePool(t, Kind, 2);
    const release = new Event();
    const q = new Queue();
    const blocked = [0, 1].map((i) => pool.applyAsync(T.reportAndBlock, [q, release, i]));
    const workers = [await recv(q, 'first worker running'), await recv(q, 'second worker running')];
    const queued = pool.applyAsync(T.square, [3]);
    const mapped = pool.mapAsync(T.square, range(4));
    const it = pool.imap(T.square, range(4));
    const t0 = performance.now();
    pool.terminate();
    for (const r of [...blocked, queued, mapped]) {
      const e = await rejection(t, r);
      t.is(e?.code, 'ERR_POOL_TERMINATED');
      t.true(e instanceof Error);
      t.true(r.ready());
      t.false(r.successful());
      t.throws(() => r.get(0), { code: 'ERR_POOL_TERMINATED' });
    }
    t.throws(() => it.next(LONG), { code: 'ERR_POOL_TERMINATED' }, 'an imap iterator throws it too');
    pool.join();
    t.true(since(t0) < 5000, `terminate() and join() took ${since(t0).toFixed(0)} ms: they do not wait for the blocked tasks`);
    await assertWorkersEnded(t, Kind, workers, threads);
    assertThrowsCode(t, () => pool.apply(T.square, [1]), Error, 'ERR_POOL_NOT_RUNNING');
  });

  test(`${K}: [Symbol.dispose]() terminates; [Symbol.asyncDispose]() terminates and waits for the workers`, async (t) => {
    const threads = activeCount();
    const release = new Event();
    const q = new Queue();
    {
      const pool = makePool(t, Kind, 1);
      const r = pool.applyAsync(T.reportAndBlock, [q, release, 1]);
      await recv(q);
      t.is(pool[Symbol.dispose](), undefined);
      t.is((await rejection(t, r))?.code, 'ERR_POOL_TERMINATED');
      assertThrowsCode(t, () => pool.apply(T.square, [1]), Error, 'ERR_POOL_NOT_RUNNING');
      pool.join();
    }
    {
      const pool = makePool(t, Kind, 1);
      const r = pool.applyAsync(T.reportAndBlock, [q, release, 1]);
      const worker = await recv(q);
      const done = pool[Symbol.asyncDispose]();
      t.true(done instanceof Promise);
      await within(done, LONG, '[Symbol.asyncDispose]()');
      t.is((await rejection(t, r))?.code, 'ERR_POOL_TERMINATED');
      await assertWorkersEnded(t, Kind, [worker], threads);
      assertThrowsCode(t, () => pool.applyAsync(T.square, [1]), Error, 'ERR_POOL_NOT_RUNNING');
    }
  });

  test(`${K}: an initializer that throws fails outstanding and later calls with ERR_POOL_INITIALIZER_FAILED, its cause the initializer's error`, async (t) => {
    const check = (e, what) => {
      t.true(e instanceof Error, what);
      t.is(e?.code, 'ERR_POOL_INITIALIZER_FAILED', `${what}: code (${e?.message})`);
      t.true(e?.cause instanceof RangeError, `${what}: the cause is the initializer's RangeError`);
      t.is(e?.cause?.message, 'the initializer failed');
      t.is(e?.cause?.code, 'E_INIT');
    };
    /** The pool; a failed test (not an exception) when the constructor throws. */
    const create = (processes, what) => {
      try {
        return makePool(t, Kind, { processes, initializer: T.badInit });
      } catch (e) {
        t.fail(`${what}: new ${K}({ processes: ${processes}, initializer }) threw ${e?.code}: ${e?.message}`);
        return undefined;
      }
    };
    {
      const pool = create(1, 'one worker');
      if (pool) {
        check(thrown(t, () => pool.apply(T.square, [2])), 'apply, blocking, at once');
        pool.terminate();
        pool.join();
      }
    }
    {
      const pool = create(2, 'two workers');
      if (pool) {
        // Calls made before the failure is known fail through their results; once it is
        // known (the constructor may already have seen it), calls throw it at once.
        const outcome = async (call, what) => {
          let r;
          try {
            r = call();
          } catch (e) {
            return e;
          }
          return typeof r.next === 'function' ? thrown(t, () => r.next(LONG), what) : rejection(t, r, what);
        };
        check(await outcome(() => pool.applyAsync(T.square, [2]), 'applyAsync submitted at once'), 'applyAsync submitted at once');
        check(await outcome(() => pool.mapAsync(T.square, [1, 2, 3]), 'mapAsync submitted at once'), 'mapAsync submitted at once');
        check(await outcome(() => pool.imap(T.square, [1, 2]), 'imap submitted at once'), 'imap submitted at once');
        check(await assertRejectsOrThrows(t, () => pool.applyAsync(T.square, [2]).getAsync(), Error, 'ERR_POOL_INITIALIZER_FAILED', 'a later applyAsync'), 'a later applyAsync');
        check(thrown(t, () => pool.map(T.square, [1])), 'a later map');
        pool.close();
        await within(pool.joinAsync(), LONG, 'joinAsync() of a pool whose initializer failed');
      }
    }
    // With several workers, one fails first while the others may still be starting: the pool
    // breaks the same way (the constructor does not throw).
    for (let i = 0; i < 3; i++) {
      const pool = create(3, `three workers, round ${i}`);
      if (pool) check(thrown(t, () => pool.apply(T.square, [2])), `three workers, round ${i}: apply`);
    }
  });

  // -------------------------------------------------------------------------------------------
  // AsyncResult and TimeoutError

  test(`${K}: AsyncResult.get(timeout) throws TimeoutError and the result can still be got; getAsync(timeout) likewise; wait(timeout) returns; successful() before ready throws ERR_RESULT_NOT_READY`, async (t) => {
    const pool = makePool(t, Kind, 1);
    const release = new Event();
    const q = new Queue();
    const r = pool.applyAsync(T.reportAndBlock, [q, release, 'late']);
    await recv(q);

    let t0 = performance.now();
    const e = t.throws(() => r.get(150), { instanceOf: TimeoutError });
    assertTook(t, since(t0), 150, 2000, 'get(150)');
    t.true(e instanceof Error);
    t.is(e?.name, 'TimeoutError');
    t.throws(() => r.get(0), { instanceOf: TimeoutError }, 'get(0) does not block');
    t.throws(() => r.get(-5), { instanceOf: TimeoutError }, 'a negative timeout does not block');

    t0 = performance.now();
    t.is(r.wait(150), undefined, 'wait(timeout) returns without throwing');
    assertTook(t, since(t0), 150, 2000, 'wait(150)');
    t.false(r.ready());
    assertThrowsCode(t, () => r.successful(), Error, 'ERR_RESULT_NOT_READY', 'successful() before ready');

    t0 = performance.now();
    const ea = await rejection(t, r.getAsync(150));
    t.true(ea instanceof TimeoutError, 'getAsync(150) rejects with TimeoutError');
    assertTook(t, since(t0), 150, 2000, 'getAsync(150)');
    t.true((await rejection(t, r.getAsync(0))) instanceof TimeoutError, 'getAsync(0)');

    const pending = r.getAsync(LONG);
    const awaited = settle(r);
    release.set();
    t.is(r.get(LONG), 'late', 'the result can still be got after a timeout');
    t.true(r.ready());
    t.true(r.successful());
    t.is(await settle(pending), 'late', 'a getAsync made before the result came gets it');
    t.is(await awaited, 'late');
    t.is(await settle(r.getAsync(0)), 'late');
  });

  test(`${K}: AsyncResult.getAsync(timeout, { signal }): an aborted wait rejects with the signal's reason; the result can still be got`, async (t) => {
    const pool = makePool(t, Kind, 1);
    const release = new Event();
    const q = new Queue();
    const r = pool.applyAsync(T.reportAndBlock, [q, release, 'late']);
    await recv(q);
    const reason = new Error('stop waiting');
    const ac = new AbortController();
    // Timeouts of 1 s: a signal that is not heeded fails with TimeoutError instead of waiting long.
    const aborted = r.getAsync(1000, { signal: ac.signal });
    ac.abort(reason);
    t.is(await rejection(t, aborted, 'getAsync(timeout, { signal }) aborted'), reason, 'an aborted getAsync rejects with the signal\'s reason (Conventions)');
    t.is(await rejection(t, r.getAsync(1000, { signal: AbortSignal.abort(reason) }), 'getAsync with an aborted signal'), reason, 'an already aborted signal');
    t.false(r.ready());
    release.set();
    t.is(await settle(r.getAsync(LONG, { signal: new AbortController().signal })), 'late');
  });

  test(`${K}: TimeoutError is an exported Error class`, (t) => {
    const e = new TimeoutError('m');
    t.true(e instanceof Error);
    t.is(e.name, 'TimeoutError');
    t.is(e.message, 'm');
  });

  // -------------------------------------------------------------------------------------------
  // Blocking

  test(`${K}: awaited and blocking calls mixed on one pool: every call completes (no result is left where a blocked caller cannot see it)`, async (t) => {
    const pool = makePool(t, Kind, 2);
    await within(
      (async () => {
        for (let round = 0; round < 10; round++) {
          for (let i = 0; i < 30; i++) t.is(await pool.applyAsync(T.square, [i]), i * i);
          for (let i = 0; i < 30; i++) t.is(pool.apply(T.square, [i]), i * i);
          const pending = pool.applyAsync(T.square, [round]);
          t.deepEqual(pool.map(T.square, [1, 2, 3], 1), [1, 4, 9]);
          t.is(await pending, round * round);
        }
      })(),
      LONG,
      'ten rounds of awaited and blocking calls',
    );
  });

  test(`${K}: the blocking forms block the calling (main) thread's event loop, and still complete`, async (t) => {
    let fired = 0;
    const timer = setTimeout(() => fired++, 0);
    const immediate = setImmediate(() => fired++);
    t.teardown(() => {
      clearTimeout(timer);
      clearImmediate(immediate);
    });
    const pool = makePool(t, Kind, 2);
    let t0 = performance.now();
    t.is(pool.apply(T.slowEcho, ['a', 30]), 'a');
    t.true(since(t0) >= 29, 'apply() waited for the task');
    t.deepEqual(pool.starmap(T.slowEcho, [[1, 20], [2, 20], [3, 20]], 1), [1, 2, 3]);
    t.deepEqual(pool.map(T.square, range(5)), squares(range(5)));
    t.is(pool.applyAsync(T.slowEcho, ['b', 30]).get(), 'b');
    const w = pool.applyAsync(T.slowEcho, ['c', 30]);
    w.wait();
    t.true(w.ready());
    t.deepEqual([...pool.imap(T.square, [1, 2, 3])], [1, 4, 9]);
    t.deepEqual([...pool.imapUnordered(T.identity, [7])], [7]);
    const late = pool.applyAsync(T.slowEcho, ['d', 50]);
    pool.close();
    t0 = performance.now();
    pool.join();
    t.true(late.ready(), 'join() handled the last result');
    t.is(fired, 0, 'no timer or immediate ran meanwhile: the event loop was blocked');
    await new Promise((resolve) => setTimeout(resolve, 0));
    t.is(fired, 2, 'they run once the loop does');
  });

  test(`${K}: from a worker thread: the blocking forms complete, callbacks run on that thread`, async (t) => {
    const w = startWorker(
      t,
      `
      const { threadId } = require('node:worker_threads');
      const C = require(workerData.cjs);
      const T = await import(workerData.esm);
      const Kind = nt[workerData.kind];
      const pool = new Kind(2);
      let fired = false;
      setTimeout(() => { fired = true; }, 0);
      const seen = [];
      const r = pool.applyAsync(C.square, [5], undefined, (v) => seen.push({ v, thread: threadId, ready: r.ready() }));
      const m = pool.map(C.square, [1, 2, 3]);
      const esm = pool.apply(T.square, [6]);
      const where = pool.apply(C.whereAmI);
      const g = r.get(20000);
      const it = [...pool.imap(C.square, [4, 5])];
      let err;
      try { pool.apply(C.throwCjs, ['w']); } catch (e) { err = { name: e.name, code: e.code, isType: e instanceof TypeError, stack: String(e.stack) }; }
      const notExported = [T.hidden.fn, C.hidden.fn, C.makeLocal(), function inThisScript(x) { return x; }].map((fn) => {
        try { pool.apply(fn, [1]); return 'no error'; } catch (e) { return e.code; }
      });
      pool.close();
      pool.join();
      post({ type: 'done', m, esm, where, g, it, seen, fired, me: threadId, err, notExported });
      `,
      { kind: K, cjs: require.resolve('./fixtures/pool-targets.cjs'), esm: new URL('./fixtures/pool-targets.mjs', import.meta.url).href },
    );
    const d = await w.next('done', 30_000);
    t.not(d.me, 0);
    t.deepEqual(d.m, [1, 4, 9]);
    t.is(d.esm, 36, 'an ES module target from a worker thread');
    t.is(d.g, 25);
    t.deepEqual(d.it, [16, 25]);
    t.deepEqual(d.seen, [{ v: 25, thread: d.me, ready: false }], 'the callback ran on the calling worker thread');
    t.false(d.fired, 'the worker\'s event loop was blocked');
    if (Kind === Pool) t.not(d.where.pid, process.pid, 'a Pool task runs in another process');
    else {
      t.is(d.where.pid, process.pid);
      t.not(d.where.threadId, d.me, 'a ThreadPool task runs in another thread');
    }
    t.is(d.err?.code, 'E_CJS');
    t.true(d.err?.isType);
    t.true(d.err?.stack.includes('throwCjs'));
    t.deepEqual(d.notExported, Array(4).fill('ERR_TARGET_NOT_EXPORTED'), 'a CommonJS caller gets ERR_TARGET_NOT_EXPORTED for ES module, CommonJS and local functions');
  });
}

// ---------------------------------------------------------------------------------------------
// What differs between the kinds: shared memory

test('Pool: a SharedArrayBuffer among the arguments is TypeError ERR_NOT_SHAREABLE at the call (in initargs: at the constructor)', (t) => {
  const children = activeChildren().length;
  const sab = new SharedArrayBuffer(16);
  assertThrowsCode(t, () => new Pool({ processes: 1, initializer: T.initShared, initargs: [sab] }), TypeError, 'ERR_NOT_SHAREABLE', 'initargs');
  t.is(activeChildren().length, children, 'no worker started');
  const pool = makePool(t, Pool, 1);
  const calls = {
    apply: () => pool.apply(T.writeShared, [sab, 0, 1]),
    applyAsync: () => pool.applyAsync(T.writeShared, [sab, 0, 1]),
    'a typed array over it': () => pool.apply(T.identity, [new Int32Array(sab)]),
    nested: () => pool.apply(T.writeNested, [{ box: { sab } }, 0, 1]),
    kwargs: () => pool.applyAsync(T.echoArgs, [], { sab }),
    map: () => pool.map(T.identity, [1, sab]),
    mapAsync: () => pool.mapAsync(T.identity, [sab]),
    starmap: () => pool.starmap(T.writeShared, [[sab, 0, 1]]),
    starmapAsync: () => pool.starmapAsync(T.writeShared, [[sab, 0, 1]]),
  };
  for (const [what, fn] of Object.entries(calls)) {
    const e = assertThrowsCode(t, fn, TypeError, 'ERR_NOT_SHAREABLE', what);
    if (what === 'apply') t.regex(String(e?.message), /SharedArray|Value/, 'the message points to SharedArray/Value');
  }
  const it = pool.imap(T.identity, [1, sab]);
  t.deepEqual(it.next(LONG), { done: false, value: 1 });
  const e = thrown(t, () => it.next(LONG));
  t.is(e?.code, 'ERR_NOT_SHAREABLE', 'imap: the item fails at its place');
  t.true(new Int32Array(sab).every((v) => v === 0), 'nothing was written');
  t.is(pool.apply(T.square, [3]), 9, 'the pool goes on');
});

test('ThreadPool: a SharedArrayBuffer among the arguments stays shared: plain, nested, in kwargs, map items, initargs and results', async (t) => {
  const sab = new SharedArrayBuffer(64);
  const ints = new Int32Array(sab);
  const pool = makePool(t, ThreadPool, { processes: 2, initializer: T.initShared, initargs: [sab] });
  t.is(pool.apply(T.writeShared, [sab, 1, 11]), 11);
  t.is(ints[1], 11, 'the task wrote into the caller\'s memory');
  await settle(pool.applyAsync(T.writeShared, [sab, 2, 22]));
  t.is(ints[2], 22);
  t.deepEqual(pool.starmap(T.writeShared, [[sab, 3, 33], [sab, 4, 44]], 1), [33, 44]);
  t.deepEqual([ints[3], ints[4]], [33, 44]);
  pool.apply(T.writeNested, [{ box: { sab } }, 5, 55]);
  t.is(ints[5], 55, 'nested in an object');
  const kw = pool.apply(T.echoArgs, [], { sab });
  t.true(kw.args[0].sab instanceof SharedArrayBuffer);
  new Int32Array(kw.args[0].sab)[6] = 66;
  t.is(ints[6], 66, 'a SharedArrayBuffer in kwargs, sent back: the same memory');
  const back = pool.apply(T.identity, [sab]);
  new Int32Array(back)[7] = 77;
  t.is(ints[7], 77, 'a SharedArrayBuffer in a result: the same memory');
  const [viaImap] = [...pool.imap(T.identity, [sab])];
  new Int32Array(viaImap)[8] = 88;
  t.is(ints[8], 88, 'through imap');
  t.is(pool.apply(T.writeShared, [new Int32Array(sab).buffer, 9, 99]), 99);
  t.is(ints[9], 99);
  assertThrowsCode(t, () => pool.apply(T.identity, [[sab, () => 1]]), TypeError, 'ERR_INVALID_ARG_VALUE', 'shared memory next to a function');
  t.is(pool.apply(T.square, [3]), 9);
  pool.close();
  pool.join();
  t.is(ints[0], 2, 'the initializer of each of the 2 workers wrote into the shared memory');
});
