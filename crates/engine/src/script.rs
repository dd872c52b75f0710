//! The scripting boundary (wrk's `script.c`): how executors drive VUs whose iterations run as
//! JavaScript in other threads, and how those VUs send requests through the engine.
//!
//! The JS side pulls: each script worker thread asks for the VUs assigned to it
//! ([`ScriptBridge::claim_vu`]), and each VU asks for its next iteration
//! ([`ScriptBridge::next_iteration`]) and reports its end ([`ScriptBridge::iteration_done`]).
//! The executor, on the engine's threads, grants iterations exactly as it runs native ones, so
//! timing, pause and scaling stay in the engine. Nothing here knows about Node.

use crate::exec::Workload;
use crate::groups::GroupTree;
use crate::http::{ClientConfig, ClientPool, Outcome, PreparedRequest, RequestSpec, VuClient};
use crate::metrics::tags::TagSet;
use crate::metrics::Registry;
use crate::output::VuPointTags;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// The once-per-run script functions the engine waits for at its status changes (k6's status 6
/// Setup before the executors, 8 Teardown after them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Idle,
    Setup,
    Teardown,
    /// The run is over: nothing more will be asked.
    Closed,
}

/// How one iteration of a JS VU ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IterationEnd {
    Completed,
    /// The script threw: k6 logs it and goes on with the next iteration.
    Failed,
}

/// How an iteration ended and the VU's user tags then (its `iterations` and
/// `iteration_duration` samples carry them).
type Ended = (IterationEnd, TagSet);

struct Grant {
    done: oneshot::Sender<Ended>,
    /// The iteration's number in its scenario, from 0 (k6's `exec.scenario.iterationInTest`).
    index: u64,
}

/// One JS VU's end of the bridge.
pub struct VuSlot {
    pub id: u64,
    grants: tokio::sync::Mutex<mpsc::Receiver<Grant>>,
    pending: Mutex<Option<oneshot::Sender<Ended>>>,
    /// Set when the executor gave up on the iteration in flight (a stop, the end of
    /// gracefulStop): the VU's further requests fail at once, so its JS ends quickly.
    interrupted: AtomicBool,
    /// Set when JS first asks for an iteration: the VU's init code (module load) has run. The
    /// executor waits for it before timing the VU's first iteration (see [`Workload::ready`]).
    initialised: AtomicBool,
    init_done: tokio::sync::Notify,
    /// One client per request in flight: http.batch and asyncRequest run concurrently.
    clients: ClientPool,
    /// The engine worker the executor runs this VU on (None for the lifecycle VU 0). The VU's
    /// requests and iteration grants are best handled there too: the connection, the executor's
    /// task and the I/O stay on one thread, as on the native fast path.
    runtime: Option<VuRuntime>,
}

/// The engine worker a VU's executor task runs on: its runtime, and the worker thread's id to
/// tell workers apart (runtime handles cannot be compared).
#[derive(Debug, Clone)]
pub struct VuRuntime {
    pub handle: tokio::runtime::Handle,
    pub thread: std::thread::ThreadId,
}

impl VuSlot {
    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::Acquire)
    }

    /// See the field: where to spawn this VU's work; None: any runtime will do.
    pub fn runtime(&self) -> Option<&VuRuntime> {
        self.runtime.as_ref()
    }

    /// Sends one request on one of this VU's keep-alive connections (a free one; several
    /// requests of the VU may be in flight) and lets `read` look at the response (status,
    /// headers, body).
    pub async fn request<R>(
        &self,
        request: &PreparedRequest,
        read: impl FnOnce(&Outcome, &VuClient) -> R,
    ) -> (Outcome, R) {
        self.clients.request(request, read).await
    }

    /// This VU's clients (idle connections, for tests).
    pub fn clients(&self) -> &ClientPool {
        &self.clients
    }

    fn new(id: u64, grants: mpsc::Receiver<Grant>, client: ClientConfig) -> Self {
        VuSlot {
            id,
            grants: tokio::sync::Mutex::new(grants),
            pending: Mutex::new(None),
            interrupted: AtomicBool::new(false),
            initialised: AtomicBool::new(false),
            init_done: tokio::sync::Notify::new(),
            clients: ClientPool::new(client),
            runtime: None,
        }
    }

    fn mark_initialised(&self) {
        if !self.initialised.swap(true, Ordering::AcqRel) {
            self.init_done.notify_waiters();
        }
    }

    async fn initialised(&self) {
        loop {
            let notified = self.init_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.initialised.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }
}

