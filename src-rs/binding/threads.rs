//! The process-wide registry behind `activeCount()`, `enumerate()` and `currentThread()`:
//! every JavaScript thread of the process sees the same list.

use super::Agent;
use crate::napi::{Args, Env, JsResult, Value};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Mutex;

struct Record {
    id: u32,
    name: String,
    ident: f64,
    native_id: f64,
    daemon: bool,
    /// 0 main, 1 Thread, 2 dummy (a worker not started by Thread).
    kind: u32,
}

static REGISTRY: Mutex<(u32, Vec<Record>)> = Mutex::new((0, Vec::new()));

fn with<R>(f: impl FnOnce(&mut (u32, Vec<Record>)) -> R) -> R {
    f(&mut REGISTRY.lock().unwrap_or_else(|e| e.into_inner()))
}

/// `threadRegister(name, daemon, kind)`: a new record's id.
pub fn register(env: Env, args: &Args) -> JsResult<Value> {
    let (name, daemon, kind) = (args.string(0)?, args.boolean(1)?, args.u32(2)?);
    let id = with(|(next, list)| {
        *next += 1;
        list.push(Record {
            id: *next,
            name,
            ident: 0.0,
            native_id: 0.0,
            daemon,
            kind,
        });
        *next
    });
    Ok(env.number(id as f64))
}

/// `threadStarted(id, ident, nativeId)`.
pub fn started(env: Env, args: &Args) -> JsResult<Value> {
    let (id, ident, native_id) = (args.u32(0)?, args.number(1)?, args.number(2)?);
    with(|(_, list)| {
        if let Some(r) = list.iter_mut().find(|r| r.id == id) {
            r.ident = ident;
            r.native_id = native_id;
        }
    });
    Ok(env.undefined())
}

/// `threadUpdate(id, name, daemon)`.
pub fn update(env: Env, args: &Args) -> JsResult<Value> {
    let (id, name, daemon) = (args.u32(0)?, args.string(1)?, args.boolean(2)?);
    with(|(_, list)| {
        if let Some(r) = list.iter_mut().find(|r| r.id == id) {
            r.name = name;
            r.daemon = daemon;
        }
    });
    Ok(env.undefined())
}

pub fn unregister(id: u32) {
    with(|(_, list)| list.retain(|r| r.id != id));
}

pub fn unregister_js(env: Env, args: &Args) -> JsResult<Value> {
    unregister(args.u32(0)?);
    Ok(env.undefined())
}

/// `threadAtExit(recordId, eventHandle)`: when the calling thread ends, however it ends
/// (return, error, `worker.terminate()`), drop record `recordId` and set the Event.
pub fn at_exit(env: Env, args: &Args) -> JsResult<Value> {
    let (id, event) = (
        args.u32(0)?,
        super::handle::<crate::core::handle::Event>(args, 1)?,
    );
    crate::core::arena::arena().retain(event.index());
    let mut at_exit = Agent::get(env)?
        .at_exit
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    at_exit.records.push(id);
    at_exit.events.push(event);
    Ok(env.undefined())
}

/// `threadNumber()`: the next N of the default name `Thread-N`, process-wide.
pub fn number(env: Env, _args: &Args) -> JsResult<Value> {
    static N: AtomicU32 = AtomicU32::new(0);
    Ok(env.number((N.fetch_add(1, Relaxed) + 1) as f64))
}

/// `threadList()`: `[id, name, ident, nativeId, daemon, kind][]` in start order.
pub fn list(env: Env, _args: &Args) -> JsResult<Value> {
    let rows: Vec<(u32, String, f64, f64, bool, u32)> = with(|(_, list)| {
        list.iter()
            .map(|r| (r.id, r.name.clone(), r.ident, r.native_id, r.daemon, r.kind))
            .collect()
    });
    let values = rows
        .into_iter()
        .map(|(id, name, ident, native_id, daemon, kind)| {
            env.array(&[
                env.number(id as f64),
                env.string(&name),
                env.number(ident),
                env.number(native_id),
                env.boolean(daemon),
                env.number(kind as f64),
            ])
        })
        .collect::<JsResult<Vec<Value>>>()?;
    env.array(&values)
}

/// `currentIdent()`: `[ident, nativeId]` of the calling thread (Python's `get_ident()`,
/// `get_native_id()`).
pub fn current_ident(env: Env, _args: &Args) -> JsResult<Value> {
    env.numbers(&[
        crate::sys::thread_ident() as f64,
        crate::sys::gettid() as f64,
    ])
}
