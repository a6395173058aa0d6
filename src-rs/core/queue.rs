//! Queue and JoinableQueue: a ring of 64-byte slots (`slots`: one CAS per put or get, each
//! claim naming its process) with an overflow list behind it for unbounded queues. Items are
//! tagged bytes (JavaScript chooses how to encode); up to SLOT_DATA bytes live in the slot,
//! larger ones in a payload block the slot points to. Producers and consumers touch different
//! cache lines (the tail, the head, and the slot they hand over); the sequence words that
//! waiters sleep on are only bumped when someone waits.
//!
//! A process killed at any instruction of a put or get loses at most the item it had in
//! flight: a slot it held names it and is emptied once it is found dead (`slots`), and the
//! overflow list, behind a mutex taken over from a dead holder, is rebuilt from its links.

use super::arena::{arena, Arena, Kind};
use super::bytes::{self, Bytes};
use super::error::{Error, Result};
use super::handle::{self, Handle};
use super::park::{park, Deadline, Interrupt, Parked};
use super::raw_mutex::Guard;
use super::ring::LocalRings;
use super::slots::{self, Claim, Ring, Slot, Take};
use crate::sys::futex_wake;
use std::sync::atomic::{fence, AtomicU32, Ordering::*};

/// Body word indexes (see `layout::queue_word`); JavaScript reads several of them (qsize,
/// full, join). `ARMED_*`, per sequence word: 1 while a waiter may be asleep that nobody has
/// woken yet. A waker only makes the wake system call when it takes the 1, so a producer
/// running ahead of a woken-but-not-yet-running consumer makes no system call.
pub use crate::layout::queue_word::*;
pub use slots::SLOT_DATA;

pub type Queue = Handle<handle::Queue>;
/// Ring slots of an unbounded queue, and the most any queue gets.
const UNBOUNDED_SLOTS: u32 = 1024;
const MAX_SLOTS: u32 = 1 << 16;

fn words(q: Queue) -> &'static [AtomicU32; WORDS] {
    // SAFETY: a Queue handle names a Queue block, allocated with WORDS words of body.
    unsafe { q.body::<[AtomicU32; WORDS]>() }
}

fn w(q: Queue, i: usize) -> &'static AtomicU32 {
    &words(q)[i]
}

fn slot_array(q: Queue) -> &'static [Slot] {
    let ws = words(q);
    let cap = ws[CAPACITY].load(Relaxed) as usize;
    let ring: Bytes = Handle::trusted(ws[RING].load(Relaxed));
    // SAFETY: the ring block holds `cap` slots (allocated in `new`), all atomics.
    unsafe { std::slice::from_raw_parts(ring.body::<Slot>(), cap) }
}

fn ring(q: Queue) -> Ring<'static> {
    let ws = words(q);
    Ring {
        slots: slot_array(q),
        tail: &ws[TAIL],
        head: &ws[HEAD],
        id: q.index(),
    }
}

pub fn new(maxsize: u32, joinable: bool) -> Result<Queue> {
    let a = arena();
    let cap = if maxsize == 0 {
        UNBOUNDED_SLOTS
    } else {
        maxsize.next_power_of_two().min(MAX_SLOTS)
    };
    let ring_block = a.alloc(Kind::Bytes, cap as usize * std::mem::size_of::<Slot>())?;
    let q = match a.alloc(Kind::Queue, WORDS * 4) {
        Ok(q) => Handle::trusted(q),
        Err(e) => {
            a.release(ring_block);
            return Err(e);
        }
    };
    let ws = words(q);
    ws[MAXSIZE].store(maxsize, Relaxed);
    ws[JOINABLE].store(joinable as u32, Relaxed);
    ws[CAPACITY].store(cap, Relaxed);
    ws[RING].store(ring_block, Relaxed);
    // The ring block is zeroed: all its slots are free for their first lap (see `slots`).
    fence(Release);
    Ok(q)
}

