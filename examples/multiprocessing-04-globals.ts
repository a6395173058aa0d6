// Port of the seed's multiprocessing example 4: processes do not share global variables. Each
// child has its own copy of the module-level list and counter: one pops, the other appends,
// and neither sees the other's change.
import { Process, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

const numList = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10];
let i = 3;

/** Python's print(num_list). */
const show = (list: number[]): string => `[${list.join(', ')}]`;

export function runProcess1(): void {
  while (i) {
    console.log(`子进程----pid:${process.pid}----`);
    numList.pop();
    console.log(show(numList));
    i = i - 1;
    sleep(1000 / SPEED);
  }
}

export function runProcess2(): void {
  while (i) {
    console.log(`子进程----pid:${process.pid}----`);
    numList.push(i + 1);
    console.log(show(numList));
    i = i - 1;
    sleep(1000 / SPEED);
  }
}

if (require.main === module) {
  let p = new Process({ target: runProcess1 });
  p.start();

  p = new Process({ target: runProcess2 });
  p.start();
}
