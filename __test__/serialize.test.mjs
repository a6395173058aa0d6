// What one serialization of a whole Pool chunk, result or queue item guarantees (no walk over
// the value in JavaScript): a Value, SharedArray, Queue or Lock nested anywhere arrives as the
// same shared object, in arguments, results and queue items, deep and in large arrays; a
// SharedArrayBuffer (or a view of one) anywhere is ERR_NOT_SHAREABLE; a value that cannot be
// serialized is a coded error and loses nothing (the pool and the queue go on, nothing is put).
import ava from 'ava';
import v8 from 'node:v8';
import { assertThrowsCode, nt, within } from './helpers/util.mjs';
import { LONG, makePool, settle } from './helpers/pool.mjs';
import * as T from './fixtures/serialize-targets.mjs';

const test = ava.serial;
const { Pool, ThreadPool, Queue, Value, SharedArray, Lock } = nt;

/** `leaf` under `depth` levels of objects, arrays, Maps and Sets, and the path to it. */
function nest(leaf, depth) {
  let x = leaf;
  const path = [];
  for (let i = 0; i < depth; i++) {
    switch (i % 4) {
      case 0:
        x = { pad: i, o: x };
        path.unshift('o');
        break;
      case 1:
        x = [i, 'pad', x];
        path.unshift(2);
        break;
      case 2:
        x = new Map([['pad', i], ['m', x]]);
        path.unshift('m');
        break;
      default:
        x = new Set([x]);
        path.unshift('set');
    }
  }
  return { x, path };
}

for (const Kind of [Pool, ThreadPool]) {
  const name = Kind.name;

  test(`${name}: a Value 200 levels deep in an argument is the same Value in the worker, and comes back as it in a result`, async (t) => {
    const pool = makePool(t, Kind, 1);
    const v = new Value('i', 5);
    const { x, path } = nest(v, 200);
    const r = await settle(pool.applyAsync(T.bumpDeep, [x, path]));
    t.is(v.value, 6, 'the worker wrote through the Value it received');
    const back = r.back[0].get('v');
    t.true(back instanceof Value, 'the result holds a Value');
    back.value += 10;
    t.is(v.value, 16, 'the Value in the result is the same shared memory');
  });

  test(`${name}: a Queue deep inside an item of a large array arrives as the same Queue; map over 50,000 items with a Value in a few of them`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const q = new Queue();
    const { x, path } = nest(q, 40);
    const big = Array.from({ length: 100_000 }, (_, i) => ({ i, s: `s${i}` }));
    t.is(await settle(pool.applyAsync(T.putDeep, [{ deep: x, big }, ['deep', ...path], 'hello'])), 100_000);
    t.is(q.get(true, LONG / 1000), 'hello');
    const counter = new Value('i', 0);
    const items = Array.from({ length: 50_000 }, (_, n) => (n % 10_000 === 7 ? { n, v: counter } : { n }));
    const out = pool.map(T.countItem, items);
    t.is(out.length, 50_000);
    t.true(out.every((n, i) => n === i), 'every item in order');
    t.is(counter.value, 5, 'the five items holding the Value reached it');
  });

  test(`${name}: an argument that cannot be serialized is ERR_INVALID_ARG_VALUE at the call, and loses nothing`, async (t) => {
    const pool = makePool(t, Kind, 1);
    const v = new Value('i', 1);
    const { x } = nest({ v, f: () => 1 }, 30);
    assertThrowsCode(t, () => pool.applyAsync(T.dig, [x, []]), TypeError, 'ERR_INVALID_ARG_VALUE', 'apply');
    assertThrowsCode(t, () => pool.map(T.countItem, [{ n: 0 }, { n: 1, v, f: Symbol('x') }]), TypeError, 'ERR_INVALID_ARG_VALUE', 'map');
    t.deepEqual(pool.map(T.countItem, [{ n: 0, v }, { n: 1 }]), [0, 1], 'the pool goes on');
    t.is(v.value, 2, 'only the call that was sent ran');
    // Chunks are submitted as they are encoded: those before a bad one may run (as in Python),
    // none after it does, and the failed call reports nothing later.
    const before = new Value('i', 0);
    const after = new Value('i', 0);
    const reported = [];
    const items = [
      ...Array.from({ length: 5 }, (_, n) => ({ n, v: before })),
      { n: 5, f: () => 5 },
      ...Array.from({ length: 4 }, (_, n) => ({ n: n + 6, v: after })),
    ];
    assertThrowsCode(t, () => pool.mapAsync(T.countItem, items, 1, (r) => reported.push(r), (e) => reported.push(e)), TypeError, 'ERR_INVALID_ARG_VALUE', 'map, chunk 6 of 10');
    t.deepEqual(pool.map(T.countItem, [{ n: 0 }, { n: 1, v: after }]), [0, 1], 'the pool goes on after a call that failed part way');
    t.is(after.value, 1, 'no chunk after the one that could not be sent ran');
    t.true(before.value <= 5, 'a chunk before it ran at most once');
    t.deepEqual(reported, [], 'the failed call calls neither callback');
  });
}

