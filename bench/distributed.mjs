// Group 'distributed': DistributedPool (native-threading/distributed) on a local redis-server
// (started here on a free loopback port, without persistence; installed with apt-get when
// missing and running as root), with `native-threading worker` processes of one pool process
// each standing in for machines. The tasks are in distributed-targets.mjs.
//
//  - no-op tasks/s through 1, 2 and 4 workers: N applyAsync(noop) submitted at once, then all
//    awaited (one job per task), against the same through a local Pool of the machine's CPUs.
//  - map(inc, 100,000 items, chunksize 100) through 2 workers, items/s, against plain BullMQ
//    (two Worker processes of concurrency 2, jobs of 100 items, JSON, added with addBulk and
//    collected from QueueEvents): what the pool adds to BullMQ. The target is
//    >= 100,000 items/s; the row's target is half of plain BullMQ's rate, which is about that.
//  - apply() round trip, p50 and p99, one call at a time through 1 worker, against a plain
//    BullMQ job's round trip (add, then waitUntilFinished) through one plain Worker.
//  - speed-up on 10 ms CPU-bound tasks (map, chunksize 1; a fixed amount of arithmetic that
//    takes 10 ms on one CPU) with 1, 2 and 4 workers against the same tasks run one after
//    another in one process (a local Pool(1)). This machine's CPUs bound it: with 2
//    CPUs it cannot exceed about 2x, however many workers.
//  - time from SIGKILL of the worker running a job to the job's result arriving from another
//    worker: BullMQ's lock (5 s) and stall check (every 2.5 s) decide it (information).
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode, startRedis, startWorkerCommand } from '../__test__/helpers/redis-server.mjs';
import { loadPackage, median, now, row } from './common.mjs';
import * as targets from './distributed-targets.mjs';

const require = createRequire(import.meta.url);
const TARGETS = fileURLToPath(new URL('./distributed-targets.mjs', import.meta.url));
const PLAIN_WORKER = fileURLToPath(new URL('./distributed-bullmq-worker.mjs', import.meta.url));
const seconds = (t0) => Number(now() - t0) / 1e9;

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function noopRate(pool, n) {
  const t0 = now();
  await Promise.all(Array.from({ length: n }, () => pool.applyAsync(targets.noop)));
  return n / seconds(t0);
}

async function mapRate(pool, items, chunksize) {
  const t0 = now();
  const r = await pool.mapAsync(targets.inc, items, chunksize);
  const s = seconds(t0);
  if (r.length !== items.length || r[items.length - 1] !== items.length) throw new Error('map: wrong results');
  return items.length / s;
}

/** Plain BullMQ: the items in jobs of `chunksize`, added at once, collected from QueueEvents. */
async function plainMapRate(queue, events, items, chunksize) {
  const jobs = [];
  for (let i = 0; i < items.length; i += chunksize) jobs.push({ name: 'inc', data: { items: items.slice(i, i + chunksize) } });
  const t0 = now();
  let left = jobs.length;
  const done = new Promise((resolve) => {
    const onDone = () => {
      if (--left === 0) {
        events.off('completed', onDone);
        resolve();
      }
    };
    events.on('completed', onDone);
  });
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
  await done;
  return items.length / seconds(t0);
}

/** How many rounds of spin() take 10 ms here, on one CPU. */
function roundsFor10ms() {
  let rounds = 100_000;
  for (;;) {
    const t0 = now();
    targets.spin(rounds);
    const ms = seconds(t0) * 1000;
    if (ms > 50) return Math.round((rounds * 10) / ms);
    rounds *= 4;
  }
}

