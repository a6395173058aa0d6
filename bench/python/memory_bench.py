"""CPython reference numbers for bench/memory.mjs: the resident memory one live
multiprocessing Lock, Event or Queue costs, as (RSS after creating N of them - RSS before) / N,
with the objects kept alive and the garbage collector run before each reading.

Usage: python3 memory_bench.py KIND N   (KIND: Lock, Event or Queue); one JSON object on stdout.
"""
import gc
import json
import multiprocessing as mp
import platform
import sys


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    make = {"Lock": mp.Lock, "Event": mp.Event, "Queue": mp.Queue}[kind]
    keep = [make() for _ in range(16)]  # first-use costs (imports, arenas) before the baseline
    gc.collect()
    before = rss()
    keep = [make() for _ in range(n)]
    gc.collect()
    after = rss()
    json.dump({"bytesPerObject": (after - before) / n, "python": platform.python_version(), "n": len(keep)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
