//! Capability grants: what a plugin may touch through WASI, as data.
//!
//! A plugin gets nothing by default. Its WASI imports (many guests import WASI
//! through their language's standard library without using it) link against a
//! context with no preopened directories, no environment, no arguments, no
//! network, an empty stdin and discarded stdout/stderr. A plugin's grants open
//! single capabilities; in strict mode a WASI import that no grant backs
//! refuses the plugin at build time. The load stage turns grants into a
//! `wasmtime-wasi` context.
//!
//! In a manifest, per plugin:
//!
//! ```toml
//! [[plugins]]
//! id = "reader"
//! path = "reader.wasm"
//! grants = { dirs = [{ host = "data", guest = "/data", mode = "ro" }], env = { LANG = "C" },
//!            args = ["reader", "-v"], stdout = true, stderr = true,
//!            network = ["127.0.0.1:8080"], name-lookup = false, strict = true,
//!            http = ["https://api.example.com", "http://127.0.0.1:8080"] }
//! ```
//!
//! `http` lists the destinations of outgoing HTTP requests
//! (`wasi:http/outgoing-handler`), as [`HttpTarget`] patterns; the `network`
//! grant is for raw sockets and does not cover them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

use super::http_target::HttpTarget;

/// What one plugin may touch through WASI. [`Grants::default`] is nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grants {
    /// Host directories the plugin sees, each under a guest path.
    pub dirs: Vec<DirGrant>,
    /// Environment variables the plugin sees (nothing of the host's own).
    pub env: BTreeMap<String, String>,
    /// The plugin's command-line arguments, as given (the first is
    /// conventionally a program name).
    pub args: Vec<String>,
    /// Whether the plugin's stdout goes to the host's stdout (else it is discarded).
    pub stdout: bool,
    /// Whether the plugin's stderr goes to the host's stderr (else it is discarded).
    pub stderr: bool,
    /// The addresses the plugin may connect to, bind or send to (TCP and UDP).
    /// Host names are resolved once, when the plugin is loaded.
    pub network: Vec<HostPort>,
    /// Whether the plugin may resolve host names (`wasi:sockets/ip-name-lookup`).
    pub name_lookup: bool,
    /// Where the plugin may send HTTP requests (`wasi:http/outgoing-handler`);
    /// empty: nowhere, every request is answered `HTTP-request-denied`.
    pub http: Vec<HttpTarget>,
    /// Strict mode: a WASI import that no grant backs refuses the plugin
    /// ([`BuildError::UngrantedWasi`](crate::BuildError::UngrantedWasi)) instead
    /// of linking it to a denying context.
    pub strict: bool,
}

/// A host directory preopened for a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The directory on the host.
    pub host: PathBuf,
    /// Its name in the guest, e.g. `/data`.
    pub guest: String,
    /// Read-only or read-write.
    pub mode: DirMode,
}

/// How a plugin may use a preopened directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
pub enum DirMode {
    /// Read files and list directories.
    #[serde(rename = "ro")]
    ReadOnly,
    /// Also create, write, rename and remove.
    #[serde(rename = "rw")]
    ReadWrite,
}

impl fmt::Display for DirMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DirMode::ReadOnly => "ro",
            DirMode::ReadWrite => "rw",
        })
    }
}

/// A `host:port` a plugin may use; the host is an IP address or a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// An IP address (IPv6 without brackets) or a host name.
    pub host: String,
    /// The port.
    pub port: u16,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for HostPort {
    type Err = String;

    /// Parses `host:port`, `1.2.3.4:port` or `[::1]:port`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not `host:port`");
        let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
        // An IPv6 address needs its brackets, or its last group would read as the port.
        let (host, bracketed) = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(inner) => (inner, true),
            None => (host, false),
        };
        let bad_v6 =
            host.contains(':') && (!bracketed || host.parse::<std::net::Ipv6Addr>().is_err());
        if host.is_empty() || host.contains(['/', ' ', '[', ']']) || bad_v6 {
            return Err(bad());
        }
        let port = port.parse().map_err(|_| format!("`{port}` in `{s}` is not a port number"))?;
        Ok(HostPort { host: host.to_string(), port })
    }
}

