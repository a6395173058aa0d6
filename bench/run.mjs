// Benchmark driver: `npm run bench` (= node bench/run.mjs).
//
//   node bench/run.mjs            full run (5 repeats per measurement, a few minutes)
//   node bench/run.mjs --quick    short run (3 repeats, short samples, fewer pool tasks; about 1.5 minutes)
//   options: --repeats=N  --only=pool-real,codec,lock,pingpong,python,process,queue,pingpong-process,pool,pool-python,memory,distributed
//            --strict (exit 1 when a target fails; for a throughput with a floor, when the floor fails)
//
// Every baseline is measured in the same run, interleaved with our own
// measurement where possible, and each number is the median of the repeats.
// Results: a table on stdout, results.json, results.md and one chart per
// group, charts/<group>.svg (see chart.mjs), linked from results.md. A full
// run of every group writes them into bench/ (tracked) and copies the table
// into the README; any other run (--quick, --only) into bench/partial/
// (not tracked), so that a trial run changes no tracked file. Peers that are
// missing (python3, a Node pool package) skip their rows, which the header
// and the notes say.
//
// A group is a module exporting `async function run(ctx)` that returns rows
// built with row() from ./common.mjs. Add new groups (processes, queues,
// pools ...) to GROUPS below; a group sees the numbers of earlier groups in
// ctx.measured.
import os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { join, relative } from 'node:path';
import { groupChart } from './chart.mjs';
import { NODE_POOL_PEERS, packageVersion, say } from './common.mjs';
import { pythonVersion } from './python.mjs';
import { updateReadme } from './readme-table.mjs';
import { reportDir } from './report-dir.mjs';

const GROUPS = [
  { name: 'pool-real', module: './pool-real.mjs' }, // Pool and ThreadPool on realistic payloads vs CPython and the Node pools
  { name: 'codec', module: './codec.mjs' }, // the per-item cost of sending a Pool chunk vs CPython's pickle: the floor under pool-real
  { name: 'lock', module: './lock.mjs' },
  { name: 'pingpong', module: './pingpong.mjs' },
  { name: 'python', module: './python.mjs' }, // after lock and pingpong: compares with their numbers
  { name: 'process', module: './process.mjs' }, // Process start+join vs CPython (fork and spawn)
  { name: 'queue', module: './queue.mjs' }, // Queue throughput between 2 processes vs CPython
  { name: 'pingpong-process', module: './pingpong-process.mjs' }, // Event ping-pong, 2 processes, vs raw futex and CPython
  { name: 'pool', module: './pool.mjs' }, // ThreadPool vs piscina, tinypool, workerpool
  { name: 'pool-python', module: './pool-python.mjs' }, // Pool.map (processes) vs CPython multiprocessing.Pool.map
  { name: 'distributed', module: './distributed.mjs' }, // DistributedPool on a local Redis vs the local Pool and plain BullMQ
  { name: 'memory', module: './memory.mjs' }, // RSS of one live Lock, Event, Queue vs CPython
];

function parseArgs(argv) {
  const opts = { quick: false, strict: false, repeats: null, only: null };
  for (const a of argv) {
    if (a === '--quick') opts.quick = true;
    else if (a === '--strict') opts.strict = true;
    else if (a.startsWith('--repeats=')) opts.repeats = Math.max(1, parseInt(a.slice(10), 10));
    else if (a.startsWith('--only=')) opts.only = a.slice(7).split(',').filter(Boolean);
    else if (a === '--help' || a === '-h') {
      say(`usage: node bench/run.mjs [--quick] [--repeats=N] [--only=${GROUPS.map((g) => g.name).join(',')}] [--strict]`);
      process.exit(0);
    } else {
      say(`unknown option ${a}`, 2);
      process.exit(2);
    }
  }
  return opts;
}

/** python3 and the Node pool packages: their versions, or that they are missing and their rows skipped. */
function peersText(env) {
  const py = env.python ? `python3 ${env.python}` : 'python3 not found (CPython rows skipped)';
  const node = NODE_POOL_PEERS.map((n) => (env.nodePoolPeers[n] ? `${n} ${env.nodePoolPeers[n]}` : `${n} not installed (its rows skipped)`));
  return [py, ...node].join(', ');
}

