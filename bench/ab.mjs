// A/B comparison of two builds of the package on the same machine in the same run: each round
// runs the chosen groups once against build A, then once against build B (alternating, so that
// drift in machine load falls on both), each in its own Node process. Reports per row the
// median and the best (min) over rounds of each build's value, and B/A (below 1: B is
// faster). On a shared machine, many short rounds (--quick) beat a few long ones.
//
//   node bench/ab.mjs <checkoutA> <checkoutB> [--rounds=N] [--only=lock,pingpong,dict,queue] [--quick]
//
// A checkout is a directory holding a built package (dist/index.js and its native binary).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, min, say } from './common.mjs';

const GROUP_MODULES = { lock: './lock.mjs', pingpong: './pingpong.mjs', 'pingpong-process': './pingpong-process.mjs', dict: './dict.mjs', queue: './queue.mjs' };

async function child(only, quick) {
  const ctx = { quick, repeats: quick ? 3 : 5, measured: {}, notes: [], python: null, stuck: false, watchdog: () => {} };
  const rows = [];
  for (const g of only) {
    const mod = await import(GROUP_MODULES[g]);
    for (const r of await mod.run(ctx)) rows.push({ id: r.id, benchmark: r.benchmark, unit: r.unit, ours: r.ours });
  }
  process.stdout.write(`AB-ROWS ${JSON.stringify(rows)}\n`);
}

function runOnce(dir, only, quick) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', `--only=${only.join(',')}`, ...(quick ? ['--quick'] : [])], {
    env: { ...process.env, NATIVE_THREADING_BENCH_MODULE: resolve(dir, 'dist/index.js') },
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 << 20,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('AB-ROWS '));
  if (r.status !== 0 || !line) throw new Error(`run against ${dir} failed (${r.error?.message ?? `status ${r.status}`}):\n${r.stderr}`);
  return JSON.parse(line.slice(8));
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
  const only = opt('only', 'lock,pingpong').split(',');
  const quick = args.includes('--quick');
  if (args.includes('--child')) return child(only, quick);
  const [a, b] = args.filter((x) => !x.startsWith('--'));
  if (!a || !b) throw new Error('usage: node bench/ab.mjs <checkoutA> <checkoutB> [--rounds=N] [--only=lock,pingpong] [--quick]');
  const rounds = Number(opt('rounds', '4'));
  const values = new Map();
  for (let i = 0; i < rounds; i++) {
    for (const [side, dir] of [['A', a], ['B', b]]) {
      for (const row of runOnce(dir, only, quick)) {
        if (!values.has(row.id)) values.set(row.id, { row, A: [], B: [] });
        if (row.ours != null) values.get(row.id)[side].push(row.ours);
      }
      say(`round ${i + 1}/${rounds}: ${side} done`);
    }
  }
  say(`\nA = ${a}\nB = ${b}\n${rounds} rounds, alternating A/B; median and best (min) over rounds\n`);
  say('| row | unit | A median | B median | B/A | A min | B min | B/A (min) |');
  say('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const { row, A, B } of values.values()) {
    const [ma, mb, na, nb] = [median(A), median(B), min(A), min(B)];
    const f = (x) => x.toFixed(2);
    say(`| ${row.benchmark} | ${row.unit} | ${f(ma)} | ${f(mb)} | ${(mb / ma).toFixed(3)} | ${f(na)} | ${f(nb)} | ${(nb / na).toFixed(3)} |`);
  }
  say('\nper round (A; B):');
  for (const { row, A, B } of values.values()) say(`  ${row.id}: ${A.map((v) => v.toFixed(2)).join(' ')}; ${B.map((v) => v.toFixed(2)).join(' ')}`);
}

await main();
