//! Typed calls on the root: Rust values in and out instead of `Val`s, in the
//! spirit of wasmtime's `Func::typed`.

use std::marker::PhantomData;

use wasmtime::component::{ComponentNamedList, Lift, Lower};

use super::{CallError, DispatchError, RootFunc, Socket};
use crate::load::{Gathered, called};

/// A root function typed as Rust values: `P` its parameters and `R` its
/// results, each a tuple, as in wasmtime's `TypedFunc<P, R>`. From
/// [`RootFunc::typed`].
///
/// Its answers are shaped like [`RootFunc::call`]'s, each with its plugin's
/// id. A reloaded root provider is a new instance: its types are checked on
/// the first typed call into it, and an answer says if they changed.
///
/// ```no_run
/// # fn demo(loaded: &plugtree::LoadedTree) -> Result<(), plugtree::DispatchError> {
/// let add = loaded.root_func("add")?.typed::<(u32, u32), (u32,)>()?;
/// for (plugin, answer) in add.call((1, 2))?.into_vec() {
///     println!("{plugin}: {:?}", answer.map(|(sum,)| sum));
/// }
/// # Ok(()) }
/// ```
pub struct TypedRootFunc<'t, P, R> {
    func: RootFunc<'t>,
    types: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedRootFunc<'_, P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedRootFunc<'_, P, R> {}

impl<P, R> std::fmt::Debug for TypedRootFunc<'_, P, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedRootFunc")
            .field("function", &self.func.function().name)
            .field("params", &std::any::type_name::<P>())
            .field("results", &std::any::type_name::<R>())
            .finish()
    }
}

impl<'t> RootFunc<'t> {
    /// This function typed as `P -> R` (tuples of Rust types, as wasmtime's
    /// `Func::typed`), for calls that pass no `Val`s.
    ///
    /// # Errors
    /// [`DispatchError::OtherTypes`] when wasmtime says a root provider's
    /// function does not take `P` and return `R`;
    /// [`DispatchError::Unsupported`] for a method, a function that passes
    /// resources, or a root provider that is a host plug: call those with
    /// `Val`s ([`RootFunc::call`]).
    pub fn typed<P, R>(&self) -> Result<TypedRootFunc<'t, P, R>, DispatchError>
    where
        P: ComponentNamedList + Lower + Send + Sync + 'static,
        R: ComponentNamedList + Lift + Send + Sync + 'static,
    {
        let f = &self.tree.root_calls[self.index];
        let name = &f.function.name;
        if f.call.to_owner || f.call.needs_handles {
            return Err(DispatchError::Unsupported {
                function: name.clone(),
                reason: "a typed call passes no resource handles; call it with `Val`s".into(),
            });
        }
        for slot in self.tree.root.slots.iter() {
            let plugin = slot.borrow();
            if plugin.is_host() {
                return Err(DispatchError::Unsupported {
                    function: name.clone(),
                    reason: format!(
                        "its provider `{}` is a host plug, which is called with `Val`s",
                        plugin.id
                    ),
                });
            }
            plugin.check_typed::<P, R>(f.call.index).map_err(|reason| {
                DispatchError::OtherTypes {
                    plugin: plugin.id.clone(),
                    function: name.clone(),
                    reason,
                }
            })?;
        }
        Ok(TypedRootFunc { func: *self, types: PhantomData })
    }
}

impl<P, R> TypedRootFunc<'_, P, R>
where
    P: ComponentNamedList + Lower + Clone + Send + Sync + 'static,
    R: ComponentNamedList + Lift + Send + Sync + 'static,
{
    /// Calls the function with `params` on every plugin plugged into the
    /// root, following the same socket rules as [`RootFunc::call`], and
    /// returns their answers, each with its plugin's id. `params` is cloned
    /// for each provider but the last.
    ///
    /// # Errors
    /// [`DispatchError::Unsatisfied`] when the root's providers do not
    /// satisfy its cardinality.
    pub fn call(&self, params: P) -> Result<Socket<Result<R, CallError>>, DispatchError> {
        let RootFunc { tree, index } = self.func;
        let root = &tree.root;
        let f = &tree.root_calls[index];
        let answer_of = |plugin: &crate::load::LoadedPlugin, params: P| {
            plugin
                .call_typed::<P, R>(f.call.index, params)
                .map_err(|failure| CallError::from_failure(&plugin.id, &f.function.name, failure))
        };
        if let Some(sole) = root.sole() {
            let plugin = sole.borrow();
            return Ok(Socket::ExactlyOne(plugin.id.clone(), answer_of(&plugin, params)));
        }
        if let Some(unsatisfied) = &root.unsatisfied {
            return Err(DispatchError::Unsatisfied(unsatisfied.clone()));
        }
        let providers: Vec<_> =
            called(root.cardinality, root.slots.iter().map(|slot| slot.borrow())).collect();
        let mut answers = Gathered::new(root.cardinality);
        if let Some((last, others)) = providers.split_last() {
            for plugin in others {
                answers.push(&plugin.id, answer_of(plugin, params.clone()));
            }
            answers.push(&last.id, answer_of(last, params));
        }
        super::socket_of(answers, root)
    }
}
