// Port of the seed's multiprocessing example 2: parent and child print their own pid.
import { Process, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps; EXAMPLE_ROUNDS bounds the seed's endless loops (the
// child inherits the environment, so it bounds the child's loop as well).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;
const ROUNDS = Number(process.env.EXAMPLE_ROUNDS) || Infinity;

export function runProcess(): void {
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`子进程----pid:${process.pid}----`); // Python: os.getpid()
    console.log(); // Python: print()
    sleep(1000 / SPEED);
  }
}

if (require.main === module) {
  const p = new Process({ target: runProcess });
  p.start();
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`主进程----pid:${process.pid}----`);
    sleep(1000 / SPEED);
  }
}
