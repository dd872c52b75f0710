//! Request failures as k6 reports them: a numeric `error_code` and a short `error` message.
//!
//! Codes and messages are copied from k6's `lib/netext/httpext/error_codes.go` (the list is
//! published at <https://grafana.com/docs/k6/latest/javascript-api/error-codes/>). The message is
//! what k6 puts in `res.error` and in the `error` tag, so it is kept short and bounded (no port
//! numbers, no response bytes), not Go's full error chain.

use std::fmt;
use std::io;

/// A failed request: k6's `error_code` and `error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpError {
    /// k6's `error_code` (1000-1999).
    pub code: u32,
    /// k6's `error` string, e.g. `dial: connection refused`.
    pub message: String,
}

impl HttpError {
    /// Anything not listed below; also malformed responses and `unexpected EOF` (k6 passes Go's
    /// message through with this code).
    pub const GENERIC: u32 = 1000;
    pub const NON_TCP_NETWORK: u32 = 1010;
    pub const INVALID_URL: u32 = 1020;
    pub const REQUEST_TIMEOUT: u32 = 1050;
    pub const DNS: u32 = 1100;
    pub const DNS_NO_SUCH_HOST: u32 = 1101;
    pub const TCP: u32 = 1200;
    pub const TCP_BROKEN_PIPE: u32 = 1201;
    pub const TCP_UNKNOWN_ERRNO: u32 = 1202;
    pub const TCP_DIAL: u32 = 1210;
    pub const TCP_DIAL_TIMEOUT: u32 = 1211;
    pub const TCP_DIAL_REFUSED: u32 = 1212;
    pub const TCP_DIAL_UNKNOWN_ERRNO: u32 = 1213;
    /// On any operation (`dial`, `read`, `write`): k6 has no separate dial code for it.
    pub const TCP_RESET_BY_PEER: u32 = 1220;
    pub const TLS: u32 = 1300;
    /// Go's `tls.RecordHeaderError`, e.g. TLS to a plain HTTP port.
    pub const TLS_HEADER: u32 = 1301;
    pub const X509_UNKNOWN_AUTHORITY: u32 = 1310;
    pub const X509_HOSTNAME: u32 = 1311;

    pub fn new(code: u32, message: impl Into<String>) -> Self {
        HttpError {
            code,
            message: message.into(),
        }
    }

    /// The whole request (connect, write, response) outlived its `timeout`.
    pub(crate) fn request_timeout() -> Self {
        Self::new(Self::REQUEST_TIMEOUT, "request timeout")
    }

    /// k6 reports a timeout that fires while dialing as a dial timeout, not as 1050
    /// (transport.go: a `net.OpError` with `Op == "dial"` and `Timeout()`).
    pub(crate) fn dial_timeout() -> Self {
        Self::new(Self::TCP_DIAL_TIMEOUT, "dial: i/o timeout")
    }

    pub(crate) fn invalid_url(detail: impl fmt::Display) -> Self {
        Self::new(Self::INVALID_URL, format!("invalid URL: {detail}"))
    }

    /// A response that is not HTTP/1.x; Go's text is `malformed HTTP response "<line>"`, we leave
    /// the bytes out to keep the tag bounded.
    pub(crate) fn malformed(detail: impl fmt::Display) -> Self {
        Self::new(Self::GENERIC, format!("malformed HTTP response: {detail}"))
    }

    /// Go's `io.ErrUnexpectedEOF`: the connection closed inside a head or a framed body.
    pub(crate) fn unexpected_eof() -> Self {
        Self::new(Self::GENERIC, "unexpected EOF")
    }

    /// Go's `io.EOF`: the connection closed before any byte of the response.
    pub(crate) fn eof() -> Self {
        Self::new(Self::GENERIC, "EOF")
    }

    /// A failed TCP connect (k6's `errorCodeForNetOpError` with `Op == "dial"`).
    pub(crate) fn dial(err: &io::Error) -> Self {
        if let Some(tls) = rustls_error(err) {
            return Self::tls(tls);
        }
        match err.kind() {
            io::ErrorKind::ConnectionRefused => {
                Self::new(Self::TCP_DIAL_REFUSED, "dial: connection refused")
            }
            io::ErrorKind::ConnectionReset => {
                Self::new(Self::TCP_RESET_BY_PEER, "dial: connection reset by peer")
            }
            io::ErrorKind::TimedOut => Self::dial_timeout(),
            _ => match err.raw_os_error() {
                Some(errno) => Self::new(
                    Self::TCP_DIAL_UNKNOWN_ERRNO,
                    format!(
                        "dial: unknown errno {errno} error with msg `{}`",
                        strerror(err)
                    ),
                ),
                None => Self::new(Self::TCP_DIAL, format!("dial tcp: {err}")),
            },
        }
    }

