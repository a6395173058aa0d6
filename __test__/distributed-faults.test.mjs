// DistributedPool faults against a real redis-server: a worker machine killed mid-job (its job
// runs again elsewhere; every result reaches the caller once), a worker told to stop (SIGTERM:
// it finishes its jobs and takes no more), Redis restarting without persistence in the middle
// of a map (the map completes), and Redis gone for good (a coded error, no hang).
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { records, startRedis, startWorkerCommand, TASKS } from './helpers/distributed.mjs';
import { range } from './helpers/pool.mjs';
import { delay, until, within } from './helpers/util.mjs';

const require = createRequire(import.meta.url);
const { DistributedPool } = require('native-threading/distributed');
const tasks = await import(pathToFileURL(TASKS).href);

let redis;

test.before(async () => {
  redis = await startRedis();
});

test.after.always(async () => {
  await redis?.kill();
});

function makePool(t, queue, options = {}) {
  const pool = new DistributedPool({ redis: redis.url, queue, import: [TASKS], ...options });
  t.teardown(async () => {
    pool.terminate();
    await within(pool.joinAsync(), 20_000, 'joining the pool');
  });
  return pool;
}

const runsFile = () => join(mkdtempSync(join(tmpdir(), 'nt-dist-faults-')), 'runs');

test.serial('a worker killed (SIGKILL) mid-job: its jobs run again on another worker within 10 s, and every result arrives once', async (t) => {
  const queue = 'sigkill';
  const file = runsFile();
  const victim = await startWorkerCommand(t, { redis: redis.url, queue, processes: 1 });
  const pool = makePool(t, queue);
  const n = 12;
  const mapped = pool.starmapAsync(tasks.record, range(n).map((x) => [x, file, 400]), 1);
  // Once the victim is in the middle of a task, it dies; the survivor starts after that.
  await until(() => records(file).some((r) => r.worker === victim.pid && r.phase === 'start'), 15_000, 'the victim starting a task');
  const killedAt = Date.now();
  victim.child.kill('SIGKILL');
  await victim.exited;
  const survivor = await startWorkerCommand(t, { redis: redis.url, queue, processes: 1 });
  const result = await within(Promise.resolve(mapped), 45_000, 'the map after the kill');
  t.deepEqual(result, range(n).map((x) => x * 2), 'every result, once, in order');
  const runs = records(file);
  const lost = runs.filter((r) => r.worker === victim.pid && r.phase === 'start' && !runs.some((e) => e.phase === 'end' && e.x === r.x && e.worker === victim.pid));
  t.true(lost.length >= 1, 'the victim was killed in the middle of a task');
  for (const l of lost) {
    const rerun = runs.find((r) => r.x === l.x && r.worker === survivor.pid && r.phase === 'end');
    t.truthy(rerun, `item ${l.x} ran again on the survivor`);
    t.true(rerun.end - killedAt < 10_000 + 1000, `item ${l.x} finished elsewhere ${rerun.end - killedAt} ms after the kill`);
  }
  const reruns = runs.filter((r) => r.phase === 'start').length - n;
  t.log(`${lost.length} task(s) cut short by the kill; ${reruns} re-run(s) in all`);
  t.true(reruns >= lost.length);
});

test.serial('SIGTERM: the worker finishes the jobs it is running, takes no more, and exits 0', async (t) => {
  const queue = 'sigterm';
  const file = runsFile();
  const leaving = await startWorkerCommand(t, { redis: redis.url, queue, processes: 1 });
  const pool = makePool(t, queue);
  const n = 8;
  const mapped = pool.starmapAsync(tasks.record, range(n).map((x) => [x, file, 600]), 1);
  await until(() => records(file).some((r) => r.worker === leaving.pid && r.phase === 'start'), 15_000, 'the worker starting a task');
  // A worker holds up to --concurrency jobs (default 2 per process): the one running and one
  // waiting for the process. Those are its jobs; after SIGTERM it takes no new one.
  const doneBefore = records(file).filter((r) => r.worker === leaving.pid && r.phase === 'end').length;
  leaving.child.kill('SIGTERM');
  const exit = await within(leaving.exited, 15_000, 'the worker exiting after SIGTERM');
  t.deepEqual(exit, { code: 0, signal: null }, leaving.output());
  const staying = await startWorkerCommand(t, { redis: redis.url, queue, processes: 2 });
  t.deepEqual(await within(Promise.resolve(mapped), 30_000, 'the map'), range(n).map((x) => x * 2));
  const runs = records(file);
  const mine = runs.filter((r) => r.worker === leaving.pid);
  const started = mine.filter((m) => m.phase === 'start');
  t.true(started.length <= doneBefore + 2, `the stopping worker ran ${started.length} tasks, ${doneBefore} done before SIGTERM: it took more jobs after it`);
  for (const r of started) t.truthy(mine.find((m) => m.phase === 'end' && m.x === r.x), `the stopping worker finished item ${r.x}`);
  t.is(runs.filter((r) => r.phase === 'start').length, n, 'nothing ran twice');
  t.true(runs.some((r) => r.worker === staying.pid), 'the rest ran on the other worker');
});

test.serial('Redis restarts (no persistence) in the middle of a map: the lost chunks are submitted again and the map completes within 30 s', async (t) => {
  const queue = 'restart';
  const file = runsFile();
  await startWorkerCommand(t, { redis: redis.url, queue, processes: 1 });
  await startWorkerCommand(t, { redis: redis.url, queue, processes: 1 });
  const pool = makePool(t, queue);
  const n = 120;
  const mapped = pool.starmapAsync(tasks.record, range(n).map((x) => [x, file, 20]), 2);
  await until(() => records(file).filter((r) => r.phase === 'end').length >= 20, 15_000, 'a part of the map done');
  const restartedAt = Date.now();
  await redis.kill();
  await delay(500);
  await redis.start();
  const result = await within(Promise.resolve(mapped), 30_000, 'the map after the restart');
  t.deepEqual(result, range(n).map((x) => x * 2));
  t.log(`completed ${Date.now() - restartedAt} ms after the restart; ${records(file).filter((r) => r.phase === 'start').length - n} task(s) ran again`);
  // The pool goes on working on the new server.
  t.is(await within(Promise.resolve(pool.applyAsync(tasks.square, [5])), 15_000), 25);
});

test.serial('Redis gone for good: outstanding calls fail with ERR_DISTRIBUTED_CONNECTION after connectionTimeout, blocking ones too', async (t) => {
  const queue = 'gone';
  await startWorkerCommand(t, { redis: redis.url, queue, processes: 1 });
  const pool = makePool(t, queue, { connectionTimeout: 1500 });
  t.is(pool.apply(tasks.square, [2]), 4);
  await redis.kill();
  t.teardown(() => redis.start());
  const started = Date.now();
  const pending = pool.applyAsync(tasks.square, [3]);
  const err = await within(
    Promise.resolve(pending).then(
      () => undefined,
      (e) => e,
    ),
    15_000,
    'the call without Redis',
  );
  t.is(err?.code, 'ERR_DISTRIBUTED_CONNECTION');
  t.true(Date.now() - started < 10_000);
  const blocking = t.throws(() => pool.map(tasks.square, [1, 2, 3], 1));
  t.is(blocking.code, 'ERR_DISTRIBUTED_CONNECTION');
  t.true(Date.now() - started < 15_000);
});
