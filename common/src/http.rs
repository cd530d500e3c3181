//! HTTP for every tool: one ureq agent per process with a keep-alive pool,
//! connect and read timeouts, retries with backoff on connection errors, 5xx
//! and 429 (honouring `Retry-After`), the system trust store plus
//! `SSL_CERT_FILE` / `PIP_CERT` / `--cert`, proxies from `HTTPS_PROXY` /
//! `NO_PROXY`, and credentials from the URL, the configured index URLs
//! ([`IndexCredentials`]) or `~/.netrc` that never appear in output (see
//! [`redact`]). Its parts: range requests ([`range`]: full,
//! part or refused), the one retry policy and backoff ([`retry`]), and small
//! documents read whole with their length checked ([`body`]). The options
//! are pip's defaults; [`crate::config`] alone reads what changes them.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use base64::Engine;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::Agent;

use crate::netrc::Netrc;

pub mod body;
mod credentials;
mod dns;
pub mod range;
pub mod retry;

pub use body::Whole;
pub use credentials::IndexCredentials;
pub use range::{ByteRange, ContentRange, RangeReply};
pub use retry::{sleep, Attempt};
pub use ureq::http::{Response, StatusCode};
pub use ureq::Body;

/// How the process talks HTTP.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Extra CA certificates (PEM), from `--cert`, `PIP_CERT` or pip's config.
    pub cert: Option<PathBuf>,
    /// Connect and per-read timeout.
    pub timeout: Duration,
    /// Retries after the first try.
    pub retries: u32,
    /// The first pause between retries; it doubles each time.
    pub backoff: Duration,
    /// Hosts (`host` or `host:port`) whose TLS certificates are not
    /// checked, as pip's `--trusted-host`.
    pub trusted_hosts: Vec<String>,
    /// The proxy for every request (pip's `--proxy`), over `HTTPS_PROXY`.
    pub proxy: Option<String>,
    /// The credentials of the configured index URLs, for every URL of their hosts.
    pub index_credentials: IndexCredentials,
}

/// pip's defaults; what flags, `PIP_*` variables and pip's files change is
/// read in one place, [`crate::config`].
impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            cert: None,
            timeout: Duration::from_secs(15),
            retries: 5,
            backoff: Duration::from_millis(250),
            trusted_hosts: Vec::new(),
            proxy: None,
            index_credentials: IndexCredentials::default(),
        }
    }
}

/// The process's HTTP client. Cheap to share by reference across threads.
pub struct Client {
    agent: Agent,
    /// The agent for `trusted_hosts`, which checks no certificate.
    insecure: Option<Agent>,
    options: HttpOptions,
    /// Credentials by `host:port`, learned from URLs or `.netrc`.
    credentials: Mutex<HashMap<String, (String, String)>>,
    netrc: Option<Netrc>,
}

/// An HTTP request's failure, with the URL (redacted) it was for.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    /// An answer that does not fit the request (a 206 without a valid Content-Range).
    #[error("{url}: {message}")]
    Reply { url: String, message: String },
}

