// Group 'queue': Queue throughput between two processes, one producer child
// (a Process running producer() of process-targets.mjs) and the parent
// consuming, against CPython's multiprocessing.Queue with the same pattern
// (bench/python/mp_bench.py queue): small items (the integers 0..n-1), short
// strings, small objects and tuples (process-targets.mjs queueItem; dicts and
// tuples in CPython) and 64 KiB items (one Buffer / bytes object of 65536
// bytes, put n times).
//
// Method: a sample is played by a fresh pair of processes (a new producer
// child for ours, a python3 invocation for CPython). The producer waits for
// commands on a second queue; after a warm-up round the parent sends "put n
// items" and gets the n items, timed from before the command to the last
// get(), checking every item (the integers arrive in order; a 64 KiB item has
// the right length and end bytes). n is calibrated so that a sample lasts
// about sampleMs. Both queues are unbounded (maxsize 0, CPython's default), so
// the producer may run ahead: the note gives the deepest queue seen. 64 KiB
// items go in rounds of at most CHUNK items, on both sides (see CHUNK).
// Samples alternate ours and CPython; each number is the median of the
// samples: items/s for integers, MB/s (10^6 bytes) for 64 KiB items.
//
// Placement matters as much as in the ping-pong between processes (see
// pingpong-process.mjs): with producer and consumer on one CPU, each runs a
// whole time slice alone; on two CPUs they run at once and contend for the
// queue's shared state. So both are measured with the two processes on one CPU,
// on two CPUs (the main threads pinned with taskset; CPython pins its own
// processes) and unpinned; the targets apply to the pinned placements, the
// unpinned rows are information (unless pinning is not possible).
import { fileURLToPath } from 'node:url';
import { ChildGuard, SENTINEL } from './child-guard.mjs';
import { loadPackage, median, pairPlacements, row, runPythonJson, setAffinity, spread, tick } from './common.mjs';
import { producer, queueItemNumber } from './process-targets.mjs';

const PY = fileURLToPath(new URL('./python/mp_bench.py', import.meta.url));
const SIZE = 65536;
/**
 * 64 KiB items go in rounds of at most CHUNK items (the producer waits for the next command
 * between rounds, so it is never more than CHUNK items ahead): both sides then measure the
 * transfer, not how fast memory for a deep backlog can be found. CPython gets the same rounds.
 */
const CHUNK = 2048;
const now = () => process.hrtime.bigint();

/** Get n integers; returns { seconds, maxDepth }. */
function consumeInts(q, ctl, n) {
  let maxDepth = 0;
  const t0 = now();
  ctl.put([1, n]);
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) maxDepth = Math.max(maxDepth, q.qsize());
    const v = q.get();
    if (v !== i) throw new ItemError(`queue item ${i} of ${n} is ${v === SENTINEL ? '(the guard\'s sentinel)' : JSON.stringify(v)}, expected ${i}`);
  }
  return { seconds: Number(now() - t0) / 1e9, maxDepth };
}

/** Get n Buffers of SIZE bytes, in rounds of at most CHUNK; returns { seconds, maxDepth }. */
function consumeBuffers(q, ctl, n) {
  let maxDepth = 0;
  const t0 = now();
  for (let done = 0; done < n;) {
    const m = Math.min(CHUNK, n - done);
    ctl.put([2, m, SIZE]);
    for (let i = 0; i < m; i++) {
      if ((i & 63) === 0) maxDepth = Math.max(maxDepth, q.qsize());
      const v = q.get();
      if (!Buffer.isBuffer(v) || v.length !== SIZE || v[0] !== 0x5a || v[SIZE - 1] !== 0x5a) {
        throw new ItemError(`queue item ${done + i} of ${n} is not the 64 KiB Buffer put: ${v === SENTINEL ? '(the guard\'s sentinel)' : Buffer.isBuffer(v) ? `a Buffer of ${v.length} bytes` : typeof v}`);
      }
    }
    done += m;
  }
  return { seconds: Number(now() - t0) / 1e9, maxDepth };
}

