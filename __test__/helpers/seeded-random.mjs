// A seeded pseudo-random source (mulberry32) for the fuzzers: the same seed gives the same
// cases, so a failure can be replayed from the seed the test logs.

/** `{ random, pick }`: `random()` in [0, 1), `pick(list)` one of its items. */
export function seeded(seed) {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { random, pick: (list) => list[Math.floor(random() * list.length)] };
}
