// Port of the seed's "6.进程间进程的通信" example: tasks of a Pool talk through a
// Manager().Queue(), passed to them as an argument.
import { Manager, Pool, Queue, sleep } from 'native-threading';

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
  const q = new Manager().Queue<number>();
  const po = new Pool();
  po.applyAsync(worker, [q]);
  sleep(1000 / SPEED); // 先让上面的任务向Queue存入数据，然后再让下面的任务开始从中取数据
  po.applyAsync(boss, [q]);

  po.close();
  po.join();
}
