//! The physical limit of an Event ping-pong between two processes: two one-shot signals in one
//! page of shared memory (a memfd), each a futex word, and nothing else. Used by
//! bench/pingpong-process.mjs as the baseline of our Event ping-pong between two processes.
//!
//!   cargo build --release --example futex_pingpong
//!   target/release/examples/futex_pingpong ROUND_TRIPS SAMPLES [WARM [SLICE_MS [CPU_A CPU_B]]]
//!
//! prints one JSON line: {"roundTripNs": [ns per round trip of each sample], ...}.
//! SLICE_MS > 0 makes every futex wait a timed one of that many milliseconds (looping on
//! timeout), as the library's waits are (they sleep in 50 ms slices, to notice termination):
//! that variant shows what timed waits cost by themselves. Default 0: untimed waits, the
//! physical limit. CPU_A CPU_B (>= 0): pin the parent (A) and the child (B) to these CPUs.
//!
//! The parent (A) re-runs this binary as the child (B) with `--child FD PARENT_PID ...`, passing
//! the memfd by descriptor inheritance (create_shared_memory makes it close-on-exec, so the
//! flag is cleared first). Then, as bench/pingpong-worker.mjs does with two threads:
//!   A: repeat { round += 1; set S1; wait S2 (and clear it); check B's round == round }
//!   B: repeat { wait S1 (and clear it); publish round; set S2 }
//! A signal is the classic three-state futex flag: 0 clear, 1 set, 2 clear with a waiter
//! asleep. set() is one swap, plus a FUTEX_WAKE only when the waiter sleeps; wait() is one CAS
//! when the signal is already up, else it marks itself asleep and FUTEX_WAITs. By default waits
//! have no timeout (no timer set-up per wait). Both processes die with their parent (PR_SET_PDEATHSIG),
//! so a benchmark killed half-way leaves nothing behind.
use native_threading::sys::{create_shared_memory, futex_wait, futex_wake, map_shared};
use std::ffi::{c_int, c_ulong};
use std::process::{exit, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::{Duration, Instant};

extern "C" {
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    fn prctl(option: c_int, arg2: c_ulong, ...) -> c_int;
    fn getppid() -> c_int;
    fn getpid() -> c_int;
    fn sched_setaffinity(pid: c_int, size: usize, mask: *const u64) -> c_int;
}

const F_SETFD: c_int = 2;
const PR_SET_PDEATHSIG: c_int = 1;
const SIGKILL: c_ulong = 9;
const LEN: usize = 4096;

/// Word indexes in the shared page (each on its own cache line).
const S1: usize = 0;
const S2: usize = 16;
const ROUND: usize = 32;
const READY: usize = 48;

struct Shared(*mut u8);

impl Shared {
    fn word(&self, i: usize) -> &AtomicU32 {
        // SAFETY: the page is LEN bytes, mapped for the whole life of the process, and only
        // ever accessed through atomics; i * 4 < LEN for every index used here.
        unsafe { &*(self.0.add(i * 4) as *const AtomicU32) }
    }
}

fn set(w: &AtomicU32) {
    if w.swap(1, SeqCst) == 2 {
        futex_wake(w, 1);
    }
}

/// Waits until the signal is set, then clears it; with `slice`, in timed futex waits.
fn wait(w: &AtomicU32, slice: Option<Duration>) {
    loop {
        match w.compare_exchange(1, 0, SeqCst, SeqCst) {
            Ok(_) => return,
            Err(0) => {
                if w.compare_exchange(0, 2, SeqCst, SeqCst).is_err() {
                    continue; // set meanwhile
                }
            }
            Err(_) => {} // 2: already marked asleep
        }
        futex_wait(w, 2, slice);
    }
}

/// A wait slice from a number of milliseconds (absent or <= 0: untimed waits).
fn slice_of(arg: Option<&String>) -> Option<Duration> {
    let ms: f64 = arg.and_then(|s| s.parse().ok()).unwrap_or(0.0);
    (ms > 0.0).then(|| Duration::from_secs_f64(ms / 1000.0))
}

/// Pins the calling thread to CPU `cpu` (a negative number: leave it alone).
fn pin(cpu: i64) {
    if cpu < 0 {
        return;
    }
    let mut mask = [0u64; 16]; // a cpu_set_t: 1024 CPUs
    if cpu as usize >= mask.len() * 64 {
        fail(format!("cpu {cpu} out of range"));
    }
    mask[cpu as usize / 64] |= 1 << (cpu % 64);
    // SAFETY: the mask lives on this stack frame and is as large as the size given.
    if unsafe { sched_setaffinity(0, std::mem::size_of_val(&mask), mask.as_ptr()) } != 0 {
        fail(format!(
            "sched_setaffinity({cpu}): {}",
            std::io::Error::last_os_error()
        ));
    }
}

fn die_with_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and changes no memory.
    unsafe {
        prctl(
            PR_SET_PDEATHSIG,
            SIGKILL,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
        )
    };
}

