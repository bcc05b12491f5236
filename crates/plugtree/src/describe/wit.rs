//! Reading WIT into the data of `interface.rs`: the app's interfaces into a
//! [`Catalog`], and one interface of any resolved WIT graph (a component's
//! embedded types too) into an [`Interface`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wit_parser::{FunctionKind as WitKind, InterfaceId, Resolve, TypeDefKind};

use super::error::DescribeError;
use super::interface::{Cardinality, Catalog, Function, FunctionKind, Interface};
use super::socket_abi::is_abi_interface;
use super::types::{Signature, UnknownType, value_type};

impl Catalog {
    /// Reads every interface of the WIT packages at `paths` (files or folders,
    /// as `wit_parser::Resolve::push_path` takes them). All get the default
    /// cardinality, [`Cardinality::ExactlyOne`].
    ///
    /// # Errors
    /// [`DescribeError::Wit`] when a path cannot be read or parsed, and
    /// [`DescribeError::UnsupportedFunction`] for a function plugtree cannot link.
    pub fn from_wit_paths<P: AsRef<Path>>(
        paths: impl IntoIterator<Item = P>,
    ) -> Result<Self, DescribeError> {
        let mut resolve = Resolve::default();
        for path in paths {
            let path = path.as_ref();
            resolve.push_path(path).map_err(|e| DescribeError::Wit {
                source_name: path.display().to_string(),
                message: format!("{e:#}"),
            })?;
        }
        Self::from_resolve(&resolve)
    }

    /// Reads every interface of one WIT document given as text.
    ///
    /// # Errors
    /// As [`Catalog::from_wit_paths`].
    pub fn from_wit_text(source_name: &str, text: &str) -> Result<Self, DescribeError> {
        let mut resolve = Resolve::default();
        resolve.push_str(PathBuf::from(source_name), text).map_err(|e| DescribeError::Wit {
            source_name: source_name.to_string(),
            message: format!("{e:#}"),
        })?;
        Self::from_resolve(&resolve)
    }

    /// Reads every named interface of a resolved WIT graph, except plugtree's
    /// own socket-ABI package.
    ///
    /// # Errors
    /// [`DescribeError::UnsupportedFunction`] for a function plugtree cannot link.
    pub(crate) fn from_resolve(resolve: &Resolve) -> Result<Self, DescribeError> {
        let mut interfaces = BTreeMap::new();
        for (id, _) in resolve.interfaces.iter() {
            let Some(name) = resolve.id_of(id) else { continue };
            if is_abi_interface(&name) {
                continue;
            }
            let interface = read_interface(resolve, id, &name).map_err(|e| match e {
                ReadError::Async { function } => DescribeError::UnsupportedFunction {
                    interface: name.clone(),
                    function,
                    reason: "async functions are not supported".into(),
                },
                ReadError::Type { function, source } => DescribeError::UnsupportedFunction {
                    interface: name.clone(),
                    function,
                    reason: source.to_string(),
                },
            })?;
            interfaces.insert(name, interface);
        }
        Ok(Catalog { interfaces })
    }
}

/// Why one WIT interface could not be read.
pub(crate) enum ReadError {
    Async { function: String },
    Type { function: String, source: UnknownType },
}

/// Reads one interface of a resolved WIT graph (an app's WIT or a component's
/// embedded types) with the default cardinality.
pub(crate) fn read_interface(
    resolve: &Resolve,
    id: InterfaceId,
    name: &str,
) -> Result<Interface, ReadError> {
    let iface = &resolve.interfaces[id];
    let resources = iface
        .types
        .iter()
        .filter(|(_, ty)| matches!(resolve.types[**ty].kind, TypeDefKind::Resource))
        .map(|(name, _)| name.clone())
        .collect();
    let functions =
        iface.functions.values().map(|f| read_function(resolve, f)).collect::<Result<_, _>>()?;
    Ok(Interface {
        name: name.to_string(),
        cardinality: Cardinality::default(),
        functions,
        resources,
        parallel: false,
    })
}

/// A WIT function kind as plugtree's; `None` for an async function.
pub(crate) fn function_kind(resolve: &Resolve, kind: &WitKind) -> Option<FunctionKind> {
    let resource = |id: &wit_parser::TypeId| resolve.types[*id].name.clone().unwrap_or_default();
    Some(match kind {
        // Accessors (`get`/`set`) are functions of their kind at the ABI.
        WitKind::Freestanding | WitKind::Getter | WitKind::Setter => FunctionKind::Freestanding,
        WitKind::Method(id) | WitKind::MethodGetter(id) | WitKind::MethodSetter(id) => {
            FunctionKind::Method { resource: resource(id) }
        }
        WitKind::Static(id) | WitKind::StaticGetter(id) | WitKind::StaticSetter(id) => {
            FunctionKind::Static { resource: resource(id) }
        }
        WitKind::Constructor(id) => FunctionKind::Constructor { resource: resource(id) },
        WitKind::AsyncFreestanding | WitKind::AsyncMethod(_) | WitKind::AsyncStatic(_) => {
            return None;
        }
    })
}

fn read_function(resolve: &Resolve, f: &wit_parser::Function) -> Result<Function, ReadError> {
    let kind = function_kind(resolve, &f.kind)
        .ok_or_else(|| ReadError::Async { function: f.name.clone() })?;
    let type_error = |source| ReadError::Type { function: f.name.clone(), source };
    let params = f
        .params
        .iter()
        .map(|p| Ok((p.name.clone(), value_type(resolve, &p.ty).map_err(type_error)?)))
        .collect::<Result<_, ReadError>>()?;
    let result =
        f.result.as_ref().map(|t| value_type(resolve, t).map_err(type_error)).transpose()?;
    Ok(Function { name: f.name.clone(), kind, signature: Signature { params, result } })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn wit_files_and_folders_are_read_into_one_catalog() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let chain = repo.join("test-components/wit/app/chain.wit");
        let host = Path::new(env!("CARGO_MANIFEST_DIR")).join("wit/host");
        let catalog = Catalog::from_wit_paths([&chain, &host]).expect("both read");
        let names: Vec<&str> = catalog.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "plugtree:host/kv",
                "plugtree:host/log",
                "test:chain/bottom",
                "test:chain/mid",
                "test:chain/top",
            ]
        );
        let depth = catalog.get("test:chain/top").and_then(|i| i.function("depth"));
        assert_eq!(depth.map(|f| f.signature.to_string()), Some("func() -> u32".into()));
        // The socket ABI's own package is never an app interface.
        let abi = Path::new(env!("CARGO_MANIFEST_DIR")).join("wit/plugtree-socket.wit");
        assert!(Catalog::from_wit_paths([abi]).expect("read").iter().next().is_none());
        let missing = Catalog::from_wit_paths([repo.join("no/such.wit")]).expect_err("no file");
        assert!(
            matches!(&missing, DescribeError::Wit { source_name, .. } if source_name.ends_with("no/such.wit")),
            "{missing}"
        );
    }
}
