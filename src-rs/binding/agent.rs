//! One `Agent` per JavaScript thread (N-API environment): its id as a lock owner, the Promises
//! of its pending asynchronous waits, and the wake-up (a libuv async handle) that settles them.

use crate::core::arena::arena;
use crate::core::async_wait::{self, Outcome, Sink};
use crate::napi::{Deferred, Env, JsError, JsResult, Ref, Value, Wake};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, Mutex};

pub struct Agent {
    /// Owner id of this thread in RLocks (unique across threads and processes).
    pub id: u32,
    sink: Arc<PromiseSink>,
    pending: RefCell<HashMap<u64, Deferred>>,
    /// A no-op function: calling it fails once the thread is being terminated.
    probe: Option<Ref>,
    /// Thread-registry entries to drop and Events to set when this thread ends.
    pub at_exit: Arc<Mutex<AtExit>>,
    next_local: Cell<u64>,
}

#[derive(Default)]
pub struct AtExit {
    pub records: Vec<u32>,
    /// Events (one reference each) to set.
    pub events: Vec<crate::core::event::Event>,
}

/// What an aborted wait resolves with; the JavaScript side then rejects with the signal's
/// reason (which may be any value, so it stays there).
const ABORTED: f64 = f64::NEG_INFINITY;

/// Collects outcomes from the dispatcher thread and wakes the JavaScript thread once per batch.
struct PromiseSink {
    /// Closes by itself at the thread's teardown (sending then does nothing).
    wake: Wake,
    outbox: Mutex<Vec<(u64, Outcome)>>,
    scheduled: AtomicBool,
}

impl Sink for PromiseSink {
    fn deliver(&self, id: u64, outcome: Outcome) {
        self.outbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, outcome));
        if !self.scheduled.swap(true, AcqRel) {
            self.wake.send();
        }
    }
}

fn noop(env: Env, _: &crate::napi::Args) -> JsResult<Value> {
    Ok(env.undefined())
}

impl Agent {
    /// Sets up the agent of `env` (once per thread).
    pub fn init(env: Env, is_worker: bool) -> JsResult<&'static Agent> {
        if let Some(a) = env.instance_data::<Agent>() {
            return Ok(a);
        }
        let wake = Wake::new(
            env,
            Box::new(|env| {
                if let Some(agent) = env.instance_data::<Agent>() {
                    agent.settle_delivered(env);
                }
            }),
        )?;
        let sink = Arc::new(PromiseSink {
            wake,
            outbox: Mutex::new(Vec::new()),
            scheduled: AtomicBool::new(false),
        });
        let probe = if is_worker {
            Some(env.reference(env.function("probe", noop)?)?)
        } else {
            None
        };
        if crate::core::liveness::claim_own_slot().is_none() {
            return Err(JsError::range_error(
                "ERR_TOO_MANY_PROCESSES",
                format!(
                    "at most {} processes of one tree can use native-threading at the same time",
                    crate::core::arena::MAX_PROCS
                ),
            ));
        }
        let id = crate::core::liveness::new_agent().map_err(|_| {
            JsError::range_error(
                "ERR_TOO_MANY_THREADS",
                format!(
                    "at most {} threads of one process tree can use native-threading at the same time",
                    crate::core::arena::MAX_AGENTS
                ),
            )
        })?;
        let at_exit = Arc::new(Mutex::new(AtExit::default()));
        let teardown_at_exit = at_exit.clone();
        env.on_teardown(Box::new(move || {
            async_wait::abandon_agent(id);
            // Its RLocks are taken over by their next acquirers from here on.
            crate::core::liveness::end_agent(id);
            let at_exit =
                std::mem::take(&mut *teardown_at_exit.lock().unwrap_or_else(|e| e.into_inner()));
            for r in at_exit.records {
                super::threads::unregister(r);
            }
            for e in at_exit.events {
                crate::core::event::set(e);
                arena().release(e.index());
            }
        }));
        env.set_instance_data(Agent {
            id,
            sink,
            pending: RefCell::new(HashMap::new()),
            probe,
            at_exit,
            next_local: Cell::new(0),
        })?;
        env.instance_data::<Agent>().ok_or(JsError::Pending)
    }

    pub fn get(env: Env) -> JsResult<&'static Agent> {
        env.instance_data::<Agent>().ok_or_else(|| {
            JsError::error(
                "ERR_NATIVE_THREADING_INIT",
                "native-threading: init() was not called on this thread",
            )
        })
    }

    pub fn sink(&self) -> Arc<dyn Sink> {
        self.sink.clone()
    }

    /// A worker thread (which Node may terminate while it waits).
    pub fn is_worker(&self) -> bool {
        self.probe.is_some()
    }

    /// True once this (worker) thread is being terminated.
    pub fn terminating(&self, env: Env) -> bool {
        match &self.probe {
            Some(p) => env.call(p.value(env), env.undefined(), &[]).is_err(),
            None => false,
        }
    }

    /// A Promise for wait `id`, settled later by `settle_delivered` or `abort`.
    pub fn track(&self, env: Env, id: u64) -> JsResult<Value> {
        let (deferred, promise) = env.promise()?;
        let mut pending = self.pending.borrow_mut();
        pending.insert(id, deferred);
        if pending.len() == 1 {
            self.set_keep_alive(true);
        }
        Ok(promise)
    }

    /// An id for a wait that finished at once (tagged with the top bit, so it never collides
    /// with the engine's ids).
    pub fn local_id(&self) -> u64 {
        let n = self.next_local.get() + 1;
        self.next_local.set(n);
        n | 1 << 63
    }

    fn set_keep_alive(&self, on: bool) {
        self.sink.wake.set_ref(on);
    }

    fn settle(&self, env: Env, id: u64, outcome: Outcome) {
        let Some(deferred) = self.pending.borrow_mut().remove(&id) else {
            return;
        };
        let v = match outcome {
            Outcome::Value(v) => v,
            Outcome::Aborted => ABORTED,
        };
        deferred.resolve(env, env.number(v));
        if self.pending.borrow().is_empty() {
            self.set_keep_alive(false);
        }
    }

    fn settle_delivered(&self, env: Env) {
        self.sink.scheduled.store(false, Release);
        let batch =
            std::mem::take(&mut *self.sink.outbox.lock().unwrap_or_else(|e| e.into_inner()));
        for (id, outcome) in batch {
            self.settle(env, id, outcome);
        }
    }

    /// Aborts wait `id`. Returns false when its outcome was already decided.
    pub fn abort(&self, env: Env, id: u64) -> bool {
        if !self.pending.borrow().contains_key(&id) {
            return false;
        }
        match async_wait::abort(id) {
            async_wait::Aborted::TooLate => false,
            async_wait::Aborted::Now => {
                self.settle(env, id, Outcome::Aborted);
                true
            }
            async_wait::Aborted::Later => true,
        }
    }
}