/// Items in the queue (approximate while others put and get, as in Python).
pub fn count(q: Queue) -> u32 {
    let ws = words(q);
    let in_ring = ws[TAIL].load(Acquire).wrapping_sub(ws[HEAD].load(Acquire));
    (in_ring as i32).max(0) as u32 + ws[OVERFLOW_COUNT].load(Acquire)
}

pub fn is_full(q: Queue) -> bool {
    let max = w(q, MAXSIZE).load(Relaxed);
    max > 0 && count(q) >= max
}

/// What `put` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    Queued,
    Full,
    /// The arena has no room for the item (nothing was queued).
    NoMemory,
}

/// Puts an item: `fill` writes at most `reserve` bytes and returns how many it wrote (it may
/// fail: nothing is queued then).
pub fn put<E>(
    q: Queue,
    rings: &mut LocalRings,
    tag: u32,
    reserve: usize,
    fill: impl FnOnce(&mut [u8]) -> std::result::Result<usize, E>,
) -> std::result::Result<Put, E> {
    if is_full(q) {
        return Ok(Put::Full);
    }
    // Large items are written into their own block before a slot is claimed.
    let mut inline = [0u8; SLOT_DATA];
    let (payload, len) = if reserve > SLOT_DATA {
        let Some((p, data)) = bytes::new(tag, reserve) else {
            return Ok(Put::NoMemory);
        };
        match fill(data) {
            Ok(len) => {
                bytes::set_len(p, len);
                (Some(p), len)
            }
            Err(e) => {
                arena().release(p.index());
                return Err(e);
            }
        }
    } else {
        (None, fill(&mut inline[..reserve])?)
    };
    let ws = words(q);
    let maxsize = ws[MAXSIZE].load(Relaxed);
    if ws[JOINABLE].load(Relaxed) != 0 {
        ws[UNFINISHED].fetch_add(1, SeqCst);
    }
    let r = ring(q);
    let result = loop {
        // While the overflow list holds items, puts join it, so that items stay in order.
        if ws[OVERFLOW_COUNT].load(Acquire) > 0 {
            break put_overflow(q, tag, len, payload, &inline, maxsize);
        }
        match slots::claim(&r, maxsize) {
            Claim::Slot(slot) => {
                match payload {
                    Some(p) => slot.payload(tag, p.index()),
                    None => slot.inline(tag, &inline[..len]),
                }
                slot.publish();
                break Put::Queued;
            }
            Claim::Full => break Put::Full,
            Claim::RingFull => break put_overflow(q, tag, len, payload, &inline, maxsize),
            Claim::Freed => lost(q, rings, 1),
        }
    };
    match result {
        Put::Queued => signal(q, rings, NOT_EMPTY, 1),
        Put::Full | Put::NoMemory => {
            if let Some(p) = payload {
                arena().release(p.index());
            }
            if ws[JOINABLE].load(Relaxed) != 0 {
                ws[UNFINISHED].fetch_sub(1, SeqCst);
            }
        }
    }
    Ok(result)
}

fn put_overflow(
    q: Queue,
    tag: u32,
    len: usize,
    payload: Option<Bytes>,
    inline: &[u8],
    maxsize: u32,
) -> Put {
    let ws = words(q);
    let p = match payload {
        Some(p) => p,
        None => {
            let Some((p, data)) = bytes::new(tag, len) else {
                return Put::NoMemory;
            };
            data.copy_from_slice(&inline[..len]);
            p
        }
    };
    let g = Guard::new(&ws[OVERFLOW_MUTEX]);
    if g.recovered {
        repair_overflow(q);
    }
    if maxsize > 0 && count(q) >= maxsize {
        if payload.is_none() {
            arena().release(p.index());
        }
        return Put::Full;
    }
    bytes::next(p).store(0, Relaxed);
    let tail = ws[OVERFLOW_TAIL].load(Relaxed);
    if tail == 0 {
        ws[OVERFLOW_HEAD].store(p.index(), Relaxed);
    } else {
        bytes::next(Handle::trusted(tail)).store(p.index(), Relaxed);
    }
    ws[OVERFLOW_TAIL].store(p.index(), Relaxed);
    ws[OVERFLOW_COUNT].fetch_add(1, SeqCst);
    Put::Queued
}

