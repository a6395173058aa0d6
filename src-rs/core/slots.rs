//! A queue's ring: a power-of-two array of 64-byte slots that producers and consumers take in
//! position order with one CAS each (Vyukov's bounded multi-producer multi-consumer ring),
//! where the CAS that takes a slot also writes who took it.
//!
//! A slot's `state` holds a position's lap (low 32 bits: the position with the bits of the
//! slot's index cleared, so that all-zero memory is a ring whose slot i is free for position
//! i: a new ring is not written, and its pages exist only once items reach them) and what the
//! slot is for that position (high 32 bits): free for the producer of that position, being
//! written by a producer of process P, full, or being emptied by a consumer of process P. A
//! claimer killed at any instruction therefore leaves a slot that names a process whose death
//! can be checked (`liveness`); a slot a dead producer was writing is skipped (its put never
//! returned), a slot a dead consumer was emptying is freed (its get never returned, and had
//! not handed the item over: that happens after the slot is freed). Either way the one item
//! in flight is lost and no other.
//!
//! The tail and head counters only say where to look: a claimer moves the counter on after
//! its claim, and whoever finds the slot at the counter already taken moves it on too, so a
//! claimer that dies between the two stops nobody.

use super::arena::arena;
use super::liveness;
use super::park::SLICE;
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::time::Instant;

/// Bytes an item may have to live in its slot.
pub const SLOT_DATA: usize = 48;

#[repr(C)]
pub struct Slot {
    /// Position (low 32 bits) and what the slot is (high 32 bits: `FREE`, `FULL`, or
    /// `WRITING`/`READING` with the claimer's process tag).
    state: AtomicU64,
    /// The item's tag (low 8 bits) and, for an item in the slot, its length (the bits above).
    tag_len: AtomicU32,
    /// A payload block holding the item's bytes, or 0. Set by the producer after its claim;
    /// whoever empties the slot swaps it to 0 first, so it is released exactly once.
    payload: AtomicU32,
    data: [AtomicU32; SLOT_DATA / 4],
}

const _: () = assert!(std::mem::size_of::<Slot>() == 64);

const FREE: u32 = 0;
const FULL: u32 = 1;
const WRITING: u32 = 1 << 30;
const READING: u32 = 2 << 30;
const ROLE: u32 = 3 << 30;

fn pack(pos: u32, what: u32) -> u64 {
    (what as u64) << 32 | pos as u64
}

fn unpack(s: u64) -> (u32, u32) {
    (s as u32, (s >> 32) as u32)
}

/// A ring's slots and counters (views of a queue's words and ring block).
pub struct Ring<'a> {
    pub slots: &'a [Slot],
    pub tail: &'a AtomicU32,
    pub head: &'a AtomicU32,
    /// Names the ring (its queue's block) for the check of stuck claims.
    pub id: u32,
}

impl<'a> Ring<'a> {
    fn index_bits(&self) -> u32 {
        self.slots.len() as u32 - 1
    }

    /// The state of a slot for position `pos` as `what`.
    fn state(&self, pos: u32, what: u32) -> u64 {
        pack(pos & !self.index_bits(), what)
    }

    /// The position that state `s`, found in the slot of position `p`, is for.
    fn position(&self, s: u64, p: u32) -> u32 {
        unpack(s).0 | (p & self.index_bits())
    }

    /// The slot for position `p`, its state, what it is, and how far its position is past `p`
    /// (a whole number of laps).
    fn look(&self, p: u32) -> (&'a Slot, u64, u32, i32) {
        let slot = &self.slots[(p & self.index_bits()) as usize];
        let s = slot.state.load(Acquire);
        let (lap, what) = unpack(s);
        (
            slot,
            s,
            what,
            lap.wrapping_sub(p & !self.index_bits()) as i32,
        )
    }

    /// Takes `slot`, found in state `s`, for position `pos` as `what`: its new state, or None
    /// when someone changed it first.
    fn take_slot(&self, slot: &Slot, s: u64, pos: u32, what: u32) -> Option<u64> {
        let mine = self.state(pos, what);
        slot.state
            .compare_exchange(s, mine, Acquire, Relaxed)
            .ok()
            .map(|_| mine)
    }
}

