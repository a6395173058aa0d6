// Port of the seed's MyThread example: a Thread subclass overriding run() and start().
import { Thread, currentThread, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

// Exported, so the worker can rebuild it and call its run(); start() runs in the caller.
export class MyThread extends Thread {
  override run() {
    console.log('run');
    return super.run();
  }

  override start() {
    console.log('start');
    super.start();
  }
}

export function worker1(): void {
  for (let i = 0; i < 5; i++) {
    sleep(500 / SPEED);
    console.log(`线程:${currentThread().name}-woring`);
    console.log('Thread over');
  }
}

if (require.main === module) {
  const t = new MyThread({ target: worker1, name: 'w' });
  t.start();
}
