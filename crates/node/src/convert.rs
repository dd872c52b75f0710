//! Conversions between the JS-facing types and the engine's.

use crate::{
    CheckSnapshot, ControlFailure, EngineOptions, GroupSnapshot, MetricSnapshot, RequestOptions,
    Stat, StatusSnapshot,
};
use std::time::Duration;
use volley_engine::control::{ControlError, StatusSnapshot as EngineStatus};
use volley_engine::exec::{ExecutorKind, ScenarioConfig, Stage};
use volley_engine::groups::GroupSnapshot as EngineGroup;
use volley_engine::http::RequestSpec;
use volley_engine::metrics::registry::MetricSnapshot as EngineMetric;
use volley_engine::{EngineConfig, Work};

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

pub fn engine_config(o: EngineOptions) -> Result<EngineConfig, String> {
    let executor = ExecutorKind::parse(&o.executor)
        .ok_or_else(|| format!("unknown executor type '{}'", o.executor))?;
    let mut scenario =
        ScenarioConfig::new(o.scenario_name.as_deref().unwrap_or("default"), executor);
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
    if let Some(stages) = o.stages {
        scenario.stages = stages
            .into_iter()
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
    let work = match (o.script_workers, o.url, o.requests) {
        (Some(workers), None, None) => Work::Script {
            workers: workers.max(1) as usize,
        },
        (None, Some(url), None) => Work::Requests(vec![request_spec(RequestOptions {
            method: o.method,
            url,
            headers: o.headers,
            body: o.body,
            timeout_ms: o.timeout_ms,
        })?]),
        (None, None, Some(list)) => Work::Requests(
            list.into_iter()
                .map(request_spec)
                .collect::<Result<_, String>>()?,
        ),
        _ => return Err(
            "give exactly one of url, requests (the native fast path) or scriptWorkers (a script)"
                .into(),
        ),
    };
    Ok(EngineConfig {
        scenario,
        work,
        insecure_skip_tls_verify: o.insecure_skip_tls_verify.unwrap_or(false),
        start_paused: o.paused.unwrap_or(false),
        workers: o.workers.map(|w| w as usize),
    })
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
