//! Blocking waits (on the calling thread, in the kernel) and asynchronous ones (Promises
//! settled by the process's dispatcher), with one numbering of operations for both.

use super::{handle, js_error, Agent};
use crate::core::arena::Kind;
use crate::core::async_wait::{self, Op, Started, BROKEN};
use crate::core::park::{self, deadline_after_ms, park, Interrupt};
use crate::core::{barrier, condition, event, lock, queue, rlock, semaphore, Error};
use crate::napi::{Args, Env, JsError, JsResult, Value};
use std::sync::atomic::AtomicU32;

const LOCK: u32 = 0;
const RLOCK: u32 = 1;
const SEMAPHORE: u32 = 2;
const EVENT: u32 = 3;
const CONDITION: u32 = 4;
const BARRIER: u32 = 5;
const SLEEP: u32 = 6;
/// A queue's sequence word (arg 3) to change from the value seen (arg 4).
const QUEUE_CHANGE: u32 = 7;

fn semaphore_handle(args: &Args) -> JsResult<u32> {
    let bounded = super::arena_kind(args.u32(1)?) == Some(Kind::BoundedSemaphore);
    handle(
        args,
        1,
        if bounded {
            Kind::BoundedSemaphore
        } else {
            Kind::Semaphore
        },
    )
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// `block(op, handle, timeoutMs)`: waits on this thread. Timeout: negative = forever.
/// Result: 1/0 for acquired/timed out (notified, set), or a barrier code (see async_wait).
pub fn block(env: Env, args: &Args) -> JsResult<Value> {
    let agent = Agent::get(env)?;
    let op = args.u32(0)?;
    let deadline = deadline_after_ms(args.number(2)?);
    let probe = || agent.terminating(env);
    let interrupt: Interrupt = if agent.is_worker() {
        Some(&probe)
    } else {
        None
    };
    let r: Result<f64, Error> = match op {
        LOCK => lock::acquire(handle(args, 1, Kind::Lock)?, deadline, interrupt).map(flag),
        RLOCK => {
            rlock::acquire(handle(args, 1, Kind::RLock)?, agent.id, deadline, interrupt).map(flag)
        }
        SEMAPHORE => semaphore::acquire(semaphore_handle(args)?, deadline, interrupt).map(flag),
        EVENT => event::wait(handle(args, 1, Kind::Event)?, deadline, interrupt).map(flag),
        CONDITION => condition::wait(
            handle(args, 1, Kind::Condition)?,
            agent.id,
            deadline,
            interrupt,
        )
        .map(flag),
        BARRIER => {
            let b = handle(args, 1, Kind::Barrier)?;
            barrier::arrive(b, interrupt).and_then(|arrival| match arrival {
                Err(barrier::Broken) => Ok(BROKEN),
                Ok(barrier::Arrival::Last(i)) => Ok(async_wait::last_index(i)),
                Ok(barrier::Arrival::Wait(i)) => barrier::wait_released(b, deadline, interrupt)
                    .map(|r| if r.is_ok() { i as f64 } else { BROKEN }),
            })
        }
        QUEUE_CHANGE => queue::wait_change(
            handle(args, 1, Kind::Queue)?,
            args.u32(3)?,
            args.u32(4)?,
            deadline,
            interrupt,
        )
        .map(flag),
        SLEEP => {
            let word = AtomicU32::new(0);
            loop {
                match park(&word, 0, deadline, interrupt) {
                    park::Parked::Woken => continue,
                    park::Parked::TimedOut => break Ok(1.0),
                    park::Parked::Interrupted => break Err(Error::Interrupted),
                }
            }
        }
        _ => {
            return Err(JsError::range_error(
                "ERR_OUT_OF_RANGE",
                format!("unknown wait {op}"),
            ))
        }
    };
    Ok(env.number(r.map_err(js_error)?))
}

/// `waitAsync(op, handle, timeoutMs)`: `[id, promise]`; the promise resolves with what
/// `block` would have returned.
pub fn wait_async(env: Env, args: &Args) -> JsResult<Value> {
    let agent = Agent::get(env)?;
    let op = args.u32(0)?;
    let deadline = deadline_after_ms(args.number(2)?);
    let me = agent.id;
    let (op, block) = match op {
        LOCK => (Op::Lock, handle(args, 1, Kind::Lock)?),
        RLOCK => {
            let l = handle(args, 1, Kind::RLock)?;
            if rlock::owner(l) == me {
                rlock::try_acquire(l, me).map_err(js_error)?;
                return settled(env, agent, 1.0);
            }
            (Op::RLock { me }, l)
        }
        SEMAPHORE => (Op::Semaphore, semaphore_handle(args)?),
        EVENT => {
            let e = handle(args, 1, Kind::Event)?;
            (
                Op::Event {
                    seen: event::word(e),
                },
                e,
            )
        }
        CONDITION => {
            let c = handle(args, 1, Kind::Condition)?;
            let (node, saved) = condition::begin_wait(c, me).map_err(js_error)?;
            (Op::CondNode { node, me, saved }, c)
        }
        BARRIER => (Op::BarrierEnter, handle(args, 1, Kind::Barrier)?),
        QUEUE_CHANGE => (
            Op::QueueChange {
                word: args.u32(3)?,
                seen: args.u32(4)?,
            },
            handle(args, 1, Kind::Queue)?,
        ),
        _ => {
            return Err(JsError::range_error(
                "ERR_OUT_OF_RANGE",
                format!("unknown wait {op}"),
            ))
        }
    };
    match async_wait::start(agent.sink(), me, op, block, deadline) {
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
