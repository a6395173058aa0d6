// Shared helpers for the benchmark groups: loading the built package, timing,
// statistics and row construction.
import { createRequire } from 'node:module';
import { writeSync } from 'node:fs';

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
 *  target: null (information only), or { maxRatio, strict } meaning ours/baseline <= maxRatio
 *  (< maxRatio when strict).
 */
export function row({ id, group, benchmark, unit, ours, baseline = null, baselineName = null,
  target = null, note = undefined, details = undefined, error = undefined }) {
  const ratio = ours != null && baseline != null && baseline > 0 ? ours / baseline : null;
  let pass = null;
  if (target && ratio != null) pass = target.strict ? ratio < target.maxRatio : ratio <= target.maxRatio;
  if (target && error) pass = false;
  return { id, group, benchmark, unit, ours, baseline, baselineName, ratio, target, pass, note, details, error };
}

/** Synchronous write to stdout/stderr (works even just before a hard exit). */
export function say(msg, fd = 1) {
  writeSync(fd, msg.endsWith('\n') ? msg : msg + '\n');
}
