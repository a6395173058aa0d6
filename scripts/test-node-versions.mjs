// Runs test files on the other Node.js versions users run (scripts/node-versions.mjs installs
// them from the npm registry): by default the targets tests and TypeScript through tsx, the
// behaviour that differs most between versions (module loading, loader hooks in threads).
// `npm test` runs it after the full suite on this machine's Node. Arguments: test files to run
// instead; NODE_VERSIONS=22,24 picks versions.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, nodeBinary } from './node-versions.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AVA = join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
const DEFAULT_FILES = ['__test__/targets.test.mjs', '__test__/targets-in-tests.test.mjs', '__test__/tsx-esm.test.mjs'];

const files = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_FILES;
const majors = process.env.NODE_VERSIONS ? process.env.NODE_VERSIONS.split(',') : Object.keys(NODE_VERSIONS);
const failed = [];
for (const major of majors) {
  const node = nodeBinary(major);
  console.log(`\nnode-versions: Node ${NODE_VERSIONS[major]}: ${files.join(' ')}`);
  const run = spawnSync(node, [AVA, ...files], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) failed.push(`Node ${NODE_VERSIONS[major]} (exit ${run.status ?? run.signal})`);
}
if (failed.length > 0) {
  console.error(`node-versions: failed on ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`node-versions: passed on Node ${majors.map((m) => NODE_VERSIONS[m]).join(', ')}`);
