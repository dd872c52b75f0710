//! The control handle: what the REST API and the CLI read and change while a test runs.
//!
//! [`Control`] holds what is run-wide (status, pause, stop, the clock) and one
//! [`ScenarioControl`] per scenario (its VU target, pool, counters, rate, own pause), so that
//! `/v1/status` reads sums and `/v1/scenarios` reads and changes one scenario.
//!
//! Everything here is atomics plus [`tokio::sync::Notify`]s (and short locks that serialise
//! writers), so every method is callable from any thread (the Node main thread, engine workers)
//! without blocking on the data plane.

mod clock;
mod scenario;
mod status;

pub use clock::RunClock;
pub use scenario::{
    ManualUpdates, ScenarioControl, ScenarioPlan, ScenarioSnapshot, ScenarioStatus,
};
pub use status::RunStatus;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// A refused control request. `detail` uses k6's wording where k6 has one (spec §3.2, §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// PATCH `paused` refused (k6 title "Pause error").
    Pause(String),
    /// PATCH `vus` / `vus-max` refused (k6 title "Config update error").
    ConfigUpdate(String),
    /// The run is over: volley answers at once instead of hanging as k6 does (spec README item 2).
    Ended,
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::Pause(d) | ControlError::ConfigUpdate(d) => f.write_str(d),
            ControlError::Ended => f.write_str("the test run has already ended"),
        }
    }
}

impl std::error::Error for ControlError {}

/// A consistent-enough view of the run for GET /v1/status (spec §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusSnapshot {
    pub status: RunStatus,
    pub paused: bool,
    pub vus: u64,
    pub vus_max: u64,
    /// The active VU targets of the running scenarios together (`vus` catches up with it; for
    /// arrival-rate scenarios it is a cap on busy VUs). A scenario paused on its own counts 0.
    pub target_vus: u64,
    pub stopped: bool,
    pub running: bool,
    pub tainted: bool,
}

/// Shared state of one run. Executors read it; control requests write it. The run-wide flags
/// and clock live here; each scenario's VU target, pool and counters in its [`ScenarioControl`].
pub struct Control {
    status: AtomicU32,
    paused: AtomicBool,
    stopped: AtomicBool,
    tainted: AtomicBool,
    /// VUs busy right now in every scenario together (spec §4.5: `vus` is across all
    /// scenarios); kept beside the scenarios' own counts so that `vus` is one load.
    active_vus: AtomicU64,
    /// The most VUs ever active at once, for a run too short for a once-a-second sample.
    peak_vus: AtomicU64,
    /// Iterations the executors cut short (a hard stop, a ramp-down), k6's
    /// `exec.instance.iterationsInterrupted`.
    interrupted_iterations: AtomicU64,
    scenarios: Vec<Arc<ScenarioControl>>,
    /// The scenario PATCH /v1/status `vus` / `vus-max` changes (see [`Control::scale`]).
    scaled: usize,
    /// k6's `__VU`: unique in the test across scenarios, from 1 (0 is setup/teardown's VU).
    next_vu_id: AtomicU64,
    /// Serialises pause and resume so that validation and update see the same flags.
    writer: Mutex<()>,
    pub clock: RunClock,
    /// Woken whenever the status, pause or stop change (each scenario's `changed` is woken too).
    pub changed: Notify,
}

impl Control {
    /// `scenarios` in the script's order; at least one.
    pub fn new(scenarios: Vec<Arc<ScenarioControl>>, paused: bool) -> Self {
        assert!(!scenarios.is_empty(), "a run has at least one scenario");
        let clock = RunClock::new();
        if paused {
            clock.pause();
        }
        // k6 sends live VU updates to the first externally-controlled scenario only (spec §4.4).
        // volley lets PATCH /v1/status scale every executor, so without an externally-controlled
        // scenario it scales the first scenario; /v1/scenarios/{name} reaches the others.
        let scaled = scenarios
            .iter()
            .position(|s| s.executor() == "externally-controlled")
            .unwrap_or(0);
        Control {
            status: AtomicU32::new(RunStatus::Created as u32),
            paused: AtomicBool::new(paused),
            stopped: AtomicBool::new(false),
            tainted: AtomicBool::new(false),
            active_vus: AtomicU64::new(0),
            peak_vus: AtomicU64::new(0),
            interrupted_iterations: AtomicU64::new(0),
            scenarios,
            scaled,
            next_vu_id: AtomicU64::new(1),
            writer: Mutex::new(()),
            clock,
            changed: Notify::new(),
        }
    }

