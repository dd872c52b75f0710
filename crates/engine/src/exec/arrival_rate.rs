//! constant-arrival-rate and ramping-arrival-rate: the open model (spec §11). The scheduler
//! starts iterations at the instants of an [`ArrivalPlan`] on the scenario clock and hands each
//! to an idle VU; VUs never decide when to start.
//!
//! Live control (volley's extension, spec README item 1):
//! - pause (the whole run's, or this scenario's alone): no arrivals while paused; iterations in
//!   flight finish. The plan runs on the scenario clock (un-paused time), so arrivals that fall
//!   in a pause are not made up later and the run lasts longer by the pause.
//! - `vus` (the control handle's target) caps the VUs busy at once; an arrival beyond it is
//!   dropped. Until a live update sets it, it follows the pool.
//! - `vus-max` is the pool: VUs initialised and allowed to take iterations. The executor grows
//!   it one VU at a time up to `maxVUs` when an arrival finds every VU busy; a live update sets
//!   it (at least `preAllocatedVUs`) and from then on also replaces `maxVUs` as the limit, so it
//!   can both raise and lower the ceiling.
//! - k6's validation still holds (`vus` <= `vus-max`, spec §4.4): lowering the pool below the
//!   busy cap, or raising the cap above the current pool, takes both values in one update.
//! - `rate` (`/v1/scenarios/{name}`, iterations per second): constant-arrival-rate runs at the
//!   new rate until its end. On ramping-arrival-rate a live rate overrides the stages until the
//!   next stage boundary, where the stages take over again from that stage's start (as a manual
//!   `vus` does on ramping-vus); during the last stage it holds to the end. Either way the next
//!   arrival comes one interval of the new rate after the update.
//!
//! `vus` reads the VUs busy with an iteration (spec §4.5).

use super::config::{ExecutorKind, ScenarioConfig};
use super::scheduler::{Phase, Sampler, ScenarioState};
use super::stages::{ramping_rate_at, ArrivalPlan};
use super::vu_loop::{Activity, ExitGuard};
use super::workers::WorkerPool;
use super::workload::Workload;
use crate::control::{ManualUpdates, ScenarioControl};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Idle VUs and the count of busy ones, shared by the scheduler and the VUs of one scenario.
/// `busy` changes under the same lock as `vus` so that the cap check and the hand-over agree.
struct Idle {
    /// Idle VUs by index, most recently idle last (its connection is the warmest).
    vus: Vec<u64>,
    /// VUs handed an iteration that have not finished it yet.
    busy: u64,
}

type SharedIdle = Arc<Mutex<Idle>>;

fn lock(m: &Mutex<Idle>) -> std::sync::MutexGuard<'_, Idle> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

enum Claim {
    Vu(u64),
    /// A live `vus` caps the busy VUs and they are all taken.
    Capped,
    /// Every VU of the pool is busy.
    Empty,
}

/// The scheduler's side of the pool: it spawns VUs, hands them iterations and grows the pool.
struct Dispatcher<'a, W: Workload> {
    pool: &'a WorkerPool,
    state: &'a Arc<ScenarioState>,
    workload: &'a Arc<W>,
    tasks: &'a mut Vec<JoinHandle<()>>,
    idle: SharedIdle,
    /// One per spawned VU, by index: how the scheduler hands that VU an iteration.
    wakers: Vec<Arc<Notify>>,
    seen: ManualUpdates,
    /// The most VUs the pool may grow to on its own: `maxVUs`, or the last live `vus-max`.
    ceiling: u64,
    /// A live update set `vus`: from then on it caps the busy VUs; before, the cap is the pool.
    manual_cap: bool,
}