test('Pool: a SharedArrayBuffer or a view of one, deep in an argument, a map item or a result, is ERR_NOT_SHAREABLE pointing to Value/SharedArray', async (t) => {
  const pool = makePool(t, Pool, 1);
  for (const [what, leaf] of [['buffer', new SharedArrayBuffer(8)], ['view', new Int32Array(new SharedArrayBuffer(8))]]) {
    const { x } = nest(leaf, 50);
    const e = assertThrowsCode(t, () => pool.applyAsync(T.dig, [x, []]), TypeError, 'ERR_NOT_SHAREABLE', `${what} in an argument`);
    t.regex(e?.message ?? '', /Value or SharedArray/);
    const items = Array.from({ length: 20_000 }, (_, n) => ({ n }));
    items[19_999] = { n: 19_999, deep: x };
    assertThrowsCode(t, () => pool.map(T.countItem, items), TypeError, 'ERR_NOT_SHAREABLE', `${what} in the last of 20,000 map items`);
  }
  const r = await within(pool.applyAsync(T.returnSharedView).then(() => undefined, (e) => e), LONG, 'the result');
  t.is(r?.code, 'ERR_NOT_SHAREABLE', 'a result holding a view of a SharedArrayBuffer');
  const u = await within(pool.applyAsync(T.returnUnsendable, [new Value('i', 0)]).then(() => undefined, (e) => e), LONG, 'the result');
  t.is(u?.code, 'ERR_INVALID_RETURN_VALUE', 'a result that cannot be serialized');
  t.is(pool.apply(T.countItem, [{ n: 3 }]), 3, 'the pool goes on');
});

test('ThreadPool: a SharedArrayBuffer deep in an argument beside a Value stays shared, and the Value is the same', async (t) => {
  const pool = makePool(t, ThreadPool, 1);
  const ints = new Int32Array(new SharedArrayBuffer(8));
  const v = new Value('i', 0);
  const { x, path } = nest({ ints, v }, 60);
  const got = await settle(pool.applyAsync(T.bumpDeep, [{ w: x }, ['w', ...path, 'v']]));
  t.is(v.value, 1);
  t.true(got.back[0].get('v') instanceof Value);
  const r = await settle(pool.applyAsync(T.dig, [x, [...path, 'ints']]));
  r[0] = 42;
  t.is(ints[0], 42, 'the view that came back is the same memory');
});

test('Queue: shared objects deep in an item arrive as the same objects; a SharedArrayBuffer is ERR_NOT_SHAREABLE; an item that cannot be serialized is not put', (t) => {
  const q = new Queue();
  const lock = new Lock();
  const arr = new SharedArray('i', 4);
  const { x, path } = nest({ lock, arr, big: Array.from({ length: 50_000 }, (_, i) => i) }, 100);
  q.put(x);
  const got = T.dig(q.get(true, 5), path);
  t.true(got.lock instanceof Lock && got.arr instanceof SharedArray);
  t.true(got.lock.acquire(false));
  t.false(lock.acquire(false), 'the Lock that came back is the same lock');
  got.lock.release();
  got.arr.set(1, 9);
  t.is(arr.get(1), 9, 'the SharedArray that came back is the same memory');
  t.is(got.big.length, 50_000);
  const e = assertThrowsCode(t, () => q.put(nest(new Uint8Array(new SharedArrayBuffer(4)), 70).x), TypeError, 'ERR_NOT_SHAREABLE', 'a view');
  t.regex(e?.message ?? '', /Value or SharedArray/);
  assertThrowsCode(t, () => q.put(nest(new SharedArrayBuffer(4), 70).x), TypeError, 'ERR_NOT_SHAREABLE', 'a buffer');
  assertThrowsCode(t, () => q.put({ lock, f: () => 1 }), TypeError, 'ERR_INVALID_ARG_VALUE', 'a function');
  t.is(q.qsize(), 0, 'nothing was put');
  q.put({ plain: [1, 'a', new Date(0), new Map([[1, 2]])] });
  t.deepEqual(q.get(true, 5), { plain: [1, 'a', new Date(0), new Map([[1, 2]])] });
});

