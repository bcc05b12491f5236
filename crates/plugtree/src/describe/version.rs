//! Interface versions: when `ns:pkg/iface@1.2.3` may stand for `@1.0.0`.
//!
//! The rule is wasmtime's linker's (its "alternate lookup key"): two
//! versions of one interface are compatible when they agree on the first
//! non-zero part of `major.minor.patch` and neither is a pre-release;
//! `0.0.x` versions and pre-releases match only themselves. Compatible names
//! are one interface, checked structurally like any plug; two majors side by
//! side are two interfaces.

use semver::Version;

/// `name` split at its `@`: the unversioned name and the version, if it
/// has one that parses.
fn split(name: &str) -> (&str, Option<Version>) {
    match name.split_once('@') {
        Some((base, version)) => (base, Version::parse(version).ok()),
        None => (name, None),
    }
}

/// The part of a version that compatible versions share, or `None` when
/// the version matches only itself.
fn compatibility_key(version: &Version) -> Option<(u64, u64)> {
    if !version.pre.is_empty() {
        None
    } else if version.major != 0 {
        Some((version.major, u64::MAX))
    } else if version.minor != 0 {
        Some((0, version.minor))
    } else {
        None
    }
}

/// True when `a` and `b` name the same interface at semver-compatible
/// versions (and are not the same name).
pub(crate) fn compatible(a: &str, b: &str) -> bool {
    let ((base_a, Some(va)), (base_b, Some(vb))) = (split(a), split(b)) else {
        return false;
    };
    a != b
        && base_a == base_b
        && compatibility_key(&va).is_some_and(|k| compatibility_key(&vb) == Some(k))
}

/// True when `a` and `b` name the same interface (both versioned), whatever
/// their versions.
pub(crate) fn same_interface(a: &str, b: &str) -> bool {
    matches!((a.split_once('@'), b.split_once('@')), (Some((x, _)), Some((y, _))) if x == y)
}

/// The version of a versioned interface name, for ordering candidates.
pub(crate) fn version_of(name: &str) -> Option<Version> {
    split(name).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_linkers_rule() {
        assert!(compatible("a:b/c@1.2.3", "a:b/c@1.0.0"));
        assert!(compatible("a:b/c@1.0.0", "a:b/c@1.9.0"));
        assert!(!compatible("a:b/c@2.0.0", "a:b/c@1.0.0"), "majors differ");
        assert!(compatible("a:b/c@0.2.1", "a:b/c@0.2.0"));
        assert!(!compatible("a:b/c@0.3.0", "a:b/c@0.2.0"), "0.x: minors differ");
        assert!(!compatible("a:b/c@0.0.2", "a:b/c@0.0.1"), "0.0.x matches only itself");
        assert!(
            !compatible("a:b/c@1.1.0-rc.1", "a:b/c@1.0.0"),
            "pre-releases match only themselves"
        );
        assert!(!compatible("a:b/d@1.1.0", "a:b/c@1.0.0"), "another interface");
        assert!(!compatible("a:b/c", "a:b/c@1.0.0"), "unversioned");
        assert!(
            !compatible("a:b/c@1.0.0", "a:b/c@1.0.0"),
            "the same name is not a match by version"
        );
        assert!(same_interface("a:b/c@2.0.0", "a:b/c@1.0.0"));
        assert!(!same_interface("a:b/c", "a:b/c@1.0.0"));
    }
}
