//! Exports `test:rich/shapes`: each value changed a little, as `rich.wit`
//! documents (so that no call can be folded away).
wit_bindgen::generate!({
    path: "../wit/app/rich.wit",
    inline: "package guest:rich-provider; world guest { export test:rich/shapes; }",
});

use exports::test::rich::shapes::{Event, Person};

struct Guest;

impl exports::test::rich::shapes::Guest for Guest {
    fn pass_record(p: Person) -> Person {
        Person { name: p.name + "!", age: p.age.wrapping_add(1), id: p.id.wrapping_add(1), ..p }
    }
    fn pass_strings(mut s: Vec<String>) -> Vec<String> {
        s.reverse();
        s
    }
    fn pass_numbers(mut n: Vec<u32>) -> Vec<u32> {
        n.iter_mut().for_each(|x| *x = x.wrapping_add(1));
        n
    }
    fn pass_variant(e: Event) -> Event {
        match e {
            Event::Click((x, y)) => Event::Click((y, x)),
            Event::Key(k) => Event::Key(k + "!"),
            Event::Scroll(d) => Event::Scroll(-d),
            Event::Idle => Event::Idle,
        }
    }
}

export!(Guest);
