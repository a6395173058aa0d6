// Runs the compiled TypeScript ports of the seed's multiprocessing examples
// (dist/examples/multiprocessing-*.js) and checks that each shows what the seed shows.
import test from 'ava';
import { procStat, runNode } from './helpers/util.mjs';

/** The parent pid of `pid` (from /proc/<pid>/stat), or null when it is gone. */
function ppidOf(pid) {
  const fields = procStat(pid);
  return fields === null ? null : Number(fields[1]);
}

/**
 * Runs one example to its end (SIGKILLed after `timeout` ms, and in t.teardown if still
 * running; its children end with it, as a parent's death ends its Processes) with
 * EXAMPLE_SPEED=10 unless `env` says otherwise. Each `pid:N` printed is looked up in /proc as
 * soon as it is printed (the process is alive then): `parents` maps it to its parent pid.
 * Resolves { code, signal, killed, stdout, stderr, lines (non-empty), pid, parents }.
 */
async function run(t, name, env = {}, timeout = 30_000) {
  let partial = '';
  const parents = new Map();
  const onStdout = (d) => {
    partial += d;
    const complete = partial.split('\n');
    partial = complete.pop();
    for (const line of complete) {
      for (const m of line.matchAll(/pid:(\d+)/g)) {
        const pid = Number(m[1]);
        if (!parents.has(pid)) parents.set(pid, ppidOf(pid));
      }
    }
  };
  const r = await runNode([`dist/examples/${name}.js`], { t, timeout, env: { EXAMPLE_SPEED: '10', ...env }, onStdout });
  return { ...r, lines: r.stdout.split('\n').filter((l) => l !== ''), parents };
}

/** The example ended by itself, with status 0, within its time. */
function assertEnded(t, r) {
  const why = r.killed ? 'killed after the timeout' : `exit code ${r.code}, signal ${r.signal}`;
  t.true(r.code === 0 && !r.killed, `${why}\nstderr:\n${r.stderr}\nstdout (end):\n${r.stdout.slice(-2000)}`);
}

/** [...line.match(re)] for the lines that match. */
function matches(lines, re) {
  return lines.map((l) => l.match(re)).filter(Boolean);
}

/** Asserts that `childPid` is a child process of the example's main process, not the main. */
function assertChildOfMain(t, r, childPid) {
  t.not(childPid, r.pid, 'the child prints a pid other than the main process\'s');
  t.is(r.parents.get(childPid), r.pid, `pid ${childPid} is a child of the main process ${r.pid}: the Process's pid`);
}

/**
 * The check of the queue examples (multiprocessing-05 and -07): the example ended by itself;
 * the worker printed ten numbers of random.randint(1, 100), each before putting it, and the
 * boss printed the same numbers in the same order (FIFO), each after getting it. Returns the
 * line numbers of the worker's lines (`doneAt`) and the boss's (`seenAt`).
 */
function assertWorkerToBoss(t, r) {
  assertEnded(t, r);
  const doneAt = r.lines.flatMap((l, i) => (/^已完成工作\d+\.\.\.$/.test(l) ? [i] : []));
  const seenAt = r.lines.flatMap((l, i) => (/^已查看工作\d+\.\.\.$/.test(l) ? [i] : []));
  const done = matches(r.lines, /^已完成工作(\d+)\.\.\.$/).map((m) => Number(m[1]));
  const seen = matches(r.lines, /^已查看工作(\d+)\.\.\.$/).map((m) => Number(m[1]));
  t.is(r.lines.length, 20, r.stdout);
  t.is(done.length, 10, r.stdout);
  t.true(done.every((n) => Number.isInteger(n) && n >= 1 && n <= 100), `random.randint(1, 100): ${done}`);
  t.deepEqual(seen, done, 'the boss sees every number the worker put, in the order put (FIFO)');
  // Each number is printed by the worker before it is put, and by the boss after it is got.
  t.true(seenAt.every((at, k) => at > doneAt[k]), r.stdout);
  return { doneAt, seenAt };
}

