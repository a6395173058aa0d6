//! Semaphore's and BoundedSemaphore's native functions: creating one, a release, and the
//! blocking and asynchronous acquire.

use super::{handle, js_error};
use crate::core::arena::BlockIndex;
use crate::core::async_wait::Op;
use crate::core::handle;
use crate::core::park::{Deadline, Interrupt};
use crate::core::semaphore;
use crate::napi::{Args, Env, JsResult, Value};

/// `create(kind, owner, value)`.
pub fn create(args: &Args, bounded: bool) -> JsResult<BlockIndex> {
    Ok(semaphore::new(args.u32(2)?, bounded)
        .map_err(js_error)?
        .index())
}

/// `semRelease(handle, n)`.
pub fn release(env: Env, args: &Args) -> JsResult<Value> {
    semaphore::release(handle::<handle::Semaphore>(args, 0)?, args.u32(1)?).map_err(js_error)?;
    Ok(env.undefined())
}

/// `block(Op.Semaphore, handle, timeoutMs)`: 1 acquired, 0 timed out.
pub fn block(args: &Args, deadline: Deadline, interrupt: Interrupt) -> JsResult<bool> {
    semaphore::acquire(handle(args, 1)?, deadline, interrupt).map_err(js_error)
}

/// `waitAsync(Op.Semaphore, handle, timeoutMs)`.
pub fn wait(args: &Args) -> JsResult<Op> {
    Ok(Op::Semaphore(handle(args, 1)?))
}
