// Pool and ThreadPool workers that die while running a task (they exit, are killed, run out of
// memory), terminate() after a worker was replaced, and how pools affect the end of the program
// (README, "Exit behaviour": Pools, and no child outliving its parent). The blocking forms are met with
// deaths in child scripts (fixtures/pool-sync-faults.mjs, fixtures/pool-oom.mjs), so that a call
// that never returns fails its test by a timeout instead of hanging this process; the async
// forms run here, bounded by within(). Every pool is terminated and joined in t.teardown, and
// every child script is killed after its timeout.
import ava from 'ava';
import { spawn } from 'node:child_process';
import { gone, killStrays, nt, PENDING, recv, ROOT, runNode, settledWithin, until, within } from './helpers/util.mjs';
import { LONG, makePool, range, rejection, settle, squares, workerKey } from './helpers/pool.mjs';
import * as T from './fixtures/pool-targets.mjs';

// Serial: workers are killed on purpose, and child scripts are timed.
const test = ava.serial;
const { Pool, ThreadPool, Queue, Event, Barrier, activeCount } = nt;
const KINDS = [Pool, ThreadPool];
const kindArg = (Kind) => (Kind === Pool ? 'process' : 'thread');

function assertDied(t, e, what) {
  t.true(e instanceof Error, `${what}: an Error (${e?.constructor?.name}: ${e?.message})`);
  t.is(e?.code, 'ERR_WORKER_DIED', `${what}: code (${e?.message})`);
}

/** The JSON lines of a child script's stdout, by their `step`. */
function steps(stdout) {
  const out = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line);
      if (v.step) out[v.step] = v;
    } catch {
      // not ours
    }
  }
  return out;
}

const describeRun = (r) => `exit ${r.code}, signal ${r.signal}, ${r.ms.toFixed(0)} ms${r.killed ? ' (killed: it hung)' : ''}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-3000)}`;

