//! plugtree's integration tests, one binary (one link of wasmtime), one module
//! per scenario. Every scenario runs on real components that `guests` builds
//! from `test-components/` on first use.

mod allocated;
mod guests;
mod polyglot;

#[global_allocator]
static ALLOCATOR: allocated::Counting = allocated::Counting;

mod c_plugins;
mod cache;
mod caller_identity;
mod capabilities;
mod cardinality;
mod chain;
mod cli;
mod diamond;
mod fast_path;
mod fused;
mod fuzz;
mod guests_build;
mod host_plugs;
mod host_resources;
mod hostile;
mod http;
pub(crate) mod instance_pools;
mod languages;
mod large_tree;
mod limits;
mod malformed;
mod parallel_fan_out;
mod partial_load;
mod plain;
mod pooling;
mod profile;
mod reload;
mod resources;
mod restart;
mod rich;
mod single_plugin;
mod typed_calls;
mod versions;
