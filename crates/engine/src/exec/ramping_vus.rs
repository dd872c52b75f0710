//! ramping-vus: the active VU target follows `stages` (spec §11). The scheduler writes the
//! target into the control handle; the VU loops obey it exactly as they obey a constant-vus
//! target, so pause, `vus` and `vus-max` work the same way on both.

use super::config::ScenarioConfig;
use super::stages::VuRamp;
use crate::control::{ManualUpdates, ScenarioControl};
use std::time::Duration;
use tokio::time::Instant;

/// The ramping-vus executor's schedule, owned by the scenario's scheduler loop.
///
/// Manual targets (PATCH /v1/status `vus`, /v1/scenarios/{name}, or `Control::scale`): **a manual `vus` overrides the
/// stages until the next stage boundary.** From the moment it is accepted until the scenario
/// clock (un-paused time) enters the next stage, the target stays where the PATCH put it; at the
/// boundary the stages take over again and the target jumps to the value the schedule has there
/// (the new stage ramps from its own start, not from the manual value). A manual target during
/// the last stage therefore holds until the end of the scenario. Setting `vus` again within the
/// same stage just replaces the override. `vus-max` never interrupts the stages: it only grows
/// the pool (a manual `vus` may then go above every stage target), and it cannot go below the
/// initial pool, which is the largest of `startVUs` and the stage targets. k6 refuses both
/// updates on ramping-vus (spec §4.3, §4.4); this is volley's extension (spec README item 1).
///
/// A VU above a falling target finishes its iteration and parks; if the iteration takes longer
/// than `gracefulRampDown` it is interrupted (k6 does the same, spec §11).
pub(crate) struct RampingVusSchedule {
    ramp: VuRamp,
    seen: ManualUpdates,
    /// The stage during which a manual target was set, while it still holds.
    manual_in_stage: Option<usize>,
}

impl RampingVusSchedule {
    pub fn new(config: &ScenarioConfig) -> Self {
        RampingVusSchedule {
            ramp: VuRamp::new(config.vus, &config.stages),
            // A `vus` set before the start (under `--paused`) counts as a manual target in the
            // first stage, as k6 applies updates stored before the start.
            seen: ManualUpdates::default(),
            manual_in_stage: None,
        }
    }

    /// Brings the control handle's target in line with the schedule at scenario-clock `now`;
    /// returns the clock reading at which to look again (None: nothing changes any more).
    pub fn apply(&mut self, control: &ScenarioControl, now: Duration) -> Option<Duration> {
        let stage = self.ramp.stage_index(now);
        let updates = control.manual_updates();
        if updates.vus != self.seen.vus {
            self.manual_in_stage = Some(stage);
        }
        self.seen = updates;
        if self.manual_in_stage == Some(stage) {
            return self.ramp.next_change(now);
        }
        self.manual_in_stage = None;
        let target = self.ramp.target(now);
        // A refusal means a PATCH landed since `manual_updates` was read: it also woke the
        // scheduler, whose next call sees it.
        if control.target_vus() != target {
            control.set_scheduled(self.seen, target, control.vus_max().max(target));
        }
        self.ramp.next_change(now)
    }
}

/// Resolves once VU `idx` has been above the active target for `grace` without interruption:
/// the end of its graceful ramp-down. A target that rises back above `idx` resets the wait.
pub(crate) async fn ramp_down_expired(control: &ScenarioControl, idx: u64, grace: Duration) {
    loop {
        loop {
            let changed = control.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if idx >= control.target_vus() {
                break;
            }
            changed.await;
        }
        let deadline = Instant::now() + grace;
        loop {
            let changed = control.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if idx < control.target_vus() {
                break;
            }
            tokio::select! {
                _ = &mut changed => {}
                _ = tokio::time::sleep_until(deadline) => return,
            }
        }
    }
}
