// Manager, SharedDict and SharedList (README "Python -> TypeScript": its rules and the Manager
// rows of the multiprocessing table; "Manager, SharedDict and SharedList"): every method and error code, atomicity across child processes and worker
// threads, sharing as target arguments and through postMessage. Targets live in
// fixtures/manager-targets.mjs. Every wait is bounded; child processes are joined, and killed in
// t.teardown whatever the outcome.
import ava from 'ava';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { assertThrowsCode, delay, DIST, ended, nt, recv, startChild, startWorker, within } from './helpers/util.mjs';
import * as T from './fixtures/manager-targets.mjs';

// Serial: the concurrency tests start several children each, and the reference count test
// measures this process's collections.
const test = ava.serial;
const { Manager, SharedDict, SharedList, Queue, JoinableQueue, Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier, Value, SharedArray } = nt;
const { native } = createRequire(import.meta.url)(DIST.replace(/index\.js$/, 'src/runtime/native.js'));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const KINDS = ['process', 'thread'];

// ---------------------------------------------------------------------------------------------
// SharedDict in one thread

test('SharedDict: set, get (with and without default), has, delete, size; snapshots in insertion order', (t) => {
  const d = new SharedDict();
  t.is(d.size, 0);
  t.is(d.get('a'), undefined, 'a missing key without default: undefined');
  t.is(d.get('a', 'dflt'), 'dflt', 'a missing key with a default: the default');
  t.false(d.has('a'));
  d.set('b', 2);
  d.set('a', 1);
  d.set('c', undefined);
  t.is(d.size, 3);
  t.is(d.get('a'), 1);
  t.is(d.get('a', 'dflt'), 1, 'the default only for a missing key');
  t.true(d.has('c'), 'a key whose value is undefined is present');
  t.is(d.get('c', 'dflt'), undefined, 'a present undefined value is not replaced by the default');
  d.set('b', 20);
  t.deepEqual(d.keys(), ['b', 'a', 'c'], 'replacing a value keeps its key in place (as in Python)');
  t.deepEqual(d.values(), [20, 1, undefined]);
  t.deepEqual(d.entries(), [
    ['b', 20],
    ['a', 1],
    ['c', undefined],
  ]);
  t.deepEqual(d.toObject(), { b: 20, a: 1, c: undefined });
  t.deepEqual([...d], d.entries(), 'iteration: the entries, as a Map');
  t.deepEqual(new Map(d), new Map(d.entries()));
  t.true(d.delete('b'));
  t.false(d.delete('b'), 'deleting a missing key: false');
  t.false(d.has('b'));
  t.is(d.size, 2);
  d.set('b', 3);
  t.deepEqual(d.keys(), ['a', 'c', 'b'], 'a key set again after delete goes last');
  const keys = d.keys();
  keys.push('x');
  t.deepEqual(d.keys(), ['a', 'c', 'b'], 'keys() is a snapshot');
});

test('SharedDict: values are copies in and out, of any structured-cloneable type; "__proto__" is a plain key', (t) => {
  const d = new SharedDict();
  const value = {
    n: -0,
    big: 2n ** 70n,
    date: new Date(12345),
    re: /x+/gi,
    map: new Map([[1, { deep: [1, 2] }]]),
    set: new Set(['s']),
    bytes: Buffer.from('buf'),
    u16: new Uint16Array([1, 65535]),
    nested: { arr: [1, [2, [3]]], nil: null },
  };
  d.set('v', value);
  const got = d.get('v');
  t.deepEqual(got, value);
  t.not(got, value, 'a copy comes out');
  t.true(Object.is(got.n, -0));
  t.true(Buffer.isBuffer(got.bytes));
  value.nested.arr.push('changed after set');
  got.nested.arr.push('changed after get');
  t.deepEqual(d.get('v').nested.arr, [1, [2, [3]]], 'neither copy changes the stored value');

  d.set('__proto__', { polluted: true });
  d.set('constructor', 1);
  t.deepEqual(d.get('__proto__'), { polluted: true });
  const obj = d.toObject();
  t.is(Object.getPrototypeOf(obj), Object.prototype, 'toObject() sets no prototype');
  t.true(Object.hasOwn(obj, '__proto__'), 'a "__proto__" key is an own property of toObject()');
  t.deepEqual(obj.__proto__, { polluted: true });
  t.is(obj.constructor, 1);
  t.is({}.polluted, undefined);
});

