//! A socket and the providers plugged into it: the one fan-out.
//!
//! Every call through a socket goes through [`fan_out`], whoever makes it: a
//! consumer's import (`link.rs`) or the host's call on the root (`dispatch`).
//! It owns the socket's rules:
//! - a method goes to the owner of `self`, whatever the cardinality;
//! - every other function goes to each provider a socket of its cardinality
//!   calls ([`called`]: a failed provider only on `exactly-one`, where it
//!   answers `unavailable`, and when every provider of `at-least-one` failed);
//! - a handle reaches only the plugin that owns it;
//! - every answer keeps the id of the plugin that gave it.
//!
//! The one exception is the typed fast path of a satisfied `exactly-one`
//! socket (`fast.rs`): it calls the socket's one provider directly, which is
//! what the fan-out would do, without `Val`s.
//!
//! Whether the providers satisfy the cardinality is checked once, at load,
//! by the same check for every socket ([`check_socket`](crate::resolve)): an
//! inner socket that fails it fails its consumer, and the root socket that
//! fails it refuses every dispatch ([`RootSocket::unsatisfied`]).

use std::ops::Deref;
use std::sync::Arc;

use wasmtime::component::Val;

use super::failure::ProviderFailure;
use super::fast::Shape;
use super::plugin::LoadedPlugin;
use super::slot::PluginSlot;
use crate::describe::{Cardinality, Function, FunctionKind, PluginId};
use crate::host::Caller;
use crate::resolve::Unsatisfied;

/// One function of a socket's interface as a call needs it, worked out at load.
#[derive(Debug, Clone)]
pub(crate) struct SocketFunction {
    /// Its name in the interface, for messages.
    pub name: Arc<str>,
    /// Its number in the interface, and so in every provider's plug.
    pub index: usize,
    /// Whether it returns a value.
    pub has_result: bool,
    /// A method: only the owner of `self` answers.
    pub to_owner: bool,
    /// Whether its parameters or result carry resource handles.
    pub needs_handles: bool,
    /// Its typed fast path, if its shape has one.
    pub shape: Option<Shape>,
}

impl SocketFunction {
    /// Function number `index` of its interface, `f`.
    pub fn new(index: usize, f: &Function) -> Self {
        SocketFunction {
            name: Arc::from(f.name.as_str()),
            index,
            has_result: f.signature.result.is_some(),
            to_owner: matches!(f.kind, FunctionKind::Method { .. }),
            needs_handles: f.signature.needs_handles(),
            shape: Shape::of(&f.signature),
        }
    }

    /// The cardinality its answers are shaped by on a socket of
    /// `cardinality`: a method's answer is its one owner's.
    pub fn shaped_by(&self, cardinality: Cardinality) -> Cardinality {
        if self.to_owner { Cardinality::ExactlyOne } else { cardinality }
    }
}

/// How the caller's handles and memory take part in a call: a consumer swaps
/// its proxies for the providers' resources and back and has a memory limit;
/// the host passes the root plugins' own handles.
pub(crate) trait Crossing {
    /// The plugin that owns the call's first handle (a method's `self`).
    fn owner(&self) -> Option<Arc<LoadedPlugin>>;
    /// Hands the call's handles to `provider`; `Err` says why they may not
    /// go to it (a handle reaches only its owner).
    fn admit(&mut self, provider: &LoadedPlugin) -> Result<(), String>;
    /// `provider`'s answer as the caller receives it.
    fn receive(&mut self, provider: &Arc<LoadedPlugin>, value: Val)
    -> Result<Val, ProviderFailure>;
}

/// A method whose `self` no provider of the socket owns: nobody is called.
#[derive(Debug)]
pub(crate) struct NoOwner;

