//! Whole runs of the ramping and arrival-rate executors through `Engine`: VU counts that follow
//! the stages, arrival counts against rate x time, dropped iterations, pool growth, and live
//! control (pause, `vus`, `vus-max`) on them. Against a local server that counts what it answers.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use volley_engine::control::RunStatus;
use volley_engine::exec::{ExecutorKind, ScenarioConfig, Stage};
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

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn stage(duration_ms: u64, target: u64) -> Stage {
    Stage {
        duration: ms(duration_ms),
        target,
    }
}

fn ramping_vus(start: u64, stages: Vec<Stage>) -> ScenarioConfig {
    let mut s = ScenarioConfig::new("ramp", ExecutorKind::RampingVus);
    s.vus = start;
    s.stages = stages;
    s
}

fn constant_rate(rate: u64, duration: Duration, pre: u64, max: u64) -> ScenarioConfig {
    let mut s = ScenarioConfig::new("rate", ExecutorKind::ConstantArrivalRate);
    s.rate = rate;
    s.duration = Some(duration);
    s.pre_allocated_vus = Some(pre);
    s.max_vus = Some(max);
    s
}

fn iterations(e: &Engine) -> u64 {
    e.registry().iterations.total() as u64
}

fn dropped(e: &Engine) -> u64 {
    e.registry().dropped_iterations.total() as u64
}

/// k6's ramping-vus target: the straight line between stage targets, truncated towards the
/// stage's starting value.
fn k6_vus(start: u64, stages: &[Stage], at: Duration) -> u64 {
    let (mut from, mut begin) = (start as f64, Duration::ZERO);
    for s in stages {
        let end = begin + s.duration;
        if at < end {
            let frac = (at - begin).as_secs_f64() / s.duration.as_secs_f64();
            let v = from + (s.target as f64 - from) * frac;
            return if s.target as f64 >= from {
                v.floor()
            } else {
                v.ceil()
            } as u64;
        }
        from = s.target as f64;
        begin = end;
    }
    from as u64
}

#[test]
fn ramping_vus_observed_vus_follow_the_stages() {
    let target = start_target(Some(ms(2)));
    let stages = vec![stage(1000, 4), stage(1000, 4), stage(1000, 0)];
    let e = engine(&target, ramping_vus(0, stages.clone()), false);
    let started = Instant::now();
    e.start().unwrap();
    wait_until("the run to start", || e.control().clock.started());
    let mut samples = Vec::new();
    while e.wait(Some(ms(20))).is_none() {
        let before = e.control().clock.elapsed();
        let vus = e.control().snapshot().vus;
        let after = e.control().clock.elapsed();
        samples.push((before, after, vus));
    }
    let took = started.elapsed();
    assert!(took >= ms(3000) && took < ms(3600), "{took:?}");
    assert!(samples.len() > 100, "{}", samples.len());
    // Each reading lies between the targets just before and just after it (VUs start and park
    // within a few milliseconds of a target change).
    let slack = ms(40);
    for &(before, after, vus) in &samples {
        let lo = k6_vus(0, &stages, before.saturating_sub(slack));
        let hi = k6_vus(0, &stages, after + slack);
        assert!(
            (lo.min(hi)..=lo.max(hi)).contains(&vus),
            "{vus} VUs at {before:?}..{after:?}, expected {lo}..{hi}"
        );
    }
    let plateau: Vec<u64> = samples
        .iter()
        .filter(|(b, a, _)| *b >= ms(1100) && *a <= ms(1900))
        .map(|s| s.2)
        .collect();
    assert!(
        !plateau.is_empty() && plateau.iter().all(|v| *v == 4),
        "{plateau:?}"
    );
    assert!(samples.iter().any(|s| s.2 == 2));
    assert_eq!(e.registry().vus_max.max(), 4.0);
    assert_eq!(e.registry().vus.max(), 4.0);
}

#[test]
fn ramping_vus_manual_target_holds_until_the_next_stage() {
    let target = start_target(Some(ms(2)));
    let stages = vec![stage(1000, 2), stage(1000, 2)];
    let e = engine(&target, ramping_vus(2, stages), false);
    e.start().unwrap();
    wait_until("2 VUs", || e.control().snapshot().vus == 2);
    e.control().scale(Some(5), Some(5)).unwrap();
    wait_until("5 VUs", || e.control().snapshot().vus == 5);
    assert!(e.control().clock.elapsed() < ms(900));
    // The second stage takes over again: back to its target of 2.
    wait_until("the second stage", || {
        e.control().clock.elapsed() > ms(1100)
    });
    wait_until("2 VUs again", || e.control().snapshot().vus == 2);
    assert_eq!(e.control().snapshot().target_vus, 2);
    assert_eq!(e.control().snapshot().vus_max, 5);
    assert_eq!(finish(&e, Duration::from_secs(5)).status, RunStatus::Ended);
}