test('SharedDict: initial contents from an object, a Map, [key, value] pairs or another SharedDict; bad ones -> ERR_INVALID_ARG_TYPE', (t) => {
  t.deepEqual(new SharedDict({ x: 1, y: [2] }).entries(), [
    ['x', 1],
    ['y', [2]],
  ]);
  t.deepEqual(new SharedDict(new Map([['m', 1]])).toObject(), { m: 1 });
  const pairs = new SharedDict([
    ['p', 1],
    ['q', 2],
  ]);
  t.deepEqual(pairs.toObject(), { p: 1, q: 2 });
  t.deepEqual(new SharedDict(pairs).toObject(), { p: 1, q: 2 }, 'a SharedDict is iterable as pairs');
  t.is(new SharedDict(null).size, 0);
  for (const bad of [5, 'str', true]) {
    assertThrowsCode(t, () => new SharedDict(bad), TypeError, 'ERR_INVALID_ARG_TYPE', `init ${String(bad)}`);
  }
  assertThrowsCode(t, () => new SharedDict([['k', 1, 'extra']]), TypeError, 'ERR_INVALID_ARG_TYPE', 'not a pair');
  assertThrowsCode(t, () => new SharedDict([[1, 'number key']]), TypeError, 'ERR_INVALID_ARG_TYPE', 'a non-string key');
  assertThrowsCode(t, () => new SharedDict(new Map([[{}, 1]])), TypeError, 'ERR_INVALID_ARG_TYPE', 'an object key');
});

test('SharedDict: a key that is not a string -> TypeError ERR_INVALID_ARG_TYPE in every method, state unchanged', (t) => {
  const d = new SharedDict({ 1: 'one' });
  for (const key of [1, undefined, null, Symbol('s'), {}, ['1']]) {
    const what = typeof key === 'symbol' ? 'a symbol' : JSON.stringify(key) ?? 'undefined';
    assertThrowsCode(t, () => d.get(key), TypeError, 'ERR_INVALID_ARG_TYPE', `get(${what})`);
    assertThrowsCode(t, () => d.get(key, 'dflt'), TypeError, 'ERR_INVALID_ARG_TYPE', `get(${what}, dflt)`);
    assertThrowsCode(t, () => d.set(key, 2), TypeError, 'ERR_INVALID_ARG_TYPE', `set(${what})`);
    assertThrowsCode(t, () => d.has(key), TypeError, 'ERR_INVALID_ARG_TYPE', `has(${what})`);
    assertThrowsCode(t, () => d.delete(key), TypeError, 'ERR_INVALID_ARG_TYPE', `delete(${what})`);
  }
  t.deepEqual(d.toObject(), { 1: 'one' });
});

// ---------------------------------------------------------------------------------------------
// SharedList in one thread

test('SharedList: append, extend, get, set, pop, insert, toArray, length, iteration', (t) => {
  const l = new SharedList();
  t.is(l.length, 0);
  t.deepEqual(l.toArray(), []);
  l.append('a');
  l.extend(['b', 'c']);
  l.extend(new Set(['d']));
  l.extend((function* () {
    yield 'e';
  })());
  l.extend('fg');
  t.deepEqual(l.toArray(), ['a', 'b', 'c', 'd', 'e', 'f', 'g'], 'extend() takes any iterable (a string: its characters, as in Python)');
  t.is(l.length, 7);
  t.is(l.get(0), 'a');
  t.is(l.get(6), 'g');
  l.set(1, { b: [1] });
  t.deepEqual(l.get(1), { b: [1] });
  t.is(l.pop(), 'g', 'pop() takes the last');
  t.is(l.pop(0), 'a');
  t.is(l.pop(1), 'c');
  t.deepEqual(l.toArray(), [{ b: [1] }, 'd', 'e', 'f']);
  l.insert(1, 'ins');
  t.deepEqual(l.toArray(), [{ b: [1] }, 'ins', 'd', 'e', 'f']);
  t.deepEqual([...l], l.toArray(), 'iteration: the items');
  l.extend(l);
  t.is(l.length, 10, 'extend() with itself doubles the list, as in Python');
  const snapshot = l.toArray();
  snapshot.push('x');
  l.get(0).b.push(2);
  t.is(l.length, 10, 'toArray() is a snapshot');
  t.deepEqual(l.get(0), { b: [1] }, 'items come out as copies');
  t.deepEqual(new SharedList(new Set([1, 2])).toArray(), [1, 2], 'initial items from any iterable');
  t.deepEqual(new SharedList([1, , 3]).toArray(), [1, undefined, 3], 'a hole is an undefined item');
  t.deepEqual(new SharedList(null).toArray(), []);
  assertThrowsCode(t, () => new SharedList(5), TypeError, 'ERR_INVALID_ARG_TYPE', 'init 5');
  assertThrowsCode(t, () => new SharedList({ length: 1 }), TypeError, 'ERR_INVALID_ARG_TYPE', 'a non-iterable init');
});

