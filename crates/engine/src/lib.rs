//! volley's engine.
pub mod http;
pub mod metrics;
