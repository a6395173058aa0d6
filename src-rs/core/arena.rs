//! The shared arena: one anonymous shared-memory file that holds the state of every primitive.
//!
//! Layout (offsets are stable across processes, addresses are not):
//! `[0, HEADER)`: the header (magic, counters, free lists, process table);
//! `[HEADER, SMALL_END)`: blocks of 64 B .. 1 MiB (JavaScript sees this part);
//! `[SMALL_END, ARENA_SIZE)`: blocks of 2 MiB .. 32 GiB (queue items, payloads, arrays).
//! Each part is carved by its own bump pointer; freed blocks go to one lock-free free list per
//! size class, and the pages of a freed large block are given back to the system.
//!
//! Every block starts with a [`BlockHeader`]; a block is identified by its index
//! ([`BlockIndex`]: its byte offset divided by 64). Past the blocks, `[ARENA_SIZE, FILE_SIZE)`
//! holds the **block starts**: one bit per index, set when the bump pointer carves a block
//! there. Blocks are never split or merged (a freed block is reused only whole, in its own
//! size class), so a start stays a start for ever, and no byte that a block's owner can write
//! (a SharedArray's data, say) can ever be taken for a header: an index from outside is first
//! checked against these bits, which no user-visible buffer covers.
//! Blocks are reference counted; the count and a generation share one 64-bit word so that
//! "take a reference if this is still the block I was told about" is a single CAS.

use super::error::{Error, Result};
use super::seal;
use crate::layout::{block, kind};
use crate::sys;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::OnceLock;

/// A block's index: its byte offset in the arena divided by [`BLOCK`] (so 32 bits reach
/// 256 GiB). A handle JavaScript holds is one; so is every link between blocks.
pub type BlockIndex = u32;

/// Bytes per block index.
pub const BLOCK: usize = block::BYTES;
/// Size classes 64 B << 0..=29: 64 B .. 32 GiB.
const CLASSES: usize = 30;
/// Classes up to this one (1 MiB) live in the small part.
const SMALL_CLASSES: usize = 15;
const HEADER: usize = 2 << 20;
const PAGE: usize = 4096;
/// The part of the arena that JavaScript sees as one ArrayBuffer.
pub const SMALL_END: usize = 1 << 30;
/// Virtual size only: pages exist once touched.
const ARENA_SIZE: usize = 64 << 30;
/// The block starts (one bit per block index) follow the blocks.
const FILE_SIZE: usize = ARENA_SIZE + ARENA_SIZE / BLOCK / 8;
/// The environment variable that tells a child process which descriptor is the arena.
pub const ARENA_FD_ENV: &str = "NATIVE_THREADING_ARENA_FD";
const MAGIC: u64 = 0x6e74_6172_656e_6135; // "ntarena5"
/// Freed large blocks keep their pages, up to this many bytes in all, instead of giving them
/// back: a block reused at once (a pool's chunks, a queue's big items, one after another) then
/// costs no page faults, which made copying into it several times slower than memcpy.
const RETAINED_LARGE: u64 = 64 << 20;
/// In a free block's `meta`: its pages were kept, so its body is not zeros.
const META_DIRTY: u32 = 1 << 31;
/// The low bits of a process tag that name its slot (slot + 1; see `core::liveness`).
pub const PROC_SLOT_BITS: u32 = 12;
/// Processes of one tree that can use primitives at the same time.
pub const MAX_PROCS: usize = (1 << PROC_SLOT_BITS) - 1;
/// The low bits of an agent id that name its slot (slot + 1).
pub const AGENT_SLOT_BITS: u32 = 14;
/// JavaScript threads (of all processes of one tree) that can use primitives at the same time.
pub const MAX_AGENTS: usize = (1 << AGENT_SLOT_BITS) - 1;

/// A block's kind (see `layout::kind`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Kind {
    Free = kind::FREE,
    Lock = kind::LOCK,
    RLock = kind::R_LOCK,
    Condition = kind::CONDITION,
    Semaphore = kind::SEMAPHORE,
    BoundedSemaphore = kind::BOUNDED_SEMAPHORE,
    Event = kind::EVENT,
    Barrier = kind::BARRIER,
    Lease = kind::LEASE,
    WaitNode = kind::WAIT_NODE,
    Arrivals = kind::ARRIVALS,
    Bytes = kind::BYTES,
    Queue = kind::QUEUE,
    Shared = kind::SHARED,
    StateCell = kind::STATE_CELL,
}

impl Kind {
    const ALL: [Kind; 15] = [
        Kind::Free,
        Kind::Lock,
        Kind::RLock,
        Kind::Condition,
        Kind::Semaphore,
        Kind::BoundedSemaphore,
        Kind::Event,
        Kind::Barrier,
        Kind::Lease,
        Kind::WaitNode,
        Kind::Arrivals,
        Kind::Bytes,
        Kind::Queue,
        Kind::Shared,
        Kind::StateCell,
    ];

    pub fn from_u8(v: u8) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| *k as u8 == v)
    }
}

