//! Executors: when each VU starts an iteration (spec §11). The engine owns time here; the
//! control handle only changes targets and flags that the VU loops and the scheduler read.

mod config;
mod scheduler;
mod vu_loop;
mod workers;
mod workload;

pub use config::{ExecutorKind, ScenarioConfig};
pub use scheduler::{panic_message, run_scenario, ScenarioOutcome};
pub use workers::WorkerPool;
pub use workload::Workload;
