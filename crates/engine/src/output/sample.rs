//! What the engine puts on the output queue, and how each entry reads as k6's samples (one
//! metric, one time, one value, sorted tags).
//!
//! An HTTP request is one queue entry, not eleven: the writer expands it into k6's samples
//! (`http_reqs`, the seven phase trends, `http_req_failed`, `data_sent`, `data_received`), so a
//! producer does one queue operation and no allocation per request.

use crate::http::{Outcome, PreparedRequest, Timings};
use crate::metrics::registry::CustomMetric;
use crate::metrics::tags::{Digits, TagSet};
use crate::metrics::{Contains, MetricKind};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// k6's built-in metrics that outputs carry (spec §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    HttpReqs,
    HttpReqDuration,
    HttpReqBlocked,
    HttpReqConnecting,
    HttpReqTlsHandshaking,
    HttpReqSending,
    HttpReqWaiting,
    HttpReqReceiving,
    HttpReqFailed,
    DataSent,
    DataReceived,
    Iterations,
    IterationDuration,
    Checks,
    GroupDuration,
    Vus,
    VusMax,
    DroppedIterations,
}

impl Builtin {
    pub const ALL: [Builtin; 18] = {
        use Builtin::*;
        [
            HttpReqs,
            HttpReqDuration,
            HttpReqBlocked,
            HttpReqConnecting,
            HttpReqTlsHandshaking,
            HttpReqSending,
            HttpReqWaiting,
            HttpReqReceiving,
            HttpReqFailed,
            DataSent,
            DataReceived,
            Iterations,
            IterationDuration,
            Checks,
            GroupDuration,
            Vus,
            VusMax,
            DroppedIterations,
        ]
    };

    /// Its place in [`Builtin::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.name() == name)
    }

    pub fn name(self) -> &'static str {
        use Builtin::*;
        match self {
            HttpReqs => "http_reqs",
            HttpReqDuration => "http_req_duration",
            HttpReqBlocked => "http_req_blocked",
            HttpReqConnecting => "http_req_connecting",
            HttpReqTlsHandshaking => "http_req_tls_handshaking",
            HttpReqSending => "http_req_sending",
            HttpReqWaiting => "http_req_waiting",
            HttpReqReceiving => "http_req_receiving",
            HttpReqFailed => "http_req_failed",
            DataSent => "data_sent",
            DataReceived => "data_received",
            Iterations => "iterations",
            IterationDuration => "iteration_duration",
            Checks => "checks",
            GroupDuration => "group_duration",
            Vus => "vus",
            VusMax => "vus_max",
            DroppedIterations => "dropped_iterations",
        }
    }

    pub fn kind(self) -> MetricKind {
        use Builtin::*;
        match self {
            HttpReqs | DataSent | DataReceived | Iterations | DroppedIterations => {
                MetricKind::Counter
            }
            HttpReqFailed | Checks => MetricKind::Rate,
            Vus | VusMax => MetricKind::Gauge,
            _ => MetricKind::Trend,
        }
    }

    pub fn contains(self) -> Contains {
        use Builtin::*;
        match self {
            DataSent | DataReceived => Contains::Data,
            HttpReqs | HttpReqFailed | Iterations | Checks | Vus | VusMax | DroppedIterations => {
                Contains::Default
            }
            _ => Contains::Time,
        }
    }
}

/// The metric of a sample: a built-in, or a script's custom metric (shared, not copied).
#[derive(Clone)]
pub enum MetricRef {
    Builtin(Builtin),
    Custom(Arc<CustomMetric>),
}

impl MetricRef {
    pub fn name(&self) -> &str {
        match self {
            MetricRef::Builtin(b) => b.name(),
            MetricRef::Custom(m) => &m.name,
        }
    }

    pub fn kind(&self) -> MetricKind {
        match self {
            MetricRef::Builtin(b) => b.kind(),
            MetricRef::Custom(m) => m.kind,
        }
    }

    pub fn contains(&self) -> Contains {
        match self {
            MetricRef::Builtin(b) => b.contains(),
            MetricRef::Custom(m) => m.contains,
        }
    }
}

