//! `manifest`: `plugtree.toml` text given to [`Manifest::parse`].
//!
//! The first byte picks the input's form. Even: the rest is manifest text
//! (lossily decoded), checked for what validation promises. Odd: the rest is
//! an [`arbitrary`] [`Spec`] — a root, WIT paths, cardinalities, `[limits]`,
//! plugins with their own limits and grants, host plugs — written out as TOML
//! and parsed, with a model of what it must parse to: when every value in the
//! spec is one the model knows, the manifest must be accepted (or refused)
//! exactly as the model says, and accepted fields must be what was written.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use plugtree::describe::{HostPort, ManifestError};
use plugtree::{Cardinality, DirMode, Grants, Limits, Manifest, PluginId};

use crate::repo;

/// Runs one input; panics when an oracle fails.
pub fn run(data: &[u8]) {
    let Some((&form, rest)) = data.split_first() else {
        check_text("");
        return;
    };
    if form % 2 == 0 {
        check_text(&String::from_utf8_lossy(rest));
    } else if let Ok(spec) = Spec::arbitrary_take_rest(Unstructured::new(rest)) {
        check_spec(&spec);
    }
}

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    Manifest::parse(text, Path::new("plugtree.toml"), repo())
}

/// What validation promises of any manifest text.
fn check_text(text: &str) -> Option<Manifest> {
    let parsed = parse(text);
    // Parsing is a function of the text.
    match (&parsed, parse(text)) {
        (Ok(a), Ok(b)) => assert_eq!(a, &b, "two parses of one text differ"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("two parses of one text differ: {a:?} then {b:?}"),
    }
    let m = match parsed {
        Ok(m) => m,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return None;
        }
    };
    let mut ids = HashSet::new();
    let plugin_ids = m.plugins.iter().map(|p| &p.id);
    for id in plugin_ids.chain(m.host.iter().map(|h| &h.id)) {
        assert!(!id.as_str().is_empty(), "an empty plugin id was accepted");
        assert!(ids.insert(id.clone()), "duplicate plugin id `{id}` was accepted");
        assert!(id.is_valid(), "the invalid plugin id `{id}` was accepted");
    }
    for w in &m.wit {
        assert!(w.exists(), "WIT path {} does not exist", w.display());
    }
    for p in &m.plugins {
        let g = &p.grants;
        assert_eq!(g.problem(), None, "plugin `{}`: accepted grants with a problem", p.id);
        for d in &g.dirs {
            assert!(
                d.host.is_dir(),
                "plugin `{}`: granted {} is not a directory",
                p.id,
                d.host.display()
            );
        }
        for key in g.env.keys() {
            assert!(!key.is_empty() && !key.contains('='), "plugin `{}`: env key {key:?}", p.id);
        }
        for hp in &g.network {
            // What a grant prints is what it parses from.
            assert_eq!(hp.to_string().parse::<HostPort>().as_ref(), Ok(hp), "{hp}");
        }
        let zero = Some(Duration::ZERO);
        assert!(p.limits.deadline != zero, "plugin `{}`: a zero deadline was accepted", p.id);
    }
    assert!(m.limits.deadline != Some(Duration::ZERO), "a zero deadline was accepted");
    Some(m)
}

// ---------------------------------------------------------------------------
// Structured manifests and their model.

/// A manifest to write out as TOML.
#[derive(Debug, Arbitrary)]
pub struct Spec {
    root: Text,
    /// `None`: no `wit` key (the default, `wit` beside the manifest).
    wit: Option<Vec<WitPath>>,
    cardinality: Vec<(Text, CardinalityText)>,
    limits: Vec<(LimitKey, Amount)>,
    plugins: Vec<PluginSpec>,
    host: Vec<HostSpec>,
}

/// A string: one a manifest would hold, or any.
#[derive(Debug, Arbitrary)]
enum Text {
    Known(u8),
    Any(String),
}

const NAMES: [&str; 8] =
    ["my:app/greeter", "a:b/c@1.0.0", "demo:text/filter", "english", "x", "x-1.2_b", "", "é"];

