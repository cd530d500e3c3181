//! Host name lookups, once per host and process: the system resolver is
//! asked the first time a host is met (other threads wanting the same host
//! wait for that answer) and its addresses are reused for every later
//! connection. Sixteen threads each asking the system resolver for the same
//! host at once is what makes a lost UDP answer, and its five-second retry,
//! likely; one lookup a host makes a run's timing independent of that.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// A resolver that remembers each `host:port`'s addresses for the process.
#[derive(Default)]
pub struct CachingResolver {
    inner: DefaultResolver,
    hosts: Mutex<HashMap<String, Arc<Mutex<Option<ResolvedSocketAddrs>>>>>,
}

impl fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingResolver").finish_non_exhaustive()
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = match (uri.scheme(), uri.authority()) {
            (Some(scheme), Some(authority)) => DefaultResolver::host_and_port(scheme, authority),
            _ => None,
        };
        let Some(key) = key else { return self.inner.resolve(uri, config, timeout) };
        let slot = {
            let mut hosts = self.hosts.lock().expect("no thread panics holding the lock");
            hosts.entry(key).or_default().clone()
        };
        // Held while resolving: the other threads wanting this host wait for the answer.
        let mut known = slot.lock().expect("no thread panics holding the lock");
        if let Some(addrs) = known.as_ref() {
            return Ok(addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        *known = Some(addrs.clone());
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_looked_up_once_and_then_remembered() {
        let resolver = CachingResolver::default();
        let uri: Uri = "http://localhost:8123/simple/".parse().unwrap();
        let config = Config::default();
        let first = resolver.resolve(&uri, &config, NextTimeout::default()).unwrap();
        assert!(first.iter().all(|a| a.port() == 8123 && a.ip().is_loopback()), "{first:?}");
        let hosts = resolver.hosts.lock().unwrap();
        let remembered = hosts["localhost:8123"].lock().unwrap().clone();
        assert_eq!(remembered.map(|a| a.to_vec()), Some(first.to_vec()));
    }
}