impl Grants {
    /// Nothing granted: the same as [`Grants::default`].
    pub fn none() -> Self {
        Grants::default()
    }

    /// These grants with `host` preopened as `guest`.
    pub fn dir(
        mut self,
        host: impl Into<PathBuf>,
        guest: impl Into<String>,
        mode: DirMode,
    ) -> Self {
        self.dirs.push(DirGrant { host: host.into(), guest: guest.into(), mode });
        self
    }

    /// What makes these grants unusable, if anything: a guest path that is
    /// empty or climbs out with `..`, or one given twice (the guest would
    /// see only one of the two directories there).
    pub fn problem(&self) -> Option<String> {
        let mut seen: Vec<&str> = Vec::new();
        for d in &self.dirs {
            let guest = d.guest.trim_end_matches('/');
            if d.guest.is_empty() {
                return Some(format!(
                    "grant `dirs`: the guest path for `{}` is empty",
                    d.host.display()
                ));
            }
            if d.guest.split('/').any(|part| part == "..") {
                return Some(format!(
                    "grant `dirs`: the guest path `{}` climbs out with `..`",
                    d.guest.escape_debug()
                ));
            }
            if seen.contains(&guest) {
                return Some(format!(
                    "grant `dirs`: the guest path `{}` is granted twice",
                    d.guest.escape_debug()
                ));
            }
            seen.push(guest);
        }
        None
    }

    /// These grants with one more environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// These grants with one more argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// These grants with stdout inherited from the host, or discarded.
    pub fn stdout(mut self, inherit: bool) -> Self {
        self.stdout = inherit;
        self
    }

    /// These grants with stderr inherited from the host, or discarded.
    pub fn stderr(mut self, inherit: bool) -> Self {
        self.stderr = inherit;
        self
    }

    /// These grants with one more address the plugin may use.
    pub fn network(mut self, host: impl Into<String>, port: u16) -> Self {
        self.network.push(HostPort { host: host.into(), port });
        self
    }

    /// These grants with host-name lookup allowed or not.
    pub fn name_lookup(mut self, allow: bool) -> Self {
        self.name_lookup = allow;
        self
    }

    /// These grants with one more destination for HTTP requests.
    pub fn http(mut self, target: HttpTarget) -> Self {
        self.http.push(target);
        self
    }

    /// These grants in strict mode or not.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Whether `capability` is granted.
    pub(crate) fn allows(&self, capability: Capability) -> bool {
        match capability {
            Capability::Dirs => !self.dirs.is_empty(),
            Capability::Environment => !self.env.is_empty() || !self.args.is_empty(),
            Capability::Stdout => self.stdout,
            Capability::Stderr => self.stderr,
            Capability::Network => !self.network.is_empty(),
            Capability::NameLookup => self.name_lookup,
            Capability::Http => !self.http.is_empty(),
        }
    }

    /// The grants a plugin importing `wasi_imports` can actually use: a grant
    /// for an interface it does not import has no effect. `strict` is kept.
    pub(crate) fn effective<'a>(&self, wasi_imports: impl IntoIterator<Item = &'a str>) -> Grants {
        let used: Vec<Capability> = wasi_imports
            .into_iter()
            .filter_map(|i| match wasi_need(i) {
                WasiNeed::Grant(c) => Some(c),
                _ => None,
            })
            .collect();
        let has = |c| used.contains(&c);
        Grants {
            dirs: if has(Capability::Dirs) { self.dirs.clone() } else { Vec::new() },
            env: if has(Capability::Environment) { self.env.clone() } else { BTreeMap::new() },
            args: if has(Capability::Environment) { self.args.clone() } else { Vec::new() },
            stdout: self.stdout && has(Capability::Stdout),
            stderr: self.stderr && has(Capability::Stderr),
            network: if has(Capability::Network) { self.network.clone() } else { Vec::new() },
            name_lookup: self.name_lookup && has(Capability::NameLookup),
            http: if has(Capability::Http) { self.http.clone() } else { Vec::new() },
            strict: self.strict,
        }
    }

    /// Whether nothing is granted (strict mode grants nothing).
    pub fn is_nothing(&self) -> bool {
        Capability::ALL.iter().all(|&c| !self.allows(c))
    }
}

