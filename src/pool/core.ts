// What Pool and ThreadPool share: workers (child processes or worker threads) running
// poolWorker, each with its own inbox Queue, and one result Queue, all in the shared arena.
//
// The pool hands tasks to workers itself, a few at a time each, so it always knows which
// tasks a worker holds: when a worker dies, the tasks still in its inbox go to others and the
// one it was running fails with ERR_WORKER_DIED. Results are handled on the caller's thread,
// by whichever runs first: the event loop (an async wait on the result queue, armed while
// work is outstanding) or a blocking call (get(), map(), join()), which handles them itself,
// so blocking calls complete while the event loop is blocked.
import { MessageChannel, MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { ResultPump } from './async-result';
import { coded, withCause } from '../runtime/errors';
import { native } from '../runtime/native';
import { Process, processInternals } from '../processes/process';
import {
  readResult,
  decodeBody,
  RESULT_HEADER,
  RESULT_INIT_FAILED,
  RESULT_OK,
  RESULT_READY,
  RESULT_VALUE_ON_PORT,
} from './protocol';
import { type ErrorRecord, errorFromRecord } from '../runtime/error-record';
import { poolWorker, WorkerSetup } from './worker';
import { EmptyError, Queue } from '../shared/queue';
import { revive } from '../runtime/handle-transfer';
import { ExportRef } from '../targets/locate';
import { Thread, threadInternals } from '../threads/thread';
import { ABORTED } from '../runtime/wait-async';

export type WorkerKind = 'process' | 'thread';

export interface PoolSettings {
  kind: WorkerKind;
  size: number;
  initializer: ExportRef | null;
  initargs: unknown[];
  /** 0: no limit. */
  maxTasks: number;
}

/** A target, numbered so that a worker imports it once. */
export interface Target {
  id: number;
  ref: ExportRef;
}

/** One message for one worker: a call, or a chunk of calls. */
export interface Task {
  id: number;
  target: Target;
  message: Buffer;
  /** ThreadPool: calls holding shared memory, which only postMessage carries. */
  portCalls: unknown[][] | undefined;
  /** Reports the outcome (runs callbacks); called from the pool's completion queue. */
  done(ok: boolean, value: unknown): void;
}

/** Supplies tasks lazily (imap). */
export interface Feeder {
  /** The next task; undefined when there are no more. */
  next(): Task | undefined;
  /** The pool ends before the feeder does: what it has not supplied fails with `err`. */
  fail(err: Error): void;
}

const enum State {
  Running,
  Closed,
  Terminated,
  /** The initializer threw. */
  Broken,
}

/** How often a blocked caller looks for workers that died. */
const DEATH_CHECK_MS = 50;
/** Tasks a worker may hold (running + queued in its inbox) while tasks are slow or of
 * unknown length, and once they prove quick (below QUICK_TASK_MS on average). */
const SLOW_DEPTH = 2;
const QUICK_DEPTH = 64;
const QUICK_TASK_MS = 1;

const NONE = Symbol('none');
const ARRIVED = Symbol('arrived');

class WorkerSlot {
  readonly assigned = new Set<number>();
  readonly targets = new Set<number>();
  completed = 0;
  ready = false;
  gone = false;
  lastResultAt = 0;
  constructor(
    readonly id: number,
    readonly handle: Process | Thread,
    readonly inbox: Queue<unknown>,
    readonly port: MessagePort | null,
  ) {}

  alive(): boolean {
    return this.handle instanceof Process ? this.handle.exitcode === null : this.handle.isAlive();
  }

  describe(): string {
    if (this.handle instanceof Process) {
      const code = this.handle.exitcode;
      return `worker process ${this.handle.name} (pid ${this.handle.pid}) ended${code === null ? '' : code < 0 ? ` by signal ${-code}` : ` with exit code ${code}`}`;
    }
    return `worker thread ${this.handle.name} ended`;
  }
}

let nextWorkerId = 1;
let nextTaskId = 1;

/** A FIFO with O(1) push and shift. */
class Deque<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(v: T): void {
    this.#items.push(v);
  }
  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const v = this.#items[this.#head];
    this.#items[this.#head++] = undefined as T;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
    return v;
  }
  unshiftAll(vs: T[]): void {
    if (vs.length === 0) return;
    this.#items = [...vs, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }
  drain(): T[] {
    const out = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return out;
  }
}

