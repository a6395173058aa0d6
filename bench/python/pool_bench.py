"""CPython multiprocessing.Pool reference numbers for bench/pool-python.mjs.

Usage (one JSON object on stdout):
  python3 pool_bench.py map PROCESSES N K [N1]
      Pool(PROCESSES).map(inc, range(N)) with the default chunksize, K times; K times over a
      list made before timing, list(range(N)); then once map(inc, range(N1), 1) (N1 defaults
      to N); inc(x) = x + 1. The pool is created and warmed up (both ways, on a few
      thousand items) before timing. Each map is timed alone and its result checked.

Each invocation is one round of samples (the Node side interleaves invocations with its own
samples). The pool's workers die with this process (Pool's own shutdown, and
PR_SET_PDEATHSIG for a benchmark that is killed half-way); SIGALRM ends a run that hangs.
"""
import ctypes
import json
import multiprocessing as mp
import platform
import signal
import sys
import time

perf = time.perf_counter_ns


def die_with_parent():
    """PR_SET_PDEATHSIG(SIGKILL): this process is killed when its parent dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def inc(x):
    return x + 1


def timed_map(pool, n, chunksize, data=None):
    t0 = perf()
    r = pool.map(inc, range(n) if data is None else data, chunksize)
    ns = perf() - t0
    if len(r) != n or r[0] != 1 or r[-1] != n:
        raise RuntimeError(f"map returned {len(r)} results, first {r[:1]}, last {r[-1:]}")
    return n / (ns / 1e9)


def default_chunksize(n, processes):
    # What Pool._map_async computes when chunksize is None.
    chunksize, extra = divmod(n, processes * 4)
    return chunksize + 1 if extra else chunksize


def mode_map(processes, n, k, n_one):
    with mp.Pool(processes, initializer=die_with_parent) as pool:
        timed_map(pool, 4000, None)  # warm-up: workers started, inc imported, paths warm
        timed_map(pool, 4000, 1)
        default = [timed_map(pool, n, None) for _ in range(k)]
        data = list(range(n))
        listed = [timed_map(pool, n, None, data) for _ in range(k)]
        one = [timed_map(pool, n_one, 1)]
    return {
        "tasks": n, "tasksChunksize1": n_one, "processes": processes, "startMethod": mp.get_start_method(),
        "defaultChunksize": default_chunksize(n, processes),
        "tasksPerSec": {"default": default, "defaultList": listed, "1": one},
    }


def main():
    die_with_parent()
    signal.alarm(300)  # a hang ends this process (and so its children)
    mode = sys.argv[1]
    if mode == "map":
        n = int(sys.argv[3])
        res = mode_map(int(sys.argv[2]), n, int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else n)
    else:
        raise SystemExit(f"unknown mode {mode}")
    res["python"] = platform.python_version()
    res["implementation"] = platform.python_implementation()
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
