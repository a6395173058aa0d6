// Port of the seed's Barrier example: Barrier(3) and five threads; three pass, two wait.
import { Barrier, BrokenBarrierError, Thread, currentThread, getIdent, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleep (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

// The seed's logging format: '%(thread)d %(threadName)s %(message)s'.
const log = (message: string): void =>
  console.log(`${getIdent()} ${currentThread().name} ${message}`);

export function worker(barrier: Barrier): void {
  log(`n_waiting=${barrier.nWaiting}`);
  try {
    const bid = barrier.wait();
    log(`after barrier ${bid}`);
  } catch (e) {
    if (!(e instanceof BrokenBarrierError)) throw e;
    log(`Broken Barrier in ${currentThread().name}`);
  }
}

if (require.main === module) {
  const barrier = new Barrier(3);

  for (let i = 0; i < 5; i++) { // change the number and see what happens
    new Thread({ target: worker, args: [barrier] }).start();
  }

  // In the seed the last two threads wait forever. So that the program ends, the port
  // aborts the barrier after a while: they get BrokenBarrierError.
  sleep(2000 / SPEED);
  barrier.abort();
}
