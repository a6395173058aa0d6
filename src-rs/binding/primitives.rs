//! The non-blocking operations of each primitive that JavaScript cannot do on its own.

use super::{handle, js_error, Agent};
use crate::core::arena::Kind;
use crate::core::{barrier, condition, event, lock, rlock, semaphore};
use crate::napi::{Args, Env, JsResult, Value};

pub fn lock_release(env: Env, args: &Args) -> JsResult<Value> {
    lock::release(handle(args, 0, Kind::Lock)?).map_err(js_error)?;
    Ok(env.undefined())
}

/// A full RLock release by this thread (ownership and recursion checked here).
pub fn rlock_release(env: Env, args: &Args) -> JsResult<Value> {
    let me = Agent::get(env)?.id;
    rlock::release(handle(args, 0, Kind::RLock)?, me).map_err(js_error)?;
    Ok(env.undefined())
}

/// The tail of a JavaScript RLock release that saw waiters: wake one (the owner word is
/// already 0 and may belong to another thread by now).
pub fn rlock_wake(env: Env, args: &Args) -> JsResult<Value> {
    rlock::wake(handle(args, 0, Kind::RLock)?);
    Ok(env.undefined())
}

pub fn sem_release(env: Env, args: &Args) -> JsResult<Value> {
    let bounded = super::arena_kind(args.u32(0)?) == Some(Kind::BoundedSemaphore);
    let off = handle(
        args,
        0,
        if bounded {
            Kind::BoundedSemaphore
        } else {
            Kind::Semaphore
        },
    )?;
    semaphore::release(off, args.u32(1)?, bounded).map_err(js_error)?;
    Ok(env.undefined())
}

/// The tail of a JavaScript `set()` that saw waiters: wake them (the flag is already set; storing
/// it again here could undo a `clear()` made meanwhile by a woken waiter).
pub fn event_wake(env: Env, args: &Args) -> JsResult<Value> {
    event::wake(handle(args, 0, Kind::Event)?);
    Ok(env.undefined())
}

/// `condLock(handle)`: `[lockHandle, isRLock]`.
pub fn cond_lock(env: Env, args: &Args) -> JsResult<Value> {
    let (l, is_rlock) = condition::lock_of(handle(args, 0, Kind::Condition)?);
    env.numbers(&[l as f64, if is_rlock { 1.0 } else { 0.0 }])
}

pub fn cond_notify(env: Env, args: &Args) -> JsResult<Value> {
    let me = Agent::get(env)?.id;
    condition::notify(handle(args, 0, Kind::Condition)?, me, args.u32(1)?).map_err(js_error)?;
    Ok(env.undefined())
}

/// `barrierFinish(handle, actionSucceeded)`: true when the round was released.
pub fn barrier_finish(env: Env, args: &Args) -> JsResult<Value> {
    Ok(env.boolean(barrier::finish_action(
        handle(args, 0, Kind::Barrier)?,
        args.boolean(1)?,
    )))
}

pub fn barrier_abort(env: Env, args: &Args) -> JsResult<Value> {
    barrier::abort(handle(args, 0, Kind::Barrier)?);
    Ok(env.undefined())
}

pub fn barrier_reset(env: Env, args: &Args) -> JsResult<Value> {
    barrier::reset(handle(args, 0, Kind::Barrier)?);
    Ok(env.undefined())
}

/// `barrierInfo(handle)`: `[parties, nWaiting, broken, defaultTimeoutMs]`.
pub fn barrier_info(env: Env, args: &Args) -> JsResult<Value> {
    let b = handle(args, 0, Kind::Barrier)?;
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
