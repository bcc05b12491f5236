//! The table of a host plug's resources ([`Objects`]): values kept by a
//! number never reused, handed out as tokens — synthetic `borrow` handles
//! (`ResourceDynamic::new_borrow`, which keep no state in any store) of a
//! kind unique to the plug's resource, so a consumer's proxy carries one as
//! it carries a component's own handle.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

use wasmtime::component::{ResourceAny, ResourceDynamic, ResourceType};
use wasmtime::{Engine, Store};

use crate::describe::ResourceName;
use crate::host::{Object, Objects};

/// The resources one host plug has handed out, and the store its tokens
/// are made in (wasmtime's conversions want one; tokens keep nothing there).
pub(crate) struct HostObjects {
    /// Each WIT resource of the plug's interface, with the kind of its tokens.
    kinds: Vec<(ResourceName, u32)>,
    table: Mutex<Table>,
}

struct Table {
    store: Store<()>,
    live: HashMap<u32, Object>,
    /// The next token's number; numbers are never reused, so a stale token
    /// finds nothing rather than another object.
    next: u32,
}

/// Token kinds, unique in the process: one host plug's tokens are never
/// taken for another's, nor for a consumer's proxies (numbered from 0).
static NEXT_KIND: AtomicU32 = AtomicU32::new(1 << 31);

impl HostObjects {
    /// A table for the resources `resources` of a host plug's interface.
    pub fn new(engine: &Engine, resources: impl IntoIterator<Item = ResourceName>) -> Self {
        let kinds =
            resources.into_iter().map(|r| (r, NEXT_KIND.fetch_add(1, Ordering::Relaxed))).collect();
        let table = Table { store: Store::new(engine, ()), live: HashMap::new(), next: 0 };
        HostObjects { kinds, table: Mutex::new(table) }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        // Each operation leaves the table whole; a panic elsewhere cannot tear it.
        self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The WIT name of `token`'s resource, if it is one of this plug's.
    pub fn resource_name(&self, token: &ResourceAny) -> Option<&str> {
        let ty = token.ty();
        self.kinds
            .iter()
            .find(|(_, kind)| ResourceType::host_dynamic(*kind) == ty)
            .map(|(name, _)| name.name.as_str())
    }

    /// The number behind one of this plug's tokens.
    fn number(&self, table: &mut Table, token: ResourceAny) -> Option<u32> {
        self.resource_name(&token)?;
        ResourceDynamic::try_from_resource_any(token, &mut table.store).ok().map(|r| r.rep())
    }

    /// The token types, one per resource.
    pub fn resource_types(&self) -> impl Iterator<Item = ResourceType> + '_ {
        self.kinds.iter().map(|(_, kind)| ResourceType::host_dynamic(*kind))
    }
}

impl Objects for HostObjects {
    fn insert(&self, name: &ResourceName, object: Object) -> Option<ResourceAny> {
        let kind = self.kinds.iter().find(|(n, _)| n == name)?.1;
        let mut table = self.table();
        let number = table.next;
        table.next = number.checked_add(1)?;
        let token =
            ResourceDynamic::new_borrow(number, kind).try_into_resource_any(&mut table.store);
        let token = token.ok()?;
        table.live.insert(number, object);
        Some(token)
    }

    fn get(&self, token: ResourceAny) -> Option<Object> {
        let mut table = self.table();
        let number = self.number(&mut table, token)?;
        table.live.get(&number).cloned()
    }

    fn take(&self, token: ResourceAny) -> Option<Object> {
        let mut table = self.table();
        let number = self.number(&mut table, token)?;
        table.live.remove(&number)
    }
}
