// Python's multiprocessing.Manager(). Every object of this package already lives in shared
// memory and works across threads and processes, so a Manager needs no server process: its
// factories construct the ordinary classes (validating their arguments as the constructors do),
// plus the SharedDict and SharedList that Python's managers are mostly used for.
import { Barrier } from '../sync/barrier';
import { Condition } from '../sync/condition';
import { coded } from '../runtime/errors';
import { Event } from '../sync/event';
import { Lock } from '../sync/lock';
import { JoinableQueue, Queue } from './queue';
import { RLock } from '../sync/rlock';
import { BoundedSemaphore, Semaphore } from '../sync/semaphore';
import { SharedArray } from './shared-array';
import { SharedDict, SharedDictInit } from './shared-dict';
import { SharedList } from './shared-list';
import type { BigintTypecode, NumberTypecode, Typecode } from './typecode';
import { Value } from './value';

/**
 * Python's `multiprocessing.Manager()`. Every object here already lives in shared memory, so a
 * Manager needs no server process: its factories make the ordinary classes (checking arguments as
 * their constructors do), plus SharedDict and SharedList. After `shutdown()` they throw
 * `ERR_MANAGER_SHUTDOWN`; objects already made stay usable.
 * @example
 * using manager = new Manager();
 * const d = manager.dict<number>();
 * const lock = manager.Lock();
 */
export class Manager {
  #shutDown = false;

  /** Python's `manager.Queue(maxsize)`: `new Queue(maxsize)`. `ERR_MANAGER_SHUTDOWN` after shutdown(). */
  Queue<T = unknown>(maxsize?: number): Queue<T> {
    this.#checkRunning();
    return new Queue<T>(maxsize);
  }

  /** Python's `manager.JoinableQueue(maxsize)`: `new JoinableQueue(maxsize)`. */
  JoinableQueue<T = unknown>(maxsize?: number): JoinableQueue<T> {
    this.#checkRunning();
    return new JoinableQueue<T>(maxsize);
  }

  /** Python's `manager.Lock()`: `new Lock()`. */
  Lock(): Lock {
    this.#checkRunning();
    return new Lock();
  }

  /** Python's `manager.RLock()`: `new RLock()`. */
  RLock(): RLock {
    this.#checkRunning();
    return new RLock();
  }

  /** Python's `manager.Condition(lock)`: `new Condition(lock)`. */
  Condition(lock?: Lock | RLock): Condition {
    this.#checkRunning();
    return new Condition(lock);
  }

  /** Python's `manager.Semaphore(value)`: `new Semaphore(value)`. */
  Semaphore(value?: number): Semaphore {
    this.#checkRunning();
    return new Semaphore(value);
  }

  /** Python's `manager.BoundedSemaphore(value)`: `new BoundedSemaphore(value)`. */
  BoundedSemaphore(value?: number): BoundedSemaphore {
    this.#checkRunning();
    return new BoundedSemaphore(value);
  }

  /** Python's `manager.Event()`: `new Event()`. */
  Event(): Event {
    this.#checkRunning();
    return new Event();
  }

  /** Python's `manager.Barrier(parties, action, timeout)`: `new Barrier(parties, action, timeout)`. */
  Barrier(parties: number, action?: () => void, timeout?: number): Barrier {
    this.#checkRunning();
    return new Barrier(parties, action, timeout);
  }

  /** Python's `manager.Value(typecode, value)`: a `Value` (typed as `new Value()` is). */
  Value(typecode: BigintTypecode, initial?: bigint): Value<bigint>;
  /** `manager.Value('i', 5)`: a `Value<number>`. */
  Value(typecode: NumberTypecode, initial?: number): Value<number>;
  /** A typecode known only at run time: a `Value<number | bigint>`. */
  Value<C extends Typecode>(typecode: C & (Typecode extends C ? unknown : never), initial?: number | bigint): Value<number | bigint>;
  Value(typecode: Typecode, initial?: number | bigint): Value<number | bigint> {
    this.#checkRunning();
    return new Value(typecode, initial);
  }

  /** Python's `manager.Array(typecode, sequence)`: a `SharedArray` of that typecode. */
  Array<C extends Typecode>(typecode: C, sizeOrInit: number | ArrayLike<number | bigint> | Iterable<number | bigint>): SharedArray<C> {
    this.#checkRunning();
    return new SharedArray(typecode, sizeOrInit);
  }

  /** Python's `manager.dict(init)`: `new SharedDict(init)`. */
  dict<V = unknown>(init?: SharedDictInit<V>): SharedDict<V> {
    this.#checkRunning();
    return new SharedDict<V>(init);
  }

  /** Python's `manager.list(init)`: `new SharedList(init)`. */
  list<V = unknown>(init?: Iterable<V>): SharedList<V> {
    this.#checkRunning();
    return new SharedList<V>(init);
  }

  /**
   * Further factory calls throw ERR_MANAGER_SHUTDOWN; a second call does nothing. Unlike Python,
   * where proxies stop working once the manager's server process ends, the objects already
   * made stay usable: they live in shared memory as long as anyone holds them.
   */
  shutdown(): void {
    this.#shutDown = true;
  }

  /** `using m = new Manager();` shuts it down at the end of the block (Python's `with`). */
  [Symbol.dispose](): void {
    this.shutdown();
  }

  #checkRunning(): void {
    if (this.#shutDown) throw coded(Error, 'ERR_MANAGER_SHUTDOWN', 'the Manager has been shut down: it makes no more objects');
  }
}
