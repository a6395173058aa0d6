// Targets in test files, as users write them: a node:test file (ES module, CommonJS, and
// TypeScript through tsx) and an ava file (ava's defaults: files run in worker threads) that
// start Thread, Process, Pool and ThreadPool on local, unexported and exported functions and
// on local subclasses. The fixtures assert the codes and that nothing starts; here, each run
// ends by itself, reports exactly the file's own tests, once, and evaluates the file once.
import test from 'ava';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runNode } from './helpers/util.mjs';

const FIXTURES = join(ROOT, '__test__', 'fixtures', 'targets');
// Generous: a run takes about a second; the bound only turns a hang into a failure.
const RUN_MS = 60_000;

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'nt-test-files-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A project of its own (this checkout as `native-threading`; ava and tsx) holding `files`. */
function projectWith(t, files) {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'native-threading'), 'dir');
  for (const dep of ['ava', 'tsx']) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
  for (const f of files) copyFileSync(join(FIXTURES, f), join(dir, f));
  return dir;
}

function evaluationLog(t) {
  const log = join(tempDir(t), 'evaluations.log');
  writeFileSync(log, '');
  return { log, lines: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

/** node:test's summary counts (`# tests 7`, `# pass 7`, ...), from TAP or spec output. */
function summary(output) {
  const count = (name) => Number(new RegExp(`^#? ?[ℹ]? ?${name} (\\d+)$`, 'm').exec(output)?.[1] ?? NaN);
  return { tests: count('tests'), pass: count('pass'), fail: count('fail') };
}

for (const [file, loader, expected] of [
  ['node-test.mjs', [], 7],
  ['node-test.cjs', [], 5],
  ['node-test.mts', ['--import', 'tsx'], 5],
]) {
  test(`node --test ${file}${loader.length ? ' (through tsx)' : ''}: ${expected} tests, all passing, reported once; the file is evaluated once`, async (t) => {
    const { log, lines } = evaluationLog(t);
    const r = await runNode([...loader, '--test', '--test-reporter=tap', join(FIXTURES, file)], { t, timeout: RUN_MS, env: { NT_EVAL_LOG: log } });
    t.false(r.killed, `the run ended by itself\n${r.stdout}\n${r.stderr}`);
    t.deepEqual(summary(r.stdout), { tests: expected, pass: expected, fail: 0 }, r.stdout + r.stderr);
    t.is(r.code, 0);
    t.deepEqual(lines().map((l) => l.split(' ')[0]), [file], 'evaluated once, by the test run');
  });
}

test('node --test of the TypeScript file as CommonJS (.cts, through tsx): 5 tests, all passing; the file is evaluated once', async (t) => {
  const dir = projectWith(t, ['starts.cjs']);
  copyFileSync(join(FIXTURES, 'node-test.mts'), join(dir, 'node-test.cts'));
  const { log, lines } = evaluationLog(t);
  const r = await runNode(['--import', 'tsx', '--test', '--test-reporter=tap', 'node-test.cts'], { t, cwd: dir, timeout: RUN_MS, env: { NT_EVAL_LOG: log } });
  t.false(r.killed, `the run ended by itself\n${r.stdout}\n${r.stderr}`);
  t.deepEqual(summary(r.stdout), { tests: 5, pass: 5, fail: 0 }, r.stdout + r.stderr);
  t.is(r.code, 0);
  t.deepEqual(lines().map((l) => l.split(' ')[0]), ['node-test.mts'], 'evaluated once (the file logs its original name)');
});

test('an ava test file (worker threads, as ava runs by default): 4 tests, all passing; the file is evaluated once', async (t) => {
  const dir = projectWith(t, ['ava-file.mjs', 'starts.cjs']);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', ava: { files: ['ava-file.mjs'], timeout: '60s' } }));
  const { log, lines } = evaluationLog(t);
  const r = await runNode([join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), '--tap'], { t, cwd: dir, timeout: RUN_MS, env: { NT_EVAL_LOG: log } });
  t.false(r.killed, `the run ended by itself\n${r.stdout}\n${r.stderr}`);
  t.deepEqual(summary(r.stdout), { tests: 4, pass: 4, fail: 0 }, r.stdout + r.stderr);
  t.is(r.code, 0);
  t.deepEqual(lines().map((l) => l.split(' ')[0]), ['ava-file.mjs']);
});
