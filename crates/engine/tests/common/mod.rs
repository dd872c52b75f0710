//! Shared by the whole-run tests: a local keep-alive target that counts what it answers, and
//! waiting helpers. (`#[allow(dead_code)]`: each test file uses its own part of it.)
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use volley_engine::{Engine, RunResult};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

/// A keep-alive server on its own thread; `delay` holds each response, None never answers.
pub struct Target {
    pub url: String,
    pub requests: Arc<AtomicU64>,
    pub connections: Arc<AtomicU64>,
    /// When the first request arrived.
    pub first: Arc<Mutex<Option<Instant>>>,
}

impl Target {
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn first_request(&self) -> Option<Instant> {
        *self.first.lock().unwrap()
    }
}

pub fn start_target(delay: Option<Duration>) -> Target {
    let requests = Arc::new(AtomicU64::new(0));
    let connections = Arc::new(AtomicU64::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    let first = Arc::new(Mutex::new(None));
    let (req, conns, first_seen) = (requests.clone(), connections.clone(), first.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                conns.fetch_add(1, Ordering::SeqCst);
                let (req, first_seen) = (req.clone(), first_seen.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut seen = Vec::new();
                    loop {
                        let Ok(n) = stream.read(&mut buf).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        seen.extend_from_slice(&buf[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            first_seen.lock().unwrap().get_or_insert_with(Instant::now);
                            match delay {
                                None => std::future::pending::<()>().await,
                                Some(d) if !d.is_zero() => tokio::time::sleep(d).await,
                                Some(_) => {}
                            }
                            req.fetch_add(1, Ordering::SeqCst);
                            if stream.write_all(RESPONSE).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
    });
    let addr = rx.recv().unwrap();
    Target {
        url: format!("http://{addr}/"),
        requests,
        connections,
        first,
    }
}

pub fn finish(e: &Engine, within: Duration) -> RunResult {
    e.wait(Some(within)).expect("the run ended in time")
}

pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
