// Shared instances used where they are not one (API.md, "Conventions"): a method called on
// another object, or a structured clone (what postMessage and workerData deliver) used before
// `from()` restores it, gives a coded error that names the `from()` to call.
import test from 'ava';
import { assertThrowsCode, nt, startWorker, within } from './helpers/util.mjs';

const { Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier, Queue, JoinableQueue, Value, SharedArray, SharedDict, SharedList, Manager } = nt;

/** Every class with methods of its own, and how to make one. */
const classes = [
  ['Lock', Lock, () => new Lock()],
  ['RLock', RLock, () => new RLock()],
  ['Condition', Condition, () => new Condition()],
  ['Semaphore', Semaphore, () => new Semaphore()],
  ['Event', Event, () => new Event()],
  ['Barrier', Barrier, () => new Barrier(2)],
  ['Queue', Queue, () => new Queue()],
  ['JoinableQueue', JoinableQueue, () => new JoinableQueue()],
  ['Value', Value, () => new Value('i', 0)],
  ['SharedArray', SharedArray, () => new SharedArray('i', 2)],
  ['SharedDict', SharedDict, () => new SharedDict()],
  ['SharedList', SharedList, () => new SharedList()],
];

/** `[name, call(receiver)]` for each method, getter and setter on `Class.prototype` itself. */
function members(Class) {
  const out = [];
  for (const key of Reflect.ownKeys(Class.prototype)) {
    if (key === 'constructor') continue;
    const name = typeof key === 'symbol' ? `[${key.description}]` : key;
    const d = Object.getOwnPropertyDescriptor(Class.prototype, key);
    if (typeof d.value === 'function') out.push([name, (self) => d.value.call(self)]);
    if (d.get) out.push([`get ${name}`, (self) => d.get.call(self)]);
    if (d.set) out.push([`set ${name}`, (self) => d.set.call(self, 1)]);
  }
  return out;
}

/** The error `call(self)` throws or rejects with (synchronously when it can). */
async function failure(t, call, self, what) {
  let result;
  try {
    result = call(self);
  } catch (e) {
    return e;
  }
  t.true(result instanceof Promise, `${what}: neither threw nor returned a promise`);
  try {
    await within(result, 2000, what);
  } catch (e) {
    return e;
  }
  t.fail(`${what}: resolved`);
  return undefined;
}

for (const [name, Class, make] of classes) {
  test(`${name}: each method called on another object throws ERR_INVALID_THIS, naming ${name}.from() for a structured clone`, async (t) => {
    const list = members(Class);
    t.true(list.length > 0);
    const clone = structuredClone(make());
    t.false(clone instanceof Class);
    for (const [member, call] of list) {
      for (const [self, kind] of [
        [{}, 'an empty object'],
        [undefined, 'undefined'],
        [5, 'a number'],
        [new Map(), 'a Map'],
      ]) {
        const e = await failure(t, call, self, `${name}.prototype.${member} on ${kind}`);
        t.true(e instanceof TypeError, `${member} on ${kind}: ${e?.message}`);
        t.is(e?.code, 'ERR_INVALID_THIS', `${member} on ${kind}: ${e?.message}`);
        t.regex(e?.message ?? '', new RegExp(`^${name}\\.prototype\\.`), member);
      }
      const e = await failure(t, call, clone, `${name}.prototype.${member} on a clone`);
      t.true(e instanceof TypeError, `${member} on a clone: ${e?.message}`);
      t.is(e?.code, 'ERR_INVALID_THIS', `${member} on a clone: ${e?.message}`);
      t.true(e?.message.includes(`structured clone of`) && e.message.includes(`${name}.from()`), `${member} on a clone: ${e?.message}`);
    }
  });
}

test('the clone of a subclass names the subclass: Semaphore methods on a BoundedSemaphore clone name BoundedSemaphore.from()', (t) => {
  const e = assertThrowsCode(t, () => Semaphore.prototype.acquire.call(structuredClone(new BoundedSemaphore(2))), TypeError, 'ERR_INVALID_THIS');
  t.true(e.message.includes('BoundedSemaphore.from()'), e.message);
});

test('a method called on an instance of another class names what it received', (t) => {
  const e = assertThrowsCode(t, () => Lock.prototype.acquire.call(new Event()), TypeError, 'ERR_INVALID_THIS');
  t.regex(e.message, /Received an instance of Event/);
  assertThrowsCode(t, () => JoinableQueue.prototype.taskDone.call(new Queue()), TypeError, 'ERR_INVALID_THIS');
  // Methods work on real instances, subclasses included, after the check.
  const q = new JoinableQueue();
  q.put(1);
  t.is(Queue.prototype.get.call(q), 1);
  JoinableQueue.prototype.taskDone.call(q);
  t.true(Semaphore.prototype.acquire.call(new BoundedSemaphore(1)));
});

test('a clone received through workerData, used without from(), gives ERR_INVALID_THIS naming Lock.from()', async (t) => {
  const lock = new Lock();
  const w = startWorker(
    t,
    `try {
       nt.Lock.prototype.acquire.call(workerData.lock);
       post({ ok: true });
     } catch (e) {
       post({ code: e.code, message: e.message });
     }
     post({ restored: nt.Lock.from(workerData.lock).acquire(false) });`,
    { lock },
  );
  const first = await w.next();
  t.is(first.code, 'ERR_INVALID_THIS');
  t.true(first.message.includes('Lock.from()'), first.message);
  t.deepEqual(await w.next(), { restored: true });
  t.true(lock.locked());
});

test('a clone given where an instance is expected: ERR_INVALID_ARG_TYPE naming its from()', (t) => {
  const cases = [
    ['new Condition(clone of a Lock)', () => new Condition(structuredClone(new Lock())), 'Lock.from()'],
    ['new Condition(clone of an RLock)', () => new Condition(structuredClone(new RLock())), 'RLock.from()'],
    ['manager.Condition(clone)', () => new Manager().Condition(structuredClone(new Lock())), 'Lock.from()'],
    ["new Value('i', 0, { lock: clone })", () => new Value('i', 0, { lock: structuredClone(new RLock()) }), 'RLock.from()'],
    ["new SharedArray('i', 2, { lock: clone })", () => new SharedArray('i', 2, { lock: structuredClone(new Lock()) }), 'Lock.from()'],
  ];
  for (const [what, fn, from] of cases) {
    const e = assertThrowsCode(t, fn, TypeError, 'ERR_INVALID_ARG_TYPE', what);
    t.true(e?.message.includes(from) && e.message.includes('structured clone'), `${what}: ${e?.message}`);
  }
  // Anything else keeps the plain message.
  const e = assertThrowsCode(t, () => new Condition({}), TypeError, 'ERR_INVALID_ARG_TYPE');
  t.false(e.message.includes('from()'), e.message);
});

test('withLock(fn) with a non-function throws ERR_INVALID_ARG_TYPE and leaves the lock free', (t) => {
  const lockLikes = [
    ['Lock', new Lock()],
    ['RLock', new RLock()],
    ['Condition', new Condition(new Lock())],
    ['Semaphore', new Semaphore(1)],
    ['Value', new Value('i', 0)],
    ['SharedArray', new SharedArray('i', 1)],
  ];
  for (const [name, x] of lockLikes) {
    for (const fn of [5, undefined, null, {}, 'f']) {
      assertThrowsCode(t, () => x.withLock(fn), TypeError, 'ERR_INVALID_ARG_TYPE', `${name}.withLock(${String(fn)})`);
    }
    t.true(x.acquire(false), `${name} is free after the failed withLock calls`);
    x.release();
  }
});
