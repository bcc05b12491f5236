//! Resources across plugin boundaries.
//!
//! A provider's resource lives in the provider's `Store`; a handle to it
//! cannot enter another store. A consumer therefore holds a *proxy*: a
//! host-defined resource (`ResourceType::host_dynamic(kind)`, one kind per
//! app resource) whose `rep` indexes the consumer's [`ProxyTable`], where the
//! entry is the provider's own handle and the plugin that owns it.
//!
//! Invariants: an entry exists exactly as long as the consumer's handle does
//! (created when a provider's `own` is handed to the consumer, removed when
//! the consumer drops the handle or passes it back as `own`); a handle only
//! ever reaches the plugin that owns it; dropping an entry drops the
//! provider's resource, so the provider's destructor runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime::StoreContextMut;
use wasmtime::component::{ResourceAny, ResourceDynamic, Val};

use super::plugin::LoadedPlugin;
use super::store::PluginState;

/// One proxied handle: the provider's resource and its owner.
#[derive(Clone)]
pub(crate) struct Proxied {
    pub owner: Arc<LoadedPlugin>,
    pub resource: ResourceAny,
}

/// The provider resources one consumer holds, indexed by proxy `rep`.
#[derive(Default)]
pub(crate) struct ProxyTable {
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    entries: Vec<Option<Proxied>>,
    free: Vec<u32>,
    live: usize,
}

impl ProxyTable {
    fn slots(&self) -> MutexGuard<'_, Slots> {
        // Entries are whole at every await-free point; a panic elsewhere cannot tear one.
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores an entry; returns its `rep`, or `None` when the table is full.
    pub fn insert(&self, entry: Proxied) -> Option<u32> {
        let mut slots = self.slots();
        slots.live += 1;
        if let Some(rep) = slots.free.pop() {
            slots.entries[rep as usize] = Some(entry);
            return Some(rep);
        }
        let rep = u32::try_from(slots.entries.len()).ok()?;
        slots.entries.push(Some(entry));
        Some(rep)
    }

    /// The entry behind `rep`, left in place (a borrow).
    pub fn get(&self, rep: u32) -> Option<Proxied> {
        self.slots().entries.get(rep as usize).cloned().flatten()
    }

    /// Removes the entry behind `rep` (an `own` handed back, or a drop).
    pub fn take(&self, rep: u32) -> Option<Proxied> {
        let mut slots = self.slots();
        let entry = slots.entries.get_mut(rep as usize)?.take()?;
        slots.free.push(rep);
        slots.live -= 1;
        Some(entry)
    }

    /// Removes every entry (a restart: the handles die with the instance).
    pub fn drain(&self) -> Vec<Proxied> {
        let mut slots = self.slots();
        let entries = std::mem::take(&mut slots.entries);
        slots.free.clear();
        slots.live = 0;
        entries.into_iter().flatten().collect()
    }

    /// How many handles the consumer holds now.
    pub fn len(&self) -> usize {
        self.slots().live
    }
}

/// The proxy kinds of a tree: one `host_dynamic` payload per app resource,
/// by interface, then resource name (looked up without allocating).
#[derive(Debug, Default)]
pub(crate) struct Kinds {
    by_interface: HashMap<String, HashMap<String, u32>>,
}

impl Kinds {
    /// Numbers every resource of every interface.
    pub fn new<'a>(resources: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let mut by_interface: HashMap<String, HashMap<String, u32>> = HashMap::new();
        let mut next = 0u32;
        for (interface, resource) in resources {
            by_interface
                .entry(interface.to_string())
                .or_default()
                .entry(resource.to_string())
                .or_insert_with(|| {
                    next = next.saturating_add(1);
                    next - 1
                });
        }
        Kinds { by_interface }
    }

    /// The kind of `interface`'s resource `resource`.
    pub fn get(&self, interface: &str, resource: &str) -> Option<u32> {
        self.by_interface.get(interface)?.get(resource).copied()
    }
}

/// A consumer's handles taken out of a call's arguments.
#[derive(Default)]
pub(crate) struct Unwrapped {
    /// Every handle passed, with whether it was `own` (moved out of the table).
    pub handles: Vec<(Proxied, bool)>,
}