for (const Kind of KINDS) {
  const K = Kind.name;

  // -------------------------------------------------------------------------------------------
  // Deaths met by the blocking forms (a child script whose main thread never yields)

  test(`${K}: a worker that dies under a blocked main thread (apply, map, imap, get, join) fails that task with ERR_WORKER_DIED; the others complete and nothing hangs`, async (t) => {
    const r = await runNode(['__test__/fixtures/pool-sync-faults.mjs', kindArg(Kind)], { timeout: 40_000 });
    const s = steps(r.stdout);
    const info = describeRun(r);
    t.false(r.killed, `the script hung: ${info}`);
    t.is(r.code, 0, info);
    const died = (x, what) => t.is(x?.error?.code, 'ERR_WORKER_DIED', `${what}: ${JSON.stringify(x)}`);

    died(s['apply-exit']?.died, 'apply() of a task calling process.exit(3)');
    t.true(s['apply-exit']?.died?.error?.isError, 'an Error');
    t.deepEqual(s['apply-exit']?.rest, { value: squares(range(12)) }, 'the tasks submitted before it completed');

    died(s['map-exit0']?.died, 'map() with an item calling process.exit(0)');
    t.deepEqual(s['map-exit0']?.after, { value: [1, 4, 9] }, 'the next map works');

    const im = s.imap?.steps ?? [];
    t.deepEqual(im[0], { value: { done: false, value: 1 } }, 'imap: the item before');
    died(im[1], 'imap: the item whose worker died');
    t.deepEqual(im[2], { value: { done: false, value: 4 } }, 'imap: the item after');
    t.true(im[3]?.value?.done, 'imap: then done');

    if (Kind === Pool) {
      died(s['sigkill-self']?.died, 'apply() of a task that SIGKILLs its process');
      t.regex(String(s['sigkill-self']?.died?.error?.message), /signal 9/, 'the message says how the worker ended');
      died(s['killed-from-outside']?.died, 'apply() whose worker is SIGKILLed by another thread');
      t.true(Number.isInteger(s['killed-from-outside']?.killed?.value), 'the worker was killed');
    }

    const replaced = s.replaced?.value ?? [];
    t.is(new Set(replaced.map(workerKey)).size, 2, `two workers run at once again: ${JSON.stringify(s.replaced)}`);

    t.deepEqual(s.join?.joined, {}, 'join() returned');
    died(s.join?.r, 'the task whose worker died while join() waited');
    t.deepEqual(s.join?.s, { value: 25 }, 'the other task completed');
    t.deepEqual(s.end, { step: 'end', timerRan: false }, 'the main thread never yielded to its event loop');
  });

  test(`${K}: a task that runs out of memory fails with ERR_WORKER_DIED (blocking and async forms); the pool goes on`, async (t) => {
    // Without core dumps: a worker's heap overflow aborts it.
    const r = await runNode(['--max-old-space-size=64', '__test__/fixtures/pool-oom.mjs', kindArg(Kind)], { timeout: 40_000, coreDumps: false });
    const s = steps(r.stdout);
    const info = describeRun(r);
    t.false(r.killed, `the script hung: ${info}`);
    t.is(r.code, 0, info);
    t.is(s.sync?.died?.error?.code, 'ERR_WORKER_DIED', `apply(): ${JSON.stringify(s.sync)}`);
    t.deepEqual(s.sync?.rest, { value: squares(range(8)) }, 'the other tasks completed');
    t.is(s.async?.died?.error?.code, 'ERR_WORKER_DIED', `applyAsync(): ${JSON.stringify(s.async)}`);
    t.deepEqual(s.async?.rest, { value: squares(range(8)) });
    t.deepEqual(s.after, { step: 'after', value: [1, 4, 9] });
    t.truthy(s.end, 'close() and joinAsync() completed');
  });

  // -------------------------------------------------------------------------------------------
  // Deaths met by the async forms

  test(`${K}: a task that calls process.exit() fails with ERR_WORKER_DIED (async forms); the worker is replaced and the other tasks complete`, async (t) => {
    const pool = makePool(t, Kind, 2);
    for (const code of [3, 0]) {
      const others = pool.mapAsync(T.square, range(20), 1);
      const dead = pool.applyAsync(T.exitWorker, [code]);
      assertDied(t, await rejection(t, dead), `process.exit(${code})`);
      t.deepEqual(await settle(others), squares(range(20)), 'the other tasks complete');
    }
    assertDied(t, await rejection(t, pool.starmapAsync(T.exitIf, [[1, 3, 3], [2, 3, 3], [3, 3, 3], [4, 3, 3]], 1)), 'starmapAsync');
    assertDied(t, await rejection(t, pool.mapAsync(T.exitIfNegative, [1, -3, 2])), 'mapAsync');
    const got = [];
    let error;
    await within(
      (async () => {
        const it = pool.imap(T.exitIfNegative, [1, -4, 2])[Symbol.asyncIterator]();
        for (let i = 0; i < 4; i++) {
          try {
            const step = await it.next();
            if (step.done) break;
            got.push(step.value);
          } catch (e) {
            error = e;
          }
        }
      })(),
      LONG,
      'async iteration over imap',
    );
    assertDied(t, error, 'imap, async iteration');
    t.deepEqual(got, [1, 4], 'the items around the lost one');
    const b = new Barrier(2);
    const both = await settle(pool.mapAsync(T.barrierWait, [b, b], 1));
    t.is(new Set(both.map(workerKey)).size, 2, 'two workers run at once: the dead ones were replaced');
    if (Kind === ThreadPool) t.is(pool.apply(T.whereAmI).pid, process.pid, 'process.exit() in a ThreadPool task ended only its worker thread');
  });

  test(`${K}: tasks waiting behind a task whose worker dies run in the replacement`, async (t) => {
    const pool = makePool(t, Kind, 1);
    const dead = pool.applyAsync(T.exitWorker, [5]);
    const behind = [1, 2, 3, 4].map((x) => pool.applyAsync(T.square, [x]));
    const mapped = pool.mapAsync(T.square, range(6), 2);
    assertDied(t, await rejection(t, dead), 'the task that exited');
    t.deepEqual(await settle(Promise.all(behind)), [1, 4, 9, 16]);
    t.deepEqual(await settle(mapped), squares(range(6)));
  });

  test(`${K}: terminate() right after a worker was replaced: joinAsync() returns`, async (t) => {
    const threads = activeCount();
    /** Workers end within milliseconds of terminate(); a join that hangs fails after 3 s. */
    const joined = async (pool, what) => {
      pool.terminate();
      const s = await settledWithin(pool.joinAsync(), 3000);
      t.not(s, PENDING, `${what}: joinAsync() after terminate() did not settle within 3000 ms`);
      if (s !== PENDING) t.false('error' in s, `${what}: ${s.error}`);
    };
    {
      const pool = makePool(t, Kind, { processes: 1, maxTasksPerChild: 1 }, 3000);
      t.is(pool.apply(T.square, [2]), 4);
      await joined(pool, 'the worker replaced after maxTasksPerChild');
    }
    {
      const pool = makePool(t, Kind, 1, 3000);
      assertDied(t, await rejection(t, pool.applyAsync(T.exitWorker, [3])), 'the task that exited');
      await joined(pool, 'the worker replaced after a death');
    }
    if (Kind === ThreadPool) await until(() => activeCount() === threads, 3000, 'the worker threads to end').catch((e) => t.fail(e.message));
  });

  // -------------------------------------------------------------------------------------------
  // The end of the program

  test(`${K}: outstanding async work keeps the program alive until it completes; then the pool, never closed, does not`, async (t) => {
    const r = await runNode(['__test__/fixtures/pool-exit.mjs', kindArg(Kind), 'pending'], { timeout: 20_000 });
    const info = describeRun(r);
    t.false(r.killed, `the program did not end: ${info}`);
    t.is(r.code, 0, info);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    t.deepEqual(lines, ['callback', 'then', ['starmap'], [1, 4, 9], 'idle'], info);
    t.true(r.ms < 10_000, `took ${r.ms.toFixed(0)} ms`);
  });

  test(`${K}: a pool that was never closed does not keep the program alive, used or not; its workers end with it`, async (t) => {
    {
      const r = await runNode(['__test__/fixtures/pool-exit.mjs', kindArg(Kind), 'idle-fresh'], { timeout: 20_000 });
      const info = describeRun(r);
      t.false(r.killed, `the program did not end: ${info}`);
      t.is(r.code, 0, info);
      t.is(r.stdout.trim(), '"created"');
      t.true(r.ms < 10_000, `took ${r.ms.toFixed(0)} ms`);
    }
    {
      const r = await runNode(['__test__/fixtures/pool-exit.mjs', kindArg(Kind), 'idle-used'], { timeout: 20_000 });
      const info = describeRun(r);
      const out = JSON.parse(r.stdout.trim().split('\n')[0] || 'null');
      const pids = (out?.workers ?? []).map((w) => w.pid);
      if (Kind === Pool) t.teardown(() => killStrays(pids));
      t.false(r.killed, `the program did not end: ${info}`);
      t.is(r.code, 0, info);
      t.is(out?.square, 9);
      t.is(new Set((out?.workers ?? []).map(workerKey)).size, 2);
      t.true(r.ms < 10_000, `took ${r.ms.toFixed(0)} ms`);
      if (Kind === Pool) {
        await until(() => pids.every(gone), 5000, 'the workers to end').catch(() => {});
        t.deepEqual(pids.filter((pid) => !gone(pid)), [], 'no worker process outlives the program');
      }
    }
  });
}