export class PoolCore implements ResultPump {
  readonly #settings: PoolSettings;
  readonly #results = new Queue<Buffer>();
  readonly #slots = new Map<number, WorkerSlot>();
  /** Every worker started and not yet seen to end (join() waits for them). */
  readonly #handles = new Set<Process | Thread>();
  readonly #pending = new Deque<Task>();
  readonly #feeders: Feeder[] = [];
  readonly #inFlight = new Map<number, Task>();
  readonly #completions = new Deque<() => void>();
  readonly #idleWaiters: Array<() => void> = [];
  /** Threads stopped through their inbox, which must not be terminated (see #killWorkers). */
  readonly #toldToStop = new Set<Process | Thread>();
  #state = State.Running;
  #brokenBy: Error | undefined;
  /** The armed wait on the result queue: its native id, or ARRIVED while a turn is scheduled. */
  #armed: number | typeof ARRIVED | undefined;
  #disarmScheduled = false;
  #stopsSent = false;
  #lastDeathCheck = 0;
  /** Average milliseconds per task (exponential), measured from results. */
  #taskMs = Infinity;
  #workerCount = 0;

  constructor(settings: PoolSettings) {
    this.#settings = settings;
    for (let i = 0; i < settings.size; i++) this.#spawn();
    this.#awaitReady();
  }

