"""CPython's side of bench/codec.mjs: what multiprocessing.Pool pays to send one chunk of a map,
per item: pickle.dumps of the chunk (the caller's share) and pickle.loads of it (a worker's).

Usage (one JSON object on stdout):
  python3 codec_bench.py N RUNS WORKLOAD...
      For each workload (the payloads of pool_real_bench.py, and "results" for a chunk of
      result dicts {k, s}): the median over RUNS of the ns per item to pickle, then to
      unpickle, a tuple of N items, as Pool's task handler and workers do.
"""
import json
import pickle
import platform
import statistics
import sys
import time

from pool_real_bench import WORKLOADS

perf = time.perf_counter_ns


def per_item(call, n, runs):
    samples = []
    for _ in range(runs):
        t0 = perf()
        call()
        samples.append((perf() - t0) / n)
    return statistics.median(samples)


def main():
    n, runs = int(sys.argv[1]), int(sys.argv[2])
    out = {}
    for name in sys.argv[3:]:
        if name == "results":
            chunk = [{"k": i + 1, "s": "abc"} for i in range(n)]
        else:
            _, item, _ = WORKLOADS[name]
            chunk = tuple(item(i) for i in range(n))
        data = pickle.dumps(chunk)
        out[name] = {
            "encode": per_item(lambda: pickle.dumps(chunk), n, runs),
            "decode": per_item(lambda: pickle.loads(data), n, runs),
            "bytesPerItem": len(data) / n,
        }
    json.dump({"workloads": out, "python": platform.python_version(), "protocol": pickle.DEFAULT_PROTOCOL}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
