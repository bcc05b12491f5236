//! A plugin's restart policy: how often a fresh instance may replace one that
//! failed (trapped or exceeded a limit), as Erlang's restart intensity.
//!
//! ```toml
//! [[plugins]]
//! id = "flaky"
//! path = "flaky.wasm"
//! restart = { max = 3, within = "60s" }   # or within = "unlimited": 3 restarts ever
//! ```

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::limits::Amount;

/// How often a failed plugin is restarted: at most [`max`](Self::max)
/// restarts within any [`within`](Self::within) (a sliding window); the
/// failure past that leaves the plugin failed for good. Without a policy (the
/// default) a failed plugin stays failed until it is reloaded.
///
/// A restart makes a fresh instance of the same component, with the same
/// limits and grants, when the next call reaches the failed plugin. It loses
/// the instance's state (memory, globals, tables), every resource handle the
/// instance gave out (the host's are refused with `DispatchError::Restarted`,
/// consumers' with `bad-handle`) and every handle it held from its providers (dropped,
/// so their destructors run).
///
/// ```
/// use std::time::Duration;
/// let policy = plugtree::RestartPolicy::new(3, Duration::from_secs(60));
/// assert_eq!(policy.to_string(), "at most 3 restarts within 60s");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RestartPolicy {
    /// Restarts allowed within the window; `0` never restarts (as no policy).
    pub max: u32,
    /// The sliding window the restarts are counted in. [`Duration::MAX`]
    /// counts every restart since load (or the last reload); a zero window
    /// counts none, so restarts never run out.
    pub within: Duration,
}

impl RestartPolicy {
    /// At most `max` restarts within any `within`.
    pub const fn new(max: u32, within: Duration) -> Self {
        RestartPolicy { max, within }
    }
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.max == 1 { "" } else { "s" };
        write!(f, "at most {} restart{s} ", self.max)?;
        if self.within == Duration::MAX {
            f.write_str("ever")
        } else {
            write!(f, "within {:?}", self.within)
        }
    }
}

/// A plugin's `restart` table as written in a manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRestart {
    max: Option<toml::Value>,
    within: Option<Amount>,
}

/// What `max` may be, for messages.
const WHOLE: &str = "give a whole number of restarts, 1 or more";

impl RawRestart {
    /// The policy; the error names the key and the value.
    pub(crate) fn policy(&self) -> Result<RestartPolicy, String> {
        let max = match &self.max {
            None => return Err(format!("restart: `max` is missing; {WHOLE}")),
            Some(toml::Value::Integer(0)) => {
                return Err(
                    "restart `max`: `0` would never restart; give 1 or more, or leave `restart` out"
                        .into(),
                );
            }
            Some(toml::Value::Integer(n)) if *n < 0 => {
                return Err(format!("restart `max`: `{n}` is negative; {WHOLE}"));
            }
            Some(toml::Value::Integer(n)) => u32::try_from(*n)
                .map_err(|_| format!("restart `max`: `{n}` is more than {}", u32::MAX))?,
            Some(other) => {
                return Err(format!(
                    "restart `max`: `{other}` is of TOML type {}; {WHOLE}",
                    other.type_str()
                ));
            }
        };
        let within = self.within.as_ref().ok_or_else(|| {
            "restart: `within` is missing; give a duration like \"60s\", or \"unlimited\""
                .to_string()
        })?;
        // The same durations as the limits', parsed by the same code.
        let within = within.duration().map_err(|e| format!("restart `within`: {e}"))?;
        Ok(RestartPolicy { max, within: within.unwrap_or(Duration::MAX) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<RestartPolicy, String> {
        let raw: RawRestart = toml::from_str(text).map_err(|e| e.to_string())?;
        raw.policy()
    }

    #[test]
    fn reads_max_and_within() {
        assert_eq!(
            policy("max = 3\nwithin = \"60s\""),
            Ok(RestartPolicy::new(3, Duration::from_secs(60)))
        );
        let ever = policy("max = 1\nwithin = \"unlimited\"").expect("valid");
        assert_eq!(ever, RestartPolicy::new(1, Duration::MAX));
        assert_eq!(ever.to_string(), "at most 1 restart ever");
        assert_eq!(
            policy("max = 2\nwithin = \"1.5m\"").map(|p| p.to_string()),
            Ok("at most 2 restarts within 90s".into())
        );
    }

    #[test]
    fn rejects_bad_values_naming_the_key() {
        let whole = "give a whole number of restarts, 1 or more";
        assert_eq!(
            policy("max = 0\nwithin = \"60s\""),
            Err("restart `max`: `0` would never restart; give 1 or more, or leave `restart` out"
                .into())
        );
        assert_eq!(
            policy("max = -1\nwithin = \"60s\""),
            Err(format!("restart `max`: `-1` is negative; {whole}"))
        );
        assert_eq!(
            policy("max = \"3\"\nwithin = \"60s\""),
            Err(format!("restart `max`: `\"3\"` is of TOML type string; {whole}"))
        );
        assert_eq!(
            policy("max = 5000000000\nwithin = \"60s\""),
            Err("restart `max`: `5000000000` is more than 4294967295".into())
        );
        assert_eq!(policy("within = \"60s\""), Err(format!("restart: `max` is missing; {whole}")));
        assert_eq!(
            policy("max = 3"),
            Err("restart: `within` is missing; give a duration like \"60s\", or \"unlimited\""
                .into())
        );
        assert_eq!(
            policy("max = 3\nwithin = 60"),
            Err("restart `within`: give a unit, like \"500ms\" or \"10s\"".into())
        );
        assert_eq!(
            policy("max = 3\nwithin = \"0s\""),
            Err("restart `within`: `0s` is no time at all; give more, or \"unlimited\"".into())
        );
        assert!(
            policy("max = 3\nwithin = \"1s\"\nevery = 2")
                .is_err_and(|e| e.contains("unknown field `every`"))
        );
    }
}
