//! The metrics registry: k6's built-in metrics (spec §5.2) with their names, types and
//! `contains`, held as typed fields so that the hot path records without a lookup.

use super::sinks::{trend_stat, CounterSink, GaugeSink, RateSink, TrendSink};
use super::submetrics::{MetricSink, SubMetric, SubMetrics};
use super::tags::{HttpTags, PointTags, TagLookup, TagSet};
use crate::http::Outcome;
use crate::output::sample::Builtin;
use crate::output::VuPointTags;
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
pub struct CustomMetric {
    pub name: String,
    pub kind: MetricKind,
    pub contains: Contains,
    pub sink: MetricSink,
    /// Its declared sub-metrics (thresholds on `name{tag:value}`).
    pub subs: Box<[SubMetric]>,
}

impl CustomMetric {
    /// A sample; its sub-metrics take it when `tags` match.
    pub fn add(&self, value: f64, tags: &impl TagLookup) {
        self.sink.add(value);
        for sub in self.subs.iter() {
            sub.offer(tags, value);
        }
    }
}

/// A VU sample's tags as selectors read them: check, group, scenario, then the user's.
fn point_lookup<'a>(system: &'a mut [(&'a str, &'a str); 3], t: &VuPointTags<'a>) -> PointTags<'a> {
    let mut n = 0;
    for (k, v) in [
        ("check", t.check),
        ("group", t.group),
        ("scenario", t.scenario),
    ] {
        if let Some(v) = v {
            system[n] = (k, v);
            n += 1;
        }
    }
    PointTags {
        system: &system[..n],
        user: t.user,
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
    /// Declared sub-metrics (besides `http.duration_expected`).
    pub subs: SubMetrics,
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

    /// A registry with sub-metrics for these threshold keys (see [`SubMetrics::declare`]).
    pub fn with_submetrics(keys: &[String]) -> Result<Self, String> {
        Ok(Registry {
            subs: SubMetrics::declare(keys)?,
            ..Registry::default()
        })
    }

    /// Records one finished request with the response callback's verdict (`expected`, see
    /// [`super::ExpectedStatuses`]); None: no callback, so no `http_req_failed` sample and no
    /// `{expected_response:true}` one, as k6 does. A connection error counts too, with status 0:
    /// k6 emits http_reqs and the phase trends for failed requests as well.
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

    /// [`Registry::record_http_judged`] with k6's default verdict (200-399 expected), the declared
    /// sub-metrics its tags match, and with outputs on,
    /// the request's samples with k6's tags (`group` None: the root group; `scenario` None: the
    /// run's in outputs, none for sub-metrics). `user`: the request's user tags.
    pub fn record_request(
        &self,
        outcome: &Outcome,
        request: &crate::http::PreparedRequest,
        proto: &'static str,
        group: Option<&str>,
        scenario: Option<&str>,
        user: &TagSet,
    ) {
        let expected = outcome.error.is_none() && is_expected_status(outcome.status);
        self.record_request_judged(
            outcome,
            request,
            proto,
            group,
            scenario,
            user,
            Some(expected),
        );
    }

    /// [`Registry::record_request`] with the response callback's verdict (see
    /// [`Registry::record_http_judged`]): a script request's.
    #[allow(clippy::too_many_arguments)]
    pub fn record_request_judged(
        &self,
        outcome: &Outcome,
        request: &crate::http::PreparedRequest,
        proto: &'static str,
        group: Option<&str>,
        scenario: Option<&str>,
        user: &TagSet,
        expected: Option<bool>,
    ) {
        self.record_http_judged(outcome, expected);
        if self.subs.on_requests() {
            self.record_request_subs(outcome, request, proto, group, scenario, user, expected);
        }
        if let Some(out) = self.output.stream() {
            out.emit_http(outcome, request, proto, group, scenario, user, expected);
        }
    }

    /// Out of line: the request path without sub-metrics stays one branch.
    #[cold]
    #[allow(clippy::too_many_arguments)]
    fn record_request_subs(
        &self,
        outcome: &Outcome,
        request: &crate::http::PreparedRequest,
        proto: &'static str,
        group: Option<&str>,
        scenario: Option<&str>,
        user: &TagSet,
        expected: Option<bool>,
    ) {
        let ok = outcome.error.is_none();
        let tags = HttpTags {
            method: request.method(),
            url: request.url(),
            proto: if ok { proto } else { "" },
            status: outcome.status,
            expected,
            error: outcome.error.as_ref().map(|e| e.message.as_str()),
            error_code: outcome.error_code(),
            group: group.unwrap_or(""),
            scenario,
            user,
        };
        let t = &outcome.timings;
        let subs = &self.subs;
        for s in subs.of(Builtin::HttpReqs) {
            s.offer(&tags, 1.0);
        }
        // No response callback: no http_req_failed sample, as in k6.
        if let Some(expected) = expected {
            for s in subs.of(Builtin::HttpReqFailed) {
                s.offer(&tags, if expected { 0.0 } else { 1.0 });
            }
        }
        let times = [
            (
                Builtin::HttpReqDuration,
                t.sending + t.waiting + t.receiving,
            ),
            (Builtin::HttpReqBlocked, t.blocked),
            (Builtin::HttpReqConnecting, t.connecting),
            (Builtin::HttpReqTlsHandshaking, t.tls_handshaking),
            (Builtin::HttpReqSending, t.sending),
            (Builtin::HttpReqWaiting, t.waiting),
            (Builtin::HttpReqReceiving, t.receiving),
        ];
        for (metric, ns) in times {
            for s in subs.of(metric) {
                if s.selector.matches(&tags) {
                    s.sink.add_ns(ns);
                }
            }
        }
        // k6 tags data samples with the VU's tags only (group, scenario, user tags).
        let mut system = [("", ""); 3];
        let vu = point_lookup(
            &mut system,
            &VuPointTags {
                group: Some(group.unwrap_or("")),
                check: None,
                scenario,
                user,
            },
        );
        for s in subs.of(Builtin::DataSent) {
            s.offer(&vu, outcome.bytes_sent as f64);
        }
        for s in subs.of(Builtin::DataReceived) {
            s.offer(&vu, outcome.bytes_received as f64);
        }
    }

    /// A custom metric's sample (`metric.add(value, tags)` in a script).
    pub fn record_custom(
        &self,
        metric: &std::sync::Arc<CustomMetric>,
        value: f64,
        tags: &VuPointTags<'_>,
    ) {
        let mut system = [("", ""); 3];
        metric.add(value, &point_lookup(&mut system, tags));
        if let Some(out) = self.output.stream() {
            out.emit_vu_point(
                crate::output::sample::MetricRef::Custom(metric.clone()),
                value,
                tags,
            );
        }
    }

    /// One condition of k6's `check()`: the `checks` rate and its sub-metrics.
    pub fn record_check(&self, passed: bool, tags: &VuPointTags<'_>) {
        self.checks.add(passed);
        let subs = self.subs.of(Builtin::Checks);
        if !subs.is_empty() {
            let mut system = [("", ""); 3];
            let lookup = point_lookup(&mut system, tags);
            for s in subs {
                s.offer(&lookup, if passed { 1.0 } else { 0.0 });
            }
        }
        if let Some(out) = self.output.stream() {
            out.emit_check(passed, tags);
        }
    }

    /// A finished `group()` (`tags.group` is its path).
    pub fn record_group_duration(&self, took_ms: f64, tags: &VuPointTags<'_>) {
        self.group_duration.record_ms(took_ms);
        let subs = self.subs.of(Builtin::GroupDuration);
        if !subs.is_empty() {
            let mut system = [("", ""); 3];
            let lookup = point_lookup(&mut system, tags);
            for s in subs {
                s.offer(&lookup, took_ms);
            }
        }
        if let Some(out) = self.output.stream() {
            out.emit_group_duration(took_ms, tags);
        }
    }

    /// An iteration `scenario` could not start (arrival-rate executors short of VUs).
    pub fn record_dropped_iteration(&self, scenario: &str) {
        self.dropped_iterations.add_u64(1);
        let subs = self.subs.of(Builtin::DroppedIterations);
        if !subs.is_empty() {
            let tags = PointTags {
                system: &[("scenario", scenario)],
                user: &TagSet::default(),
            };
            for s in subs {
                s.offer(&tags, 1.0);
            }
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
        let metric = std::sync::Arc::new(CustomMetric {
            name: name.to_string(),
            kind,
            contains,
            sink: MetricSink::new(kind),
            subs: self.subs.for_custom(name, kind),
        });
        all.push(metric.clone());
        Ok(metric)
    }

    pub fn find_custom(&self, name: &str) -> Option<std::sync::Arc<CustomMetric>> {
        let all = self.custom.read().unwrap_or_else(|e| e.into_inner());
        all.iter().find(|m| m.name == name).cloned()
    }

    /// A finished iteration of `scenario` (the `scenario` tag of its samples; None: the run's)
    /// by a VU with these user tags.
    pub fn record_iteration(&self, took: Duration, scenario: Option<&str>, user: &TagSet) {
        let ns = took.as_nanos() as u64;
        self.iterations.add_u64(1);
        self.iteration_duration.record_ns(ns);
        let (counts, times) = (
            self.subs.of(Builtin::Iterations),
            self.subs.of(Builtin::IterationDuration),
        );
        if !counts.is_empty() || !times.is_empty() {
            let mut system = [("", ""); 3];
            let tags = point_lookup(
                &mut system,
                &VuPointTags {
                    group: Some(""),
                    check: None,
                    scenario,
                    user,
                },
            );
            for s in counts {
                s.offer(&tags, 1.0);
            }
            for s in times {
                if s.selector.matches(&tags) {
                    s.sink.add_ns(ns);
                }
            }
        }
        if let Some(out) = self.output.stream() {
            out.emit_scenario_iteration(took, scenario, user);
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
            (self.subs.expected_response_id(), &h.duration_expected),
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
        let mut push = |name: &str, kind: MetricKind, contains: Contains, sink: &MetricSink| {
            if let Some(values) = sink.values(secs, trend_stats) {
                out.push(MetricSnapshot {
                    name: name.into(),
                    kind,
                    contains,
                    values,
                });
            }
        };
        for (parent, sub) in self.subs.all_builtin() {
            push(&sub.id, parent.kind(), parent.contains(), &sub.sink);
        }
        for m in self.custom.read().unwrap_or_else(|e| e.into_inner()).iter() {
            push(&m.name, m.kind, m.contains, &m.sink);
            for sub in m.subs.iter() {
                push(&sub.id, m.kind, m.contains, &sub.sink);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}