/// After the overflow list's mutex was taken over from a dead holder, which may have stopped
/// anywhere in an append or a removal: the list from its head is whole (an append links a
/// block whose link is already 0; a removal moves the head past a block before anything
/// else), so the tail and the count are rebuilt from it. An item being appended is kept or
/// not there yet; one being removed is gone (with its holder).
fn repair_overflow(q: Queue) {
    let ws = words(q);
    let (mut n, mut last) = (0, 0);
    let mut p = ws[OVERFLOW_HEAD].load(Relaxed);
    while p != 0 {
        n += 1;
        last = p;
        p = bytes::next(Handle::trusted(p)).load(Relaxed);
    }
    ws[OVERFLOW_TAIL].store(last, Relaxed);
    ws[OVERFLOW_COUNT].store(n, SeqCst);
}

/// Takes the first item and hands its tag and bytes to `read`.
pub fn get<R>(q: Queue, rings: &mut LocalRings, read: impl FnOnce(u32, &[u8]) -> R) -> Option<R> {
    let r = ring(q);
    let result = loop {
        match slots::take(&r) {
            Take::Item(item) => {
                break Some(if item.payload == 0 {
                    read(item.tag, &item.data[..item.len])
                } else {
                    let p: Bytes = Handle::trusted(item.payload);
                    let v = read(item.tag, bytes::read(p).1);
                    arena().release(p.index());
                    v
                });
            }
            // The ring's next item is still being written: the overflow list's items come
            // after it.
            Take::Writing => break None,
            Take::Empty => break get_overflow(q, read),
            Take::Discarded => lost(q, rings, 1),
        }
    };
    // Only a bounded queue has putters waiting for room.
    if result.is_some() && w(q, MAXSIZE).load(Relaxed) != 0 {
        signal(q, rings, NOT_FULL, 1);
    }
    result
}

fn get_overflow<R>(q: Queue, read: impl FnOnce(u32, &[u8]) -> R) -> Option<R> {
    let ws = words(q);
    if ws[OVERFLOW_COUNT].load(Acquire) == 0 {
        return None;
    }
    let p = {
        let g = Guard::new(&ws[OVERFLOW_MUTEX]);
        if g.recovered {
            repair_overflow(q);
        }
        let p = ws[OVERFLOW_HEAD].load(Relaxed);
        if p == 0 {
            return None;
        }
        let p: Bytes = Handle::trusted(p);
        let next = bytes::next(p).load(Relaxed);
        ws[OVERFLOW_HEAD].store(next, Relaxed);
        if next == 0 {
            ws[OVERFLOW_TAIL].store(0, Relaxed);
        }
        ws[OVERFLOW_COUNT].fetch_sub(1, SeqCst);
        p
    };
    let (tag, data) = bytes::read(p);
    let r = read(tag, data);
    arena().release(p.index());
    Some(r)
}

/// `n` items were lost with the processes that had them in flight (their slots were emptied):
/// nobody will mark them done, so a JoinableQueue stops counting them; room was made, too.
fn lost(q: Queue, rings: &mut LocalRings, n: u32) {
    let ws = words(q);
    if ws[JOINABLE].load(Relaxed) != 0 {
        let before = ws[UNFINISHED].fetch_update(SeqCst, SeqCst, |u| Some(u.saturating_sub(n)));
        if before.is_ok_and(|u| u > 0 && u <= n) {
            signal(q, rings, ALL_DONE, u32::MAX);
        }
    }
    signal(q, rings, NOT_FULL, 1);
    signal(q, rings, NOT_EMPTY, 1);
}

