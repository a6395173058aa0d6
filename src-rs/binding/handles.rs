//! Creating primitives, and handing them between threads and processes.

use super::{handle, Agent};
use crate::core::arena::{arena, Arena, Descriptor, Kind, BLOCK, BODY, SMALL_END};
use crate::core::{barrier, condition, event, lock, queue, rlock, semaphore, shared};
use crate::napi::{Args, Env, JsError, JsResult, Value};

fn kind_arg(args: &Args, i: usize) -> JsResult<Kind> {
    let k = args.u32(i)?;
    u8::try_from(k)
        .ok()
        .and_then(Kind::from_u8)
        .ok_or_else(|| JsError::type_error("ERR_INVALID_ARG_TYPE", format!("unknown kind {k}")))
}

/// `init(isWorker)`: this thread's view of shared memory and its owner id.
pub fn init(env: Env, args: &Args) -> JsResult<Value> {
    let agent = Agent::init(env, args.boolean(0)?)?;
    let a = arena();
    let o = env.object()?;
    env.set(o, "memory", env.static_arraybuffer(a.base(), SMALL_END)?)?;
    env.set(o, "agent", env.number(agent.id as f64))?;
    env.set(o, "pid", env.number(crate::sys::pid() as f64))?;
    env.set(o, "body", env.number(BODY as f64))?;
    env.set(o, "block", env.number(BLOCK as f64))?;
    Ok(o)
}

/// Ties one reference of block `off` to the life of `owner`.
fn attach(env: Env, owner: Value, off: u32) -> JsResult<Value> {
    env.add_finalizer(owner, off, |off| arena().release(off))?;
    Ok(env.number(off as f64))
}

/// `create(kind, owner, a?, b?)`: a new primitive whose reference `owner` holds.
pub fn create(env: Env, args: &Args) -> JsResult<Value> {
    let kind = kind_arg(args, 0)?;
    let off = match kind {
        Kind::Lock => lock::new(),
        Kind::RLock => rlock::new(),
        Kind::Event => event::new(),
        Kind::Semaphore | Kind::BoundedSemaphore => {
            semaphore::new(args.u32(2)?, kind == Kind::BoundedSemaphore)
        }
        Kind::Condition => {
            let lock_kind = if arena().check(args.u32(2)?, Kind::RLock) {
                Kind::RLock
            } else {
                Kind::Lock
            };
            condition::new(handle(args, 2, lock_kind)?, lock_kind)
        }
        Kind::Barrier => barrier::new(args.u32(2)?, args.number(3)?),
        Kind::Queue => queue::new(args.u32(2)?, args.boolean(3)?),
        Kind::Shared => {
            let lock = args.u32(3)?;
            let lock_kind = if lock == 0 {
                Kind::Free
            } else if arena().check(lock, Kind::RLock) {
                Kind::RLock
            } else {
                handle(args, 3, Kind::Lock)?;
                Kind::Lock
            };
            shared::new(args.u32(2)?, lock, lock_kind)
        }
        _ => {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                format!("cannot create {kind:?}"),
            ))
        }
    };
    attach(env, args.get(1), off).inspect_err(|_| arena().release(off))
}

/// `share(handle)`: a descriptor `[off, gen, lease, leaseGen]` that owns one reference until
/// `adopt` takes it over in the receiving thread or process.
pub fn share(env: Env, args: &Args) -> JsResult<Value> {
    let off = args.u32(0)?;
    let a = arena();
    if !Arena::is_block(off) || a.refs(off) == 0 {
        return Err(JsError::type_error(
            "ERR_INVALID_ARG_TYPE",
            "not a live handle",
        ));
    }
    let d = a.lease(off);
    env.numbers(&[
        d.off as f64,
        d.gen as f64,
        d.lease as f64,
        d.lease_gen as f64,
    ])
}

/// Takes over the reference a descriptor `[off, gen, lease, leaseGen]` (from `share` or
/// `bytesShare`) owns, for a block of `kind`. The error when it is not one, or gone.
pub fn adopt_descriptor(env: Env, value: Value, kind: Kind) -> JsResult<u32> {
    let gone = || {
        JsError::type_error(
            "ERR_INVALID_ARG_TYPE",
            format!("not a shared {kind:?}, or it no longer exists"),
        )
    };
    let d = env.numbers_of(value).map_err(|_| gone())?;
    let n = |i: usize| {
        d.get(i)
            .copied()
            .filter(|v| *v >= 0.0 && *v <= u32::MAX as f64 && v.fract() == 0.0)
            .map(|v| v as u32)
    };
    let (Some(off), Some(gen), Some(lease), Some(lease_gen)) = (n(0), n(1), n(2), n(3)) else {
        return Err(gone());
    };
    if arena().adopt(
        Descriptor {
            off,
            gen,
            lease,
            lease_gen,
        },
        kind,
    ) {
        Ok(off)
    } else {
        Err(gone())
    }
}

/// `adopt(kind, owner, descriptor)`: the handle of a shared primitive, its reference held by
/// `owner`.
pub fn adopt(env: Env, args: &Args) -> JsResult<Value> {
    let off = adopt_descriptor(env, args.get(2), kind_arg(args, 0)?)?;
    attach(env, args.get(1), off).inspect_err(|_| arena().release(off))
}

/// `retainInto(kind, owner, handle)`: one more reference to a live block, held by `owner`.
pub fn retain_into(env: Env, args: &Args) -> JsResult<Value> {
    let kind = kind_arg(args, 0)?;
    let off = handle(args, 2, kind)?;
    arena().retain(off);
    attach(env, args.get(1), off).inspect_err(|_| arena().release(off))
}

/// `refs(handle)`: the reference count (for tests of lifetimes).
pub fn refs(env: Env, args: &Args) -> JsResult<Value> {
    let off = args.u32(0)?;
    if !Arena::is_block(off) {
        return Err(JsError::range_error("ERR_OUT_OF_RANGE", "not a handle"));
    }
    Ok(env.number(arena().refs(off) as f64))
}

/// A Value's or SharedArray's block (which may live past the part JavaScript sees).
fn shared_handle(args: &Args) -> JsResult<u32> {
    let off = args.u32(0)?;
    if arena().check_any(off, Kind::Shared) {
        Ok(off)
    } else {
        Err(JsError::type_error(
            "ERR_INVALID_ARG_TYPE",
            "not a live shared value",
        ))
    }
}

/// `sharedView(handle)`: an ArrayBuffer over a Value's or SharedArray's data; it holds a
/// reference to the block until it is collected.
pub fn shared_view(env: Env, args: &Args) -> JsResult<Value> {
    let off = shared_handle(args)?;
    let (data, len) = shared::data(off);
    arena().retain(off);
    env.external_arraybuffer(data, len, off, |off| arena().release(off))
}

/// `sharedLock(handle)`: `[lockHandle, isRLock]`, or `[0, 0]` when created without a lock.
pub fn shared_lock(env: Env, args: &Args) -> JsResult<Value> {
    let off = shared_handle(args)?;
    let h = shared::header(off);
    let lock = h.lock.load(std::sync::atomic::Ordering::Acquire);
    let is_rlock = h.lock_kind.load(std::sync::atomic::Ordering::Acquire) == Kind::RLock as u32;
    env.numbers(&[lock as f64, if is_rlock { 1.0 } else { 0.0 }])
}