#[repr(C)]
pub struct BlockHeader {
    /// Low 32 bits: references; high 32 bits: generation (bumped at every free).
    rc: AtomicU64,
    /// Low byte: kind; next byte: size class.
    meta: AtomicU32,
    /// Number of asynchronous waiters (of any process) registered on this block.
    pub async_waiters: AtomicU32,
}
pub const BODY: usize = std::mem::size_of::<BlockHeader>();
const _: () = assert!(BODY == block::BODY_WORD * 4 && BLOCK == block::WORDS * 4);
const _: () =
    assert!(std::mem::offset_of!(BlockHeader, async_waiters) == block::ASYNC_WAITERS_WORD * 4);

/// What the block of a kind owns, freed with it: called when a block's last reference goes
/// (registered at start-up by the layer that knows the kinds; see `core::start`).
pub type DropHook = fn(&Arena, BlockIndex, Kind);
static DROP_HOOK: OnceLock<DropHook> = OnceLock::new();

/// Registers the block drop hook (once per process; later calls are ignored).
pub fn set_drop_hook(hook: DropHook) {
    let _ = DROP_HOOK.set(hook);
}

/// One process that maps the arena: who it is (for the liveness checks of lock holders) and
/// its mailbox for asynchronous wake-ups.
#[repr(C)]
pub struct ProcSlot {
    /// Who holds the slot: the generation (high 32 bits) and the pid (low 32 bits; 0 free,
    /// `RESERVED` while a claim is being written). One word, so that claiming, leaving and
    /// marking a dead process are each one compare-and-swap: the generation moves on at each
    /// of them, and a process tag (`core::liveness`) names one generation of one slot.
    pub ident: AtomicU64,
    /// The process's start time (see `sys::process_start_time`): with the pid, it tells the
    /// process from a later one that reuses its pid.
    pub start_time: AtomicU64,
    /// Bumped and futex-woken whenever a block this process waits on changes.
    pub bell: AtomicU32,
    /// Asynchronous waiters pending in this process; rings skip processes with none.
    pub active: AtomicU32,
    /// Set when `dirty` was full: the process then rechecks every waiter.
    pub overflow: AtomicU32,
    pub dirty: [AtomicU32; 56],
}

/// The pid of a process slot being claimed (its start time not written yet).
pub const RESERVED: u32 = u32::MAX;

impl ProcSlot {
    /// The pid of the slot's process (0: free).
    pub fn pid(&self) -> u32 {
        self.ident.load(Acquire) as u32
    }

    /// `(generation, pid)` in one read.
    pub fn ident(&self) -> (u32, u32) {
        let v = self.ident.load(Acquire);
        ((v >> 32) as u32, v as u32)
    }

    /// Frees the slot if it still holds generation `generation` of `pid` (at exit, or when
    /// found dead); true if this call freed it.
    pub fn retire(&self, generation: u32, pid: u32) -> bool {
        let from = (generation as u64) << 32 | pid as u64;
        let to = (generation.wrapping_add(1) as u64) << 32;
        if self
            .ident
            .compare_exchange(from, to, AcqRel, Relaxed)
            .is_err()
        {
            return false;
        }
        self.active.store(0, SeqCst);
        true
    }
}

/// One JavaScript thread that uses primitives: its agent id while it lives (0: free) and the
/// tag of its process.
#[repr(C)]
pub struct AgentSlot {
    pub id: AtomicU32,
    pub process: AtomicU32,
    /// The generation the next id of this slot gets.
    pub generation: AtomicU32,
}

#[repr(C)]
struct Header {
    magic: AtomicU64,
    bump: AtomicU64,
    bump_large: AtomicU64,
    /// Tagged heads: low 32 bits the first free block, high 32 bits an ABA tag.
    free: [AtomicU64; CLASSES],
    /// The same for blocks in the large part (payloads of every size live there).
    free_large: [AtomicU64; CLASSES],
    /// One past the highest process slot ever claimed (rings scan up to here).
    procs_used: AtomicU32,
    procs: [ProcSlot; MAX_PROCS],
    agents: [AgentSlot; MAX_AGENTS],
    /// The key that seals descriptors (random, written once at creation; see `core::seal`).
    secret: [AtomicU64; 2],
    /// Bytes of freed large blocks whose pages were kept (see `RETAINED_LARGE`).
    retained_large: AtomicU64,
}
const _: () = assert!(std::mem::size_of::<Header>() <= HEADER);

pub struct Arena {
    base: *mut u8,
    pub fd: i32,
}

// SAFETY: the arena is a fixed mapping that lives until the process ends; all access to its
// contents goes through atomics.
unsafe impl Send for Arena {}
// SAFETY: as above.
unsafe impl Sync for Arena {}

static ARENA: OnceLock<std::result::Result<Arena, String>> = OnceLock::new();

/// Maps the process's arena on first use; the reason when the system refused (the addon's
/// loading then fails with it, before anything can use the arena).
pub fn open_arena() -> std::result::Result<&'static Arena, &'static str> {
    ARENA
        .get_or_init(|| Arena::open().map_err(|e| format!("cannot map shared memory: {e}")))
        .as_ref()
        .map_err(String::as_str)
}

