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
}
#[cfg(target_arch = "aarch64")]
mod nr {
    pub const FUTEX: i64 = 98;
    pub const GETTID: i64 = 178;
    pub const MEMFD_CREATE: i64 = 279;
}

const FUTEX_WAIT: c_int = 0;
const FUTEX_WAKE: c_int = 1;
const EAGAIN: c_int = 11;
const EINTR: c_int = 4;
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

extern "C" {
    fn syscall(num: c_long, ...) -> c_long;
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
