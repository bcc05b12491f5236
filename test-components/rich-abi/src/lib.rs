//! Exports `test:rich/front`; imports `test:rich/shapes` in the exactly-one
//! socket ABI and forwards every call to it unchanged. A provider error
//! becomes a value that says so: a person named `error: <kind>: <message>`,
//! a one-string list of that text, an empty number list, `key(<that text>)`.
wit_bindgen::generate!({
    // The plugtree:socket package first: later paths may use earlier ones.
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:rich/rich-abi",
});

use exports::test::rich::front::{Event, Person};
use plugtree::socket::types::ProviderError;
use test::rich::shapes;

fn render(e: ProviderError) -> String {
    let (kind, message) = match e {
        ProviderError::Trapped(m) => ("trapped", m),
        ProviderError::Unavailable(m) => ("unavailable", m),
        ProviderError::LimitExceeded(m) => ("limit-exceeded", m),
        ProviderError::ReentrantCall(m) => ("reentrant-call", m),
        ProviderError::BadHandle(m) => ("bad-handle", m),
    };
    format!("error: {kind}: {message}")
}

struct Guest;

impl exports::test::rich::front::Guest for Guest {
    fn pass_record(p: Person) -> Person {
        let p = shapes::Person { name: p.name, email: p.email, city: p.city, age: p.age, id: p.id };
        match shapes::pass_record(&p) {
            Ok(p) => Person { name: p.name, email: p.email, city: p.city, age: p.age, id: p.id },
            Err(e) => {
                Person { name: render(e), email: String::new(), city: String::new(), age: 0, id: 0 }
            }
        }
    }
    fn pass_strings(s: Vec<String>) -> Vec<String> {
        shapes::pass_strings(&s).unwrap_or_else(|e| vec![render(e)])
    }
    fn pass_numbers(n: Vec<u32>) -> Vec<u32> {
        shapes::pass_numbers(&n).unwrap_or_default()
    }
    fn pass_variant(e: Event) -> Event {
        match shapes::pass_variant(&to_shapes(e)) {
            Ok(e) => from_shapes(e),
            Err(e) => Event::Key(render(e)),
        }
    }
}

// `front` and `shapes` declare the same types apart, so wit-bindgen makes
// two Rust types of each; these moves are what a forwarder costs.
fn to_shapes(e: Event) -> shapes::Event {
    match e {
        Event::Click(xy) => shapes::Event::Click(xy),
        Event::Key(k) => shapes::Event::Key(k),
        Event::Scroll(d) => shapes::Event::Scroll(d),
        Event::Idle => shapes::Event::Idle,
    }
}

fn from_shapes(e: shapes::Event) -> Event {
    match e {
        shapes::Event::Click(xy) => Event::Click(xy),
        shapes::Event::Key(k) => Event::Key(k),
        shapes::Event::Scroll(d) => Event::Scroll(d),
        shapes::Event::Idle => Event::Idle,
    }
}

export!(Guest);
