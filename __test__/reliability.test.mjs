// What no input and no load may do: forge its way into memory it was not given, abort the
// process, or grow memory without bound (README: Reliability). The fuzzers and the exhaustion run
// in child processes, so that a crash fails a test instead of ending ava.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { assertThrowsCode, DIST, lastJson, nt, runNode, within } from './helpers/util.mjs';
import * as targets from './fixtures/process-targets.mjs';

const { Barrier, Condition, Event, JoinableQueue, Lock, Process, Queue, SharedArray, Value } = nt;
const { native } = createRequire(import.meta.url)(DIST.replace(/index\.js$/, 'src/runtime/native.js'));
const KEY = '__nativeThreading';
const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const seed = () => Math.floor(Math.random() * 2 ** 32);

/** Runs a fixture in a child node; its last stdout line is its JSON report. */
async function runFixture(t, args, timeout = 50_000) {
  const r = await runNode(['--expose-gc', ...args], { t, timeout, coreDumps: false });
  t.is(r.signal, null, `ended by ${r.signal}: ${r.stderr.slice(-2000)}`);
  t.is(r.code, 0, r.stderr.slice(-2000));
  const report = lastJson(r.stdout);
  t.truthy(report, `no report; stderr: ${r.stderr.slice(-2000)}`);
  return report;
}

test('forged clones, made from real ones, are never accepted and never crash (30,000 cases)', async (t) => {
  const s = seed();
  const r = await runFixture(t, [fixture('fuzz-clones.mjs'), '30000', String(s)]);
  t.log(`seed ${s}: ${r.cases} cases, ${r.rejected} rejected with a coded error, ${r.accepted} accepted, ${r.uncoded} uncoded; ${JSON.stringify(r.byHow)}`);
  t.is(r.cases, 30000);
  t.is(r.accepted, 0, `accepted: ${JSON.stringify(r.samples)}`);
  t.is(r.uncoded, 0, `uncoded errors: ${JSON.stringify(r.samples)}`);
  t.is(r.rejected, r.cases);
  for (const how of ['flip', 'into-data', 'kind', 'random', 'field', 'stale', 'shape']) t.true(r.byHow[how] > 1000, how);
});

test('every native entry point with hostile arguments: coded errors, no abort (30,000 calls)', async (t) => {
  const s = seed();
  const r = await runFixture(t, [fixture('fuzz-native.mjs'), '30000', String(s)]);
  t.log(`seed ${s}: ${r.calls} calls over ${Object.keys(r.perMethod).length} entry points, ${r.returned} returned, ${r.coded} coded errors, ${r.uncoded} uncoded`);
  t.is(r.calls, 30000);
  t.is(r.uncoded, 0, JSON.stringify(r.samples));
  t.true(Object.keys(r.perMethod).length >= 45, 'every entry point is called');
  t.true(r.returned > 1000 && r.coded > 1000);
});

test('exhaustion of shared memory: ERR_MEMORY_ALLOCATION_FAILED from every creation; all works again once freed', async (t) => {
  const r = await runFixture(t, [fixture('exhaust.mjs')]);
  t.true(r.arrays > 900, `${r.arrays} arrays of 1 MiB`);
  for (const [what, [name, code]] of Object.entries(r.codes)) {
    t.deepEqual([name, code], ['RangeError', 'ERR_MEMORY_ALLOCATION_FAILED'], what);
  }
  t.deepEqual(
    r.after,
    Object.keys(r.codes).filter((k) => k !== 'first'),
    'every creation works once memory was freed (small blocks are cut out of freed large ones)',
  );
});

test('timeouts of 1e22 ms and more wait for ever instead of aborting (Barrier default too)', async (t) => {
  // A one-party barrier passes at once, through the native wait that reads the timeout.
  t.is(new Barrier(1, undefined, 2e22).wait(), 0);
  t.is(new Barrier(1).wait(2e22), 0);
  t.is(new Barrier(1).wait(Number.MAX_VALUE), 0);
  t.is(await new Barrier(1, undefined, 1e300).waitAsync(), 0);
  const e = new Event();
  const waiting = e.waitAsync(2e22);
  e.set();
  t.true(await within(waiting, 5000, 'the wait'));
  const l = new Lock();
  l.acquire();
  const acquiring = l.acquireAsync(1e25);
  l.release();
  t.true(await within(acquiring, 5000, 'the acquire'));
  const c = new Condition();
  c.acquire();
  const notified = c.waitAsync(Number.MAX_VALUE); // releases the lock while it waits
  c.acquire();
  c.notify();
  c.release();
  t.true(await within(notified, 5000, 'the notification'));
});

