//! Socket linking: host functions that forward a consumer's call to the
//! providers plugged into its socket and answer in the socket ABI's shape,
//! or, on a plain socket, with the provider's own answer (its failure
//! returned as the import's error, which traps the consumer).

use std::sync::Arc;

use wasmtime::StoreContextMut;

use wasmtime::component::{Linker, ResourceAny, ResourceType, Val};

use super::fast::{FastParams, FastShape, FastValue, ProviderError, ShapeVisitor};
use super::handles::{Kinds, ProxyTable, Unwrapped, unwrap, wrap};
use super::limits::check_transfer;

use super::failure::{PlainFailure, ProviderFailure};
use super::plugin::LoadedPlugin;
use super::slot::PluginSlot;
use super::socket::{Crossing, Gathered, SocketFunction, fan_out};
use super::store::PluginState;
use crate::describe::{Cardinality, Limit, PluginId};
use crate::host::Caller;

/// The providers behind one socket function of a consumer.
#[derive(Clone)]
pub(crate) struct SocketTarget {
    /// The consumer these functions are linked for: every call through them
    /// is its call (a host plug's [`Caller`]), known here and nowhere else.
    pub consumer: PluginId,
    pub cardinality: Cardinality,
    /// Whether its fan-out calls the providers at once (`TreeBuilder::parallel`).
    pub parallel: bool,
    pub providers: Arc<[Arc<PluginSlot>]>,
    pub function: SocketFunction,
    /// Imported in the interface's own form (an `exactly-one` socket only).
    pub plain: bool,
    /// Set when the function passes resources: the consumer's proxies.
    pub handles: Option<HandleContext>,
}

/// What a socket function needs to carry resources across.
#[derive(Clone)]
pub(crate) struct HandleContext {
    pub table: Arc<ProxyTable>,
    pub interface: Arc<str>,
    pub kinds: Arc<Kinds>,
}

/// A consumer's side of a call: its proxies are swapped for the providers'
/// handles and back, and an answer must fit in what its memory may still
/// grow by (else `limit-exceeded`, instead of a trap in the consumer while
/// wasmtime copies it in).
struct ConsumerCrossing<'s, 'a> {
    store: &'s mut StoreContextMut<'a, PluginState>,
    handles: Option<&'s HandleContext>,
    unwrapped: Unwrapped,
    /// Why the arguments' handles were refused before any provider ran.
    refused: Option<String>,
    room: Option<usize>,
    consumed: bool,
}

impl Crossing for ConsumerCrossing<'_, '_> {
    fn owner(&self) -> Option<Arc<LoadedPlugin>> {
        if self.refused.is_some() {
            return None;
        }
        self.unwrapped.handles.first().map(|(entry, _)| entry.owner.clone())
    }

    fn admit(&mut self, provider: &LoadedPlugin) -> Result<(), String> {
        if let Some(reason) = &self.refused {
            return Err(reason.clone());
        }
        self.unwrapped.check_owner(provider)?;
        self.consumed = true;
        Ok(())
    }

    fn receive(
        &mut self,
        provider: &Arc<LoadedPlugin>,
        value: Val,
    ) -> Result<Val, ProviderFailure> {
        let value = match self.handles {
            None => value,
            Some(cx) => {
                let kind_of = |owner: &LoadedPlugin, r: &ResourceAny| {
                    owner.resource_name(r).and_then(|n| cx.kinds.get(&cx.interface, n))
                };
                wrap(value, provider, &kind_of, self.store, &cx.table)
                    .map_err(ProviderFailure::BadHandle)?
            }
        };
        if let Some(left) = self.room.as_mut() {
            let size = guest_bytes(&value);
            if size > *left {
                return Err(ProviderFailure::LimitExceeded(
                    Limit::Memory,
                    too_big(&provider.id, size, *left),
                ));
            }
            *left -= size;
        }
        Ok(value)
    }
}

/// Each provider's answer, with its id, as a socket of its cardinality keeps them.
type Answers = Gathered<Result<Option<Val>, ProviderFailure>>;

impl SocketTarget {
    /// Calls the providers through the [`fan_out`] and shapes their answers
    /// as the socket ABI says.
    fn call_abi(&self, store: &mut StoreContextMut<'_, PluginState>, params: &[Val]) -> Val {
        match self.call(store, params) {
            Ok(answers) => abi_answer(answers),
            Err(failure) => provider_result(Err(failure)),
        }
    }

