// Group 3: CPython equivalents (threading.Lock pair, threading.Event ping-pong
// between two threads), run through `python3` if it is on PATH. Our numbers
// come from the earlier groups (ctx.measured), so this group must run after
// lock.mjs and pingpong.mjs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { row } from './common.mjs';

const SCRIPT = fileURLToPath(new URL('./python/bench.py', import.meta.url));

export function pythonVersion() {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim().replace(/^Python\s+/, '');
}

export async function run(ctx) {
  const { repeats, quick } = ctx;
  const group = 'python';
  const lockMs = quick ? 25 : 250;
  const ppMs = quick ? 40 : 400;

  const r = spawnSync('python3', [SCRIPT, String(repeats), String(lockMs), String(ppMs)], {
    encoding: 'utf8',
    timeout: quick ? 30000 : 90000,
    killSignal: 'SIGKILL',
  });
  if (r.error && r.error.code === 'ENOENT') {
    ctx.notes.push('python3 is not on PATH: the CPython rows were skipped.');
    return [];
  }
  if (r.error) throw new Error(`python3 ${SCRIPT} failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`python3 ${SCRIPT} exited with ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  const py = JSON.parse(r.stdout);
  ctx.python = `${py.implementation} ${py.python}`;

  const rows = [];
  const missing = (what) => `our ${what} was not measured (its group failed or did not run)`;
  rows.push(row({
    id: 'python.lock.pair', group, benchmark: 'Lock acquire()+release() vs CPython threading.Lock',
    unit: 'ns/pair', ours: ctx.measured.lockPairNs ?? null, baseline: py.lockPairNs.median,
    baselineName: `CPython ${py.python} threading.Lock`, target: { maxRatio: 1, strict: true },
    error: ctx.measured.lockPairNs == null ? missing('Lock pair') : undefined,
    note: `CPython loop overhead alone: ${py.emptyLoopNs.median.toFixed(1)} ns/iteration (included)`,
    details: { baseline: py.lockPairNs },
  }));
  rows.push(row({
    id: 'python.pingpong.event', group, benchmark: 'Event ping-pong vs CPython threading.Event (2 threads)',
    unit: 'us/round trip', ours: ctx.measured.pingPongUs ?? null, baseline: py.pingPongUs.median,
    baselineName: `CPython ${py.python} threading.Event`, target: { maxRatio: 1, strict: true },
    error: ctx.measured.pingPongUs == null ? missing('Event ping-pong') : undefined,
    details: { baseline: py.pingPongUs },
  }));
  rows.push(row({
    id: 'python.lock.with', group, benchmark: 'Lock withLock(noop) vs CPython `with lock: pass` (info)',
    unit: 'ns/call', ours: ctx.measured.withLockNs ?? null, baseline: py.lockWithNs.median,
    baselineName: `CPython ${py.python} threading.Lock`, details: { baseline: py.lockWithNs },
  }));
  return rows;
}
