//! A small safe layer over the N-API functions in `ffi`: values, arguments, errors with a
//! `code`, functions, finalizers, promises, references, wake-ups of a thread's event loop (wake.rs), external
//! array buffers and per-thread instance data. Nothing outside this module calls `ffi`.

pub mod ffi;
mod wake;

pub use wake::Wake;

use ffi::*;
use std::ffi::c_void;
use std::ptr::null_mut;

#[derive(Clone, Copy)]
pub struct Env(napi_env);

#[derive(Clone, Copy)]
pub struct Value(napi_value);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Error,
    TypeError,
    RangeError,
}

/// An error to throw into JavaScript, or one already pending there.
#[derive(Debug)]
pub enum JsError {
    Pending,
    Throw(ErrorKind, &'static str, String),
}

impl JsError {
    pub fn error(code: &'static str, msg: impl Into<String>) -> JsError {
        JsError::Throw(ErrorKind::Error, code, msg.into())
    }
    pub fn type_error(code: &'static str, msg: impl Into<String>) -> JsError {
        JsError::Throw(ErrorKind::TypeError, code, msg.into())
    }
    pub fn range_error(code: &'static str, msg: impl Into<String>) -> JsError {
        JsError::Throw(ErrorKind::RangeError, code, msg.into())
    }
}

pub type JsResult<T> = Result<T, JsError>;

fn check(status: napi_status) -> JsResult<()> {
    if status == NAPI_OK {
        Ok(())
    } else {
        Err(JsError::Pending)
    }
}

/// A native function callable from JavaScript.
pub type Method = fn(Env, &Args) -> JsResult<Value>;

const MAX_ARGS: usize = 6;

/// The arguments of a call (missing ones read as `undefined`).
pub struct Args {
    env: Env,
    argv: [napi_value; MAX_ARGS],
    argc: usize,
}

impl Args {
    pub fn get(&self, i: usize) -> Value {
        if i < self.argc.min(MAX_ARGS) {
            Value(self.argv[i])
        } else {
            self.env.undefined()
        }
    }
    pub fn number(&self, i: usize) -> JsResult<f64> {
        self.env.number_of(self.get(i))
    }
    /// A block handle or count: a non-negative integer that fits in u32.
    pub fn u32(&self, i: usize) -> JsResult<u32> {
        let n = self.number(i)?;
        if n >= 0.0 && n <= u32::MAX as f64 && n.fract() == 0.0 {
            Ok(n as u32)
        } else {
            Err(JsError::range_error(
                "ERR_OUT_OF_RANGE",
                format!("expected an integer in [0, 2**32), got {n}"),
            ))
        }
    }
    pub fn boolean(&self, i: usize) -> JsResult<bool> {
        self.env.bool_of(self.get(i))
    }
    pub fn string(&self, i: usize) -> JsResult<String> {
        self.env.string_of(self.get(i))
    }
    /// The bytes of a Uint8Array (or Buffer) argument, borrowed for this call only.
    pub fn bytes(&self, i: usize) -> JsResult<&[u8]> {
        let v = self.get(i);
        // SAFETY: `v` is an argument of the current call, so it stays reachable (and its
        // memory valid) until the call returns; the borrow of `self` ends before that.
        unsafe { self.env.typed_array_bytes(v) }
    }
}

unsafe extern "C" fn trampoline(env: napi_env, info: napi_callback_info) -> napi_value {
    let mut args = Args {
        env: Env(env),
        argv: [null_mut(); MAX_ARGS],
        argc: MAX_ARGS,
    };
    let mut data: *mut c_void = null_mut();
    // SAFETY: env and info come from N-API for this call; argv has room for argc values.
    let status = unsafe {
        napi_get_cb_info(
            env,
            info,
            &mut args.argc,
            args.argv.as_mut_ptr(),
            null_mut(),
            &mut data,
        )
    };
    if status != NAPI_OK {
        return null_mut();
    }
    // SAFETY: `data` is the `Method` pointer given to napi_create_function in `Env::function`.
    let method: Method = unsafe { std::mem::transmute::<*mut c_void, Method>(data) };
    match method(Env(env), &args) {
        Ok(v) => v.0,
        Err(e) => {
            Env(env).throw(e);
            null_mut()
        }
    }
}

impl Env {
    pub fn undefined(self) -> Value {
        let mut v = null_mut();
        // SAFETY: valid env; writes one handle.
        unsafe { napi_get_undefined(self.0, &mut v) };
        Value(v)
    }
    pub fn null(self) -> Value {
        let mut v = null_mut();
        // SAFETY: valid env; writes one handle.
        unsafe { napi_get_null(self.0, &mut v) };
        Value(v)
    }
    pub fn boolean(self, b: bool) -> Value {
        let mut v = null_mut();
        // SAFETY: valid env; writes one handle.
        unsafe { napi_get_boolean(self.0, b, &mut v) };
        Value(v)
    }
    pub fn number(self, n: f64) -> Value {
        let mut v = null_mut();
        // SAFETY: valid env; writes one handle.
        unsafe { napi_create_double(self.0, n, &mut v) };
        Value(v)
    }
    pub fn string(self, s: &str) -> Value {
        let mut v = null_mut();
        // SAFETY: the pointer and length describe `s`, which N-API copies.
        unsafe { napi_create_string_utf8(self.0, s.as_ptr().cast(), s.len(), &mut v) };
        Value(v)
    }
    pub fn object(self) -> JsResult<Value> {
        let mut v = null_mut();
        // SAFETY: valid env; writes one handle.
        check(unsafe { napi_create_object(self.0, &mut v) })?;
        Ok(Value(v))
    }
    pub fn array(self, items: &[Value]) -> JsResult<Value> {
        let mut v = null_mut();
        // SAFETY: valid env; writes one handle.
        check(unsafe { napi_create_array_with_length(self.0, items.len(), &mut v) })?;
        for (i, item) in items.iter().enumerate() {
            // SAFETY: `v` is the array just created; `item` a live handle of this scope.
            check(unsafe { napi_set_element(self.0, v, i as u32, item.0) })?;
        }
        Ok(Value(v))
    }
    pub fn numbers(self, items: &[f64]) -> JsResult<Value> {
        let values: Vec<Value> = items.iter().map(|&n| self.number(n)).collect();
        self.array(&values)
    }
    pub fn set(self, obj: Value, name: &str, value: Value) -> JsResult<()> {
        let name = std::ffi::CString::new(name).map_err(|_| JsError::Pending)?;
        // SAFETY: obj and value are live handles; name is NUL-terminated.
        check(unsafe { napi_set_named_property(self.0, obj.0, name.as_ptr(), value.0) })
    }
    pub fn type_of(self, v: Value) -> napi_valuetype {
        let mut t = 0;
        // SAFETY: v is a live handle.
        unsafe { napi_typeof(self.0, v.0, &mut t) };
        t
    }
    pub fn number_of(self, v: Value) -> JsResult<f64> {
        if self.type_of(v) != NAPI_NUMBER {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                "expected a number",
            ));
        }
        let mut n = 0.0;
        // SAFETY: v is a live number handle.
        check(unsafe { napi_get_value_double(self.0, v.0, &mut n) })?;
        Ok(n)
    }
    pub fn bool_of(self, v: Value) -> JsResult<bool> {
        if self.type_of(v) != NAPI_BOOLEAN {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                "expected a boolean",
            ));
        }
        let mut b = false;
        // SAFETY: v is a live boolean handle.
        check(unsafe { napi_get_value_bool(self.0, v.0, &mut b) })?;
        Ok(b)
    }
    pub fn string_of(self, v: Value) -> JsResult<String> {
        if self.type_of(v) != NAPI_STRING {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                "expected a string",
            ));
        }
        let mut len = 0;
        // SAFETY: a null buffer asks for the length only.
        check(unsafe { napi_get_value_string_utf8(self.0, v.0, null_mut(), 0, &mut len) })?;
        let mut buf = vec![0u8; len + 1];
        // SAFETY: buf has len + 1 bytes, room for the string and its NUL.
        check(unsafe {
            napi_get_value_string_utf8(self.0, v.0, buf.as_mut_ptr().cast(), buf.len(), &mut len)
        })?;
        buf.truncate(len);
        String::from_utf8(buf).map_err(|_| JsError::Pending)
    }
    /// The numbers of an array (`[1, 2]` -> `vec![1.0, 2.0]`).
    pub fn numbers_of(self, v: Value) -> JsResult<Vec<f64>> {
        let mut is_array = false;
        // SAFETY: v is a live handle.
        check(unsafe { napi_is_array(self.0, v.0, &mut is_array) })?;
        if !is_array {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                "expected an array of numbers",
            ));
        }
        let mut len = 0;
        // SAFETY: v is an array.
        check(unsafe { napi_get_array_length(self.0, v.0, &mut len) })?;
        (0..len.min(16))
            .map(|i| {
                let mut item = null_mut();
                // SAFETY: v is an array; i is in range.
                check(unsafe { napi_get_element(self.0, v.0, i, &mut item) })?;
                self.number_of(Value(item))
            })
            .collect()
    }

    /// A JavaScript function running `method`.
    pub fn function(self, name: &str, method: Method) -> JsResult<Value> {
        let mut f = null_mut();
        // SAFETY: the method pointer is passed as callback data and read back by `trampoline`;
        // function pointers and data pointers have the same size on supported targets.
        check(unsafe {
            napi_create_function(
                self.0,
                name.as_ptr().cast(),
                name.len(),
                trampoline,
                method as *mut c_void,
                &mut f,
            )
        })?;
        Ok(Value(f))
    }

    /// Adds `name` to `exports` as a function running `method`.
    pub fn export(self, exports: Value, name: &str, method: Method) -> JsResult<()> {
        let f = self.function(name, method)?;
        self.set(exports, name, f)
    }

    pub fn throw(self, e: JsError) {
        let (kind, code, msg) = match e {
            JsError::Pending => return,
            JsError::Throw(k, c, m) => (k, c, m),
        };
        let err = self.error(kind, code, &msg);
        // SAFETY: err is a live handle.
        unsafe { napi_throw(self.0, err.0) };
    }

    /// An Error (or TypeError/RangeError) with `code` set, as Node's own errors have.
    pub fn error(self, kind: ErrorKind, code: &str, msg: &str) -> Value {
        let (code, msg) = (self.string(code), self.string(msg));
        let mut v = null_mut();
        // SAFETY: code and msg are live string handles.
        unsafe {
            match kind {
                ErrorKind::Error => napi_create_error(self.0, code.0, msg.0, &mut v),
                ErrorKind::TypeError => napi_create_type_error(self.0, code.0, msg.0, &mut v),
                ErrorKind::RangeError => napi_create_range_error(self.0, code.0, msg.0, &mut v),
            }
        };
        Value(v)
    }

    /// The bytes of a Uint8Array (or Buffer).
    ///
    /// # Safety
    /// `v` must stay reachable (its memory valid) for all of `'a`.
    unsafe fn typed_array_bytes<'a>(self, v: Value) -> JsResult<&'a [u8]> {
        let mut is_typed = false;
        // SAFETY: v is a live handle.
        check(unsafe { napi_is_typedarray(self.0, v.0, &mut is_typed) })?;
        if !is_typed {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                "expected a Uint8Array",
            ));
        }
        let (mut kind, mut len, mut data) = (0, 0, null_mut());
        // SAFETY: v is a typed array; N-API writes its kind, length and data pointer.
        check(unsafe {
            napi_get_typedarray_info(
                self.0,
                v.0,
                &mut kind,
                &mut len,
                &mut data,
                null_mut(),
                null_mut(),
            )
        })?;
        if kind != NAPI_UINT8_ARRAY {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                "expected a Uint8Array",
            ));
        }
        if len == 0 {
            return Ok(&[]);
        }
        // SAFETY: the typed array's memory stays valid while the value is reachable, which the
        // caller guarantees for 'a.
        Ok(unsafe { std::slice::from_raw_parts(data as *const u8, len) })
    }

    /// The UTF-8 length of a string.
    pub fn utf8_len(self, v: Value) -> JsResult<usize> {
        if self.type_of(v) != NAPI_STRING {
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                "expected a string",
            ));
        }
        let mut len = 0;
        // SAFETY: a null buffer asks for the length only.
        check(unsafe { napi_get_value_string_utf8(self.0, v.0, null_mut(), 0, &mut len) })?;
        Ok(len)
    }

    /// Writes a string's UTF-8 bytes and a NUL into `out`, which has room for exactly
    /// `utf8_len + 1` bytes.
    pub fn utf8_into(self, v: Value, out: &mut [u8]) -> JsResult<()> {
        let mut len = 0;
        // SAFETY: out has out.len() bytes; N-API writes at most that many, NUL included.
        check(unsafe {
            napi_get_value_string_utf8(self.0, v.0, out.as_mut_ptr().cast(), out.len(), &mut len)
        })
    }

    pub fn string_from_utf8(self, bytes: &[u8]) -> Value {
        let mut v = null_mut();
        // SAFETY: pointer and length describe `bytes`, which N-API copies.
        unsafe { napi_create_string_utf8(self.0, bytes.as_ptr().cast(), bytes.len(), &mut v) };
        Value(v)
    }

    /// A new Buffer holding a copy of `bytes`.
    pub fn buffer_copy(self, bytes: &[u8]) -> JsResult<Value> {
        let mut v = null_mut();
        // SAFETY: N-API copies `bytes` into a new Buffer.
        check(unsafe {
            napi_create_buffer_copy(
                self.0,
                bytes.len(),
                bytes.as_ptr().cast(),
                null_mut(),
                &mut v,
            )
        })?;
        Ok(Value(v))
    }

    /// A new Uint8Array holding a copy of `bytes`.
    pub fn uint8array_copy(self, bytes: &[u8]) -> JsResult<Value> {
        let (mut data, mut ab, mut v) = (null_mut(), null_mut(), null_mut());
        // SAFETY: N-API allocates `bytes.len()` bytes at `data`, which we fill.
        check(unsafe { napi_create_arraybuffer(self.0, bytes.len(), &mut data, &mut ab) })?;
        if !bytes.is_empty() {
            // SAFETY: `data` has room for bytes.len() bytes.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), data as *mut u8, bytes.len()) };
        }
        // SAFETY: ab is the ArrayBuffer just created.
        check(unsafe {
            napi_create_typedarray(self.0, NAPI_UINT8_ARRAY, bytes.len(), ab, 0, &mut v)
        })?;
        Ok(Value(v))
    }

    /// An ArrayBuffer over `len` bytes at `data` that stay valid until `f(payload)` runs, which
    /// happens once the ArrayBuffer is garbage-collected.
    pub fn external_arraybuffer<T: 'static>(
        self,
        data: *mut u8,
        len: usize,
        payload: T,
        f: fn(T),
    ) -> JsResult<Value> {
        struct Payload<T> {
            data: T,
            f: fn(T),
        }
        unsafe extern "C" fn run<T>(_env: napi_env, _data: *mut c_void, hint: *mut c_void) {
            // SAFETY: `hint` is the Box leaked below, handed back exactly once by N-API.
            let p = unsafe { Box::from_raw(hint as *mut Payload<T>) };
            (p.f)(p.data);
        }
        let hint = Box::into_raw(Box::new(Payload { data: payload, f }));
        let mut v = null_mut();
        // SAFETY: the caller guarantees the memory lives until the finalizer runs.
        let status = unsafe {
            napi_create_external_arraybuffer(
                self.0,
                data.cast(),
                len,
                Some(run::<T>),
                hint.cast(),
                &mut v,
            )
        };
        if status != NAPI_OK {
            // SAFETY: N-API did not take the payload; run it now so nothing leaks.
            let p = unsafe { Box::from_raw(hint) };
            (p.f)(p.data);
            return Err(JsError::Pending);
        }
        Ok(Value(v))
    }

    /// An ArrayBuffer over memory that outlives every JavaScript thread of the process.
    pub fn static_arraybuffer(self, data: *mut u8, len: usize) -> JsResult<Value> {
        let mut v = null_mut();
        // SAFETY: the caller guarantees `data..data+len` stays mapped for the process's life,
        // so no finalizer is needed.
        check(unsafe {
            napi_create_external_arraybuffer(self.0, data.cast(), len, None, null_mut(), &mut v)
        })?;
        Ok(Value(v))
    }

    /// Runs `f(data)` once `obj` is garbage-collected, or when this thread's environment ends.
    pub fn add_finalizer<T: 'static>(self, obj: Value, data: T, f: fn(T)) -> JsResult<()> {
        struct Payload<T> {
            data: T,
            f: fn(T),
        }
        unsafe extern "C" fn run<T>(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
            // SAFETY: `data` is the Box leaked below, handed back exactly once by N-API.
            let p = unsafe { Box::from_raw(data as *mut Payload<T>) };
            (p.f)(p.data);
        }
        let payload = Box::into_raw(Box::new(Payload { data, f }));
        // SAFETY: obj is a live object handle; the payload is owned by the finalizer.
        let status = unsafe {
            napi_add_finalizer(
                self.0,
                obj.0,
                payload.cast(),
                run::<T>,
                null_mut(),
                null_mut(),
            )
        };
        if status != NAPI_OK {
            // SAFETY: N-API did not take the payload.
            drop(unsafe { Box::from_raw(payload) });
            return Err(JsError::type_error(
                "ERR_INVALID_ARG_TYPE",
                "expected an object",
            ));
        }
        Ok(())
    }

    pub fn promise(self) -> JsResult<(Deferred, Value)> {
        let (mut d, mut p) = (null_mut(), null_mut());
        // SAFETY: valid env; writes two handles.
        check(unsafe { napi_create_promise(self.0, &mut d, &mut p) })?;
        Ok((Deferred(d), Value(p)))
    }

    pub fn reference(self, v: Value) -> JsResult<Ref> {
        let mut r = null_mut();
        // SAFETY: v is a live handle; the reference is strong (count 1).
        check(unsafe { napi_create_reference(self.0, v.0, 1, &mut r) })?;
        Ok(Ref(r))
    }

    pub fn call(self, func: Value, this: Value, args: &[Value]) -> JsResult<Value> {
        let argv: Vec<napi_value> = args.iter().map(|a| a.0).collect();
        let mut r = null_mut();
        // SAFETY: all handles are live in the current scope.
        check(unsafe {
            napi_call_function(self.0, this.0, func.0, argv.len(), argv.as_ptr(), &mut r)
        })?;
        Ok(Value(r))
    }

    /// Runs `f` when this thread's environment is torn down (worker end or terminate).
    pub fn on_teardown(self, f: Box<dyn FnOnce()>) {
        unsafe extern "C" fn run(arg: *mut c_void) {
            // SAFETY: `arg` is the box leaked below; N-API calls the hook once.
            let f = unsafe { Box::from_raw(arg as *mut Box<dyn FnOnce()>) };
            f();
        }
        let arg = Box::into_raw(Box::new(f));
        // SAFETY: the hook owns `arg`.
        unsafe { napi_add_env_cleanup_hook(self.0, run, arg.cast()) };
    }

    /// Stores `data` for this environment; it is dropped when the environment ends.
    pub fn set_instance_data<T: 'static>(self, data: T) -> JsResult<()> {
        unsafe extern "C" fn drop_it<T>(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
            // SAFETY: `data` is the box leaked below.
            drop(unsafe { Box::from_raw(data as *mut T) });
        }
        let p = Box::into_raw(Box::new(data));
        // SAFETY: N-API owns `p` from now on and frees it with drop_it::<T>.
        check(unsafe { napi_set_instance_data(self.0, p.cast(), drop_it::<T>, null_mut()) })
    }

    /// This environment's data, if `set_instance_data::<T>` was called.
    pub fn instance_data<T: 'static>(self) -> Option<&'static T> {
        let mut p = null_mut();
        // SAFETY: valid env.
        unsafe { napi_get_instance_data(self.0, &mut p) };
        // SAFETY: only `set_instance_data::<T>` stores instance data in this addon, with one
        // T per environment; it lives until the environment ends, after every callback.
        (!p.is_null()).then(|| unsafe { &*(p as *const T) })
    }
}

/// The resolving end of a Promise; used on its JavaScript thread only.
pub struct Deferred(napi_deferred);

impl Deferred {
    pub fn resolve(self, env: Env, v: Value) {
        // SAFETY: each deferred is settled exactly once (this consumes it).
        unsafe { napi_resolve_deferred(env.0, self.0, v.0) };
    }
}

/// A strong reference to a JavaScript value for the life of its thread; used on that thread.
pub struct Ref(napi_ref);

impl Ref {
    pub fn value(&self, env: Env) -> Value {
        let mut v = null_mut();
        // SAFETY: the reference is alive until `delete`.
        unsafe { napi_get_reference_value(env.0, self.0, &mut v) };
        Value(v)
    }
}

/// The environment and exports object that Node hands to the module initializer.
pub fn wrap_module(env: ffi::napi_env, exports: ffi::napi_value) -> (Env, Value) {
    (Env(env), Value(exports))
}
