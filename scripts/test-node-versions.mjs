// Runs the tests on the other Node.js versions users run (scripts/node-versions.mjs installs
// them from the npm registry). `npm test` runs it after the full suite on this machine's Node:
//
//   Node 24 (the current LTS)  the whole ava suite, then the consumer test
//   Node 22 and 26             the README blocks, the examples, TypeScript through tsx in threads
//                              and processes (the targets and tsx tests), then the consumer test
//
// The consumer test (scripts/consumer-test.mjs) runs on the version too: it packs, installs and
// runs the package, and type-checks against it, with that node first on PATH.
//
// Options: NODE_VERSIONS=22,24 picks versions; test files as arguments run those files (and no
// consumer test) on every picked version instead.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, nodeBinary } from './node-versions.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AVA = join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');

/** The test files whose behaviour differs most between versions: module loading, loader hooks in threads, the README. */
const VERSION_SENSITIVE = readdirSync(join(ROOT, '__test__'))
  .filter((f) => /^(readme|examples.*|targets.*|tsx-esm)\.test\.mjs$/.test(f))
  .map((f) => `__test__/${f}`)
  .sort();

/** What runs on each version: `files` for ava (empty: the whole suite, as package.json's ava config lists it). */
const PLAN = {
  22: { files: VERSION_SENSITIVE, consumer: true },
  24: { files: [], consumer: true },
  26: { files: VERSION_SENSITIVE, consumer: true },
};

const chosen = process.argv.slice(2);
const majors = process.env.NODE_VERSIONS ? process.env.NODE_VERSIONS.split(',') : Object.keys(NODE_VERSIONS);
const failed = [];
const timings = [];
for (const major of majors) {
  const plan = chosen.length > 0 ? { files: chosen, consumer: false } : PLAN[major];
  if (plan === undefined) throw new Error(`no test plan for Node ${major} (planned: ${Object.keys(PLAN).join(', ')})`);
  const node = nodeBinary(major);
  const version = NODE_VERSIONS[major];
  // Anything a test or script starts by name (node, npm, npx, tsx) runs on this version too.
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` };
  const started = performance.now();
  const steps = [
    [`ava ${plan.files.length > 0 ? plan.files.join(' ') : '(the whole suite)'}`, [AVA, ...plan.files]],
    ...(plan.consumer ? [['the consumer test', [join(ROOT, 'scripts', 'consumer-test.mjs')]]] : []),
  ];
  for (const [what, args] of steps) {
    console.log(`\nnode-versions: Node ${version}: ${what}`);
    const run = spawnSync(node, args, { cwd: ROOT, env, stdio: 'inherit' });
    if (run.status !== 0) failed.push(`Node ${version}, ${what} (exit ${run.status ?? run.signal})`);
  }
  timings.push(`Node ${version} ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
console.log(`\nnode-versions: ${timings.join(', ')}`);
if (failed.length > 0) {
  console.error(`node-versions: failed on ${failed.join('; ')}`);
  process.exit(1);
}
console.log(`node-versions: passed on Node ${majors.map((m) => NODE_VERSIONS[m]).join(', ')}`);
