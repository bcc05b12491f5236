//! Per-plugin limits: what one call, and one plugin's instance, may consume.
//!
//! Limits are plain data here; the load stage enforces them (fuel and epoch
//! deadlines in each plugin's `Store`, a `ResourceLimiter` for memory, tables
//! and instances, wasmtime's handle and host-call caps).
//!
//! In a manifest, `[limits]` sets every plugin's limits and a plugin's own
//! `limits = { … }` overrides single keys:
//!
//! ```toml
//! [limits]
//! deadline = "2s"          # wall clock per call; "250ms", "1m", or "unlimited"
//! memory = "64 MiB"        # linear memory, all memories together
//! fuel = 1_000_000_000     # instructions per call, or "unlimited"
//!
//! [[plugins]]
//! id = "heavy"
//! path = "heavy.wasm"
//! limits = { memory = "1 GiB", deadline = "30s" }
//! ```

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// The most warm instances a stateless plugin's pool may keep
/// (`TreeBuilder::pool`, a manifest's `pool`): each is a store with its
/// own memory, within the plugin's limits.
pub const MAX_POOL: u32 = 64;

/// What a plugin may consume. [`Limits::default`] lets a normal plugin work and
/// stops a runaway one; every field documents its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Instructions (wasmtime fuel) per call into the plugin. Default: unlimited
    /// (the deadline stops runaway loops); set it for deterministic budgets.
    pub fuel: Option<u64>,
    /// Instructions for instantiation (start functions). Default: unlimited.
    pub instantiation_fuel: Option<u64>,
    /// Wall-clock time per call into the plugin, including the time its own
    /// providers take, and for instantiation. Enforced with epoch
    /// interruption at [`crate::load::EPOCH_TICK`] granularity. Default: 10 s.
    pub deadline: Option<Duration>,
    /// Bytes of linear memory, all of the plugin's memories together.
    /// Default: 256 MiB.
    pub memory: Option<usize>,
    /// Elements of any one table. Default: 100,000.
    pub table_elements: Option<usize>,
    /// Core and component instances, memories and tables (each counted
    /// separately) the plugin may create. Default: 1,000.
    pub instances: usize,
    /// Live component-model resource handles in the plugin's store.
    /// Default: 100,000 (wasmtime's own default).
    pub handles: usize,
    /// Bytes of value one crossing out of the plugin may carry: its results,
    /// or its arguments to a socket. A number counts its width, a string its
    /// UTF-8 bytes, a list the sum of its elements (so a `list<u8>` of a MiB
    /// counts a MiB), a variant, option or result 1 for its case. wasmtime's
    /// own cap on the host's copy is set to this limit times the size of a
    /// `Val` (48 bytes in wasmtime 50), since the host holds a whole `Val` per element: it
    /// stops a byte list past the limit before the host holds it, and bounds
    /// what any crossing costs the host. A typed root function's answer
    /// ([`RootFunc::typed`](crate::RootFunc::typed)) is counted by that cap
    /// alone, in Rust's sizes. Default: 16 MiB (so the host's copy of one
    /// crossing stays under 768 MiB).
    pub transfer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: None,
            instantiation_fuel: None,
            deadline: Some(Duration::from_secs(10)),
            memory: Some(256 << 20),
            table_elements: Some(100_000),
            instances: 1_000,
            handles: 100_000,
            transfer: 16 << 20,
        }
    }
}

impl Limits {
    /// No limits beyond wasmtime's own caps on handles and host-call data.
    pub fn unlimited() -> Self {
        Limits {
            deadline: None,
            memory: None,
            table_elements: None,
            instances: 10_000,
            ..Limits::default()
        }
    }

    /// These limits with a fuel budget per call.
    pub fn with_fuel(mut self, fuel: Option<u64>) -> Self {
        self.fuel = fuel;
        self
    }

