//! Barrier's native functions: creating one, finishing the last arrival's action, abort,
//! reset, its counters, and the blocking and asynchronous wait.

use super::{handle, js_error, Agent};
use crate::core::arena::BlockIndex;
use crate::core::async_wait::{barrier_outcome, Op};
use crate::core::barrier::{self, Arrival};
use crate::core::handle;
use crate::core::park::{Deadline, Interrupt};
use crate::core::Error;
use crate::napi::{Args, Env, JsResult, Value};

/// `create(kind, owner, parties, defaultTimeoutMs)`.
pub fn create(args: &Args) -> JsResult<BlockIndex> {
    Ok(barrier::new(args.u32(2)?, args.number(3)?)
        .map_err(js_error)?
        .index())
}

/// `barrierFinish(handle, actionSucceeded)`: true when the round was released.
pub fn finish(env: Env, args: &Args) -> JsResult<Value> {
    let me = Agent::get(env)?.id;
    let b = handle::<handle::Barrier>(args, 0)?;
    Ok(env.boolean(barrier::finish_action(b, me, args.boolean(1)?)))
}

pub fn abort(env: Env, args: &Args) -> JsResult<Value> {
    barrier::abort(handle(args, 0)?);
    Ok(env.undefined())
}

pub fn reset(env: Env, args: &Args) -> JsResult<Value> {
    barrier::reset(handle(args, 0)?);
    Ok(env.undefined())
}

/// `barrierInfo(handle)`: `[parties, nWaiting, broken, defaultTimeoutMs]`.
pub fn info(env: Env, args: &Args) -> JsResult<Value> {
    let b = handle(args, 0)?;
    let parties = barrier::state(b)
        .parties
        .load(std::sync::atomic::Ordering::Relaxed);
    env.numbers(&[
        parties as f64,
        barrier::n_waiting(b) as f64,
        if barrier::broken(b) { 1.0 } else { 0.0 },
        barrier::default_timeout_ms(b),
    ])
}

/// `block(Op.Barrier, handle, timeoutMs)`: this waiter's index, `BarrierResult.Broken`, or
/// for the last arrival `BarrierResult.Last - index` (it then runs the action).
pub fn block(
    args: &Args,
    agent: &Agent,
    deadline: Deadline,
    interrupt: Interrupt,
) -> JsResult<f64> {
    let (b, me) = (handle(args, 1)?, agent.id);
    let r = barrier::arrive(b, me, deadline, interrupt).and_then(|arrival| match arrival {
        Arrival::Wait(i) => barrier::wait_released(b, i, me, deadline, interrupt).map(|()| arrival),
        last => Ok(last),
    });
    match r {
        Err(Error::Interrupted) => Err(js_error(Error::Interrupted)),
        r => Ok(barrier_outcome(r)),
    }
}

/// `waitAsync(Op.Barrier, handle, timeoutMs)`.
pub fn wait(args: &Args) -> JsResult<Op> {
    Ok(Op::BarrierEnter(handle(args, 1)?))
}