test('SharedList: negative indexes count from the end, as in Python', (t) => {
  const l = new SharedList([0, 1, 2, 3, 4]);
  t.is(l.get(-1), 4);
  t.is(l.get(-5), 0);
  l.set(-2, 'three');
  t.deepEqual(l.toArray(), [0, 1, 2, 'three', 4]);
  t.is(l.pop(-2), 'three');
  t.is(l.pop(-4), 0);
  t.deepEqual(l.toArray(), [1, 2, 4]);
  l.insert(-1, 'before last');
  t.deepEqual(l.toArray(), [1, 2, 'before last', 4]);
  l.insert(-0, 'at 0');
  t.deepEqual(l.toArray(), ['at 0', 1, 2, 'before last', 4]);
});

test('SharedList: insert() clamps an index past either end, as Python does', (t) => {
  const l = new SharedList([1, 2, 3]);
  l.insert(100, 'end');
  l.insert(3, 'at 3');
  l.insert(-100, 'start');
  l.insert(Number.MAX_SAFE_INTEGER, 'huge');
  l.insert(-Number.MAX_SAFE_INTEGER, 'huge negative');
  t.deepEqual(l.toArray(), ['huge negative', 'start', 1, 2, 3, 'at 3', 'end', 'huge']);
  const e = new SharedList();
  e.insert(-1, 'x');
  e.insert(5, 'y');
  t.deepEqual(e.toArray(), ['x', 'y'], 'insert into an empty list');
});

test('SharedList: bad indexes -> ERR_INVALID_ARG_TYPE or ERR_OUT_OF_RANGE; out of range and pop from empty -> RangeError ERR_OUT_OF_RANGE; the list is unchanged', (t) => {
  const l = new SharedList(['a', 'b', 'c']);
  for (const i of [3, 4, -4, -100, 2 ** 53]) {
    assertThrowsCode(t, () => l.get(i), RangeError, 'ERR_OUT_OF_RANGE', `get(${i})`);
    assertThrowsCode(t, () => l.set(i, 'x'), RangeError, 'ERR_OUT_OF_RANGE', `set(${i})`);
    assertThrowsCode(t, () => l.pop(i), RangeError, 'ERR_OUT_OF_RANGE', `pop(${i})`);
  }
  for (const i of [1.5, NaN, Infinity, -Infinity]) {
    for (const [name, f] of [
      ['get', () => l.get(i)],
      ['set', () => l.set(i, 'x')],
      ['pop', () => l.pop(i)],
      ['insert', () => l.insert(i, 'x')],
    ]) {
      assertThrowsCode(t, f, RangeError, 'ERR_OUT_OF_RANGE', `${name}(${i})`);
    }
  }
  for (const i of ['1', null, 1n, {}, [0]]) {
    const what = typeof i === 'bigint' ? '1n' : JSON.stringify(i);
    for (const [name, f] of [
      ['get', () => l.get(i)],
      ['set', () => l.set(i, 'x')],
      ['pop', () => l.pop(i)],
      ['insert', () => l.insert(i, 'x')],
    ]) {
      assertThrowsCode(t, f, TypeError, 'ERR_INVALID_ARG_TYPE', `${name}(${what})`);
    }
  }
  for (const bad of [undefined, null, 5, { a: 1 }]) {
    assertThrowsCode(t, () => l.extend(bad), TypeError, 'ERR_INVALID_ARG_TYPE', `extend(${JSON.stringify(bad)})`);
  }
  t.deepEqual(l.toArray(), ['a', 'b', 'c'], 'no failed call changed the list');

  const empty = new SharedList();
  const e = assertThrowsCode(t, () => empty.pop(), RangeError, 'ERR_OUT_OF_RANGE', 'pop() from an empty list');
  t.regex(e?.message ?? '', /empty/);
  assertThrowsCode(t, () => empty.pop(0), RangeError, 'ERR_OUT_OF_RANGE', 'pop(0) from an empty list');
  assertThrowsCode(t, () => empty.get(0), RangeError, 'ERR_OUT_OF_RANGE', 'get(0) of an empty list');
  empty.append('still works');
  t.deepEqual(empty.toArray(), ['still works'], 'failed calls gave the state back');
});

