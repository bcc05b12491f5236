//! A precompiled-artifact cache on disk: a component compiled once is
//! deserialized on later loads instead of compiled again.
//!
//! An entry is keyed by the engine's compatibility hash (wasmtime's version
//! and every setting that changes compiled code) and the component's SHA-256.
//! wasmtime's `deserialize` trusts its input, so an entry is used only after
//! the header this cache wrote checks out: magic, both keys and the payload's
//! own SHA-256. Anything else is ignored and overwritten by a fresh compile.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Marks a file as a plugtree cache entry, format 1.
const MAGIC: &[u8; 16] = b"plugtree-cwasm1\n";
/// Magic, engine key, component hash, payload hash, payload length.
const HEADER_LEN: usize = MAGIC.len() + 32 + 32 + 32 + 8;

/// A SHA-256 digest.
pub(crate) type Digest32 = [u8; 32];

/// The SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> Digest32 {
    Sha256::digest(bytes).into()
}

/// A directory of precompiled components, shared by every engine and tree
/// that use it: entries of different engine configurations live side by side.
///
/// The directory must be as trusted as the program itself: an entry whose
/// checks pass is handed to wasmtime's `Component::deserialize`, which runs
/// the native code it contains.
///
/// ```no_run
/// use plugtree::load::{ArtifactCache, LoadOptions};
///
/// let cache = ArtifactCache::at_default_dir().unwrap_or_else(|| ArtifactCache::new("target/plugtree-cache"));
/// let (tree, _build_errors) = plugtree::PluginTree::from_manifest("plugtree.toml")?;
/// let engine = plugtree::default_engine()?;
/// let (loaded, load_errors) = tree.load_with(&engine, &LoadOptions::default().with_cache(cache));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ArtifactCache {
    dir: PathBuf,
    hits: AtomicU64,
    misses: AtomicU64,
    rejected: AtomicU64,
    written: AtomicU64,
}

/// What an [`ArtifactCache`] did since it was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Components deserialized from a valid entry instead of compiled.
    pub hits: u64,
    /// Components without an entry, compiled.
    pub misses: u64,
    /// Entries found but refused (corrupt, truncated, foreign engine), and compiled again.
    pub rejected: u64,
    /// Entries written.
    pub written: u64,
}

/// The engine-specific part of a cache key: what wasmtime says makes
/// compiled code compatible, folded into a SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EngineKey(Digest32);

impl EngineKey {
    pub fn of(engine: &Engine) -> Self {
        let mut hasher = ShaHasher(Sha256::new());
        // Covers wasmtime's version (`Config::module_version`), the target,
        // compiler flags, tunables and wasm features.
        engine.precompile_compatibility_hash().hash(&mut hasher);
        EngineKey(hasher.0.finalize().into())
    }
}

/// Feeds `Hash` output into SHA-256, so the key is the same in every process.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes([
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
        ])
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Why an entry was not used.
#[derive(Debug)]
enum Refused {
    Missing,
    Invalid(&'static str),
}

impl ArtifactCache {
    /// A cache in `dir`, created when the first entry is written.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ArtifactCache {
            dir: dir.into(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            written: AtomicU64::new(0),
        }
    }

    /// The per-user default: `$XDG_CACHE_HOME/plugtree`, else
    /// `$HOME/.cache/plugtree` (`%LOCALAPPDATA%\plugtree` on Windows);
    /// `None` when none of these is set.
    pub fn default_dir() -> Option<PathBuf> {
        let from = |var: &str| std::env::var_os(var).map(PathBuf::from).filter(|p| p.is_absolute());
        from("XDG_CACHE_HOME")
            .or_else(|| from("HOME").map(|h| h.join(".cache")))
            .or_else(|| from("LOCALAPPDATA"))
            .map(|d| d.join("plugtree"))
    }

