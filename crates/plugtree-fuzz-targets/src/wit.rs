//! `wit`: WIT text given to [`Catalog::from_wit_text`], and a tree built from it.
//!
//! The first byte picks the input's form. Even: the rest is WIT text (lossily
//! decoded). Odd: the rest drives `wit-smith`, whose package is printed as
//! WIT text (its dependencies as nested packages).

use arbitrary::{Arbitrary, Unstructured};
use plugtree::{Catalog, PluginTree};
use wit_component::{DecodedWasm, WitPrinter};

/// Runs one input; panics when an oracle fails.
pub fn run(data: &[u8]) {
    let Some((&form, rest)) = data.split_first() else {
        check("");
        return;
    };
    if form % 2 == 0 {
        check(&String::from_utf8_lossy(rest));
    } else if let Some(text) = smith(rest) {
        check(&text);
    }
}

/// The WIT text of a `wit-smith` package, if the bytes make one.
fn smith(bytes: &[u8]) -> Option<String> {
    let mut u = Unstructured::new(bytes);
    let config = wit_smith::Config::arbitrary(&mut u).ok()?;
    let wasm = wit_smith::smith(&config, &mut u).ok()?;
    let Ok(DecodedWasm::WitPackage(resolve, main)) = wit_component::decode(&wasm) else {
        panic!("wit-smith made a package wit-component does not decode");
    };
    let nested: Vec<_> =
        resolve.packages.iter().map(|(id, _)| id).filter(|id| *id != main).collect();
    let mut printer = WitPrinter::default();
    printer.print(&resolve, main, &nested).expect("a decoded package prints");
    Some(printer.output.to_string())
}

/// What parsed as a catalog builds as a tree rooted at any interface with functions.
fn check(text: &str) {
    let catalog = match Catalog::from_wit_text("fuzz.wit", text) {
        Ok(catalog) => catalog,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let Some(root) = catalog.iter().find(|i| !i.functions.is_empty()) else {
        return;
    };
    let (tree, _no_provider) = PluginTree::builder()
        .wit_text("fuzz.wit", text)
        .root(root.name.as_str())
        .build()
        .unwrap_or_else(|e| {
            panic!(
                "WIT that parsed as a catalog does not build a tree rooted at `{}`: {e}",
                root.name
            )
        });
    assert_eq!(tree.root(), root.name);
    assert_eq!(tree.catalog().get(&root.name).map(|i| &i.functions), Some(&root.functions));
}
