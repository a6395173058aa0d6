//! Lock's native functions: creating one, the release of a contended lock, and the blocking
//! and asynchronous acquire (the uncontended paths run in JavaScript).

use super::{handle, js_error};
use crate::core::arena::BlockIndex;
use crate::core::async_wait::Op;
use crate::core::handle;
use crate::core::lock;
use crate::core::park::{Deadline, Interrupt};
use crate::napi::{Args, Env, JsResult, Value};

pub fn create() -> JsResult<BlockIndex> {
    Ok(lock::new().map_err(js_error)?.index())
}

/// `lockRelease(handle)`: the slow release (the word was not 1).
pub fn release(env: Env, args: &Args) -> JsResult<Value> {
    lock::release(handle::<handle::Lock>(args, 0)?).map_err(js_error)?;
    Ok(env.undefined())
}

/// `block(Op.Lock, handle, timeoutMs)`: 1 acquired, 0 timed out.
pub fn block(args: &Args, deadline: Deadline, interrupt: Interrupt) -> JsResult<bool> {
    lock::acquire(handle(args, 1)?, deadline, interrupt).map_err(js_error)
}

/// `waitAsync(Op.Lock, handle, timeoutMs)`.
pub fn wait(args: &Args) -> JsResult<Op> {
    Ok(Op::Lock(handle(args, 1)?))
}
