//! The script workers' side of the engine: VUs claim work, wait for iterations and send
//! requests through the engine. Each worker thread attaches to the run by its handle.

use crate::HeaderPair;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use volley_engine::http::{Outcome, RequestSpec, VuClient};
use volley_engine::script::{IterationEnd, ScriptBridge};

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

#[napi]
pub struct ScriptHost {
    bridge: Arc<ScriptBridge>,
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
        Ok(ScriptHost { bridge })
    }

    /// The next VU this worker hosts; null once the run is over.
    #[napi]
    pub async fn claim_vu(&self, worker: u32) -> Option<u32> {
        self.bridge
            .claim_vu(worker as usize)
            .await
            .map(|vu| vu as u32)
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

    /// Makes (or finds) a custom metric: `new Counter/Gauge/Rate/Trend(name, isTime)`. A name
    /// held by a metric of another type is an error.
    #[napi]
    pub fn define_metric(&self, name: String, kind: String, is_time: bool) -> Result<()> {
        self.custom(&name, &kind, is_time).map(|_| ())
    }

    /// A sample of a custom metric.
    #[napi]
    pub fn add_metric_sample(
        &self,
        name: String,
        kind: String,
        is_time: bool,
        value: f64,
    ) -> Result<()> {
        self.custom(&name, &kind, is_time)?.add(value);
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
        let (outcome, response) = slot
            .request(&prepared, |outcome, client| {
                to_response(outcome, client, keep_body)
            })
            .await;
        self.bridge.registry().record_http(&outcome);
        Ok(response)
    }
}

impl ScriptHost {
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
