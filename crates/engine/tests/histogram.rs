//! The histogram's promises (accuracy against k6's exact percentiles, exact totals under
//! concurrency, merging, constant memory, no allocation on record) and the metric sinks.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Barrier;
use std::thread;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use volley_engine::metrics::histogram::{Histogram, HistogramSnapshot, BUCKETS};
use volley_engine::metrics::sinks::{trend_stat, CounterSink, GaugeSink, RateSink, TrendSink};

/// Counts the allocations made by each thread, to check that recording allocates nothing.
struct CountingAllocator;

thread_local! {
    static THREAD_ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// const-initialised thread-local Cell, which neither allocates nor needs a destructor.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = THREAD_ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_on_this_thread() -> u64 {
    THREAD_ALLOCATIONS.with(Cell::get)
}

/// k6's TrendSink.P: sort, then interpolate at index p/100 * (n-1).
fn exact_percentile(sorted: &[u64], p: f64) -> f64 {
    let i = p / 100.0 * (sorted.len() - 1) as f64;
    let (lo, hi) = (
        sorted[i.floor() as usize] as f64,
        sorted[i.ceil() as usize] as f64,
    );
    lo + (hi - lo) * (i - i.floor())
}

const PERCENTILES: [f64; 12] = [
    0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0,
];
const US: f64 = 1e3;
const MS: f64 = 1e6;
const S: f64 = 1e9;
const HOUR: f64 = 3600.0 * S;

fn normal(rng: &mut SmallRng) -> f64 {
    // Box-Muller.
    let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn exponential(rng: &mut SmallRng, mean: f64) -> f64 {
    -(1.0 - rng.random::<f64>()).ln() * mean
}

fn samples(shape: &str, n: usize, seed: u64) -> Vec<u64> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let v = match shape {
                "uniform 1us..1s" => rng.random_range(US..S),
                // Median 20 ms, long right tail.
                "log-normal latencies" => 20.0 * MS * (0.8 * normal(&mut rng)).exp(),
                "exponential" => US + exponential(&mut rng, 5.0 * MS),
                "bimodal hits and misses" => {
                    if rng.random::<f64>() < 0.9 {
                        200.0 * US + exponential(&mut rng, 50.0 * US)
                    } else {
                        80.0 * MS * (0.3 * normal(&mut rng)).exp()
                    }
                }
                "constant" => 12_345_678.0,
                "1us to 1h" => US * (HOUR / US).powf(rng.random::<f64>()),
                other => panic!("unknown shape {other}"),
            };
            v.round() as u64
        })
        .collect()
}

fn record_all(values: &[u64]) -> HistogramSnapshot {
    let h = Histogram::new();
    for &v in values {
        h.record(v);
    }
    h.snapshot()
}

#[test]
fn percentiles_are_within_0_1_percent_of_k6_exact_and_min_max_mean_are_exact() {
    let shapes = [
        "uniform 1us..1s",
        "log-normal latencies",
        "exponential",
        "bimodal hits and misses",
        "constant",
        "1us to 1h",
    ];
    for (seed, shape) in shapes.into_iter().enumerate() {
        for n in [1, 2, 7, 1000, 200_000] {
            let mut values = samples(shape, n, seed as u64);
            let snapshot = record_all(&values);
            values.sort_unstable();

            assert_eq!(snapshot.count(), n as u64, "{shape}");
            assert_eq!(snapshot.min(), values[0], "{shape}");
            assert_eq!(snapshot.max(), values[n - 1], "{shape}");
            let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
            assert_eq!(snapshot.sum(), sum, "{shape}");
            assert_eq!(snapshot.mean(), sum as f64 / n as f64, "{shape}");

            for p in PERCENTILES {
                let exact = exact_percentile(&values, p);
                let estimate = snapshot.percentile(p);
                let error = (estimate - exact).abs() / exact;
                assert!(
                    error <= 0.001,
                    "{shape} n={n} p({p}): {estimate} vs exact {exact} ({:.4} %)",
                    error * 100.0
                );
            }
        }
    }
}

#[test]
fn percentile_ends_are_exact_and_constant_data_is_exact() {
    let snapshot = record_all(&[5_000, 1_000_001, 77_777_777_777]);
    assert_eq!(snapshot.percentile(0.0), 5_000.0);
    assert_eq!(snapshot.percentile(100.0), 77_777_777_777.0);
    assert_eq!(snapshot.percentile(-3.0), 5_000.0);
    assert_eq!(snapshot.percentile(250.0), 77_777_777_777.0);
    assert_eq!(snapshot.percentile(f64::NAN), 5_000.0);

    let constant = record_all(&[123_456_789; 1000]);
    for p in PERCENTILES {
        assert_eq!(constant.percentile(p), 123_456_789.0);
    }
}

