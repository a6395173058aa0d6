//! A wake-up of one JavaScript thread from any thread: a libuv async handle on that thread's
//! event loop. It does what a thread-safe function with no data does, without the queue and
//! the mutex N-API keeps for one: a thread-safe function's caller wakes the JavaScript thread
//! while it still holds that mutex, so on one CPU the woken thread runs, blocks on the mutex,
//! and the caller must run again before the callback can (two extra context switches a call).
//! `uv_async_send` only sets a flag and writes the loop's eventfd.
//!
//! The handle closes at the environment's teardown (an async cleanup hook, so Node waits for
//! libuv's close callback, which frees it); `send` after that does nothing.

use super::ffi::*;
use super::{check, Env, JsError, JsResult};
use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::{Arc, RwLock};

/// The handle while open (as an address; 0 once closing), shared by `Wake` and the handle.
struct Open(RwLock<usize>);

/// What the handle's `data` points to; lives until the close callback.
struct HandleData {
    env: napi_env,
    context: napi_async_context,
    on_wake: Box<dyn Fn(Env) + Send + Sync>,
    open: Arc<Open>,
    cleanup: napi_async_cleanup_hook_handle,
    /// The handle's memory (uv_handle_size(UV_ASYNC) bytes, 8-aligned).
    memory: Vec<u64>,
}

pub struct Wake(Arc<Open>);

// SAFETY: `data` is the first field of every libuv handle (UV_HANDLE_FIELDS).
unsafe fn data_of(handle: *mut uv_handle_t) -> *mut HandleData {
    // SAFETY: see above; the caller passes a handle created by `Wake::new`.
    unsafe { *(handle as *mut *mut HandleData) }
}

unsafe extern "C" fn on_async(handle: *mut uv_handle_t) {
    // SAFETY: the handle's data is alive until its close callback, which runs after this.
    let d = unsafe { &*data_of(handle) };
    let env = d.env;
    // SAFETY: on the JavaScript thread of `env`, from its event loop: a handle scope and a
    // callback scope (which runs the microtasks the callback queues when it closes) around it.
    unsafe {
        let mut hs = null_mut();
        if napi_open_handle_scope(env, &mut hs) != NAPI_OK {
            return;
        }
        let mut resource = null_mut();
        let mut scope = null_mut();
        if napi_create_object(env, &mut resource) == NAPI_OK
            && napi_open_callback_scope(env, resource, d.context, &mut scope) == NAPI_OK
        {
            (d.on_wake)(Env(env));
            let mut pending = false;
            if napi_is_exception_pending(env, &mut pending) == NAPI_OK && pending {
                let mut e = null_mut();
                napi_get_and_clear_last_exception(env, &mut e);
                napi_fatal_exception(env, e);
            }
            napi_close_callback_scope(env, scope);
        }
        napi_close_handle_scope(env, hs);
    }
}

unsafe extern "C" fn on_close(handle: *mut uv_handle_t) {
    // SAFETY: the data was leaked by `Wake::new` and is freed only here, once.
    let d = unsafe { Box::from_raw(data_of(handle)) };
    // SAFETY: the hook's handle is valid until removed, which tells Node the close is done.
    unsafe { napi_remove_async_cleanup_hook(d.cleanup) };
    drop(d);
}

unsafe extern "C" fn on_teardown(_h: napi_async_cleanup_hook_handle, arg: *mut c_void) {
    let d = arg as *mut HandleData;
    // SAFETY: `arg` is the handle's data, alive until on_close.
    let (env, context, open) = unsafe { ((*d).env, (*d).context, (*d).open.clone()) };
    let mut h = open.0.write().unwrap_or_else(|e| e.into_inner());
    let handle = *h as *mut uv_handle_t;
    *h = 0;
    drop(h);
    // SAFETY: on the loop's thread; no `send` can reach the handle any more (it reads 0).
    unsafe {
        napi_async_destroy(env, context);
        uv_close(handle, on_close);
    }
}

impl Wake {
    /// A wake-up that runs `on_wake` on `env`'s thread, from its event loop, after any thread
    /// calls `send` (several sends before it runs: one run). It starts unreferenced.
    pub fn new(env: Env, on_wake: Box<dyn Fn(Env) + Send + Sync>) -> JsResult<Wake> {
        let mut lp = null_mut();
        // SAFETY: valid env, on its thread.
        check(unsafe { napi_get_uv_event_loop(env.0, &mut lp) })?;
        let mut context = null_mut();
        let name = env.string("native-threading");
        // SAFETY: as above; the context is destroyed at teardown.
        check(unsafe { napi_async_init(env.0, null_mut(), name.0, &mut context) })?;
        // SAFETY: plain query.
        let size = unsafe { uv_handle_size(UV_ASYNC) };
        let open = Arc::new(Open(RwLock::new(0)));
        let d = Box::into_raw(Box::new(HandleData {
            env: env.0,
            context,
            on_wake,
            open: open.clone(),
            cleanup: null_mut(),
            memory: vec![0u64; size.div_ceil(8)],
        }));
        // SAFETY: `d` is ours until the handle is initialized; the handle's memory is zeroed,
        // 8-aligned and as large as libuv says; `data` is set before anything can run it.
        unsafe {
            let handle = (*d).memory.as_mut_ptr() as *mut uv_handle_t;
            if uv_async_init(lp, handle, on_async) != 0 {
                napi_async_destroy(env.0, context);
                drop(Box::from_raw(d));
                return Err(JsError::error(
                    "ERR_NATIVE_THREADING_INIT",
                    "uv_async_init failed",
                ));
            }
            *(handle as *mut *mut HandleData) = d;
            uv_unref(handle);
            *open.0.write().unwrap_or_else(|e| e.into_inner()) = handle as usize;
            if napi_add_async_cleanup_hook(env.0, on_teardown, d.cast(), &mut (*d).cleanup)
                != NAPI_OK
            {
                // Not closed at teardown: the handle then lives as long as its loop.
                return Err(JsError::Pending);
            }
        }
        Ok(Wake(open))
    }

    /// Wakes the thread; from any thread. False once the handle is closing.
    pub fn send(&self) -> bool {
        let h = self.0 .0.read().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the handle is open while the address is not 0 (closing writes 0 first,
        // under the write lock).
        *h != 0 && unsafe { uv_async_send(*h as *mut uv_handle_t) } == 0
    }

    /// Whether the handle keeps its thread's event loop alive; call on that thread.
    pub fn set_ref(&self, keep_alive: bool) {
        let h = *self.0 .0.read().unwrap_or_else(|e| e.into_inner());
        if h == 0 {
            return;
        }
        // SAFETY: open (see `send`), on the loop's thread.
        unsafe {
            if keep_alive {
                uv_ref(h as *mut uv_handle_t)
            } else {
                uv_unref(h as *mut uv_handle_t)
            }
        }
    }
}
