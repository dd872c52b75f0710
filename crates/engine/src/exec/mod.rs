//! Executors: when each VU starts an iteration (spec §11). The engine owns time here; the
//! control handle only changes targets and flags that the VU loops and the scheduler read.
//!
//! - `scheduler`: one scenario's life (running, draining, hard stop) and the closed-model loop;
//! - `vu_loop`: a closed-model VU (constant-vus, ramping-vus, the iteration executors,
//!   externally-controlled);
//! - `ramping_vus`: the stage schedule and how a manual target interacts with it;
//! - `arrival_rate`: the open-model dispatcher and its VUs;
//! - `stages`: the time plans (VU ramps, arrival instants) as pure functions of the clock.

mod arrival_rate;
mod config;
mod ramping_vus;
mod scheduler;
mod stages;
mod vu_loop;
mod workers;
mod workload;

pub use config::{ExecutorKind, ScenarioConfig, Stage};
pub use scheduler::{panic_message, run_scenario, ScenarioOutcome};
pub use workers::WorkerPool;
pub use workload::Workload;
