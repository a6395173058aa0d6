// Python's `with lock:` for every lock-like class: `using _ = x.hold()` and `x.withLock(fn)`.
import { invalidArgType } from '../runtime/errors';

export interface Acquirable {
  acquire(): boolean;
  release(): void;
}

/** What hold() returns: releases once when disposed. A class (not a closure) keeps it cheap. */
class Held implements Disposable {
  #lock: Acquirable | undefined;
  constructor(lock: Acquirable) {
    this.#lock = lock;
  }
  [Symbol.dispose](): void {
    const lock = this.#lock;
    if (lock !== undefined) {
      this.#lock = undefined;
      lock.release();
    }
  }
}

export function hold(x: Acquirable): Disposable {
  x.acquire();
  return new Held(x);
}

export function withLock<T>(x: Acquirable, fn: () => T): T {
  if (typeof fn !== 'function') throw invalidArgType('The "fn" argument must be a function', fn);
  x.acquire();
  try {
    return fn();
  } finally {
    x.release();
  }
}
