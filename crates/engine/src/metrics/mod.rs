//! Metrics: lock-free sinks for k6's four metric kinds ([`sinks`]), the constant-memory
//! histogram behind trends ([`histogram`]) and the registry of built-in metrics ([`registry`]).
pub mod expected;
pub mod histogram;
pub mod registry;
pub mod sinks;

pub use expected::ExpectedStatuses;
pub use registry::{Contains, MetricKind, MetricSnapshot, Registry};
