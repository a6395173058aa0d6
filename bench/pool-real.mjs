// Group 'pool-real': the pools on the values programs send, not numbers alone.
//
// Pool (child processes) against CPython's multiprocessing.Pool, both with as many workers as
// the machine has CPUs, on the same calls over the same payloads (bench/python/pool_real_bench.py
// builds the same items), N items each, the input built and the pool started and warmed up
// before timing on both sides; items/s. The tasks are trivial (pool-real-targets.mjs): the sum
// of the arguments, a field plus one, a length. Payloads:
//
//   tuple          starmap(add, [[i, 1], ...])                       (tuples; numbers only, so
//                  they travel as float64s, without the serializer)
//   tuple-mixed    starmap(addLength, [[i, 'abc'], ...])             (tuples, serialized)
//   object         map(field, [{ k: i, s: 'abc', a: [1, 2] }, ...])  (dicts)
//   object-result  the same returning { k, s }                        (dicts both ways)
//   string         map(size, ['item0', ...])                         (str)
//   nested         map(size, [[[i, i+1], [i+2, [i+3]]], ...])        (nested lists)
//   buffer         map(size, [Buffer of 1 KiB, ...])                 (bytes)
//   date           map(size, [Date, ...])                            (datetime)
//   map            map(size, [Map { a => i, b => i+1 }, ...])        (dict)
//
// Methods: map (starmap for tuples) and mapAsync with the default chunksize; imap and
// imapUnordered with chunksize 64; imap with chunksize 1 (Python's default for imap) over
// N1 items. Targets: >= 3x CPython, >= 1x with chunksize 1.
//
// ThreadPool (worker threads) against the Node pool packages on the same payloads, N tasks
// submitted one by one and awaited together: applyAsync(add, [i, 1]) against piscina and
// tinypool run([i, 1]) (addPair) and workerpool exec('add', [i, 1]); applyAsync(field, [obj])
// against run(obj) / exec('field', [obj]). Target: >= 2x piscina.
//
// Method: after WARM_UP untimed calls of every method (the JIT's warm-up; CPython's side does
// the same), each repeat takes TIMED samples of every workload and method for ours, then one
// python3 invocation does the same; a sample is as many calls back to back as last SAMPLE_MS
// (one call when it is longer). The pools live for the whole group. Each number is the median
// of all samples over the repeats (at most 3).
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { NODE_POOL_PEERS, loadPackage, median, now, packageVersion, row, runPythonJson, spread } from './common.mjs';
import * as T from './pool-real-targets.mjs';

const PY = fileURLToPath(new URL('./python/pool_real_bench.py', import.meta.url));
const TARGETS = new URL('./pool-real-targets.mjs', import.meta.url);
const WORKERPOOL_WORKER = fileURLToPath(new URL('./pool-workerpool-real-worker.mjs', import.meta.url));
const EPOCH = Date.UTC(2026, 0, 1);

/** name: [task, item(i), spread (starmap), what it sends] */
/** Full calls of every method before timing, on both sides. */
const WARM_UP = 2;
/** Timed samples of every method per repeat, on both sides. */
const TIMED = 3;
/** A sample lasts at least this long (ms), on both sides. */
const SAMPLE_MS = 50;

export const WORKLOADS = {
  tuple: [T.add, (i) => [i, 1], true, 'argument tuples of numbers [i, 1] (starmap; float64s, no serializer)'],
  'tuple-mixed': [T.addLength, (i) => [i, 'abc'], true, "argument tuples [i, 'abc'] (starmap; serialized)"],
  object: [T.field, (i) => ({ k: i, s: 'abc', a: [1, 2] }), false, "small objects { k: i, s: 'abc', a: [1, 2] }"],
  'object-result': [T.echo, (i) => ({ k: i, s: 'abc', a: [1, 2] }), false, 'small objects, each result an object { k, s }'],
  string: [T.size, (i) => `item${i}`, false, "short strings 'item<i>'"],
  nested: [T.size, (i) => [[i, i + 1], [i + 2, [i + 3]]], false, 'nested arrays [[i, i+1], [i+2, [i+3]]]'],
  buffer: [T.size, () => Buffer.alloc(1024), false, '1 KiB Buffers (bytes)'],
  date: [T.size, (i) => new Date(EPOCH + i * 1000), false, 'Date values (datetime)'],
  map: [T.size, (i) => new Map([['a', i], ['b', i + 1]]), false, "Map values { a => i, b => i+1 } (dict)"],
};

const METHODS = {
  map: { label: (star) => (star ? 'starmap' : 'map'), chunk: 'default chunksize', min: 3 },
  mapAsync: { label: (star) => (star ? 'starmapAsync' : 'mapAsync'), chunk: 'default chunksize', min: 3 },
  imap: { label: () => 'imap', chunk: 'chunksize 64', min: 3 },
  imapUnordered: { label: () => 'imapUnordered', chunk: 'chunksize 64', min: 3 },
  imap1: { label: () => 'imap', chunk: 'chunksize 1', min: 1 },
};