    /// Calls the one provider of a plain socket: its answer, or its failure
    /// as the error that traps the consumer.
    fn call_plain(
        &self,
        store: &mut StoreContextMut<'_, PluginState>,
        params: &[Val],
    ) -> Result<Option<Val>, PlainFailure> {
        match self.call(store, params) {
            Ok(Gathered::One(Some((_, Ok(value))))) => Ok(value),
            Ok(Gathered::One(Some((provider, Err(failure))))) => {
                Err(self.plain_failure(Some(provider), failure))
            }
            Ok(_) => Err(self.plain_failure(None, no_provider())),
            Err(failure) => Err(self.plain_failure(None, failure)),
        }
    }

    /// A provider's failure on this plain socket, naming the provider.
    #[cold]
    fn plain_failure(&self, provider: Option<PluginId>, failure: ProviderFailure) -> PlainFailure {
        let provider = provider
            .or_else(|| self.providers.first().map(|slot| slot.id.clone()))
            .unwrap_or_else(|| PluginId::new("(none)"));
        PlainFailure { provider, function: self.function.name.to_string(), failure }
    }

    /// Calls the providers through the [`fan_out`]; `Err` when a method's
    /// `self` no provider owns, saying why.
    fn call(
        &self,
        store: &mut StoreContextMut<'_, PluginState>,
        params: &[Val],
    ) -> Result<Answers, ProviderFailure> {
        let room = LoadedPlugin::memory_left(store.data());
        let mut crossing = ConsumerCrossing {
            store,
            handles: self.handles.as_ref(),
            unwrapped: Unwrapped::default(),
            refused: None,
            room,
            consumed: false,
        };
        let owned_params;
        let params = match self.handles.as_ref() {
            None => params,
            Some(cx) => {
                let converted: Result<Vec<Val>, String> = params
                    .iter()
                    .cloned()
                    .map(|v| unwrap(v, crossing.store, &cx.table, &mut crossing.unwrapped))
                    .collect();
                match converted {
                    Ok(p) => owned_params = p,
                    // Refused before any provider runs: each would-be callee says why.
                    Err(reason) => {
                        crossing.refused = Some(reason);
                        owned_params = Vec::new();
                    }
                }
                &owned_params[..]
            }
        };
        let mut answers = Gathered::new(self.function.shaped_by(self.cardinality));
        let called = fan_out(
            Caller::Plugin(&self.consumer),
            self.cardinality,
            self.parallel,
            &self.function,
            self.providers.iter().map(|slot| slot.borrow()),
            params,
            &mut crossing,
            |id, answer| answers.push(id, answer),
        );
        let ConsumerCrossing { unwrapped, refused, consumed, .. } = crossing;
        unwrapped.drop_unconsumed(consumed);
        if called.is_err() {
            // A method whose `self` no provider owns: its one answer says why.
            let reason = refused.unwrap_or_else(|| "no provider owns the handle".into());
            return Err(ProviderFailure::BadHandle(reason));
        }
        Ok(answers)
    }
}

/// Why an `exactly-one` socket has no answer: none of its providers loaded.
fn no_provider() -> ProviderFailure {
    ProviderFailure::Unavailable("no provider is loaded".into())
}

/// The providers' answers (each a `result<T, provider-error>`) shaped as the
/// socket ABI says for their cardinality.
fn abi_answer(answers: Answers) -> Val {
    match answers {
        Gathered::One(answer) => {
            provider_result(answer.map_or_else(|| Err(no_provider()), |a| a.1))
        }
        Gathered::Maybe(answer) => Val::Option(answer.map(|(_, a)| Box::new(provider_result(a)))),
        Gathered::All(all) => Val::List(
            all.into_iter()
                .map(|(p, a)| Val::Tuple(vec![Val::String(p.to_string()), provider_result(a)]))
                .collect(),
        ),
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
        Val::Variant(_, Some(v))
        | Val::Option(Some(v))
        | Val::Result(Ok(Some(v)) | Err(Some(v))) => WORD + guest_bytes(v),
        _ => WORD,
    }
}

/// Why an answer of `size` bytes from `plugin` is refused when the consumer's
/// memory can grow by `left` bytes only.
fn too_big(plugin: &PluginId, size: usize, left: usize) -> String {
    format!(
        "the answer of plugin `{plugin}` takes {size} bytes; the consumer's memory can grow by {left} bytes only"
    )
}

