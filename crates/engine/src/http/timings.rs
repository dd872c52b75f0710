//! k6's request phases (`http_req_blocked` ... `http_req_receiving`), from the instants that k6's
//! httptrace hooks record (lib/netext/httpext/tracer.go).

use std::time::Instant;

/// One request's phases in nanoseconds, as k6 defines them:
/// - `blocked`: from the start of the request until a connection is ready to write. For a new
///   connection it includes DNS, TCP connect and TLS (k6's `GetConn` to `GotConn`); for a reused
///   keep-alive connection it is tiny.
/// - `connecting`: the TCP connect (after DNS; 0 on a reused connection).
/// - `tls_handshaking`: the TLS handshake (0 for plain HTTP and on a reused connection).
/// - `sending`: writing the request bytes.
/// - `waiting`: from the request written to the first response byte (time to first byte); when
///   no byte ever came (timeout, reset), until the end of the request, as k6 does.
/// - `receiving`: from the first response byte to the end of the body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    pub blocked: u64,
    pub connecting: u64,
    pub tls_handshaking: u64,
    pub sending: u64,
    pub waiting: u64,
    pub receiving: u64,
}

impl Timings {
    /// `http_req_duration`: sending + waiting + receiving (k6 excludes blocked, hence connect and
    /// TLS, from the duration).
    pub fn duration(&self) -> u64 {
        self.sending + self.waiting + self.receiving
    }
}

/// Instants of one request, filled in as the request progresses. Kept in the `VuClient` rather
/// than on the stack so that a timeout, which drops the request future, still finds them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Trace {
    pub start: Instant,
    pub connect_start: Option<Instant>,
    pub connect_done: Option<Instant>,
    pub tls_start: Option<Instant>,
    pub tls_done: Option<Instant>,
    pub got_conn: Option<Instant>,
    pub wrote: Option<Instant>,
    pub first_byte: Option<Instant>,
}

impl Trace {
    pub fn new(start: Instant) -> Self {
        Trace {
            start,
            connect_start: None,
            connect_done: None,
            tls_start: None,
            tls_done: None,
            got_conn: None,
            wrote: None,
            first_byte: None,
        }
    }

    /// Forgets the failed attempt before the transparent retry on a fresh connection. `start` is
    /// kept, so the failed attempt shows in `blocked` rather than vanishing (k6 restarts the
    /// clock at the retry's `GetConn`; the difference is the few microseconds of a failed write).
    pub fn restart(&mut self) {
        *self = Trace::new(self.start);
    }

    /// True until a connection is ready and no TLS handshake is under way: a timeout now is a
    /// dial timeout for k6.
    pub fn dialing(&self) -> bool {
        self.got_conn.is_none() && self.tls_start.is_none()
    }

    pub fn timings(&self, done: Instant) -> Timings {
        let span = |from: Option<Instant>, to: Option<Instant>| match (from, to) {
            (Some(from), Some(to)) => nanos(to.saturating_duration_since(from)),
            _ => 0,
        };
        let waiting = match (self.wrote, self.first_byte) {
            (Some(wrote), Some(first)) => nanos(first.saturating_duration_since(wrote)),
            (Some(wrote), None) => nanos(done.saturating_duration_since(wrote)),
            _ => 0,
        };
        Timings {
            blocked: span(Some(self.start), self.got_conn),
            connecting: span(self.connect_start, self.connect_done),
            tls_handshaking: span(self.tls_start, self.tls_done),
            sending: span(self.got_conn, self.wrote),
            waiting,
            receiving: span(self.first_byte, Some(done)),
        }
    }
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn phases_follow_k6_tracer() {
        let t0 = Instant::now();
        let at = |ms: u64| Some(t0 + Duration::from_millis(ms));
        let trace = Trace {
            start: t0,
            connect_start: at(1),
            connect_done: at(3),
            tls_start: at(3),
            tls_done: at(7),
            got_conn: at(7),
            wrote: at(8),
            first_byte: at(20),
        };
        let t = trace.timings(t0 + Duration::from_millis(25));
        let ms = 1_000_000;
        assert_eq!(t.blocked, 7 * ms);
        assert_eq!(t.connecting, 2 * ms);
        assert_eq!(t.tls_handshaking, 4 * ms);
        assert_eq!(t.sending, ms);
        assert_eq!(t.waiting, 12 * ms);
        assert_eq!(t.receiving, 5 * ms);
        assert_eq!(t.duration(), 18 * ms);
    }

    #[test]
    fn waiting_runs_to_the_end_when_no_byte_came() {
        let t0 = Instant::now();
        let mut trace = Trace::new(t0);
        trace.got_conn = Some(t0);
        trace.wrote = Some(t0);
        let t = trace.timings(t0 + Duration::from_millis(300));
        assert_eq!(t.waiting, 300_000_000);
        assert_eq!(t.receiving, 0);
    }
}
