// Shared helpers for the benchmark groups: loading the built package, timing,
// statistics and row construction.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const require = createRequire(import.meta.url);

/**
 * The module under test: ../dist/index.js, or the path in the environment
 * variable NATIVE_THREADING_BENCH_MODULE (for testing the harness itself).
 */
export function packagePath() {
  return process.env.NATIVE_THREADING_BENCH_MODULE || '../dist/index.js';
}

/** Load the built CommonJS package (dist/index.js). Throws with a clear message if missing. */
export function loadPackage() {
  try {
    return require(packagePath());
  } catch (err) {
    const e = new Error(`cannot load ../dist/index.js (run \`npm run build\` first): ${err.message}`);
    e.cause = err;
    throw e;
  }
}

export const now = () => process.hrtime.bigint();

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function min(xs) {
  return Math.min(...xs);
}

/**
 * Time `loop(n)` (a function running n operations) and return ns per op.
 */
export function timeLoop(loop, n) {
  const t0 = now();
  loop(n);
  const t1 = now();
  return Number(t1 - t0) / n;
}

/**
 * Find an iteration count so that one call of `loop(n)` takes about `sampleMs`.
 * Also serves as warm-up (lets the JIT optimise the loop).
 */
export function calibrate(loop, sampleMs) {
  let n = 1000;
  for (;;) {
    const t0 = now();
    loop(n);
    const ms = Number(now() - t0) / 1e6;
    if (ms >= sampleMs / 8 || n >= 1e9) {
      return Math.max(1000, Math.round((n * sampleMs) / Math.max(ms, 1e-3)));
    }
    n *= ms < sampleMs / 100 ? 10 : 2;
  }
}

/**
 * Measure several loops interleaved (A B C A B C ...), so that slow drift of a
 * noisy machine affects every case alike. Returns { name: { median, min, samples } } in ns/op.
 */
export function measureInterleaved(cases, { repeats, sampleMs }) {
  const counts = {};
  for (const [name, loop] of Object.entries(cases)) counts[name] = calibrate(loop, sampleMs);
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < repeats; r++) {
    for (const [name, loop] of Object.entries(cases)) samples[name].push(timeLoop(loop, counts[name]));
  }
  const out = {};
  for (const [name, xs] of Object.entries(samples)) {
    out[name] = { median: median(xs), min: min(xs), samples: xs, iterations: counts[name] };
  }
  return out;
}

/**
 * Build a result row.
 *  target: null (information only);
 *    { maxRatio, strict }: a time (lower is better), pass when ours/baseline <= maxRatio
 *      (< maxRatio when strict);
 *    { minRatio, floor }: a throughput (higher is better), pass when ours/baseline >= minRatio;
 *      between `floor` and minRatio the row is "below target" but above its floor.
 *  Chart (bench/charts/<group>.svg, see chart.mjs): by default a row shows two bars, ours and
 *  the baseline; bars: [{ name, value, ours? }] (values in the row's unit) shows those instead
 *  (several peers of one measurement); chart: false leaves the row out of the chart (an
 *  information row whose numbers another row's bars already show).
 */
export function row({ id, group, benchmark, unit, ours, baseline = null, baselineName = null,
  target = null, note = undefined, details = undefined, error = undefined, bars = undefined, chart = undefined }) {
  const ratio = ours != null && baseline != null && baseline > 0 ? ours / baseline : null;
  let pass = null;
  let floorPass = null;
  if (target && ratio != null) {
    if (target.minRatio != null) {
      pass = ratio >= target.minRatio;
      floorPass = target.floor != null ? ratio >= target.floor : pass;
    } else {
      pass = target.strict ? ratio < target.maxRatio : ratio <= target.maxRatio;
      floorPass = pass;
    }
  }
  if (target && error) pass = floorPass = false;
  return { id, group, benchmark, unit, ours, baseline, baselineName, ratio, target, pass, floorPass, note, details, error, bars, chart };
}

