// Port of the seed's threading example 1: starting a threading.Thread.
import { Thread, getIdent, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

// Thread targets are exported: the worker thread imports this module to find them.
export function worker(): void {
  for (let i = 0; i < 10; i++) {
    sleep(500 / SPEED);
    console.log('start');
    console.log(getIdent()); // the current thread's id
    console.log('Thread over');
  }
}

// Python runs this at top level; here it is guarded, since each worker imports this module.
if (require.main === module) {
  const t = new Thread({ target: worker });
  t.start();
}