/// Repairs what processes that died left in the queue's way (see `slots::recover`): called by
/// a waiter whose slice passed with nothing changing, and by the dispatcher's sweep.
pub fn recover(q: Queue) {
    let n = slots::recover(&ring(q));
    if n > 0 {
        let mut rings = LocalRings::new();
        lost(q, &mut rings, n);
        // Rung through the dispatcher: the caller may hold the engine.
        drop(rings);
    }
}

/// After a change that may satisfy waiters on `word`: bump it and wake (only when someone
/// waits, so the fast path writes no shared word). The fence pairs with the waiter's
/// registration (waiter count, then re-check of the condition).
fn signal(q: Queue, rings: &mut LocalRings, word: usize, n: u32) {
    fence(SeqCst);
    let seq = w(q, word);
    let waiters = w(q, word + 1);
    if waiters.load(SeqCst) > 0 || arena().header_of(q.index()).async_waiters.load(SeqCst) > 0 {
        seq.fetch_add(1, SeqCst);
        let must_wake = match armed(q, word) {
            Some(a) => a.swap(0, SeqCst) == 1,
            None => waiters.load(Relaxed) > 0,
        };
        if must_wake {
            futex_wake(seq, n);
        }
        rings.add(q.index());
    }
}

fn armed(q: Queue, word: usize) -> Option<&'static AtomicU32> {
    match word {
        NOT_EMPTY => Some(&words(q)[ARMED_NOT_EMPTY]),
        NOT_FULL => Some(&words(q)[ARMED_NOT_FULL]),
        _ => None,
    }
}

/// Whether the condition behind `word` holds now. For `NOT_EMPTY`: an item can be taken, so
/// a getter does not spin while the next item is being written (nor while a dead producer's
/// slot is in the way: it sleeps, and repairs once a slice passed).
pub fn ready(q: Queue, word: usize) -> bool {
    match word {
        NOT_EMPTY => match slots::head(&ring(q)) {
            slots::Head::Item => true,
            slots::Head::Empty => w(q, OVERFLOW_COUNT).load(SeqCst) > 0,
            slots::Head::Writing => false,
        },
        NOT_FULL => !is_full(q),
        ALL_DONE => w(q, UNFINISHED).load(SeqCst) == 0,
        _ => true,
    }
}

/// JoinableQueue.task_done(): one fewer unfinished item; the last wakes every join().
pub fn task_done(q: Queue, rings: &mut LocalRings) -> Result<()> {
    let prev = w(q, UNFINISHED)
        .fetch_update(SeqCst, SeqCst, |u| u.checked_sub(1))
        .map_err(|_| Error::TooManyTaskDone)?;
    if prev == 1 {
        signal(q, rings, ALL_DONE, u32::MAX);
    }
    Ok(())
}

fn is_seq_word(word: usize) -> bool {
    matches!(word, NOT_EMPTY | NOT_FULL | ALL_DONE)
}

/// For asynchronous waiters: ready, or `word` moved since `seen`.
pub fn changed(q: Queue, word: usize, seen: u32) -> bool {
    !is_seq_word(word) || ready(q, word) || w(q, word).load(SeqCst) != seen
}

