//! Exports `test:res/counters`: counters living in this provider. `live` and
//! `dropped` are tallies over all of this provider's counters; a counter's
//! destructor (`Drop` on [`MyCounter`], run when its last handle is dropped or
//! when it is taken out of an owned handle) bumps `dropped` and lowers `live`.
//!
//! `make-bundle`'s unspecified parts: the label is "bundle <start>" and
//! `pair.1` is 0.
wit_bindgen::generate!({
    path: "../wit/app/res.wit",
    inline: "package guest:res-counters; world guest { export test:res/counters; }",
});

use exports::test::res::counters::{Bundle, Choice, Counter, CounterBorrow, Guest, GuestCounter};
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};

/// Counters of this provider alive now.
static LIVE: AtomicU32 = AtomicU32::new(0);
/// Counters of this provider dropped so far.
static DROPPED: AtomicU32 = AtomicU32::new(0);

/// The representation of a `counter`.
pub struct MyCounter {
    value: Cell<u32>,
}

impl MyCounter {
    fn start(start: u32) -> Self {
        LIVE.fetch_add(1, Ordering::Relaxed);
        MyCounter { value: Cell::new(start) }
    }
}

impl Drop for MyCounter {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// A new owned handle to a counter starting at `start`.
fn make(start: u32) -> Counter {
    Counter::new(MyCounter::start(start))
}

/// The value of an owned counter, which is dropped.
fn take(c: Counter) -> u32 {
    c.into_inner::<MyCounter>().value.get()
}

impl GuestCounter for MyCounter {
    fn new(start: u32) -> Self {
        MyCounter::start(start)
    }
    fn get(&self) -> u32 {
        self.value.get()
    }
    fn add(&self, n: u32) -> u32 {
        self.value.set(self.value.get().wrapping_add(n));
        self.value.get()
    }
    fn absorb(&self, other: Counter) -> u32 {
        self.add(take(other))
    }
    fn plus(&self, other: CounterBorrow<'_>) -> u32 {
        self.value.get().wrapping_add(other.get::<MyCounter>().get())
    }
    fn live() -> u32 {
        LIVE.load(Ordering::Relaxed)
    }
    fn dropped() -> u32 {
        DROPPED.load(Ordering::Relaxed)
    }
}

struct Provider;

impl Guest for Provider {
    type Counter = MyCounter;

    fn make(start: u32) -> Counter {
        make(start)
    }
    fn make_bundle(start: u32) -> Bundle {
        Bundle {
            label: format!("bundle {start}"),
            main: make(start),
            extra: vec![make(start + 1), make(start + 2)],
            maybe: Some(make(start + 3)),
            either: Ok(make(start + 4)),
            pair: (make(start + 5), 0),
            choice: Choice::One(make(start + 6)),
        }
    }
    fn total(items: Vec<CounterBorrow<'_>>) -> u32 {
        items
            .iter()
            .fold(0, |sum, c| sum.wrapping_add(c.get::<MyCounter>().get()))
    }
    fn consume(b: Bundle) -> u32 {
        let Bundle { label: _, main, extra, maybe, either, pair, choice } = b;
        let mut counters = vec![main];
        counters.extend(extra);
        counters.extend(maybe);
        counters.extend(either.ok());
        counters.push(pair.0);
        if let Choice::One(c) = choice {
            counters.push(c);
        }
        counters.into_iter().fold(0, |sum, c| sum.wrapping_add(take(c)))
    }
    fn name() -> String {
        env!("CARGO_PKG_NAME").to_string()
    }
}

export!(Provider);
