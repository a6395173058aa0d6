// Group 'pingpong-process': Event ping-pong between two processes (the parent
// is A, a child Process running ponger() of process-targets.mjs is B), against
//  - the physical limit: the same ping-pong between two processes over raw
//    futex words in shared memory, written in Rust (bench/futex_pingpong.rs,
//    the cargo example futex_pingpong, built here when cargo is installed);
//  - CPython's multiprocessing.Event between two processes
//    (bench/python/mp_bench.py pingpong).
//
// The protocol is the one of bench/pingpong.mjs, in all three:
//   A: repeat { round++; set S1; wait S2; check B's round; clear S2 }
//   B: repeat { wait S1; clear S1; publish round; set S2 }
// A checks after each wake-up that B has published the round A is in, so a
// stale or spurious wake-up fails the run instead of being timed.
//
// Placement. Where the scheduler puts the two processes decides most of a
// round trip on a small virtual machine: on one CPU a round trip is two
// context switches (~2 us for raw futexes on the 2-vCPU VM this was written
// on); on two CPUs every wake-up of an idle virtual CPU goes through the
// hypervisor (~65 us there). Unpinned, a pair lands one way or the other, so
// unpinned samples are a lottery between two modes whose median says little.
// So all three are measured in three placements: both sides on one CPU, A and
// B on two different CPUs (pinned with taskset for ours: A's and B's main
// threads; by the futex binary and the Python script themselves), and
// unpinned. The targets apply to the two pinned placements, which repeat; the
// unpinned rows are information (they carry the targets only when pinning is
// not possible: no taskset, or one CPU).
//
// Method: a sample is n round trips timed inside A after 1000 untimed ones, n
// calibrated (per placement and implementation) so that a sample lasts about
// sampleMs. Every sample is played by a fresh pair of processes in all three
// (a new child Process for ours, a run of the futex binary, a python3
// invocation), and samples alternate ours, futex, CPython. As in
// pingpong.mjs, twice as many samples as elsewhere are taken, and their median
// is reported. On one CPU the futex binary also runs with timed waits of 50 ms
// slices (the library's waits sleep in such slices, to notice termination), to
// show what timed waits cost by themselves.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildGuard } from './child-guard.mjs';
import { loadPackage, pairPlacements, median, min, row, runPythonJson, say, setAffinity, spread, tick } from './common.mjs';
import { ponger } from './process-targets.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PY = fileURLToPath(new URL('./python/mp_bench.py', import.meta.url));

/** Builds the futex example; returns { bin } or { skip: why }. */
function buildFutexExample(ctx) {
  const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8', timeout: 30000 });
  if (probe.error || probe.status !== 0) return { skip: 'cargo is not installed' };
  ctx.watchdog?.(600000); // a cold build of the crate with LTO may take a while
  const t0 = Date.now();
  const r = spawnSync('cargo', ['build', '--release', '--quiet', '--example', 'futex_pingpong'], {
    cwd: ROOT, encoding: 'utf8', timeout: 540000, killSignal: 'SIGKILL',
  });
  ctx.watchdog?.(); // back to the phase's own limit, counted from now
  if (r.error || r.status !== 0) {
    return { skip: `cargo build --release --example futex_pingpong failed: ${(r.error?.message ?? r.stderr ?? '').trim().slice(0, 500)}` };
  }
  const bin = join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'release', 'examples', 'futex_pingpong');
  if (!existsSync(bin)) return { skip: `built, but ${bin} is not there` };
  return { bin, buildSeconds: (Date.now() - t0) / 1000 };
}

/**
 * One run of the futex binary: `samples` samples of n round trips; ns per round trip each.
 * sliceMs > 0: timed waits of that length; cpus: [A's CPU, B's CPU] (the binary pins itself).
 */
function runFutex(bin, n, samples, warm, { sliceMs = 0, cpus = null } = {}) {
  const args = [n, samples, warm, sliceMs, ...(cpus ?? [])].map(String);
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60000, killSignal: 'SIGKILL' });
  if (r.error || r.status !== 0) {
    throw new Error(`${bin} ${args.join(' ')} failed: ${r.error?.message ?? `exit ${r.status ?? r.signal}`} ${r.stderr?.trim() ?? ''}`);
  }
  return JSON.parse(r.stdout).roundTripNs;
}