// ---------------------------------------------------------------------------------------------
// Values that cannot be stored; shared primitives inside

test('a value that cannot be stored (a function, a symbol, shared memory) fails the call with a clear error and leaves the state unchanged', (t) => {
  const d = new SharedDict({ keep: 1 });
  const l = new SharedList([1, 2]);
  const unstorable = [
    ['a function', () => 1, TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a function nested deep', { a: [{ f() {} }] }, TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a symbol', Symbol('s'), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a WeakMap', new WeakMap(), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a SharedArrayBuffer', new SharedArrayBuffer(8), TypeError, 'ERR_NOT_SHAREABLE'],
    ['a view of a SharedArrayBuffer', { v: new Int32Array(new SharedArrayBuffer(8)) }, TypeError, 'ERR_NOT_SHAREABLE'],
  ];
  for (const [what, value, Ctor, code] of unstorable) {
    const e = assertThrowsCode(t, () => d.set('bad', value), Ctor, code, `dict.set(${what})`);
    t.regex(e?.message ?? '', /SharedDict/, `the message names the class (${what})`);
    if (code === 'ERR_NOT_SHAREABLE') t.regex(e?.message ?? '', /SharedArray|Value/, 'the message points to SharedArray/Value');
    assertThrowsCode(t, () => l.append(value), Ctor, code, `list.append(${what})`);
    assertThrowsCode(t, () => l.set(0, value), Ctor, code, `list.set(0, ${what})`);
    assertThrowsCode(t, () => l.insert(0, value), Ctor, code, `list.insert(0, ${what})`);
    assertThrowsCode(t, () => l.extend(['fine', value]), Ctor, code, `list.extend(['fine', ${what}])`);
    assertThrowsCode(t, () => new SharedDict({ x: value }), Ctor, code, `new SharedDict({ x: ${what} })`);
    assertThrowsCode(t, () => new SharedList([value]), Ctor, code, `new SharedList([${what}])`);
  }
  t.deepEqual(d.toObject(), { keep: 1 }, 'the dict is unchanged');
  t.deepEqual(l.toArray(), [1, 2], 'the list is unchanged: no item of a failed extend() went in');
  d.set('after', 2);
  l.append(3);
  t.deepEqual([d.toObject(), l.toArray()], [{ keep: 1, after: 2 }, [1, 2, 3]], 'both still work');
});

test('a getter of a value being stored that calls the same dict or list gets ERR_REENTRANT_CALL, and so does the call, instead of waiting for itself', (t) => {
  const d = new SharedDict({ keep: 1 });
  const l = new SharedList([1]);
  for (const [what, target, store] of [
    ['dict.set', d, (v) => d.set('bad', v)],
    ['list.append', l, (v) => l.append(v)],
  ]) {
    // The getter's first run is the check before the call, outside it: that one may call.
    let runs = 0;
    let inner;
    const value = {
      get x() {
        runs++;
        try {
          return target instanceof SharedDict ? target.get('keep') : target.get(0);
        } catch (e) {
          inner = e;
          throw e;
        }
      },
    };
    const e = assertThrowsCode(t, () => store(value), Error, 'ERR_REENTRANT_CALL', what);
    t.true(runs >= 2, `${what}: the getter ran before the call and inside it`);
    t.is(e, inner, `${what}: the error of the call from inside the call`);
  }
  t.deepEqual([d.toObject(), l.toArray()], [{ keep: 1 }, [1]], 'both unchanged');
  d.set('after', 2);
  l.append(2);
  t.deepEqual([d.toObject(), l.toArray()], [{ keep: 1, after: 2 }, [1, 2]], 'and working');
});

