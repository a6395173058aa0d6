// Python's multiprocessing.Process: a real child process (its own pid and globals) running an
// exported target. The child maps the parent's shared arena (so primitives passed as
// arguments are the same primitives) and dies with its parent, however the parent ends.
import { ChildProcess, spawn } from 'node:child_process';
import { constants, cpus } from 'node:os';
import { join as joinPath } from 'node:path';
import { serialize } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { coded, invalidArgType } from '../runtime/errors';
import { native } from '../runtime/native';
import { EmptyError, Queue } from '../shared/queue';
import { assertNoSharedMemory } from '../runtime/serialize';
import { sleep } from '../sync/sleep';
import { ExportRef, locate } from '../targets/locate';
import { assertNotImportingTarget } from '../targets/load';
import { childExecArgv } from './exec-argv';
import { errorFromRecord, type ErrorRecord } from '../runtime/error-record';
import { checkOptions, runTarget, TargetOptions } from '../targets/options';
import { timeoutMs } from '../runtime/validate';

/** The options of `new Process()`: `args` follow `target`'s parameters. */
export type ProcessOptions<F extends Function = Function> = TargetOptions<F>;

/** What the child needs to rebuild the Process and run it (see bootstrap.ts). */
export interface ProcessSpec {
  target: ExportRef | null;
  subclass: ExportRef | null;
  fields: Record<string, unknown>;
  name: string;
  daemon: boolean;
  args: unknown[];
  kwargs: Record<string, unknown> | undefined;
  identity: number[];
  parent: { pid: number; name: string };
  /** The child reports here whether it found its target, before it runs it. */
  ack: Queue<StartAck>;
}

export type StartAck = { ok: true } | { error: ErrorRecord };

/** The environment variable a child reads its start-up data from. */
export const CHILD_ENV = 'NATIVE_THREADING_CHILD';
export interface ChildMeta {
  payload: number[];
  deathFd: number;
}

const BOOTSTRAP = joinPath(__dirname, 'bootstrap.js');

const enum State {
  New,
  Started,
  Closed,
  /** This process, or its parent: read-only. */
  View,
}

interface ProcessInternals {
  view(name: string, pid: number, daemon: boolean): Process;
  /** A Process of class `cls` that takes no number (the child's own, rebuilt from its spec). */
  construct(cls: typeof Process, options: ProcessOptions): Process;
  becomeCurrent(p: Process, identity: number[]): void;
  /** Starts `p` without waiting for the child to confirm its target (a pool's workers, whose
   * target is the package's own); `onExit` runs on this thread when the child has ended. */
  startDetached(p: Process, onExit: () => void): void;
}
/** Assigned by Process's static block (module-private access to its fields). */
export let processInternals: ProcessInternals;
let current: Process | undefined;
let parent: Process | null = null;

/** Python's `_identity`: the main process is (), its children (1,), (2,)..., theirs (1, 1)...
 * The counter is process-wide (native), as Python's is. */
let myIdentity: number[] = [];
/** Set while processInternals.construct() builds a Process that takes no number. */
let unnumbered = false;
/** This thread's children by pid (activeChildren() shows other threads' as views). */
const children = new Map<number, WeakRef<Process>>();
const daemons = new Set<Process>();

/**
 * Python's `multiprocessing.Process`: runs an exported `target` (or the `run()` of an exported
 * subclass) in a child `node` process, with `args` serialized (shared objects arrive working).
 * `start()` returns once the child has found its target; `join()` blocks until it exits.
 * @example
 * // main.mjs
 * export function work(n) {}
 * if (isMainModule(import.meta)) {
 *   const p = new Process({ target: work, args: [1] });
 *   p.start();
 *   p.join();
 *   console.log(p.exitcode); // 0
 * }
 */
export class Process<F extends Function = Function> {
  #target: Function | undefined;
  #args: unknown[];
  #kwargs: Record<string, unknown> | undefined;
  #name: string;
  #daemon: boolean;
  #identity: number[];
  #state = State.New;
  #child: ChildProcess | undefined;
  #pid: number | undefined;
  #pidfd = -1;
  #exitcode: number | null = null;

