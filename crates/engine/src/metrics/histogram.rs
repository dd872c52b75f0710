//! A lock-free, constant-memory latency histogram.
//!
//! k6 keeps every sample of a trend and sorts them to read a percentile; a long test at a high rate
//! therefore grows without bound. A [`Histogram`] counts samples in fixed buckets instead: memory
//! does not depend on the number of samples, and any percentile can still be read afterwards, to
//! three significant digits.
//!
//! # Units
//!
//! Values are `u64` **nanoseconds**. Converting to k6's milliseconds is the reader's job
//! (`ns / 1e6`, see [`crate::metrics::sinks::trend_stat`]).
//!
//! # Buckets and accuracy
//!
//! The buckets are log-linear, as in HdrHistogram, with [`SUB_BITS`]` = 10`:
//!
//! - values below 2^10 = 1024 ns each get their own bucket (exact);
//! - each power of two above, `[2^m, 2^(m+1))`, is split into 1024 equal sub-buckets of width
//!   `2^(m-10)`, so a bucket is never wider than 1/1024 of the values in it.
//!
//! A percentile reports the midpoint of its bucket, so its relative error is at most 1/2048
//! (about 0.05 %) from 1 ns up to [`MAX_TRACKABLE`] (2^44 - 1 ns, about 4.9 hours). Larger values are
//! counted in the top bucket; `min`, `max`, `sum` and `mean` stay exact whatever the value (the
//! sum wraps only after 2^64 ns, 584 years, of summed latency per shard).
//! There are [`BUCKETS`]` = 35 * 1024` buckets of 8 bytes: 280 KiB per shard in use.
//!
//! # Percentiles, like k6
//!
//! k6 sorts the samples `s` and interpolates linearly at index `i = p/100 * (n-1)` between
//! `s[floor(i)]` and `s[ceil(i)]`. [`HistogramSnapshot::percentile`] does the same with each
//! sample replaced by its bucket's midpoint, except that rank 0 is the exact `min` and rank `n-1`
//! the exact `max`; the result is clamped to `[min, max]`. So `p(0)` is `min`, `p(100)` is `max`,
//! and a histogram of a constant is exact.
//!
//! # Why sharded
//!
//! Every engine worker (and later every JS worker) records into the same `http_req_duration`.
//! One array of atomics shared by all threads would make each record a cache-line transfer
//! between cores. Instead a histogram holds [`SHARDS`] cache-padded shards. A thread takes the
//! lowest free shard index on its first record, keeps it (the same index in every histogram and
//! sink) until it exits, and only ever writes there, so while no more than [`SHARDS`] recording
//! threads are alive the atomics it touches stay in its own core's cache, and threads that come
//! and go reuse shards already allocated. A shard's bucket array is allocated the first time a
//! thread records into it; after that [`Histogram::record`] allocates nothing and takes no lock:
//! one `fetch_add` on the bucket, one on the sum, and a `fetch_min`/`fetch_max` only when the
//! value is a new extreme (about 11 ns on the reference machine, against 13 ns for a
//! per-thread `hdrhistogram` behind an owner-only mutex: `bench/RESULTS.md`, "Histogram").
//! Shards are merged when read, by [`Histogram::snapshot`] (about 20 µs for 4 shards).
//!
//! A snapshot taken while other threads record is not a single instant: a sample recorded
//! during the snapshot may be in its `sum` but not yet in its buckets. `count` is always the
//! number of samples in the buckets, so percentiles are consistent with it; once recording
//! stops (end of test) the snapshot is exact.
//!
//! ```
//! use volley_engine::metrics::histogram::Histogram;
//!
//! let h = Histogram::new();
//! for us in 1..=1000u64 {
//!     h.record(us * 1_000); // 1 µs .. 1 ms, in ns
//! }
//! let s = h.snapshot();
//! assert_eq!(s.count(), 1000);
//! assert_eq!(s.min(), 1_000);
//! assert_eq!(s.max(), 1_000_000);
//! let p50 = s.percentile(50.0); // k6: 500.5 µs
//! assert!((p50 - 500_500.0).abs() / 500_500.0 < 0.0005);
//! ```

use std::cell::Cell;
use std::cmp::Ordering;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::OnceLock;

use crossbeam_utils::CachePadded;

/// log2 of the number of linear sub-buckets per power of two; bucket width <= value / 2^SUB_BITS.
pub const SUB_BITS: u32 = 10;
const SUB_COUNT: u64 = 1 << SUB_BITS;
/// Highest power-of-two exponent with its own buckets: values up to 2^(MAX_EXP+1) - 1.
const MAX_EXP: u32 = 43;
/// Largest value (ns) counted in its own bucket, 2^44 - 1 ns (about 4.9 hours). Larger values
/// go into the top bucket; `min`/`max`/`sum` stay exact.
pub const MAX_TRACKABLE: u64 = (1 << (MAX_EXP + 1)) - 1;
/// Buckets per shard: one linear group below 2^SUB_BITS, then one group per power of two.
pub const BUCKETS: usize = ((MAX_EXP - SUB_BITS + 2) as usize) << SUB_BITS;
/// Number of per-thread shards in every sharded metric (histograms and sinks).
pub const SHARDS: usize = 16;