for (const Kind of [Pool, ThreadPool]) {
  test(`${Kind.name}: map over byte arrays (sent as their bytes) gives each call its own bytes and class, and byte arrays as results come back so; mixed classes keep theirs`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const big = Buffer.alloc(4096, 7);
    const bufs = [Buffer.from('abc'), Buffer.alloc(0), big.subarray(100, 300), Buffer.alloc(1024, 255)];
    const out = pool.map(T.identity, bufs, 2);
    t.true(out.every((b) => Buffer.isBuffer(b)), 'Buffers come back as Buffers');
    t.deepEqual(out.map((b) => b.toString('hex')), bufs.map((b) => b.toString('hex')), 'each with its own bytes (a view: only its part)');
    const u8 = [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])];
    t.deepEqual(pool.map(T.describeBytes, u8), [['Uint8Array', 2], ['Uint8Array', 0], ['Uint8Array', 1]]);
    t.deepEqual(pool.map(T.describeBytes, bufs), [['Buffer', 3], ['Buffer', 0], ['Buffer', 200], ['Buffer', 1024]]);
    t.deepEqual(pool.map(T.describeBytes, [Buffer.from('ab'), new Uint8Array([1]), new Uint16Array(2)]), [['Buffer', 2], ['Uint8Array', 1], ['Uint16Array', 2]], 'mixed classes take the serializer');
    const back = pool.map(T.identity, u8);
    t.true(back.every((b) => b.constructor === Uint8Array), 'Uint8Array results stay Uint8Arrays');
    const many = Array.from({ length: 3000 }, (_, i) => Buffer.alloc(i % 50, i & 255));
    const res = await pool.mapAsync(T.identity, many);
    t.true(res.every((b, i) => Buffer.isBuffer(b) && b.equals(many[i])), '3,000 Buffers of many sizes, in order');
    const it = [];
    for await (const b of pool.imap(T.identity, many.slice(0, 500), 64)) it.push(b);
    t.true(it.every((b, i) => b.equals(many[i])), 'imap chunks of Buffers');
  });

  test(`${Kind.name}: starmap over tuples of one length (sent by argument position) gives every call its own arguments, of any type; shared objects among them arrive as themselves; tuples of other lengths too`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const d = new Date(5);
    const calls = Array.from({ length: 300 }, (_, i) => [i, `s${i}`, i % 3 === 0 ? { o: [i] } : i % 3 === 1 ? undefined : d, i % 7 === 0 ? null : -0]);
    t.deepEqual(pool.starmap(T.argsOf, calls, 50), calls.map((c) => v8Copy(c)), 'every call its own arguments, in order');
    t.true(Object.is(pool.starmap(T.argsOf, [[1, -0], [2, -0]])[1][1], -0), '-0 stays -0');
    const v = new Value('i', 0);
    const withValue = Array.from({ length: 1000 }, (_, i) => [i, 'ab', i % 100 === 0 ? v : null]);
    t.deepEqual(await pool.starmapAsync(T.countArgs, withValue), withValue.map(([n]) => n + 2));
    t.is(v.value, 10, 'the ten calls holding the Value reached it');
    const uneven = [[1, 'a'], [2, 'b', 'c'], [3]];
    t.deepEqual(pool.starmap(T.argsOf, uneven), uneven, 'tuples of different lengths');
    if (Kind === ThreadPool) {
      const sab = new Int32Array(new SharedArrayBuffer(8));
      const out = pool.starmap(T.argsOf, [[1, sab], [2, sab]]);
      out[0][1][0] = 7;
      t.is(sab[0], 7, 'a SharedArrayBuffer view among them stays shared (it travels by postMessage)');
    } else {
      assertThrowsCode(t, () => pool.starmap(T.argsOf, [[1, 'a'], [2, new Int32Array(new SharedArrayBuffer(8))]]), TypeError, 'ERR_NOT_SHAREABLE', 'a SharedArrayBuffer view in a Pool call');
    }
  });

  test(`${Kind.name}: map over flat records (sent by field) gives each call its record, keys in order and values exact, and records as results come back so; other objects take the serializer`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const records = Array.from({ length: 500 }, (_, i) => ({ id: i, name: `n${i} ✓`, score: i % 5 === 0 ? -0 : i / 3, ok: i % 2 === 0, none: i % 3 === 0 ? null : undefined, big: BigInt(i), 1: 'one' }));
    const got = pool.map(T.entriesOf, records, 100);
    t.deepEqual(got, records.map((r) => [true, Object.entries(r)]), 'keys in order, values exact');
    t.true(Object.is(got[0][1].find(([k]) => k === 'score')[1], -0), '-0 stays -0');
    const back = await pool.mapAsync(T.identity, records);
    t.deepEqual(back, records, 'records as results');
    t.true(back.every((r) => Object.getPrototypeOf(r) === Object.prototype));
    const odd = [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 1, b: { c: 3 } }, JSON.parse('{"__proto__": {"p": 1}, "a": 1}'), JSON.parse('{"__proto__": {"p": 2}, "a": 2}')];
    t.deepEqual(pool.map(T.entriesOf, odd), odd.map((r) => [true, Object.entries(r)]), 'other key orders, nested objects, an own __proto__ key');
    t.deepEqual(pool.map(T.entriesOf, odd.slice(3)), odd.slice(3).map((r) => [true, Object.entries(r)]), 'own __proto__ keys alone');
    assertThrowsCode(t, () => pool.map(T.identity, [{ a: 1 }, { a: () => 1 }]), TypeError, 'ERR_INVALID_ARG_VALUE', 'a function in a record');
    const e = await settle(pool.mapAsync(T.recordWithFunction, [1, 2])).then(() => null, (x) => x);
    t.is(e?.code, 'ERR_INVALID_RETURN_VALUE', 'a result record that cannot be sent');
  });

  test(`${Kind.name}: calls whose arguments are all numbers (sent as float64s) get them exactly, any count; a call with another value among them takes the serializer`, async (t) => {
    const pool = makePool(t, Kind, 2);
    const odd = [-0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 5e-324];
    for (const argc of [2, 3, 5]) {
      const calls = Array.from({ length: 3000 }, (_, i) => Array.from({ length: argc }, (_, k) => (k === 0 ? odd[i % odd.length] : i * 10 + k)));
      const out = pool.starmap(T.argsOf, calls);
      t.true(out.every((r, i) => r.length === argc && r.every((x, k) => Object.is(x, calls[i][k]))), `${argc} arguments`);
    }
    const args = [1.5, 2];
    const r = pool.applyAsync(T.argsOf, args);
    args[0] = 99;
    t.deepEqual(await settle(r), [1.5, 2], 'the arguments are copied at the call');
    t.deepEqual(pool.starmap(T.argsOf, [[1, 2], [3, 'x'], [5, 6]]), [[1, 2], [3, 'x'], [5, 6]], 'a string among them');
    t.deepEqual(pool.starmap(T.argsOf, [[1, 2], [3, 4, 5]]), [[1, 2], [3, 4, 5]], 'different counts');
    t.deepEqual(pool.starmap(T.argsOf, [[1, 2n]]), [[1, 2n]], 'a bigint is not a number');
  });
}

