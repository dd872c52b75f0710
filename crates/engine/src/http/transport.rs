//! Plain TCP or TLS behind one stream type (wrk's transport table): the request loop reads and
//! writes a `Stream` and never asks which one it has.

use super::error::HttpError;
use super::request::Target;
use super::timings::Trace;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// k6's dialer gives up on one TCP connect after 30 s (`net.Dialer{Timeout: 30 * time.Second}`
/// in js/runner.go), whatever the request timeout.
const DIAL_TIMEOUT: Duration = Duration::from_secs(30);

/// Shared by all VUs: the TLS configuration is built once (root store parsing is not cheap).
#[derive(Clone)]
pub struct ClientConfig {
    inner: Arc<ConfigInner>,
}

struct ConfigInner {
    tls: Result<TlsConnector, HttpError>,
    insecure_skip_tls_verify: bool,
    /// k6's `hosts`: names that skip DNS.
    hosts: super::dns::Hosts,
    /// Used to poll an idle connection without a task (see `Stream::closed_while_idle`).
    noop_waker: Waker,
}

impl ClientConfig {
    /// rustls with the webpki (Mozilla) roots; `insecure_skip_tls_verify` (k6's
    /// `insecureSkipTLSVerify`) accepts any certificate chain and name, but handshake
    /// signatures are still checked, as Go's `InsecureSkipVerify` does.
    pub fn new(insecure_skip_tls_verify: bool) -> Self {
        Self::with_hosts(insecure_skip_tls_verify, super::dns::Hosts::default())
    }

    /// [`ClientConfig::new`] with k6's `hosts` overrides.
    pub fn with_hosts(insecure_skip_tls_verify: bool, hosts: super::dns::Hosts) -> Self {
        ClientConfig {
            inner: Arc::new(ConfigInner {
                tls: tls_connector(insecure_skip_tls_verify),
                insecure_skip_tls_verify,
                hosts,
                noop_waker: Waker::from(Arc::new(NoopWake)),
            }),
        }
    }

    pub(crate) fn hosts(&self) -> &super::dns::Hosts {
        &self.inner.hosts
    }

    pub fn insecure_skip_tls_verify(&self) -> bool {
        self.inner.insecure_skip_tls_verify
    }

    pub(crate) fn noop_waker(&self) -> &Waker {
        &self.inner.noop_waker
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field(
                "insecure_skip_tls_verify",
                &self.inner.insecure_skip_tls_verify,
            )
            .finish_non_exhaustive()
    }
}

/// Building fails only if the provider lacked every TLS 1.2/1.3 cipher suite (ring's default
/// provider has them); the error is kept and reported by https requests rather than panicking.
fn tls_connector(insecure_skip_tls_verify: bool) -> Result<TlsConnector, HttpError> {
    // Explicit provider: never depends on which crypto backend feature unification picked.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| HttpError::tls(&e))?;
    let mut tls = if insecure_skip_tls_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate { provider }))
            .with_no_client_auth()
    } else {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    // We only speak HTTP/1.1; saying so stops an h2-first server from choosing h2.
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(tls)))
}

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// An open connection. TLS is boxed: rustls' state is large and a plain connection should not
/// pay for it.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// True when an idle keep-alive connection can no longer carry a request: the server closed
    /// it (EOF), reset it, or sent bytes nobody asked for. Go's client learns this from its
    /// background read loop; we poll once, without blocking, before reusing a connection that
    /// sat idle. `Pending` means alive.
    pub fn closed_while_idle(&mut self, waker: &Waker) -> bool {
        let mut cx = Context::from_waker(waker);
        let mut byte = [0u8; 1];
        let mut buf = ReadBuf::new(&mut byte);
        Pin::new(self).poll_read(&mut cx, &mut buf).is_ready()
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// TCP connect (each address in turn, like Go's serial dialer) and, for https, the TLS
/// handshake; the phases land in `trace`. `addrs` is never empty (the resolver sees to it).
pub(crate) async fn connect(
    config: &ClientConfig,
    target: &Target,
    addrs: &[SocketAddr],
    trace: &mut Trace,
) -> Result<Stream, HttpError> {
    let mut first_error = None;
    let mut connected = None;
    for &addr in addrs {
        match dial(addr, trace).await {
            Ok(s) => {
                connected = Some(s);
                break;
            }
            // Go reports the first address's error: it is the most relevant one.
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let tcp = match (connected, first_error) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(e),
        (None, None) => return Err(HttpError::no_such_host()),
    };
    trace.connect_done = Some(Instant::now());
    // Requests are written in one go and answered at once: Nagle would only add latency.
    let _ = tcp.set_nodelay(true);

    let Some(server_name) = &target.server_name else {
        return Ok(Stream::Plain(tcp));
    };
    trace.tls_start = Some(Instant::now());
    let connector = config.inner.tls.as_ref().map_err(Clone::clone)?;
    let tls = connector
        .connect(server_name.clone(), tcp)
        .await
        .map_err(|e| match e.kind() {
            // The server hung up during the handshake: Go says `EOF`.
            io::ErrorKind::UnexpectedEof => HttpError::eof(),
            _ => HttpError::io("read", &e),
        })?;
    trace.tls_done = Some(Instant::now());
    Ok(Stream::Tls(Box::new(tls)))
}

async fn dial(addr: SocketAddr, trace: &mut Trace) -> Result<TcpStream, HttpError> {
    // k6 keeps the first attempt's start (tracer.go ConnectStart uses CompareAndSwap).
    trace.connect_start.get_or_insert_with(Instant::now);
    match tokio::time::timeout(DIAL_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(HttpError::dial(&e)),
        Err(_) => Err(HttpError::dial_timeout()),
    }
}
