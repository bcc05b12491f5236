//! Nothing but benchmarks: see `benches/peer.rs`.
