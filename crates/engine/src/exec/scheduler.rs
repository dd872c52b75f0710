use super::arrival_rate::run_arrivals;
use super::config::{ExecutorKind, ScenarioConfig};
use super::ramping_vus::RampingVusSchedule;
use super::vu_loop::vu_loop;
use super::workers::WorkerPool;
use super::workload::Workload;
use crate::control::{Control, ScenarioControl, ScenarioStatus};
use crate::metrics::Registry;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Where a scenario is in its life. VUs only start iterations while `Running`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Running,
    /// The schedule is over: no new iterations; in-flight ones get `gracefulStop` to finish.
    Draining,
    /// Interrupt whatever is in flight (a stop, or the end of `gracefulStop`).
    HardStop,
}

pub(crate) struct ScenarioState {
    /// The run's flags and clock.
    pub control: Arc<Control>,
    /// This scenario's target, pool and counters.
    pub scenario: Arc<ScenarioControl>,
    pub registry: Arc<Registry>,
    pub config: ScenarioConfig,
    pub phase: watch::Sender<Phase>,
    /// shared-iterations: iterations not yet claimed.
    pub remaining: AtomicI64,
    pub interrupted: AtomicU64,
    pub live_vus: AtomicU64,
    /// Closed-model VUs spawned whose init (`Workload::ready`) has not finished: k6 starts a
    /// scenario's VUs together once all are initialised, so none takes the first iterations
    /// (a shared-iterations pool) while the others still load.
    pub unready: AtomicU64,
    pub all_ready: Notify,
    pub vu_exited: Notify,
}

impl ScenarioState {
    pub fn set_phase(&self, phase: Phase) {
        self.phase.send_replace(phase);
        self.scenario.changed.notify_waiters();
    }

    /// The scenario's clock: un-paused time since its `startTime`.
    pub fn elapsed(&self) -> Duration {
        self.scenario.elapsed(self.control.clock.elapsed())
    }

    /// Paused with the whole run or on its own: no new iterations or arrivals.
    pub fn is_paused(&self) -> bool {
        self.control.is_paused() || self.scenario.is_paused()
    }

    /// An iteration the executor cut short: counted here and in the run's total.
    pub fn count_interrupted(&self) {
        self.interrupted.fetch_add(1, Ordering::Relaxed);
        self.control.iteration_interrupted();
    }

    pub fn record_iteration(&self, took: Duration, tags: &crate::metrics::tags::TagSet) {
        self.registry
            .record_iteration(took, Some(&self.config.name), tags);
        self.scenario.iterations.add_u64(1);
    }
}

#[derive(Debug, Clone, Default)]
pub struct ScenarioOutcome {
    pub interrupted_iterations: u64,
    /// The message of the first VU task that panicked, if any (the run goes on without it).
    pub vu_panic: Option<String>,
}

/// The `vus` / `vus_max` gauges, sampled once a second as k6 does (spec §4.5).
pub(crate) struct Sampler {
    control: Arc<Control>,
    registry: Arc<Registry>,
    next: Instant,
}

impl Sampler {
    pub fn sample(&self) {
        self.registry.vus.set(self.control.snapshot().vus as f64);
        self.registry.vus_max.set(self.control.vus_max() as f64);
    }

    /// Samples if a second has passed since the last one.
    pub fn tick(&mut self) {
        if Instant::now() >= self.next {
            self.sample();
            self.next += Duration::from_secs(1);
        }
    }

    pub fn until_next(&self) -> Duration {
        self.next.saturating_duration_since(Instant::now())
    }
}

/// Waits until the run's un-paused clock reaches `start_time` (k6's `startTime`: a pause, of
/// the run or of this scenario, delays the start by as long). False: the run was stopped first.
async fn wait_for_start(
    control: &Control,
    scenario: &ScenarioControl,
    start_time: Duration,
) -> bool {
    loop {
        let changed = scenario.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if control.is_stopped() {
            return false;
        }
        let elapsed = scenario.clock(control.clock.elapsed());
        if elapsed >= start_time {
            return true;
        }
        if control.is_paused() || scenario.is_paused() {
            changed.await;
        } else {
            tokio::select! {
                _ = &mut changed => {}
                _ = tokio::time::sleep(start_time - elapsed) => {}
            }
        }
    }
}

/// Runs one scenario to its end on the worker pool, from its `startTime`. Await it on any
/// runtime: it only sleeps and waits for notifications, the VUs run on the pool's threads.
pub async fn run_scenario<W: Workload>(
    pool: &WorkerPool,
    control: Arc<Control>,
    scenario: Arc<ScenarioControl>,
    registry: Arc<Registry>,
    config: ScenarioConfig,
    workload: Arc<W>,
) -> ScenarioOutcome {
    if !wait_for_start(&control, &scenario, config.start_time).await {
        scenario.set_status(ScenarioStatus::Done, control.clock.elapsed());
        return ScenarioOutcome::default();
    }
    scenario.set_status(ScenarioStatus::Running, control.clock.elapsed());
    let outcome = run_executor(
        pool,
        control.clone(),
        scenario.clone(),
        registry,
        config,
        workload,
    )
    .await;
    scenario.set_status(ScenarioStatus::Done, control.clock.elapsed());
    outcome
}

