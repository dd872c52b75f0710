//! The control handle: what the REST API and the CLI read and change while a test runs.
//!
//! Everything here is atomics plus one [`tokio::sync::Notify`], so every method is callable from
//! any thread (the Node main thread, engine workers) without blocking on the data plane.

mod clock;
mod status;

pub use clock::RunClock;
pub use status::RunStatus;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
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
    /// The active VU target the executor works towards (`vus` catches up with it).
    pub target_vus: u64,
    pub stopped: bool,
    pub running: bool,
    pub tainted: bool,
}

/// Generation counters of live updates: an executor that drives `vus` / `vus-max` itself
/// compares them with the last ones it saw to tell a PATCH from its own writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ManualUpdates {
    pub vus: u64,
    pub vus_max: u64,
}

/// Shared state of one run. Executors read it; control requests write it.
pub struct Control {
    status: AtomicU32,
    paused: AtomicBool,
    stopped: AtomicBool,
    tainted: AtomicBool,
    /// VUs busy right now (k6 semantics per executor, spec §4.5): 0 while paused.
    active_vus: AtomicU64,
    /// The most VUs ever active at once, for a run too short for a once-a-second sample.
    peak_vus: AtomicU64,
    /// VUs the executor should keep running.
    target_vus: AtomicU64,
    /// Initialised VUs (the pool).
    vus_max: AtomicU64,
    /// The lowest `vus-max` a live update may set: the configured pool (k6 rule, spec §4.4).
    min_vus_max: AtomicU64,
    /// Serialises control writers so that validation and update see the same numbers.
    writer: Mutex<()>,
    /// Accepted `scale` calls that set `vus` / `vus-max` (see [`ManualUpdates`]).
    vus_updates: AtomicU64,
    vus_max_updates: AtomicU64,
    pub clock: RunClock,
    /// Woken whenever pause, target, pool or stop change; VUs and the scheduler wait on it.
    pub changed: Notify,
}

impl Control {
    pub fn new(target_vus: u64, vus_max: u64, paused: bool) -> Self {
        let clock = RunClock::new();
        if paused {
            clock.pause();
        }
        Control {
            status: AtomicU32::new(RunStatus::Created as u32),
            paused: AtomicBool::new(paused),
            stopped: AtomicBool::new(false),
            tainted: AtomicBool::new(false),
            active_vus: AtomicU64::new(0),
            peak_vus: AtomicU64::new(0),
            target_vus: AtomicU64::new(target_vus),
            vus_max: AtomicU64::new(vus_max),
            min_vus_max: AtomicU64::new(vus_max),
            writer: Mutex::new(()),
            vus_updates: AtomicU64::new(0),
            vus_max_updates: AtomicU64::new(0),
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
            target_vus: self.target_vus(),
            stopped,
            running: status.is_running(),
            tainted: self.tainted.load(Ordering::Relaxed),
        }
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

    pub fn target_vus(&self) -> u64 {
        self.target_vus.load(Ordering::Acquire)
    }

    pub fn vus_max(&self) -> u64 {
        self.vus_max.load(Ordering::Acquire)
    }

    pub fn set_tainted(&self, tainted: bool) {
        self.tainted.store(tainted, Ordering::Relaxed);
    }

    pub(crate) fn vu_activated(&self) {
        let now = self.active_vus.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_vus.fetch_max(now, Ordering::Relaxed);
    }

    /// VUs not parked right now, paused or not (the raw count behind `vus`).
    pub fn active_vus(&self) -> u64 {
        self.active_vus.load(Ordering::Relaxed)
    }

    pub fn peak_vus(&self) -> u64 {
        self.peak_vus.load(Ordering::Relaxed)
    }

    pub(crate) fn vu_deactivated(&self) {
        self.active_vus.fetch_sub(1, Ordering::Relaxed);
    }

    /// Pause or resume (spec §4.3, with live control on every executor: README item 1).
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
        self.changed.notify_waiters();
        Ok(())
    }

    /// Live VU update (spec §3.2 step 5, §4.4). Either value may be absent.
    pub fn scale(&self, vus: Option<i64>, vus_max: Option<i64>) -> Result<(), ControlError> {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if self.status().is_finished() {
            return Err(ControlError::Ended);
        }
        let new_max = vus_max.unwrap_or(self.vus_max() as i64);
        let new_vus = vus.unwrap_or(self.target_vus() as i64);
        let mut problems = Vec::new();
        if new_vus < 0 || new_max < 0 {
            problems.push("the number of VUs can't be negative".to_string());
        } else if new_vus > new_max {
            problems.push(format!(
                "the number of active VUs ({new_vus}) must be less than or equal to the number of maxVUs ({new_max})"
            ));
        }
        if !problems.is_empty() {
            return Err(ControlError::ConfigUpdate(format!(
                "invalid configuration supplied: {}",
                problems.join(", ")
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

    /// How many live updates have set `vus` and `vus-max` so far.
    pub fn manual_updates(&self) -> ManualUpdates {
        ManualUpdates {
            vus: self.vus_updates.load(Ordering::Acquire),
            vus_max: self.vus_max_updates.load(Ordering::Acquire),
        }
    }

    /// An executor's own change of the target and pool (ramping-vus stages, arrival-rate pool
    /// growth). Refused (false, nothing changed) when a live update the executor has not seen
    /// (`seen`) landed in between: a PATCH is never silently overwritten.
    pub(crate) fn set_scheduled(&self, seen: ManualUpdates, target_vus: u64, vus_max: u64) -> bool {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if self.manual_updates() != seen {
            return false;
        }
        self.vus_max.store(vus_max, Ordering::Release);
        self.target_vus.store(target_vus, Ordering::Release);
        self.changed.notify_waiters();
        true
    }

    /// Stop the run now (spec §4.6): idempotent; in-flight iterations are interrupted.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.changed.notify_waiters();
    }

    /// Called by an executor that lets the pool grow on its own (arrival-rate) or when the run
    /// configuration itself is set.
    pub fn set_pool(&self, vus_max: u64) {
        self.vus_max.store(vus_max, Ordering::Release);
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(target: u64, max: u64) -> Control {
        let c = Control::new(target, max, false);
        c.set_status(RunStatus::Running);
        c
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
        assert_eq!(c.target_vus(), 2);
        c.scale(Some(20), Some(20)).unwrap();
        assert_eq!((c.target_vus(), c.vus_max()), (20, 20));
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
}