impl Unwrapped {
    /// The plugin that owns every handle passed; `Err` names another owner
    /// when `plugin` is not it.
    pub fn check_owner(&self, plugin: &LoadedPlugin) -> Result<(), String> {
        match self.handles.iter().find(|(e, _)| !std::ptr::eq(Arc::as_ptr(&e.owner), plugin)) {
            None => Ok(()),
            Some((e, _)) if e.owner.id == plugin.id => Err(format!(
                "a handle passed to plugin `{}` is from its instance before a restart or reload",
                plugin.id
            )),
            Some((e, _)) => Err(format!(
                "a handle passed to plugin `{}` belongs to plugin `{}`",
                plugin.id, e.owner.id
            )),
        }
    }

    /// Drops every `own` handle that was not consumed by its owner.
    pub fn drop_unconsumed(self, consumed: bool) {
        if consumed {
            return;
        }
        for (entry, owned) in self.handles {
            if owned {
                // A destructor's failure is kept on its plugin.
                let _ = entry.owner.drop_resource(entry.resource);
            }
        }
    }
}

/// Rebuilds `value` with every resource handle in it replaced by `swap`'s answer.
fn map_resources(
    value: Val,
    swap: &mut dyn FnMut(ResourceAny) -> Result<Val, String>,
) -> Result<Val, String> {
    let mut go = |v: Val| map_resources(v, swap);
    Ok(match value {
        Val::Resource(any) => return swap(any),
        Val::List(items) => Val::List(items.into_iter().map(&mut go).collect::<Result<_, _>>()?),
        Val::Tuple(items) => Val::Tuple(items.into_iter().map(&mut go).collect::<Result<_, _>>()?),
        Val::Record(fields) => Val::Record(
            fields.into_iter().map(|(n, v)| Ok((n, go(v)?))).collect::<Result<_, String>>()?,
        ),
        Val::Variant(case, Some(v)) => Val::Variant(case, Some(Box::new(go(*v)?))),
        Val::Option(Some(v)) => Val::Option(Some(Box::new(go(*v)?))),
        Val::Result(Ok(Some(v))) => Val::Result(Ok(Some(Box::new(go(*v)?)))),
        Val::Result(Err(Some(v))) => Val::Result(Err(Some(Box::new(go(*v)?)))),
        other => other,
    })
}

/// Replaces the consumer's proxy handles in `value` by the providers' own
/// resources, recording them in `out`.
pub(crate) fn unwrap(
    value: Val,
    store: &mut StoreContextMut<'_, PluginState>,
    table: &ProxyTable,
    out: &mut Unwrapped,
) -> Result<Val, String> {
    map_resources(value, &mut |any| {
        let proxy = ResourceDynamic::try_from_resource_any(any, &mut *store)
            .map_err(|e| format!("not a handle plugtree gave out: {e}"))?;
        let owned = proxy.owned();
        let entry = if owned { table.take(proxy.rep()) } else { table.get(proxy.rep()) };
        let entry = entry.ok_or_else(|| "the handle was already dropped".to_string())?;
        let resource = entry.resource;
        out.handles.push((entry, owned));
        Ok(Val::Resource(resource))
    })
}

/// Replaces the resources `owner` returned in `value` by new proxy handles
/// of the consumer, of the kinds `kind_of` gives for the owner's resource types.
pub(crate) fn wrap(
    value: Val,
    owner: &Arc<LoadedPlugin>,
    kind_of: &dyn Fn(&LoadedPlugin, &ResourceAny) -> Option<u32>,
    store: &mut StoreContextMut<'_, PluginState>,
    table: &ProxyTable,
) -> Result<Val, String> {
    map_resources(value, &mut |resource| {
        let Some(kind) = kind_of(owner, &resource) else {
            let _ = owner.drop_resource(resource);
            return Err(format!(
                "plugin `{}` returned a resource it does not own; resources cannot be passed on through several plugins",
                owner.id
            ));
        };
        let rep = table
            .insert(Proxied { owner: owner.clone(), resource })
            .ok_or_else(|| "the consumer holds too many handles".to_string())?;
        let proxy = ResourceDynamic::new_own(rep, kind).try_into_resource_any(&mut *store);
        Ok(Val::Resource(
            proxy.map_err(|e| format!("cannot hand the resource to the consumer: {e}"))?,
        ))
    })
}
