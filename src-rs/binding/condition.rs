//! Condition's native functions: creating one over a Lock or RLock, reading its lock, notify,
//! and the blocking and asynchronous wait.

use super::{handle, js_error, lock_handle, Agent};
use crate::core::arena::BlockIndex;
use crate::core::async_wait::Op;
use crate::core::condition;
use crate::core::handle::{self, LockHandle};
use crate::core::park::{Deadline, Interrupt};
use crate::napi::{Args, Env, JsResult, Value};

/// `create(kind, owner, lockHandle)`.
pub fn create(args: &Args) -> JsResult<BlockIndex> {
    Ok(condition::new(lock_handle(args, 2)?)
        .map_err(js_error)?
        .index())
}

/// `condLock(handle)`: `[lockHandle, isRLock]`.
pub fn lock(env: Env, args: &Args) -> JsResult<Value> {
    let l = condition::lock_of(handle::<handle::Condition>(args, 0)?);
    let is_rlock = matches!(l, LockHandle::RLock(_));
    env.numbers(&[l.index() as f64, if is_rlock { 1.0 } else { 0.0 }])
}

/// `condNotify(handle, n)`.
pub fn notify(env: Env, args: &Args) -> JsResult<Value> {
    let me = Agent::get(env)?.id;
    condition::notify(handle(args, 0)?, me, args.u32(1)?).map_err(js_error)?;
    Ok(env.undefined())
}

/// `block(Op.Condition, handle, timeoutMs)`: 1 notified, 0 timed out.
pub fn block(
    args: &Args,
    agent: &Agent,
    deadline: Deadline,
    interrupt: Interrupt,
) -> JsResult<bool> {
    condition::wait(handle(args, 1)?, agent.id, deadline, interrupt).map_err(js_error)
}

/// `waitAsync(Op.Condition, handle, timeoutMs)`: enqueues and releases the lock now.
pub fn wait(args: &Args, agent: &Agent) -> JsResult<Op> {
    let (cond, me) = (handle(args, 1)?, agent.id);
    let (place, saved) = condition::begin_wait(cond, me).map_err(js_error)?;
    Ok(Op::CondNode {
        cond,
        place,
        me,
        saved,
    })
}
