//! `block` (waiting on the calling thread, in the kernel) and `waitAsync` (a Promise settled
//! by the process's dispatcher), with one numbering of operations for both
//! (`layout::op`); each primitive's file does its part. Also `sleep` and `abortWait`.

use super::{barrier, condition, event, js_error, lock, queue, rlock, semaphore, Agent};
use crate::core::async_wait::{self, Op, Started};
use crate::core::park::{self, deadline_after_ms, park, Interrupt};
use crate::core::Error;
use crate::layout::op;
use crate::napi::{Args, Env, JsError, JsResult, Value};
use std::sync::atomic::AtomicU32;

/// What a primitive makes of a `waitAsync` call.
pub enum Wait {
    /// Start this asynchronous wait.
    Start(Op),
    /// Finished at once with this result.
    Settled(f64),
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

fn unknown(op: u32) -> JsError {
    JsError::range_error("ERR_OUT_OF_RANGE", format!("unknown wait {op}"))
}

/// `block(op, handle, timeoutMs, word?, seen?)`: waits on this thread. Timeout: negative =
/// forever. Result: 1/0 for acquired/timed out (notified, set), or a barrier result.
pub fn block(env: Env, args: &Args) -> JsResult<Value> {
    let agent = Agent::get(env)?;
    let op = args.u32(0)?;
    let deadline = deadline_after_ms(args.number(2)?);
    let r = interruptible(env, agent, |interrupt| {
        block_op(args, agent, op, deadline, interrupt)
    })?;
    Ok(env.number(r))
}

/// Runs `wait` with the check, between sleeping slices, that gives up when this thread is
/// being terminated (a worker's); a main thread is never interrupted.
pub fn interruptible<R>(env: Env, agent: &Agent, wait: impl FnOnce(Interrupt) -> R) -> R {
    let probe = || agent.terminating(env);
    wait(if agent.is_worker() {
        Some(&probe)
    } else {
        None
    })
}

fn block_op(
    args: &Args,
    agent: &Agent,
    op: u32,
    deadline: park::Deadline,
    interrupt: Interrupt,
) -> JsResult<f64> {
    Ok(match op {
        op::LOCK => flag(lock::block(args, deadline, interrupt)?),
        op::R_LOCK => flag(rlock::block(args, agent, deadline, interrupt)?),
        op::SEMAPHORE => flag(semaphore::block(args, deadline, interrupt)?),
        op::EVENT => flag(event::block(args, deadline, interrupt)?),
        op::CONDITION => flag(condition::block(args, agent, deadline, interrupt)?),
        op::BARRIER => barrier::block(args, agent, deadline, interrupt)?,
        op::QUEUE_CHANGE => flag(queue::block(args, deadline, interrupt)?),
        op::SLEEP => sleep(deadline, interrupt)?,
        _ => return Err(unknown(op)),
    })
}

fn sleep(deadline: park::Deadline, interrupt: Interrupt) -> JsResult<f64> {
    let word = AtomicU32::new(0);
    loop {
        match park(&word, 0, deadline, interrupt) {
            park::Parked::Woken | park::Parked::Slice => continue,
            park::Parked::TimedOut => return Ok(1.0),
            park::Parked::Interrupted => return Err(js_error(Error::Interrupted)),
        }
    }
}

/// `waitAsync(op, handle, timeoutMs, word?, seen?)`: `[id, promise]`; the promise resolves
/// with what `block` would have returned.
pub fn wait_async(env: Env, args: &Args) -> JsResult<Value> {
    let agent = Agent::get(env)?;
    // Before the wait is prepared (a Condition's wait releases its lock): a refusal must
    // change nothing.
    if !async_wait::dispatcher_running() {
        return Err(JsError::error(
            "ERR_NATIVE_THREADING_OS",
            "cannot start the thread that delivers asynchronous waits",
        ));
    }
    if crate::core::liveness::claim_own_slot().is_none() {
        return Err(JsError::range_error(
            "ERR_TOO_MANY_PROCESSES",
            format!(
                "at most {} processes of one tree can have asynchronous waits at the same time",
                crate::core::arena::MAX_PROCS
            ),
        ));
    }
    let op = args.u32(0)?;
    let deadline = deadline_after_ms(args.number(2)?);
    let wait = match op {
        op::LOCK => Wait::Start(lock::wait(args)?),
        op::R_LOCK => rlock::wait(args, agent)?,
        op::SEMAPHORE => Wait::Start(semaphore::wait(args)?),
        op::EVENT => Wait::Start(event::wait(args)?),
        op::CONDITION => Wait::Start(condition::wait(args, agent)?),
        op::BARRIER => Wait::Start(barrier::wait(args)?),
        op::QUEUE_CHANGE => Wait::Start(queue::wait(args)?),
        _ => return Err(unknown(op)),
    };
    let started = match wait {
        Wait::Settled(v) => Started::Done(v),
        Wait::Start(op) => async_wait::start(agent.sink(), agent.id, op, deadline),
    };
    match started {
        Started::Done(v) => settled(env, agent, v),
        Started::Pending(id) => {
            let promise = agent.track(env, id)?;
            env.array(&[env.number(id as f64), promise])
        }
    }
}

fn settled(env: Env, agent: &Agent, v: f64) -> JsResult<Value> {
    let id = agent.local_id();
    let (deferred, promise) = env.promise()?;
    deferred.resolve(env, env.number(v));
    env.array(&[env.number(id as f64), promise])
}

/// `abortWait(id)`: wait `id` resolves with -Infinity (at once, or after a Condition took its
/// lock back), and JavaScript rejects with the signal's reason. False when it had finished.
pub fn abort_wait(env: Env, args: &Args) -> JsResult<Value> {
    let agent = Agent::get(env)?;
    let id = args.number(0)?;
    if !(id >= 1.0 && id < (1u64 << 53) as f64) {
        return Ok(env.boolean(false));
    }
    Ok(env.boolean(agent.abort(env, id as u64)))
}
