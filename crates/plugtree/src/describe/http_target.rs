//! The `http` grant's destinations: `scheme://host:port` patterns with
//! Spin's wildcards, and the address rule that keeps a wildcard from
//! reaching the host's own network.
//!
//! ```text
//! https://api.example.com       # that host, port 443 (the scheme's)
//! http://127.0.0.1:8080         # that address and port
//! https://*.example.com:*       # any subdomain (not example.com itself), any port
//! *://localhost:3000            # http or https
//! https://*                     # any host on port 443 — public addresses only
//! ```
//!
//! A request is sent only to addresses the host resolved and checked itself
//! (`load/http.rs` dials them; nothing resolves the name a second time). A
//! host named exactly in a grant may resolve to any address; a host matched
//! by a wildcard (`*`, `*.suffix`) only to public ones, so a name that
//! resolves to loopback, a private network or link-local (cloud metadata) is
//! denied: that is how DNS rebinding would reach the host's own services.
//! An IP address in a request is allowed when a grant names it, or, public,
//! when a grant's host is `*`.

#![cfg_attr(not(feature = "http"), allow(dead_code))]

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// One destination an `http` grant allows: `scheme://host:port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpTarget {
    /// `http` or `https`; `None` for `*` (either).
    pub scheme: Option<HttpScheme>,
    /// Which hosts.
    pub host: HostPattern,
    /// Which port; `None` for `*` (any).
    pub port: Option<u16>,
}

/// The schemes a plugin may send requests with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpScheme {
    /// Plain HTTP (default port 80).
    Http,
    /// HTTP over TLS, certificates checked against the Mozilla roots (default port 443).
    Https,
}

impl HttpScheme {
    fn parse(s: &str) -> Option<HttpScheme> {
        match s.to_ascii_lowercase().as_str() {
            "http" => Some(HttpScheme::Http),
            "https" => Some(HttpScheme::Https),
            _ => None,
        }
    }

    /// The scheme's port when a URL names none.
    pub fn default_port(self) -> u16 {
        match self {
            HttpScheme::Http => 80,
            HttpScheme::Https => 443,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            HttpScheme::Http => "http",
            HttpScheme::Https => "https",
        }
    }
}

/// The host part of an [`HttpTarget`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// `*`: any host (reaching public addresses only).
    Any,
    /// `*.example.com`: any name ending in `.example.com` (public addresses only).
    Subdomains(String),
    /// `example.com`: that name, lowercase, whatever it resolves to.
    Name(String),
    /// `127.0.0.1` or `[::1]`: that address.
    Ip(IpAddr),
}

/// How a request's host matched a grant: what its addresses may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostMatch {
    /// Named exactly (or by its IP address): any address it resolves to.
    Exact,
    /// Through a wildcard: public addresses only.
    Wildcard,
}

impl HttpTarget {
    /// How `host` on `port` with `scheme` matches this target, if it does.
    /// `host` is a name (any case, a trailing dot ignored) or an IP address
    /// (IPv6 with or without brackets).
    pub fn matches(&self, scheme: HttpScheme, host: &str, port: u16) -> Option<HostMatch> {
        if self.scheme.is_some_and(|s| s != scheme) {
            return None;
        }
        if self.port.is_some_and(|p| p != port) {
            return None;
        }
        let host = normalize(host);
        let ip = parse_ip(&host);
        match (&self.host, ip) {
            (HostPattern::Any, Some(ip)) => is_public(ip).then_some(HostMatch::Wildcard),
            (HostPattern::Any, None) => Some(HostMatch::Wildcard),
            (HostPattern::Ip(granted), Some(ip)) => (*granted == ip).then_some(HostMatch::Exact),
            (HostPattern::Name(name), None) => (*name == host).then_some(HostMatch::Exact),
            (HostPattern::Subdomains(suffix), None) => {
                let below = host.strip_suffix(suffix.as_str()).and_then(|h| h.strip_suffix('.'));
                below.is_some_and(|b| !b.is_empty()).then_some(HostMatch::Wildcard)
            }
            _ => None,
        }
    }
}

