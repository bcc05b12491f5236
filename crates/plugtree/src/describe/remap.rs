//! Remapping: a component's export read as an app interface of another name.

use std::collections::BTreeMap;

/// Says that a plugin's export `export` plugs in as the app interface
/// `plug`, with function names mapped where they differ. The export is then
/// checked structurally against the app's WIT like any plug: every app
/// function must be exported (under its mapped name) with the same types.
///
/// In a manifest: `remap = { export = "their:pkg/greeter@0.3.0", plug =
/// "my:app/greeter", functions = { "say-hello" = "greet" } }`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remap {
    /// The interface the component exports, e.g. `their:pkg/greeter@0.3.0`.
    pub export: String,
    /// The app interface it plugs into, e.g. `my:app/greeter`.
    pub plug: String,
    /// Function names where they differ: the export's name → the app's.
    #[serde(default)]
    pub functions: BTreeMap<String, String>,
}

impl Remap {
    /// The export `export` plugged in as the app interface `plug`, function
    /// names unchanged.
    pub fn new(export: impl Into<String>, plug: impl Into<String>) -> Self {
        Remap { export: export.into(), plug: plug.into(), functions: BTreeMap::new() }
    }

    /// Maps the export's function `exported` to the app's function `app`.
    pub fn function(mut self, exported: impl Into<String>, app: impl Into<String>) -> Self {
        self.functions.insert(exported.into(), app.into());
        self
    }

    /// The app's name for the export's function `exported`.
    pub(crate) fn app_function<'a>(&'a self, exported: &'a str) -> &'a str {
        self.functions.get(exported).map_or(exported, String::as_str)
    }

    /// Two export functions mapped to one app function, if any: `(app, [exported…])`.
    pub(crate) fn collision(&self) -> Option<(&str, Vec<&str>)> {
        let mut by_app: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (exported, app) in &self.functions {
            by_app.entry(app).or_default().push(exported);
        }
        by_app.into_iter().find(|(_, e)| e.len() > 1)
    }
}
