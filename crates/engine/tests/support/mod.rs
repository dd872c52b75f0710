//! Raw TCP test servers that write exact bytes, so tests control splits, resets and stalls.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use volley_engine::http::{PreparedRequest, RequestSpec};

/// Every test finishes within this, or fails instead of hanging.
pub const TEST_LIMIT: Duration = Duration::from_secs(20);

pub async fn bounded<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("test ran past its time limit")
}

/// A server on 127.0.0.1:0 that runs `handler(peer, index)` for each accepted connection
/// (`index` counts connections from 0).
pub struct TestServer {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start<F, Fut>(handler: F) -> TestServer
    where
        F: Fn(Peer<TcpStream>, usize) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::start_on(listener, handler)
    }

    pub fn start_on<F, Fut>(listener: TcpListener, handler: F) -> TestServer
    where
        F: Fn(Peer<TcpStream>, usize) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let addr = listener.local_addr().expect("local_addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let index = counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(handler(Peer::new(stream), index));
            }
        });
        TestServer {
            addr,
            connections,
            task,
        }
    }

    /// A server that answers every request on every connection with `response`.
    pub async fn always(response: &'static [u8]) -> TestServer {
        Self::start(move |mut peer, _| async move {
            while peer.request().await.is_some() {
                peer.write(response).await;
            }
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The server side of one connection.
pub struct Peer<S> {
    pub stream: S,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Peer<S> {
    pub fn new(stream: S) -> Self {
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    /// The next request (head and Content-Length body), or None at EOF or on error.
    pub async fn request(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_lowercase();
                let body_len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap_or(0));
                let total = end + 4 + body_len;
                if self.buf.len() >= total {
                    return Some(self.buf.drain(..total).collect());
                }
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    pub async fn write(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes).await;
        let _ = self.stream.flush().await;
    }

    /// Writes `bytes` in pieces of `piece` bytes with `pause` between them, so that the client
    /// sees the response split at every position.
    pub async fn write_split(&mut self, bytes: &[u8], piece: usize, pause: Duration) {
        for chunk in bytes.chunks(piece) {
            self.write(chunk).await;
            tokio::time::sleep(pause).await;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub fn prepare(spec: RequestSpec) -> PreparedRequest {
    PreparedRequest::new(&spec).expect("valid request")
}

pub fn get(url: &str) -> PreparedRequest {
    prepare(RequestSpec::get(url))
}

pub fn with_timeout(url: &str, timeout: Duration) -> PreparedRequest {
    let mut spec = RequestSpec::get(url);
    spec.timeout = timeout;
    prepare(spec)
}

pub const CERT_DER: &[u8] = include_bytes!("localhost-cert.der");
/// PKCS#8 key of `CERT_DER`: a self-signed certificate for localhost, 127.0.0.1 and ::1, made
/// with openssl for these tests only.
pub const KEY_DER: &[u8] = include_bytes!("localhost-key.der");
