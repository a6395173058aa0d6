// README "Python -> TypeScript" (the rules for all classes): names, timeouts and their validation, async forms and
// AbortSignal, keeping the process alive, error codes, sharing with from().
import { createRequire } from 'node:module';
import test from 'ava';
import * as esm from '../dist/index.mjs';
import {
  assertPending,
  assertRejectsOrThrows,
  assertThrowsCode,
  delay,
  DIST,
  HELPERS,
  lastJson,
  nt,
  runNode,
  settledWithin,
  PENDING,
  sharedInts,
  since,
  startWorker,
  within,
} from './helpers/util.mjs';

const require = createRequire(import.meta.url);
const { Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier, BrokenBarrierError } = nt;
const CLASSES = { Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier };

const outcome = (p) => p.then((value) => ({ value }), (error) => ({ error }));

// ---------------------------------------------------------------------------------------------
// Names and entry points

test.serial('every primitive is a named export of the package root, from require and from import', async (t) => {
  const names = ['Lock', 'RLock', 'Condition', 'Semaphore', 'BoundedSemaphore', 'Event', 'Barrier', 'BrokenBarrierError'];
  const cjs = require('native-threading');
  const imported = await import('native-threading');
  for (const n of names) {
    t.is(typeof nt[n], 'function', `dist/index.js exports ${n}`);
    t.is(esm[n], nt[n], `dist/index.mjs exports the same ${n}`);
    t.is(cjs[n], nt[n], `require('native-threading').${n}`);
    t.is(imported[n], nt[n], `import('native-threading').${n}`);
  }
  t.is(require(DIST), nt);
});

test("method names are Python's in camelCase", (t) => {
  const has = (C, names) => {
    for (const n of names) t.is(typeof C.prototype[n], 'function', `${C.name}.prototype.${n}`);
  };
  has(Lock, ['acquire', 'acquireAsync', 'release', 'locked', 'hold', 'withLock']);
  has(RLock, ['acquire', 'acquireAsync', 'release', 'locked', 'hold', 'withLock']);
  has(Condition, ['acquire', 'acquireAsync', 'release', 'wait', 'waitAsync', 'waitFor', 'waitForAsync', 'notify', 'notifyAll', 'hold', 'withLock']);
  has(Semaphore, ['acquire', 'acquireAsync', 'release', 'hold', 'withLock']);
  has(BoundedSemaphore, ['acquire', 'acquireAsync', 'release', 'hold', 'withLock']);
  has(Event, ['isSet', 'set', 'clear', 'wait', 'waitAsync']);
  has(Barrier, ['wait', 'waitAsync', 'abort', 'reset']);
  for (const C of Object.values(CLASSES)) t.is(typeof C.from, 'function', `${C.name}.from`);
  const b = new Barrier(2);
  t.is(typeof b.parties, 'number');
  t.is(typeof b.nWaiting, 'number');
  t.is(typeof b.broken, 'boolean');
  t.true(new BoundedSemaphore() instanceof Semaphore);
  t.true(new BrokenBarrierError() instanceof Error);
});

// ---------------------------------------------------------------------------------------------
// Timeout validation

