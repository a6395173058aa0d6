// Python's `with lock:` for every lock-like class: `using _ = x.hold()` and `x.withLock(fn)`.

export interface Acquirable {
  acquire(): boolean;
  release(): void;
}

export function hold(x: Acquirable): Disposable {
  x.acquire();
  let held = true;
  return {
    [Symbol.dispose]: () => {
      if (held) {
        held = false;
        x.release();
      }
    },
  };
}

export function withLock<T>(x: Acquirable, fn: () => T): T {
  x.acquire();
  try {
    return fn();
  } finally {
    x.release();
  }
}
