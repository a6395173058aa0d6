// Watchdog for bench/run.mjs. It runs in its own worker thread, so it still
// works while the main thread is blocked inside a native call (where no timer
// of the main thread can fire). The main thread posts { phase, limitMs } when
// it enters a phase; if a phase lasts longer than its limit, the watchdog
// reports the hang on stderr (synchronously, by fd) and kills the process:
// threads stuck in a native futex wait cannot be terminated any other way.
import { parentPort } from 'node:worker_threads';
import { writeSync } from 'node:fs';

let timer = null;
parentPort.on('message', ({ phase, limitMs }) => {
  clearTimeout(timer);
  if (phase == null) return;
  const started = Date.now();
  timer = setTimeout(() => {
    writeSync(2, `\nbench watchdog: phase "${phase}" still running after ${Math.round((Date.now() - started) / 1000)} s ` +
      `(limit ${limitMs / 1000} s): a thread is probably blocked forever. Killing the benchmark process.\n`);
    process.kill(process.pid, 'SIGKILL');
  }, limitMs);
});