/** Every timed call, on a fresh object in a state where the call would not block. */
const TIMED = {
  'Lock.acquire(true, t)': (t) => new Lock().acquire(true, t),
  'Lock.acquireAsync(t)': (t) => new Lock().acquireAsync(t),
  'RLock.acquire(true, t)': (t) => new RLock().acquire(true, t),
  'RLock.acquireAsync(t)': (t) => new RLock().acquireAsync(t),
  'Condition.acquire(true, t)': (t) => new Condition().acquire(true, t),
  'Condition(Lock).acquire(true, t)': (t) => new Condition(new Lock()).acquire(true, t),
  'Condition.acquireAsync(t)': (t) => new Condition().acquireAsync(t),
  'Condition.wait(t)': (t) => {
    const c = new Condition();
    c.acquire();
    return c.wait(t);
  },
  'Condition.waitAsync(t)': (t) => {
    const c = new Condition();
    c.acquire();
    return c.waitAsync(t);
  },
  'Condition.waitFor(p, t)': (t) => {
    const c = new Condition();
    c.acquire();
    return c.waitFor(() => true, t);
  },
  'Condition.waitForAsync(p, t)': (t) => {
    const c = new Condition();
    c.acquire();
    return c.waitForAsync(() => true, t);
  },
  'Semaphore.acquire(true, t)': (t) => new Semaphore(1).acquire(true, t),
  'Semaphore.acquireAsync(t)': (t) => new Semaphore(1).acquireAsync(t),
  'BoundedSemaphore.acquire(true, t)': (t) => new BoundedSemaphore(1).acquire(true, t),
  'Event.wait(t) (set)': (t) => {
    const e = new Event();
    e.set();
    return e.wait(t);
  },
  'Event.waitAsync(t) (set)': (t) => {
    const e = new Event();
    e.set();
    return e.waitAsync(t);
  },
  'Barrier(1).wait(t)': (t) => new Barrier(1).wait(t),
  'Barrier(1).waitAsync(t)': (t) => new Barrier(1).waitAsync(t),
  'new Barrier(2, undefined, t)': (t) => new Barrier(2, undefined, t),
};

test.serial('a NaN timeout is RangeError ERR_OUT_OF_RANGE everywhere, also where the call would not block', async (t) => {
  for (const [name, call] of Object.entries(TIMED)) {
    await assertRejectsOrThrows(t, () => call(NaN), RangeError, 'ERR_OUT_OF_RANGE', name);
  }
});

test.serial('a non-number timeout is TypeError ERR_INVALID_ARG_TYPE everywhere', async (t) => {
  for (const bad of ['10', {}, true, 10n, [1]]) {
    for (const [name, call] of Object.entries(TIMED)) {
      await assertRejectsOrThrows(t, () => call(bad), TypeError, 'ERR_INVALID_ARG_TYPE', `${name} with ${typeof bad}`);
    }
  }
});

test.serial('undefined, null, Infinity and 0 and positive timeouts are accepted everywhere', async (t) => {
  for (const ok of [undefined, null, Infinity, 0, 5, 1e9]) {
    for (const [name, call] of Object.entries(TIMED)) {
      // A notify-less Condition.wait really waits that long (forever) on this thread.
      if (/Condition\.wait(Async)?\(t\)/.test(name) && !(ok === 0 || ok === 5)) continue;
      let r;
      t.notThrows(() => {
        r = call(ok);
      }, `${name} with ${ok}`);
      if (r instanceof Promise) {
        const s = await settledWithin(r, 1000);
        t.true(s !== PENDING && !('error' in s), `${name} with ${ok}: ${s === PENDING ? 'pending' : s.error}`);
      }
    }
  }
});

test.serial('Lock/RLock/Condition acquire: -1 means forever, any other negative is RangeError ERR_OUT_OF_RANGE', async (t) => {
  const lockish = {
    Lock: () => new Lock(),
    RLock: () => new RLock(),
    'Condition(Lock)': () => new Condition(new Lock()),
    'Condition(RLock)': () => new Condition(new RLock()),
  };
  for (const [name, make] of Object.entries(lockish)) {
    for (const bad of [-2, -0.5, -1.5, -1000, -Infinity]) {
      const x = make();
      assertThrowsCode(t, () => x.acquire(true, bad), RangeError, 'ERR_OUT_OF_RANGE', `${name}.acquire(true, ${bad})`);
      assertThrowsCode(t, () => x.acquire(undefined, bad), RangeError, 'ERR_OUT_OF_RANGE', `${name}.acquire(undefined, ${bad})`);
      await assertRejectsOrThrows(t, () => x.acquireAsync(bad), RangeError, 'ERR_OUT_OF_RANGE', `${name}.acquireAsync(${bad})`);
    }
    const x = make();
    t.true(x.acquire(true, -1), `${name}.acquire(true, -1) on a free lock`);
    x.release();
    t.true(await within(x.acquireAsync(-1), 1000), `${name}.acquireAsync(-1) on a free lock`);
    x.release();
  }
});

