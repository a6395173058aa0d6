//! Who holds what, and whether they still live: the names that lock words and wait lists
//! record, and the checks that let a waiter take over from a holder that died.
//!
//! - A **process tag** names one process that maps the arena: its slot in the process table
//!   (low 12 bits, slot + 1) and the slot's generation (the bits above). Every process claims
//!   its slot when the first agent starts; it gives it back at exit. A tag is alive while its
//!   slot still has that generation and the process (pid and start time, so a reused pid is
//!   not taken for it) has not ended. A zombie counts as ended: a parent that is itself
//!   blocked cannot reap its killed child, and its waiters must still see the death.
//! - An **agent id** names one JavaScript thread that uses primitives: its slot in the agent
//!   table (low 14 bits, slot + 1) and a generation. It is alive while its slot still holds it
//!   (the thread frees it when it ends, however it ends) and its process is alive.
//!
//! Nothing here is needed on an uncontended path: waiters check holders between the slices
//! of their sleep (`park::SLICE`), and a death found is written back to the tables (the slot's
//! generation moves on), so later checks of that tag are reads of memory only.

use super::arena::{
    arena, AgentSlot, ProcSlot, AGENT_SLOT_BITS, MAX_AGENTS, MAX_PROCS, PROC_SLOT_BITS, RESERVED,
};
use super::error::{Error, Result};
use crate::sys;
use std::sync::atomic::Ordering::*;
use std::sync::{Mutex, OnceLock};

const PROC_BITS: u32 = PROC_SLOT_BITS;
const AGENT_BITS: u32 = AGENT_SLOT_BITS;
/// Tags fit in 28 bits, so a Lock word keeps 3 bits of its own below one and stays a
/// positive Int32 for JavaScript; agent ids fit in 31 bits for the same reason.
const TAG_GENERATIONS: u32 = 1 << (28 - PROC_BITS);
const AGENT_GENERATIONS: u32 = 1 << (31 - AGENT_BITS);
/// An agent slot being claimed: never an id (ids are below 2^31).
const AGENT_RESERVED: u32 = 1 << 31;

static OWN_SLOT: OnceLock<usize> = OnceLock::new();
/// This process's tag, fixed when it claims its slot: it names this process for its whole
/// life, also after `release_own_slot` (other processes then take it for dead; this one,
/// whose threads still run, never does).
static OWN_TAG: OnceLock<u32> = OnceLock::new();

/// This process's slot in the process table, claimed on first use; `None` while the table is
/// full (every slot held by a live process).
pub fn claim_own_slot() -> Option<&'static ProcSlot> {
    static CLAIMING: Mutex<()> = Mutex::new(());
    if OWN_SLOT.get().is_none() {
        let _g = CLAIMING.lock().unwrap_or_else(|e| e.into_inner());
        if OWN_SLOT.get().is_none() {
            let i = arena().claim_proc_slot(sys::pid())?;
            let _ = OWN_TAG.set(tag_of_slot(i));
            let _ = OWN_SLOT.set(i);
        }
    }
    OWN_SLOT.get().map(|&i| &arena().procs()[i])
}

/// This process's slot, once claimed (every agent claims it when it starts).
pub fn own_slot() -> &'static ProcSlot {
    claim_own_slot().expect("claimed when the first agent started")
}

/// Gives this process's slot back (at exit): from then on its tag names a dead process, so
/// a Lock it still holds is taken over by the next acquirer.
pub fn release_own_slot() {
    if let Some(&i) = OWN_SLOT.get() {
        arena().release_proc_slot(i, sys::pid());
    }
}

/// The tag of whoever holds process slot `i` now.
pub fn tag_of_slot(i: usize) -> u32 {
    tag_of(i, arena().procs()[i].ident().0)
}

fn tag_of(slot: usize, generation: u32) -> u32 {
    (generation % TAG_GENERATIONS) << PROC_BITS | (slot as u32 + 1)
}

/// This process's tag (claims its slot on first use).
pub fn my_process() -> Result<u32> {
    claim_own_slot().ok_or(Error::NoMemory)?;
    OWN_TAG.get().copied().ok_or(Error::NoMemory)
}

/// Descriptors (pidfds) of other processes this process has checked, by slot: polling one is
/// a single system call, and it reports the death of a zombie too.
static PIDFDS: Mutex<Vec<(u32, i32)>> = Mutex::new(Vec::new());

