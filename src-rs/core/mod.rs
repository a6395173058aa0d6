//! The shared-memory core: primitives whose state lives in the arena, usable from any thread of
//! any process that maps it. Nothing here knows about N-API.
//!
//! Layers, lowest first. A module uses only modules of lower layers (and `crate::sys`,
//! `crate::layout`, which are below them all); where a lower layer must reach a higher one, the
//! higher one registers a function with it in [`start`] (the arena's block drop hook, the
//! ring's recheck hook). `tests::no_module_imports_a_higher_layer` holds the code to this.
//!
//! ```text
//!   6  async_wait                          the engine of asynchronous waits
//!   5  condition                           (over lock, rlock)
//!   4  lock rlock semaphore event          the primitives
//!      barrier queue shared state_cell   (state_cell: SharedDict and SharedList)
//!   3  bytes raw_mutex ring slots          byte payloads (queue items, start-up data),
//!                                          internal mutexes, waking asynchronous waiters,
//!                                          a queue's ring of slots
//!   2  handle park liveness                typed handles, sleeping, who holds what and
//!                                          whether they live
//!   1  arena                               blocks, references, leases, the process table
//!   0  error seal                          (with crate::sys and crate::layout)
//! ```

pub mod arena;
pub mod async_wait;
pub mod barrier;
pub mod bytes;
pub mod condition;
pub mod error;
pub mod event;
pub mod handle;
pub mod liveness;
pub mod lock;
pub mod park;
pub mod queue;
pub mod raw_mutex;
pub mod ring;
pub mod rlock;
pub mod seal;
pub mod semaphore;
pub mod shared;
pub mod slots;
pub mod state_cell;

pub use error::{Error, Result};

use arena::{Arena, BlockIndex, Kind};
use handle::Handle;

/// Each module's layer (see the table above).
pub const LAYERS: &[(&str, u32)] = &[
    ("error", 0),
    ("seal", 0),
    ("arena", 1),
    ("handle", 2),
    ("park", 2),
    ("liveness", 2),
    ("raw_mutex", 3),
    ("ring", 3),
    ("bytes", 3),
    ("slots", 3),
    ("lock", 4),
    ("rlock", 4),
    ("semaphore", 4),
    ("event", 4),
    ("barrier", 4),
    ("queue", 4),
    ("shared", 4),
    ("state_cell", 4),
    ("condition", 5),
    ("async_wait", 6),
];

/// Connects the layers: registers the functions lower layers call upward. Called once per
/// process before any block is used (the addon calls it when it loads); calling it again does
/// nothing.
pub fn start() {
    arena::set_drop_hook(drop_block);
    ring::set_recheck_hook(async_wait::recheck_here);
}

/// Frees what a block owns when its last reference goes.
fn drop_block(arena: &Arena, off: BlockIndex, kind: Kind) {
    match kind {
        Kind::Condition => condition::drop_condition(arena, Handle::trusted(off)),
        Kind::Barrier => barrier::drop_barrier(arena, Handle::trusted(off)),
        Kind::Queue => queue::drop_queue(arena, Handle::trusted(off)),
        Kind::Shared => shared::drop_shared(arena, Handle::trusted(off)),
        Kind::StateCell => state_cell::drop_state_cell(Handle::trusted(off)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::LAYERS;

    fn layer(module: &str) -> u32 {
        LAYERS
            .iter()
            .find(|(m, _)| *m == module)
            .unwrap_or_else(|| panic!("core/{module}.rs is missing from core::LAYERS"))
            .1
    }

    /// The core modules a source file names (`super::x`, `crate::core::x`, `use super::{x,
    /// y}`), outside its tests.
    fn uses(source: &str) -> Vec<String> {
        let code = source.split("#[cfg(test)]").next().unwrap_or("");
        let mut found = Vec::new();
        for prefix in ["super::", "crate::core::"] {
            for (i, _) in code.match_indices(prefix) {
                let rest = &code[i + prefix.len()..];
                let names = if let Some(group) = rest.strip_prefix('{') {
                    group[..group.find('}').unwrap_or(0)].to_string()
                } else {
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect()
                };
                for name in names.split(',') {
                    let name = name.trim().split("::").next().unwrap_or("").trim();
                    if LAYERS.iter().any(|(m, _)| *m == name) {
                        found.push(name.to_string());
                    }
                }
            }
        }
        found
    }

    #[test]
    fn no_module_imports_a_higher_layer() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-rs/core");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let module = path.file_stem().unwrap().to_str().unwrap().to_string();
            if module == "mod" {
                continue;
            }
            let mine = layer(&module);
            for used in uses(&std::fs::read_to_string(&path).unwrap()) {
                assert!(
                    layer(&used) < mine,
                    "core/{module}.rs (layer {mine}) uses {used} (layer {}): a module may only \
                     use lower layers; register a hook in core::start() instead",
                    layer(&used)
                );
            }
            checked += 1;
        }
        assert_eq!(checked, LAYERS.len(), "every module is in the layer table");
    }

    #[test]
    fn the_check_sees_imports() {
        let found = uses("use super::arena::{arena, Kind};\nuse super::{bytes, ring, Error};\nlet x = crate::core::queue::put;");
        assert_eq!(found, ["arena", "bytes", "ring", "queue"]);
    }
}
