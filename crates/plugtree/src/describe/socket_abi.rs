//! The socket ABI: the shape in which a consumer plugin imports a socket.
//!
//! A provider exports an interface as its WIT says. A consumer imports the same
//! interface with every result rewritten by the interface's cardinality, so that
//! a provider's failure reaches it as a value (see `wit/plugtree-socket.wit`):
//!
//! | cardinality | `f: func(…) -> T` is imported as |
//! |---|---|
//! | exactly-one | `f: func(…) -> result<T, provider-error>` |
//! | at-most-one | `f: func(…) -> option<result<T, provider-error>>` |
//! | any | `f: func(…) -> list<tuple<string, result<T, provider-error>>>` |
//!
//! A method or constructor goes to one plugin, so it is shaped as on
//! `exactly-one` whatever the socket ([`function_cardinality`]). This module
//! is the one place of these rules: [`consumer_signature`] applies them to a
//! [`Signature`] (what plugtree checks a consumer's imports against), and
//! [`SocketWit`] to WIT text (what `plugtree wit socket` and `plugtree new`
//! write for plugin authors).

use wit_component::{Output, WitPrinter};
use wit_parser::{InterfaceId, PackageId, Resolve, Type, TypeDef, TypeDefKind, TypeOwner};

use super::interface::{Cardinality, FunctionKind, function_kind};
use super::types::{Signature, ValueType};

/// The WIT package that defines the socket ABI's shared types
/// (`crates/plugtree/wit/plugtree-socket.wit`).
pub const SOCKET_ABI_WIT: &str = include_str!("../../wit/plugtree-socket.wit");

/// The name of the interface that defines `provider-error`; a consumer imports
/// it alongside its sockets.
pub const SOCKET_TYPES_INTERFACE: &str = "plugtree:socket/types@0.1.0";

/// Why a provider did not answer: the cases of the socket ABI's
/// `provider-error` variant, each carrying a message. The one list of them;
/// the loader's typed mirror is checked against the shipped WIT by wasmtime
/// when it links a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderErrorCase {
    /// The provider trapped; it is disabled from now on.
    Trapped,
    /// The provider is disabled, not loaded, or refused the call.
    Unavailable,
    /// The provider exceeded one of its limits, or its answer does not fit
    /// in the consumer's memory.
    LimitExceeded,
    /// The call would re-enter a plugin already on the call stack.
    ReentrantCall,
    /// A resource handle passed is not the provider's own, or is stale.
    BadHandle,
}

impl ProviderErrorCase {
    /// Every case, in WIT order.
    pub const ALL: [ProviderErrorCase; 5] = [
        ProviderErrorCase::Trapped,
        ProviderErrorCase::Unavailable,
        ProviderErrorCase::LimitExceeded,
        ProviderErrorCase::ReentrantCall,
        ProviderErrorCase::BadHandle,
    ];

    /// The case's name in `plugtree:socket/types`, e.g. `limit-exceeded`.
    pub const fn wit_name(self) -> &'static str {
        match self {
            ProviderErrorCase::Trapped => "trapped",
            ProviderErrorCase::Unavailable => "unavailable",
            ProviderErrorCase::LimitExceeded => "limit-exceeded",
            ProviderErrorCase::ReentrantCall => "reentrant-call",
            ProviderErrorCase::BadHandle => "bad-handle",
        }
    }
}

/// True for interfaces of plugtree's own socket-ABI package.
pub fn is_abi_interface(name: &str) -> bool {
    name.starts_with("plugtree:socket/")
}

/// The `provider-error` variant as a value type.
pub fn provider_error() -> ValueType {
    ValueType::Variant(
        ProviderErrorCase::ALL
            .iter()
            .map(|c| (c.wit_name().to_string(), Some(ValueType::String)))
            .collect(),
    )
}

/// The result type a consumer sees for one provider's answer: `result<T, provider-error>`.
pub fn provider_result(result: Option<&ValueType>) -> ValueType {
    ValueType::Result { ok: result.cloned().map(Box::new), err: Some(Box::new(provider_error())) }
}

/// The cardinality a function's consumer-side signature is shaped by: a
/// method goes to the one plugin that owns its `self`, and a constructor
/// (allowed on `exactly-one` sockets only) to the one provider; every other
/// function follows the socket's cardinality.
pub fn function_cardinality(kind: &FunctionKind, socket: Cardinality) -> Cardinality {
    match kind {
        FunctionKind::Method { .. } | FunctionKind::Constructor { .. } => Cardinality::ExactlyOne,
        FunctionKind::Freestanding | FunctionKind::Static { .. } => socket,
    }
}

/// The signature a consumer imports for a provider function of `signature`
/// on a socket of `cardinality` (see [`function_cardinality`] for methods
/// and constructors).
pub fn consumer_signature(signature: &Signature, cardinality: Cardinality) -> Signature {
    let one = provider_result(signature.result.as_ref());
    let result = match cardinality {
        Cardinality::ExactlyOne => one,
        Cardinality::AtMostOne => ValueType::Option(Box::new(one)),
        Cardinality::Any => {
            ValueType::List(Box::new(ValueType::Tuple(vec![ValueType::String, one])))
        }
    };
    Signature { params: signature.params.clone(), result: Some(result) }
}

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
    /// added, every function's result shaped as [`consumer_signature`] says.
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
                Cardinality::Any => {
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

    #[test]
    fn provider_error_matches_the_shipped_wit() {
        let mut resolve = wit_parser::Resolve::default();
        resolve.push_str("plugtree-socket.wit", SOCKET_ABI_WIT).expect("the shipped WIT parses");
        let (id, _) = resolve
            .interfaces
            .iter()
            .find(|(id, _)| resolve.id_of(*id).as_deref() == Some(SOCKET_TYPES_INTERFACE))
            .expect("the types interface exists");
        let ty = resolve.interfaces[id].types["provider-error"];
        let read = crate::describe::types::value_type(&resolve, &wit_parser::Type::Id(ty))
            .expect("readable");
        assert_eq!(read, provider_error());
        // The ABI package never counts as an app interface.
        assert!(
            Catalog::from_wit_text("abi.wit", SOCKET_ABI_WIT)
                .expect("parses")
                .iter()
                .next()
                .is_none()
        );
    }

    #[test]
    fn consumer_signatures_follow_the_cardinality() {
        let sig = Signature {
            params: vec![("n".into(), ValueType::U32)],
            result: Some(ValueType::String),
        };
        assert_eq!(
            consumer_signature(&sig, Cardinality::ExactlyOne).to_string(),
            "func(n: u32) -> result<string, variant { trapped(string), unavailable(string), limit-exceeded(string), reentrant-call(string), bad-handle(string) }>"
        );
        // Methods and constructors go to one plugin whatever the socket's cardinality.
        let method = FunctionKind::Method { resource: "counter".into() };
        assert_eq!(function_cardinality(&method, Cardinality::Any), Cardinality::ExactlyOne);
        assert_eq!(
            function_cardinality(&FunctionKind::Freestanding, Cardinality::Any),
            Cardinality::Any
        );
        let none = Signature { params: vec![], result: None };
        assert!(
            consumer_signature(&none, Cardinality::AtMostOne)
                .to_string()
                .starts_with("func() -> option<result<_, variant {")
        );
        assert!(
            consumer_signature(&sig, Cardinality::Any)
                .to_string()
                .starts_with("func(n: u32) -> list<tuple<string, result<string, variant {")
        );
    }

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
        for cardinality in [Cardinality::ExactlyOne, Cardinality::AtMostOne, Cardinality::Any] {
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