    /// These limits with a fuel budget for instantiation.
    pub fn with_instantiation_fuel(mut self, fuel: Option<u64>) -> Self {
        self.instantiation_fuel = fuel;
        self
    }

    /// These limits with a wall-clock deadline per call.
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// These limits with a linear-memory cap in bytes.
    pub fn with_memory(mut self, bytes: Option<usize>) -> Self {
        self.memory = bytes;
        self
    }

    /// These limits with a cap on table elements.
    pub fn with_table_elements(mut self, elements: Option<usize>) -> Self {
        self.table_elements = elements;
        self
    }

    /// These limits with a cap on instances, memories and tables.
    pub fn with_instances(mut self, instances: usize) -> Self {
        self.instances = instances;
        self
    }

    /// These limits with a cap on live resource handles.
    pub fn with_handles(mut self, handles: usize) -> Self {
        self.handles = handles;
        self
    }

    /// These limits with a cap on the bytes one call's values may cost the host.
    pub fn with_transfer(mut self, bytes: usize) -> Self {
        self.transfer = bytes;
        self
    }
}

/// One kind of limit, as reported when a plugin exceeds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::fuel`] or [`Limits::instantiation_fuel`].
    Fuel,
    /// [`Limits::deadline`].
    Deadline,
    /// [`Limits::memory`].
    Memory,
    /// [`Limits::table_elements`].
    TableElements,
    /// [`Limits::instances`].
    Instances,
    /// [`Limits::handles`].
    Handles,
    /// [`Limits::transfer`].
    Transfer,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Fuel => "fuel",
            Limit::Deadline => "deadline",
            Limit::Memory => "memory",
            Limit::TableElements => "table-elements",
            Limit::Instances => "instances",
            Limit::Handles => "handles",
            Limit::Transfer => "transfer",
        })
    }
}

/// Limits as written in a manifest: every key optional, overriding a base.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawLimits {
    fuel: Option<Amount>,
    instantiation_fuel: Option<Amount>,
    deadline: Option<Amount>,
    memory: Option<Amount>,
    table_elements: Option<Amount>,
    instances: Option<Amount>,
    handles: Option<Amount>,
    transfer: Option<Amount>,
}

/// A number, or text such as `"64 MiB"`, `"250ms"` or `"unlimited"`; any
/// other TOML value is kept to be refused with a message naming the key.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Amount {
    Number(i64),
    Float(f64),
    Text(String),
    Other(toml::Value),
}
impl RawLimits {
    /// `base` with every key given here replaced; the error names the key.
    pub(crate) fn apply(&self, base: Limits) -> Result<Limits, String> {
        let mut l = base;
        let key = |name: &str, e: String| format!("limit `{name}`: {e}");
        if let Some(a) = &self.fuel {
            l.fuel = a.count().map_err(|e| key("fuel", e))?;
        }
        if let Some(a) = &self.instantiation_fuel {
            l.instantiation_fuel = a.count().map_err(|e| key("instantiation-fuel", e))?;
        }
        if let Some(a) = &self.deadline {
            l.deadline = a.duration().map_err(|e| key("deadline", e))?;
        }
        if let Some(a) = &self.memory {
            l.memory = a.bytes().map_err(|e| key("memory", e))?;
        }
        if let Some(a) = &self.table_elements {
            l.table_elements = a.count().map_err(|e| key("table-elements", e))?.map(saturate);
        }
        let required = |a: &Amount, name: &str, bytes: bool| -> Result<usize, String> {
            let value = if bytes { a.bytes() } else { a.count().map(|c| c.map(saturate)) };
            value.map_err(|e| key(name, e))?.ok_or_else(|| key(name, "cannot be unlimited".into()))
        };
        if let Some(a) = &self.instances {
            l.instances = required(a, "instances", false)?;
        }
        if let Some(a) = &self.handles {
            l.handles = required(a, "handles", false)?;
        }
        if let Some(a) = &self.transfer {
            l.transfer = required(a, "transfer", true)?;
        }
        Ok(l)
    }
}

