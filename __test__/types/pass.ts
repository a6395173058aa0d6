// Must compile with `tsc --strict`: types follow the target.
import { Manager, Pool, Process, SharedArray, Thread, ThreadPool, Value, type AsyncResult, type PoolIterator, type Typecode } from 'native-threading';
import { add, countPrimes, describe, fetchLength, greet, loose, ping, untyped } from './tasks';

const pool = new Pool(2);
const threads = new ThreadPool(2);

const counts: number[] = pool.map(countPrimes, [10, 20]);
const lengths: number[] = threads.map(fetchLength, ['a', 'bb']);
const sums: number[] = pool.starmap(add, [[1, 2], [3, 4]]);
const greetings: string[] = pool.starmap(greet, [['a'], ['b', '?']]);
const described: string[] = pool.map(describe, [{ k: 1, s: 'x' }]);
const one: number = pool.apply(add, [1, 2]);
const pong: 'pong' = pool.apply(ping);
const later: AsyncResult<number> = pool.applyAsync(fetchLength, ['url'], null, (n: number) => void n);
const laterNoArgs: AsyncResult<'pong'> = threads.applyAsync(ping);
const mapped: AsyncResult<number[]> = pool.mapAsync(countPrimes, [1], 1, (ns: number[]) => void ns);
const starred: AsyncResult<number[]> = pool.starmapAsync(add, [[1, 2]]);
const ordered: PoolIterator<number> = pool.imap(countPrimes, [1, 2], 64);
const unordered: PoolIterator<number> = pool.imapUnordered(fetchLength, new Set(['a']));
for (const n of ordered) void (n satisfies number);
// kwargs: passed as one last argument; args are not checked then.
const withKwargs: number = pool.apply(add, [1], { b: 2 });
// Loosely typed targets: a Function needs the result named; any-typed ones pass as they are.
const named: number[] = pool.map<number>(untyped, [1, 2]);
const unnamed: unknown[] = pool.map(untyped, [1, 2]);
const viaAny: number = pool.apply(loose, ['anything', 1]);
const explicit: number = pool.apply<number>(untyped, [1]);

new Thread({ target: add, args: [1, 2] }).start();
new Thread({ target: ping }).start();
new Thread({ target: greet, args: ['a'], name: 'greeter', daemon: true });
new Thread({ target: add, args: [1], kwargs: { b: 2 } });
new Thread({ target: untyped, args: ['anything'] });
new Thread();
new Process({ target: add, args: [1, 2] }).start();
class Worker extends Thread {
  override run(): void {}
}
new Worker().start();

// Value and SharedArray follow their typecode; literal initial values widen.
const counter = new Value('i', 0);
counter.value = 7;
const big = new Value('q', 0n);
big.value = 1n << 40n;
const flt = new Value('d');
flt.value = 0.5;
const chosen = new Value('i' as 'i' | 'd', 1);
chosen.value = 2;
const makeValue = (code: Typecode): Value<number | bigint> => new Value(code, 1);
const wide = makeValue('i');
const restored: Value<bigint> = Value.from<bigint>({});
const ints = new SharedArray('i', 4);
const i0: number = ints.get(0);
const iv: Int32Array = ints.view;
const bigs = new SharedArray('Q', [1n, 2n]);
const b0: bigint = bigs.get(0);
bigs.set(1, 3n);
const anyArray: SharedArray = ints;
const either: number | bigint = anyArray.get(0);
const managed = new Manager();
const mv = managed.Value('i', 1);
mv.value = 2;
const ma: number = managed.Array('d', 3).get(0);

export { counts, lengths, sums, greetings, described, one, pong, later, laterNoArgs, mapped, starred, unordered, withKwargs, named, unnamed, viaAny, explicit, restored, wide, i0, iv, b0, either, ma };
