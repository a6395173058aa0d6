// Python's threading.Thread on worker_threads. start() blocks until the new thread runs its
// target (as Python's does); join() blocks natively on an Event the thread sets when it ends.
import { isMainThread, MessageChannel, MessagePort, receiveMessageOnPort, SHARE_ENV, Worker, workerData } from 'node:worker_threads';
import { join as joinPath } from 'node:path';
import { coded, invalidArgType } from '../runtime/errors';
import { Event } from '../sync/event';
import { native } from '../runtime/native';
import { sleep } from '../sync/sleep';
import { ExportRef, locate } from '../targets/locate';
import { assertNotImportingTarget } from '../targets/load';
import { errorFromRecord, type ErrorRecord } from '../runtime/error-record';
import { checkOptions, runTarget, TargetOptions } from '../targets/options';
import { timeoutMs } from '../runtime/validate';

/** The options of `new Thread()`: `args` follow `target`'s parameters. */
export type ThreadOptions<F extends Function = Function> = TargetOptions<F>;

/** What the new thread needs to rebuild the Thread and run it (see bootstrap.ts). */
export interface ThreadSpec {
  target: ExportRef | null;
  /** An exported subclass overriding run(), and the instance's own fields. */
  subclass: ExportRef | null;
  fields: Record<string, unknown>;
  name: string;
  daemon: boolean;
  args: unknown[];
  kwargs: Record<string, unknown> | undefined;
  record: number;
}

const BOOTSTRAP = joinPath(__dirname, 'bootstrap.js');
/** The key in the workerData of a worker that Thread.start() started. */
const STARTED_BY_THREAD = '__nativeThreadingThread';

const enum State {
  New,
  Started,
  /** A thread started elsewhere, or the main/dummy thread: read-only. */
  View,
}

interface Internals {
  view(record: number, name: string, ident: number, nativeId: number, daemon: boolean): Thread;
  running(t: Thread, record: number, ident: number, nativeId: number, done: Event): void;
  record(t: Thread): number;
  /** Starts `t` without waiting for it to run (a pool's workers), transferring `ports` (which
   * its arguments hold) to it; `onExit` runs on this thread when the worker ends. */
  startDetached(t: Thread, ports: MessagePort[], onExit: () => void): void;
  /** Stops a thread started here (Worker.terminate()). */
  terminate(t: Thread): Promise<unknown> | undefined;
}
let internals: Internals;
export { internals as threadInternals };

/** This JavaScript thread's Thread object (set by the bootstrap, or a main/dummy view). */
let current: Thread | undefined;

/** Thread objects of this JavaScript thread by registry record id. */
const known = new Map<number, WeakRef<Thread>>();

/**
 * Python's `threading.Thread`, on a worker thread: runs an exported `target` (or the `run()` of an
 * exported subclass) with `args`, which travel by structured clone (shared objects arrive
 * working). `start()` returns once the thread runs; `join()` blocks until it ends.
 * @example
 * // worker.ts
 * export function work(n: number): void {}
 * // main.ts
 * const t = new Thread({ target: work, args: [1] });
 * t.start();
 * t.join();
 */
export class Thread<F extends Function = Function> {
  #target: Function | undefined;
  #args: unknown[];
  #kwargs: Record<string, unknown> | undefined;
  #name: string;
  #daemon: boolean;
  #state = State.New;
  #record = 0;
  #done: Event | undefined;
  #ident: number | undefined;
  #nativeId: number | undefined;
  #worker: Worker | undefined;

  /**
   * Python's `Thread(target=None, name=None, args=(), kwargs={}, daemon=None)`, as one options
   * object. The target is checked for an export at `start()`.
   * @throws `ERR_INVALID_ARG_TYPE` for options of the wrong type.
   */
  constructor(options: ThreadOptions<F> = {} as ThreadOptions<F>) {
    const { target, name, args, kwargs, daemon } = checkOptions(options);
    this.#target = target;
    this.#args = args;
    this.#kwargs = kwargs;
    this.#name = name ?? `Thread-${native.threadNumber()}${target ? ` (${target.name || 'anonymous'})` : ''}`;
    this.#daemon = daemon ?? currentThread().daemon;
  }

  /** Python's `name`: default `Thread-N (target)`. Setting a non-string throws `ERR_INVALID_ARG_TYPE`. */
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    if (typeof value !== 'string') throw invalidArgType('The "name" property must be a string', value);
    this.#name = value;
    if (this.#record !== 0) native.threadUpdate(this.#record, value, this.#daemon);
  }

