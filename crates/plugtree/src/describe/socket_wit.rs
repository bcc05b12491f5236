//! The socket ABI written as WIT text: an app interface rewritten as a
//! consumer imports it, by the rules of [`socket_abi`](super::socket_abi)
//! (what `plugtree wit socket` and `plugtree new` print for plugin authors).

use wit_component::{Output, WitPrinter};
use wit_parser::{InterfaceId, PackageId, Resolve, Type, TypeDef, TypeDefKind, TypeOwner};

use super::interface::Cardinality;
use super::socket_abi::{
    SOCKET_ABI_WIT, SOCKET_TYPES_INTERFACE, function_cardinality, is_abi_interface,
};
use super::wit::function_kind;

/// Why an interface cannot be written as a consumer imports it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SocketWitError {
    /// The interface is one of the socket ABI's own.
    #[error("`{interface}` belongs to plugtree's socket ABI, not to the app")]
    AbiInterface {
        /// The interface asked for.
        interface: String,
    },
    /// No such interface in the WIT.
    #[error("interface `{interface}` is not defined in the app's WIT")]
    UnknownInterface {
        /// The interface asked for.
        interface: String,
    },
    /// The interface already has a type named `provider-error`.
    #[error("interface `{interface}` defines its own `provider-error`, which the socket ABI needs")]
    ProviderErrorTaken {
        /// The interface.
        interface: String,
    },
    /// The interface has an async function, which no socket carries yet.
    #[error("`{function}` of `{interface}` is async, which plugtree's sockets do not carry yet")]
    Async {
        /// The interface.
        interface: String,
        /// The function.
        function: String,
    },
    /// wit-parser or wit-component refused the WIT (the shipped ABI, or printing).
    #[error("cannot {doing}")]
    Wit {
        /// What was being done, e.g. "print interface `a:b/c`".
        doing: String,
        /// wit-parser's or wit-component's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The app's WIT with plugtree's socket ABI package beside it, in which
/// interfaces are rewritten as a consumer imports them on a socket.
#[derive(Debug)]
pub struct SocketWit {
    resolve: Resolve,
    abi: InterfaceId,
}

impl SocketWit {
    /// `resolve` (the app's WIT) with the socket ABI package added, unless it
    /// holds it already.
    ///
    /// # Errors
    /// [`SocketWitError::Wit`] if the shipped ABI does not fit into `resolve`
    /// (another package of the same name).
    pub fn new(mut resolve: Resolve) -> Result<Self, SocketWitError> {
        let abi = match interface_named(&resolve, SOCKET_TYPES_INTERFACE) {
            Some(abi) => abi,
            None => {
                resolve.push_str("plugtree-socket.wit", SOCKET_ABI_WIT).map_err(|source| {
                    SocketWitError::Wit {
                        doing: "read plugtree's socket ABI".into(),
                        source: source.into(),
                    }
                })?;
                interface_named(&resolve, SOCKET_TYPES_INTERFACE).ok_or_else(|| {
                    SocketWitError::UnknownInterface { interface: SOCKET_TYPES_INTERFACE.into() }
                })?
            }
        };
        Ok(SocketWit { resolve, abi })
    }

    /// The WIT as it is now.
    pub fn resolve(&self) -> &Resolve {
        &self.resolve
    }

    /// The socket ABI's package, which a plugin gets as plugtree ships it
    /// ([`SOCKET_ABI_WIT`]) rather than printed again.
    pub fn abi_package(&self) -> Option<PackageId> {
        self.resolve.interfaces[self.abi].package
    }

    /// The app interface named `name` (`pkg:ns/iface`, with its version if any).
    ///
    /// # Errors
    /// [`SocketWitError::AbiInterface`] or [`SocketWitError::UnknownInterface`].
    pub fn interface(&self, name: &str) -> Result<InterfaceId, SocketWitError> {
        if is_abi_interface(name) {
            return Err(SocketWitError::AbiInterface { interface: name.into() });
        }
        interface_named(&self.resolve, name)
            .ok_or_else(|| SocketWitError::UnknownInterface { interface: name.into() })
    }

    /// Rewrites interface `id` as a consumer imports it on a socket of
    /// `cardinality`: `use plugtree:socket/types@0.1.0.{provider-error}`
    /// added, every function's result shaped as
    /// [`consumer_signature`](super::socket_abi::consumer_signature) says.
    ///
    /// # Errors
    /// [`SocketWitError::ProviderErrorTaken`], or [`SocketWitError::Async`].
    pub fn rewrite(
        &mut self,
        id: InterfaceId,
        cardinality: Cardinality,
    ) -> Result<(), SocketWitError> {
        let resolve = &mut self.resolve;
        let name = || resolve_name(resolve, id);
        let taken = resolve.interfaces[id].types.contains_key("provider-error");
        let provider_error = resolve.interfaces[self.abi].types.get("provider-error").copied();
        let provider_error = match (taken, provider_error) {
            (true, _) => return Err(SocketWitError::ProviderErrorTaken { interface: name() }),
            (false, None) => {
                return Err(SocketWitError::UnknownInterface {
                    interface: SOCKET_TYPES_INTERFACE.into(),
                });
            }
            (false, Some(ty)) => ty,
        };
        let kinds = resolve.interfaces[id]
            .functions
            .iter()
            .map(|(f, func)| match function_kind(resolve, &func.kind) {
                Some(kind) => Ok((f.clone(), kind)),
                None => Err(SocketWitError::Async { interface: name(), function: f.clone() }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let local = resolve.types.alloc(TypeDef {
            name: Some("provider-error".into()),
            owner: TypeOwner::Interface(id),
            ..anonymous(TypeDefKind::Type(Type::Id(provider_error)))
        });
        resolve.interfaces[id].types.shift_insert(0, "provider-error".into(), local);
        for (function, kind) in kinds {
            let Some(result) = resolve.interfaces[id].functions.get(&function).map(|f| f.result)
            else {
                continue;
            };
            let one = resolve.types.alloc(anonymous(TypeDefKind::Result(wit_parser::Result_ {
                ok: result,
                err: Some(Type::Id(local)),
            })));
            let shaped = match function_cardinality(&kind, cardinality) {
                Cardinality::ExactlyOne => one,
                Cardinality::AtMostOne => {
                    resolve.types.alloc(anonymous(TypeDefKind::Option(Type::Id(one))))
                }
                Cardinality::Any | Cardinality::AtLeastOne => {
                    let pair =
                        resolve.types.alloc(anonymous(TypeDefKind::Tuple(wit_parser::Tuple {
                            types: vec![Type::String, Type::Id(one)],
                        })));
                    resolve.types.alloc(anonymous(TypeDefKind::List(Type::Id(pair))))
                }
            };
            if let Some(f) = resolve.interfaces[id].functions.get_mut(&function) {
                f.result = Some(Type::Id(shaped));
            }
        }
        Ok(())
    }

    /// Interface `id` as WIT text: its package's header, then the interface.
    ///
    /// # Errors
    /// [`SocketWitError::Wit`] if wit-component cannot print it.
    pub fn interface_text(&self, id: InterfaceId) -> Result<String, SocketWitError> {
        let resolve = &self.resolve;
        let interface = &resolve.interfaces[id];
        let (Some(package), Some(short_name)) = (interface.package, interface.name.as_deref())
        else {
            return Err(SocketWitError::UnknownInterface { interface: resolve_name(resolve, id) });
        };
        let mut printer = WitPrinter::default();
        let printed = printer
            .print_package_outer(&resolve.packages[package])
            .and_then(|()| {
                printer.output.semicolon();
                printer.output.newline();
                printer.print_interface_outer(resolve, id, short_name)
            })
            .and_then(|()| {
                printer.output.indent_start();
                printer.print_interface(resolve, id)
            });
        printed.map_err(|source| SocketWitError::Wit {
            doing: format!("print interface `{}`", resolve_name(resolve, id)),
            source: source.into(),
        })?;
        printer.output.indent_end();
        Ok(String::from(printer.output).trim_end().to_string())
    }

    /// The app's package `package` as WIT text, its sockets as rewritten.
    ///
    /// # Errors
    /// [`SocketWitError::Wit`] if wit-component cannot print it.
    pub fn package_text(&self, package: PackageId) -> Result<String, SocketWitError> {
        let mut printer = WitPrinter::default();
        printer.print(&self.resolve, package, &[]).map_err(|source| SocketWitError::Wit {
            doing: format!("print WIT package `{}`", self.resolve.packages[package].name),
            source: source.into(),
        })?;
        Ok(printer.output.to_string())
    }
}

/// The interface of `resolve` named `name`.
fn interface_named(resolve: &Resolve, name: &str) -> Option<InterfaceId> {
    resolve
        .interfaces
        .iter()
        .map(|(id, _)| id)
        .find(|id| resolve.id_of(*id).as_deref() == Some(name))
}

fn resolve_name(resolve: &Resolve, id: InterfaceId) -> String {
    resolve.id_of(id).unwrap_or_else(|| "an unnamed interface".into())
}

fn anonymous(kind: TypeDefKind) -> TypeDef {
    TypeDef {
        name: None,
        kind,
        owner: TypeOwner::None,
        docs: Default::default(),
        stability: Default::default(),
        span: Default::default(),
        external_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::interface::Catalog;
    use crate::describe::socket_abi::consumer_signature;

    /// An interface with every kind of function a socket carries.
    const SHOP: &str = "package test:shop;
interface shop {
    resource cart {
        constructor(owner: string);
        add: func(item: string) -> u32;
        merge: static func(a: borrow<cart>, b: borrow<cart>) -> cart;
    }
    price: func(item: string) -> option<u32>;
    ping: func();
}";

    #[test]
    fn the_socket_wit_has_the_consumer_signatures_of_every_function() {
        let catalog = Catalog::from_wit_text("shop.wit", SHOP).expect("parses");
        let original = catalog.get("test:shop/shop").expect("the interface");
        for cardinality in [
            Cardinality::ExactlyOne,
            Cardinality::AtMostOne,
            Cardinality::Any,
            Cardinality::AtLeastOne,
        ] {
            let mut resolve = Resolve::default();
            resolve.push_str("shop.wit", SHOP).expect("parses");
            let mut wit = SocketWit::new(resolve).expect("the ABI fits");
            let id = wit.interface("test:shop/shop").expect("found");
            wit.rewrite(id, cardinality).expect("rewritten");
            // Each function's WIT result is exactly what the consumer check expects.
            let resolve = wit.resolve();
            for f in &original.functions {
                let rewritten = &resolve.interfaces[id].functions[&f.name];
                let result = rewritten.result.as_ref().expect("a result");
                let read = crate::describe::types::value_type(resolve, result).expect("readable");
                let expected =
                    consumer_signature(&f.signature, function_cardinality(&f.kind, cardinality));
                assert_eq!(Some(read), expected.result, "{} on {cardinality}", f.name);
            }
            // The text is WIT that parses beside the shipped ABI.
            let text = wit.interface_text(id).expect("prints");
            let mut again = Resolve::default();
            again.push_str("plugtree-socket.wit", SOCKET_ABI_WIT).expect("the ABI parses");
            again.push_str("shop.wit", &text).unwrap_or_else(|e| panic!("{e:#}\n{text}"));
            assert!(text.contains("use plugtree:socket/types@0.1.0.{provider-error};"), "{text}");
        }
        // A method goes to one plugin on an `any` socket too.
        let mut resolve = Resolve::default();
        resolve.push_str("shop.wit", SHOP).expect("parses");
        let mut wit = SocketWit::new(resolve).expect("the ABI fits");
        let id = wit.interface("test:shop/shop").expect("found");
        wit.rewrite(id, Cardinality::Any).expect("rewritten");
        let text = wit.interface_text(id).expect("prints");
        assert!(text.contains("add: func(item: string) -> result<u32, provider-error>;"), "{text}");
        assert!(
            text.contains("price: func(item: string) -> list<tuple<string, result<option<u32>, provider-error>>>;"),
            "{text}"
        );
    }

    #[test]
    fn socket_wit_errors_name_the_interface() {
        let wit = SocketWit::new(Resolve::default()).expect("the ABI alone");
        let unknown = wit.interface("test:shop/nope").expect_err("not there");
        assert_eq!(
            unknown.to_string(),
            "interface `test:shop/nope` is not defined in the app's WIT"
        );
        let abi = wit.interface(SOCKET_TYPES_INTERFACE).expect_err("the ABI's own");
        assert_eq!(
            abi.to_string(),
            "`plugtree:socket/types@0.1.0` belongs to plugtree's socket ABI, not to the app"
        );
        let mut resolve = Resolve::default();
        resolve
            .push_str(
                "taken.wit",
                "package test:t;\ninterface t { type provider-error = u32; f: func(); }",
            )
            .expect("parses");
        let mut wit = SocketWit::new(resolve).expect("the ABI fits");
        let id = wit.interface("test:t/t").expect("found");
        let taken = wit.rewrite(id, Cardinality::ExactlyOne).expect_err("its own provider-error");
        assert_eq!(
            taken.to_string(),
            "interface `test:t/t` defines its own `provider-error`, which the socket ABI needs"
        );
    }
}
