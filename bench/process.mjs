// Group 'process': Process start()+join() latency with a trivial exported
// target, against CPython's multiprocessing.Process start()+join() with the
// default start method of Linux (fork in CPython 3.11: a copy of the running
// interpreter, so not comparable with a fresh process) and with 'spawn' (a
// fresh interpreter, the fair comparison: our Process is a fresh Node process).
// Information rows: the task sets no target for start-up latency.
//
// Method: each sample is one start()+join() timed from before the
// constructor to the return of join(). Rounds alternate ours, a bare
// `node -e ''` (the floor of any fresh Node process), and one python3
// invocation doing the same number of fork and spawn start+joins, so that
// machine drift hits all alike. Each number is the median of all samples.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadPackage, median, min, row, runPythonJson, spread, tick } from './common.mjs';
import { noop } from './process-targets.mjs';

const PY = fileURLToPath(new URL('./python/mp_bench.py', import.meta.url));
const now = () => process.hrtime.bigint();

function startJoin(nt) {
  const t0 = now();
  const p = new nt.Process({ target: noop, daemon: true });
  p.start();
  p.join(30000);
  const ms = Number(now() - t0) / 1e6;
  if (p.exitcode !== 0) {
    if (p.exitcode === null) p.kill();
    throw new Error(`Process(noop) ${p.exitcode === null ? 'did not end within 30 s' : `ended with exit code ${p.exitcode}`}`);
  }
  p.close();
  return ms;
}

function bareNode() {
  const t0 = now();
  const r = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore', timeout: 30000, killSignal: 'SIGKILL' });
  const ms = Number(now() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node -e '' failed: ${r.error?.message ?? r.status ?? r.signal}`);
  return ms;
}

export async function run(ctx) {
  const { repeats, quick } = ctx;
  const nt = loadPackage();
  const perRound = quick ? 2 : 4;
  const group = 'process';

  // Warm-up: the first start locates the target (inspector) and loads the OS caches.
  startJoin(nt);
  bareNode();
  await tick();

  const s = { ours: [], node: [], fork: [], spawn: [] };
  let py = undefined;
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < perRound; i++) {
      s.ours.push(startJoin(nt));
      await tick(); // let Node reap the child
    }
    for (let i = 0; i < perRound; i++) s.node.push(bareNode());
    if (py !== null) {
      py = runPythonJson(PY, ['start', perRound], 120000);
      if (py) {
        s.fork.push(...py.startJoinMs.default);
        s.spawn.push(...py.startJoinMs.spawn);
      }
    }
  }

  const details = (xs) => ({ samples: xs, min: min(xs) });
  const rows = [];
  const pyName = py ? `CPython ${py.python}` : 'CPython';
  rows.push(row({
    id: 'process.start.node', group, benchmark: 'Process start()+join(), trivial target vs a bare `node -e \'\'` (info)',
    unit: 'ms', ours: median(s.ours), baseline: median(s.node), baselineName: 'spawnSync(node -e \'\')',
    note: `${s.ours.length} samples each; ours ${spread(s.ours)} ms, bare node ${spread(s.node)} ms. ` +
      'Our child is a fresh Node process that also loads the package, maps the arena and imports the target module.',
    details: { ours: details(s.ours), baseline: details(s.node) },
  }));
  if (py) {
    ctx.python ??= `${py.implementation} ${py.python}`;
    rows.push(row({
      id: 'process.start.spawn', group, benchmark: 'Process start()+join() vs CPython Process, start method spawn (info)',
      unit: 'ms', ours: median(s.ours), baseline: median(s.spawn), baselineName: `${pyName} multiprocessing 'spawn'`,
      note: `the like-for-like comparison (both start a fresh interpreter); CPython ${spread(s.spawn)} ms over ${s.spawn.length} samples`,
      details: { baseline: details(s.spawn) },
    }));
    rows.push(row({
      id: 'process.start.fork', group,
      benchmark: `Process start()+join() vs CPython Process, default start method '${py.defaultMethod}' (info)`,
      unit: 'ms', ours: median(s.ours), baseline: median(s.fork), baselineName: `${pyName} multiprocessing '${py.defaultMethod}'`,
      note: `CPython ${py.python}'s default start method on Linux is '${py.defaultMethod}'` +
        (py.defaultMethod === 'fork' ? ': a copy of the running interpreter, not a fresh one, so this is not a like-for-like comparison' : '') +
        `; CPython ${spread(s.fork, 2)} ms over ${s.fork.length} samples`,
      details: { baseline: details(s.fork) },
    }));
  } else {
    ctx.notes.push('python3 is not on PATH: the CPython multiprocessing.Process start+join rows were skipped.');
  }
  return rows;
}