#[test]
fn ramping_vus_graceful_ramp_down_interrupts_slow_iterations() {
    let target = start_target(Some(Duration::from_secs(3)));
    // 2 VUs for 500 ms, then at once 0 for 1.5 s; iterations take 3 s.
    let mut s = ramping_vus(2, vec![stage(500, 2), stage(0, 0), stage(1500, 0)]);
    s.graceful_ramp_down = ms(300);
    let e = engine(&target, s, false);
    let started = Instant::now();
    e.start().unwrap();
    wait_until("2 connections", || {
        target.connections.load(Ordering::SeqCst) == 2
    });
    wait_until("the ramp-down", || e.control().snapshot().target_vus == 0);
    let ramped_down = Instant::now();
    wait_until("0 VUs", || e.control().snapshot().vus == 0);
    let grace = ramped_down.elapsed();
    assert!(grace >= ms(250) && grace < ms(700), "{grace:?}");
    let result = finish(&e, Duration::from_secs(5));
    let took = started.elapsed();
    assert!(took >= ms(2000) && took < ms(2600), "{took:?}");
    assert_eq!(result.interrupted_iterations, 2);
    assert_eq!(iterations(&e), 0);
}

#[test]
fn constant_arrival_rate_starts_rate_times_duration() {
    let target = start_target(Some(Duration::ZERO));
    let e = engine(
        &target,
        constant_rate(200, Duration::from_secs(2), 10, 10),
        false,
    );
    let started = Instant::now();
    e.start().unwrap();
    let result = finish(&e, Duration::from_secs(10));
    let took = started.elapsed();
    assert_eq!(result.status, RunStatus::Ended);
    assert!(took >= ms(2000) && took < ms(2500), "{took:?}");
    let n = iterations(&e);
    assert!((396..=404).contains(&n), "{n} iterations");
    assert_eq!(target.requests.load(Ordering::SeqCst), n);
    assert_eq!(dropped(&e), 0);
    assert_eq!(e.control().vus_max(), 10);
}

#[test]
fn constant_arrival_rate_counts_dropped_iterations_when_vus_run_out() {
    // 100/s for 1 s, 500 ms per iteration, 5 VUs at most: each VU can start two iterations.
    let target = start_target(Some(ms(500)));
    let e = engine(
        &target,
        constant_rate(100, Duration::from_secs(1), 5, 5),
        false,
    );
    e.start().unwrap();
    finish(&e, Duration::from_secs(5));
    let (n, d) = (iterations(&e), dropped(&e));
    assert_eq!(n + d, 100, "{n} iterations, {d} dropped");
    assert!((8..=12).contains(&n), "{n} iterations");
    assert_eq!(e.control().vus_max(), 5);
    let metrics = e.registry().snapshot(Duration::from_secs(1), &[]);
    let m = metrics
        .iter()
        .find(|m| m.name == "dropped_iterations")
        .unwrap();
    assert_eq!(m.values[0], ("count".to_string(), d as f64));
}

#[test]
fn arrival_rate_grows_the_pool_up_to_max_vus() {
    // 100/s with 100 ms per iteration needs about 10 VUs; 2 are pre-allocated.
    let target = start_target(Some(ms(100)));
    let e = engine(&target, constant_rate(100, ms(1500), 2, 30), false);
    e.start().unwrap();
    wait_until("the pool to grow", || e.control().vus_max() > 2);
    finish(&e, Duration::from_secs(5));
    let grown = e.control().vus_max();
    assert!((9..=20).contains(&grown), "pool of {grown}");
    assert_eq!(dropped(&e), 0);
    assert_eq!(iterations(&e), 150);
    assert_eq!(e.registry().vus_max.max(), grown as f64);
    assert!(e.registry().vus.max() >= 8.0);

    // The same with a ceiling of 6: the pool stops there and the rest is dropped.
    let e = engine(&target, constant_rate(100, ms(1500), 2, 6), false);
    e.start().unwrap();
    finish(&e, Duration::from_secs(5));
    assert_eq!(e.control().vus_max(), 6);
    let (n, d) = (iterations(&e), dropped(&e));
    assert_eq!(n + d, 150);
    assert!(d > 40, "{d} dropped");
}

#[test]
fn ramping_arrival_rate_follows_the_integral_of_the_rate() {
    let target = start_target(Some(Duration::ZERO));
    let mut s = ScenarioConfig::new("ramp-rate", ExecutorKind::RampingArrivalRate);
    // 0 -> 200/s over 1 s (100 iterations), 200/s for 1 s (200), 200 -> 0/s over 1 s (100).
    s.stages = vec![stage(1000, 200), stage(1000, 200), stage(1000, 0)];
    s.pre_allocated_vus = Some(10);
    let e = engine(&target, s, false);
    e.start().unwrap();
    wait_until("the first second", || {
        e.control().clock.elapsed() >= ms(1000)
    });
    let first = iterations(&e);
    assert!((90..=105).contains(&first), "{first} in the first second");
    finish(&e, Duration::from_secs(6));
    let n = iterations(&e);
    assert!((396..=404).contains(&n), "{n} iterations");
    assert_eq!(dropped(&e), 0);
}

