// Worker side of the ping-pong benchmark (bench/pingpong.mjs).
//
// workerData: { mode: 'nt' | 'raw', role: 'A' | 'B', e1, e2 (mode 'nt'), flags (mode 'raw') }
//
// The protocol, with two one-shot signals S1 (A -> B) and S2 (B -> A), each
// cleared by its waiter BEFORE that side sets the other one, so that no set()
// can be lost or seen twice:
//   A: repeat { set S1; wait S2; clear S2 }
//   B: repeat { wait S1; clear S1; set S2 }
// One iteration of A's loop is one round trip. Mode 'nt' uses two
// native-threading Events; mode 'raw' uses two Int32 flags on a
// SharedArrayBuffer with Atomics.wait / Atomics.notify, statement for statement
// the same algorithm.
//
// Correctness check (both modes alike, a few ns against microseconds per round
// trip): B publishes the number of its round in a shared Int32 just before it
// sets S2, and A checks after each wait on S2 that the wake-up belongs to the
// round it is in. A wait that returns without the matching set (a lost or stale
// wake-up in the primitive) throws instead of desynchronising the two threads
// into a hang.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

const { mode, role } = workerData;
const round = new Int32Array(workerData.round); // B's last round whose S2 set has started
let pingRound = 0; // A's rounds so far (cumulative over runs, like B's)
let pongRound = 0;

function desync(got, what) {
  const why = got < pingRound
    ? `B has not set S2 for this round yet (B is at round ${got}): A's wait returned without a set()`
    : `B is already at round ${got}: B's wait on S1 returned without A's set()`;
  return new Error(`${mode} ping-pong out of step: A's wait on S2 returned in A's round ${pingRound}, ` +
    `${why}${what} - a stale or spurious wake-up in the primitive`);
}

let pingRounds; // A's loop
let pongRounds; // B's loop

if (mode === 'nt') {
  const nt = createRequire(import.meta.url)(process.env.NATIVE_THREADING_BENCH_MODULE || '../dist/index.js');
  const e1 = nt.Event.from(workerData.e1);
  const e2 = nt.Event.from(workerData.e2);
  pingRounds = (k) => {
    for (let i = 0; i < k; i++) {
      pingRound++;
      e1.set();
      if (e2.wait() !== true) throw new Error('Event.wait() without timeout returned something other than true');
      const seen = Atomics.load(round, 0);
      if (seen !== pingRound) throw desync(seen, ` (e2.isSet() = ${e2.isSet()})`);
      e2.clear();
    }
  };
  pongRounds = (k) => {
    for (let i = 0; i < k; i++) {
      if (e1.wait() !== true) throw new Error('Event.wait() without timeout returned something other than true');
      e1.clear();
      Atomics.store(round, 0, ++pongRound);
      e2.set();
    }
  };
} else if (mode === 'raw') {
  const f = new Int32Array(workerData.flags); // f[0] = S1, f[1] = S2
  pingRounds = (k) => {
    for (let i = 0; i < k; i++) {
      pingRound++;
      Atomics.store(f, 0, 1); // set S1
      Atomics.notify(f, 0);
      while (Atomics.load(f, 1) === 0) Atomics.wait(f, 1, 0); // wait S2
      const seen = Atomics.load(round, 0);
      if (seen !== pingRound) throw desync(seen, '');
      Atomics.store(f, 1, 0); // clear S2
    }
  };
  pongRounds = (k) => {
    for (let i = 0; i < k; i++) {
      while (Atomics.load(f, 0) === 0) Atomics.wait(f, 0, 0); // wait S1
      Atomics.store(f, 0, 0); // clear S1
      Atomics.store(round, 0, ++pongRound);
      Atomics.store(f, 1, 1); // set S2
      Atomics.notify(f, 1);
    }
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}

parentPort.on('message', (msg) => {
  if (msg.cmd === 'run') {
    const { warm, n } = msg;
    if (role === 'A') {
      pingRounds(warm);
      const t0 = process.hrtime.bigint();
      pingRounds(n);
      const t1 = process.hrtime.bigint();
      parentPort.postMessage({ type: 'done', role, ns: Number(t1 - t0) });
    } else {
      pongRounds(warm + n);
      parentPort.postMessage({ type: 'done', role });
    }
  } else if (msg.cmd === 'exit') {
    parentPort.close();
  }
});

parentPort.postMessage({ type: 'ready', role });
