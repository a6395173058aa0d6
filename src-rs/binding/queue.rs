//! Queue's native functions: creating one, put, get, task_done, and the blocking and
//! asynchronous wait for a change. Items cross threads and processes as tagged bytes:
//! JavaScript picks the tag (and serializes what has no fast path with v8.serialize);
//! numbers, strings (and the JSON text of plain data), byte arrays and the simple constants
//! are encoded here without the generic serializer.

use super::{handle, js_error};
use crate::core::arena::BlockIndex;
use crate::core::async_wait::Op;
use crate::core::park::{Deadline, Interrupt};
use crate::core::queue::{self, Put, Queue};
use crate::core::ring::LocalRings;
use crate::layout::queue_tag::{BUFFER, JSON, NUMBER, SIMPLE, STRING, UINT8_ARRAY, V8};
use crate::napi::{Args, Env, JsError, JsResult, Value};

/// `create(kind, owner, maxsize, joinable)`.
pub fn create(args: &Args) -> JsResult<BlockIndex> {
    Ok(queue::new(args.u32(2)?, args.boolean(3)?)
        .map_err(js_error)?
        .index())
}

fn queue_handle(args: &Args) -> JsResult<Queue> {
    handle(args, 0)
}

/// `queuePut(handle, tag, value)`: 0 when queued, 1 when the queue is full (nothing changed);
/// throws when the shared memory is exhausted.
pub fn put(env: Env, args: &Args) -> JsResult<Value> {
    let q = queue_handle(args)?;
    let tag = args.u32(1)?;
    let v = args.get(2);
    let mut local = LocalRings::new();
    let rings = &mut local;
    let r = match tag {
        NUMBER => {
            let n = env.number_of(v)?;
            queue::put(q, rings, tag, 8, |d| {
                d.copy_from_slice(&n.to_le_bytes());
                Ok(8)
            })?
        }
        STRING | JSON => {
            // N-API writes a terminating NUL too: reserve one more byte than the text needs.
            let len = env.utf8_len(v)?;
            queue::put(q, rings, tag, len + 1, |d| {
                env.utf8_into(v, d).map(|()| len)
            })?
        }
        BUFFER | UINT8_ARRAY | V8 => {
            let bytes = args.bytes(2)?;
            queue::put(q, rings, tag, bytes.len(), |d| {
                d.copy_from_slice(bytes);
                Ok(bytes.len())
            })?
        }
        SIMPLE => {
            let b = env.number_of(v)? as u8;
            queue::put(q, rings, tag, 1, |d| {
                d[0] = b;
                Ok(1)
            })?
        }
        _ => {
            return Err(JsError::range_error(
                "ERR_OUT_OF_RANGE",
                format!("unknown item tag {tag}"),
            ))
        }
    };
    local.run_here();
    match r {
        Put::Queued => Ok(env.number(0.0)),
        Put::Full => Ok(env.number(1.0)),
        Put::NoMemory => Err(JsError::range_error(
            "ERR_MEMORY_ALLOCATION_FAILED",
            "the shared memory is exhausted: the item was not queued",
        )),
    }
}

/// `queueGet(handle, empty)`: the next item, or `empty` when there is none.
pub fn get(env: Env, args: &Args) -> JsResult<Value> {
    let q = queue_handle(args)?;
    let mut rings = LocalRings::new();
    let item = queue::get(q, &mut rings, |tag, data| match tag {
        NUMBER => Ok(env.number(f64::from_le_bytes(data.try_into().unwrap_or([0; 8])))),
        STRING => Ok(env.string_from_utf8(data)),
        BUFFER => env.buffer_copy(data),
        UINT8_ARRAY => env.uint8array_copy(data),
        V8 => env.buffer_copy(data).and_then(|b| env.array(&[b])),
        JSON => env.array(&[env.string_from_utf8(data)]),
        _ => Ok(match data.first() {
            Some(1) => env.null(),
            Some(2) => env.boolean(false),
            Some(3) => env.boolean(true),
            _ => env.undefined(),
        }),
    });
    rings.run_here();
    item.unwrap_or_else(|| Ok(args.get(1)))
}

/// `queueTaskDone(handle)`.
pub fn task_done(env: Env, args: &Args) -> JsResult<Value> {
    let mut rings = LocalRings::new();
    queue::task_done(queue_handle(args)?, &mut rings).map_err(js_error)?;
    rings.run_here();
    Ok(env.undefined())
}

/// `block(Op.QueueChange, handle, timeoutMs, word, seen)`: 1 when the condition behind `word`
/// holds or the word moved from `seen`, 0 timed out.
pub fn block(args: &Args, deadline: Deadline, interrupt: Interrupt) -> JsResult<bool> {
    let q = handle(args, 1)?;
    let (word, seen) = (args.u32(3)? as usize, args.u32(4)?);
    queue::wait_change(q, word, seen, deadline, interrupt).map_err(js_error)
}

/// `waitAsync(Op.QueueChange, handle, timeoutMs, word, seen)`.
pub fn wait(args: &Args) -> JsResult<Op> {
    Ok(Op::QueueChange {
        word: args.u32(3)? as usize,
        seen: args.u32(4)?,
        queue: handle(args, 1)?,
    })
}
