//! Checks dispatch arguments against the function's WIT before any plugin runs.

use wasmtime::component::Val;

use super::DispatchError;
use crate::describe::Function;
use crate::describe::val_check::{describe, matches};

/// Checks the number and types of `args`.
pub(super) fn arguments(f: &Function, args: &[Val]) -> Result<(), DispatchError> {
    let params = &f.signature.params;
    if params.len() != args.len() {
        return Err(DispatchError::ArgumentCount {
            function: f.name.clone(),
            expected: params.len(),
            found: args.len(),
        });
    }
    for ((name, ty), arg) in params.iter().zip(args) {
        if !matches(arg, ty) {
            return Err(DispatchError::ArgumentType {
                function: f.name.clone(),
                param: name.clone(),
                expected: Box::new(ty.clone()),
                found: describe(arg),
            });
        }
    }
    Ok(())
}
