//! Compiling a tree's components: in parallel, each distinct component once
//! (identical bytes share one `Component`), through the artifact cache if set.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::cache::{ArtifactCache, Digest32, EngineKey, sha256};
use super::error::Cause;
use super::options::{CompileProgress, ProgressFn};
use crate::resolve::TreePlugin;

/// Compiles the components of `plugins[i]` for every `i` in `order`, and
/// returns them in that order; tells `progress` after each distinct one.
pub(crate) fn compile_all(
    engine: &Engine,
    plugins: &[TreePlugin],
    order: &[usize],
    cache: Option<&ArtifactCache>,
    progress: Option<&ProgressFn>,
) -> Vec<Result<Component, Cause>> {
    // Distinct components by hash; `slot_of[i]` is the one `order[i]` uses.
    let mut distinct: Vec<(Digest32, &[u8])> = Vec::new();
    let mut by_hash: HashMap<Digest32, usize> = HashMap::new();
    let slot_of: Vec<Option<usize>> = order
        .iter()
        .map(|&index| {
            let bytes = plugins[index].component.as_deref()?;
            let hash = sha256(bytes);
            Some(*by_hash.entry(hash).or_insert_with(|| {
                distinct.push((hash, bytes));
                distinct.len() - 1
            }))
        })
        .collect();
    let key = cache.map(|_| EngineKey::of(engine));
    let total = distinct.len();
    let done = AtomicUsize::new(0);
    if let Some(progress) = progress {
        progress(CompileProgress { done: 0, total });
    }
    let compile = |(hash, bytes): &(Digest32, &[u8])| -> Result<Component, Cause> {
        let component = match (cache, key) {
            (Some(cache), Some(key)) => cache.get_or_compile(engine, key, hash, bytes),
            _ => Component::new(engine, bytes),
        }
        .map_err(Cause::from);
        if let Some(progress) = progress {
            let done = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(CompileProgress { done, total });
        }
        component
    };
    let compiled = in_parallel(&distinct, compile);
    slot_of
        .into_iter()
        .map(|slot| match slot {
            Some(slot) => compiled[slot].clone(),
            None => Err(Cause::from(wasmtime::format_err!("the plugin has no component"))),
        })
        .collect()
}

/// `work` applied to every item on as many threads as there are cores,
/// results in the items' order.
fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, work(item)));
                    }
                    done
                })
            })
            .collect();
        // A worker only panics if wasmtime does; surface it as a panic too.
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
