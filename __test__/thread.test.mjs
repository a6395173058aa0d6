// Thread, currentThread, mainThread, activeCount, enumerate, getIdent, isMainModule.
import ava from 'ava';
import { Worker } from 'node:worker_threads';
import { assertThrowsCode, nt, runNode, sharedInts, within } from './helpers/util.mjs';
import * as targets from './fixtures/targets.mjs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cjsTargets = require('./fixtures/targets.cjs');
// Serial: activeCount() and enumerate() are process-wide.
const test = ava.serial;
const { Thread, Event, Lock, Semaphore, currentThread, mainThread, activeCount, enumerate, getIdent } = nt;

test('an ES module target gets args, and kwargs as one last argument', (t) => {
  const ints = sharedInts(2);
  const th = new Thread({ target: targets.add, args: [ints, 2, 3], kwargs: { c: 7 } });
  th.start();
  th.join();
  t.deepEqual([...ints], [5, 7]);
  const plain = new Thread({ target: targets.add, args: [ints, 1, 1] });
  plain.start();
  plain.join();
  t.deepEqual([...ints], [2, -1], 'no kwargs: no extra argument');
});

test('a CommonJS target runs', (t) => {
  const ints = sharedInts(1);
  const th = new Thread({ target: cjsTargets.triple, args: [ints, 14] });
  th.start();
  th.join();
  t.is(ints[0], 42);
});

test('start() returns once the thread runs: ident and nativeId are set; isAlive() follows it', (t) => {
  const ev = new Event();
  const ints = sharedInts(1);
  const th = new Thread({ target: targets.waitThenMark, args: [ev, ints] });
  t.is(th.ident, undefined);
  t.false(th.isAlive());
  th.start();
  t.true(Number.isInteger(th.ident) && th.ident > 0);
  t.true(Number.isInteger(th.nativeId) && th.nativeId > 0 && th.nativeId !== process.pid);
  t.not(th.ident, getIdent());
  t.true(th.isAlive());
  th.join(30);
  t.true(th.isAlive(), 'join(timeout) returns while the thread still waits');
  t.is(ints[0], 0);
  ev.set();
  th.join();
  t.false(th.isAlive());
  t.is(ints[0], 1);
});

test('join() blocks without spinning', (t) => {
  const th = new Thread({ target: targets.sleepFor, args: [300] });
  // Before start(): start() may return after the thread's sleep has begun.
  const t0 = performance.now();
  th.start();
  const cpu0 = process.cpuUsage();
  th.join();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  t.true(wall >= 250, `join returned after ${wall} ms`);
  // Spinning would burn ~300 ms of CPU on this thread; a futex wait burns next to none.
  t.true((cpu.user + cpu.system) / 1000 < 60, `CPU during join: ${JSON.stringify(cpu)}`);
});

test('joinAsync() does not block the event loop', async (t) => {
  const ev = new Event();
  const th = new Thread({ target: targets.waitThenMark, args: [ev, sharedInts(1)] });
  th.start();
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    if (ticks === 5) ev.set();
  }, 10);
  await within(th.joinAsync(), 5000, 'joinAsync');
  clearInterval(timer);
  t.true(ticks >= 5);
  t.false(th.isAlive());
  await within(th.joinAsync(10), 1000, 'joinAsync of an ended thread');
});

test('misuse codes: start twice, daemon after start, join before start, join self', (t) => {
  const th = new Thread({ target: targets.sleepFor, args: [1] });
  assertThrowsCode(t, () => th.join(), Error, 'ERR_THREAD_NOT_STARTED');
  th.start();
  assertThrowsCode(t, () => th.start(), Error, 'ERR_THREAD_STARTED');
  assertThrowsCode(t, () => {
    th.daemon = true;
  }, Error, 'ERR_THREAD_STARTED');
  th.join();
  assertThrowsCode(t, () => currentThread().join(), Error, 'ERR_THREAD_JOIN_SELF', 'main joining itself');
  const codes = sharedInts(1);
  const self = new Thread({ target: targets.joinSelf, args: [codes] });
  self.start();
  self.join();
  t.is(codes[0], 1, 'a thread joining itself gets ERR_THREAD_JOIN_SELF');
});

test('argument validation', (t) => {
  assertThrowsCode(t, () => new Thread({ target: 5 }), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => new Thread({ args: 'x' }), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => new Thread({ name: 3 }), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => new Thread({ daemon: 'yes' }), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => new Thread({}).join(NaN), RangeError, 'ERR_OUT_OF_RANGE');
});

test('a target that is not exported fails at start() with ERR_TARGET_NOT_EXPORTED', (t) => {
  for (const fn of [targets.makeUnexported(), cjsTargets.makeLocal()]) {
    const th = new Thread({ target: fn });
    const err = assertThrowsCode(t, () => th.start(), Error, 'ERR_TARGET_NOT_EXPORTED');
    t.regex(err.message, /export/);
    t.false(th.isAlive());
  }
  const e = assertThrowsCode(t, () => new Thread({ target: targets.makeUnexported() }).start(), Error, 'ERR_TARGET_NOT_EXPORTED');
  t.regex(e.message, /localHelper/, 'the message names the function to export');
  const renamed = new Thread({ target: targets.notExportedRef });
  renamed.start();
  renamed.join();
  t.pass('a function exported under another name is found');
  t.is(activeCount(), 1, 'failed starts leave no thread behind');
});