  /**
   * Python's `daemon`: a daemon thread does not keep the program alive. Default: the creating
   * thread's. Setting it after `start()` throws `ERR_THREAD_STARTED`; a non-boolean
   * `ERR_INVALID_ARG_TYPE`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (typeof value !== 'boolean') throw invalidArgType('The "daemon" property must be a boolean', value);
    if (this.#state !== State.New) throw coded(Error, 'ERR_THREAD_STARTED', 'cannot set daemon status of active thread');
    this.#daemon = value;
  }

  /**
   * Python's `ident`: the thread's identifier (as `getIdent()` returns in it); undefined before
   * `start()`.
   */
  get ident(): number | undefined {
    return this.#ident;
  }
  /** Python's `native_id`: the operating system's thread id; undefined before `start()`. */
  get nativeId(): number | undefined {
    return this.#nativeId;
  }

  /** Starts the thread; returns once it runs. A second call throws ERR_THREAD_STARTED. */
  start(): void {
    this.#start(true, []);
  }

  #start(wait: boolean, ports: MessagePort[]): Worker {
    if (this.#state !== State.New) throw coded(Error, 'ERR_THREAD_STARTED', 'threads can only be started once');
    assertNotImportingTarget('Thread');
    const spec = this.#spec();
    const started = new Event();
    const done = new Event();
    const { port1, port2 } = new MessageChannel();
    spec.record = native.threadRegister(this.#name, this.#daemon, 1);
    let worker: Worker;
    try {
      worker = new Worker(BOOTSTRAP, {
        workerData: { [STARTED_BY_THREAD]: true, spec, started, done, port: port2 },
        transferList: [port2, ...ports],
        env: SHARE_ENV,
        name: this.#name,
      });
      if (this.#daemon) worker.unref();
      // An error outside the target (its module failing after start) ends only this thread,
      // reported as Python reports a thread's exception.
      const name = this.#name;
      worker.on('error', (e: unknown) => {
        const detail = e instanceof Error ? (e.stack ?? String(e)) : String(e);
        process.stderr.write(`Exception in thread ${name}:\n${detail}\n`);
      });
      if (wait) {
        started.wait();
        const reply = receiveMessageOnPort(port1)?.message as StartReply | undefined;
        if (reply === undefined || 'error' in reply) {
          throw reply ? errorFromRecord(reply.error) : new Error(`thread ${this.#name} ended before it started`);
        }
        this.#ident = reply.ident;
        this.#nativeId = reply.nativeId;
      }
    } catch (e) {
      native.threadUnregister(spec.record);
      throw e;
    } finally {
      port1.close();
    }
    this.#record = spec.record;
    this.#done = done;
    this.#worker = worker;
    this.#state = State.Started;
    known.set(spec.record, new WeakRef(this));
    return worker;
  }

  #spec(): ThreadSpec {
    const overridesRun = Object.getPrototypeOf(this) !== Thread.prototype && this.run !== Thread.prototype.run;
    const subclass = overridesRun ? locate(this.constructor, 'Thread subclass') : null;
    const target = this.#target ? locate(this.#target, 'target') : null;
    return {
      target,
      subclass,
      fields: overridesRun ? ({ ...this } as Record<string, unknown>) : {},
      name: this.#name,
      daemon: this.#daemon,
      args: this.#args,
      kwargs: this.#kwargs,
      record: 0,
    };
  }

  /** Calls the target with args (and kwargs as one last argument). Override in a subclass. */
  run(): unknown {
    return runTarget(this.#target, this.#args, this.#kwargs);
  }

  /** Blocks until the thread ends, or `timeout` ms pass (check isAlive() after). */
  join(timeout?: number): void {
    const t = timeoutMs(timeout);
    this.#checkJoin();
    if (this.#done) {
      this.#done.wait(t < 0 ? undefined : t);
      return;
    }
    // A view of a thread started elsewhere: poll the process-wide registry.
    const end = t < 0 ? Infinity : performance.now() + t;
    while (this.isAlive() && performance.now() < end) sleep(Math.min(5, end - performance.now()));
  }

  /**
   * The Promise form of `join(timeout)`: resolves when the thread ends or after `timeout` ms
   * (undefined, null or Infinity: no limit); check `isAlive()` after. Rejects with
   * `ERR_THREAD_NOT_STARTED` or `ERR_THREAD_JOIN_SELF` as `join()` throws them.
   */
  async joinAsync(timeout?: number): Promise<void> {
    const t = timeoutMs(timeout);
    this.#checkJoin();
    if (this.#done) {
      await this.#done.waitAsync(t < 0 ? undefined : t);
      return;
    }
    const end = t < 0 ? Infinity : performance.now() + t;
    while (this.isAlive() && performance.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(5, end - performance.now())));
    }
  }

