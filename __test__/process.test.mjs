// Process, currentProcess, parentProcess, activeChildren, cpuCount, isMainModule in children,
// and every shared primitive used across processes (README, "Python -> TypeScript", multiprocessing).
import ava from 'ava';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { assertThrowsCode, delay, DIST, gone, killStrays, nt, procState, ROOT, runNode, startWorker, within } from './helpers/util.mjs';
import * as targets from './fixtures/process-targets.mjs';

const require = createRequire(import.meta.url);
const cjsTargets = require('./fixtures/process-targets.cjs');
// Serial: activeChildren() is process-wide, and the CPU measurement of join() wants quiet.
const test = ava.serial;
const {
  Process, currentProcess, parentProcess, activeChildren, cpuCount,
  Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier, Queue,
  BrokenBarrierError, EmptyError, FullError,
} = nt;

/** Long enough for any wait that should succeed; a lost wake-up fails instead of hanging. */
const LONG = 10_000;

/**
 * A new Process (or subclass) that is killed in t.teardown if it is still running, so a failing
 * test leaves no child behind.
 */
function proc(t, options, Cls = Process) {
  const p = new Cls(options);
  t.teardown(() => killIfRunning(p));
  return p;
}

function killIfRunning(p) {
  try {
    // exitcode null after start: not ended, so not reaped, so the pid is still this child's.
    if (p.pid !== undefined && p.exitcode === null) process.kill(p.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Starts `p` and returns it. */
function started(p) {
  p.start();
  return p;
}

/** The next item of `q` (within LONG ms; an EmptyError fails the test). */
const next = (q, ms = LONG) => within(q.getAsync(ms), ms + 1000, 'the next message');

/** Asserts that nothing arrives on `q` for `ms`: the other side is still blocked. */
async function quiet(t, q, ms, what) {
  const r = await q.getAsync(ms).then(
    (v) => ({ v }),
    (e) => ({ e }),
  );
  t.true(r.e instanceof EmptyError, `${what}: expected nothing within ${ms} ms, got ${JSON.stringify(r.v ?? String(r.e))}`);
}

/** Asserts the next message is [tag, ...] and returns its payload. */
async function expectTag(t, q, tag) {
  const m = await next(q);
  if (typeof m === 'string') {
    t.is(m, tag);
    return undefined;
  }
  t.true(Array.isArray(m) && m[0] === tag, `expected '${tag}', got ${JSON.stringify(m)}`);
  return Array.isArray(m) ? m.slice(1) : undefined;
}

/** A child's report of a timed call that should have timed out (returned false) after ~ms. */
function assertTimedFalse(t, r, ms, what) {
  t.is(r.value, false, `${what}: ${JSON.stringify(r)}`);
  t.true(r.ms >= ms - 2, `${what} returned after ${r.ms} ms`);
  t.true(r.ms < ms + 2000, `${what} took ${r.ms} ms`);
}

/** A blocking call in the parent whose wake-up comes from a child: its result and duration. */
function timedHere(fn) {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

async function untilGone(pids, ms = 5000) {
  const t0 = performance.now();
  while (!pids.every(gone) && performance.now() - t0 < ms) await delay(20);
  return pids.filter((pid) => !gone(pid));
}

/** After a failed start(): the Process is not alive and no child of it runs (or lingers). */
async function assertNoChildLeft(t, p, childrenBefore) {
  t.false(p.isAlive(), 'the failed Process is not alive');
  t.is(activeChildren().length, childrenBefore, 'activeChildren() is unchanged');
  if (p.pid !== undefined) t.deepEqual(await untilGone([p.pid], 5000), [], 'a child started to look for the target is gone');
}

// ---------------------------------------------------------------------------------------------
// A real child.

test('a Process is a real child: its own pid, its own module globals; env, cwd and execArgv are inherited', async (t) => {
  const out = new Queue();
  process.env.NT_PROCESS_TEST_MARK = 'inherited';
  t.teardown(() => delete process.env.NT_PROCESS_TEST_MARK);
  targets.state.n = 5;
  const p = proc(t, { target: targets.mutateGlobals, args: [out] });
  t.is(p.pid, undefined, 'no pid before start()');
  started(p);
  t.true(Number.isInteger(p.pid) && p.pid > 0);
  t.not(p.pid, process.pid);
  const r = await next(out);
  t.is(r.pid, p.pid, 'the child runs in the process whose pid Process.pid reports');
  t.is(r.ppid, process.pid, 'the child is a child of this process');
  t.is(r.before, 0, 'the child imported the module afresh: the parent\'s change (5) is not there');
  t.is(r.after, 100);
  t.is(r.markBefore, 'fresh', 'the child has its own globalThis');
  t.is(targets.state.n, 5, 'the child\'s change of the module-level object is not seen in the parent');
  t.is(globalThis.__ntGlobalMark, 'fresh');
  t.is(r.env, 'inherited');
  t.is(r.cwd, process.cwd());
  t.deepEqual(r.execArgv, process.execArgv);
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('an ES module target gets args, and kwargs as one last argument', async (t) => {
  const out = new Queue();
  const withKw = started(proc(t, { target: targets.report, args: [out, 2, 3], kwargs: { c: 7, s: 'x' } }));
  const plain = started(proc(t, { target: targets.report, args: [out, 1, 1] }));
  const got = [await next(out), await next(out)].sort((a, b) => a.sum - b.sum);
  t.deepEqual(got[0], { count: 3, sum: 2, kwargs: null, pid: plain.pid }, 'no kwargs: no extra argument');
  t.deepEqual(got[1], { count: 4, sum: 5, kwargs: { c: 7, s: 'x' }, pid: withKw.pid });
  withKw.join(LONG);
  plain.join(LONG);
  t.is(withKw.exitcode, 0);
  t.is(plain.exitcode, 0);
});

test('args and kwargs travel as structured clones: Map, Date, BigInt, typed arrays, undefined, cycles', async (t) => {
  const out = new Queue();
  const value = { map: new Map([['k', [1, 2]]]), date: new Date(1234), big: 2n ** 70n, bytes: new Uint8Array([7, 8]), u: undefined, nested: { a: [1, 'two', null] } };
  value.self = value;
  const p = started(proc(t, { target: targets.describeArgs, args: [out, value], kwargs: { set: new Set(['x', 3]) } }));
  t.deepEqual(await next(out), {
    map: [['k', [1, 2]]],
    date: 1234,
    big: String(2n ** 70n),
    bytes: [7, 8],
    undef: true,
    cyclic: true,
    nested: { a: [1, 'two', null] },
    set: ['x', 3],
  });
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('a CommonJS target runs, with args and kwargs', async (t) => {
  const out = new Queue();
  const p = started(proc(t, { target: cjsTargets.triple, args: [out, 14], kwargs: { k: true }, name: 'tripler' }));
  t.deepEqual(await next(out), { value: 42, count: 3, kwargs: { k: true }, name: 'tripler', pid: p.pid });
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('an exported subclass overriding run() is rebuilt in the child with its own fields', async (t) => {
  const out = new Queue();
  const p = proc(t, {}, targets.Reporter);
  t.regex(p.name, /^Reporter-\d+$/, 'a subclass\'s default name is Python\'s ClassName-N');
  p.out = out;
  p.startValue = 40;
  p.step = 2;
  p.tags = ['a', { b: 1 }];
  started(p);
  const r = await next(out);
  t.deepEqual(r, { sum: 42, isReporter: true, isProcess: true, name: p.name, currentIsThis: true, pid: p.pid, tags: ['a', { b: 1 }] });
  p.join(LONG);
  t.is(p.exitcode, 0);
});

for (const flag of ['-e', '-p', '--eval']) {
  test(`a program run with node ${flag} starts a Process once: the child does not run the ${flag} code again`, async (t) => {
    const code = `const { Process } = require(${JSON.stringify(DIST)});
      const { noop } = require(${JSON.stringify(join(ROOT, '__test__', 'fixtures', 'process-targets.cjs'))});
      const p = new Process({ target: noop }); p.start(); p.join();
      console.log('parent', p.exitcode); 0`;
    const r = await runNode([flag, code], { t, timeout: 20_000 });
    t.false(r.killed, 'no chain of processes');
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout.match(/parent 0/g)?.length, 1, r.stdout);
  });
}

test('names count from 1 without gaps in each process: Process-1, Process-2, Process-3; a child\'s children are Process-1:1, Process-1:2', async (t) => {
  const r = await runNode([join(ROOT, '__test__', 'fixtures', 'process-names.mjs')], { t });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, ['Process-1 Process-2 Process-3', 'Process-1: Process-1:1 Process-1:2', 'Process-2: Process-2:1 Process-2:2', 'Process-3: Process-3:1 Process-3:2', ''].join('\n'));
});

test('default names are Process-N; currentProcess() and parentProcess() in the parent and in the child', async (t) => {
  t.is(currentProcess().name, 'MainProcess');
  t.is(currentProcess().pid, process.pid);
  t.is(currentProcess(), currentProcess());
  t.true(currentProcess().isAlive());
  t.is(parentProcess(), null, 'the main process has no parent');
  const out = new Queue();
  const anon = proc(t, { target: targets.whoAmI, args: [out] });
  t.regex(anon.name, /^Process-\d+$/);
  const a = Number(anon.name.split('-')[1]);
  const second = proc(t, { target: targets.whoAmI, args: [out] });
  t.is(second.name, `Process-${a + 1}`, 'N counts up');
  const named = proc(t, { target: targets.whoAmI, args: [out], name: 'Alice', daemon: true });
  named.name = 'Bob';
  t.is(named.name, 'Bob', 'name is writable; the child gets the name set before start()');
  for (const p of [anon, named]) {
    started(p);
    const r = await next(out);
    t.is(r.pid, p.pid);
    t.is(r.name, p.name, 'currentProcess().name in the child is the Process\'s name');
    t.is(r.myPid, p.pid, 'currentProcess().pid in the child');
    t.is(r.daemon, p.daemon);
    t.true(r.alive);
    t.deepEqual(r.parent, { pid: process.pid, name: 'MainProcess', alive: true }, 'parentProcess() in the child');
    t.is(r.children, 0, 'activeChildren() in the child: its own children');
    p.join(LONG);
  }
});

test('activeChildren() lists the live children started here; cpuCount()', async (t) => {
  t.deepEqual(activeChildren(), [], 'no children left by earlier tests');
  const ev = new Event();
  const a = started(proc(t, { target: targets.waitEvent, args: [ev] }));
  const b = started(proc(t, { target: targets.waitEvent, args: [ev] }));
  const notStarted = proc(t, { target: targets.waitEvent, args: [ev] });
  const kids = activeChildren();
  t.is(kids.length, 2);
  t.true(kids.includes(a) && kids.includes(b), 'the Process objects themselves');
  t.false(kids.includes(notStarted));
  b.kill();
  b.join(LONG);
  t.deepEqual(activeChildren(), [a], 'a killed child leaves the list');
  ev.set();
  a.join(LONG);
  t.deepEqual(activeChildren(), []);
  t.is(cpuCount(), cpus().length);
  t.true(Number.isInteger(cpuCount()) && cpuCount() >= 1);
});

test('a Thread can start and join a Process', async (t) => {
  const out = new Queue();
  const ev = new Event();
  ev.set();
  const th = new nt.Thread({ target: targets.startFromThread, args: [out, ev] });
  th.start();
  t.teardown(() => th.join(LONG));
  const { pid } = await next(out);
  t.teardown(() => {
    if (!gone(pid)) killStrays([pid]);
  });
  t.true(Number.isInteger(pid) && pid !== process.pid);
  t.deepEqual(await next(out), { exitcode: 0 });
  await within(th.joinAsync(), LONG, 'the thread ends');
});

test('Process-N counts per process, not per thread, and activeChildren() includes children started by other threads (Python\'s are process-wide)', async (t) => {
  const out = new Queue();
  const ev = new Event();
  t.teardown(() => ev.set());
  const mine = started(proc(t, { target: targets.waitEvent, args: [ev] }));
  const th = new nt.Thread({ target: targets.startFromThread, args: [out, ev] });
  th.start();
  t.teardown(() => th.join(LONG));
  const theirs = await next(out);
  t.teardown(() => killStrays([theirs.pid]));
  t.regex(theirs.name, /^Process-\d+$/);
  const n = (name) => Number(name.split('-')[1]);
  t.true(n(theirs.name) > n(mine.name), `${theirs.name} was created after ${mine.name} by the same process: Python's counter is process-wide`);
  const kids = activeChildren().map((p) => p.pid);
  t.true(kids.includes(mine.pid));
  t.true(kids.includes(theirs.pid), `activeChildren() ${JSON.stringify(kids)} misses the child ${theirs.pid} a Thread started`);
  ev.set();
  mine.join(LONG);
  t.deepEqual(await next(out), { exitcode: 0 });
});

// ---------------------------------------------------------------------------------------------
// exitcode, join, terminate, kill.

test('exitcode: null before start and while running, 0 after a normal end, -15 after terminate(), -9 after kill()', (t) => {
  const ev = new Event();
  const ok = proc(t, { target: targets.sleepFor, args: [1] });
  t.is(ok.exitcode, null);
  t.false(ok.isAlive());
  started(ok);
  ok.join(LONG);
  t.is(ok.exitcode, 0);
  t.false(ok.isAlive());

  const term = started(proc(t, { target: targets.waitEvent, args: [ev] }));
  t.is(term.exitcode, null, 'null while running');
  t.true(term.isAlive());
  term.terminate();
  term.join(LONG);
  t.is(term.exitcode, -15);
  t.false(term.isAlive());

  const killed = started(proc(t, { target: targets.waitEvent, args: [ev] }));
  killed.kill();
  killed.join(LONG);
  t.is(killed.exitcode, -9);
  t.false(killed.isAlive());
  killed.terminate(); // a no-op on an ended process (Python's)
  t.is(killed.exitcode, -9);

  const noTarget = started(proc(t, {}));
  noTarget.join(LONG);
  t.is(noTarget.exitcode, 0, 'a Process without a target runs nothing and ends');

  const code = started(proc(t, { target: targets.exitWith, args: [7] }));
  code.join(LONG);
  t.is(code.exitcode, 7, 'process.exit(7) in the child');
});

test('join() blocks without spinning', (t) => {
  const p = started(proc(t, { target: targets.sleepFor, args: [300] }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  p.join();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  t.true(wall >= 250, `join returned after ${wall} ms`);
  // Spinning would burn ~300 ms of CPU; a wait in the kernel burns next to none.
  t.true((cpu.user + cpu.system) / 1000 < 60, `CPU during join: ${JSON.stringify(cpu)}`);
  t.is(p.exitcode, 0);
});

test('join() notices a child that dies meanwhile (killed by another thread while the main thread is blocked)', async (t) => {
  const ev = new Event();
  const p = started(proc(t, { target: targets.waitEvent, args: [ev] }));
  // A worker thread kills the child while the main thread is blocked in join().
  const w = startWorker(t, `post({ type: 'ready' }); sleepMs(200); process.kill(workerData.pid, 'SIGKILL'); post({ type: 'killed' });`, { pid: p.pid });
  await w.next('ready');
  const t0 = performance.now();
  p.join(LONG); // bounded, so a missed death fails instead of hanging
  const ms = performance.now() - t0;
  t.true(ms < 5000, `join() returned after ${ms} ms: it did not notice the death`);
  t.true(ms >= 100, `join() returned after ${ms} ms, before the kill`);
  t.is(p.exitcode, -9);
  t.false(p.isAlive());
});

test('join(timeout) returns while the child is alive; the child then ends when woken', (t) => {
  const ev = new Event();
  const p = started(proc(t, { target: targets.waitEvent, args: [ev] }));
  const t0 = performance.now();
  p.join(150);
  const ms = performance.now() - t0;
  t.true(ms >= 148 && ms < 2000, `join(150) took ${ms} ms`);
  t.true(p.isAlive());
  t.is(p.exitcode, null);
  p.join(0);
  t.true(p.isAlive(), 'join(0) does not wait');
  ev.set();
  p.join(LONG);
  t.false(p.isAlive());
  t.is(p.exitcode, 0);
});

test('joinAsync() does not block the event loop; joinAsync(timeout) returns while the child is alive', async (t) => {
  const ev = new Event();
  const p = started(proc(t, { target: targets.waitEvent, args: [ev] }));
  const t0 = performance.now();
  await within(p.joinAsync(100), 5000, 'joinAsync(100)');
  t.true(performance.now() - t0 >= 95);
  t.true(p.isAlive());
  t.is(p.exitcode, null);
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    if (ticks === 5) ev.set();
  }, 10);
  t.teardown(() => clearInterval(timer));
  await within(p.joinAsync(), LONG, 'joinAsync()');
  clearInterval(timer);
  t.true(ticks >= 5, 'timers ran while joinAsync() waited');
  t.false(p.isAlive());
  t.is(p.exitcode, 0);
  await within(p.joinAsync(10), 1000, 'joinAsync of an ended process');
});

test('misuse codes: join before start, start twice, daemon after start, close() of a running process', (t) => {
  const ev = new Event();
  const p = proc(t, { target: targets.waitEvent, args: [ev] });
  assertThrowsCode(t, () => p.join(), Error, 'ERR_PROCESS_NOT_STARTED');
  assertThrowsCode(t, () => p.join(10), Error, 'ERR_PROCESS_NOT_STARTED');
  p.daemon = true;
  t.true(p.daemon, 'daemon is writable before start()');
  p.daemon = false;
  started(p);
  assertThrowsCode(t, () => p.start(), Error, 'ERR_PROCESS_STARTED', 'start twice');
  assertThrowsCode(t, () => {
    p.daemon = true;
  }, Error, 'ERR_PROCESS_STARTED', 'daemon after start');
  t.false(p.daemon);
  assertThrowsCode(t, () => p.close(), Error, 'ERR_PROCESS_RUNNING');
  t.true(p.isAlive(), 'close() of a running process leaves it running');
  ev.set();
  p.join(LONG);
  t.is(p.exitcode, 0);
  p.close();
  t.pass('close() of an ended process');
});

test('misuse codes of joinAsync: before start', async (t) => {
  const p = proc(t, { target: targets.sleepFor, args: [1] });
  const err = await t.throwsAsync(async () => p.joinAsync(), { instanceOf: Error });
  t.is(err?.code, 'ERR_PROCESS_NOT_STARTED');
});

test('argument validation', (t) => {
  assertThrowsCode(t, () => new Process({ target: 5 }), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => new Process({ args: 'x' }), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => new Process({ name: 3 }), TypeError, 'ERR_INVALID_ARG_TYPE');
  assertThrowsCode(t, () => new Process({ daemon: 'yes' }), TypeError, 'ERR_INVALID_ARG_TYPE');
  const p = proc(t, { target: targets.sleepFor, args: [1] });
  started(p);
  assertThrowsCode(t, () => p.join(NaN), RangeError, 'ERR_OUT_OF_RANGE');
  assertThrowsCode(t, () => p.join('1'), TypeError, 'ERR_INVALID_ARG_TYPE');
  p.join(LONG);
});

test('a CommonJS target that is not exported fails at start() with ERR_TARGET_NOT_EXPORTED', async (t) => {
  const before = activeChildren().length;
  const p = proc(t, { target: cjsTargets.makeLocal() });
  const err = assertThrowsCode(t, () => p.start(), Error, 'ERR_TARGET_NOT_EXPORTED');
  t.regex(err?.message ?? '', /export/);
  t.regex(err?.message ?? '', /localCjsTarget/, 'the message names the function to export');
  await assertNoChildLeft(t, p, before);
});

test('an ES module target that is not exported fails at start() with ERR_TARGET_NOT_EXPORTED', async (t) => {
  const before = activeChildren().length;
  const p = proc(t, { target: targets.makeUnexported() });
  const err = assertThrowsCode(t, () => p.start(), Error, 'ERR_TARGET_NOT_EXPORTED');
  t.regex(err?.message ?? '', /localTarget/, 'the message names the function to export');
  await assertNoChildLeft(t, p, before);
  // A subclass overriding run() must be exported as well.
  const sub = proc(t, {}, targets.makeLocalSubclass());
  const subErr = assertThrowsCode(t, () => sub.start(), Error, 'ERR_TARGET_NOT_EXPORTED', 'a subclass that is not exported');
  t.regex(subErr?.message ?? '', /LocalSub/);
  await assertNoChildLeft(t, sub, before);
  // A function exported under another name is found.
  const renamed = started(proc(t, { target: targets.unexportedRef }));
  renamed.join(LONG);
  t.is(renamed.exitcode, 0);
});

test('a SharedArrayBuffer in args or kwargs (also nested) throws TypeError ERR_NOT_SHAREABLE', (t) => {
  const before = activeChildren().length;
  const sab = new SharedArrayBuffer(8);
  const cases = [
    { args: [sab] },
    { args: [new Int32Array(sab)] },
    { args: [{ deep: [1, { buf: sab }] }] },
    { args: [new Map([['k', new Int32Array(sab)]])] },
    { args: [], kwargs: { buf: sab } },
  ];
  for (const options of cases) {
    const e = t.throws(
      () => {
        proc(t, { target: targets.sleepFor, ...options }).start();
      },
      { instanceOf: TypeError },
    );
    t.is(e?.code, 'ERR_NOT_SHAREABLE');
    t.regex(e?.message ?? '', /SharedArray|Value/, 'the message points to SharedArray/Value');
  }
  const sub = proc(t, {}, targets.Reporter);
  sub.out = new Queue();
  sub.buf = sab;
  const e = t.throws(() => sub.start(), { instanceOf: TypeError }, 'a subclass field');
  t.is(e?.code, 'ERR_NOT_SHAREABLE');
  t.is(activeChildren().length, before, 'no child was started');
});

// ---------------------------------------------------------------------------------------------
// Entry scripts, errors, program end, orphans (each in a child program run by runNode).

test('the entry script guarded by isMainModule() is the target module; a target that throws prints the child\'s stack and makes exitcode 1', async (t) => {
  const r = await runNode(['__test__/fixtures/process-entry.mjs'], { timeout: 20_000 });
  t.false(r.killed, 'the program ended by itself');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), [
    'loaded main=true',
    'loaded main=false',
    'hello world from Greeter',
    'greeter exitcode=0',
    'loaded main=false',
    'boomer exitcode=1',
    'loaded main=false',
    'exiter exitcode=3 alive=false waited=true',
    'main done',
  ]);
  t.regex(r.stderr, /Boomer/, 'the failing process is named');
  t.regex(r.stderr, /Error: process target failed on purpose\n\s+at boom \(file:\/\/\S*process-entry\.mjs:\d+:\d+\)/, 'the child\'s stack');
});

test('while a child imports the target module, currentProcess() already is the child (Python\'s spawn sets the name before importing)', async (t) => {
  // Python code guards with `if current_process().name == 'MainProcess':` as well as with
  // `__name__`; a child must not pass that guard while importing the module.
  const r = await runNode(['__test__/fixtures/process-load-name.mjs'], { timeout: 20_000 });
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 3, r.stdout);
  t.regex(lines[0], /^loaded main=true name=MainProcess parent=null$/);
  t.regex(lines[1], /^loaded main=false name=Loader parent=/, 'at the top level of the module, in the child');
});

test('TypeScript through a loader: the child inherits execArgv and runs the typed target', async (t) => {
  const r = await runNode(['--require', 'tsx/cjs', '__test__/fixtures/process-entry.cts'], { timeout: 20_000 });
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 2, r.stdout);
  const child = lines[0].match(/^typed hello ts! pid=(\d+)$/)?.[1];
  t.truthy(child, r.stdout);
  t.is(lines[1], `ts main done child=${child} exitcode=0`);
});

test('daemon children are ended when the program exits; non-daemon children keep it alive until they end', async (t) => {
  const pids = [];
  t.teardown(() => killStrays(pids));
  const daemonOnly = await runNode(['__test__/fixtures/process-daemon.mjs'], { timeout: 15_000 });
  const dpid = Number(daemonOnly.stdout.match(/daemon pid=(\d+)/)?.[1]);
  pids.push(dpid);
  t.false(daemonOnly.killed, 'a daemon child does not keep the program alive');
  t.is(daemonOnly.code, 0, daemonOnly.stderr);
  t.true(daemonOnly.ms < 5000, `exited after ${daemonOnly.ms} ms`);
  t.deepEqual(await untilGone([dpid]), [], 'the daemon child was ended with the program');

  const both = await runNode(['__test__/fixtures/process-daemon.mjs', 'with-non-daemon'], { timeout: 15_000 });
  const more = [...both.stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
  pids.push(...more);
  t.false(both.killed);
  t.is(both.code, 0, both.stderr);
  t.deepEqual(both.stdout.trim().split('\n').filter((l) => !l.includes('pid=')), ['main returns', 'non-daemon finished']);
  t.true(both.ms >= 300, `the non-daemon child (300 ms) kept the program alive: it ended after ${both.ms} ms`);
  t.deepEqual(await untilGone(more), []);
});

test('after the parent is SIGKILLed no child (nor grandchild) lives on, and nothing named native-threading-* is in /dev/shm', async (t) => {
  const pids = [];
  t.teardown(() => killStrays(pids));
  const r = await runNode(['__test__/fixtures/process-orphan.mjs'], { timeout: 20_000 });
  t.false(r.killed, r.stderr);
  t.is(r.signal, 'SIGKILL', `the parent killed itself: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').at(-1);
  const reported = JSON.parse(line).pids;
  pids.push(...reported);
  t.is(reported.length, 4);
  t.true(reported.every((pid) => Number.isInteger(pid) && pid > 0), line);
  const alive = await untilGone(reported, 5000);
  t.deepEqual(alive, [], `still running: ${alive.map((pid) => `${pid} (${procState(pid)})`).join(', ')}`);
  t.deepEqual(readdirSync('/dev/shm').filter((n) => n.startsWith('native-threading-')), []);
});

// ---------------------------------------------------------------------------------------------
// Shared primitives in a child's arguments are the same primitives.

test('primitives nested in args and kwargs (objects, arrays, Maps, Sets) arrive as working instances of the same primitives', async (t) => {
  const lock = new Lock();
  const ev = new Event();
  ev.set();
  const sem = new Semaphore(1);
  const q = new Queue();
  const out = new Queue();
  const p = started(proc(t, {
    target: targets.nested,
    args: [{ box: [lock], map: new Map([['ev', ev]]), set: new Set([sem]) }, out],
    kwargs: { deep: { q } },
  }));
  const r = await next(out);
  t.deepEqual(r, { classes: ['Lock', 'Event', 'Semaphore', 'Queue'], lockTaken: true, evSeen: true, semTaken: true });
  p.join(LONG);
  t.is(p.exitcode, 0);
  t.true(lock.locked(), 'the child\'s acquire() took this lock');
  t.false(ev.isSet(), 'the child\'s clear() cleared this event');
  t.false(sem.acquire(false), 'the child took this semaphore\'s only unit');
  t.is(q.get(false), 'via kwargs');
});

test('Lock: timeouts and wake-ups in both directions, blocking and async, across processes', async (t) => {
  const lock = new Lock();
  const out = new Queue();
  const cmd = new Queue();
  lock.acquire();
  const p = started(proc(t, { target: targets.lockChild, args: [lock, out, cmd] }));
  assertTimedFalse(t, (await expectTag(t, out, 'timed'))[0], 100, 'the child\'s acquire(true, 100)');
  t.deepEqual(await expectTag(t, out, 'nonblocking'), [false]);
  await expectTag(t, out, 'blocking');
  await quiet(t, out, 100, 'the child\'s acquire() waits for this process');
  lock.release(); // parent -> child, blocking
  t.deepEqual(await expectTag(t, out, 'acquired'), [true]);
  t.true(lock.locked());
  t.false(lock.acquire(true, 50), 'the child holds it');
  const a = lock.acquireAsync(LONG);
  cmd.put('go');
  t.true(await within(a, LONG, 'acquireAsync woken by the child'), 'child -> parent, async');
  cmd.put('go');
  await expectTag(t, out, 'async-waiting');
  await quiet(t, out, 100, 'the child\'s acquireAsync() waits');
  lock.release(); // parent -> child, async
  t.deepEqual(await expectTag(t, out, 'async'), [true]);
  cmd.put('go');
  const b = timedHere(() => lock.acquire(true, LONG)); // child -> parent, blocking
  t.true(b.value);
  t.true(b.ms >= 50 && b.ms < 5000, `acquire() woken after ${b.ms} ms`);
  cmd.put('go');
  await expectTag(t, out, 'released-parents');
  t.false(lock.locked(), 'the child released the lock this process acquired');
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('RLock: ownership is per (process, thread); wake-ups in both directions', async (t) => {
  const rlock = new RLock();
  const out = new Queue();
  const cmd = new Queue();
  rlock.acquire();
  const p = started(proc(t, { target: targets.rlockChild, args: [rlock, out, cmd] }));
  const [notOwner] = await expectTag(t, out, 'release-not-owner');
  t.is(notOwner.code, 'ERR_LOCK_NOT_OWNED', 'a child cannot release the parent\'s RLock');
  t.deepEqual(await expectTag(t, out, 'locked'), [true]);
  assertTimedFalse(t, (await expectTag(t, out, 'timed'))[0], 100, 'the child\'s acquire(true, 100)');
  await expectTag(t, out, 'blocking');
  await quiet(t, out, 100, 'the child\'s acquire() waits');
  rlock.release();
  t.deepEqual(await expectTag(t, out, 'acquired'), [true]);
  t.deepEqual(await expectTag(t, out, 'reentrant'), [true], 'the child re-enters its own RLock');
  assertThrowsCode(t, () => rlock.release(), Error, 'ERR_LOCK_NOT_OWNED', 'the parent cannot release the child\'s RLock');
  t.false(rlock.acquire(false));
  t.true(rlock.locked());
  cmd.put('go');
  await expectTag(t, out, 'released-once');
  t.false(rlock.acquire(true, 50), 'still held once by the child');
  const a = rlock.acquireAsync(LONG);
  cmd.put('go');
  t.true(await within(a, LONG, 'acquireAsync woken by the child\'s last release'));
  cmd.put('go');
  await expectTag(t, out, 'async-waiting');
  await quiet(t, out, 100, 'the child\'s acquireAsync() waits');
  rlock.release();
  t.deepEqual(await expectTag(t, out, 'async'), [true]);
  p.join(LONG);
  t.is(p.exitcode, 0);
  t.false(rlock.locked());
});

test('RLock: a Thread inside the child is another owner than the child\'s main thread', async (t) => {
  const rlock = new RLock();
  const out = new Queue();
  const p = started(proc(t, { target: targets.rlockThreadInChild, args: [rlock, out] }));
  const [fromThread, acquired] = await expectTag(t, out, 'thread');
  t.is(fromThread.code, 'ERR_LOCK_NOT_OWNED', 'a thread of the owning process cannot release it');
  t.false(acquired, 'nor take it');
  const [byOwner] = await expectTag(t, out, 'owner releases');
  t.is(byOwner.value, undefined, `the child's main thread releases it: ${JSON.stringify(byOwner)}`);
  p.join(LONG);
  t.is(p.exitcode, 0);
  t.false(rlock.locked());
});

test('Condition: wait/notify and waitAsync across processes, in both directions', async (t) => {
  const cond = new Condition();
  const out = new Queue();
  const cmd = new Queue();
  const p = started(proc(t, { target: targets.conditionChild, args: [cond, out, cmd] }));
  assertTimedFalse(t, (await expectTag(t, out, 'timed'))[0], 100, 'the child\'s wait(100)');
  await expectTag(t, out, 'waiting');
  await quiet(t, out, 100, 'the child\'s wait() waits');
  t.true(cond.acquire(true, LONG), 'the child\'s wait() released the lock');
  cond.notify();
  cond.release();
  t.deepEqual(await expectTag(t, out, 'woken'), [true], 'parent -> child, blocking');
  cond.acquire();
  const w = cond.waitAsync(LONG);
  cmd.put('go');
  t.true(await within(w, LONG, 'waitAsync notified by the child'), 'child -> parent, async');
  cond.release();
  cond.acquire();
  cmd.put('go');
  const b = timedHere(() => cond.wait(LONG));
  t.true(b.value, 'child -> parent, blocking');
  cond.release();
  await expectTag(t, out, 'async-waiting');
  await quiet(t, out, 50, 'the child\'s waitAsync() waits');
  t.true(cond.acquire(true, LONG));
  cond.notifyAll();
  cond.release();
  t.deepEqual(await expectTag(t, out, 'async'), [true], 'parent -> child, async');
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('Condition over a Lock: the lock travels with it; waitFor across processes', async (t) => {
  const lock = new Lock();
  const cond = new Condition(lock);
  const flag = new Event();
  const out = new Queue();
  lock.acquire();
  const p = started(proc(t, { target: targets.conditionOverLockChild, args: [cond, lock, flag, out] }));
  t.deepEqual(await expectTag(t, out, 'held-elsewhere'), [false], 'the child\'s condition uses the lock this process holds');
  await expectTag(t, out, 'waiting');
  lock.release();
  await delay(100);
  t.true(cond.acquire(true, LONG));
  flag.set();
  cond.notify();
  cond.release();
  t.deepEqual(await expectTag(t, out, 'predicate'), [true, true]);
  const [notHeld] = await expectTag(t, out, 'not-held');
  t.is(notHeld.code, 'ERR_LOCK_NOT_HELD');
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('Semaphore: timeouts and wake-ups in both directions, blocking and async', async (t) => {
  const sem = new Semaphore(0);
  const out = new Queue();
  const cmd = new Queue();
  const p = started(proc(t, { target: targets.semaphoreChild, args: [sem, out, cmd] }));
  assertTimedFalse(t, (await expectTag(t, out, 'timed'))[0], 100, 'the child\'s acquire(true, 100)');
  t.deepEqual(await expectTag(t, out, 'nonblocking'), [false]);
  await expectTag(t, out, 'blocking');
  await quiet(t, out, 100, 'the child\'s acquire() waits');
  sem.release();
  t.deepEqual(await expectTag(t, out, 'acquired'), [true]);
  await expectTag(t, out, 'async-waiting');
  await quiet(t, out, 100, 'the child\'s acquireAsync() waits');
  sem.release();
  t.deepEqual(await expectTag(t, out, 'async'), [true]);
  const a = sem.acquireAsync(LONG);
  cmd.put('go');
  t.true(await within(a, LONG, 'acquireAsync woken by the child'));
  cmd.put('go');
  const b = timedHere(() => sem.acquire(true, LONG));
  t.true(b.value);
  t.true(b.ms >= 50, `acquire() returned after ${b.ms} ms, before the child's release`);
  t.false(sem.acquire(false));
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('BoundedSemaphore: the bound travels (over-release in the child throws ERR_SEMAPHORE_OVER_RELEASED)', async (t) => {
  const sem = new BoundedSemaphore(1);
  sem.acquire();
  const out = new Queue();
  const p = started(proc(t, { target: targets.boundedChild, args: [sem, out] }));
  const [over] = await expectTag(t, out, 'over');
  t.is(over.code, 'ERR_SEMAPHORE_OVER_RELEASED');
  t.deepEqual(await expectTag(t, out, 'take'), [true]);
  p.join(LONG);
  t.false(sem.acquire(false), 'the child holds the only unit');
  sem.release();
  assertThrowsCode(t, () => sem.release(), Error, 'ERR_SEMAPHORE_OVER_RELEASED');
});

test('Event: timeouts and wake-ups in both directions, blocking and async', async (t) => {
  const ev = new Event();
  const back = new Event();
  const out = new Queue();
  const cmd = new Queue();
  const p = started(proc(t, { target: targets.eventChild, args: [ev, back, out, cmd] }));
  assertTimedFalse(t, (await expectTag(t, out, 'timed'))[0], 100, 'the child\'s wait(100)');
  await expectTag(t, out, 'blocking');
  await quiet(t, out, 100, 'the child\'s wait() waits');
  ev.set();
  t.deepEqual(await expectTag(t, out, 'woken'), [true]);
  await expectTag(t, out, 'cleared');
  t.false(ev.isSet(), 'the child\'s clear() is seen here');
  await expectTag(t, out, 'async-waiting');
  await quiet(t, out, 100, 'the child\'s waitAsync() waits');
  ev.set();
  t.deepEqual(await expectTag(t, out, 'async'), [true]);
  const w = back.waitAsync(LONG);
  cmd.put('go');
  t.true(await within(w, LONG, 'waitAsync woken by the child\'s set()'));
  back.clear();
  cmd.put('go');
  const b = timedHere(() => back.wait(LONG));
  t.true(b.value);
  t.true(b.ms >= 50, `wait() returned after ${b.ms} ms, before the child's set()`);
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('Barrier: a round between parent and child, async and blocking; only the last arrival\'s own action runs', async (t) => {
  let actions = 0;
  const barrier = new Barrier(2, () => actions++);
  const out = new Queue();
  const cmd = new Queue();
  const p = started(proc(t, { target: targets.barrierChild, args: [barrier, out, cmd] }));
  const first = barrier.waitAsync(LONG);
  cmd.put('go');
  const mine = await within(first, LONG, 'waitAsync released by the child\'s arrival');
  const [theirs, parties] = await expectTag(t, out, 'blocking-last');
  t.deepEqual([mine, theirs].sort(), [0, 1]);
  t.is(parties, 2);
  t.is(actions, 0, 'the child arrived last and its copy has no action');
  await expectTag(t, out, 'async-first');
  const t0 = performance.now();
  while (barrier.nWaiting !== 1 && performance.now() - t0 < LONG) await delay(2);
  t.is(barrier.nWaiting, 1, 'the child\'s waitAsync() shows in nWaiting here');
  const mine2 = barrier.wait(LONG);
  t.is(actions, 1, 'this process arrived last and ran its action');
  const [theirs2] = await expectTag(t, out, 'async-first');
  t.deepEqual([mine2, theirs2].sort(), [0, 1]);
  t.false(barrier.broken);
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('Barrier: a timed-out wait() in the child breaks the barrier for the parent; the default timeout travels', async (t) => {
  const barrier = new Barrier(3);
  const out = new Queue();
  const pending = barrier.waitAsync(LONG);
  const p = started(proc(t, { target: targets.barrierTimeoutChild, args: [barrier, false, out] }));
  const [r, brokenThere] = await expectTag(t, out, 'timeout');
  t.true(r.brokenBarrier, `wait(100) in the child: ${JSON.stringify(r)}`);
  t.true(r.ms >= 98 && r.ms < 5000, `after ${r.ms} ms`);
  t.true(brokenThere);
  await t.throwsAsync(within(pending, LONG, 'the parent\'s waitAsync'), { instanceOf: BrokenBarrierError });
  t.true(barrier.broken);
  p.join(LONG);

  const withDefault = new Barrier(2, undefined, 150);
  const q = started(proc(t, { target: targets.barrierTimeoutChild, args: [withDefault, true, out] }));
  const [r2] = await expectTag(t, out, 'timeout');
  t.true(r2.brokenBarrier, JSON.stringify(r2));
  t.true(r2.ms >= 148 && r2.ms < 5000, `wait() with the travelled default of 150 ms returned after ${r2.ms} ms`);
  t.true(withDefault.broken);
  q.join(LONG);
});

test('Queue: get/put timeouts, blocking and async wake-ups in both directions, structured items with primitives', async (t) => {
  const q = new Queue(1);
  const out = new Queue();
  const cmd = new Queue();
  const p = started(proc(t, { target: targets.queueChild, args: [q, out, cmd] }));
  const [getTimeout] = await expectTag(t, out, 'get-timeout');
  t.is(getTimeout.name, 'EmptyError', JSON.stringify(getTimeout));
  t.true(getTimeout.ms >= 98, `get(true, 100) raised after ${getTimeout.ms} ms`);
  t.is((await expectTag(t, out, 'get-nowait'))[0].name, 'EmptyError');
  await expectTag(t, out, 'blocking-get');
  await quiet(t, out, 100, 'the child\'s get() waits');
  q.put('one');
  t.deepEqual(await expectTag(t, out, 'got'), ['one']);
  await expectTag(t, out, 'async-get');
  await quiet(t, out, 100, 'the child\'s getAsync() waits');
  q.put('two');
  t.deepEqual(await expectTag(t, out, 'got-async'), ['two']);
  const [putTimeout] = await expectTag(t, out, 'put-timeout');
  t.is(putTimeout.name, 'FullError', JSON.stringify(putTimeout));
  t.true(putTimeout.ms >= 98, `put(x, true, 100) raised after ${putTimeout.ms} ms`);
  t.is((await expectTag(t, out, 'put-nowait'))[0].name, 'FullError');
  t.true(q.full());
  t.throws(() => q.putNowait('mine'), { instanceOf: FullError });
  await expectTag(t, out, 'blocking-put');
  await quiet(t, out, 100, 'the child\'s put() waits for room');
  t.is(q.get(false), 'fill'); // makes room: the child's blocking put proceeds
  await expectTag(t, out, 'async-put');
  t.is(q.get(true, LONG), 'second');
  t.is(await within(q.getAsync(LONG), LONG + 1000, 'getAsync'), 'third', 'the child\'s putAsync() got room');
  t.true(q.empty());
  const a = q.getAsync(LONG);
  cmd.put('go');
  t.is(await within(a, LONG + 1000, 'getAsync woken by the child\'s put'), 'late-async');
  cmd.put('go');
  const b = timedHere(() => q.get(true, LONG));
  t.is(b.value, 'late-blocking');
  t.true(b.ms >= 50, `get() returned after ${b.ms} ms, before the child's put`);
  q.put('full');
  cmd.put('go');
  const c = timedHere(() => q.put('blocked', true, LONG));
  t.true(c.ms >= 50, `put() on a full queue returned after ${c.ms} ms, before the child's get`);
  t.deepEqual(await expectTag(t, out, 'made-room'), ['full']);
  t.deepEqual(await expectTag(t, out, 'blocked-item'), ['blocked']);
  const lock = new Lock();
  q.put({ map: new Map([[1, 'a']]), big: 10n ** 20n, date: new Date(0), bytes: new Uint8Array([1, 2, 3]), lock });
  t.deepEqual(await expectTag(t, out, 'item'), [
    { map: [[1, 'a']], big: '100000000000000000000', date: '1970-01-01T00:00:00.000Z', bytes: [1, 2, 3], lockTaken: true },
  ]);
  t.true(lock.locked(), 'the lock inside the item is this lock');
  p.join(LONG);
  t.is(p.exitcode, 0);
});

test('two children wake each other: Lock, Event, Queue, Semaphore, Condition, Barrier (with the parent)', async (t) => {
  const shared = {
    lock: new Lock(),
    ev: new Event(),
    q: new Queue(),
    sem: new Semaphore(0),
    cond: new Condition(),
    flag: new Event(),
    barrier: new Barrier(3),
  };
  const out = new Queue();
  const a = started(proc(t, { target: targets.pairA, args: [shared, out], name: 'A' }));
  await expectTag(t, out, 'A holds the lock');
  const b = started(proc(t, { target: targets.pairB, args: [shared, out], name: 'B' }));
  const mine = shared.barrier.waitAsync(LONG);
  const got = new Map();
  for (let i = 0; i < 8; i++) {
    const [tag, ...rest] = await next(out);
    got.set(tag, rest);
  }
  assertTimedFalse(t, got.get('B timed')[0], 100, 'B\'s acquire(true, 100) while A holds the lock');
  t.deepEqual(got.get('A event'), [true], 'B set() woke A\'s wait()');
  t.deepEqual(got.get('B lock'), [true], 'A\'s release() woke B\'s acquire()');
  t.deepEqual(got.get('A queue'), ['from B'], 'B\'s put() woke A\'s getAsync()');
  t.deepEqual(got.get('B semaphore'), [true], 'A\'s release() woke B\'s acquireAsync()');
  t.deepEqual(got.get('A condition'), [true], 'B\'s notifyAll() woke A\'s waitFor()');
  const indexes = [got.get('A barrier')[0], got.get('B barrier')[0], await within(mine, LONG, 'the parent\'s barrier wait')];
  t.deepEqual(indexes.sort(), [0, 1, 2]);
  a.join(LONG);
  b.join(LONG);
  t.is(a.exitcode, 0);
  t.is(b.exitcode, 0);
});
