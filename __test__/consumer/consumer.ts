// A project's TypeScript (CommonJS) module against the installed package's types:
// scripts/consumer-test.mjs type-checks it with `tsc --noEmit --strict`. Each @ts-expect-error
// line must be an error, so the types are precise, not `any`.
import {
  Lock,
  Pool,
  Process,
  Queue,
  RLock,
  Thread,
  type ProcessOptions,
  type ThreadOptions,
} from 'native-threading';

/** Adds 1 to counter[0], `n` times, holding the lock (Python: `with lock:`). */
export function addMany(lock: Lock, counter: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    using _ = lock.hold();
    counter[0] = counter[0] + 1;
  }
}

export function produce(q: Queue<number>, n: number): void {
  for (let i = 1; i <= n; i++) q.put(i * 10);
}

export function square(x: number): number {
  return x * x;
}

export async function main(): Promise<void> {
  const lock = new Lock();
  const rlock = new RLock();
  {
    using _outer = rlock.hold();
    using _inner = rlock.hold();
  }
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const options: ThreadOptions = { target: addMany, args: [lock, counter, 100], name: 'adder', daemon: false };
  const threads: Thread[] = [new Thread(options), new Thread({ target: addMany, args: [lock, counter, 100] })];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join(5_000));
  const alive: boolean = threads[0].isAlive();
  const name: string = threads[0].name;
  const ident: number | undefined = threads[0].ident;
  await threads[1].joinAsync();

  const q = new Queue<number>(10);
  const processOptions: ProcessOptions = { target: produce, args: [q, 3] };
  const p = new Process(processOptions);
  p.start();
  const first: number = q.get(true, 20_000);
  const second: number = await q.getAsync();
  p.join();
  const exitcode: number | null = p.exitcode;
  const pid: number | undefined = p.pid;

  const pool = new Pool(2);
  const squares: number[] = pool.map<number>(square, [1, 2, 3]);
  pool.close();
  pool.join();

  const got: boolean = lock.acquire(false);
  lock.release();
  const gotAsync: boolean = await lock.acquireAsync(100, { signal: AbortSignal.timeout(1_000) });
  lock.release();
  const total: number = lock.withLock(() => counter[0]);
  const died: boolean = lock.ownerDied;
  console.log(alive, name, ident, first, second, exitcode, pid, squares, got, gotAsync, total, died);

  // @ts-expect-error: a timeout is a number of milliseconds
  lock.acquire(true, '5');
  // @ts-expect-error: a Queue<number> holds numbers
  q.put('x');
  // @ts-expect-error: Thread options have no `targt`
  new Thread({ targt: addMany });
  // @ts-expect-error: ownerDied is read-only
  lock.ownerDied = true;
  // @ts-expect-error: get() returns the item type
  const wrong: string = q.get();
  void wrong;
}

if (require.main === module) void main();
