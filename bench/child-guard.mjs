// A guard for measurements that block the main thread on a child process (see
// child-guard-worker.mjs): if the child dies, or a sample outlives its
// deadline, the guard's worker thread unblocks the main thread (sets the
// Event it waits on, or puts a sentinel on the Queue it reads), and
// guard.failure() then says what happened. Without it a dead child would hang
// the benchmark until the run's watchdog kills everything.
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./child-guard-worker.mjs', import.meta.url);
export const SENTINEL = '\u0000child-guard: unblocked\u0000';

export class ChildGuard {
  /**
   * pid: the child's; kind: 'event' (set `target`, an Event) or 'queue' (put SENTINEL on `target`, a Queue).
   * what: a name for messages, e.g. 'queue producer child'.
   */
  constructor({ pid, kind, target, what }) {
    this.what = what;
    this.state = new SharedArrayBuffer(12);
    this.deadline = new SharedArrayBuffer(8);
    this.worker = new Worker(WORKER, {
      workerData: { pid, kind, target, sentinel: SENTINEL, state: this.state, deadline: this.deadline },
    });
    this.worker.unref();
    this.worker.on('error', () => {});
    this.s = new Int32Array(this.state);
    this.d = new Float64Array(this.deadline);
    this.watch(pid);
  }

  /** Watch another child from now on (the guard's failure state must be clear). */
  watch(pid) {
    Atomics.store(this.s, 2, pid);
  }

  /** The next blocking stretch must end within `ms`. */
  arm(ms) {
    this.d[0] = Date.now() + ms;
    Atomics.store(this.s, 1, 1);
  }

  disarm() {
    Atomics.store(this.s, 1, 0);
  }

  /** null, or an Error saying why the guard unblocked the main thread; `proc`: the child's Process. */
  failure(proc) {
    const reason = Atomics.load(this.s, 0);
    if (reason === 1) {
      let how = 'it is gone';
      try {
        const code = proc?.exitcode;
        if (code != null) how = code < 0 ? `killed by signal ${-code}` : `exit code ${code}`;
      } catch {
        // closed
      }
      return new Error(`the ${this.what} ended during the measurement (${how}): the main thread was woken by the guard`);
    }
    if (reason === 2) {
      return new Error(`the ${this.what} is alive but the measurement made no progress before its deadline: ` +
        'a hang (lost wake-up?) in the library; the main thread was woken by the guard');
    }
    return null;
  }

  async stop() {
    // Referenced while stopping: with nothing else pending, an unreferenced worker and timer
    // would let the event loop empty and the benchmark end half-way.
    this.worker.ref();
    const exited = new Promise((r) => this.worker.once('exit', r));
    let timer;
    this.worker.postMessage('stop');
    await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 2000); })]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
