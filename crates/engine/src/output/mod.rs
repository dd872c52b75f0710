//! Outputs: every sample of a run, streamed to files in k6's formats (`--out json=FILE`,
//! `--out csv=FILE`), off the hot path.
//!
//! ```text
//! VU threads --Stream::emit (try_send, never blocks)--> bounded queue --> writer thread
//!                                                                          | expands, formats
//!                                                                          v
//!                                                            JSON lines / CSV files
//! ```
//!
//! - With no output enabled, a producer pays one relaxed atomic load ([`OutputTap::stream`]).
//! - With outputs, a producer builds one queue entry per request or iteration (no allocation on
//!   the fast path: the entry shares the prepared request) and `try_send`s it. A full queue
//!   drops the entry and counts the samples it held: the writer reports them at the end, so
//!   nothing is lost silently (k6 buffers without bound instead; we keep memory flat).
//! - The writer thread expands entries into k6's samples ([`sample`]), formats them in Rust
//!   ([`formats`], with Go's number, time and string forms from [`gofmt`]), samples `vus` and
//!   `vus_max` once a second, and writes every 200 ms (k6's JSON flush period).

mod formats;
pub mod gofmt;
pub mod sample;

use crate::http::{Outcome, PreparedRequest};
use crate::metrics::tags::TagSet;
use formats::{Csv, Declarations, FileSink, Format, JsonLines};
use sample::{Builtin, Emission, HttpSample, MetricRef, Point};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

pub use formats::CSV_TAG_COLUMNS;

/// Queue entries (a request is one entry of 11 samples), 160 bytes each: 5 MiB when full.
pub const DEFAULT_QUEUE_CAPACITY: usize = 32 * 1024;
const FLUSH_EVERY: Duration = Duration::from_millis(200);
const VUS_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    Json,
    Csv,
}

