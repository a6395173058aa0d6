//! native-threading: Python's threading primitives for Node.js, in shared memory.
//!
//! `core` is the shared-memory implementation (no N-API); `napi` is the hand-written N-API
//! layer; `binding` exposes the core to JavaScript through `napi` only.

pub mod core;
pub mod layout;
pub mod sys;

#[cfg(not(test))]
mod binding;
#[cfg(not(test))]
mod napi;
