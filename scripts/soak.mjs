// The soak (`npm run soak`; not part of `npm test`): hundreds of kill-at-random trials per
// primitive (scripts/soak/trials.mjs: a child process takes the primitive, is SIGKILLed at a
// random moment, and the primitive must work again within its bound), then millions of queue
// items between processes, with and without a competing CPU-bound process, where no gap between
// two items may exceed one second (scripts/soak/throughput.mjs). Reports, per primitive, trials,
// recoveries, hangs (a call past its deadline, or a primitive still unusable at its bound) and
// failures (a wrong result); exits non-zero on any hang, failure or stall.
//
//   npm run soak -- [--trials 200] [--items 2000000] [--only Queue,Lock,throughput]
//                   [--seed N] [--slack 100]
//
// --slack is how late (ms) a timed call may return past its deadline before it counts as a hang
// (the library promises 100 ms on a quiet machine).
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { seeded } from '../__test__/helpers/seeded-random.mjs';
import { Hang, TRIALS } from './soak/trials.mjs';
import * as throughput from './soak/throughput.mjs';

const { values: opts } = parseArgs({
  options: {
    trials: { type: 'string', default: '200' },
    items: { type: 'string', default: '2000000' },
    only: { type: 'string' },
    seed: { type: 'string' },
    slack: { type: 'string', default: '100' },
  },
});
const trials = Number(opts.trials);
const items = Number(opts.items);
const slackMs = Number(opts.slack);
const seed = opts.seed === undefined ? Date.now() % 1e9 : Number(opts.seed);
const only = opts.only?.split(',').map((s) => s.trim());
const unknown = (only ?? []).filter((n) => n !== 'throughput' && !(n in TRIALS));
if (unknown.length > 0 || !(trials >= 0) || !(items > 0) || !(slackMs >= 0)) {
  console.error(`soak: bad options${unknown.length ? ` (unknown: ${unknown.join(', ')}; known: ${Object.keys(TRIALS).join(', ')}, throughput)` : ''}`);
  process.exit(2);
}
const wanted = (name) => !only || only.includes(name);

// A call that ignores its deadline blocks this thread; the watchdog, on a thread of its own, then
// reports which trial hung and ends the soak (children end with their parent).
const deadline = new Float64Array(new SharedArrayBuffer(8));
const watchdog = new Worker(`
  const { workerData, parentPort } = require('node:worker_threads');
  const { writeSync } = require('node:fs');
  const deadline = new Float64Array(workerData.deadline);
  let phase = '';
  parentPort.on('message', (m) => { phase = m; });
  setInterval(() => {
    if (deadline[0] > 0 && Date.now() > deadline[0]) {
      writeSync(2, '\\nsoak: ' + phase + ' is still running past its bound: HANG (a thread is blocked); stopping.\\n');
      process.kill(process.pid, 'SIGKILL');
    }
  }, 200);
`, { eval: true, workerData: { deadline: deadline.buffer } });
watchdog.unref();
const arm = (phase, ms) => {
  watchdog.postMessage(phase);
  deadline[0] = Date.now() + ms;
};

const children = new Set();
const cleanup = () => {
  for (const p of children) {
    try {
      if (p.exitcode === null) p.kill();
    } catch {
      // closed already
    }
  }
  children.clear();
};

console.log(`soak: ${trials} trials per primitive, seed ${seed}, slack ${slackMs} ms`);
let bad = 0;
const rnd = seeded(seed);
const rows = [];
for (const [name, trial] of Object.entries(TRIALS)) {
  if (!wanted(name) || trials === 0) continue;
  const s = { name, trials: 0, recoveries: 0, hangs: 0, failures: 0, late: 0, messages: new Map() };
  const t0 = performance.now();
  for (let k = 0; k < trials; k++) {
    arm(`${name} trial ${k}`, 20_000);
    const ctx = { trial: k, random: rnd.random, slackMs, children, slowest: (ms) => (s.late = Math.max(s.late, ms)) };
    s.trials++;
    try {
      await trial(ctx);
      s.recoveries++;
    } catch (e) {
      const kind = e instanceof Hang ? 'hang' : 'failure';
      if (kind === 'hang') s.hangs++;
      else s.failures++;
      const text = `${kind}: ${e?.message ?? e}`.replace(/\d+(\.\d+)? ms/g, 'N ms').replace(/\d{2,}/g, 'N');
      s.messages.set(text, (s.messages.get(text) ?? 0) + 1);
    } finally {
      cleanup();
    }
    if ((k + 1) % 50 === 0) process.stdout.write(`  ${name}: ${k + 1}/${trials}\n`);
  }
  deadline[0] = 0;
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`${name.padEnd(10)} trials ${s.trials}, recoveries ${s.recoveries}, hangs ${s.hangs}, failures ${s.failures}` +
    ` (${secs} s; latest timed call ${s.late.toFixed(0)} ms past its deadline)`);
  for (const [text, n] of s.messages) console.log(`    ${n} x ${text}`);
  bad += s.hangs + s.failures;
  rows.push(s);
}

if (wanted('throughput')) {
  console.log(`\nthroughput: ${items} numbers per run from a producer process; a gap over ${throughput.STALL_MS} ms between two items is a stall`);
  for (const config of throughput.CONFIGS) {
    arm(`throughput (${throughput.describe(config)})`, 60_000 + items / 10);
    const r = await throughput.run(config, items, children);
    cleanup();
    deadline[0] = 0;
    console.log(`  ${throughput.describe(config).padEnd(56)} ${(r.items / r.seconds / 1e6).toFixed(2)} M items/s, longest gap ${r.longestMs.toFixed(1)} ms` +
      `${r.problems.length ? `  FAIL: ${r.problems.join('; ')}` : ''}`);
    bad += r.problems.length;
  }
}

console.log(bad === 0 ? '\nsoak: no hang, no failure' : `\nsoak: ${bad} hang(s), failure(s) or stall(s)`);
process.exit(bad === 0 ? 0 : 1);
