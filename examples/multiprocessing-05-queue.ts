// Port of the seed's "4. 进程间通信" example: a worker process puts ten random numbers into a
// Queue(5), a boss process gets them.
import { Process, Queue, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

/** Python's random.randint(a, b): a <= n <= b. */
const randint = (a: number, b: number): number => a + Math.floor(Math.random() * (b - a + 1));

/** 完成文件 */
export function worker(q: Queue<number>): void {
  for (let i = 0; i < 10; i++) {
    const fileNum = randint(1, 100);
    console.log(`已完成工作${fileNum}...`);
    q.put(fileNum);
    sleep(1000 / SPEED);
  }
}

/** 查看文件 */
export function boss(q: Queue<number>): void {
  while (true) {
    if (!q.empty()) {
      const fileNum = q.get(true);
      console.log(`已查看工作${fileNum}...`);
      sleep(1000 / SPEED);
    } else {
      break;
    }
  }
}

if (require.main === module) {
  // 创建Queue，并传给各个子进程：
  const q = new Queue<number>(5);
  const pw = new Process({ target: worker, args: [q] });
  const pb = new Process({ target: boss, args: [q] });
  pw.start();
  // pw.join()
  // The boss stops as soon as it finds the queue empty, so it must start after the worker and
  // stay behind it. The seed starts it right after the worker and leaves that to chance: a boss
  // that looks before the worker's next put quits, and the worker then blocks for ever on the
  // full queue (10 items, room for 5). As the seed's Pool version of this example does
  // (time.sleep(1): "先让上面的任务向Queue存入数据，然后再让下面的任务开始从中取数据"), the boss
  // starts one period after the worker: it then looks at the queue about one period after each
  // put, finds every item there, and finds the queue empty only after the last one.
  sleep(1000 / SPEED);
  pb.start();
  // pb.join()
}
