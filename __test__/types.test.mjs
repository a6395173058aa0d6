// The public types, checked as a user's project checks them: `tsc --strict` against the built
// package (node_modules/native-threading -> this checkout, types from its "exports").
// __test__/types/pass.ts must compile; in __test__/types/fail.ts every line marked `// TSnnnn`
// must fail with that code, and no other line may fail.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { strictTsconfig, TSC } from './helpers/tsc.mjs';
import { ROOT } from './helpers/util.mjs';

const TYPES = join(ROOT, '__test__', 'types');

function check(t, file) {
  const dir = mkdtempSync(join(tmpdir(), 'nt-types-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'native-threading'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
  for (const f of ['tasks.ts', file]) cpSync(join(TYPES, f), join(dir, f));
  writeFileSync(join(dir, 'package.json'), '{}');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(strictTsconfig([file], { types: ['node'] })));
  const r = spawnSync(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], { encoding: 'utf8', timeout: 120_000 });
  const found = [...r.stdout.matchAll(/^([^(\n]+)\((\d+),\d+\): error (TS\d+):/gm)].map((m) => ({ file: basename(m[1]), line: Number(m[2]), code: m[3] }));
  return { found, output: r.stdout + r.stderr };
}

test('types/pass.ts compiles under --strict: results, arguments and typecodes follow their sources', (t) => {
  const { found, output } = check(t, 'pass.ts');
  t.deepEqual(found, [], output);
});

test('types/fail.ts: each marked line fails with its code (wrong arguments, wrong result types, wrong element types), and nothing else fails', (t) => {
  const lines = readFileSync(join(TYPES, 'fail.ts'), 'utf8').split('\n');
  const expected = lines.flatMap((l, i) => {
    const m = /\/\/ (TS\d+)$/.exec(l);
    return m ? [`fail.ts:${i + 1} ${m[1]}`] : [];
  });
  t.true(expected.length >= 15, 'the file marks its failures');
  const { found, output } = check(t, 'fail.ts');
  // A line may report more than one diagnostic of its code (an overload's notes); one is enough.
  const got = [...new Set(found.map((d) => `${d.file}:${d.line} ${d.code}`))];
  t.deepEqual(got, expected, output);
});