impl<W: Workload> Dispatcher<'_, W> {
    fn control(&self) -> &ScenarioControl {
        &self.state.scenario
    }

    /// Takes live updates into account and spawns the VUs of the pool not yet running.
    fn refresh(&mut self) {
        let control = &self.state.scenario;
        let now = control.manual_updates();
        if now.vus != self.seen.vus {
            self.manual_cap = true;
        }
        if now.vus_max != self.seen.vus_max {
            self.ceiling = control.vus_max();
        }
        self.seen = now;
        // Keep the reported target equal to the pool while it is not set by hand.
        if !self.manual_cap && control.target_vus() != control.vus_max() {
            let pool = control.vus_max();
            if !control.set_scheduled(self.seen, pool, pool) {
                return self.refresh();
            }
        }
        self.spawn_up_to(self.control().vus_max());
    }

    fn spawn_up_to(&mut self, n: u64) {
        for idx in self.tasks.len() as u64..n {
            let wake = Arc::new(Notify::new());
            self.wakers.push(wake.clone());
            lock(&self.idle).vus.push(idx);
            self.state.live_vus.fetch_add(1, Ordering::AcqRel);
            let task = arrival_vu(
                self.state.control.next_vu_id(),
                idx,
                self.state.clone(),
                self.idle.clone(),
                wake,
                self.workload.clone(),
            );
            self.tasks.push(self.pool.handle_for(idx).spawn(task));
        }
    }

    fn claim(&self) -> Claim {
        let control = self.control();
        let pool = control.vus_max();
        let mut idle = lock(&self.idle);
        if self.manual_cap && idle.busy >= control.target_vus() {
            return Claim::Capped;
        }
        // VUs past a lowered `vus-max` stay idle until it rises again.
        let Some(pos) = idle.vus.iter().rposition(|&idx| idx < pool) else {
            return Claim::Empty;
        };
        let idx = idle.vus.swap_remove(pos);
        idle.busy += 1;
        Claim::Vu(idx)
    }

    /// Starts one iteration, or counts it in `dropped_iterations`.
    fn arrive(&mut self) {
        let mut claim = self.claim();
        if matches!(claim, Claim::Empty) && self.grow() {
            claim = self.claim();
        }
        match claim {
            Claim::Vu(idx) => self.wakers[idx as usize].notify_one(),
            Claim::Capped | Claim::Empty => self
                .state
                .registry
                .record_dropped_iteration(&self.state.config.name),
        }
    }

    /// Adds one VU to the pool if the ceiling allows. k6 drops the arrival that found no VU and
    /// initialises the new VU in the background; here the new VU initialises on its own task,
    /// so the scheduler does not wait and the arrival that asked for it is not lost.
    fn grow(&mut self) -> bool {
        loop {
            let control = &self.state.scenario;
            let pool = control.vus_max();
            if pool >= self.ceiling {
                return false;
            }
            let target = if self.manual_cap {
                control.target_vus()
            } else {
                pool + 1
            };
            if control.set_scheduled(self.seen, target, pool + 1) {
                self.spawn_up_to(pool + 1);
                return true;
            }
            // A live update landed in between: take it into account first.
            self.refresh();
        }
    }
}

/// When the next iterations start, on the scenario clock: the configured plan, or a live rate.
struct Arrivals {
    plan: ArrivalPlan,
    /// The scenario-clock reading the plan counts from.
    origin: Duration,
    next: Option<Duration>,
    /// The live rate in force (milli-iterations per second), if any.
    manual_milli: Option<u64>,
    /// ramping-arrival-rate under a live rate: the stage boundary where the stages take over.
    manual_until: Option<Duration>,
    seen_updates: u64,
}

impl Arrivals {
    fn new(config: &ScenarioConfig) -> Self {
        let plan = match config.executor {
            ExecutorKind::RampingArrivalRate => {
                ArrivalPlan::ramping(config.start_rate, config.time_unit, &config.stages)
            }
            _ => ArrivalPlan::constant(config.rate, config.time_unit),
        };
        let mut arrivals = Arrivals {
            plan,
            origin: Duration::ZERO,
            next: None,
            manual_milli: None,
            manual_until: None,
            // Rates set before the start (under `--paused`) apply from the start.
            seen_updates: 0,
        };
        arrivals.advance();
        arrivals
    }

    fn advance(&mut self) {
        self.next = self.plan.next_start().map(|at| self.origin + at);
    }

    /// Follows a live rate and, at the boundary where it ends, the stages again.
    fn follow(&mut self, scenario: &ScenarioControl, config: &ScenarioConfig, now: Duration) {
        let updates = scenario.manual_updates().rate;
        if updates != self.seen_updates {
            self.seen_updates = updates;
            // Milli-iterations per second, as a rate per 1000 s: exact for any rate given.
            let milli = scenario.requested_rate_milli();
            self.plan = ArrivalPlan::constant(milli, Duration::from_secs(1000));
            self.origin = now;
            self.plan.next_start(); // the first arrival comes one interval after the update
            self.advance();
            self.manual_milli = Some(milli);
            self.manual_until = match config.executor {
                ExecutorKind::RampingArrivalRate => next_boundary(&config.stages, now),
                _ => None,
            };
            return;
        }
        if let Some(boundary) = self.manual_until.filter(|b| now >= *b) {
            let index = stage_at(&config.stages, boundary);
            let from = index
                .checked_sub(1)
                .map_or(config.start_rate, |i| config.stages[i].target);
            self.plan = ArrivalPlan::ramping(from, config.time_unit, &config.stages[index..]);
            self.origin = boundary;
            self.manual_milli = None;
            self.manual_until = None;
            self.advance();
        }
    }

    /// The rate right now, iterations per second.
    fn rate(&self, config: &ScenarioConfig, now: Duration) -> f64 {
        if let Some(milli) = self.manual_milli {
            return milli as f64 / 1000.0;
        }
        let per_unit = match config.executor {
            ExecutorKind::RampingArrivalRate => {
                ramping_rate_at(config.start_rate, &config.stages, now)
            }
            _ => config.rate as f64,
        };
        per_unit / config.time_unit.as_secs_f64()
    }
}