test('default names, currentThread() inside, mainThread(), process-wide activeCount()/enumerate()', (t) => {
  const before = activeCount();
  t.is(before, 1);
  t.is(mainThread().name, 'MainThread');
  t.is(currentThread(), mainThread());
  t.is(currentThread().ident, getIdent());
  const release = { buf: new SharedArrayBuffer(20), event: new Event(), name: '' };
  const a = new Thread({ target: targets.census, args: [[], release] });
  t.regex(a.name, /^Thread-\d+ \(census\)$/);
  release.name = a.name;
  const view = new Int32Array(release.buf);
  a.start();
  const b = new Thread({ target: targets.sleepFor, args: [200], name: 'sleeper' });
  b.start();
  t.is(activeCount(), 3);
  const names = enumerate().map((x) => x.name);
  t.deepEqual(names.sort(), ['MainThread', a.name, 'sleeper'].sort());
  t.true(enumerate().includes(a), 'this thread\'s own Thread objects appear as themselves');
  release.event.set();
  a.join();
  b.join();
  t.true(view[0] >= 2, `activeCount() inside a thread: ${view[0]}`);
  t.is(view[1], 1, 'enumerate() inside a thread includes MainThread');
  t.is(view[2], 1, 'currentThread().name inside the thread is its name');
  t.is(view[3], 1, 'getIdent() inside equals currentThread().ident');
  t.is(view[4], 1, 'mainThread() inside a thread');
  t.is(activeCount(), 1);
});

test('a plain Worker is a Dummy-N thread and counts while alive', async (t) => {
  const w = new Worker(
    `const { currentThread, activeCount } = require(${JSON.stringify(require.resolve('../dist/index.js'))});
     const { parentPort } = require('node:worker_threads');
     parentPort.postMessage([currentThread().name, activeCount()]);
     parentPort.once('message', () => process.exit(0));`,
    { eval: true },
  );
  const [name, count] = await within(new Promise((r) => w.once('message', r)), 10_000, 'dummy');
  t.regex(name, /^Dummy-\d+$/);
  t.is(count, 2);
  t.is(activeCount(), 2);
  w.postMessage('bye');
  await within(new Promise((r) => w.once('exit', r)), 5000, 'worker exit');
  t.is(activeCount(), 1, 'the dummy is gone with its worker');
});

test('shared primitives nested in args arrive as working instances', (t) => {
  const lock = new Lock();
  const ev = new Event();
  ev.set();
  const ints = sharedInts(3);
  const th = new Thread({
    target: targets.nested,
    args: [{ box: [lock], map: new Map([['ev', ev]]), set: new Set([new Semaphore(1)]) }, ints],
  });
  th.start();
  th.join();
  t.deepEqual([...ints], [1, 1, 1]);
  t.false(lock.locked());
});

test('an exported subclass overriding run() is rebuilt in the thread with its own fields', (t) => {
  const th = new targets.Counter({ name: 'counter' });
  th.buf = new SharedArrayBuffer(8);
  th.start_value = 40;
  th.step = 2;
  th.start();
  th.join();
  t.deepEqual([...new Int32Array(th.buf)], [42, 1]);
});

test('the entry script guarded by isMainModule(import.meta) is the target module; errors print the thread\'s stack', async (t) => {
  const r = await runNode(['__test__/fixtures/entry.mjs']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.deepEqual(lines, ['loaded main=true', 'loaded main=false', 'hello from a thread', 'loaded main=false', 'main done']);
  t.regex(r.stderr, /Exception in thread Boomer:\nError: target failed on purpose\n\s+at boom \(file:\/\/.*entry\.mjs:\d+:\d+\)/);
});

test('TypeScript through a loader: threads inherit execArgv', async (t) => {
  const r = await runNode(['--require', 'tsx/cjs', '__test__/fixtures/entry.cts']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['typed hello ts!', 'ts main done']);
});

test('daemon threads do not keep the program alive; non-daemon ones do until they end', async (t) => {
  const daemonOnly = await runNode(['__test__/fixtures/daemon.mjs'], { timeout: 10_000 });
  t.is(daemonOnly.code, 0, daemonOnly.stderr);
  t.false(daemonOnly.killed);
  t.true(daemonOnly.ms < 5000, `exited after ${daemonOnly.ms} ms`);
  const both = await runNode(['__test__/fixtures/daemon.mjs', 'with-non-daemon'], { timeout: 10_000 });
  t.is(both.code, 0, both.stderr);
  t.deepEqual(both.stdout.trim().split('\n'), ['main returns', 'non-daemon finished']);
});

test('name is writable and shows in enumerate() from other threads; daemon is inherited', (t) => {
  const ev = new Event();
  const th = new Thread({ target: targets.waitThenMark, args: [ev, sharedInts(1)] });
  t.false(th.daemon, 'the main thread is not a daemon, so neither are its threads by default');
  th.start();
  th.name = 'renamed';
  t.true(nt.enumerate().some((x) => x.name === 'renamed'));
  ev.set();
  th.join();
});