    /// A failed read or write on an established connection. `op` is `"read"` or `"write"`, as
    /// in Go's `net.OpError` that k6 formats.
    pub(crate) fn io(op: &'static str, err: &io::Error) -> Self {
        if let Some(tls) = rustls_error(err) {
            return Self::tls(tls);
        }
        match err.kind() {
            io::ErrorKind::ConnectionReset => Self::new(
                Self::TCP_RESET_BY_PEER,
                format!("{op}: connection reset by peer"),
            ),
            io::ErrorKind::BrokenPipe => {
                Self::new(Self::TCP_BROKEN_PIPE, format!("{op}: broken pipe"))
            }
            // ETIMEDOUT is a Go `net.Error` with `Timeout()`: k6 maps it to 1050.
            io::ErrorKind::TimedOut => Self::request_timeout(),
            io::ErrorKind::UnexpectedEof => Self::unexpected_eof(),
            _ => match err.raw_os_error() {
                Some(errno) => Self::new(
                    Self::TCP_UNKNOWN_ERRNO,
                    format!(
                        "{op}: unknown errno `{errno}` on {} with message `{}`",
                        std::env::consts::OS,
                        strerror(err)
                    ),
                ),
                None => Self::new(Self::TCP, format!("{op} tcp: {err}")),
            },
        }
    }

    /// A TLS failure: certificate errors get k6's x509 codes, a non-TLS peer gets 1301.
    pub(crate) fn tls(err: &rustls::Error) -> Self {
        use rustls::CertificateError as C;
        match err {
            rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
                Self::new(Self::X509_UNKNOWN_AUTHORITY, "x509: unknown authority")
            }
            rustls::Error::InvalidCertificate(
                C::NotValidForName | C::NotValidForNameContext { .. },
            ) => Self::new(
                Self::X509_HOSTNAME,
                "x509: certificate doesn't match hostname",
            ),
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)
            | rustls::Error::InvalidMessage(rustls::InvalidMessage::UnknownProtocolVersion) => {
                Self::new(
                    Self::TLS_HEADER,
                    "tls: first record does not look like a TLS handshake",
                )
            }
            other => Self::new(Self::TLS, format!("tls: {other}")),
        }
    }

    /// A failed name resolution. `getaddrinfo` only gives text, so "no such host" is recognised
    /// by glibc's and musl's messages for EAI_NONAME / EAI_NODATA.
    pub(crate) fn dns(host: &str, err: &io::Error) -> Self {
        let text = err.to_string();
        let no_such_host = [
            "Name or service not known",
            "No address associated with hostname",
            "nodename nor servname provided",
            "Name does not resolve",
            "No such host",
        ]
        .iter()
        .any(|m| text.contains(m));
        if no_such_host {
            Self::no_such_host()
        } else {
            Self::new(Self::DNS, format!("lookup {host}: {text}"))
        }
    }

    pub(crate) fn no_such_host() -> Self {
        Self::new(Self::DNS_NO_SUCH_HOST, "lookup: no such host")
    }
}

impl fmt::Display for HttpError {
    /// k6 prints `res.error` as is; the code travels separately (`res.error_code`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HttpError {}

fn rustls_error(err: &io::Error) -> Option<&rustls::Error> {
    err.get_ref()?.downcast_ref::<rustls::Error>()
}

/// The OS text of an errno as Go prints it: `no route to host`, not
/// `No route to host (os error 113)`.
fn strerror(err: &io::Error) -> String {
    let text = err.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_errors_use_k6_codes() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(HttpError::dial(&refused).code, 1212);
        assert_eq!(
            HttpError::dial(&refused).message,
            "dial: connection refused"
        );
        let unreachable = io::Error::from_raw_os_error(113); // EHOSTUNREACH on Linux
        let e = HttpError::dial(&unreachable);
        if cfg!(target_os = "linux") {
            assert_eq!(e.code, 1213);
            assert_eq!(
                e.message,
                "dial: unknown errno 113 error with msg `no route to host`"
            );
        }
    }

    #[test]
    fn read_reset_is_1220_with_the_operation() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let e = HttpError::io("read", &reset);
        assert_eq!(
            (e.code, e.message.as_str()),
            (1220, "read: connection reset by peer")
        );
        let pipe = io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(HttpError::io("write", &pipe).code, 1201);
    }

    #[test]
    fn certificate_errors_use_x509_codes() {
        let unknown = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert_eq!(HttpError::tls(&unknown).code, 1310);
        let name = rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName);
        assert_eq!(HttpError::tls(&name).code, 1311);
        let wrapped = io::Error::new(io::ErrorKind::InvalidData, unknown);
        assert_eq!(HttpError::io("read", &wrapped).code, 1310);
    }

    #[test]
    fn dns_no_such_host_is_1101() {
        let e = io::Error::other("failed to lookup address information: Name or service not known");
        assert_eq!(
            HttpError::dns("nope.invalid", &e),
            HttpError::no_such_host()
        );
        let other = io::Error::other(
            "failed to lookup address information: Temporary failure in name resolution",
        );
        assert_eq!(HttpError::dns("x", &other).code, 1100);
    }
}
