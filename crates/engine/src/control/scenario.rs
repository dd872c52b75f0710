//! One scenario's share of the control state: its VU target, pool and counters, what
//! `/v1/scenarios` reads and changes. The run-wide flags (status, pause, stop, clock) stay on
//! [`super::Control`].

use super::ControlError;
use crate::metrics::sinks::CounterSink;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// Where a scenario is in the run (volley's `/v1/scenarios` `state`).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioStatus {
    /// Before its `startTime` (un-paused run time).
    Waiting = 0,
    /// Its executor runs, gracefulStop included.
    Running = 1,
    /// Its executor is over (schedule done, or the run was stopped).
    Done = 2,
}

impl ScenarioStatus {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => ScenarioStatus::Waiting,
            1 => ScenarioStatus::Running,
            _ => ScenarioStatus::Done,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioStatus::Waiting => "waiting",
            ScenarioStatus::Running => "running",
            ScenarioStatus::Done => "done",
        }
    }
}

/// Generation counters of live updates: an executor that drives `vus` / `vus-max` itself
/// compares them with the last ones it saw to tell a PATCH from its own writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ManualUpdates {
    pub vus: u64,
    pub vus_max: u64,
    pub rate: u64,
}

/// What the engine knows of a scenario's plan, fixed at the start (for `progress`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioPlan {
    pub name: String,
    pub executor: &'static str,
    pub start_time: Duration,
    /// The end of the schedule on the scenario's clock; None: only a stop ends it.
    pub time_limit: Option<Duration>,
    /// shared-iterations and per-vu-iterations: the iterations it runs in all. Their progress
    /// counts iterations, as k6's bars do; the other executors' counts time.
    pub iterations: Option<u64>,
    /// The arrival-rate executors' starting rate, in iterations per second.
    pub rate: Option<f64>,
    pub target_vus: u64,
    pub vus_max: u64,
}

/// A reading of one scenario for `/v1/scenarios`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSnapshot {
    pub name: String,
    pub executor: &'static str,
    pub status: ScenarioStatus,
    /// 0..1: iterations done of the planned ones, or time on the scenario's clock of its
    /// schedule; frozen when the scenario is done.
    pub progress: f64,
    /// Active VUs (k6's per-executor meaning, spec §4.5); 0 while paused or stopped.
    pub vus: u64,
    /// Paused on its own or with the whole run.
    pub paused: bool,
    pub vus_max: u64,
    pub target_vus: u64,
    /// The arrival-rate executors' current rate in iterations per second; None for the others.
    pub rate: Option<f64>,
    pub iterations: u64,
}

pub struct ScenarioControl {
    plan: ScenarioPlan,
    status: AtomicU8,
    /// Paused on its own (`/v1/scenarios/{name}`), whatever the run's pause.
    paused: AtomicBool,
    /// The run's clock when this scenario paused on its own; None while it is not.
    paused_at: Mutex<Option<Duration>>,
    /// Run-clock time spent paused on its own, in ns. Measured on the run's clock (which already
    /// leaves out the run's pauses), so a pause of both at once is not counted twice.
    paused_total_ns: AtomicU64,
    /// The run's clock when the executors started, after setup(), in ns: k6 counts `startTime`
    /// and every schedule from there (lib/execution/scheduler.go, Run), not from the run's start.
    origin_ns: AtomicU64,
    /// `progress` as f64 bits once the scenario is done.
    final_progress: AtomicU64,
    /// VUs busy right now (k6 semantics per executor, spec §4.5).
    active_vus: AtomicU64,
    /// The most VUs ever active at once, for a run too short for a once-a-second sample.
    peak_vus: AtomicU64,
    /// VUs the executor should keep running.
    target_vus: AtomicU64,
    /// Initialised VUs (the pool).
    vus_max: AtomicU64,
    /// The lowest `vus-max` a live update may set: the configured pool (k6 rule, spec §4.4).
    min_vus_max: AtomicU64,
    /// The arrival-rate executors' current rate, milli-iterations per second, as the executor
    /// publishes it.
    rate_milli: AtomicU64,
    /// The last live rate update, milli-iterations per second (`rate_updates` counts them).
    requested_rate_milli: AtomicU64,
    /// Serialises writers so that validation and update see the same numbers.
    writer: Mutex<()>,
    vus_updates: AtomicU64,
    vus_max_updates: AtomicU64,
    rate_updates: AtomicU64,
    /// Completed iterations (sharded: written on every iteration from every engine worker).
    pub(crate) iterations: CounterSink,
    /// Woken whenever this scenario's target, pool or rate change, and on every run-wide pause,
    /// resume or stop; its VUs and its scheduler wait on it.
    pub changed: Notify,
}