const ROUNDS = 5;

test('multiprocessing-01-process: parent and child each print their line once a second, side by side', async (t) => {
  const r = await run(t, 'multiprocessing-01-process', { EXAMPLE_ROUNDS: String(ROUNDS), EXAMPLE_SPEED: '5' });
  assertEnded(t, r);
  const main = r.lines.flatMap((l, i) => (l === '主进程----1----' ? [i] : []));
  const child = r.lines.flatMap((l, i) => (l === '子进程----2----' ? [i] : []));
  t.is(main.length, ROUNDS, r.stdout);
  t.is(child.length, ROUNDS, r.stdout);
  t.is(r.lines.length, 2 * ROUNDS, r.stdout);
  // Both loops run at the same time: the child prints before the parent's loop is over.
  t.true(child[0] < main.at(-1), `the child's first line comes only after the parent's last:\n${r.stdout}`);
});

test('multiprocessing-02-pid: the parent prints its pid, the child another one: its own, a child of the parent', async (t) => {
  const r = await run(t, 'multiprocessing-02-pid', { EXAMPLE_ROUNDS: String(ROUNDS), EXAMPLE_SPEED: '5' });
  assertEnded(t, r);
  const main = matches(r.lines, /^主进程----pid:(\d+)----$/).map((m) => Number(m[1]));
  const child = matches(r.lines, /^子进程----pid:(\d+)----$/).map((m) => Number(m[1]));
  t.is(main.length, ROUNDS, r.stdout);
  t.is(child.length, ROUNDS, r.stdout);
  t.is(r.lines.length, 2 * ROUNDS, r.stdout);
  t.deepEqual(new Set(main), new Set([r.pid]), 'the main process prints its own pid (os.getpid())');
  t.is(new Set(child).size, 1, 'one child, always the same pid');
  assertChildOfMain(t, r, child[0]);
  // The child's print() prints an empty line after each of its lines.
  t.is(r.stdout.split('\n').filter((l) => l === '').length, ROUNDS + 1, 'ROUNDS empty lines (and the final newline)');
});

test('multiprocessing-03-args: the child gets args=(语文,) and kwargs {teacher: 张三}', async (t) => {
  const r = await run(t, 'multiprocessing-03-args', { EXAMPLE_ROUNDS: String(ROUNDS), EXAMPLE_SPEED: '5' });
  assertEnded(t, r);
  const main = matches(r.lines, /^主进程----pid:(\d+)----李四上数学课$/).map((m) => Number(m[1]));
  const child = matches(r.lines, /^子进程----pid:(\d+)----张三上语文课$/).map((m) => Number(m[1]));
  t.is(main.length, ROUNDS, r.stdout);
  t.is(child.length, ROUNDS, r.stdout);
  t.is(r.lines.length, 2 * ROUNDS, r.stdout);
  t.deepEqual(new Set(main), new Set([r.pid]));
  t.is(new Set(child).size, 1);
  assertChildOfMain(t, r, child[0]);
  t.is(r.stdout.split('\n').filter((l) => l === '').length, ROUNDS + 1);
});

