//! Exports `test:app/values`, exercising every kind of WIT value.
wit_bindgen::generate!({
    path: "../wit/app/values.wit",
    inline: "package guest:values; world guest { export test:app/values; }",
});

use exports::test::app::values::{Color, Entry, Perms, Shape};

struct Guest;

impl exports::test::app::values::Guest for Guest {
    fn add(a: u32, b: u32) -> u32 {
        a.wrapping_add(b)
    }
    fn echo(s: String) -> String {
        s
    }
    fn tag(mut e: Entry, extra: String) -> Entry {
        e.tags.push(extra);
        e.score = Some(e.score.map_or(1, |s| s + 1));
        e
    }
    fn area(s: Shape) -> f64 {
        match s {
            Shape::Circle(r) => 3.0 * r * r,
            Shape::Rect((w, h)) => w * h,
            Shape::Empty => 0.0,
        }
    }
    fn checked_div(a: u32, b: u32) -> Result<u32, String> {
        a.checked_div(b)
            .ok_or_else(|| "division by zero".to_string())
    }
    fn find(name: String) -> Option<Color> {
        match name.as_str() {
            "red" => Some(Color::Red),
            "green" => Some(Color::Green),
            "blue" => Some(Color::Blue),
            _ => None,
        }
    }
    fn grant(p: Perms) -> Perms {
        p | Perms::EXEC
    }
    fn nothing() {}
    fn bytes(n: u32) -> Vec<u8> {
        (0..n).map(|i| i as u8).collect()
    }
}

export!(Guest);