fn saturate(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// What every amount may be, for messages.
const ACCEPTED: &str = "a whole number, text like \"64 MiB\" or \"1.5s\", or \"unlimited\"";

/// An amount as given, once it is known to be one.
enum Given<'a> {
    Number(u64),
    Unlimited,
    Text(&'a str),
}

impl Amount {
    /// The amount as given; a negative, fractional or other value refused.
    fn given(&self) -> Result<Given<'_>, String> {
        match self {
            Amount::Number(n) => u64::try_from(*n)
                .map(Given::Number)
                .map_err(|_| format!("`{n}` is negative; give {ACCEPTED}")),
            Amount::Float(x) => Err(format!("`{x}` is not a whole number; give {ACCEPTED}")),
            Amount::Text(t) if t.trim() == "unlimited" => Ok(Given::Unlimited),
            Amount::Text(t) => Ok(Given::Text(t.trim())),
            Amount::Other(v) => {
                Err(format!("`{v}` is of TOML type {}; give {ACCEPTED}", v.type_str()))
            }
        }
    }

    /// A whole number of things (fuel, table elements, instances, handles).
    fn count(&self) -> Result<Option<u64>, String> {
        match self.given()? {
            Given::Number(n) => Ok(Some(n)),
            Given::Unlimited => Ok(None),
            Given::Text(t) => t
                .replace('_', "")
                .parse()
                .map(Some)
                .map_err(|_| format!("`{t}` is not a whole number; give {ACCEPTED}")),
        }
    }

    /// A size: bytes, or a number with `B`, `KiB`, `MiB` or `GiB` (which may
    /// have decimals: `"1.5 MiB"`, rounded down to whole bytes).
    fn bytes(&self) -> Result<Option<usize>, String> {
        let t = match self.given()? {
            Given::Number(n) => return Ok(Some(saturate(n))),
            Given::Unlimited => return Ok(None),
            Given::Text(t) => t,
        };
        let (n, unit) = number_and_unit(t, "a size like `64 MiB`")?;
        let scale: u64 = match unit {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            other => {
                return Err(format!("unknown unit `{other}` in `{t}` (use B, KiB, MiB or GiB)"));
            }
        };
        let too_large = || format!("`{t}` is too large");
        let bytes = match n {
            Number::Whole(n) => n.checked_mul(scale).ok_or_else(too_large)?,
            Number::Decimal(x) => match x * scale as f64 {
                b if b < u64::MAX as f64 => b as u64,
                _ => return Err(too_large()),
            },
        };
        Ok(Some(saturate(bytes)))
    }

    /// A duration: a number with `ms`, `s` or `m` (decimals allowed:
    /// `"1.5s"`); more than zero, as a zero deadline would refuse every call.
    /// `None` for `"unlimited"`. Also read by a restart policy's `within`.
    pub(crate) fn duration(&self) -> Result<Option<Duration>, String> {
        let t = match self.given()? {
            Given::Number(_) => return Err("give a unit, like \"500ms\" or \"10s\"".into()),
            Given::Unlimited => return Ok(None),
            Given::Text(t) => t,
        };
        let (n, unit) = number_and_unit(t, "a duration like `10s`")?;
        let too_long = || format!("`{t}` is too long");
        let duration = match (n, unit) {
            (Number::Whole(n), "ms") => Duration::from_millis(n),
            (Number::Whole(n), "s") => Duration::from_secs(n),
            (Number::Whole(n), "m") => Duration::from_secs(n.checked_mul(60).ok_or_else(too_long)?),
            (Number::Decimal(x), "ms" | "s" | "m") => {
                let per_second = match unit {
                    "ms" => 0.001,
                    "s" => 1.0,
                    _ => 60.0,
                };
                Duration::try_from_secs_f64(x * per_second).map_err(|_| too_long())?
            }
            (_, other) => return Err(format!("unknown unit `{other}` in `{t}` (use ms, s or m)")),
        };
        if duration.is_zero() {
            return Err(format!("`{t}` is no time at all; give more, or \"unlimited\""));
        }
        Ok(Some(duration))
    }
}

