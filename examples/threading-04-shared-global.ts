// Port of the seed's example "threads share global variables" (work1/work2 and count).
import { Thread, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

// Worker threads do not share JS globals, so Python's global `count` is an
// Int32Array over a SharedArrayBuffer, passed to each thread in `args`.
export function work1(count: Int32Array): void {
  for (let i = 0; i < 3; i++) {
    count[0] += 1;
  }
  console.log(`----in work1, g_num is ${count[0]}---`);
}

export function work2(count: Int32Array): void {
  console.log(`----in work2, g_num is ${count[0]}---`);
}

if (require.main === module) {
  const count = new Int32Array(new SharedArrayBuffer(4));
  count[0] = 100;

  console.log(`---线程创建之前g_num is ${count[0]}---`);

  const t1 = new Thread({ target: work1, args: [count] });
  t1.start();

  // wait a moment so that t1 has done its work
  sleep(1000 / SPEED);

  const t2 = new Thread({ target: work2, args: [count] });
  t2.start();
}
