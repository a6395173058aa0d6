// TypeScript run by tsx (ES modules and CommonJS): Node 20 does not give worker threads the hooks of
// `--import tsx`, so Thread and ThreadPool register tsx's hooks in
// each new thread (src/runtime/loader-hooks.ts). A program run both ways must work end to end.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { ROOT } from './helpers/util.mjs';

const run = promisify(execFile);
/** Each program's bound. Alone one takes about 10 s here; the four run one after another, since
 * each starts threads, processes and pools that all compile TypeScript, and four at once beside
 * another test file took more than 30 s on a busy machine. */
const PROGRAM_TIMEOUT_MS = 50_000;

function project(t) {
  const dir = mkdtempSync(join(tmpdir(), 'nt-tsx-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'native-threading'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const f of ['main.mts', 'main.cts']) cpSync(join(ROOT, '__test__', 'fixtures', 'tsx-esm', f), join(dir, f));
  return dir;
}

const EXPECTED = ['thread 1000', 'threadpool [ 1, 4, 9 ]', 'hidden ERR_TARGET_NOT_EXPORTED', 'pool [ 1, 4, 9 ]', ''].join('\n');

for (const [how, args] of [
  ['node --import tsx', ['--import', 'tsx', 'main.mts']],
  ['the tsx command', [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'main.mts']],
]) {
  test.serial(`an ES-module TypeScript program run with ${how}: Thread, ThreadPool and Pool import its targets; an unexported one is refused`, async (t) => {
    const cwd = project(t);
    const { stdout, stderr } = await run(process.execPath, args, { cwd, timeout: PROGRAM_TIMEOUT_MS });
    t.is(stdout, EXPECTED, stderr);
  });
}

const EXPECTED_CJS = ['thread+process 2000', 'threadpool [ 1, 4, 9 ]', 'hidden ERR_TARGET_NOT_EXPORTED', 'pool [ 1, 4, 9 ]', ''].join('\n');

for (const [how, args] of [
  ['node --import tsx', ['--import', 'tsx', 'main.cts']],
  ['the tsx command', [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'main.cts']],
]) {
  test.serial(`a CommonJS TypeScript program (.cts) run with ${how}: Thread, Process, ThreadPool and Pool import its targets`, async (t) => {
    const cwd = project(t);
    const { stdout, stderr } = await run(process.execPath, args, { cwd, timeout: PROGRAM_TIMEOUT_MS });
    t.is(stdout, EXPECTED_CJS, stderr);
  });
}
