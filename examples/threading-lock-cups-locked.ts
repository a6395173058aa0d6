// Port of the seed's Lock example with lock.acquire()/lock.release(): the ten threads make
// exactly `task` cups.
import { Lock, Thread, currentThread } from 'native-threading';

// As in threading-lock-cups-unlocked: Python's global list `cups` is reduced to its length,
// shared memory passed in `args`, and list.append is Atomics.add. The lock travels in `args`
// too and arrives in each thread as a working Lock.
export function worker(cups: Int32Array, lock: Lock, task = 100): void {
  let count = 0;
  while (true) {
    lock.acquire(); // lock
    count = cups[0];

    console.log(count);
    if (count >= task) {
      lock.release(); // remember to release the lock when leaving the loop
      break;
    }

    Atomics.add(cups, 0, 1); // cups.append(1)
    lock.release(); // release the lock
    console.log(currentThread().name);
  }
  console.log(`I finished ${count} cups`);
}

// The seed's task is 100; EXAMPLE_TASK changes it (see threading-lock-cups-unlocked).
const TASK = Number(process.env.EXAMPLE_TASK) || 100;

if (require.main === module) {
  const cups = new Int32Array(new SharedArrayBuffer(4));
  const lock = new Lock(); // one lock for all threads
  for (let x = 0; x < 10; x++) {
    new Thread({ target: worker, args: [cups, lock, TASK] }).start();
  }
}