test('multiprocessing-04-globals: each child changes its own copy of the global list; neither sees the other\'s change', async (t) => {
  const r = await run(t, 'multiprocessing-04-globals', { EXAMPLE_SPEED: '5' });
  assertEnded(t, r);
  const original = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10];
  const show = (list) => `[${list.join(', ')}]`;
  const pidLines = matches(r.lines, /^子进程----pid:(\d+)----$/).map((m) => Number(m[1]));
  const lists = r.lines.filter((l) => l.startsWith('['));
  t.is(r.lines.length, 12, r.stdout);
  t.is(pidLines.length, 6, r.stdout);
  t.is(lists.length, 6, r.stdout);
  // Lines of the two children may interleave, so each list is told apart by its content.
  // Process 1 pops from its own copy of the original: 10 -> 9 -> 8 -> 7 items, never an
  // appended item. Process 2 appends i + 1 (its own i: 3, 2, 1) to its own copy of the
  // original, which still has all 10 items: process 1's pops are not seen there.
  const shrinking = lists.filter((l) => l.split(',').length < original.length);
  const growing = lists.filter((l) => l.split(',').length > original.length);
  t.deepEqual(shrinking, [show(original.slice(0, 9)), show(original.slice(0, 8)), show(original.slice(0, 7))], r.stdout);
  t.deepEqual(growing, [show([...original, 4]), show([...original, 4, 3]), show([...original, 4, 3, 2])], r.stdout);
  // Two children, three lines each; both are children of the main process, which prints nothing.
  const pids = [...new Set(pidLines)];
  t.is(pids.length, 2, r.stdout);
  for (const pid of pids) {
    t.is(pidLines.filter((p) => p === pid).length, 3, `pid ${pid} loops three times (its own i = 3)`);
    assertChildOfMain(t, r, pid);
  }
});

test('multiprocessing-05-queue: all ten numbers the worker puts in Queue(5) reach the boss, in order', async (t) => {
  // The boss stops when it finds the queue empty, so this example depends on timing (see the
  // port): at EXAMPLE_SPEED=4 a period is 250 ms, and the boss looks at the queue about that
  // long after each put, a wide margin.
  const r = await run(t, 'multiprocessing-05-queue', { EXAMPLE_SPEED: '4' });
  const { doneAt, seenAt } = assertWorkerToBoss(t, r);
  // The boss works while the worker still works (it does not wait for all ten).
  t.true(seenAt[0] < doneAt.at(-1), r.stdout);
});

test('multiprocessing-06-pool: ten applyAsync tasks on Pool(5) run in at most five child processes, each starting and ending once, all before "-----end-----"', async (t) => {
  const r = await run(t, 'multiprocessing-06-pool', { EXAMPLE_SPEED: '10' });
  assertEnded(t, r);
  const started = matches(r.lines, /^start pro (\d+),pid为(\d+)$/);
  const ended = matches(r.lines, /^(\d+) 执行完毕，耗时(\d+\.\d\d)$/);
  t.deepEqual(started.map((m) => Number(m[1])).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], r.stdout);
  t.deepEqual(ended.map((m) => Number(m[1])).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], r.stdout);
  const pids = new Set(started.map((m) => Number(m[2])));
  t.true(pids.size >= 1 && pids.size <= 5, `Pool(5) uses at most 5 processes, saw ${pids.size}`);
  t.false(pids.has(r.pid), 'tasks run in child processes, not in the main one');
  // Each task ends after it starts; random.random()*2 s at EXAMPLE_SPEED=10 is under 0.2 s.
  for (const m of ended) {
    const s = r.lines.findIndex((l) => l.startsWith(`start pro ${m[1]},`));
    t.true(s >= 0 && s < r.lines.indexOf(m[0]), `task ${m[1]} ends after it starts`);
    t.true(Number(m[2]) < 1, `task ${m[1]} took ${m[2]} s`);
  }
  t.is(r.lines.filter((l) => l === '----start----').length, 1);
  t.is(r.lines.at(-1), '-----end-----', 'join() returns after every task has ended');
  t.is(r.lines.length, 22, r.stdout);
});

test('multiprocessing-07-manager-queue: a Manager().Queue() passed to two Pool tasks carries all ten numbers from worker to boss, in order', async (t) => {
  // As in multiprocessing-05, the boss stops when it finds the queue empty, one period behind
  // the worker: at EXAMPLE_SPEED=4 a period is 250 ms, a wide margin.
  const r = await run(t, 'multiprocessing-07-manager-queue', { EXAMPLE_SPEED: '4' });
  assertWorkerToBoss(t, r);
});