fn milli(rate: f64) -> u64 {
    (rate * 1000.0).round() as u64
}

impl ScenarioControl {
    pub fn new(plan: ScenarioPlan) -> Self {
        ScenarioControl {
            status: AtomicU8::new(ScenarioStatus::Waiting as u8),
            paused: AtomicBool::new(false),
            paused_at: Mutex::new(None),
            paused_total_ns: AtomicU64::new(0),
            origin_ns: AtomicU64::new(0),
            final_progress: AtomicU64::new(0f64.to_bits()),
            active_vus: AtomicU64::new(0),
            peak_vus: AtomicU64::new(0),
            target_vus: AtomicU64::new(plan.target_vus),
            vus_max: AtomicU64::new(plan.vus_max),
            min_vus_max: AtomicU64::new(plan.vus_max),
            rate_milli: AtomicU64::new(plan.rate.map_or(0, milli)),
            requested_rate_milli: AtomicU64::new(0),
            writer: Mutex::new(()),
            vus_updates: AtomicU64::new(0),
            vus_max_updates: AtomicU64::new(0),
            rate_updates: AtomicU64::new(0),
            iterations: CounterSink::new(),
            changed: Notify::new(),
            plan,
        }
    }

    pub fn name(&self) -> &str {
        &self.plan.name
    }

