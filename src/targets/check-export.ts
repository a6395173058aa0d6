// A target that must be exported, checked at the call (a pool's apply/map), before any task
// runs. CommonJS exports are found in require.cache; an ES module's exports can only be read
// by importing it, which cannot be awaited here: a short-lived thread imports it while this
// thread waits, once per function.
import { Worker } from 'node:worker_threads';
import { coded } from '../runtime/errors';
import { tsxApiUrl } from '../runtime/loader-hooks';
import { ExportRef, locate, notExported } from './locate';

/** Functions checked: undefined when exported, else the error to throw again. */
const checked = new WeakMap<Function, Error | undefined>();

const CHECK_TIMEOUT_MS = 60_000;

// Statuses the checking thread stores.
const FOUND = 1;
const MISSING = 2;
const FAILED = 3;

const CHECKER = `
const { workerData } = require('node:worker_threads');
const { ref, state, text, tsx } = workerData;
const same = (v) => typeof v === 'function' && Function.prototype.toString.call(v) === ref.source;
(tsx ? import(tsx).then((api) => api.register()) : Promise.resolve()).then(() => import(ref.url)).then(
  (ns) => {
    const found = same(ns[ref.name]) || Object.values(ns).filter(same).length === 1;
    Atomics.store(state, 0, found ? ${FOUND} : ${MISSING});
  },
  (e) => {
    const message = Buffer.from(String((e && e.message) || e)).subarray(0, text.length);
    text.set(message);
    Atomics.store(state, 1, message.length);
    Atomics.store(state, 0, ${FAILED});
  },
).finally(() => Atomics.notify(state, 0));
`;

/** Where the exported `fn` is; throws ERR_TARGET_NOT_EXPORTED when it is not exported. */
export function exportedTarget(fn: Function, what: string): ExportRef {
  const ref = locate(fn, what);
  if (ref.kind === 'esm') {
    if (!checked.has(fn)) {
      try {
        checkEsmExport(fn, ref, what);
        checked.set(fn, undefined);
      } catch (e) {
        checked.set(fn, e as Error);
      }
    }
    const err = checked.get(fn);
    if (err !== undefined) throw err;
  }
  return ref;
}

function checkEsmExport(fn: Function, ref: ExportRef, what: string): void {
  const state = new Int32Array(new SharedArrayBuffer(8));
  const text = new Uint8Array(new SharedArrayBuffer(2048));
  const worker = new Worker(CHECKER, { eval: true, workerData: { ref, state, text, tsx: tsxApiUrl(process.execArgv) }, stdout: true, stderr: true });
  // The module may fail in ways that escape the import (a throw from a timer it starts):
  // what matters is reported through `state`; the rest must not reach this process.
  worker.on('error', () => {});
  worker.unref();
  try {
    Atomics.wait(state, 0, 0, CHECK_TIMEOUT_MS);
  } finally {
    void worker.terminate();
  }
  switch (Atomics.load(state, 0)) {
    case FOUND:
      return;
    case MISSING:
      throw notExported(fn, what);
    case FAILED:
      throw coded(
        Error,
        'ERR_TARGET_NOT_EXPORTED',
        `cannot import the module of ${what} ${fn.name || '<anonymous>'} (${ref.url}): ${Buffer.from(text.subarray(0, Atomics.load(state, 1))).toString()}`,
      );
    default:
      throw coded(Error, 'ERR_TARGET_NOT_EXPORTED', `importing the module of ${what} ${fn.name || '<anonymous>'} (${ref.url}) took over ${CHECK_TIMEOUT_MS} ms`);
  }
}
