//! Name resolution with k6's defaults: `dns: { ttl: '5m', select: 'random', policy: 'preferIPv4' }`
//! (k6 options reference, "DNS"). Each VU keeps its own cache entry, so a run that reconnects
//! often (servers answering `Connection: close`) does not call getaddrinfo every time.

use super::error::HttpError;
use super::request::Target;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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
    pub async fn resolve(&mut self, target: &Target) -> Result<&[SocketAddr], HttpError> {
        let now = Instant::now();
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
