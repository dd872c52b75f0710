//! The per-VU HTTP/1.1 client against local raw-TCP servers that write exact bytes.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{bounded, get, prepare, with_timeout, Peer, TestServer};
use tokio::net::TcpListener;
use volley_engine::http::{BodyMode, ClientConfig, HttpError, Outcome, RequestSpec, VuClient};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

fn client() -> VuClient {
    VuClient::new(ClientConfig::new(false))
}

fn assert_ok(outcome: &Outcome) {
    assert_eq!(outcome.error, None, "{outcome:?}");
    assert_eq!(outcome.status, 200, "{outcome:?}");
}

fn assert_error(outcome: &Outcome, code: u32) {
    assert_eq!(outcome.status, 0, "{outcome:?}");
    let error = outcome.error.as_ref().expect("an error");
    assert_eq!(error.code, code, "{outcome:?}");
}

// ---- keep-alive and reconnects ----

#[tokio::test]
async fn keep_alive_reuses_one_connection_for_100_requests() {
    bounded(async {
        let server = TestServer::always(OK).await;
        let req = get(&server.url("/"));
        let mut vu = client();
        for i in 0..100 {
            let out = vu.send(&req, BodyMode::Discard).await;
            assert_ok(&out);
            if i == 0 {
                assert!(out.timings.connecting > 0, "{out:?}");
            } else {
                assert_eq!(out.timings.connecting, 0, "request {i}: {out:?}");
                assert_eq!(out.timings.tls_handshaking, 0);
            }
        }
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn connection_close_from_the_server_means_reconnect() {
    bounded(async {
        let server = TestServer::start(|mut peer, _| async move {
            if peer.request().await.is_some() {
                peer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
                    .await;
                // Keep the socket open: the client must not wait for EOF nor reuse it.
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        })
        .await;
        let req = get(&server.url("/"));
        let mut vu = client();
        for _ in 0..3 {
            let out = vu.send(&req, BodyMode::Keep).await;
            assert_ok(&out);
            assert_eq!(vu.response().body(), b"ok");
            assert!(out.timings.connecting > 0);
        }
        assert_eq!(server.connections(), 3);
    })
    .await;
}

#[tokio::test]
async fn http_1_0_without_keep_alive_is_not_reused() {
    bounded(async {
        let server = TestServer::always(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let req = get(&server.url("/"));
        let mut vu = client();
        for _ in 0..2 {
            assert_ok(&vu.send(&req, BodyMode::Discard).await);
        }
        assert_eq!(server.connections(), 2);
    })
    .await;
}

/// The server takes the second request on a kept-alive connection and hangs up without a byte:
/// the request went out on a connection that was already dying, so it is sent again once.
#[tokio::test]
async fn idempotent_request_is_retried_once_when_a_kept_alive_connection_dies() {
    bounded(async {
        let server = TestServer::start(|mut peer, index| async move {
            let mut served = 0;
            while peer.request().await.is_some() {
                if index == 0 && served == 1 {
                    return; // drop the connection with the request unanswered
                }
                peer.write(OK).await;
                served += 1;
            }
        })
        .await;
        let req = get(&server.url("/"));
        let mut vu = client();
        assert_ok(&vu.send(&req, BodyMode::Discard).await);
        let out = vu.send(&req, BodyMode::Discard).await;
        assert_ok(&out);
        assert!(
            out.timings.connecting > 0,
            "the retry connected anew: {out:?}"
        );
        assert_eq!(server.connections(), 2);
    })
    .await;
}

#[tokio::test]
async fn retry_happens_only_once() {
    bounded(async {
        let server = TestServer::start(|mut peer, index| async move {
            if peer.request().await.is_some() && index == 0 {
                peer.write(OK).await;
                let _ = peer.request().await; // then hang up on the second request
            }
            // every later connection hangs up on its first request
        })
        .await;
        let req = get(&server.url("/"));
        let mut vu = client();
        assert_ok(&vu.send(&req, BodyMode::Discard).await);
        let out = vu.send(&req, BodyMode::Discard).await;
        assert_error(&out, HttpError::GENERIC);
        assert_eq!(out.error.unwrap().message, "EOF");
        assert_eq!(server.connections(), 2);
    })
    .await;
}

#[tokio::test]
async fn post_is_not_retried_after_the_server_dropped_it() {
    bounded(async {
        let server = TestServer::start(|mut peer, _| async move {
            if peer.request().await.is_some() {
                peer.write(OK).await;
                let _ = peer.request().await;
            }
        })
        .await;
        let mut spec = RequestSpec::new("POST", server.url("/"));
        spec.body = Some(b"x".to_vec());
        let req = prepare(spec);
        let mut vu = client();
        assert_ok(&vu.send(&req, BodyMode::Discard).await);
        let out = vu.send(&req, BodyMode::Discard).await;
        assert_error(&out, HttpError::GENERIC);
        assert_eq!(server.connections(), 1);
    })
    .await;
}

/// A server that closes idle keep-alive connections (an idle timeout): the next request, even a
/// POST, goes out on a fresh connection without an error.
#[tokio::test]
async fn connection_closed_by_the_server_while_idle_is_replaced() {
    bounded(async {
        let server = TestServer::start(|mut peer, _| async move {
            if peer.request().await.is_some() {
                peer.write(OK).await;
            }
        })
        .await;
        let mut vu = client();
        let get_req = get(&server.url("/"));
        let mut post = RequestSpec::new("POST", server.url("/"));
        post.body = Some(b"{}".to_vec());
        let post_req = prepare(post);
        for req in [&get_req, &post_req, &get_req] {
            tokio::time::sleep(Duration::from_millis(30)).await;
            let out = vu.send(req, BodyMode::Discard).await;
            assert_ok(&out);
        }
        assert_eq!(server.connections(), 3);
    })
    .await;
}

#[tokio::test]
async fn another_origin_gets_its_own_connection() {
    bounded(async {
        let a = TestServer::always(OK).await;
        let b = TestServer::always(OK).await;
        let (ra, rb) = (get(&a.url("/")), get(&b.url("/")));
        let mut vu = client();
        for req in [&ra, &ra, &rb, &rb, &ra] {
            assert_ok(&vu.send(req, BodyMode::Discard).await);
        }
        assert_eq!((a.connections(), b.connections()), (2, 1));
    })
    .await;
}

// ---- body framing, split at every byte ----

async fn split_server(response: &'static [u8], close_after: bool) -> TestServer {
    TestServer::start(move |mut peer, _| async move {
        while peer.request().await.is_some() {
            peer.write_split(response, 1, Duration::from_millis(1))
                .await;
            if close_after {
                return;
            }
        }
    })
    .await
}

async fn fetch_twice(server: &TestServer, response: &[u8], body: &[u8]) {
    let req = get(&server.url("/"));
    let mut vu = client();
    let out = vu.send(&req, BodyMode::Keep).await;
    assert_ok(&out);
    assert_eq!(vu.response().body(), body);
    assert_eq!(out.bytes_received, response.len() as u64);
    let out = vu.send(&req, BodyMode::Discard).await;
    assert_ok(&out);
    assert_eq!(out.bytes_received, response.len() as u64);
    assert!(vu.response().body().is_empty());
}

#[tokio::test]
async fn content_length_body_split_byte_by_byte() {
    bounded(async {
        const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Y: z\r\n\r\nhello world";
        let server = split_server(RESP, false).await;
        fetch_twice(&server, RESP, b"hello world").await;
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn chunked_body_with_extensions_and_trailers_split_byte_by_byte() {
    bounded(async {
        const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
            5;ext=1\r\nhello\r\n1\r\n \r\n5 ; a=\"b\"\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n";
        let server = split_server(RESP, false).await;
        fetch_twice(&server, RESP, b"hello world").await;
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn close_delimited_body_split_byte_by_byte() {
    bounded(async {
        const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end";
        let server = split_server(RESP, true).await;
        fetch_twice(&server, RESP, b"until the end").await;
        assert_eq!(
            server.connections(),
            2,
            "a close-delimited connection is not reused"
        );
    })
    .await;
}

#[tokio::test]
async fn interim_100_continue_is_skipped() {
    bounded(async {
        const RESP: &[u8] =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n\
            HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx";
        let server = TestServer::always(RESP).await;
        let mut vu = client();
        let out = vu.send(&get(&server.url("/")), BodyMode::Keep).await;
        assert_eq!((out.status, out.error), (201, None));
        assert_eq!(vu.response().body(), b"x");
        assert_eq!(out.bytes_received, RESP.len() as u64);
    })
    .await;
}

#[tokio::test]
async fn large_bodies_are_read_whole_in_both_modes() {
    bounded(async {
        let body: &'static [u8] = Box::leak(vec![b'a'; 3 * 1024 * 1024 + 7].into_boxed_slice());
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let response: &'static [u8] =
            Box::leak([head.as_bytes(), body].concat().into_boxed_slice());
        let server = TestServer::always(response).await;
        let req = get(&server.url("/"));
        let mut vu = client();
        let out = vu.send(&req, BodyMode::Keep).await;
        assert_ok(&out);
        assert_eq!(vu.response().body().len(), body.len());
        let out = vu.send(&req, BodyMode::Discard).await;
        assert_ok(&out);
        assert_eq!(out.bytes_received, response.len() as u64);
        assert_eq!(server.connections(), 1);
    })
    .await;
}

// ---- responses without a body ----

#[tokio::test]
async fn head_204_and_304_have_no_body_and_keep_the_connection() {
    bounded(async {
        let server = TestServer::start(|mut peer, _| async move {
            while let Some(req) = peer.request().await {
                let path = String::from_utf8_lossy(&req)
                    .split(' ')
                    .nth(1)
                    .unwrap_or("")
                    .to_owned();
                let resp: &[u8] = match path.as_str() {
                    // Length announced, no body sent: only HEAD allows that.
                    "/head" => b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
                    "/204" => b"HTTP/1.1 204 No Content\r\n\r\n",
                    "/304" => b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
                    _ => OK,
                };
                peer.write(resp).await;
            }
        })
        .await;
        let mut vu = client();
        let head = prepare(RequestSpec::new("HEAD", server.url("/head")));
        let out = vu.send(&head, BodyMode::Keep).await;
        assert_ok(&out);
        assert_eq!(vu.response().header("content-length"), Some(&b"1000"[..]));
        assert!(vu.response().body().is_empty());
        for (path, status) in [("/204", 204), ("/304", 304), ("/", 200)] {
            let out = vu
                .send(
                    &with_timeout(&server.url(path), Duration::from_secs(2)),
                    BodyMode::Keep,
                )
                .await;
            assert_eq!((out.status, &out.error), (status, &None), "{path}");
        }
        assert_eq!(vu.response().body(), b"ok");
        assert_eq!(server.connections(), 1);
    })
    .await;
}

// ---- what comes back ----

#[tokio::test]
async fn keep_mode_returns_status_headers_and_body() {
    bounded(async {
        let server = TestServer::always(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Multi: 1\r\nX-Multi: 2\r\n\
              Content-Length: 4\r\n\r\nnope",
        )
        .await;
        let mut vu = client();
        let out = vu.send(&get(&server.url("/missing")), BodyMode::Keep).await;
        assert_eq!((out.status, &out.error), (404, &None));
        assert_eq!(out.error_code(), 1404, "k6 tags 4xx with 1000 + status");
        let r = vu.response();
        assert_eq!(
            (r.status(), r.reason(), r.proto()),
            (404, "Not Found", "HTTP/1.1")
        );
        assert_eq!(r.header("content-type"), Some(&b"text/plain"[..]));
        let multi: Vec<&[u8]> = r
            .headers()
            .filter(|(n, _)| *n == "X-Multi")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(multi, vec![&b"1"[..], &b"2"[..]]);
        assert_eq!(r.body(), b"nope");
    })
    .await;
}

#[tokio::test]
async fn discard_mode_counts_exactly_the_bytes_on_the_wire() {
    bounded(async {
        const RESP: &[u8] =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen_by_server = seen.clone();
        let server = TestServer::start(move |mut peer, _| {
            let seen = seen_by_server.clone();
            async move {
                while let Some(req) = peer.request().await {
                    seen.lock().unwrap().push(req);
                    peer.write(RESP).await;
                }
            }
        })
        .await;
        let mut spec = RequestSpec::new("PUT", server.url("/a?b=c"));
        spec.headers = vec![("X-Test".into(), "1".into())];
        spec.body = Some(b"payload".to_vec());
        let req = prepare(spec);
        let mut vu = client();
        let out = vu.send(&req, BodyMode::Discard).await;
        assert_ok(&out);
        assert_eq!(out.bytes_received, RESP.len() as u64);
        assert_eq!(out.bytes_sent, req.bytes_len() as u64);
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].as_slice(), req.bytes());
        let text = String::from_utf8_lossy(&seen[0]);
        assert!(text.starts_with("PUT /a?b=c HTTP/1.1\r\n"), "{text}");
        assert!(
            text.contains(&format!("Host: {}\r\n", server.addr)),
            "{text}"
        );
        assert!(text.contains("User-Agent: volley/"), "{text}");
        assert!(
            text.contains("Content-Length: 7\r\n") && text.ends_with("\r\n\r\npayload"),
            "{text}"
        );
        assert!(vu.response().body().is_empty());
        assert_eq!(vu.response().status(), 200);
    })
    .await;
}

// ---- bad responses ----

/// The first connection gets `bad`; later ones are served properly.
async fn bad_then_good(bad: &'static [u8]) -> (Outcome, Outcome, usize) {
    let server = TestServer::start(move |mut peer, index| async move {
        while peer.request().await.is_some() {
            if index == 0 {
                peer.write(bad).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                return;
            }
            peer.write(OK).await;
        }
    })
    .await;
    let req = with_timeout(&server.url("/"), Duration::from_secs(5));
    let mut vu = client();
    let first = vu.send(&req, BodyMode::Keep).await;
    assert_eq!(vu.response().status(), 0);
    let second = vu.send(&req, BodyMode::Keep).await;
    assert_ok(&second);
    assert_eq!(vu.response().body(), b"ok");
    (first, second, server.connections())
}

#[tokio::test]
async fn garbage_status_line_is_an_error_and_the_next_request_reconnects() {
    bounded(async {
        let (bad, _, connections) = bad_then_good(b"HTTP/1.1 2x0 Bogus\r\n\r\n").await;
        assert_error(&bad, HttpError::GENERIC);
        assert!(bad
            .error
            .unwrap()
            .message
            .starts_with("malformed HTTP response"));
        assert_eq!(connections, 2);
        let (bad, _, _) = bad_then_good(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
        assert_error(&bad, HttpError::GENERIC);
    })
    .await;
}

#[tokio::test]
async fn bad_chunk_size_is_an_error() {
    bounded(async {
        let (bad, _, connections) = bad_then_good(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        )
        .await;
        assert_error(&bad, HttpError::GENERIC);
        assert_eq!(bad.error.unwrap().message, "invalid byte in chunk length");
        assert_eq!(connections, 2);
    })
    .await;
}

#[tokio::test]
async fn truncated_body_is_an_unexpected_eof() {
    bounded(async {
        const CUT: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
        let (bad, _, _) = bad_then_good(CUT).await;
        assert_error(&bad, HttpError::GENERIC);
        assert_eq!(bad.error.as_ref().unwrap().message, "unexpected EOF");
        assert_eq!(bad.bytes_received, CUT.len() as u64);
        let (bad, _, _) =
            bad_then_good(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab").await;
        assert_eq!(bad.error.unwrap().message, "unexpected EOF");
        let (bad, _, _) = bad_then_good(b"HTTP/1.1 200 OK\r\nContent-Le").await;
        assert_eq!(bad.error.unwrap().message, "unexpected EOF");
    })
    .await;
}

#[tokio::test]
async fn header_section_over_64_kib_is_refused() {
    bounded(async {
        let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..700 {
            head.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "v".repeat(100)).as_bytes());
        }
        head.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        let (bad, _, connections) = bad_then_good(Box::leak(head.into_boxed_slice())).await;
        assert_error(&bad, HttpError::GENERIC);
        assert!(bad.error.unwrap().message.contains("exceeded 65536 bytes"));
        assert_eq!(connections, 2);
    })
    .await;
}

// ---- network failures ----

#[tokio::test]
async fn connection_refused_is_k6_code_1212() {
    bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let mut vu = client();
        let out = vu
            .send(&get(&format!("http://{addr}/")), BodyMode::Discard)
            .await;
        // k6's errors list: 1212 is "dial: connection refused" (1220 is reset by peer).
        assert_error(&out, HttpError::TCP_DIAL_REFUSED);
        assert_eq!(
            out.error.as_ref().unwrap().message,
            "dial: connection refused"
        );
        assert_eq!(out.error.unwrap().to_string(), "dial: connection refused");
        assert_eq!(out.timings.duration(), 0);
        assert_eq!((out.bytes_sent, out.bytes_received), (0, 0));
    })
    .await;
}

#[tokio::test]
async fn unknown_host_is_a_dns_error() {
    bounded(async {
        let mut vu = client();
        let out = vu
            .send(&get("http://nonexistent.invalid/"), BodyMode::Discard)
            .await;
        let code = out.error.as_ref().expect("an error").code;
        // 1101 where the resolver says "no such host"; 1100 if it cannot answer at all here.
        assert!(
            code == HttpError::DNS_NO_SUCH_HOST || code == HttpError::DNS,
            "{out:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn reset_mid_body_is_an_error() {
    bounded(async {
        let server = TestServer::start(|mut peer, _| async move {
            if peer.request().await.is_some() {
                peer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
                    .await;
                tokio::time::sleep(Duration::from_millis(100)).await;
                // SO_LINGER 0: close sends RST instead of FIN.
                let _ = peer.stream.set_zero_linger();
            }
        })
        .await;
        let mut vu = client();
        let out = vu.send(&get(&server.url("/")), BodyMode::Discard).await;
        assert_error(&out, HttpError::TCP_RESET_BY_PEER);
        assert_eq!(
            out.error.as_ref().unwrap().message,
            "read: connection reset by peer"
        );
        assert!(out.timings.receiving >= 90_000_000, "{out:?}");
    })
    .await;
}

#[tokio::test]
async fn stalled_server_times_out_with_1050() {
    bounded(async {
        let server = TestServer::start(|mut peer, _| async move {
            let _ = peer.request().await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        })
        .await;
        let timeout = Duration::from_millis(300);
        let req = with_timeout(&server.url("/"), timeout);
        let mut vu = client();
        let started = Instant::now();
        let out = vu.send(&req, BodyMode::Discard).await;
        let elapsed = started.elapsed();
        assert_error(&out, HttpError::REQUEST_TIMEOUT);
        assert_eq!(out.error.as_ref().unwrap().message, "request timeout");
        assert!(
            elapsed >= timeout && elapsed < timeout + Duration::from_millis(500),
            "{elapsed:?}"
        );
        // As in k6, waiting runs to the end when no byte came.
        assert!(out.timings.waiting >= 250_000_000, "{out:?}");
        assert_eq!(out.bytes_sent, req.bytes_len() as u64);

        // A stall in the middle of the body times out too.
        let server = TestServer::start(|mut peer, _| async move {
            let _ = peer.request().await;
            peer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")
                .await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        })
        .await;
        let out = vu
            .send(&with_timeout(&server.url("/"), timeout), BodyMode::Discard)
            .await;
        assert_error(&out, HttpError::REQUEST_TIMEOUT);
        assert!(out.timings.receiving > 0);
    })
    .await;
}

// ---- timings ----

#[tokio::test]
async fn timings_are_present_and_consistent() {
    bounded(async {
        let delay = Duration::from_millis(50);
        let server = TestServer::start(move |mut peer, _| async move {
            while peer.request().await.is_some() {
                tokio::time::sleep(delay).await;
                peer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel")
                    .await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                peer.write(b"lo").await;
            }
        })
        .await;
        let req = get(&server.url("/"));
        let mut vu = client();
        for i in 0..2 {
            let started = Instant::now();
            let out = vu.send(&req, BodyMode::Discard).await;
            let wall = started.elapsed().as_nanos() as u64;
            assert_ok(&out);
            let t = out.timings;
            assert_eq!(t.duration(), t.sending + t.waiting + t.receiving);
            assert!(t.waiting >= delay.as_nanos() as u64, "{t:?}");
            assert!(t.receiving >= 15_000_000, "{t:?}");
            assert!(t.blocked + t.duration() <= wall, "{t:?} vs {wall}");
            if i == 0 {
                assert!(t.connecting > 0 && t.blocked >= t.connecting, "{t:?}");
            } else {
                assert_eq!(t.connecting, 0);
                // A reused connection is ready at once (bound loose for loaded CI machines).
                assert!(t.blocked < 20_000_000, "reused connection: {t:?}");
            }
            assert_eq!(t.tls_handshaking, 0);
        }
    })
    .await;
}

// ---- addresses ----

#[tokio::test]
async fn localhost_and_ipv6_literals_work() {
    bounded(async {
        let server = TestServer::always(OK).await;
        let mut vu = client();
        let url = format!("http://localhost:{}/", server.addr.port());
        assert_ok(&vu.send(&get(&url), BodyMode::Discard).await);

        let Ok(v6) = TcpListener::bind("[::1]:0").await else {
            eprintln!("no IPv6 loopback here: skipping the [::1] part");
            return;
        };
        let host = Arc::new(std::sync::Mutex::new(String::new()));
        let host_seen = host.clone();
        let server = TestServer::start_on(v6, move |mut peer, _| {
            let host = host_seen.clone();
            async move {
                while let Some(req) = peer.request().await {
                    let text = String::from_utf8_lossy(&req).to_string();
                    if let Some(line) = text.lines().find(|l| l.starts_with("Host:")) {
                        *host.lock().unwrap() = line.to_owned();
                    }
                    peer.write(OK).await;
                }
            }
        });
        let url = format!("http://[::1]:{}/", server.addr.port());
        assert_ok(&vu.send(&get(&url), BodyMode::Discard).await);
        assert_eq!(
            *host.lock().unwrap(),
            format!("Host: [::1]:{}", server.addr.port())
        );
    })
    .await;
}

// ---- TLS ----

async fn tls_server() -> TestServer {
    use tokio_rustls::rustls;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![support::CERT_DER.to_vec().into()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(support::KEY_DER.to_vec().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    TestServer::start(move |peer, _| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(tls) = acceptor.accept(peer.stream).await else {
                return;
            };
            let mut peer = Peer::new(tls);
            while peer.request().await.is_some() {
                peer.write(OK).await;
            }
        }
    })
    .await
}

#[tokio::test]
async fn tls_with_insecure_skip_verify_accepts_a_self_signed_certificate() {
    bounded(async {
        let server = tls_server().await;
        let req = get(&format!("https://localhost:{}/", server.addr.port()));
        let mut vu = VuClient::new(ClientConfig::new(true));
        let out = vu.send(&req, BodyMode::Keep).await;
        assert_ok(&out);
        assert_eq!(vu.response().body(), b"ok");
        assert!(
            out.timings.tls_handshaking > 0 && out.timings.connecting > 0,
            "{out:?}"
        );
        assert!(out.timings.blocked >= out.timings.connecting + out.timings.tls_handshaking);
        assert_eq!(out.bytes_received, OK.len() as u64, "plaintext bytes");
        let out = vu.send(&req, BodyMode::Keep).await;
        assert_ok(&out);
        assert_eq!(
            (out.timings.tls_handshaking, out.timings.connecting),
            (0, 0)
        );
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn tls_verification_refuses_an_unknown_authority() {
    bounded(async {
        let server = tls_server().await;
        let mut vu = client();
        let out = vu
            .send(
                &get(&format!("https://localhost:{}/", server.addr.port())),
                BodyMode::Discard,
            )
            .await;
        assert_error(&out, HttpError::X509_UNKNOWN_AUTHORITY);
        assert_eq!(out.error.unwrap().message, "x509: unknown authority");
    })
    .await;
}

#[tokio::test]
async fn tls_to_a_plain_http_server_is_a_tls_error() {
    bounded(async {
        let server = TestServer::start(|mut peer, _| async move {
            // Whatever arrives, answer in plain HTTP, as a plain server does to a ClientHello.
            let mut byte = [0u8; 1];
            let _ = tokio::io::AsyncReadExt::read(&mut peer.stream, &mut byte).await;
            peer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        })
        .await;
        let mut vu = VuClient::new(ClientConfig::new(true));
        let out = vu
            .send(
                &get(&format!("https://127.0.0.1:{}/", server.addr.port())),
                BodyMode::Discard,
            )
            .await;
        assert_error(&out, HttpError::TLS_HEADER);
    })
    .await;
}

// ---- allocation on the hot path ----

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_allocation() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards to the system allocator; counting touches only a const thread-local.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_allocation();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Plain HTTP, Discard mode, reused connection: the client thread allocates nothing per request.
/// The server runs on another thread so that only the client's allocations are counted.
#[test]
fn reused_connection_in_discard_mode_allocates_nothing_per_request() {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = TestServer::always(
                b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nServer: t\r\n\r\nhello world!",
            )
            .await;
            addr_tx.send(server.addr).unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
    });
    let addr = addr_rx.recv().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let req = get(&format!("http://{addr}/"));
        let mut vu = client();
        for _ in 0..10 {
            assert_ok(&vu.send(&req, BodyMode::Discard).await);
        }
        let before = ALLOCATIONS.with(Cell::get);
        for _ in 0..1000 {
            let out = vu.send(&req, BodyMode::Discard).await;
            assert!(out.status == 200 && out.error.is_none());
        }
        let allocations = ALLOCATIONS.with(Cell::get) - before;
        assert_eq!(allocations, 0, "allocations in 1000 requests");

        // The counter does see this thread's allocations: a new connection allocates.
        let before = ALLOCATIONS.with(Cell::get);
        assert_ok(&client().send(&req, BodyMode::Discard).await);
        assert!(ALLOCATIONS.with(Cell::get) > before);
    });
}

/// Executors run VUs on multi-threaded runtimes: the client and its request future must be Send.
#[test]
fn vu_client_and_send_future_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let mut vu = client();
    assert_send(&vu);
    let req = get("http://127.0.0.1:1/");
    let future = vu.send(&req, BodyMode::Discard);
    assert_send(&future);
}
