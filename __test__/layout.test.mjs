// The shared-memory layout has one definition, src-rs/layout.rs: the Rust core uses it, and
// the build writes src/runtime/layout.ts from it (const enums, inlined as literals by tsc).
// These tests fail when the two sides differ: the table the loaded addon was built with
// against the enums of the TypeScript file, and the generated file against its source.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DIST, ROOT } from './helpers/util.mjs';

const require = createRequire(import.meta.url);
const { native } = require(DIST.replace(/index\.js$/, 'src/runtime/native.js'));

/** The const enums of src/runtime/layout.ts, the file tsc compiles into the fast paths
 * (const enums leave no object behind at run time, so they are read from the source). */
function typescriptLayout() {
  const source = readFileSync(join(ROOT, 'src/runtime/layout.ts'), 'utf8');
  const groups = {};
  let group = null;
  for (const line of source.split('\n')) {
    let m;
    if ((m = /^export const enum (\w+) \{$/.exec(line))) groups[(group = m[1])] = {};
    else if ((m = /^  (\w+) = (-?\d+),$/.exec(line)) && group) groups[group][m[1]] = Number(m[2]);
    else if (line === '}') group = null;
  }
  return groups;
}

test('every group and constant of the native layout table is in the TypeScript layout, with the same value', (t) => {
  const table = native.layout();
  const ts = typescriptLayout();
  t.true(Object.keys(table).length >= 10, 'the table has its groups');
  t.deepEqual(Object.keys(ts).sort(), Object.keys(table).sort(), 'the same groups');
  for (const [group, entries] of Object.entries(table)) t.deepEqual(ts[group], entries, `group ${group}`);
});

test('the values the fast paths depend on are the ones the core uses', (t) => {
  const { Kind, Op, Block, LockBits, RLockWord, RLockBits, EventWord, QueueWord, BarrierResult } = native.layout();
  t.deepEqual([Kind.Lock, Kind.RLock, Kind.Queue, Kind.Shared], [1, 2, 12, 13]);
  t.deepEqual([Op.Lock, Op.QueueChange], [0, 7]);
  t.deepEqual([Block.Words, Block.BodyWord, Block.AsyncWaitersWord], [16, 4, 3]);
  t.deepEqual([RLockWord.Owner, RLockWord.Count, RLockWord.Waiters, EventWord.Waiters], [0, 1, 2, 1]);
  t.deepEqual([LockBits.Held, LockBits.Locked, LockBits.Contended, LockBits.OwnerDied, LockBits.TagShift], [3, 1, 2, 4, 3]);
  // Never an agent id (low 14 bits 0); the count's sign bit.
  t.deepEqual([RLockBits.OwnerDied, RLockBits.CountOwnerDied], [0x4000, 0x8000_0000]);
  t.deepEqual([QueueWord.NotEmpty, QueueWord.Tail, QueueWord.Head], [4, 12, 28]);
  t.deepEqual([BarrierResult.Broken, BarrierResult.Last], [-1, -2]);
});

test('src/runtime/layout.ts is what scripts/write-layout.mjs writes from src-rs/layout.rs', (t) => {
  const r = spawnSync(process.execPath, ['scripts/write-layout.mjs', '--check'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  t.is(r.status, 0, r.stderr);
});