/**
 * Run a CPython helper script (`python3 SCRIPT ...args`) that prints one JSON object.
 * Returns null when python3 is not installed; throws when the script fails or times out
 * (it is killed with SIGKILL; the helper scripts make their own children die with them).
 */
export function runPythonJson(script, args, timeoutMs) {
  const r = spawnSync('python3', [script, ...args.map(String)], {
    encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20,
  });
  if (r.error && r.error.code === 'ENOENT') return null;
  const cmd = `python3 ${script} ${args.join(' ')}`;
  if (r.error) throw new Error(`${cmd} failed: ${r.error.message}${r.error.code === 'ETIMEDOUT' ? ` (killed after ${timeoutMs} ms)` : ''}`);
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

/** Let the event loop turn (child exits are reaped, messages delivered). */
export const tick = () => new Promise((r) => setImmediate(r));

/** "min-max unit" of a list of samples. */
export function spread(xs, digits = 1, unit = '') {
  return `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

// CPU affinity through taskset (util-linux): the process benchmarks pin the main threads of the
// two processes of a pair to chosen CPUs.

/** The CPU affinity list of thread `tid` ("0,1"), or null when taskset is not available. */
export function affinityOf(tid) {
  const r = spawnSync('taskset', ['-pc', String(tid)], { encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim().split(':').pop().trim();
}

/** Sets the CPU affinity of thread `tid` (a process's main thread: its pid). */
export function setAffinity(tid, list) {
  const r = spawnSync('taskset', ['-pc', String(list), String(tid)], { encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) throw new Error(`taskset -pc ${list} ${tid} failed: ${r.error?.message ?? r.stderr.trim()}`);
}

/**
 * Sets the CPU affinity of every thread of process `pid` (taskset -a): its main thread, the
 * threads of libuv and V8, worker threads. Threads created later inherit their creator's.
 */
export function setAffinityAll(pid, list) {
  const r = spawnSync('taskset', ['-a', '-pc', String(list), String(pid)], { encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) throw new Error(`taskset -a -pc ${list} ${pid} failed: ${r.error?.message ?? r.stderr.trim()}`);
}

/** The CPUs of an affinity list like "0-3,6". */
export function cpusOf(list) {
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

/**
 * Where the two processes of a pair run: both on one CPU, on two different CPUs, or where the
 * scheduler puts them. { id, label, a, b (CPUs, null unpinned), target (whether the placement
 * carries the targets), text }. Without taskset or with one CPU, only 'free', with the targets.
 */
export function pairPlacements() {
  const mainAffinity = affinityOf(process.pid);
  const cpus = mainAffinity ? cpusOf(mainAffinity) : [];
  const canPin = cpus.length >= 2;
  return {
    mainAffinity,
    canPin,
    list: [
      ...(canPin ? [
        { id: 'one', label: 'on one CPU', a: cpus[0], b: cpus[0], target: true, text: `both processes on CPU ${cpus[0]}` },
        { id: 'two', label: 'on two CPUs', a: cpus[0], b: cpus[1], target: true, text: `parent on CPU ${cpus[0]}, child on CPU ${cpus[1]}` },
      ] : []),
      { id: 'free', label: 'unpinned', a: null, b: null, target: !canPin, text: 'unpinned' },
    ],
  };
}

/** Synchronous write to stdout/stderr (works even just before a hard exit). */
export function say(msg, fd = 1) {
  writeSync(fd, msg.endsWith('\n') ? msg : msg + '\n');
}

/**
 * The installed version of the npm package `name` as this directory resolves it (from its
 * package.json), or null when it is not installed. Peers of the benchmarks (the Node pool
 * packages) are optional: a missing one only skips its rows.
 */
export function packageVersion(name) {
  let entry;
  try {
    entry = require.resolve(name);
  } catch {
    return null;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version ?? 'unknown';
    } catch {
      // not a readable package.json: keep looking upwards
    }
  }
  return 'unknown';
}

/** The Node pool packages the pool benchmarks compare with. */
export const NODE_POOL_PEERS = ['piscina', 'tinypool', 'workerpool'];
