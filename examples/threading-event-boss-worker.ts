// Port of the seed's Event example: the boss waits until the worker has made its cups.
import { Event, Thread, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

/** Waits for the worker to finish all its tasks, then comments. */
export function boss(event: Event): void {
  console.log("I'm boss, waiting for u.");
  event.wait();
  console.log('good job');
}

export function worker(event: Event, count = 10): void {
  console.log('I am working for u');
  const cups: number[] = [];
  while (true) {
    console.log('make 1');
    sleep(500 / SPEED);
    cups.push(1);
    if (cups.length >= count) {
      event.set();
      break;
    }
    console.log(`I finished my job. cups=[${cups.join(', ')}]`);
  }
}

if (require.main === module) {
  const event = new Event();
  const w = new Thread({ target: worker, args: [event] });
  const b = new Thread({ target: boss, args: [event] });
  w.start();
  sleep(1000 / SPEED);
  b.start();
}