test('reading the sharing property a million times (JSON.stringify, inspect, spread) allocates no lease each', (t) => {
  const lock = new Lock();
  const first = JSON.parse(JSON.stringify(lock))[KEY].d;
  for (let i = 0; i < 1_000_000; i++) JSON.stringify(lock);
  for (let i = 0; i < 10_000; i++) {
    inspect(lock);
    void { ...lock };
  }
  const last = JSON.parse(JSON.stringify(lock))[KEY].d;
  t.deepEqual(last, first, 'one lease for every read of the same instance');
  const lease = first[2];
  t.is(native.refs(lease), 2, "the lease: its instance's reference and the pending clones' one");
  t.is(native.refs(Lock.handleOf(lock)), 2, 'the lock: its instance and its lease');
  // The clones still work, and a clone that is never restored holds nothing more.
  const got = Lock.from(JSON.parse(JSON.stringify(lock)));
  t.true(got.acquire(false));
  t.true(lock.locked());
  got.release();
});

test('new SharedArray(\'B\', 2**30) commits only the pages that are touched; view.buffer is exactly the data', (t) => {
  const rss = () => process.memoryUsage().rss;
  const before = rss();
  const big = new SharedArray('B', 2 ** 30, { lock: false });
  t.true(rss() - before < 64 * 2 ** 20, `rss grew by ${(rss() - before) / 2 ** 20} MiB`);
  big.set(-1, 255);
  t.is(big.get(2 ** 30 - 1), 255);
  t.is(big.get(2 ** 29), 0);
  t.is(big.view.buffer.byteLength, 2 ** 30);
  const huge = new SharedArray('d', 2 ** 29 - 1, { lock: false }); // 4 GiB less 8 bytes
  t.true(rss() - before < 64 * 2 ** 20, 'a 4 GiB array is not committed either');
  t.is(huge.length, 2 ** 29 - 1);
  for (const [code, n, bytes] of [['i', 4, 16], ['b', 1, 1], ['d', 3, 24], ['q', 2, 16]]) {
    const a = new SharedArray(code, n);
    t.is(a.view.byteOffset, 0, code);
    t.is(a.view.buffer.byteLength, bytes, `${code}: the buffer holds the elements and nothing else`);
    new Uint8Array(a.view.buffer).fill(0xff); // everything a user can write
    t.is(SharedArray.from(JSON.parse(JSON.stringify(a))).length, n, 'what the block is stays intact');
  }
  t.is(new Value('i', 1).value, 1);
});

test('shared memory that cannot be mapped (ulimit -v) fails the load with a coded error, not an abort', (t) => {
  const script = `try { new (require(${JSON.stringify(DIST)}).Lock)(); console.log('loaded'); } catch (e) { console.log(JSON.stringify([e.code, e.cause?.code])); }`;
  const r = spawnSync('/bin/sh', ['-c', 'ulimit -v 30000000; exec "$0" -e "$1"', process.execPath, script], { encoding: 'utf8', timeout: 20_000 });
  t.is(r.signal, null, r.stderr);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout.trim()), ['ERR_NATIVE_THREADING_LOAD_FAILED', 'ERR_NATIVE_THREADING_OS']);
});

test('Queue.from() / JoinableQueue.from() of a bad descriptor: TypeError ERR_INVALID_ARG_TYPE', (t) => {
  const real = JSON.parse(JSON.stringify(new Queue()))[KEY];
  for (const d of [[2 ** 31, 0, 0, 0, 0, 0], [-1, 0, 0, 0, 0, 0], real.d.map((x, i) => (i === 0 ? x + 1 : x)), [...real.d.slice(0, 5), real.d[5] ^ 1]]) {
    assertThrowsCode(t, () => Queue.from({ [KEY]: { kind: real.kind, d } }), TypeError, 'ERR_INVALID_ARG_TYPE', JSON.stringify(d));
    assertThrowsCode(t, () => JoinableQueue.from({ [KEY]: { kind: real.kind, d } }), TypeError, 'ERR_INVALID_ARG_TYPE', JSON.stringify(d));
  }
  assertThrowsCode(t, () => JoinableQueue.from(JSON.parse(JSON.stringify(new Queue()))), TypeError, 'ERR_INVALID_ARG_TYPE', 'a plain Queue');
  t.true(JoinableQueue.from(JSON.parse(JSON.stringify(new JoinableQueue()))) instanceof JoinableQueue);
});

test('Process.kill() and terminate() before start(): ERR_PROCESS_NOT_STARTED (Python raises)', (t) => {
  const p = new Process({ target: targets.waitEvent, args: [new Event()] });
  assertThrowsCode(t, () => p.kill(), Error, 'ERR_PROCESS_NOT_STARTED');
  assertThrowsCode(t, () => p.terminate(), Error, 'ERR_PROCESS_NOT_STARTED');
});
