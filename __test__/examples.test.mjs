// Runs the compiled TypeScript ports of the seed's threading examples (dist/examples/*.js)
// and checks that each shows what the seed shows.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs one example to its end (killed after `timeout` ms) with fast settings by default:
 * EXAMPLE_SPEED divides the examples' sleeps.
 */
function run(name, env = {}, timeout = 30_000) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`dist/examples/${name}.js`],
      {
        cwd: root,
        env: { ...process.env, EXAMPLE_SPEED: '10', ...env },
        timeout,
        killSignal: 'SIGKILL',
        maxBuffer: 1 << 30,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        resolve({ error, stdout, stderr, lines: stdout.split('\n').filter((l) => l !== '') });
      },
    );
  });
}

/** The example ended by itself, with status 0, within its time. */
function assertEnded(t, r) {
  const why = r.error
    ? `${r.error.killed ? 'killed after the timeout' : `exit code ${r.error.code}, signal ${r.error.signal}`}`
    : '';
  t.is(r.error, null, `${why}\nstderr:\n${r.stderr}\nstdout (end):\n${r.stdout.slice(-2000)}`);
}

/** [...line.match(re)] for the lines that match. */
function matches(lines, re) {
  return lines.map((l) => l.match(re)).filter(Boolean);
}

/** How many times each value occurs. */
function tally(values) {
  const m = new Map();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Every value of `small` occurs in `big` at least as often. */
function isSubMultiset(small, big) {
  const b = tally(big);
  for (const [v, n] of tally(small)) if ((b.get(v) ?? 0) < n) return false;
  return true;
}

/** `sub` appears in `seq` in the same order (not necessarily contiguously). */
function isSubsequence(sub, seq) {
  let i = 0;
  for (const v of seq) if (i < sub.length && sub[i] === v) i++;
  return i === sub.length;
}

test.serial('threading-01-thread-start: the thread prints start, its ident, Thread over, ten times', async (t) => {
  const r = await run('threading-01-thread-start');
  assertEnded(t, r);
  t.is(r.lines.length, 30, r.stdout);
  const ident = r.lines[1];
  t.regex(ident, /^[1-9]\d*$/, 'get_ident() is a positive integer');
  t.deepEqual(r.lines, Array.from({ length: 10 }, () => ['start', ident, 'Thread over']).flat());
});

test.serial('threading-02-multi-thread: five named threads each work five times, each with its own ident', async (t) => {
  const r = await run('threading-02-multi-thread');
  assertEnded(t, r);
  const work = matches(r.lines, /^线程:(.+) --完成工作加(\d+)$/);
  const shown = matches(r.lines, /^(\S+) (\d+)$/);
  t.is(work.length, 25, r.stdout);
  t.is(shown.length, 25, r.stdout);
  t.is(r.lines.length, 50, r.stdout);
  for (const name of ['0', '1', '2', '3', '4']) {
    // Each thread's own lines keep their order: i = 0..4.
    t.deepEqual(work.filter((m) => m[1] === name).map((m) => m[2]), ['0', '1', '2', '3', '4'], `thread ${name}`);
    const idents = new Set(shown.filter((m) => m[1] === name).map((m) => m[2]));
    t.is(idents.size, 1, `thread ${name} always shows one ident`);
  }
  t.is(new Set(shown.map((m) => m[2])).size, 5, 'five threads, five idents');
});

test.serial('threading-03-mythread-subclass: start() prints start, run() (in the thread) prints run, then the target runs', async (t) => {
  const r = await run('threading-03-mythread-subclass');
  assertEnded(t, r);
  t.deepEqual(r.lines, [
    'start',
    'run',
    ...Array.from({ length: 5 }, () => ['线程:w-woring', 'Thread over']).flat(),
  ]);
});

test.serial('threading-04-shared-global: work1 adds 3 to the shared count, work2 sees 103', async (t) => {
  // The seed's own one-second delay between t1 and t2.
  const r = await run('threading-04-shared-global', { EXAMPLE_SPEED: '1' });
  assertEnded(t, r);
  t.deepEqual(r.lines, [
    '---线程创建之前g_num is 100---',
    '----in work1, g_num is 103---',
    '----in work2, g_num is 103---',
  ]);
});

test.serial('threading-event-boss-worker: the boss says good job only after the worker made its 10 cups', async (t) => {
  // The boss starts 1 s after the worker, which needs 5 s for its cups: at the example's own
  // speed that leaves 4 s for the boss thread to start on a busy machine (2 s, at double speed,
  // were not always enough).
  const r = await run('threading-event-boss-worker', { EXAMPLE_SPEED: '1' });
  assertEnded(t, r);
  const L = r.lines;
  const makes = L.flatMap((l, i) => (l === 'make 1' ? [i] : []));
  t.is(makes.length, 10, r.stdout);
  const finished = matches(L, /^I finished my job\. cups=\[(.*)\]$/);
  t.deepEqual(
    finished.map((m) => m[1]),
    Array.from({ length: 9 }, (_, i) => Array(i + 1).fill('1').join(', ')),
  );
  t.is(L.filter((l) => l === "I'm boss, waiting for u.").length, 1);
  t.is(L.filter((l) => l === 'good job').length, 1);
  // The boss was already waiting while the worker still worked, and was let go only after
  // the last cup: 'good job' is the last line.
  t.true(L.indexOf("I'm boss, waiting for u.") < makes[9], r.stdout);
  t.is(L.at(-1), 'good job', r.stdout);
  t.true(L.indexOf('good job') > makes[9]);
});

// A worker thread starts far more slowly than a Python thread, so with the seed's 100 cups the
// first thread may be done before the second starts; this many cups keeps threads overlapping.
const MANY_CUPS = 50_000;

/** Parses a cups example's output: the lengths read, the appending threads, the final counts. */
function parseCups(r) {
  return {
    counts: matches(r.lines, /^(\d+)$/).map((m) => Number(m[1])),
    appenders: new Set(matches(r.lines, /^(Thread-\d+.*)$/).map((m) => m[1])),
    finished: matches(r.lines, /^I finished (\d+) cups$/).map((m) => Number(m[1])),
  };
}

test.serial('threading-lock-cups-unlocked: without a lock, the ten threads make more cups than the task', async (t) => {
  const task = MANY_CUPS;
  const deadline = Date.now() + 40_000;
  const maxima = [];
  // The race needs two threads to read the same length; run again until it shows.
  for (let round = 0; round < 10 && Date.now() < deadline; round++) {
    const r = await run('threading-lock-cups-unlocked', { EXAMPLE_TASK: String(task) });
    assertEnded(t, r);
    const { finished } = parseCups(r);
    t.is(finished.length, 10, 'all ten threads finish');
    t.true(finished.every((n) => n >= task), `${finished}`);
    maxima.push(Math.max(...finished));
    if (maxima.at(-1) > task) break;
  }
  t.log(`cups made in each run (task ${task}): ${maxima.join(', ')}`);
  t.true(maxima.some((n) => n > task), `no run made more than ${task} cups: the threads never raced`);
});

test.serial('threading-lock-cups-unlocked: with the seed\'s task of 100, all threads finish with at least 100 cups', async (t) => {
  const r = await run('threading-lock-cups-unlocked');
  assertEnded(t, r);
  const { finished } = parseCups(r);
  t.is(finished.length, 10);
  t.true(finished.every((n) => n >= 100), `${finished}`);
});

test.serial('threading-lock-cups-locked: with the lock, exactly the task is made, each length read once', async (t) => {
  const task = MANY_CUPS;
  const r = await run('threading-lock-cups-locked', { EXAMPLE_TASK: String(task) });
  assertEnded(t, r);
  const { counts, appenders, finished } = parseCups(r);
  t.deepEqual(finished, Array(10).fill(task), 'every thread finishes at exactly the task');
  // Under the lock each length 0..task-1 is read by exactly one thread (which then appends),
  // and the final length by each of the ten threads as it leaves.
  const seen = tally(counts);
  t.is(seen.get(task), 10);
  t.is(seen.size, task + 1, 'no length above the task, none missing');
  let duplicates = 0;
  for (let n = 0; n < task; n++) if (seen.get(n) !== 1) duplicates++;
  t.is(duplicates, 0, 'lengths read twice or never');
  t.true(appenders.size >= 2, `the threads contended for the lock (appenders: ${[...appenders]})`);
});

test.serial('threading-lock-counter: ten threads inc/dec under the lock; the counter ends at 0', async (t) => {
  // The main thread prints the value after the seed's 5 s (here 2.5 s).
  const r = await run('threading-lock-counter', { EXAMPLE_SPEED: '2' });
  assertEnded(t, r);
  const adds = matches(r.lines, /^add (-?\d+)$/);
  const subs = matches(r.lines, /^sub (-?\d+)$/);
  t.is(adds.length, 10 * 10 * 50);
  t.is(subs.length, 10 * 10 * 50);
  t.deepEqual(matches(r.lines, /^(-?\d+)$/).map((m) => m[1]), ['0'], 'the printed value');
  t.is(r.lines.length, 10 * 10 * 100 + 1);
});

const ROUNDS = 8;

test.serial('threading-condition-01-without-condition: the consumer polls the data the producer writes', async (t) => {
  const r = await run('threading-condition-01-without-condition', { EXAMPLE_SPEED: '5', EXAMPLE_ROUNDS: String(ROUNDS) });
  assertEnded(t, r);
  const produced = matches(r.lines, /^produce--(\d+)$/).map((m) => Number(m[1]));
  const seen = matches(r.lines, /^curstom---(\d+)$/).map((m) => Number(m[1]));
  t.is(produced.length, ROUNDS);
  t.true(produced.every((n) => n >= 1 && n <= 100), `${produced}`);
  t.true(seen.length >= 2, r.stdout);
  t.true(seen.every((n) => n === 0 || produced.includes(n)), `consumer saw ${seen}, producer made ${produced}`);
  t.true(seen.some((n) => n !== 0), 'the consumer sees what the producer wrote');
});

test.serial('threading-condition-02-notify-all: the waiting consumer is woken for each produced value', async (t) => {
  const r = await run('threading-condition-02-notify-all', { EXAMPLE_SPEED: '5', EXAMPLE_ROUNDS: String(ROUNDS) });
  assertEnded(t, r);
  const produced = matches(r.lines, /^produce (\d+)$/).map((m) => Number(m[1]));
  const consumed = matches(r.lines, /^custom (\d+)$/).map((m) => Number(m[1]));
  t.is(produced.length, ROUNDS);
  t.is(r.lines.length, produced.length + consumed.length, r.stdout);
  // One wake-up per notify_all, in order; only a notify before the consumer waits is missed.
  t.true(isSubsequence(consumed, produced), `consumed ${consumed}, produced ${produced}`);
  t.true(consumed.length >= ROUNDS - 2, `consumed ${consumed}, produced ${produced}`);
});

test.serial('threading-condition-03-multiple-consumers: notify(1) hands each value to one of the two consumers', async (t) => {
  const r = await run('threading-condition-03-multiple-consumers', { EXAMPLE_SPEED: '5', EXAMPLE_ROUNDS: String(ROUNDS) });
  assertEnded(t, r);
  const produced = matches(r.lines, /^(\d+) (.+) pru (\d+)$/);
  const consumed = matches(r.lines, /^(\d+) (.+) 线程(\d+)--消费(\d+)$/);
  t.is(produced.length, ROUNDS);
  t.is(r.lines.length, produced.length + consumed.length, r.stdout);
  const producer = produced[0][1];
  t.true(produced.every((m) => m[1] === producer));
  for (const m of consumed) t.is(m[1], m[3], 'the logged thread id is get_ident()');
  const consumers = new Set(consumed.map((m) => m[1]));
  t.false(consumers.has(producer));
  t.is(consumers.size, 2, 'both consumers were woken in turn');
  t.is(new Set(consumed.map((m) => m[2])).size, 2, 'two consumer thread names');
  // notify(1) wakes one consumer per value: no value is consumed twice.
  const values = produced.map((m) => Number(m[3]));
  const got = consumed.map((m) => Number(m[4]));
  t.true(isSubMultiset(got, values), `consumed ${got}, produced ${values}`);
  t.true(got.length >= ROUNDS - 2, `consumed ${got}, produced ${values}`);
});

test.serial('threading-barrier: Barrier(3) lets three of five threads pass; the other two break out when aborted', async (t) => {
  const r = await run('threading-barrier');
  assertEnded(t, r);
  const arrived = matches(r.lines, /^(\d+) (.+) n_waiting=(\d+)$/);
  const passed = matches(r.lines, /^(\d+) (.+) after barrier (\d+)$/);
  const broken = matches(r.lines, /^(\d+) (.+) Broken Barrier in (.+)$/);
  t.is(r.lines.length, 10, r.stdout);
  t.is(arrived.length, 5);
  t.true(arrived.every((m) => Number(m[3]) <= 2), 'n_waiting stays below parties');
  t.deepEqual(passed.map((m) => m[3]).sort(), ['0', '1', '2'], 'one round: indices 0, 1, 2');
  t.is(broken.length, 2);
  for (const m of broken) t.is(m[2], m[3], 'the name is current_thread().name');
  // Five different threads, each arriving once and leaving once.
  const idents = arrived.map((m) => m[1]);
  t.is(new Set(idents).size, 5);
  t.deepEqual([...passed, ...broken].map((m) => m[1]).sort(), [...idents].sort());
  t.true(arrived.every((m) => /^Thread-\d+ \(worker\)$/.test(m[2])), 'default names Thread-N (worker)');
});
