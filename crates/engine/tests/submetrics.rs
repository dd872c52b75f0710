//! Sub-metrics in whole runs (spec §5.3): threshold keys with tag selectors get sinks that take
//! the parent's samples whose system and user tags match, on the native fast path too.

use std::time::Duration;
use volley_engine::exec::{ExecutorKind, ScenarioConfig};
use volley_engine::http::RequestSpec;
use volley_engine::metrics::tags::TagSet;
use volley_engine::metrics::MetricSnapshot;
use volley_engine::{Engine, EngineConfig, Scenario, Work};

mod common;

use common::{finish, start_target};

fn iterations(name: &str, n: u64, url: &str, tags: TagSet) -> Scenario {
    let mut config = ScenarioConfig::new(name, ExecutorKind::PerVuIterations);
    config.vus = 1;
    config.iterations = n;
    let mut request = RequestSpec::get(url.to_string());
    request.timeout = Duration::from_secs(5);
    Scenario {
        config,
        work: Work::Requests(vec![request]),
        tags,
    }
}

fn value(metrics: &[MetricSnapshot], name: &str, stat: &str) -> Option<f64> {
    let m = metrics.iter().find(|m| m.name == name)?;
    m.values.iter().find(|(k, _)| k == stat).map(|(_, v)| *v)
}

#[test]
fn sub_metrics_take_the_samples_their_selectors_match() {
    let target = start_target(Some(Duration::ZERO));
    let keys = [
        "http_reqs",
        "http_reqs{status:200}",
        "http_reqs{ status: '0' }",
        "http_req_failed{scenario:bad}",
        "http_req_duration{zone:eu}",
        "http_req_duration{zone:eu,method:GET}",
        "iterations{scenario:ok}",
        "iteration_duration{zone:eu}",
        "http_reqs{zone:asia}",
        "data_received{scenario:ok}",
    ];
    let e = Engine::new(EngineConfig {
        scenarios: vec![
            iterations("ok", 5, &target.url, TagSet::new([("zone", "eu")])),
            // Nothing listens on port 1: refused at once, status 0.
            iterations("bad", 3, "http://127.0.0.1:1/", TagSet::default()),
        ],
        script_workers: 0,
        insecure_skip_tls_verify: false,
        start_paused: false,
        workers: Some(1),
        threshold_keys: keys.iter().map(|k| k.to_string()).collect(),
        hosts: Default::default(),
    })
    .unwrap();
    e.start().unwrap();
    finish(&e, Duration::from_secs(30));
    let m = e
        .registry()
        .snapshot(Duration::from_secs(1), &["count".to_string()]);
    assert_eq!(value(&m, "http_reqs", "count"), Some(8.0));
    assert_eq!(value(&m, "http_reqs{status:200}", "count"), Some(5.0));
    assert_eq!(value(&m, "http_reqs{status: '0'}", "count"), Some(3.0));
    assert_eq!(
        value(&m, "http_req_failed{scenario:bad}", "rate"),
        Some(1.0)
    );
    assert_eq!(
        value(&m, "http_req_failed{scenario:bad}", "passes"),
        Some(3.0)
    );
    assert_eq!(value(&m, "http_req_duration{zone:eu}", "count"), Some(5.0));
    assert_eq!(
        value(&m, "http_req_duration{zone:eu,method:GET}", "count"),
        Some(5.0)
    );
    assert_eq!(value(&m, "iterations{scenario:ok}", "count"), Some(5.0));
    assert_eq!(value(&m, "iteration_duration{zone:eu}", "count"), Some(5.0));
    assert!(value(&m, "data_received{scenario:ok}", "count").unwrap() > 0.0);
    // A sub-metric without samples is not listed, as k6 lists only observed metrics.
    assert!(m.iter().all(|x| x.name != "http_reqs{zone:asia}"));
    let ids = e.registry().subs.ids();
    assert_eq!(ids.len(), keys.len() - 1);
    assert_eq!(
        ids[1],
        (
            "http_reqs{ status: '0' }".into(),
            "http_reqs{status: '0'}".into()
        )
    );
}

#[test]
fn a_bad_selector_is_refused_before_the_run() {
    let err = Engine::new(EngineConfig {
        scenarios: vec![iterations(
            "ok",
            1,
            "http://127.0.0.1:1/",
            TagSet::default(),
        )],
        script_workers: 0,
        insecure_skip_tls_verify: false,
        start_paused: false,
        workers: Some(1),
        threshold_keys: vec!["http_reqs{status:200".into()],
        hosts: Default::default(),
    })
    .err()
    .expect("refused");
    assert!(err.contains("missing the closing bracket"), "{err}");
}
