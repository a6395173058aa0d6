// Shared helpers of the primitive tests: bounded waits (a deadlock fails instead of hanging),
// eval'd workers, Processes and Threads that are always ended, and child Node processes.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { registerCompletionHandler } from 'ava';

// A failed test can leave an async wait pending, and a pending wait keeps the process alive
// (README, "What blocks and what is async"); end the test process once AVA is done instead of waiting for its
// "failed to exit" timeout. Keeping-alive itself is tested in child processes.
registerCompletionHandler(() => process.exit());

const require = createRequire(import.meta.url);

/** Absolute path of the CommonJS entry (workers `require` it). */
export const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HELPERS = fileURLToPath(new URL('./', import.meta.url));
export const nt = require(DIST);

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection when it does not settle within `ms` (a deadlock fails). */
export async function within(promise, ms, what = 'operation') {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: did not settle within ${ms} ms (deadlock?)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const PENDING = Symbol('pending');

/** What `promise` did within `ms`: { value } / { error } / PENDING. Never rejects. */
export function settledWithin(promise, ms) {
  let timer;
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error) => ({ error }),
    ),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(PENDING), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Asserts that `promise` is still pending after `ms`. */
export async function assertPending(t, promise, ms = 50, what = 'the wait') {
  const s = await settledWithin(promise, ms);
  t.is(s, PENDING, `${what} should still be pending after ${ms} ms, got ${describeSettled(s)}`);
}

function describeSettled(s) {
  if (s === PENDING) return 'pending';
  if ('error' in s) return `rejection ${s.error?.stack ?? s.error}`;
  return `value ${String(s.value)}`;
}

/** Milliseconds since `start` (performance.now()). */
export const since = (start) => performance.now() - start;

/**
 * Asserts that calling `fn` (sync) throws `Ctor` with `code`, whether the call throws at once
 * or (for an async form) returns a rejected promise.
 */
export async function assertRejectsOrThrows(t, fn, Ctor, code, what = '') {
  let p;
  try {
    p = fn();
  } catch (e) {
    t.true(e instanceof Ctor, `${what}: expected ${Ctor.name}, got ${e?.constructor?.name}: ${e?.message}`);
    t.is(e?.code, code, `${what}: code`);
    return e;
  }
  t.true(p instanceof Promise, `${what}: neither threw nor returned a promise`);
  const s = await settledWithin(p, 1000);
  t.true(s !== PENDING && 'error' in s, `${what}: expected a rejection, got ${describeSettled(s)}`);
  if (s !== PENDING && 'error' in s) {
    t.true(s.error instanceof Ctor, `${what}: expected ${Ctor.name}, got ${s.error?.constructor?.name}: ${s.error?.message}`);
    t.is(s.error?.code, code, `${what}: code`);
    return s.error;
  }
  return undefined;
}

/** Asserts a synchronous throw of `Ctor` with `code`. */
export function assertThrowsCode(t, fn, Ctor, code, what = '') {
  const e = t.throws(fn, { instanceOf: Ctor }, what);
  if (e) t.is(e.code, code, `${what}: code (message: ${e.message})`);
  return e;
}

/**
 * Starts a worker running `body` (CommonJS; async allowed) with `nt` (the library), `parentPort`,
 * `workerData`, `post(msg)`, `sleepMs(ms)` and `flags` (workerData.flags as an Int32Array when
 * given) in scope. The worker is terminated in `t.teardown`. An exception in the body is posted
 * as { type: 'error' } and rejects `next()`.
 */
export function startWorker(t, body, workerData = {}, options = {}) {
  const code = `
    'use strict';
    const { parentPort, workerData } = require('node:worker_threads');
    const nt = require(${JSON.stringify(DIST)});
    const post = (m) => parentPort.postMessage(m);
    const flags = workerData && workerData.flags ? new Int32Array(workerData.flags) : undefined;
    const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const nextMessage = () => new Promise((resolve) => parentPort.once('message', resolve));
    (async () => {
      ${body}
    })().catch((e) => post({ type: 'error', name: e && e.name, code: e && e.code, message: String(e && e.message), stack: String(e && e.stack) }));
  `;
  const worker = new Worker(code, { eval: true, workerData, ...options });
  const inbox = [];
  const waiting = [];
  let failure;
  const fail = (err) => {
    failure = err;
    for (const w of waiting.splice(0)) w.reject(err);
  };
  worker.on('message', (m) => {
    if (m && m.type === 'error') {
      fail(new Error(`worker failed: ${m.stack}`));
      return;
    }
    inbox.push(m);
    for (const w of [...waiting]) {
      const i = inbox.findIndex(w.match);
      if (i >= 0) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(inbox.splice(i, 1)[0]);
      }
    }
  });
  worker.on('error', (e) => fail(e));
  const exited = new Promise((resolve) => worker.on('exit', resolve));
  exited.then((c) => fail(new Error(`worker exited (code ${c})`)));
  t.teardown(() => worker.terminate());
  return {
    worker,
    exited,
    post: (m, transfer) => worker.postMessage(m, transfer),
    /** The next message of `type` (or any message), within `ms`. */
    next(type, ms = 10_000) {
      const match = type === undefined ? () => true : (m) => m && m.type === type;
      const i = inbox.findIndex(match);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      if (failure) return Promise.reject(failure);
      return within(
        new Promise((resolve, reject) => waiting.push({ match, resolve, reject })),
        ms,
        `message '${type ?? 'any'}' from the worker`,
      );
    },
    terminate: () => worker.terminate(),
  };
}

