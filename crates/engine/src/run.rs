//! A whole test run: start (possibly paused), the scenarios in parallel, the end. This is what
//! the addon's `Engine` class drives.

use crate::control::{Control, RunStatus, ScenarioControl};
use crate::exec::{run_scenario, ScenarioConfig, ScenarioOutcome, WorkerPool};
use crate::fast_path::RequestWorkload;
use crate::groups::GroupTree;
use crate::http::{ClientConfig, PreparedRequest, RequestSpec};
use crate::metrics::Registry;
use crate::script::{Lifecycle, ScriptBridge, ScriptWorkload};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::Poll;
use std::time::Duration;

/// What an iteration of a scenario does.
pub enum Work {
    /// The native fast path: these requests, in order, each iteration; no JS.
    Requests(Vec<RequestSpec>),
    /// A JS function run by VUs hosted in the script worker threads (see [`crate::script`]).
    Script,
}

/// One scenario of the test: when and how its executor starts iterations, and what they do.
pub struct Scenario {
    pub config: ScenarioConfig,
    pub work: Work,
    /// The user tags of a native scenario's samples (`options.tags` and its own `tags`); JS VUs
    /// send theirs with each sample.
    pub tags: crate::metrics::tags::TagSet,
}

/// The engine's worker threads when the config does not say: one per core, as native scenarios
/// need. When every scenario runs JS, the engine's workers only do the VUs' I/O and grant their
/// iterations while the script workers (one per core but one) run the scripts: one engine worker
/// per two script workers keeps each thread busy enough not to sleep and wake at nearly every
/// event (`bench/run-script-path.sh`, 2 script workers on 2 cores: about a quarter less CPU per
/// request with 1 engine worker than with 2, and fewer context switches).
fn default_workers(config: &EngineConfig) -> usize {
    let all_script = config
        .scenarios
        .iter()
        .all(|s| matches!(s.work, Work::Script));
    if all_script {
        config
            .script_workers
            .max(1)
            .div_ceil(2)
            .min(WorkerPool::default_size())
    } else {
        WorkerPool::default_size()
    }
}

/// k6's default `teardownTimeout`.
const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(60);

pub struct EngineConfig {
    /// Every scenario, in the script's order (at least one). They run in parallel, each from its
    /// `start_time`, with its own executor and VU pool; the run ends when all have ended.
    pub scenarios: Vec<Scenario>,
    /// Script worker threads hosting the JS VUs of [`Work::Script`] scenarios (at least one is
    /// used when there are such scenarios; ignored otherwise).
    pub script_workers: usize,
    pub insecure_skip_tls_verify: bool,
    /// `--paused`: wait at status 4 until resumed (how k6-operator starts runners).
    pub start_paused: bool,
    /// Engine worker threads; None = one per core.
    pub workers: Option<usize>,
    /// The run's threshold keys: those with a tag selector (`metric{tag:value}`) get a
    /// sub-metric (spec §5.3).
    pub threshold_keys: Vec<String>,
    /// k6's `hosts`: names the VUs reach without DNS.
    pub hosts: crate::http::Hosts,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub status: RunStatus,
    pub interrupted_iterations: u64,
    /// Set when the engine itself failed (a panic caught at the run thread or a VU task).
    pub error: Option<String>,
}

/// What `Engine::new` prepared for each scenario: its rendered requests, or JS (through the
/// engine's bridge, which exists from the start so that script workers can attach before the
/// run begins).
enum Prepared {
    Requests(Vec<PreparedRequest>),
    Script,
}

enum RunState {
    Created(Box<EngineConfig>, Vec<Prepared>),
    Running,
    Finished(RunResult),
}

pub struct Engine {
    control: Arc<Control>,
    registry: Arc<Registry>,
    groups: Arc<GroupTree>,
    script: Option<Arc<ScriptBridge>>,
    state: Mutex<RunState>,
    finished: Condvar,
    /// Outputs (`--out`): the writer while the run goes on, then its stats.
    output: Mutex<OutputState>,
}

enum OutputState {
    Off,
    Writing(crate::output::WriterHandle),
    Closed(crate::output::OutputStats),
}

impl Drop for Engine {
    /// An engine dropped without running still ends its output writer thread.
    fn drop(&mut self) {
        let output = self.output.get_mut().unwrap_or_else(|e| e.into_inner());
        if let OutputState::Writing(writer) = std::mem::replace(output, OutputState::Off) {
            writer.close();
        }
    }
}