/// An agent with `options`' timeouts and proxy; `verify` false checks no certificate.
fn agent(options: &HttpOptions, verify: bool) -> Result<Agent> {
    let tls = TlsConfig::builder()
        .root_certs(root_certs(options.cert.as_ref())?)
        .disable_verification(!verify)
        .build();
    let proxy = match &options.proxy {
        Some(p) => Some(ureq::Proxy::new(p).with_context(|| format!("bad proxy {}", redact(p)))?),
        None => ureq::Proxy::try_from_env(),
    };
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(options.timeout))
        .timeout_per_read(Some(options.timeout))
        .timeout_recv_response(Some(options.timeout))
        .max_idle_connections(64)
        .max_idle_connections_per_host(16)
        .user_agent(concat!("wheelpipe/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .proxy(proxy)
        .build();
    let connector = ureq::unversioned::transport::DefaultConnector::new();
    Ok(Agent::with_parts(config, connector, dns::CachingResolver::default()))
}

impl Client {
    pub fn new(options: HttpOptions) -> Result<Client> {
        let insecure = match options.trusted_hosts.is_empty() {
            true => None,
            false => Some(agent(&options, false)?),
        };
        Ok(Client {
            agent: agent(&options, true)?,
            insecure,
            options,
            credentials: Mutex::default(),
            netrc: Netrc::load(),
        })
    }

    /// The agent for `url`: the one that checks no certificate for a trusted host.
    fn agent_for(&self, url: &str) -> &Agent {
        let trusted = || {
            let parsed = url::Url::parse(url).ok()?;
            let host = parsed.host_str()?;
            let with_port = parsed.port().map(|p| format!("{host}:{p}"));
            self.options
                .trusted_hosts
                .iter()
                .any(|t| t == host || Some(t) == with_port.as_ref())
                .then_some(())
        };
        match &self.insecure {
            Some(insecure) if trusted().is_some() => insecure,
            _ => &self.agent,
        }
    }

    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// GET with retries. Returns any final response whose status is not
    /// 5xx or 429 (a 404 or a 501 is the caller's to judge); fails on
    /// transport errors and on 5xx / 429 once the retries are spent.
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response<Body>, HttpError> {
        let (clean, auth) = self.authorization(url);
        let shown = redact(url);
        // While a request is retried, the display says so, with why.
        let why = std::cell::RefCell::new(String::new());
        let mut _retrying = None;
        let mut attempt = 0;
        let wait = |pause| {
            attempt += 1;
            _retrying = Some(retrying_line(&shown, &why.borrow(), attempt + 1, self.options.retries + 1));
            retry::sleep(pause)
        };
        self.options.retry(wait, |_| {
            let mut request = self.agent_for(&clean).get(&clean);
            for (k, v) in headers {
                request = request.header(*k, *v);
            }
            if let Some(a) = &auth {
                request = request.header("Authorization", a);
            }
            match request.call() {
                Ok(response) => {
                    let status = response.status().as_u16();
                    // 501 and 505 say what the server cannot do, not that it is busy.
                    if (status != 429 && status < 500) || status == 501 || status == 505 {
                        return Ok(response);
                    }
                    *why.borrow_mut() = format!("HTTP {status}");
                    let err = HttpError::Status { url: shown.clone(), status };
                    Err(match retry_after(&response) {
                        Some(pause) => Attempt::After(err, pause),
                        None => Attempt::Again(err),
                    })
                }
                Err(err) => {
                    *why.borrow_mut() = err.to_string();
                    Err(Attempt::Again(HttpError::Transport { url: shown.clone(), message: err.to_string() }))
                }
            }
        })
    }

    /// GET that fails unless the status is 2xx.
    pub fn get_ok(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response<Body>, HttpError> {
        let response = self.get(url, headers)?;
        if !response.status().is_success() {
            return Err(HttpError::Status { url: redact(url), status: response.status().as_u16() });
        }
        Ok(response)
    }

    /// The URL without credentials, and the `Authorization` header value for
    /// it: from the URL itself (remembered for its host), else from a
    /// configured index the URL is under, else what its host was given
    /// before, else `.netrc`, else from a configured index of its host.
    fn authorization(&self, url: &str) -> (String, Option<String>) {
        let Ok(mut parsed) = url::Url::parse(url) else { return (url.to_string(), None) };
        let host = host_key(&parsed);
        let mut creds = None;
        if !parsed.username().is_empty() {
            let user = percent_decode(parsed.username());
            let pass = percent_decode(parsed.password().unwrap_or(""));
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            self.credentials.lock().unwrap().insert(host.clone(), (user.clone(), pass.clone()));
            creds = Some((user, pass));
        }
        let index = &self.options.index_credentials;
        creds = creds.or_else(|| index.under_index(&parsed));
        creds = creds.or_else(|| self.credentials.lock().unwrap().get(&host).cloned());
        creds = creds.or_else(|| parsed.host_str().and_then(|h| self.netrc.as_ref()?.lookup(h)));
        creds = creds.or_else(|| index.lookup(&parsed));
        let header = creds.map(|(u, p)| {
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
        });
        (parsed.to_string(), header)
    }
}

fn host_key(url: &url::Url) -> String {
    format!("{}:{}", url.host_str().unwrap_or(""), url.port_or_known_default().unwrap_or(0))
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn retry_after(response: &Response<Body>) -> Option<Duration> {
    let secs: u64 = response.headers().get("retry-after")?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(60)))
}

/// The line the progress display draws while `what` is tried again, try
/// `attempt` of `tries`, because of `why`; it goes when dropped.
pub fn retrying_line(what: &str, why: &str, attempt: u32, tries: u32) -> crate::progress::Item {
    crate::runtime::progress().begin(&format!("{what}: retrying ({why}), attempt {attempt} of {tries}"), None)
}

/// A URL as it may be shown or written: without user name and password.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The system's trust store, plus the certificates of `extra`, plus
/// `SSL_CERT_FILE` (rustls-native-certs reads that one itself).
fn root_certs(extra: Option<&PathBuf>) -> Result<RootCerts> {
    let found = rustls_native_certs::load_native_certs();
    let mut certs: Vec<Certificate<'static>> =
        found.certs.iter().map(|c| Certificate::from_der(c.as_ref()).to_owned()).collect();
    if let Some(path) = extra {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read the certificate file {}", path.display()))?;
        let before = certs.len();
        for item in ureq::tls::parse_pem(&pem) {
            if let Ok(ureq::tls::PemItem::Certificate(c)) = item {
                certs.push(c);
            }
        }
        if certs.len() == before {
            bail!("{}: no PEM certificate in the file", path.display());
        }
    }
    Ok(RootCerts::new_with_certs(&certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_hosts_get_the_agent_that_checks_no_certificate() {
        let options = HttpOptions {
            trusted_hosts: vec!["a.example".into(), "b.example:8443".into()],
            ..Default::default()
        };
        let client = Client::new(options).unwrap();
        let insecure = client.insecure.as_ref().expect("an agent for trusted hosts");
        for (url, trusted) in [
            ("https://a.example/simple/", true),
            ("https://a.example:444/simple/", true),
            ("https://b.example:8443/x.whl", true),
            ("https://b.example/x.whl", false),
            ("https://c.example/simple/", false),
        ] {
            assert_eq!(std::ptr::eq(client.agent_for(url), insecure), trusted, "{url}");
        }
        assert!(Client::new(HttpOptions::default()).unwrap().insecure.is_none());
    }

    #[test]
    fn redact_removes_credentials() {
        assert_eq!(redact("https://u:secret@host.example/simple/"), "https://host.example/simple/");
        assert_eq!(redact("http://127.0.0.1:8/x"), "http://127.0.0.1:8/x");
    }
}
