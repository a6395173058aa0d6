//! Queue items cross threads and processes as tagged bytes: JavaScript picks the tag (and
//! serializes what has no fast path with v8.serialize); numbers, strings, byte arrays and the
//! simple constants are encoded here without the generic serializer.

use super::handle;
use crate::core::arena::Kind;
use crate::core::queue::{self, Put};
use crate::napi::{Args, Env, JsError, JsResult, Value};

const NUMBER: u32 = 1;
const STRING: u32 = 2;
const BUFFER: u32 = 3;
const UINT8ARRAY: u32 = 4;
/// v8.serialize output, handed back to JavaScript as `[buffer]` to deserialize.
const V8: u32 = 5;
/// One byte: 0 undefined, 1 null, 2 false, 3 true.
const SIMPLE: u32 = 6;

fn queue_handle(args: &Args) -> JsResult<u32> {
    handle(args, 0, Kind::Queue)
}

/// `queuePut(handle, tag, value)`: 0 when queued, 1 when the queue is full (nothing changed);
/// throws when the shared memory is exhausted.
pub fn put(env: Env, args: &Args) -> JsResult<Value> {
    let q = queue_handle(args)?;
    let tag = args.u32(1)?;
    let v = args.get(2);
    let r = match tag {
        NUMBER => {
            let n = env.number_of(v)?;
            queue::put(q, tag, 8, |d| {
                d.copy_from_slice(&n.to_le_bytes());
                Ok(8)
            })?
        }
        STRING => {
            // N-API writes a terminating NUL too: reserve one more byte than the text needs.
            let len = env.utf8_len(v)?;
            queue::put(q, tag, len + 1, |d| env.utf8_into(v, d).map(|()| len))?
        }
        BUFFER | UINT8ARRAY | V8 => {
            let bytes = env.bytes_of(v)?;
            queue::put(q, tag, bytes.len(), |d| {
                d.copy_from_slice(bytes);
                Ok(bytes.len())
            })?
        }
        SIMPLE => {
            let b = env.number_of(v)? as u8;
            queue::put(q, tag, 1, |d| {
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
    let item = queue::get(q, |tag, data| match tag {
        NUMBER => Ok(env.number(f64::from_le_bytes(data.try_into().unwrap_or([0; 8])))),
        STRING => Ok(env.string_from_utf8(data)),
        BUFFER => env.buffer_copy(data),
        UINT8ARRAY => env.uint8array_copy(data),
        V8 => env.buffer_copy(data).and_then(|b| env.array(&[b])),
        _ => Ok(match data.first() {
            Some(1) => env.null(),
            Some(2) => env.boolean(false),
            Some(3) => env.boolean(true),
            _ => env.undefined(),
        }),
    });
    item.unwrap_or_else(|| Ok(args.get(1)))
}

/// `queueTaskDone(handle)`.
pub fn task_done(env: Env, args: &Args) -> JsResult<Value> {
    queue::task_done(queue_handle(args)?).map_err(|_| {
        JsError::error(
            "ERR_TASK_DONE_TOO_MANY",
            "task_done() called too many times",
        )
    })?;
    Ok(env.undefined())
}
