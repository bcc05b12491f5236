//! Socket linking: host functions that forward a consumer's call to the
//! providers plugged into its socket and answer in the socket ABI's shape.

use std::sync::Arc;

use wasmtime::component::{Linker, Val};

use super::plugin::{LoadedPlugin, PluginState, ProviderFailure};
use crate::describe::{Cardinality, Limit};
use crate::describe::socket_abi::PROVIDER_ERROR_CASES;

/// The providers behind one socket function.
#[derive(Clone)]
pub(crate) struct SocketTarget {
    pub cardinality: Cardinality,
    pub providers: Arc<[Arc<LoadedPlugin>]>,
    pub function: usize,
    pub has_result: bool,
}

impl SocketTarget {
    /// Calls every provider and shapes the answers as the socket ABI says.
    ///
    /// A provider that failed earlier is left out of `at-most-one` and `any`
    /// sockets, as if it had never loaded; an `exactly-one` socket answers
    /// `unavailable`. `room` is how many bytes the consumer's memory may
    /// still grow by: an answer that cannot fit becomes `limit-exceeded`
    /// instead of trapping the consumer while wasmtime copies it in.
    fn call_abi(&self, params: &[Val], mut room: Option<usize>) -> Val {
        let mut answers = self.providers.iter().filter(|p| self.cardinality == Cardinality::ExactlyOne || !p.is_failed()).map(|p| {
            let mut answer = p.call(self.function, params, self.has_result);
            if let (Ok(Some(value)), Some(left)) = (&answer, room.as_mut()) {
                let size = guest_bytes(value);
                if size > *left {
                    let message = format!(
                        "the answer of plugin `{}` takes {size} bytes; the consumer's memory can grow by {left} bytes only",
                        p.id
                    );
                    answer = Err(ProviderFailure::LimitExceeded(Limit::Memory, message));
                } else {
                    *left -= size;
                }
            }
            (p, provider_result(answer))
        });
        match self.cardinality {
            Cardinality::ExactlyOne => answers.next().map(|(_, v)| v).unwrap_or_else(|| {
                provider_result(Err(ProviderFailure::Unavailable("no provider is loaded".into())))
            }),
            Cardinality::AtMostOne => Val::Option(answers.next().map(|(_, v)| Box::new(v))),
            Cardinality::Any => {
                Val::List(answers.map(|(p, v)| Val::Tuple(vec![Val::String(p.id.to_string()), v])).collect())
            }
        }
    }
}

/// Roughly the bytes a value takes once lowered into a guest's memory:
/// string and list contents plus a word per scalar and per pointer.
fn guest_bytes(value: &Val) -> usize {
    const WORD: usize = 8;
    match value {
        Val::String(s) => WORD + s.len(),
        Val::List(items) | Val::Tuple(items) => {
            let payload = match items.first() {
                // A list of scalars: one element's size times the length.
                Some(Val::U8(_) | Val::S8(_) | Val::Bool(_)) => items.len(),
                Some(Val::U16(_) | Val::S16(_)) => items.len() * 2,
                Some(Val::U32(_) | Val::S32(_) | Val::Float32(_) | Val::Char(_)) => items.len() * 4,
                Some(Val::U64(_) | Val::S64(_) | Val::Float64(_)) => items.len() * 8,
                _ => items.iter().map(guest_bytes).sum(),
            };
            WORD + payload
        }
        Val::Record(fields) => fields.iter().map(|(_, v)| guest_bytes(v)).sum(),
        Val::Variant(_, Some(v)) | Val::Option(Some(v)) | Val::Result(Ok(Some(v)) | Err(Some(v))) => WORD + guest_bytes(v),
        _ => WORD,
    }
}

/// `result<T, provider-error>` for one provider's answer.
fn provider_result(answer: Result<Option<Val>, ProviderFailure>) -> Val {
    Val::Result(match answer {
        Ok(value) => Ok(value.map(Box::new)),
        Err(failure) => {
            let (case, message) = match failure {
                ProviderFailure::Trapped(m) => (PROVIDER_ERROR_CASES[0], m),
                ProviderFailure::Unavailable(m) => (PROVIDER_ERROR_CASES[1], m),
                ProviderFailure::LimitExceeded(_, m) => (PROVIDER_ERROR_CASES[2], m),
                ProviderFailure::Reentrant(m) => (PROVIDER_ERROR_CASES[3], m),
            };
            Err(Some(Box::new(Val::Variant(case.to_string(), Some(Box::new(Val::String(message)))))))
        }
    })
}

/// Defines one socket function in a consumer's linker.
pub(crate) fn define_socket_function(
    linker: &mut Linker<PluginState>,
    interface: &str,
    function: &str,
    target: SocketTarget,
) -> wasmtime::Result<()> {
    linker.instance(interface)?.func_new(function, move |store, _ty, params, results| {
        if let Some(slot) = results.first_mut() {
            *slot = target.call_abi(params, LoadedPlugin::memory_left(store.data()));
        }
        Ok(())
    })
}