/// This process's tag, as written in claims; 0 (never taken for dead) without one. Read once:
/// it names this process for its whole life (and after it gave its table slot back at exit,
/// its claims rightly name a process that is gone).
fn me() -> u32 {
    static ME: AtomicU32 = AtomicU32::new(0);
    match ME.load(Relaxed) {
        0 => {
            let tag = liveness::my_process().unwrap_or(0);
            ME.store(tag, Relaxed);
            tag
        }
        tag => tag,
    }
}

/// Moves a tail or head counter past `from` (if nobody did yet).
fn advance(counter: &AtomicU32, from: u32) {
    let _ = counter.compare_exchange(from, from.wrapping_add(1), Release, Relaxed);
}

thread_local! {
    /// The last claim this thread found in its way: ring, slot state, since when.
    static IN_THE_WAY: Cell<(u32, u64, Option<Instant>)> = const { Cell::new((0, 0, None)) };
}

/// Whether the claim in slot state `s` was made by a process that has died. A live claimer
/// leaves its slot within a few instructions, so an operation only pays for the check (a
/// system call for another process) once it has found the same claim in its way for a
/// slice; a waiter whose slice passed with nothing changing (`at_once`) checks at once.
fn claimer_dead(ring: u32, s: u64, at_once: bool) -> bool {
    let tag = unpack(s).1 & !ROLE;
    if tag == 0 || tag == me() {
        return false;
    }
    if !at_once {
        let now = Instant::now();
        let due = IN_THE_WAY.with(|c| match c.get() {
            (r, seen, Some(since)) if r == ring && seen == s => now - since >= SLICE,
            _ => {
                c.set((ring, s, Some(now)));
                false
            }
        });
        if !due {
            return false;
        }
    }
    !liveness::process_alive(tag)
}

/// Empties a slot whose claimer died (state `s`, found at position `at`): takes the claim
/// over, releases its payload, and frees the slot for the next lap. False when someone else
/// changed the slot first.
fn discard(r: &Ring, slot: &Slot, s: u64, at: u32) -> bool {
    let pos = r.position(s, at);
    let Some(mine) = r.take_slot(slot, s, pos, READING | me()) else {
        return false;
    };
    advance(r.head, pos);
    let p = slot.payload.swap(0, AcqRel);
    if p != 0 {
        arena().release(p);
    }
    let next = r.state(pos.wrapping_add(r.slots.len() as u32), FREE);
    let _ = slot.state.compare_exchange(mine, next, Release, Relaxed);
    true
}

/// What `claim` found at the tail.
pub enum Claim<'a> {
    Slot(Writer<'a>),
    /// `maxsize` items are queued.
    Full,
    /// The slot at the tail still holds the previous lap's item (or a consumer is emptying
    /// it): no room in the ring now.
    RingFull,
    /// A dead consumer's slot was freed; claim again.
    Freed,
}

/// Takes the slot at the tail for a put.
pub fn claim<'a>(r: &Ring<'a>, maxsize: u32) -> Claim<'a> {
    let me = me();
    let mut t = r.tail.load(Acquire);
    loop {
        if maxsize > 0 && t.wrapping_sub(r.head.load(Acquire)) as i32 >= maxsize as i32 {
            return Claim::Full;
        }
        let (slot, s, what, d) = r.look(t);
        match d {
            0 if what == FREE => {
                if let Some(mine) = r.take_slot(slot, s, t, WRITING | me) {
                    advance(r.tail, t);
                    return Claim::Slot(Writer { slot, state: mine });
                }
            }
            // Position t is taken already: the tail is behind.
            d if d >= 0 => {
                advance(r.tail, t);
                t = r.tail.load(Acquire);
            }
            _ => {
                if what & ROLE == READING && claimer_dead(r.id, s, false) && discard(r, slot, s, t)
                {
                    return Claim::Freed;
                }
                return Claim::RingFull;
            }
        }
    }
}

/// A claimed slot, to fill and publish.
pub struct Writer<'a> {
    slot: &'a Slot,
    state: u64,
}

impl Writer<'_> {
    /// The item's bytes (at most `SLOT_DATA`) go in the slot.
    pub fn inline(&self, tag: u32, bytes: &[u8]) {
        let s = self.slot;
        s.tag_len.store(tag | (bytes.len() as u32) << 8, Relaxed);
        for (i, chunk) in bytes.chunks(4).enumerate() {
            let mut w = [0u8; 4];
            w[..chunk.len()].copy_from_slice(chunk);
            s.data[i].store(u32::from_le_bytes(w), Relaxed);
        }
    }

    /// The item's bytes are in payload block `p`, which the ring owns from now on.
    pub fn payload(&self, tag: u32, p: u32) {
        self.slot.tag_len.store(tag, Relaxed);
        self.slot.payload.store(p, Relaxed);
    }

    /// Makes the item visible to consumers. False only when the claim was taken over (this
    /// process was found dead: it is exiting), and the item dropped.
    pub fn publish(self) -> bool {
        let (lap, _) = unpack(self.state);
        self.slot
            .state
            .compare_exchange(self.state, pack(lap, FULL), Release, Relaxed)
            .is_ok()
    }
}

