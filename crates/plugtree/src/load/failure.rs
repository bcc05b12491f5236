//! Why a provider did not answer, and the call that failed a plugin.

use crate::describe::socket_abi::ProviderErrorCase;
use crate::describe::{Limit, PluginId};

/// Why a provider did not answer; the socket ABI's `provider-error` cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProviderFailure {
    Trapped(String),
    Unavailable(String),
    LimitExceeded(Limit, String),
    Reentrant(String),
    BadHandle(String),
    /// A provider behind one of the plugin's plain sockets failed, and so
    /// did the plugin's call: a plain socket's failure is its consumer's.
    ProviderFailed(Box<PlainFailure>),
}

/// A provider's failure on a plain socket: the consumer's import returns it
/// as its error, so the consumer traps with it and [`classify`] finds it.
///
/// [`classify`]: super::limits::classify
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("its provider `{provider}` failed in `{function}` behind a plain socket: {failure}")]
pub(crate) struct PlainFailure {
    pub provider: PluginId,
    pub function: String,
    pub failure: ProviderFailure,
}

impl std::fmt::Display for ProviderFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderFailure::Trapped(m)
            | ProviderFailure::Unavailable(m)
            | ProviderFailure::LimitExceeded(_, m)
            | ProviderFailure::Reentrant(m)
            | ProviderFailure::BadHandle(m) => write!(f, "{}: {m}", self.case().wit_name()),
            ProviderFailure::ProviderFailed(plain) => write!(f, "trapped: {plain}"),
        }
    }
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
            // The consumer's own call trapped.
            ProviderFailure::ProviderFailed(_) => ProviderErrorCase::Trapped,
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
            ProviderFailure::ProviderFailed(plain) => plain.to_string(),
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