/// One kind of capability, named as the manifest key that grants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Capability {
    /// `dirs`: `wasi:filesystem/*`.
    Dirs,
    /// `env` or `args`: `wasi:cli/environment`.
    Environment,
    /// `stdout`: `wasi:cli/stdout`.
    Stdout,
    /// `stderr`: `wasi:cli/stderr`.
    Stderr,
    /// `network`: `wasi:sockets/*` but name lookup.
    Network,
    /// `name-lookup`: `wasi:sockets/ip-name-lookup`.
    NameLookup,
    /// `http`: `wasi:http/outgoing-handler` (and `wasi:http/types`).
    Http,
}

impl Capability {
    const ALL: [Capability; 7] = [
        Capability::Dirs,
        Capability::Environment,
        Capability::Stdout,
        Capability::Stderr,
        Capability::Network,
        Capability::NameLookup,
        Capability::Http,
    ];
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capability::Dirs => "`dirs`",
            Capability::Environment => "`env` or `args`",
            Capability::Stdout => "`stdout`",
            Capability::Stderr => "`stderr`",
            Capability::Network => "`network`",
            Capability::NameLookup => "`name-lookup`",
            Capability::Http => "`http`",
        })
    }
}

/// What linking one WASI import takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WasiNeed {
    /// Harmless plumbing that is always linked: I/O streams and polling,
    /// clocks, random numbers, `exit`, the (empty) stdin and the terminal queries.
    Plumbing,
    /// Useful only with this capability granted.
    Grant(Capability),
    /// A WASI interface plugtree does not provide (e.g. `wasi:http/incoming-handler`,
    /// or WASI 0.3).
    Unsupported,
}

/// Whether an import belongs to WASI.
pub(crate) fn is_wasi(import: &str) -> bool {
    import.starts_with("wasi:")
}

/// What linking `import` (e.g. `wasi:filesystem/types@0.2.6`) takes.
pub(crate) fn wasi_need(import: &str) -> WasiNeed {
    let (name, version) = import.split_once('@').unwrap_or((import, "0.2.0"));
    // wasmtime-wasi's p2 bindings match any 0.2.x import by semver.
    if !version.starts_with("0.2.") {
        return WasiNeed::Unsupported;
    }
    let need = match name {
        "wasi:io/error" | "wasi:io/poll" | "wasi:io/streams" => return WasiNeed::Plumbing,
        "wasi:clocks/monotonic-clock" | "wasi:clocks/wall-clock" => return WasiNeed::Plumbing,
        "wasi:random/random" | "wasi:random/insecure" | "wasi:random/insecure-seed" => {
            return WasiNeed::Plumbing;
        }
        "wasi:cli/exit" | "wasi:cli/stdin" => return WasiNeed::Plumbing,
        "wasi:cli/terminal-input"
        | "wasi:cli/terminal-output"
        | "wasi:cli/terminal-stdin"
        | "wasi:cli/terminal-stdout"
        | "wasi:cli/terminal-stderr" => return WasiNeed::Plumbing,
        "wasi:cli/environment" => Capability::Environment,
        "wasi:cli/stdout" => Capability::Stdout,
        "wasi:cli/stderr" => Capability::Stderr,
        "wasi:filesystem/types" | "wasi:filesystem/preopens" => Capability::Dirs,
        "wasi:sockets/ip-name-lookup" => Capability::NameLookup,
        "wasi:sockets/network"
        | "wasi:sockets/instance-network"
        | "wasi:sockets/tcp"
        | "wasi:sockets/tcp-create-socket"
        | "wasi:sockets/udp"
        | "wasi:sockets/udp-create-socket" => Capability::Network,
        "wasi:http/outgoing-handler" | "wasi:http/types" if cfg!(feature = "http") => {
            Capability::Http
        }
        _ => return WasiNeed::Unsupported,
    };
    WasiNeed::Grant(need)
}

