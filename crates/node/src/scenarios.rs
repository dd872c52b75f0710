//! Several scenarios in one run: their options (`EngineOptions.scenarios`), their live readings
//! and per-scenario control (what `/v1/scenarios` serves).

use crate::convert::control_reply;
use crate::{ControlFailure, Engine, RequestOptions, StageOptions};
use napi_derive::napi;
use volley_engine::control::{ControlError, ScenarioSnapshot as EngineScenario};

/// One scenario of a test (k6's `scenarios.<name>`, spec §11), as the engine runs it.
#[napi(object)]
pub struct ScenarioOptions {
    /// k6's scenario name (the `scenario` tag).
    pub name: String,
    /// k6 executor name.
    pub executor: String,
    /// `vus`; ramping-vus: `startVUs`; arrival-rate: `preAllocatedVUs`.
    pub vus: u32,
    pub max_vus: Option<u32>,
    pub duration_ms: Option<f64>,
    pub iterations: Option<u32>,
    pub graceful_stop_ms: Option<f64>,
    /// k6's `startTime`: when the scenario starts, in un-paused run time.
    pub start_time_ms: Option<f64>,
    pub stages: Option<Vec<StageOptions>>,
    pub rate: Option<f64>,
    pub start_rate: Option<f64>,
    pub time_unit_ms: Option<f64>,
    pub pre_allocated_vus: Option<u32>,
    pub graceful_ramp_down_ms: Option<f64>,
    /// This scenario's own request list (an `exec` naming an exported array): the native fast
    /// path. Without it the scenario does what the engine options say (url, requests or JS).
    pub requests: Option<Vec<RequestOptions>>,
    /// k6's `exec` as the script gave it, for display (the banner); the engine does not read it.
    pub exec: Option<String>,
    /// The user tags of a native scenario's samples (`options.tags` under the scenario's own
    /// `tags`); JS scenarios send their VUs' tags with each sample instead.
    pub tags: Option<Vec<crate::HeaderPair>>,
}

/// One scenario right now (`/v1/scenarios`).
#[napi(object)]
pub struct ScenarioSnapshot {
    pub name: String,
    pub executor: String,
    /// "waiting" (before its startTime), "running" or "done".
    pub state: String,
    /// 0..1: iterations done of the planned ones, or time of the schedule.
    pub progress: f64,
    /// Active VUs; 0 while paused or stopped.
    pub vus: u32,
    /// Paused on its own or with the whole run.
    pub paused: bool,
    pub vus_max: u32,
    pub target_vus: u32,
    /// Iterations per second; null for executors without a rate.
    pub rate: Option<f64>,
    pub iterations: f64,
    pub start_time_ms: f64,
}

fn scenario_to_js(s: EngineScenario, start_time_ms: f64) -> ScenarioSnapshot {
    ScenarioSnapshot {
        name: s.name,
        executor: s.executor.to_string(),
        state: s.status.as_str().to_string(),
        progress: s.progress,
        vus: s.vus as u32,
        paused: s.paused,
        vus_max: s.vus_max as u32,
        target_vus: s.target_vus as u32,
        rate: s.rate,
        iterations: s.iterations as f64,
        start_time_ms,
    }
}

#[napi]
impl Engine {
    /// Every scenario, in the script's order.
    #[napi(catch_unwind)]
    pub fn scenarios(&self) -> Vec<ScenarioSnapshot> {
        let control = self.inner.control();
        control
            .scenarios()
            .iter()
            .map(|s| {
                let start = s.plan().start_time.as_secs_f64() * 1000.0;
                scenario_to_js(control.scenario_snapshot(s), start)
            })
            .collect()
    }

    /// Changes one scenario's active VU target and/or pool; either may be null.
    #[napi(catch_unwind)]
    pub fn scale_scenario(
        &self,
        name: String,
        vus: Option<i64>,
        vus_max: Option<i64>,
    ) -> Option<ControlFailure> {
        let control = self.inner.control();
        control_reply(index_of(self, &name).and_then(|i| control.scale_scenario(i, vus, vus_max)))
    }

    /// Pauses or resumes one scenario alone; the others go on.
    #[napi(catch_unwind)]
    pub fn set_scenario_paused(&self, name: String, paused: bool) -> Option<ControlFailure> {
        let control = self.inner.control();
        control_reply(index_of(self, &name).and_then(|i| control.set_scenario_paused(i, paused)))
    }

    /// Changes an arrival-rate scenario's rate, in iterations per second.
    #[napi(catch_unwind)]
    pub fn set_scenario_rate(&self, name: String, rate: f64) -> Option<ControlFailure> {
        let control = self.inner.control();
        control_reply(index_of(self, &name).and_then(|i| control.set_scenario_rate(i, rate)))
    }
}

fn index_of(engine: &Engine, name: &str) -> Result<usize, ControlError> {
    engine
        .inner
        .control()
        .scenarios()
        .iter()
        .position(|s| s.name() == name)
        .ok_or_else(|| ControlError::ConfigUpdate(format!("no scenario named {name}")))
}