/// Bit `i` set: shard `i` is held by a live thread.
static HELD_SHARDS: AtomicU32 = AtomicU32::new(0);
/// Round-robin for threads that find every shard held.
static NEXT_SHARED: AtomicUsize = AtomicUsize::new(0);
const ALL_SHARDS: u32 = ((1u64 << SHARDS) - 1) as u32;
const _: () = assert!(SHARDS <= 32, "HELD_SHARDS has one bit per shard");

thread_local! {
    /// The calling thread's shard; `usize::MAX` until its first record. Const and without
    /// destructor, so the hot path is one TLS load and a compare.
    static THREAD_SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
    /// Gives the held shard back when the thread exits.
    static SHARD_HOLD: ShardHold = const { ShardHold(Cell::new(None)) };
}

struct ShardHold(Cell<Option<u32>>);

impl Drop for ShardHold {
    fn drop(&mut self) {
        if let Some(index) = self.0.take() {
            release_shard(&HELD_SHARDS, index);
        }
    }
}

/// Takes the lowest free shard in `held`, or `None` when all are held.
fn hold_lowest_free_shard(held: &AtomicU32) -> Option<u32> {
    let mut current = held.load(Relaxed);
    loop {
        let free = !current & ALL_SHARDS;
        if free == 0 {
            return None;
        }
        let index = free.trailing_zeros();
        match held.compare_exchange_weak(current, current | 1 << index, Relaxed, Relaxed) {
            Ok(_) => return Some(index),
            Err(now) => current = now,
        }
    }
}

fn release_shard(held: &AtomicU32, index: u32) {
    held.fetch_and(!(1 << index), Relaxed);
}

/// The calling thread's shard index, the same in every sharded metric (histograms and sinks).
///
/// On its first call a thread holds the lowest free shard until it exits, so that while at most
/// [`SHARDS`] recording threads are alive each writes to its own shard, and threads that come and
/// go (tokio's blocking pool, restarted JS workers) reuse the shards already allocated instead
/// of allocating new ones. Beyond that, threads share shards round-robin: still correct, as
/// every shard update is an atomic read-modify-write, just no longer free of contention.
#[inline]
pub(crate) fn thread_shard() -> usize {
    match THREAD_SHARD.try_with(Cell::get) {
        Ok(index) if index != usize::MAX => index,
        Ok(_) => assign_thread_shard(),
        // Only while thread-locals are being destroyed; any shard is correct.
        Err(_) => 0,
    }
}

#[cold]
fn assign_thread_shard() -> usize {
    // The hold is registered before the shard is taken, so it can always be given back.
    let held = SHARD_HOLD
        .try_with(|hold| {
            let index = hold_lowest_free_shard(&HELD_SHARDS)?;
            hold.0.set(Some(index));
            Some(index as usize)
        })
        .ok()
        .flatten();
    let index = held.unwrap_or_else(|| NEXT_SHARED.fetch_add(1, Relaxed) % SHARDS);
    // The cell keeps its index after the hold is dropped: a record from a later thread-local
    // destructor then shares the shard, which atomics make safe.
    let _ = THREAD_SHARD.try_with(|cell| cell.set(index));
    index
}

/// Index of the bucket counting `value`.
#[inline]
fn bucket_index(value: u64) -> usize {
    let v = value.min(MAX_TRACKABLE);
    // Below 2^SUB_BITS the shift is 0 and the index is the value itself; above, `v >> shift`
    // is in [2^SUB_BITS, 2^(SUB_BITS+1)) and `shift << SUB_BITS` selects the power-of-two group.
    let shift = (63 - (v | SUB_COUNT).leading_zeros()) - SUB_BITS;
    ((u64::from(shift) << SUB_BITS) + (v >> shift)) as usize
}

/// Lowest value of bucket `index` and log2 of its width.
#[inline]
fn bucket_low_and_shift(index: usize) -> (u64, u32) {
    let index = index as u64;
    let shift = (index >> SUB_BITS).saturating_sub(1) as u32;
    ((index - (u64::from(shift) << SUB_BITS)) << shift, shift)
}

/// Midpoint of the integers counted by bucket `index`.
#[inline]
fn bucket_midpoint(index: usize) -> f64 {
    let (low, shift) = bucket_low_and_shift(index);
    low as f64 + ((1u64 << shift) - 1) as f64 / 2.0
}

