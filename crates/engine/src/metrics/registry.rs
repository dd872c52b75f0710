//! The metrics registry: k6's built-in metrics (spec §5.2) with their names, types and
//! `contains`, held as typed fields so that the hot path records without a lookup.

use super::sinks::{trend_stat, CounterSink, GaugeSink, RateSink, TrendSink};
use crate::http::Outcome;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Rate,
    Trend,
}

impl MetricKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Rate => "rate",
            MetricKind::Trend => "trend",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contains {
    Default,
    Time,
    Data,
}

impl Contains {
    pub fn as_str(self) -> &'static str {
        match self {
            Contains::Default => "default",
            Contains::Time => "time",
            Contains::Data => "data",
        }
    }
}

/// One metric's values at one instant. Trend values are in milliseconds (k6's unit for time).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSnapshot {
    pub name: String,
    pub kind: MetricKind,
    pub contains: Contains,
    /// counter: count, rate; gauge: value, min, max; rate: rate, passes, fails;
    /// trend: the requested stats, in the order asked.
    pub values: Vec<(String, f64)>,
}

/// The HTTP metrics every request feeds.
#[derive(Default)]
pub struct HttpMetrics {
    pub reqs: CounterSink,
    pub failed: RateSink,
    pub duration: TrendSink,
    /// The built-in sub-metric `http_req_duration{expected_response:true}`.
    pub duration_expected: TrendSink,
    pub blocked: TrendSink,
    pub connecting: TrendSink,
    pub tls_handshaking: TrendSink,
    pub sending: TrendSink,
    pub waiting: TrendSink,
    pub receiving: TrendSink,
}

/// A metric a script made with `new Counter/Gauge/Rate/Trend(name, isTime)`.
pub enum CustomSink {
    Counter(CounterSink),
    Gauge(GaugeSink),
    Rate(RateSink),
    /// Values are kept as if they were milliseconds (the histogram's unit), so any non-negative
    /// value keeps 3 significant digits; negative values count as 0.
    Trend(TrendSink),
}

pub struct CustomMetric {
    pub name: String,
    pub kind: MetricKind,
    pub contains: Contains,
    pub sink: CustomSink,
}

impl CustomMetric {
    pub fn add(&self, value: f64) {
        match &self.sink {
            CustomSink::Counter(s) => s.add(value),
            CustomSink::Gauge(s) => s.set(value),
            CustomSink::Rate(s) => s.add(value != 0.0),
            CustomSink::Trend(s) => s.record_ms(value),
        }
    }
}

const BUILTIN_NAMES: [&str; 20] = [
    "checks",
    "data_received",
    "data_sent",
    "dropped_iterations",
    "group_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_duration",
    "http_req_failed",
    "http_req_receiving",
    "http_req_sending",
    "http_req_tls_handshaking",
    "http_req_waiting",
    "http_reqs",
    "iteration_duration",
    "iterations",
    "vus",
    "vus_max",
    "ws_sessions",
    "grpc_req_duration",
];

#[derive(Default)]
pub struct Registry {
    custom: std::sync::RwLock<Vec<std::sync::Arc<CustomMetric>>>,
    pub http: HttpMetrics,
    pub iterations: CounterSink,
    pub iteration_duration: TrendSink,
    pub dropped_iterations: CounterSink,
    pub vus: GaugeSink,
    pub vus_max: GaugeSink,
    pub checks: RateSink,
    pub group_duration: TrendSink,
    pub data_sent: CounterSink,
    pub data_received: CounterSink,
    /// Outputs (`--out`, see [`crate::output`]): off unless the run enabled some.
    pub output: crate::output::OutputTap,
}

