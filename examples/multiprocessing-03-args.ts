// Port of the seed's multiprocessing example 3: passing args and kwargs to the child's target.
import { Process, sleep } from 'native-threading';

// EXAMPLE_SPEED divides the sleeps; EXAMPLE_ROUNDS bounds the seed's endless loops (the
// child inherits the environment, so it bounds the child's loop as well).
const SPEED = Number(process.env.EXAMPLE_SPEED) || 1;
const ROUNDS = Number(process.env.EXAMPLE_ROUNDS) || Infinity;

/**
 * Python: `def run_process(course, teacher, *args, **kwargs)`, called with args=('语文',) and
 * kwargs={'teacher': '张三'}. JavaScript has no keyword arguments: the target gets `...args`
 * and then kwargs as one last argument, so `teacher` is taken out of it by name, as Python
 * binds it, and the rest of the kwargs stays in `kwargs` (Python's `**kwargs`). No further
 * positional arguments are passed (Python's `*args` would be empty).
 */
export function runProcess(course: string, { teacher, ...kwargs }: { teacher: string; [name: string]: unknown }): void {
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`子进程----pid:${process.pid}----${teacher}上${course}课`);
    console.log();
    sleep(1000 / SPEED);
  }
}

if (require.main === module) {
  const p = new Process({ target: runProcess, args: ['语文'], kwargs: { teacher: '张三' } });
  p.start();
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`主进程----pid:${process.pid}----${'李四'}上${'数学'}课`);
    sleep(1000 / SPEED);
  }
}
