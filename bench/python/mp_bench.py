"""CPython multiprocessing reference numbers for the process benchmarks
(bench/process.mjs, bench/queue.mjs, bench/pingpong-process.mjs).

Usage (one JSON object on stdout):
  python3 mp_bench.py start N                  Process start()+join() of a trivial target, N times
                                               with the default start method, N times with 'spawn'
  python3 mp_bench.py queue KIND SAMPLE_MS [CHUNK [CPU_A CPU_B]]
                                               multiprocessing.Queue throughput, one producer child,
                                               the parent consuming; KIND 'int' or a payload size
                                               in bytes (a bytes object of that size), payloads in
                                               rounds of at most CHUNK items, as bench/queue.mjs does;
                                               parent and child pinned to their CPUs when given
  python3 mp_bench.py pingpong SAMPLE_MS [CPU_A CPU_B]
                                               multiprocessing.Event ping-pong, parent (A) and child
                                               (B), each pinned to its CPU when given (>= 0)

Each invocation gives one timed sample after a warm-up (the Node side interleaves invocations
with its own samples). The children of the queue and ping-pong modes die with this process
(PR_SET_PDEATHSIG), and this process dies with its parent, so a benchmark that is killed
half-way leaves nothing behind; SIGALRM ends a run that hangs.
"""
import ctypes
import json
import multiprocessing as mp
import os
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


def noop():
    pass


# --- start + join ---------------------------------------------------------------------------

def start_join(ctx, n):
    out = []
    for _ in range(n):
        t0 = perf()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        out.append((perf() - t0) / 1e6)  # ms
        if p.exitcode != 0:
            raise RuntimeError(f"child exit code {p.exitcode}")
        p.close()
    return out


def mode_start(n):
    default = mp.get_start_method()
    res = {}
    for name, ctx in (("default", mp.get_context()), ("spawn", mp.get_context("spawn"))):
        start_join(ctx, 1)  # warm-up (imports, the spawn helper's first run)
        res[name] = start_join(ctx, n)
    return {"defaultMethod": default, "startJoinMs": res}


def pin(cpu):
    """Pins the calling process to CPU `cpu` (negative: leaves it alone)."""
    if cpu >= 0:
        os.sched_setaffinity(0, {cpu})


# --- queue throughput -----------------------------------------------------------------------

def producer(q, ctl, cpu):
    die_with_parent()
    pin(cpu)
    while True:
        cmd = ctl.get()
        if cmd[0] == 0:
            return
        if cmd[0] == 1:
            for i in range(cmd[1]):
                q.put(i)
        elif cmd[0] == 3:
            make = FORMS[cmd[2]]
            for i in range(cmd[1]):
                q.put(make(i))
        else:
            payload = b"\x5a" * cmd[2]
            for _ in range(cmd[1]):
                q.put(payload)


# The item forms of bench/process-targets.mjs queueItem(): 1 str, 2 dict, 3 tuple.
FORMS = {1: lambda i: "item%d" % i, 2: lambda i: {"k": i, "s": "abc", "a": [1, 2]}, 3: lambda i: (i, "abc")}
NUMBER = {1: lambda v: int(v[4:]), 2: lambda v: v["k"], 3: lambda v: v[0]}
FORM_OF = {"str": 1, "obj": 2, "tuple": 3}


def consume(q, ctl, n, size, chunk, form=0):
    t0 = perf()
    if form:
        ctl.put((3, n, form))
        number = NUMBER[form]
        for i in range(n):
            if number(q.get()) != i:
                raise RuntimeError(f"queue item {i} out of order")
    elif size == 0:
        ctl.put((1, n))
        for i in range(n):
            v = q.get()
            if v != i:
                raise RuntimeError(f"queue out of order: got {v}, expected {i}")
    else:
        done = 0
        while done < n:
            m = min(chunk, n - done)
            ctl.put((2, m, size))
            for _ in range(m):
                v = q.get()
                if len(v) != size or v[0] != 0x5A or v[-1] != 0x5A:
                    raise RuntimeError("queue item corrupted")
            done += m
    return perf() - t0


