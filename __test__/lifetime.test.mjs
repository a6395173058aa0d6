// Lifetime: dropped primitives are freed; shared ones live as long as someone needs them.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import { delay, HELPERS, lastJson, nt, runNode, startWorker, within } from './helpers/util.mjs';

const { Lock, Event, Condition } = nt;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
async function collect() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise(setImmediate);
  }
}

// The child runs with a small young generation (--max-semi-space-size=1) so that V8 growing its
// heap capacity under allocation pressure (up to ~32 MB per isolate, not a leak) does not blur
// the measurement; anything the primitives leak still shows in full.
const CHILD_FLAGS = ['--expose-gc', '--max-semi-space-size=1'];

test('creating and dropping 1,000,000 Locks keeps RSS within +50 MB', async (t) => {
  const r = await runNode([...CHILD_FLAGS, `${HELPERS}lifetime.mjs`, 'local', '1000000'], { timeout: 50_000 });
  t.false(r.killed, 'the child ended in time');
  t.is(r.code, 0, r.stderr);
  const out = lastJson(r.stdout);
  t.truthy(out, r.stdout);
  t.log(`RSS ${(out.before / 2 ** 20).toFixed(1)} MB -> ${(out.after / 2 ** 20).toFixed(1)} MB (${out.deltaMB.toFixed(1)} MB), ${r.ms.toFixed(0)} ms`);
  t.true(out.after - out.before < 50 * 2 ** 20, `RSS grew by ${out.deltaMB.toFixed(1)} MB`);
});

test('100,000 Locks shared to a worker (postMessage) and dropped there keep RSS within +50 MB', async (t) => {
  const r = await runNode([...CHILD_FLAGS, `${HELPERS}lifetime.mjs`, 'shared', '100000'], { timeout: 50_000 });
  t.false(r.killed, 'the child ended in time');
  t.is(r.code, 0, r.stderr);
  const out = lastJson(r.stdout);
  t.truthy(out, r.stdout);
  t.is(out.restored, 100_000, 'every Lock arrived, unlocked, as a working instance');
  t.log(`RSS ${(out.before / 2 ** 20).toFixed(1)} MB -> ${(out.after / 2 ** 20).toFixed(1)} MB (${out.deltaMB.toFixed(1)} MB), ${r.ms.toFixed(0)} ms`);
  t.true(out.after - out.before < 50 * 2 ** 20, `RSS grew by ${out.deltaMB.toFixed(1)} MB`);
});

test.serial('a primitive outlives its sender until the receiver restores it', async (t) => {
  const w = startWorker(
    t,
    `
    const lock = new nt.Lock();
    lock.acquire();
    const ev = new nt.Event();
    ev.set();
    post({ type: 'sent', lock, ev, nested: { list: [lock] } });
    `,
  );
  const m = await w.next('sent');
  // The sender is gone (its environment and finalizers with it) before anyone restores.
  await within(w.exited, 5000, 'the sender exits');
  await collect();
  const lock = Lock.from(m.lock);
  t.true(lock.locked(), 'the state the sender left');
  lock.release();
  t.false(lock.locked());
  t.true(Event.from(m.ev).isSet());
  const again = Lock.from(m.nested.list[0]);
  t.true(again.acquire(false), 'a second clone of the same lock is the same lock');
  t.true(lock.locked());
  again.release();
});

test.serial('a Condition keeps its lock alive; a pending wait keeps its primitive alive', async (t) => {
  const c = (() => new Condition(new Lock()))();
  await collect();
  c.acquire();
  t.false(c.wait(0));
  c.release();
  t.false(c.lock.locked());

  let shared;
  const p = (() => {
    const e = new Event();
    shared = structuredClone({ e });
    return e.waitAsync();
  })();
  await collect();
  await delay(20);
  const w = startWorker(
    t,
    `
    const msg = await nextMessage();
    nt.Event.from(msg.e).set();
    post({ type: 'set' });
    `,
  );
  w.post(shared);
  await w.next('set');
  t.true(await within(p, 5000, 'the wait on an Event nobody else references here'));
});

test.serial('instances created in a worker that ends are freed with it, and shared ones still work', async (t) => {
  const keep = new Lock();
  const w = startWorker(
    t,
    `
    const keep = nt.Lock.from(workerData.keep);
    for (let i = 0; i < 20000; i++) new nt.Lock();
    keep.acquire();
    post({ type: 'done' });
    `,
    { keep },
  );
  await w.next('done');
  await within(w.exited, 5000, 'the worker exits');
  await collect();
  t.true(keep.locked(), 'the shared lock survives its worker, in the state it left');
  keep.release();
  t.true(keep.acquire(false));
  keep.release();
});
