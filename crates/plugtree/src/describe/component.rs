//! Reading a component: its binary (or text) and the interfaces its own
//! embedded types say it exports and imports, into a [`DescribedPlugin`].

use wit_parser::decoding::{DecodedWasm, decode};
use wit_parser::{WorldItem, WorldKey};

use std::io::Read;
use std::path::Path;

use super::error::{NotAComponent, PluginError};
use super::plugin::{DescribedPlugin, Import, PluginSource};
use super::plugin_id::PluginId;
use super::wit::{ReadError, read_interface};

/// Reads a plugin's component and the interfaces it exports and imports.
pub(crate) fn describe_plugin(
    id: PluginId,
    source: &PluginSource,
) -> Result<DescribedPlugin, PluginError> {
    let path = match source {
        PluginSource::Path(path) => Some(path.as_path()),
        PluginSource::Bytes(_) => None,
    };
    let not = |what: NotAComponent| PluginError::NotAComponent {
        plugin: id.clone(),
        path: path.map(Path::to_path_buf),
        what,
    };
    let raw = match source {
        PluginSource::Path(path) => read_file(path).map_err(|e| match e {
            FileError::Io(source) => {
                PluginError::Read { plugin: id.clone(), path: path.clone(), source }
            }
            FileError::Not(what) => not(what),
        })?,
        PluginSource::Bytes(bytes) => {
            sniff(bytes).map_err(not)?;
            bytes.clone()
        }
    };
    let invalid = |message: String| PluginError::InvalidComponent {
        plugin: id.clone(),
        message: excerpt(&message),
    };
    let binary = wat::Parser::new().parse_bytes(path, &raw).map_err(|e| invalid(e.to_string()))?;
    sections_fit(&binary).map_err(invalid)?;
    let (resolve, world) = match decode(&binary).map_err(|e| invalid(format!("{e:#}")))? {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => return Err(not(NotAComponent::WitPackage)),
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
    Ok(DescribedPlugin { id, component: binary.into_owned().into(), exports, imports })
}

/// Checks that every section, nested ones included, fits in the bytes there
/// are. wit-parser's `decode` reads through a buffer it first grows by the
/// size a section *declares*, so a 26 KB file declaring a 3 GB section took
/// 3 GB (a `components` fuzzer find); wasmparser over the whole slice
/// refuses such a section without allocating for it.
fn sections_fit(binary: &[u8]) -> Result<(), String> {
    for payload in wasmparser::Parser::new(0).parse_all(binary) {
        payload.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// How many bytes of a file are read to tell what it is before the rest.
const SNIFF: usize = 4096;

/// Why a component file could not be read.
enum FileError {
    Io(std::io::Error),
    Not(NotAComponent),
}

/// A component file's bytes, read only once its first [`SNIFF`] bytes (and
/// its type: a FIFO or a device is never opened) say it may be one.
fn read_file(path: &Path) -> Result<Vec<u8>, FileError> {
    let meta = std::fs::metadata(path).map_err(FileError::Io)?;
    if !meta.is_file() {
        return Err(FileError::Not(NotAComponent::NotAFile(file_kind(&meta.file_type()))));
    }
    let mut file = std::fs::File::open(path).map_err(FileError::Io)?;
    let mut bytes = Vec::with_capacity(SNIFF);
    (&mut file).take(SNIFF as u64).read_to_end(&mut bytes).map_err(FileError::Io)?;
    sniff(&bytes).map_err(FileError::Not)?;
    file.read_to_end(&mut bytes).map_err(FileError::Io)?;
    Ok(bytes)
}

fn file_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// What the start of a file says it is not: empty, a core module, or neither
/// binary WebAssembly nor text.
fn sniff(bytes: &[u8]) -> Result<(), NotAComponent> {
    const MAGIC: &[u8] = b"\0asm";
    const CORE_VERSION: [u8; 4] = [1, 0, 0, 0];
    let head = &bytes[..bytes.len().min(SNIFF)];
    if head.is_empty() {
        return Err(NotAComponent::Empty);
    }
    if let Some(rest) = head.strip_prefix(MAGIC) {
        return match rest.get(..4) {
            Some(version) if version == CORE_VERSION => Err(NotAComponent::CoreModule),
            _ => Ok(()),
        };
    }
    // Component text: UTF-8 (a character may be cut at the end of the head)
    // without control characters other than white space.
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Err(NotAComponent::NotWasm),
    };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(NotAComponent::NotWasm);
    }
    Ok(())
}

/// At most a few short lines of `message`, control characters escaped: a
/// decoder's message may quote the file it read.
pub(crate) fn excerpt(message: &str) -> String {
    const LINES: usize = 8;
    const WIDTH: usize = 160;
    let mut lines: Vec<String> = message
        .lines()
        .take(LINES)
        .map(|line| {
            let mut shown: String = line.chars().take(WIDTH).flat_map(char::escape_debug).collect();
            if line.chars().nth(WIDTH).is_some() {
                shown.push('…');
            }
            shown
        })
        .collect();
    if message.lines().nth(LINES).is_some() {
        lines.push("…".into());
    }
    lines.join("\n")
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