/// One finished request with what its tags are made of. `group`/`scenario` None: the fast
/// path's `""` group and the run's scenario.
pub struct HttpSample {
    pub time: SystemTime,
    /// Shares the rendered request (its method and URL): no copy per request.
    pub request: PreparedRequest,
    /// `HTTP/1.1`; empty when no response came.
    pub proto: &'static str,
    pub status: u16,
    pub error: Option<Box<str>>,
    pub error_code: u32,
    pub timings: Timings,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub group: Option<Box<str>>,
    pub scenario: Option<Box<str>>,
    /// The request's user tags (shared, not copied).
    pub user: TagSet,
    /// The response callback's verdict; None: no callback (no `expected_response` tag, no
    /// `http_req_failed` sample).
    pub expected: Option<bool>,
}

impl HttpSample {
    pub fn new(
        outcome: &Outcome,
        request: &PreparedRequest,
        proto: &'static str,
        group: Option<&str>,
        scenario: Option<&str>,
        user: &TagSet,
        expected: Option<bool>,
    ) -> Self {
        let ok = outcome.error.is_none();
        HttpSample {
            time: SystemTime::now(),
            request: request.clone(),
            proto: if ok { proto } else { "" },
            status: outcome.status,
            error: outcome.error.as_ref().map(|e| e.message.as_str().into()),
            error_code: outcome.error_code(),
            timings: outcome.timings,
            bytes_sent: outcome.bytes_sent,
            bytes_received: outcome.bytes_received,
            group: group.filter(|g| !g.is_empty()).map(Into::into),
            scenario: scenario.filter(|s| !s.is_empty()).map(Into::into),
            user: user.clone(),
            expected,
        }
    }
}

/// Any other sample: checks, group durations, custom metrics. Tags are kept as given and sorted
/// by the writer; a system tag wins over a user tag of the same name.
pub struct Point {
    pub time: SystemTime,
    pub metric: MetricRef,
    pub value: f64,
    pub tags: Vec<(&'static str, Box<str>)>,
    pub user: TagSet,
}

/// One entry of the output queue.
pub enum Emission {
    Http(HttpSample),
    /// A finished iteration: `iteration_duration` and `iterations`, tagged group `""` and its
    /// scenario (None: the run's).
    Iteration {
        time: SystemTime,
        took: Duration,
        scenario: Option<Box<str>>,
        user: TagSet,
    },
    Point(Point),
}

impl Emission {
    /// How many k6 samples this entry stands for (what a drop loses).
    pub fn samples(&self) -> u64 {
        match self {
            Emission::Http(h) => 10 + u64::from(h.expected.is_some()),
            Emission::Iteration { .. } => 2,
            Emission::Point(_) => 1,
        }
    }
}

/// One k6 sample as the formats see it. `tags` are sorted by name.
pub struct SampleView<'a> {
    pub metric: &'a str,
    pub kind: MetricKind,
    pub contains: Contains,
    pub time: SystemTime,
    pub value: f64,
    pub tags: &'a [(&'a str, &'a str)],
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// `system` (sorted by name) with the user tags that no system tag overrides, sorted by name.
fn with_user_tags<'a>(system: &[(&'a str, &'a str)], user: &'a TagSet) -> Vec<(&'a str, &'a str)> {
    let mut tags: Vec<(&str, &str)> = system.to_vec();
    tags.extend(
        user.iter()
            .filter(|(k, _)| !system.iter().any(|(s, _)| s == k)),
    );
    tags.sort_unstable_by(|a, b| a.0.cmp(b.0));
    tags
}