test('shared primitives stored inside arrive working, and calls take no lasting references to them', async (t) => {
  const lock = new Lock();
  const ev = new Event();
  const inner = new SharedList(['inner']);
  const d = new SharedDict({ lock, box: { ev, inner } });
  const l = new SharedList([lock]);
  // In a function of its own, so that the copies it takes are garbage once it returns.
  (() => {
    const got = d.get('lock');
    t.true(got instanceof Lock);
    t.true(got.acquire(false));
    t.true(lock.locked(), 'the stored Lock is the same lock');
    got.release();
    const box = d.get('box');
    box.ev.set();
    t.true(ev.isSet(), 'an Event nested in a stored object is the same event');
    box.inner.append('through the dict');
    t.deepEqual(inner.toArray(), ['inner', 'through the dict'], 'a SharedList stored in a SharedDict is the same list');
    t.true(l.get(0) instanceof Lock);
  })();

  // Each read takes the stored lease over and stores a fresh one; a failed set() leases
  // nothing. So, once this thread's copies are collected, the lock has its own reference, the
  // one of the lease its instance keeps for its clones (one per shared instance, freed with
  // it), and the one of each place it is stored in.
  const h = Lock.handleOf(lock);
  for (let i = 0; i < 100; i++) {
    d.get('lock');
    d.has('none');
    l.toArray();
    try {
      d.set('bad', [lock, () => 1]);
    } catch {
      // expected: checked by the previous test
    }
  }
  let refs;
  for (let i = 0; i < 50; i++) {
    gc();
    await delay(10);
    refs = native.refs(h);
    if (refs === 4) break;
  }
  t.is(refs, 4, "the lock, its instance's lease, its copy stored in the dict and the one in the list");
});

// ---------------------------------------------------------------------------------------------
// from() and postMessage

test('from(): an instance is returned as is; a structured clone restores the same dict/list', (t) => {
  const d = new SharedDict({ a: 1 });
  const l = new SharedList([1]);
  t.is(SharedDict.from(d), d);
  t.is(SharedList.from(l), l);
  const d2 = SharedDict.from(structuredClone(d));
  const l2 = SharedList.from(structuredClone(l));
  t.true(d2 instanceof SharedDict);
  t.true(l2 instanceof SharedList);
  d2.set('b', 2);
  l2.append(2);
  t.deepEqual(d.toObject(), { a: 1, b: 2 }, 'a change through the restored dict is seen by the original');
  t.deepEqual(l.toArray(), [1, 2]);
  d.delete('a');
  t.deepEqual(d2.toObject(), { b: 2 }, 'and the other way round');
  // Nested in a clone, a dict comes back with revived items inside.
  const { nested } = structuredClone({ nested: { l } });
  t.deepEqual(SharedList.from(nested.l).toArray(), [1, 2]);
});