  #checkJoin(): void {
    if (this.#state === State.New) throw coded(Error, 'ERR_THREAD_NOT_STARTED', 'cannot join thread before it is started');
    if (this.#record === currentThread().#record) throw coded(Error, 'ERR_THREAD_JOIN_SELF', 'cannot join current thread');
  }

  /** Python's `is_alive()`: true from `start()` until the thread ends. */
  isAlive(): boolean {
    if (this.#state === State.New) return false;
    if (this.#done) return !this.#done.isSet();
    return native.threadList().some((r) => r[0] === this.#record);
  }

  /** Python's `repr()`: `<Thread(name, started daemon ident)>`. */
  toString(): string {
    const status = this.#state === State.New ? 'initial' : this.isAlive() ? 'started' : 'stopped';
    return `<${this.constructor.name}(${this.#name}, ${status}${this.#daemon ? ' daemon' : ''} ${this.#ident ?? ''})>`;
  }

  static {
    internals = {
      view(record, name, ident, nativeId, daemon) {
        const t = Reflect.construct(Thread, [{ name, daemon }], Thread) as Thread;
        t.#state = State.View;
        t.#record = record;
        t.#ident = ident;
        t.#nativeId = nativeId;
        known.set(record, new WeakRef(t));
        return t;
      },
      running(t, record, ident, nativeId, done) {
        t.#state = State.Started;
        t.#record = record;
        t.#ident = ident;
        t.#nativeId = nativeId;
        t.#done = done;
        known.set(record, new WeakRef(t));
        current = t;
      },
      record: (t) => t.#record,
      startDetached(t, ports, onExit) {
        t.#start(false, ports).once('exit', onExit);
      },
      terminate: (t) => t.#worker?.terminate(),
    };
  }
}


type StartReply = { ident: number; nativeId: number } | { error: ErrorRecord };

/** Python's threading.current_thread(). In a Worker not started by Thread: 'Dummy-N'. */
export function currentThread(): Thread {
  if (current) return current;
  const [ident, nativeId] = native.currentIdent();
  if (isMainThread) {
    current = mainThread();
    return current;
  }
  const name = `Dummy-${native.threadNumber()}`;
  const record = native.threadRegister(name, true, 2);
  native.threadStarted(record, ident, nativeId);
  native.threadAtExit(record, Event.handleOf(new Event()));
  current = internals.view(record, name, ident, nativeId, true);
  return current;
}

/** Registers the calling JavaScript thread in the process-wide registry when the package
 * loads: the main thread, or the dummy thread of a Worker that Thread did not start (so that
 * enumerate() and activeCount() list it, on every thread, while it lives). */
export function registerThisThread(): void {
  if (isMainThread) mainThread();
  else if ((workerData as Record<string, unknown> | null)?.[STARTED_BY_THREAD] !== true) currentThread();
}

/** Python's threading.main_thread(). */
export function mainThread(): Thread {
  const rows = native.threadList();
  let main = rows.find((r) => r[5] === 0);
  if (!main && !isMainThread) {
    // The package was never loaded on the main thread: a view that knows only the name.
    return internals.view(0, 'MainThread', 0, 0, false);
  }
  if (!main) {
    // First use in the process, on the main thread.
    const [ident, nativeId] = native.currentIdent();
    const record = native.threadRegister('MainThread', false, 0);
    native.threadStarted(record, ident, nativeId);
    main = [record, 'MainThread', ident, nativeId, false, 0];
  }
  return knownOrView(main);
}

function knownOrView(row: [number, string, number, number, boolean, number]): Thread {
  const t = known.get(row[0])?.deref();
  return t ?? internals.view(row[0], row[1], row[2], row[3], row[4]);
}

/** Python's threading.active_count(): process-wide. */
export function activeCount(): number {
  return native.threadList().length;
}

/** Python's threading.enumerate(): every live thread of the process. */
export function enumerate(): Thread[] {
  return native.threadList().map(knownOrView);
}

/** Python's threading.get_ident(). */
export function getIdent(): number {
  return native.currentIdent()[0];
}