struct Shard {
    buckets: OnceLock<Box<[AtomicU64]>>,
    /// Wrapping sum of the values, ns: wraps only after 584 years of summed latency per shard.
    sum: AtomicU64,
    min: AtomicU64,
    max: AtomicU64,
}

impl Default for Shard {
    fn default() -> Self {
        Shard {
            buckets: OnceLock::new(),
            sum: AtomicU64::new(0),
            min: AtomicU64::new(u64::MAX),
            max: AtomicU64::new(0),
        }
    }
}

fn new_buckets() -> Box<[AtomicU64]> {
    (0..BUCKETS).map(|_| AtomicU64::new(0)).collect()
}

/// A concurrent log-linear histogram of nanosecond values. See the [module docs](self).
pub struct Histogram {
    shards: [CachePadded<Shard>; SHARDS],
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            shards: std::array::from_fn(|_| CachePadded::new(Shard::default())),
        }
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("shards_in_use", &self.shards_in_use())
            .finish_non_exhaustive()
    }
}

impl Histogram {
    /// An empty histogram. Allocates no buckets until a thread records.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one sample of `value_ns` nanoseconds. Lock-free, callable from any thread; allocates
    /// only on the first record of a thread whose shard has no buckets yet.
    #[inline]
    pub fn record(&self, value_ns: u64) {
        self.record_n(value_ns, 1);
    }

    /// Counts `count` samples of `value_ns` at once (e.g. coordinated-omission corrections).
    /// The sum saturates at `u64::MAX` per call.
    #[inline]
    pub fn record_n(&self, value_ns: u64, count: u64) {
        if count == 0 {
            return;
        }
        let shard = &self.shards[thread_shard()];
        let buckets = shard.buckets.get_or_init(new_buckets);
        buckets[bucket_index(value_ns)].fetch_add(count, Relaxed);
        shard.sum.fetch_add(value_ns.saturating_mul(count), Relaxed);
        // Extremes rarely change: a plain load keeps the common case free of read-modify-writes.
        if value_ns < shard.min.load(Relaxed) {
            shard.min.fetch_min(value_ns, Relaxed);
        }
        if value_ns > shard.max.load(Relaxed) {
            shard.max.fetch_max(value_ns, Relaxed);
        }
    }

    /// Merges all shards into an owned snapshot. Reads only the buckets between each shard's
    /// min and max, so it costs little when values span a few powers of two.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut sum: u128 = 0;
        let mut min = u64::MAX;
        let mut max = 0;
        let mut ranges = Vec::with_capacity(SHARDS);
        for shard in &self.shards {
            let Some(buckets) = shard.buckets.get() else {
                continue;
            };
            let shard_min = shard.min.load(Relaxed);
            let shard_max = shard.max.load(Relaxed);
            if shard_min > shard_max {
                continue; // allocated, nothing recorded yet
            }
            sum += u128::from(shard.sum.load(Relaxed));
            min = min.min(shard_min);
            max = max.max(shard_max);
            ranges.push((buckets, bucket_index(shard_min), bucket_index(shard_max)));
        }
        let Some(first) = ranges.iter().map(|r| r.1).min() else {
            return HistogramSnapshot::default();
        };
        let last = ranges.iter().map(|r| r.2).max().unwrap_or(first);
        let mut dense = vec![0u64; last - first + 1];
        for (buckets, low, high) in ranges {
            for (slot, bucket) in dense[low - first..=high - first]
                .iter_mut()
                .zip(&buckets[low..=high])
            {
                *slot += bucket.load(Relaxed);
            }
        }
        let buckets: Vec<(u32, u64)> = dense
            .iter()
            .enumerate()
            .filter(|(_, &c)| c != 0)
            .map(|(i, &c)| ((first + i) as u32, c))
            .collect();
        let count = buckets.iter().map(|b| b.1).sum();
        if count == 0 {
            return HistogramSnapshot::default();
        }
        HistogramSnapshot {
            buckets,
            count,
            sum,
            min,
            max,
        }
    }

    /// Bytes of bucket arrays allocated so far: `BUCKETS * 8` per shard in use, whatever the
    /// number of samples.
    pub fn allocated_bytes(&self) -> usize {
        self.shards_in_use() * BUCKETS * std::mem::size_of::<AtomicU64>()
    }

    fn shards_in_use(&self) -> usize {
        self.shards
            .iter()
            .filter(|s| s.buckets.get().is_some())
            .count()
    }
}

/// One non-empty bucket of a snapshot: `count` samples with values in `low..=high` ns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketCount {
    pub low: u64,
    pub high: u64,
    pub count: u64,
}

