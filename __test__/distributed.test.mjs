// DistributedPool (native-threading/distributed) against a real redis-server, with worker
// commands standing in for machines: the Pool API (order, chunking, callbacks, errors, imap
// back-pressure), what blocks and what does not, the worker's --import allow-list and module
// hash check, values that cannot travel, and the package entry points. The fault tests (killed
// workers, SIGTERM, Redis restarts) are in distributed-faults.test.mjs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { Job, Queue } from 'bullmq';
import { FIXTURES, projectCopy, startRedis, startWorkerCommand, TASKS } from './helpers/distributed.mjs';
import { range, squares } from './helpers/pool.mjs';
import { delay, nt, ROOT, runNode, startWorker, within } from './helpers/util.mjs';

const require = createRequire(import.meta.url);
const { DistributedPool } = require('native-threading/distributed');
const tasks = await import(pathToFileURL(TASKS).href);
const OTHER = join(FIXTURES, 'distributed-other.mjs');

/** Bound of one call in these tests. */
const LONG = 20_000;

let redis;
const QUEUE = 'api';

test.before(async () => {
  redis = await startRedis();
  // Two machines of one process each serve the main queue.
  await startWorkerCommand(undefined, { redis: redis.url, queue: QUEUE });
  await startWorkerCommand(undefined, { redis: redis.url, queue: QUEUE });
});

test.after.always(async () => {
  await redis?.kill();
});

/** A pool on `queue` that is terminated (and joined, bounded) at the end of the test. */
function makePool(t, options = {}) {
  const pool = new DistributedPool({ redis: redis.url, queue: QUEUE, import: [TASKS], ...options });
  t.teardown(async () => {
    pool.terminate();
    await within(pool.joinAsync(), LONG, 'joining the pool');
  });
  return pool;
}

const settle = (r, what = 'the result') => within(Promise.resolve(r), LONG, what);

async function rejection(r, what = 'the call') {
  try {
    await settle(r, what);
  } catch (e) {
    return e;
  }
  throw new Error(`${what}: expected a failure`);
}

// ---------------------------------------------------------------------------------------------
// Results in order, chunking

for (const chunksize of [1, 16, 256]) {
  test.serial(`map over 10,000 items at chunksize ${chunksize}: every result, in input order`, async (t) => {
    const pool = makePool(t);
    const xs = range(10_000);
    const r = await settle(pool.mapAsync(tasks.square, xs, chunksize), `mapAsync chunksize ${chunksize}`);
    t.deepEqual(r, squares(xs));
  });
}

test.serial('the blocking forms: map, starmap, apply (with kwargs) on the calling thread', (t) => {
  const pool = makePool(t);
  t.deepEqual(pool.map(tasks.square, range(100)), squares(range(100)));
  t.deepEqual(pool.map(tasks.square, new Set([3, 4]), 1), [9, 16]);
  t.deepEqual(pool.starmap(tasks.add, [[1, 2], [3, 4]]), [3, 7]);
  t.is(pool.apply(tasks.add, [1, 2], { extra: 10 }), 13);
  t.deepEqual(pool.map(tasks.square, []), []);
});

test.serial('values travel by v8 serialization: Map, Date, BigInt, typed arrays', async (t) => {
  const pool = makePool(t);
  const value = { m: new Map([[1, new Date(5)]]), big: 2n ** 70n, bytes: new Uint8Array([1, 2, 3]) };
  t.deepEqual(await settle(pool.applyAsync(tasks.slowEcho, [value, 0])), value);
});

test.serial('imap: results in input order although chunks finish out of order; imapUnordered: all of them', async (t) => {
  const pool = makePool(t);
  // Later items sleep less: with two workers they finish first.
  const input = [300, 240, 180, 120, 60];
  const ordered = [];
  for (const x of pool.imap(tasks.sleepy, input, 1)) ordered.push(x);
  t.deepEqual(ordered, input);
  const unordered = [];
  for await (const x of pool.imapUnordered(tasks.square, range(20), 3)) unordered.push(x);
  t.deepEqual(unordered.sort((a, b) => a - b), squares(range(20)));
});