#[test]
fn an_empty_histogram_reads_as_zero() {
    let snapshot = Histogram::new().snapshot();
    assert_eq!(snapshot.count(), 0);
    assert!(snapshot.is_empty());
    assert_eq!((snapshot.min(), snapshot.max(), snapshot.sum()), (0, 0, 0));
    assert_eq!(snapshot.mean(), 0.0);
    for p in PERCENTILES {
        assert_eq!(snapshot.percentile(p), 0.0);
    }
    assert_eq!(snapshot, HistogramSnapshot::default());
}

#[test]
fn values_beyond_the_top_bucket_keep_exact_max_sum_and_count() {
    let huge = [u64::MAX / 4, 10 * 3_600_000_000_000 * 1000];
    let snapshot = record_all(&huge);
    assert_eq!(snapshot.count(), 2);
    assert_eq!(snapshot.max(), u64::MAX / 4);
    assert_eq!(snapshot.min(), huge[1]);
    assert_eq!(
        snapshot.sum(),
        huge.iter().map(|&v| u128::from(v)).sum::<u128>()
    );
    assert_eq!(snapshot.percentile(100.0), (u64::MAX / 4) as f64);
}

#[test]
fn concurrent_recording_from_8_threads_loses_nothing() {
    const THREADS: u64 = 8;
    const PER_THREAD: u64 = 250_000;
    let h = Histogram::new();
    let start = Barrier::new(THREADS as usize);
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (h, start) = (&h, &start);
            scope.spawn(move || {
                start.wait();
                for i in 0..PER_THREAD {
                    h.record(1_000 + t * 1_000_000 + i);
                }
            });
        }
    });
    let snapshot = h.snapshot();
    let n = THREADS * PER_THREAD;
    assert_eq!(snapshot.count(), n);
    assert_eq!(snapshot.buckets().map(|b| b.count).sum::<u64>(), n);
    let expected_sum: u128 = (0..THREADS)
        .flat_map(|t| (0..PER_THREAD).map(move |i| u128::from(1_000 + t * 1_000_000 + i)))
        .sum();
    assert_eq!(snapshot.sum(), expected_sum);
    assert_eq!(snapshot.min(), 1_000);
    assert_eq!(
        snapshot.max(),
        1_000 + (THREADS - 1) * 1_000_000 + PER_THREAD - 1
    );
    // A thread records into one shard only.
    assert!(h.allocated_bytes() <= THREADS as usize * BUCKETS * 8);
}

#[test]
fn snapshots_taken_during_recording_are_coherent() {
    let h = Histogram::new();
    let stop = std::sync::atomic::AtomicBool::new(false);
    thread::scope(|scope| {
        for t in 0..2u64 {
            let (h, stop) = (&h, &stop);
            scope.spawn(move || {
                let mut v = 1_000 + t;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    h.record(v);
                    v = (v * 7 + 13) % 1_000_000_000 + 1_000;
                }
            });
        }
        let mut previous = 0;
        for _ in 0..200 {
            let s = h.snapshot();
            assert!(s.count() >= previous);
            previous = s.count();
            assert_eq!(s.buckets().map(|b| b.count).sum::<u64>(), s.count());
            let p99 = s.percentile(99.0);
            assert!(s.is_empty() || (s.min() as f64 <= p99 && p99 <= s.max() as f64));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

#[test]
fn merging_two_snapshots_equals_one_histogram_fed_both_streams() {
    let a = samples("log-normal latencies", 50_000, 1);
    let b = samples("bimodal hits and misses", 30_000, 2);
    let both: Vec<u64> = a.iter().chain(&b).copied().collect();

    let mut merged = record_all(&a);
    merged.merge(&record_all(&b));
    assert_eq!(merged, record_all(&both));

    let mut from_empty = HistogramSnapshot::default();
    from_empty.merge(&record_all(&a));
    from_empty.merge(&HistogramSnapshot::default());
    assert_eq!(from_empty, record_all(&a));
}

#[test]
fn memory_stays_constant_over_10_million_samples() {
    let h = Histogram::new();
    assert_eq!(h.allocated_bytes(), 0);
    let mut rng = SmallRng::seed_from_u64(7);
    h.record(1);
    let after_first = h.allocated_bytes();
    assert_eq!(after_first, BUCKETS * 8);

    let allocations_before = allocations_on_this_thread();
    drop(std::hint::black_box(vec![0u8; 16]));
    assert_eq!(
        allocations_on_this_thread(),
        allocations_before + 1,
        "allocator counts"
    );
    let allocations_before = allocations_on_this_thread();
    for _ in 0..10_000_000 {
        // 1 µs .. ~1 h, every bucket group touched.
        h.record(1_000u64 << rng.random_range(0..32) | rng.random_range(0..1_000));
    }
    assert_eq!(
        allocations_on_this_thread(),
        allocations_before,
        "record allocated"
    );
    assert_eq!(h.allocated_bytes(), after_first);

    let snapshot = h.snapshot();
    assert_eq!(snapshot.count(), 10_000_001);
    assert!(snapshot.buckets().count() <= BUCKETS);
}

#[test]
fn counter_totals_are_exact_across_threads() {
    let counter = CounterSink::new();
    thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..100_000 {
                    counter.add_u64(3);
                    counter.add(1.0);
                    counter.add(0.5);
                }
            });
        }
    });
    assert_eq!(counter.total(), 8.0 * 100_000.0 * 4.5);

    let mixed = CounterSink::new();
    mixed.add(-2.25);
    mixed.add(10.0);
    assert_eq!(mixed.total(), 7.75);
    assert_eq!(CounterSink::new().total(), 0.0);
}

