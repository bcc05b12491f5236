//! Exports `test:ver/tally@1.1.0`: a resource at a version newer than the
//! app's `@1.0.0`, so its handles cross under the app's name.
wit_bindgen::generate!({
    inline: "package test:ver@1.1.0;
        interface tally {
            resource counter {
                constructor(start: u32);
                bump: func() -> u32;
            }
            make: func(start: u32) -> counter;
        }
        world guest { export tally; }",
});

use exports::test::ver::tally::{Counter, Guest, GuestCounter};
use std::cell::Cell;

struct Tally;

/// A counter's value.
pub struct MyCounter(Cell<u32>);

impl GuestCounter for MyCounter {
    fn new(start: u32) -> Self {
        MyCounter(Cell::new(start))
    }
    fn bump(&self) -> u32 {
        self.0.set(self.0.get() + 1);
        self.0.get()
    }
}

impl Guest for Tally {
    type Counter = MyCounter;
    fn make(start: u32) -> Counter {
        Counter::new(MyCounter(Cell::new(start)))
    }
}

export!(Tally);