test.serial('imapUnordered yields a fast chunk before a slow one', async (t) => {
  // A worker with two processes runs both chunks at once: chunk 0 sleeps 1.5 s, chunk 1 does
  // not; unordered gives chunk 1 first.
  const queue = 'unordered';
  await startWorkerCommand(t, { redis: redis.url, queue, processes: 2 });
  const pool = makePool(t, { queue });
  const it = pool.imapUnordered(tasks.sleepy, [1500, 0], 1);
  t.is((await within(it.nextAsync(), LONG, 'the first unordered result')).value, 0, 'the chunk that finished first comes first');
  t.is((await within(it.nextAsync(), LONG)).value, 1500);
  t.true((await it.nextAsync()).done);
});

test.serial('imap back-pressure: an endless input is read only as results are consumed', async (t) => {
  const pool = makePool(t, { imapWindow: 4 });
  let pulled = 0;
  function* endless() {
    for (let i = 0; ; i++) {
      pulled++;
      yield i;
    }
  }
  const got = [];
  for (const x of pool.imap(tasks.square, endless(), 2)) {
    got.push(x);
    if (got.length === 30) break;
  }
  t.deepEqual(got, squares(range(30)));
  // 15 chunks consumed, at most 4 more ahead: never the whole (endless) input.
  t.true(pulled <= (15 + 4 + 1) * 2, `read ${pulled} items for 30 results`);
  // A consumer that stops reading stops the input too.
  const before = pulled;
  const it = pool.imap(tasks.square, endless(), 1);
  t.is(it.next(LONG).value, 0);
  await delay(500);
  t.true(pulled - before <= 4 + 2, `read ${pulled - before} items while the consumer took 1`);
  it.close();
});

test.serial('imap next(timeout): TimeoutError when no result comes in time; iteration goes on after it', (t) => {
  const pool = makePool(t);
  const it = pool.imap(tasks.sleepy, [700, 1], 1);
  const err = t.throws(() => it.next(50));
  t.true(err instanceof nt.TimeoutError);
  t.is(err.code, 'ERR_TIMEOUT');
  t.is(it.next(LONG).value, 700);
  t.is(it.next(LONG).value, 1);
  t.true(it.next(LONG).done);
  t.true(pool.imap(tasks.square, [], 1).next(0).done);
});

// ---------------------------------------------------------------------------------------------
// AsyncResult, callbacks, errors

test.serial('applyAsync/mapAsync: callbacks run before ready() and before await gives the value; get/wait/successful', async (t) => {
  const pool = makePool(t);
  const seen = [];
  let r;
  r = pool.applyAsync(tasks.add, [2, 3], undefined, (v) => seen.push(['apply', v, r.ready()]));
  t.false(r.ready());
  t.throws(() => r.successful(), { code: 'ERR_RESULT_NOT_READY' });
  t.is(await settle(r), 5);
  t.deepEqual(seen, [['apply', 5, false]]);
  t.true(r.ready());
  t.true(r.successful());
  t.is(r.get(0), 5);
  const m = pool.mapAsync(tasks.square, [1, 2, 3], 2, (v) => seen.push(['map', v]));
  m.wait(LONG);
  t.deepEqual(m.get(), [1, 4, 9]);
  t.deepEqual(seen[1], ['map', [1, 4, 9]]);
  const s = pool.starmapAsync(tasks.add, [[1, 1]], undefined, (v) => seen.push(['starmap', v]));
  t.deepEqual(await settle(s.getAsync(LONG)), [2]);
  t.deepEqual(seen[2], ['starmap', [2]]);
});

test.serial('get(timeout) and getAsync(timeout) give TimeoutError; getAsync takes an AbortSignal', async (t) => {
  const pool = makePool(t);
  const r = pool.applyAsync(tasks.slowEcho, [1, 1500]);
  const e = t.throws(() => r.get(50));
  t.true(e instanceof nt.TimeoutError);
  t.is(e.code, 'ERR_TIMEOUT');
  await t.throwsAsync(r.getAsync(50), { code: 'ERR_TIMEOUT' });
  const ac = new AbortController();
  const aborted = r.getAsync(undefined, { signal: ac.signal });
  ac.abort(new Error('stop waiting'));
  await t.throwsAsync(aborted, { message: 'stop waiting' });
  t.is(await settle(r), 1);
  t.throws(() => r.get(NaN), { code: 'ERR_OUT_OF_RANGE' });
});

