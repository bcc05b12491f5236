//! A precompiled-artifact cache on disk: a component compiled once is
//! deserialized on later loads instead of compiled again.
//!
//! An entry is keyed by the engine's compatibility hash (wasmtime's version
//! and every setting that changes compiled code) and the component's SHA-256.
//! wasmtime's `deserialize` trusts its input, so an entry is used only after
//! the header this cache wrote checks out: magic, both keys and the payload's
//! own SHA-256. Anything else is ignored and overwritten by a fresh compile.
//!
//! The cache is bounded ([`ArtifactCache::with_max_bytes`]): a hit sets its
//! entry's modification time, and a write that takes the total past the
//! bound removes the least recently used entries first. Only files named and
//! shaped as this cache's entries, in its own engine folders, are ever
//! removed; the directory may hold other things (the CLI keeps its builds
//! and toolchains beside the entries).

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Marks a file as a plugtree cache entry, format 1.
const MAGIC: &[u8; 16] = b"plugtree-cwasm1\n";
/// Magic, engine key, component hash, payload hash, payload length.
const HEADER_LEN: usize = MAGIC.len() + 32 + 32 + 32 + 8;
/// Hex digits of an engine folder's name (12 bytes of the engine key).
const ENGINE_DIR_LEN: usize = 24;
/// A temporary file this old was left by a writer that died: no write takes
/// minutes.
const STALE_TMP: Duration = Duration::from_secs(10 * 60);

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
    max_bytes: u64,
    /// The entries' total size as last counted plus what this cache wrote
    /// since; `None` until its first write counts the directory. Held while
    /// evicting, so one thread of a process evicts at a time.
    total: Mutex<Option<u64>>,
    hits: AtomicU64,
    misses: AtomicU64,
    rejected: AtomicU64,
    written: AtomicU64,
    evicted: AtomicU64,
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
    /// Entries removed, least recently used first, to keep the cache within
    /// its bound ([`ArtifactCache::with_max_bytes`]).
    pub evicted: u64,
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
    /// The bound of a new cache's total size: 1 GiB (a small plugin's entry
    /// is a few hundred KiB, so thousands of them).
    pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

    /// A cache in `dir`, created when the first entry is written, bounded to
    /// [`ArtifactCache::DEFAULT_MAX_BYTES`].
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ArtifactCache {
            dir: dir.into(),
            max_bytes: Self::DEFAULT_MAX_BYTES,
            total: Mutex::new(None),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            written: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
        }
    }

    /// The same cache bounded to `max_bytes` of entries in total.
    ///
    /// After a write takes the total past the bound, the least recently used
    /// entries (oldest modification time; a hit renews it) are removed until
    /// it fits again. The entry just written is never removed, so a single
    /// entry larger than the bound stays until the next write. The total is
    /// counted on this cache's first write and again whenever its own writes
    /// take it past the bound, so entries other processes write count from
    /// the next count on.
    ///
    /// ```
    /// use plugtree::load::ArtifactCache;
    ///
    /// let cache = ArtifactCache::new("target/plugtree-cache").with_max_bytes(256 << 20);
    /// assert_eq!(cache.max_bytes(), 256 << 20);
    /// ```
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The bound of the entries' total size, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
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
            evicted: self.evicted.load(Ordering::Relaxed),
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
            Ok(len) => {
                self.written.fetch_add(1, Ordering::Relaxed);
                self.keep_within_bound(&path, len);
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
        let (file, bytes) = read_bounded(path)?;
        let payload = check_entry(&bytes, key, component)?;
        // SAFETY: `payload` is exactly what this cache wrote from
        // `Component::serialize` for an engine with the same compatibility
        // hash: its magic, keys, length and SHA-256 were checked above, so it
        // is not truncated, corrupted or another engine's. wasmtime checks
        // its own version and settings header again.
        let found = unsafe { Component::deserialize(engine, payload) }
            .map_err(|_| Refused::Invalid("refused by wasmtime"))?;
        // A hit makes the entry the most recently used: eviction goes by
        // modification time. A cache we may not touch still reads.
        if let Err(e) = file.set_modified(SystemTime::now()) {
            tracing::debug!(entry = %path.display(), error = %e, "cannot mark a cache entry used");
        }
        Ok(found)
    }

    fn write(
        &self,
        key: EngineKey,
        component: &Digest32,
        compiled: &Component,
        path: &Path,
    ) -> wasmtime::Result<u64> {
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
        written?;
        Ok((HEADER_LEN as u64).saturating_add(payload.len() as u64))
    }

    /// After `written` (`len` bytes) was stored: evicts if the total passed
    /// the bound, counting the directory on the first write.
    fn keep_within_bound(&self, written: &Path, len: u64) {
        let mut total = self.total.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = *total
            && known.saturating_add(len) <= self.max_bytes
        {
            *total = Some(known.saturating_add(len));
            return;
        }
        *total = Some(self.evict(written));
    }

    /// Counts the entries of every engine folder, removes stale temporary
    /// files, and removes the least recently used entries but `keep` until
    /// the total is within the bound; returns the total left.
    ///
    /// Files vanish under it (another process evicting or renaming): every
    /// failure to read or remove one only skips it.
    fn evict(&self, keep: &Path) -> u64 {
        let mut entries = Vec::new();
        let Ok(engine_dirs) = fs::read_dir(&self.dir) else { return 0 };
        for engine_dir in engine_dirs.flatten() {
            let is_ours = engine_dir.file_name().to_str().is_some_and(is_engine_dir_name)
                && engine_dir.file_type().is_ok_and(|t| t.is_dir());
            let Ok(files) = is_ours.then(|| fs::read_dir(engine_dir.path())).transpose() else {
                continue;
            };
            for file in files.into_iter().flatten().flatten() {
                let Some(name) = file.file_name().to_str().map(str::to_owned) else { continue };
                // `DirEntry::metadata` does not follow links: a link is never ours.
                let Ok(meta) = file.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                if is_entry_name(&name) {
                    entries.push((modified, meta.len(), file.path()));
                } else if is_tmp_name(&name) && modified.elapsed().is_ok_and(|age| age > STALE_TMP)
                {
                    let _ = fs::remove_file(file.path());
                }
            }
        }
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        if total <= self.max_bytes {
            return total;
        }
        entries.sort_unstable();
        for (_, len, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            if path == keep {
                continue;
            }
            if !starts_with_magic(&path) {
                // Named like an entry but not one: not ours to count or remove.
                total = total.saturating_sub(len);
                continue;
            }
            match fs::remove_file(&path) {
                Ok(()) => {
                    self.evicted.fetch_add(1, Ordering::Relaxed);
                    total = total.saturating_sub(len);
                    tracing::debug!(entry = %path.display(), "evicted a cache entry");
                }
                // Another process evicted it first.
                Err(e) if e.kind() == ErrorKind::NotFound => total = total.saturating_sub(len),
                Err(e) => {
                    tracing::warn!(entry = %path.display(), error = %e, "cannot evict a cache entry")
                }
            }
        }
        total
    }
}