test('Pool: a task that SIGKILLs its own process fails with ERR_WORKER_DIED; the pool goes on', async (t) => {
  const pool = makePool(t, Pool, 2);
  const others = pool.mapAsync(T.square, range(10), 1);
  const e = await rejection(t, pool.applyAsync(T.killSelf));
  assertDied(t, e, 'SIGKILL');
  t.regex(String(e?.message), /signal 9/);
  t.deepEqual(await settle(others), squares(range(10)));
  t.is(await settle(pool.applyAsync(T.square, [5])), 25);
});

test('Pool: a worker killed from outside while it runs a task fails that task with ERR_WORKER_DIED; a new worker replaces it', async (t) => {
  const pool = makePool(t, Pool, 2);
  const q = new Queue();
  const release = new Event();
  const victim = pool.applyAsync(T.reportAndBlock, [q, release, 'not killed', LONG]);
  const { pid } = await recv(q, 'the task running');
  const others = pool.mapAsync(T.square, range(10), 1);
  process.kill(pid, 'SIGKILL');
  assertDied(t, await rejection(t, victim), 'killed from outside');
  t.deepEqual(await settle(others), squares(range(10)));
  const b = new Barrier(2);
  const both = await settle(pool.mapAsync(T.barrierWait, [b, b], 1));
  t.is(new Set(both.map((w) => w.pid)).size, 2);
  t.false(both.some((w) => w.pid === pid), 'the killed worker was replaced');
});

test('Pool: no worker outlives its parent killed by SIGKILL', async (t) => {
  const child = spawn(process.execPath, ['__test__/fixtures/pool-exit.mjs', 'process', 'hold'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.setEncoding('utf8');
  const line = await within(
    new Promise((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
      });
    }),
    20_000,
    'the workers of the child\'s pool',
  );
  const pids = JSON.parse(line).workers.map((w) => w.pid);
  t.teardown(() => killStrays(pids));
  t.is(pids.length, 2);
  t.true(pids.every((pid) => !gone(pid)), 'the workers run');
  child.kill('SIGKILL');
  await within(exited, LONG, 'the parent to die');
  await until(() => pids.every(gone), 5000, 'the workers to end').catch(() => {});
  t.deepEqual(pids.filter((pid) => !gone(pid)), [], 'every worker ended with its parent');
});