/// `result<T, provider-error>` for one provider's answer.
fn provider_result(answer: Result<Option<Val>, ProviderFailure>) -> Val {
    Val::Result(match answer {
        Ok(value) => Ok(value.map(Box::new)),
        Err(failure) => {
            let (case, message) = (failure.case(), failure.into_message());
            Err(Some(Box::new(Val::Variant(
                case.wit_name().to_string(),
                Some(Box::new(Val::String(message))),
            ))))
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
    if let Some(shape) = target.function.shape
        && target.cardinality == Cardinality::ExactlyOne
        && target.handles.is_none()
        && !target.function.to_owner
    {
        return shape.visit(DefineFast { linker, interface, function, target });
    }
    linker.instance(interface)?.func_new(function, move |mut store, _ty, params, results| {
        // What the consumer sends counts against its transfer limit.
        store.data().limiter.check_transfer(params)?;
        match results.first_mut() {
            _ if target.plain => {
                let answer = target.call_plain(&mut store, params)?;
                if let (Some(slot), Some(value)) = (results.first_mut(), answer) {
                    *slot = value;
                }
            }
            Some(slot) => *slot = target.call_abi(&mut store, params),
            None => {}
        }
        Ok(())
    })
}

/// Defines a socket interface's resource in a consumer's linker as a proxy
/// kind whose destructor drops the provider's resource.
pub(crate) fn define_socket_resource(
    linker: &mut Linker<PluginState>,
    interface: &str,
    resource: &str,
    kind: u32,
    table: Arc<ProxyTable>,
) -> wasmtime::Result<()> {
    linker.instance(interface)?.resource(
        resource,
        ResourceType::host_dynamic(kind),
        move |_store, rep| {
            if let Some(entry) = table.take(rep) {
                // A destructor's failure is kept on its plugin, which then answers no more.
                let _ = entry.owner.drop_resource(entry.resource);
            }
            Ok(())
        },
    )
}

impl SocketTarget {
    /// An `exactly-one` socket's call through the typed fast path, with the
    /// same answers as [`SocketTarget::call_abi`] gives for these shapes.
    fn call_fast<S: FastShape>(
        &self,
        store: &StoreContextMut<'_, PluginState>,
        params: S::Params,
    ) -> Result<S::Result, ProviderFailure> {
        // The consumer is paused inside this call: its memory cannot grow meanwhile.
        let room = LoadedPlugin::memory_left(store.data());
        let Some(slot) = self.providers.first() else {
            return Err(no_provider());
        };
        let provider = slot.borrow();
        let caller = Caller::Plugin(&self.consumer);
        let answer = provider.call_fast::<S>(caller, self.function.index, params)?;
        let size = answer.bytes();
        match room {
            Some(left) if size > left => Err(ProviderFailure::LimitExceeded(
                Limit::Memory,
                too_big(&provider.id, size, left),
            )),
            _ => Ok(answer),
        }
    }
}

/// Defines a socket function of a fast shape with a typed `func_wrap`:
/// arguments and answers cross without a `Val` per element.
struct DefineFast<'a> {
    linker: &'a mut Linker<PluginState>,
    interface: &'a str,
    function: &'a str,
    target: SocketTarget,
}

impl ShapeVisitor for DefineFast<'_> {
    type Output = wasmtime::Result<()>;

    fn visit<S: FastShape>(self) -> Self::Output {
        let target = self.target;
        let mut instance = self.linker.instance(self.interface)?;
        if target.plain {
            return instance.func_wrap(
                self.function,
                move |store: StoreContextMut<'_, PluginState>, params: S::Params| {
                    check_transfer(params.bytes(), store.data().limiter.transfer())?;
                    match target.call_fast::<S>(&store, params) {
                        Ok(answer) => Ok((answer,)),
                        Err(failure) => Err(target.plain_failure(None, failure).into()),
                    }
                },
            );
        }
        instance.func_wrap(
            self.function,
            move |store: StoreContextMut<'_, PluginState>, params: S::Params| {
                check_transfer(params.bytes(), store.data().limiter.transfer())?;
                Ok((target.call_fast::<S>(&store, params).map_err(ProviderError::from),))
            },
        )
    }
}