export async function run(ctx) {
  const { repeats, quick } = ctx;
  const nt = loadPackage();
  const group = 'pingpong-process';
  const sampleMs = quick ? 30 : 200;
  const nSamples = repeats * 2;
  const WARM = 1000;

  const futex = buildFutexExample(ctx);
  if (futex.skip) ctx.notes.push(`raw futex ping-pong baseline skipped: ${futex.skip}.`);

  const e1 = new nt.Event();
  const e2 = new nt.Event();
  const round = new nt.SharedArray('i', 1, { lock: false });
  const r = round.view;
  const ctl = new nt.Queue();
  let child = null;
  let guard = null;
  let ping = 0;

  /** A fresh B: a child Process playing ponger(), watched by the guard. */
  const startChild = () => {
    if (e1.isSet() || e2.isSet()) throw new Error(`an Event is still set between pairs (e1 ${e1.isSet()}, e2 ${e2.isSet()})`);
    Atomics.store(r, 0, 0);
    ping = 0;
    child = new nt.Process({ target: ponger, args: [e1, e2, round, ctl], daemon: true, name: 'bench-pingpong-B' });
    child.start();
    if (guard) guard.watch(child.pid);
    else guard = new ChildGuard({ pid: child.pid, kind: 'event', target: e2, what: 'ping-pong child (B)' });
  };
  const stopChild = async (ok = true) => {
    ctl.put(0);
    child.join(10000);
    const code = child.exitcode;
    if (code === null) child.kill();
    await tick(); // let Node reap it
    if (!ok) return;
    if (code !== 0) throw new Error(`the ping-pong child ended with ${code ?? 'no exit within 10 s'}`);
    if (e1.isSet() || e2.isSet()) {
      say(`warning: after a ping-pong between processes e1.isSet()=${e1.isSet()} e2.isSet()=${e2.isSet()} (expected both false)`, 2);
    }
  };

  /** k round trips as A; ns per round trip. */
  const rounds = (k, budgetMs) => {
    guard.arm(budgetMs);
    try {
      ctl.put(k);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < k; i++) {
        ping++;
        e1.set();
        if (e2.wait() !== true) throw new Error('Event.wait() without timeout returned something other than true');
        const seen = Atomics.load(r, 0);
        if (seen !== ping) {
          throw new Error(`Event ping-pong between processes out of step: A's wait on e2 returned in A's round ${ping}, ` +
            `B is at round ${seen} (e2.isSet() = ${e2.isSet()}) - a stale or spurious wake-up in the primitive`);
        }
        e2.clear();
      }
      return Number(process.hrtime.bigint() - t0) / k;
    } catch (err) {
      throw guard.failure(child) ?? err;
    } finally {
      guard.disarm();
    }
  };

  // Placements: CPUs for A (the parent) and B (the child); null: unpinned.
  const { mainAffinity, canPin, list: placements } = pairPlacements();
  if (!canPin) ctx.notes.push('Event ping-pong between processes: taskset is not installed or only one CPU is available, so only the unpinned placement was measured.');
  let pinned = false;
  const unpin = () => {
    if (!pinned) return;
    pinned = false;
    setAffinity(process.pid, mainAffinity);
  };

  /** One sample of ours with a fresh pair: warm-up, then k timed round trips; ns per round trip. */
  const oursSample = async (k, pl) => {
    startChild();
    let ok = false;
    try {
      if (pl.a != null) {
        pinned = true;
        setAffinity(process.pid, pl.a);
        setAffinity(child.pid, pl.b);
      }
      rounds(WARM, 60000); // includes the child's start-up
      const ns = rounds(k, 30000 + sampleMs * 50);
      ok = true;
      return ns;
    } finally {
      unpin();
      await stopChild(ok);
    }
  };
  const futexSample = (k, pl, sliceMs = 0) =>
    runFutex(futex.bin, k, 1, WARM, { sliceMs, cpus: pl.a == null ? null : [pl.a, pl.b] })[0];
  const sizeFor = (ns) => Math.min(5e6, Math.max(200, Math.round((sampleMs * 1e6) / ns)));

  let py;
  const res = {};
  try {
    for (const pl of placements) {
      const m = { ours: [], futex: [], futexTimed: [], py: [], pyRounds: [] };
      res[pl.id] = m;
      // Calibration (also a warm-up): one short run each. Unpinned, a pair may run at the
      // speed of either pinned placement: size for the slow one (two CPUs), so that no sample
      // lasts much longer than sampleMs (the fast ones are then shorter).
      const slow = canPin && pl.id === 'free' ? res.two : null;
      m.n = slow ? slow.n : sizeFor(await oursSample(pl.a != null && pl.a !== pl.b ? 300 : 3000, pl));
      if (futex.bin) m.nFutex = slow ? slow.nFutex : sizeFor(futexSample(pl.a != null && pl.a !== pl.b ? 300 : 3000, pl));
      for (let k = 0; k < nSamples; k++) {
        m.ours.push((await oursSample(m.n, pl)) / 1000);
        if (futex.bin) {
          m.futex.push(futexSample(m.nFutex, pl) / 1000);
          if (pl.id === 'one') m.futexTimed.push(futexSample(m.nFutex, pl, 50) / 1000);
        }
        if (py !== null) {
          py = runPythonJson(PY, ['pingpong', sampleMs, ...(pl.a == null ? [] : [pl.a, pl.b])], 120000);
          if (py) {
            m.py.push(py.roundTripUs);
            m.pyRounds.push(py.roundTrips);
          }
        }
      }
    }
  } finally {
    try {
      unpin();
    } finally {
      if (child && child.exitcode === null) child.kill();
      if (guard) await guard.stop();
    }
  }

  /** How many samples ran at about the one-CPU speed: under 3x its median. */
  const fastCount = (xs, oneCpu) => xs.filter((x) => x < 3 * median(oneCpu)).length;
  const rows = [];
  const fresh = `${nSamples} samples each, a fresh pair of processes per sample`;
  for (const pl of placements) {
    const m = res[pl.id];
    const ours = median(m.ours);
    const info = pl.target ? '' : ' (info)';
    if (futex.bin) {
      const timed = m.futexTimed.length ? median(m.futexTimed) : null;
      rows.push(row({
        id: `pingpong-process.futex.${pl.id}`, group, benchmark: `Event ping-pong, 2 processes ${pl.label}, vs raw futex${info}`,
        unit: 'us/round trip', ours, baseline: median(m.futex), baselineName: `raw futex ping-pong (Rust), ${pl.label}`,
        target: pl.target ? { maxRatio: 1.5 } : null,
        note: `${pl.text}; ${fresh} (ours ${m.n}, futex ${m.nFutex} round trips); spread ours ${spread(m.ours, 2, 'us')}, ` +
          `futex ${spread(m.futex, 2, 'us')}; ratio of minima ${(min(m.ours) / min(m.futex)).toFixed(2)}x` +
          (timed != null ? `; the futex binary with timed waits in 50 ms slices (as the library's): ${timed.toFixed(2)} us ` +
            `(${(timed / median(m.futex)).toFixed(2)}x untimed; ours / that ${(ours / timed).toFixed(2)}x)` : '') +
          (pl.id === 'free' ? `; unpinned, a pair's round trip depends on whether the scheduler keeps it on one CPU or not ` +
            `(the two placements above)` +
            (res.one ? `; samples within 3x of the one-CPU median: ours ${fastCount(m.ours, res.one.ours)}/${m.ours.length}, ` +
              `futex ${fastCount(m.futex, res.one.futex)}/${m.futex.length}` : '') + '; information only' : '') +
          (futex.buildSeconds > 5 && pl === placements[0] ? `; cargo build took ${futex.buildSeconds.toFixed(0)} s` : ''),
        details: {
          ours: { samples: m.ours, roundTrips: m.n },
          baseline: { samples: m.futex, roundTrips: m.nFutex },
          ...(timed != null ? { futexTimedWaits: { samples: m.futexTimed, sliceMs: 50 } } : {}),
        },
      }));
    } else {
      rows.push(row({
        id: `pingpong-process.futex.${pl.id}`, group, benchmark: `Event ping-pong, 2 processes ${pl.label} (no futex baseline)`,
        unit: 'us/round trip', ours, note: `${pl.text}; ${futex.skip}`, details: { ours: { samples: m.ours, roundTrips: m.n } },
      }));
    }
    if (py) {
      rows.push(row({
        id: `pingpong-process.python.${pl.id}`, group, benchmark: `Event ping-pong, 2 processes ${pl.label}, vs CPython${info}`,
        unit: 'us/round trip', ours, baseline: median(m.py), baselineName: `CPython ${py.python} multiprocessing.Event, ${pl.label}`,
        target: pl.target ? { maxRatio: 0.5 } : null,
        note: `${pl.text}; target: at least 2x faster; CPython ${spread(m.py, 1, 'us')} over ${m.py.length} samples of ` +
          `~${median(m.pyRounds)} round trips, a fresh pair each; its child started with '${py.startMethod}'`,
        details: { baseline: { samples: m.py, roundTrips: m.pyRounds } },
      }));
    }
  }
  if (py) ctx.python ??= `${py.implementation} ${py.python}`;
  else ctx.notes.push('python3 is not on PATH: the CPython multiprocessing.Event ping-pong baselines were skipped.');
  return rows;
}
