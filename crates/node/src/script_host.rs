//! The script workers' side of the engine: VUs claim work, wait for iterations and send
//! requests through the engine. Each worker thread attaches to the run by its handle.

use crate::inbox::{Event, Events, Inbox, Posting, WakeFn};
use crate::HeaderPair;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use volley_engine::http::{Outcome, RequestSpec, VuClient};
use volley_engine::script::{IterationEnd, ScriptBridge, VuSlot};

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
}

/// k6's `res.timings`, in milliseconds.
#[napi(object)]
pub struct ScriptTimings {
    pub blocked: f64,
    pub connecting: f64,
    pub tls_handshaking: f64,
    pub sending: f64,
    pub waiting: f64,
    pub receiving: f64,
    pub duration: f64,
}

#[napi(object)]
pub struct ScriptResponse {
    pub status: u32,
    pub status_text: String,
    pub proto: String,
    /// Header names as received, values of repeated headers joined with ", ".
    pub headers: Vec<HeaderPair>,
    pub body: Option<Buffer>,
    pub timings: ScriptTimings,
    pub error: String,
    pub error_code: u32,
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn to_response(outcome: &Outcome, client: &VuClient, keep_body: bool) -> ScriptResponse {
    let t = &outcome.timings;
    let (status_text, proto, headers, body) = if outcome.error.is_none() {
        let r = client.response();
        let mut headers: Vec<HeaderPair> = Vec::new();
        for (name, value) in r.headers() {
            let value = String::from_utf8_lossy(value).into_owned();
            match headers
                .iter_mut()
                .find(|h| h.name.eq_ignore_ascii_case(name))
            {
                Some(h) => {
                    h.value.push_str(", ");
                    h.value.push_str(&value);
                }
                None => headers.push(HeaderPair {
                    name: name.to_string(),
                    value,
                }),
            }
        }
        let body = keep_body.then(|| Buffer::from(r.body().to_vec()));
        (
            format!("{} {}", r.status(), r.reason()),
            r.proto().to_string(),
            headers,
            body,
        )
    } else {
        (String::new(), String::new(), Vec::new(), None)
    };
    ScriptResponse {
        status: u32::from(outcome.status),
        status_text,
        proto,
        headers,
        body,
        timings: ScriptTimings {
            blocked: ms(t.blocked),
            connecting: ms(t.connecting),
            tls_handshaking: ms(t.tls_handshaking),
            sending: ms(t.sending),
            waiting: ms(t.waiting),
            receiving: ms(t.receiving),
            duration: ms(t.sending + t.waiting + t.receiving),
        },
        error: outcome
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_default(),
        error_code: outcome.error_code(),
    }
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
        })
    }

    /// Starts delivering through the inbox: `wake` is called (on this thread) when events wait
    /// in `drain()`. Needed by `waitIteration` and `send`.
    #[napi(ts_args_type = "wake: () => void")]
    pub fn listen(&self, wake: WakeFn) {
        self.inbox.listen(wake);
    }

    /// Stops delivering: releases the `listen` callback.
    #[napi]
    pub fn unlisten(&self) {
        self.inbox.close();
    }

    /// The events posted since the last drain, as one flat array (layout in `inbox.rs`):
    /// grants `0, vu, granted`; responses `1, token, ...fields`; failures `2, token, message`.
    #[napi(ts_return_type = "Array<unknown>")]
    pub fn drain(&self, env: Env) -> Result<Events> {
        self.inbox.take(&env).map(Events)
    }

    /// `nextIteration`, delivered through the inbox: a grant event `0, vu, granted` follows.
    /// Waits on the VU's engine worker, next to the executor that grants.
    #[napi]
    pub fn wait_iteration(&self, env: Env, vu: u32) -> Result<()> {
        self.inbox.expect(&env)?;
        let posting = Posting::new(self.inbox.clone(), Event::Grant { vu, granted: false });
        let Some(slot) = self.bridge.slot(u64::from(vu)) else {
            // Dropping the posting delivers "no more iterations", as nextIteration resolves false.
            return Ok(());
        };
        let bridge = self.bridge.clone();
        spawn_for(&slot, async move {
            let granted = bridge.next_iteration(u64::from(vu)).await;
            posting.post(Event::Grant { vu, granted });
        });
        Ok(())
    }

    /// `request`, delivered through the inbox under `token`: a response event follows, or a
    /// failure event (as `request` rejects). Runs on the VU's engine worker. Throws when the
    /// request cannot start (as `request` rejects before sending).
    #[napi]
    pub fn send(&self, env: Env, vu: u32, token: u32, request: ScriptRequest) -> Result<()> {
        // JS turns a text body into a string anyway: made here from the bytes, no Buffer.
        let text = request.response_type.as_deref() != Some("binary");
        let (slot, task) = self.request_task(vu, request)?;
        self.inbox.expect(&env)?;
        let posting = Posting::new(
            self.inbox.clone(),
            Event::Failure {
                token,
                message: "the iteration was interrupted: the test ended before the response".into(),
            },
        );
        spawn_for(&slot, async move {
            let response = task.await;
            posting.post(Event::Response {
                token,
                text,
                response,
            });
        });
        Ok(())
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

    /// Resolves true when the executor grants the VU an iteration, false when it never will again.
    #[napi]
    pub async fn next_iteration(&self, vu: u32) -> bool {
        self.bridge.next_iteration(u64::from(vu)).await
    }

    #[napi]
    pub fn iteration_done(&self, vu: u32, ok: bool) {
        let end = if ok {
            IterationEnd::Completed
        } else {
            IterationEnd::Failed
        };
        self.bridge.iteration_done(u64::from(vu), end);
    }

    /// k6's check(): one condition's result, counted on the VU's current group.
    #[napi]
    pub fn record_check(&self, group_path: String, name: String, passed: bool) -> Result<()> {
        self.bridge
            .record_check(&group_path, &name, passed)
            .map_err(Error::from_reason)
    }

    /// A finished group(): its duration in milliseconds.
    #[napi]
    pub fn record_group(&self, path: String, took_ms: f64) -> Result<()> {
        self.bridge
            .record_group(&path, took_ms)
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

    /// A sample of a custom metric; `group` (the VU's group path) tags it in outputs.
    #[napi]
    pub fn add_metric_sample(
        &self,
        name: String,
        kind: String,
        is_time: bool,
        value: f64,
        group: Option<String>,
    ) -> Result<()> {
        let metric = self.custom(&name, &kind, is_time)?;
        self.bridge
            .registry()
            .record_custom(&metric, value, group.as_deref());
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

    /// Sends a request on the VU's connection; failures are in the response (k6's error and
    /// error_code), never a rejection. Recorded in the run's HTTP metrics.
    #[napi]
    pub async fn request(&self, vu: u32, request: ScriptRequest) -> Result<ScriptResponse> {
        let (_, task) = self.request_task(vu, request)?;
        Ok(task.await)
    }
}

impl ScriptHost {
    /// What `request` and `send` share: the checks and the rendering, done at once (errors are
    /// the caller's to report), and the work itself, to run on the VU's engine worker: the
    /// request on the VU's connection, recorded in the run's HTTP metrics.
    fn request_task(
        &self,
        vu: u32,
        request: ScriptRequest,
    ) -> Result<(
        Arc<VuSlot>,
        impl std::future::Future<Output = ScriptResponse> + Send + 'static,
    )> {
        let Some(slot) = self.bridge.slot(u64::from(vu)) else {
            return Err(Error::from_reason(format!("VU {vu} is not running")));
        };
        if slot.is_interrupted() {
            // k6 cancels the iteration's context: its requests fail and the iteration ends.
            return Err(Error::from_reason(
                "the iteration was interrupted: the test is stopping",
            ));
        }
        let timeout = if request.timeout_ms.is_finite() && request.timeout_ms > 0.0 {
            Duration::from_secs_f64(request.timeout_ms / 1000.0)
        } else {
            volley_engine::http::DEFAULT_TIMEOUT
        };
        let keep_body = request.response_type.as_deref() != Some("none");
        let (group, scenario) = (request.group, request.scenario);
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
        let bridge = self.bridge.clone();
        let task_slot = slot.clone();
        let task = async move {
            let slot = task_slot;
            let (outcome, response) = slot
                .request(&prepared, |outcome, client| {
                    to_response(outcome, client, keep_body)
                })
                .await;
            let proto = if response.proto == "HTTP/1.0" {
                "HTTP/1.0"
            } else {
                "HTTP/1.1"
            };
            bridge.registry().record_request(
                &outcome,
                &prepared,
                proto,
                group.as_deref(),
                scenario.as_deref(),
            );
            response
        };
        Ok((slot, task))
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

/// Runs a VU's work on its engine worker (see [`VuSlot::runtime`]), else on napi's runtime.
fn spawn_for(slot: &VuSlot, work: impl std::future::Future<Output = ()> + Send + 'static) {
    match slot.runtime() {
        Some(runtime) => {
            runtime.spawn(work);
        }
        None => {
            napi::bindgen_prelude::spawn(work);
        }
    }
}
