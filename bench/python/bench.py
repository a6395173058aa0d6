"""CPython reference numbers for bench/python.mjs.

Usage: python3 bench.py REPEATS LOCK_SAMPLE_MS PINGPONG_SAMPLE_MS
Prints one JSON object on stdout. Times are medians (and minima) of REPEATS
samples, each sample a loop calibrated to last about the given time.
"""
import json
import platform
import statistics
import sys
import threading
import time

perf = time.perf_counter_ns


def lock_pairs(lock, n):
    t0 = perf()
    for _ in range(n):
        lock.acquire()
        lock.release()
    return perf() - t0


def lock_with(lock, n):
    t0 = perf()
    for _ in range(n):
        with lock:
            pass
    return perf() - t0


def empty_loop(n):
    t0 = perf()
    for _ in range(n):
        pass
    return perf() - t0


def calibrate(fn, sample_ms):
    n = 1000
    while True:
        ns = fn(n)
        if ns >= sample_ms * 1e6 / 8 or n >= 10**9:
            return max(1000, int(n * sample_ms * 1e6 / max(ns, 1)))
        n *= 10 if ns < sample_ms * 1e6 / 100 else 2


def measure_interleaved(cases, repeats, sample_ms):
    counts = {k: calibrate(fn, sample_ms) for k, fn in cases.items()}
    samples = {k: [] for k in cases}
    for _ in range(repeats):
        for k, fn in cases.items():
            samples[k].append(fn(counts[k]) / counts[k])
    return {k: {"median": statistics.median(v), "min": min(v), "samples": v,
                "iterations": counts[k]} for k, v in samples.items()}


def pingpong(n, warm=100):
    """Two threads, two Events, each cleared by its waiter before it sets the other.

    A: repeat { e1.set(); e2.wait(); e2.clear() }
    B: repeat { e1.wait(); e1.clear(); e2.set() }
    Returns ns per round trip, timed inside A after `warm` untimed round trips.
    """
    e1, e2 = threading.Event(), threading.Event()
    result = {}

    def a():
        for _ in range(warm):
            e1.set(); e2.wait(); e2.clear()
        t0 = perf()
        for _ in range(n):
            e1.set(); e2.wait(); e2.clear()
        result["ns"] = perf() - t0

    def b():
        for _ in range(warm + n):
            e1.wait(); e1.clear(); e2.set()

    tb = threading.Thread(target=b)
    ta = threading.Thread(target=a)
    tb.start(); ta.start()
    ta.join(); tb.join()
    return result["ns"] / n


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    lock_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 250
    pp_ms = float(sys.argv[3]) if len(sys.argv) > 3 else 400

    lock = threading.Lock()
    locks = measure_interleaved({
        "pair": lambda n: lock_pairs(lock, n),
        "with": lambda n: lock_with(lock, n),
        "emptyLoop": empty_loop,
    }, repeats, lock_ms)

    ns = pingpong(1000)  # calibration and warm-up
    n = max(500, min(2_000_000, int(pp_ms * 1e6 / ns)))
    pp = [pingpong(n) / 1000 for _ in range(repeats)]  # us

    json.dump({
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "lockPairNs": locks["pair"],
        "lockWithNs": locks["with"],
        "emptyLoopNs": locks["emptyLoop"],
        "pingPongUs": {"median": statistics.median(pp), "min": min(pp), "samples": pp, "roundTrips": n},
        "switchInterval": sys.getswitchinterval(),
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