/// The process's arena. The addon opens it when it loads (`open_arena`) and exports nothing
/// if that fails, so no call from JavaScript reaches the panic.
pub fn arena() -> &'static Arena {
    match open_arena() {
        Ok(a) => a,
        Err(e) => panic!("native-threading: {e}"),
    }
}

impl Arena {
    /// Maps the arena a parent process handed down (its descriptor named in the environment),
    /// or creates a new one.
    fn open() -> std::io::Result<Arena> {
        if let Some(arena) = Self::inherited() {
            return Ok(arena);
        }
        let (fd, base) = sys::create_shared_memory(c"native-threading-arena", FILE_SIZE)?;
        let arena = Arena { base, fd };
        let h = arena.header();
        for (word, value) in h.secret.iter().zip(random_key()?) {
            word.store(value, Relaxed);
        }
        h.bump.store(HEADER as u64, Relaxed);
        h.bump_large.store(SMALL_END as u64, Relaxed);
        h.magic.store(MAGIC, Release);
        Ok(arena)
    }

    fn inherited() -> Option<Arena> {
        let fd: i32 = std::env::var(ARENA_FD_ENV).ok()?.parse().ok()?;
        // Only a shared-memory file of exactly our size is taken for an arena.
        if sys::file_size(fd)? != FILE_SIZE as u64 {
            return None;
        }
        let base = sys::map_shared(fd, FILE_SIZE).ok()?;
        let arena = Arena { base, fd };
        (arena.header().magic.load(Acquire) == MAGIC).then_some(arena)
    }

    fn header(&self) -> &Header {
        // SAFETY: the header lies at the start of the mapping, is zero-initialised by the kernel
        // and consists of atomics only, so any bit pattern is valid and sharing is sound.
        unsafe { &*(self.base as *const Header) }
    }

    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// The agent table (see `core::liveness`).
    pub fn agents(&self) -> &[AgentSlot; MAX_AGENTS] {
        &self.header().agents
    }

    pub fn procs(&self) -> &[ProcSlot; MAX_PROCS] {
        &self.header().procs
    }

    /// The process slots that have ever been claimed.
    pub fn procs_in_use(&self) -> &[ProcSlot] {
        let n = (self.header().procs_used.load(Acquire) as usize).min(MAX_PROCS);
        &self.header().procs[..n]
    }

    /// Claims a process slot for `pid`: a free one, else one whose process is gone (it ended
    /// without releasing it, e.g. killed).
    pub fn claim_proc_slot(&self, pid: u32) -> Option<usize> {
        let h = self.header();
        let start = sys::process_start_time(pid).unwrap_or(0);
        let claim = |i: usize| {
            let slot = &h.procs[i];
            let (generation, holder) = slot.ident();
            if holder != 0 {
                return false;
            }
            let reserved = (generation.wrapping_add(1) as u64) << 32 | RESERVED as u64;
            let free = (generation as u64) << 32;
            if slot
                .ident
                .compare_exchange(free, reserved, AcqRel, Relaxed)
                .is_err()
            {
                return false;
            }
            slot.start_time.store(start, Release);
            slot.active.store(0, SeqCst);
            slot.overflow.store(1, Release);
            slot.ident.store(
                (generation.wrapping_add(1) as u64) << 32 | pid as u64,
                Release,
            );
            true
        };
        let i = (0..MAX_PROCS).find(|&i| claim(i)).or_else(|| {
            (0..MAX_PROCS).find(|&i| {
                let (generation, owner) = h.procs[i].ident();
                owner != 0
                    && owner != RESERVED
                    && !sys::process_alive(owner)
                    && (h.procs[i].retire(generation, owner) || h.procs[i].pid() == 0)
                    && claim(i)
            })
        })?;
        h.procs_used.fetch_max(i as u32 + 1, AcqRel);
        Some(i)
    }

    /// Gives slot `i` back (at exit): its process tag names a dead process from now on.
    pub fn release_proc_slot(&self, i: usize, pid: u32) {
        let slot = &self.header().procs[i];
        let (generation, holder) = slot.ident();
        if holder == pid {
            slot.retire(generation, pid);
        }
    }

    /// Byte offset of block `off` in the arena.
    fn byte_offset(off: BlockIndex) -> usize {
        off as usize * BLOCK
    }

    /// Could `off` name a block at all (inside the block parts of the arena)?
    pub fn is_block(off: BlockIndex) -> bool {
        (HEADER..ARENA_SIZE).contains(&Self::byte_offset(off))
    }

    /// Could `off` name a block in the part JavaScript sees?
    pub fn is_visible_block(off: BlockIndex) -> bool {
        (HEADER..SMALL_END).contains(&Self::byte_offset(off))
    }