impl Text {
    fn get(&self) -> &str {
        match self {
            Text::Known(i) => NAMES[usize::from(*i) % NAMES.len()],
            Text::Any(s) => s,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum WitPath {
    Existing(u8),
    Any(String),
}

const WIT_PATHS: [&str; 4] =
    ["demo/wit", "test-components/wit/app", "crates/plugtree/wit/plugtree-socket.wit", "nowhere"];

impl WitPath {
    fn get(&self) -> &str {
        match self {
            WitPath::Existing(i) => WIT_PATHS[usize::from(*i) % WIT_PATHS.len()],
            WitPath::Any(s) => s,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum CardinalityText {
    Any,
    AtMostOne,
    ExactlyOne,
    AtLeastOne,
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum LimitKey {
    Fuel,
    InstantiationFuel,
    Deadline,
    Memory,
    TableElements,
    Instances,
    Handles,
    Transfer,
}

impl LimitKey {
    fn name(self) -> &'static str {
        match self {
            LimitKey::Fuel => "fuel",
            LimitKey::InstantiationFuel => "instantiation-fuel",
            LimitKey::Deadline => "deadline",
            LimitKey::Memory => "memory",
            LimitKey::TableElements => "table-elements",
            LimitKey::Instances => "instances",
            LimitKey::Handles => "handles",
            LimitKey::Transfer => "transfer",
        }
    }
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum SizeUnit {
    B,
    KiB,
    MiB,
    GiB,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum TimeUnit {
    Ms,
    S,
    M,
}

/// A limit's value.
#[derive(Debug, Arbitrary)]
enum Amount {
    /// A TOML integer (non-negative).
    Whole(u64),
    /// A negative TOML integer.
    Negative(i64),
    /// `"n unit"`.
    Size(u32, SizeUnit),
    /// `"nunit"`.
    Time(u32, TimeUnit),
    Unlimited,
    /// A TOML float `a.b`.
    Float(i16, u8),
    Bool(bool),
    /// Any text (the model does not know it).
    Text(String),
}

/// What the model knows of an amount: `Some(Ok(..))` a value, `Some(Err)` a
/// refusal, `None` nothing.
type Known<T> = Option<Result<T, ()>>;

impl Amount {
    fn toml(&self) -> String {
        match self {
            Amount::Whole(n) => (n & (i64::MAX as u64)).to_string(),
            Amount::Negative(n) => (n | i64::MIN).to_string(),
            Amount::Size(n, u) => quote(&format!("{n} {u:?}")),
            Amount::Time(n, u) => {
                let unit = match u {
                    TimeUnit::Ms => "ms",
                    TimeUnit::S => "s",
                    TimeUnit::M => "m",
                };
                quote(&format!("{n}{unit}"))
            }
            Amount::Unlimited => quote("unlimited"),
            Amount::Float(a, b) => format!("{a}.{b}"),
            Amount::Bool(b) => b.to_string(),
            Amount::Text(t) => quote(t),
        }
    }

    /// A count (fuel, table elements, instances, handles).
    fn count(&self) -> Known<Option<u64>> {
        Some(match self {
            Amount::Whole(n) => Ok(Some(n & (i64::MAX as u64))),
            Amount::Unlimited => Ok(None),
            Amount::Text(_) => return None,
            _ => Err(()),
        })
    }

    /// A size in bytes.
    fn bytes(&self) -> Known<Option<u64>> {
        Some(match self {
            Amount::Whole(n) => Ok(Some(n & (i64::MAX as u64))),
            Amount::Size(n, u) => {
                let scale = match u {
                    SizeUnit::B => 1,
                    SizeUnit::KiB => 1 << 10,
                    SizeUnit::MiB => 1 << 20,
                    SizeUnit::GiB => 1 << 30,
                };
                Ok(Some(u64::from(*n) * scale))
            }
            Amount::Unlimited => Ok(None),
            Amount::Text(_) => return None,
            _ => Err(()),
        })
    }

    fn duration(&self) -> Known<Option<Duration>> {
        Some(match self {
            Amount::Time(0, _) => Err(()),
            Amount::Time(n, u) => Ok(Some(match u {
                TimeUnit::Ms => Duration::from_millis(u64::from(*n)),
                TimeUnit::S => Duration::from_secs(u64::from(*n)),
                TimeUnit::M => Duration::from_secs(u64::from(*n) * 60),
            })),
            Amount::Unlimited => Ok(None),
            Amount::Text(_) => return None,
            _ => Err(()),
        })
    }
}

fn saturate(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// `base` with `limits` applied, as the model knows it.
fn model_limits(base: Limits, limits: &[(LimitKey, &Amount)]) -> Known<Limits> {
    let mut l = base;
    // The first unknown value makes the whole unknown, unless a later one is a known refusal.
    let mut unknown = false;
    for (key, amount) in limits {
        let required = |v: Known<Option<u64>>| match v {
            Some(Ok(Some(n))) => Some(Ok(saturate(n))),
            Some(Ok(None)) | Some(Err(())) => Some(Err(())),
            None => None,
        };
        let applied: Option<Result<(), ()>> = match key {
            LimitKey::Fuel => amount.count().map(|r| r.map(|v| l.fuel = v)),
            LimitKey::InstantiationFuel => {
                amount.count().map(|r| r.map(|v| l.instantiation_fuel = v))
            }
            LimitKey::Deadline => amount.duration().map(|r| r.map(|v| l.deadline = v)),
            LimitKey::Memory => amount.bytes().map(|r| r.map(|v| l.memory = v.map(saturate))),
            LimitKey::TableElements => {
                amount.count().map(|r| r.map(|v| l.table_elements = v.map(saturate)))
            }
            LimitKey::Instances => required(amount.count()).map(|r| r.map(|v| l.instances = v)),
            LimitKey::Handles => required(amount.count()).map(|r| r.map(|v| l.handles = v)),
            LimitKey::Transfer => required(amount.bytes()).map(|r| r.map(|v| l.transfer = v)),
        };
        match applied {
            Some(Ok(())) => {}
            Some(Err(())) => return Some(Err(())),
            None => unknown = true,
        }
    }
    if unknown { None } else { Some(Ok(l)) }
}

#[derive(Debug, Arbitrary)]
struct PluginSpec {
    id: Text,
    path: Text,
    limits: Option<Vec<(LimitKey, Amount)>>,
    grants: Option<GrantsSpec>,
}

#[derive(Debug, Arbitrary)]
struct HostSpec {
    id: Text,
    plug: PlugName,
}

#[derive(Debug, Arbitrary)]
enum PlugName {
    Kv,
    Log,
    Other(String),
}

#[derive(Debug, Arbitrary)]
struct GrantsSpec {
    dirs: Vec<DirSpec>,
    env: Vec<(Text, String)>,
    args: Vec<String>,
    stdout: Option<bool>,
    stderr: Option<bool>,
    network: Vec<Network>,
    name_lookup: Option<bool>,
    strict: Option<bool>,
}

#[derive(Debug, Arbitrary)]
struct DirSpec {
    host: HostDir,
    guest: Guest,
    read_write: bool,
}

#[derive(Debug, Arbitrary)]
enum HostDir {
    Existing(u8),
    Any(String),
}

const HOST_DIRS: [&str; 4] = ["src", "demo", "crates/plugtree", "Cargo.toml"];

#[derive(Debug, Arbitrary)]
enum Guest {
    Known(u8),
    Any(String),
}

const GUESTS: [&str; 6] = ["/data", "/src", "data", "/a/b", "/x/../y", ""];

#[derive(Debug, Arbitrary)]
enum Network {
    V4([u8; 4], u16),
    V6(u16, u16),
    Name(u8, u16),
    Any(String),
}

const HOST_NAMES: [&str; 3] = ["localhost", "example.com", "db-1.internal"];

/// `s` as a TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Keys once each (TOML refuses a key given twice), the first one winning.
fn first_of_each<'a, K: PartialEq + 'a, V>(
    pairs: impl IntoIterator<Item = &'a (K, V)>,
) -> Vec<&'a (K, V)> {
    let mut kept: Vec<&(K, V)> = Vec::new();
    for pair in pairs {
        if !kept.iter().any(|k| k.0 == pair.0) {
            kept.push(pair);
        }
    }
    kept
}

fn inline_limits(limits: &[&(LimitKey, Amount)]) -> String {
    let fields: Vec<String> =
        limits.iter().map(|(k, a)| format!("{} = {}", k.name(), a.toml())).collect();
    format!("{{ {} }}", fields.join(", "))
}

impl Spec {
    /// The manifest as TOML.
    fn toml(&self) -> String {
        let mut out = format!("root = {}\n", quote(self.root.get()));
        if let Some(wit) = &self.wit {
            let paths: Vec<String> = wit.iter().map(|w| quote(w.get())).collect();
            out.push_str(&format!("wit = [{}]\n", paths.join(", ")));
        }
        out.push_str("\n[cardinality]\n");
        let names: Vec<(&str, &CardinalityText)> =
            self.cardinality.iter().map(|(t, c)| (t.get(), c)).collect();
        for (name, c) in first_of_each(&names) {
            let value = match c {
                CardinalityText::Any => "any",
                CardinalityText::AtMostOne => "at-most-one",
                CardinalityText::ExactlyOne => "exactly-one",
                CardinalityText::AtLeastOne => "at-least-one",
                CardinalityText::Other(s) => s,
            };
            out.push_str(&format!("{} = {}\n", quote(name), quote(value)));
        }
        out.push_str("\n[limits]\n");
        for (k, a) in first_of_each(&self.limits) {
            out.push_str(&format!("{} = {}\n", k.name(), a.toml()));
        }
        for p in &self.plugins {
            out.push_str(&format!(
                "\n[[plugins]]\nid = {}\npath = {}\n",
                quote(p.id.get()),
                quote(p.path.get())
            ));
            if let Some(limits) = &p.limits {
                out.push_str(&format!("limits = {}\n", inline_limits(&first_of_each(limits))));
            }
            if let Some(g) = &p.grants {
                out.push_str(&format!("grants = {}\n", g.toml()));
            }
        }
        for h in &self.host {
            let plug = match &h.plug {
                PlugName::Kv => "kv",
                PlugName::Log => "log",
                PlugName::Other(s) => s,
            };
            out.push_str(&format!(
                "\n[[host]]\nid = {}\nplug = {}\n",
                quote(h.id.get()),
                quote(plug)
            ));
        }
        out
    }
}

impl GrantsSpec {
    fn toml(&self) -> String {
        let mut fields = Vec::new();
        let dirs: Vec<String> = self
            .dirs
            .iter()
            .map(|d| {
                format!(
                    "{{ host = {}, guest = {}, mode = \"{}\" }}",
                    quote(d.host.get()),
                    quote(d.guest.get()),
                    if d.read_write { "rw" } else { "ro" }
                )
            })
            .collect();
        fields.push(format!("dirs = [{}]", dirs.join(", ")));
        let env: Vec<(&str, &String)> = self.env.iter().map(|(k, v)| (k.get(), v)).collect();
        let env: Vec<String> = first_of_each(&env)
            .iter()
            .map(|(k, v)| format!("{} = {}", quote(k), quote(v)))
            .collect();
        fields.push(format!("env = {{ {} }}", env.join(", ")));
        let args: Vec<String> = self.args.iter().map(|a| quote(a)).collect();
        fields.push(format!("args = [{}]", args.join(", ")));
        let network: Vec<String> = self.network.iter().map(|n| quote(&n.text())).collect();
        fields.push(format!("network = [{}]", network.join(", ")));
        for (key, value) in [
            ("stdout", self.stdout),
            ("stderr", self.stderr),
            ("name-lookup", self.name_lookup),
            ("strict", self.strict),
        ] {
            if let Some(v) = value {
                fields.push(format!("{key} = {v}"));
            }
        }
        format!("{{ {} }}", fields.join(", "))
    }

    /// The grants, as the model knows them.
    fn model(&self) -> Known<Grants> {
        let mut g = Grants::none();
        let mut unknown = false;
        let mut guests = Vec::new();
        for d in &self.dirs {
            let host = repo().join(d.host.get());
            if !host.is_dir() {
                return Some(Err(()));
            }
            let mode = if d.read_write { DirMode::ReadWrite } else { DirMode::ReadOnly };
            match &d.guest {
                Guest::Known(_) => {
                    let guest = d.guest.get();
                    if guest.is_empty()
                        || guest.split('/').any(|p| p == "..")
                        || guests.contains(&guest)
                    {
                        return Some(Err(()));
                    }
                    guests.push(guest);
                }
                Guest::Any(_) => unknown = true,
            }
            g = g.dir(host, d.guest.get(), mode);
        }
        let env: Vec<(&str, &String)> = self.env.iter().map(|(k, v)| (k.get(), v)).collect();
        for (k, v) in first_of_each(&env) {
            if k.is_empty() || k.contains('=') {
                return Some(Err(()));
            }
            g = g.env(*k, v.as_str());
        }
        for a in &self.args {
            g = g.arg(a.as_str());
        }
        for n in &self.network {
            match n {
                Network::V4(ip, port) => {
                    g = g.network(std::net::Ipv4Addr::from(*ip).to_string(), *port)
                }
                Network::V6(a, port) => g = g.network(format!("::{a:x}"), *port),
                Network::Name(i, port) => {
                    g = g.network(HOST_NAMES[usize::from(*i) % HOST_NAMES.len()], *port);
                }
                Network::Any(_) => unknown = true,
            }
        }
        g = g
            .stdout(self.stdout.unwrap_or(false))
            .stderr(self.stderr.unwrap_or(false))
            .name_lookup(self.name_lookup.unwrap_or(false))
            .strict(self.strict.unwrap_or(false));
        if unknown { None } else { Some(Ok(g)) }
    }
}

impl HostDir {
    fn get(&self) -> &str {
        match self {
            HostDir::Existing(i) => HOST_DIRS[usize::from(*i) % HOST_DIRS.len()],
            HostDir::Any(s) => s,
        }
    }
}

impl Guest {
    fn get(&self) -> &str {
        match self {
            Guest::Known(i) => GUESTS[usize::from(*i) % GUESTS.len()],
            Guest::Any(s) => s,
        }
    }
}

impl Network {
    fn text(&self) -> String {
        match self {
            Network::V4(ip, port) => format!("{}:{port}", std::net::Ipv4Addr::from(*ip)),
            Network::V6(a, port) => format!("[::{a:x}]:{port}"),
            Network::Name(i, port) => {
                format!("{}:{port}", HOST_NAMES[usize::from(*i) % HOST_NAMES.len()])
            }
            Network::Any(s) => s.clone(),
        }
    }
}

/// What the model expects of one plugin: its limits and grants.
struct ExpectedPlugin {
    id: PluginId,
    path: PathBuf,
    limits: Limits,
    grants: Grants,
}

/// The manifest the model expects: `Some(Ok)` what it parses to (the fields
/// the model tracks), `Some(Err)` refused, `None` unknown.
struct Expected {
    root: String,
    wit: Vec<PathBuf>,
    cardinality: BTreeMap<String, Cardinality>,
    limits: Limits,
    plugins: Vec<ExpectedPlugin>,
}

fn model(spec: &Spec) -> Known<Expected> {
    let mut unknown = false;
    // Refusals are checked in the order the parser meets them only where it
    // matters: any refusal makes the whole manifest refused.
    let wit: Vec<PathBuf> = match &spec.wit {
        None => vec![repo().join("wit")],
        Some(paths) => paths.iter().map(|w| repo().join(w.get())).collect(),
    };
    let wit_ok = wit.iter().all(|p| p.exists());
    let mut cardinality = BTreeMap::new();
    let names: Vec<(&str, &CardinalityText)> =
        spec.cardinality.iter().map(|(t, c)| (t.get(), c)).collect();
    let mut refused = !wit_ok;
    for (name, c) in first_of_each(&names) {
        let value = match c {
            CardinalityText::Any => Cardinality::Any,
            CardinalityText::AtMostOne => Cardinality::AtMostOne,
            CardinalityText::ExactlyOne => Cardinality::ExactlyOne,
            CardinalityText::AtLeastOne => Cardinality::AtLeastOne,
            CardinalityText::Other(s) => match s.as_str() {
                "any" => Cardinality::Any,
                "at-most-one" => Cardinality::AtMostOne,
                "exactly-one" => Cardinality::ExactlyOne,
                "at-least-one" => Cardinality::AtLeastOne,
                _ => {
                    refused = true;
                    continue;
                }
            },
        };
        cardinality.insert(name.to_string(), value);
    }
    let limits_list: Vec<(LimitKey, &Amount)> =
        first_of_each(&spec.limits).into_iter().map(|(k, a)| (*k, a)).collect();
    let limits = model_limits(Limits::default(), &limits_list);
    let base = match limits {
        Some(Ok(l)) => l,
        Some(Err(())) => return Some(Err(())),
        None => {
            unknown = true;
            Limits::default()
        }
    };
    let mut ids = HashSet::new();
    let mut plugins = Vec::new();
    for p in &spec.plugins {
        let id = p.id.get();
        if id.is_empty() || !PluginId::from(id).is_valid() || !ids.insert(id.to_string()) {
            refused = true;
        }
        let own = match &p.limits {
            None => Some(Ok(base)),
            Some(list) => {
                let list: Vec<(LimitKey, &Amount)> =
                    first_of_each(list).into_iter().map(|(k, a)| (*k, a)).collect();
                model_limits(base, &list)
            }
        };
        let grants = match &p.grants {
            None => Some(Ok(Grants::none())),
            Some(g) => g.model(),
        };
        match (own, grants) {
            (Some(Err(())), _) | (_, Some(Err(()))) => refused = true,
            (Some(Ok(limits)), Some(Ok(grants))) => plugins.push(ExpectedPlugin {
                id: PluginId::new(id),
                path: repo().join(p.path.get()),
                limits,
                grants,
            }),
            _ => unknown = true,
        }
    }
    for h in &spec.host {
        let id = h.id.get();
        if id.is_empty() || !PluginId::from(id).is_valid() || !ids.insert(id.to_string()) {
            refused = true;
        }
        if let PlugName::Other(s) = &h.plug
            && s != "kv"
            && s != "log"
        {
            refused = true;
        }
    }
    if refused {
        return Some(Err(()));
    }
    if unknown {
        return None;
    }
    Some(Ok(Expected {
        root: spec.root.get().to_string(),
        wit,
        cardinality,
        limits: base,
        plugins,
    }))
}

fn check_spec(spec: &Spec) {
    let text = spec.toml();
    let parsed = check_text(&text);
    match (model(spec), parsed) {
        (None, _) => {}
        (Some(Err(())), None) => {}
        (Some(Err(())), Some(m)) => {
            panic!("accepted a manifest the model refuses:\n{text}\n{m:#?}")
        }
        (Some(Ok(_)), None) => {
            let e = parse(&text).expect_err("refused above");
            panic!("refused a manifest the model accepts: {e}\n{text}")
        }
        (Some(Ok(want)), Some(m)) => {
            assert_eq!(m.root, want.root, "{text}");
            assert_eq!(m.wit, want.wit, "{text}");
            assert_eq!(m.cardinality, want.cardinality, "{text}");
            assert_eq!(m.limits, want.limits, "{text}");
            assert_eq!(m.plugins.len(), want.plugins.len(), "{text}");
            for (got, want) in m.plugins.iter().zip(&want.plugins) {
                assert_eq!(got.id, want.id, "{text}");
                assert_eq!(got.path, want.path, "{text}");
                assert_eq!(got.limits, want.limits, "plugin `{}`:\n{text}", want.id);
                assert_eq!(got.grants, want.grants, "plugin `{}`:\n{text}", want.id);
            }
            assert_eq!(m.host.len(), spec.host.len(), "{text}");
        }
    }
}