fn fail(msg: String) -> ! {
    eprintln!("futex_pingpong: {msg}");
    exit(1);
}

fn child(args: &[String]) {
    die_with_parent();
    let fd: c_int = args[0].parse().unwrap_or_else(|_| fail("bad fd".into()));
    let parent: c_int = args[1]
        .parse()
        .unwrap_or_else(|_| fail("bad parent pid".into()));
    let total: u64 = args[2]
        .parse()
        .unwrap_or_else(|_| fail("bad round count".into()));
    let slice = slice_of(args.get(3));
    pin(args.get(4).and_then(|s| s.parse().ok()).unwrap_or(-1));
    // SAFETY: getppid takes no arguments.
    if unsafe { getppid() } != parent {
        fail("parent already gone".into()); // died before PR_SET_PDEATHSIG took effect
    }
    let m = Shared(map_shared(fd, LEN).unwrap_or_else(|e| fail(format!("mmap: {e}"))));
    set(m.word(READY));
    for r in 1..=total as u32 {
        wait(m.word(S1), slice);
        m.word(ROUND).store(r, SeqCst);
        set(m.word(S2));
    }
}

fn parent(args: &[String]) {
    die_with_parent();
    let n: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let samples: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let warm: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let slice_arg = args.get(3).cloned().unwrap_or_else(|| "0".into());
    let slice = slice_of(Some(&slice_arg));
    let cpu_a: i64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(-1);
    let cpu_b: i64 = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(-1);
    pin(cpu_a);
    let (fd, p) = create_shared_memory(c"futex-pingpong", LEN)
        .unwrap_or_else(|e| fail(format!("memfd: {e}")));
    // SAFETY: clears FD_CLOEXEC on our own descriptor, so that the child inherits it.
    if unsafe { fcntl(fd, F_SETFD, 0 as c_int) } != 0 {
        fail(format!("fcntl: {}", std::io::Error::last_os_error()));
    }
    let m = Shared(p);
    let total = warm + samples * n;
    let exe = std::env::current_exe().unwrap_or_else(|e| fail(format!("current_exe: {e}")));
    // SAFETY: getpid takes no arguments.
    let me = unsafe { getpid() };
    let mut kid = Command::new(exe)
        .args([
            "--child",
            &fd.to_string(),
            &me.to_string(),
            &total.to_string(),
            &slice_arg,
            &cpu_b.to_string(),
        ])
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail(format!("spawn: {e}")));
    wait(m.word(READY), slice);

    let mut round: u32 = 0;
    let mut rounds = |k: u64| {
        for _ in 0..k {
            round += 1;
            set(m.word(S1));
            wait(m.word(S2), slice);
            let seen = m.word(ROUND).load(SeqCst);
            if seen != round {
                fail(format!(
                    "out of step: A in round {round}, B in round {seen} (stale or lost wake-up)"
                ));
            }
        }
    };
    rounds(warm);
    let mut out = Vec::new();
    for _ in 0..samples {
        let t0 = Instant::now();
        rounds(n);
        out.push(t0.elapsed().as_nanos() as f64 / n as f64);
    }
    let status = kid.wait().unwrap_or_else(|e| fail(format!("wait: {e}")));
    if !status.success() {
        fail(format!("child ended with {status}"));
    }
    let list: Vec<String> = out.iter().map(|x| format!("{x:.1}")).collect();
    let slice_ms = slice.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{{\"roundTripNs\":[{}],\"roundTrips\":{n},\"warm\":{warm},\"sliceMs\":{slice_ms}}}",
        list.join(",")
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        child(&args[1..]);
    } else {
        parent(&args);
    }
}
