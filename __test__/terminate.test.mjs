// worker.terminate() ends a worker blocked in a native wait; the process then exits normally.
import test from 'ava';
import { HELPERS, lastJson, runNode } from './helpers/util.mjs';

test('a worker blocked in acquire()/wait() without a timeout is ended by terminate() within 500 ms; the process then exits by itself', async (t) => {
  const r = await runNode([`${HELPERS}terminate.mjs`], { timeout: 30_000 });
  t.false(r.killed, `the child did not end by itself within 30 s\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  t.is(r.code, 0, `exit code\nstderr:\n${r.stderr}`);
  t.is(r.signal, null);
  const summary = lastJson(r.stdout);
  t.truthy(summary?.summary, `no summary line:\n${r.stdout}\n${r.stderr}`);
  if (!summary?.summary) return;
  t.is(summary.results.length, 8, JSON.stringify(summary.results));
  for (const c of summary.results) {
    t.falsy(c.error, `${c.name}: ${c.error}`);
    t.true(c.blocked, `${c.name}: the worker was blocked before terminate()`);
    t.is(c.returned, 0, `${c.name}: the blocking call never returned normally`);
    t.true(c.ms < 500, `${c.name}: terminate() took ${c.ms} ms`);
    t.is(c.exitCode, 1, `${c.name}: terminate() resolves with exit code 1`);
  }
  const a = summary.after;
  t.true(a.lockStillHeld, 'the Lock is still held by the main thread');
  t.true(a.rlockStillMine, 'the RLock is still owned by the main thread');
  t.true(a.lockFreeAfterRelease, 'the terminated waiters did not take the Lock later');
  t.true(a.semaphoreUnitNotTaken, 'a terminated waiter does not consume a later release');
  t.true(a.conditionLockFree, "a waiter terminated in Condition.wait() does not hold the condition's lock");
  t.true(a.eventNotSet);
  t.log(`barrier after a terminated waiter: ${JSON.stringify(a.barrier)}; child ran ${r.ms.toFixed(0)} ms`);
});
