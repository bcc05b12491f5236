//! `plugtree.toml`: the manifest that names an app's WIT, root, cardinalities and plugins.
//!
//! ```toml
//! root = "my:app/greeter"          # the interface the host calls
//! wit = ["wit"]                     # WIT files or folders, relative to this file
//! parallel = ["my:app/greeter"]     # fan out to its providers at once (`TreeBuilder::parallel`)
//!
//! [cardinality]                     # default: exactly-one
//! "my:app/greeter" = "any"
//!
//! [limits]                          # every plugin's limits (see `Limits`)
//! deadline = "2s"
//!
//! [[plugins]]
//! id = "english"
//! path = "plugins/english.wasm"     # a binary component, or `.wat` text
//! limits = { memory = "16 MiB" }    # this plugin's own, over `[limits]`
//! restart = { max = 3, within = "60s" }  # opt-in restarts (see `RestartPolicy`)
//! remap = { export = "their:pkg/greeter@0.3.0", plug = "my:app/greeter" }  # see `Remap`
//! dynamic = ["my:app/dictionary"]  # plain sockets kept unfused
//! pool = 4                          # stateless: up to 4 warm instances for parallel callers
//! grants = { dirs = [{ host = "data", guest = "/data", mode = "ro" }], stdout = true }
//!
//! [[host]]                          # a ready-made host plug (see `plugtree::host`)
//! id = "store"
//! plug = "kv"                       # `kv` (plugtree:host/kv) or `log` (plugtree:host/log)
//! ```

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::grants::{Grants, RawGrants};
use super::interface::Cardinality;
use super::limits::MAX_POOL;
use super::limits::{Limits, RawLimits};
use super::plugin_id::PluginId;
use super::remap::Remap;
use super::restart::{RawRestart, RestartPolicy};

/// A parsed and validated `plugtree.toml`. Relative paths are resolved against
/// the manifest's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The root interface the host dispatches on.
    pub root: String,
    /// WIT files or folders that define the app interfaces.
    pub wit: Vec<PathBuf>,
    /// Cardinalities of interfaces that are not `exactly-one`.
    pub cardinality: BTreeMap<String, Cardinality>,
    /// Interfaces whose fan-outs call their providers at once.
    pub parallel: Vec<String>,
    /// The limits of every plugin that sets none of its own: [`Limits::default`]
    /// with the manifest's `[limits]` applied.
    pub limits: Limits,
    /// The plugins, in declaration order.
    pub plugins: Vec<ManifestPlugin>,
    /// The ready-made host plugs, in declaration order (after the plugins).
    pub host: Vec<ManifestHostPlug>,
}

/// One `[[host]]` entry: a ready-made host plug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHostPlug {
    /// The plug's id.
    pub id: PluginId,
    /// Which one.
    pub plug: BuiltinPlug,
}

/// The ready-made host plugs a manifest can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuiltinPlug {
    /// An in-memory key-value store for `plugtree:host/kv`.
    Kv,
    /// A log for `plugtree:host/log`, written as `tracing` events.
    Log,
}

/// One `[[plugins]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestPlugin {
    /// The plugin's id.
    pub id: PluginId,
    /// Its component (`.wasm`) or component text (`.wat`).
    pub path: PathBuf,
    /// Its limits: the manifest's, with the plugin's own `limits` applied.
    pub limits: Limits,
    /// What it may touch through WASI (nothing unless its `grants` say so),
    /// with host directories resolved against the manifest's folder.
    pub grants: Grants,
    /// How often it is restarted after a failure; `None` (no `restart`
    /// table): failed for good until reloaded.
    pub restart: Option<RestartPolicy>,
    /// Which of its exports plugs in as which app interface, when the names
    /// differ by more than a compatible version.
    pub remap: Option<Remap>,
    /// Plain sockets kept dynamic rather than fused at load, by interface.
    pub dynamic: Vec<String>,
    /// Declared stateless, with up to this many warm instances (`pool`);
    /// `None`: one instance.
    pub pool: Option<u32>,
}

