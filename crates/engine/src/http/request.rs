//! A request rendered to wire bytes once and shared by every VU (wrk's static request buffer).

use super::error::HttpError;
use rustls::pki_types::ServerName;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// k6's default request timeout (`params.timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What a script or the CLI asks for; parsed once per target URL by [`PreparedRequest::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSpec {
    pub method: String,
    pub url: String,
    /// Sent in this order after Host, User-Agent and Content-Length. A `Host` or `User-Agent`
    /// given here replaces ours; `Content-Length` and `Transfer-Encoding` are ignored (the length
    /// is computed from `body`, as Go's client does).
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Covers the whole request: DNS, connect, TLS, write and the full response.
    pub timeout: Duration,
}

impl RequestSpec {
    /// A request with no headers, no body and k6's 60 s timeout.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        RequestSpec {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }
}

/// A request rendered once: request line, Host, User-Agent `volley/<version>` unless given,
/// Content-Length when there is a body, the user's headers, then the body. Cloning shares the
/// bytes (an `Arc`), so every VU writes the same buffer.
#[derive(Clone, Debug)]
pub struct PreparedRequest {
    pub(crate) inner: Arc<Prepared>,
}

#[derive(Debug)]
pub(crate) struct Prepared {
    pub bytes: Box<[u8]>,
    pub method: String,
    pub url: String,
    pub target: Target,
    pub timeout: Duration,
    /// HEAD: the response never has a body, whatever its headers say.
    pub is_head: bool,
    /// Go's `Request.isReplayable`: may be sent again after a kept-alive connection failed
    /// before any response byte.
    pub replayable: bool,
}

/// Where a connection goes; a VU's connection is reused only for the same target.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub tls: bool,
    /// Without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// Set for IP literals: no DNS lookup.
    pub ip: Option<IpAddr>,
    /// SNI and the name the certificate must match (https only).
    pub server_name: Option<ServerName<'static>>,
}

impl PreparedRequest {
    pub fn new(spec: &RequestSpec) -> Result<Self, HttpError> {
        let url = url::Url::parse(&spec.url).map_err(HttpError::invalid_url)?;
        let tls = match url.scheme() {
            "http" => false,
            "https" => true,
            // Go's text; k6 reports it with the generic code.
            other => {
                return Err(HttpError::new(
                    HttpError::GENERIC,
                    format!("unsupported protocol scheme \"{other}\""),
                ))
            }
        };
        let (host, ip) = match url.host() {
            Some(url::Host::Domain(d)) => (d.to_owned(), None),
            Some(url::Host::Ipv4(v4)) => (v4.to_string(), Some(IpAddr::V4(v4))),
            Some(url::Host::Ipv6(v6)) => (v6.to_string(), Some(IpAddr::V6(v6))),
            None => return Err(HttpError::invalid_url("no host")),
        };
        let port = url
            .port_or_known_default()
            .ok_or_else(|| HttpError::invalid_url("no port"))?;
        let server_name = if tls {
            Some(match ip {
                Some(ip) => ServerName::IpAddress(ip.into()),
                None => ServerName::try_from(host.clone())
                    .map_err(|_| HttpError::invalid_url("not a valid TLS server name"))?,
            })
        } else {
            None
        };

        if spec.method.is_empty() || !spec.method.bytes().all(is_token) {
            return Err(HttpError::new(
                HttpError::GENERIC,
                format!("net/http: invalid method {:?}", spec.method),
            ));
        }
        for (name, value) in &spec.headers {
            if name.is_empty() || !name.bytes().all(is_token) {
                return Err(HttpError::new(
                    HttpError::GENERIC,
                    format!("net/http: invalid header field name {name:?}"),
                ));
            }
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Err(HttpError::new(
                    HttpError::GENERIC,
                    format!("net/http: invalid header field value for {name:?}"),
                ));
            }
        }