/// Blocks until the condition behind `word` holds or the word moves from `seen` (true), or
/// the deadline passes (false).
pub fn wait_change(
    q: Queue,
    word: usize,
    seen: u32,
    deadline: Deadline,
    interrupt: Interrupt,
) -> Result<bool> {
    if !is_seq_word(word) {
        return Err(Error::OutOfRange);
    }
    let (seq, waiters) = (w(q, word), w(q, word + 1));
    let armed = armed(q, word);
    waiters.fetch_add(1, SeqCst);
    // Pairs with the waker's fence: it sees this waiter, or this check sees its change.
    fence(SeqCst);
    let result = loop {
        if changed(q, word, seen) {
            break Ok(true);
        }
        // Arm, then look again: a waker that took the flag before we set it changed `seq`
        // first, and the second look sees that (SeqCst on both sides).
        if let Some(a) = armed {
            a.store(1, SeqCst);
            if changed(q, word, seen) {
                break Ok(true);
            }
        }
        match park(seq, seen, deadline, interrupt) {
            Parked::Woken => {}
            // Nothing changed for a slice: a holder may have died in the way.
            Parked::Slice => recover(q),
            // Before giving up, empty what a dead process left in the way: the caller's last
            // look then finds the items behind it.
            Parked::TimedOut => {
                recover(q);
                break Ok(changed(q, word, seen));
            }
            Parked::Interrupted => break Err(Error::Interrupted),
        }
    };
    // Others may still sleep: a waker took the flag to wake one of us (maybe this waiter),
    // and the rest sleep unarmed. Arm again for them, then look: if the condition holds now
    // (a change whose waker found the flag down), wake one, so that none sleeps on while,
    // say, items wait and this waiter takes none of them.
    if waiters.fetch_sub(1, SeqCst) > 1 {
        if let Some(a) = armed {
            a.store(1, SeqCst);
        }
        if ready(q, word) {
            if let Some(a) = armed {
                a.store(0, SeqCst);
            }
            seq.fetch_add(1, SeqCst);
            futex_wake(seq, 1);
        }
    }
    result
}

