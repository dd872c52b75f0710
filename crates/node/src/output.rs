//! Outputs (`--out json=FILE`, `--out csv=FILE`): enabled on the `Engine` before `start`, their
//! stats read after the run. The files are written by the engine (`volley_engine::output`).

use crate::Engine;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use volley_engine::output::{
    OutputConfig, OutputKind, OutputTarget, ThresholdDecl, ThresholdSource, DEFAULT_QUEUE_CAPACITY,
};

#[napi(object)]
pub struct OutputTargetOptions {
    /// "json" or "csv".
    pub kind: String,
    pub path: String,
}

/// One threshold expression, for the JSON output's `Metric` lines.
#[napi(object)]
pub struct ThresholdSourceOptions {
    pub source: String,
    pub abort_on_fail: Option<bool>,
    pub delay_abort_eval_ms: Option<f64>,
}

/// The thresholds of one key as written: `metric` or `metric{tag:value}`.
#[napi(object)]
pub struct ThresholdDeclaration {
    pub key: String,
    pub thresholds: Vec<ThresholdSourceOptions>,
}

#[napi(object)]
pub struct OutputOptions {
    pub outputs: Vec<OutputTargetOptions>,
    pub thresholds: Option<Vec<ThresholdDeclaration>>,
    /// Local offset from UTC in minutes, east positive (`-new Date().getTimezoneOffset()`):
    /// k6 writes JSON times in local time.
    pub utc_offset_minutes: Option<i32>,
    /// Queue entries between the VUs and the writer (a request is one entry).
    pub queue_capacity: Option<u32>,
}

/// What the outputs did: samples written to every file, samples dropped because the writer
/// could not keep up, and I/O errors.
#[napi(object)]
pub struct OutputStats {
    pub samples: f64,
    pub dropped: f64,
    pub errors: Vec<String>,
}

fn output_config(o: OutputOptions) -> Result<OutputConfig> {
    let targets = o
        .outputs
        .into_iter()
        .map(|t| {
            let kind = OutputKind::parse(&t.kind)
                .ok_or_else(|| Error::from_reason(format!("unknown output type {:?}", t.kind)))?;
            Ok(OutputTarget {
                kind,
                path: t.path.into(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let thresholds = o
        .thresholds
        .unwrap_or_default()
        .into_iter()
        .map(|d| ThresholdDecl {
            key: d.key,
            thresholds: d
                .thresholds
                .into_iter()
                .map(|t| ThresholdSource {
                    source: t.source,
                    abort_on_fail: t.abort_on_fail.unwrap_or(false),
                    delay_abort_eval_ms: t
                        .delay_abort_eval_ms
                        .filter(|ms| ms.is_finite() && *ms >= 0.0)
                        .map(|ms| ms as u64),
                })
                .collect(),
        })
        .collect();
    Ok(OutputConfig {
        targets,
        thresholds,
        utc_offset_secs: o.utc_offset_minutes.unwrap_or(0).clamp(-24 * 60, 24 * 60) * 60,
        queue_capacity: o
            .queue_capacity
            .map_or(DEFAULT_QUEUE_CAPACITY, |c| c.max(1) as usize),
    })
}

#[napi]
impl Engine {
    /// Creates the output files and streams every sample of the run to them; before `start`.
    #[napi(catch_unwind)]
    pub fn enable_outputs(&self, options: OutputOptions) -> Result<()> {
        let config = output_config(options)?;
        self.inner
            .enable_outputs(config)
            .map_err(Error::from_reason)
    }

    /// Null until the run is over, or when no output was enabled.
    #[napi(catch_unwind)]
    pub fn output_stats(&self) -> Option<OutputStats> {
        self.inner.output_stats().map(|s| OutputStats {
            samples: s.samples as f64,
            dropped: s.dropped as f64,
            errors: s.errors,
        })
    }
}