function check(r, n, what) {
  if (r.length !== n) throw new Error(`${what}: ${r.length} results for ${n} items`);
}

/** One sample: calls back to back until SAMPLE_MS have passed (a call over 100,000 numbers
 * takes a few ms, which one scheduler tick or collection would decide); items/s over them all.
 * CPython's script samples the same way. */
async function timeCall(call, n, what) {
  const t0 = now();
  let calls = 0;
  let s;
  do {
    check(await call(), n, what);
    calls++;
    s = Number(now() - t0) / 1e9;
  } while (s * 1e3 < SAMPLE_MS);
  return (n * calls) / s;
}

/** The calls of one workload on our Pool: method -> () => results. */
function ourCalls(pool, name, data, one) {
  const [fn, , star] = WORKLOADS[name];
  if (star) return { map: () => pool.starmap(fn, data), mapAsync: () => pool.starmapAsync(fn, data) };
  return {
    map: () => pool.map(fn, data),
    mapAsync: () => pool.mapAsync(fn, data),
    imap: () => [...pool.imap(fn, data, 64)],
    imapUnordered: () => [...pool.imapUnordered(fn, data, 64)],
    imap1: () => [...pool.imap(fn, one)],
  };
}

const PEERS = {
  async piscina(size) {
    const { Piscina } = await import('piscina');
    const mk = (name) => new Piscina({ filename: TARGETS.href, name, minThreads: size, maxThreads: size });
    const add = mk('addPair');
    const field = mk('field');
    return { tuple: (i) => add.run([i, 1]), object: (o) => field.run(o), close: () => Promise.all([add.destroy(), field.destroy()]) };
  },
  async tinypool(size) {
    const { default: Tinypool } = await import('tinypool');
    const mk = (name) => new Tinypool({ filename: TARGETS.href, name, minThreads: size, maxThreads: size });
    const add = mk('addPair');
    const field = mk('field');
    return { tuple: (i) => add.run([i, 1]), object: (o) => field.run(o), close: () => Promise.all([add.destroy(), field.destroy()]) };
  },
  async workerpool(size) {
    const { default: workerpool } = await import('workerpool');
    const pool = workerpool.pool(WORKERPOOL_WORKER, { minWorkers: size, maxWorkers: size, workerType: 'thread' });
    return { tuple: (i) => pool.exec('add', [i, 1]), object: (o) => pool.exec('field', [o]), close: () => pool.terminate() };
  },
};

/** Submit one task per item, await them all; tasks/s. */
async function submitAll(run, items) {
  const t0 = now();
  const pending = new Array(items.length);
  for (let i = 0; i < items.length; i++) pending[i] = run(items[i], i);
  const r = await Promise.all(pending);
  const s = Number(now() - t0) / 1e9;
  check(r, items.length, 'thread pool');
  return items.length / s;
}

