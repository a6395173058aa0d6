// The trivial task of the pool benchmarks (bench/pool.mjs, bench/pool-python.mjs):
// every pool runs this same function. ThreadPool and Pool import this module
// in their workers to find `inc`; piscina and tinypool load it as their worker
// file and call the export named 'inc'; workerpool's worker file
// (pool-workerpool-worker.mjs) registers it. Importing it does nothing else.

/** x + 1 */
export function inc(x) {
  return x + 1;
}

export default inc;