/// Grants as written in a manifest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawGrants {
    #[serde(default)]
    dirs: Vec<RawDir>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    stdout: bool,
    #[serde(default)]
    stderr: bool,
    #[serde(default)]
    network: Vec<String>,
    #[serde(default)]
    name_lookup: bool,
    #[serde(default)]
    http: Vec<String>,
    #[serde(default)]
    strict: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDir {
    host: PathBuf,
    guest: String,
    mode: DirMode,
}

impl RawGrants {
    /// The grants, with host directories resolved against `base`; the error names the key.
    pub(crate) fn resolve(self, base: &Path) -> Result<Grants, String> {
        let mut dirs = Vec::with_capacity(self.dirs.len());
        for d in self.dirs {
            let host = base.join(&d.host);
            if !host.is_dir() {
                return Err(format!("grant `dirs`: `{}` is not a directory", host.display()));
            }
            dirs.push(DirGrant { host, guest: d.guest, mode: d.mode });
        }
        if let Some(bad) = self.env.keys().find(|k| k.is_empty() || k.contains('=')) {
            return Err(format!("grant `env`: `{bad}` is not a variable name"));
        }
        let network = self
            .network
            .iter()
            .map(|a| a.parse::<HostPort>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("grant `network`: {e}"))?;
        let http = self
            .http
            .iter()
            .map(|t| t.parse::<HttpTarget>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("grant `http`: {e}"))?;
        let grants = Grants {
            dirs,
            env: self.env,
            args: self.args,
            stdout: self.stdout,
            stderr: self.stderr,
            network,
            name_lookup: self.name_lookup,
            http,
            strict: self.strict,
        };
        match grants.problem() {
            Some(problem) => Err(problem),
            None => Ok(grants),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(text: &str) -> Result<Grants, String> {
        let raw: RawGrants = toml::from_str(text).map_err(|e| e.to_string())?;
        raw.resolve(Path::new(env!("CARGO_MANIFEST_DIR")))
    }

    #[test]
    fn reads_every_key_and_resolves_dirs_against_the_base() {
        let g = resolve(
            "dirs = [{ host = \"src\", guest = \"/src\", mode = \"ro\" }, { host = \"wit\", guest = \"t\", mode = \"rw\" }]\n\
             env = { A = \"1\" }\nargs = [\"p\", \"-v\"]\nstdout = true\nnetwork = [\"127.0.0.1:80\", \"[::1]:8080\", \"example.com:443\"]\n\
             name-lookup = true\nstrict = true\nhttp = [\"https://*.example.com\", \"http://127.0.0.1:8080\"]\n",
        )
        .expect("valid");
        let base = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            g.dirs,
            vec![
                DirGrant { host: base.join("src"), guest: "/src".into(), mode: DirMode::ReadOnly },
                DirGrant { host: base.join("wit"), guest: "t".into(), mode: DirMode::ReadWrite },
            ]
        );
        assert_eq!(g.env, BTreeMap::from([("A".to_string(), "1".to_string())]));
        assert_eq!(g.args, ["p", "-v"]);
        assert!(g.stdout && !g.stderr && g.name_lookup && g.strict);
        let net: Vec<String> = g.network.iter().map(ToString::to_string).collect();
        assert_eq!(net, ["127.0.0.1:80", "[::1]:8080", "example.com:443"]);
        let http: Vec<String> = g.http.iter().map(ToString::to_string).collect();
        assert_eq!(http, ["https://*.example.com:443", "http://127.0.0.1:8080"]);
        assert_eq!(resolve("").expect("valid"), Grants::none());
    }

    #[test]
    fn rejects_bad_values_naming_the_key() {
        assert_eq!(
            resolve("network = [\"localhost\"]").unwrap_err(),
            "grant `network`: `localhost` is not `host:port`"
        );
        assert_eq!(
            resolve("network = [\"h:99999\"]").unwrap_err(),
            "grant `network`: `99999` in `h:99999` is not a port number"
        );
        assert_eq!(
            resolve("network = [\"::1:80\"]").unwrap_err(),
            "grant `network`: `::1:80` is not `host:port`"
        );
        let missing = resolve("dirs = [{ host = \"no-such-dir\", guest = \"/x\", mode = \"ro\" }]")
            .unwrap_err();
        assert!(
            missing.starts_with("grant `dirs`: `")
                && missing.ends_with("no-such-dir` is not a directory"),
            "{missing}"
        );
        let empty =
            resolve("dirs = [{ host = \"src\", guest = \"\", mode = \"ro\" }]").unwrap_err();
        assert!(
            empty.starts_with("grant `dirs`: the guest path for `")
                && empty.ends_with("src` is empty"),
            "{empty}"
        );
        assert_eq!(
            resolve("dirs = [{ host = \"src\", guest = \"../d\", mode = \"ro\" }]").unwrap_err(),
            "grant `dirs`: the guest path `../d` climbs out with `..`"
        );
        let twice = "dirs = [{ host = \"src\", guest = \"/d\", mode = \"ro\" }, { host = \"wit\", guest = \"/d/\", mode = \"rw\" }]";
        assert_eq!(
            resolve(twice).unwrap_err(),
            "grant `dirs`: the guest path `/d/` is granted twice"
        );
        assert!(
            resolve("dirs = [{ host = \"src\", guest = \"/x\", mode = \"rwx\" }]")
                .unwrap_err()
                .contains("unknown variant `rwx`")
        );
        assert_eq!(
            resolve("env = { \"A=B\" = \"1\" }").unwrap_err(),
            "grant `env`: `A=B` is not a variable name"
        );
        assert!(resolve("sudo = true").unwrap_err().contains("unknown field `sudo`"));
        assert_eq!(
            resolve("http = [\"example.com\"]").unwrap_err(),
            "grant `http`: `example.com` is not `scheme://host:port`"
        );
    }

    #[test]
    fn classifies_wasi_imports() {
        assert_eq!(wasi_need("wasi:io/streams@0.2.6"), WasiNeed::Plumbing);
        assert_eq!(wasi_need("wasi:cli/terminal-stdout@0.2.0"), WasiNeed::Plumbing);
        assert_eq!(wasi_need("wasi:filesystem/preopens@0.2.6"), WasiNeed::Grant(Capability::Dirs));
        assert_eq!(
            wasi_need("wasi:cli/environment@0.2.6"),
            WasiNeed::Grant(Capability::Environment)
        );
        assert_eq!(wasi_need("wasi:sockets/tcp@0.2.3"), WasiNeed::Grant(Capability::Network));
        assert_eq!(
            wasi_need("wasi:sockets/ip-name-lookup@0.2.6"),
            WasiNeed::Grant(Capability::NameLookup)
        );
        assert_eq!(
            wasi_need("wasi:http/outgoing-handler@0.2.6"),
            WasiNeed::Grant(Capability::Http)
        );
        assert_eq!(wasi_need("wasi:http/types@0.2.0"), WasiNeed::Grant(Capability::Http));
        assert_eq!(wasi_need("wasi:http/incoming-handler@0.2.6"), WasiNeed::Unsupported);
        assert_eq!(wasi_need("wasi:cli/environment@0.3.0"), WasiNeed::Unsupported);
    }

    #[test]
    fn effective_grants_are_those_the_imports_can_use() {
        let g = Grants::none().env("A", "1").stdout(true).network("127.0.0.1", 80).strict(true);
        let e = g.effective(["wasi:cli/stdout@0.2.6", "wasi:io/streams@0.2.6"]);
        assert_eq!(e, Grants::none().stdout(true).strict(true));
        assert!(g.effective([]).is_nothing());
        assert!(!g.is_nothing());
    }
}
