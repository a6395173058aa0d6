// Port of the seed's Condition example 2: the producer notifies the consumer with notify_all.
import { Condition, Event, Thread } from 'native-threading';

// EXAMPLE_SPEED divides the waits; EXAMPLE_ROUNDS bounds the producer (the seed: 100 rounds)
// and makes the endless consumer a daemon thread, so the program ends with the producer.
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;
const ROUNDS = Number(process.env.EXAMPLE_ROUNDS) || undefined;

const randint = (a: number, b: number): number => a + Math.floor(Math.random() * (b - a + 1));

/**
 * Python's Dispatcher object. Worker threads share no JS objects, so its fields travel to
 * each thread as one argument, `data` living in shared memory (an Int32Array over a
 * SharedArrayBuffer); its methods become exported functions taking it.
 */
export interface Dispatcher {
  data: Int32Array;
  event: Event;
  cond: Condition;
}

function newDispatcher(data = 0): Dispatcher {
  const d = {
    data: new Int32Array(new SharedArrayBuffer(4)),
    event: new Event(),
    cond: new Condition(),
  };
  d.data[0] = data;
  return d;
}

export function produce(d: Dispatcher): void {
  for (let i = 0; i < (ROUNDS ?? 100); i++) {
    const data = randint(1, 100);
    {
      using _held = d.cond.hold(); // with self.cond:
      d.data[0] = data;
      d.cond.notifyAll();
    }
    console.log(`produce ${d.data[0]}`);
    d.event.wait(1000 / SPEED);
  }
}

export function custom(d: Dispatcher): void {
  while (true) {
    {
      using _held = d.cond.hold(); // with self.cond:
      d.cond.wait();
      console.log(`custom ${d.data[0]}`);
    }
    d.event.wait(500 / SPEED);
  }
}

if (require.main === module) {
  const d = newDispatcher();
  const p = new Thread({ target: produce, args: [d] });
  const c = new Thread({ target: custom, args: [d], daemon: ROUNDS !== undefined });

  c.start();
  p.start();
}