/// Whether the process that `tag` names is still running. This process is, to itself, until
/// it ends (its threads may run on for a while after it gave its slot back at exit).
pub fn process_alive(tag: u32) -> bool {
    let slot = (tag & ((1 << PROC_BITS) - 1)) as usize;
    if slot == 0 || slot > MAX_PROCS {
        return false;
    }
    if OWN_TAG.get() == Some(&tag) {
        return true;
    }
    let i = slot - 1;
    let s = &arena().procs()[i];
    let (generation, pid) = s.ident();
    if tag_of(i, generation) != tag || pid == 0 {
        return false;
    }
    if pid == RESERVED {
        // Being claimed: no tag of this generation has been handed out yet.
        return true;
    }
    let start = s.start_time.load(Acquire);
    if s.ident() != (generation, pid) {
        return false;
    }
    let alive = process_running(tag, pid, start);
    if !alive {
        // Written back, so every later check of this tag is a read of memory (and the slot is
        // free for a new process).
        s.retire(generation, pid);
    }
    alive
}

/// Polls a cached pidfd of the process; opens one (checking the start time, so a reused pid
/// is never taken for the process) the first time.
fn process_running(tag: u32, pid: u32, start: u64) -> bool {
    let mut fds = PIDFDS.lock().unwrap_or_else(|e| e.into_inner());
    let fd = match fds.iter().find(|(t, _)| *t == tag) {
        Some(&(_, fd)) => fd,
        None => {
            let fd = match sys::pidfd_open(pid) {
                Ok(fd) => fd,
                Err(e) if e.raw_os_error() == Some(sys::ESRCH) => return false,
                // No pidfds here (an old kernel, a sandbox): /proc tells, one read per check.
                Err(_) => {
                    return sys::process_alive(pid)
                        && (start == 0 || sys::process_start_time(pid) == Some(start))
                }
            };
            // A start time of 0 was not readable when the process claimed its slot.
            if start != 0 && sys::process_start_time(pid).is_some_and(|t| t != start) {
                sys::close(fd);
                return false;
            }
            // One descriptor per slot: a tag of a later generation replaces the old one.
            let slot_bits = tag & ((1 << PROC_BITS) - 1);
            if let Some(k) = fds
                .iter()
                .position(|(t, _)| t & ((1 << PROC_BITS) - 1) == slot_bits)
            {
                sys::close(fds.swap_remove(k).1);
            }
            fds.push((tag, fd));
            fd
        }
    };
    if sys::poll_readable(fd, 0) {
        if let Some(k) = fds.iter().position(|(t, _)| *t == tag) {
            sys::close(fds.swap_remove(k).1);
        }
        return false;
    }
    true
}

fn agent_slot(id: u32) -> Option<&'static AgentSlot> {
    let slot = (id & ((1 << AGENT_BITS) - 1)) as usize;
    (slot != 0 && slot <= MAX_AGENTS).then(|| &arena().agents()[slot - 1])
}

/// A new agent id for a JavaScript thread of this process; `Error::NoMemory` when the process
/// table or the agent table is full.
pub fn new_agent() -> Result<u32> {
    claim_agent(arena().agents(), my_process()?, agent_alive)
}

/// Claims a slot of `agents` for a thread of `process`: a free one, else one whose agent is
/// no longer `alive`.
fn claim_agent(agents: &[AgentSlot], process: u32, alive: impl Fn(u32) -> bool) -> Result<u32> {
    let take = |i: usize, from: u32| {
        let a = &agents[i];
        // Reserved first, so that two claimers of one slot cannot mix their writes; readers
        // asking about the old id see a different id (dead), and nobody knows the new one yet.
        a.id.compare_exchange(from, AGENT_RESERVED, AcqRel, Relaxed)
            .ok()?;
        let generation = a.generation.fetch_add(1, AcqRel) % AGENT_GENERATIONS;
        let id = generation << AGENT_BITS | (i as u32 + 1);
        a.process.store(process, Release);
        a.id.store(id, Release);
        Some(id)
    };
    (0..agents.len())
        .find_map(|i| {
            (agents[i].id.load(Acquire) == 0)
                .then(|| take(i, 0))
                .flatten()
        })
        .or_else(|| {
            (0..agents.len()).find_map(|i| {
                let old = agents[i].id.load(Acquire);
                (old != 0 && old != AGENT_RESERVED && !alive(old))
                    .then(|| take(i, old))
                    .flatten()
            })
        })
        .ok_or(Error::NoMemory)
}

/// The thread behind `id` ended (however it ended): its locks may be taken over.
pub fn end_agent(id: u32) {
    if let Some(a) = agent_slot(id) {
        let _ = a.id.compare_exchange(id, 0, AcqRel, Relaxed);
    }
}

/// Whether the thread behind agent `id` is still running.
pub fn agent_alive(id: u32) -> bool {
    let Some(a) = agent_slot(id) else {
        return false;
    };
    if a.id.load(Acquire) != id {
        return false;
    }
    let process = a.process.load(Acquire);
    // The slot may have changed hands between the two reads.
    a.id.load(Acquire) == id && process_alive(process)
}

