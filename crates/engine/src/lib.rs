//! volley's engine: the data plane of a load test, with no Node in it.
//!
//! - [`http`]: the HTTP/1.1 client and k6's phase timings;
//! - [`metrics`]: lock-free sinks, histograms and the registry of k6's built-in metrics;
//! - [`exec`]: executors, VU loops and the worker threads they run on;
//! - [`control`]: the handle that pauses, resumes, scales and stops a run, or one of its
//!   scenarios, from any thread;
//! - [`output`]: samples streamed to files in k6's formats (`--out json`, `--out csv`);
//! - [`run`]: one whole run, as the addon drives it.
pub mod control;
pub mod exec;
pub mod fast_path;
pub mod groups;
pub mod http;
pub mod metrics;
pub mod output;
pub mod run;
pub mod script;

pub use run::{Engine, EngineConfig, RunResult, Scenario, Work};