/// The best match for a request among `targets`: exact over wildcard.
pub(crate) fn best_match(
    targets: &[HttpTarget],
    scheme: HttpScheme,
    host: &str,
    port: u16,
) -> Option<HostMatch> {
    let mut found = None;
    for t in targets {
        match t.matches(scheme, host, port) {
            Some(HostMatch::Exact) => return Some(HostMatch::Exact),
            Some(HostMatch::Wildcard) => found = Some(HostMatch::Wildcard),
            None => {}
        }
    }
    found
}

/// Whether a request whose host matched as `how` may be sent to `addr`.
pub(crate) fn address_allowed(how: HostMatch, addr: IpAddr) -> bool {
    how == HostMatch::Exact || is_public(addr)
}

/// A host name lowercased without its trailing dot; an IPv6 address without brackets.
fn normalize(host: &str) -> String {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    host.parse().ok()
}

/// Whether `addr` is on the public internet: not loopback, private,
/// link-local (where cloud metadata lives), shared (CGNAT), unspecified,
/// broadcast, multicast, documentation or benchmarking space.
pub(crate) fn is_public(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [b0, b1, ..] = a.octets();
    let shared = b0 == 100 && (64..128).contains(&b1); // 100.64.0.0/10
    let benchmarking = b0 == 198 && (b1 == 18 || b1 == 19); // 198.18.0.0/15
    let reserved = b0 >= 240; // 240.0.0.0/4 and broadcast
    !(a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || b0 == 0
        || shared
        || benchmarking
        || reserved)
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    let first = a.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00; // fc00::/7
    let link_local = first & 0xffc0 == 0xfe80; // fe80::/10
    let documentation = first == 0x2001 && a.segments()[1] == 0x0db8; // 2001:db8::/32
    !(a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || unique_local
        || link_local
        || documentation)
}

impl fmt::Display for HttpTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme.map_or("*", HttpScheme::as_str))?;
        f.write_str("://")?;
        match &self.host {
            HostPattern::Any => f.write_str("*")?,
            HostPattern::Subdomains(s) => write!(f, "*.{s}")?,
            HostPattern::Name(n) => f.write_str(n)?,
            HostPattern::Ip(IpAddr::V6(v6)) => write!(f, "[{v6}]")?,
            HostPattern::Ip(ip) => write!(f, "{ip}")?,
        }
        match self.port {
            None => f.write_str(":*"),
            Some(p) => write!(f, ":{p}"),
        }
    }
}

impl FromStr for HttpTarget {
    type Err = String;

    /// Parses `scheme://host[:port]`: scheme `http`, `https` or `*`; host a
    /// name, `*`, `*.name`, an IPv4 address or `[IPv6]`; port a number or `*`,
    /// the scheme's own when omitted. No path, user or query.
    fn from_str(s: &str) -> Result<Self, String> {
        let shown = s.escape_debug();
        let (scheme, rest) =
            s.split_once("://").ok_or_else(|| format!("`{shown}` is not `scheme://host:port`"))?;
        let scheme = match scheme {
            "*" => None,
            other => Some(HttpScheme::parse(other).ok_or_else(|| {
                format!(
                    "`{shown}`: the scheme is `http`, `https` or `*`, not `{}`",
                    other.escape_debug()
                )
            })?),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) || rest.is_empty() {
            return Err(format!("`{shown}` names more than `scheme://host:port` (or no host)"));
        }
        // `[v6]:port`, `[v6]`, `host:port` or `host`.
        let (host, port) = match rest.strip_prefix('[') {
            Some(v6) => {
                let (addr, after) =
                    v6.split_once(']').ok_or_else(|| format!("`{shown}`: `[` without `]`"))?;
                let port = match after {
                    "" => None,
                    p => Some(
                        p.strip_prefix(':').ok_or_else(|| format!("`{shown}`: text after `]`"))?,
                    ),
                };
                let ip: Ipv6Addr = addr.parse().map_err(|_| {
                    format!("`{shown}`: `{}` is not an IPv6 address", addr.escape_debug())
                })?;
                (HostPattern::Ip(IpAddr::V6(ip)), port)
            }
            None => {
                let (host, port) = match rest.rsplit_once(':') {
                    Some((h, p)) => (h, Some(p)),
                    None => (rest, None),
                };
                (host_pattern(host).map_err(|why| format!("`{shown}`: {why}"))?, port)
            }
        };
        let port = match port {
            Some("*") => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| {
                format!("`{shown}`: `{}` is not a port number or `*`", p.escape_debug())
            })?),
            None => Some(
                scheme
                    .ok_or_else(|| format!("`{shown}`: with scheme `*`, give a port (or `:*`)"))?
                    .default_port(),
            ),
        };
        Ok(HttpTarget { scheme, host, port })
    }
}