/** A zeroed Int32Array over a new SharedArrayBuffer of `n` words. */
export function sharedInts(n) {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

/** Waits (polling, bounded) until `cond()` is true. */
export async function until(cond, ms = 5000, what = 'condition') {
  const start = performance.now();
  while (!cond()) {
    if (since(start) > ms) throw new Error(`${what}: not true within ${ms} ms`);
    await delay(2);
  }
}

/**
 * Runs `node ...args` to its end; SIGKILLed after `timeout` ms, and in `t.teardown` (when `t` is
 * given) if still running. `cwd` is the repository unless given; `env` adds to this process's
 * environment; `onStdout(chunk)` sees stdout as it comes; `coreDumps: false` runs node with
 * core dumps off (for a child that aborts on purpose). Resolves { code, signal, stdout, stderr,
 * ms, killed, pid }.
 */
export function runNode(args, { timeout = 30_000, env = {}, cwd = ROOT, t, onStdout, coreDumps = true } = {}) {
  return new Promise((resolve) => {
    const start = performance.now();
    const [command, argv] = coreDumps
      ? [process.execPath, args]
      : ['/bin/sh', ['-c', 'ulimit -c 0; exec "$0" "$@"', process.execPath, ...args]];
    const child = spawn(command, argv, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let ended = false;
    t?.teardown(() => {
      if (!ended) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      onStdout?.(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeout);
    child.on('close', (code, signal) => {
      ended = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: since(start), killed, pid: child.pid });
    });
  });
}

/** The last line of `stdout` parsed as JSON, or undefined. */
export function lastJson(stdout) {
  const lines = stdout.trim().split('\n').filter(Boolean);
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    return undefined;
  }
}

/** Asserts a timed wait took about `timeout` ms: >= timeout - 2 and < timeout + slack. */
export function assertTook(t, ms, timeout, slack = 1000, what = 'the timed wait') {
  t.true(ms >= timeout - 2, `${what} returned after ${ms.toFixed(1)} ms, before its ${timeout} ms timeout`);
  t.true(ms < timeout + slack, `${what} took ${ms.toFixed(1)} ms for a ${timeout} ms timeout`);
}

/** The fields of /proc/<pid>/stat after the command name (state, ppid, ...), or null when there
 * is no such process. */
export function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The state letter of /proc/<pid>/stat, or null when there is no such process. */
export const procState = (pid) => procStat(pid)?.[0] ?? null;

/** Gone: no such process, or a zombie (one that nobody has reaped yet). */
export const gone = (pid) => {
  const s = procState(pid);
  return s === null || s === 'Z' || s === 'X';
};

/** SIGKILLs pids that are still our children's processes/bootstrap (teardown of tests whose child
 * scripts start processes of their own). */
export function killStrays(pids) {
  for (const pid of pids) {
    if (gone(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('processes/bootstrap')) process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Starts `target(...args)` in a child process (`kind` 'process') or a daemon worker Thread
 * ('thread'). Child processes are SIGKILLed in t.teardown (a no-op once they have ended). */
export function startChild(t, kind, target, ...args) {
  if (kind === 'process') {
    const p = new nt.Process({ target, args });
    p.start();
    t.teardown(() => {
      try {
        p.kill();
      } catch {
        // already closed
      }
    });
    return p;
  }
  const th = new nt.Thread({ target, args, daemon: true });
  th.start();
  return th;
}

/** Waits (async, bounded) for `child` to end; a Process must exit with code 0. */
export async function ended(t, child, ms = 15_000) {
  await within(child.joinAsync(), ms, `${child.name} to end`);
  if (child instanceof nt.Process) t.is(child.exitcode, 0, `${child.name} exit code`);
}

/** The next item of `q` without blocking the event loop (bounded; a clear error if none). */
export async function recv(q, what = 'an item', ms = 10_000) {
  try {
    return await within(q.getAsync(ms), ms + 2000, what);
  } catch (e) {
    if (e instanceof nt.EmptyError) throw new Error(`${what}: nothing came within ${ms} ms`);
    throw e;
  }
}
