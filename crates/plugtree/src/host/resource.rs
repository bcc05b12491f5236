//! Host resources: Rust values a host plug hands out as WIT resources.
//!
//! A host plug's resource lives in the plug's table of objects ([`Objects`],
//! kept by `load`). What crosses to a consumer is a token, a handle the
//! loader's proxies carry exactly as they carry a component's resource: the
//! consumer gets a proxy of its own, the same ownership checks refuse it to
//! any other provider, and dropping the proxy drops the object (its Rust
//! `Drop` is the destructor).
//!
//! Typed host functions take [`Own<T>`] and [`Borrow<T>`] and return
//! [`Own<T>`]; while a host plug's function runs, a thread-local scope names
//! its table, which is how those values turn into tokens and back.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use wasmtime::component::{ResourceAny, Val};

use super::WitValue;
use crate::describe::{ResourceName, ValueType};

/// A Rust type a host plug hands out as a WIT resource: it names the
/// resource (interface and name, as in the app's WIT) so typed host
/// functions over [`Own<Self>`] and [`Borrow<Self>`] are checked against the
/// WIT when the tree is built. Dropping the last reference runs the type's
/// `Drop`: that is the resource's destructor.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use plugtree::host::{Borrow, HostError, HostPlug, HostResource, Own};
///
/// struct Counter(AtomicU32);
/// impl HostResource for Counter {
///     const INTERFACE: &'static str = "my:app/counters";
///     const NAME: &'static str = "counter";
/// }
///
/// let counters = HostPlug::new("counters", "my:app/counters")
///     .func("[constructor]counter", |start: u32| -> Result<Own<Counter>, HostError> {
///         Ok(Own::new(Counter(AtomicU32::new(start))))
///     })
///     .func("[method]counter.get", |this: Borrow<Counter>| -> Result<u32, HostError> {
///         Ok(this.0.load(Ordering::Relaxed))
///     });
/// assert_eq!(counters.functions().count(), 2);
/// ```
pub trait HostResource: Send + Sync + 'static {
    /// The interface that defines the resource, e.g. `my:app/counters`.
    const INTERFACE: &'static str;
    /// The resource's WIT name, e.g. `counter`.
    const NAME: &'static str;
}

fn resource_name<T: HostResource>() -> ResourceName {
    ResourceName { interface: T::INTERFACE.to_string(), name: T::NAME.to_string() }
}

/// An owned host resource: returned by a host function, it is handed to the
/// caller (which then owns it); taken as a parameter (`own<T>` in the WIT),
/// the caller gave it back and the host holds the last handle to it.
pub struct Own<T>(Arc<T>);

impl<T> Own<T> {
    /// A new resource holding `value`.
    pub fn new(value: T) -> Self {
        Own(Arc::new(value))
    }

    /// The value, shared: dropping every clone of it runs its destructor.
    pub fn into_arc(self) -> Arc<T> {
        self.0
    }
}

impl<T> Deref for Own<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Own<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Own<{}>", std::any::type_name::<T>())
    }
}

/// A host resource lent for one call (`borrow<T>` in the WIT, e.g. a
/// method's `self`); the caller keeps owning it.
pub struct Borrow<T>(Arc<T>);

impl<T> Deref for Borrow<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Borrow<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Borrow<{}>", std::any::type_name::<T>())
    }
}

/// What stands for a resource value outside a host plug's call, where no
/// table can take it: a value of no resource type, which the answer check
/// refuses.
fn outside_a_call() -> Val {
    Val::Bool(false)
}

impl<T: HostResource> WitValue for Own<T> {
    fn wit_type() -> ValueType {
        ValueType::Own(resource_name::<T>())
    }
    fn into_val(self) -> Val {
        Scope::with(|objects| objects.insert(&resource_name::<T>(), self.0))
            .flatten()
            .map_or_else(outside_a_call, Val::Resource)
    }
    fn from_val(val: &Val) -> Option<Self> {
        let Val::Resource(token) = val else { return None };
        Scope::with(|objects| objects.take(*token))?.and_then(|o| o.downcast().ok()).map(Own)
    }
}

impl<T: HostResource> WitValue for Borrow<T> {
    fn wit_type() -> ValueType {
        ValueType::Borrow(resource_name::<T>())
    }
    /// A borrow is never an answer in WIT; this gives a value every check refuses.
    fn into_val(self) -> Val {
        outside_a_call()
    }
    fn from_val(val: &Val) -> Option<Self> {
        let Val::Resource(token) = val else { return None };
        Scope::with(|objects| objects.get(*token))?.and_then(|o| o.downcast().ok()).map(Borrow)
    }
}

/// A host resource's value, as the table keeps it.
pub(crate) type Object = Arc<dyn Any + Send + Sync>;

/// The table of one host plug's resources, which turns values into tokens
/// (the handles that cross to consumers) and back. `load` implements it: a
/// token is made in a store.
pub(crate) trait Objects: Send + Sync {
    /// Keeps `object` as resource `name`; its token, or `None` when `name`
    /// is not the plug's or the table is full.
    fn insert(&self, name: &ResourceName, object: Object) -> Option<ResourceAny>;
    /// The object behind `token`, left in the table (a borrow).
    fn get(&self, token: ResourceAny) -> Option<Object>;
    /// Takes the object behind `token` out (an `own` given back, or a drop).
    fn take(&self, token: ResourceAny) -> Option<Object>;
}

thread_local! {
    /// The tables of the host plug calls running on this thread, innermost
    /// last (a host function may itself call into another tree).
    static SCOPES: RefCell<Vec<Arc<dyn Objects>>> = const { RefCell::new(Vec::new()) };
}

/// Marks `objects` as the table of the host plug call running on this
/// thread while it lives; `Drop` unmarks it, a panic unwinding included.
pub(crate) struct Scope(());

impl Scope {
    /// Enters the call of a host plug whose table is `objects`.
    pub fn enter(objects: Arc<dyn Objects>) -> Self {
        SCOPES.with(|s| s.borrow_mut().push(objects));
        Scope(())
    }

    /// `f` on the innermost call's table; `None` outside any.
    fn with<R>(f: impl FnOnce(&dyn Objects) -> R) -> Option<R> {
        let objects = SCOPES.with(|s| s.borrow().last().cloned())?;
        Some(f(&*objects))
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        SCOPES.with(|s| s.borrow_mut().pop());
    }
}