/// Calls `f` with each k6 sample of `e`, in k6's order. `scenario` is the run's scenario name.
pub fn for_each_sample(e: &Emission, scenario: &str, f: &mut dyn FnMut(&SampleView<'_>)) {
    match e {
        Emission::Http(h) => {
            let status = Digits::new(u32::from(h.status));
            let code = Digits::new(h.error_code);
            let group = h.group.as_deref().unwrap_or("");
            let scenario = h.scenario.as_deref().unwrap_or(scenario);
            // A user `name` tag names the request, and k6 v0.49 writes it as the `url` tag too
            // (http.url templates and params.tags.name keep both tags low in cardinality).
            let url = h.user.get("name").unwrap_or(h.request.url());
            // In name order, as k6 prints tags.
            let entries: [(&'static str, Option<&str>); 10] = [
                ("error", h.error.as_deref()),
                ("error_code", (h.error_code != 0).then(|| code.as_str())),
                (
                    "expected_response",
                    h.expected.map(|e| if e { "true" } else { "false" }),
                ),
                ("group", Some(group)),
                ("method", Some(h.request.method())),
                ("name", Some(url)),
                ("proto", (!h.proto.is_empty()).then_some(h.proto)),
                ("scenario", Some(scenario)),
                ("status", Some(status.as_str())),
                ("url", Some(url)),
            ];
            let mut tags: [(&str, &str); 10] = [("", ""); 10];
            let mut n = 0;
            for (k, v) in entries {
                if let Some(v) = v {
                    tags[n] = (k, v);
                    n += 1;
                }
            }
            let merged;
            let tags = if h.user.is_empty() {
                &tags[..n]
            } else {
                merged = with_user_tags(&tags[..n], &h.user);
                &merged[..]
            };
            let t = &h.timings;
            let http: [(Builtin, f64); 8] = [
                (Builtin::HttpReqs, 1.0),
                (Builtin::HttpReqDuration, ms(t.duration())),
                (Builtin::HttpReqBlocked, ms(t.blocked)),
                (Builtin::HttpReqConnecting, ms(t.connecting)),
                (Builtin::HttpReqTlsHandshaking, ms(t.tls_handshaking)),
                (Builtin::HttpReqSending, ms(t.sending)),
                (Builtin::HttpReqWaiting, ms(t.waiting)),
                (Builtin::HttpReqReceiving, ms(t.receiving)),
            ];
            for (metric, value) in http {
                f(&builtin_view(metric, h.time, value, tags));
            }
            // Without a response callback k6 emits no http_req_failed sample at all.
            if let Some(expected) = h.expected {
                let failed = if expected { 0.0 } else { 1.0 };
                f(&builtin_view(Builtin::HttpReqFailed, h.time, failed, tags));
            }
            // k6 tags its data samples with the VU's tags, not the request's system tags.
            let data_tags = with_user_tags(&[("group", group), ("scenario", scenario)], &h.user);
            f(&builtin_view(
                Builtin::DataSent,
                h.time,
                h.bytes_sent as f64,
                &data_tags,
            ));
            f(&builtin_view(
                Builtin::DataReceived,
                h.time,
                h.bytes_received as f64,
                &data_tags,
            ));
        }
        Emission::Iteration {
            time,
            took,
            scenario: own,
            user,
        } => {
            let tags = with_user_tags(
                &[
                    ("group", ""),
                    ("scenario", own.as_deref().unwrap_or(scenario)),
                ],
                user,
            );
            let took_ms = took.as_nanos() as f64 / 1e6;
            f(&builtin_view(
                Builtin::IterationDuration,
                *time,
                took_ms,
                &tags,
            ));
            f(&builtin_view(Builtin::Iterations, *time, 1.0, &tags));
        }
        Emission::Point(p) => {
            let system: Vec<(&str, &str)> = p.tags.iter().map(|(k, v)| (*k, &**v)).collect();
            let tags = with_user_tags(&system, &p.user);
            f(&SampleView {
                metric: p.metric.name(),
                kind: p.metric.kind(),
                contains: p.metric.contains(),
                time: p.time,
                value: p.value,
                tags: &tags,
            });
        }
    }
}

pub fn builtin_view<'a>(
    metric: Builtin,
    time: SystemTime,
    value: f64,
    tags: &'a [(&'a str, &'a str)],
) -> SampleView<'a> {
    SampleView {
        metric: metric.name(),
        kind: metric.kind(),
        contains: metric.contains(),
        time,
        value,
        tags,
    }
}
