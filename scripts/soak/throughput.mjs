// The throughput part of the soak (scripts/soak.mjs): millions of queue items from a producer
// process to one or two consumer processes, with and without a competing CPU-bound process,
// measuring the longest gap between two consecutive items taken by any consumer. A wake-up lost
// between processes shows as a gap (a sleeper is only woken by the end of its wait's slice); a
// stall over one second fails the soak.
import { createRequire } from 'node:module';
import * as T from './targets.mjs';

const nt = createRequire(import.meta.url)('../../dist/index.js');
const { Process, Queue, SharedArray } = nt;

/** A gap this long is a stall. */
export const STALL_MS = 1000;

/** The runs: one consumer on an unbounded queue, two on a bounded one (both sides block). */
export const CONFIGS = [
  { consumers: 1, maxsize: 0, competitor: false },
  { consumers: 1, maxsize: 0, competitor: true },
  { consumers: 2, maxsize: 64, competitor: false },
  { consumers: 2, maxsize: 64, competitor: true },
];

function start(target, args, children) {
  const p = new Process({ target, args, daemon: true });
  p.start();
  children.add(p);
  return p;
}

/** One run of `items` items; resolves { config, items, seconds, longestMs, stalls, problems }. */
export async function run(config, items, children) {
  const q = new Queue(config.maxsize);
  const clock = new SharedArray('q', 1);
  const out = new Queue();
  const spinner = config.competitor ? start(T.spin, [], children) : null;
  const procs = [];
  try {
    for (let c = 0; c < config.consumers; c++) procs.push(start(T.consume, [q, clock, 2 * STALL_MS, out], children));
    const t0 = performance.now();
    procs.push(start(T.produce, [q, items, config.consumers], children));
    const reports = [];
    // A generous bound: 20,000 items/s at the very least.
    const bound = 10_000 + items / 20;
    for (let c = 0; c < config.consumers; c++) {
      try {
        reports.push(await out.getAsync(bound));
      } catch (e) {
        if (!(e instanceof nt.EmptyError)) throw e;
        const seconds = (performance.now() - t0) / 1000;
        return { config, items, seconds, longestMs: NaN, stalls: 0, problems: [`no report from a consumer within ${bound / 1000} s: stuck`] };
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    for (const p of procs) {
      await p.joinAsync(10_000);
      children.delete(p);
    }
    const got = reports.reduce((n, r) => n + r.items, 0);
    const longestMs = Math.max(...reports.map((r) => r.longestMs));
    const stalls = reports.reduce((n, r) => n + r.stalls, 0);
    const problems = [];
    if (got !== items) problems.push(`${got} items arrived of ${items}`);
    if (!reports.every((r) => r.ascending)) problems.push('a consumer got the numbers out of order');
    if (longestMs > STALL_MS || stalls > 0) problems.push(`a stall: longest gap ${longestMs.toFixed(1)} ms, ${stalls} get(true, ${2 * STALL_MS}) timed out`);
    return { config, items, seconds, longestMs, stalls, problems };
  } finally {
    for (const p of [...procs, spinner]) {
      if (p && p.exitcode === null) p.kill();
      if (p) children.delete(p);
    }
  }
}

/** A line saying what a run was. */
export function describe({ consumers, maxsize, competitor }) {
  return `${consumers} consumer${consumers > 1 ? 's' : ''}, ${maxsize ? `Queue(${maxsize})` : 'unbounded'}, ${competitor ? 'with' : 'no'} CPU-bound competitor`;
}