/// An item taken from the ring: in `data[..len]`, or in payload block `payload` (the caller
/// releases it).
pub struct Item {
    pub tag: u32,
    pub len: usize,
    pub data: [u8; SLOT_DATA],
    pub payload: u32,
}

/// What `take` found at the head.
pub enum Take {
    Item(Item),
    /// No item in the ring (items may wait in the queue's overflow list).
    Empty,
    /// The item at the head is still being written: the ring's next item, not yet visible.
    Writing,
    /// A slot whose claimer died was emptied (a dead producer's unfinished item skipped, or
    /// a dead consumer's slot freed); take again.
    Discarded,
}

/// Takes the item at the head for a get.
pub fn take(r: &Ring) -> Take {
    let me = me();
    let cap = r.slots.len() as u32;
    let mut h = r.head.load(Acquire);
    loop {
        let (slot, s, what, d) = r.look(h);
        match d {
            0 if what == FULL => {
                if let Some(mine) = r.take_slot(slot, s, h, READING | me) {
                    advance(r.head, h);
                    let item = copy_out(slot);
                    // The slot is free before the item is handed over: a consumer killed
                    // from here on has it in hand, and nobody else frees it again.
                    let _ = slot.state.compare_exchange(
                        mine,
                        r.state(h.wrapping_add(cap), FREE),
                        Release,
                        Relaxed,
                    );
                    return Take::Item(item);
                }
            }
            0 if what == FREE => return Take::Empty,
            0 if what & ROLE == WRITING => {
                if claimer_dead(r.id, s, false) && discard(r, slot, s, h) {
                    return Take::Discarded;
                }
                return Take::Writing;
            }
            // Taken by a consumer (the head is behind): look further.
            d if d >= 0 => {
                advance(r.head, h);
                h = r.head.load(Acquire);
            }
            // The slot still holds the previous lap, which a consumer is emptying: no
            // producer has reached this position yet.
            _ => {
                if what & ROLE == READING && claimer_dead(r.id, s, false) && discard(r, slot, s, h)
                {
                    return Take::Discarded;
                }
                return Take::Empty;
            }
        }
    }
}

fn copy_out(slot: &Slot) -> Item {
    let tag_len = slot.tag_len.load(Relaxed);
    let payload = slot.payload.swap(0, AcqRel);
    let len = if payload == 0 {
        (tag_len >> 8) as usize
    } else {
        0
    };
    let mut data = [0u8; SLOT_DATA];
    for (i, word) in slot.data.iter().enumerate().take(len.div_ceil(4)) {
        data[i * 4..i * 4 + 4].copy_from_slice(&word.load(Relaxed).to_le_bytes());
    }
    Item {
        tag: tag_len & 0xff,
        len,
        data,
        payload,
    }
}

/// What the head slot holds now (for waiters deciding whether to sleep).
#[derive(Debug, PartialEq, Eq)]
pub enum Head {
    /// An item can be taken (or the head must move on: a take will).
    Item,
    Empty,
    Writing,
}

pub fn head(r: &Ring) -> Head {
    let (_, _, what, d) = r.look(r.head.load(Acquire));
    match d {
        0 if what == FREE => Head::Empty,
        0 if what & ROLE == WRITING => Head::Writing,
        d if d >= 0 => Head::Item,
        _ => Head::Empty,
    }
}

/// For a waiter whose slice passed with nothing changing: empties every slot in the way
/// (the head's, the tail's) whose claimer died. Returns how many were emptied.
pub fn recover(r: &Ring) -> u32 {
    let mut emptied = 0;
    loop {
        let h = r.head.load(Acquire);
        let (slot, s, what, d) = r.look(h);
        let in_the_way = (what & ROLE == WRITING && d == 0) || (what & ROLE == READING && d <= 0);
        if in_the_way && claimer_dead(r.id, s, true) && discard(r, slot, s, h) {
            emptied += 1;
            continue;
        }
        let t = r.tail.load(Acquire);
        let (slot, s, what, d) = r.look(t);
        if what & ROLE == READING && d < 0 && claimer_dead(r.id, s, true) && discard(r, slot, s, t)
        {
            emptied += 1;
            continue;
        }
        return emptied;
    }
}

