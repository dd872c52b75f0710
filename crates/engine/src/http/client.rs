//! One VU's HTTP/1.1 client: at most one keep-alive connection, reusable buffers, k6's phases.
//!
//! Allocation on the hot path (plain HTTP, `BodyMode::Discard`, connection reused): none. The
//! request's bytes are shared by all VUs (behind the `PreparedRequest`'s `Arc`) and written with
//! `write_all`; the response is read into the VU's
//! `Response::buf` (grown only for a head that does not fit, up to `MAX_HEAD`), headers are
//! parsed into a stack array and recorded as offsets in a `Vec` whose capacity is kept; the body
//! is counted and dropped; the timeout is tokio's `timeout_at`, whose timer entry lives inside
//! the future. `tests/http_client.rs` checks this with a counting allocator. Allocation happens
//! on connect (DNS, TLS session), on errors (the message), in `Keep` mode while the body buffer
//! grows, and inside rustls for every TLS record.

use super::dns::Resolver;
use super::error::HttpError;
use super::request::{Prepared, PreparedRequest};
use super::response::{parse_head, BodyDecoder, Parsed, Response, MAX_HEAD, MAX_INTERIM};
use super::timings::{Timings, Trace};
use super::transport::{self, ClientConfig, Stream};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Initial read buffer of a VU (wrk reads 8 KiB at a time; larger reads help big bodies).
const READ_BUFFER: usize = 16 * 1024;
/// Room kept after the head for reading the body.
const MIN_BODY_SCRATCH: usize = 8 * 1024;
/// A connection idle for less than this is reused without first checking that the server did
/// not close it: the check costs a syscall, and a close within this window is rare and, for
/// idempotent requests, retried anyway.
const IDLE_CHECK_AFTER: Duration = Duration::from_millis(1);
/// `BodyMode::Keep` buffers above this size are released after use rather than kept by the VU.
const KEEP_BODY_RETAIN: usize = 16 * 1024 * 1024;
/// Upper bound of the up-front reservation for a `Content-Length` body (a lying header must not
/// allocate gigabytes before a byte arrives).
const KEEP_BODY_RESERVE: u64 = 1024 * 1024;
/// Stands in for "no timeout" when `spec.timeout` is absurdly large (Instant must not overflow).
const MAX_TIMEOUT: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// What to do with a response body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyMode {
    /// Count the bytes, keep nothing (the native fast path, k6's `discardResponseBodies`).
    Discard,
    /// Keep the body in `VuClient::response()`.
    Keep,
}

/// The result of one request. A failure is a value, never an `Err` or a panic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The HTTP status, 0 when the request failed (k6's `res.status`).
    pub status: u16,
    pub timings: Timings,
    /// Plaintext bytes written: request head and body (TLS record overhead is not counted; k6
    /// counts at the socket, so its `data_sent` is a little higher over https). Includes the
    /// first attempt of a transparently retried request.
    pub bytes_sent: u64,
    /// Plaintext bytes read: every response head (1xx included), the body with its chunk
    /// framing and trailers.
    pub bytes_received: u64,
    pub error: Option<HttpError>,
}

impl Outcome {
    /// k6's `error_code`: the failure's code, else 1000 + status for 4xx and 5xx responses
    /// (transport.go), else 0.
    pub fn error_code(&self) -> u32 {
        match &self.error {
            Some(e) => e.code,
            None if self.status >= 400 => 1000 + u32::from(self.status),
            None => 0,
        }
    }
}

/// One VU's client: owns at most one connection (to one scheme/host/port; a request for another
/// origin drops it and connects anew) and the buffers the responses are read into.
pub struct VuClient {
    config: ClientConfig,
    conn: Option<Connection>,
    response: Response,
    /// The current request's instants and byte counts live here, not on the stack, so that a
    /// timeout, which drops the request future, still finds what was measured.
    trace: Trace,
    sent: u64,
    received: u64,
    resolver: Resolver,
}

struct Connection {
    stream: Stream,
    /// The request that opened it: its target says where the connection goes.
    opened_by: Arc<Prepared>,
    idle_since: Instant,
}

/// A failed attempt, and whether it failed before any byte of the response arrived (then an
/// idempotent request on a reused connection may be sent again).
struct Failure {
    error: HttpError,
    before_response: bool,
}

impl Failure {
    fn fatal(error: HttpError) -> Self {
        Failure {
            error,
            before_response: false,
        }
    }
}

impl VuClient {
    pub fn new(config: ClientConfig) -> Self {
        VuClient {
            config,
            conn: None,
            response: Response::with_buffer(READ_BUFFER),
            trace: Trace::new(Instant::now()),
            sent: 0,
            received: 0,
            resolver: Resolver::new(),
        }
    }

