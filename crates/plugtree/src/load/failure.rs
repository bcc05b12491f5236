//! Why a provider did not answer, and the call that failed a plugin.

use crate::describe::Limit;
use crate::describe::socket_abi::ProviderErrorCase;

/// Why a provider did not answer; the socket ABI's `provider-error` cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProviderFailure {
    Trapped(String),
    Unavailable(String),
    LimitExceeded(Limit, String),
    Reentrant(String),
    BadHandle(String),
}

impl ProviderFailure {
    /// Its case of the socket ABI's `provider-error`.
    pub fn case(&self) -> ProviderErrorCase {
        match self {
            ProviderFailure::Trapped(_) => ProviderErrorCase::Trapped,
            ProviderFailure::Unavailable(_) => ProviderErrorCase::Unavailable,
            ProviderFailure::LimitExceeded(..) => ProviderErrorCase::LimitExceeded,
            ProviderFailure::Reentrant(_) => ProviderErrorCase::ReentrantCall,
            ProviderFailure::BadHandle(_) => ProviderErrorCase::BadHandle,
        }
    }

    /// The message it carries.
    pub fn into_message(self) -> String {
        match self {
            ProviderFailure::Trapped(m)
            | ProviderFailure::Unavailable(m)
            | ProviderFailure::LimitExceeded(_, m)
            | ProviderFailure::Reentrant(m)
            | ProviderFailure::BadHandle(m) => m,
        }
    }
}

/// The call that made a plugin fail: which function, and how.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub function: String,
    pub failure: ProviderFailure,
}

/// Renders a wasmtime error with its causes on one line. The wasm backtrace
/// wasmtime attaches as context is left out: it is many lines of offsets.
pub(crate) fn error_chain(e: &wasmtime::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .filter(|m| !m.starts_with("error while executing at wasm backtrace"))
        .collect::<Vec<_>>()
        .join(": ")
}