test('from() of anything else -> TypeError ERR_INVALID_ARG_TYPE (Queue and SharedDict/SharedList clones told apart)', (t) => {
  const clones = {
    dict: structuredClone(new SharedDict()),
    list: structuredClone(new SharedList()),
    queue: structuredClone(new Queue()),
    lock: structuredClone(new Lock()),
  };
  const junk = [undefined, null, 42, 'str', {}, [], { __nativeThreading: null }, { __nativeThreading: { kind: 256, d: 'x' } }];
  for (const [C, own] of [
    [SharedDict, 'dict'],
    [SharedList, 'list'],
  ]) {
    for (const bad of junk) assertThrowsCode(t, () => C.from(bad), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.from(${JSON.stringify(bad)})`);
    for (const [name, clone] of Object.entries(clones)) {
      if (name !== own) assertThrowsCode(t, () => C.from(clone), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.from(a ${name} clone)`);
    }
    // The kind a clone carries is not sealed: the state itself says which class it belongs to.
    const other = own === 'dict' ? clones.list : clones.dict;
    const relabelled = { __nativeThreading: { ...other.__nativeThreading, kind: clones[own].__nativeThreading.kind } };
    assertThrowsCode(t, () => C.from(relabelled), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.from(a clone of the other class relabelled)`);
    for (const live of [new Lock(), new Queue(), own === 'dict' ? new SharedList() : new SharedDict()]) {
      assertThrowsCode(t, () => C.from(live), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.from(a live ${live.constructor.name})`);
    }
  }
  for (const C of [Queue, JoinableQueue]) {
    assertThrowsCode(t, () => C.from(clones.dict), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.from(a SharedDict clone)`);
    assertThrowsCode(t, () => C.from(clones.list), TypeError, 'ERR_INVALID_ARG_TYPE', `${C.name}.from(a SharedList clone)`);
  }
});

test('postMessage + from(): a worker thread and the main thread see each other\'s changes', async (t) => {
  const d = new SharedDict({ fromMain: 1 });
  const l = new SharedList(['main']);
  const w = startWorker(
    t,
    `const d = nt.SharedDict.from(workerData.d);
     const l = nt.SharedList.from(workerData.l);
     post({ type: 'seen', dict: d.toObject(), list: l.toArray(), isDict: d instanceof nt.SharedDict });
     d.set('fromWorker', d.get('fromMain') + 1);
     l.append('worker');
     // A new pair made here goes back inside a message.
     const made = new nt.SharedDict({ madeIn: 'worker' });
     post({ type: 'made', made, list: l });
     await nextMessage();
     post({ type: 'final', made: made.toObject() });`,
    { d, l },
  );
  const seen = await w.next('seen');
  t.deepEqual([seen.dict, seen.list, seen.isDict], [{ fromMain: 1 }, ['main'], true]);
  const { made, list } = await w.next('made');
  t.deepEqual(d.toObject(), { fromMain: 1, fromWorker: 2 });
  t.deepEqual(l.toArray(), ['main', 'worker']);
  t.deepEqual(SharedList.from(list).toArray(), ['main', 'worker'], 'the list sent back is the same list');
  const m = SharedDict.from(made);
  t.deepEqual(m.toObject(), { madeIn: 'worker' });
  m.set('madeIn', 'changed by main');
  w.post('go');
  t.deepEqual((await w.next('final')).made, { madeIn: 'changed by main' });
});

// ---------------------------------------------------------------------------------------------
// Atomicity across processes and threads

for (const kind of KINDS) {
  test(`atomic across ${kind === 'process' ? 'child processes' : 'worker threads'}: 4 writers appending and setting at once lose nothing`, async (t) => {
    const WRITERS = 4;
    const N = kind === 'process' ? 150 : 300;
    const list = new SharedList();
    const dict = new SharedDict();
    const barrier = new Barrier(WRITERS);
    const children = Array.from({ length: WRITERS }, (_, id) => startChild(t, kind, T.appendAndSet, list, dict, id, N, barrier));
    for (const c of children) await ended(t, c, 20_000);

    const items = list.toArray();
    t.is(items.length, WRITERS * N, 'every append is in the list');
    t.deepEqual([...items].sort((a, b) => a - b), Array.from({ length: WRITERS * N }, (_, i) => i), 'each item exactly once');
    for (let id = 0; id < WRITERS; id++) {
      const own = items.filter((v) => Math.floor(v / N) === id);
      t.deepEqual(own, [...own].sort((a, b) => a - b), `writer ${id}'s items are in its order`);
    }
    // The writers really ran at once: some writer's items are not all in one run.
    const runs = items.filter((v, i) => i > 0 && Math.floor(v / N) !== Math.floor(items[i - 1] / N)).length;
    t.log(`${runs} changes of writer along the list`);
    t.is(dict.size, WRITERS * N, 'every set is in the dict');
    const obj = dict.toObject();
    let wrong = 0;
    for (let id = 0; id < WRITERS; id++) for (let i = 0; i < N; i++) if (obj[`${id}:${i}`] !== i) wrong++;
    t.is(wrong, 0, 'every key has its value');
  });
}

// ---------------------------------------------------------------------------------------------
// Target arguments

