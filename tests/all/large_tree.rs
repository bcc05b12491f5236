//! A tree of 1,000 plugins loads and dispatches: 1,000 providers on the
//! host's `any` root, and 1,000 behind one consumer's `any` socket. Identical
//! components compile once, so this stays fast.

use crate::guests;

use plugtree::{Socket, Val};

const N: usize = 1000;

#[test]
fn a_thousand_providers_on_the_root_answer_in_declaration_order() {
    let (tree, errors) = guests::level5_providers(N).build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(guests::engine());
    assert!(errors.is_empty(), "{errors:?}");
    let Ok(Socket::Any(answers)) =
        loaded.dispatch("test:bench/level5", "add", &[Val::U32(40), Val::U32(2)])
    else {
        panic!("not an any socket");
    };
    assert_eq!(answers.len(), N);
    for (i, (id, answer)) in answers.into_iter().enumerate() {
        assert_eq!(id.to_string(), format!("p{i}"));
        assert_eq!(answer, Ok(Some(Val::U32(42))));
    }
}

#[test]
fn a_consumer_with_a_thousand_providers_gets_every_answer() {
    let builder = (0..N).fold(
        guests::card_app()
            .root("test:card/collector")
            .plugin("collector", guests::guest("collector"))
            .plugin("one-en", guests::guest("one-en")),
        |b, i| b.plugin(format!("en{i}"), guests::guest("many-en")),
    );
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(guests::engine());
    assert!(errors.is_empty(), "{errors:?}");
    let Ok(Socket::ExactlyOne(_, Ok(Some(Val::List(entries))))) =
        loaded.dispatch("test:card/collector", "call-many", &[Val::String("ana".into())])
    else {
        panic!("collector did not answer");
    };
    assert_eq!(entries.len(), N);
    let hello = Val::Result(Ok(Some(Box::new(Val::String("hello, ana".into())))));
    assert_eq!(entries[0], Val::Tuple(vec![Val::String("en0".into()), hello.clone()]));
    assert_eq!(entries[N - 1], Val::Tuple(vec![Val::String(format!("en{}", N - 1)), hello]));
}
