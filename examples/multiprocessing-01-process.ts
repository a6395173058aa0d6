// Port of the seed's multiprocessing example 1: a Process with a target; parent and child each
// print forever, once a second.
import { Process, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps; EXAMPLE_ROUNDS bounds the seed's endless loops (the
// child inherits the environment, so it bounds the child's loop as well).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;
const ROUNDS = Number(process.env.EXAMPLE_ROUNDS) || Infinity;

// Process targets are exported: the child process imports this module to find them.
export function runProcess(): void {
  for (let round = 0; round < ROUNDS; round++) {
    // Python: while True
    console.log('子进程----2----');
    sleep(1000 / SPEED);
  }
}

// Python's `if __name__=='__main__':` (the child imports this module too).
if (require.main === module) {
  const p = new Process({ target: runProcess }); // target: the function the child runs
  p.start();
  for (let round = 0; round < ROUNDS; round++) {
    console.log('主进程----1----');
    sleep(1000 / SPEED);
  }
}