    /// The word of the block starts that holds `off`'s bit, and the bit.
    fn start_bit(&self, off: BlockIndex) -> (&AtomicU64, u64) {
        debug_assert!(Self::byte_offset(off) < ARENA_SIZE);
        // SAFETY: the block starts follow the blocks in the mapping (FILE_SIZE), are zeroed by
        // the kernel and are only ever used as atomics; callers pass an index inside the
        // arena, whose bit lies inside them.
        let word =
            unsafe { &*(self.base.add(ARENA_SIZE + (off as usize / 64) * 8) as *const AtomicU64) };
        (word, 1 << (off % 64))
    }

    /// Whether `off` is where a block starts (one the allocator carved): the check every index
    /// from outside the core passes first, so that nothing forged in memory a block's owner
    /// can write is ever read as a block header. Indexes past the bump pointers are refused
    /// without touching memory.
    pub fn is_block_start(&self, off: BlockIndex) -> bool {
        let byte = Self::byte_offset(off);
        let h = self.header();
        let carved = if byte < SMALL_END {
            byte >= HEADER && (byte as u64) < h.bump.load(Acquire)
        } else {
            byte < ARENA_SIZE && (byte as u64) < h.bump_large.load(Acquire)
        };
        carved && {
            let (word, bit) = self.start_bit(off);
            word.load(Acquire) & bit != 0
        }
    }

    pub fn kind_of(&self, off: BlockIndex) -> Option<Kind> {
        Kind::from_u8(self.block(off).meta.load(Acquire) as u8)
    }

    fn block(&self, off: BlockIndex) -> &BlockHeader {
        debug_assert!(Self::is_block(off));
        // SAFETY: block indexes handed out by `alloc` lie inside the mapping and start with a
        // BlockHeader made of atomics.
        unsafe { &*(self.base.add(Self::byte_offset(off)) as *const BlockHeader) }
    }

    pub fn header_of(&self, off: BlockIndex) -> &BlockHeader {
        self.block(off)
    }

    /// The body of block `off` viewed as `T`.
    ///
    /// # Safety
    /// `T` must be `repr(C)`, made of atomics only, and fit in the block's size class.
    pub unsafe fn body<T>(&self, off: BlockIndex) -> &T {
        // SAFETY: guaranteed by the caller; the mapping outlives the process's use of it.
        unsafe { &*(self.base.add(Self::byte_offset(off) + BODY) as *const T) }
    }

    pub fn refs(&self, off: BlockIndex) -> u32 {
        self.block(off).rc.load(Acquire) as u32
    }

    pub fn generation(&self, off: BlockIndex) -> u32 {
        (self.block(off).rc.load(Acquire) >> 32) as u32
    }

    /// A zeroed block of at least `bytes` of body, holding one reference; `NoMemory` when
    /// its part of the arena is full.
    pub fn alloc(&self, kind: Kind, bytes: usize) -> Result<BlockIndex> {
        let large = Self::class_of(bytes) >= SMALL_CLASSES;
        self.alloc_with(kind, bytes, true, large)
            .ok_or(Error::NoMemory)
    }

    /// A block for bytes the caller fills completely (not zeroed: a 64 MiB payload is written
    /// once, not twice), always in the large part so that payloads never crowd out primitives.
    /// None when the arena is exhausted.
    pub fn alloc_payload(&self, kind: Kind, bytes: usize) -> Option<BlockIndex> {
        self.alloc_with(kind, bytes, false, true)
    }

    fn class_of(bytes: usize) -> usize {
        let need = (bytes + BODY).max(BLOCK).next_power_of_two();
        need.trailing_zeros() as usize - BLOCK.trailing_zeros() as usize
    }

    fn alloc_with(&self, kind: Kind, bytes: usize, zero: bool, large: bool) -> Option<BlockIndex> {
        let class = Self::class_of(bytes);
        if class >= CLASSES {
            return None;
        }
        let need = BLOCK << class;
        let (off, fresh) = match self.pop_free(class, large) {
            Some(off) => (off, false),
            None => match self.bump(need, large) {
                Some(off) => (off, true),
                None => (self.split_larger(class, large)?, false),
            },
        };
        let b = self.block(off);
        let kept_pages = !fresh && self.take_retained(off, class);
        // Memory the bump pointer hands out for the first time was never touched: it reads as
        // zeros. So do a recycled large block's pages past its first, punched out at its last
        // free (see `release`) unless they were kept. Not writing them means an array of 1 GiB
        // commits only the pages its user touches.
        if zero && !fresh {
            let dirty = if class >= SMALL_CLASSES && !kept_pages {
                need.min(PAGE)
            } else {
                need
            };
            // SAFETY: the block is ours alone until published; it spans `need` bytes.
            unsafe { std::ptr::write_bytes(self.data(off), 0, dirty - BODY) };
        }
        b.async_waiters.store(0, Relaxed);
        b.meta.store(kind as u32 | (class as u32) << 8, Release);
        let gen = b.rc.load(Relaxed) & !0xffff_ffff;
        b.rc.store(gen | 1, Release);
        Some(off)
    }

