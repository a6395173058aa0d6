// `npm run bench -- --quick` (and any run of some groups only) writes its report into
// bench/partial/, which git ignores: the tracked report (bench/results.md, bench/charts/, the
// README's table) changes only with a full run of every group.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { reportDir } from '../bench/report-dir.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = join(ROOT, 'bench');
const PARTIAL = join(BENCH, 'partial');

/** Contents and modification times of the tracked report. */
function trackedReport() {
  const files = ['bench/results.md', 'README.md', ...readdirSync(join(BENCH, 'charts')).map((f) => `bench/charts/${f}`)];
  return Object.fromEntries(files.map((f) => [f, `${statSync(join(ROOT, f)).mtimeMs} ${readFileSync(join(ROOT, f), 'utf8')}`]));
}

test('a full run reports into bench/, any other run into bench/partial/', (t) => {
  t.is(reportDir(true), `${BENCH}/`);
  t.is(reportDir(false), `${PARTIAL}/`);
  t.regex(readFileSync(join(ROOT, '.gitignore'), 'utf8'), /^bench\/partial\/$/m);
});

test('a quick run of one group writes bench/partial/ and leaves the tracked report as it is', async (t) => {
  t.timeout(120_000);
  rmSync(PARTIAL, { recursive: true, force: true });
  const before = trackedReport();
  const { stdout } = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['bench/run.mjs', '--quick', '--only=lock', '--repeats=1'], { cwd: ROOT, timeout: 110_000 }, (error, out, err) =>
      error ? reject(Object.assign(error, { message: `${error.message}\n${out}\n${err}` })) : resolve({ stdout: out }),
    );
  });
  t.regex(stdout, /wrote results\.json, results\.md and 1 chart\(s\) in bench\/partial/);
  for (const f of ['results.json', 'results.md', 'charts/lock.svg']) t.true(existsSync(join(PARTIAL, f)), `bench/partial/${f}`);
  t.regex(readFileSync(join(PARTIAL, 'results.md'), 'utf8'), /Run: quick, median of 1 samples/);
  t.deepEqual(trackedReport(), before);
});

test.serial("the codec group measures the library's own chunk encoding and decoding for every payload, beside CPython's pickle", async (t) => {
  t.timeout(120_000);
  const out = join(ROOT, 'bench', 'partial', 'results.json');
  await new Promise((resolve, reject) => {
    execFile(process.execPath, ['bench/run.mjs', '--quick', '--only=codec', '--repeats=1'], { cwd: ROOT, timeout: 110_000 }, (error, o, err) =>
      error ? reject(Object.assign(error, { message: `${error.message}\n${o}\n${err}` })) : resolve(),
    );
  });
  const rows = JSON.parse(readFileSync(out, 'utf8')).rows.filter((r) => r.group === 'codec');
  t.is(rows.length, 16, 'an encode and a decode row for each of 8 payloads');
  for (const r of rows) {
    t.true(r.ours > 0 && r.ours < 100_000, `${r.id}: ${r.ours} ns/item`);
    t.true(r.baseline > 0, `${r.id}: CPython measured (python3 must be installed)`);
  }
});