/// Frees the items still queued, and the ring, when the queue itself goes. Nobody else uses
/// it then (each user holds a reference), so whatever a slot or the overflow list still holds
/// is the queue's, even where a dead process left it half handed over.
pub(crate) fn drop_queue(a: &Arena, q: Queue) {
    let ws = words(q);
    slots::release_payloads(slot_array(q));
    let mut p = ws[OVERFLOW_HEAD].load(Acquire);
    while p != 0 {
        let next = bytes::next(Handle::trusted(p)).load(Relaxed);
        a.release(p);
        p = next;
    }
    a.release(ws[RING].load(Acquire));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::park::deadline_after_ms;

    fn put_bytes(q: Queue, v: &[u8]) -> Put {
        put(q, &mut LocalRings::new(), 1, v.len(), |d| {
            d.copy_from_slice(v);
            Ok::<usize, ()>(v.len())
        })
        .unwrap()
    }

    fn get_bytes(q: Queue) -> Option<Vec<u8>> {
        get(q, &mut LocalRings::new(), |tag, d| {
            assert_eq!(tag, 1);
            d.to_vec()
        })
    }

    #[test]
    fn fifo_with_a_bound_and_large_items() {
        crate::core::start();
        let q = new(3, false).unwrap();
        let big = vec![7u8; 100_000];
        assert_eq!(put_bytes(q, b"a"), Put::Queued);
        assert_eq!(put_bytes(q, &big), Put::Queued);
        assert_eq!(put_bytes(q, b""), Put::Queued);
        assert!(is_full(q));
        assert_eq!(put_bytes(q, b"d"), Put::Full);
        assert_eq!(count(q), 3);
        assert_eq!(get_bytes(q).unwrap(), b"a");
        assert_eq!(get_bytes(q).unwrap(), big);
        assert_eq!(put_bytes(q, b"d"), Put::Queued);
        assert_eq!(get_bytes(q).unwrap(), b"");
        assert_eq!(get_bytes(q).unwrap(), b"d");
        assert_eq!(get_bytes(q), None);
        arena().release(q.index());
    }

    #[test]
    fn an_unbounded_queue_overflows_its_ring_in_order() {
        crate::core::start();
        let q = new(0, false).unwrap();
        let n = UNBOUNDED_SLOTS * 3;
        for i in 0..n {
            assert_eq!(put_bytes(q, &i.to_le_bytes()), Put::Queued);
        }
        assert_eq!(count(q), n);
        for i in 0..n {
            assert_eq!(get_bytes(q).unwrap(), i.to_le_bytes());
        }
        assert_eq!(count(q), 0);
        arena().release(q.index());
    }

    #[test]
    fn a_failed_fill_queues_nothing() {
        crate::core::start();
        let q = new(0, true).unwrap();
        assert_eq!(
            put(q, &mut LocalRings::new(), 1, 4, |_| Err("no")),
            Err("no")
        );
        assert_eq!(
            put(q, &mut LocalRings::new(), 1, 100, |_| Err("no")),
            Err("no")
        );
        assert_eq!((count(q), w(q, UNFINISHED).load(SeqCst)), (0, 0));
        arena().release(q.index());
    }

    #[test]
    fn a_blocked_getter_is_woken_by_a_put() {
        crate::core::start();
        let q = new(0, false).unwrap();
        let seen = w(q, NOT_EMPTY).load(SeqCst);
        let t = std::thread::spawn(move || {
            wait_change(q, NOT_EMPTY, seen, deadline_after_ms(5000.0), None).unwrap()
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(put_bytes(q, &[9]), Put::Queued);
        assert!(t.join().unwrap());
        assert_eq!(get_bytes(q).unwrap(), [9]);
        arena().release(q.index());
    }

    #[test]
    fn many_producers_and_consumers_lose_and_duplicate_nothing() {
        crate::core::start();
        let q = new(64, false).unwrap();
        let producers: Vec<_> = (0..3u32)
            .map(|p| {
                std::thread::spawn(move || {
                    for i in 0..20_000u32 {
                        let v = (p << 24 | i).to_le_bytes();
                        loop {
                            let seen = w(q, NOT_FULL).load(SeqCst);
                            if put_bytes(q, &v) == Put::Queued {
                                break;
                            }
                            wait_change(q, NOT_FULL, seen, None, None).unwrap();
                        }
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        let seen = w(q, NOT_EMPTY).load(SeqCst);
                        match get_bytes(q) {
                            Some(v) if v == [0xff; 4] => break got,
                            Some(v) => got.push(u32::from_le_bytes(v.try_into().unwrap())),
                            None => {
                                wait_change(q, NOT_EMPTY, seen, None, None).unwrap();
                            }
                        }
                    }
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        for _ in 0..2 {
            while put_bytes(q, &[0xff; 4]) == Put::Full {
                std::thread::yield_now();
            }
        }
        let mut all: Vec<u32> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        all.sort();
        let mut want: Vec<u32> = (0..3u32)
            .flat_map(|p| (0..20_000u32).map(move |i| p << 24 | i))
            .collect();
        want.sort();
        assert_eq!(all, want);
        arena().release(q.index());
    }

    #[test]
    fn a_woken_waiter_that_takes_nothing_passes_the_wake_on() {
        crate::core::start();
        let q = new(0, false).unwrap();
        let seen = w(q, NOT_EMPTY).load(SeqCst);
        // Two getters sleep; one put wakes one of them (one system call), which leaves without
        // taking the item: the other must not sleep on while the item waits.
        let sleepers: Vec<_> = (0..2)
            .map(|_| {
                std::thread::spawn(move || {
                    wait_change(q, NOT_EMPTY, seen, deadline_after_ms(3000.0), None).unwrap()
                })
            })
            .collect();
        while w(q, NOT_EMPTY + 1).load(SeqCst) < 2 {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        let t0 = std::time::Instant::now();
        assert_eq!(put_bytes(q, &[1]), Put::Queued);
        for s in sleepers {
            assert!(s.join().unwrap());
        }
        assert!(
            t0.elapsed() < std::time::Duration::from_millis(1000),
            "the second waiter slept on"
        );
        arena().release(q.index());
    }

    #[test]
    fn a_waiter_that_leaves_rearms_for_those_still_asleep() {
        crate::core::start();
        let q = new(0, false).unwrap();
        let seen = w(q, NOT_EMPTY).load(SeqCst);
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..2 {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let r = wait_change(q, NOT_EMPTY, seen, deadline_after_ms(5000.0), None);
                tx.send(r.unwrap()).unwrap();
            });
        }
        while w(q, NOT_EMPTY + 1).load(SeqCst) < 2 {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        // A waker takes the flag and wakes one of the two sleepers; its item went to someone
        // else meanwhile, so the woken one leaves with nothing.
        w(q, NOT_EMPTY).fetch_add(1, SeqCst);
        assert_eq!(w(q, ARMED_NOT_EMPTY).swap(0, SeqCst), 1);
        futex_wake(w(q, NOT_EMPTY), 1);
        let wait = std::time::Duration::from_secs(2);
        assert!(rx.recv_timeout(wait).unwrap());
        // It armed the flag again for the other, which still sleeps: the next put wakes it.
        assert_eq!(w(q, ARMED_NOT_EMPTY).load(SeqCst), 1);
        assert_eq!(put_bytes(q, &[1]), Put::Queued);
        assert!(rx.recv_timeout(wait).unwrap());
        arena().release(q.index());
    }

    #[test]
    fn the_overflow_list_is_rebuilt_when_its_mutex_is_taken_from_a_dead_process() {
        crate::core::start();
        let q = new(0, false).unwrap();
        let n = UNBOUNDED_SLOTS + 2;
        for i in 0..n {
            assert_eq!(put_bytes(q, &i.to_le_bytes()), Put::Queued);
        }
        // A put killed holding the mutex, after linking its block but before the list's tail
        // and count: the item is there, the words say otherwise.
        let ws = words(q);
        let (p, data) = bytes::new(1, 4).unwrap();
        data.copy_from_slice(&n.to_le_bytes());
        bytes::next(p).store(0, SeqCst);
        bytes::next(Handle::trusted(ws[OVERFLOW_TAIL].load(SeqCst))).store(p.index(), SeqCst);
        ws[OVERFLOW_MUTEX].store(
            crate::core::raw_mutex::held_by(crate::core::liveness::dead_process_tag()),
            SeqCst,
        );
        for i in 0..=n {
            assert_eq!(get_bytes(q).unwrap(), i.to_le_bytes());
        }
        assert_eq!((get_bytes(q), count(q)), (None, 0));
        assert_eq!(ws[OVERFLOW_MUTEX].load(SeqCst), 0);
        arena().release(q.index());
    }

    #[test]
    fn a_slot_a_dead_producer_claimed_is_skipped_by_a_waiter() {
        crate::core::start();
        let q = new(4, true).unwrap();
        let dead = crate::core::liveness::dead_process_tag();
        // A put killed between its claim and its publish (as the slot's state then reads).
        ring(q).claim_for_tests(0, dead);
        w(q, TAIL).store(1, SeqCst);
        w(q, UNFINISHED).store(1, SeqCst);
        assert_eq!(put_bytes(q, b"b"), Put::Queued);
        assert_eq!(get_bytes(q), None, "the dead put's slot is in the way");
        let seen = w(q, NOT_EMPTY).load(SeqCst);
        let t0 = std::time::Instant::now();
        assert!(wait_change(q, NOT_EMPTY, seen, deadline_after_ms(5000.0), None).unwrap());
        assert!(t0.elapsed() < std::time::Duration::from_millis(1000));
        assert_eq!(get_bytes(q).unwrap(), b"b");
        assert_eq!(
            w(q, UNFINISHED).load(SeqCst),
            1,
            "the lost item is not counted"
        );
        arena().release(q.index());
    }

    #[test]
    fn task_done_counts_down_to_join() {
        crate::core::start();
        let q = new(0, true).unwrap();
        put_bytes(q, &[1]);
        put_bytes(q, &[2]);
        assert_eq!(w(q, UNFINISHED).load(SeqCst), 2);
        assert!(!ready(q, ALL_DONE));
        task_done(q, &mut LocalRings::new()).unwrap();
        task_done(q, &mut LocalRings::new()).unwrap();
        assert!(ready(q, ALL_DONE));
        assert_eq!(
            task_done(q, &mut LocalRings::new()),
            Err(Error::TooManyTaskDone)
        );
        arena().release(q.index());
    }
}