impl OutputKind {
    pub fn parse(name: &str) -> Option<OutputKind> {
        match name {
            "json" => Some(OutputKind::Json),
            "csv" => Some(OutputKind::Csv),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OutputTarget {
    pub kind: OutputKind,
    pub path: PathBuf,
}

/// One threshold expression as the test declared it (for the JSON output's `Metric` lines).
#[derive(Debug, Clone)]
pub struct ThresholdSource {
    pub source: String,
    pub abort_on_fail: bool,
    pub delay_abort_eval_ms: Option<u64>,
}

impl ThresholdSource {
    pub fn plain(source: &str) -> Self {
        ThresholdSource {
            source: source.into(),
            abort_on_fail: false,
            delay_abort_eval_ms: None,
        }
    }
}

/// The thresholds of one key as written (`metric` or `metric{tag:value}`).
#[derive(Debug, Clone)]
pub struct ThresholdDecl {
    pub key: String,
    pub thresholds: Vec<ThresholdSource>,
}

#[derive(Debug, Clone)]
pub struct OutputConfig {
    pub targets: Vec<OutputTarget>,
    pub thresholds: Vec<ThresholdDecl>,
    /// The local UTC offset, east positive: k6 stamps JSON times in local time.
    pub utc_offset_secs: i32,
    pub queue_capacity: usize,
}

impl OutputConfig {
    pub fn new(targets: Vec<OutputTarget>) -> Self {
        OutputConfig {
            targets,
            thresholds: Vec::new(),
            utc_offset_secs: 0,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }
}

/// What the writer did, read after the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputStats {
    /// Samples that reached the writer (each was written to every output file).
    pub samples: u64,
    /// Samples dropped because the queue was full.
    pub dropped: u64,
    /// I/O errors, one per output file that failed (it was given up at its first error).
    pub errors: Vec<String>,
}

enum Msg {
    Sample(Emission),
    Close,
}

/// The producer's end, shared by every VU through the registry.
pub struct Stream {
    tx: SyncSender<Msg>,
    scenario: Box<str>,
    dropped: Arc<AtomicU64>,
}

impl Stream {
    /// The run's scenario name (the `scenario` tag of samples that do not name one).
    pub fn scenario(&self) -> &str {
        &self.scenario
    }

    /// Queues an entry, or counts its samples as dropped when the queue is full. Never blocks.
    pub fn emit(&self, e: Emission) {
        match self.tx.try_send(Msg::Sample(e)) {
            Ok(()) => {}
            Err(
                TrySendError::Full(Msg::Sample(e)) | TrySendError::Disconnected(Msg::Sample(e)),
            ) => {
                self.dropped.fetch_add(e.samples(), Ordering::Relaxed);
            }
            Err(_) => {}
        }
    }

    /// A finished request. `group` None or empty: the root group `""`; `scenario` None: the run's;
    /// `expected` None: no response callback (no `expected_response` tag).
    #[allow(clippy::too_many_arguments)]
    pub fn emit_http(
        &self,
        outcome: &Outcome,
        request: &PreparedRequest,
        proto: &'static str,
        group: Option<&str>,
        scenario: Option<&str>,
        user: &TagSet,
        expected: Option<bool>,
    ) {
        let scenario = scenario.filter(|s| *s != &*self.scenario);
        self.emit(Emission::Http(HttpSample::new(
            outcome, request, proto, group, scenario, user, expected,
        )));
    }

    pub fn emit_iteration(&self, took: Duration) {
        self.emit_scenario_iteration(took, None, &TagSet::default());
    }

    /// A finished iteration of `scenario` (None: the run's scenario) with the VU's user tags.
    pub fn emit_scenario_iteration(&self, took: Duration, scenario: Option<&str>, user: &TagSet) {
        let scenario = scenario.filter(|s| *s != &*self.scenario);
        self.emit(Emission::Iteration {
            time: SystemTime::now(),
            took,
            scenario: scenario.map(Into::into),
            user: user.clone(),
        });
    }

    /// A sample tagged `group` (when known), `check` (when given), its scenario (None: the
    /// run's) and the user tags, as k6 tags the samples a VU makes: checks, group durations,
    /// custom metrics.
    pub fn emit_vu_point(&self, metric: MetricRef, value: f64, tags: &VuPointTags<'_>) {
        let mut system: Vec<(&'static str, Box<str>)> = Vec::with_capacity(3);
        if let Some(check) = tags.check {
            system.push(("check", check.into()));
        }
        if let Some(group) = tags.group {
            system.push(("group", group.into()));
        }
        system.push((
            "scenario",
            tags.scenario
                .map_or_else(|| self.scenario.clone(), Into::into),
        ));
        self.emit(Emission::Point(Point {
            time: SystemTime::now(),
            metric,
            value,
            tags: system,
            user: tags.user.clone(),
        }));
    }

    pub fn emit_check(&self, passed: bool, tags: &VuPointTags<'_>) {
        let value = if passed { 1.0 } else { 0.0 };
        self.emit_vu_point(MetricRef::Builtin(Builtin::Checks), value, tags);
    }

    pub fn emit_group_duration(&self, took_ms: f64, tags: &VuPointTags<'_>) {
        // k6 measures in whole nanoseconds: `3.69336`, not JS's `3.6933600000001`.
        let took_ms = (took_ms * 1e6).round() / 1e6;
        self.emit_vu_point(MetricRef::Builtin(Builtin::GroupDuration), took_ms, tags);
    }
}

/// What tags a VU's sample (check, group duration, custom metric) in outputs.
pub struct VuPointTags<'a> {
    pub group: Option<&'a str>,
    pub check: Option<&'a str>,
    /// None: the run's scenario.
    pub scenario: Option<&'a str>,
    pub user: &'a TagSet,
}

/// The registry's switch: off until a run enables outputs.
#[derive(Default)]
pub struct OutputTap {
    enabled: AtomicBool,
    stream: OnceLock<Stream>,
}

impl OutputTap {
    /// The stream, when outputs are on. The only cost on the hot path when they are off.
    #[inline]
    pub fn stream(&self) -> Option<&Stream> {
        if !self.enabled.load(Ordering::Relaxed) {
            return None;
        }
        self.stream.get()
    }

    pub(crate) fn install(&self, stream: Stream) -> Result<(), String> {
        self.stream
            .set(stream)
            .map_err(|_| "outputs are already enabled for this run".to_string())?;
        self.enabled.store(true, Ordering::Release);
        Ok(())
    }

    /// Producers stop emitting (the run is over).
    pub(crate) fn disable(&self) {
        self.enabled.store(false, Ordering::Release);
    }
}

/// Reads `(vus, vus_max)` for the once-a-second gauges; None while the run is not running.
pub type VusSampler = Box<dyn FnMut() -> Option<(u64, u64)> + Send>;

/// The writer, opened (files created) but not started.
pub struct Writer {
    rx: Receiver<Msg>,
    tx: SyncSender<Msg>,
    formats: Vec<Box<dyn Format>>,
    scenario: Box<str>,
    dropped: Arc<AtomicU64>,
    vus: Option<VusSampler>,
}

/// The running writer thread; `close` drains the queue, flushes the files and reports.
pub struct WriterHandle {
    tx: SyncSender<Msg>,
    thread: JoinHandle<(u64, Vec<String>)>,
    dropped: Arc<AtomicU64>,
}

/// Creates the output files and the queue. Errors (a file that cannot be created) come before
/// anything runs.
pub fn open(
    config: &OutputConfig,
    scenario: &str,
    vus: Option<VusSampler>,
) -> Result<(Stream, Writer), String> {
    let decls = Arc::new(Declarations::new(&config.thresholds));
    let mut formats: Vec<Box<dyn Format>> = Vec::new();
    for target in &config.targets {
        let sink = FileSink::create(&target.path)?;
        formats.push(match target.kind {
            OutputKind::Json => {
                Box::new(JsonLines::new(sink, decls.clone(), config.utc_offset_secs))
            }
            OutputKind::Csv => Box::new(Csv::new(sink)),
        });
    }
    let (tx, rx) = mpsc::sync_channel(config.queue_capacity.max(1));
    let dropped = Arc::new(AtomicU64::new(0));
    let stream = Stream {
        tx: tx.clone(),
        scenario: scenario.into(),
        dropped: dropped.clone(),
    };
    let writer = Writer {
        rx,
        tx,
        formats,
        scenario: scenario.into(),
        dropped,
        vus,
    };
    Ok((stream, writer))
}

impl Writer {
    pub fn start(self) -> Result<WriterHandle, String> {
        let tx = self.tx.clone();
        let dropped = self.dropped.clone();
        let thread = std::thread::Builder::new()
            .name("volley-output".into())
            .spawn(move || self.run())
            .map_err(|e| format!("cannot start the output writer thread: {e}"))?;
        Ok(WriterHandle {
            tx,
            thread,
            dropped,
        })
    }

    fn write(&mut self, e: &Emission) {
        let formats = &mut self.formats;
        sample::for_each_sample(e, &self.scenario, &mut |s| {
            for f in formats.iter_mut() {
                f.sample(s);
            }
        });
    }

    fn sample_vus(&mut self) -> u64 {
        let Some((vus, vus_max)) = self.vus.as_mut().and_then(|f| f()) else {
            return 0;
        };
        let now = SystemTime::now();
        for (metric, value) in [(Builtin::Vus, vus), (Builtin::VusMax, vus_max)] {
            let view = sample::builtin_view(metric, now, value as f64, &[]);
            for f in self.formats.iter_mut() {
                f.sample(&view);
            }
        }
        2
    }

    fn flush(&mut self) {
        for f in self.formats.iter_mut() {
            f.sink().write_out();
        }
    }

    fn run(mut self) -> (u64, Vec<String>) {
        let mut samples = 0u64;
        let mut next_vus = Instant::now();
        let mut next_flush = Instant::now() + FLUSH_EVERY;
        loop {
            let now = Instant::now();
            if now >= next_vus {
                samples += self.sample_vus();
                next_vus = (next_vus + VUS_EVERY).max(now);
            }
            if now >= next_flush {
                self.flush();
                next_flush = now + FLUSH_EVERY;
            }
            let wait = next_vus.min(next_flush).saturating_duration_since(now);
            match self.rx.recv_timeout(wait) {
                Ok(Msg::Sample(e)) => {
                    samples += e.samples();
                    self.write(&e);
                    // Under load, drain in bursts and look at the clock now and then.
                    for _ in 0..1024 {
                        match self.rx.try_recv() {
                            Ok(Msg::Sample(e)) => {
                                samples += e.samples();
                                self.write(&e);
                            }
                            Ok(Msg::Close) => return self.finish(samples),
                            Err(_) => break,
                        }
                    }
                }
                Ok(Msg::Close) | Err(RecvTimeoutError::Disconnected) => {
                    return self.finish(samples)
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }

    fn finish(mut self, samples: u64) -> (u64, Vec<String>) {
        self.flush();
        let errors = self
            .formats
            .iter_mut()
            .filter_map(|f| f.sink().error().map(str::to_string))
            .collect();
        (samples, errors)
    }
}

impl WriterHandle {
    /// Ends the writer once everything queued before this call is written; returns its stats.
    pub fn close(self) -> OutputStats {
        let _ = self.tx.send(Msg::Close);
        let (samples, errors) = self.thread.join().unwrap_or_else(|payload| {
            (
                0,
                vec![format!(
                    "the output writer failed: {}",
                    crate::exec::panic_message(payload)
                )],
            )
        });
        OutputStats {
            samples,
            dropped: self.dropped.load(Ordering::Relaxed),
            errors,
        }
    }
}

#[cfg(test)]
mod tests;
