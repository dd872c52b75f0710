//! Several scenarios in one run, in parallel, as k6 runs them: each with its own executor, VU
//! pool and live targets, each from its `startTime`; one pause for all; `__VU` unique across
//! them. Each scenario sends to its own local server, which counts what it answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use volley_engine::control::{RunStatus, ScenarioStatus};
use volley_engine::exec::{ExecutorKind, ScenarioConfig};
use volley_engine::http::RequestSpec;
use volley_engine::script::{ClaimedVu, IterationEnd, Lifecycle};
use volley_engine::{Engine, EngineConfig, Scenario, Work};

mod common;

use common::{finish, start_target, wait_until, Target};

fn requests_to(target: &Target) -> Work {
    let mut request = RequestSpec::get(target.url.clone());
    request.timeout = Duration::from_secs(10);
    Work::Requests(vec![request])
}

fn engine(scenarios: Vec<Scenario>, script_workers: usize) -> Arc<Engine> {
    Engine::new(EngineConfig {
        scenarios,
        script_workers,
        insecure_skip_tls_verify: false,
        start_paused: false,
        workers: Some(2),
        threshold_keys: Vec::new(),
        hosts: Default::default(),
    })
    .unwrap()
}

fn scenario(name: &str, kind: ExecutorKind, vus: u64) -> ScenarioConfig {
    let mut s = ScenarioConfig::new(name, kind);
    s.vus = vus;
    s
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn status_of(e: &Engine, i: usize) -> ScenarioStatus {
    e.control().scenarios()[i].status()
}

#[test]
fn two_scenarios_run_in_parallel_with_their_own_executors_and_exact_counts() {
    let (a, b) = (start_target(Some(ms(10))), start_target(Some(ms(10))));
    let mut shared = scenario("shared", ExecutorKind::SharedIterations, 4);
    shared.iterations = 120;
    let mut per_vu = scenario("per_vu", ExecutorKind::PerVuIterations, 3);
    per_vu.iterations = 20;
    let e = engine(
        vec![
            Scenario {
                config: shared,
                work: requests_to(&a),
                tags: Default::default(),
            },
            Scenario {
                config: per_vu,
                work: requests_to(&b),
                tags: Default::default(),
            },
        ],
        0,
    );
    assert_eq!(e.control().vus_max(), 7);
    let started = Instant::now();
    e.start().unwrap();
    let result = finish(&e, Duration::from_secs(10));
    let took = started.elapsed();
    assert_eq!((result.status, result.error), (RunStatus::Ended, None));
    assert_eq!((a.requests(), b.requests()), (120, 60));
    let scenarios = e.control().scenarios();
    assert_eq!(
        [scenarios[0].iterations(), scenarios[1].iterations()],
        [120, 60]
    );
    assert_eq!(e.registry().iterations.total(), 180.0);
    // In parallel: about 30 rounds of 10 ms each for the first, 20 for the second; one after
    // the other would take about 500 ms.
    assert!(took < ms(450), "{took:?}");
    let (fa, fb) = (a.first_request().unwrap(), b.first_request().unwrap());
    let apart = fa.max(fb) - fa.min(fb);
    assert!(apart < ms(50), "{apart:?}");
    for scenario in scenarios {
        let snap = e.control().scenario_snapshot(scenario);
        assert_eq!((snap.status, snap.progress), (ScenarioStatus::Done, 1.0));
    }
    // Each scenario's VUs count in its own pool; the run's `vus` is their sum.
    assert_eq!([scenarios[0].peak_vus(), scenarios[1].peak_vus()], [4, 3]);
    assert_eq!(e.control().peak_vus(), 7);
}

#[test]
fn start_time_offsets_a_scenario_on_the_run_clock() {
    let (a, b) = (start_target(Some(ms(1))), start_target(Some(ms(1))));
    let mut first = scenario("first", ExecutorKind::ConstantVus, 1);
    first.duration = Some(ms(1200));
    let mut later = scenario("later", ExecutorKind::SharedIterations, 2);
    later.iterations = 10;
    later.start_time = ms(600);
    let e = engine(
        vec![
            Scenario {
                config: first,
                work: requests_to(&a),
                tags: Default::default(),
            },
            Scenario {
                config: later,
                work: requests_to(&b),
                tags: Default::default(),
            },
        ],
        0,
    );
    let started = Instant::now();
    e.start().unwrap();
    std::thread::sleep(ms(300));
    assert_eq!(
        [status_of(&e, 0), status_of(&e, 1)],
        [ScenarioStatus::Running, ScenarioStatus::Waiting]
    );
    assert_eq!(b.requests(), 0);
    let result = finish(&e, Duration::from_secs(10));
    assert_eq!(result.status, RunStatus::Ended);
    assert_eq!(b.requests(), 10);
    let offset = b.first_request().unwrap() - started;
    assert!(offset >= ms(600) && offset < ms(900), "{offset:?}");
    assert_eq!(status_of(&e, 1), ScenarioStatus::Done);
}

#[test]
fn pause_freezes_every_scenario_and_delays_start_times() {
    let (a, b, c) = (
        start_target(Some(ms(2))),
        start_target(Some(ms(0))),
        start_target(Some(ms(0))),
    );
    let mut vus = scenario("vus", ExecutorKind::ConstantVus, 2);
    vus.duration = Some(ms(1000));
    let mut rate = scenario("rate", ExecutorKind::ConstantArrivalRate, 1);
    rate.rate = 50;
    rate.duration = Some(ms(1000));
    rate.pre_allocated_vus = Some(5);
    let mut late = scenario("late", ExecutorKind::SharedIterations, 1);
    late.iterations = 3;
    late.start_time = ms(500);
    let e = engine(
        vec![
            Scenario {
                config: vus,
                work: requests_to(&a),
                tags: Default::default(),
            },
            Scenario {
                config: rate,
                work: requests_to(&b),
                tags: Default::default(),
            },
            Scenario {
                config: late,
                work: requests_to(&c),
                tags: Default::default(),
            },
        ],
        0,
    );
    let started = Instant::now();
    e.start().unwrap();
    std::thread::sleep(ms(300));
    e.control().set_paused(true).unwrap();
    wait_until("VUs to park", || e.control().active_vus() == 0);
    let frozen = (a.requests(), b.requests());
    std::thread::sleep(ms(600));
    assert_eq!((a.requests(), b.requests()), frozen);
    // 900 ms since the start, but only about 300 ms of run time: `late` has not started.
    assert_eq!(status_of(&e, 2), ScenarioStatus::Waiting);
    assert_eq!(c.requests(), 0);
    e.control().set_paused(false).unwrap();
    finish(&e, Duration::from_secs(10));
    let took = started.elapsed();
    assert!(took >= ms(1550), "{took:?}");
    // 50/s for 1 s of un-paused time: the pause did not eat into the schedule.
    assert!((49..=51).contains(&b.requests()), "{}", b.requests());
    let late_at = c.first_request().unwrap() - started;
    assert!(late_at >= ms(1050), "{late_at:?}");
    assert_eq!(c.requests(), 3);
}

#[test]
fn live_updates_reach_one_scenario_and_status_scale_the_first() {
    let (a, b) = (start_target(Some(ms(1))), start_target(Some(ms(1))));
    let mut first = scenario("first", ExecutorKind::ConstantVus, 1);
    first.duration = Some(Duration::from_secs(30));
    let mut second = scenario("second", ExecutorKind::ConstantVus, 1);
    second.duration = Some(Duration::from_secs(30));
    let e = engine(
        vec![
            Scenario {
                config: first,
                work: requests_to(&a),
                tags: Default::default(),
            },
            Scenario {
                config: second,
                work: requests_to(&b),
                tags: Default::default(),
            },
        ],
        0,
    );
    e.start().unwrap();
    let control = e.control();
    wait_until("2 VUs", || control.snapshot().vus == 2);
    control.scale_scenario(1, Some(4), Some(4)).unwrap();
    wait_until("5 VUs", || control.snapshot().vus == 5);
    assert_eq!(control.scenarios()[1].active_vus(), 4);
    // No externally-controlled scenario: PATCH /v1/status scales the first one.
    control.scale(Some(3), Some(3)).unwrap();
    wait_until("7 VUs", || control.snapshot().vus == 7);
    assert_eq!(
        [
            control.scenarios()[0].active_vus(),
            control.scenarios()[1].active_vus()
        ],
        [3, 4]
    );
    assert_eq!(control.snapshot().vus_max, 7);
    control.stop();
    assert_eq!(
        finish(&e, Duration::from_secs(5)).status,
        RunStatus::Interrupted
    );
    assert_eq!(
        [status_of(&e, 0), status_of(&e, 1)],
        [ScenarioStatus::Done; 2]
    );
}

#[test]
fn a_live_rate_replaces_the_constant_arrival_rate() {
    let target = start_target(Some(ms(0)));
    let mut s = scenario("rate", ExecutorKind::ConstantArrivalRate, 1);
    s.rate = 20;
    s.duration = Some(ms(2000));
    s.pre_allocated_vus = Some(10);
    let e = engine(
        vec![Scenario {
            config: s,
            work: requests_to(&target),
            tags: Default::default(),
        }],
        0,
    );
    e.start().unwrap();
    let control = e.control();
    wait_until("1 s of run time", || control.clock.elapsed() >= ms(1000));
    assert_eq!(control.scenarios()[0].rate(), Some(20.0));
    control.set_scenario_rate(0, 100.0).unwrap();
    assert_eq!(control.scenarios()[0].rate(), Some(100.0));
    finish(&e, Duration::from_secs(10));
    // 20 in the first second, then about 100.
    let n = target.requests();
    assert!((110..=125).contains(&n), "{n}");
    assert!(control.set_scenario_rate(0, 5.0).is_err());
}

/// A stand-in for the script workers: answers setup() after `setup_delay`, hosts every VU it
/// is given and completes each iteration at once; `join` tells which VUs it hosted and how many
/// iterations each scenario ran.
struct JsStandIn {
    thread: std::thread::JoinHandle<()>,
    claimed: Arc<Mutex<Vec<ClaimedVu>>>,
    iterations: Arc<Mutex<HashMap<usize, u64>>>,
}

impl JsStandIn {
    fn start(e: &Engine, setup_delay: Duration) -> JsStandIn {
        let bridge = e.script_bridge().unwrap().clone();
        let claimed = Arc::new(Mutex::new(Vec::new()));
        let iterations = Arc::new(Mutex::new(HashMap::<usize, u64>::new()));
        let (c, it) = (claimed.clone(), iterations.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let lifecycle = {
                    let bridge = bridge.clone();
                    tokio::spawn(async move {
                        loop {
                            match bridge.next_lifecycle().await {
                                Lifecycle::Closed => return,
                                Lifecycle::Setup => tokio::time::sleep(setup_delay).await,
                                _ => {}
                            }
                            bridge.lifecycle_done();
                        }
                    })
                };
                let mut workers = Vec::new();
                for worker in 0..bridge.workers() {
                    let (bridge, claimed, iterations) = (bridge.clone(), c.clone(), it.clone());
                    workers.push(tokio::spawn(async move {
                        let mut vus = Vec::new();
                        while let Some(vu) = bridge.claim_vu(worker).await {
                            claimed.lock().unwrap().push(vu);
                            let (bridge, iterations) = (bridge.clone(), iterations.clone());
                            vus.push(tokio::spawn(async move {
                                while bridge.next_iteration(vu.id).await.is_some() {
                                    *iterations.lock().unwrap().entry(vu.scenario).or_default() +=
                                        1;
                                    bridge.iteration_done(
                                        vu.id,
                                        IterationEnd::Completed,
                                        Default::default(),
                                    );
                                }
                            }));
                        }
                        for vu in vus {
                            vu.await.unwrap();
                        }
                    }));
                }
                for w in workers {
                    w.await.unwrap();
                }
                lifecycle.await.unwrap();
            });
        });
        JsStandIn {
            thread,
            claimed,
            iterations,
        }
    }

    fn join(self) -> (Vec<ClaimedVu>, HashMap<usize, u64>) {
        self.thread.join().unwrap();
        let claimed = self.claimed.lock().unwrap().clone();
        let iterations = self.iterations.lock().unwrap().clone();
        (claimed, iterations)
    }
}