/// Whether agent `id` may still be running, from memory alone (no system call): false once its
/// thread ended, or its process gave its slot back or was found dead by an earlier check. For
/// paths as hot as a wake-up, where a death not yet found may be left to a later
/// `agent_alive` (which finds it, and writes it back).
pub fn agent_not_known_dead(id: u32) -> bool {
    let Some(a) = agent_slot(id) else {
        return false;
    };
    let process = a.process.load(Acquire);
    let slot = (process & ((1 << PROC_BITS) - 1)) as usize;
    if a.id.load(Acquire) != id || slot == 0 || slot > MAX_PROCS {
        return false;
    }
    if OWN_TAG.get() == Some(&process) {
        return true;
    }
    let p = &arena().procs()[slot - 1];
    let (generation, pid) = p.ident();
    tag_of(slot - 1, generation) == process && pid != 0
}

/// For tests: a `sleep` child process holding a slot of the process table (so it has a tag),
/// killed, reaped and its slot given back when dropped.
#[cfg(test)]
pub struct ChildProcess {
    child: std::process::Child,
    slot: usize,
    pub tag: u32,
}

#[cfg(test)]
impl ChildProcess {
    pub fn spawn() -> ChildProcess {
        let child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let slot = arena().claim_proc_slot(child.id()).unwrap();
        ChildProcess {
            child,
            slot,
            tag: tag_of_slot(slot),
        }
    }

    /// SIGKILL, without reaping: the child stays a zombie until dropped.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }
}

#[cfg(test)]
impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = self.child.wait();
        arena().release_proc_slot(self.slot, self.child.id());
    }
}

/// For tests: the tag of a process that has ended.
#[cfg(test)]
pub fn dead_process_tag() -> u32 {
    ChildProcess::spawn().tag
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn an_ended_agent_is_dead_and_its_slot_is_reused_under_a_new_id() {
        crate::core::start();
        let a = new_agent().unwrap();
        assert!(agent_alive(a));
        assert!(process_alive(my_process().unwrap()));
        assert!(agent_not_known_dead(a));
        end_agent(a);
        assert!(!agent_alive(a));
        assert!(!agent_not_known_dead(a));
        let b = new_agent().unwrap();
        assert_ne!(a, b);
        assert!(!agent_alive(a));
        assert!(agent_alive(b));
        end_agent(b);
    }

    #[test]
    fn this_process_and_its_threads_stay_alive_to_it_after_it_gave_its_slot_back() {
        crate::core::start();
        let me = my_process().unwrap();
        let a = new_agent().unwrap();
        let slot = own_slot();
        // What `release_own_slot` does to the slot (without giving it away for the other
        // tests of this process): another process would now take `me` for dead.
        slot.ident.fetch_add(1 << 32, AcqRel);
        assert!(process_alive(me) && agent_alive(a) && agent_not_known_dead(a));
        assert_eq!(my_process().unwrap(), me, "the tag stays");
        slot.ident.fetch_sub(1 << 32, AcqRel);
        end_agent(a);
        assert!(!agent_alive(a) && !agent_not_known_dead(a));
    }

    #[test]
    fn a_full_agent_table_is_a_refusal_until_an_agent_dies() {
        let table: Vec<AgentSlot> = (0..2)
            .map(|_| AgentSlot {
                id: AtomicU32::new(0),
                process: AtomicU32::new(0),
                generation: AtomicU32::new(0),
            })
            .collect();
        let a = claim_agent(&table, 7, |_| true).unwrap();
        let b = claim_agent(&table, 7, |_| true).unwrap();
        assert_eq!(claim_agent(&table, 7, |_| true), Err(Error::NoMemory));
        let c = claim_agent(&table, 8, |id| id != a).expect("the dead agent's slot");
        let slot = |id: u32| id & ((1 << AGENT_BITS) - 1);
        assert!(c != a && c != b && slot(c) == slot(a));
        assert_eq!(table[0].process.load(Relaxed), 8);
    }

    #[test]
    fn forged_ids_and_tags_are_dead_not_a_panic() {
        crate::core::start();
        for x in [
            0,
            1,
            u32::MAX,
            0xfff,
            0x1000,
            0x3fff,
            0x4000,
            0x1ff,
            0x200,
            4095,
            4096,
            0xdead_beef,
        ] {
            let _ = agent_alive(x);
            let _ = agent_not_known_dead(x);
            let _ = process_alive(x);
        }
        assert!(!agent_alive(0));
        assert!(!process_alive(0));
    }

    #[test]
    fn a_killed_process_is_dead_even_as_an_unreaped_zombie() {
        crate::core::start();
        let mut child = ChildProcess::spawn();
        let tag = child.tag;
        assert!(process_alive(tag));
        child.kill();
        // Not reaped yet: the child is a zombie.
        let t0 = std::time::Instant::now();
        while process_alive(tag) {
            assert!(t0.elapsed().as_secs() < 5, "the death is seen");
            std::thread::yield_now();
        }
        assert!(!process_alive(tag), "and stays seen");
    }
}