    pub fn snapshot(&self) -> StatusSnapshot {
        let status = self.status();
        let paused = self.is_paused();
        let stopped = self.is_stopped();
        StatusSnapshot {
            status,
            paused,
            // k6 reports 0 while paused or stopped, also while in-flight iterations finish
            // (golden 03, 04, 91).
            vus: if paused || stopped {
                0
            } else {
                self.active_vus.load(Ordering::Relaxed)
            },
            vus_max: self.vus_max(),
            target_vus: self.scenarios.iter().map(|s| s.running_target_vus()).sum(),
            stopped,
            running: status.is_running(),
            tainted: self.tainted.load(Ordering::Relaxed),
        }
    }

    /// Every scenario, in the script's order.
    pub fn scenarios(&self) -> &[Arc<ScenarioControl>] {
        &self.scenarios
    }

    pub fn scenario(&self, name: &str) -> Option<&Arc<ScenarioControl>> {
        self.scenarios.iter().find(|s| s.name() == name)
    }

    /// One scenario's reading for `/v1/scenarios`.
    pub fn scenario_snapshot(&self, scenario: &ScenarioControl) -> ScenarioSnapshot {
        scenario.snapshot(self.clock.elapsed(), self.is_paused(), self.is_stopped())
    }

    pub fn status(&self) -> RunStatus {
        RunStatus::from_u32(self.status.load(Ordering::Acquire))
    }

    pub fn set_status(&self, status: RunStatus) {
        self.status.store(status as u32, Ordering::Release);
        self.changed.notify_waiters();
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// The pools of every scenario together (k6's `vus-max`, spec §4.1). k6 lets scenarios that
    /// never overlap in time share VUs, so its count can be lower; volley keeps one pool per
    /// scenario.
    pub fn vus_max(&self) -> u64 {
        self.scenarios.iter().map(|s| s.vus_max()).sum()
    }

    pub fn set_tainted(&self, tainted: bool) {
        self.tainted.store(tainted, Ordering::Relaxed);
    }

    pub(crate) fn vu_activated(&self, scenario: &ScenarioControl) {
        scenario.vu_activated();
        let now = self.active_vus.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_vus.fetch_max(now, Ordering::Relaxed);
    }

    pub(crate) fn vu_deactivated(&self, scenario: &ScenarioControl) {
        scenario.vu_deactivated();
        self.active_vus.fetch_sub(1, Ordering::Relaxed);
    }

    /// VUs not parked right now in any scenario, paused or not (the raw count behind `vus`).
    pub fn active_vus(&self) -> u64 {
        self.active_vus.load(Ordering::Relaxed)
    }

    pub(crate) fn iteration_interrupted(&self) {
        self.interrupted_iterations.fetch_add(1, Ordering::Relaxed);
    }

    /// Iterations interrupted so far, in every scenario.
    pub fn interrupted_iterations(&self) -> u64 {
        self.interrupted_iterations.load(Ordering::Relaxed)
    }

    pub fn peak_vus(&self) -> u64 {
        self.peak_vus.load(Ordering::Relaxed)
    }

    /// A new VU's `__VU`.
    pub(crate) fn next_vu_id(&self) -> u64 {
        self.next_vu_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The executors start now (after setup()): scenarios count `startTime` and their schedules
    /// from this reading of the run's clock.
    pub(crate) fn start_executors(&self) {
        let now = self.clock.elapsed();
        for s in &self.scenarios {
            s.set_origin(now);
        }
    }

    /// Wakes the run's waiters and every scenario's.
    fn notify_all(&self) {
        self.changed.notify_waiters();
        for s in &self.scenarios {
            s.changed.notify_waiters();
        }
    }

    /// Pause or resume the whole run, every scenario at once (spec §4.3, with live control on
    /// every executor: README item 1).
    pub fn set_paused(&self, paused: bool) -> Result<(), ControlError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if self.status().is_finished() {
            return Err(ControlError::Ended);
        }
        let was = self.is_paused();
        let before_start = self.status() < RunStatus::Started;
        match (was, paused) {
            (true, true) if before_start => {
                return Err(ControlError::Pause("execution is already paused".into()))
            }
            (true, true) => {
                return Err(ControlError::Pause(
                    "test execution was already paused".into(),
                ))
            }
            (false, false) => {
                return Err(ControlError::Pause("test execution wasn't paused".into()))
            }
            _ => {}
        }
        if paused {
            self.clock.pause();
        } else {
            self.clock.resume();
        }
        self.paused.store(paused, Ordering::Release);
        self.notify_all();
        Ok(())
    }

    /// PATCH /v1/status `vus` / `vus-max` (spec §3.2 step 5, §4.4): the first externally-controlled
    /// scenario, else the first scenario (see [`Control::new`]). Either value may be absent.
    pub fn scale(&self, vus: Option<i64>, vus_max: Option<i64>) -> Result<(), ControlError> {
        self.scale_scenario(self.scaled, vus, vus_max)
    }

    /// Live VU update of the scenario at `index` (`/v1/scenarios/{name}`).
    pub fn scale_scenario(
        &self,
        index: usize,
        vus: Option<i64>,
        vus_max: Option<i64>,
    ) -> Result<(), ControlError> {
        if self.status().is_finished() {
            return Err(ControlError::Ended);
        }
        self.scenarios
            .get(index)
            .ok_or_else(|| ControlError::ConfigUpdate(format!("no scenario number {index}")))?
            .scale(vus, vus_max)
    }

    /// Pause or resume the scenario at `index` alone (see [`ScenarioControl::set_paused`]).
    pub fn set_scenario_paused(&self, index: usize, paused: bool) -> Result<(), ControlError> {
        if self.status().is_finished() {
            return Err(ControlError::Ended);
        }
        self.scenarios
            .get(index)
            .ok_or_else(|| ControlError::Pause(format!("no scenario number {index}")))?
            .set_paused(paused, self.clock.elapsed())
    }

    /// Live rate of the arrival-rate scenario at `index`, in iterations per second.
    pub fn set_scenario_rate(&self, index: usize, per_second: f64) -> Result<(), ControlError> {
        if self.status().is_finished() {
            return Err(ControlError::Ended);
        }
        self.scenarios
            .get(index)
            .ok_or_else(|| ControlError::ConfigUpdate(format!("no scenario number {index}")))?
            .set_rate(per_second)
    }

    /// Stop the run now (spec §4.6): idempotent; in-flight iterations are interrupted.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(name: &str, executor: &'static str, target: u64, max: u64) -> ScenarioPlan {
        ScenarioPlan {
            name: name.into(),
            executor,
            start_time: std::time::Duration::ZERO,
            time_limit: None,
            iterations: None,
            rate: None,
            target_vus: target,
            vus_max: max,
        }
    }