/// The number of an amount's text: whole ones stay exact.
#[derive(Clone, Copy)]
enum Number {
    Whole(u64),
    Decimal(f64),
}

/// `t` split into its number (digits, `_` and one `.`) and its unit.
fn number_and_unit<'t>(t: &'t str, like: &str) -> Result<(Number, &'t str), String> {
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '_' && c != '.').unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let digits = digits.replace('_', "");
    let not = || format!("`{t}` is not {like}");
    let n = if digits.contains('.') {
        Number::Decimal(digits.parse().map_err(|_| not())?)
    } else {
        Number::Whole(digits.parse().map_err(|_| not())?)
    };
    Ok((n, unit.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(toml_text: &str) -> Result<Limits, String> {
        let raw: RawLimits = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        raw.apply(Limits::default())
    }

    #[test]
    fn parses_units_and_unlimited() {
        let l = apply("fuel = 1_000\ndeadline = \"250ms\"\nmemory = \"16 MiB\"\ntransfer = \"1 KiB\"\ntable-elements = \"unlimited\"\nhandles = 7\n")
            .expect("valid");
        assert_eq!(l.fuel, Some(1000));
        assert_eq!(l.deadline, Some(Duration::from_millis(250)));
        assert_eq!(l.memory, Some(16 << 20));
        assert_eq!(l.transfer, 1024);
        assert_eq!(l.table_elements, None);
        assert_eq!(l.handles, 7);
        assert_eq!(l.instances, Limits::default().instances, "untouched keys keep the base");
        assert_eq!(
            apply("deadline = \"unlimited\"\nmemory = 4096\n").expect("valid").memory,
            Some(4096)
        );
    }

    #[test]
    fn rejects_bad_values_naming_the_key() {
        assert_eq!(
            apply("deadline = 5").unwrap_err(),
            "limit `deadline`: give a unit, like \"500ms\" or \"10s\""
        );
        assert_eq!(
            apply("memory = \"12 parsecs\"").unwrap_err(),
            "limit `memory`: unknown unit `parsecs` in `12 parsecs` (use B, KiB, MiB or GiB)"
        );
        let whole = "give a whole number, text like \"64 MiB\" or \"1.5s\", or \"unlimited\"";
        assert_eq!(
            apply("fuel = -5").unwrap_err(),
            format!("limit `fuel`: `-5` is negative; {whole}")
        );
        assert_eq!(
            apply("memory = 1.5").unwrap_err(),
            format!("limit `memory`: `1.5` is not a whole number; {whole}")
        );
        assert_eq!(
            apply("handles = [1]").unwrap_err(),
            format!("limit `handles`: `[1]` is of TOML type array; {whole}")
        );
        assert_eq!(
            apply("deadline = \"0s\"").unwrap_err(),
            "limit `deadline`: `0s` is no time at all; give more, or \"unlimited\""
        );
        assert_eq!(
            apply("deadline = \"1.5s\"").expect("valid").deadline,
            Some(Duration::from_millis(1500))
        );
        assert_eq!(apply("memory = \"1.5 KiB\"").expect("valid").memory, Some(1536));
        assert_eq!(
            apply("handles = \"unlimited\"").unwrap_err(),
            "limit `handles`: cannot be unlimited"
        );
        assert_eq!(
            apply("fuel = \"lots\"").unwrap_err(),
            format!("limit `fuel`: `lots` is not a whole number; {whole}")
        );
        assert_eq!(
            apply("memory = \"99999999999999 GiB\"").unwrap_err(),
            "limit `memory`: `99999999999999 GiB` is too large"
        );
        assert!(apply("colour = 1").unwrap_err().contains("unknown field `colour`"));
    }
}
