//! Event's native functions: creating one, the wake that ends a JavaScript `set()` that saw
//! waiters, and the blocking and asynchronous wait.

use super::{handle, js_error};
use crate::core::arena::BlockIndex;
use crate::core::async_wait::Op;
use crate::core::event;
use crate::core::handle;
use crate::core::park::{Deadline, Interrupt};
use crate::napi::{Args, Env, JsResult, Value};

pub fn create() -> JsResult<BlockIndex> {
    Ok(event::new().map_err(js_error)?.index())
}

/// `eventWake(handle)`: wake the waiters (the flag is already set; storing it again here could
/// undo a `clear()` made meanwhile by a woken waiter).
pub fn wake(env: Env, args: &Args) -> JsResult<Value> {
    event::wake(handle::<handle::Event>(args, 0)?);
    Ok(env.undefined())
}

/// `block(Op.Event, handle, timeoutMs)`: 1 set, 0 timed out.
pub fn block(args: &Args, deadline: Deadline, interrupt: Interrupt) -> JsResult<bool> {
    event::wait(handle(args, 1)?, deadline, interrupt).map_err(js_error)
}

/// `waitAsync(Op.Event, handle, timeoutMs)`.
pub fn wait(args: &Args) -> JsResult<Op> {
    let event = handle(args, 1)?;
    Ok(Op::Event {
        event,
        seen: event::word(event),
    })
}