    /// A cache in [`ArtifactCache::default_dir`].
    pub fn at_default_dir() -> Option<Self> {
        Self::default_dir().map(Self::new)
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the cache did so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
        }
    }

    /// `bytes` (a binary component or its WAT text) compiled for `engine`:
    /// deserialized from a valid entry, or compiled and stored.
    ///
    /// A cache that cannot be read or written costs a compile, never a
    /// failure; the reason is logged with `tracing`.
    ///
    /// # Errors
    /// wasmtime's error when the component does not compile.
    pub fn component(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
        self.get_or_compile(engine, EngineKey::of(engine), &sha256(bytes), bytes)
    }

    /// Where the entry of a component lives.
    fn entry_path(&self, engine: EngineKey, component: &Digest32) -> PathBuf {
        self.dir.join(hex(&engine.0[..12])).join(format!("{}.cwasm", hex(component)))
    }

    pub(crate) fn get_or_compile(
        &self,
        engine: &Engine,
        key: EngineKey,
        component: &Digest32,
        bytes: &[u8],
    ) -> wasmtime::Result<Component> {
        let path = self.entry_path(key, component);
        match self.read(engine, key, component, &path) {
            Ok(found) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(found);
            }
            Err(Refused::Missing) => {
                self.misses.fetch_add(1, Ordering::Relaxed);
            }
            Err(Refused::Invalid(why)) => {
                tracing::warn!(entry = %path.display(), why, "ignoring an invalid cache entry; compiling again");
                self.rejected.fetch_add(1, Ordering::Relaxed);
            }
        }
        let compiled = Component::new(engine, bytes)?;
        match self.write(key, component, &compiled, &path) {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::warn!(entry = %path.display(), error = %e, "cannot write a cache entry")
            }
        }
        Ok(compiled)
    }

    fn read(
        &self,
        engine: &Engine,
        key: EngineKey,
        component: &Digest32,
        path: &Path,
    ) -> Result<Component, Refused> {
        let file = read_bounded(path)?;
        let payload = check_entry(&file, key, component)?;
        // SAFETY: `payload` is exactly what this cache wrote from
        // `Component::serialize` for an engine with the same compatibility
        // hash: its magic, keys, length and SHA-256 were checked above, so it
        // is not truncated, corrupted or another engine's. wasmtime checks
        // its own version and settings header again.
        unsafe { Component::deserialize(engine, payload) }
            .map_err(|_| Refused::Invalid("refused by wasmtime"))
    }

    fn write(
        &self,
        key: EngineKey,
        component: &Digest32,
        compiled: &Component,
        path: &Path,
    ) -> wasmtime::Result<()> {
        let payload = compiled.serialize()?;
        let dir = path.parent().unwrap_or(&self.dir);
        fs::create_dir_all(dir)?;
        // Write aside, then rename: a reader never sees half an entry, and
        // concurrent writers of the same entry write the same bytes.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let tmp = dir.join(format!(
            ".{}.{}.{}.tmp",
            hex(&component[..8]),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(MAGIC)?;
            file.write_all(&key.0)?;
            file.write_all(component)?;
            file.write_all(&sha256(&payload))?;
            file.write_all(&(payload.len() as u64).to_le_bytes())?;
            file.write_all(&payload)?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        Ok(written?)
    }
}

/// The payload of an entry if its header matches `key` and `component` and
/// the payload is whole and unchanged.
/// An entry's bytes, read only from a regular file (a FIFO or a device in
/// the cache is never opened) and no further than its header promises, so
/// a planted file can neither hang a load nor exhaust its memory.
fn read_bounded(path: &Path) -> Result<Vec<u8>, Refused> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refused::Missing),
        Err(_) => return Err(Refused::Invalid("unreadable")),
    };
    if !meta.is_file() {
        return Err(Refused::Invalid("not a regular file"));
    }
    let mut file = fs::File::open(path).map_err(|_| Refused::Invalid("unreadable"))?;
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    let read = |file: &mut fs::File, bytes: &mut Vec<u8>, n: u64| {
        file.take(n).read_to_end(bytes).map_err(|_| Refused::Invalid("unreadable"))
    };
    read(&mut file, &mut bytes, HEADER_LEN as u64)?;
    let promised = bytes
        .get(HEADER_LEN - 8..HEADER_LEN)
        .and_then(|len| <[u8; 8]>::try_from(len).ok())
        .map(u64::from_le_bytes)
        .ok_or(Refused::Invalid("shorter than its header"))?;
    if meta.len() != (HEADER_LEN as u64).saturating_add(promised) {
        return Err(Refused::Invalid("not the length its header says"));
    }
    bytes.reserve(usize::try_from(promised).map_err(|_| Refused::Invalid("too large"))?);
    read(&mut file, &mut bytes, promised)?;
    Ok(bytes)
}

fn check_entry<'a>(
    file: &'a [u8],
    key: EngineKey,
    component: &Digest32,
) -> Result<&'a [u8], Refused> {
    let (header, payload) =
        file.split_at_checked(HEADER_LEN).ok_or(Refused::Invalid("shorter than its header"))?;
    let (magic, rest) = header.split_at(MAGIC.len());
    let (engine, rest) = rest.split_at(32);
    let (hash, rest) = rest.split_at(32);
    let (payload_hash, len) = rest.split_at(32);
    if magic != MAGIC {
        return Err(Refused::Invalid("not a plugtree cache entry"));
    }
    if engine != key.0 {
        return Err(Refused::Invalid("compiled for another engine configuration"));
    }
    if hash != component {
        return Err(Refused::Invalid("the entry of another component"));
    }
    let len: [u8; 8] = len.try_into().map_err(|_| Refused::Invalid("bad length"))?;
    if u64::try_from(payload.len()).ok() != Some(u64::from_le_bytes(len)) {
        return Err(Refused::Invalid("truncated"));
    }
    if sha256(payload) != payload_hash {
        return Err(Refused::Invalid("corrupted"));
    }
    Ok(payload)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
