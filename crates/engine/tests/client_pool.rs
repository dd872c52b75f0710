//! A script VU's client pool: concurrent requests get connections of their own, one request at
//! a time keeps one connection, and idle connections are reused.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use volley_engine::http::{ClientConfig, ClientPool, PreparedRequest, RequestSpec};

mod common;

use common::start_target;

const DELAY: Duration = Duration::from_millis(200);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn concurrent_requests_run_at_once_on_connections_of_their_own() {
    let target = start_target(Some(DELAY));
    let request = PreparedRequest::new(&RequestSpec::get(target.url.clone())).unwrap();
    let pool = ClientPool::new(ClientConfig::new(false));
    runtime().block_on(async {
        let started = Instant::now();
        let (a, b, c) = tokio::join!(
            pool.request(&request, |_, _| ()),
            pool.request(&request, |_, _| ()),
            pool.request(&request, |_, _| ()),
        );
        let took = started.elapsed();
        for (outcome, ()) in [a, b, c] {
            assert_eq!((outcome.status, outcome.error), (200, None));
        }
        assert!(took < DELAY * 2, "three requests took {took:?}");
        assert_eq!(target.connections.load(Ordering::SeqCst), 3);
        assert_eq!(pool.idle(), 3);
        // The next burst reuses the three idle connections.
        let _ = tokio::join!(
            pool.request(&request, |_, _| ()),
            pool.request(&request, |_, _| ()),
        );
        assert_eq!(target.connections.load(Ordering::SeqCst), 3);
    });
    assert_eq!(target.requests(), 5);
}

#[test]
fn one_request_at_a_time_keeps_one_connection() {
    let target = start_target(Some(Duration::ZERO));
    let request = PreparedRequest::new(&RequestSpec::get(target.url.clone())).unwrap();
    let pool = ClientPool::new(ClientConfig::new(false));
    runtime().block_on(async {
        for _ in 0..5 {
            let (outcome, body) = pool
                .request(&request, |_, client| client.response().body().to_vec())
                .await;
            assert_eq!(outcome.status, 200);
            assert_eq!(body, b"hello");
        }
    });
    assert_eq!(target.connections.load(Ordering::SeqCst), 1);
    assert_eq!(pool.idle(), 1);
}
