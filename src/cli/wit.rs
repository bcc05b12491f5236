//! `plugtree wit socket`: the WIT a consumer plugin imports for an interface.
//!
//! The app's WIT is read again here (the library's catalog keeps value types,
//! not WIT definitions) and the interface is printed with wit-component's
//! `WitPrinter`, every function result rewritten by the socket ABI of the
//! interface's cardinality (see `wit/plugtree-socket.wit`).

use std::path::Path;

use plugtree::Cardinality;
use plugtree::describe::socket_abi::{SOCKET_ABI_WIT, SOCKET_TYPES_INTERFACE, is_abi_interface};
use wit_component::{Output, WitPrinter};
use wit_parser::{InterfaceId, Resolve, Type, TypeDef, TypeDefKind, TypeOwner};

use super::Status;

/// Runs `plugtree wit socket INTERFACE`.
pub fn socket(manifest: &Path, interface: &str) -> Status {
    match socket_wit(manifest, interface) {
        Ok(text) => {
            print!("{text}");
            Status::Ok
        }
        Err(message) => {
            eprintln!("error: {message}");
            Status::Failed
        }
    }
}

/// The app interface named `name` (`pkg:ns/iface`).
pub(super) fn find(resolve: &Resolve, name: &str) -> Option<InterfaceId> {
    resolve
        .interfaces
        .iter()
        .map(|(id, _)| id)
        .find(|id| resolve.id_of(*id).as_deref() == Some(name))
}

fn socket_wit(manifest: &Path, name: &str) -> Result<String, String> {
    let manifest = plugtree::Manifest::from_path(manifest).map_err(|e| e.to_string())?;
    let mut resolve = Resolve::default();
    for path in &manifest.wit {
        resolve
            .push_path(path)
            .map_err(|e| format!("cannot read WIT from `{}`: {e:#}", path.display()))?;
    }
    if is_abi_interface(name) {
        return Err(format!("`{name}` belongs to plugtree's socket ABI, not to the app"));
    }
    let id = find(&resolve, name)
        .ok_or_else(|| format!("interface `{name}` is not defined in the app's WIT"))?;
    let abi = match find(&resolve, SOCKET_TYPES_INTERFACE) {
        Some(abi) => abi,
        None => {
            resolve
                .push_str("plugtree-socket.wit", SOCKET_ABI_WIT)
                .map_err(|e| format!("cannot read plugtree's socket ABI: {e:#}"))?;
            find(&resolve, SOCKET_TYPES_INTERFACE)
                .ok_or("plugtree's socket ABI has no types interface")?
        }
    };
    let cardinality = manifest.cardinality.get(name).copied().unwrap_or_default();
    rewrite(&mut resolve, id, abi, cardinality)?;

    let mut printer = WitPrinter::default();
    let package = resolve.interfaces[id].package.ok_or("the interface has no package")?;
    let short_name = resolve.interfaces[id].name.clone().ok_or("the interface has no name")?;
    printer.print_package_outer(&resolve.packages[package]).map_err(|e| e.to_string())?;
    printer.output.semicolon();
    printer.output.newline();
    printer.print_interface_outer(&resolve, id, &short_name).map_err(|e| e.to_string())?;
    printer.output.indent_start();
    printer.print_interface(&resolve, id).map_err(|e| e.to_string())?;
    printer.output.indent_end();
    let header = format!(
        "// `{name}` as a plugin imports it on a socket ({cardinality}): the socket ABI.\n\
         // Put plugtree's wit/plugtree-socket.wit before this package on your WIT path.\n"
    );
    Ok(format!("{header}{}\n", String::from(printer.output).trim_end()))
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

/// Adds `use plugtree:socket/types@0.1.0.{provider-error}` to the interface
/// and rewrites every function's result by `cardinality`.
pub(super) fn rewrite(
    resolve: &mut Resolve,
    id: InterfaceId,
    abi: InterfaceId,
    cardinality: Cardinality,
) -> Result<(), String> {
    let provider_error = *resolve.interfaces[abi]
        .types
        .get("provider-error")
        .ok_or("no `provider-error` in the socket ABI")?;
    if resolve.interfaces[id].types.contains_key("provider-error") {
        return Err(
            "the interface defines its own `provider-error`, which the socket ABI needs".into()
        );
    }
    let local = resolve.types.alloc(TypeDef {
        name: Some("provider-error".into()),
        owner: TypeOwner::Interface(id),
        ..anonymous(TypeDefKind::Type(Type::Id(provider_error)))
    });
    resolve.interfaces[id].types.shift_insert(0, "provider-error".into(), local);
    let names: Vec<String> = resolve.interfaces[id].functions.keys().cloned().collect();
    for name in names {
        let Some(result) = resolve.interfaces[id].functions.get(&name).map(|f| f.result) else {
            continue;
        };
        let one = resolve.types.alloc(anonymous(TypeDefKind::Result(wit_parser::Result_ {
            ok: result,
            err: Some(Type::Id(local)),
        })));
        let shaped = match cardinality {
            Cardinality::ExactlyOne => one,
            Cardinality::AtMostOne => {
                resolve.types.alloc(anonymous(TypeDefKind::Option(Type::Id(one))))
            }
            Cardinality::Any => {
                let pair = resolve.types.alloc(anonymous(TypeDefKind::Tuple(wit_parser::Tuple {
                    types: vec![Type::String, Type::Id(one)],
                })));
                resolve.types.alloc(anonymous(TypeDefKind::List(Type::Id(pair))))
            }
        };
        if let Some(f) = resolve.interfaces[id].functions.get_mut(&name) {
            f.result = Some(Type::Id(shaped));
        }
    }
    Ok(())
}