/// The end of the stage that `now` falls in; None in (or after) the last stage.
fn next_boundary(stages: &[super::config::Stage], now: Duration) -> Option<Duration> {
    let mut end = Duration::ZERO;
    for (i, stage) in stages.iter().enumerate() {
        end += stage.duration;
        if now < end {
            return (i + 1 < stages.len()).then_some(end);
        }
    }
    None
}

/// The index of the stage that starts at or contains `at`.
fn stage_at(stages: &[super::config::Stage], at: Duration) -> usize {
    let mut end = Duration::ZERO;
    for (i, stage) in stages.iter().enumerate() {
        end += stage.duration;
        if at < end {
            return i;
        }
    }
    stages.len()
}

/// The running phase of an arrival-rate scenario: returns when its duration is over (phase
/// `Draining`) or on a stop (phase `HardStop`). The VU tasks it spawned are pushed onto `tasks`.
pub(crate) async fn run_arrivals<W: Workload>(
    pool: &WorkerPool,
    state: &Arc<ScenarioState>,
    workload: &Arc<W>,
    tasks: &mut Vec<JoinHandle<()>>,
    sampler: &mut Sampler,
) {
    let control = &state.control;
    let scenario = &state.scenario;
    let config = &state.config;
    let mut vus = Dispatcher {
        pool,
        state,
        workload,
        tasks,
        idle: Arc::new(Mutex::new(Idle {
            vus: Vec::new(),
            busy: 0,
        })),
        wakers: Vec::new(),
        // Updates made before the start (under `--paused`) apply from the start.
        seen: ManualUpdates::default(),
        ceiling: config.max_pool(),
        manual_cap: false,
    };
    let limit = config.time_limit().unwrap_or(Duration::MAX);
    let mut arrivals = Arrivals::new(config);

    loop {
        let changed = scenario.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if control.is_stopped() {
            sampler.sample();
            state.set_phase(Phase::HardStop);
            return;
        }
        vus.refresh();
        let elapsed = state.elapsed();
        if elapsed >= limit {
            sampler.sample();
            state.set_phase(Phase::Draining);
            return;
        }
        arrivals.follow(scenario, config, elapsed);
        scenario.publish_rate(arrivals.rate(config, elapsed));
        if !state.is_paused() {
            // Timers fire late by up to a millisecond or so: start every iteration that is due,
            // so that the count stays exact at any rate.
            while arrivals.next.is_some_and(|at| at <= elapsed && at < limit) {
                vus.arrive();
                arrivals.advance();
            }
        }
        sampler.tick();
        let mut wake = sampler.until_next();
        if !state.is_paused() {
            wake = wake.min(limit - elapsed);
            for at in [arrivals.next, arrivals.manual_until].into_iter().flatten() {
                wake = wake.min(at.saturating_sub(elapsed));
            }
        }
        tokio::select! {
            _ = &mut changed => {}
            _ = tokio::time::sleep(wake) => {}
        }
    }
}

/// One arrival-rate VU (`__VU` `id`, `idx` in its scenario's pool): idle until the scheduler
/// hands it an iteration, then back to idle.
async fn arrival_vu<W: Workload>(
    id: u64,
    idx: u64,
    state: Arc<ScenarioState>,
    idle: SharedIdle,
    wake: Arc<Notify>,
    workload: Arc<W>,
) {
    let _exit = ExitGuard(&state);
    let mut vu = workload.new_vu(id);
    let mut phase = state.phase.subscribe();
    // Init (a script VU's module load) is not part of any iteration; an iteration handed over
    // meanwhile waits for it (its wake-up is kept) and is timed from when it starts.
    tokio::select! {
        biased;
        _ = phase.wait_for(|p| *p == Phase::HardStop) => return,
        _ = workload.ready(&mut vu) => {}
    }
    let mut activity = Activity::new(&state);
    loop {
        // An iteration handed over just before the end still runs (it started in time).
        tokio::select! {
            biased;
            _ = wake.notified() => {}
            _ = phase.wait_for(|p| *p != Phase::Running) => return,
        }
        activity.set(true);
        let started = Instant::now();
        let took = tokio::select! {
            biased;
            _ = phase.wait_for(|p| *p == Phase::HardStop) => {
                state.count_interrupted();
                return;
            }
            tags = workload.iterate(&mut vu) => {
                let took = started.elapsed();
                state.record_iteration(took, &tags);
                if state.config.no_vu_connection_reuse {
                    workload.close_connections(&mut vu);
                }
                took
            }
        };
        // After the select: its futures borrow `phase`.
        if !super::vu_loop::wait_min_iteration(&state, took, &mut phase).await {
            return;
        }
        activity.set(false);
        let mut guard = lock(&idle);
        guard.vus.push(idx);
        guard.busy -= 1;
    }
}