    fn running(target: u64, max: u64) -> Control {
        let scenario = ScenarioControl::new(plan("default", "constant-vus", target, max));
        let c = Control::new(vec![Arc::new(scenario)], false);
        c.set_status(RunStatus::Running);
        c
    }

    fn target_and_max(c: &Control, i: usize) -> (u64, u64) {
        (c.scenarios()[i].target_vus(), c.scenarios()[i].vus_max())
    }

    #[test]
    fn pausing_twice_is_refused_with_k6_wording() {
        let c = running(2, 10);
        c.set_paused(true).unwrap();
        assert_eq!(
            c.set_paused(true),
            Err(ControlError::Pause(
                "test execution was already paused".into()
            ))
        );
        c.set_paused(false).unwrap();
        assert_eq!(
            c.set_paused(false),
            Err(ControlError::Pause("test execution wasn't paused".into()))
        );
    }

    #[test]
    fn vus_above_max_is_refused_and_changes_nothing() {
        let c = running(2, 10);
        let err = c.scale(Some(20), None).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration supplied: the number of active VUs (20) must be less than or equal to the number of maxVUs (10)");
        assert_eq!(target_and_max(&c, 0), (2, 10));
        c.scale(Some(20), Some(20)).unwrap();
        assert_eq!(target_and_max(&c, 0), (20, 20));
    }

    #[test]
    fn negative_vus_and_max_below_start_are_refused() {
        let c = running(2, 10);
        assert_eq!(
            c.scale(Some(-1), None).unwrap_err().to_string(),
            "invalid configuration supplied: the number of VUs can't be negative"
        );
        assert_eq!(
            c.scale(Some(1), Some(5)).unwrap_err().to_string(),
            "the new number of max VUs cannot be lower than the starting number of max VUs (10)"
        );
    }

    #[test]
    fn control_after_the_end_answers_ended() {
        let c = running(2, 10);
        c.set_status(RunStatus::Ended);
        assert_eq!(c.set_paused(true), Err(ControlError::Ended));
        assert_eq!(c.scale(Some(1), None), Err(ControlError::Ended));
    }

    #[test]
    fn status_scale_targets_the_first_externally_controlled_scenario() {
        let scenarios = vec![
            Arc::new(ScenarioControl::new(plan("a", "constant-vus", 2, 2))),
            Arc::new(ScenarioControl::new(plan(
                "b",
                "externally-controlled",
                1,
                5,
            ))),
            Arc::new(ScenarioControl::new(plan(
                "c",
                "externally-controlled",
                1,
                5,
            ))),
        ];
        let c = Control::new(scenarios, false);
        c.set_status(RunStatus::Running);
        c.scale(Some(4), None).unwrap();
        assert_eq!(
            [0, 1, 2].map(|i| target_and_max(&c, i)),
            [(2, 2), (4, 5), (1, 5)]
        );
        assert_eq!(c.vus_max(), 12);
        c.scale_scenario(0, None, Some(6)).unwrap();
        assert_eq!(target_and_max(&c, 0), (2, 6));
    }
}