/// A VU a script worker must host: its `__VU` (unique in the test) and the index of its
/// scenario in the run's list (which tells JS the function to run and the `__ENV` to give).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimedVu {
    pub id: u64,
    pub scenario: usize,
}

/// Shared by the executor (through [`ScriptWorkload`]) and every script worker thread.
pub struct ScriptBridge {
    client: ClientConfig,
    registry: Arc<Registry>,
    groups: Arc<GroupTree>,
    slots: Mutex<HashMap<u64, Arc<VuSlot>>>,
    /// The scenarios' names by index (what JS names its VUs' scenario by).
    scenarios: Box<[Box<str>]>,
    /// setup()'s result as JSON text (None: no data). The REST API reads and replaces it; each VU
    /// reads it once, at its first iteration, as k6 does.
    setup_data: Mutex<Option<String>>,
    /// (VU id, scenario index) per script worker, sent when the executor creates the VU;
    /// emptied by `close`.
    assign_tx: Mutex<Vec<mpsc::UnboundedSender<ClaimedVu>>>,
    assign_rx: Vec<tokio::sync::Mutex<mpsc::UnboundedReceiver<ClaimedVu>>>,
    closed: AtomicBool,
    lifecycle: tokio::sync::watch::Sender<Lifecycle>,
    lifecycle_done: tokio::sync::Notify,
    /// The run's control: what k6/execution reports of the instance and the scenarios.
    control: Arc<crate::control::Control>,
}