for (const kind of KINDS) {
  test(`a dict and a list nested in an object and a Map arrive in a ${kind} target as working instances over the same state`, async (t) => {
    const stored = new SharedList(['stored']);
    const dict = new SharedDict({ parent: 1, stored });
    const list = new SharedList(['parent']);
    const inner = new SharedList(['x']);
    const out = new Queue();
    const child = startChild(t, kind, T.nested, { box: { dict, list } }, new Map([['inner', inner]]), out);
    const r = await recv(out, 'the report of the target');
    await ended(t, child);
    t.deepEqual(
      [r.dictClass, r.listClass, r.isDict, r.isList, r.innerIsList],
      ['SharedDict', 'SharedList', true, true, true],
      'the classes of the package, revived',
    );
    t.deepEqual(r.seen.list, ['parent']);
    t.deepEqual(r.seen.inner, ['x']);
    t.is(r.seen.dict.parent, 1);
    t.is(dict.get('child'), 'was here');
    t.deepEqual(list.toArray(), ['parent', 'child']);
    t.deepEqual(inner.toArray(), ['first', 'x']);
    t.deepEqual(stored.toArray(), ['stored', 'through the dict'], 'a list stored in the dict, changed in the child');
  });
}

// ---------------------------------------------------------------------------------------------
// Manager

test('Manager: every factory makes a working instance of its class', (t) => {
  const m = new Manager();
  const q = m.Queue(2);
  t.true(q instanceof Queue);
  q.put('a');
  q.put('b');
  t.true(q.full(), 'Queue(2) is bounded');
  t.is(q.get(), 'a');
  t.true(m.Queue() instanceof Queue);
  const jq = m.JoinableQueue();
  t.true(jq instanceof JoinableQueue);
  jq.put(1);
  jq.get();
  jq.taskDone();
  jq.join();
  const lock = m.Lock();
  t.true(lock instanceof Lock);
  t.true(lock.acquire(false));
  t.false(lock.acquire(false));
  const rlock = m.RLock();
  t.true(rlock instanceof RLock);
  t.true(rlock.acquire(false) && rlock.acquire(false), 'an RLock is reentrant');
  const cond = m.Condition();
  t.true(cond instanceof Condition);
  t.true(cond.lock instanceof RLock, 'Condition() defaults to an RLock');
  t.is(m.Condition(lock).lock, lock);
  const sem = m.Semaphore(2);
  t.true(sem instanceof Semaphore);
  t.true(sem.acquire(false) && sem.acquire(false));
  t.false(sem.acquire(false));
  t.true(m.Semaphore().acquire(false), 'Semaphore() defaults to 1');
  const bsem = m.BoundedSemaphore();
  t.true(bsem instanceof BoundedSemaphore);
  assertThrowsCode(t, () => bsem.release(), Error, 'ERR_SEMAPHORE_OVER_RELEASED', 'BoundedSemaphore release above initial');
  const ev = m.Event();
  t.true(ev instanceof Event);
  ev.set();
  t.true(ev.isSet());
  let acted = 0;
  const b = m.Barrier(1, () => acted++, 5000);
  t.true(b instanceof Barrier);
  t.is(b.parties, 1);
  t.is(b.wait(), 0);
  t.is(acted, 1, 'the action ran');
  const v = m.Value('i', 7);
  t.true(v instanceof Value);
  t.is(v.value, 7);
  t.is(m.Value('q').value, 0n);
  const arr = m.Array('d', [1.5, 2.5]);
  t.true(arr instanceof SharedArray);
  t.deepEqual(arr.toArray(), [1.5, 2.5]);
  t.is(m.Array('i', 3).length, 3);
  const d = m.dict({ a: 1 });
  t.true(d instanceof SharedDict);
  t.deepEqual(d.toObject(), { a: 1 });
  t.is(m.dict().size, 0);
  const l = m.list([1, 2]);
  t.true(l instanceof SharedList);
  t.deepEqual(l.toArray(), [1, 2]);
  t.is(m.list().length, 0);
});