export async function run(ctx) {
  const { quick } = ctx;
  const repeats = Math.min(ctx.repeats, 3); // a repeat is about a minute and a half
  const group = 'pool-real';
  const nt = loadPackage();
  const size = os.availableParallelism?.() ?? os.cpus().length;
  const N = quick ? 25000 : 100000;
  const N1 = quick ? 5000 : 20000;
  const nThread = quick ? 20000 : 100000;
  const timed = quick ? 2 : TIMED;
  const names = Object.keys(WORKLOADS);
  const ours = {};
  const py = {};
  let pyInfo;
  // One workload's items live at a time, as in CPython's script: a heap holding every
  // workload's items (a million objects) made each of our calls pay for marking them all.
  const dataOf = (n) => Array.from({ length: N }, (_, i) => WORKLOADS[n][1](i));

  const pool = new nt.Pool(size);
  try {
    // Warm-up: WARM_UP full calls of every method (the JIT compiles the paths in the caller and
    // in the workers); CPython's script does the same.
    for (const n of names) {
      ctx.watchdog?.();
      const data = dataOf(n);
      for (const call of Object.values(ourCalls(pool, n, data, data.slice(0, N1)))) for (let w = 0; w < WARM_UP; w++) await call();
    }
    for (let r = 0; r < repeats; r++) {
      for (const n of names) {
        ctx.watchdog?.();
        const data = dataOf(n);
        const calls = ourCalls(pool, n, data, data.slice(0, N1));
        for (const [m, call] of Object.entries(calls)) {
          ctx.watchdog?.();
          for (let k = 0; k < timed; k++) ((ours[n] ??= {})[m] ??= []).push(await timeCall(call, m === 'imap1' ? N1 : N, `${n} ${m}`));
        }
      }
      if (pyInfo !== null) {
        ctx.watchdog?.(600000); // one python3 run does every workload
        pyInfo = runPythonJson(PY, [size, N, timed, N1, WARM_UP, SAMPLE_MS, ...names], 600000);
        if (pyInfo) for (const n of names) for (const [m, xs] of Object.entries(pyInfo.workloads[n])) ((py[n] ??= {})[m] ??= []).push(...xs);
      }
    }
  } finally {
    pool.terminate();
  }

  // ThreadPool against the Node pools, on argument tuples and on an object.
  const tItems = { tuple: Array.from({ length: nThread }, (_, i) => i), object: Array.from({ length: nThread }, (_, i) => ({ k: i, s: 'abc', a: [1, 2] })) };
  const tp = new nt.ThreadPool(size);
  const oursThread = { tuple: (i) => tp.applyAsync(T.add, [i, 1]), object: (o) => tp.applyAsync(T.field, [o]) };
  const peers = {};
  const tput = { ours: { tuple: [], object: [] } };
  const versions = {};
  for (const p of NODE_POOL_PEERS) {
    const v = packageVersion(p);
    if (v == null) continue;
    versions[p] = v;
    peers[p] = await PEERS[p](size);
    tput[p] = { tuple: [], object: [] };
  }
  try {
    const all = { ours: oursThread, ...peers };
    ctx.watchdog?.();
    for (const run of Object.values(all)) for (const w of ['tuple', 'object']) await submitAll(run[w], tItems[w].slice(0, 5000));
    for (let r = 0; r < repeats; r++) {
      const ids = Object.keys(all);
      for (let j = 0; j < ids.length; j++) {
        const id = ids[(j + r) % ids.length];
        ctx.watchdog?.();
        for (const w of ['tuple', 'object']) {
          ctx.watchdog?.();
          tput[id][w].push(await submitAll(all[id][w], tItems[w]));
        }
      }
    }
  } finally {
    tp.terminate();
    for (const p of Object.values(peers)) await p.close();
  }

  const rows = [];
  if (pyInfo) ctx.python ??= `${pyInfo.implementation} ${pyInfo.python}`;
  else ctx.notes.push('python3 is not on PATH: the CPython multiprocessing.Pool baselines of pool-real were skipped.');
  const pyName = pyInfo ? `CPython ${pyInfo.python} multiprocessing.Pool` : '-';
  const K = (xs) => spread(xs.map((x) => x / 1e3), 0);
  for (const n of names) {
    const [, , star, what] = WORKLOADS[n];
    for (const [m, xs] of Object.entries(ours[n])) {
      const meth = METHODS[m];
      const base = py[n]?.[m];
      const count = m === 'imap1' ? N1 : N;
      rows.push(row({
        id: `pool-real.${n}.${m}`, group,
        benchmark: `Pool.${meth.label(star)} over ${count.toLocaleString('en-US')} ${what}, ${meth.chunk}, vs CPython`,
        unit: 'items/s', ours: median(xs), baseline: base ? median(base) : null, baselineName: pyName,
        target: base ? { minRatio: meth.min } : null,
        note: `${size} processes each; ours ${K(xs)} k items/s` + (base ? `, CPython ${K(base)} k items/s` : ''),
        details: { ours: xs, baseline: base ?? null, processes: size, items: count },
        bars: [{ name: `Pool (ours)`, value: median(xs), ours: true }, ...(base ? [{ name: 'CPython Pool', value: median(base) }] : [])],
      }));
    }
  }
  const tWhat = { tuple: 'applyAsync(add, [i, 1]): two arguments', object: "applyAsync(field, [{ k: i, s: 'abc', a: [1, 2] }]): an object" };
  for (const w of ['tuple', 'object']) {
    for (const p of Object.keys(versions)) {
      rows.push(row({
        id: `pool-real.thread.${w}.${p}`, group,
        benchmark: `ThreadPool ${tWhat[w]}, ${nThread.toLocaleString('en-US')} tasks submitted then awaited, vs ${p}${p === 'piscina' ? '' : ' (info)'}`,
        unit: 'tasks/s', ours: median(tput.ours[w]), baseline: median(tput[p][w]), baselineName: `${p} ${versions[p]}, same payload`,
        target: p === 'piscina' ? { minRatio: 2 } : null,
        note: `${size} worker threads each, unpinned; ours ${K(tput.ours[w])} k tasks/s, ${p} ${K(tput[p][w])} k tasks/s`,
        details: { ours: tput.ours[w], baseline: tput[p][w], threads: size, tasks: nThread },
        bars: [{ name: 'ThreadPool (ours)', value: median(tput.ours[w]), ours: true }, { name: `${p} ${versions[p]}`, value: median(tput[p][w]) }],
      }));
    }
  }
  return rows;
}