/// Script VUs, served by a stand-in for the JS workers: every iteration completes at once.
#[test]
fn vu_ids_are_unique_across_scenarios_and_each_vu_knows_its_scenario() {
    let mut a = scenario("a", ExecutorKind::PerVuIterations, 3);
    a.iterations = 4;
    let mut b = scenario("b", ExecutorKind::SharedIterations, 2);
    b.iterations = 10;
    b.start_time = ms(100);
    let e = engine(
        vec![
            Scenario {
                config: a,
                work: Work::Script,
                tags: Default::default(),
            },
            Scenario {
                config: b,
                work: Work::Script,
                tags: Default::default(),
            },
        ],
        2,
    );
    let js = JsStandIn::start(&e, Duration::ZERO);
    e.start().unwrap();
    assert_eq!(finish(&e, Duration::from_secs(10)).status, RunStatus::Ended);
    let (mut claimed, iterations) = js.join();
    claimed.sort_by_key(|vu| vu.id);
    assert_eq!(
        claimed.iter().map(|vu| vu.id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    // `a` starts first: its VUs are 1..3, `b`'s 4 and 5.
    assert_eq!(
        claimed.iter().map(|vu| vu.scenario).collect::<Vec<_>>(),
        [0, 0, 0, 1, 1]
    );
    assert_eq!((iterations[&0], iterations[&1]), (12, 10));
}

#[test]
fn a_live_rate_on_ramping_arrival_rate_holds_until_the_next_stage() {
    let target = start_target(Some(ms(0)));
    let mut s = scenario("ramp", ExecutorKind::RampingArrivalRate, 1);
    s.start_rate = 40;
    s.stages = vec![
        volley_engine::exec::Stage {
            duration: ms(1000),
            target: 40,
        },
        volley_engine::exec::Stage {
            duration: ms(1000),
            target: 40,
        },
    ];
    s.pre_allocated_vus = Some(10);
    let e = engine(
        vec![Scenario {
            config: s,
            work: requests_to(&target),
            tags: Default::default(),
        }],
        0,
    );
    e.start().unwrap();
    let control = e.control();
    wait_until("0.5 s of run time", || control.clock.elapsed() >= ms(500));
    control.set_scenario_rate(0, 0.0).unwrap();
    let at_update = target.requests();
    wait_until("0.9 s of run time", || control.clock.elapsed() >= ms(900));
    assert!(target.requests() <= at_update + 1);
    assert_eq!(control.scenarios()[0].rate(), Some(0.0));
    wait_until("1.5 s of run time", || control.clock.elapsed() >= ms(1500));
    // The second stage took over at its boundary.
    assert_eq!(control.scenarios()[0].rate(), Some(40.0));
    finish(&e, Duration::from_secs(10));
    // About 20 before the update, none until 1 s, 40 in the second stage.
    let n = target.requests();
    assert!((56..=63).contains(&n), "{n}");
}

#[test]
fn pausing_one_scenario_freezes_it_alone() {
    let (a, b) = (start_target(Some(ms(2))), start_target(Some(ms(2))));
    let mut steady = scenario("steady", ExecutorKind::ConstantVus, 2);
    steady.duration = Some(ms(1000));
    let mut held = scenario("held", ExecutorKind::ConstantVus, 1);
    held.duration = Some(ms(1000));
    let e = engine(
        vec![
            Scenario {
                config: steady,
                work: requests_to(&a),
                tags: Default::default(),
            },
            Scenario {
                config: held,
                work: requests_to(&b),
                tags: Default::default(),
            },
        ],
        0,
    );
    let started = Instant::now();
    e.start().unwrap();
    let control = e.control();
    std::thread::sleep(ms(300));
    control.set_scenario_paused(1, true).unwrap();
    wait_until("held's VU to park", || {
        control.scenarios()[1].active_vus() == 0
    });
    let (a0, b0) = (a.requests(), b.requests());
    std::thread::sleep(ms(400));
    assert_eq!(b.requests(), b0);
    assert!(a.requests() > a0 + 20, "{} {a0}", a.requests());
    let snap = control.scenario_snapshot(&control.scenarios()[1]);
    assert!(snap.paused && snap.vus == 0);
    assert!(!control.snapshot().paused);
    assert!(control.set_scenario_paused(1, true).is_err());
    control.set_scenario_paused(1, false).unwrap();
    wait_until("steady to end", || status_of(&e, 0) == ScenarioStatus::Done);
    let steady_end = started.elapsed();
    assert_eq!(status_of(&e, 1), ScenarioStatus::Running);
    finish(&e, Duration::from_secs(10));
    let took = started.elapsed();
    // `held` ran its 1 s of schedule plus the 0.4 s it was paused; `steady` did not wait.
    assert!(steady_end < ms(1250), "{steady_end:?}");
    assert!(took >= ms(1380), "{took:?}");
}

#[test]
fn outputs_tag_samples_with_their_scenario() {
    use volley_engine::output::{OutputConfig, OutputKind, OutputTarget};
    let (a, b) = (start_target(Some(ms(0))), start_target(Some(ms(0))));
    let mut first = scenario("first", ExecutorKind::SharedIterations, 1);
    first.iterations = 3;
    let mut second = scenario("second", ExecutorKind::SharedIterations, 1);
    second.iterations = 5;
    let e = engine(
        vec![
            Scenario {
                config: first,
                work: requests_to(&a),
                tags: Default::default(),
            },
            Scenario {
                config: second,
                work: requests_to(&b),
                tags: Default::default(),
            },
        ],
        0,
    );
    let path = std::env::temp_dir().join(format!("volley-scenarios-{}.json", std::process::id()));
    e.enable_outputs(OutputConfig::new(vec![OutputTarget {
        kind: OutputKind::Json,
        path: path.clone(),
    }]))
    .unwrap();
    e.start().unwrap();
    finish(&e, Duration::from_secs(10));
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let count = |metric: &str, scenario: &str| {
        text.lines()
            .filter(|l| l.starts_with(&format!("{{\"metric\":\"{metric}\",\"type\":\"Point\"")))
            .filter(|l| l.contains(&format!("\"scenario\":\"{scenario}\"")))
            .count()
    };
    assert_eq!(
        [count("iterations", "first"), count("iterations", "second")],
        [3, 5]
    );
    assert_eq!(
        [count("http_reqs", "first"), count("http_reqs", "second")],
        [3, 5]
    );
}

#[test]
fn start_times_and_schedules_count_from_the_end_of_setup() {
    let target = start_target(Some(ms(0)));
    let mut js = scenario("js", ExecutorKind::SharedIterations, 1);
    js.iterations = 2;
    let mut later = scenario("later", ExecutorKind::ConstantVus, 1);
    later.duration = Some(ms(1000));
    later.start_time = ms(200);
    let e = engine(
        vec![
            Scenario {
                config: js,
                work: Work::Script,
                tags: Default::default(),
            },
            Scenario {
                config: later,
                work: requests_to(&target),
                tags: Default::default(),
            },
        ],
        1,
    );
    let stand_in = JsStandIn::start(&e, ms(400));
    let started = Instant::now();
    e.start().unwrap();
    assert_eq!(finish(&e, Duration::from_secs(10)).status, RunStatus::Ended);
    let took = started.elapsed();
    stand_in.join();
    // 400 ms of setup(), then 200 ms until `later` starts, then its 1 s.
    let first = target.first_request().unwrap() - started;
    assert!(first >= ms(600) && first < ms(900), "{first:?}");
    assert!(took >= ms(1600), "{took:?}");
}