#[test]
fn pause_freezes_arrivals_and_the_schedule() {
    let target = start_target(Some(Duration::ZERO));
    let e = engine(
        &target,
        constant_rate(100, Duration::from_secs(1), 5, 5),
        false,
    );
    let started = Instant::now();
    e.start().unwrap();
    std::thread::sleep(ms(300));
    e.control().set_paused(true).unwrap();
    wait_until("VUs to finish", || e.control().active_vus() == 0);
    let frozen = target.requests.load(Ordering::SeqCst);
    std::thread::sleep(ms(700));
    assert_eq!(target.requests.load(Ordering::SeqCst), frozen);
    assert!(e.control().clock.elapsed() < ms(450));
    e.control().set_paused(false).unwrap();
    finish(&e, Duration::from_secs(5));
    let took = started.elapsed();
    // 1 s of arrivals plus 0.7 s paused, and arrivals that fell in the pause are not made up.
    assert!(took >= ms(1650) && took < ms(2300), "{took:?}");
    let n = iterations(&e);
    assert!((99..=101).contains(&n), "{n} iterations");
    assert_eq!(dropped(&e), 0);
}

#[test]
fn live_vus_caps_busy_vus_and_vus_max_bounds_the_pool_on_arrival_rate() {
    // 200/s at 50 ms per iteration keeps about 10 VUs busy.
    let target = start_target(Some(ms(50)));
    let e = engine(&target, constant_rate(200, ms(1500), 20, 20), false);
    e.start().unwrap();
    wait_until("about 10 busy VUs", || e.control().snapshot().vus >= 8);
    assert_eq!(dropped(&e), 0);
    e.control().scale(Some(2), None).unwrap();
    assert_eq!(e.control().snapshot().target_vus, 2);
    wait_until("2 busy VUs", || e.control().snapshot().vus <= 2);
    let before = dropped(&e);
    for _ in 0..20 {
        std::thread::sleep(ms(10));
        assert!(e.control().snapshot().vus <= 2);
    }
    assert!(dropped(&e) > before + 10);
    // A larger pool than maxVUs, set live, is initialised at once and used.
    e.control().scale(Some(30), Some(30)).unwrap();
    assert_eq!(e.control().vus_max(), 30);
    finish(&e, Duration::from_secs(5));
    assert_eq!(iterations(&e) + dropped(&e), 300);
}

#[test]
fn stop_interrupts_arrival_rate_iterations_in_flight() {
    let target = start_target(None);
    let e = engine(
        &target,
        constant_rate(50, Duration::from_secs(30), 3, 3),
        false,
    );
    e.start().unwrap();
    wait_until("3 connections", || {
        target.connections.load(Ordering::SeqCst) == 3
    });
    e.control().stop();
    let result = finish(&e, Duration::from_secs(2));
    assert_eq!(result.status, RunStatus::Interrupted);
    assert_eq!(result.interrupted_iterations, 3);
}

#[test]
fn ramping_vus_pause_freezes_the_ramp_where_it_was() {
    let target = start_target(Some(ms(2)));
    let e = engine(
        &target,
        ramping_vus(0, vec![stage(1000, 4), stage(300, 4)]),
        false,
    );
    let started = Instant::now();
    e.start().unwrap();
    wait_until("2 VUs", || e.control().snapshot().target_vus == 2);
    e.control().set_paused(true).unwrap();
    let at_pause = e.control().snapshot().target_vus;
    std::thread::sleep(ms(500));
    let snap = e.control().snapshot();
    assert_eq!((snap.vus, snap.target_vus), (0, at_pause));
    e.control().set_paused(false).unwrap();
    // The ramp goes on from where it stopped instead of jumping ahead by the pause.
    std::thread::sleep(ms(30));
    assert!(e.control().snapshot().target_vus <= at_pause + 1);
    finish(&e, Duration::from_secs(5));
    let took = started.elapsed();
    assert!(took >= ms(1750) && took < ms(2300), "{took:?}");
}

#[test]
fn ramping_vus_target_set_before_a_paused_start_holds_for_the_first_stage() {
    let target = start_target(Some(ms(2)));
    let e = engine(
        &target,
        ramping_vus(1, vec![stage(800, 1), stage(500, 1)]),
        true,
    );
    e.start().unwrap();
    wait_until("status 4", || {
        e.control().status() == RunStatus::PausedBeforeRun
    });
    e.control().scale(Some(3), Some(3)).unwrap();
    e.control().set_paused(false).unwrap();
    wait_until("3 VUs", || e.control().snapshot().vus == 3);
    assert!(e.control().clock.elapsed() < ms(700));
    wait_until("the second stage", || e.control().clock.elapsed() > ms(850));
    wait_until("1 VU", || e.control().snapshot().vus == 1);
    assert_eq!(finish(&e, Duration::from_secs(5)).status, RunStatus::Ended);
}
