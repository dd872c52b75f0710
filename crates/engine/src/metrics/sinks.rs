//! k6's four metric kinds as lock-free sinks, callable from any thread.
//!
//! | k6 kind | sink            | written by                | read as                     |
//! |---------|-----------------|---------------------------|-----------------------------|
//! | Counter | [`CounterSink`] | `add` (f64) / `add_u64`   | `total`                     |
//! | Gauge   | [`GaugeSink`]   | `set`                     | `value`, `min`, `max`       |
//! | Rate    | [`RateSink`]    | `add(nonzero)`            | `passes`, `fails`, `rate`   |
//! | Trend   | [`TrendSink`]   | `record_ns` / `record_ms` | `snapshot` + [`trend_stat`] |
//!
//! Counters, rates and trends are sharded per thread like [`Histogram`] (same shard index), so
//! concurrent writers do not share cache lines; reads sum the shards. A gauge is a single
//! last-written value and is not sharded. Sinks do not validate values: the registry (and the JS
//! layer) reject NaN and negative counter increments where k6 does.

use std::sync::atomic::{
    AtomicBool, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};

use std::fmt;

use crossbeam_utils::CachePadded;

use super::histogram::{thread_shard, Histogram, HistogramSnapshot, SHARDS};

impl fmt::Debug for CounterSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CounterSink")
            .field("total", &self.total())
            .finish()
    }
}

impl fmt::Debug for GaugeSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GaugeSink")
            .field("value", &self.value())
            .field("min", &self.min())
            .field("max", &self.max())
            .finish()
    }
}

impl fmt::Debug for RateSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateSink")
            .field("passes", &self.passes())
            .field("fails", &self.fails())
            .finish()
    }
}

/// Adds `v` to the f64 stored as bits in `cell`.
#[inline]
fn add_f64(cell: &AtomicU64, v: f64) {
    // The cell is normally the calling thread's own shard, so the loop runs once.
    let _ = cell.fetch_update(Relaxed, Relaxed, |bits| {
        Some((f64::from_bits(bits) + v).to_bits())
    });
}

/// Replaces the f64 in `cell` by `v` while `better(v, current)`.
#[inline]
fn update_f64_if(cell: &AtomicU64, v: f64, better: impl Fn(f64, f64) -> bool) {
    let _ = cell.fetch_update(Relaxed, Relaxed, |bits| {
        better(v, f64::from_bits(bits)).then_some(v.to_bits())
    });
}

#[derive(Default)]
struct CounterShard {
    /// Integer increments (bytes, requests): a plain `fetch_add`, exact up to 2^64.
    integer: AtomicU64,
    /// Everything else, as f64 bits.
    float: AtomicU64,
}

/// k6's Counter: a cumulative sum. Built-ins add integers (`data_sent`, `http_reqs`); custom JS
/// counters may add any float.
#[derive(Default)]
pub struct CounterSink {
    shards: [CachePadded<CounterShard>; SHARDS],
}

impl CounterSink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `v`. Whole non-negative values take the integer path, so a counter fed only with
    /// whole numbers is exact (no f64 rounding) until its total passes 2^53.
    #[inline]
    pub fn add(&self, v: f64) {
        if (0.0..18_446_744_073_709_551_616.0).contains(&v) && v.fract() == 0.0 {
            self.add_u64(v as u64);
        } else {
            add_f64(&self.shards[thread_shard()].float, v);
        }
    }

    /// Adds a whole number: one `fetch_add` on the calling thread's shard.
    #[inline]
    pub fn add_u64(&self, v: u64) {
        self.shards[thread_shard()].integer.fetch_add(v, Relaxed);
    }

    /// Sum of everything added.
    pub fn total(&self) -> f64 {
        let mut integer: u128 = 0;
        let mut float = 0.0;
        for shard in &self.shards {
            integer += u128::from(shard.integer.load(Relaxed));
            float += f64::from_bits(shard.float.load(Relaxed));
        }
        integer as f64 + float
    }
}

/// k6's Gauge: the last value set, plus the smallest and largest ever set (k6's summary prints
/// `value min=.. max=..`). When several threads set at once, one of their values wins.
pub struct GaugeSink {
    value: AtomicU64,
    min: AtomicU64,
    max: AtomicU64,
    has_value: AtomicBool,
}

impl Default for GaugeSink {
    fn default() -> Self {
        GaugeSink {
            value: AtomicU64::new(0f64.to_bits()),
            min: AtomicU64::new(f64::INFINITY.to_bits()),
            max: AtomicU64::new(f64::NEG_INFINITY.to_bits()),
            has_value: AtomicBool::new(false),
        }
    }
}

