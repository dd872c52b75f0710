use super::config::ExecutorKind;
use super::ramping_vus::ramp_down_expired;
use super::scheduler::{Phase, ScenarioState};
use super::workload::Workload;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// One VU: waits at the gate (paused, not in the active target, schedule over), then runs
/// iterations back to back. A hard stop interrupts the iteration in flight (k6 counts it as
/// interrupted and records no iteration metrics for it), and so does the end of a ramping-vus
/// VU's graceful ramp-down. Used by every closed-model executor (the arrival-rate ones have
/// their own, `arrival_rate::arrival_vu`).
/// `idx` is the VU's place in its scenario's pool, `id` its `__VU` (unique in the test).
pub(crate) async fn vu_loop<W: Workload>(
    idx: u64,
    id: u64,
    state: Arc<ScenarioState>,
    workload: Arc<W>,
) {
    let _exit = ExitGuard(&state);
    let mut vu = workload.new_vu(id);
    let control = &state.control;
    let scenario = &state.scenario;
    let mut phase = state.phase.subscribe();
    // Init (a script VU's module load) is not part of any iteration, and VUs spawned together
    // start together.
    let unready = Unready(&state);
    tokio::select! {
        biased;
        _ = phase.wait_for(|p| *p != Phase::Running) => return,
        _ = async {
            workload.ready(&mut vu).await;
            drop(unready);
            all_ready(&state).await;
        } => {}
    }
    let mut activity = Activity::new(&state);
    let mut iterations_here = 0u64;
    let ramping = state.config.executor == ExecutorKind::RampingVus;
    let grace = state.config.graceful_ramp_down;
    loop {
        loop {
            let notified = scenario.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if *phase.borrow() != Phase::Running || control.is_stopped() {
                return;
            }
            if !state.is_paused() && idx < scenario.target_vus() {
                break;
            }
            activity.set(false);
            notified.await;
        }
        if !claim_iteration(&state, &mut iterations_here) {
            return;
        }
        activity.set(true);
        let started = Instant::now();
        let mut finished = None;
        tokio::select! {
            biased;
            _ = phase.wait_for(|p| *p == Phase::HardStop) => {
                state.count_interrupted();
                return;
            }
            _ = ramp_down_expired(scenario, idx, grace), if ramping => {
                state.count_interrupted();
                workload.abandoned(&mut vu);
            }
            tags = workload.iterate(&mut vu) => {
                let took = started.elapsed();
                state.record_iteration(took, &tags);
                if state.config.no_vu_connection_reuse {
                    workload.close_connections(&mut vu);
                }
                finished = Some(took);
            }
        }
        // After the select: its futures borrow `phase`.
        if let Some(took) = finished {
            if !wait_min_iteration(&state, took, &mut phase).await {
                return;
            }
        }
    }
}

/// k6's minIterationDuration: after an iteration shorter than it, the VU waits out the rest
/// (not counted in the iteration). False: a hard stop came first, the VU is done.
pub(crate) async fn wait_min_iteration(
    state: &ScenarioState,
    took: std::time::Duration,
    phase: &mut tokio::sync::watch::Receiver<Phase>,
) -> bool {
    let rest = state.config.min_iteration_duration.saturating_sub(took);
    if rest.is_zero() {
        return true;
    }
    tokio::select! {
        biased;
        _ = phase.wait_for(|p| *p == Phase::HardStop) => false,
        _ = tokio::time::sleep(rest) => true,
    }
}

/// Counts a VU out of `ScenarioState::unready` when dropped (ready, or gone before it was).
struct Unready<'a>(&'a ScenarioState);

impl Drop for Unready<'_> {
    fn drop(&mut self) {
        if self.0.unready.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.all_ready.notify_waiters();
        }
    }
}

async fn all_ready(state: &ScenarioState) {
    loop {
        let notified = state.all_ready.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if state.unready.load(Ordering::Acquire) == 0 {
            return;
        }
        notified.await;
    }
}

fn claim_iteration(state: &ScenarioState, iterations_here: &mut u64) -> bool {
    match state.config.executor {
        ExecutorKind::SharedIterations => state.remaining.fetch_sub(1, Ordering::AcqRel) > 0,
        ExecutorKind::PerVuIterations => {
            *iterations_here += 1;
            *iterations_here <= state.config.iterations
        }
        ExecutorKind::ConstantVus
        | ExecutorKind::ExternallyControlled
        | ExecutorKind::RampingVus
        | ExecutorKind::ConstantArrivalRate
        | ExecutorKind::RampingArrivalRate => true,
    }
}

/// Keeps the `vus` reading honest: a VU counts while it is not parked (spec §4.5).
pub(crate) struct Activity<'a> {
    state: &'a ScenarioState,
    active: bool,
}

impl<'a> Activity<'a> {
    pub fn new(state: &'a ScenarioState) -> Self {
        Activity {
            state,
            active: false,
        }
    }

    pub fn set(&mut self, active: bool) {
        if active != self.active {
            if active {
                self.state.control.vu_activated(&self.state.scenario);
            } else {
                self.state.control.vu_deactivated(&self.state.scenario);
            }
            self.active = active;
        }
    }
}

impl Drop for Activity<'_> {
    fn drop(&mut self) {
        self.set(false);
    }
}

/// Tells the scheduler a VU is gone, also when its task panicked.
pub(crate) struct ExitGuard<'a>(pub &'a ScenarioState);

impl Drop for ExitGuard<'_> {
    fn drop(&mut self) {
        self.0.live_vus.fetch_sub(1, Ordering::AcqRel);
        self.0.vu_exited.notify_one();
    }
}
