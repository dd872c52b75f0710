//! Whole runs through `Engine`: executors, pause/resume, live scaling and stop, against a local
//! server that counts what it answers.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use volley_engine::control::RunStatus;
use volley_engine::exec::{ExecutorKind, ScenarioConfig};
use volley_engine::http::RequestSpec;
use volley_engine::{Engine, EngineConfig, Scenario, Work};

mod common;

use common::{finish, start_target, wait_until, Target};

fn engine(target: &Target, scenario: ScenarioConfig, paused: bool) -> Arc<Engine> {
    let mut request = RequestSpec::get(target.url.clone());
    request.timeout = Duration::from_secs(10);
    Engine::new(EngineConfig {
        scenarios: vec![Scenario {
            config: scenario,
            work: Work::Requests(vec![request]),
            tags: Default::default(),
        }],
        script_workers: 0,
        insecure_skip_tls_verify: false,
        start_paused: paused,
        workers: Some(2),
        threshold_keys: Vec::new(),
        hosts: Default::default(),
    })
    .unwrap()
}

fn scenario(kind: ExecutorKind, vus: u64) -> ScenarioConfig {
    let mut s = ScenarioConfig::new("default", kind);
    s.vus = vus;
    s
}

fn http_reqs(e: &Engine) -> f64 {
    e.registry().http.reqs.total()
}

#[test]
fn constant_vus_runs_for_its_duration_and_counts_every_request() {
    let target = start_target(Some(Duration::ZERO));
    let mut s = scenario(ExecutorKind::ConstantVus, 4);
    s.duration = Some(Duration::from_millis(1200));
    let e = engine(&target, s, false);
    let started = Instant::now();
    e.start().unwrap();
    let result = finish(&e, Duration::from_secs(10));
    let took = started.elapsed();
    assert_eq!(result.status, RunStatus::Ended);
    assert_eq!(result.error, None);
    assert!(
        took >= Duration::from_millis(1200) && took < Duration::from_millis(1800),
        "{took:?}"
    );
    let served = target.requests.load(Ordering::SeqCst) as f64;
    assert!(served > 100.0);
    assert_eq!(http_reqs(&e), served);
    assert_eq!(e.registry().iterations.total(), served);
    assert_eq!(target.connections.load(Ordering::SeqCst), 4);
    let clock = e.control().clock.elapsed();
    assert!(clock >= Duration::from_millis(1200), "{clock:?}");
}

#[test]
fn min_iteration_duration_spaces_iterations_without_timing_the_wait() {
    let target = start_target(Some(Duration::ZERO));
    let mut s = scenario(ExecutorKind::ConstantVus, 2);
    s.duration = Some(Duration::from_millis(1000));
    s.min_iteration_duration = Duration::from_millis(300);
    let e = engine(&target, s, false);
    e.start().unwrap();
    assert_eq!(finish(&e, Duration::from_secs(10)).status, RunStatus::Ended);
    // Each VU starts at 0, 300, 600 and 900 ms: 4 iterations each, k6's count.
    assert_eq!(target.requests.load(Ordering::SeqCst), 8);
    assert_eq!(e.registry().iterations.total(), 8.0);
    // The wait is not part of the iteration: local requests take well under 300 ms.
    let slowest = volley_engine::metrics::sinks::trend_stat(
        &e.registry().iteration_duration.snapshot(),
        "max",
    )
    .unwrap();
    assert!(slowest < 200.0, "{slowest}");
}

#[test]
fn shared_iterations_runs_exactly_the_iterations() {
    let target = start_target(Some(Duration::ZERO));
    let mut s = scenario(ExecutorKind::SharedIterations, 10);
    s.iterations = 1000;
    let e = engine(&target, s, false);
    e.start().unwrap();
    assert_eq!(finish(&e, Duration::from_secs(10)).status, RunStatus::Ended);
    assert_eq!(target.requests.load(Ordering::SeqCst), 1000);
    assert_eq!(http_reqs(&e), 1000.0);
}

#[test]
fn per_vu_iterations_runs_each_vus_share() {
    let target = start_target(Some(Duration::ZERO));
    let mut s = scenario(ExecutorKind::PerVuIterations, 5);
    s.iterations = 10;
    let e = engine(&target, s, false);
    e.start().unwrap();
    finish(&e, Duration::from_secs(10));
    assert_eq!(target.requests.load(Ordering::SeqCst), 50);
    assert_eq!(e.registry().iterations.total(), 50.0);
}