    /// When the bump pointer has reached the end of its part: a free block of a larger class
    /// halved down to `class`, the upper halves going to their free lists. (Blocks are never
    /// merged, so an upper half's start is new and no block ever covers a start.) This is what
    /// makes room for small blocks again once large ones are freed.
    fn split_larger(&self, class: usize, large: bool) -> Option<BlockIndex> {
        let top = if large { CLASSES } else { SMALL_CLASSES };
        let (mut c, off) = (class + 1..top).find_map(|c| Some((c, self.pop_free(c, large)?)))?;
        // Its halves go out as free blocks whose pages read as zeros.
        if self.take_retained(off, c) {
            self.give_back_pages(off, c);
            self.block(off).meta.store(0, Relaxed);
        }
        while c > class {
            c -= 1;
            let upper = off + (1 << c);
            let b = self.block(upper);
            b.rc.store(0, Relaxed);
            b.meta.store(0, Relaxed);
            b.async_waiters.store(0, Relaxed);
            let (word, bit) = self.start_bit(upper);
            word.fetch_or(bit, Release);
            self.push_free(upper, c);
        }
        Some(off)
    }

    /// Whether free block `off` (just taken off its list) kept its pages; if so, they no longer
    /// count against `RETAINED_LARGE`.
    fn take_retained(&self, off: BlockIndex, class: usize) -> bool {
        if self.block(off).meta.load(Acquire) & META_DIRTY == 0 {
            return false;
        }
        self.header()
            .retained_large
            .fetch_sub((BLOCK << class) as u64, Relaxed);
        true
    }

    /// Gives a large block's pages back to the system; the header page stays (it holds the
    /// generation). Allocations rely on the rest reading as zeros: written if the system refused.
    fn give_back_pages(&self, off: BlockIndex, class: usize) {
        let start = Self::byte_offset(off) + PAGE;
        let len = (BLOCK << class) - PAGE;
        if !sys::punch_hole(self.fd, start as u64, len as u64) {
            // SAFETY: the block is free and ours alone: nobody else uses its bytes.
            unsafe { std::ptr::write_bytes(self.base.add(start), 0, len) };
        }
    }

    fn bump(&self, size: usize, large: bool) -> Option<BlockIndex> {
        let h = self.header();
        let (bump, end) = if large {
            (&h.bump_large, ARENA_SIZE)
        } else {
            (&h.bump, SMALL_END)
        };
        let off = bump
            .fetch_update(Relaxed, Relaxed, |b| {
                (b as usize + size <= end).then_some(b + size as u64)
            })
            .ok()?;
        let off = (off as usize / BLOCK) as BlockIndex;
        let (word, bit) = self.start_bit(off);
        word.fetch_or(bit, Release);
        Some(off)
    }

    /// The first byte of block `off`'s body (for raw byte payloads).
    pub fn data(&self, off: BlockIndex) -> *mut u8 {
        // SAFETY: inside the mapping (see `block`).
        unsafe { self.base.add(Self::byte_offset(off) + BODY) }
    }

    /// Bytes of body block `off` has room for.
    #[cfg(test)]
    fn capacity(&self, off: BlockIndex) -> usize {
        (BLOCK << ((self.block(off).meta.load(Acquire) >> 8) & 0xff)) - BODY
    }

    fn free_list(&self, class: usize, large: bool) -> &AtomicU64 {
        let h = self.header();
        if large {
            &h.free_large[class]
        } else {
            &h.free[class]
        }
    }

    fn pop_free(&self, class: usize, large: bool) -> Option<BlockIndex> {
        let head = self.free_list(class, large);
        let mut cur = head.load(Acquire);
        loop {
            let off = cur as u32;
            if off == 0 {
                return None;
            }
            // The next link may be stale if another thread pops `off` meanwhile; the tag makes
            // the CAS below fail in that case, so the stale value is never used.
            let next = self.next_link(off).load(Relaxed);
            let new = (next as u64) | ((cur >> 32).wrapping_add(1) << 32);
            match head.compare_exchange_weak(cur, new, AcqRel, Acquire) {
                Ok(_) => return Some(off),
                Err(v) => cur = v,
            }
        }
    }

    fn push_free(&self, off: BlockIndex, class: usize) {
        let head = self.free_list(class, Self::byte_offset(off) >= SMALL_END);
        let mut cur = head.load(Relaxed);
        loop {
            self.next_link(off).store(cur as u32, Relaxed);
            let new = (off as u64) | ((cur >> 32).wrapping_add(1) << 32);
            match head.compare_exchange_weak(cur, new, Release, Relaxed) {
                Ok(_) => return,
                Err(v) => cur = v,
            }
        }
    }

    fn next_link(&self, off: BlockIndex) -> &AtomicU32 {
        // SAFETY: the first body word of a free block holds its free-list link.
        unsafe { self.body::<AtomicU32>(off) }
    }

    pub fn retain(&self, off: BlockIndex) {
        let prev = self.block(off).rc.fetch_add(1, Relaxed);
        debug_assert!(prev as u32 > 0);
    }