  /** As Python's Pool (forked workers run at once), the pool starts with its workers running,
   * so a task submitted now starts now. A worker that ends before it runs fails the pool. */
  #awaitReady(): void {
    const slots = [...this.#slots.values()];
    let failed: WorkerSlot | undefined;
    this.runUntil(() => {
      // An initializer that throws ends the wait too: calls then report it.
      if (this.#state !== State.Running) return true;
      failed = slots.find((s) => s.gone && !s.ready);
      return failed !== undefined || slots.every((s) => s.ready);
    }, -1);
    if (failed !== undefined && this.#state === State.Running) {
      const why = failed.describe();
      this.terminate();
      throw coded(Error, 'ERR_WORKER_START', `the pool's ${why} before it started running`);
    }
  }

  get size(): number {
    return this.#settings.size;
  }

  /** Throws unless new work may be submitted. */
  checkRunning(): void {
    if (this.#state === State.Broken) throw this.#brokenBy!;
    if (this.#state !== State.Running) throw coded(Error, 'ERR_POOL_NOT_RUNNING', 'the pool is not running (close() or terminate() was called)');
  }

  static newTaskId(): number {
    const id = nextTaskId;
    nextTaskId = nextTaskId === 0xffffffff ? 1 : nextTaskId + 1;
    return id;
  }

  // The result wait is armed before a worker is woken: its registration then does not
  // contend with the worker's first result.
  submit(task: Task): void {
    this.#pending.push(task);
    this.arm();
    this.#dispatch();
  }

  submitAll(tasks: Task[]): void {
    for (const t of tasks) this.#pending.push(t);
    this.arm();
    this.#dispatch();
  }

  /** Takes back those of `tasks` not yet sent to a worker, and returns them. */
  withdraw(tasks: readonly Task[]): Task[] {
    const mine = new Set(tasks);
    const kept: Task[] = [];
    const taken: Task[] = [];
    for (const t of this.#pending.drain()) (mine.has(t) ? taken : kept).push(t);
    this.#pending.unshiftAll(kept);
    return taken;
  }

  addFeeder(feeder: Feeder): void {
    this.#feeders.push(feeder);
    this.arm();
    this.#dispatch();
  }

  #outstanding(): number {
    return this.#pending.length + this.#inFlight.size + this.#feeders.length;
  }

  /** Whether a worker that ends is replaced: while running, or closed with work left. */
  #wantsWorkers(): boolean {
    return this.#state === State.Running || (this.#state === State.Closed && this.#outstanding() > 0);
  }

  #wakeIdleWaiters(): void {
    if (this.#idleWaiters.length > 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  // ---- workers ----

  #spawn(): void {
    const id = nextWorkerId++;
    const n = ++this.#workerCount;
    const { kind, initializer, initargs, maxTasks } = this.#settings;
    const inbox = new Queue<unknown>();
    const setup: WorkerSetup = { workerId: id, initializer, initargs, maxTasks };
    let slot: WorkerSlot;
    const onExit = (): void => {
      this.#handles.delete(slot.handle);
      this.#onWorkerEnd(slot);
    };
    if (kind === 'process') {
      const p = new Process({ target: poolWorker, args: [inbox, this.#results, setup, null], daemon: true, name: `PoolWorker-${n}` });
      slot = new WorkerSlot(id, p, inbox, null);
      processInternals.startDetached(p, onExit);
    } else {
      const { port1, port2 } = new MessageChannel();
      port1.unref();
      const t = new Thread({ target: poolWorker, args: [inbox, this.#results, setup, port2], daemon: true, name: `ThreadPoolWorker-${n}` });
      slot = new WorkerSlot(id, t, inbox, port1);
      threadInternals.startDetached(t, [port2], onExit);
    }
    this.#slots.set(id, slot);
    this.#handles.add(slot.handle);
  }

  /** A worker ended (seen by its exit event, or by a blocked caller's check). */
  #onWorkerEnd(slot: WorkerSlot): void {
    if (slot.gone) return;
    slot.gone = true;
    this.#slots.delete(slot.id);
    // What it finished before it died is kept.
    this.#drain();
    // Tasks it had not taken go back to the front of the queue, in order.
    const back: Task[] = [];
    for (;;) {
      const m = Queue.tryGet(slot.inbox, NONE);
      if (m === NONE) break;
      if (!Buffer.isBuffer(m)) continue;
      const task = this.#inFlight.get(m.readUInt32LE(0));
      if (task === undefined || !slot.assigned.has(task.id)) continue;
      slot.assigned.delete(task.id);
      this.#inFlight.delete(task.id);
      back.push(task);
    }
    this.#pending.unshiftAll(back);
    // What it was running is lost with it.
    for (const id of slot.assigned) {
      const task = this.#inFlight.get(id);
      if (task === undefined) continue;
      this.#inFlight.delete(id);
      const err = coded(Error, 'ERR_WORKER_DIED', `the pool's ${slot.describe()} while running this task`);
      this.#completions.push(() => task.done(false, err));
    }
    slot.assigned.clear();
    slot.port?.close();
    if (this.#wantsWorkers()) this.#spawn();
    this.poll();
  }

  #checkDeaths(): void {
    this.#lastDeathCheck = performance.now();
    for (const slot of [...this.#slots.values()]) if (!slot.alive()) this.#onWorkerEnd(slot);
  }

  // ---- dispatch ----

  #depth(): number {
    return this.#taskMs < QUICK_TASK_MS ? QUICK_DEPTH : SLOW_DEPTH;
  }

  #pickSlot(): WorkerSlot | undefined {
    const depth = this.#depth();
    const max = this.#settings.maxTasks;
    let best: WorkerSlot | undefined;
    for (const slot of this.#slots.values()) {
      const held = slot.assigned.size;
      if (held >= depth || (max > 0 && slot.completed + held >= max)) continue;
      if (best === undefined || held < best.assigned.size) best = slot;
    }
    return best;
  }

  #nextTask(): Task | undefined {
    const t = this.#pending.shift();
    if (t !== undefined) return t;
    while (this.#feeders.length > 0) {
      const fed = this.#feeders[0].next();
      if (fed !== undefined) return fed;
      this.#feeders.shift();
    }
    return undefined;
  }

  #dispatch(): void {
    if (this.#state !== State.Running && this.#state !== State.Closed) return;
    for (;;) {
      if (this.#pending.length === 0 && this.#feeders.length === 0) return;
      const slot = this.#pickSlot();
      if (slot === undefined) return;
      const task = this.#nextTask();
      if (task === undefined) return;
      this.#send(slot, task);
    }
  }

  #send(slot: WorkerSlot, task: Task): void {
    if (!slot.targets.has(task.target.id)) {
      slot.inbox.put([task.target.id, task.target.ref]);
      slot.targets.add(task.target.id);
    }
    if (task.portCalls !== undefined) slot.port!.postMessage([task.id, task.portCalls]);
    slot.inbox.put(task.message);
    if (slot.assigned.size === 0) slot.lastResultAt = performance.now();
    slot.assigned.add(task.id);
    this.#inFlight.set(task.id, task);
  }

  // ---- results ----

  /** Handles every result that has arrived. */
  #drain(): void {
    for (;;) {
      const m = Queue.tryGet(this.#results, NONE);
      if (m === NONE) return;
      this.#handle(m);
    }
  }

  #handle(m: Buffer): void {
    const taskId = m.readUInt32LE(0);
    const slot = this.#slots.get(m.readUInt32LE(4));
    const status = m[8];
    if (status === RESULT_READY) {
      if (slot !== undefined) slot.ready = true;
      return;
    }
    if (status === RESULT_INIT_FAILED) {
      this.#break(errorFromRecord(decodeBody(m, RESULT_HEADER) as ErrorRecord));
      return;
    }
    const task = this.#inFlight.get(taskId);
    let value: unknown;
    let decoded = true;
    try {
      const flags = m[9];
      value = flags & RESULT_VALUE_ON_PORT ? this.#fromPort(slot, taskId) : readResult(m);
    } catch (e) {
      // A result that cannot be read back fails its task (it is not the task's value).
      decoded = false;
      value = e;
    }
    if (task === undefined) return;
    this.#inFlight.delete(taskId);
    if (slot !== undefined) {
      slot.assigned.delete(taskId);
      slot.completed++;
      const now = performance.now();
      const ms = now - slot.lastResultAt;
      slot.lastResultAt = now;
      this.#taskMs = this.#taskMs === Infinity ? ms : this.#taskMs * 0.9 + ms * 0.1;
      if (this.#settings.maxTasks > 0 && slot.completed >= this.#settings.maxTasks) this.#retire(slot);
    }
    const ok = decoded && status === RESULT_OK;
    const outcome = ok || !decoded ? value : errorFromRecord(value as ErrorRecord);
    this.#completions.push(() => task.done(ok, outcome));
  }

  #fromPort(slot: WorkerSlot | undefined, taskId: number): unknown {
    for (;;) {
      const m = slot?.port ? receiveMessageOnPort(slot.port) : undefined;
      if (m === undefined) throw new Error(`the result of task ${taskId} did not arrive`);
      const [id, value] = m.message as [number, unknown];
      if (id === taskId) return revive(value);
    }
  }

  /** maxTasksPerChild: the worker ends by itself after its last task; a new one replaces it. */
  #retire(slot: WorkerSlot): void {
    slot.gone = true;
    this.#slots.delete(slot.id);
    if (this.#wantsWorkers()) this.#spawn();
  }

  #flush(): void {
    for (let c = this.#completions.shift(); c !== undefined; c = this.#completions.shift()) c();
  }

  /** Handles what has arrived, refills workers, runs callbacks; never blocks. */
  poll(): void {
    this.#drain();
    if (performance.now() - this.#lastDeathCheck > DEATH_CHECK_MS) this.#checkDeaths();
    this.#dispatch();
    this.#flush();
    this.#afterFlush();
  }

  runUntil(done: () => boolean, timeoutMs: number): void {
    const end = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      this.poll();
      if (done()) return;
      const left = end - performance.now();
      if (left <= 0) return;
      let m: Buffer;
      try {
        m = this.#results.get(true, Math.min(left, DEATH_CHECK_MS));
      } catch (e) {
        if (!(e instanceof EmptyError)) throw e;
        this.#checkDeaths();
        continue;
      }
      this.#handle(m);
    }
  }

  arm(): void {
    if (this.#armed !== undefined || this.#outstanding() === 0) return;
    if (this.#state === State.Terminated || this.#state === State.Broken) return;
    const wait = Queue.waitArrival(this.#results);
    if (wait === undefined) {
      // Something is there (or being put): handle it on the next turn of the event loop.
      this.#armed = ARRIVED;
      setImmediate(() => {
        this.#armed = undefined;
        this.poll();
        this.arm();
      });
      return;
    }
    const [id, outcome] = wait;
    this.#armed = id;
    void outcome.then((r) => {
      if (this.#armed === id) this.#armed = undefined;
      if (r === ABORTED) return;
      this.poll();
      this.arm();
    });
  }

  #afterFlush(): void {
    if (this.#outstanding() !== 0) return;
    this.#wakeIdleWaiters();
    if (this.#state === State.Closed) this.#sendStops();
    // The armed wait keeps the process alive: drop it once idle, unless new work comes in
    // this turn of the event loop (await r; pool.applyAsync(...) re-arms at no cost).
    if (this.#armed !== undefined && !this.#disarmScheduled) {
      this.#disarmScheduled = true;
      setImmediate(() => {
        this.#disarmScheduled = false;
        if (this.#outstanding() === 0) this.#disarm();
      });
    }
  }

  #disarm(): void {
    const id = this.#armed;
    if (typeof id !== 'number') return;
    this.#armed = undefined;
    native.abortWait(id);
  }

  #sendStops(): void {
    if (this.#stopsSent) return;
    this.#stopsSent = true;
    for (const slot of this.#slots.values()) slot.inbox.put(null);
  }

  // ---- ending ----

  close(): void {
    if (this.#state === State.Running) this.#state = State.Closed;
    this.poll();
    this.arm();
  }

  terminate(): void {
    if (this.#state === State.Terminated) return;
    const wasBroken = this.#state === State.Broken;
    this.#state = State.Terminated;
    // Results that have arrived count; the rest fails.
    this.#drain();
    this.#end(wasBroken ? undefined : coded(Error, 'ERR_POOL_TERMINATED', 'the pool was terminated before this task completed'));
    this.#flush();
  }

  #break(initError: unknown): void {
    if (this.#state === State.Terminated || this.#state === State.Broken) return;
    const err = withCause(
      coded(Error, 'ERR_POOL_INITIALIZER_FAILED', `the pool's initializer threw: ${(initError as Error)?.message ?? String(initError)}`),
      initError,
    );
    this.#state = State.Broken;
    this.#brokenBy = err;
    this.#end(err);
  }

  /** Terminated or broken: what is outstanding fails with `err` (unless it already did), the
   * workers go, and nothing waits for results any more. */
  #end(err: Error | undefined): void {
    if (err !== undefined) {
      const tasks = [...this.#pending.drain(), ...this.#inFlight.values()];
      this.#inFlight.clear();
      for (const task of tasks) this.#completions.push(() => task.done(false, err));
      for (const feeder of this.#feeders.splice(0)) this.#completions.push(() => feeder.fail(err));
    }
    this.#killWorkers();
    this.#disarm();
    this.#wakeIdleWaiters();
  }

  #killWorkers(): void {
    // A thread terminated before its bootstrap has run never reports its end (its done-Event
    // is set by the thread itself), so join() would wait for ever: a thread not yet known to
    // run is told to stop instead, its inbox emptied first so that it runs nothing.
    for (const slot of this.#slots.values()) {
      slot.gone = true;
      if (slot.handle instanceof Thread && !slot.ready) {
        while (Queue.tryGet(slot.inbox, NONE) !== NONE);
        slot.inbox.put(null);
        this.#toldToStop.add(slot.handle);
      }
    }
    this.#slots.clear();
    for (const h of this.#handles) {
      if (h instanceof Process) h.terminate();
      else if (!this.#toldToStop.has(h)) void threadInternals.terminate(h);
    }
  }

  /** After close(): waits for the outstanding work, then for every worker to end. */
  join(): void {
    this.#checkJoin();
    this.runUntil(() => this.#outstanding() === 0, -1);
    for (const h of [...this.#handles]) h.join();
  }

  async joinAsync(): Promise<void> {
    this.#checkJoin();
    if (this.#outstanding() > 0) {
      await new Promise<void>((resolve) => {
        this.#idleWaiters.push(resolve);
        this.arm();
      });
    }
    await Promise.all([...this.#handles].map((h) => h.joinAsync()));
  }

  #checkJoin(): void {
    if (this.#state === State.Running) throw coded(Error, 'ERR_POOL_RUNNING', 'close() or terminate() the pool before join()');
  }
}
