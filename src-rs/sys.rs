//! The operating-system calls the core uses, declared by hand (the crate depends on `std` only).
//! Every function here is a thin, safe wrapper over one system call.

use std::ffi::{c_int, c_long, c_void};
use std::sync::atomic::AtomicU32;
use std::time::Duration;

#[cfg(target_arch = "x86_64")]
mod nr {
    pub const FUTEX: i64 = 202;
    pub const GETTID: i64 = 186;
    pub const MEMFD_CREATE: i64 = 319;
    pub const FALLOCATE: i64 = 285;
    pub const PIDFD_OPEN: i64 = 434;
}
#[cfg(target_arch = "aarch64")]
mod nr {
    pub const FUTEX: i64 = 98;
    pub const GETTID: i64 = 178;
    pub const MEMFD_CREATE: i64 = 279;
    pub const FALLOCATE: i64 = 47;
    pub const PIDFD_OPEN: i64 = 434;
}

const FUTEX_WAIT: c_int = 0;
const FUTEX_WAKE: c_int = 1;
const EAGAIN: c_int = 11;
const EINTR: c_int = 4;
/// No such process.
pub const ESRCH: c_int = 3;
const ETIMEDOUT: c_int = 110;
const PROT_READ: c_int = 1;
const PROT_WRITE: c_int = 2;
const MAP_SHARED: c_int = 1;
const MAP_NORESERVE: c_int = 0x4000;
const MFD_CLOEXEC: u32 = 1;

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

#[repr(C)]
struct PollFd {
    fd: c_int,
    events: i16,
    revents: i16,
}
const POLLIN: i16 = 1;
const O_CLOEXEC: c_int = 0o2000000;
const P_PIDFD: c_int = 3;
const WEXITED: c_int = 4;
const WNOWAIT: c_int = 0x0100_0000;
const CLD_EXITED: c_int = 1;
const FALLOC_FL_KEEP_SIZE: c_int = 1;
const FALLOC_FL_PUNCH_HOLE: c_int = 2;
pub const SIGKILL: c_int = 9;

/// Linux's `siginfo_t` as `waitid` fills it for a child (128 bytes).
#[repr(C)]
struct SigInfo {
    signo: c_int,
    errno: c_int,
    code: c_int,
    _pad: c_int,
    pid: c_int,
    uid: u32,
    status: c_int,
    _rest: [u8; 100],
}

extern "C" {
    fn syscall(num: c_long, ...) -> c_long;
    fn poll(fds: *mut PollFd, n: u64, timeout_ms: c_int) -> c_int;
    fn waitid(idtype: c_int, id: u32, info: *mut SigInfo, options: c_int) -> c_int;
    fn pipe2(fds: *mut c_int, flags: c_int) -> c_int;
    fn read(fd: c_int, buf: *mut c_void, n: usize) -> isize;
    fn kill(pid: c_int, sig: c_int) -> c_int;
    #[link_name = "close"]
    fn close_fd(fd: c_int) -> c_int;
    fn fstat(fd: c_int, st: *mut [u64; 18]) -> c_int;
    fn mmap(
        addr: *mut c_void,
        len: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        off: i64,
    ) -> *mut c_void;
    fn ftruncate(fd: c_int, len: i64) -> c_int;
    fn getpid() -> c_int;
    fn pthread_self() -> usize;
    fn __errno_location() -> *mut c_int;
}

fn errno() -> c_int {
    // SAFETY: __errno_location always returns a valid pointer to this thread's errno.
    unsafe { *__errno_location() }
}

/// What a futex wait ended with.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum FutexWait {
    /// Woken, interrupted by a signal, or the word no longer held the expected value.
    Woken,
    TimedOut,
}

/// Blocks while `*word == expected`, at most `timeout`. Shared (not private) futex, so waiters
/// and wakers may live in different processes that map the same memory.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> FutexWait {
    let ts = timeout.map(|d| Timespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: d.subsec_nanos() as i64,
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const Timespec);
    // SAFETY: `word` is a valid, aligned u32 for the duration of the call; the timespec lives on
    // this stack frame. FUTEX_WAIT only reads both.
    let r = unsafe {
        syscall(
            nr::FUTEX,
            word.as_ptr(),
            FUTEX_WAIT,
            expected,
            ts_ptr,
            0usize,
            0u32,
        )
    };
    if r == -1 && errno() == ETIMEDOUT {
        return FutexWait::TimedOut;
    }
    debug_assert!(r == 0 || matches!(errno(), EAGAIN | EINTR));
    FutexWait::Woken
}

/// Wakes up to `n` threads (of any process) blocked in `futex_wait` on `word`.
pub fn futex_wake(word: &AtomicU32, n: u32) -> usize {
    let n = n.min(i32::MAX as u32) as c_int;
    // SAFETY: FUTEX_WAKE only uses the address as a key; it does not dereference user memory.
    let r = unsafe {
        syscall(
            nr::FUTEX,
            word.as_ptr(),
            FUTEX_WAKE,
            n,
            0usize,
            0usize,
            0u32,
        )
    };
    r.max(0) as usize
}

/// The kernel's id of the calling thread (Python's `threading.get_native_id()`).
pub fn gettid() -> u32 {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { syscall(nr::GETTID) as u32 }
}

pub fn pid() -> u32 {
    // SAFETY: getpid takes no arguments and cannot fail.
    unsafe { getpid() as u32 }
}

