//! RLock's native functions: creating one, a release by its owner, the wake that ends a
//! JavaScript release that saw waiters, and the blocking and asynchronous acquire.

use super::waits::Wait;
use super::{handle, js_error, Agent};
use crate::core::arena::BlockIndex;
use crate::core::async_wait::Op;
use crate::core::handle;
use crate::core::park::{Deadline, Interrupt};
use crate::core::rlock;
use crate::napi::{Args, Env, JsResult, Value};

pub fn create() -> JsResult<BlockIndex> {
    Ok(rlock::new().map_err(js_error)?.index())
}

/// `rlockRelease(handle)`: a full release by this thread (ownership and recursion checked
/// here).
pub fn release(env: Env, args: &Args) -> JsResult<Value> {
    let me = Agent::get(env)?.id;
    rlock::release(handle::<handle::RLock>(args, 0)?, me).map_err(js_error)?;
    Ok(env.undefined())
}

/// `rlockWake(handle)`: the tail of a JavaScript RLock release that saw waiters: wake one (the
/// owner word is already 0 and may belong to another thread by now).
pub fn wake(env: Env, args: &Args) -> JsResult<Value> {
    rlock::wake(handle(args, 0)?);
    Ok(env.undefined())
}

/// `block(Op.RLock, handle, timeoutMs)`: 1 acquired, 0 timed out.
pub fn block(
    args: &Args,
    agent: &Agent,
    deadline: Deadline,
    interrupt: Interrupt,
) -> JsResult<bool> {
    rlock::acquire(handle(args, 1)?, agent.id, deadline, interrupt).map_err(js_error)
}

/// `waitAsync(Op.RLock, handle, timeoutMs)`: the owner takes one more level at once.
pub fn wait(args: &Args, agent: &Agent) -> JsResult<Wait> {
    let (lock, me) = (handle(args, 1)?, agent.id);
    if rlock::owner(lock) == me {
        rlock::try_acquire(lock, me).map_err(js_error)?;
        return Ok(Wait::Settled(1.0));
    }
    Ok(Wait::Start(Op::RLock { lock, me }))
}
