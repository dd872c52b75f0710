//! Sub-metrics (spec §5.3): for each threshold key `metric{tag:value,...}` a sink of the parent's
//! type that gets every parent sample whose tags hold all of the selector's tags.
//!
//! They exist only when declared (the run's threshold keys) and the built-in
//! `http_req_duration{expected_response:true}`, which the registry keeps as a typed field. With
//! none declared, recording pays one branch (see [`SubMetrics::on_requests`]); with some, matching
//! reads the tags where they are ([`super::tags::TagLookup`]) and allocates nothing.

use super::sinks::{trend_stat, CounterSink, GaugeSink, RateSink, TrendSink};
use super::tags::{split_key, Selector, TagLookup};
use super::MetricKind;
use crate::output::sample::Builtin;

/// A sink of any of k6's four metric types.
pub enum MetricSink {
    Counter(CounterSink),
    Gauge(GaugeSink),
    Rate(RateSink),
    /// Values are kept as if they were milliseconds (the histogram's unit), so any non-negative
    /// value keeps 3 significant digits; negative values count as 0.
    Trend(TrendSink),
}

impl MetricSink {
    pub fn new(kind: MetricKind) -> Self {
        match kind {
            MetricKind::Counter => MetricSink::Counter(CounterSink::default()),
            MetricKind::Gauge => MetricSink::Gauge(GaugeSink::default()),
            MetricKind::Rate => MetricSink::Rate(RateSink::default()),
            MetricKind::Trend => MetricSink::Trend(TrendSink::default()),
        }
    }

    /// A sample as k6 adds it: counters sum, gauges keep the last, rates count non-zero values,
    /// trends take milliseconds.
    pub fn add(&self, value: f64) {
        match self {
            MetricSink::Counter(s) => s.add(value),
            MetricSink::Gauge(s) => s.set(value),
            MetricSink::Rate(s) => s.add(value != 0.0),
            MetricSink::Trend(s) => s.record_ms(value),
        }
    }

    /// A time sample in nanoseconds (the engine's unit for durations).
    #[inline]
    pub fn add_ns(&self, ns: u64) {
        match self {
            MetricSink::Trend(s) => s.record_ns(ns),
            other => other.add(ns as f64 / 1e6),
        }
    }

    /// The snapshot values (see [`super::MetricSnapshot::values`]); None while it has no sample.
    pub fn values(&self, run_secs: f64, trend_stats: &[String]) -> Option<Vec<(String, f64)>> {
        match self {
            MetricSink::Counter(c) if c.total() != 0.0 => {
                let count = c.total();
                let rate = if run_secs > 0.0 {
                    count / run_secs
                } else {
                    0.0
                };
                Some(vec![("count".into(), count), ("rate".into(), rate)])
            }
            MetricSink::Gauge(g) if g.has_value() => Some(vec![
                ("value".into(), g.value()),
                ("min".into(), g.min()),
                ("max".into(), g.max()),
            ]),
            MetricSink::Rate(r) if r.total() > 0 => Some(vec![
                ("rate".into(), r.rate()),
                ("passes".into(), r.passes() as f64),
                ("fails".into(), r.fails() as f64),
            ]),
            MetricSink::Trend(t) => {
                let snap = t.snapshot();
                (snap.count() > 0).then(|| {
                    trend_stats
                        .iter()
                        .filter_map(|stat| trend_stat(&snap, stat).map(|v| (stat.clone(), v)))
                        .collect()
                })
            }
            _ => None,
        }
    }
}

pub struct SubMetric {
    /// `parent{selector}`, the selector as the first key that declared it typed it.
    pub id: Box<str>,
    pub selector: Selector,
    pub sink: MetricSink,
}

impl SubMetric {
    /// Adds `value` when the sample's tags match.
    #[inline]
    pub fn offer(&self, tags: &impl TagLookup, value: f64) {
        if self.selector.matches(tags) {
            self.sink.add(value);
        }
    }
}

/// A sub-metric of a metric that is not built in: made with the custom metric of that name.
#[derive(Clone)]
pub struct Declared {
    pub id: Box<str>,
    pub parent: Box<str>,
    pub selector: Selector,
}

