//! Conversions between the JS-facing types and the engine's.

use crate::{
    CheckSnapshot, ControlFailure, EngineOptions, GroupSnapshot, HeaderPair, MetricSnapshot,
    RequestOptions, ScenarioOptions, Stat, StatusSnapshot,
};
use std::time::Duration;
use volley_engine::control::{ControlError, StatusSnapshot as EngineStatus};
use volley_engine::exec::{ExecutorKind, ScenarioConfig, Stage};
use volley_engine::groups::GroupSnapshot as EngineGroup;
use volley_engine::http::RequestSpec;
use volley_engine::metrics::registry::MetricSnapshot as EngineMetric;
use volley_engine::metrics::tags::TagSet;
use volley_engine::{EngineConfig, Scenario, Work};

fn millis(ms: f64, what: &str) -> Result<Duration, String> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(format!(
            "{what} must be a non-negative number of milliseconds, got {ms}"
        ));
    }
    Ok(Duration::from_secs_f64(ms / 1000.0))
}

fn request_spec(r: RequestOptions) -> Result<RequestSpec, String> {
    Ok(RequestSpec {
        method: r.method.unwrap_or_else(|| "GET".into()),
        url: r.url,
        headers: r
            .headers
            .unwrap_or_default()
            .into_iter()
            .map(|h| (h.name, h.value))
            .collect(),
        body: r.body.map(String::into_bytes),
        timeout: millis(r.timeout_ms.unwrap_or(60_000.0), "timeout")?,
    })
}

fn whole(v: f64, what: &str) -> Result<u64, String> {
    if !v.is_finite() || v < 0.0 || v.fract() != 0.0 {
        return Err(format!(
            "{what} must be a whole non-negative number, got {v}"
        ));
    }
    Ok(v as u64)
}

/// One scenario's executor options (spec §11).
fn scenario_config(o: &ScenarioOptions) -> Result<ScenarioConfig, String> {
    let executor = ExecutorKind::parse(&o.executor)
        .ok_or_else(|| format!("unknown executor type '{}'", o.executor))?;
    let mut scenario = ScenarioConfig::new(&o.name, executor);
    scenario.vus = u64::from(o.vus);
    scenario.max_vus = o.max_vus.map(u64::from);
    scenario.duration = o.duration_ms.map(|d| millis(d, "duration")).transpose()?;
    // externally-controlled: a duration of 0 means no end (spec §4.4).
    if executor == ExecutorKind::ExternallyControlled && scenario.duration == Some(Duration::ZERO) {
        scenario.duration = None;
    }
    if let Some(i) = o.iterations {
        scenario.iterations = u64::from(i);
    }
    if let Some(g) = o.graceful_stop_ms {
        scenario.graceful_stop = millis(g, "gracefulStop")?;
    }
    if let Some(t) = o.start_time_ms {
        scenario.start_time = millis(t, "startTime")?;
    }
    if let Some(stages) = &o.stages {
        scenario.stages = stages
            .iter()
            .map(|s| {
                Ok(Stage {
                    duration: millis(s.duration_ms, "stage duration")?,
                    target: whole(s.target, "stage target")?,
                })
            })
            .collect::<Result<_, String>>()?;
    }
    if let Some(r) = o.rate {
        scenario.rate = whole(r, "rate")?;
    }
    if let Some(r) = o.start_rate {
        scenario.start_rate = whole(r, "startRate")?;
    }
    if let Some(t) = o.time_unit_ms {
        scenario.time_unit = millis(t, "timeUnit")?;
    }
    scenario.pre_allocated_vus = o.pre_allocated_vus.map(u64::from);
    if let Some(g) = o.graceful_ramp_down_ms {
        scenario.graceful_ramp_down = millis(g, "gracefulRampDown")?;
    }
    Ok(scenario)
}

/// The single-scenario fields of `EngineOptions` as one scenario.
fn single_scenario(o: &mut EngineOptions) -> ScenarioOptions {
    ScenarioOptions {
        name: o.scenario_name.clone().unwrap_or_else(|| "default".into()),
        executor: o.executor.clone(),
        vus: o.vus,
        max_vus: o.max_vus,
        duration_ms: o.duration_ms,
        iterations: o.iterations,
        graceful_stop_ms: o.graceful_stop_ms,
        start_time_ms: None,
        stages: o.stages.take(),
        rate: o.rate,
        start_rate: o.start_rate,
        time_unit_ms: o.time_unit_ms,
        pre_allocated_vus: o.pre_allocated_vus,
        graceful_ramp_down_ms: o.graceful_ramp_down_ms,
        requests: None,
        exec: None,
        tags: None,
    }
}

