// Port of the seed's Counter example: a lock released in try/finally and held with `with`
// (here `using ... = lock.hold()`).
import { Lock, Thread, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

/** What a Counter's threads share: the value (worker threads share no JS objects) and the lock. */
export interface CounterState {
  cell: Int32Array; // over a SharedArrayBuffer
  lock: Lock;
}

export class Counter {
  readonly state: CounterState;

  /** A new counter, or (in a thread) the counter whose `state` was passed in `args`. */
  constructor(state?: CounterState) {
    this.state = state ?? { cell: new Int32Array(new SharedArrayBuffer(4)), lock: new Lock() };
  }

  get c(): number {
    return this.state.cell[0];
  }

  set c(v: number) {
    this.state.cell[0] = v;
  }

  inc(): void {
    try {
      this.state.lock.acquire();
      this.c += 1;
      console.log(`add ${this.c}`);
    } finally {
      this.state.lock.release();
    }
  }

  dec(): void {
    try {
      this.state.lock.acquire();
      this.c -= 1;
      console.log(`sub ${this.c}`);
    } finally {
      this.state.lock.release();
    }
  }

  get value(): number {
    using _held = this.state.lock.hold();
    return this.c;
  }
}

// Python's do(c, count); `do` is a reserved word in JS.
export function doCount(state: CounterState, count = 100): void {
  const c = new Counter(state);
  for (let n = 0; n < count; n++) {
    for (let i = -50; i < 50; i++) {
      if (i < 0) {
        c.dec();
      } else {
        c.inc();
      }
    }
  }
}

if (require.main === module) {
  const c = new Counter();
  const c1 = 10;
  const c2 = 10;
  for (let i = 0; i < c1; i++) {
    new Thread({ target: doCount, args: [c.state, c2] }).start();
  }

  sleep(5000 / SPEED);
  console.log(c.value);
}
