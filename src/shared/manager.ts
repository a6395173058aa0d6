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

export class Manager {
  #shutDown = false;

  Queue<T = unknown>(maxsize?: number): Queue<T> {
    this.#checkRunning();
    return new Queue<T>(maxsize);
  }

  JoinableQueue<T = unknown>(maxsize?: number): JoinableQueue<T> {
    this.#checkRunning();
    return new JoinableQueue<T>(maxsize);
  }

  Lock(): Lock {
    this.#checkRunning();
    return new Lock();
  }

  RLock(): RLock {
    this.#checkRunning();
    return new RLock();
  }

  Condition(lock?: Lock | RLock): Condition {
    this.#checkRunning();
    return new Condition(lock);
  }

  Semaphore(value?: number): Semaphore {
    this.#checkRunning();
    return new Semaphore(value);
  }

  BoundedSemaphore(value?: number): BoundedSemaphore {
    this.#checkRunning();
    return new BoundedSemaphore(value);
  }

  Event(): Event {
    this.#checkRunning();
    return new Event();
  }

  Barrier(parties: number, action?: () => void, timeout?: number): Barrier {
    this.#checkRunning();
    return new Barrier(parties, action, timeout);
  }

  /** Python's `manager.Value(typecode, value)`: a `Value` (typed as `new Value()` is). */
  Value(typecode: BigintTypecode, initial?: bigint): Value<bigint>;
  Value(typecode: NumberTypecode, initial?: number): Value<number>;
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

  dict<V = unknown>(init?: SharedDictInit<V>): SharedDict<V> {
    this.#checkRunning();
    return new SharedDict<V>(init);
  }

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