test.serial('validation before state: acquire(true, NaN) on a free lock throws and leaves it free', async (t) => {
  const lock = new Lock();
  t.throws(() => lock.acquire(true, NaN), { instanceOf: RangeError });
  t.false(lock.locked());
  t.throws(() => lock.acquire(false, 5), { instanceOf: TypeError });
  t.false(lock.locked());
  await assertRejectsOrThrows(t, () => lock.acquireAsync(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  t.false(lock.locked());
  const r = new RLock();
  t.throws(() => r.acquire(true, NaN), { instanceOf: RangeError });
  t.false(r.locked());
  const c = new Condition(new Lock());
  t.throws(() => c.acquire(true, NaN), { instanceOf: RangeError });
  t.false(c.lock.locked());
  const s = new Semaphore(1);
  t.throws(() => s.acquire(true, NaN), { instanceOf: RangeError });
  t.true(s.acquire(false), 'the semaphore unit is still there');
  // ...and before "not held" checks.
  const held = new Condition(new Lock());
  assertThrowsCode(t, () => held.wait(NaN), RangeError, 'ERR_OUT_OF_RANGE', 'Condition.wait(NaN) without the lock');
  assertThrowsCode(t, () => held.notify(-1), RangeError, 'ERR_OUT_OF_RANGE', 'Condition.notify(-1) without the lock');
});

test.serial('acquire(false, t) with a timeout other than -1/undefined/null is TypeError ERR_INVALID_ARG_VALUE', (t) => {
  for (const [name, make] of Object.entries({
    Lock: () => new Lock(),
    RLock: () => new RLock(),
    Condition: () => new Condition(),
    Semaphore: () => new Semaphore(1),
    BoundedSemaphore: () => new BoundedSemaphore(1),
  })) {
    for (const timeout of [5, 0, 0.5, Infinity]) {
      assertThrowsCode(t, () => make().acquire(false, timeout), TypeError, 'ERR_INVALID_ARG_VALUE', `${name}.acquire(false, ${timeout})`);
    }
    for (const timeout of [-1, undefined, null]) {
      const x = make();
      let r;
      t.notThrows(() => {
        r = x.acquire(false, timeout);
      }, `${name}.acquire(false, ${timeout})`);
      t.true(r, `${name}.acquire(false, ${timeout}) took the free lock`);
    }
  }
});

test.serial('a wrong type for blocking is TypeError ERR_INVALID_ARG_TYPE', (t) => {
  for (const C of [Lock, RLock, Condition, Semaphore]) {
    assertThrowsCode(t, () => new C().acquire('no'), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.acquire('no')`);
    assertThrowsCode(t, () => new C().acquire(1, 5), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.acquire(1, 5)`);
  }
});

test.serial('out-of-range counts are RangeError ERR_OUT_OF_RANGE; wrong types TypeError ERR_INVALID_ARG_TYPE', (t) => {
  assertThrowsCode(t, () => new Semaphore(-1), RangeError, 'ERR_OUT_OF_RANGE', 'Semaphore(-1)');
  assertThrowsCode(t, () => new Semaphore(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'Semaphore(1.5)');
  assertThrowsCode(t, () => new Semaphore(1).release(0), RangeError, 'ERR_OUT_OF_RANGE', 'release(0)');
  assertThrowsCode(t, () => new Barrier(0), RangeError, 'ERR_OUT_OF_RANGE', 'Barrier(0)');
  assertThrowsCode(t, () => new Barrier(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'Barrier(1.5)');
  const c = new Condition();
  c.acquire();
  assertThrowsCode(t, () => c.notify(-1), RangeError, 'ERR_OUT_OF_RANGE', 'notify(-1)');
  c.release();
  assertThrowsCode(t, () => new Semaphore('1'), TypeError, 'ERR_INVALID_ARG_TYPE', "Semaphore('1')");
  assertThrowsCode(t, () => new Barrier(null), TypeError, 'ERR_INVALID_ARG_TYPE', 'Barrier(null)');
});

// ---------------------------------------------------------------------------------------------
// Forever, for the blocking forms (in a worker)

test.serial('undefined, null and Infinity (and -1 for Lock/RLock) make the blocking forms wait until woken', async (t) => {
  const lock = new Lock();
  const rlock = new RLock();
  const sem = new Semaphore(0);
  const ev = new Event();
  const cond = new Condition(new Lock());
  const flags = sharedInts(16);
  const steps = [
    ['lock.acquire()', () => lock.acquire(), () => lock.release()],
    ['lock.acquire(true, Infinity)', () => lock.acquire(), () => lock.release()],
    ['lock.acquire(true, -1)', () => lock.acquire(), () => lock.release()],
    ['lock.acquire(true, null)', () => lock.acquire(), () => lock.release()],
    ['rlock.acquire(true, -1)', () => rlock.acquire(), () => rlock.release()],
    ['rlock.acquire(true, Infinity)', () => rlock.acquire(), () => rlock.release()],
    ['sem.acquire(true, null)', () => {}, () => sem.release()],
    ['sem.acquire(true, Infinity)', () => {}, () => sem.release()],
    ['ev.wait(null)', () => {}, () => ev.set()],
    ['ev.wait(Infinity)', () => ev.clear(), () => ev.set()],
    ['cond.wait(null)', () => {}, () => (cond.acquire(), cond.notify(), cond.release())],
    ['cond.wait(Infinity)', () => {}, () => (cond.acquire(), cond.notify(), cond.release())],
  ];
  const w = startWorker(
    t,
    `
    const lock = nt.Lock.from(workerData.lock), rlock = nt.RLock.from(workerData.rlock);
    const sem = nt.Semaphore.from(workerData.sem), ev = nt.Event.from(workerData.ev);
    const cond = nt.Condition.from(workerData.cond);
    const calls = ${JSON.stringify(steps.map((s) => s[0]))};
    for (let i = 0; i < calls.length; i++) {
      await nextMessage();
      const isCond = calls[i].startsWith('cond');
      if (isCond) cond.acquire();
      post({ type: 'blocking', i });
      const r = eval(calls[i]);
      Atomics.store(flags, i, 1);
      if (calls[i].startsWith('lock')) lock.release();
      if (calls[i].startsWith('rlock')) rlock.release();
      if (isCond) cond.release();
      post({ type: 'done', i, r });
    }
    `,
    { lock, rlock, sem, ev, cond, flags: flags.buffer },
  );
  for (let i = 0; i < steps.length; i++) {
    const [name, hold, wake] = steps[i];
    hold();
    w.post('next');
    await w.next('blocking');
    await delay(120);
    t.is(Atomics.load(flags, i), 0, `${name} is still blocked`);
    if (name.startsWith('cond')) {
      t.true(cond.acquire(true, 5000), `${name} released the lock while waiting`);
      cond.release();
    }
    wake();
    const m = await w.next('done', 5000);
    t.is(m.r, true, `${name} returned true once woken`);
  }
});

test.serial('undefined, null and Infinity make every async form wait until woken', async (t) => {
  const cases = {
    Lock: () => {
      const l = new Lock();
      l.acquire();
      return [(tm) => l.acquireAsync(tm), () => l.release(), () => l.release()];
    },
    Semaphore: () => {
      const s = new Semaphore(0);
      return [(tm) => s.acquireAsync(tm), () => s.release()];
    },
    Event: () => {
      const e = new Event();
      return [(tm) => e.waitAsync(tm), () => e.set()];
    },
    Condition: () => {
      const c = new Condition(new Lock());
      return [
        (tm) => (c.acquire(), c.waitAsync(tm)),
        () => (c.acquire(), c.notify(), c.release()),
        () => c.release(),
      ];
    },
    Barrier: () => {
      const b = new Barrier(2, undefined, 30);
      return [(tm) => b.waitAsync(tm === undefined ? null : tm), () => b.waitAsync(null)];
    },
  };
  for (const [name, make] of Object.entries(cases)) {
    for (const tm of [undefined, null, Infinity]) {
      const [wait, wake, after] = make();
      const p = wait(tm);
      await assertPending(t, p, 80, `${name} with ${tm}`);
      wake();
      const s = await settledWithin(p, 3000);
      t.true(s !== PENDING && 'value' in s, `${name} with ${tm} was woken`);
      after?.();
    }
  }
});

// ---------------------------------------------------------------------------------------------
// AbortSignal

/** Each async form, pending; `state()` describes the primitive so an abort can be checked. */
const PENDING_WAITS = {
  'Lock.acquireAsync': () => {
    const l = new Lock();
    l.acquire();
    return { wait: (o) => l.acquireAsync(undefined, o), state: () => ({ locked: l.locked() }) };
  },
  'RLock.acquireAsync (held by nobody: already-aborted only)': null,
  'Semaphore.acquireAsync': () => {
    const s = new Semaphore(0);
    return { wait: (o) => s.acquireAsync(undefined, o), state: () => ({}), after: () => (s.release(), { took: !s.acquire(false) }) };
  },
  'Event.waitAsync': () => {
    const e = new Event();
    return { wait: (o) => e.waitAsync(undefined, o), state: () => ({ set: e.isSet() }) };
  },
  'Condition.waitAsync': () => {
    const l = new Lock();
    const c = new Condition(l);
    c.acquire();
    return { wait: (o) => c.waitAsync(undefined, o), state: () => ({}), after: () => ({ relocked: l.locked() }) };
  },
  'Barrier.waitAsync': () => {
    const b = new Barrier(2);
    return { wait: (o) => b.waitAsync(undefined, o), state: () => ({ n: b.nWaiting, broken: b.broken }) };
  },
};

test.serial('an aborted async wait rejects with the signal reason, whatever its type', async (t) => {
  for (const reason of [new Error('e'), new DOMException('d', 'AbortError'), { custom: true }, 'a string', 42, null]) {
    for (const [name, make] of Object.entries(PENDING_WAITS)) {
      if (!make) continue;
      const { wait } = make();
      const ac = new AbortController();
      const p = wait({ signal: ac.signal });
      await delay(5);
      ac.abort(reason);
      const s = await settledWithin(p, 1000);
      t.true(s !== PENDING && 'error' in s, `${name} aborted with ${String(reason)}: ${s === PENDING ? 'still pending' : 'resolved'}`);
      if (s !== PENDING && 'error' in s) t.is(s.error, reason, `${name}: the rejection is the reason itself`);
    }
  }
});

test.serial('an already-aborted signal rejects with its reason and changes nothing, even where the call would not block', async (t) => {
  const reason = new Error('pre-aborted');
  const signal = AbortSignal.abort(reason);
  const rejectsWithReason = async (p, what) => t.is((await within(outcome(p), 1000, what)).error, reason, what);
  const l = new Lock();
  await rejectsWithReason(l.acquireAsync(undefined, { signal }), 'Lock');
  t.false(l.locked());
  const r = new RLock();
  await rejectsWithReason(r.acquireAsync(undefined, { signal }), 'RLock');
  t.false(r.locked());
  const s = new Semaphore(1);
  await rejectsWithReason(s.acquireAsync(undefined, { signal }), 'Semaphore');
  t.true(s.acquire(false));
  t.false(s.acquire(false));
  const e = new Event();
  e.set();
  await rejectsWithReason(e.waitAsync(undefined, { signal }), 'Event (set)');
  const c = new Condition(new Lock());
  c.acquire();
  await rejectsWithReason(c.waitAsync(undefined, { signal }), 'Condition');
  t.true(c.lock.locked(), 'the Condition still holds its lock');
  c.release();
  await rejectsWithReason(c.acquireAsync(undefined, { signal }), 'Condition.acquireAsync');
  t.false(c.lock.locked());
  const b = new Barrier(1);
  await rejectsWithReason(b.waitAsync(undefined, { signal }), 'Barrier(1)');
  t.is(b.nWaiting, 0);
});

test.serial('aborting after the wait finished changes nothing', async (t) => {
  const l = new Lock();
  const ac = new AbortController();
  t.true(await within(l.acquireAsync(undefined, { signal: ac.signal }), 1000));
  ac.abort(new Error('late'));
  await delay(20);
  t.true(l.locked(), 'the lock taken by the finished wait stays taken');
  l.release();
  const e = new Event();
  const ac2 = new AbortController();
  const p = e.waitAsync(undefined, { signal: ac2.signal });
  e.set();
  t.true(await within(p, 1000));
  ac2.abort();
  t.true(e.isSet());
});

test.serial('options must be an object and options.signal an AbortSignal (TypeError ERR_INVALID_ARG_TYPE)', async (t) => {
  const forms = {
    'Lock.acquireAsync': (o) => new Lock().acquireAsync(undefined, o),
    'RLock.acquireAsync': (o) => new RLock().acquireAsync(undefined, o),
    'Semaphore.acquireAsync': (o) => new Semaphore().acquireAsync(undefined, o),
    'Event.waitAsync': (o) => new Event().waitAsync(0, o),
    'Condition.waitAsync': (o) => {
      const c = new Condition();
      c.acquire();
      return c.waitAsync(0, o);
    },
    'Barrier.waitAsync': (o) => new Barrier(1).waitAsync(undefined, o),
  };
  for (const [name, call] of Object.entries(forms)) {
    await assertRejectsOrThrows(t, () => call('x'), TypeError, 'ERR_INVALID_ARG_TYPE', `${name}('x')`);
    await assertRejectsOrThrows(t, () => call({ signal: {} }), TypeError, 'ERR_INVALID_ARG_TYPE', `${name}({ signal: {} })`);
    const ok = await settledWithin(call({}), 1000);
    t.true(ok !== PENDING && 'value' in ok, `${name}({}) is fine`);
  }
});

// ---------------------------------------------------------------------------------------------
// A pending async wait keeps the process (or worker) alive

test.serial('a pending async wait keeps the process alive until another thread wakes it (each class)', async (t) => {
  const cases = ['event', 'lock', 'rlock', 'semaphore', 'condition', 'barrier'];
  const runs = await Promise.all(cases.map((c) => runNode([`${HELPERS}keepalive.mjs`, c], { timeout: 15_000 })));
  for (let i = 0; i < cases.length; i++) {
    const r = runs[i];
    const out = lastJson(r.stdout);
    t.is(r.code, 0, `${cases[i]}: exit code (stderr: ${r.stderr})`);
    t.truthy(out, `${cases[i]}: printed its result, did not exit early (stdout: ${r.stdout})`);
    if (cases[i] === 'barrier') t.true(out?.result === 0 || out?.result === 1, `barrier: an index, got ${out?.result}`);
    else t.is(out?.result, true, cases[i]);
    t.true(out?.ms >= 190, `${cases[i]}: settled after the worker woke it (${out?.ms} ms)`);
    t.false(r.killed, `${cases[i]}: the process ended by itself after the wait`);
  }
});

test.serial('a timed async wait keeps the process alive until it times out; an aborted one lets it exit', async (t) => {
  const [timed, aborted] = await Promise.all([
    runNode([`${HELPERS}keepalive.mjs`, 'timed'], { timeout: 15_000 }),
    runNode([`${HELPERS}keepalive.mjs`, 'aborted'], { timeout: 15_000 }),
  ]);
  t.is(timed.code, 0, timed.stderr);
  t.is(lastJson(timed.stdout)?.result, false);
  t.true(lastJson(timed.stdout)?.ms >= 298);
  t.is(aborted.code, 0, aborted.stderr);
  t.is(lastJson(aborted.stdout)?.error, 'Error: aborted');
  t.false(aborted.killed);
  t.true(aborted.ms < 10_000);
});

test.serial('a pending async wait keeps a worker alive too', async (t) => {
  const r = await runNode([`${HELPERS}keepalive.mjs`, 'worker'], { timeout: 15_000 });
  t.is(r.code, 0, r.stderr);
  t.is(lastJson(r.stdout)?.result, true, r.stdout);
});

// ---------------------------------------------------------------------------------------------
// Error codes

test.serial('misuse throws an Error with a stable code', async (t) => {
  const codeOf = (fn) => {
    try {
      fn();
    } catch (e) {
      t.true(e instanceof Error);
      return e.code;
    }
    return 'no error';
  };
  t.is(codeOf(() => new Lock().release()), 'ERR_LOCK_NOT_HELD');
  t.is(codeOf(() => new Condition(new Lock()).wait(0)), 'ERR_LOCK_NOT_HELD');
  t.is(codeOf(() => new Condition(new Lock()).notify()), 'ERR_LOCK_NOT_HELD');
  t.is(codeOf(() => new RLock().release()), 'ERR_LOCK_NOT_OWNED');
  t.is(codeOf(() => new Condition().wait(0)), 'ERR_LOCK_NOT_OWNED');
  t.is(codeOf(() => new Condition(new RLock()).notifyAll()), 'ERR_LOCK_NOT_OWNED');
  t.is(codeOf(() => new BoundedSemaphore(1).release()), 'ERR_SEMAPHORE_OVER_RELEASED');
  const b = new Barrier(2);
  b.abort();
  const e = t.throws(() => b.wait(), { instanceOf: BrokenBarrierError });
  t.true(e instanceof Error);
  t.is(e.code, 'ERR_BROKEN_BARRIER');
});

// ---------------------------------------------------------------------------------------------
// Sharing: from()

test.serial('from() of something that is not a shared instance of that class throws TypeError ERR_INVALID_ARG_TYPE', (t) => {
  const others = [undefined, null, 0, 'lock', {}, [], { __nativeThreading: 1 }, { __nativeThreading: { kind: 'x', d: 1 } }];
  for (const C of Object.values(CLASSES)) {
    for (const bad of others) {
      assertThrowsCode(t, () => C.from(bad), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.from(${JSON.stringify(bad)})`);
    }
  }
  const clones = {
    Lock: structuredClone(new Lock()),
    RLock: structuredClone(new RLock()),
    Event: structuredClone(new Event()),
    Barrier: structuredClone(new Barrier(2)),
    Condition: structuredClone(new Condition()),
  };
  assertThrowsCode(t, () => Lock.from(clones.RLock), TypeError, 'ERR_INVALID_ARG_TYPE', 'Lock.from(an RLock)');
  assertThrowsCode(t, () => RLock.from(clones.Lock), TypeError, 'ERR_INVALID_ARG_TYPE', 'RLock.from(a Lock)');
  assertThrowsCode(t, () => Event.from(clones.Barrier), TypeError, 'ERR_INVALID_ARG_TYPE', 'Event.from(a Barrier)');
  assertThrowsCode(t, () => Semaphore.from(clones.Event), TypeError, 'ERR_INVALID_ARG_TYPE', 'Semaphore.from(an Event)');
  assertThrowsCode(t, () => Condition.from(clones.Lock), TypeError, 'ERR_INVALID_ARG_TYPE', 'Condition.from(a Lock)');
  assertThrowsCode(t, () => Barrier.from(clones.Condition), TypeError, 'ERR_INVALID_ARG_TYPE', 'Barrier.from(a Condition)');
  assertThrowsCode(t, () => Lock.from(new RLock()), TypeError, 'ERR_INVALID_ARG_TYPE', 'Lock.from(an RLock instance)');
});

test.serial('from() of a structured clone on the same thread is a working instance over the same primitive', (t) => {
  const lock = new Lock();
  const l2 = Lock.from(structuredClone(lock));
  t.true(l2 instanceof Lock);
  l2.acquire();
  t.true(lock.locked());
  lock.release();
  t.false(l2.locked());
  const e = new Event();
  Event.from(structuredClone({ e }).e).set();
  t.true(e.isSet());
  t.is(Lock.from(lock).locked(), false, 'from() of an instance works too');
});

test.serial('all primitives travel through workerData and postMessage, nested in objects, arrays, Maps and Sets', async (t) => {
  const lock = new Lock();
  const rlock = new RLock();
  const cond = new Condition(new Lock());
  const sem = new Semaphore(0);
  const bsem = new BoundedSemaphore(2);
  const ev = new Event();
  const bar = new Barrier(2, undefined, 5000);
  bsem.acquire();
  const w = startWorker(
    t,
    `
    const d = workerData.deep.list[0];
    const lock = nt.Lock.from(d.lock);
    const rlock = nt.RLock.from(workerData.deep.map.get('rlock'));
    const cond = nt.Condition.from([...workerData.deep.set][0]);
    const msg = await nextMessage();
    const sem = nt.Semaphore.from(msg.a[0].b.sem);
    const bsem = nt.BoundedSemaphore.from(msg.a[1]);
    const ev = nt.Event.from(msg.ev);
    const bar = nt.Barrier.from(msg.nested.deeper.bar);
    const kinds = [lock instanceof nt.Lock, rlock instanceof nt.RLock, cond instanceof nt.Condition,
      sem instanceof nt.Semaphore, bsem instanceof nt.BoundedSemaphore, ev instanceof nt.Event, bar instanceof nt.Barrier];
    lock.acquire();
    rlock.acquire();
    cond.acquire();
    sem.release(2);
    bsem.release();
    let over;
    try { bsem.release(); } catch (e) { over = e.code; }
    ev.set();
    post({ type: 'ready', kinds, over, parties: bar.parties });
    const i = bar.wait();
    await nextMessage();
    rlock.release();
    cond.release();
    post({ type: 'done', i });
    `,
    { deep: { list: [{ lock }], map: new Map([['rlock', rlock]]), set: new Set([cond]) } },
  );
  w.post({ a: [{ b: { sem } }, bsem], ev, nested: { deeper: { bar } } });
  const m = await w.next('ready');
  t.deepEqual(m.kinds, [true, true, true, true, true, true, true]);
  t.is(m.over, 'ERR_SEMAPHORE_OVER_RELEASED');
  t.is(m.parties, 2);
  t.true(lock.locked(), 'Lock acquired by the worker');
  t.true(rlock.locked(), 'RLock acquired by the worker');
  assertThrowsCode(t, () => rlock.release(), Error, 'ERR_LOCK_NOT_OWNED');
  t.true(cond.lock.locked(), "Condition's lock acquired by the worker");
  t.true(sem.acquire(false) && sem.acquire(false) && !sem.acquire(false), 'Semaphore released twice by the worker');
  t.true(bsem.acquire(false) && bsem.acquire(false) && !bsem.acquire(false));
  t.true(ev.isSet(), 'Event set by the worker');
  const i = await within(bar.waitAsync(), 5000, 'the Barrier round with the worker');
  w.post('go');
  const done = await w.next('done');
  t.deepEqual([i, done.i].sort(), [0, 1]);
  t.false(rlock.locked());
  t.false(cond.lock.locked());
  lock.release();
});

test.serial('a primitive can be sent on from a worker to another worker', async (t) => {
  const ev = new Event();
  const a = startWorker(
    t,
    `
    const msg = await nextMessage();
    const ev = nt.Event.from(msg.ev);
    msg.port.postMessage({ ev, wrapped: { ev } });
    post({ type: 'sent' });
    `,
  );
  const b = startWorker(
    t,
    `
    const msg = await nextMessage();
    msg.port.once('message', (m) => {
      const ev = nt.Event.from(m.wrapped.ev);
      ev.set();
      post({ type: 'set', same: nt.Event.from(m.ev).isSet() });
      msg.port.close();
    });
    `,
  );
  const { port1, port2 } = new MessageChannel();
  b.post({ port: port2 }, [port2]);
  a.post({ ev, port: port1 }, [port1]);
  await a.next('sent');
  t.true((await b.next('set')).same);
  t.true(ev.isSet());
});