fn request_list(list: Vec<RequestOptions>) -> Result<Vec<RequestSpec>, String> {
    list.into_iter().map(request_spec).collect()
}

pub fn engine_config(mut o: EngineOptions) -> Result<EngineConfig, String> {
    let scenarios = match o.scenarios.take() {
        Some(list) if list.is_empty() => return Err("scenarios is empty".into()),
        Some(list) => list,
        None => vec![single_scenario(&mut o)],
    };
    // What iterations do unless a scenario has its own request list.
    let shared = match (o.script_workers, o.url, o.requests) {
        (None, None, None) => None,
        (Some(_), None, None) => Some(Work::Script),
        (None, Some(url), None) => Some(Work::Requests(vec![request_spec(RequestOptions {
            method: o.method,
            url,
            headers: o.headers,
            body: o.body,
            timeout_ms: o.timeout_ms,
        })?])),
        (None, None, Some(list)) => Some(Work::Requests(request_list(list)?)),
        _ => return Err(
            "give at most one of url, requests (the native fast path) or scriptWorkers (a script)"
                .into(),
        ),
    };
    let min_iteration = o
        .min_iteration_duration_ms
        .map(|ms| millis(ms, "minIterationDuration"))
        .transpose()?
        .unwrap_or_default();
    let scenarios = scenarios
        .into_iter()
        .map(|mut s| {
            let mut config = scenario_config(&s)?;
            config.min_iteration_duration = min_iteration;
            config.no_vu_connection_reuse = o.no_vu_connection_reuse.unwrap_or(false);
            let work = match (s.requests.take(), &shared) {
                (Some(list), _) => Work::Requests(request_list(list)?),
                (None, Some(Work::Script)) => Work::Script,
                (None, Some(Work::Requests(list))) => Work::Requests(list.clone()),
                (None, None) => {
                    return Err(format!(
                        "scenario {} has nothing to run: give url, requests or scriptWorkers, or the scenario's own requests",
                        s.name
                    ))
                }
            };
            let tags = tag_set(s.tags.take());
            Ok(Scenario { config, work, tags })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(EngineConfig {
        scenarios,
        script_workers: o.script_workers.map_or(0, |w| w.max(1) as usize),
        insecure_skip_tls_verify: o.insecure_skip_tls_verify.unwrap_or(false),
        start_paused: o.paused.unwrap_or(false),
        workers: o.workers.map(|w| w as usize),
        threshold_keys: o.threshold_keys.unwrap_or_default(),
        hosts: volley_engine::http::Hosts::parse(
            &o.hosts
                .unwrap_or_default()
                .into_iter()
                .map(|h| (h.name, h.value))
                .collect::<Vec<_>>(),
        )?,
    })
}

/// Tags as JS gives them (name/value pairs, a later name wins) for the engine.
pub fn tag_set(pairs: Option<Vec<HeaderPair>>) -> TagSet {
    match pairs {
        Some(pairs) => TagSet::new(pairs.into_iter().map(|p| (p.name, p.value))),
        None => TagSet::default(),
    }
}

pub fn status_to_js(s: EngineStatus) -> StatusSnapshot {
    StatusSnapshot {
        status: s.status as u32,
        paused: s.paused,
        vus: s.vus as u32,
        vus_max: s.vus_max as u32,
        target_vus: s.target_vus as u32,
        stopped: s.stopped,
        running: s.running,
        tainted: s.tainted,
    }
}

pub fn metric_to_js(m: EngineMetric) -> MetricSnapshot {
    MetricSnapshot {
        name: m.name,
        kind: m.kind.as_str().to_string(),
        contains: m.contains.as_str().to_string(),
        stats: m
            .values
            .into_iter()
            .map(|(name, value)| Stat { name, value })
            .collect(),
    }
}

pub fn control_reply(r: Result<(), ControlError>) -> Option<ControlFailure> {
    let err = r.err()?;
    let kind = match err {
        ControlError::Pause(_) => "pause",
        ControlError::ConfigUpdate(_) => "config-update",
        ControlError::Ended => "ended",
    };
    Some(ControlFailure {
        kind: kind.to_string(),
        detail: err.to_string(),
    })
}

pub fn group_to_js(g: EngineGroup) -> GroupSnapshot {
    GroupSnapshot {
        id: g.id,
        path: g.path,
        name: g.name,
        parent_id: g.parent_id,
        child_ids: g.child_ids,
        checks: g
            .checks
            .into_iter()
            .map(|c| CheckSnapshot {
                id: c.id,
                path: c.path,
                name: c.name,
                passes: c.passes as f64,
                fails: c.fails as f64,
            })
            .collect(),
    }
}
