//! Exports `test:res/user`; imports `test:res/counters` (exactly-one),
//! `test:res/pool` (any) and `test:res/spare` (at-most-one) in the socket ABI,
//! each function doing what its doc comment in the app WIT says.
//!
//! Provider errors are rendered as "<case>: <message>" (`trapped`,
//! `unavailable`, `limit-exceeded`, `reentrant-call`, `bad-handle`). When a
//! function meets a provider error:
//! - returning `list<u32>`: it stops and returns the values it has so far
//!   followed by `u32::MAX` as a marker (so `[u32::MAX]` alone when the error
//!   came before the first value);
//! - returning `u32` (`churn`, `keep`, `drop-kept`): it returns `u32::MAX`
//!   (`keep` still keeps the counter when only its `get` failed);
//! - `pool-mint`: a provider whose `mint`, `value` or `owner` failed gets the
//!   line "<id>: <error>" (and no peek line), a failed peek the line
//!   "<id>: peek <error>";
//! - `pool-cross` (mints with value 1 on every pool provider, uses the first
//!   two answers): the list holds one string, the second provider's rendered
//!   answer ("<n>" or "<error>"), or the first provider's rendered mint error,
//!   or "fewer than two pool providers";
//! - `spare-mint`: the rendered error.
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:res/user-guest",
});

use plugtree::socket::types::ProviderError;
use std::cell::RefCell;
use test::res::counters::{self, Choice, Counter};
use test::res::{pool, spare};

fn render(e: ProviderError) -> String {
    match e {
        ProviderError::Trapped(m) => format!("trapped: {m}"),
        ProviderError::Unavailable(m) => format!("unavailable: {m}"),
        ProviderError::LimitExceeded(m) => format!("limit-exceeded: {m}"),
        ProviderError::ReentrantCall(m) => format!("reentrant-call: {m}"),
        ProviderError::BadHandle(m) => format!("bad-handle: {m}"),
    }
}

/// Runs `f`, which pushes the values it sees; a provider error ends the list
/// with `u32::MAX`.
fn collect(f: impl FnOnce(&mut Vec<u32>) -> Result<(), ProviderError>) -> Vec<u32> {
    let mut seen = Vec::new();
    if f(&mut seen).is_err() {
        seen.push(u32::MAX);
    }
    seen
}

thread_local! {
    /// The counter kept by `keep` (wasm is single-threaded: one instance).
    static KEPT: RefCell<Option<Counter>> = const { RefCell::new(None) };
}

struct User;

impl exports::test::res::user::Guest for User {
    fn round_trip(start: u32) -> Vec<u32> {
        collect(|seen| {
            let c = counters::make(start)?;
            seen.push(c.get()?);
            seen.push(c.add(5)?);
            seen.push(c.get()?);
            Ok(())
        })
    }

    fn construct(start: u32) -> Vec<u32> {
        collect(|seen| {
            let c = Counter::new(start)?;
            let one = Counter::new(1)?;
            seen.push(c.get()?);
            seen.push(c.plus(&one)?);
            Ok(())
        })
    }

    fn absorb() -> Vec<u32> {
        collect(|seen| {
            let a = counters::make(10)?;
            let b = counters::make(20)?;
            let before = Counter::dropped()?;
            a.absorb(b)?;
            let after = Counter::dropped()?;
            seen.extend([a.get()?, before, after]);
            Ok(())
        })
    }

    fn bundle(start: u32) -> Vec<u32> {
        collect(|seen| {
            let b = counters::make_bundle(start)?;
            // Every counter of the bundle, borrowed, in field order.
            let mut all: Vec<&Counter> = vec![&b.main];
            all.extend(&b.extra);
            all.extend(&b.maybe);
            all.extend(b.either.as_ref().ok());
            all.push(&b.pair.0);
            if let Choice::One(c) = &b.choice {
                all.push(c);
            }
            for c in &all {
                seen.push(c.get()?);
            }
            seen.push(counters::total(&all)?);
            seen.push(counters::consume(b)?);
            Ok(())
        })
    }

    fn churn(n: u32) -> u32 {
        let run = || {
            for i in 0..n {
                let c = counters::make(i)?;
                c.get()?;
            }
            Counter::live()
        };
        run().unwrap_or(u32::MAX)
    }

    fn keep(start: u32) -> u32 {
        let Ok(c) = counters::make(start) else {
            return u32::MAX;
        };
        let value = c.get();
        // Replacing drops the counter kept before, if any.
        let old = KEPT.with_borrow_mut(|kept| kept.replace(c));
        drop(old);
        value.unwrap_or(u32::MAX)
    }

    fn kept_get() -> Result<u32, String> {
        KEPT.with_borrow(|kept| match kept {
            Some(c) => c.get().map_err(render),
            None => Err("no counter kept".to_string()),
        })
    }

    fn drop_kept() -> u32 {
        let kept = KEPT.with_borrow_mut(Option::take);
        drop(kept);
        Counter::dropped().unwrap_or(u32::MAX)
    }

    fn pool_mint(v: u32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut tokens = Vec::new();
        for (id, minted) in pool::mint(v) {
            let described = minted.and_then(|t| {
                let line = format!("{id}: {} from {}", t.value()?, t.owner()?);
                Ok((line, t))
            });
            match described {
                Ok((line, t)) => {
                    lines.push(line);
                    tokens.push((id, t));
                }
                Err(e) => lines.push(format!("{id}: {}", render(e))),
            }
        }
        for (id, t) in &tokens {
            let answer = pool::peek(t).into_iter().find(|(peeked, _)| peeked == id);
            lines.push(match answer {
                Some((_, Ok(n))) => format!("{id}: peek {n}"),
                Some((_, Err(e))) => format!("{id}: peek {}", render(e)),
                None => format!("{id}: peek no answer"),
            });
        }
        lines
    }

    fn pool_cross() -> Vec<String> {
        let mut minted = pool::mint(1).into_iter();
        let (Some((_, first)), Some((second_id, _))) = (minted.next(), minted.next()) else {
            return vec!["fewer than two pool providers".to_string()];
        };
        let first = match first {
            Ok(t) => t,
            Err(e) => return vec![render(e)],
        };
        let answer = pool::peek(&first)
            .into_iter()
            .find(|(id, _)| *id == second_id)
            .map(|(_, r)| r.map_or_else(render, |n| n.to_string()))
            .unwrap_or_else(|| format!("no answer from {second_id}"));
        vec![answer]
    }

    fn spare_mint(v: u32) -> String {
        match spare::mint(v) {
            None => "none".to_string(),
            Some(minted) => minted
                .and_then(|t| t.value())
                .map_or_else(render, |n| n.to_string()),
        }
    }
}

export!(User);
