// The tasks of the distributed benchmark group (bench/distributed.mjs): the caller names this
// module in `import` and the workers get it with --import. Importing it does nothing else.
import { existsSync, writeFileSync } from 'node:fs';

/** Does nothing: the cost of a task is all transport. */
export function noop() {
  return null;
}

/** x + 1 */
export function inc(x) {
  return x + 1;
}

/** `rounds` rounds of arithmetic: a fixed amount of CPU work (the benchmark sizes it to 10 ms
 * on one CPU; a clock-bound loop would finish early on a CPU shared with other processes). */
export function spin(rounds) {
  let x = 1;
  for (let i = 0; i < rounds; i++) x = (x * 1103515245 + 12345) % 2147483648;
  return x;
}

/** The first run writes its worker's pid to `file` and sleeps `ms`; a later run (the job again,
 * after its worker died) returns at once. */
export function holdOnce(file, ms) {
  if (existsSync(file)) return 'again';
  writeFileSync(file, String(process.ppid));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return 'first';
}
