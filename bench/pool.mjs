// Group 'pool': ThreadPool (worker threads) against the Node pool packages
// piscina, tinypool and workerpool, on the same trivial task (`inc`, x => x + 1,
// of pool-targets.mjs) with the same number of worker threads (the machine's
// available parallelism), every pool created and warmed up before timing:
//
//  - throughput: submit N tasks one by one (ours applyAsync(inc, [i]), piscina
//    and tinypool run(i), workerpool exec('inc', [i])), then await them all;
//    tasks/s. N is 100,000 (25,000 in a quick run). Unpinned.
//  - round trip: one task at a time, each awaited before the next is
//    submitted; the median over all timed tasks (a few thousand per pool), in
//    microseconds; the pools take turns in blocks of 100 round trips.
//
// The targets compare ours with the best of the peers installed (the highest
// throughput, the lowest round trip); each peer also gets an information row.
// An information row shows ThreadPool.mapAsync over the same N items with its
// default chunksize (tasks go to the workers in chunks, which none of the peers
// offers).
//
// Placement of the round trips. Only the throughput runs as the scheduler
// places the threads. A round trip is two wake-ups of a sleeping thread, and
// on a small virtual machine a wake-up across CPUs costs tens of
// microseconds more than one on the same CPU (see pingpong-process.mjs).
// Unpinned, where a pool's worker threads happen to sit decides its median:
// one pool shows 15 us and the next 70 us in the same run, and the pools
// change places from run to run. So the round trips are measured twice: with
// every thread of this process (the main thread, the workers of all pools)
// pinned to one CPU with taskset -a, which leaves the pools' own costs to
// compare and carries the target; and unpinned, as information. Without
// taskset or with one CPU, only unpinned, with the target.
//
// Method: all pools live for the whole group (idle pools wait in their
// workers); each repeat measures the throughput of every pool once, then
// their round trips in both placements, the order of the pools rotating from
// one repeat to the next so that none is always first after another's
// garbage. A peer that is not installed is skipped, with a note.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { NODE_POOL_PEERS, affinityOf, cpusOf, loadPackage, median, now, packageVersion, row, setAffinityAll, spread } from './common.mjs';
import { inc } from './pool-targets.mjs';

const TARGETS = new URL('./pool-targets.mjs', import.meta.url);
const WORKERPOOL_WORKER = fileURLToPath(new URL('./pool-workerpool-worker.mjs', import.meta.url));

/** Each pool as { run(x): PromiseLike, close(): Promise }, created with `size` worker threads. */
const FACTORIES = {
  async ours(nt, size) {
    const pool = new nt.ThreadPool(size);
    return {
      run: (x) => pool.applyAsync(inc, [x]),
      mapAsync: (n) => pool.mapAsync(inc, range(n)),
      close: async () => {
        pool.close();
        await pool.joinAsync();
      },
      terminate: () => pool.terminate(),
    };
  },
  async piscina(_, size) {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({ filename: TARGETS.href, name: 'inc', minThreads: size, maxThreads: size });
    return { run: (x) => pool.run(x), close: () => pool.destroy() };
  },
  async tinypool(_, size) {
    const { default: Tinypool } = await import('tinypool');
    const pool = new Tinypool({ filename: TARGETS.href, name: 'inc', minThreads: size, maxThreads: size });
    return { run: (x) => pool.run(x), close: () => pool.destroy() };
  },
  async workerpool(_, size) {
    const { default: workerpool } = await import('workerpool');
    const pool = workerpool.pool(WORKERPOOL_WORKER, { minWorkers: size, maxWorkers: size, workerType: 'thread' });
    return { run: (x) => pool.exec('inc', [x]), close: () => pool.terminate() };
  },
};

/** Python's range(n), lazily. */
function* range(n) {
  for (let i = 0; i < n; i++) yield i;
}

/** Round trips in a row for one pool before the next pool's turn. */
const TRIP_BLOCK = 100;

class HangError extends Error {}

/** `p`, or a HangError after `ms`. */
function within(p, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([Promise.resolve(p), t]).finally(() => clearTimeout(timer));
}

function checkResults(r, n, what) {
  if (!Array.isArray(r) || r.length !== n) throw new Error(`${what}: ${Array.isArray(r) ? r.length : typeof r} results for ${n} tasks`);
  for (let i = 0; i < n; i++) {
    if (r[i] !== i + 1) throw new Error(`${what}: result ${i} is ${JSON.stringify(r[i])}, expected ${i + 1}`);
  }
}

/** Submit n tasks, await them all; tasks/s. */
async function throughput(p, n, what, timeoutMs) {
  const t0 = now();
  const pending = new Array(n);
  for (let i = 0; i < n; i++) pending[i] = p.run(i);
  const r = await within(Promise.all(pending), timeoutMs, what);
  const seconds = Number(now() - t0) / 1e9;
  checkResults(r, n, what);
  return n / seconds;
}

