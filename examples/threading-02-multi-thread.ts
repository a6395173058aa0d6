// Port of the seed's threading example 2: five threads running finish_working.
import { Thread, currentThread, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

export function finishWorking(): void {
  for (let i = 0; i < 5; i++) {
    const me = currentThread();
    console.log(`线程:${me.name} --完成工作加${i}`);
    console.log(me.name, me.ident); // Python prints the Thread object
    sleep(1000 / SPEED);
  }
}

if (require.main === module) {
  for (let i = 0; i < 5; i++) {
    const t = new Thread({ target: finishWorking, name: String(i) });
    t.start(); // start the thread, i.e. let it begin running
  }
}
