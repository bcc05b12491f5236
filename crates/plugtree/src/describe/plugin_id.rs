//! The id that names a plugin: a leaf every other part of describe may use.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// The id that names a plugin in a tree, in errors and in `any` results.
///
/// A valid id ([`PluginId::is_valid`]) is 1 to [`PluginId::MAX_LEN`] ASCII
/// letters, digits, `-`, `_` and `.`, starting with a letter or digit: what
/// a terminal, a DOT graph and a file name all show as it is. A tree refuses
/// other ids ([`BuildError::InvalidId`](crate::BuildError::InvalidId)), and
/// `Display` escapes what a valid id cannot hold, so an id in a message can
/// never fake a line or send escape codes.
///
/// Shared, not copied: cloning one (as every `any` answer does) moves a
/// reference count.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct PluginId(Arc<str>);

impl PluginId {
    /// Wraps a plugin id.
    pub fn new(id: impl Into<String>) -> Self {
        PluginId(Arc::from(id.into()))
    }

    /// The longest valid id, in bytes.
    pub const MAX_LEN: usize = 128;

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the id is of the documented character set and length.
    pub fn is_valid(&self) -> bool {
        let ok = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
        let bytes = self.0.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= Self::MAX_LEN
            && bytes[0].is_ascii_alphanumeric()
            && bytes.iter().all(|&c| ok(c))
    }
}

impl fmt::Display for PluginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_valid() {
            f.write_str(&self.0)
        } else {
            // Control characters, quotes and the rest escaped, as Rust writes them.
            write!(f, "{}", self.0.escape_debug())
        }
    }
}

impl Borrow<str> for PluginId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for PluginId {
    fn from(id: &str) -> Self {
        PluginId(Arc::from(id))
    }
}

impl From<String> for PluginId {
    fn from(id: String) -> Self {
        PluginId(Arc::from(id))
    }
}

impl PartialEq<str> for PluginId {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for PluginId {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

#[cfg(test)]
mod tests {
    use super::PluginId;

    #[test]
    fn valid_ids_print_as_they_are_and_others_escaped() {
        for good in ["a", "one-en", "v1.2_x", &"x".repeat(PluginId::MAX_LEN)] {
            let id = PluginId::from(good);
            assert!(id.is_valid(), "{good}");
            assert_eq!(id.to_string(), good);
        }
        for bad in ["", "-a", ".a", "a b", "a/b", "é", &"x".repeat(PluginId::MAX_LEN + 1)] {
            assert!(!PluginId::from(bad).is_valid(), "{bad}");
        }
        let forged = PluginId::from("x\nok: 42\u{1b}[2J");
        assert_eq!(forged.to_string(), "x\\nok: 42\\u{1b}[2J");
    }
}