test.serial("a task's error reaches the caller with its class, code, properties and the worker's stack; it is not retried", async (t) => {
  const pool = makePool(t);
  const errors = [];
  const r = pool.applyAsync(tasks.failTyped, ['bad input'], undefined, () => t.fail('no success callback'), (e) => errors.push(e));
  const e = await rejection(r);
  t.true(e instanceof TypeError);
  t.is(e.code, 'ERR_FIXTURE');
  t.is(e.message, 'bad input');
  t.deepEqual(e.detail, { n: 1 });
  t.regex(e.stack, /failTyped .*distributed-tasks\.mjs/, "the stack names the worker's frame");
  t.deepEqual(errors, [e], 'the error callback got the same error first');
  t.false(r.successful());
  t.throws(() => r.get(), { is: e });
  // An error without a code of its own gets ERR_DISTRIBUTED_TASK_FAILED.
  const plain = t.throws(() => pool.apply(tasks.failPlain, ['plain']));
  t.is(plain.code, 'ERR_DISTRIBUTED_TASK_FAILED');
  t.is(plain.message, 'plain');
  // A failed chunk fails the map, with the error callback.
  const mapErrors = [];
  const m = pool.starmapAsync(tasks.failTyped, [['x']], 1, undefined, (err) => mapErrors.push(err.code));
  t.is((await rejection(m)).code, 'ERR_FIXTURE');
  t.deepEqual(mapErrors, ['ERR_FIXTURE']);
  // Not retried: the task ran once, and nothing ran it again since.
  const file = join(mkdtempSync(join(tmpdir(), 'nt-dist-')), 'runs');
  t.true((await rejection(pool.applyAsync(tasks.failRecorded, [file]))) instanceof RangeError);
  await delay(1000);
  t.is(readFileSync(file, 'utf8'), 'ran\n');
  // imap: a failed chunk throws at its place, and iteration goes on.
  const it = pool.imap(tasks.failTyped, ['a'], 1);
  t.throws(() => it.next(LONG), { code: 'ERR_FIXTURE' });
});

test.serial("a result that cannot be serialized fails with ERR_INVALID_RETURN_VALUE; the pool goes on", (t) => {
  const pool = makePool(t);
  const e = t.throws(() => pool.apply(tasks.returnsFunction));
  t.is(e.code, 'ERR_INVALID_RETURN_VALUE');
  t.is(pool.apply(tasks.square, [7]), 49);
});

