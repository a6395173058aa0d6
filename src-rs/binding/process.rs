//! What Process needs from the operating system: the descriptors a child inherits (the arena,
//! and the read end of a pipe whose end-of-file tells the child that its parent died), waiting
//! for a child through a pidfd without reaping it (Node's own bookkeeping does that), and the
//! child's watch on its parent.

use super::Agent;
use crate::core::arena::{arena, Kind};
use crate::core::handle;
use crate::core::park::SLICE;
use crate::napi::{Args, Env, JsError, JsResult, Value};
use crate::sys;
use std::sync::OnceLock;

fn os_error(what: &str, e: std::io::Error) -> JsError {
    JsError::error("ERR_NATIVE_THREADING_OS", format!("{what}: {e}"))
}

/// `processFds()`: `[arenaFd, parentDeathFd]` to hand to every child as descriptors 3 and 4.
pub fn fds(env: Env, _args: &Args) -> JsResult<Value> {
    // The write end stays open (and unused) in this process until it dies; children read the
    // other end, which reaches end-of-file then, however this process ends.
    static DEATH_PIPE: OnceLock<std::io::Result<(i32, i32)>> = OnceLock::new();
    let (read_end, _write_end) = match DEATH_PIPE.get_or_init(sys::pipe) {
        Ok(p) => *p,
        Err(e) => return Err(os_error("pipe", std::io::Error::from(e.kind()))),
    };
    env.numbers(&[arena().fd as f64, read_end as f64])
}

/// `watchParent(fd)` (in a child): when `fd` reaches end-of-file, the parent is gone and this
/// process ends (SIGKILL), so no child outlives its parent as an orphan.
pub fn watch_parent(env: Env, args: &Args) -> JsResult<Value> {
    let fd = args.u32(0)? as i32;
    std::thread::Builder::new()
        .name("native-threading-parent-watch".into())
        .spawn(move || {
            sys::read_until_eof(fd);
            sys::kill_self(sys::SIGKILL);
        })
        .map_err(|e| os_error("thread", e))?;
    Ok(env.undefined())
}

/// `pidfdOpen(pid)`.
pub fn pidfd_open(env: Env, args: &Args) -> JsResult<Value> {
    let fd = sys::pidfd_open(args.u32(0)?).map_err(|e| os_error("pidfd_open", e))?;
    Ok(env.number(fd as f64))
}

/// `processExitCode(pidfd)`: the exit code (-signal when killed), or null while running.
pub fn exit_code(env: Env, args: &Args) -> JsResult<Value> {
    Ok(sys::child_exit(args.u32(0)? as i32).map_or_else(|| env.null(), |c| env.number(c as f64)))
}

/// `processWait(pidfd, timeoutMs)`: blocks until the child exits or the timeout (negative:
/// forever) passes; then as `processExitCode`.
pub fn wait(env: Env, args: &Args) -> JsResult<Value> {
    let agent = Agent::get(env)?;
    let fd = args.u32(0)? as i32;
    let deadline = crate::core::park::deadline_after_ms(args.number(1)?);
    loop {
        let slice = match deadline {
            None => SLICE,
            Some(d) => d
                .saturating_duration_since(std::time::Instant::now())
                .min(SLICE),
        };
        if sys::poll_readable(fd, slice.as_millis() as i32) || slice.is_zero() {
            break;
        }
        if agent.terminating(env) {
            return Err(JsError::Pending);
        }
    }
    exit_code(env, args)
}

/// `closeFd(fd)`.
pub fn close_fd(env: Env, args: &Args) -> JsResult<Value> {
    sys::close(args.u32(0)? as i32);
    Ok(env.undefined())
}

/// `bytesShare(uint8array)`: a copy in shared memory, owned by the returned descriptor until
/// `bytesTake` (in any thread or process) takes it.
pub fn bytes_share(env: Env, args: &Args) -> JsResult<Value> {
    let bytes = args.bytes(0)?;
    let (it, data) = crate::core::bytes::new(0, bytes.len()).ok_or_else(|| {
        JsError::range_error(
            "ERR_MEMORY_ALLOCATION_FAILED",
            "the shared memory is exhausted",
        )
    })?;
    data.copy_from_slice(bytes);
    let a = arena();
    let lease = a.new_lease(it.index());
    a.release(it.index());
    let lease = lease.map_err(super::js_error)?;
    let d = a.lease_read(lease);
    a.release(lease); // the pending clone keeps it
    super::handles::descriptor(env, d)
}

/// `bytesTake(descriptor)`: the bytes as a Buffer; the shared copy is freed.
pub fn bytes_take(env: Env, args: &Args) -> JsResult<Value> {
    let off = super::handles::adopt_descriptor::<handle::Bytes>(
        env,
        args.get(0),
        Kind::Bytes,
        super::handles::Take::Adopt,
    )?;
    let v = env.buffer_copy(crate::core::bytes::read(off).1);
    arena().release(off.index());
    v
}

/// `releaseProcessSlot()`: at exit, hands this process's mailbox slot back.
pub fn release_slot(env: Env, _args: &Args) -> JsResult<Value> {
    crate::core::liveness::release_own_slot();
    Ok(env.undefined())
}

/// Children started by any thread of this process (Python keeps one set per process).
static CHILDREN: std::sync::Mutex<Vec<(u32, String)>> = std::sync::Mutex::new(Vec::new());

fn children() -> std::sync::MutexGuard<'static, Vec<(u32, String)>> {
    CHILDREN.lock().unwrap_or_else(|e| e.into_inner())
}

/// `processNumber()`: the next N of the default name `Process-N`, process-wide.
pub fn number(env: Env, _args: &Args) -> JsResult<Value> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    Ok(env.number((N.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1) as f64))
}

/// `childStarted(pid, name)`.
pub fn child_started(env: Env, args: &Args) -> JsResult<Value> {
    let (pid, name) = (args.u32(0)?, args.string(1)?);
    children().push((pid, name));
    Ok(env.undefined())
}

/// `liveChildren()`: `[pid, name][]` of the children still running (those that ended are
/// dropped from the list).
pub fn live_children(env: Env, _args: &Args) -> JsResult<Value> {
    let live: Vec<(u32, String)> = {
        let mut list = children();
        list.retain(|(pid, _)| sys::process_alive(*pid));
        list.clone()
    };
    let rows = live
        .iter()
        .map(|(pid, name)| env.array(&[env.number(*pid as f64), env.string(name)]))
        .collect::<JsResult<Vec<Value>>>()?;
    env.array(&rows)
}
