// Must NOT compile: each line marked `// TSnnnn` fails with that error, and no other line does.
import { Pool, Process, SharedArray, Thread, Value } from 'native-threading';
import { add, countPrimes, describe, ping } from './tasks';

const pool = new Pool(2);
pool.map(countPrimes, ['not a number']); // TS2769
pool.apply(countPrimes, [1, 2, 3, 4]); // TS2769
pool.apply(add, ['1', 2]); // TS2769
pool.apply(add); // TS2769
pool.starmap(add, [[1, 'x']]); // TS2769
pool.map(describe, [{ k: 1 }]); // TS2769
pool.imap(countPrimes, [true]); // TS2769
const wrong: string[] = pool.map(countPrimes, [1]); // TS2322
const alsoWrong: number = pool.apply(ping); // TS2322
new Thread({ target: add, args: ['1', 2] }); // TS2345
new Thread({ target: add }); // TS2345
new Process({ target: countPrimes, args: [1, 2] }); // TS2345
const counter = new Value('i', 0);
counter.value = 1n; // TS2322
const big = new Value('q', 0n);
big.value = 1; // TS2322
new Value('q', 1); // TS2769
const ints = new SharedArray('i', 4);
ints.set(0, 1n); // TS2345
const b: bigint = ints.get(0); // TS2322

export { wrong, alsoWrong, b };
