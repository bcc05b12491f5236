//! Exports `test:rich/front`; imports `test:rich/shapes` as the app's WIT
//! says (a plain socket, no plugtree package on its WIT path) and forwards
//! every call to it unchanged.
wit_bindgen::generate!({
    path: "../wit/app/rich.wit",
    generate_all,
    inline: "package guest:rich-plain; world guest { import test:rich/shapes; export test:rich/front; }",
});

use exports::test::rich::front::{Event, Person};
use test::rich::shapes;

struct Guest;

impl exports::test::rich::front::Guest for Guest {
    fn pass_record(p: Person) -> Person {
        let p = shapes::Person { name: p.name, email: p.email, city: p.city, age: p.age, id: p.id };
        let p = shapes::pass_record(&p);
        Person { name: p.name, email: p.email, city: p.city, age: p.age, id: p.id }
    }
    fn pass_strings(s: Vec<String>) -> Vec<String> {
        shapes::pass_strings(&s)
    }
    fn pass_numbers(n: Vec<u32>) -> Vec<u32> {
        shapes::pass_numbers(&n)
    }
    fn pass_variant(e: Event) -> Event {
        from_shapes(shapes::pass_variant(&to_shapes(e)))
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
