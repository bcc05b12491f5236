//! `plugtree wit socket`: the WIT a consumer plugin imports for an interface.
//!
//! The app's WIT is read again here (the library's catalog keeps value types,
//! not WIT definitions) and handed to the library's [`SocketWit`], which
//! rewrites the interface by the socket ABI's rules and prints it.

use std::path::Path;

use plugtree::SocketWit;
use wit_parser::Resolve;

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

fn socket_wit(manifest: &Path, name: &str) -> Result<String, String> {
    let manifest = plugtree::Manifest::from_path(manifest).map_err(|e| e.to_string())?;
    let mut resolve = Resolve::default();
    for path in &manifest.wit {
        resolve
            .push_path(path)
            .map_err(|e| format!("cannot read WIT from `{}`: {e:#}", path.display()))?;
    }
    let cardinality = manifest.cardinality.get(name).copied().unwrap_or_default();
    let mut wit = SocketWit::new(resolve).map_err(|e| explain(&e))?;
    let id = wit.interface(name).map_err(|e| explain(&e))?;
    wit.rewrite(id, cardinality).map_err(|e| explain(&e))?;
    let text = wit.interface_text(id).map_err(|e| explain(&e))?;
    Ok(format!(
        "// `{name}` as a plugin imports it on a socket ({cardinality}): the socket ABI.\n\
         // Put plugtree's crates/plugtree/wit/plugtree-socket.wit before this package on your WIT path.\n\
         {text}\n"
    ))
}

/// An error with its causes, on one line.
pub(super) fn explain(error: &(dyn std::error::Error + 'static)) -> String {
    super::Problem::new(None, error).one_line()
}
