//! The native functions of a SharedDict's or SharedList's state (`core::state_cell`): creating
//! one, entering it (blocking) with a copy of its value, committing a new value, the wake that
//! ends a JavaScript leave, and the format given at creation.

use super::handles::descriptor_of;
use super::waits::interruptible;
use super::{handle, js_error, Agent};
use crate::core::arena::{arena, BlockIndex};
use crate::core::handle::{BlockKind, Shareable};
use crate::core::state_cell::{self, StateCell};
use crate::napi::{Args, Env, JsError, JsResult, Value};

/// Numbers per descriptor (see `handles::descriptor`), each a float64.
const DESCRIPTOR_BYTES: usize = 6 * 8;

/// One reference to the block of each descriptor in `bytes` (float64s, as `share` made them:
/// the leases a serialization of the value took), each counted as adopted. Every descriptor is
/// adopted even when one fails; then every reference is given back and it is an error.
fn adopt_all(bytes: &[u8]) -> JsResult<Vec<BlockIndex>> {
    let a = arena();
    let mut refs = Vec::with_capacity(bytes.len() / DESCRIPTOR_BYTES);
    let mut failed = !bytes.len().is_multiple_of(DESCRIPTOR_BYTES);
    for chunk in bytes.chunks_exact(DESCRIPTOR_BYTES) {
        let numbers: Vec<f64> = chunk
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default()))
            .collect();
        match descriptor_of(&numbers) {
            Some(d) if a.adopt(d, Shareable::accepts) => refs.push(d.off),
            _ => failed = true,
        }
    }
    if failed {
        for r in refs {
            a.release(r);
        }
        return Err(JsError::type_error(
            "ERR_INVALID_ARG_TYPE",
            "a shared object stored in the value no longer exists",
        ));
    }
    Ok(refs)
}

/// `create(kind, owner, format, value, descriptors)`: a state cell holding `value` (bytes) and
/// the primitives of `descriptors` (float64s as bytes, see `adopt_all`).
pub fn create(args: &Args) -> JsResult<BlockIndex> {
    let format = args.u32(2)?;
    let value = args.bytes(3)?;
    let refs = adopt_all(args.bytes(4)?)?;
    Ok(state_cell::new(format, value, &refs)
        .map_err(js_error)?
        .index())
}

fn cell(args: &Args) -> JsResult<StateCell> {
    handle(args, 0)
}

/// `stateEnter(handle)`: blocks until this thread holds the state, and returns a copy of its
/// value. The caller then commits or leaves (JavaScript stores 0 in the holder word, then
/// `stateWake` if it saw waiters).
pub fn enter(env: Env, args: &Args) -> JsResult<Value> {
    let c = cell(args)?;
    let agent = Agent::get(env)?;
    interruptible(env, agent, |interrupt| {
        state_cell::enter(c, agent.id, interrupt)
    })
    .map_err(js_error)?;
    env.buffer_copy(state_cell::value(c))
}

/// `stateCommit(handle, value, descriptors)`: the held state becomes `value` holding the
/// primitives of `descriptors` (see `create`), and this thread leaves it. When it throws,
/// nothing changed and the thread still holds the state.
pub fn commit(env: Env, args: &Args) -> JsResult<Value> {
    let c = cell(args)?;
    let me = Agent::get(env)?.id;
    let value = args.bytes(1)?;
    let refs = adopt_all(args.bytes(2)?)?;
    state_cell::commit(c, me, value, &refs).map_err(js_error)?;
    Ok(env.undefined())
}

/// `stateWake(handle)`: the tail of a JavaScript leave that saw waiters.
pub fn wake(env: Env, args: &Args) -> JsResult<Value> {
    state_cell::wake(cell(args)?);
    Ok(env.undefined())
}

/// `stateFormat(handle)`: the format given at creation.
pub fn format(env: Env, args: &Args) -> JsResult<Value> {
    Ok(env.number(state_cell::format(cell(args)?) as f64))
}