async fn run_executor<W: Workload>(
    pool: &WorkerPool,
    control: Arc<Control>,
    scenario: Arc<ScenarioControl>,
    registry: Arc<Registry>,
    config: ScenarioConfig,
    workload: Arc<W>,
) -> ScenarioOutcome {
    let (phase, _) = watch::channel(Phase::Running);
    let graceful_stop = config.graceful_stop;
    let arrival_rate = config.executor.is_arrival_rate();
    let state = Arc::new(ScenarioState {
        remaining: AtomicI64::new(match config.executor {
            ExecutorKind::SharedIterations => config.iterations as i64,
            _ => 0,
        }),
        control: control.clone(),
        scenario: scenario.clone(),
        registry: registry.clone(),
        config,
        phase,
        interrupted: AtomicU64::new(0),
        live_vus: AtomicU64::new(0),
        unready: AtomicU64::new(0),
        all_ready: Notify::new(),
        vu_exited: Notify::new(),
    });
    let mut tasks: Vec<JoinHandle<()>> = Vec::new();
    // The first sample waits for the VUs to start so that `vus` min is not a start-up artefact.
    let mut sampler = Sampler {
        control: control.clone(),
        registry: registry.clone(),
        next: Instant::now() + Duration::from_secs(1),
    };
    if arrival_rate {
        run_arrivals(pool, &state, &workload, &mut tasks, &mut sampler).await;
    } else {
        run_vus(pool, &state, &workload, &mut tasks, &mut sampler).await;
    }
    if *state.phase.borrow() == Phase::Draining {
        let deadline = Instant::now() + graceful_stop;
        while state.live_vus.load(Ordering::Acquire) > 0 {
            let changed = scenario.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if control.is_stopped() || Instant::now() >= deadline {
                break;
            }
            sampler.tick();
            let wake = sampler.next.min(deadline);
            tokio::select! {
                _ = &mut changed => {}
                _ = state.vu_exited.notified() => {}
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
        state.set_phase(Phase::HardStop);
    }

    let mut outcome = ScenarioOutcome::default();
    for task in tasks {
        if let Err(err) = task.await {
            if outcome.vu_panic.is_none() && err.is_panic() {
                outcome.vu_panic = Some(panic_message(err.into_panic()));
            }
        }
    }
    outcome.interrupted_iterations = state.interrupted.load(Ordering::Relaxed);
    outcome
}

/// The running phase of the closed-model executors (every VU runs iterations back to back
/// while its index is below the active target): returns when the schedule is over (phase
/// `Draining`), on a stop (`HardStop`), or when every VU is done (iteration executors).
async fn run_vus<W: Workload>(
    pool: &WorkerPool,
    state: &Arc<ScenarioState>,
    workload: &Arc<W>,
    tasks: &mut Vec<JoinHandle<()>>,
    sampler: &mut Sampler,
) {
    let control = &state.control;
    let scenario = &state.scenario;
    let registry = &state.registry;
    let limit = state.config.time_limit();
    let mut ramp = (state.config.executor == ExecutorKind::RampingVus)
        .then(|| RampingVusSchedule::new(&state.config));
    let spawn_up_to = |tasks: &mut Vec<JoinHandle<()>>, n: u64| {
        // Counted before any of them runs, so that the first ready VU waits for the rest.
        state
            .unready
            .fetch_add(n.saturating_sub(tasks.len() as u64), Ordering::AcqRel);
        for idx in tasks.len() as u64..n {
            state.live_vus.fetch_add(1, Ordering::AcqRel);
            // Ids are taken here, in index order, so that one scenario's VUs are 1..N.
            let task = vu_loop(idx, control.next_vu_id(), state.clone(), workload.clone());
            tasks.push(pool.handle_for(idx).spawn(task));
        }
    };

    if let Some(ramp) = &mut ramp {
        ramp.apply(scenario, state.elapsed());
    }
    spawn_up_to(tasks, scenario.vus_max());
    loop {
        let changed = scenario.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if control.is_stopped() {
            sampler.sample();
            state.set_phase(Phase::HardStop);
            return;
        }
        // The pool follows vus-max on every executor (live control beyond k6: spec README item 1).
        spawn_up_to(tasks, scenario.vus_max());
        if state.live_vus.load(Ordering::Acquire) == 0 {
            if !registry.vus.has_value() {
                // Over before the first sample: report the VUs it ran with.
                registry.vus.set(control.peak_vus() as f64);
                registry.vus_max.set(control.vus_max() as f64);
            }
            return;
        }
        sampler.tick();
        let mut wake = sampler.until_next();
        if let Some(limit) = limit {
            let elapsed = state.elapsed();
            if elapsed >= limit {
                sampler.sample();
                state.set_phase(Phase::Draining);
                return;
            }
            if !state.is_paused() {
                wake = wake.min(limit - elapsed);
            }
        }
        if let Some(ramp) = &mut ramp {
            let elapsed = state.elapsed();
            let next = ramp.apply(scenario, elapsed);
            if let (Some(next), false) = (next, state.is_paused()) {
                wake = wake.min(next.saturating_sub(elapsed));
            }
        }
        tokio::select! {
            _ = &mut changed => {}
            _ = state.vu_exited.notified() => {}
            _ = tokio::time::sleep(wake) => {}
        }
    }
}

pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}