    /// The status, headers and (in `BodyMode::Keep`) body of the last response. After a failed
    /// request the status is 0 and there are no headers.
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// Whether this client holds an open connection to `req`'s scheme, host and port (a pool
    /// of clients prefers such a one: no new connection).
    pub fn is_connected_to(&self, req: &PreparedRequest) -> bool {
        self.conn.as_ref().is_some_and(|c| {
            Arc::ptr_eq(&c.opened_by, &req.inner) || c.opened_by.target == req.inner.target
        })
    }

    /// Drops the connection, if any: the next request connects anew.
    pub fn close(&mut self) {
        self.conn = None;
    }

    /// Sends one request and reads the whole response. Never panics and never fails: a failure
    /// is `Outcome::error`, with status 0. Runs on a tokio runtime with IO and time enabled.
    pub async fn send(&mut self, req: &PreparedRequest, mode: BodyMode) -> Outcome {
        let start = Instant::now();
        self.trace = Trace::new(start);
        self.sent = 0;
        self.received = 0;
        if self.response.body.capacity() > KEEP_BODY_RETAIN {
            self.response.body = Vec::new();
        }
        self.response.clear();

        let deadline = start
            .checked_add(req.timeout().min(MAX_TIMEOUT))
            .unwrap_or(start);
        let result = match tokio::time::timeout_at(deadline.into(), self.exchange(req, mode)).await
        {
            Ok(result) => result,
            Err(_elapsed) => {
                self.conn = None;
                Err(if self.trace.dialing() {
                    HttpError::dial_timeout()
                } else {
                    HttpError::request_timeout()
                })
            }
        };
        let done = Instant::now();
        let status = match result {
            Ok(status) => {
                if let Some(conn) = &mut self.conn {
                    conn.idle_since = done;
                }
                status
            }
            Err(_) => {
                self.response.clear();
                0
            }
        };
        Outcome {
            status,
            timings: self.trace.timings(done),
            bytes_sent: self.sent,
            bytes_received: self.received,
            error: result.err(),
        }
    }

    /// Connection, write, response; once more on a fresh connection when a kept-alive one turns
    /// out to be dead before the response began (Go's `shouldRetryRequest`, which k6 inherits).
    async fn exchange(&mut self, req: &PreparedRequest, mode: BodyMode) -> Result<u16, HttpError> {
        let mut retried = false;
        loop {
            let reused = self.acquire(req).await?;
            match self.round_trip(&req.inner, mode).await {
                Ok((status, reusable)) => {
                    if !reusable {
                        self.conn = None;
                    }
                    return Ok(status);
                }
                Err(failure) => {
                    self.conn = None;
                    if reused && failure.before_response && req.inner.replayable && !retried {
                        retried = true;
                        self.trace.restart();
                        self.response.clear();
                        continue;
                    }
                    return Err(failure.error);
                }
            }
        }
    }

    /// Makes `self.conn` a connection to the request's target; true if it was already open.
    async fn acquire(&mut self, req: &PreparedRequest) -> Result<bool, HttpError> {
        if let Some(conn) = &mut self.conn {
            let same_target = Arc::ptr_eq(&conn.opened_by, &req.inner)
                || conn.opened_by.target == req.inner.target;
            let idle = self.trace.start.saturating_duration_since(conn.idle_since);
            let usable = same_target
                && (idle < IDLE_CHECK_AFTER
                    || !conn.stream.closed_while_idle(self.config.noop_waker()));
            if usable {
                self.trace.got_conn = Some(Instant::now());
                return Ok(true);
            }
            self.conn = None;
        }
        let target = &req.inner.target;
        let stream = match target.ip {
            Some(ip) => {
                let addr = [SocketAddr::new(ip, target.port)];
                transport::connect(&self.config, target, &addr, &mut self.trace).await?
            }
            None => {
                let addrs = self.resolver.resolve(target, self.config.hosts()).await?;
                transport::connect(&self.config, target, addrs, &mut self.trace).await?
            }
        };
        let now = Instant::now();
        self.trace.got_conn = Some(now);
        self.conn = Some(Connection {
            stream,
            opened_by: req.inner.clone(),
            idle_since: now,
        });
        Ok(false)
    }

