//! Queue items cross threads and processes as tagged bytes: JavaScript picks the tag (and
//! serializes what has no fast path with v8.serialize); numbers, strings, byte arrays and the
//! simple constants are encoded here without the generic serializer.

use super::handle;
use crate::core::arena::Kind;
use crate::core::queue;
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

/// `queuePut(handle, tag, value)`: 0 when queued, 1 when the queue is full (nothing changed).
pub fn put(env: Env, args: &Args) -> JsResult<Value> {
    let q = queue_handle(args)?;
    if queue::looks_full(q) {
        return Ok(env.number(1.0));
    }
    let tag = args.u32(1)?;
    let v = args.get(2);
    let it = match tag {
        NUMBER => {
            let n = env.number_of(v)?;
            let (it, data) = queue::new_item(tag, 8);
            data.copy_from_slice(&n.to_le_bytes());
            it
        }
        STRING => {
            let len = env.utf8_len(v)?;
            let (it, data) = queue::new_item(tag, len + 1);
            env.utf8_into(v, data)
                .inspect_err(|_| queue::free_item(it))?;
            queue::truncate_item(it, len);
            it
        }
        BUFFER | UINT8ARRAY | V8 => {
            let bytes = env.bytes_of(v)?;
            let (it, data) = queue::new_item(tag, bytes.len());
            data.copy_from_slice(bytes);
            it
        }
        SIMPLE => {
            let (it, data) = queue::new_item(tag, 1);
            data[0] = env.number_of(v)? as u8;
            it
        }
        _ => {
            return Err(JsError::range_error(
                "ERR_OUT_OF_RANGE",
                format!("unknown item tag {tag}"),
            ))
        }
    };
    match queue::push(q, it) {
        Ok(()) => Ok(env.number(0.0)),
        Err(it) => {
            queue::free_item(it);
            Ok(env.number(1.0))
        }
    }
}

/// `queueGet(handle, empty)`: the next item, or `empty` when there is none.
pub fn get(env: Env, args: &Args) -> JsResult<Value> {
    let q = queue_handle(args)?;
    let Some(it) = queue::pop(q) else {
        return Ok(args.get(1));
    };
    let (tag, data) = queue::item_data(it);
    let v = match tag {
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
    };
    queue::free_item(it);
    v
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
