//! Nothing but a benchmark: see `benches/cache.rs`.