test('Queue: an item comes back as v8 serialization would give it, whichever encoding it takes (JSON text for plain data)', (t) => {
  const q = new Queue();
  const shared = { s: 1 };
  const cyclic = { name: 'c' };
  cyclic.self = cyclic;
  const extra = [1, 2];
  extra.note = 'kept';
  // eslint-disable-next-line no-sparse-arrays
  const sparse = [1, , 3];
  const deep = nest({ end: true }, 0).x;
  let deepPlain = { end: 1 };
  for (let i = 0; i < 200; i++) deepPlain = { i, next: [deepPlain] };
  const items = [
    { k: 1, s: 'abc', a: [1, 2], n: null, b: true, f: 1.5, big: 2 ** 60 },
    [1, 'two', [3, [4]]],
    { z: -0 }, [NaN], { inf: Infinity }, { u: undefined }, [undefined], sparse, extra,
    { d: new Date(5) }, { m: new Map([[1, { x: 2 }]]) }, { t: new Uint8Array([1, 2]) },
    { lone: '\ud800x', emoji: '😀' }, JSON.parse('{"__proto__": {"p": 1}}'), { [Symbol('s')]: 1, v: 2 },
    { twice: [shared, shared] }, cyclic, deep, deepPlain, Object.create(null),
  ];
  for (const item of items) q.put(item);
  for (const [i, item] of items.entries()) t.deepEqual(q.get(true, 5), v8Copy(item), `item ${i}`);
  q.put(items[15]);
  const twice = q.get(true, 5);
  t.is(twice.twice[0], twice.twice[1], 'an object repeated inside an item is one object on the other side');
  q.put(cyclic);
  const c = q.get(true, 5);
  t.is(c.self, c, 'a cycle stays a cycle');
  q.put({ z: -0 });
  t.true(Object.is(q.get(true, 5).z, -0), '-0 stays -0');
});

function v8Copy(x) {
  return v8.deserialize(v8.serialize(x));
}
