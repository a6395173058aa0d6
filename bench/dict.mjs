// SharedDict and SharedList calls on the main thread, uncontended: what one call costs (a small
// dict's get and set, a large dict's get, a list's append and pop). For `bench/ab.mjs`, which
// compares two builds of the package; no baseline of its own.
import { loadPackage, measureInterleaved } from './common.mjs';

const KEYS = Array.from({ length: 16 }, (_, i) => `key${i}`);

// One function per case, so that each call site stays monomorphic.
function getSmall(d, n) {
  for (let i = 0; i < n; i++) d.get(KEYS[i & 15]);
}
function setSmall(d, n) {
  for (let i = 0; i < n; i++) d.set(KEYS[i & 15], i);
}
function getLarge(d, n) {
  for (let i = 0; i < n; i++) d.get(`k${i % 1000}`);
}
function appendPop(l, n) {
  for (let i = 0; i < n; i++) {
    l.append(i);
    l.pop();
  }
}

export async function run(ctx) {
  const nt = loadPackage();
  const small = new nt.SharedDict(KEYS.map((k, i) => [k, { n: i, s: 'value' }]));
  const large = new nt.SharedDict(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
  const list = new nt.SharedList(Array.from({ length: 16 }, (_, i) => i));
  if (small.get('key3').n !== 3 || large.get('k999') !== 999) throw new Error('SharedDict.get() returned a wrong value');
  const m = measureInterleaved(
    {
      getSmall: (n) => getSmall(small, n),
      setSmall: (n) => setSmall(small, n),
      getLarge: (n) => getLarge(large, n),
      appendPop: (n) => appendPop(list, n),
    },
    { repeats: ctx.repeats, sampleMs: ctx.quick ? 50 : 250 },
  );
  const us = (k) => m[k].median / 1000;
  return [
    { id: 'dict-get-16', benchmark: 'SharedDict.get() of a 16-key dict of small objects', unit: 'µs/call', ours: us('getSmall') },
    { id: 'dict-set-16', benchmark: 'SharedDict.set() of a number in a 16-key dict of small objects', unit: 'µs/call', ours: us('setSmall') },
    { id: 'dict-get-1000', benchmark: 'SharedDict.get() of a 1000-key dict of numbers', unit: 'µs/call', ours: us('getLarge') },
    { id: 'list-append-pop', benchmark: 'SharedList.append() then pop() on a 16-item list of numbers', unit: 'µs/pair', ours: us('appendPop') },
  ];
}
