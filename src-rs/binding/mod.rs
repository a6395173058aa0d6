//! The functions JavaScript calls, built on `napi` and `core` only. The TypeScript classes wrap
//! them; fast paths (uncontended acquire/release, flags) run in JavaScript on the same memory.

mod agent;
pub(crate) mod handles;
mod primitives;
mod process;
mod queue;
mod threads;
mod waits;

use crate::core::arena::{arena, Kind, Off};
use crate::core::Error;
use crate::napi::{ffi, Args, JsError, JsResult, Method};
pub use agent::Agent;

/// A handle argument that must name a live block of `kind`.
pub fn handle(args: &Args, i: usize, kind: Kind) -> JsResult<Off> {
    let off = args.u32(i).map_err(|_| bad_handle(kind))?;
    if arena().check(off, kind) {
        Ok(off)
    } else {
        Err(bad_handle(kind))
    }
}

fn bad_handle(kind: Kind) -> JsError {
    JsError::type_error(
        "ERR_INVALID_ARG_TYPE",
        format!("not a live {kind:?} handle"),
    )
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
    }
}

const METHODS: &[(&str, Method)] = &[
    ("init", handles::init),
    ("create", handles::create),
    ("share", handles::share),
    ("adopt", handles::adopt),
    ("retainInto", handles::retain_into),
    ("refs", handles::refs),
    ("lockRelease", primitives::lock_release),
    ("rlockRelease", primitives::rlock_release),
    ("rlockWake", primitives::rlock_wake),
    ("semRelease", primitives::sem_release),
    ("eventWake", primitives::event_wake),
    ("condLock", primitives::cond_lock),
    ("condNotify", primitives::cond_notify),
    ("barrierFinish", primitives::barrier_finish),
    ("barrierAbort", primitives::barrier_abort),
    ("barrierReset", primitives::barrier_reset),
    ("barrierInfo", primitives::barrier_info),
    ("sharedView", handles::shared_view),
    ("sharedLock", handles::shared_lock),
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
    let (e, x) = crate::napi::wrap_module(env, exports);
    for (name, m) in METHODS {
        if let Err(err) = e.export(x, name, *m) {
            e.throw(err);
            break;
        }
    }
    exports
}

/// The kind of the block at `off`, if `off` names a block at all.
pub fn arena_kind(off: u32) -> Option<Kind> {
    crate::core::arena::Arena::is_block(off)
        .then(|| arena().kind_of(off))
        .flatten()
}
