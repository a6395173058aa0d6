// The trivial tasks of the realistic-payload rows (bench/pool-real.mjs): each returns a
// number computed from what it was sent, so that the payload, not the task, is measured.
// bench/python/pool_real_bench.py defines the same functions for CPython.

/** Sum of the arguments (starmap over tuples). */
export function add(a, b) {
  return a + b;
}

/** A number plus a string's length (starmap over mixed tuples). */
export function addLength(a, s) {
  return a + s.length;
}

/** A small object's field plus one. */
export function field(o) {
  return o.k + 1;
}

/** A small object's field plus one, as an object (a result that is not a number). */
export function echo(o) {
  return { k: o.k + 1, s: o.s };
}

/** The length of a string, an array, a Buffer; the size of a Map; a Date's time. */
export function size(x) {
  if (x instanceof Map) return x.size;
  if (x instanceof Date) return x.getTime();
  return x.length;
}

/** add() for pools that pass one value (piscina, tinypool): the arguments as an array. */
export function addPair(args) {
  return args[0] + args[1];
}