    /// Writes the request on `self.conn` and reads the response. Returns the status and whether
    /// the connection may carry another request.
    async fn round_trip(&mut self, req: &Prepared, mode: BodyMode) -> Result<(u16, bool), Failure> {
        let VuClient {
            conn,
            response,
            trace,
            sent,
            received,
            ..
        } = self;
        let Some(conn) = conn.as_mut() else {
            return Err(Failure::fatal(HttpError::new(
                HttpError::GENERIC,
                "no connection",
            )));
        };
        let stream = &mut conn.stream;

        // Writing: one buffer shared by all VUs. Flush matters for TLS only (records may be
        // pending); on TCP it is a no-op.
        let written = async {
            stream.write_all(&req.bytes).await?;
            stream.flush().await
        };
        if let Err(e) = written.await {
            return Err(Failure {
                error: HttpError::io("write", &e),
                before_response: true,
            });
        }
        *sent += req.bytes.len() as u64;
        trace.wrote = Some(Instant::now());

        // The head: read until httparse sees a complete final response.
        let mut filled = 0;
        let mut interim = 0;
        let head = loop {
            if filled > 0 {
                match parse_head(response, filled, req.is_head).map_err(Failure::fatal)? {
                    Parsed::Final(head) => break head,
                    Parsed::Interim(len) => {
                        interim += 1;
                        if interim > MAX_INTERIM {
                            return Err(Failure::fatal(HttpError::new(
                                HttpError::GENERIC,
                                "net/http: too many 1xx informational responses",
                            )));
                        }
                        response.buf.copy_within(len..filled, 0);
                        filled -= len;
                        continue;
                    }
                    Parsed::Partial => {}
                }
                if filled >= MAX_HEAD {
                    return Err(Failure::fatal(HttpError::new(
                        HttpError::GENERIC,
                        format!(
                            "net/http: server response headers exceeded {MAX_HEAD} bytes; aborted"
                        ),
                    )));
                }
                if filled == response.buf.len() {
                    let grown = (response.buf.len() * 2).min(MAX_HEAD + MIN_BODY_SCRATCH);
                    response.buf.resize(grown, 0);
                }
            }
            let n = match read(stream, &mut response.buf[filled..]).await {
                Ok(n) => n,
                Err(e) => {
                    return Err(Failure {
                        error: HttpError::io("read", &e),
                        before_response: *received == 0,
                    })
                }
            };
            if n == 0 {
                return Err(if *received == 0 {
                    Failure {
                        error: HttpError::eof(),
                        before_response: true,
                    }
                } else {
                    Failure::fatal(HttpError::unexpected_eof())
                });
            }
            if trace.first_byte.is_none() {
                trace.first_byte = Some(Instant::now());
            }
            *received += n as u64;
            filled += n;
        };

        // The body: what came with the head, then reads into the space after the head, which
        // stays intact for `Response::headers`.
        let status = response.status();
        let keep = mode == BodyMode::Keep;
        let mut decoder = BodyDecoder::new(head.framing);
        if let (true, BodyDecoder::Length(n)) = (keep, decoder) {
            response.body.reserve(n.min(KEEP_BODY_RESERVE) as usize);
        }
        let Response { buf, body, .. } = response;
        let extra = filled - head.len;
        let used = decoder
            .decode(&buf[head.len..filled], sink(keep, body))
            .map_err(Failure::fatal)?;
        let mut leftover = used < extra;
        if buf.len() - head.len < MIN_BODY_SCRATCH {
            buf.resize(head.len + MIN_BODY_SCRATCH, 0);
        }
        while !decoder.is_done() {
            let n = read(stream, &mut buf[head.len..])
                .await
                .map_err(|e| Failure::fatal(HttpError::io("read", &e)))?;
            if n == 0 {
                decoder.finish_at_eof().map_err(Failure::fatal)?;
                // The server closed: the connection cannot be reused whatever it announced.
                return Ok((status, false));
            }
            *received += n as u64;
            let used = decoder
                .decode(&buf[head.len..head.len + n], sink(keep, body))
                .map_err(Failure::fatal)?;
            leftover |= used < n;
        }
        // Bytes after the response were not asked for (no pipelining): the connection's state is
        // unknown, so it is not reused (Go: "Unsolicited response received on idle HTTP channel").
        let reusable = head.keep_alive && !leftover;
        Ok((status, reusable))
    }
}

fn sink(keep: bool, body: &mut Vec<u8>) -> Option<&mut Vec<u8>> {
    keep.then_some(body)
}

/// Reads once; a TLS peer that closes without close_notify is a plain EOF (most servers do,
/// and a close-delimited body must still end cleanly).
async fn read(stream: &mut Stream, buf: &mut [u8]) -> io::Result<usize> {
    match stream.read(buf).await {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
        other => other,
    }
}