function fmt(x) {
  if (x == null || !Number.isFinite(x)) return '-';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function targetText(t) {
  if (!t) return 'info';
  if (t.minRatio != null) return `>= ${t.minRatio}x${t.floor != null ? ` (floor ${t.floor}x)` : ''}`;
  return `${t.strict ? '<' : '<='} ${t.maxRatio}x`;
}

function resultText(r) {
  if (r.error) return r.target ? 'FAIL (error)' : 'error';
  if (r.pass == null) return '-';
  if (r.pass) return 'pass';
  return r.target?.floor != null && r.floorPass ? 'below target (floor ok)' : 'FAIL';
}

const COLUMNS = ['Benchmark', 'Unit', 'Ours', 'Baseline', 'Ratio', 'Target', 'Result', 'Baseline is'];
function cells(r) {
  return [r.benchmark, r.unit, fmt(r.ours), fmt(r.baseline), r.ratio == null ? '-' : `${r.ratio.toFixed(2)}x`,
    targetText(r.target), resultText(r), r.baselineName ?? '-'];
}

function textTable(rows) {
  const data = [COLUMNS, ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...data.map((d) => String(d[i]).length)));
  const right = new Set([2, 3, 4]);
  const line = (d) => d.map((c, i) => (right.has(i) ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  return [line(data[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...data.slice(1).map(line)].join('\n');
}

function mdTable(rows) {
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  return [
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map((_, i) => ([2, 3, 4].includes(i) ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
  ].join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const repeats = opts.repeats ?? (opts.quick ? 3 : 5);
  const ctx = { quick: opts.quick, repeats, measured: {}, notes: [], python: null, stuck: false };

  const loadAtStart = os.loadavg()[0];
  const watchdog = new Worker(new URL('./watchdog-worker.mjs', import.meta.url));
  watchdog.unref();
  const phaseLimitMs = opts.quick ? 60000 : 180000;

  const env = {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    availableParallelism: os.availableParallelism?.() ?? os.cpus().length,
    node: process.version,
    python: pythonVersion(),
    // The Node pool packages the 'pool' group compares with: version, or null when not installed.
    nodePoolPeers: Object.fromEntries(NODE_POOL_PEERS.map((n) => [n, packageVersion(n)])),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    mode: opts.quick ? 'quick' : 'full',
    repeats,
  };
  say(`native-threading benchmarks (${env.mode}: median of ${repeats} samples each)`);
  say(`${env.date}  ${env.cpu}, ${env.cores} cores  node ${env.node}  python ${env.python ?? '(none)'}  ${env.platform}`);
  say(`peers: ${peersText(env)}\n`);

  const rows = [];
  const errors = [];
  const t0 = Date.now();
  for (const g of GROUPS) {
    if (opts.only && !opts.only.includes(g.name)) continue;
    watchdog.postMessage({ phase: g.name, limitMs: phaseLimitMs });
    // A group may lengthen its phase for a slow step (a cargo build), or restart the clock
    // with the phase's own limit (no argument).
    ctx.watchdog = (limitMs = phaseLimitMs) => watchdog.postMessage({ phase: g.name, limitMs });
    const tg = Date.now();
    try {
      const mod = await import(g.module);
      const got = await mod.run(ctx);
      rows.push(...got);
      say(`  ${g.name}: ${got.length} row(s) in ${((Date.now() - tg) / 1000).toFixed(1)} s`);
    } catch (err) {
      errors.push({ group: g.name, message: err.message, stack: err.stack });
      say(`  ${g.name}: FAILED after ${((Date.now() - tg) / 1000).toFixed(1)} s: ${err.stack ?? err}`, 2);
    }
    if (ctx.stuck) break;
  }
  watchdog.postMessage({ phase: null });
  const elapsed = (Date.now() - t0) / 1000;
  if (ctx.python) env.python = ctx.python;

  say('\n' + textTable(rows));
  for (const n of ctx.notes) say(`note: ${n}`);
  for (const r of rows) if (r.note) say(`note (${r.id}): ${r.note}`);
  for (const r of rows) if (r.error) say(`error (${r.id}): ${r.error}`, 2);
  for (const e of errors) say(`error (group ${e.group}): ${e.message}`, 2);
  say(`\npeers: ${peersText(env)}`);
  say(`total ${elapsed.toFixed(1)} s`);

  const failed = rows.filter((r) => r.target && (r.target.floor != null ? r.floorPass === false : r.pass === false));
  const results = { env, elapsedSeconds: elapsed, rows, errors, notes: ctx.notes };
  const complete = !opts.quick && !opts.only;
  const dir = reportDir(complete);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');

  // One chart per group that produced rows, in the order of GROUPS.
  const charts = [];
  mkdirSync(join(dir, 'charts'), { recursive: true });
  for (const g of GROUPS) {
    const groupRows = rows.filter((r) => r.group === g.name);
    if (!groupRows.length) continue;
    const file = `charts/${g.name}.svg`;
    writeFileSync(join(dir, file), groupChart(g.name, groupRows, env));
    charts.push({ group: g.name, file });
  }
  const md = [
    '# native-threading benchmark results',
    '',
    `- Date: ${env.date}`,
    `- CPU: ${env.cpu} (${env.cores} cores, available parallelism ${env.availableParallelism})`,
    `- Node: ${env.node}`,
    `- Python: ${env.python ?? 'not found (CPython rows skipped)'}`,
    `- Node pool packages: ${NODE_POOL_PEERS.map((n) => `${n} ${env.nodePoolPeers[n] ?? 'not installed (its rows skipped)'}`).join(', ')}`,
    `- Platform: ${env.platform}`,
    `- Run: ${env.mode}, median of ${repeats} samples per measurement, ${elapsed.toFixed(1)} s in all`,
    `- Load average (1 min) at the start and the end: ${loadAtStart.toFixed(1)} and ${os.loadavg()[0].toFixed(1)} (above the CPU count: other work shared the CPUs, and the numbers are noisier)`,
    '',
    'Ratio = ours / baseline; both measured in the same run. For times (ns, us, ms) lower is better and the target ' +
      'is a maximum ratio (<=); for throughputs (items/s, MB/s) higher is better and the target is a minimum (>=), ' +
      'with, where given, a floor below which the row fails (between floor and target: "below target").',
    '',
    mdTable(rows),
    '',
    ...(charts.length ? [
      '## Charts',
      '',
      'One chart per group: each bar is a ratio to the row\'s baseline, ours highlighted, with the 1.0x line ' +
        'marked and a dashed red line at the target.',
      '',
      ...charts.flatMap((c) => [`### ${c.group}`, '', `![${c.group}: ratios to the baseline](${c.file})`, '']),
    ] : []),
    '## Notes',
    '',
    ...ctx.notes.map((n) => `- ${n}`),
    ...rows.filter((r) => r.note).map((r) => `- ${r.id}: ${r.note}`),
    ...rows.filter((r) => r.error).map((r) => `- Error (${r.id}): ${r.error}`),
    ...errors.map((e) => `- Error (group ${e.group}): ${e.message.replace(/\n/g, ' ')}`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'results.md'), md);
  const shown = relative(process.cwd(), dir) || '.';
  say(`wrote results.json, results.md and ${charts.length} chart(s) in ${shown}${complete ? '' : ' (a partial run: the tracked report is left as it is)'}`);
  // A full run of every group is what the README shows.
  if (complete && !errors.length) {
    updateReadme();
    say('updated the benchmark table in README.md');
  }

  const code = errors.length || (opts.strict && failed.length) ? 1 : 0;
  if (ctx.stuck) {
    say('some worker threads are stuck in a native wait and cannot be terminated: exiting with SIGKILL', 2);
    process.kill(process.pid, 'SIGKILL');
  }
  process.exitCode = code;
}

main().catch((err) => {
  say(err.stack ?? String(err), 2);
  process.exit(1);
});
