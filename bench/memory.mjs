// Group 'memory': the resident memory one live Lock, Event and Queue costs, ours against
// CPython's multiprocessing Lock, Event and Queue (bench/python/memory_bench.py): in a fresh
// process, (RSS after creating N of them, kept alive - RSS before) / N, the garbage collector
// run before each reading and a few created first so that first-use costs are not counted.
// N is 5,000 on both sides (CPython's objects hold POSIX semaphores, each a memory mapping,
// and its Queues pipes, so many more would run into the limits on mappings and descriptors).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, packagePath, row, runPythonJson, spread } from './common.mjs';

const PY = fileURLToPath(new URL('./python/memory_bench.py', import.meta.url));
const DIST = fileURLToPath(new URL(packagePath(), import.meta.url));
const N = 5000;
const KINDS = ['Lock', 'Event', 'Queue'];

const CHILD = `
const nt = require(process.argv[1]);
const [kind, n] = [process.argv[2], Number(process.argv[3])];
const make = () => new nt[kind]();
const rss = () => { gc(); gc(); return process.memoryUsage().rss; };
let keep = Array.from({ length: 16 }, make);
const before = rss();
keep = Array.from({ length: n }, make);
const after = rss();
console.log(JSON.stringify({ bytesPerObject: (after - before) / n, n: keep.length }));
`;

function ours(kind) {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', CHILD, DIST, kind, String(N)], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`memory child for ${kind} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout).bytesPerObject;
}

export async function run(ctx) {
  const group = 'memory';
  const s = Object.fromEntries(KINDS.map((k) => [k, { ours: [], py: [] }]));
  let py;
  for (let r = 0; r < ctx.repeats; r++) {
    for (const kind of KINDS) {
      ctx.watchdog?.();
      s[kind].ours.push(ours(kind));
      if (py !== null) {
        py = runPythonJson(PY, [kind, N], 120000);
        if (py) s[kind].py.push(py.bytesPerObject);
      }
    }
  }
  if (!py) ctx.notes.push('python3 is not on PATH: the CPython memory baselines were skipped.');
  return KINDS.map((kind) => {
    const o = median(s[kind].ours);
    const b = py ? median(s[kind].py) : null;
    return row({
      id: `memory.${kind}`, group,
      benchmark: `Memory of one live ${kind}: RSS of ${N.toLocaleString('en-US')} of them / ${N.toLocaleString('en-US')} (info)`,
      unit: 'bytes', ours: o, baseline: b, baselineName: py ? `CPython ${py.python} multiprocessing.${kind}` : '-',
      note: `ours ${spread(s[kind].ours, 0)} bytes` + (py ? `, CPython ${spread(s[kind].py, 0)} bytes` : ''),
      details: { ours: s[kind].ours, baseline: py ? s[kind].py : null, n: N },
      bars: [{ name: `${kind} (ours)`, value: o, ours: true }, ...(b != null ? [{ name: `CPython ${kind}`, value: b }] : [])],
    });
  });
}