/** mapAsync over range(n); tasks/s. */
async function mapThroughput(p, n, what, timeoutMs) {
  const t0 = now();
  const r = await within(p.mapAsync(n), timeoutMs, what);
  const seconds = Number(now() - t0) / 1e9;
  checkResults(r, n, what);
  return n / seconds;
}

/** n tasks one at a time; pushes each round trip (us) onto `out`. */
async function roundTrips(p, n, out, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const v = await p.run(i);
    out.push(Number(now() - t0) / 1e3);
    if (v !== i + 1) throw new Error(`${what}: task ${i} returned ${JSON.stringify(v)}, expected ${i + 1}`);
    if ((i & 255) === 0 && Date.now() > deadline) throw new HangError(`${what}: ${n} round trips did not finish within ${timeoutMs / 1000} s`);
  }
}

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export async function run(ctx) {
  const { repeats, quick } = ctx;
  const group = 'pool';
  const nt = loadPackage();
  if (typeof nt.ThreadPool !== 'function') throw new Error('the package exports no ThreadPool');
  const size = os.availableParallelism?.() ?? os.cpus().length;
  const nTasks = quick ? 25000 : 100000;
  const nTrips = quick ? 1000 : 2000; // round trips per repeat, pool and placement
  const warmTasks = quick ? 5000 : 10000;
  const sampleTimeoutMs = 120000;

  const versions = {};
  const names = { ours: 'ThreadPool (ours)' };
  for (const peer of NODE_POOL_PEERS) {
    const v = packageVersion(peer);
    if (v == null) {
      ctx.notes.push(`${peer} is not installed: its ThreadPool comparison rows were skipped.`);
    } else {
      versions[peer] = v;
      names[peer] = `${peer} ${v}`;
    }
  }
  const ids = ['ours', ...NODE_POOL_PEERS.filter((p) => versions[p])];

  // Round trips are measured unpinned and with every thread of this process on one CPU.
  const mainAffinity = affinityOf(process.pid);
  const cpus = mainAffinity ? cpusOf(mainAffinity) : [];
  const canPin = cpus.length >= 2;
  if (!canPin) ctx.notes.push('ThreadPool round trips: taskset is not installed or only one CPU is available, so only the unpinned placement was measured.');
  const placements = [
    { id: 'free', label: 'unpinned', cpu: null, target: !canPin },
    ...(canPin ? [{ id: 'one', label: `all threads on one CPU`, cpu: cpus[0], target: true }] : []),
  ];
  let pinned = false;

  const pools = {};
  const samples = Object.fromEntries(ids.map((id) => [id, { tput: [], trips: { free: [], one: [] } }]));
  samples.ours.map = [];
  try {
    for (const id of ids) {
      pools[id] = await FACTORIES[id](nt, size);
      // Sanity check and warm-up: start the workers, load the task, let the JIT see the paths.
      const first = await within(pools[id].run(41), 60000, `${names[id]}: first task`);
      if (first !== 42) throw new Error(`${names[id]}: inc(41) returned ${JSON.stringify(first)}`);
      await throughput(pools[id], warmTasks, `${names[id]} warm-up`, sampleTimeoutMs);
      await roundTrips(pools[id], 200, [], `${names[id]} warm-up`, sampleTimeoutMs);
      if (id === 'ours') await mapThroughput(pools.ours, warmTasks, 'ThreadPool mapAsync warm-up', sampleTimeoutMs);
    }

    for (let r = 0; r < repeats; r++) {
      const order = ids.map((_, i) => ids[(i + r) % ids.length]);
      for (const id of order) {
        ctx.watchdog?.();
        samples[id].tput.push(await throughput(pools[id], nTasks, `${names[id]}: ${nTasks} tasks`, sampleTimeoutMs));
        if (id === 'ours') samples.ours.map.push(await mapThroughput(pools.ours, nTasks, `ThreadPool mapAsync of ${nTasks} items`, sampleTimeoutMs));
      }
      for (const pl of placements) {
        if (pl.cpu != null) {
          setAffinityAll(process.pid, pl.cpu);
          pinned = true;
        }
        // Short blocks, the pools taking turns, so that each sees the same stretches of time.
        for (let b = 0; b < nTrips / TRIP_BLOCK; b++) {
          for (const id of order) await roundTrips(pools[id], TRIP_BLOCK, samples[id].trips[pl.id], names[id], sampleTimeoutMs);
        }
        if (pinned) {
          setAffinityAll(process.pid, mainAffinity);
          pinned = false;
        }
      }
    }
  } catch (err) {
    if (err instanceof HangError) pools.ours?.terminate?.();
    throw err;
  } finally {
    if (pinned) setAffinityAll(process.pid, mainAffinity);
    await Promise.all(Object.entries(pools).map(([id, p]) => within(p.close(), 10000, `closing ${names[id]}`).catch((e) => {
      ctx.notes.push(`pool: closing ${names[id]} failed: ${e.message}`);
    })));
  }

  const tput = Object.fromEntries(ids.map((id) => [id, median(samples[id].tput)]));
  const peers = ids.filter((id) => id !== 'ours');
  const bestT = peers.length ? peers.reduce((a, b) => (tput[b] > tput[a] ? b : a)) : null;
  const fmtK = (x) => `${(x / 1e3).toFixed(1)} k`;
  const tputNote = (id) => `${names[id]} ${spread(samples[id].tput.map((x) => x / 1e3), 1)} k tasks/s`;
  const setup = `${size} worker threads each, all pools created and warmed up before timing`;
  const nText = nTasks.toLocaleString('en-US');

  const rows = [];
  rows.push(row({
    id: 'pool.thread.throughput', group,
    benchmark: `ThreadPool throughput, ${nText} trivial tasks (submit all, await all), vs the best Node pool`,
    unit: 'tasks/s', ours: tput.ours, baseline: bestT ? tput[bestT] : null, baselineName: bestT ? `${names[bestT]} (best peer)` : '-',
    target: bestT ? { minRatio: 1 } : null,
    note: `${setup}; unpinned; ${repeats} samples of ${nText} tasks each; ` + ids.map(tputNote).join(', ') +
      (bestT ? '' : '; no peer installed, so no baseline'),
    details: { samples: Object.fromEntries(ids.map((id) => [id, samples[id].tput])), size, tasks: nTasks },
    bars: ids.map((id) => ({ name: names[id], value: tput[id], ours: id === 'ours' })),
  }));
  for (const id of peers) {
    rows.push(row({
      id: `pool.thread.throughput.${id}`, group, benchmark: `ThreadPool throughput vs ${id} (info)`,
      unit: 'tasks/s', ours: tput.ours, baseline: tput[id], baselineName: names[id], chart: false,
    }));
  }

  // Round trips: the placement with the target first, then the other as information.
  for (const pl of [...placements].sort((a, b) => Number(b.target) - Number(a.target))) {
    const xs = (id) => samples[id].trips[pl.id];
    const trip = Object.fromEntries(ids.map((id) => [id, median(xs(id))]));
    const bestL = peers.length ? peers.reduce((a, b) => (trip[b] < trip[a] ? b : a)) : null;
    const info = pl.target ? '' : ' (info)';
    const where = pl.id === 'one' ? `every thread of the benchmark process (main, workers of all pools) on CPU ${pl.cpu}` : 'unpinned';
    rows.push(row({
      id: `pool.thread.roundtrip.${pl.id}`, group,
      benchmark: `ThreadPool round trip, one task at a time, ${pl.label}, vs the best Node pool${info}`,
      unit: 'us/task', ours: trip.ours, baseline: bestL ? trip[bestL] : null, baselineName: bestL ? `${names[bestL]} (best peer), ${pl.label}` : '-',
      target: bestL && pl.target ? { maxRatio: 1 } : null,
      note: `${setup}; ${where}; median over ${xs('ours').length} round trips each (${repeats} x ${nTrips}, in turns of ${TRIP_BLOCK}); ` +
        ids.map((id) => `${names[id]} median ${trip[id].toFixed(1)} us, p10-p90 ${quantile(xs(id), 0.1).toFixed(1)}-${quantile(xs(id), 0.9).toFixed(1)} us`).join('; '),
      details: { size, roundTrips: xs('ours').length, medians: trip },
      bars: ids.map((id) => ({ name: names[id], value: trip[id], ours: id === 'ours' })),
    }));
    if (!pl.target) continue;
    for (const id of peers) {
      rows.push(row({
        id: `pool.thread.roundtrip.${pl.id}.${id}`, group, benchmark: `ThreadPool round trip, ${pl.label}, vs ${id} (info)`,
        unit: 'us/task', ours: trip.ours, baseline: trip[id], baselineName: `${names[id]}, ${pl.label}`, chart: false,
      }));
    }
  }

  rows.push(row({
    id: 'pool.thread.mapAsync', group,
    benchmark: `ThreadPool mapAsync(inc, range(${nText})), default chunksize, vs the best Node pool's per-task throughput (info)`,
    unit: 'tasks/s', ours: median(samples.ours.map), baseline: bestT ? tput[bestT] : null,
    baselineName: bestT ? `${names[bestT]} (best peer, one task per call)` : '-',
    note: `unpinned; tasks travel in chunks (the peers have no map); ours ${spread(samples.ours.map.map((x) => x / 1e3), 0)} k tasks/s` +
      `, vs ThreadPool's own per-task throughput ${fmtK(tput.ours)} tasks/s`,
    details: { samples: samples.ours.map },
    bars: [
      { name: 'ThreadPool mapAsync (ours)', value: median(samples.ours.map), ours: true },
      ...(bestT ? [{ name: `${names[bestT]}, one task per call`, value: tput[bestT] }] : []),
    ],
  }));
  return rows;
}