test('Manager: arguments are validated as by the constructors', (t) => {
  const m = new Manager();
  assertThrowsCode(t, () => m.Queue(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'Queue(1.5)');
  assertThrowsCode(t, () => m.JoinableQueue('x'), TypeError, 'ERR_INVALID_ARG_TYPE', "JoinableQueue('x')");
  assertThrowsCode(t, () => m.Semaphore(-1), RangeError, 'ERR_OUT_OF_RANGE', 'Semaphore(-1)');
  assertThrowsCode(t, () => m.BoundedSemaphore(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'BoundedSemaphore(1.5)');
  assertThrowsCode(t, () => m.Condition({}), TypeError, 'ERR_INVALID_ARG_TYPE', 'Condition({})');
  assertThrowsCode(t, () => m.Barrier(0), RangeError, 'ERR_OUT_OF_RANGE', 'Barrier(0)');
  assertThrowsCode(t, () => m.Barrier(1.5), RangeError, 'ERR_OUT_OF_RANGE', 'Barrier(1.5)');
  t.throws(() => m.Value('z', 1), { instanceOf: TypeError }, "Value('z')");
  t.throws(() => m.Array('i', -1), { instanceOf: RangeError }, "Array('i', -1)");
  assertThrowsCode(t, () => m.dict(5), TypeError, 'ERR_INVALID_ARG_TYPE', 'dict(5)');
  assertThrowsCode(t, () => m.list(5), TypeError, 'ERR_INVALID_ARG_TYPE', 'list(5)');
  assertThrowsCode(t, () => m.list([() => 1]), TypeError, 'ERR_INVALID_ARG_VALUE', 'list([a function])');
});

test('Manager objects work across processes: a Queue, Event, Value, Array, dict and list given to a Process', async (t) => {
  const m = new Manager();
  const q = m.Queue();
  const ev = m.Event();
  const value = m.Value('i', 1);
  const arr = m.Array('i', 3);
  const dict = m.dict();
  const list = m.list();
  const out = m.Queue();
  const child = startChild(t, 'process', T.useManagerObjects, q, ev, value, arr, dict, list, out);
  q.put({ hello: 'child' });
  const r = await recv(out, 'the report of the child');
  t.deepEqual(r, { queueIsQueue: true, evIsEvent: true, valueIsValue: true });
  t.true(await within(ev.waitAsync(10_000), 12_000, 'the event'), 'the child set the event');
  await ended(t, child);
  t.is(await recv(q, 'the reply'), 'reply');
  t.is(value.value, 11);
  t.deepEqual(arr.toArray(), [0, 42, 0]);
  t.deepEqual(dict.toObject(), { got: { hello: 'child' } });
  t.deepEqual(list.toArray(), [{ hello: 'child' }]);
});

test('shutdown(): factories then throw ERR_MANAGER_SHUTDOWN, objects already made still work, a second call is harmless; [Symbol.dispose]() shuts down too', (t) => {
  const m = new Manager();
  const d = m.dict({ a: 1 });
  const l = m.list();
  const q = m.Queue();
  const lock = m.Lock();
  m.shutdown();
  t.notThrows(() => m.shutdown(), 'shutdown twice');
  const factories = {
    Queue: () => m.Queue(),
    JoinableQueue: () => m.JoinableQueue(),
    Lock: () => m.Lock(),
    RLock: () => m.RLock(),
    Condition: () => m.Condition(),
    Semaphore: () => m.Semaphore(),
    BoundedSemaphore: () => m.BoundedSemaphore(),
    Event: () => m.Event(),
    Barrier: () => m.Barrier(2),
    Value: () => m.Value('i'),
    Array: () => m.Array('i', 2),
    dict: () => m.dict(),
    list: () => m.list(),
  };
  for (const [name, f] of Object.entries(factories)) {
    const e = assertThrowsCode(t, f, Error, 'ERR_MANAGER_SHUTDOWN', `${name}() after shutdown`);
    t.regex(e?.message ?? '', /shut down/);
  }
  d.set('b', 2);
  l.append('x');
  q.put('y');
  t.deepEqual([d.toObject(), l.toArray(), q.get(), lock.acquire(false)], [{ a: 1, b: 2 }, ['x'], 'y', true], 'the objects made before still work');

  const disposable = new Manager();
  t.is(typeof disposable[Symbol.dispose], 'function');
  const l2 = disposable.list([1]);
  disposable[Symbol.dispose]();
  assertThrowsCode(t, () => disposable.list(), Error, 'ERR_MANAGER_SHUTDOWN', 'list() after dispose');
  t.notThrows(() => disposable[Symbol.dispose](), 'dispose twice');
  l2.append(2);
  t.deepEqual(l2.toArray(), [1, 2]);
  t.true(new Manager().Lock() instanceof Lock, 'another Manager is not affected');
});