pub use super::expected::is_expected_status;

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one finished request. A connection error counts too, with status 0: k6 emits
    /// http_reqs and the phase trends for failed requests as well.
    pub fn record_http(&self, outcome: &Outcome) {
        let expected = outcome.error.is_none() && is_expected_status(outcome.status);
        self.record_http_judged(outcome, Some(expected));
    }

    /// [`Registry::record_http`] with the response callback's verdict (`expected`, see
    /// [`super::ExpectedStatuses`]); None: no callback, so no `http_req_failed` sample and no
    /// `{expected_response:true}` one, as k6 does.
    pub fn record_http_judged(&self, outcome: &Outcome, expected: Option<bool>) {
        let h = &self.http;
        let t = &outcome.timings;
        let duration = t.sending + t.waiting + t.receiving;
        h.reqs.add_u64(1);
        if let Some(expected) = expected {
            h.failed.add(!expected);
        }
        h.duration.record_ns(duration);
        if expected == Some(true) {
            h.duration_expected.record_ns(duration);
        }
        h.blocked.record_ns(t.blocked);
        h.connecting.record_ns(t.connecting);
        h.tls_handshaking.record_ns(t.tls_handshaking);
        h.sending.record_ns(t.sending);
        h.waiting.record_ns(t.waiting);
        h.receiving.record_ns(t.receiving);
        self.data_sent.add_u64(outcome.bytes_sent);
        self.data_received.add_u64(outcome.bytes_received);
    }

    /// [`Registry::record_http`], and with outputs on, the request's samples with k6's tags
    /// (`group`/`scenario` None: the root group and the run's scenario).
    pub fn record_request(
        &self,
        outcome: &Outcome,
        request: &crate::http::PreparedRequest,
        proto: &'static str,
        group: Option<&str>,
        scenario: Option<&str>,
    ) {
        let expected = outcome.error.is_none() && is_expected_status(outcome.status);
        self.record_request_judged(outcome, request, proto, group, scenario, Some(expected));
    }

    /// [`Registry::record_request`] with the response callback's verdict (see
    /// [`Registry::record_http_judged`]): a script request's.
    pub fn record_request_judged(
        &self,
        outcome: &Outcome,
        request: &crate::http::PreparedRequest,
        proto: &'static str,
        group: Option<&str>,
        scenario: Option<&str>,
        expected: Option<bool>,
    ) {
        self.record_http_judged(outcome, expected);
        if let Some(out) = self.output.stream() {
            out.emit_http(outcome, request, proto, group, scenario, expected);
        }
    }

    /// A custom metric's sample (`metric.add(value)` in a script); tagged `group` when known.
    pub fn record_custom(
        &self,
        metric: &std::sync::Arc<CustomMetric>,
        value: f64,
        group: Option<&str>,
    ) {
        metric.add(value);
        if let Some(out) = self.output.stream() {
            out.emit_vu_point(
                crate::output::sample::MetricRef::Custom(metric.clone()),
                value,
                group,
                None,
            );
        }
    }

    /// The custom metric `name`, made on first use. k6 refuses a name that a built-in or an
    /// earlier custom metric of another type holds, and names outside `[a-zA-Z_][a-zA-Z0-9_]*`.
    pub fn custom(
        &self,
        name: &str,
        kind: MetricKind,
        contains: Contains,
    ) -> Result<std::sync::Arc<CustomMetric>, String> {
        let valid = !name.is_empty()
            && name.len() <= 128
            && name
                .chars()
                .enumerate()
                .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
        if !valid {
            return Err(format!("invalid metric name {name:?}: use letters, digits and _, not starting with a digit, at most 128 characters"));
        }
        if BUILTIN_NAMES.contains(&name) {
            return Err(format!(
                "the metric name {name:?} is taken by a built-in metric"
            ));
        }
        if let Some(m) = self.find_custom(name) {
            if m.kind != kind {
                return Err(format!(
                    "the metric {name:?} already exists as a {}, not a {}",
                    m.kind.as_str(),
                    kind.as_str()
                ));
            }
            return Ok(m);
        }
        let mut all = self.custom.write().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = all.iter().find(|m| m.name == name) {
            return Ok(m.clone());
        }
        let sink = match kind {
            MetricKind::Counter => CustomSink::Counter(CounterSink::default()),
            MetricKind::Gauge => CustomSink::Gauge(GaugeSink::default()),
            MetricKind::Rate => CustomSink::Rate(RateSink::default()),
            MetricKind::Trend => CustomSink::Trend(TrendSink::default()),
        };
        let metric = std::sync::Arc::new(CustomMetric {
            name: name.to_string(),
            kind,
            contains,
            sink,
        });
        all.push(metric.clone());
        Ok(metric)
    }

    pub fn find_custom(&self, name: &str) -> Option<std::sync::Arc<CustomMetric>> {
        let all = self.custom.read().unwrap_or_else(|e| e.into_inner());
        all.iter().find(|m| m.name == name).cloned()
    }

    /// A finished iteration of `scenario` (the `scenario` tag of its samples; None: the run's).
    pub fn record_iteration(&self, took: Duration, scenario: Option<&str>) {
        self.iterations.add_u64(1);
        self.iteration_duration.record_ns(took.as_nanos() as u64);
        if let Some(out) = self.output.stream() {
            out.emit_scenario_iteration(took, scenario);
        }
    }

    /// Every metric that has a value, sorted by name (spec README item 5; item 3: no NaN, metrics
    /// without samples are left out). `run_time` is the un-paused run duration for counter rates.
    pub fn snapshot(&self, run_time: Duration, trend_stats: &[String]) -> Vec<MetricSnapshot> {
        let secs = run_time.as_secs_f64();
        let mut out = Vec::new();
        let h = &self.http;
        let counters: [(&str, &CounterSink, Contains); 5] = [
            ("data_received", &self.data_received, Contains::Data),
            ("data_sent", &self.data_sent, Contains::Data),
            (
                "dropped_iterations",
                &self.dropped_iterations,
                Contains::Default,
            ),
            ("http_reqs", &h.reqs, Contains::Default),
            ("iterations", &self.iterations, Contains::Default),
        ];
        for (name, sink, contains) in counters {
            if sink.total() != 0.0 {
                let count = sink.total();
                let rate = if secs > 0.0 { count / secs } else { 0.0 };
                out.push(MetricSnapshot {
                    name: name.into(),
                    kind: MetricKind::Counter,
                    contains,
                    values: vec![("count".into(), count), ("rate".into(), rate)],
                });
            }
        }
        for (name, sink) in [("vus", &self.vus), ("vus_max", &self.vus_max)] {
            if sink.has_value() {
                out.push(MetricSnapshot {
                    name: name.into(),
                    kind: MetricKind::Gauge,
                    contains: Contains::Default,
                    values: vec![
                        ("value".into(), sink.value()),
                        ("min".into(), sink.min()),
                        ("max".into(), sink.max()),
                    ],
                });
            }
        }
        for (name, sink) in [("checks", &self.checks), ("http_req_failed", &h.failed)] {
            if sink.total() > 0 {
                out.push(MetricSnapshot {
                    name: name.into(),
                    kind: MetricKind::Rate,
                    contains: Contains::Default,
                    values: vec![
                        ("rate".into(), sink.rate()),
                        ("passes".into(), sink.passes() as f64),
                        ("fails".into(), sink.fails() as f64),
                    ],
                });
            }
        }
        let trends: [(&str, &TrendSink); 10] = [
            ("group_duration", &self.group_duration),
            ("http_req_blocked", &h.blocked),
            ("http_req_connecting", &h.connecting),
            ("http_req_duration", &h.duration),
            (
                "http_req_duration{expected_response:true}",
                &h.duration_expected,
            ),
            ("http_req_receiving", &h.receiving),
            ("http_req_sending", &h.sending),
            ("http_req_tls_handshaking", &h.tls_handshaking),
            ("http_req_waiting", &h.waiting),
            ("iteration_duration", &self.iteration_duration),
        ];
        for (name, sink) in trends {
            let snap = sink.snapshot();
            if snap.count() == 0 {
                continue;
            }
            let values = trend_stats
                .iter()
                .filter_map(|stat| trend_stat(&snap, stat).map(|v| (stat.clone(), v)))
                .collect();
            out.push(MetricSnapshot {
                name: name.into(),
                kind: MetricKind::Trend,
                contains: Contains::Time,
                values,
            });
        }
        for m in self.custom.read().unwrap_or_else(|e| e.into_inner()).iter() {
            let values = match &m.sink {
                CustomSink::Counter(c) if c.total() != 0.0 => {
                    let count = c.total();
                    let rate = if secs > 0.0 { count / secs } else { 0.0 };
                    vec![("count".into(), count), ("rate".into(), rate)]
                }
                CustomSink::Gauge(g) if g.has_value() => vec![
                    ("value".into(), g.value()),
                    ("min".into(), g.min()),
                    ("max".into(), g.max()),
                ],
                CustomSink::Rate(r) if r.total() > 0 => vec![
                    ("rate".into(), r.rate()),
                    ("passes".into(), r.passes() as f64),
                    ("fails".into(), r.fails() as f64),
                ],
                CustomSink::Trend(t) => {
                    let snap = t.snapshot();
                    if snap.count() == 0 {
                        continue;
                    }
                    trend_stats
                        .iter()
                        .filter_map(|stat| trend_stat(&snap, stat).map(|v| (stat.clone(), v)))
                        .collect()
                }
                _ => continue,
            };
            out.push(MetricSnapshot {
                name: m.name.clone(),
                kind: m.kind,
                contains: m.contains,
                values,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}