/// Why a manifest could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The manifest file could not be read.
    #[error("cannot read manifest `{}`", path.display())]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The manifest is not valid TOML or has unknown or missing keys.
    #[error("invalid manifest `{}`: {message}", path.display())]
    Parse {
        /// The manifest path.
        path: PathBuf,
        /// The parser's explanation, with line and column.
        message: String,
    },
    /// Two plugins have the same id.
    #[error("invalid manifest `{}`: plugin id `{id}` is used more than once", path.display())]
    DuplicateId {
        /// The manifest path.
        path: PathBuf,
        /// The repeated id.
        id: PluginId,
    },
    /// A plugin id outside the documented character set ([`PluginId::is_valid`]).
    #[error("invalid manifest `{}`: plugin id `{id}` is not valid: 1 to 128 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or digit", path.display())]
    InvalidId {
        /// The manifest path.
        path: PathBuf,
        /// The id, escaped when printed.
        id: PluginId,
    },
    /// A plugin's id is empty.
    #[error("invalid manifest `{}`: a plugin has an empty id", path.display())]
    EmptyId {
        /// The manifest path.
        path: PathBuf,
    },
    /// A limit has a value that is not a number, size or duration.
    #[error("invalid manifest `{}`: {}{message}", path.display(), plugin.as_ref().map(|p| format!("plugin `{p}`: ")).unwrap_or_default())]
    Limits {
        /// The manifest path.
        path: PathBuf,
        /// The plugin whose `limits` are wrong; `None` for `[limits]`.
        plugin: Option<PluginId>,
        /// Which limit and why.
        message: String,
    },
    /// A plugin's `grants` has a value that cannot be granted.
    #[error("invalid manifest `{}`: plugin `{plugin}`: {message}", path.display())]
    Grants {
        /// The manifest path.
        path: PathBuf,
        /// The plugin whose `grants` are wrong.
        plugin: PluginId,
        /// Which grant and why.
        message: String,
    },
    /// A plugin's `restart` table is incomplete or has a value out of range.
    #[error("invalid manifest `{}`: plugin `{plugin}`: {message}", path.display())]
    Restart {
        /// The manifest path.
        path: PathBuf,
        /// The plugin whose `restart` is wrong.
        plugin: PluginId,
        /// Which key and why.
        message: String,
    },
    /// A plugin's `pool` is out of range.
    #[error("invalid manifest `{}`: plugin `{plugin}`: `pool = {pool}`: give 1 to {max} instances", path.display(), max = MAX_POOL)]
    Pool {
        /// The manifest path.
        path: PathBuf,
        /// The plugin whose `pool` is wrong.
        plugin: PluginId,
        /// The size given.
        pool: u32,
    },
    /// A file the manifest names does not exist.
    #[error("invalid manifest `{}`: {what} `{}` does not exist", path.display(), missing.display())]
    MissingFile {
        /// The manifest path.
        path: PathBuf,
        /// What the file is for (`WIT`).
        what: String,
        /// The missing file, resolved against the manifest's folder.
        missing: PathBuf,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    root: String,
    #[serde(default)]
    wit: OneOrMany,
    #[serde(default)]
    cardinality: BTreeMap<String, Cardinality>,
    #[serde(default)]
    parallel: Vec<String>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    plugins: Vec<RawPlugin>,
    #[serde(default)]
    host: Vec<RawHostPlug>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHostPlug {
    id: String,
    plug: BuiltinPlug,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugin {
    id: String,
    path: PathBuf,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    grants: RawGrants,
    restart: Option<RawRestart>,
    remap: Option<Remap>,
    #[serde(default)]
    dynamic: Vec<String>,
    pool: Option<u32>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl Default for OneOrMany {
    fn default() -> Self {
        OneOrMany::Many(vec![PathBuf::from("wit")])
    }
}

impl Manifest {
    /// Reads and validates a manifest file.
    ///
    /// # Errors
    /// Every [`ManifestError`]: unreadable file, bad TOML, unknown keys,
    /// duplicate, empty or invalid plugin ids, missing WIT files. A missing
    /// plugin file is that plugin's build error, not the manifest's.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ManifestError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ManifestError::Read { path: path.to_path_buf(), source })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, path, base)
    }

    /// Parses and validates manifest text; `path` names it in errors and
    /// relative paths are resolved against `base`.
    ///
    /// # Errors
    /// As [`Manifest::from_path`], except reading.
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<Self, ManifestError> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let wit = match raw.wit {
            OneOrMany::One(p) => vec![p],
            OneOrMany::Many(ps) => ps,
        };
        let missing = |what: String, missing: PathBuf| ManifestError::MissingFile {
            path: path.to_path_buf(),
            what,
            missing,
        };
        let wit = wit
            .into_iter()
            .map(|p| {
                let full = base.join(p);
                if full.exists() { Ok(full) } else { Err(missing("WIT".into(), full)) }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bad_limits = |plugin: Option<&str>, message: String| ManifestError::Limits {
            path: path.to_path_buf(),
            plugin: plugin.map(PluginId::new),
            message,
        };
        let limits = raw.limits.apply(Limits::default()).map_err(|m| bad_limits(None, m))?;
        let mut seen = HashSet::new();
        let mut fresh_id = |id: &str| {
            if id.is_empty() {
                return Err(ManifestError::EmptyId { path: path.to_path_buf() });
            }
            if !PluginId::from(id).is_valid() {
                return Err(ManifestError::InvalidId {
                    path: path.to_path_buf(),
                    id: PluginId::new(id),
                });
            }
            if !seen.insert(id.to_string()) {
                return Err(ManifestError::DuplicateId {
                    path: path.to_path_buf(),
                    id: PluginId::new(id),
                });
            }
            Ok(())
        };
        let mut plugins = Vec::with_capacity(raw.plugins.len());
        for p in raw.plugins {
            fresh_id(&p.id)?;
            // A missing or unreadable file is that plugin's build error, not the manifest's.
            let full = base.join(&p.path);
            let own = p.limits.apply(limits).map_err(|m| bad_limits(Some(&p.id), m))?;
            let grants = p.grants.resolve(base).map_err(|message| ManifestError::Grants {
                path: path.to_path_buf(),
                plugin: PluginId::new(p.id.clone()),
                message,
            })?;
            let restart =
                p.restart.as_ref().map(RawRestart::policy).transpose().map_err(|message| {
                    ManifestError::Restart {
                        path: path.to_path_buf(),
                        plugin: PluginId::new(p.id.clone()),
                        message,
                    }
                })?;
            if let Some(pool) = p.pool.filter(|n| !(1..=MAX_POOL).contains(n)) {
                return Err(ManifestError::Pool {
                    path: path.to_path_buf(),
                    plugin: PluginId::new(p.id),
                    pool,
                });
            }
            plugins.push(ManifestPlugin {
                id: PluginId::new(p.id),
                path: full,
                limits: own,
                grants,
                restart,
                remap: p.remap,
                dynamic: p.dynamic,
                pool: p.pool,
            });
        }
        let mut host = Vec::with_capacity(raw.host.len());
        for h in raw.host {
            fresh_id(&h.id)?;
            host.push(ManifestHostPlug { id: PluginId::new(h.id), plug: h.plug });
        }
        Ok(Manifest {
            root: raw.root,
            wit,
            cardinality: raw.cardinality,
            parallel: raw.parallel,
            limits,
            plugins,
            host,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let dir = env!("CARGO_MANIFEST_DIR");
        Manifest::parse(text, Path::new("plugtree.toml"), Path::new(dir))
    }

    #[test]
    fn reads_every_field() {
        let m = parse(
            "root = \"a:b/c\"\nwit = \"wit\"\nparallel = [\"a:b/c\"]\n[cardinality]\n\"a:b/c\" = \"any\"\n\"a:b/d\" = \"at-most-one\"\n\
             \"a:b/e\" = \"at-least-one\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\n",
        )
        .expect("valid");
        assert_eq!(m.root, "a:b/c");
        assert_eq!(m.wit, vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("wit")]);
        assert_eq!(m.cardinality["a:b/c"], Cardinality::Any);
        assert_eq!(m.parallel, ["a:b/c"]);
        assert_eq!(m.cardinality["a:b/d"], Cardinality::AtMostOne);
        assert_eq!(m.cardinality["a:b/e"], Cardinality::AtLeastOne);
        assert_eq!(m.plugins[0].id, "x");
        assert_eq!(m.plugins[0].limits, Limits::default());
        assert_eq!(m.plugins[0].grants, Grants::none(), "nothing is granted by default");
    }

    #[test]
    fn plugin_grants_resolve_against_the_manifest_folder() {
        let m = parse(
            "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\n\
             grants = { dirs = [{ host = \"src\", guest = \"/src\", mode = \"rw\" }], stderr = true }\n",
        )
        .expect("valid");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        assert_eq!(
            m.plugins[0].grants,
            Grants::none().dir(dir, "/src", super::super::DirMode::ReadWrite).stderr(true)
        );
        let bad = parse(
            "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\ngrants = { network = [\"nowhere\"] }\n",
        );
        let bad = bad.unwrap_err();
        assert!(matches!(&bad, ManifestError::Grants { plugin, .. } if plugin == "x"), "{bad:?}");
        assert!(
            bad.to_string().ends_with("plugin `x`: grant `network`: `nowhere` is not `host:port`"),
            "{bad}"
        );
    }

    #[test]
    fn plugin_limits_override_manifest_limits() {
        let m = parse(
            "root = \"a\"\n[limits]\ndeadline = \"2s\"\nmemory = \"1 MiB\"\n\
             [[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\nlimits = { memory = \"2 MiB\" }\n\
             [[plugins]]\nid = \"y\"\npath = \"Cargo.toml\"\n",
        )
        .expect("valid");
        let x = m.plugins[0].limits;
        assert_eq!(
            (x.deadline, x.memory),
            (Some(std::time::Duration::from_secs(2)), Some(2 << 20))
        );
        assert_eq!(m.plugins[1].limits, m.limits);
        let bad = parse(
            "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\nlimits = { deadline = \"soon\" }\n",
        );
        let bad = bad.unwrap_err().to_string();
        assert!(
            bad.ends_with("plugin `x`: limit `deadline`: `soon` is not a duration like `10s`"),
            "{bad}"
        );
    }

    #[test]
    fn plugin_pools_are_read_and_checked() {
        let m = parse(
            "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\npool = 4\n\
             [[plugins]]\nid = \"y\"\npath = \"Cargo.toml\"\n",
        )
        .expect("valid");
        assert_eq!((m.plugins[0].pool, m.plugins[1].pool), (Some(4), None));
        for pool in ["0", "65"] {
            let text = format!(
                "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\npool = {pool}\n"
            );
            let e = parse(&text).expect_err("out of range");
            assert_eq!(
                e.to_string(),
                format!(
                    "invalid manifest `plugtree.toml`: plugin `x`: `pool = {pool}`: give 1 to 64 instances"
                )
            );
        }
    }

    #[test]
    fn plugin_restart_policies_are_read_and_checked() {
        let m = parse(
            "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\nrestart = { max = 3, within = \"60s\" }\n\
             [[plugins]]\nid = \"y\"\npath = \"Cargo.toml\"\n",
        )
        .expect("valid");
        let policy = RestartPolicy::new(3, std::time::Duration::from_secs(60));
        assert_eq!((m.plugins[0].restart, m.plugins[1].restart), (Some(policy), None));
        let bad = parse(
            "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\nrestart = { max = 0, within = \"60s\" }\n",
        )
        .unwrap_err();
        assert!(matches!(&bad, ManifestError::Restart { plugin, .. } if plugin == "x"), "{bad:?}");
        assert_eq!(
            bad.to_string(),
            "invalid manifest `plugtree.toml`: plugin `x`: restart `max`: `0` would never restart; give 1 or more, or leave `restart` out"
        );
    }

    #[test]
    fn rejects_bad_manifests_with_the_reason() {
        let unknown = parse("root = \"a:b/c\"\ncolour = 1\n").unwrap_err();
        assert!(unknown.to_string().contains("unknown field `colour`"), "{unknown}");
        let card = parse("root = \"a:b/c\"\n[cardinality]\n\"a:b/c\" = \"many\"\n").unwrap_err();
        assert!(card.to_string().contains("unknown variant `many`"), "{card}");
        let dup = parse(
            "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\n",
        );
        assert!(matches!(dup, Err(ManifestError::DuplicateId { id, .. }) if id == "x"));
        // A missing plugin file is left to that plugin's build error.
        let missing = parse("root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"nope.wasm\"\n");
        assert!(missing.is_ok_and(|m| m.plugins[0].path.ends_with("nope.wasm")));
        let forged = parse("root = \"a\"\n[[plugins]]\nid = \"x\\nok\"\npath = \"a.wasm\"\n");
        assert!(matches!(&forged, Err(ManifestError::InvalidId { id, .. }) if id == "x\nok"));
        assert!(forged.unwrap_err().to_string().contains("plugin id `x\\nok` is not valid"));
        let no_wit = parse("root = \"a\"\nwit = [\"no-such-dir\"]\n");
        assert!(matches!(no_wit, Err(ManifestError::MissingFile { what, .. }) if what == "WIT"));
        let host = parse("root = \"a\"\n[[host]]\nid = \"s\"\nplug = \"kv\"\n[[host]]\nid = \"l\"\nplug = \"log\"\n").expect("valid");
        assert_eq!(
            host.host,
            vec![
                ManifestHostPlug { id: "s".into(), plug: BuiltinPlug::Kv },
                ManifestHostPlug { id: "l".into(), plug: BuiltinPlug::Log },
            ]
        );
        let taken = parse(
            "root = \"a\"\n[[plugins]]\nid = \"x\"\npath = \"Cargo.toml\"\n[[host]]\nid = \"x\"\nplug = \"kv\"\n",
        );
        assert!(matches!(taken, Err(ManifestError::DuplicateId { id, .. }) if id == "x"));
        let odd = parse("root = \"a\"\n[[host]]\nid = \"s\"\nplug = \"redis\"\n").unwrap_err();
        assert!(odd.to_string().contains("unknown variant `redis`"), "{odd}");
        let empty = parse("root = \"a\"\n[[plugins]]\nid = \"\"\npath = \"Cargo.toml\"\n");
        assert!(matches!(empty, Err(ManifestError::EmptyId { .. })));
        assert!(matches!(parse("wit = \"wit\"\n"), Err(ManifestError::Parse { .. })));
    }
}