/// The built-in sub-metric every run has (k6 makes it while `expected_response` is a system tag).
pub const EXPECTED_RESPONSE_KEY: &str = "http_req_duration{expected_response:true}";

/// Every declared sub-metric of a run.
pub struct SubMetrics {
    /// By [`Builtin`] (its `index()`): the sub-metrics of each built-in metric.
    builtin: Box<[Box<[SubMetric]>]>,
    /// Some sub-metric is on a metric that requests feed (http_*, data_*).
    requests: bool,
    custom: Vec<Declared>,
    /// The id of the built-in `http_req_duration{expected_response:true}` (a key selecting the
    /// same tags first gives its own).
    expected_id: Box<str>,
    /// Each declared key (trimmed) and the id of the sub-metric it selects.
    ids: Vec<(String, String)>,
}

impl Default for SubMetrics {
    fn default() -> Self {
        SubMetrics::declare(&[]).unwrap_or_else(|_| unreachable!("no keys, no errors"))
    }
}

/// The metrics that requests feed.
const REQUEST_METRICS: [Builtin; 11] = [
    Builtin::HttpReqs,
    Builtin::HttpReqFailed,
    Builtin::HttpReqDuration,
    Builtin::HttpReqBlocked,
    Builtin::HttpReqConnecting,
    Builtin::HttpReqTlsHandshaking,
    Builtin::HttpReqSending,
    Builtin::HttpReqWaiting,
    Builtin::HttpReqReceiving,
    Builtin::DataSent,
    Builtin::DataReceived,
];

impl SubMetrics {
    /// Sub-metrics for these threshold keys (those without a selector are skipped). Keys that
    /// select the same tags of the same metric share the first one's sub-metric (k6 v0.49 and
    /// later). A key with a bad selector is an error.
    pub fn declare(keys: &[String]) -> Result<SubMetrics, String> {
        let mut builtin: Vec<Vec<SubMetric>> =
            (0..Builtin::ALL.len()).map(|_| Vec::new()).collect();
        let mut custom: Vec<Declared> = Vec::new();
        let mut ids = Vec::new();
        let expected = Selector::parse("expected_response:true")?;
        let mut expected_id: Option<Box<str>> = None;
        for key in keys {
            let Some((parent, text)) = split_key(key)? else {
                continue;
            };
            let selector = Selector::parse(text)
                .map_err(|e| format!("invalid threshold key {:?}: {e}", key.trim()))?;
            let id: Box<str> = format!("{parent}{{{}}}", text.trim()).into();
            let chosen = match Builtin::from_name(parent) {
                Some(Builtin::HttpReqDuration) if selector == expected => {
                    expected_id.get_or_insert(id).clone()
                }
                Some(b) => {
                    let list = &mut builtin[b.index()];
                    match list.iter().find(|s| s.selector == selector) {
                        Some(s) => s.id.clone(),
                        None => {
                            list.push(SubMetric {
                                id: id.clone(),
                                selector,
                                sink: MetricSink::new(b.kind()),
                            });
                            id
                        }
                    }
                }
                None => match custom
                    .iter()
                    .find(|d| &*d.parent == parent && d.selector == selector)
                {
                    Some(d) => d.id.clone(),
                    None => {
                        custom.push(Declared {
                            id: id.clone(),
                            parent: parent.into(),
                            selector,
                        });
                        id
                    }
                },
            };
            ids.push((key.trim().to_string(), chosen.to_string()));
        }
        let requests = REQUEST_METRICS
            .iter()
            .any(|b| !builtin[b.index()].is_empty());
        Ok(SubMetrics {
            builtin: builtin.into_iter().map(Vec::into_boxed_slice).collect(),
            requests,
            custom,
            expected_id: expected_id.unwrap_or_else(|| EXPECTED_RESPONSE_KEY.into()),
            ids,
        })
    }

    /// Whether requests must be matched at all: the request path's one branch.
    #[inline]
    pub fn on_requests(&self) -> bool {
        self.requests
    }

    #[inline]
    pub fn of(&self, metric: Builtin) -> &[SubMetric] {
        &self.builtin[metric.index()]
    }

    /// The built-in sub-metrics, with their parents.
    pub fn all_builtin(&self) -> impl Iterator<Item = (Builtin, &SubMetric)> {
        Builtin::ALL
            .iter()
            .flat_map(move |b| self.of(*b).iter().map(move |s| (*b, s)))
    }