test.serial('arguments that cannot travel: a coded error at the call, and nothing is queued', async (t) => {
  const queue = 'unserializable';
  const pool = new DistributedPool({ redis: redis.url, queue, import: [TASKS] });
  t.teardown(() => pool.terminate());
  t.throws(() => pool.map(tasks.square, [1, 2, () => 3], 1), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  t.throws(() => pool.applyAsync(tasks.square, [Symbol('s')]), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  t.throws(() => pool.applyAsync(tasks.square, [new nt.Lock()]), { instanceOf: TypeError, code: 'ERR_NOT_SHAREABLE' });
  t.throws(() => pool.mapAsync(tasks.square, [{ v: new nt.Value('i', 1) }]), { instanceOf: TypeError, code: 'ERR_NOT_SHAREABLE' });
  t.throws(() => pool.applyAsync(tasks.square, [new Int32Array(new SharedArrayBuffer(8))]), { instanceOf: TypeError, code: 'ERR_NOT_SHAREABLE' });
  // imap: the chunk that cannot travel fails at its place; the others run.
  const it = pool.imap(tasks.square, [1, () => 2], 1);
  const q = new Queue(queue, { connection: { url: redis.url } });
  t.teardown(() => q.close());
  // The connector thread queues the chunk that can travel; the other failed at the call.
  let counts;
  for (const end = Date.now() + LONG; Date.now() < end; await delay(20)) {
    counts = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    if (counts.waiting > 0) break;
  }
  t.is(counts.waiting, 1, 'only the imap chunk that could travel was queued');
  t.is(counts.active + counts.completed + counts.failed + counts.delayed, 0);
  it.close();
});

test.serial('misuse: not exported, bad arguments, calls after close/terminate, join before close', async (t) => {
  const pool = makePool(t);
  const local = (x) => x;
  t.throws(() => pool.apply(local, [1]), { code: 'ERR_TARGET_NOT_EXPORTED' });
  t.throws(() => pool.apply('square'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => pool.map(tasks.square, [1], 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => pool.map(tasks.square, 5), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => pool.join(), { code: 'ERR_POOL_RUNNING' });
  await t.throwsAsync(pool.joinAsync(), { code: 'ERR_POOL_RUNNING' });
  t.throws(() => new DistributedPool({ redis: 'http://127.0.0.1:1', queue: 'q', import: [TASKS] }), { code: 'ERR_INVALID_ARG_VALUE' });
  t.throws(() => new DistributedPool({ redis: redis.url, queue: 'q', import: [] }), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => new DistributedPool({ redis: redis.url, queue: 'q', import: ['./no-such-module.mjs'] }), { code: 'ERR_INVALID_ARG_VALUE' });
  t.throws(() => new DistributedPool({ redis: redis.url, queue: 'q', import: [TASKS], connectionTimeout: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  const pending = pool.applyAsync(tasks.slowEcho, [1, 200]);
  pool.close();
  for (const call of [() => pool.apply(tasks.square, [1]), () => pool.map(tasks.square, [1]), () => pool.imap(tasks.square, [1])]) {
    t.throws(call, { code: 'ERR_POOL_NOT_RUNNING' });
  }
  t.is(await settle(pending), 1, 'close() lets outstanding work finish');
  pool.join();
  t.pass();
});

test.serial('terminate: unfinished results fail with ERR_POOL_TERMINATED; using/await using terminate', async (t) => {
  const pool = new DistributedPool({ redis: redis.url, queue: QUEUE, import: [TASKS] });
  const r = pool.applyAsync(tasks.slowEcho, [1, 2000]);
  const it = pool.imap(tasks.slowEcho, [2], 1);
  pool.terminate();
  t.is((await rejection(r)).code, 'ERR_POOL_TERMINATED');
  t.throws(() => it.next(LONG), { code: 'ERR_POOL_TERMINATED' });
  await within(pool.joinAsync(), LONG, 'join after terminate');
  // \`await using scoped = ...\` (Node 20 has no \`using\`: the same calls by hand).
  const scoped = new DistributedPool({ redis: redis.url, queue: QUEUE, import: [TASKS] });
  t.is(await settle(scoped.applyAsync(tasks.square, [3])), 9);
  await within(scoped[Symbol.asyncDispose](), LONG, 'asyncDispose');
  t.throws(() => scoped.apply(tasks.square, [1]), { code: 'ERR_POOL_NOT_RUNNING' });
  const disposed = new DistributedPool({ redis: redis.url, queue: QUEUE, import: [TASKS] });
  disposed[Symbol.dispose]();
  t.throws(() => disposed.apply(tasks.square, [1]), { code: 'ERR_POOL_NOT_RUNNING' });
  disposed.join();
});

// ---------------------------------------------------------------------------------------------
// What blocks

test.serial("a blocking map blocks only its thread: the main thread's event loop runs meanwhile", async (t) => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  t.teardown(() => clearInterval(timer));
  const w = startWorker(
    t,
    `
    const { DistributedPool } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'distributed', 'index.js'))});
    const tasks = await import(${JSON.stringify(pathToFileURL(TASKS).href)});
    const pool = new DistributedPool({ redis: workerData.url, queue: workerData.queue, import: [${JSON.stringify(TASKS)}] });
    const started = Date.now();
    const r = pool.map(tasks.sleepy, [300, 300, 300, 300], 1);
    post({ type: 'done', ok: r.join() === '300,300,300,300', ms: Date.now() - started });
    pool.close();
    pool.join();
    `,
    { url: redis.url, queue: QUEUE },
  );
  const done = await w.next('done', LONG);
  t.true(done.ok);
  t.true(ticks >= done.ms / 10 / 4, `${ticks} timer ticks on the main thread during ${done.ms} ms of blocking map`);
});

test.serial('the async forms do not block the event loop', async (t) => {
  const pool = makePool(t);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const started = Date.now();
  const r = await settle(pool.mapAsync(tasks.sleepy, [250, 250, 250, 250], 1));
  clearInterval(timer);
  t.deepEqual(r, [250, 250, 250, 250]);
  t.true(ticks >= (Date.now() - started) / 5 / 4, `${ticks} ticks while awaiting`);
});

test.serial('an idle pool that is never closed does not keep the program alive; outstanding work does', async (t) => {
  const script = `
    import { DistributedPool } from 'native-threading/distributed';
    const tasks = await import(${JSON.stringify(pathToFileURL(TASKS).href)});
    const pool = new DistributedPool({ redis: process.argv[1], queue: ${JSON.stringify(QUEUE)}, import: [${JSON.stringify(TASKS)}] });
    pool.applyAsync(tasks.square, [6], undefined, (v) => console.log('result', v));
  `;
  const r = await runNode(['--input-type=module', '-e', script, redis.url], { timeout: LONG, t });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'result 36\n', 'the pending call kept it alive until its callback ran');
});

// ---------------------------------------------------------------------------------------------
// What a worker runs

test.serial("the caller and the workers may hold the project at different paths (names are relative to the package)", async (t) => {
  const mine = projectCopy('relocated');
  const theirs = projectCopy('relocated');
  const queue = 'relocated';
  await startWorkerCommand(t, { redis: redis.url, queue, cwd: theirs, imports: ['./lib/tasks.mjs'] });
  const local = await import(pathToFileURL(join(mine, 'lib', 'tasks.mjs')).href);
  const pool = makePool(t, { queue, import: [join(mine, 'lib', 'tasks.mjs')] });
  t.is(pool.apply(local.workerPid) !== process.pid, true);
  t.deepEqual(pool.map(local.square, [1, 2, 3]), [1, 4, 9]);
});

test.serial("a worker refuses a module whose source differs from the caller's: ERR_DISTRIBUTED_MODULE_MISMATCH", async (t) => {
  const mine = projectCopy('versions');
  const theirs = projectCopy('versions', (s) => `${s}\nexport const version = 2;\n`);
  const queue = 'mismatch';
  await startWorkerCommand(t, { redis: redis.url, queue, cwd: theirs, imports: ['./lib/tasks.mjs'] });
  const local = await import(pathToFileURL(join(mine, 'lib', 'tasks.mjs')).href);
  const pool = makePool(t, { queue, import: [join(mine, 'lib', 'tasks.mjs')] });
  const e = t.throws(() => pool.apply(local.square, [2]));
  t.is(e.code, 'ERR_DISTRIBUTED_MODULE_MISMATCH');
  t.regex(e.message, /versions\/lib\/tasks\.mjs/);
});

test.serial('the worker command: --initializer runs in each pool process, --maxtasksperchild replaces it', async (t) => {
  const queue = 'initializer';
  await startWorkerCommand(t, {
    redis: redis.url,
    queue,
    args: ['--initializer', `${TASKS}#setTag`, '--maxtasksperchild', '1', '--concurrency', '1'],
  });
  const pool = makePool(t, { queue });
  const first = pool.apply(tasks.whoAmI);
  const second = pool.apply(tasks.whoAmI);
  t.is(first.tag, 'initialized');
  t.is(second.tag, 'initialized');
  t.not(first.pid, second.pid, 'one task per pool process');
  const bad = await runNode([join(ROOT, 'dist', 'src', 'distributed', 'cli.js'), 'worker', '--redis', redis.url, '--queue', queue, '--import', TASKS, '--processes', '0'], { t });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--processes must be a positive integer/);
});

test.serial('a worker runs only what its --import modules export: other modules are never loaded', async (t) => {
  const queue = 'allow-list';
  const marker = join(mkdtempSync(join(tmpdir(), 'nt-dist-')), 'imported');
  await startWorkerCommand(t, { redis: redis.url, queue, env: { NT_DISTRIBUTED_MARKER: marker } });
  // The caller knows a module the worker was not given.
  const other = await import(pathToFileURL(OTHER).href);
  const pool = makePool(t, { queue, import: [TASKS, OTHER] });
  t.is(pool.apply(tasks.square, [3]), 9);
  const e = t.throws(() => pool.apply(other.cube, [2]));
  t.is(e.code, 'ERR_DISTRIBUTED_NOT_IMPORTED');
  t.regex(e.message, /--import/);
  // Jobs written straight into Redis, naming anything at all.
  const q = new Queue(queue, { connection: { url: redis.url } });
  t.teardown(() => q.close());
  // A job's end is read from its own state: a QueueEvents reader misses the events written
  // before its first read of the stream, and a refusal comes back at once.
  const finished = async (id) => {
    for (;;) {
      const job = await Job.fromId(q, id);
      if (job?.failedReason) throw new Error(job.failedReason);
      if (job?.finishedOn) return job.returnvalue;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const payload = Buffer.from(require('node:v8').serialize([[2]])).toString('base64');
  const tasksName = 'native-threading/__test__/fixtures/distributed-tasks.mjs';
  const crafted = {
    'a module path that exists': { v: 1, m: OTHER, x: 'cube', h: 'x', k: 'apply', a: payload },
    'a relative path': { v: 1, m: './__test__/fixtures/distributed-other.mjs', x: 'cube', h: 'x', k: 'apply', a: payload },
    'a builtin module': { v: 1, m: 'node:child_process', x: 'execSync', h: 'x', k: 'apply', a: payload },
    'a non-function export': { v: 1, m: tasksName, x: '__proto__', h: 'x', k: 'apply', a: payload },
    'not a task at all': { hello: 'world' },
  };
  for (const [what, data] of Object.entries(crafted)) {
    const job = await q.add('apply', data);
    const result = await within(finished(job.id), LONG, what);
    t.false(result.ok, what);
    t.regex(require('node:v8').deserialize(Buffer.from(result.e, 'base64')).stack, /ERR_DISTRIBUTED_(NOT_IMPORTED|BAD_JOB|MODULE_MISMATCH)|exports no function|runs only the modules|not a native-threading task|differs/, what);
  }
  t.false(existsSync(marker), 'no worker imported the module that was not allowed');
});

// ---------------------------------------------------------------------------------------------
// Entry points

test.serial('native-threading/distributed loads from require and import; the root entry does not load bullmq', async (t) => {
  const esm = await import('native-threading/distributed');
  t.is(esm.DistributedPool, DistributedPool);
  const r = await runNode(['-e', "require('native-threading'); console.log(Object.keys(require.cache).some((f) => f.includes('/node_modules/bullmq/') || f.includes('/node_modules/ioredis/')))"], { t });
  t.is(r.stdout.trim(), 'false', r.stderr);
  t.is(nt.DistributedPool, undefined, 'not exported from the root');
});

test.serial('without bullmq or ioredis installed: ERR_DISTRIBUTED_DEPENDENCY_MISSING saying what to install', async (t) => {
  const hide = `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'bullmq' || request === 'ioredis') throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
      return resolve.call(this, request, ...rest);
    };
    const { DistributedPool } = require('native-threading/distributed');
    try {
      new DistributedPool({ redis: 'redis://127.0.0.1:1', queue: 'q', import: [${JSON.stringify(TASKS)}] });
    } catch (e) {
      console.log(e.code, e.message);
    }
  `;
  const r = await runNode(['-e', hide], { t });
  t.regex(r.stdout, /^ERR_DISTRIBUTED_DEPENDENCY_MISSING .*npm install bullmq ioredis/, r.stderr);
  const cli = await runNode([join(ROOT, 'dist', 'src', 'distributed', 'cli.js'), 'nonsense'], { t });
  t.is(cli.code, 2);
  t.regex(cli.stderr, /usage: native-threading worker/);
});

test.serial("the README's Scaling out example runs as shown, with a worker command in another copy of the project", async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Scaling out'));
  const block = (name) => {
    const m = section.match(new RegExp('```js\\n(// ' + name.replace('.', '\\.') + ':[^]*?)```'));
    if (!m) throw new Error(`README: no ${name} block in Scaling out`);
    return m[1];
  };
  const expected = section.match(/```text\n([^]*?)```/)[1];
  const project = (dir) => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-example', private: true }));
    writeFileSync(join(dir, 'tasks.mjs'), block('tasks.mjs'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'native-threading'));
    return dir;
  };
  const caller = project(mkdtempSync(join(tmpdir(), 'nt-readme-caller-')));
  const worker = project(mkdtempSync(join(tmpdir(), 'nt-readme-worker-')));
  writeFileSync(join(caller, 'app.mjs'), block('app.mjs'));
  await startWorkerCommand(t, { redis: redis.url, queue: 'squares', cwd: worker, imports: ['./tasks.mjs'] });
  const r = await runNode(['app.mjs'], { cwd: caller, env: { REDIS_URL: redis.url }, timeout: LONG, t });
  t.is(r.code, 0, r.stderr);
  const [got, want] = [r.stdout, expected].map((s) => s.trim().split('\n'));
  t.deepEqual(got.slice(0, 2), want.slice(0, 2));
  t.deepEqual(got.slice(2).sort(), want.slice(2).sort(), 'imapUnordered: the same results, in any order');
});
