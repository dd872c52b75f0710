//! Name resolution with k6's defaults: `dns: { ttl: '5m', select: 'random', policy: 'preferIPv4' }`
//! (k6 options reference, "DNS"). Each VU keeps its own cache entry, so a run that reconnects
//! often (servers answering `Connection: close`) does not call getaddrinfo every time.

use super::error::HttpError;
use super::request::Target;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// k6's `hosts` option: names answered without DNS, as `/etc/hosts` would, each with an IP and
/// optionally a port that replaces the URL's (`"test.k6.io": "127.0.0.1:8080"`). A name may start
/// with `*.` to cover every subdomain; exact names win over wildcards.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    exact: std::collections::HashMap<String, (std::net::IpAddr, Option<u16>)>,
    /// (`.suffix`, address), longest suffix first.
    wildcard: Vec<(String, (std::net::IpAddr, Option<u16>))>,
}

impl Hosts {
    /// From k6's `hosts` map; a value that is not `IP` or `IP:port` is an error naming it.
    pub fn parse(entries: &[(String, String)]) -> Result<Hosts, String> {
        let mut hosts = Hosts::default();
        for (name, value) in entries {
            let address = if let Ok(ip) = value.parse::<std::net::IpAddr>() {
                (ip, None)
            } else if let Ok(addr) = value.parse::<SocketAddr>() {
                (addr.ip(), Some(addr.port()))
            } else {
                return Err(format!(
                    "invalid hosts entry {name:?}: {value:?} is not an IP address or IP:port"
                ));
            };
            let name = name.to_ascii_lowercase();
            match name.strip_prefix('*') {
                Some(suffix) if suffix.starts_with('.') => {
                    hosts.wildcard.push((suffix.to_string(), address))
                }
                _ => {
                    hosts.exact.insert(name, address);
                }
            }
        }
        hosts
            .wildcard
            .sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        Ok(hosts)
    }

    fn lookup(&self, host: &str) -> Option<(std::net::IpAddr, Option<u16>)> {
        if self.exact.is_empty() && self.wildcard.is_empty() {
            return None;
        }
        let host = host.to_ascii_lowercase();
        if let Some(a) = self.exact.get(&host) {
            return Some(*a);
        }
        self.wildcard
            .iter()
            .find(|(suffix, _)| host.ends_with(suffix.as_str()))
            .map(|(_, a)| *a)
    }
}

/// k6's default `dns.ttl`.
const TTL: Duration = Duration::from_secs(5 * 60);

/// Seeds each VU's choice differently, so that VUs spread over a name's addresses.
static SEED: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

pub(crate) struct Resolver {
    cached: Option<Cached>,
    /// State of a small LCG: `select: random` needs spread, not unpredictability.
    pick: u64,
}

struct Cached {
    host: String,
    port: u16,
    /// IPv4 first (`preferIPv4`), then IPv6 as a fallback.
    addrs: Vec<SocketAddr>,
    v4: usize,
    expires: Instant,
}

impl Resolver {
    pub fn new() -> Self {
        Resolver {
            cached: None,
            pick: SEED.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed),
        }
    }

    /// The target's addresses, the one to try first at the front: a random IPv4 address when
    /// there is one, then the others in order as fallbacks.
    pub async fn resolve(
        &mut self,
        target: &Target,
        hosts: &Hosts,
    ) -> Result<&[SocketAddr], HttpError> {
        let now = Instant::now();
        if let Some((ip, port)) = hosts.lookup(&target.host) {
            self.cached = Some(Cached {
                host: target.host.clone(),
                port: target.port,
                addrs: vec![SocketAddr::new(ip, port.unwrap_or(target.port))],
                v4: usize::from(ip.is_ipv4()),
                expires: now + TTL,
            });
        }
        let fresh = self
            .cached
            .as_ref()
            .is_some_and(|c| c.host == target.host && c.port == target.port && now < c.expires);
        if !fresh {
            let found = tokio::net::lookup_host((target.host.as_str(), target.port))
                .await
                .map_err(|e| HttpError::dns(&target.host, &e))?;
            let (mut addrs, v6): (Vec<SocketAddr>, Vec<SocketAddr>) =
                found.partition(SocketAddr::is_ipv4);
            let v4 = addrs.len();
            addrs.extend(v6);
            if addrs.is_empty() {
                return Err(HttpError::no_such_host());
            }
            self.cached = Some(Cached {
                host: target.host.clone(),
                port: target.port,
                addrs,
                v4,
                expires: now + TTL,
            });
        }
        let Some(cached) = self.cached.as_mut() else {
            return Err(HttpError::no_such_host());
        };
        let preferred = if cached.v4 > 0 {
            cached.v4
        } else {
            cached.addrs.len()
        };
        self.pick = self
            .pick
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let chosen = ((self.pick >> 33) % preferred as u64) as usize;
        cached.addrs[..preferred].swap(0, chosen);
        Ok(&cached.addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(entries: &[(&str, &str)]) -> Result<Hosts, String> {
        Hosts::parse(
            &entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn hosts_answer_exact_names_then_the_longest_wildcard() {
        let h = hosts(&[
            ("Test.K6.io", "127.0.0.2:8080"),
            ("*.example.com", "10.0.0.1"),
            ("*.api.example.com", "::1"),
        ])
        .unwrap();
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(h.lookup("test.k6.io"), Some((ip("127.0.0.2"), Some(8080))));
        assert_eq!(h.lookup("www.example.com"), Some((ip("10.0.0.1"), None)));
        assert_eq!(h.lookup("v1.api.example.com"), Some((ip("::1"), None)));
        assert_eq!(h.lookup("example.com"), None);
        assert_eq!(h.lookup("other.io"), None);
    }

    #[test]
    fn a_value_that_is_no_address_is_an_error_naming_it() {
        let e = hosts(&[("a.test", "localhost")]).unwrap_err();
        assert!(
            e.contains("\"a.test\"") && e.contains("\"localhost\""),
            "{e}"
        );
        assert!(hosts(&[("a.test", "[::1]:80")]).is_ok());
    }
}
