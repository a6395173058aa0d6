// Group 'codec': what sending one chunk of a Pool.map costs per item, against what CPython's
// pool pays for the same chunk (bench/python/codec_bench.py): the caller encodes every chunk
// on its one thread, so its encoding cost per item bounds map's throughput at 1/cost items/s
// whatever the workers do, and a worker's decoding cost bounds each worker likewise. These
// rows are information: they show the floor under the pool-real rows.
//
// Ours is the library's own path for a map chunk (the code Pool.map runs: tasks.ts's encoding
// at the caller, the worker's decoding); CPython's is pickle.dumps / pickle.loads of the chunk
// (protocol 4, as multiprocessing's ForkingPickler), the payloads of pool-real.mjs plus a chunk
// of result objects { k, s } (which a worker encodes and the caller decodes). A chunk is
// CHUNK items, Pool.map's default for 100,000 items over 2 workers; each sample is the median
// of RUNS timed runs, each number the median over the repeats; ns per item.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, now, packagePath, row, runPythonJson, spread } from './common.mjs';
import { WORKLOADS } from './pool-real.mjs';

const require = createRequire(import.meta.url);
const PY = fileURLToPath(new URL('./python/codec_bench.py', import.meta.url));
const CHUNK = 12_500;
const RUNS = 7;
const PAYLOADS = ['tuple-mixed', 'object', 'string', 'nested', 'buffer', 'date', 'map', 'results'];

/** The library's internal modules beside the package entry (dist/src/...). */
function internals() {
  const root = join(dirname(require.resolve(packagePath())), 'src', 'pool');
  return { tasks: require(join(root, 'tasks.js')), protocol: require(join(root, 'protocol.js')), worker: require(join(root, 'worker.js')) };
}

function perItem(call, n) {
  const samples = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = now();
    call();
    samples.push(Number(now() - t0) / n);
  }
  return median(samples);
}

/** [encode, decode] ns per item for one payload on our path. */
function ours({ tasks, protocol, worker }, name) {
  if (name === 'results') {
    // A worker's chunk of results, which the caller decodes.
    const results = Array.from({ length: CHUNK }, (_, i) => ({ k: i + 1, s: 'abc' }));
    const encode = () => worker.encodeOutcome(1, 1, protocol.RESULT_OK, results, false, null);
    const message = encode();
    return [perItem(encode, CHUNK), perItem(() => protocol.readResult(message), CHUNK)];
  }
  const [, item, star] = WORKLOADS[name];
  const chunk = Array.from({ length: CHUNK }, (_, i) => item(i));
  const encode = () => (star ? tasks.encodeCalls('process', chunk) : tasks.encodeItems('process', chunk));
  const encoded = encode();
  const message = protocol.writeTaskHeader(encoded.body, 1, 1, encoded.flags);
  // The worker's reading: one argument per call, or (starmap) calls by argument position.
  const decode = star ? () => protocol.decodeBody(message, protocol.TASK_HEADER) : () => protocol.readItems(message);
  return [perItem(encode, CHUNK), perItem(decode, CHUNK)];
}

const WHAT = {
  results: 'result objects { k, s }',
};

export async function run(ctx) {
  const group = 'codec';
  const lib = internals();
  const s = Object.fromEntries(PAYLOADS.map((p) => [p, { enc: [], dec: [], pyEnc: [], pyDec: [] }]));
  let py;
  for (let r = 0; r < ctx.repeats; r++) {
    ctx.watchdog?.();
    for (const p of PAYLOADS) {
      const [e, d] = ours(lib, p);
      s[p].enc.push(e);
      s[p].dec.push(d);
    }
    if (py !== null) {
      py = runPythonJson(PY, [CHUNK, RUNS, ...PAYLOADS], 300000);
      if (py) for (const p of PAYLOADS) {
        s[p].pyEnc.push(py.workloads[p].encode);
        s[p].pyDec.push(py.workloads[p].decode);
      }
    }
  }
  if (!py) ctx.notes.push('python3 is not on PATH: the CPython pickle baselines were skipped.');
  const rows = [];
  for (const p of PAYLOADS) {
    const what = WHAT[p] ?? WORKLOADS[p][3];
    const [encBy, decBy] = p === 'results' ? ['a worker', 'the caller'] : ['the caller', 'a worker'];
    for (const [k, side, by, pyName, ours, base] of [
      ['encode', 'encoding', encBy, 'pickle.dumps', s[p].enc, s[p].pyEnc],
      ['decode', 'decoding', decBy, 'pickle.loads', s[p].dec, s[p].pyDec],
    ]) {
      const o = median(ours);
      const b = py ? median(base) : null;
      rows.push(row({
        id: `codec.${p}.${k}`, group,
        benchmark: `One Pool chunk of ${CHUNK.toLocaleString('en-US')} ${what}: ${side} by ${by}, per item, vs CPython ${pyName} (info)`,
        unit: 'ns/item', ours: o, baseline: b,
        baselineName: py ? `CPython ${py.python} ${pyName} (protocol ${py.protocol})` : '-',
        note: `ours ${spread(ours, 0)} ns/item (bounds ${by} at ${(1e3 / o).toFixed(2)} M items/s)` + (py ? `, CPython ${spread(base, 0)} ns/item (${(1e3 / b).toFixed(2)} M items/s)` : ''),
        details: { ours, baseline: py ? base : null, chunk: CHUNK },
        bars: [{ name: `${p} ${k} (ours)`, value: o, ours: true }, ...(b != null ? [{ name: `CPython ${p} ${k}`, value: b }] : [])],
      }));
    }
  }
  return rows;
}