    /// Takes a reference if `off` is still the live block of generation `gen`.
    pub fn retain_if_live(&self, off: BlockIndex, gen: u32) -> bool {
        let rc = &self.block(off).rc;
        let mut cur = rc.load(Acquire);
        loop {
            if (cur >> 32) as u32 != gen || cur as u32 == 0 {
                return false;
            }
            match rc.compare_exchange_weak(cur, cur + 1, AcqRel, Acquire) {
                Ok(_) => return true,
                Err(v) => cur = v,
            }
        }
    }

    /// Drops a reference; the last one frees the block (and what it owns).
    pub fn release(&self, off: BlockIndex) {
        let b = self.block(off);
        let prev = b.rc.fetch_sub(1, AcqRel);
        debug_assert!(prev as u32 > 0, "block {off} released too often");
        if prev as u32 != 1 {
            return;
        }
        let meta = b.meta.load(Acquire);
        match Kind::from_u8(meta as u8) {
            Some(Kind::Lease) => drop_lease(self, off),
            Some(kind) => {
                DROP_HOOK
                    .get()
                    .expect("core::start() registers the drop hook")(self, off, kind)
            }
            None => {}
        }
        let class = (meta >> 8) as usize & 0xff;
        let mut free_meta = 0;
        if class >= SMALL_CLASSES {
            let size = (BLOCK << class) as u64;
            let kept = self
                .header()
                .retained_large
                .fetch_update(Relaxed, Relaxed, |r| {
                    (r + size <= RETAINED_LARGE).then_some(r + size)
                });
            if kept.is_ok() {
                free_meta = META_DIRTY;
            } else {
                self.give_back_pages(off, class);
            }
        }
        b.meta.store(free_meta, Release);
        // New generation: stale handles and leases to this block stop matching.
        b.rc.fetch_add(1 << 32, Release);
        self.push_free(off, class);
    }
}

/// A handle on its way to other threads or processes. A shared instance makes one lease (on
/// first use) and every read of its sharing property hands out that same lease, counted in
/// `pending`; so serializing or inspecting an instance any number of times allocates nothing.
/// The lease holds one reference to its target for as long as it lives; it lives while its
/// instance holds it (one reference) and while a clone may still be adopted (one more
/// reference, held while `pending` > 0).
#[repr(C)]
struct LeaseBody {
    target: AtomicU32,
    target_gen: AtomicU32,
    /// Reads not yet adopted.
    pending: AtomicU64,
}

/// What travels between threads and processes for one handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub off: BlockIndex,
    pub gen: u32,
    pub lease: BlockIndex,
    pub lease_gen: u32,
    /// The other four under the arena's key: only the library makes descriptors that match.
    pub seal: u64,
}

impl Arena {
    /// A new lease on `target` (which the caller holds), holding one reference to it; the
    /// caller owns the lease's first reference.
    pub fn new_lease(&self, target: BlockIndex) -> Result<BlockIndex> {
        let lease = self.alloc(Kind::Lease, std::mem::size_of::<LeaseBody>())?;
        self.retain(target);
        // SAFETY: `lease` is a fresh block of kind Lease, large enough for LeaseBody.
        let body = unsafe { self.body::<LeaseBody>(lease) };
        body.target.store(target, Relaxed);
        body.target_gen.store(self.generation(target), Release);
        Ok(lease)
    }

    /// One more clone of the handle `lease` carries: the descriptor to send. The caller holds
    /// a reference to `lease` (see `new_lease`).
    pub fn lease_read(&self, lease: BlockIndex) -> Descriptor {
        // SAFETY: the caller holds a reference to a Lease block.
        let body = unsafe { self.body::<LeaseBody>(lease) };
        if body.pending.fetch_add(1, AcqRel) == 0 {
            self.retain(lease);
        }
        let mut d = Descriptor {
            off: body.target.load(Acquire),
            gen: body.target_gen.load(Acquire),
            lease,
            lease_gen: self.generation(lease),
            seal: 0,
        };
        d.seal = self.seal_of(&d);
        d
    }

    fn seal_of(&self, d: &Descriptor) -> u64 {
        let key = self.header().secret.each_ref().map(|w| w.load(Relaxed));
        seal::siphash(key, &[d.off, d.gen, d.lease, d.lease_gen])
    }

    /// Turns a descriptor into one owned reference to its block: through its lease while the
    /// lease lives (it keeps the block alive), else while the block of that generation still
    /// lives. False (and no reference) when the block is gone, not of a kind `accepts`, or the
    /// descriptor is not one the library handed out: its seal must match (nothing is read
    /// before), and even then only carved block starts are read.
    pub fn adopt(&self, d: Descriptor, accepts: impl Fn(Kind) -> bool) -> bool {
        self.is_handed_out(&d)
            && self.keep_if_accepted(
                d,
                self.adopt_through_lease(d) || self.retain_if_live(d.off, d.gen),
                accepts,
            )
    }

    /// One owned reference to the block a descriptor names, while the block of that
    /// generation lives, without counting a clone adopted: for a descriptor that stays where
    /// it is, in a state that itself holds a reference to the block (see `core::state_cell`).
    /// Checked as `adopt` checks.
    pub fn borrow(&self, d: Descriptor, accepts: impl Fn(Kind) -> bool) -> bool {
        self.is_handed_out(&d)
            && self.keep_if_accepted(d, self.retain_if_live(d.off, d.gen), accepts)
    }

