//! The native functions of Value and SharedArray storage: creating it, a view of its data, and
//! the lock that guards it.

use super::{handle, js_error, lock_handle};
use crate::core::arena::{arena, BlockIndex};
use crate::core::handle::{self, LockHandle};
use crate::core::shared;
use crate::napi::{Args, Env, JsError, JsResult, Value};

/// `create(kind, owner, byteLength, lockHandle, format)`: `lockHandle` 0 for none.
pub fn create(args: &Args) -> JsResult<BlockIndex> {
    let lock = match args.u32(3)? {
        0 => None,
        _ => Some(lock_handle(args, 3)?),
    };
    Ok(shared::new(args.u32(2)?, args.u32(4)?, lock)
        .map_err(js_error)?
        .index())
}

/// A Value's or SharedArray's block (which may live past the part JavaScript sees).
fn shared_handle(args: &Args) -> JsResult<shared::Shared> {
    handle::<handle::Shared>(args, 0)
        .map_err(|_| JsError::type_error("ERR_INVALID_ARG_TYPE", "not a live shared value"))
}

/// `sharedView(handle)`: an ArrayBuffer over exactly a Value's or SharedArray's data (none of
/// the block's own words); it holds a reference to the block until it is collected.
pub fn view(env: Env, args: &Args) -> JsResult<Value> {
    let off = shared_handle(args)?;
    let (data, len) = shared::data(off);
    arena().retain(off.index());
    env.external_arraybuffer(data, len, off.index(), |off| arena().release(off))
}

/// `sharedFormat(handle)`: the format given at creation.
pub fn format(env: Env, args: &Args) -> JsResult<Value> {
    Ok(env.number(shared::format(shared_handle(args)?) as f64))
}

/// `sharedLock(handle)`: `[lockHandle, isRLock]`, or `[0, 0]` when created without a lock.
pub fn lock(env: Env, args: &Args) -> JsResult<Value> {
    let (lock, is_rlock) = match shared::lock_of(shared_handle(args)?) {
        None => (0, false),
        Some(l) => (l.index(), matches!(l, LockHandle::RLock(_))),
    };
    env.numbers(&[lock as f64, if is_rlock { 1.0 } else { 0.0 }])
}