    pub fn executor(&self) -> &'static str {
        self.plan.executor
    }

    pub fn plan(&self) -> &ScenarioPlan {
        &self.plan
    }

    pub fn status(&self) -> ScenarioStatus {
        ScenarioStatus::from_u8(self.status.load(Ordering::Acquire))
    }

    pub(crate) fn set_status(&self, status: ScenarioStatus, run_elapsed: Duration) {
        if status == ScenarioStatus::Done {
            let progress = self.live_progress(run_elapsed);
            self.final_progress
                .store(progress.to_bits(), Ordering::Relaxed);
        }
        self.status.store(status as u8, Ordering::Release);
        self.changed.notify_waiters();
    }

    pub fn target_vus(&self) -> u64 {
        self.target_vus.load(Ordering::Acquire)
    }

    pub fn vus_max(&self) -> u64 {
        self.vus_max.load(Ordering::Acquire)
    }

    /// Its share of [`super::StatusSnapshot::target_vus`]: the target while it runs and is not
    /// paused on its own, else 0.
    pub fn running_target_vus(&self) -> u64 {
        if self.status() != ScenarioStatus::Running || self.is_paused() {
            0
        } else {
            self.target_vus()
        }
    }

    /// VUs not parked right now, paused or not (the raw count behind `vus`).
    pub fn active_vus(&self) -> u64 {
        self.active_vus.load(Ordering::Relaxed)
    }

    pub fn peak_vus(&self) -> u64 {
        self.peak_vus.load(Ordering::Relaxed)
    }

    pub fn iterations(&self) -> u64 {
        self.iterations.total() as u64
    }

    /// The arrival-rate executors' current rate in iterations per second; None for the others.
    pub fn rate(&self) -> Option<f64> {
        self.plan
            .rate
            .map(|_| self.rate_milli.load(Ordering::Acquire) as f64 / 1000.0)
    }

    /// The executor's own rate as its stages move it (not a live update).
    pub(crate) fn publish_rate(&self, per_second: f64) {
        self.rate_milli.store(milli(per_second), Ordering::Release);
    }

    /// The last live rate update, milli-iterations per second.
    pub(crate) fn requested_rate_milli(&self) -> u64 {
        self.requested_rate_milli.load(Ordering::Acquire)
    }

    /// Returns the new count of active VUs.
    pub(crate) fn vu_activated(&self) -> u64 {
        let now = self.active_vus.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_vus.fetch_max(now, Ordering::Relaxed);
        now
    }

    pub(crate) fn vu_deactivated(&self) {
        self.active_vus.fetch_sub(1, Ordering::Relaxed);
    }

    /// Paused on its own (the run's pause is on [`super::Control`]).
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    /// The executors' clock as this scenario sees it: the run's clock from the executors' start,
    /// less the time the scenario was paused on its own. Its `startTime` is a reading of it.
    pub fn clock(&self, run_elapsed: Duration) -> Duration {
        let now = self
            .paused_at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(run_elapsed);
        let skipped =
            self.paused_total_ns.load(Ordering::Acquire) + self.origin_ns.load(Ordering::Acquire);
        now.saturating_sub(Duration::from_nanos(skipped))
    }

    /// The executors start now, at this reading of the run's clock (after setup()).
    pub(crate) fn set_origin(&self, run_elapsed: Duration) {
        self.origin_ns
            .store(run_elapsed.as_nanos() as u64, Ordering::Release);
    }

    /// Scenario-clock time: un-paused time since this scenario's `startTime`.
    pub fn elapsed(&self, run_elapsed: Duration) -> Duration {
        self.clock(run_elapsed).saturating_sub(self.plan.start_time)
    }

    /// Pause or resume this scenario alone (volley's extension): its VUs finish the iterations
    /// in flight and start no new ones, its arrivals stop, and its clock (schedule, `startTime`
    /// of a scenario still waiting) stops, while the other scenarios go on.
    pub(crate) fn set_paused(
        &self,
        paused: bool,
        run_elapsed: Duration,
    ) -> Result<(), ControlError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let name = &self.plan.name;
        if self.status() == ScenarioStatus::Done {
            return Err(ControlError::Pause(format!(
                "scenario '{name}' has already ended"
            )));
        }
        match (self.is_paused(), paused) {
            (true, true) => {
                return Err(ControlError::Pause(format!(
                    "scenario '{name}' was already paused"
                )))
            }
            (false, false) => {
                return Err(ControlError::Pause(format!(
                    "scenario '{name}' wasn't paused"
                )))
            }
            _ => {}
        }
        let mut at = self.paused_at.lock().unwrap_or_else(|e| e.into_inner());
        if paused {
            *at = Some(run_elapsed);
        } else if let Some(since) = at.take() {
            let ns = run_elapsed.saturating_sub(since).as_nanos() as u64;
            self.paused_total_ns.fetch_add(ns, Ordering::AcqRel);
        }
        self.paused.store(paused, Ordering::Release);
        drop(at);
        self.changed.notify_waiters();
        Ok(())
    }

    fn live_progress(&self, run_elapsed: Duration) -> f64 {
        let p = if let Some(total) = self.plan.iterations.filter(|n| *n > 0) {
            self.iterations() as f64 / total as f64
        } else if let Some(limit) = self.plan.time_limit.filter(|l| !l.is_zero()) {
            self.elapsed(run_elapsed).as_secs_f64() / limit.as_secs_f64()
        } else {
            0.0
        };
        p.clamp(0.0, 1.0)
    }

    /// `run_elapsed`: the run's clock; `run_paused`, `stopped`: the run's flags.
    pub fn snapshot(
        &self,
        run_elapsed: Duration,
        run_paused: bool,
        stopped: bool,
    ) -> ScenarioSnapshot {
        let status = self.status();
        let paused = run_paused || self.is_paused();
        let progress = match status {
            ScenarioStatus::Waiting => 0.0,
            ScenarioStatus::Running => self.live_progress(run_elapsed),
            ScenarioStatus::Done => f64::from_bits(self.final_progress.load(Ordering::Relaxed)),
        };
        ScenarioSnapshot {
            name: self.plan.name.clone(),
            executor: self.plan.executor,
            status,
            progress,
            vus: if paused || stopped {
                0
            } else {
                self.active_vus()
            },
            paused,
            vus_max: self.vus_max(),
            target_vus: self.target_vus(),
            rate: self.rate(),
            iterations: self.iterations(),
        }
    }

    /// Live VU update (spec §3.2 step 5, §4.4). Either value may be absent.
    pub(crate) fn scale(&self, vus: Option<i64>, vus_max: Option<i64>) -> Result<(), ControlError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let new_max = vus_max.unwrap_or(self.vus_max() as i64);
        let new_vus = vus.unwrap_or(self.target_vus() as i64);
        if new_vus < 0 || new_max < 0 {
            return Err(ControlError::ConfigUpdate(
                "invalid configuration supplied: the number of VUs can't be negative".into(),
            ));
        }
        if new_vus > new_max {
            return Err(ControlError::ConfigUpdate(format!(
                "invalid configuration supplied: the number of active VUs ({new_vus}) must be less than or equal to the number of maxVUs ({new_max})"
            )));
        }
        let floor = self.min_vus_max.load(Ordering::Relaxed);
        if (new_max as u64) < floor {
            return Err(ControlError::ConfigUpdate(format!(
                "the new number of max VUs cannot be lower than the starting number of max VUs ({floor})"
            )));
        }
        self.vus_max.store(new_max as u64, Ordering::Release);
        self.target_vus.store(new_vus as u64, Ordering::Release);
        if vus.is_some() {
            self.vus_updates.fetch_add(1, Ordering::Release);
        }
        if vus_max.is_some() {
            self.vus_max_updates.fetch_add(1, Ordering::Release);
        }
        self.changed.notify_waiters();
        Ok(())
    }

    /// Live rate update (volley's extension) for the arrival-rate executors, in iterations per
    /// second. How the executor follows it: see `exec::arrival_rate`.
    pub(crate) fn set_rate(&self, per_second: f64) -> Result<(), ControlError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if self.plan.rate.is_none() {
            return Err(ControlError::ConfigUpdate(format!(
                "the {} executor of scenario '{}' has no rate: only constant-arrival-rate and ramping-arrival-rate do",
                self.plan.executor, self.plan.name
            )));
        }
        if !per_second.is_finite() || per_second < 0.0 {
            return Err(ControlError::ConfigUpdate(format!(
                "the rate must be a non-negative number of iterations per second, got {per_second}"
            )));
        }
        self.requested_rate_milli
            .store(milli(per_second), Ordering::Release);
        // Read back at once; the executor publishes the same value when it applies the update.
        self.rate_milli.store(milli(per_second), Ordering::Release);
        self.rate_updates.fetch_add(1, Ordering::Release);
        self.changed.notify_waiters();
        Ok(())
    }

    /// How many live updates have set `vus`, `vus-max` and `rate` so far.
    pub fn manual_updates(&self) -> ManualUpdates {
        ManualUpdates {
            vus: self.vus_updates.load(Ordering::Acquire),
            vus_max: self.vus_max_updates.load(Ordering::Acquire),
            rate: self.rate_updates.load(Ordering::Acquire),
        }
    }

    /// An executor's own change of the target and pool (ramping-vus stages, arrival-rate pool
    /// growth). Refused (false, nothing changed) when a live update the executor has not seen
    /// (`seen`) landed in between: a PATCH is never silently overwritten.
    pub(crate) fn set_scheduled(&self, seen: ManualUpdates, target_vus: u64, vus_max: u64) -> bool {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.manual_updates();
        if (now.vus, now.vus_max) != (seen.vus, seen.vus_max) {
            return false;
        }
        self.vus_max.store(vus_max, Ordering::Release);
        self.target_vus.store(target_vus, Ordering::Release);
        self.changed.notify_waiters();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(executor: &'static str) -> ScenarioPlan {
        ScenarioPlan {
            name: "s".into(),
            executor,
            start_time: Duration::from_secs(10),
            time_limit: Some(Duration::from_secs(20)),
            iterations: None,
            rate: None,
            target_vus: 2,
            vus_max: 10,
        }
    }

    #[test]
    fn progress_runs_on_the_scenario_clock_and_freezes_when_done() {
        let c = ScenarioControl::new(plan("constant-vus"));
        let at = |s| Duration::from_secs(s);
        let snap = |t| c.snapshot(at(t), false, false);
        assert_eq!(snap(15).progress, 0.0);
        c.set_status(ScenarioStatus::Running, at(10));
        assert_eq!(snap(15).progress, 0.25);
        c.set_status(ScenarioStatus::Done, at(20));
        assert_eq!(snap(40).progress, 0.5);
        assert_eq!(snap(40).status.as_str(), "done");
    }

    #[test]
    fn rate_updates_only_on_arrival_rate_executors() {
        let c = ScenarioControl::new(plan("constant-vus"));
        assert!(c.set_rate(5.0).is_err());
        let mut p = plan("constant-arrival-rate");
        p.rate = Some(2.5);
        let c = ScenarioControl::new(p);
        assert_eq!(c.rate(), Some(2.5));
        assert!(c.set_rate(-1.0).is_err());
        c.set_rate(7.25).unwrap();
        assert_eq!((c.rate(), c.manual_updates().rate), (Some(7.25), 1));
    }

    #[test]
    fn its_own_pause_stops_its_clock_once_even_under_a_run_pause() {
        let c = ScenarioControl::new(plan("constant-vus"));
        let at = |s| Duration::from_secs(s);
        c.set_status(ScenarioStatus::Running, at(10));
        c.set_paused(true, at(14)).unwrap();
        assert_eq!(c.elapsed(at(18)), at(4));
        assert!(c.snapshot(at(18), false, false).paused);
        assert!(c.set_paused(true, at(18)).is_err());
        // The run's clock (already without the run's pauses) moved 6 s while it was paused.
        c.set_paused(false, at(20)).unwrap();
        assert_eq!(c.elapsed(at(21)), at(5));
        assert_eq!(c.clock(at(21)), at(15));
        assert!(c.set_paused(false, at(21)).is_err());
        c.set_status(ScenarioStatus::Done, at(30));
        assert!(c.set_paused(true, at(31)).is_err());
    }
}