impl ScriptBridge {
    pub fn new(
        script_workers: usize,
        client: ClientConfig,
        registry: Arc<Registry>,
        groups: Arc<GroupTree>,
        scenarios: Vec<String>,
        control: Arc<crate::control::Control>,
    ) -> Self {
        let (assign_tx, assign_rx): (Vec<_>, Vec<_>) = (0..script_workers.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::unbounded_channel();
                (tx, tokio::sync::Mutex::new(rx))
            })
            .unzip();
        // VU 0 runs setup() and teardown(): it has a connection but never gets iterations.
        let (_, grants) = mpsc::channel(1);
        let lifecycle_vu = Arc::new(VuSlot::new(0, grants, client.clone()));
        ScriptBridge {
            client,
            registry,
            groups,
            slots: Mutex::new(HashMap::from([(0, lifecycle_vu)])),
            scenarios: scenarios.into_iter().map(Into::into).collect(),
            setup_data: Mutex::new(None),
            assign_tx: Mutex::new(assign_tx),
            assign_rx,
            closed: AtomicBool::new(false),
            lifecycle: tokio::sync::watch::channel(Lifecycle::Idle).0,
            lifecycle_done: tokio::sync::Notify::new(),
            control,
        }
    }

    pub fn control(&self) -> &Arc<crate::control::Control> {
        &self.control
    }

    /// The JS side's loop: resolves with the next lifecycle step to run (Closed at the end).
    pub async fn next_lifecycle(&self) -> Lifecycle {
        let mut rx = self.lifecycle.subscribe();
        let step = rx
            .wait_for(|s| *s != Lifecycle::Idle)
            .await
            .map(|s| *s)
            .unwrap_or(Lifecycle::Closed);
        step
    }

    /// The JS side finished the step it was given. Only a step the engine still waits for ends
    /// here: one it gave up on (already Idle again, say a setup() stopped by its timeout) leaves
    /// no stale wake-up that would end the next step early, and Closed is never overwritten
    /// (JS would then wait for a step forever).
    pub fn lifecycle_done(&self) {
        let finished = self.lifecycle.send_if_modified(|step| {
            let waited_for = matches!(*step, Lifecycle::Setup | Lifecycle::Teardown);
            if waited_for {
                *step = Lifecycle::Idle;
            }
            waited_for
        });
        if finished {
            self.lifecycle_done.notify_one();
        }
    }

    /// The engine's side: asks for `step` and waits until JS reports it done (or `give_up`).
    pub async fn run_lifecycle(
        &self,
        step: Lifecycle,
        give_up: impl std::future::Future<Output = ()>,
    ) {
        self.lifecycle.send_replace(step);
        tokio::select! {
            _ = self.lifecycle_done.notified() => {}
            _ = give_up => { self.lifecycle.send_replace(Lifecycle::Idle); }
        }
    }

    pub fn workers(&self) -> usize {
        self.assign_rx.len()
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub fn setup_data(&self) -> Option<String> {
        self.setup_data
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_setup_data(&self, json: Option<String>) {
        *self.setup_data.lock().unwrap_or_else(|e| e.into_inner()) = json;
    }

    /// The name of the scenario at `index` (None for VU 0 and unknown indexes).
    pub fn scenario_name(&self, index: Option<u32>) -> Option<&str> {
        index
            .and_then(|i| self.scenarios.get(i as usize))
            .map(|s| &**s)
    }

    /// k6's `check()`: the `checks` rate and the check's counters on its group (spec §6).
    /// `scenario`: the index of the VU's scenario; `user`: the VU's and the check's tags.
    pub fn record_check(
        &self,
        group_path: &str,
        name: &str,
        passed: bool,
        scenario: Option<u32>,
        user: &TagSet,
    ) -> Result<(), String> {
        self.groups.check(group_path, name)?.record(passed);
        self.registry.record_check(
            passed,
            &VuPointTags {
                group: Some(group_path),
                check: Some(name),
                scenario: self.scenario_name(scenario),
                user,
            },
        );
        Ok(())
    }

    /// A finished `group()`: it appears in the tree and feeds `group_duration`.
    pub fn record_group(
        &self,
        path: &str,
        took_ms: f64,
        scenario: Option<u32>,
        user: &TagSet,
    ) -> Result<(), String> {
        self.groups.ensure(path)?;
        self.registry.record_group_duration(
            took_ms,
            &VuPointTags {
                group: Some(path),
                check: None,
                scenario: self.scenario_name(scenario),
                user,
            },
        );
        Ok(())
    }

    /// Puts a group in the tree without timing it: k6 makes `::setup` and `::teardown` when those
    /// functions run (js/runner.go, runPart), and only group() calls feed `group_duration`.
    pub fn ensure_group(&self, path: &str) -> Result<(), String> {
        self.groups.ensure(path).map(|_| ())
    }

    /// The next VU this script worker must host; None once the run is over.
    pub async fn claim_vu(&self, worker: usize) -> Option<ClaimedVu> {
        let rx = self.assign_rx.get(worker)?;
        rx.lock().await.recv().await
    }

    pub fn slot(&self, vu: u64) -> Option<Arc<VuSlot>> {
        self.lock_slots().get(&vu).cloned()
    }

    /// Waits for the executor to grant this VU an iteration; false: the VU is done for good.
    /// Some(the iteration's number in its scenario), or None: the VU is done for good.
    pub async fn next_iteration(&self, vu: u64) -> Option<u64> {
        let slot = self.slot(vu)?;
        // The first ask comes once the VU's init code has run.
        slot.mark_initialised();
        let grant = slot.grants.lock().await.recv().await;
        match grant {
            Some(g) => {
                slot.interrupted.store(false, Ordering::Release);
                *slot.pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(g.done);
                Some(g.index)
            }
            None => {
                self.lock_slots().remove(&vu);
                None
            }
        }
    }

    /// The VU's iteration ended; `tags`: the VU's user tags at its end.
    pub fn iteration_done(&self, vu: u64, end: IterationEnd, tags: TagSet) {
        if let Some(slot) = self.slot(vu) {
            if let Some(done) = slot
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
            {
                let _ = done.send((end, tags));
            }
        }
    }

    /// Ends every claim: called when the run is over so that script workers exit.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.lifecycle.send_replace(Lifecycle::Closed);
        self.assign_tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// A request for a script VU: rendered per call (scripts build their requests dynamically).
    pub fn prepare(spec: &RequestSpec) -> Result<PreparedRequest, String> {
        PreparedRequest::new(spec).map_err(|e| e.to_string())
    }

    fn lock_slots(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<VuSlot>>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The executor's side: an iteration is a grant to the JS VU and a wait for its end. One per
/// scenario whose iterations run in JS.
pub struct ScriptWorkload {
    bridge: Arc<ScriptBridge>,
    /// The scenario's index in the run's list.
    scenario: usize,
    /// Iterations granted so far: the next one's number in the scenario.
    granted: std::sync::atomic::AtomicU64,
}

impl ScriptWorkload {
    pub fn new(bridge: Arc<ScriptBridge>, scenario: usize) -> Self {
        ScriptWorkload {
            bridge,
            scenario,
            granted: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

pub struct ScriptVu {
    grants: mpsc::Sender<Grant>,
    slot: Arc<VuSlot>,
}

impl Drop for ScriptVu {
    fn drop(&mut self) {
        // The VU task ended (schedule over, stop): whatever iteration JS still runs is interrupted.
        self.slot.interrupted.store(true, Ordering::Release);
    }
}

impl Workload for ScriptWorkload {
    type Vu = ScriptVu;

    /// `id` is the VU's `__VU`: from 1, unique across scenarios (0 is the lifecycle VU of
    /// setup() and teardown()).
    fn new_vu(&self, id: u64) -> ScriptVu {
        let (tx, rx) = mpsc::channel(1);
        let mut slot = VuSlot::new(id, rx, self.bridge.client.clone());
        // new_vu runs in the VU's task, on the engine worker that hosts it.
        slot.runtime = tokio::runtime::Handle::try_current()
            .ok()
            .map(|handle| VuRuntime {
                handle,
                thread: std::thread::current().id(),
            });
        let slot = Arc::new(slot);
        self.bridge.lock_slots().insert(id, slot.clone());
        let worker = (id as usize) % self.bridge.workers();
        if let Some(tx) = self
            .bridge
            .assign_tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(worker)
        {
            let _ = tx.send(ClaimedVu {
                id,
                scenario: self.scenario,
            });
        }
        ScriptVu { grants: tx, slot }
    }

    /// k6 runs a VU's init code before its first iteration is timed: wait for the JS VU to
    /// load its modules and ask for work.
    async fn ready(&self, vu: &mut ScriptVu) {
        vu.slot.initialised().await;
    }

    fn close_connections(&self, vu: &mut ScriptVu) {
        vu.slot.clients().close_idle();
    }

    async fn iterate(&self, vu: &mut ScriptVu) -> TagSet {
        let (done, ended) = oneshot::channel();
        let index = self.granted.fetch_add(1, Ordering::Relaxed);
        if vu.grants.send(Grant { done, index }).await.is_err() {
            return TagSet::default();
        }
        // Dropped when the executor interrupts the iteration: mark it so that JS stops soon.
        let mut guard = InterruptOnDrop {
            slot: &vu.slot,
            armed: true,
        };
        let tags = ended.await.map(|(_, tags)| tags).unwrap_or_default();
        guard.armed = false;
        tags
    }
}

struct InterruptOnDrop<'a> {
    slot: &'a VuSlot,
    armed: bool,
}

impl Drop for InterruptOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.slot.interrupted.store(true, Ordering::Release);
        }
    }
}