    /// Whether the library made `d` (its seal matches; nothing is read before) and it names
    /// carved block starts.
    fn is_handed_out(&self, d: &Descriptor) -> bool {
        d.seal == self.seal_of(d) && self.is_block_start(d.off) && self.is_block_start(d.lease)
    }

    /// `retained` (a reference to `d.off` was taken) for a block of a kind `accepts`, else
    /// gives the reference back.
    fn keep_if_accepted(
        &self,
        d: Descriptor,
        retained: bool,
        accepts: impl Fn(Kind) -> bool,
    ) -> bool {
        if retained && !self.kind_of(d.off).is_some_and(accepts) {
            self.release(d.off);
            return false;
        }
        retained
    }

    fn adopt_through_lease(&self, d: Descriptor) -> bool {
        // A reference of our own first, so that the lease cannot be freed (and its block
        // reused as something else) while we read it.
        if !self.retain_if_live(d.lease, d.lease_gen) {
            return false;
        }
        let ours = self.kind_of(d.lease) == Some(Kind::Lease) && {
            // SAFETY: a live Lease block, on which we hold a reference.
            let body = unsafe { self.body::<LeaseBody>(d.lease) };
            let ours = body.target.load(Acquire) == d.off && body.target_gen.load(Acquire) == d.gen;
            if ours {
                // The lease holds the target: this reference cannot come too late.
                self.retain(d.off);
                let claimed = body
                    .pending
                    .fetch_update(AcqRel, Acquire, |n| n.checked_sub(1));
                if claimed == Ok(1) {
                    self.release(d.lease); // the last pending clone: the lease's own hold
                }
            }
            ours
        };
        self.release(d.lease);
        ours
    }
}

/// 128 bits from the system's random source.
fn random_key() -> std::io::Result<[u64; 2]> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default());
    Ok([word(0), word(8)])
}

