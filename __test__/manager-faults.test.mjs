// A SharedDict or SharedList whose caller dies in the middle of a call (README "Manager,
// SharedDict and SharedList": the call in flight may be lost, every entry committed before
// survives, later calls work). A child process is SIGKILLed, or a worker thread terminated, at
// random moments of tight set/append loops; then every call works again at once and the contents
// are exactly what the calls that returned wrote, plus at most the one in flight. The checks run
// in a worker thread first, bounded in time, so that a hang fails the trial instead of blocking
// this process.
import ava from 'ava';
import { createRequire } from 'node:module';
import { DIST, nt, since, startChild, startWorker, until, within } from './helpers/util.mjs';
import { seeded } from './helpers/seeded-random.mjs';
import * as T from './fixtures/manager-targets.mjs';

const test = ava.serial;
const { Event, SharedDict, SharedList, SharedArray } = nt;
const { native, memory, wordOf } = createRequire(import.meta.url)(DIST.replace(/index\.js$/, 'src/runtime/native.js'));
const { Holder: HOLDER, Waiters: WAITERS } = native.layout().StateCellWord;

const TRIALS = 30;
/** A trial's calls after the death, all of them together (the takeover waits one 50 ms slice). */
const CHECK_MS = 3000;

/** A word of a dict's or list's state cell. Reading the descriptor leases the cell, which then
 * stays allocated until this process ends. */
const cellWord = (sharedObject, word) => memory[wordOf(sharedObject.__nativeThreading.d[0]) + word];
/** The agent id of the thread in a call on it, 0 when none is. */
const holderOf = (sharedObject) => cellWord(sharedObject, HOLDER);

/** A worker that, for each `{ d, l }` posted, makes every kind of call on that dict and list and
 * posts what it saw. */
function startChecker(t) {
  return startWorker(
    t,
    `for (;;) {
       const { d, l } = await nextMessage();
       const t0 = performance.now();
       const dict = nt.SharedDict.from(d);
       const list = nt.SharedList.from(l);
       const seen = { keys: dict.keys(), entries: dict.entries(), size: dict.size, items: list.toArray(), length: list.length };
       dict.set('after', 'dict');
       list.append('after');
       const after = [dict.get('after'), dict.has('after'), list.get(-1), list.pop(), dict.delete('after')];
       post({ type: 'checked', seen, after, ms: performance.now() - t0 });
     }`,
  );
}

/** Checks the dict and list of a trial whose writer died after `done` calls of each returned. */
async function checkSurvivors(t, checker, dict, list, done, label) {
  checker.post({ d: dict, l: list });
  const { seen, after, ms } = await checker.next('checked', CHECK_MS);
  const m = seen.size;
  const ok =
    (m === done[0] || m === done[0] + 1) &&
    seen.keys.every((k, i) => k === `k${i}`) &&
    seen.entries.every(([, v], i) => v === i) &&
    (seen.length === done[1] || seen.length === done[1] + 1) &&
    seen.items.every((v, i) => v === i);
  t.true(ok, `${label}: ${done[0]} sets and ${done[1]} appends returned, found ${m} keys and ${seen.length} items: ${JSON.stringify(seen).slice(0, 300)}`);
  t.deepEqual(after, ['dict', true, 'after', 'after', true], `${label}: later calls work`);
  // And in this thread too.
  t.deepEqual([dict.size, list.length], [m, seen.length], `${label}: the main thread's calls`);
  return ms;
}

const FIXTURES = new URL('./fixtures/manager-targets.mjs', import.meta.url).href;

/** Runs `T[target](...args)` in a child process or a worker thread (`kind`), where every arg is
 * a shared object; resolves `stop()`, which SIGKILLs the process or terminates the worker and
 * waits until it has ended. */
function startDoomed(t, kind, target, ...args) {
  if (kind === 'process') {
    const child = startChild(t, 'process', T[target], ...args);
    return async () => {
      child.kill();
      await within(child.joinAsync(), 10_000, 'the killed child to end');
      t.is(child.exitcode, -9, 'killed by SIGKILL');
    };
  }
  const worker = startWorker(
    t,
    `const { ${target} } = await import(${JSON.stringify(FIXTURES)});
     ${target}(...workerData.args.map((a) => nt[a.cls].from(a.shared)));`,
    { args: args.map((a) => ({ cls: a.constructor.name, shared: a })) },
  );
  return () => within(worker.terminate(), 10_000, 'terminate()');
}

const death = (kind) => (kind === 'process' ? 'a child process SIGKILLed' : 'a worker thread terminated');

for (const kind of ['process', 'thread']) {
  test(`SharedDict/SharedList: ${death(kind)} at random moments of set/append loops (${TRIALS} trials): every call that returned survives, later calls work at once`, async (t) => {
    const seed = Date.now() >>> 0;
    t.log(`seed ${seed}`);
    const { random } = seeded(seed);
    const checker = startChecker(t);
    let held = 0;
    let slowest = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const dict = new SharedDict();
      const list = new SharedList();
      const counts = new SharedArray('i', 2);
      const done = counts.view;
      const stop = startDoomed(t, kind, 'setAndAppendUntilKilled', dict, list, counts);
      const calls = 1 + Math.floor(random() * 200);
      await until(() => done[1] >= calls, 20_000, `trial ${trial}: ${calls} calls of the writer`);
      await stop();
      if (holderOf(dict) !== 0 || holderOf(list) !== 0) held++;
      slowest = Math.max(slowest, await checkSurvivors(t, checker, dict, list, [done[0], done[1]], `trial ${trial}`));
    }
    t.log(`${held}/${TRIALS} deaths landed inside a call; the slowest check took ${slowest.toFixed(0)} ms`);
    t.true(held >= TRIALS / 4, `deaths land inside calls (${held}/${TRIALS}): otherwise this test tests nothing`);
  });
}

for (const kind of ['process', 'thread']) {
  test(`SharedDict: ${death(kind)} inside a call, while another thread waits for the dict: the waiter gets in at once, the dict is as before that call`, async (t) => {
    const dict = new SharedDict({ before: 1 });
    const list = new SharedList(['before']);
    const holding = new Event();
    const stop = startDoomed(t, kind, 'holdStateUntilKilled', dict, holding);
    t.true(await holding.waitAsync(20_000), 'the holder is inside its call');
    t.not(holderOf(dict), 0, 'and holds the state');
    const checker = startChecker(t);
    checker.post({ d: dict, l: list });
    await until(() => cellWord(dict, WAITERS) === 1, 10_000, 'the checker to wait for the dict');
    const killedAt = performance.now();
    await stop();
    const { seen, after } = await checker.next('checked', CHECK_MS);
    t.log(`the waiter got in ${since(killedAt).toFixed(0)} ms after the holder's death`);
    t.deepEqual(seen.entries, [['before', 1]], 'the call in flight is lost, the rest is there');
    t.deepEqual(after, ['dict', true, 'after', 'after', true], 'later calls work');
    t.is(holderOf(dict), 0, 'nobody holds the dict');
  });
}
