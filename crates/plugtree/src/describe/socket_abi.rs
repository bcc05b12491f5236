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
//! | any, at-least-one | `f: func(…) -> list<tuple<string, result<T, provider-error>>>` |
//!
//! A method or constructor goes to one plugin, so it is shaped as on
//! `exactly-one` whatever the socket ([`function_cardinality`]). This module
//! is the one place of these rules: [`consumer_signature`] applies them to a
//! [`Signature`] (what plugtree checks a consumer's imports against), and
//! [`SocketWit`](super::socket_wit::SocketWit) to WIT text (what `plugtree wit socket` and `plugtree new`
//! write for plugin authors).

use super::interface::{Cardinality, FunctionKind};
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
        Cardinality::Any | Cardinality::AtLeastOne => {
            ValueType::List(Box::new(ValueType::Tuple(vec![ValueType::String, one])))
        }
    };
    Signature { params: signature.params.clone(), result: Some(result) }
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
}
