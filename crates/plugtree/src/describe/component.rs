//! Reading a component: its binary (or text) and the interfaces its own
//! embedded types say it exports and imports, into a [`DescribedPlugin`].

use wit_parser::decoding::{DecodedWasm, decode};
use wit_parser::{WorldItem, WorldKey};

use super::error::PluginError;
use super::plugin::{DescribedPlugin, Import, PluginSource};
use super::plugin_id::PluginId;
use super::wit::{ReadError, read_interface};

/// Reads a plugin's component and the interfaces it exports and imports.
pub(crate) fn describe_plugin(
    id: PluginId,
    source: &PluginSource,
) -> Result<DescribedPlugin, PluginError> {
    let raw =
        match source {
            PluginSource::Path(path) => std::fs::read(path).map_err(|source| {
                PluginError::Read { plugin: id.clone(), path: path.clone(), source }
            })?,
            PluginSource::Bytes(bytes) => bytes.clone(),
        };
    let invalid = |message: String| PluginError::InvalidComponent { plugin: id.clone(), message };
    let binary = wat::parse_bytes(&raw).map_err(|e| invalid(e.to_string()))?.into_owned();
    let (resolve, world) = match decode(&binary).map_err(|e| invalid(format!("{e:#}")))? {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => {
            return Err(invalid("this is a WIT package, not a component".into()));
        }
    };
    let world = &resolve.worlds[world];
    let read = |key: &WorldKey, item: &WorldItem| -> Result<Option<Import>, PluginError> {
        let name = resolve.name_world_key(key);
        match item {
            WorldItem::Interface { .. } if super::grants::is_wasi(&name) => {
                Ok(Some(Import::Wasi(name)))
            }
            WorldItem::Interface { id: iface, .. } => read_interface(&resolve, *iface, &name)
                .map(|i| Some(Import::Interface(i)))
                .map_err(|e| unsupported(&id, &name, e)),
            WorldItem::Function(f) => Ok(Some(Import::Other(f.name.clone()))),
            WorldItem::Type { .. } => Ok(None),
        }
    };
    let mut imports = Vec::new();
    for (key, item) in &world.imports {
        imports.extend(read(key, item)?);
    }
    let mut exports = Vec::new();
    for (key, item) in &world.exports {
        if let Some(Import::Interface(i)) = read(key, item)? {
            exports.push(i);
        }
    }
    Ok(DescribedPlugin { id, component: binary.into(), exports, imports })
}

fn unsupported(plugin: &PluginId, interface: &str, e: ReadError) -> PluginError {
    let (function, reason) = match e {
        ReadError::Async { function } => {
            (function, "async functions are not supported".to_string())
        }
        ReadError::Type { function, source } => (function, source.to_string()),
    };
    PluginError::UnsupportedFunction {
        plugin: plugin.clone(),
        interface: interface.to_string(),
        function,
        reason,
    }
}