        let given = |wanted: &str| {
            spec.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(wanted))
                .map(|(_, v)| v.as_str())
        };
        // url drops a port that is the scheme's default, so this is Go's Host: with the port
        // only when it is not the default one; host_str() keeps IPv6 brackets.
        let default_host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let host_header = given("host").unwrap_or(&default_host);
        let user_agent =
            given("user-agent").unwrap_or(concat!("volley/", env!("CARGO_PKG_VERSION")));
        let method = spec.method.as_str();
        // Go sends `Content-Length: 0` for body-less POST, PUT and PATCH (transfer.go,
        // shouldSendContentLength); servers may answer 411 without it.
        let content_length = match &spec.body {
            Some(body) => Some(body.len()),
            None if matches!(method, "POST" | "PUT" | "PATCH") => Some(0),
            None => None,
        };

        let mut head = String::with_capacity(256);
        let _ = write!(head, "{method} {}", url.path());
        if let Some(q) = url.query() {
            let _ = write!(head, "?{q}");
        }
        let _ = write!(head, " HTTP/1.1\r\nHost: {host_header}\r\n");
        // Go omits a User-Agent that the user set to "".
        if !user_agent.is_empty() {
            let _ = write!(head, "User-Agent: {user_agent}\r\n");
        }
        if let Some(len) = content_length {
            let _ = write!(head, "Content-Length: {len}\r\n");
        }
        // k6 turns URL credentials into basic auth (Go's Request.SetBasicAuth).
        if !url.username().is_empty() && given("authorization").is_none() {
            let mut credentials = percent_decode(url.username());
            credentials.push(b':');
            credentials.extend(percent_decode(url.password().unwrap_or_default()));
            let _ = write!(head, "Authorization: Basic {}\r\n", base64(&credentials));
        }
        for (name, value) in &spec.headers {
            let skip = ["host", "user-agent", "content-length", "transfer-encoding"]
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h));
            if !skip {
                let _ = write!(head, "{name}: {value}\r\n");
            }
        }
        head.push_str("\r\n");

        let mut bytes = head.into_bytes();
        if let Some(body) = &spec.body {
            bytes.extend_from_slice(body);
        }

        let idempotency_key =
            given("idempotency-key").is_some() || given("x-idempotency-key").is_some();
        let replayable = matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE") || idempotency_key;
        let mut shown_url = url.clone();
        shown_url.set_fragment(None);

        Ok(PreparedRequest {
            inner: Arc::new(Prepared {
                bytes: bytes.into_boxed_slice(),
                method: spec.method.clone(),
                url: shown_url.into(),
                target: Target {
                    tls,
                    host,
                    port,
                    ip,
                    server_name,
                },
                timeout: spec.timeout,
                is_head: method == "HEAD",
                replayable,
            }),
        })
    }

    /// Length of the rendered request (head and body): what one send writes.
    pub fn bytes_len(&self) -> usize {
        self.inner.bytes.len()
    }

    /// The rendered request, exactly as written to the connection.
    pub fn bytes(&self) -> &[u8] {
        &self.inner.bytes
    }

    /// The normalised URL (no fragment), for tags.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    pub fn method(&self) -> &str {
        &self.inner.method
    }

    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }
}

/// RFC 9110 token characters (method and header names).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(spec: &RequestSpec) -> String {
        String::from_utf8(PreparedRequest::new(spec).unwrap().bytes().to_vec()).unwrap()
    }

    #[test]
    fn get_renders_request_line_host_and_user_agent() {
        let text = render(&RequestSpec::get("http://example.com/a/b?x=1&y=2#frag"));
        let ua = concat!("volley/", env!("CARGO_PKG_VERSION"));
        assert_eq!(
            text,
            format!("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: {ua}\r\n\r\n")
        );
    }

    #[test]
    fn host_has_the_port_only_when_not_default() {
        assert!(
            render(&RequestSpec::get("https://example.com:443/")).contains("Host: example.com\r\n")
        );
        assert!(render(&RequestSpec::get("http://example.com:8080"))
            .contains("Host: example.com:8080\r\n"));
        let v6 = PreparedRequest::new(&RequestSpec::get("http://[::1]:8080/")).unwrap();
        assert!(std::str::from_utf8(v6.bytes())
            .unwrap()
            .contains("Host: [::1]:8080\r\n"));
        assert_eq!(v6.inner.target.ip, Some("::1".parse().unwrap()));
        assert_eq!(v6.inner.target.port, 8080);
    }

    #[test]
    fn body_gets_content_length_and_user_headers_follow() {
        let mut spec = RequestSpec::new("POST", "http://h/p");
        spec.headers = vec![
            ("Content-Type".into(), "application/json".into()),
            ("User-Agent".into(), "mine".into()),
            ("Content-Length".into(), "999".into()),
        ];
        spec.body = Some(b"{\"a\":1}".to_vec());
        assert_eq!(
            render(&spec),
            "POST /p HTTP/1.1\r\nHost: h\r\nUser-Agent: mine\r\nContent-Length: 7\r\n\
             Content-Type: application/json\r\n\r\n{\"a\":1}"
        );
        assert!(render(&RequestSpec::new("POST", "http://h/")).contains("Content-Length: 0\r\n"));
    }

    #[test]
    fn url_credentials_become_basic_auth() {
        let text = render(&RequestSpec::get("http://us%65r:p%40ss@h/"));
        assert!(
            text.contains("Authorization: Basic dXNlcjpwQHNz\r\n"),
            "{text}"
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(
            PreparedRequest::new(&RequestSpec::get("not a url"))
                .unwrap_err()
                .code,
            1020
        );
        assert!(PreparedRequest::new(&RequestSpec::get("ftp://h/")).is_err());
        assert!(PreparedRequest::new(&RequestSpec::new("GE T", "http://h/")).is_err());
        let mut spec = RequestSpec::get("http://h/");
        spec.headers = vec![("X".into(), "a\r\nInjected: 1".into())];
        assert!(PreparedRequest::new(&spec).is_err());
    }

    #[test]
    fn replayable_follows_go() {
        let get = PreparedRequest::new(&RequestSpec::get("http://h/")).unwrap();
        assert!(get.inner.replayable);
        let post = PreparedRequest::new(&RequestSpec::new("POST", "http://h/")).unwrap();
        assert!(!post.inner.replayable);
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }
}
