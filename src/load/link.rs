//! Socket linking: host functions that forward a consumer's call to the
//! providers plugged into its socket and answer in the socket ABI's shape.

use std::sync::Arc;

use wasmtime::component::{Linker, Val};

use super::plugin::{LoadedPlugin, PluginState, ProviderFailure};
use crate::describe::Cardinality;
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
    fn call_abi(&self, params: &[Val]) -> Val {
        let mut answers = self.providers.iter().map(|p| {
            let answer = p.call(self.function, params, self.has_result);
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

/// `result<T, provider-error>` for one provider's answer.
fn provider_result(answer: Result<Option<Val>, ProviderFailure>) -> Val {
    Val::Result(match answer {
        Ok(value) => Ok(value.map(Box::new)),
        Err(failure) => {
            let (case, message) = match failure {
                ProviderFailure::Trapped(m) => (PROVIDER_ERROR_CASES[0], m),
                ProviderFailure::Unavailable(m) => (PROVIDER_ERROR_CASES[1], m),
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
    linker.instance(interface)?.func_new(function, move |_store, _ty, params, results| {
        if let Some(slot) = results.first_mut() {
            *slot = target.call_abi(params);
        }
        Ok(())
    })
}