/// The pthread handle of the calling thread (Python's `threading.get_ident()` on Linux).
pub fn thread_ident() -> u64 {
    // SAFETY: pthread_self takes no arguments and cannot fail.
    unsafe { pthread_self() as u64 }
}

/// An anonymous shared-memory file of `len` bytes (sparse: pages exist once touched), mapped
/// read-write. Returns the descriptor and the mapping; both live until the process ends.
pub fn create_shared_memory(
    name: &std::ffi::CStr,
    len: usize,
) -> std::io::Result<(c_int, *mut u8)> {
    // SAFETY: `name` is a valid NUL-terminated string; memfd_create copies it.
    let fd = unsafe { syscall(nr::MEMFD_CREATE, name.as_ptr(), MFD_CLOEXEC) } as c_int;
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is the descriptor just created and owned by this function.
    if unsafe { ftruncate(fd, len as i64) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    map_shared(fd, len).map(|p| (fd, p))
}

/// Maps `len` bytes of the shared-memory file `fd` read-write and shared.
pub fn map_shared(fd: c_int, len: usize) -> std::io::Result<*mut u8> {
    // SAFETY: a fresh mapping chosen by the kernel (addr null) cannot overlap existing memory.
    let p = unsafe {
        mmap(
            std::ptr::null_mut(),
            len,
            PROT_READ | PROT_WRITE,
            MAP_SHARED | MAP_NORESERVE,
            fd,
            0,
        )
    };
    if p as isize == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(p as *mut u8)
}

/// The size of the file behind `fd`, if it is one.
pub fn file_size(fd: c_int) -> Option<u64> {
    let mut st = [0u64; 18];
    // SAFETY: `st` is larger than `struct stat` on supported targets; fstat only writes it.
    if unsafe { fstat(fd, &mut st) } != 0 {
        return None;
    }
    // st_size: byte 48 on x86_64 and aarch64.
    Some(st[6])
}

/// Gives the pages of `[off, off + len)` of the shared-memory file back to the system (they
/// read as zeros afterwards).
/// False when the system refused (the pages then keep their contents).
pub fn punch_hole(fd: c_int, off: u64, len: u64) -> bool {
    // SAFETY: fallocate only acts on the file's pages; on failure nothing changed.
    unsafe {
        syscall(
            nr::FALLOCATE,
            fd,
            FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
            off as i64,
            len as i64,
        ) == 0
    }
}

/// A descriptor that refers to process `pid` (its exit is observable without reaping it).
pub fn pidfd_open(pid: u32) -> std::io::Result<c_int> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { syscall(nr::PIDFD_OPEN, pid, 0u32) } as c_int;
    if fd < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(fd)
    }
}

/// Waits up to `timeout_ms` (-1: forever) for `fd` to become readable. True if it is.
pub fn poll_readable(fd: c_int, timeout_ms: i32) -> bool {
    let mut p = PollFd {
        fd,
        events: POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd on this stack frame.
    let r = unsafe { poll(&mut p, 1, timeout_ms) };
    r > 0 && p.revents != 0
}

/// The exit of the child behind `pidfd`, without reaping it (Node still reaps it):
/// `Some(code)` when it exited, `Some(-signal)` when a signal ended it, `None` if not yet.
pub fn child_exit(pidfd: c_int) -> Option<i32> {
    if !poll_readable(pidfd, 0) {
        return None;
    }
    // SAFETY: zeroed siginfo on this stack frame; WNOWAIT leaves the child to its reaper.
    let mut info: SigInfo = unsafe { std::mem::zeroed() };
    // SAFETY: as above; waitid writes `info` only.
    if unsafe { waitid(P_PIDFD, pidfd as u32, &mut info, WEXITED | WNOWAIT) } != 0 || info.pid == 0
    {
        return None;
    }
    Some(if info.code == CLD_EXITED {
        info.status
    } else {
        -info.status
    })
}

/// A pipe whose two ends are closed on exec (children get an end only by explicit passing).
pub fn pipe() -> std::io::Result<(c_int, c_int)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: fds has room for the two descriptors.
    if unsafe { pipe2(fds.as_mut_ptr(), O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((fds[0], fds[1]))
}

/// Blocks until `fd` reaches end-of-file or fails (a parent's death pipe).
pub fn read_until_eof(fd: c_int) {
    let mut buf = [0u8; 16];
    loop {
        // SAFETY: reads into a buffer on this stack frame.
        let n = unsafe { read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n == 0 || (n < 0 && errno() != EINTR) {
            return;
        }
    }
}

pub fn kill_self(sig: c_int) {
    // SAFETY: signals this process.
    unsafe { kill(pid() as c_int, sig) };
}

pub fn close(fd: c_int) {
    // SAFETY: closes a descriptor the caller owns.
    unsafe { close_fd(fd) };
}

/// Process `pid`'s state letter and start time (clock ticks after boot), from
/// `/proc/<pid>/stat`; `None` when there is no such process.
fn process_stat(pid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields follow the command name in parentheses, which may itself contain ')'.
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    // Field 22 of the file is the start time; `fields` began at field 3.
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

/// Whether process `pid` still exists (a zombie that nobody reaped counts as gone).
pub fn process_alive(pid: u32) -> bool {
    process_stat(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

/// When process `pid` started (with its pid, this names one process for ever: a pid can be
/// reused, the pair cannot).
pub fn process_start_time(pid: u32) -> Option<u64> {
    process_stat(pid).map(|(_, start)| start)
}
