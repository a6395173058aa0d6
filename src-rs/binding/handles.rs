//! Creating primitives, and handing them between threads and processes: a JavaScript object
//! owns one reference to its block, and a descriptor (a lease) carries one across.

use super::Agent;
use super::{
    barrier, block_index, condition, event, handle, index_from_js, js_error, lock, queue, rlock,
    semaphore, shared, state_cell,
};
use crate::core::arena::{arena, BlockIndex, Descriptor, Kind, SMALL_END};
use crate::core::handle::{AnyBlock, BlockKind, Handle, Lease, Shareable};
use crate::napi::{Args, Env, JsError, JsResult, Value};

fn kind_arg(args: &Args, i: usize) -> JsResult<Kind> {
    let k = args.u32(i)?;
    u8::try_from(k)
        .ok()
        .and_then(Kind::from_u8)
        .ok_or_else(|| JsError::type_error("ERR_INVALID_ARG_TYPE", format!("unknown kind {k}")))
}

/// `init(isWorker)`: this thread's view of shared memory, its owner id (RLocks) and its
/// process's tag (Locks).
pub fn init(env: Env, args: &Args) -> JsResult<Value> {
    let agent = Agent::init(env, args.boolean(0)?)?;
    let a = arena();
    let o = env.object()?;
    env.set(o, "memory", env.static_arraybuffer(a.base(), SMALL_END)?)?;
    env.set(o, "agent", env.number(agent.id as f64))?;
    let process = crate::core::liveness::my_process().map_err(super::js_error)?;
    env.set(o, "process", env.number(process as f64))?;
    env.set(o, "pid", env.number(crate::sys::pid() as f64))?;
    Ok(o)
}

/// Ties one reference of block `off` to the life of `owner`.
fn attach(env: Env, owner: Value, off: BlockIndex) -> JsResult<Value> {
    env.add_finalizer(owner, off, |off| arena().release(off))?;
    Ok(env.number(off as f64))
}

/// `create(kind, owner, a?, b?)`: a new primitive whose reference `owner` holds.
pub fn create(env: Env, args: &Args) -> JsResult<Value> {
    let kind = kind_arg(args, 0)?;
    let off = match kind {
        Kind::Lock => lock::create()?,
        Kind::RLock => rlock::create()?,
        Kind::Event => event::create()?,
        Kind::Semaphore => semaphore::create(args, false)?,
        Kind::BoundedSemaphore => semaphore::create(args, true)?,
        Kind::Condition => condition::create(args)?,
        Kind::Barrier => barrier::create(args)?,
        Kind::Queue => queue::create(args)?,
        Kind::Shared => shared::create(args)?,
        Kind::StateCell => state_cell::create(args)?,
        _ => {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                format!("cannot create {kind:?}"),
            ))
        }
    };
    attach(env, args.get(1), off).inspect_err(|_| arena().release(off))
}

/// `lease(owner, handle)`: the lease that every clone of `owner` (the instance that holds
/// `handle`) carries; `owner` holds a reference to it.
pub fn lease(env: Env, args: &Args) -> JsResult<Value> {
    let h = handle::<Shareable>(args, 1)
        .map_err(|_| JsError::type_error("ERR_INVALID_ARG_TYPE", "not a live handle"))?;
    let lease = arena().new_lease(h.index()).map_err(js_error)?;
    attach(env, args.get(0), lease).inspect_err(|_| arena().release(lease))
}

/// `share(lease)`: one more clone's descriptor (see `descriptor`); the lease keeps
/// the primitive until `adopt` in the receiving thread or process has taken a reference.
pub fn share(env: Env, args: &Args) -> JsResult<Value> {
    let lease = handle::<Lease>(args, 0)?;
    descriptor(env, arena().lease_read(lease.index()))
}

/// The numbers of a descriptor as JavaScript carries it.
const DESCRIPTOR_LEN: usize = 6;

/// A descriptor as JavaScript carries it: `[off, gen, lease, leaseGen, sealLow, sealHigh]`.
pub fn descriptor(env: Env, d: Descriptor) -> JsResult<Value> {
    env.numbers(&[
        d.off as f64,
        d.gen as f64,
        d.lease as f64,
        d.lease_gen as f64,
        (d.seal & 0xffff_ffff) as f64,
        (d.seal >> 32) as f64,
    ])
}