/** Get n items of a form (process-targets.mjs queueItem), in order; returns { seconds, maxDepth }. */
const consumeForm = (form) => (q, ctl, n) => {
  let maxDepth = 0;
  const t0 = now();
  ctl.put([3, n, form]);
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) maxDepth = Math.max(maxDepth, q.qsize());
    const v = q.get();
    if (queueItemNumber(form, v) !== i) throw new ItemError(`queue item ${i} of ${n} is ${v === SENTINEL ? '(the guard\'s sentinel)' : JSON.stringify(v)}`);
  }
  return { seconds: Number(now() - t0) / 1e9, maxDepth };
};

class ItemError extends Error {}

export async function run(ctx) {
  const { repeats, quick } = ctx;
  const nt = loadPackage();
  const group = 'queue';
  const sampleMs = quick ? 50 : 200;

  const q = new nt.Queue();
  const ctl = new nt.Queue();
  let child = null;
  let guard = null;
  const { mainAffinity, canPin, list: placements } = pairPlacements();
  if (!canPin) ctx.notes.push('Queue throughput: taskset is not installed or only one CPU is available, so only the unpinned placement was measured.');
  let pinned = false;

  const checked = (fn, n, budgetMs) => {
    guard.arm(budgetMs);
    try {
      return fn(q, ctl, n);
    } catch (err) {
      throw guard.failure(child) ?? err;
    } finally {
      guard.disarm();
    }
  };

  /** One sample with a fresh producer: a warm-up round, then n timed items. */
  const sample = async (c, n, pl) => {
    ctx.watchdog?.();
    if (q.qsize() !== 0) throw new Error(`${q.qsize()} item(s) left in the queue before a sample`);
    child = new nt.Process({ target: producer, args: [q, ctl], daemon: true, name: 'bench-queue-producer' });
    child.start();
    if (guard) guard.watch(child.pid);
    else guard = new ChildGuard({ pid: child.pid, kind: 'queue', target: q, what: 'queue producer child' });
    let ok = false;
    try {
      if (pl.a != null) {
        pinned = true;
        setAffinity(process.pid, pl.a);
        setAffinity(child.pid, pl.b);
      }
      checked(c.consume, c.warm, 60000); // includes the child's start-up
      const got = checked(c.consume, n, 30000 + sampleMs * 50);
      ok = true;
      return got;
    } finally {
      if (pinned) {
        pinned = false;
        setAffinity(process.pid, mainAffinity);
      }
      ctl.put([0]);
      child.join(10000);
      const code = child.exitcode;
      if (code === null) child.kill();
      await tick(); // let Node reap it
      if (ok && code !== 0) throw new Error(`the queue producer child ended with ${code ?? 'no exit within 10 s'}`);
    }
  };

  const kinds = {
    int: { consume: consumeInts, warm: 20000, first: 100000, arg: 'int' },
    buf: { consume: consumeBuffers, warm: 200, first: 2000, arg: SIZE },
    str: { consume: consumeForm(1), warm: 20000, first: 100000, arg: 'str' },
    obj: { consume: consumeForm(2), warm: 20000, first: 50000, arg: 'obj' },
    tuple: { consume: consumeForm(3), warm: 20000, first: 50000, arg: 'tuple' },
  };
  const res = {};
  let py;
  try {
    for (const pl of placements) {
      for (const [kind, c] of Object.entries(kinds)) {
        const m = { ours: [], depth: [], py: [], pyItems: [] };
        res[`${pl.id}.${kind}`] = m;
        // Calibration (not counted): a first sample of a fixed size sizes the others.
        const first = await sample(c, c.first, pl);
        m.n = Math.max(1000, Math.round((c.first * sampleMs) / (first.seconds * 1000)));
        for (let r = 0; r < repeats; r++) {
          const { seconds, maxDepth } = await sample(c, m.n, pl);
          m.ours.push(m.n / seconds);
          m.depth.push(maxDepth);
          if (py !== null) {
            py = runPythonJson(PY, ['queue', c.arg, sampleMs, CHUNK, ...(pl.a == null ? [] : [pl.a, pl.b])], 120000);
            if (py) {
              m.py.push(py.itemsPerSec);
              m.pyItems.push(py.items);
            }
          }
        }
      }
    }
  } finally {
    if (pinned) setAffinity(process.pid, mainAffinity);
    if (child && child.exitcode === null) child.kill();
    if (guard) await guard.stop();
  }

  const mb = (itemsPerSec) => (itemsPerSec * SIZE) / 1e6;
  const pyName = py ? `CPython ${py.python} multiprocessing.Queue` : null;
  if (py) ctx.python ??= `${py.implementation} ${py.python}`;
  else ctx.notes.push('python3 is not on PATH: the CPython multiprocessing.Queue baselines were skipped.');
  const rows = [];
  for (const pl of placements) {
    const info = pl.target ? '' : ' (info)';
    const base = `${pl.text}; ${repeats} samples each, a fresh pair of processes per sample`;
    const startNote = py ? `; CPython's producer started with '${py.startMethod}'` : '';
    const i = res[`${pl.id}.int`];
    const b = res[`${pl.id}.buf`];
    rows.push(row({
      id: `queue.int.${pl.id}`, group, benchmark: `Queue throughput, 2 processes ${pl.label}, small items (integers)${info}`,
      unit: 'items/s', ours: median(i.ours), baseline: py ? median(i.py) : null, baselineName: pyName ? `${pyName}, ${pl.label}` : '-',
      target: py && pl.target ? { minRatio: 10, floor: 5 } : null,
      note: `${base} (ours ${i.n} items); ours ${spread(i.ours.map((x) => x / 1e6), 2)} M items/s` +
        (py ? `, CPython ${spread(i.py.map((x) => x / 1e3), 0)} k items/s (~${median(i.pyItems)} items)` : '') +
        `; deepest queue seen ${Math.max(...i.depth)} items${startNote}`,
      details: { ours: { samples: i.ours, items: i.n, maxDepth: i.depth }, baseline: py ? { samples: i.py, items: i.pyItems } : null },
    }));
    rows.push(row({
      id: `queue.64k.${pl.id}`, group, benchmark: `Queue throughput, 2 processes ${pl.label}, 64 KiB items (Buffer / bytes)${info}`,
      unit: 'MB/s', ours: mb(median(b.ours)), baseline: py ? mb(median(b.py)) : null, baselineName: pyName ? `${pyName}, ${pl.label}` : '-',
      target: py && pl.target ? { minRatio: pl.id === 'one' ? 1 : 2 } : null,
      note: `${base} (ours ${b.n} items); ours ${median(b.ours).toFixed(0)} items/s (${spread(b.ours.map(mb), 0)} MB/s)` +
        (py ? `, CPython ${median(b.py).toFixed(0)} items/s (${spread(b.py.map(mb), 0)} MB/s)` : '') +
        `; deepest queue seen ${Math.max(...b.depth)} items${startNote}; ` +
        `items go in rounds of at most ${CHUNK} (both sides)`,
      details: { ours: { samples: b.ours, items: b.n, maxDepth: b.depth }, baseline: py ? { samples: b.py, items: b.pyItems } : null },
    }));
    for (const [kind, what, min] of [['str', "short strings ('item<i>')", 10], ['obj', "small objects ({ k: i, s: 'abc', a: [1, 2] } / dict)", 5], ['tuple', "tuples ([i, 'abc'] / tuple)", 5]]) {
      const m = res[`${pl.id}.${kind}`];
      rows.push(row({
        id: `queue.${kind}.${pl.id}`, group, benchmark: `Queue throughput, 2 processes ${pl.label}, ${what}${info}`,
        unit: 'items/s', ours: median(m.ours), baseline: py ? median(m.py) : null, baselineName: pyName ? `${pyName}, ${pl.label}` : '-',
        target: py && pl.target ? { minRatio: min, floor: min / 2 } : null,
        note: `${base} (ours ${m.n} items); ours ${spread(m.ours.map((x) => x / 1e3), 0)} k items/s` +
          (py ? `, CPython ${spread(m.py.map((x) => x / 1e3), 0)} k items/s (~${median(m.pyItems)} items)` : '') +
          `; deepest queue seen ${Math.max(...m.depth)} items${startNote}`,
        details: { ours: { samples: m.ours, items: m.n, maxDepth: m.depth }, baseline: py ? { samples: m.py, items: m.pyItems } : null },
      }));
    }
  }
  return rows;
}