impl GaugeSink {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&self, v: f64) {
        update_f64_if(&self.min, v, |v, current| v < current);
        update_f64_if(&self.max, v, |v, current| v > current);
        self.value.store(v.to_bits(), Relaxed);
        // Release after min/max: a reader that sees `has_value` sees finite extremes.
        if !self.has_value.load(Relaxed) {
            self.has_value.store(true, Release);
        }
    }

    /// True once any value was set.
    pub fn has_value(&self) -> bool {
        self.has_value.load(Acquire)
    }

    /// Last value set; 0 before any.
    pub fn value(&self) -> f64 {
        f64::from_bits(self.value.load(Relaxed))
    }

    /// Smallest value ever set; 0 before any.
    pub fn min(&self) -> f64 {
        self.extreme(&self.min)
    }

    /// Largest value ever set; 0 before any.
    pub fn max(&self) -> f64 {
        self.extreme(&self.max)
    }

    fn extreme(&self, cell: &AtomicU64) -> f64 {
        if self.has_value() {
            f64::from_bits(cell.load(Relaxed))
        } else {
            0.0
        }
    }
}

#[derive(Default)]
struct RateShard {
    passes: AtomicU64,
    fails: AtomicU64,
}

/// k6's Rate: the fraction of non-zero samples (checks, `http_req_failed`).
#[derive(Default)]
pub struct RateSink {
    shards: [CachePadded<RateShard>; SHARDS],
}

impl RateSink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one sample; `nonzero` is k6's "value != 0" (a passed check, a failed request).
    #[inline]
    pub fn add(&self, nonzero: bool) {
        let shard = &self.shards[thread_shard()];
        if nonzero { &shard.passes } else { &shard.fails }.fetch_add(1, Relaxed);
    }

    /// Samples that were non-zero.
    pub fn passes(&self) -> u64 {
        self.shards.iter().map(|s| s.passes.load(Relaxed)).sum()
    }

    /// Samples that were zero.
    pub fn fails(&self) -> u64 {
        self.shards.iter().map(|s| s.fails.load(Relaxed)).sum()
    }

    /// All samples.
    pub fn total(&self) -> u64 {
        self.passes() + self.fails()
    }

    /// passes / total, 0 when there is no sample (as k6).
    pub fn rate(&self) -> f64 {
        let (passes, fails) = (self.passes(), self.fails());
        match passes + fails {
            0 => 0.0,
            total => passes as f64 / total as f64,
        }
    }
}

/// k6's Trend for time values (`http_req_*`, `iteration_duration`, `Trend(name, true)`), kept in a
/// [`Histogram`] in nanoseconds.
#[derive(Debug, Default)]
pub struct TrendSink {
    histogram: Histogram,
}

impl TrendSink {
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    pub fn record_ns(&self, ns: u64) {
        self.histogram.record(ns);
    }

    /// Records a duration in milliseconds (k6's unit for time trends), rounded to the nearest
    /// nanosecond; negative and NaN become 0, +inf `u64::MAX` (which wraps the shard's sum: the
    /// registry rejects non-finite values before they get here).
    #[inline]
    pub fn record_ms(&self, ms: f64) {
        // `as` saturates: negative and NaN -> 0, too large -> u64::MAX.
        self.histogram.record((ms * 1e6).round() as u64);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        self.histogram.snapshot()
    }

    pub fn histogram(&self) -> &Histogram {
        &self.histogram
    }
}

/// One of k6's trend statistics read from a nanosecond snapshot, in MILLISECONDS except `count`:
/// `avg`, `min`, `med`, `max`, `count` and `p(N)` for any N in 0..=100 (`p(95)`, `p(99.9)`,
/// `p(0)`). Any other name (including `sum`, which k6's summary does not offer either) is `None`.
/// An empty trend gives 0 for every statistic.
pub fn trend_stat(snapshot: &HistogramSnapshot, name: &str) -> Option<f64> {
    const NS_PER_MS: f64 = 1e6;
    let ns = match name {
        "count" => return Some(snapshot.count() as f64),
        "avg" => snapshot.mean(),
        "min" => snapshot.min() as f64,
        "max" => snapshot.max() as f64,
        "med" => snapshot.percentile(50.0),
        _ => snapshot.percentile(parse_percentile(name)?),
    };
    Some(ns / NS_PER_MS)
}

/// The N of `p(N)`, if it is a number in 0..=100 (k6: `strconv.ParseFloat`, no spaces).
fn parse_percentile(name: &str) -> Option<f64> {
    let n: f64 = name.strip_prefix("p(")?.strip_suffix(')')?.parse().ok()?;
    (0.0..=100.0).contains(&n).then_some(n)
}