/// Called when a lease block is freed: it held one reference to its target.
fn drop_lease(arena: &Arena, off: BlockIndex) {
    // SAFETY: `off` is a Lease block being freed.
    let body = unsafe { arena.body::<LeaseBody>(off) };
    arena.release(body.target.load(Acquire));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_release_recycles_and_bumps_generation() {
        crate::core::start();
        let a = arena();
        let off = a.alloc(Kind::Event, 8).unwrap();
        let gen = a.generation(off);
        assert_eq!((a.kind_of(off), a.refs(off)), (Some(Kind::Event), 1));
        a.release(off);
        assert_eq!((a.kind_of(off), a.refs(off)), (Some(Kind::Free), 0));
        assert!(!a.retain_if_live(off, gen));
        let again = a.alloc(Kind::Event, 8).unwrap();
        // Recycled from the free list (LIFO) unless another test raced us.
        if again == off {
            assert_eq!(a.generation(again), gen + 1);
        }
        a.release(again);
    }

    #[test]
    fn a_large_block_freed_with_its_pages_kept_is_reused_and_zeroed_when_asked() {
        crate::core::start();
        let a = arena();
        let size = 4 << 20;
        let off = a.alloc_payload(Kind::Bytes, size).unwrap();
        // SAFETY: the block is ours and its body spans at least `size` bytes.
        unsafe { std::ptr::write_bytes(a.data(off), 0xab, size) };
        a.release(off);
        let again = a.alloc_payload(Kind::Bytes, size).unwrap();
        // SAFETY: as above.
        let kept = unsafe { std::slice::from_raw_parts(a.data(again), size) };
        // Recycled from the free list (LIFO) unless another test raced us.
        if again == off {
            assert!(
                kept[PAGE..].iter().all(|&b| b == 0xab),
                "its pages were kept"
            );
        }
        a.release(again);
        let zeroed = a.alloc(Kind::Bytes, size).unwrap();
        // SAFETY: as above.
        let body = unsafe { std::slice::from_raw_parts(a.data(zeroed), size) };
        assert!(
            body.iter().all(|&b| b == 0),
            "a zeroed block reads as zeros"
        );
        a.release(zeroed);
        assert!(a.header().retained_large.load(Relaxed) <= RETAINED_LARGE);
    }

    #[test]
    fn reads_share_one_lease_that_keeps_the_block_until_adopted() {
        crate::core::start();
        let a = arena();
        let off = a.alloc(Kind::Lock, 4).unwrap();
        let lease = a.new_lease(off).unwrap();
        let d1 = a.lease_read(lease);
        let d2 = a.lease_read(lease);
        assert_eq!(d1, d2, "one lease for every read");
        assert_eq!((a.refs(off), a.refs(lease)), (2, 2));
        // The sender lets go of everything: the pending clones keep the lock.
        a.release(lease);
        a.release(off);
        assert_eq!(a.refs(off), 1);
        assert!(a.adopt(d1, |k| k == Kind::Lock));
        assert!(!a.adopt(d1, |k| k == Kind::Event), "wrong kind");
        assert!(a.adopt(d2, |k| k == Kind::Lock)); // the last pending clone frees the lease
        assert_eq!(a.kind_of(lease), Some(Kind::Free));
        assert_eq!(a.refs(off), 2);
        assert!(a.adopt(d2, |k| k == Kind::Lock), "while the block lives");
        for _ in 0..3 {
            a.release(off);
        }
        assert!(!a.adopt(d1, |k| k == Kind::Lock), "gone");
    }

    #[test]
    fn reading_a_lease_a_million_times_allocates_nothing() {
        crate::core::start();
        let a = arena();
        let off = a.alloc(Kind::Event, 8).unwrap();
        let lease = a.new_lease(off).unwrap();
        let d = a.lease_read(lease);
        for _ in 0..1_000_000 {
            assert_eq!(a.lease_read(lease), d);
        }
        assert_eq!(a.refs(lease), 2);
        a.release(lease);
        a.release(off);
        assert_eq!(a.refs(off), 1, "kept for the pending clones");
    }

    #[test]
    fn a_header_forged_in_a_blocks_data_is_never_a_block() {
        crate::core::start();
        let a = arena();
        let target = a.alloc(Kind::Lock, 4).unwrap();
        let data = a.alloc(Kind::Shared, 4096).unwrap();
        let forged = data + 2; // 128 bytes into the body
                               // SAFETY: inside `data`'s body (4096 bytes); a copy of a live Lock's header and a
                               // lease body pointing at it.
        unsafe {
            let at = a.base().add(forged as usize * BLOCK) as *mut u64;
            at.write((a.generation(target) as u64) << 32 | 5);
            (at.add(1) as *mut u32).write(Kind::Lease as u32);
            (at.add(2) as *mut u32).write(target);
            (at.add(2) as *mut u32).add(1).write(a.generation(target));
            at.add(3).write(1);
        }
        assert!(!a.is_block_start(forged));
        assert!(a.is_block_start(data) && a.is_block_start(target));
        // Sealed as the library would (as if the key had leaked): the block starts still refuse.
        let sealed = |mut d: Descriptor| {
            d.seal = a.seal_of(&d);
            d
        };
        let d = sealed(Descriptor {
            off: target,
            gen: a.generation(target),
            lease: forged,
            lease_gen: a.generation(target),
            seal: 0,
        });
        assert!(!a.adopt(d, |_| true), "a forged lease");
        assert!(
            !a.adopt(sealed(Descriptor { off: forged, ..d }), |_| true),
            "a forged block"
        );
        assert!(
            !a.adopt(
                Descriptor {
                    seal: d.seal ^ 1,
                    ..d
                },
                |_| true
            ),
            "a bad seal"
        );
        assert_eq!(a.refs(target), 1);
        assert!(!a.is_block_start(u32::MAX) && !a.is_block_start(0) && !a.is_block_start(1));
        a.release(data);
        a.release(target);
    }

    #[test]
    fn large_blocks_live_past_the_javascript_part_and_are_recycled() {
        crate::core::start();
        let a = arena();
        let size = (64 << 20) - BODY;
        let big = a.alloc(Kind::Bytes, size).unwrap();
        assert!(Arena::byte_offset(big) >= SMALL_END);
        assert_eq!(a.capacity(big), size);
        // SAFETY: the block has room for `size` bytes of body.
        unsafe { a.data(big).add(size - 1).write(7) };
        let gen = a.generation(big);
        a.release(big);
        let again = a.alloc(Kind::Bytes, 40 << 20).unwrap();
        assert_eq!(again, big, "same size class, recycled");
        assert_eq!(a.generation(again), gen + 1);
        // SAFETY: as above; a recycled block reads as zeros.
        assert_eq!(unsafe { a.data(again).add(size - 1).read() }, 0);
        a.release(again);
    }

    #[test]
    fn payloads_never_take_room_from_primitives() {
        crate::core::start();
        let a = arena();
        // 20,000 x 64 KiB payloads (2.5 GiB of blocks, never touched) all live in the large part.
        let payloads: Vec<BlockIndex> = (0..20_000)
            .map(|_| a.alloc_payload(Kind::Bytes, 64 << 10).expect("room"))
            .collect();
        assert!(payloads.iter().all(|&p| Arena::byte_offset(p) >= SMALL_END));
        for p in payloads {
            a.release(p);
        }
        let again = a.alloc_payload(Kind::Bytes, 64 << 10).expect("room");
        assert!(
            Arena::byte_offset(again) >= SMALL_END,
            "recycled from the large part's free list"
        );
        a.release(again);
        assert!(
            a.alloc_payload(Kind::Bytes, 1 << 40).is_none(),
            "too large: refused, not a crash"
        );
    }

    #[test]
    fn size_classes_fit_the_body() {
        crate::core::start();
        let a = arena();
        let big = a.alloc(Kind::Arrivals, 1000).unwrap();
        let small = a.alloc(Kind::Arrivals, 10).unwrap();
        assert!(small < big || small >= big + 1024);
        a.release(big);
        a.release(small);
    }
}