#[test]
fn pause_freezes_iterations_and_the_clock() {
    let target = start_target(Some(Duration::from_millis(2)));
    let mut s = scenario(ExecutorKind::ConstantVus, 2);
    s.duration = Some(Duration::from_secs(1));
    let e = engine(&target, s, false);
    let started = Instant::now();
    e.start().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    e.control().set_paused(true).unwrap();
    wait_until("VUs to park", || e.control().active_vus() == 0);
    let frozen = target.requests.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(target.requests.load(Ordering::SeqCst), frozen);
    assert!(e.control().clock.elapsed() < Duration::from_millis(450));
    e.control().set_paused(false).unwrap();
    finish(&e, Duration::from_secs(10));
    let took = started.elapsed();
    // 1 s of load plus 0.7 s paused: the schedule continued where it stopped.
    assert!(took >= Duration::from_millis(1650), "{took:?}");
    assert!(target.requests.load(Ordering::SeqCst) > frozen);
}

#[test]
fn externally_controlled_scales_live_and_stops() {
    let target = start_target(Some(Duration::from_millis(1)));
    let mut s = scenario(ExecutorKind::ExternallyControlled, 1);
    s.max_vus = Some(2);
    let e = engine(&target, s, false);
    e.start().unwrap();
    wait_until("1 VU", || e.control().snapshot().vus == 1);
    e.control().scale(Some(5), Some(8)).unwrap();
    wait_until("5 VUs", || e.control().snapshot().vus == 5);
    assert_eq!(e.control().snapshot().vus_max, 8);
    wait_until("5 connections", || {
        target.connections.load(Ordering::SeqCst) == 5
    });
    e.control().scale(Some(2), None).unwrap();
    wait_until("2 VUs", || e.control().snapshot().vus == 2);
    e.control().stop();
    let result = finish(&e, Duration::from_secs(5));
    assert_eq!(result.status, RunStatus::Interrupted);
    let snap = e.control().snapshot();
    assert!(snap.stopped && !snap.running);
}

#[test]
fn live_scaling_works_on_constant_vus_too() {
    let target = start_target(Some(Duration::from_millis(1)));
    let mut s = scenario(ExecutorKind::ConstantVus, 2);
    s.duration = Some(Duration::from_secs(30));
    let e = engine(&target, s, false);
    e.start().unwrap();
    e.control().scale(Some(6), Some(6)).unwrap();
    wait_until("6 VUs", || e.control().snapshot().vus == 6);
    e.control().stop();
    finish(&e, Duration::from_secs(5));
}

#[test]
fn stop_interrupts_iterations_in_flight() {
    let target = start_target(None);
    let mut s = scenario(ExecutorKind::ConstantVus, 3);
    s.duration = Some(Duration::from_secs(30));
    let e = engine(&target, s, false);
    e.start().unwrap();
    wait_until("3 connections", || {
        target.connections.load(Ordering::SeqCst) == 3
    });
    let stopped_at = Instant::now();
    e.control().stop();
    let result = finish(&e, Duration::from_secs(5));
    assert!(stopped_at.elapsed() < Duration::from_secs(1));
    assert_eq!(result.interrupted_iterations, 3);
    assert_eq!(e.registry().iterations.total(), 0.0);
}

#[test]
fn graceful_stop_bounds_the_wait_for_slow_iterations() {
    let target = start_target(Some(Duration::from_secs(5)));
    let mut s = scenario(ExecutorKind::ConstantVus, 2);
    s.duration = Some(Duration::from_secs(1));
    s.graceful_stop = Duration::from_millis(300);
    let e = engine(&target, s, false);
    let started = Instant::now();
    e.start().unwrap();
    let result = finish(&e, Duration::from_secs(5));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1300) && took < Duration::from_millis(2500),
        "{took:?}"
    );
    assert_eq!(result.interrupted_iterations, 2);
    assert_eq!(result.status, RunStatus::Ended);
}

#[test]
fn a_run_started_paused_waits_for_resume() {
    let target = start_target(Some(Duration::ZERO));
    let mut s = scenario(ExecutorKind::SharedIterations, 2);
    s.iterations = 20;
    let e = engine(&target, s, true);
    e.start().unwrap();
    wait_until("status 4", || {
        e.control().status() == RunStatus::PausedBeforeRun
    });
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(target.requests.load(Ordering::SeqCst), 0);
    e.control().set_paused(false).unwrap();
    assert_eq!(finish(&e, Duration::from_secs(5)).status, RunStatus::Ended);
    assert_eq!(target.requests.load(Ordering::SeqCst), 20);
}

#[test]
fn stop_before_the_start_runs_nothing() {
    let target = start_target(Some(Duration::ZERO));
    let mut s = scenario(ExecutorKind::ConstantVus, 2);
    s.duration = Some(Duration::from_secs(5));
    let e = engine(&target, s, true);
    e.start().unwrap();
    wait_until("status 4", || {
        e.control().status() == RunStatus::PausedBeforeRun
    });
    e.control().stop();
    assert_eq!(
        finish(&e, Duration::from_secs(5)).status,
        RunStatus::Interrupted
    );
    assert_eq!(target.requests.load(Ordering::SeqCst), 0);
}
