// Port of the seed's "5.进程池" example: ten tasks on a Pool of five processes, submitted with
// applyAsync; the pool is closed and joined after the main program's own ten seconds.
import { Pool, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps (the tests run the example faster).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;

export function worker(msg: number): void {
  const tStart = Date.now();
  console.log(`start pro ${msg},pid为${process.pid}`);
  // Math.random(): a float in [0, 1), as Python's random.random()
  sleep((Math.random() * 2 * 1000) / SPEED);
  const tStop = Date.now();
  console.log(msg, `执行完毕，耗时${((tStop - tStart) / 1000).toFixed(2)}`);
}

if (require.main === module) {
  // 定义一个进程池，最大进程数5
  const po = new Pool(5);
  for (let i = 0; i < 10; i++) {
    // po.applyAsync(要调用的目标, [传递给目标的参数])
    // 每次循环将会用空闲出来的子进程去调用目标
    po.applyAsync(worker, [i]);
  }
  console.log('----start----');
  sleep(10_000 / SPEED);
  po.close(); // 关闭进程池，关闭后po不再接收新的请求
  po.join(); // 等待po中所有子进程执行完成，必须放在close语句之后
  console.log('-----end-----');
}