/// How a descriptor's reference is taken.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Counts the clone adopted (`Arena::adopt`): a descriptor that arrived.
    Adopt,
    /// Counts nothing (`Arena::borrow`): a descriptor in a state that holds its own reference.
    Borrow,
}

/// A descriptor from the numbers JavaScript carries (see `descriptor`), its indexes checked
/// as every index from JavaScript is (`index_from_js`).
pub fn descriptor_of(d: &[f64]) -> Option<Descriptor> {
    if d.len() != DESCRIPTOR_LEN {
        return None;
    }
    let n = |i: usize| {
        d.get(i)
            .copied()
            .filter(|v| *v >= 0.0 && *v <= u32::MAX as f64 && v.fract() == 0.0)
            .map(|v| v as u32)
    };
    let index = |i: usize| n(i).and_then(index_from_js);
    Some(Descriptor {
        off: index(0)?,
        gen: n(1)?,
        lease: index(2)?,
        lease_gen: n(3)?,
        seal: n(4)? as u64 | (n(5)? as u64) << 32,
    })
}

/// Takes a reference through a descriptor (from `share` or `bytesShare`), for a block of a
/// kind `K` accepts. The error when it is not one, or gone.
pub fn adopt_descriptor<K: BlockKind>(
    env: Env,
    value: Value,
    kind: Kind,
    how: Take,
) -> JsResult<Handle<K>> {
    let gone = || {
        JsError::type_error(
            "ERR_INVALID_ARG_TYPE",
            format!("not a shared {kind:?}, or it no longer exists"),
        )
    };
    let d = env.numbers_of(value).map_err(|_| gone())?;
    let d = descriptor_of(&d).ok_or_else(gone)?;
    let taken = match how {
        Take::Adopt => arena().adopt(d, |k| k == kind),
        Take::Borrow => arena().borrow(d, |k| k == kind),
    };
    if !taken {
        return Err(gone());
    }
    // The reference just taken keeps the block alive and of this kind: the check passes.
    Handle::check(d.off).ok_or_else(|| {
        arena().release(d.off);
        gone()
    })
}

/// `adopt(kind, owner, descriptor)`: the handle of a shared primitive, its reference held by
/// `owner`.
pub fn adopt(env: Env, args: &Args) -> JsResult<Value> {
    take(env, args, Take::Adopt)
}

/// `borrow(kind, owner, descriptor)`: as `adopt`, for a descriptor read from a SharedDict's or
/// SharedList's state, which keeps it (and its own reference to the block).
pub fn borrow(env: Env, args: &Args) -> JsResult<Value> {
    take(env, args, Take::Borrow)
}

fn take(env: Env, args: &Args, how: Take) -> JsResult<Value> {
    let kind = kind_arg(args, 0)?;
    let off = adopt_descriptor::<AnyBlock>(env, args.get(2), kind, how)?.index();
    attach(env, args.get(1), off).inspect_err(|_| arena().release(off))
}

/// `retainInto(kind, owner, handle)`: one more reference to a live block of a JavaScript class
/// (a SharedArray above 1 MiB lives past the part JavaScript sees), held by `owner`.
pub fn retain_into(env: Env, args: &Args) -> JsResult<Value> {
    let kind = kind_arg(args, 0)?;
    let off = handle::<Shareable>(args, 2)
        .ok()
        .filter(|h| arena().kind_of(h.index()) == Some(kind))
        .ok_or_else(|| {
            JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                format!("not a live {kind:?} handle"),
            )
        })?
        .index();
    arena().retain(off);
    attach(env, args.get(1), off).inspect_err(|_| arena().release(off))
}

/// `refs(index)`: the reference count of the block at a block index, live or not (for tests
/// of lifetimes).
pub fn refs(env: Env, args: &Args) -> JsResult<Value> {
    let off = block_index(args, 0)
        .ok_or_else(|| JsError::range_error("ERR_OUT_OF_RANGE", "not a handle"))?;
    Ok(env.number(arena().refs(off) as f64))
}