/// Calls `f` with `params` for `caller` (the consumer whose socket it is, or
/// the host) on the providers of a socket of `cardinality` (their instances
/// now, in declaration order) and gives each provider's answer to `answer`,
/// with the provider's id, as it comes. `parallel`: the providers run at
/// once on the fan-out threads, unless `f` passes resources (each handle's
/// crossing is the consumer's, in turn); answers still come in order.
#[allow(clippy::too_many_arguments)] // the one fan-out: every caller passes each
pub(crate) fn fan_out<P: Deref<Target = Arc<LoadedPlugin>>>(
    caller: Caller<'_>,
    cardinality: Cardinality,
    parallel: bool,
    f: &SocketFunction,
    instances: impl IntoIterator<Item = P>,
    params: &[Val],
    crossing: &mut impl Crossing,
    mut answer: impl FnMut(&PluginId, Result<Option<Val>, ProviderFailure>),
) -> Result<(), NoOwner> {
    if parallel && !f.needs_handles && !f.to_owner {
        let providers: Vec<P> = called(cardinality, instances).collect();
        // Admitted in turn on this thread: the crossing is the caller's.
        let admitted: Vec<Option<ProviderFailure>> = providers
            .iter()
            .map(|p| crossing.admit(p).err().map(ProviderFailure::BadHandle))
            .collect();
        let runs: Vec<&Arc<LoadedPlugin>> = providers
            .iter()
            .zip(&admitted)
            .filter(|(_, refused)| refused.is_none())
            .map(|(p, _)| &**p)
            .collect();
        let mut results = super::parallel::each(runs.len(), |i| {
            runs[i].call(caller, f.index, params, f.has_result)
        })
        .into_iter();
        for (p, refused) in providers.iter().zip(admitted) {
            let result = match refused {
                Some(failure) => Err(failure),
                None => results.next().unwrap_or_else(|| unreachable!("one result per run")),
            };
            let result = result.and_then(|value| match value {
                Some(value) => crossing.receive(p, value).map(Some),
                None => Ok(None),
            });
            answer(&p.id, result);
        }
        return Ok(());
    }
    let owner = if f.to_owner { Some(crossing.owner().ok_or(NoOwner)?) } else { None };
    let mut call = |p: &Arc<LoadedPlugin>| {
        let result = match crossing.admit(p) {
            Err(reason) => Err(ProviderFailure::BadHandle(reason)),
            // `self` was given out by an instance a restart replaced.
            Ok(()) if f.to_owner && p.was_restarted() => Err(ProviderFailure::BadHandle(format!(
                "the handle is from plugin `{}` before it was restarted: a restart loses every handle the instance gave out",
                p.id
            ))),
            Ok(()) => p.call(caller, f.index, params, f.has_result).and_then(|value| match value {
                Some(value) => crossing.receive(p, value).map(Some),
                None => Ok(None),
            }),
        };
        answer(&p.id, result);
    };
    match owner {
        Some(owner) => call(&owner),
        None => called(cardinality, instances).for_each(|p| call(&p)),
    }
    Ok(())
}

/// The providers a socket of `cardinality` calls for a function that is
/// not a method, among `instances` (in declaration order): the fan-out's
/// rule, also followed by the host's typed calls. A failed provider is
/// skipped, but on `exactly-one` (it answers `unavailable`) and on an
/// `at-least-one` socket whose every provider has failed (each answers why,
/// so the answer is never empty).
pub(crate) fn called<P: Deref<Target = Arc<LoadedPlugin>>>(
    cardinality: Cardinality,
    instances: impl IntoIterator<Item = P>,
) -> impl Iterator<Item = P> {
    let mut instances = instances.into_iter();
    let everyone = match cardinality {
        Cardinality::ExactlyOne => true,
        Cardinality::AtMostOne | Cardinality::Any => false,
        // Only this rare case collects the instances, to look at them twice.
        Cardinality::AtLeastOne => {
            let all: Vec<P> = instances.by_ref().collect();
            let none_works = all.iter().all(|p| p.is_failed());
            return Called::Collected(
                all.into_iter().filter(move |p| none_works || !p.is_failed()),
            );
        }
    };
    Called::Streamed(instances.filter(move |p| everyone || !p.is_failed()))
}

/// [`called`]'s two ways of going through the instances.
enum Called<S, C> {
    Streamed(S),
    Collected(C),
}

impl<P, S: Iterator<Item = P>, C: Iterator<Item = P>> Iterator for Called<S, C> {
    type Item = P;