export async function run(ctx) {
  const group = 'distributed';
  const { quick } = ctx;
  const repeats = Math.min(ctx.repeats, 3);
  const nt = loadPackage();
  const { DistributedPool } = require('../dist/src/distributed/index.js');
  const { Queue, QueueEvents } = require('bullmq');
  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  const redis = await startRedis();
  const started = [];
  const workers = async (queue, count) => {
    for (let i = 0; i < count; i++) started.push(await startWorkerCommand(undefined, { redis: redis.url, queue, imports: [TARGETS] }));
  };
  const pools = [];
  const poolOn = (queue) => {
    const p = new DistributedPool({ redis: redis.url, queue, import: [TARGETS] });
    pools.push(p);
    return p;
  };
  const rows = [];
  try {
    const counts = [1, 2, 4];
    for (const c of counts) await workers(`w${c}`, c);
    const dist = Object.fromEntries(counts.map((c) => [c, poolOn(`w${c}`)]));
    const local = new nt.Pool(cpus);
    pools.push(local);
    const plainQueue = new Queue('plain', { connection: { url: redis.url } });
    const plainEvents = new QueueEvents('plain', { connection: { url: redis.url } });
    await plainEvents.waitUntilReady();
    for (let i = 0; i < 2; i++) started.push(await startNode(undefined, [PLAIN_WORKER, redis.url, 'plain']));
    ctx.watchdog?.();

    // No-op tasks/s.
    const nTasks = quick ? 1000 : 3000;
    for (const c of counts) await noopRate(dist[c], 200); // warm-up: every worker has its pool process running
    await noopRate(local, 1000);
    const tasks = { local: [], 1: [], 2: [], 4: [] };
    for (let r = 0; r < repeats; r++) {
      tasks.local.push(await noopRate(local, nTasks));
      for (const c of counts) tasks[c].push(await noopRate(dist[c], nTasks));
    }
    for (const c of counts) {
      rows.push(row({
        id: `distributed.noop.${c}`, group,
        benchmark: `DistributedPool no-op tasks (applyAsync, one job each) through ${c} worker${c > 1 ? 's' : ''} vs the local Pool (info)`,
        unit: 'tasks/s', ours: median(tasks[c]), baseline: median(tasks.local), baselineName: `local Pool(${cpus}), the same ${nTasks} applyAsync(noop)`,
        note: `${nTasks} tasks submitted at once then awaited; ${repeats} samples; workers of one process each`,
      }));
    }
    ctx.watchdog?.();

    // map of 100,000 trivial items, chunks of 100, 2 workers vs plain BullMQ.
    const items = Array.from({ length: 100_000 }, (_, i) => i);
    await mapRate(dist[2], items.slice(0, 10_000), 100);
    await plainMapRate(plainQueue, plainEvents, items.slice(0, 10_000), 100);
    const maps = { ours: [], plain: [], local: [] };
    for (let r = 0; r < repeats; r++) {
      maps.ours.push(await mapRate(dist[2], items, 100));
      maps.plain.push(await plainMapRate(plainQueue, plainEvents, items, 100));
      maps.local.push(await mapRate(local, items, 100));
    }
    const mapOurs = median(maps.ours);
    rows.push(row({
      id: 'distributed.map', group,
      benchmark: 'DistributedPool map(inc, 100,000 items, chunksize 100) through 2 workers vs plain BullMQ (2 workers, jobs of 100 items)',
      unit: 'items/s', ours: mapOurs, baseline: median(maps.plain), baselineName: 'plain BullMQ Queue.addBulk + Worker + QueueEvents',
      target: { minRatio: 0.5 },
      note: `issue target >= 100,000 items/s: ${mapOurs >= 100_000 ? 'met' : 'NOT met'} (${Math.round(mapOurs)}); ${repeats} samples`,
    }));
    rows.push(row({
      id: 'distributed.map.local', group,
      benchmark: 'DistributedPool map(inc, 100,000 items, chunksize 100) through 2 workers vs the local Pool, same chunksize (info)',
      unit: 'items/s', ours: mapOurs, baseline: median(maps.local), baselineName: `local Pool(${cpus}).mapAsync`, chart: false,
    }));
    ctx.watchdog?.();

    // apply() round trip through 1 worker vs a plain BullMQ job's round trip.
    const nTrips = quick ? 100 : 300;
    const trips = { ours: [], plain: [] };
    for (let i = 0; i < 20; i++) dist[1].apply(targets.noop);
    for (let block = 0; block < nTrips / 50; block++) {
      for (let i = 0; i < 50; i++) {
        const t0 = now();
        dist[1].apply(targets.noop);
        trips.ours.push(seconds(t0) * 1000);
      }
      for (let i = 0; i < 50; i++) {
        const t0 = now();
        const job = await plainQueue.add('noop', {});
        await job.waitUntilFinished(plainEvents, 10_000);
        trips.plain.push(seconds(t0) * 1000);
      }
    }
    for (const p of [50, 99]) {
      rows.push(row({
        id: `distributed.apply.p${p}`, group,
        benchmark: `DistributedPool apply(noop) round trip, one at a time, 1 worker, p${p}, vs a plain BullMQ job's round trip (info)`,
        unit: 'ms', ours: percentile(trips.ours, p), baseline: percentile(trips.plain, p), baselineName: `plain BullMQ add + waitUntilFinished, p${p}`,
        note: `${trips.ours.length} round trips each, in turns of 50`,
      }));
    }
    ctx.watchdog?.();

    // Speed-up on 10 ms CPU-bound tasks.
    const nSpin = quick ? 40 : 100;
    const spins = Array(nSpin).fill(roundsFor10ms());
    // The baseline runs the same tasks one after another in one pool process (the same kind of
    // process as the workers' pool processes, so the same compiled code).
    const single = new nt.Pool(1);
    pools.push(single);
    await single.mapAsync(targets.spin, spins.slice(0, 5), 1);
    const alone = [];
    for (let r = 0; r < Math.min(repeats, 2); r++) {
      const t1 = now();
      await single.mapAsync(targets.spin, spins, 1);
      alone.push(nSpin / seconds(t1));
    }
    const sequential = median(alone);
    for (const c of counts) {
      const s = [];
      for (let r = 0; r < Math.min(repeats, 2); r++) {
        const t1 = now();
        await dist[c].mapAsync(targets.spin, spins, 1);
        s.push(nSpin / seconds(t1));
      }
      rows.push(row({
        id: `distributed.speedup.${c}`, group,
        benchmark: `DistributedPool speed-up on 10 ms CPU-bound tasks, ${c} worker${c > 1 ? 's' : ''} (ratio = speed-up; at most ~${cpus}x on ${cpus} CPUs) (info)`,
        unit: 'tasks/s', ours: median(s), baseline: sequential, baselineName: 'the same tasks one after another in one local pool process',
        note: `map(spin, ${nSpin} tasks of 10 ms of work on one CPU, chunksize 1); every worker process shares this machine's ${cpus} CPUs, so more workers than CPUs cannot help`,
      }));
    }
    ctx.watchdog?.();

    // Kill a worker in the middle of a job: time until the job's result comes from another.
    const killQueue = 'kill';
    await workers(killQueue, 2);
    const killPool = poolOn(killQueue);
    const recover = [];
    for (let r = 0; r < (quick ? 1 : 2); r++) {
      const file = join(mkdtempSync(join(os.tmpdir(), 'native-threading-bench-')), 'held');
      const result = killPool.applyAsync(targets.holdOnce, [file, 30_000]);
      let pid;
      for (let i = 0; i < 1000 && pid === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        try {
          pid = Number(require('node:fs').readFileSync(file, 'utf8'));
        } catch {
          // not started yet
        }
      }
      const victim = started.find((w) => w.pid === pid);
      if (victim === undefined) throw new Error('the held job did not start on a known worker');
      const t1 = now();
      victim.child.kill('SIGKILL');
      if ((await result) !== 'again') throw new Error('the job did not run again');
      recover.push(seconds(t1));
      started.splice(started.indexOf(victim), 1);
      await workers(killQueue, 1);
    }
    rows.push(row({
      id: 'distributed.failover', group,
      benchmark: 'DistributedPool: SIGKILL of the worker running a job until its result arrives from another worker (info)',
      unit: 's', ours: median(recover),
      note: `${recover.length} kill(s): ${recover.map((s) => s.toFixed(1)).join(', ')} s; bound about lockDuration 5 s + stalledInterval 2.5 s`,
    }));
    await plainEvents.close();
    await plainQueue.close();
  } finally {
    for (const p of pools) p.terminate();
    for (const w of started) w.child.kill('SIGKILL');
    await redis.kill();
  }
  return rows;
}