    /// Sub-metrics for the custom metric `name` of type `kind`, made now.
    pub fn for_custom(&self, name: &str, kind: MetricKind) -> Box<[SubMetric]> {
        self.custom
            .iter()
            .filter(|d| &*d.parent == name)
            .map(|d| SubMetric {
                id: d.id.clone(),
                selector: d.selector.clone(),
                sink: MetricSink::new(kind),
            })
            .collect()
    }

    pub fn expected_response_id(&self) -> &str {
        &self.expected_id
    }

    /// Each declared key (trimmed) and the id of the sub-metric that holds its samples.
    pub fn ids(&self) -> &[(String, String)] {
        &self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::tags::{PointTags, TagSet};

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_keys_with_selectors_declare_sub_metrics() {
        let subs = SubMetrics::declare(&keys(&["http_reqs", "checks"])).unwrap();
        assert!(!subs.on_requests());
        assert!(subs.all_builtin().next().is_none());
        assert_eq!(subs.expected_response_id(), EXPECTED_RESPONSE_KEY);
    }

    #[test]
    fn ids_keep_the_selector_as_typed_and_equal_selectors_share_one() {
        let subs = SubMetrics::declare(&keys(&[
            "http_reqs{status: 404}",
            "http_reqs{ status:'404' }",
            "http_req_duration{name:foo,method:GET}",
            "checks{mytag:x}",
            "my_trend{tag:v}",
            "my_trend{ tag : v }",
        ]))
        .unwrap();
        assert!(subs.on_requests());
        let ids: Vec<_> = subs.ids().iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "http_reqs{status: 404}",
                "http_reqs{status: 404}",
                "http_req_duration{name:foo,method:GET}",
                "checks{mytag:x}",
                "my_trend{tag:v}",
                "my_trend{tag:v}"
            ]
        );
        assert_eq!(subs.of(Builtin::HttpReqs).len(), 1);
        assert_eq!(subs.for_custom("my_trend", MetricKind::Trend).len(), 1);
        assert!(subs.for_custom("other", MetricKind::Trend).is_empty());
    }

    #[test]
    fn a_key_selecting_expected_response_names_the_built_in_one() {
        let subs =
            SubMetrics::declare(&keys(&["http_req_duration{expected_response: true}"])).unwrap();
        assert_eq!(
            subs.expected_response_id(),
            "http_req_duration{expected_response: true}"
        );
        assert!(subs.of(Builtin::HttpReqDuration).is_empty());
    }

    #[test]
    fn bad_selectors_are_refused() {
        assert!(SubMetrics::declare(&keys(&["http_reqs{}"])).is_err());
        assert!(SubMetrics::declare(&keys(&["http_reqs{status:200"])).is_err());
    }

    #[test]
    fn a_sub_metric_takes_only_matching_samples() {
        let subs = SubMetrics::declare(&keys(&["checks{mytag:x}"])).unwrap();
        let sub = &subs.of(Builtin::Checks)[0];
        let x = TagSet::new([("mytag", "x")]);
        let y = TagSet::new([("mytag", "y")]);
        sub.offer(
            &PointTags {
                system: &[("check", "a")],
                user: &x,
            },
            1.0,
        );
        sub.offer(
            &PointTags {
                system: &[("check", "a")],
                user: &x,
            },
            0.0,
        );
        sub.offer(
            &PointTags {
                system: &[("check", "a")],
                user: &y,
            },
            1.0,
        );
        let values = sub.sink.values(1.0, &[]).unwrap();
        assert_eq!(
            values,
            [
                ("rate".to_string(), 0.5),
                ("passes".to_string(), 1.0),
                ("fails".to_string(), 1.0)
            ]
        );
    }
}

#[cfg(test)]
mod builtin_index_tests {
    use crate::output::sample::Builtin;

    #[test]
    fn every_builtin_sits_at_its_index_and_is_found_by_name() {
        for (i, b) in Builtin::ALL.iter().enumerate() {
            assert_eq!(b.index(), i);
            assert_eq!(Builtin::from_name(b.name()), Some(*b));
        }
        assert_eq!(Builtin::from_name("my_metric"), None);
    }
}