/// Whether `name` is an engine folder's: [`ENGINE_DIR_LEN`] lowercase hex digits.
fn is_engine_dir_name(name: &str) -> bool {
    name.len() == ENGINE_DIR_LEN && is_hex(name)
}

/// Whether `name` is an entry's: 64 lowercase hex digits, `.cwasm`.
fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(".cwasm").is_some_and(|stem| stem.len() == 64 && is_hex(stem))
}

/// Whether `name` is a temporary file [`ArtifactCache::write`] makes:
/// `.{16 hex}.{pid}.{n}.tmp`.
fn is_tmp_name(name: &str) -> bool {
    let Some(middle) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let parts: Vec<&str> = middle.split('.').collect();
    matches!(parts.as_slice(), [hash, pid, n]
        if hash.len() == 16 && is_hex(hash)
            && [pid, n].iter().all(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())))
}

fn is_hex(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether the regular file at `path` begins with this cache's magic.
fn starts_with_magic(path: &Path) -> bool {
    let mut magic = [0u8; MAGIC.len()];
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
        && fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok()
        && &magic == MAGIC
}

/// An entry's file and bytes, read only from a regular file (a FIFO or a
/// device in the cache is never opened) and no further than its header
/// promises, so a planted file can neither hang a load nor exhaust its memory.
fn read_bounded(path: &Path) -> Result<(fs::File, Vec<u8>), Refused> {
    let missing_or_unreadable = |e: std::io::Error| match e.kind() {
        ErrorKind::NotFound => Refused::Missing,
        _ => Refused::Invalid("unreadable"),
    };
    let meta = fs::metadata(path).map_err(missing_or_unreadable)?;
    if !meta.is_file() {
        return Err(Refused::Invalid("not a regular file"));
    }
    // Evicted by another process since: missing, not invalid.
    let mut file = fs::File::open(path).map_err(missing_or_unreadable)?;
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
    Ok((file, bytes))
}

/// The payload of an entry if its header matches `key` and `component` and
/// the payload is whole and unchanged.
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
