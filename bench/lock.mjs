// Group 1: uncontended Lock on the main thread, against a raw mutex made of
// Atomics.compareExchange over an Int32Array on a SharedArrayBuffer.
import { loadPackage, measureInterleaved, row } from './common.mjs';

/**
 * The baseline: the classic three-state futex mutex (0 free, 1 locked,
 * 2 locked with possible waiters) written with Atomics. The uncontended path
 * is one CAS 0->1 to acquire and one CAS 1->0 to release; the slow paths park
 * with Atomics.wait / wake with Atomics.notify, so the baseline is a complete
 * blocking mutex, not a spin flag. Releasing a free mutex throws, as
 * Lock.release() does.
 */
export class RawAtomicsMutex {
  constructor(sab = new SharedArrayBuffer(4)) {
    this.state = new Int32Array(sab);
  }

  acquire() {
    const s = this.state;
    if (Atomics.compareExchange(s, 0, 0, 1) === 0) return true; // fast path
    // Slow path: mark "contended" and park until the holder releases.
    let c = Atomics.exchange(s, 0, 2);
    while (c !== 0) {
      Atomics.wait(s, 0, 2);
      c = Atomics.exchange(s, 0, 2);
    }
    return true;
  }

  release() {
    const s = this.state;
    const prev = Atomics.compareExchange(s, 0, 1, 0); // fast path
    if (prev === 1) return;
    if (prev === 0) throw new Error('release of an unlocked mutex');
    // prev === 2: there may be waiters.
    Atomics.store(s, 0, 0);
    Atomics.notify(s, 0, 1);
  }
}

// One function per case, so that each call site stays monomorphic.
function ntPairs(lock, n) {
  for (let i = 0; i < n; i++) {
    lock.acquire();
    lock.release();
  }
}
function ntRLockPairs(rlock, n) {
  for (let i = 0; i < n; i++) {
    rlock.acquire();
    rlock.release();
  }
}
function rawPairs(m, n) {
  for (let i = 0; i < n; i++) {
    m.acquire();
    m.release();
  }
}
function noop() {}
function ntWithLock(lock, n) {
  for (let i = 0; i < n; i++) lock.withLock(noop);
}
function ntHold(lock, n) {
  for (let i = 0; i < n; i++) {
    const h = lock.hold();
    h[Symbol.dispose]();
  }
}
function ntTryPairs(lock, n) {
  for (let i = 0; i < n; i++) {
    lock.acquire(false);
    lock.release();
  }
}

export async function run(ctx) {
  const nt = loadPackage();
  const { repeats, quick } = ctx;
  const sampleMs = quick ? 25 : 250;

  // Sanity checks before timing (a misbehaving Lock should fail loudly here).
  const lock = new nt.Lock();
  if (lock.acquire() !== true) throw new Error('Lock.acquire() on a free lock did not return true');
  if (lock.locked() !== true) throw new Error('Lock.locked() is not true while held');
  if (lock.acquire(false) !== false) throw new Error('Lock.acquire(false) on a held lock did not return false');
  lock.release();
  if (lock.locked() !== false) throw new Error('Lock.locked() is not false after release');

  const rlock = new nt.RLock();
  rlock.acquire();
  rlock.release();
  const raw = new RawAtomicsMutex();
  raw.acquire();
  raw.release();

  const r = measureInterleaved(
    {
      ours: (n) => ntPairs(lock, n),
      raw: (n) => rawPairs(raw, n),
      withLock: (n) => ntWithLock(lock, n),
      hold: (n) => ntHold(lock, n),
      tryPairs: (n) => ntTryPairs(lock, n),
      rlockPairs: (n) => ntRLockPairs(rlock, n),
    },
    { repeats, sampleMs },
  );
  if (lock.locked() || rlock.locked()) throw new Error('a lock is still held after the benchmark loops');

  const group = 'lock';
  const details = (k) => ({ samples: r[k].samples, min: r[k].min, iterations: r[k].iterations });
  ctx.measured.lockPairNs = r.ours.median;
  ctx.measured.withLockNs = r.withLock.median;
  return [
    row({
      id: 'lock.pair', group, benchmark: 'Lock acquire()+release(), uncontended, main thread',
      unit: 'ns/pair', ours: r.ours.median, baseline: r.raw.median, baselineName: 'raw Atomics CAS mutex',
      target: { maxRatio: 1.5 }, details: { ours: details('ours'), baseline: details('raw') },
    }),
    row({
      id: 'lock.withLock', group, benchmark: 'Lock withLock(noop) (info)',
      unit: 'ns/call', ours: r.withLock.median, baseline: r.raw.median, baselineName: 'raw Atomics CAS mutex',
      details: { ours: details('withLock') },
    }),
    row({
      id: 'lock.hold', group, benchmark: 'Lock hold()[Symbol.dispose]() (info)',
      unit: 'ns/pair', ours: r.hold.median, baseline: r.raw.median, baselineName: 'raw Atomics CAS mutex',
      details: { ours: details('hold') },
    }),
    row({
      id: 'lock.tryPair', group, benchmark: 'Lock acquire(false)+release() (info)',
      unit: 'ns/pair', ours: r.tryPairs.median, baseline: r.raw.median, baselineName: 'raw Atomics CAS mutex',
      details: { ours: details('tryPairs') },
    }),
    row({
      id: 'lock.rlockPair', group, benchmark: 'RLock acquire()+release(), uncontended, main thread (info)',
      unit: 'ns/pair', ours: r.rlockPairs.median, baseline: r.raw.median, baselineName: 'raw Atomics CAS mutex',
      details: { ours: details('rlockPairs') },
    }),
  ];
}
