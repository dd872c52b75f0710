//! The script workers' side of the engine: VUs claim work, wait for iterations and send
//! requests through the engine. Each worker thread attaches to the run by its handle.

use crate::convert::tag_set;
use crate::inbox::{Event, Events, Inbox, Posting, Reply, WakeFn};
use crate::HeaderPair;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use volley_engine::http::{Outcome, PreparedRequest, RequestSpec, VuClient};
use volley_engine::metrics::tags::TagSet;
use volley_engine::metrics::ExpectedStatuses;
use volley_engine::output::VuPointTags;
use volley_engine::script::{IterationEnd, ScriptBridge, VuRuntime, VuSlot};

/// Runs by handle, so that worker threads (other JS realms) reach the engine the main thread made.
static RUNS: LazyLock<Mutex<HashMap<u32, Arc<ScriptBridge>>>> = LazyLock::new(Default::default);
static NEXT_HANDLE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

pub fn register(bridge: Arc<ScriptBridge>) -> u32 {
    let handle = NEXT_HANDLE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    RUNS.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(handle, bridge);
    handle
}

pub fn unregister(handle: u32) {
    RUNS.lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&handle);
}

/// A request from a script VU (k6's http.request arguments, already normalised in JS).
#[napi(object)]
pub struct ScriptRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<HeaderPair>,
    pub body: Option<Buffer>,
    pub timeout_ms: f64,
    /// k6's responseType: "text" (default), "binary" or "none".
    pub response_type: Option<String>,
    /// The VU's group path (`::a::b`, "" for the root) and scenario: the `group` and `scenario`
    /// tags of the request's samples in outputs.
    pub group: Option<String>,
    pub scenario: Option<String>,
    /// The user tags of its samples: the VU's tags under `params.tags` (a `name` tag names it).
    pub tags: Option<Vec<HeaderPair>>,
    /// The response callback (k6's `expectedStatuses`): `none` for no callback, else statuses
    /// and inclusive ranges like `200-399,418`; absent: k6's default, 200-399.
    pub expected_statuses: Option<String>,
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// The response's headers as k6 shows them: names as received, the values of a repeated name
/// (compared ignoring case) joined with ", " under its first spelling. Set-Cookie lines stay
/// apart: a cookie's Expires holds a comma, and JS reads each line (`res.cookies`, the jar).
fn merged_headers(r: &volley_engine::http::Response) -> Vec<(&str, Cow<'_, str>)> {
    let mut headers: Vec<(&str, Cow<'_, str>)> = Vec::new();
    for (name, value) in r.headers() {
        let value = String::from_utf8_lossy(value);
        if name.eq_ignore_ascii_case("set-cookie") {
            headers.push((name, value));
            continue;
        }
        match headers.iter_mut().find(|h| h.0.eq_ignore_ascii_case(name)) {
            Some(h) => {
                let joined = h.1.to_mut();
                joined.push_str(", ");
                joined.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    headers
}

/// k6's `res.timings` (ms): blocked, connecting, tls_handshaking, sending, waiting, receiving,
/// duration.
fn timings_ms(outcome: &Outcome) -> [f64; 7] {
    let t = &outcome.timings;
    [
        ms(t.blocked),
        ms(t.connecting),
        ms(t.tls_handshaking),
        ms(t.sending),
        ms(t.waiting),
        ms(t.receiving),
        ms(t.sending + t.waiting + t.receiving),
    ]
}

fn error_message(outcome: &Outcome) -> String {
    outcome
        .error
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

/// A response as `drain()` hands it to JS: the headers joined in one string.
fn to_reply(
    outcome: &Outcome,
    client: &VuClient,
    keep_body: bool,
    token: u32,
    text: bool,
) -> Reply {
    let mut reply = Reply {
        token,
        text,
        status: u32::from(outcome.status),
        status_text: String::new(),
        proto: "",
        headers: String::new(),
        body: None,
        timings: timings_ms(outcome),
        error: error_message(outcome),
        error_code: outcome.error_code(),
    };
    if outcome.error.is_none() {
        let r = client.response();
        for (i, (name, value)) in merged_headers(r).iter().enumerate() {
            if i > 0 {
                reply.headers.push('\0');
            }
            reply.headers.push_str(name);
            reply.headers.push('\0');
            reply.headers.push_str(value);
        }
        reply.status_text = format!("{} {}", r.status(), r.reason());
        reply.proto = r.proto();
        reply.body = keep_body.then(|| Buffer::from(r.body().to_vec()));
    }
    reply
}

/// k6's `exec.instance`.
#[napi(object)]
pub struct InstanceInfo {
    pub vus_active: f64,
    pub vus_initialized: f64,
    pub iterations_completed: f64,
    pub iterations_interrupted: f64,
    pub current_test_run_duration_ms: f64,
}

/// What k6's `exec.scenario` reads from the engine.
#[napi(object)]
pub struct ScenarioReading {
    pub progress: f64,
    pub elapsed_ms: f64,
}

/// A VU a script worker hosts.
#[napi(object)]
pub struct ClaimedVu {
    /// k6's `__VU`: unique in the test.
    pub id: u32,
    /// Its scenario's index in the run's list of scenarios.
    pub scenario: u32,
}

#[napi]
pub struct ScriptHost {
    bridge: Arc<ScriptBridge>,
    /// Where `waitIteration` and `send` deliver (see [`crate::inbox`]).
    inbox: Arc<Inbox>,
    /// Their work, until `flush`.
    queued: Mutex<Queued>,
    /// Each VU's last request sent, for `resend`.
    last: Mutex<HashMap<u32, Arc<Rendered>>>,
    /// The id `listen` gave it (0: not listening).
    listener: std::sync::atomic::AtomicU32,
}

impl Drop for ScriptHost {
    fn drop(&mut self) {
        unlisten(self);
    }
}

thread_local! {
    /// The hosts listening on this thread, by the id `listen` returned. The `scriptHost*`
    /// functions reach them by it: a `ScriptHost` method call costs napi-rs's class borrow
    /// bookkeeping, a lock shared by every thread, at every call.
    static LISTENING: std::cell::RefCell<HashMap<u32, *const ScriptHost>> =
        std::cell::RefCell::new(HashMap::new());
}
static NEXT_LISTENER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

fn unlisten(host: &ScriptHost) {
    let id = host.listener.swap(0, std::sync::atomic::Ordering::Relaxed);
    if id != 0 {
        let _ = LISTENING.try_with(|m| m.borrow_mut().remove(&id));
    }
}

// Only JS calls the `scriptHost*` functions: napi registers them, but not in test builds.
#[cfg_attr(test, allow(dead_code))]
fn with_listening<R>(id: u32, f: impl FnOnce(&ScriptHost) -> Result<R>) -> Result<R> {
    let host = LISTENING.with(|m| m.borrow().get(&id).copied());
    match host {
        // SAFETY: `listen` registers a live host, on its own thread; the entry goes with
        // `unlisten` or with the host (Drop), on that thread too: the host outlives its entry.
        Some(host) => f(unsafe { &*host }),
        None => Err(Error::from_reason(format!(
            "no script host listens as {id} on this thread"
        ))),
    }
}

/// `ScriptHost.drain` of the host listening as `host`.
#[napi(ts_return_type = "Array<unknown>")]
#[cfg_attr(test, allow(dead_code))]
pub fn script_host_drain(env: Env, host: u32) -> Result<Events> {
    with_listening(host, |h| h.drain(env))
}

/// `ScriptHost.waitIteration` of the host listening as `host`.
#[napi]
#[cfg_attr(test, allow(dead_code))]
pub fn script_host_wait_iteration(
    env: Env,
    host: u32,
    vu: u32,
    done: Option<bool>,
    tags: Option<Vec<HeaderPair>>,
) -> Result<()> {
    with_listening(host, |h| h.wait_iteration(env, vu, done, tags))
}

/// `ScriptHost.flush` of the host listening as `host`.
#[napi]
#[cfg_attr(test, allow(dead_code))]
pub fn script_host_flush(host: u32) -> Result<()> {
    with_listening(host, |h| {
        h.flush();
        Ok(())
    })
}

/// `ScriptHost.send` of the host listening as `host`.
#[napi]
#[cfg_attr(test, allow(dead_code))]
pub fn script_host_send(
    env: Env,
    host: u32,
    vu: u32,
    token: u32,
    request: ScriptRequest,
) -> Result<()> {
    with_listening(host, |h| h.send(env, vu, token, request))
}

/// `ScriptHost.recordCheck` of the host listening as `host`.
#[napi]
#[cfg_attr(test, allow(dead_code))]
pub fn script_host_record_check(
    host: u32,
    group_path: String,
    name: String,
    passed: bool,
    scenario: Option<u32>,
    tags: Option<Vec<HeaderPair>>,
) -> Result<()> {
    with_listening(host, |h| {
        h.record_check(group_path, name, passed, scenario, tags)
    })
}

/// `ScriptHost.recordGroup` of the host listening as `host`.
#[napi]
#[cfg_attr(test, allow(dead_code))]
pub fn script_host_record_group(
    host: u32,
    path: String,
    took_ms: f64,
    scenario: Option<u32>,
    tags: Option<Vec<HeaderPair>>,
) -> Result<()> {
    with_listening(host, |h| h.record_group(path, took_ms, scenario, tags))
}

/// `ScriptHost.addMetricSample` of the host listening as `host`.
#[napi]
#[cfg_attr(test, allow(dead_code))]
// Flat arguments: one napi call per sample converts them cheaper than an object.
#[allow(clippy::too_many_arguments)]
pub fn script_host_add_metric_sample(
    host: u32,
    name: String,
    kind: String,
    is_time: bool,
    value: f64,
    group: Option<String>,
    scenario: Option<u32>,
    tags: Option<Vec<HeaderPair>>,
) -> Result<()> {
    with_listening(host, |h| {
        h.add_metric_sample(name, kind, is_time, value, group, scenario, tags)
    })
}

/// `ScriptHost.resend` of the host listening as `host`.
#[napi]
#[cfg_attr(test, allow(dead_code))]
pub fn script_host_resend(env: Env, host: u32, vu: u32, token: u32) -> Result<()> {
    with_listening(host, |h| h.resend(env, vu, token))
}

#[napi]
impl ScriptHost {
    /// Attaches to the run with this handle (`Engine.scriptHandle()` on the main thread).
    #[napi(factory)]
    pub fn attach(handle: u32) -> Result<ScriptHost> {
        let bridge = RUNS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&handle)
            .cloned()
            .ok_or_else(|| Error::from_reason(format!("no script run with handle {handle}")))?;
        Ok(ScriptHost {
            bridge,
            inbox: Arc::default(),
            queued: Mutex::default(),
            last: Mutex::default(),
            listener: std::sync::atomic::AtomicU32::new(0),
        })
    }

    /// Starts delivering through the inbox: `wake` is called (on this thread) when events wait
    /// in `drain()`. Needed by `waitIteration` and `send`. Returns the id under which the
    /// `scriptHost*` functions reach this host from this thread.
    #[napi(ts_args_type = "wake: () => void")]
    pub fn listen(&self, wake: WakeFn) -> u32 {
        self.inbox.listen(wake);
        let mut id = self.listener.load(std::sync::atomic::Ordering::Relaxed);
        if id == 0 {
            id = NEXT_LISTENER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.listener
                .store(id, std::sync::atomic::Ordering::Relaxed);
            LISTENING.with(|m| m.borrow_mut().insert(id, self as *const ScriptHost));
        }
        id
    }

    /// Stops delivering: releases the `listen` callback.
    #[napi]
    pub fn unlisten(&self) {
        unlisten(self);
        self.inbox.close();
    }

    /// The events posted since the last drain: a Float64Array of their numbers, then their
    /// strings and bodies (layout: `Events` in `inbox.rs`; read by `ts/script/hostLink.ts`).
    #[napi(ts_return_type = "Array<unknown>")]
    pub fn drain(&self, env: Env) -> Result<Events> {
        self.inbox.take(&env).map(Events)
    }

    /// `iterationDone` (when `done` is given: the VU's last iteration ended, ok or not; `tags`:
    /// the VU's user tags then) and `nextIteration`, delivered through the inbox: a grant event
    /// `0, vu, granted` follows. Queued until `flush`, then done on the VU's engine worker, next
    /// to its executor.
    #[napi]
    pub fn wait_iteration(
        &self,
        env: Env,
        vu: u32,
        done: Option<bool>,
        tags: Option<Vec<HeaderPair>>,
    ) -> Result<()> {
        self.inbox.expect(&env)?;
        let posting = Posting::new(
            self.inbox.clone(),
            Event::Grant {
                vu,
                iteration: None,
            },
        );
        let Some(slot) = self.bridge.slot(u64::from(vu)) else {
            // Dropping the posting delivers "no more iterations", as nextIteration resolves false.
            return Ok(());
        };
        let bridge = self.bridge.clone();
        let tags = tag_set(tags);
        self.queue(
            &slot,
            Box::pin(async move {
                if let Some(ok) = done {
                    let end = if ok {
                        IterationEnd::Completed
                    } else {
                        IterationEnd::Failed
                    };
                    bridge.iteration_done(u64::from(vu), end, tags);
                }
                let iteration = bridge.next_iteration(u64::from(vu)).await;
                posting.post(Event::Grant { vu, iteration });
            }),
        );
        Ok(())
    }

    /// Starts the work `waitIteration` and `send` queued: one wake-up per engine worker for all
    /// of it, instead of one per call (call it once the JS thread has nothing more to run).
    #[napi]
    pub fn flush(&self) {
        std::mem::take(&mut *self.queued.lock().unwrap_or_else(|e| e.into_inner())).spawn();
    }

    /// `request`, delivered through the inbox under `token`: a response event follows, or a
    /// failure event (as `request` rejects). Queued until `flush`, then sent from the VU's
    /// engine worker. Throws when the request cannot start (as `request` rejects before
    /// sending). The request stays rendered for `resend`.
    #[napi]
    pub fn send(&self, env: Env, vu: u32, token: u32, request: ScriptRequest) -> Result<()> {
        let slot = self.running_slot(vu)?;
        let rendered = Arc::new(render(request)?);
        self.lock_last().insert(vu, rendered.clone());
        self.deliver_request(&env, slot, token, rendered)
    }

    /// `send` again with the VU's last request, exactly as it was (load tests repeat theirs):
    /// nothing to convert or render.
    #[napi]
    pub fn resend(&self, env: Env, vu: u32, token: u32) -> Result<()> {
        let slot = self.running_slot(vu)?;
        let rendered = self
            .lock_last()
            .get(&vu)
            .cloned()
            .ok_or_else(|| Error::from_reason(format!("VU {vu} has sent no request yet")))?;
        self.deliver_request(&env, slot, token, rendered)
    }

    /// The next VU this worker hosts (its `__VU` and its scenario's index in the run's list);
    /// null once the run is over.
    #[napi]
    pub async fn claim_vu(&self, worker: u32) -> Option<ClaimedVu> {
        self.bridge
            .claim_vu(worker as usize)
            .await
            .map(|vu| ClaimedVu {
                id: vu.id as u32,
                scenario: vu.scenario as u32,
            })
    }

    /// k6's `exec.instance`: the run as this instance sees it now.
    #[napi]
    pub fn instance_info(&self) -> InstanceInfo {
        let control = self.bridge.control();
        InstanceInfo {
            vus_active: control.active_vus() as f64,
            vus_initialized: control.vus_max() as f64,
            iterations_completed: self.bridge.registry().iterations.total(),
            iterations_interrupted: control.interrupted_iterations() as f64,
            current_test_run_duration_ms: control.clock.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// k6's `exec.scenario` readings of scenario `index`: its progress (0..1) and how long it
    /// has run (ms, on the run's un-paused clock); null for an unknown index.
    #[napi]
    pub fn scenario_info(&self, index: u32) -> Option<ScenarioReading> {
        let control = self.bridge.control();
        let scenario = control.scenarios().get(index as usize)?;
        let snapshot = control.scenario_snapshot(scenario);
        Some(ScenarioReading {
            progress: snapshot.progress,
            elapsed_ms: scenario.elapsed(control.clock.elapsed()).as_secs_f64() * 1000.0,
        })
    }

    /// k6's check(): one condition's result, counted on the VU's current group. `scenario`: the
    /// index of the VU's scenario (none for setup and teardown); `tags`: the VU's and the
    /// check's user tags.
    #[napi]
    pub fn record_check(
        &self,
        group_path: String,
        name: String,
        passed: bool,
        scenario: Option<u32>,
        tags: Option<Vec<HeaderPair>>,
    ) -> Result<()> {
        self.bridge
            .record_check(&group_path, &name, passed, scenario, &tag_set(tags))
            .map_err(Error::from_reason)
    }

    /// A finished group(): its duration in milliseconds.
    #[napi]
    pub fn record_group(
        &self,
        path: String,
        took_ms: f64,
        scenario: Option<u32>,
        tags: Option<Vec<HeaderPair>>,
    ) -> Result<()> {
        self.bridge
            .record_group(&path, took_ms, scenario, &tag_set(tags))
            .map_err(Error::from_reason)
    }

    /// Puts a group in the tree without timing it (the `::setup` and `::teardown` groups).
    #[napi]
    pub fn ensure_group(&self, path: String) -> Result<()> {
        self.bridge.ensure_group(&path).map_err(Error::from_reason)
    }

    /// Makes (or finds) a custom metric: `new Counter/Gauge/Rate/Trend(name, isTime)`. A name
    /// held by a metric of another type is an error.
    #[napi]
    pub fn define_metric(&self, name: String, kind: String, is_time: bool) -> Result<()> {
        self.custom(&name, &kind, is_time).map(|_| ())
    }

    /// A sample of a custom metric, tagged with the VU's `group` path, its `scenario` (index)
    /// and the VU's and the call's user `tags`.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn add_metric_sample(
        &self,
        name: String,
        kind: String,
        is_time: bool,
        value: f64,
        group: Option<String>,
        scenario: Option<u32>,
        tags: Option<Vec<HeaderPair>>,
    ) -> Result<()> {
        let metric = self.custom(&name, &kind, is_time)?;
        let user = tag_set(tags);
        self.bridge.registry().record_custom(
            &metric,
            value,
            &VuPointTags {
                group: group.as_deref(),
                check: None,
                scenario: self.bridge.scenario_name(scenario),
                user: &user,
            },
        );
        Ok(())
    }

    /// setup()'s data as JSON text; null when there is none.
    #[napi]
    pub fn setup_data(&self) -> Option<String> {
        self.bridge.setup_data()
    }

    #[napi]
    pub fn set_setup_data(&self, json: Option<String>) {
        self.bridge.set_setup_data(json);
    }

    /// True when the executor gave up on the VU's iteration in flight (stop, gracefulStop).
    #[napi]
    pub fn is_interrupted(&self, vu: u32) -> bool {
        self.bridge
            .slot(u64::from(vu))
            .is_none_or(|slot| slot.is_interrupted())
    }
}

impl ScriptHost {
    /// The VU's slot, if it may send: what `request`, `send` and `resend` check first.
    fn running_slot(&self, vu: u32) -> Result<Arc<VuSlot>> {
        let Some(slot) = self.bridge.slot(u64::from(vu)) else {
            return Err(Error::from_reason(format!("VU {vu} is not running")));
        };
        if slot.is_interrupted() {
            // k6 cancels the iteration's context: its requests fail and the iteration ends.
            return Err(Error::from_reason(
                "the iteration was interrupted: the test is stopping",
            ));
        }
        Ok(slot)
    }

    /// What `request`, `send` and `resend` share: the request on the VU's connection, recorded
    /// in the run's HTTP metrics (to run on the VU's engine worker).
    fn request_task<R: Send + 'static>(
        &self,
        slot: Arc<VuSlot>,
        rendered: Arc<Rendered>,
        read: impl FnOnce(&Outcome, &VuClient, bool) -> R + Send + 'static,
    ) -> impl std::future::Future<Output = R> + Send + 'static {
        let bridge = self.bridge.clone();
        async move {
            let Rendered {
                prepared,
                keep_body,
                group,
                scenario,
                tags,
                expected,
                ..
            } = &*rendered;
            let keep_body = *keep_body;
            let (outcome, (response, proto)) = slot
                .request(prepared, |outcome, client| {
                    let proto =
                        if outcome.error.is_none() && client.response().proto() == "HTTP/1.0" {
                            "HTTP/1.0"
                        } else {
                            "HTTP/1.1"
                        };
                    (read(outcome, client, keep_body), proto)
                })
                .await;
            bridge.registry().record_request_judged(
                &outcome,
                prepared,
                proto,
                group.as_deref(),
                scenario.as_deref(),
                tags,
                expected.judge(&outcome),
            );
            response
        }
    }

    /// `send` and `resend`: queues the request; its response (or failure) comes as an event.
    fn deliver_request(
        &self,
        env: &Env,
        slot: Arc<VuSlot>,
        token: u32,
        rendered: Arc<Rendered>,
    ) -> Result<()> {
        self.inbox.expect(env)?;
        let posting = Posting::new(
            self.inbox.clone(),
            Event::Failure {
                token,
                message: "the iteration was interrupted: the test ended before the response".into(),
            },
        );
        // JS turns a text body into a string anyway: made from the bytes, no Buffer.
        let text = rendered.text;
        let task = self.request_task(slot.clone(), rendered, move |outcome, client, keep_body| {
            to_reply(outcome, client, keep_body, token, text)
        });
        self.queue(
            &slot,
            Box::pin(async move {
                let reply = task.await;
                posting.post(Event::Response(reply));
            }),
        );
        Ok(())
    }

    fn lock_last(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Arc<Rendered>>> {
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn queue(&self, slot: &VuSlot, job: Job) {
        self.queued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(slot, job);
    }

    fn custom(
        &self,
        name: &str,
        kind: &str,
        is_time: bool,
    ) -> Result<std::sync::Arc<volley_engine::metrics::registry::CustomMetric>> {
        use volley_engine::metrics::{Contains, MetricKind};
        let kind = match kind {
            "counter" => MetricKind::Counter,
            "gauge" => MetricKind::Gauge,
            "rate" => MetricKind::Rate,
            "trend" => MetricKind::Trend,
            other => return Err(Error::from_reason(format!("unknown metric type {other:?}"))),
        };
        let contains = if is_time && kind == MetricKind::Trend {
            Contains::Time
        } else {
            Contains::Default
        };
        self.bridge
            .registry()
            .custom(name, kind, contains)
            .map_err(Error::from_reason)
    }
}

/// A VU's request, checked and rendered: what `resend` repeats.
struct Rendered {
    prepared: PreparedRequest,
    /// responseType is not "none".
    keep_body: bool,
    /// responseType is not "binary": JS gets the body (if kept) as a string.
    text: bool,
    group: Option<String>,
    scenario: Option<String>,
    /// Rendered once with the request: `resend` shares them.
    tags: TagSet,
    expected: ExpectedStatuses,
}

/// k6's http.request arguments (normalised in JS) as the engine sends them.
fn render(request: ScriptRequest) -> Result<Rendered> {
    let timeout = if request.timeout_ms.is_finite() && request.timeout_ms > 0.0 {
        Duration::from_secs_f64(request.timeout_ms / 1000.0)
    } else {
        volley_engine::http::DEFAULT_TIMEOUT
    };
    let keep_body = request.response_type.as_deref() != Some("none");
    let text = request.response_type.as_deref() != Some("binary");
    let (group, scenario) = (request.group, request.scenario);
    let tags = tag_set(request.tags);
    let expected = match request.expected_statuses.as_deref() {
        None => ExpectedStatuses::Default,
        Some(text) => ExpectedStatuses::parse(text).map_err(Error::from_reason)?,
    };
    let spec = RequestSpec {
        method: request.method,
        url: request.url,
        headers: request
            .headers
            .into_iter()
            .map(|h| (h.name, h.value))
            .collect(),
        body: request.body.map(|b| b.to_vec()),
        timeout,
    };
    let prepared = ScriptBridge::prepare(&spec).map_err(Error::from_reason)?;
    Ok(Rendered {
        prepared,
        keep_body,
        text,
        group,
        scenario,
        tags,
        expected,
    })
}

type Job = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Work for VUs, held until `flush` (see [`ScriptHost::flush`]).
#[derive(Default)]
struct Queued {
    /// Per engine worker, in order of first use; `None`: VUs without one (the lifecycle VU).
    jobs: Vec<(Option<VuRuntime>, Vec<Job>)>,
}

impl Queued {
    fn push(&mut self, slot: &VuSlot, job: Job) {
        let runtime = slot.runtime();
        let key = runtime.map(|r| r.thread);
        match self
            .jobs
            .iter_mut()
            .find(|(r, _)| r.as_ref().map(|r| r.thread) == key)
        {
            Some((_, jobs)) => jobs.push(job),
            None => self.jobs.push((runtime.cloned(), vec![job])),
        }
    }

    /// One remote spawn per engine worker, which spawns the jobs there (locally, no wake-ups).
    fn spawn(self) {
        for (runtime, jobs) in self.jobs {
            match runtime {
                Some(runtime) => {
                    let handle = runtime.handle.clone();
                    runtime.handle.spawn(async move {
                        // On the worker's own thread: these go to its local queue.
                        for job in jobs {
                            handle.spawn(job);
                        }
                    });
                }
                None => {
                    for job in jobs {
                        napi::bindgen_prelude::spawn(job);
                    }
                }
            }
        }
    }
}
