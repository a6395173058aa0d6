// Port of the seed's Lock example without a lock: ten threads make cups until there are
// `task` of them, and end up making more than `task`.
import { Thread, currentThread } from 'native-threading';

// Worker threads do not share JS globals, so Python's global list `cups` is reduced to its
// length, an Int32Array over a SharedArrayBuffer passed in `args`. Python's list.append is
// atomic, hence Atomics.add; the race is the seed's: other threads append between a thread's
// len(cups) and its own append.
export function worker(cups: Int32Array, task = 100): void {
  let count = 0;
  while (true) {
    count = cups[0]; // len(cups)
    console.log(count);
    if (count >= task) {
      break;
    }
    Atomics.add(cups, 0, 1); // cups.append(1)
    console.log(currentThread().name);
  }
  console.log(`I finished ${count} cups`);
}

// The seed's task is 100. A worker thread takes far longer to start than a Python thread, so
// the first one may make all 100 cups before the next one runs: EXAMPLE_TASK raises the task.
const TASK = Number(process.env.EXAMPLE_TASK) || 100;

if (require.main === module) {
  const cups = new Int32Array(new SharedArrayBuffer(4));
  for (let x = 0; x < 10; x++) {
    new Thread({ target: worker, args: [cups, TASK] }).start();
  }
}
