//! The functions JavaScript calls, built on `napi` and `core` only. The TypeScript classes wrap
//! them; fast paths (uncontended acquire/release, flags) run in JavaScript on the same memory.
//! One file per primitive holds all of its native functions (creating it, its slow paths, its
//! blocking and asynchronous waits); `waits` dispatches `block` and `waitAsync` to them.

mod agent;
mod barrier;
mod condition;
mod event;
mod handles;
mod layout;
mod lock;
mod process;
mod queue;
mod rlock;
mod semaphore;
mod shared;
mod state_cell;
mod threads;
mod waits;

use crate::core::arena::{arena, BlockIndex};
use crate::core::handle::{BlockKind, Handle, LockHandle};
use crate::core::Error;
use crate::napi::{ffi, Args, JsError, JsResult, Method};
pub use agent::Agent;

/// A number from JavaScript as a block index: where the allocator carved a block (see
/// `Arena::is_block_start`), so that no header forged in memory JavaScript can write is ever
/// read. Every handle, and every index in a descriptor, that JavaScript passes is read here
/// first.
fn index_from_js(n: u32) -> Option<BlockIndex> {
    arena().is_block_start(n).then_some(n)
}

/// Argument `i` as a block index (see `index_from_js`).
fn block_index(args: &Args, i: usize) -> Option<BlockIndex> {
    args.u32(i).ok().and_then(index_from_js)
}

/// Argument `i` as a handle of type `K`: a live block of its kind. The only way the binding
/// turns a number from JavaScript into a handle.
pub fn handle<K: BlockKind>(args: &Args, i: usize) -> JsResult<Handle<K>> {
    block_index(args, i)
        .and_then(Handle::check)
        .ok_or_else(|| bad_handle(std::any::type_name::<K>()))
}

/// Argument `i` as a Lock or an RLock.
pub fn lock_handle(args: &Args, i: usize) -> JsResult<LockHandle> {
    block_index(args, i)
        .and_then(LockHandle::check)
        .ok_or_else(|| bad_handle("Lock"))
}

fn bad_handle(kind: &str) -> JsError {
    let kind = kind.rsplit("::").next().unwrap_or(kind);
    JsError::type_error("ERR_INVALID_ARG_TYPE", format!("not a live {kind} handle"))
}

/// The JavaScript error for a core error.
pub fn js_error(e: Error) -> JsError {
    match e {
        Error::NotHeld => JsError::error(
            "ERR_LOCK_NOT_HELD",
            "release of an unlocked lock (or use of a Condition whose lock is not held)",
        ),
        Error::NotOwned => JsError::error(
            "ERR_LOCK_NOT_OWNED",
            "cannot release un-acquired lock: this thread does not own it",
        ),
        Error::OverReleased => JsError::error(
            "ERR_SEMAPHORE_OVER_RELEASED",
            "Semaphore released too many times",
        ),
        Error::OutOfRange => {
            JsError::range_error("ERR_OUT_OF_RANGE", "the count would exceed 2**31 - 1")
        }
        Error::Interrupted => JsError::Pending,
        Error::Broken => JsError::error("ERR_BROKEN_BARRIER", "the barrier is broken"),
        Error::TooManyTaskDone => JsError::error(
            "ERR_TASK_DONE_TOO_MANY",
            "task_done() called too many times",
        ),
        Error::NoMemory => JsError::range_error(
            "ERR_MEMORY_ALLOCATION_FAILED",
            "the shared memory is exhausted: free some shared objects (drop every reference to them) and try again",
        ),
        Error::Reentered => JsError::error(
            "ERR_REENTRANT_CALL",
            "this thread is already in a call on this SharedDict or SharedList (a getter of a value being stored called it): the call would wait for itself",
        ),
    }
}

const METHODS: &[(&str, Method)] = &[
    ("init", handles::init),
    ("layout", layout::layout),
    ("create", handles::create),
    ("lease", handles::lease),
    ("share", handles::share),
    ("adopt", handles::adopt),
    ("borrow", handles::borrow),
    ("retainInto", handles::retain_into),
    ("refs", handles::refs),
    ("lockRelease", lock::release),
    ("rlockRelease", rlock::release),
    ("rlockWake", rlock::wake),
    ("semRelease", semaphore::release),
    ("eventWake", event::wake),
    ("condLock", condition::lock),
    ("condNotify", condition::notify),
    ("barrierFinish", barrier::finish),
    ("barrierAbort", barrier::abort),
    ("barrierReset", barrier::reset),
    ("barrierInfo", barrier::info),
    ("sharedView", shared::view),
    ("sharedFormat", shared::format),
    ("sharedLock", shared::lock),
    ("stateEnter", state_cell::enter),
    ("stateCommit", state_cell::commit),
    ("stateWake", state_cell::wake),
    ("stateFormat", state_cell::format),
    ("queuePut", queue::put),
    ("queueGet", queue::get),
    ("queueTaskDone", queue::task_done),
    ("processFds", process::fds),
    ("watchParent", process::watch_parent),
    ("pidfdOpen", process::pidfd_open),
    ("processExitCode", process::exit_code),
    ("processWait", process::wait),
    ("closeFd", process::close_fd),
    ("releaseProcessSlot", process::release_slot),
    ("processNumber", process::number),
    ("childStarted", process::child_started),
    ("liveChildren", process::live_children),
    ("bytesShare", process::bytes_share),
    ("bytesTake", process::bytes_take),
    ("block", waits::block),
    ("waitAsync", waits::wait_async),
    ("abortWait", waits::abort_wait),
    ("threadRegister", threads::register),
    ("threadStarted", threads::started),
    ("threadUpdate", threads::update),
    ("threadUnregister", threads::unregister_js),
    ("threadAtExit", threads::at_exit),
    ("threadNumber", threads::number),
    ("threadList", threads::list),
    ("currentIdent", threads::current_ident),
];

/// Called by Node once per JavaScript thread that loads the addon.
///
/// # Safety
/// Called by Node with a valid environment and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(
    env: ffi::napi_env,
    exports: ffi::napi_value,
) -> ffi::napi_value {
    crate::core::start();
    let (e, x) = crate::napi::wrap_module(env, exports);
    if let Err(why) = crate::core::arena::open_arena() {
        e.throw(JsError::error("ERR_NATIVE_THREADING_OS", why.to_string()));
        return exports;
    }
    for (name, m) in METHODS {
        if let Err(err) = e.export(x, name, *m) {
            e.throw(err);
            break;
        }
    }
    exports
}
