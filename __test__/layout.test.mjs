// The shared-memory layout has one definition, src-rs/layout.rs: the Rust core uses it, and
// the build writes src/runtime/layout.ts from it (const enums, inlined as literals by tsc).
// These tests fail when the two sides differ: the table the loaded addon was built with
// against the enums the TypeScript build compiled, and the generated file against its source.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { DIST, ROOT } from './helpers/util.mjs';

const require = createRequire(import.meta.url);
const { native } = require(DIST.replace(/index\.js$/, 'src/runtime/native.js'));
// tsconfig's preserveConstEnums keeps each const enum as an object in the compiled module.
const compiled = require(DIST.replace(/index\.js$/, 'src/runtime/layout.js'));

/** A compiled numeric enum's names and values (without its reverse mappings). */
function members(enumObject) {
  return Object.fromEntries(Object.entries(enumObject).filter(([name]) => !/^-?\d+$/.test(name)));
}

test('every group and constant of the native layout table is in the TypeScript layout, with the same value', (t) => {
  const table = native.layout();
  t.true(Object.keys(table).length >= 10, 'the table has its groups');
  t.deepEqual(Object.keys(compiled).sort(), Object.keys(table).sort(), 'the same groups');
  for (const [group, entries] of Object.entries(table)) {
    t.deepEqual(members(compiled[group]), entries, `group ${group}`);
  }
});

test('the values the fast paths depend on are the ones the core uses', (t) => {
  const { Kind, Op, Block, RLockWord, EventWord, QueueWord, BarrierResult } = native.layout();
  t.deepEqual([Kind.Lock, Kind.RLock, Kind.Queue, Kind.Shared], [1, 2, 12, 13]);
  t.deepEqual([Op.Lock, Op.QueueChange], [0, 7]);
  t.deepEqual([Block.Words, Block.BodyWord, Block.AsyncWaitersWord], [16, 4, 3]);
  t.deepEqual([RLockWord.Owner, RLockWord.Count, RLockWord.Waiters, EventWord.Waiters], [0, 1, 2, 1]);
  t.deepEqual([QueueWord.NotEmpty, QueueWord.Tail, QueueWord.Head], [4, 12, 28]);
  t.deepEqual([BarrierResult.Broken, BarrierResult.Last], [-1, -2]);
});

test('src/runtime/layout.ts is what scripts/write-layout.mjs writes from src-rs/layout.rs', (t) => {
  const r = spawnSync(process.execPath, ['scripts/write-layout.mjs', '--check'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  t.is(r.status, 0, r.stderr);
});