fn host_pattern(host: &str) -> Result<HostPattern, String> {
    if host == "*" {
        return Ok(HostPattern::Any);
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(HostPattern::Ip(IpAddr::V4(ip)));
    }
    let (wild, name) = match host.strip_prefix("*.") {
        Some(name) => (true, name),
        None => (false, host),
    };
    let name = normalize(name);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(format!("`{}` is not a host name, `*` or `*.name`", host.escape_debug()));
    }
    Ok(if wild { HostPattern::Subdomains(name) } else { HostPattern::Name(name) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> HttpTarget {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_and_prints_each_form() {
        for (given, shown) in [
            ("https://api.example.com", "https://api.example.com:443"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("https://*.Example.com:*", "https://*.example.com:*"),
            ("*://localhost:3000/", "*://localhost:3000"),
            ("http://[::1]:80", "http://[::1]:80"),
            ("http://[::1]", "http://[::1]:80"),
            ("https://*", "https://*:443"),
        ] {
            assert_eq!(t(given).to_string(), shown, "{given}");
            assert_eq!(t(shown), t(given));
        }
    }

    #[test]
    fn refuses_what_is_not_a_destination() {
        for (bad, why) in [
            ("example.com:80", "is not `scheme://host:port`"),
            ("ftp://example.com", "the scheme is `http`, `https` or `*`"),
            ("http://example.com/path", "names more than"),
            ("http://user@example.com", "names more than"),
            ("http://", "names more than"),
            ("*://example.com", "with scheme `*`, give a port"),
            ("http://example.com:99999", "is not a port number or `*`"),
            ("http://exa mple.com", "is not a host name"),
            ("http://*.*.com", "is not a host name"),
            ("http://[::1", "`[` without `]`"),
            ("http://[nope]:1", "is not an IPv6 address"),
        ] {
            let err = bad.parse::<HttpTarget>().unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn matches_scheme_host_and_port() {
        use HostMatch::{Exact, Wildcard};
        use HttpScheme::{Http, Https};
        let api = t("https://api.example.com");
        assert_eq!(api.matches(Https, "API.example.com.", 443), Some(Exact));
        assert_eq!(api.matches(Http, "api.example.com", 443), None);
        assert_eq!(api.matches(Https, "api.example.com", 8443), None);
        let sub = t("https://*.example.com:*");
        assert_eq!(sub.matches(Https, "a.b.example.com", 1), Some(Wildcard));
        assert_eq!(sub.matches(Https, "example.com", 443), None);
        assert_eq!(sub.matches(Https, "badexample.com", 443), None);
        let any = t("*://*:8080");
        assert_eq!(any.matches(Http, "anything", 8080), Some(Wildcard));
        assert_eq!(any.matches(Https, "8.8.8.8", 8080), Some(Wildcard));
        assert_eq!(any.matches(Http, "127.0.0.1", 8080), None, "a wildcard is public only");
        let ip = t("http://[::1]:80");
        assert_eq!(ip.matches(Http, "[::1]", 80), Some(Exact));
        assert_eq!(ip.matches(Http, "::1", 80), Some(Exact));
        assert_eq!(
            best_match(&[any.clone(), t("http://anything:8080")], Http, "anything", 8080),
            Some(Exact)
        );
    }

    #[test]
    fn wildcards_reach_public_addresses_only() {
        let private = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::",
        ];
        for a in private {
            let ip: IpAddr = a.parse().expect("an address");
            assert!(!address_allowed(HostMatch::Wildcard, ip), "{a}");
            assert!(address_allowed(HostMatch::Exact, ip), "{a}");
        }
        for a in ["93.184.216.34", "2606:2800:220:1::1", "::ffff:8.8.8.8"] {
            assert!(address_allowed(HostMatch::Wildcard, a.parse().expect("an address")), "{a}");
        }
    }
}
