"""CPython multiprocessing.Pool reference numbers for bench/pool-real.mjs: the same calls over
the same payloads as the Node side (see WORKLOADS there), with the same trivial tasks.

Usage (one JSON object on stdout):
  python3 pool_real_bench.py PROCESSES N K N1 WARM SAMPLE_MS WORKLOAD...
      For each workload: K samples of each method over N items (map, starmap and map_async
      with the default chunksize; imap and imap_unordered with chunksize 64), and of imap with
      chunksize 1 over N1 items; a sample is as many calls back to back as last SAMPLE_MS;
      items/s. The pool is created and every method called WARM times before timing; the
      input is built before timing.
"""
import datetime
import json
import multiprocessing as mp
import platform
import signal
import sys
import time

from pool_bench import die_with_parent

perf = time.perf_counter_ns


def add(a, b):
    return a + b


def add_length(a, s):
    return a + len(s)


def field(o):
    return o["k"] + 1


def echo(o):
    return {"k": o["k"] + 1, "s": o["s"]}


def size(x):
    if isinstance(x, datetime.datetime):
        return x.timestamp()
    return len(x)


EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)

# name: (function, item i, spread as arguments)
WORKLOADS = {
    "tuple": (add, lambda i: (i, 1), True),
    "tuple-mixed": (add_length, lambda i: (i, "abc"), True),
    "object": (field, lambda i: {"k": i, "s": "abc", "a": [1, 2]}, False),
    "object-result": (echo, lambda i: {"k": i, "s": "abc", "a": [1, 2]}, False),
    "string": (size, lambda i: "item%d" % i, False),
    "nested": (size, lambda i: [[i, i + 1], [i + 2, [i + 3]]], False),
    "buffer": (size, lambda i: bytes(1024), False),
    "date": (size, lambda i: EPOCH + datetime.timedelta(seconds=i), False),
    "map": (size, lambda i: {"a": i, "b": i + 1}, False),
}


def timed(call, n, sample_ms):
    """Calls back to back until sample_ms have passed; items/s over them all."""
    t0 = perf()
    calls = 0
    while True:
        r = call()
        if len(r) != n:
            raise RuntimeError(f"{len(r)} results for {n} items")
        calls += 1
        ns = perf() - t0
        if ns >= sample_ms * 1e6:
            return n * calls / (ns / 1e9)


def run(pool, name, n, k, n_one, warm, sample_ms):
    fn, item, spread = WORKLOADS[name]
    data = [item(i) for i in range(n)]
    one = data[:n_one]
    out = {}
    if spread:
        calls = {
            "map": lambda: pool.starmap(fn, data),
            "mapAsync": lambda: pool.starmap_async(fn, data).get(),
        }
    else:
        calls = {
            "map": lambda: pool.map(fn, data),
            "mapAsync": lambda: pool.map_async(fn, data).get(),
            "imap": lambda: list(pool.imap(fn, data, 64)),
            "imapUnordered": lambda: list(pool.imap_unordered(fn, data, 64)),
        }
    if not spread:
        calls["imap1"] = lambda: list(pool.imap(fn, one))
    for method, call in calls.items():
        for _ in range(warm):
            call()
        count = n_one if method == "imap1" else n
        out[method] = [timed(call, count, sample_ms) for _ in range(k)]
    return out


def main():
    die_with_parent()
    signal.alarm(600)
    processes, n, k, n_one, warm, sample_ms = (int(a) for a in sys.argv[1:7])
    res = {"workloads": {}}
    with mp.Pool(processes, initializer=die_with_parent) as pool:
        for name in sys.argv[7:]:
            res["workloads"][name] = run(pool, name, n, k, n_one, warm, sample_ms)
    res["python"] = platform.python_version()
    res["implementation"] = platform.python_implementation()
    res["startMethod"] = mp.get_start_method()
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