/// Releases every payload the ring still owns (when its queue goes: nobody else uses it).
pub fn release_payloads(slots: &[Slot]) {
    for s in slots {
        let p = s.payload.swap(0, AcqRel);
        if p != 0 {
            arena().release(p);
        }
    }
}

#[cfg(test)]
impl Ring<'_> {
    /// What a producer of process `tag` killed right after claiming position `pos` leaves.
    pub fn claim_for_tests(&self, pos: u32, tag: u32) {
        self.look(pos)
            .0
            .state
            .store(self.state(pos, WRITING | tag), SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Owned {
        slots: Vec<Slot>,
        tail: AtomicU32,
        head: AtomicU32,
    }

    fn ring(cap: usize) -> Owned {
        // SAFETY: a Slot is atomics only, for which all zeros is a valid value.
        let slots: Vec<Slot> = (0..cap).map(|_| unsafe { std::mem::zeroed() }).collect();
        Owned {
            slots,
            tail: AtomicU32::new(0),
            head: AtomicU32::new(0),
        }
    }

    impl Owned {
        fn view(&self) -> Ring<'_> {
            Ring {
                slots: &self.slots,
                tail: &self.tail,
                head: &self.head,
                id: 1,
            }
        }
    }

    fn put(r: &Ring, v: u8) -> bool {
        match claim(r, 0) {
            Claim::Slot(w) => {
                w.inline(1, &[v]);
                assert!(w.publish());
                true
            }
            _ => false,
        }
    }

    fn get(r: &Ring) -> Option<u8> {
        match take(r) {
            Take::Item(i) => Some(i.data[0]),
            _ => None,
        }
    }

    /// A claim as a process of `tag` would have left it, killed at once.
    fn claim_as(o: &Owned, pos: u32, what: u32) {
        let r = o.view();
        r.look(pos).0.state.store(r.state(pos, what), SeqCst);
    }

    #[test]
    fn items_go_round_the_ring_in_order() {
        crate::core::start();
        let o = ring(4);
        let r = o.view();
        for lap in 0..3u8 {
            for i in 0..4 {
                assert!(put(&r, lap * 4 + i));
            }
            assert!(matches!(claim(&r, 0), Claim::RingFull));
            for i in 0..4 {
                assert_eq!(get(&r), Some(lap * 4 + i));
            }
            assert!(matches!(take(&r), Take::Empty));
        }
    }

    #[test]
    fn a_dead_producers_slot_is_skipped_and_a_dead_consumers_slot_freed() {
        crate::core::start();
        let dead = crate::core::liveness::dead_process_tag();
        let o = ring(4);
        let r = o.view();
        // A producer killed between its claim and the tail's update: the next put moves the
        // tail on and uses the next slot.
        claim_as(&o, 0, WRITING | dead);
        assert!(put(&r, 7));
        assert_eq!(o.tail.load(SeqCst), 2);
        // The head waits behind the dead claim until a waiter's slice passed.
        assert!(matches!(take(&r), Take::Writing));
        assert_eq!(head(&r), Head::Writing);
        assert_eq!(recover(&r), 1);
        assert_eq!(get(&r), Some(7));
        // A consumer killed holding the slot of position 2: the producer one lap later
        // (position 6) finds it in its way; a waiter frees it.
        assert!(put(&r, 8));
        assert_eq!(get(&r), Some(8));
        claim_as(&o, 3, READING | dead);
        o.head.store(4, SeqCst);
        o.tail.store(4, SeqCst);
        for v in 0..3 {
            assert!(put(&r, v));
        }
        assert!(matches!(claim(&r, 0), Claim::RingFull));
        assert_eq!(recover(&r), 1);
        assert!(put(&r, 3));
        for v in 0..4 {
            assert_eq!(get(&r), Some(v));
        }
    }

    #[test]
    fn a_live_claim_is_never_taken_over() {
        crate::core::start();
        let o = ring(2);
        let r = o.view();
        claim_as(&o, 0, WRITING | me());
        o.tail.store(1, SeqCst);
        assert_eq!(recover(&r), 0);
        assert!(matches!(take(&r), Take::Writing));
    }
}