#[test]
fn gauge_keeps_last_value_and_extremes() {
    let gauge = GaugeSink::new();
    assert!(!gauge.has_value());
    assert_eq!((gauge.value(), gauge.min(), gauge.max()), (0.0, 0.0, 0.0));
    for v in [5.0, -1.5, 42.0, 7.0] {
        gauge.set(v);
    }
    assert!(gauge.has_value());
    assert_eq!((gauge.value(), gauge.min(), gauge.max()), (7.0, -1.5, 42.0));

    let shared = GaugeSink::new();
    thread::scope(|scope| {
        for t in 0..4 {
            let shared = &shared;
            scope.spawn(move || {
                for i in 0..10_000 {
                    shared.set(f64::from(t * 10_000 + i));
                }
            });
        }
    });
    assert_eq!((shared.min(), shared.max()), (0.0, 39_999.0));
}

#[test]
fn rate_counts_passes_and_fails() {
    let rate = RateSink::new();
    assert_eq!(
        (rate.passes(), rate.fails(), rate.total(), rate.rate()),
        (0, 0, 0, 0.0)
    );
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for i in 0..10_000 {
                    rate.add(i % 4 != 0);
                }
            });
        }
    });
    assert_eq!(
        (rate.passes(), rate.fails(), rate.total()),
        (30_000, 10_000, 40_000)
    );
    assert_eq!(rate.rate(), 0.75);
}

#[test]
fn trend_stats_use_k6_names_and_milliseconds() {
    let trend = TrendSink::new();
    for ms in 1..=1000 {
        trend.record_ms(f64::from(ms));
    }
    trend.record_ms(-5.0); // clamps to 0
    trend.record_ns(1_000_000_000); // 1000 ms
    let s = trend.snapshot();
    let stat = |name| trend_stat(&s, name);
    let close = |got: Option<f64>, want: f64| {
        let got = got.unwrap();
        assert!((got - want).abs() <= want.abs() * 0.001, "{got} vs {want}");
    };

    let mut sorted: Vec<u64> = (1..=1000u64).map(|ms| ms * 1_000_000).collect();
    sorted.extend([0, 1_000_000_000]);
    sorted.sort_unstable();
    let k6 = |p| exact_percentile(&sorted, p) / 1e6;

    assert_eq!(stat("count"), Some(1002.0));
    assert_eq!(stat("min"), Some(0.0));
    assert_eq!(stat("max"), Some(1000.0));
    assert_eq!(stat("avg"), Some((500_500.0 + 1000.0) / 1002.0));
    close(stat("med"), k6(50.0));
    close(stat("p(50)"), k6(50.0));
    close(stat("p(90)"), k6(90.0));
    close(stat("p(95)"), k6(95.0));
    close(stat("p(99.9)"), k6(99.9));
    close(stat("p(99.99)"), k6(99.99));
    assert_eq!(stat("p(0)"), Some(0.0));
    assert_eq!(stat("p(100)"), Some(1000.0));

    for invalid in [
        "", "mean", "sum", "p", "p()", "p(abc)", "p(101)", "p(-1)", "p(NaN)", "p(50", "P(50)",
        "p(50) ",
    ] {
        assert_eq!(stat(invalid), None, "{invalid:?}");
    }

    let empty = HistogramSnapshot::default();
    for name in ["avg", "min", "med", "max", "count", "p(95)"] {
        assert_eq!(trend_stat(&empty, name), Some(0.0), "{name}");
    }
}