    fn next(&mut self) -> Option<P> {
        match self {
            Called::Streamed(s) => s.next(),
            Called::Collected(c) => c.next(),
        }
    }
}

/// Answers kept as a socket of their cardinality keeps them: the first one
/// on `exactly-one` and `at-most-one` (where a satisfied socket has at most
/// one provider that answers), every one on `any` and `at-least-one`.
pub(crate) enum Gathered<T> {
    /// `exactly-one`: the answer (a satisfied socket always has it).
    One(Option<(PluginId, T)>),
    /// `at-most-one`: the answer, if a provider gave one.
    Maybe(Option<(PluginId, T)>),
    /// `any` and `at-least-one`: every answer, in declaration order.
    All(Vec<(PluginId, T)>),
}

impl<T> Gathered<T> {
    /// Nothing gathered yet, for answers shaped by `cardinality`.
    pub fn new(cardinality: Cardinality) -> Self {
        match cardinality {
            Cardinality::ExactlyOne => Gathered::One(None),
            Cardinality::AtMostOne => Gathered::Maybe(None),
            Cardinality::Any | Cardinality::AtLeastOne => Gathered::All(Vec::new()),
        }
    }

    /// Keeps `answer` from `plugin`.
    pub fn push(&mut self, plugin: &PluginId, answer: T) {
        match self {
            Gathered::One(slot @ None) | Gathered::Maybe(slot @ None) => {
                *slot = Some((plugin.clone(), answer))
            }
            Gathered::One(Some(_)) | Gathered::Maybe(Some(_)) => {}
            Gathered::All(all) => all.push((plugin.clone(), answer)),
        }
    }
}

/// The host's socket: the root interface and the plugins plugged into it,
/// checked like any consumer's socket.
pub(crate) struct RootSocket {
    /// The root interface.
    pub interface: Arc<str>,
    /// The root interface's cardinality.
    pub cardinality: Cardinality,
    /// Whether a fan-out on the root calls its providers at once.
    pub parallel: bool,
    /// The loaded root providers, in declaration order.
    pub slots: Arc<[Arc<PluginSlot>]>,
    /// Why the loaded providers do not satisfy the cardinality, if they do
    /// not: then no call is made, as a consumer with such a socket is not loaded.
    pub unsatisfied: Option<Unsatisfied>,
}

impl RootSocket {
    /// The socket's lack as a cardinality error: why it is unsatisfied, or
    /// (for a call that found no provider to answer) that nothing answers.
    pub fn lacking(&self) -> Unsatisfied {
        self.unsatisfied.clone().unwrap_or_else(|| Unsatisfied {
            consumer: None,
            interface: self.interface.to_string(),
            cardinality: self.cardinality,
            ready: Vec::new(),
            failed: self.slots.iter().map(|s| s.id.clone()).collect(),
        })
    }

    /// The one provider of a satisfied `exactly-one` root: what the typed
    /// fast path calls directly.
    pub fn sole(&self) -> Option<&PluginSlot> {
        match &*self.slots {
            [one] if self.cardinality == Cardinality::ExactlyOne && self.unsatisfied.is_none() => {
                Some(one)
            }
            _ => None,
        }
    }
}

/// A function of the root interface as the host's calls need it.
pub(crate) struct RootFunction {
    /// Its WIT description, which the host's arguments are checked against.
    pub function: Function,
    /// How the fan-out calls it.
    pub call: SocketFunction,
    /// The async type that keeps it from being called, if any.
    pub async_type: Option<String>,
}

impl RootFunction {
    /// The functions of `root` in `catalog`, in WIT order.
    pub fn all(catalog: &crate::describe::Catalog, root: &str) -> Vec<RootFunction> {
        let functions = catalog.get(root).map(|i| i.functions.as_slice()).unwrap_or_default();
        functions
            .iter()
            .enumerate()
            .map(|(index, f)| RootFunction {
                function: f.clone(),
                call: SocketFunction::new(index, f),
                async_type: f.signature.async_type().map(|t| t.to_string()),
            })
            .collect()
    }
}