  /**
   * Python's `Process(target=None, name=None, args=(), kwargs={}, daemon=None)`, as one options
   * object. The target is checked for an export at `start()`.
   * @throws `ERR_INVALID_ARG_TYPE` for options of the wrong type.
   */
  constructor(options: ProcessOptions<F> = {} as ProcessOptions<F>) {
    const { target, name, args, kwargs, daemon } = checkOptions(options);
    this.#target = target;
    this.#args = args;
    this.#kwargs = kwargs;
    // Only a process to start takes a number; a view, or the child's own Process object, is
    // named already (so names count 1, 2, 3 in each process, as Python's do).
    this.#identity = unnumbered ? [] : [...myIdentity, native.processNumber()];
    this.#name = name ?? `${new.target.name === 'Process' ? 'Process' : new.target.name}-${this.#identity.join(':')}`;
    this.#daemon = daemon ?? currentProcess().daemon;
  }

  /** Python's `name`: default `Process-N`. Setting a non-string throws `ERR_INVALID_ARG_TYPE`. */
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    if (typeof value !== 'string') throw invalidArgType('The "name" property must be a string', value);
    this.#name = value;
  }

  /**
   * Python's `daemon`: a daemon child is killed when this process exits. Default: this process's.
   * Setting it after `start()` throws `ERR_PROCESS_STARTED`; a non-boolean `ERR_INVALID_ARG_TYPE`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (typeof value !== 'boolean') throw invalidArgType('The "daemon" property must be a boolean', value);
    if (this.#state !== State.New) throw coded(Error, 'ERR_PROCESS_STARTED', 'process has already started');
    this.#daemon = value;
  }

  /** Python's `pid`: the child's process id; undefined before `start()`. */
  get pid(): number | undefined {
    return this.#pid;
  }

  /** null while running (or not started); the exit code; -N when ended by signal N. */
  get exitcode(): number | null {
    if (this.#exitcode === null && this.#state === State.Started) this.#exitcode = this.#poll();
    return this.#exitcode;
  }

  #poll(): number | null {
    // Once Node has reaped the child its ChildProcess knows the code; before that the pidfd
    // tells without reaping it (the event loop may be blocked in join()).
    const c = this.#child;
    if (c && (c.exitCode !== null || c.signalCode !== null)) return c.exitCode ?? -signalNumber(c.signalCode);
    return this.#pidfd >= 0 ? native.processExitCode(this.#pidfd) : null;
  }

  /** Starts the child process. A second call throws ERR_PROCESS_STARTED. */
  start(): void {
    this.#awaitAck(this.#start());
  }

  #start(): Queue<StartAck> {
    this.#checkNotClosed();
    if (this.#state !== State.New) throw coded(Error, 'ERR_PROCESS_STARTED', 'cannot start a process twice');
    assertNotImportingTarget('Process');
    const overridesRun = Object.getPrototypeOf(this) !== Process.prototype && this.run !== Process.prototype.run;
    const spec: ProcessSpec = {
      target: this.#target ? locate(this.#target, 'target') : null,
      subclass: overridesRun ? locate(this.constructor, 'Process subclass') : null,
      fields: overridesRun ? ({ ...this } as Record<string, unknown>) : {},
      name: this.#name,
      daemon: this.#daemon,
      args: this.#args,
      kwargs: this.#kwargs,
      identity: this.#identity,
      parent: { pid: process.pid, name: currentProcess().name },
      ack: new Queue<StartAck>(1),
    };
    assertNoSharedMemory([spec.args, spec.kwargs, spec.fields], 'a Process argument');
    const payload = native.bytesShare(serialize(spec));
    const [arenaFd, deathFd] = native.processFds();
    const meta: ChildMeta = { payload, deathFd: 4 };
    const child = spawn(process.execPath, [...childExecArgv(process.execArgv), BOOTSTRAP], {
      stdio: ['inherit', 'inherit', 'inherit', arenaFd, deathFd],
      env: { ...process.env, NATIVE_THREADING_ARENA_FD: '3', [CHILD_ENV]: JSON.stringify(meta) },
    });
    if (child.pid === undefined) {
      native.bytesTake(payload);
      throw coded(Error, 'ERR_PROCESS_START', `cannot start process ${this.#name}`);
    }
    this.#child = child;
    this.#pid = child.pid;
    this.#pidfd = native.pidfdOpen(child.pid);
    this.#state = State.Started;
    children.set(child.pid, new WeakRef(this));
    native.childStarted(child.pid, this.#name);
    child.once('exit', () => {
      this.#exitcode ??= this.#poll();
      daemons.delete(this);
    });
    if (this.#daemon) {
      child.unref();
      daemons.add(this);
    }
    return spec.ack;
  }

  /** Blocks until the child has imported its target (so a target it cannot find fails here,
   * at start(), as in Python), or has died trying. */
  #awaitAck(ack: Queue<StartAck>): void {
    for (;;) {
      let reply: StartAck;
      try {
        reply = ack.get(true, 50);
      } catch (e) {
        if (!(e instanceof EmptyError)) throw e;
        if (native.processExitCode(this.#pidfd) !== null) return;
        continue;
      }
      if ('ok' in reply) return;
      this.join();
      const err = errorFromRecord(reply.error);
      // An error without a code of its own says that the start failed.
      if (err instanceof Error && (err as { code?: unknown }).code === undefined) (err as Error & { code: string }).code = 'ERR_PROCESS_START';
      throw err;
    }
  }

  /** Calls the target with args (and kwargs as one last argument). Override in a subclass. */
  run(): unknown {
    return runTarget(this.#target, this.#args, this.#kwargs);
  }

  /** Blocks until the process ends or `timeout` ms pass (check exitcode after). */
  join(timeout?: number): void {
    const t = timeoutMs(timeout);
    this.#checkJoin();
    if (this.#state === State.View) {
      const end = t < 0 ? Infinity : performance.now() + t;
      while (this.isAlive() && performance.now() < end) sleep(Math.min(10, end - performance.now()));
      return;
    }
    if (this.exitcode !== null) return;
    this.#exitcode = native.processWait(this.#pidfd, t) ?? this.#poll();
  }

  /**
   * The Promise form of `join(timeout)`: resolves when the child exits or after `timeout` ms
   * (undefined, null or Infinity: no limit); check `exitcode` after. Rejects with
   * `ERR_PROCESS_NOT_STARTED`, `ERR_PROCESS_JOIN_SELF` or `ERR_PROCESS_CLOSED` as `join()` throws.
   */
  async joinAsync(timeout?: number): Promise<void> {
    const t = timeoutMs(timeout);
    this.#checkJoin();
    const end = t < 0 ? Infinity : performance.now() + t;
    const child = this.#child;
    if (this.#state === State.View || !child) {
      while (this.isAlive() && performance.now() < end) await new Promise((r) => setTimeout(r, Math.min(10, end - performance.now())));
      return;
    }
    if (this.exitcode !== null) return;
    // A daemon child does not keep this process alive, but a pending join does.
    child.ref();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        child.off('exit', done);
        if (this.#daemon) child.unref();
        resolve();
      };
      const timer = end === Infinity ? undefined : setTimeout(done, end - performance.now());
      child.once('exit', done);
    });
    this.#exitcode ??= this.#poll();
  }

  #checkJoin(): void {
    this.#checkNotClosed();
    if (this.#state === State.New) throw coded(Error, 'ERR_PROCESS_NOT_STARTED', 'can only join a started process');
    if (this.#pid === process.pid) throw coded(Error, 'ERR_PROCESS_JOIN_SELF', 'a process cannot join itself');
  }

  #checkNotClosed(): void {
    if (this.#state === State.Closed) throw coded(Error, 'ERR_PROCESS_CLOSED', 'process object is closed');
  }

  /**
   * Python's `is_alive()`: true from `start()` until the child exits.
   * @throws `ERR_PROCESS_CLOSED` after `close()`.
   */
  isAlive(): boolean {
    this.#checkNotClosed();
    if (this.#state === State.View) {
      if (this.#pid === process.pid) return true;
      try {
        process.kill(this.#pid!, 0);
        return true;
      } catch {
        return false;
      }
    }
    return this.#state === State.Started && this.exitcode === null;
  }

  /** SIGTERM. */
  terminate(): void {
    this.#signal('SIGTERM');
  }

  /** SIGKILL. */
  kill(): void {
    this.#signal('SIGKILL');
  }

  #signal(sig: NodeJS.Signals): void {
    this.#checkNotClosed();
    // Python raises too (its Popen does not exist before start()).
    if (this.#state === State.New) throw coded(Error, 'ERR_PROCESS_NOT_STARTED', 'can only terminate or kill a started process');
    if (this.#state === State.Started && this.exitcode === null) this.#child?.kill(sig);
  }

  /** Releases the process's resources; a running process throws ERR_PROCESS_RUNNING. */
  close(): void {
    if (this.#state === State.Closed) return;
    if (this.#state === State.Started && this.exitcode === null) {
      throw coded(Error, 'ERR_PROCESS_RUNNING', 'cannot close a process while it is still running; join() or terminate() it first');
    }
    if (this.#pidfd >= 0) native.closeFd(this.#pidfd);
    this.#pidfd = -1;
    this.#state = State.Closed;
  }

  /** Python's `repr()`: `<Process name='...' started daemon>`, `stopped exitcode=N`, ... */
  toString(): string {
    const status =
      this.#state === State.New ? 'initial' : this.#state === State.Closed ? 'closed' : this.exitcode === null ? 'started' : `stopped exitcode=${this.#exitcode}`;
    return `<${this.constructor.name} name='${this.#name}' ${status}${this.#daemon ? ' daemon' : ''}>`;
  }

  static {
    processInternals = {
      view(name, pid, daemon) {
        const p = processInternals.construct(Process, { name, daemon });
        p.#state = State.View;
        p.#pid = pid;
        return p;
      },
      construct(cls, options) {
        unnumbered = true;
        try {
          return Reflect.construct(Process, [options], cls) as Process;
        } finally {
          unnumbered = false;
        }
      },
      becomeCurrent(p, identity) {
        p.#state = State.View;
        p.#pid = process.pid;
        myIdentity = identity;
        current = p;
      },
      startDetached(p, onExit) {
        p.#start();
        p.#child!.once('exit', onExit);
      },
    };
  }
}


/** Set by the child's bootstrap. */
export function setParentProcess(p: Process): void {
  parent = p;
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? (constants.signals[sig] ?? 0) : 0;
}

/** Python's multiprocessing.current_process(): 'MainProcess' in the parent. */
export function currentProcess(): Process {
  current ??= processInternals.view('MainProcess', process.pid, false);
  return current;
}

/** Python's multiprocessing.parent_process(): null in the main process. */
export function parentProcess(): Process | null {
  return parent;
}

/** Python's multiprocessing.active_children(): live children started by this process (by any
 * of its threads; those of other threads appear as read-only views). */
export function activeChildren(): Process[] {
  return native.liveChildren().map(([pid, name]) => {
    const own = children.get(pid)?.deref();
    if (own) return own;
    children.delete(pid);
    return processInternals.view(name, pid, false);
  });
}

/** Python's multiprocessing.cpu_count(). */
export function cpuCount(): number {
  return cpus().length || 1;
}

// Daemon children end with their parent (non-daemon ones keep it alive until they end).
// (A worker thread's 'exit' is the thread's: only the main thread speaks for the process.)
process.on('exit', () => {
  if (!isMainThread) return;
  native.releaseProcessSlot();
  for (const p of daemons) {
    try {
      p.terminate();
    } catch {
      // already gone
    }
  }
});