impl Engine {
    /// Validates the configuration and renders the requests; nothing starts yet.
    pub fn new(config: EngineConfig) -> Result<Arc<Engine>, String> {
        if config.scenarios.is_empty() {
            return Err("a test needs at least one scenario".into());
        }
        for (i, scenario) in config.scenarios.iter().enumerate() {
            scenario.config.validate()?;
            let name = &scenario.config.name;
            if config.scenarios[..i].iter().any(|s| &s.config.name == name) {
                return Err(format!("two scenarios are named {name}"));
            }
        }
        let registry = Arc::new(Registry::with_submetrics(&config.threshold_keys)?);
        let groups = Arc::new(GroupTree::new());
        let client =
            ClientConfig::with_hosts(config.insecure_skip_tls_verify, config.hosts.clone());
        let prepared = config
            .scenarios
            .iter()
            .map(|scenario| match &scenario.work {
                Work::Requests(specs) => prepare_requests(&scenario.config.name, specs),
                Work::Script => Ok(Prepared::Script),
            })
            .collect::<Result<Vec<_>, String>>()?;
        let scenarios = config
            .scenarios
            .iter()
            .map(|s| Arc::new(ScenarioControl::new(s.config.control_plan())))
            .collect();
        let control = Arc::new(Control::new(scenarios, config.start_paused));
        let script = prepared
            .iter()
            .any(|p| matches!(p, Prepared::Script))
            .then(|| {
                Arc::new(ScriptBridge::new(
                    config.script_workers.max(1),
                    client,
                    registry.clone(),
                    groups.clone(),
                    config
                        .scenarios
                        .iter()
                        .map(|s| s.config.name.clone())
                        .collect(),
                    control.clone(),
                ))
            });
        Ok(Arc::new(Engine {
            control,
            registry,
            groups,
            script,
            state: Mutex::new(RunState::Created(Box::new(config), prepared)),
            finished: Condvar::new(),
            output: Mutex::new(OutputState::Off),
        }))
    }