def mode_queue(kind, sample_ms, chunk, cpu_a, cpu_b):
    form = FORM_OF.get(kind, 0)
    size = 0 if kind == "int" or form else int(kind)
    q, ctl = mp.Queue(), mp.Queue()
    p = mp.Process(target=producer, args=(q, ctl, cpu_b), daemon=True)
    p.start()
    pin(cpu_a)
    try:
        # Warm-up, growing until a run lasts a tenth of a sample; then one sample of ~sample_ms.
        n = 1000 if size == 0 else 50
        while True:
            ns = consume(q, ctl, n, size, chunk, form)
            if ns >= sample_ms * 1e5 or n >= 10**8:
                break
            n *= 4
        n = max(100, int(n * sample_ms * 1e6 / ns))
        ns = consume(q, ctl, n, size, chunk, form)
        ctl.put((0,))
        p.join(10)
    finally:
        if p.is_alive():
            p.kill()
    return {"items": n, "size": size, "seconds": ns / 1e9, "itemsPerSec": n / (ns / 1e9),
            "mbPerSec": n * size / (ns / 1e9) / 1e6, "startMethod": mp.get_start_method()}


# --- Event ping-pong ------------------------------------------------------------------------

def ponger(e1, e2, rnd, ctl, cpu):
    """B: repeat { e1.wait(); e1.clear(); publish round; e2.set() }"""
    die_with_parent()
    pin(cpu)
    pong = 0
    while True:
        k = ctl.get()
        if k == 0:
            return
        for _ in range(k):
            e1.wait()
            e1.clear()
            pong += 1
            rnd.value = pong
            e2.set()


def mode_pingpong(sample_ms, cpu_a, cpu_b):
    e1, e2 = mp.Event(), mp.Event()
    rnd = mp.RawValue("i", 0)
    ctl = mp.Queue()
    p = mp.Process(target=ponger, args=(e1, e2, rnd, ctl, cpu_b), daemon=True)
    p.start()
    pin(cpu_a)
    ping = 0

    def rounds(k):
        """A: repeat { e1.set(); e2.wait(); check B's round; e2.clear() }; ns for k round trips."""
        nonlocal ping
        ctl.put(k)
        t0 = perf()
        for _ in range(k):
            ping += 1
            e1.set()
            e2.wait()
            if rnd.value != ping:
                raise RuntimeError(f"ping-pong out of step: A in round {ping}, B at {rnd.value}")
            e2.clear()
        return perf() - t0

    try:
        n = 200
        while True:
            ns = rounds(n)
            if ns >= sample_ms * 1e5 or n >= 10**7:
                break
            n *= 4
        n = max(200, int(n * sample_ms * 1e6 / ns))
        ns = rounds(n)
        ctl.put(0)
        p.join(10)
    finally:
        if p.is_alive():
            p.kill()
    return {"roundTrips": n, "roundTripUs": ns / n / 1000, "startMethod": mp.get_start_method()}


def main():
    die_with_parent()
    signal.alarm(120)  # a hang ends this process (and so its children)
    mode = sys.argv[1]
    if mode == "start":
        res = mode_start(int(sys.argv[2]))
    elif mode == "queue":
        cpus = [int(c) for c in sys.argv[5:7]] + [-1, -1]
        res = mode_queue(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 2048, cpus[0], cpus[1])
    elif mode == "pingpong":
        cpus = [int(c) for c in sys.argv[3:5]] + [-1, -1]
        res = mode_pingpong(float(sys.argv[2]), cpus[0], cpus[1])
    else:
        raise SystemExit(f"unknown mode {mode}")
    res["python"] = platform.python_version()
    res["implementation"] = platform.python_implementation()
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
