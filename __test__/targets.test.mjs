// Targets: every export form works; what no export binds is refused in the caller, before any
// thread or process starts and before any module is evaluated again; a module that starts
// work when it is imported fails the start with ERR_TARGET_MODULE_UNGUARDED (never a chain of
// processes); plain Workers' dummy threads are listed by enumerate().
import ava from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DIST, nt, ROOT, runNode, until } from './helpers/util.mjs';

// Serial: the evaluation log and enumerate() are process-wide.
const test = ava.serial;
const require = createRequire(import.meta.url);
const { Pool, Process, Thread, ThreadPool, activeCount, enumerate } = nt;

const logDir = mkdtempSync(join(tmpdir(), 'nt-targets-'));
const LOG = join(logDir, 'evaluations.log');
writeFileSync(LOG, '');
// Set before the fixtures load: pool workers inherit it.
process.env.NT_EVAL_LOG = LOG;
const evaluations = () => readFileSync(LOG, 'utf8').split('\n').filter(Boolean);

const esm = await import('./fixtures/targets/forms.mjs');
const cjs = require('./fixtures/targets/forms.cjs');
const whole = require('./fixtures/targets/whole.cjs');

let pool;
let threadPool;
test.before(() => {
  pool = new Pool(1);
  threadPool = new ThreadPool(1);
});
test.after.always(() => {
  pool?.terminate();
  threadPool?.terminate();
  rmSync(logDir, { recursive: true, force: true });
});

const FORMS = [
  ['export function', esm.plain, ['plain', 1]],
  ['export { local as renamed }', esm.renamed, ['renamed', 1]],
  ['export default function', esm.default, ['default', 1]],
  ['export const arrow = () => ...', esm.arrow, ['arrow', 1]],
  ['export const asyncArrow = async () => ...', esm.asyncArrow, ['asyncArrow', 1]],
  ['export const alias = local', esm.alias, ['alias', 1]],
  ["export { f } from './other.mjs' (a re-export)", esm.reexported, ['reexported', 1]],
  ['CommonJS exports.f = f', cjs.plain, ['plain', 1]],
  ['CommonJS exports.g = f (another name)', cjs.renamed, ['renamed', 1]],
  ["CommonJS exports.f = require('./other').f (a re-export)", cjs.reexported, ['reexported', 1]],
  ['CommonJS module.exports = f', whole, ['whole', 1]],
];

for (const [form, fn, expected] of FORMS) {
  test(`${form}: Pool and ThreadPool import and call it`, async (t) => {
    t.deepEqual(pool.apply(fn, [1]), expected, 'Pool.apply');
    t.deepEqual(await threadPool.applyAsync(fn, [1]), expected, 'ThreadPool.applyAsync');
  });
}

test('exported targets start as Thread and Process (ES module, CommonJS, renamed, default)', (t) => {
  for (const fn of [esm.plain, esm.renamed, esm.default, cjs.renamed, whole]) {
    for (const Kind of [Thread, Process]) {
      const w = new Kind({ target: fn, args: [1] });
      w.start();
      w.join(10_000);
      t.false(w.isAlive(), `${Kind.name} of ${fn.name}`);
      if (Kind === Process) t.is(w.exitcode, 0, `${Kind.name} of ${fn.name}: exit code`);
    }
  }
});

const REFUSED = [
  ['an arrow function', (x) => x],
  ['a closure made by an exported function', esm.makeClosure()],
  ['a function declared inside an exported one, named like an export', esm.outer()],
  ['a bound function', esm.bound],
  ['a method of an exported object', esm.holder.method],
  ['a function declared but not exported (ES module)', esm.getNotExported()],
  ['a function declared but not exported (CommonJS)', cjs.getNotExported()],
  ['a built-in function', Math.max],
];

for (const [what, fn] of REFUSED) {
  test(`${what}: ERR_TARGET_NOT_EXPORTED from Thread, Process and both pools, naming it; nothing starts, no module is evaluated again`, (t) => {
    const before = evaluations().length;
    const threads = activeCount();
    const children = nt.activeChildren().length;
    for (const [kind, start] of [
      ['Thread', () => new Thread({ target: fn }).start()],
      ['Process', () => new Process({ target: fn }).start()],
      ['Pool', () => pool.apply(fn, [1])],
      ['ThreadPool', () => threadPool.applyAsync(fn, [1])],
    ]) {
      const err = t.throws(start, { code: 'ERR_TARGET_NOT_EXPORTED' }, kind);
      if (fn.name) t.true(err.message.includes(fn.name), `${kind}: the message names ${fn.name}: ${err.message}`);
      t.regex(err.message, /export/, `${kind}: the message says what to export`);
    }
    t.is(activeCount(), threads, 'no thread started');
    t.is(nt.activeChildren().length, children, 'no process started');
    t.is(evaluations().length, before, 'no module evaluated again');
  });
}

test('a local Thread or Process subclass: ERR_TARGET_NOT_EXPORTED at start(), naming the class', (t) => {
  class LocalThread extends Thread {
    run() {}
  }
  class LocalProcess extends Process {
    run() {}
  }
  t.throws(() => new LocalThread().start(), { code: 'ERR_TARGET_NOT_EXPORTED', message: /LocalThread/ });
  t.throws(() => new LocalProcess().start(), { code: 'ERR_TARGET_NOT_EXPORTED', message: /LocalProcess/ });
});

for (const kind of ['Thread', 'Process', 'Pool', 'ThreadPool']) {
  for (const ext of ['mjs', 'cjs']) {
    test(`an entry script (.${ext}) without a main guard that starts a ${kind} on its own export: ERR_TARGET_MODULE_UNGUARDED with ERR_START_DURING_IMPORT as cause; imported once more, no chain`, async (t) => {
      const log = join(logDir, `unguarded-${kind}-${ext}.log`);
      writeFileSync(log, '');
      const r = await runNode([join(ROOT, '__test__', 'fixtures', 'targets', `unguarded.${ext}`)], {
        t,
        timeout: 30_000,
        env: { NT_START: kind, NT_EVAL_LOG: log },
      });
      t.false(r.killed, 'ended by itself');
      t.is(r.code, 1);
      t.regex(r.stderr, /code: 'ERR_TARGET_MODULE_UNGUARDED'/);
      t.regex(r.stderr, /\[cause\]: Error: a \w+ cannot be started while this thread or process is importing[^]*code: 'ERR_START_DURING_IMPORT'/);
      t.regex(r.stderr, /isMainModule\(import\.meta\)/, 'the message says how to guard the main code');
      t.false(r.stdout.includes('not reached'));
      t.is(readFileSync(log, 'utf8').split('\n').filter(Boolean).length, 2, 'the script was evaluated here and by one importer');
    });
  }
}

test('a plain Worker that loads the package is listed by enumerate() and activeCount() while it lives, and dropped when it ends', async (t) => {
  const before = activeCount();
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     require(${JSON.stringify(DIST)});
     parentPort.postMessage('loaded');
     parentPort.once('message', () => process.exit(0));`,
    { eval: true },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  const dummy = enumerate().find((th) => th.name.startsWith('Dummy-'));
  t.truthy(dummy, `enumerate() lists the worker: ${enumerate().map(String)}`);
  t.is(activeCount(), before + 1);
  t.true(dummy.daemon);
  t.true(dummy.ident > 0, 'its ident is known');
  worker.postMessage('end');
  await until(() => activeCount() === before, 10_000, 'the dummy thread leaves the registry');
  t.false(enumerate().some((th) => th.name === dummy.name));
});
