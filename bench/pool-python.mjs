// Group 'pool-python': Pool (child processes) map against CPython's
// multiprocessing.Pool.map, both `map(inc, range(100000))` with inc(x) = x + 1
// (pool-targets.mjs; bench/python/pool_bench.py), with the default chunksize
// (Python's rule: ceil(n / (4 * processes)), 12,500 for 2 processes) and
// with chunksize 1 (one task per message; over 25,000 items in a quick run,
// as a map then takes seconds); tasks/s. The target row maps over an array (a
// list in CPython) made before timing on both sides: the pool's own throughput.
// JavaScript has no range(): an information row maps over a generator yielding
// 0..n-1 (read into an array by map(), as CPython's map() makes a list of its
// range), which adds the generator's cost (about 50 ns an item in V8, several
// times CPython's C-level range).
//
// Method: both pools have as many processes as the machine has CPUs, and are
// created and warmed up (a few thousand items both ways) before timing; ours
// lives for the whole group, CPython's for one python3 invocation. A round
// is K maps with the default chunksize over the range, K over the prepared
// array (a map takes milliseconds, so several) and one with chunksize 1, for
// ours, then one python3 invocation doing the same; each number is the median
// over all rounds. Every map's result is checked. Nothing is pinned: a pool
// is used as the scheduler places it, and both sides have the same number of
// processes on the same CPUs.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadPackage, median, now, row, runPythonJson, spread } from './common.mjs';
import { inc } from './pool-targets.mjs';

const PY = fileURLToPath(new URL('./python/pool_bench.py', import.meta.url));
const N = 100000;
const N_ONE_QUICK = 25000; // chunksize 1 in a quick run

/** Python's range(n), lazily. */
function* range(n) {
  for (let i = 0; i < n; i++) yield i;
}

/** One map over range(n), or over `data` (an array made before timing); tasks/s. */
function timedMap(pool, n, chunksize, data = null) {
  const input = data ?? range(n);
  const t0 = now();
  const r = chunksize == null ? pool.map(inc, input) : pool.map(inc, input, chunksize);
  const seconds = Number(now() - t0) / 1e9;
  if (!Array.isArray(r) || r.length !== n) throw new Error(`Pool.map returned ${Array.isArray(r) ? `${r.length} results` : typeof r} for ${n} items`);
  for (let i = 0; i < n; i++) {
    if (r[i] !== i + 1) throw new Error(`Pool.map: result ${i} is ${JSON.stringify(r[i])}, expected ${i + 1}`);
  }
  return n / seconds;
}

export async function run(ctx) {
  const { repeats, quick } = ctx;
  const group = 'pool-python';
  const nt = loadPackage();
  if (typeof nt.Pool !== 'function') throw new Error('the package exports no Pool');
  const processes = os.availableParallelism?.() ?? os.cpus().length;
  const k = quick ? 5 : 10; // default-chunksize maps per round (each takes milliseconds)
  const nOne = quick ? N_ONE_QUICK : N;

  const s = { ours: { default: [], list: [], one: [] }, py: { default: [], list: [], one: [] } };
  const data = Array.from({ length: N }, (_, i) => i);
  let py;
  const pool = new nt.Pool(processes);
  try {
    timedMap(pool, 4000); // warm-up: workers started, the target module imported
    timedMap(pool, 4000, 1);
    for (let r = 0; r < repeats; r++) {
      ctx.watchdog?.();
      for (let i = 0; i < k; i++) s.ours.default.push(timedMap(pool, N));
      for (let i = 0; i < k; i++) s.ours.list.push(timedMap(pool, N, undefined, data));
      s.ours.one.push(timedMap(pool, nOne, 1));
      if (py !== null) {
        py = runPythonJson(PY, ['map', processes, N, k, nOne], 300000);
        if (py) {
          s.py.default.push(...py.tasksPerSec.default);
          s.py.list.push(...py.tasksPerSec.defaultList);
          s.py.one.push(...py.tasksPerSec['1']);
        }
      }
    }
  } catch (err) {
    pool.terminate();
    throw err;
  }
  pool.close();
  pool.join();

  const rows = [];
  if (py) ctx.python ??= `${py.implementation} ${py.python}`;
  else ctx.notes.push('python3 is not on PATH: the CPython multiprocessing.Pool.map baselines were skipped.');
  const pyName = py ? `CPython ${py.python} multiprocessing.Pool.map` : '-';
  const M = (xs) => spread(xs.map((x) => x / 1e6), 2);
  const K = (xs) => spread(xs.map((x) => x / 1e3), 1);
  const setup = `${processes} processes each, pools created and warmed up before timing, unpinned` +
    (py ? `; CPython's workers started with '${py.startMethod}'` : '');
  const nText = N.toLocaleString('en-US');
  const bars = (ours, cpython) => [
    { name: 'Pool.map (ours)', value: ours, ours: true },
    ...(cpython != null ? [{ name: `CPython ${py.python} Pool.map`, value: cpython }] : []),
  ];
  rows.push(row({
    id: 'pool.process.map.default', group,
    benchmark: `Pool.map(inc, range(${nText})), default chunksize, input from a generator, vs CPython (info)`,
    unit: 'tasks/s', ours: median(s.ours.default), baseline: py ? median(s.py.default) : null, baselineName: pyName,
    note: `${setup}; default chunksize${py ? ` (${py.defaultChunksize} in CPython)` : ''}; ${s.ours.default.length} maps each; ` +
      `ours ${M(s.ours.default)} M tasks/s` + (py ? `, CPython ${M(s.py.default)} M tasks/s` : ''),
    details: { ours: s.ours.default, baseline: py ? s.py.default : null, processes, tasks: N },
    bars: bars(median(s.ours.default), py ? median(s.py.default) : null),
  }));
  rows.push(row({
    id: 'pool.process.map.list', group,
    benchmark: `Pool.map(inc, ${nText} items), default chunksize, vs CPython`,
    unit: 'tasks/s', ours: median(s.ours.list), baseline: py ? median(s.py.list) : null, baselineName: py ? `${pyName}, over a list` : '-',
    target: py ? { minRatio: 3 } : null,
    note: `as above over an array (a list in CPython) made before timing, so that building the input is not timed: ` +
      `ours ${M(s.ours.list)} M tasks/s` + (py ? `, CPython ${M(s.py.list)} M tasks/s` : ''),
    details: { ours: s.ours.list, baseline: py ? s.py.list : null, processes, tasks: N },
    bars: bars(median(s.ours.list), py ? median(s.py.list) : null),
  }));
  rows.push(row({
    id: 'pool.process.map.one', group,
    benchmark: `Pool.map(inc, range(${nOne.toLocaleString('en-US')}), 1), chunksize 1, vs CPython`,
    unit: 'tasks/s', ours: median(s.ours.one), baseline: py ? median(s.py.one) : null, baselineName: pyName,
    target: py ? { minRatio: 3 } : null,
    note: `${setup}; ${s.ours.one.length} maps each; ours ${K(s.ours.one)} k tasks/s` + (py ? `, CPython ${K(s.py.one)} k tasks/s` : ''),
    details: { ours: s.ours.one, baseline: py ? s.py.one : null, processes, tasks: nOne },
    bars: bars(median(s.ours.one), py ? median(s.py.one) : null),
  }));
  return rows;
}