    pub fn control(&self) -> &Arc<Control> {
        &self.control
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub fn groups(&self) -> &Arc<GroupTree> {
        &self.groups
    }

    /// The bridge script workers use; None on the native fast path.
    pub fn script_bridge(&self) -> Option<&Arc<ScriptBridge>> {
        self.script.as_ref()
    }

    /// Streams the run's samples to files (see [`crate::output`]); before `start` only. The files
    /// are created here, so a bad path fails before anything runs. They are complete once the
    /// run is over (`wait` returns).
    pub fn enable_outputs(&self, config: crate::output::OutputConfig) -> Result<(), String> {
        let state = self.lock_state();
        let RunState::Created(engine_config, _) = &*state else {
            return Err("outputs must be enabled before the run starts".into());
        };
        let mut output = self.output.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(*output, OutputState::Off) {
            return Err("outputs are already enabled for this run".into());
        }
        let control = self.control.clone();
        let vus: crate::output::VusSampler = Box::new(move || {
            control
                .status()
                .is_running()
                .then(|| (control.snapshot().vus, control.vus_max()))
        });
        // Samples that do not name their scenario get the first one's name.
        let first = &engine_config.scenarios[0].config.name;
        let (stream, writer) = crate::output::open(&config, first, Some(vus))?;
        self.registry.output.install(stream)?;
        *output = OutputState::Writing(writer.start()?);
        Ok(())
    }

    /// What the outputs wrote and dropped; None before the run is over or without outputs.
    pub fn output_stats(&self) -> Option<crate::output::OutputStats> {
        match &*self.output.lock().unwrap_or_else(|e| e.into_inner()) {
            OutputState::Closed(stats) => Some(stats.clone()),
            _ => None,
        }
    }

    /// Starts the run on its own thread. A second call is an error.
    pub fn start(self: &Arc<Self>) -> Result<(), String> {
        let mut state = self.lock_state();
        let (config, prepared) = match std::mem::replace(&mut *state, RunState::Running) {
            RunState::Created(config, prepared) => (config, prepared),
            other => {
                *state = other;
                return Err("the engine was already started".into());
            }
        };
        drop(state);
        let engine = self.clone();
        std::thread::Builder::new()
            .name("volley-run".into())
            .spawn(move || {
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    engine.run_blocking(*config, prepared)
                }))
                .unwrap_or_else(|payload| RunResult {
                    status: RunStatus::Interrupted,
                    interrupted_iterations: 0,
                    error: Some(crate::exec::panic_message(payload)),
                });
                engine.finish(result);
            })
            .map_err(|e| format!("cannot start the run thread: {e}"))?;
        Ok(())
    }

    /// Blocks until the run is over; None when `timeout` passes first.
    pub fn wait(&self, timeout: Option<Duration>) -> Option<RunResult> {
        let mut state = self.lock_state();
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        loop {
            if let RunState::Finished(result) = &*state {
                return Some(result.clone());
            }
            state = match deadline {
                None => self.finished.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    self.finished
                        .wait_timeout(state, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, RunState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn finish(&self, mut result: RunResult) {
        self.control.clock.finish();
        if let Some(bridge) = &self.script {
            // Whatever path ended the run, script workers waiting for work must hear it.
            bridge.close();
        }
        if self.control.is_stopped() && result.status == RunStatus::Ended {
            result.status = RunStatus::Interrupted;
        }
        self.control.set_status(result.status);
        // Outputs are complete before anyone hears that the run is over.
        self.registry.output.disable();
        let mut output = self.output.lock().unwrap_or_else(|e| e.into_inner());
        if let OutputState::Writing(writer) = std::mem::replace(&mut *output, OutputState::Off) {
            *output = OutputState::Closed(writer.close());
        }
        drop(output);
        *self.lock_state() = RunState::Finished(result);
        self.finished.notify_all();
    }

    fn run_blocking(&self, config: EngineConfig, prepared: Vec<Prepared>) -> RunResult {
        let control = &self.control;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime builds");
        control.set_status(RunStatus::InitVUs);
        let workers = config.workers.unwrap_or_else(|| default_workers(&config));
        let pool = match WorkerPool::new(workers) {
            Ok(pool) => pool,
            Err(e) => {
                return RunResult {
                    status: RunStatus::Interrupted,
                    interrupted_iterations: 0,
                    error: Some(format!("cannot start the engine's worker threads: {e}")),
                }
            }
        };
        control.set_status(RunStatus::InitExecutors);
        control.set_status(RunStatus::InitDone);
        if control.is_paused() {
            control.set_status(RunStatus::PausedBeforeRun);
            runtime.block_on(async {
                loop {
                    let changed = control.changed.notified();
                    tokio::pin!(changed);
                    changed.as_mut().enable();
                    if !control.is_paused() || control.is_stopped() {
                        break;
                    }
                    changed.await;
                }
            });
        }
        if control.is_stopped() {
            return RunResult {
                status: RunStatus::Interrupted,
                interrupted_iterations: 0,
                error: None,
            };
        }
        control.set_status(RunStatus::Started);
        control.clock.start();
        if let Some(bridge) = &self.script {
            // setup() before the executors, teardown() after them, each in JS (spec §4.2).
            control.set_status(RunStatus::Setup);
            let stopped = async {
                while !control.is_stopped() {
                    let changed = control.changed.notified();
                    tokio::pin!(changed);
                    changed.as_mut().enable();
                    if control.is_stopped() {
                        break;
                    }
                    changed.await;
                }
            };
            runtime.block_on(bridge.run_lifecycle(Lifecycle::Setup, stopped));
        }
        control.set_status(RunStatus::Running);
        control.start_executors();
        let client =
            ClientConfig::with_hosts(config.insecure_skip_tls_verify, config.hosts.clone());
        let mut runs: Vec<Pin<Box<dyn Future<Output = ScenarioOutcome> + '_>>> = Vec::new();
        for (index, (scenario, work)) in config.scenarios.into_iter().zip(prepared).enumerate() {
            let scenario_control = control.scenarios()[index].clone();
            runs.push(match (work, &self.script) {
                (Prepared::Requests(requests), _) => {
                    let workload = RequestWorkload::new(
                        requests,
                        client.clone(),
                        self.registry.clone(),
                        &scenario.config.name,
                        scenario.tags,
                    );
                    Box::pin(run_scenario(
                        &pool,
                        control.clone(),
                        scenario_control,
                        self.registry.clone(),
                        scenario.config,
                        Arc::new(workload),
                    ))
                }
                (Prepared::Script, Some(bridge)) => Box::pin(run_scenario(
                    &pool,
                    control.clone(),
                    scenario_control,
                    self.registry.clone(),
                    scenario.config,
                    Arc::new(ScriptWorkload::new(bridge.clone(), index)),
                )),
                (Prepared::Script, None) => unreachable!("a script scenario has the bridge"),
            });
        }
        let outcomes = runtime.block_on(join_all(runs));
        if let Some(bridge) = &self.script {
            control.set_status(RunStatus::Teardown);
            // The timer needs the runtime's context, so it is made inside block_on.
            runtime.block_on(async {
                let timeout = tokio::time::sleep(TEARDOWN_TIMEOUT);
                bridge.run_lifecycle(Lifecycle::Teardown, timeout).await;
            });
            bridge.close();
        }
        RunResult {
            status: RunStatus::Ended,
            interrupted_iterations: outcomes.iter().map(|o| o.interrupted_iterations).sum(),
            error: outcomes.into_iter().find_map(|o| o.vu_panic),
        }
    }
}

fn prepare_requests(scenario: &str, specs: &[RequestSpec]) -> Result<Prepared, String> {
    if specs.is_empty() {
        return Err(format!(
            "scenario {scenario}: a request list needs at least one request"
        ));
    }
    specs
        .iter()
        .map(|spec| PreparedRequest::new(spec).map_err(|e| format!("{}: {e}", spec.url)))
        .collect::<Result<Vec<_>, _>>()
        .map(Prepared::Requests)
}

/// Drives every future to its end on the calling task and returns their outputs in order: the
/// scenarios' schedulers run side by side on the run thread (their VUs run on the pool).
async fn join_all<'a, T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + 'a>>>) -> Vec<T> {
    let mut outputs: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *output = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
