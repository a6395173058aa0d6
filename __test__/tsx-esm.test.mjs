// TypeScript ES modules run by tsx: Node 20 does not give worker threads the hooks of
// `--import tsx`, so Thread, ThreadPool and the pool's export check register tsx's hooks in
// each new thread (src/runtime/loader-hooks.ts). A program run both ways must work end to end.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { ROOT } from './helpers/util.mjs';

const run = promisify(execFile);

function project(t) {
  const dir = mkdtempSync(join(tmpdir(), 'nt-tsx-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'native-threading'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  cpSync(join(ROOT, '__test__', 'fixtures', 'tsx-esm', 'main.mts'), join(dir, 'main.mts'));
  return dir;
}

const EXPECTED = ['thread 1000', 'threadpool [ 1, 4, 9 ]', 'hidden ERR_TARGET_NOT_EXPORTED', 'pool [ 1, 4, 9 ]', ''].join('\n');

for (const [how, args] of [
  ['node --import tsx', ['--import', 'tsx', 'main.mts']],
  ['the tsx command', [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'main.mts']],
]) {
  test(`an ES-module TypeScript program run with ${how}: Thread, ThreadPool (and its export check) and Pool import its targets`, async (t) => {
    const cwd = project(t);
    const { stdout, stderr } = await run(process.execPath, args, { cwd, timeout: 30_000 });
    t.is(stdout, EXPECTED, stderr);
  });
}