/// An owned, mergeable copy of a histogram's counts. Sparse: only non-empty buckets are kept,
/// so it is small (a few KiB for typical latencies) and cheap to clone, merge and send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistogramSnapshot {
    /// (bucket index, count), sorted by index, counts non-zero.
    buckets: Vec<(u32, u64)>,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl HistogramSnapshot {
    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// True when no sample was recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Smallest sample, ns, exact; 0 when empty.
    pub fn min(&self) -> u64 {
        self.min
    }

    /// Largest sample, ns, exact; 0 when empty.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Sum of the samples, ns, exact.
    pub fn sum(&self) -> u128 {
        self.sum
    }

    /// Exact arithmetic mean (sum / count), ns; 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The `p`th percentile (`p` in 0..=100, clamped), ns, interpolated like k6 (see the
    /// [module docs](self)); 0 when empty. Relative error <= 1/2048 for values up to
    /// [`MAX_TRACKABLE`].
    pub fn percentile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        // NaN counts as 0.
        if p.is_nan() || p <= 0.0 {
            return self.min as f64;
        }
        if p >= 100.0 {
            return self.max as f64;
        }
        let index = p / 100.0 * (self.count - 1) as f64;
        let below = index.floor();
        let fraction = index - below;
        let below = below as u64;
        let lower = self.value_at_rank(below);
        let value = if fraction > 0.0 {
            let upper = self.value_at_rank(below + 1);
            lower + (upper - lower) * fraction
        } else {
            lower
        };
        value.clamp(self.min as f64, self.max as f64)
    }

    /// Estimated value of the sample at 0-based `rank` in sorted order.
    fn value_at_rank(&self, rank: u64) -> f64 {
        if rank == 0 {
            return self.min as f64;
        }
        if rank >= self.count - 1 {
            return self.max as f64;
        }
        let mut seen = 0;
        for &(index, count) in &self.buckets {
            seen += count;
            if seen > rank {
                return bucket_midpoint(index as usize).clamp(self.min as f64, self.max as f64);
            }
        }
        self.max as f64
    }

    /// Adds `other`'s samples to this snapshot (as if one histogram had recorded both streams).
    pub fn merge(&mut self, other: &HistogramSnapshot) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            self.clone_from(other);
            return;
        }
        let (a, b) = (&self.buckets, &other.buckets);
        let mut merged = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                Ordering::Less => {
                    merged.push(a[i]);
                    i += 1;
                }
                Ordering::Greater => {
                    merged.push(b[j]);
                    j += 1;
                }
                Ordering::Equal => {
                    merged.push((a[i].0, a[i].1 + b[j].1));
                    i += 1;
                    j += 1;
                }
            }
        }
        merged.extend_from_slice(&a[i..]);
        merged.extend_from_slice(&b[j..]);
        self.buckets = merged;
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The non-empty buckets in increasing value order (for exporters).
    pub fn buckets(&self) -> impl Iterator<Item = BucketCount> + '_ {
        self.buckets.iter().map(|&(index, count)| {
            let (low, shift) = bucket_low_and_shift(index as usize);
            BucketCount {
                low,
                high: low + ((1u64 << shift) - 1),
                count,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_hold_the_lowest_free_shard_and_share_when_all_are_held() {
        let held = AtomicU32::new(0);
        for expected in 0..SHARDS as u32 {
            assert_eq!(hold_lowest_free_shard(&held), Some(expected));
        }
        assert_eq!(hold_lowest_free_shard(&held), None);
        release_shard(&held, 5);
        release_shard(&held, 2);
        assert_eq!(hold_lowest_free_shard(&held), Some(2));
        assert_eq!(hold_lowest_free_shard(&held), Some(5));
        assert_eq!(hold_lowest_free_shard(&held), None);
    }

    #[test]
    fn bucket_bounds_contain_their_values_and_are_narrow() {
        let mut values: Vec<u64> = (0..5000).collect();
        for e in 10..=MAX_EXP {
            let p = 1u64 << e;
            values.extend([p - 1, p, p + 1, p + p / 3, 2 * p - 1]);
        }
        values.push(MAX_TRACKABLE);
        values.sort_unstable();
        let mut previous = None;
        for v in values {
            let index = bucket_index(v);
            assert!(index < BUCKETS, "{v}");
            let (low, shift) = bucket_low_and_shift(index);
            let high = low + (1u64 << shift) - 1;
            assert!(low <= v && v <= high, "{v} not in [{low}, {high}]");
            assert!(
                ((high - low + 1) as f64) <= (low as f64 / 1024.0).max(1.0),
                "{v}"
            );
            if let Some(p) = previous {
                assert!(index >= p);
            }
            previous = Some(index);
        }
        assert_eq!(bucket_index(MAX_TRACKABLE), BUCKETS - 1);
        assert_eq!(bucket_index(u64::MAX), BUCKETS - 1);
    }
}
